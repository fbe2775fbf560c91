"""Parameter-name inlay hints: `area(w: 3, h: 4)` shows the names of the
parameters the positional arguments of a call bind to, as rust-analyzer
does.

A hint is shown before each positional argument of a call whose callee
resolves statically (a function, a method of a known type, a struct
constructor, an enum variant, a module member), except where it would only
repeat what is written: an argument that is a name (or a field) spelled as
the parameter, and the rest parameter's arguments. Builtins get none: their
documented parameter names (`x`, `iterable`) would say little. Hints are
computed for the units in the requested range only, each time: the names
come from declarations elsewhere, which may change while the call does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, TypeVar

from . import ast
from .ide import FileIndex
from .incremental import Placed, walk
from .symbols import SymbolKind, builtin_entry, is_instance_method, struct_fields

T = TypeVar("T")


@dataclass(frozen=True)
class ParameterHint:
    """`label` (e.g. `w:`) to show before the argument at `offset`."""

    offset: int
    label: str


def parameter_hints(index: FileIndex, start: int, end: int) -> list[ParameterHint]:
    """The hints for the arguments that start within [start, end]."""
    return hints_between(index, start, end, _unit_hints)


def hints_between(index: FileIndex, start: int, end: int, unit_hints: Callable[[FileIndex, Placed], list[T]]
                  ) -> list[T]:
    """The hints `unit_hints(index, place)` gives for the units that overlap
    [start, end] (each at its `offset` in the unit's own frame), moved to
    where the unit is now and kept when within [start, end], in order."""
    found = []
    for place in index.analysis.units_between(start, end):
        for hint in unit_hints(index, place):
            offset = hint.offset + place.offset
            if start <= offset <= end:
                found.append(replace(hint, offset=offset))
    return sorted(found, key=lambda hint: hint.offset)


def _unit_hints(index: FileIndex, place: Placed) -> list[ParameterHint]:
    # Not kept with the unit: the names come from declarations elsewhere (in
    # other units or files), which can change while this unit does not.
    hints = []
    for stmt in place.unit.statements:
        for node in walk(stmt):
            if isinstance(node, (ast.Call, ast.MethodCall)) and node.args:
                hints += _call_hints(index, place, node)
    return hints


def _call_hints(index: FileIndex, place: Placed, call: ast.Call | ast.MethodCall) -> list[ParameterHint]:
    names = _parameter_names(index, place, call)
    if names is None:
        return []
    return [ParameterHint(argument.span.start, f"{name}:")
            for argument, name in zip(call.args, names) if not _spelled_as(argument, name)]


def _parameter_names(index: FileIndex, place: Placed, call: ast.Call | ast.MethodCall) -> list[str] | None:
    """The names of the parameters the positional arguments bind to, in
    order (without a rest parameter); None when the callee is not known."""
    callee = call.name if isinstance(call, ast.MethodCall) else \
        call.callee.name if isinstance(call.callee, ast.Field) else call.callee
    if not isinstance(callee, (ast.Name, ast.Ident)):
        return None
    found = index.occurrence_at(place.span(callee.span).start)
    if found is None:
        return None
    home = index.home_of(found)
    symbol = home.symbol if home is not None else found.symbol
    if builtin_entry(symbol) is not None:
        return None
    decl = symbol.decl
    if isinstance(decl, ast.FnDecl) and symbol.kind in (SymbolKind.FUNCTION, SymbolKind.METHOD):
        params = decl.params
        if is_instance_method(decl) and _on_instance(index, place, call):
            params = params[1:]
        return [param.name.name for param in params if not param.rest]
    if symbol.kind is SymbolKind.STRUCT:
        return [field.name for field in struct_fields(symbol)]
    if symbol.kind is SymbolKind.VARIANT and getattr(decl, "fields", None) is not None:
        return [item.name for item in decl.fields]
    return None


def _on_instance(index: FileIndex, place: Placed, call: ast.Call | ast.MethodCall) -> bool:
    """Whether a method is called on a value (`p.norm(2)`), not on its type
    (`Point.norm(p, 2)`), which passes `self` as the first argument."""
    receiver = call.receiver if isinstance(call, ast.MethodCall) else \
        call.callee.obj if isinstance(call.callee, ast.Field) else None
    if not isinstance(receiver, ast.Name):
        return receiver is not None
    found = index.occurrence_at(place.span(receiver.span).start)
    kind = found.symbol.kind if found is not None else None
    return kind not in (SymbolKind.STRUCT, SymbolKind.ENUM)


def _spelled_as(argument: ast.Node, name: str) -> bool:
    """An argument that already says the parameter's name: `width` or `box.width` for `width`."""
    if isinstance(argument, ast.Name):
        return argument.name == name
    if isinstance(argument, ast.Field):
        return argument.name.name == name
    return False
