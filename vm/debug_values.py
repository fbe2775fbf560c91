"""How the debugger shows Esker values: bounded summaries, the parts a value
expands into (elements, entries, fields, payloads, captured variables, the
fields, methods and variants of types) and assignment to those parts.

Registers can also hold values that are the VM's own, not the program's (a
`for` loop's iterator, the spill area of far slots); they are shown as
`Internal` values, never as interpreter objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from .runtime import ops
from .runtime.errors import EskerError
from .runtime.printing import quote, to_repr
from .runtime.values import (
    BoundMethod, Builtin, EnumType, EnumValue, Function, Generator, Module, Range, StructInstance, StructType,
    VariantConstructor,
)


class EvaluationError(Exception):
    """An expression could not be compiled, or raised an error."""


@dataclass(frozen=True)
class Child:
    """One part of a value, and how an Esker expression reaches it from the
    value's own expression (".x", "[3]"; None when no expression can)."""

    name: str
    value: object
    access: str | None


@dataclass(frozen=True)
class Internal:
    """A value of the VM's own held in a register: shown as `text` with type
    `kind`, expanding into `parts`."""

    text: str
    kind: str
    parts: tuple[Child, ...] = ()


#: The Python types of Esker values that are not classes of their own below.
_PROGRAM_TYPES = frozenset({type(None), bool, int, float, str, list, tuple, dict, Range, Builtin, VariantConstructor,
                            StructType, EnumType, Module, StructInstance, EnumValue, BoundMethod})


def is_program_value(value) -> bool:
    """Whether `value` is an Esker value (rather than one of the VM's own)."""
    return type(value) in _PROGRAM_TYPES or isinstance(value, (Function, Generator))


def type_name(value) -> str:
    """What `type(value)` says (an internal value's kind)."""
    if type(value) is Internal:
        return value.kind
    return ops.type_name(value)


#: How much of a value is rendered when it is asked for in full with ints in hex.
_FULL_HEX = 1_000_000


def summary(value, limit: int | None, hex: bool = False) -> str:
    """`repr` of a value cut to about `limit` characters (None: in full),
    with its ints in hexadecimal when `hex` is set.

    Only the part that is shown is rendered, so a million-element array costs
    no more than a short one.
    """
    if type(value) is Internal:
        return value.text
    if limit is None:
        if not hex:
            return to_repr(value)
        limit = _FULL_HEX
    pieces: list[str] = []
    size = 0
    for piece in _pieces(value, limit, hex):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    text = "".join(pieces)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pieces(value, limit: int, hex: bool):
    """The text of `value` lazily. Each container yields its opening before
    its items, so the consumer's budget also bounds the recursion."""
    kind = type(value)
    if kind is str:
        yield quote(value[: limit + 1])
    elif kind is int and hex:
        yield f"-0x{-value:x}" if value < 0 else f"0x{value:x}"
    elif kind is list or kind is tuple:
        yield "[" if kind is list else "("
        yield from _sequence(value, limit, hex)
        yield "]" if kind is list else (",)" if len(value) == 1 else ")")
    elif kind is dict:
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ", " if index else ""
            yield from _pieces(key, limit, hex)
            yield ": "
            yield from _pieces(item, limit, hex)
        yield "}"
    elif kind is StructInstance:
        yield value.type.name + "("
        for index, (name, item) in enumerate(zip(value.type.fields, value.values)):
            yield (", " if index else "") + name + ": "
            yield from _pieces(item, limit, hex)
        yield ")"
    elif kind is EnumValue and value.payload is not None:
        yield f"{value.type.name}.{value.variant.name}("
        yield from _sequence(value.payload, limit, hex)
        yield ")"
    else:
        yield to_repr(value)


def _sequence(values, limit: int, hex: bool):
    for index, item in enumerate(values):
        if index:
            yield ", "
        yield from _pieces(item, limit, hex)


def child_counts(value) -> tuple[int, int]:
    """(named, indexed) children of a value; (0, 0) for a leaf."""
    kind = type(value)
    if kind is list or kind is tuple or kind is dict:
        return 0, len(value)
    if kind is StructInstance:
        return len(value.values), 0
    if kind is EnumValue:
        return (len(value.payload) if value.payload is not None else 0), 0
    if kind is Module:
        return len(value.members), 0
    if kind is StructType or kind is EnumType or kind is Internal:
        return len(children(value, 0, 0, named=True)), 0
    return len(closure_variables(value)), 0


def children(value, start: int, count: int, named: bool) -> list[Child]:
    """A page of a value's named or indexed children."""
    kind = type(value)
    if not named:
        if kind is list or kind is tuple:
            return [Child(str(index), value[index], f"[{index}]")
                    for index in range(start, min(start + count, len(value)))]
        if kind is dict:
            return [Child(to_repr(key), item, f"[{to_repr(key)}]")
                    for key, item in islice(value.items(), start, start + count)]
        return []
    if kind is StructInstance:
        return [Child(name, item, f".{name}") for name, item in zip(value.type.fields, value.values)]
    if kind is EnumValue and value.payload is not None:
        names = value.variant.fields or [str(index) for index in range(len(value.payload))]
        return [Child(name, item, None) for name, item in zip(names, value.payload)]
    if kind is Module:
        return [Child(name, item, f".{name}") for name, item in value.members.items()]
    if kind is StructType:
        return [Child("fields", tuple(value.fields), None), *_methods(value)]
    if kind is EnumType:
        variants = [Child(name, variant.member, f".{name}") for name, variant in value.variants.items()]
        return [*variants, *_methods(value)]
    if kind is Internal:
        return list(value.parts)
    return [Child(name, item, None) for name, item in closure_variables(value)]


def _methods(owner: StructType | EnumType) -> list[Child]:
    """A type's methods (called on values) and static methods (called on the type)."""
    return [*(Child(name, method, None) for name, method in owner.methods.items()),
            *(Child(name, method, f".{name}") for name, method in owner.static_methods.items())]


def set_child(container, name: str, value) -> None:
    """Assign to the part `name` of a container: an element, entry or field."""
    kind = type(container)
    try:
        if kind is list or kind is tuple:
            ops.set_index(container, _element_index(name), value)
        elif kind is dict:
            key = next((key for key in container if to_repr(key) == name), None)
            if key is None:
                raise EvaluationError(f"the map has no key {name}")
            container[key] = value
        elif kind is StructInstance:
            ops.set_field(container, name, value)
        else:
            raise EvaluationError(f"the parts of a {type_name(container)} are immutable")
    except EskerError as error:
        raise EvaluationError(str(error)) from None


def _element_index(name: str) -> int:
    try:
        return int(name)
    except ValueError:
        raise EvaluationError(f"{name!r} is not an element index") from None


def closure_variables(value) -> list[tuple[str, object]]:
    """The variables a closure captured, by name (empty for other values)."""
    if not isinstance(value, Function):
        return []
    from .machine import captured_variables

    return captured_variables(value)


def members(value) -> list[tuple[str, str]]:
    """The names `value.` can be followed by, with their kind for
    completion: fields, methods, variants, module members."""
    from .runtime.builtins import LIBRARY  # the one table of builtins

    kind = type(value)
    if kind is StructInstance:
        return [*((name, "field") for name in value.type.fields), *((name, "method") for name in value.type.methods)]
    if kind is EnumValue:
        return [(name, "method") for name in value.type.methods]
    if kind is StructType:
        return [(name, "function") for name in value.static_methods]
    if kind is EnumType:
        return [*((name, "enum") for name in value.variants), *((name, "function") for name in value.static_methods)]
    if kind is Module:
        return [(name, completion_kind(item)) for name, item in value.members.items()]
    return [(name, "method") for name in LIBRARY.methods(ops.type_name(value))]


def completion_kind(value) -> str:
    """The DAP completion item type of a name holding `value`."""
    kind = type(value)
    if kind is Module:
        return "module"
    if kind is StructType or kind is EnumType:
        return "class"
    if kind is Builtin or kind is BoundMethod or isinstance(value, Function):
        return "function"
    return "variable"
