"""Format specs of f-string fields (LANGUAGE.md §13.3): reading a spec, and
formatting an Esker value by it.

A spec is Python's format-spec mini-language,
`[[fill]align][sign][z][#][0][width][grouping][.precision][type]`, without
nested `{}`. `parse_spec` reads and checks one; whatever can be decided from
the spec alone (an unknown type, precision with `d`, a sign with `s` ...) is
a `SpecError`, which the checker reports at compile time (E0015).
`format_value` applies a spec to a value; a spec that does not fit the value
(`{"a":d}`) raises the Esker `ValueError`. Both engines call it, so they
cannot disagree.

Esker values meet the spec as follows (docs/language.md, "Format specs"):
ints and floats format as Python formats them (an int takes the float types
too, as in Python); strings take the string options (fill, align, width,
precision as truncation, `s`); every other value — `nil`, booleans (not
numbers in Esker), containers, struct instances, functions — is formatted as
the string `str(value)` with those same string options. A number-only option
(a sign, `z`, `#`, `=`, grouping, a numeric type) on a value that is not a
number is a `ValueError`; so is an integer type on a float, and precision or
`z` on an int without a float type.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import printing  # noqa: F401  (lifts Python's limit on int-to-text conversion)
from .errors import EskerError, runtime_error
from .ops import type_name
from .printing import brief_repr, to_str

#: Largest width or precision a spec may ask for: text that size is built in memory.
MAX_SPEC_NUMBER = 100_000

ALIGNS = "<>=^"
SIGNS = "+- "
INT_TYPES = "dboxXc"
FLOAT_TYPES = "eEfFgG%"
TYPES = "s" + INT_TYPES + FLOAT_TYPES
#: How the order of a spec's parts is shown in messages.
GRAMMAR = "[[fill]align][sign][z][#][0][width][grouping][.precision][type]"


class SpecError(ValueError):
    """A spec that is wrong whatever value it formats. `start`/`end` are
    offsets into the spec of the part at fault."""

    def __init__(self, message: str, start: int = 0, end: int | None = None):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@dataclass(frozen=True)
class FormatSpec:
    """A parsed spec; `text` is the spec as written (what Python's `format` takes)."""

    text: str
    fill: str | None = None
    align: str | None = None
    sign: str | None = None
    no_negative_zero: bool = False
    alternate: bool = False
    zero: bool = False
    width: int | None = None
    grouping: str | None = None
    precision: int | None = None
    type: str | None = None

    def number_options(self) -> list[str]:
        """The options that apply to numbers only, as written, for messages."""
        options = []
        if self.sign is not None:
            options.append(f"the sign `{self.sign}`")
        if self.no_negative_zero:
            options.append("`z`")
        if self.alternate:
            options.append("`#`")
        if self.align == "=":
            options.append("the alignment `=`")
        if self.grouping is not None:
            options.append(f"the grouping `{self.grouping}`")
        return options


# ------------------------------------------------------------------ reading

class _Reader:
    """Reads a spec from left to right; each part is optional."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def take(self, choices: str) -> str | None:
        char = self.text[self.pos:self.pos + 1]
        if char and char in choices:
            self.pos += 1
            return char
        return None

    def digits(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in "0123456789":
            self.pos += 1
        return self.text[start:self.pos]

    def number(self, what: str) -> int | None:
        start = self.pos
        digits = self.digits()
        if not digits:
            return None
        if len(digits) > 6 or int(digits) > MAX_SPEC_NUMBER:
            raise SpecError(f"the {what} {digits} is too large (at most {MAX_SPEC_NUMBER:,})", start, self.pos)
        return int(digits)


@functools.lru_cache(maxsize=512)
def parse_spec(text: str) -> FormatSpec:
    """The spec `text` (what follows `:` in a field), checked; SpecError if it is invalid."""
    reader = _Reader(text)
    fill = align = None
    if len(text) >= 2 and text[1] in ALIGNS:
        fill, align = text[0], text[1]
        reader.pos = 2
    else:
        align = reader.take(ALIGNS)
    sign = reader.take(SIGNS)
    no_negative_zero = reader.take("z") is not None
    alternate = reader.take("#") is not None
    zero = reader.take("0") is not None
    width = reader.number("width")
    grouping = reader.take(",_")
    if grouping is not None and reader.take(",_") is not None:
        raise SpecError("`,` and `_` cannot both group digits: choose one", reader.pos - 1, reader.pos)
    precision = None
    if reader.take("."):
        precision = reader.number("precision")
        if precision is None:
            raise SpecError("`.` must be followed by the precision's digits", reader.pos - 1, reader.pos)
    kind = _read_type(reader)
    spec = FormatSpec(text, fill, align, sign, no_negative_zero, alternate, zero, width, grouping, precision,
                      kind)
    _check_type_options(spec)
    return spec


def _read_type(reader: _Reader) -> str | None:
    text, start = reader.text, reader.pos
    if start == len(text):
        return None
    char = text[start]
    if char == "n":
        raise SpecError("the locale-dependent type `n` is not supported: group digits with `,` or `_`",
                        start, start + 1)
    if char in TYPES:
        if start + 1 < len(text):
            raise SpecError(f"unexpected `{text[start + 1]}` after the type `{char}`: the type ends a spec, "
                            f"which is {GRAMMAR}", start + 1, start + 2)
        reader.pos += 1
        return char
    if char.isalpha() and start + 1 == len(text):
        raise SpecError(f"`{char}` is not a format type (the types are {' '.join(TYPES)})", start, start + 1)
    raise SpecError(f"unexpected `{char}`: a spec is {GRAMMAR}", start, start + 1)


def _check_type_options(spec: FormatSpec) -> None:
    """The combinations that are wrong whatever the value (as Python's `format` says)."""
    kind = spec.type or ""
    if kind == "s":
        options = spec.number_options()
        if options:
            raise SpecError(f"{_join(options)} cannot be used with the string type `s`")
    if kind and kind in INT_TYPES:
        if spec.precision is not None:
            raise SpecError(f"an integer type `{kind}` takes no precision")
        if spec.no_negative_zero:
            raise SpecError(f"`z` applies to float types, not to `{kind}`")
    if kind == "c":
        options = [option for option in spec.number_options() if option != "the alignment `=`"]
        if options:
            raise SpecError(f"{_join(options)} cannot be used with the character type `c`")
    if spec.grouping == "," and kind and kind in "boxXc":
        raise SpecError(f"`,` cannot group the digits of type `{kind}` (use `_`, which groups by four)")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------ formatting

def format_value(value: object, spec: FormatSpec) -> str:
    """`value` formatted by `spec`; the Esker ValueError when they do not fit."""
    kind = type(value)
    if kind is int and spec.type != "s":
        return _format_int(value, spec)
    if kind is float and spec.type != "s":
        if spec.type is not None and spec.type in INT_TYPES:
            raise _mismatch(value, spec, f"the integer type `{spec.type}` needs an int")
        return _python_format(value, spec)
    if kind is not int and kind is not float:
        aside = " (a bool is not a number)" if kind is bool else ""
        if spec.type is not None and spec.type != "s":
            raise _mismatch(value, spec, f"the type `{spec.type}` needs a number{aside}")
        options = spec.number_options()
        if options:
            raise _mismatch(value, spec, f"{_join(options)} {'applies' if len(options) == 1 else 'apply'} "
                                         f"to numbers only{aside}")
    return _python_format(to_str(value), spec)


def format_text(value: object, spec_text: str) -> str:
    """`format_value` with a spec still as text (already checked by the checker)."""
    try:
        spec = parse_spec(spec_text)
    except SpecError as error:
        raise runtime_error("ValueError", f"invalid format spec `{spec_text}`: {error.message}") from None
    return format_value(value, spec)


def _format_int(value: int, spec: FormatSpec) -> str:
    kind = spec.type
    if kind is None or kind in INT_TYPES:
        if spec.precision is not None:
            raise _mismatch(value, spec, "precision needs a float type (`f`, `e`, `g`, `%`) for an int")
        if spec.no_negative_zero:
            raise _mismatch(value, spec, "`z` needs a float type (`f`, `e`, `g`, `%`) for an int")
        if kind == "c" and not (0 <= value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF):
            raise runtime_error("ValueError",
                                f"cannot format {brief_repr(value)} with `c`: it is not a Unicode scalar value")
        return _python_format(value, spec)
    try:
        as_float = float(value)
    except OverflowError:
        raise _mismatch(value, spec, "the int is too large to convert to a float") from None
    return _python_format(as_float, spec)


def _python_format(value: int | float | str, spec: FormatSpec) -> str:
    """Python's `format`, whose own refusals (none are expected once the
    checks above have passed) still become Esker errors, never tracebacks."""
    try:
        return format(value, spec.text)
    except (ValueError, OverflowError) as error:
        raise _mismatch(value, spec, str(error)) from None


def _mismatch(value: object, spec: FormatSpec, reason: str) -> EskerError:
    return runtime_error("ValueError", f"cannot format {type_name(value)} with `{spec.text}`: {reason}")
