"""How Esker values are shown: `str(x)`, `repr(x)` and `print` (§10, §11).

`to_str` shows strings as they are; `to_repr` quotes them, as every string
inside a container is. Containers are rendered with an explicit work list
rather than recursion, so arbitrarily deep values print without exhausting the
Python stack, and a container that contains itself prints as `[...]`.
"""

from __future__ import annotations

import re
import sys

from .values import (BoundMethod, Builtin, EnumType, EnumValue, Function, Generator, Module, Range, StructInstance,
                     StructType, VariantConstructor)

# Esker ints have arbitrary precision, and `print` shows them in full.
sys.set_int_max_str_digits(0)

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f-\x9f"\\]')


def quote(text: str) -> str:
    """A string as it appears inside a container: double-quoted, with escapes."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{{{ord(char):x}}}"


def show_range(value: Range) -> str:
    if value.step != 1:
        return f"range({value.start}, {value.stop}, {value.step})"
    return f"{value.start}..={value.stop}" if value.inclusive else f"{value.start}..{value.stop}"


_ATOMS = {
    type(None): lambda value: "nil",
    bool: lambda value: "true" if value else "false",
    int: int.__repr__,
    float: float.__repr__,
    str: quote,
    Range: show_range,
    Builtin: lambda value: f"<fn {value.name}>",
    VariantConstructor: lambda value: f"<fn {value.name}>",
    BoundMethod: lambda value: f"<fn {value.name}>",
    StructType: lambda value: f"<struct {value.name}>",
    EnumType: lambda value: f"<enum {value.name}>",
    Module: lambda value: f"<module {value.name}>",
}


def _atom(value: object) -> str | None:
    """The text of a value that contains no other values; None for containers."""
    kind = type(value)
    render = _ATOMS.get(kind)
    if render is not None:
        return render(value)
    if kind is EnumValue:
        return f"{value.type.name}.{value.variant.name}" if value.payload is None else None
    if kind in (list, tuple, dict, StructInstance):
        return None
    if isinstance(value, Function):
        return f"<fn {value.name}>" if value.name else "<fn>"
    if isinstance(value, Generator):
        return f"<generator {value.name}>" if value.name else "<generator>"
    return f"<{kind.__name__}>"


#: The most characters of a value an error message shows; a longer one keeps its two ends.
MAX_SHOWN_CHARS = 200


def brief_repr(value: object) -> str:
    """`to_repr(value)` as error messages embed it: a long rendering (a
    megabyte string used as a key, an int of a million digits) keeps its
    first and last characters, with how many were left out between them, as
    a long trace keeps its two ends."""
    text = to_repr(value)
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    half = MAX_SHOWN_CHARS // 2
    return f"{text[:half]} ... {len(text) - 2 * half:,} more characters ... {text[-half:]}"


def to_repr(value: object) -> str:
    """`repr(x)`: strings quoted, containers in full."""
    text = _atom(value)
    if text is not None:
        return text
    parts: list[str] = []
    pending: list[object] = [value]
    open_containers: set[int] = set()
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is _Text:
            parts.append(item)
            continue
        if kind is _Leave:
            open_containers.discard(item.key)
            continue
        text = _atom(item)
        if text is None and id(item) in open_containers:
            text = "[...]" if kind is list else "{...}" if kind is dict else "..."
        if text is not None:
            parts.append(text)
            continue
        open_containers.add(id(item))
        pending.append(_Leave(id(item)))
        pending.extend(reversed(_pieces(item)))
    return "".join(parts)


def to_str(value: object) -> str:
    """`str(x)` and `print`: strings as they are, everything else as `to_repr`."""
    if type(value) is str:
        return value
    return to_repr(value)


class _Text(str):
    """A piece of punctuation in the output, told apart from Esker strings by its type."""


class _Leave:
    """Marks where a container's rendering ends, to close it for cycle detection."""

    __slots__ = ("key",)

    def __init__(self, key: int):
        self.key = key


_COMMA = _Text(", ")
_COLON = _Text(": ")
_CLOSE_PAREN = _Text(")")


def _pieces(value: object) -> list[object]:
    """A container's rendering in order: punctuation (`_Text`) and the values inside."""
    kind = type(value)
    if kind is list:
        return _sequence(_Text("["), value, _Text("]"))
    if kind is tuple:
        return _sequence(_Text("("), value, _Text(",)" if len(value) == 1 else ")"))
    if kind is dict:
        pieces: list[object] = [_Text("{")]
        for key, item in value.items():
            pieces += (key, _COLON, item, _COMMA)
        return _closed(pieces, _Text("}"))
    if kind is StructInstance:
        pieces = [_Text(value.type.name + "(")]
        for name, item in zip(value.type.fields, value.values):
            pieces += (_Text(name + ": "), item, _COMMA)
        return _closed(pieces, _CLOSE_PAREN)
    return _sequence(_Text(f"{value.type.name}.{value.variant.name}("), value.payload, _CLOSE_PAREN)


def _sequence(opening: _Text, items, closing: _Text) -> list[object]:
    pieces: list[object] = [opening]
    for item in items:
        pieces += (item, _COMMA)
    return _closed(pieces, closing)


def _closed(pieces: list[object], closing: _Text) -> list[object]:
    """Ends a rendering: the closing text replaces the comma after the last item."""
    if pieces[-1] is _COMMA:
        pieces[-1] = closing
    else:
        pieces.append(closing)
    return pieces
