"""Symbols and scopes: what each name in an Esker file declares and refers to.

The checker fills a `SymbolTable` while it resolves names; the language server
reads it for go-to-definition, references, rename, hover and completion. The
builtins live in an outer scope that every module scope hangs from, made from
the runtime's one table of builtins (`runtime/library.py`) with their docs.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass, field

from . import ast
from .runtime.builtins import LIBRARY
from .runtime.library import FUNCTION, NAMESPACE, TYPE, Entry
from .source import Span


class SymbolKind(enum.Enum):
    VARIABLE = "variable"
    CONSTANT = "constant"
    PARAMETER = "parameter"
    FUNCTION = "function"
    STRUCT = "struct"
    ENUM = "enum"
    FIELD = "field"
    METHOD = "method"
    VARIANT = "variant"
    MODULE = "module"
    BUILTIN = "builtin"


@dataclass(eq=False)
class Symbol:
    """One declared name. Compared by identity: two `x` in different blocks are
    different symbols."""

    name: str
    kind: SymbolKind
    #: The declaring identifier's span (None for builtins).
    span: Span | None
    #: The declaring node (FnDecl, Let, Param, FieldDecl, VariantDecl, Import, ...).
    decl: ast.Node | None = field(repr=False)
    #: The lexical scope that declares it; None for members, which are reached
    #: through their `parent`.
    scope: Scope | None = field(repr=False)
    #: Every use in this file (reads and writes), not the declaration itself.
    references: list[Span] = field(default_factory=list, repr=False)
    doc: str | None = field(default=None, repr=False)
    #: For FIELD, METHOD and VARIANT: the struct or enum (or builtin module) they belong to.
    parent: Symbol | None = field(default=None, repr=False)
    #: Struct fields and methods, enum variants and methods, a module's members.
    members: dict[str, Symbol] = field(default_factory=dict, repr=False)
    #: MODULE: the resolved file. Symbols declared in another file (the members
    #: of an imported module) also carry that file here, since their spans are its.
    module_path: str | None = None
    reads: int = 0
    #: A method declared without `self`, called on the type.
    is_static: bool = False


@dataclass(eq=False)
class Scope:
    kind: str  # "builtins", "module", "function", "block"
    span: Span
    parent: Scope | None = field(repr=False)
    symbols: dict[str, Symbol] = field(default_factory=dict, repr=False)
    children: list[Scope] = field(default_factory=list, repr=False)

    def lookup(self, name: str) -> Symbol | None:
        """The symbol `name` currently denotes here or in an enclosing scope."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.symbols.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None


#: Every builtin name with the signature shown in completion and hover.
BUILTIN_NAMES: dict[str, str] = {entry.name: entry.signature for entry in LIBRARY.globals()}

#: (least, most) arguments of each builtin function, keyed as written in a call
#: ("len", "math.sqrt"); most is None for any number.
BUILTIN_ARITY: dict[str, tuple[int, int | None]] = {
    entry.qualified: (entry.min_args, entry.max_args)
    for entry in LIBRARY.entries.values() if entry.kind == FUNCTION
}

_ERROR_FIELDS = ("kind", "message")


def builtin_entry(symbol: Symbol) -> Entry | None:
    """The library entry a builtin symbol stands for (`len`, `math.sqrt`, `Error`)."""
    if symbol.span is not None:
        return None
    owner = symbol.parent
    return LIBRARY.lookup(f"{owner.name}.{symbol.name}" if owner is not None else symbol.name)


def builtin_scope() -> Scope:
    """A fresh scope of the builtins (fresh, since symbols collect references),
    from the library: functions, the struct `Error` (fields `kind` and
    `message`) and the namespaces `math`, `sys` and `io` as MODULE symbols
    whose members are their functions and values."""
    scope = Scope("builtins", Span(0, 0, 1, 1, 1, 1), None)
    for entry in LIBRARY.globals():
        kind = {FUNCTION: SymbolKind.BUILTIN, NAMESPACE: SymbolKind.MODULE, TYPE: SymbolKind.STRUCT}[entry.kind]
        symbol = Symbol(entry.name, kind, None, None, scope, doc=entry.documentation())
        if entry.kind == TYPE:
            for name in _ERROR_FIELDS:
                symbol.members[name] = Symbol(name, SymbolKind.FIELD, None, None, None, parent=symbol)
        elif entry.kind == NAMESPACE:
            for member in LIBRARY.members(entry.name).values():
                member_kind = SymbolKind.BUILTIN if member.kind == FUNCTION else SymbolKind.CONSTANT
                symbol.members[member.name] = Symbol(member.name, member_kind, None, None, None,
                                                     doc=member.documentation(), parent=symbol)
        scope.symbols[entry.name] = symbol
    return scope


def struct_fields(struct: Symbol) -> list[Symbol]:
    """A struct's fields in declaration order (its constructor's parameters)."""
    return [member for member in struct.members.values() if member.kind is SymbolKind.FIELD]


def member_symbols(decl: ast.StructDecl | ast.EnumDecl, parent: Symbol) -> list[Symbol]:
    """The field, variant and method symbols a struct or enum declares, in
    source order. They carry no scope; the caller files them under `parent`."""
    members: list[Symbol] = []
    if isinstance(decl, ast.StructDecl):
        for field_decl in decl.fields:
            members.append(Symbol(field_decl.name.name, SymbolKind.FIELD, field_decl.name.span, field_decl,
                                  None, parent=parent, module_path=parent.module_path))
    else:
        for variant in decl.variants:
            members.append(Symbol(variant.name.name, SymbolKind.VARIANT, variant.name.span, variant,
                                  None, parent=parent, module_path=parent.module_path))
    for method in decl.methods:
        members.append(Symbol(method.name.name, SymbolKind.METHOD, method.name.span, method, None,
                              doc=method.doc, parent=parent, module_path=parent.module_path,
                              is_static=not is_instance_method(method)))
    return members


def is_instance_method(method: ast.FnDecl) -> bool:
    """A method whose first parameter is `self` is called on an instance."""
    return bool(method.params) and method.params[0].name.name == "self" and not method.params[0].rest


_EXPORTED_KINDS = (SymbolKind.VARIABLE, SymbolKind.CONSTANT, SymbolKind.FUNCTION, SymbolKind.STRUCT,
                   SymbolKind.ENUM)


class SymbolTable:
    """Every symbol of one file, its scopes, and where each name is used.

    The checker builds it with `declare` and `refer`; the editor-facing
    queries below only read it.
    """

    def __init__(self, root: Scope):
        #: The module scope; its parent is the builtins scope.
        self.root = root
        #: Every symbol declared in this file, in source order.
        self.symbols: list[Symbol] = []
        self._visible_from: dict[Symbol, int] = {}
        self._by_scope: dict[Scope, list[Symbol]] = {}
        self._resolved: dict[ast.Node, Symbol] = {}
        # (span, is_declaration, symbol) of every name occurrence in this file.
        self._occurrences: list[tuple[Span, bool, Symbol]] = []
        self._sorted_starts: list[int] | None = None

    # -------------------------------------------------------------- building

    def declare(self, symbol: Symbol, visible_from: int) -> None:
        """Record a symbol declared in this file, visible from `visible_from`
        on within its scope (members have no scope and are always reachable)."""
        self.symbols.append(symbol)
        self._visible_from[symbol] = visible_from
        if symbol.scope is not None:
            self._by_scope.setdefault(symbol.scope, []).append(symbol)
        if symbol.span is not None:
            self._occurrences.append((symbol.span, True, symbol))
            self._sorted_starts = None

    def refer(self, symbol: Symbol, span: Span, node: ast.Node | None = None, *, read: bool = True) -> None:
        """Record a use of `symbol` at `span` (by `node`, when it is a Name)."""
        symbol.references.append(span)
        if read:
            symbol.reads += 1
        if node is not None:
            self._resolved[node] = symbol
        self._occurrences.append((span, False, symbol))
        self._sorted_starts = None

    def finish(self) -> None:
        """Put the symbols in source order once the checker is done."""
        self.symbols.sort(key=lambda symbol: symbol.span.start if symbol.span else -1)
        self._sort_occurrences()

    def _sort_occurrences(self) -> None:
        self._occurrences.sort(key=lambda item: (item[0].start, not item[1]))
        self._sorted_starts = [span.start for span, _, _ in self._occurrences]

    # --------------------------------------------------------------- queries

    def symbol_at(self, offset: int) -> Symbol | None:
        """The symbol declared or referenced at a code-point offset (a cursor
        just after a name still counts as on it)."""
        if self._sorted_starts is None:
            self._sort_occurrences()
        index = bisect.bisect_right(self._sorted_starts, offset)
        best: tuple[tuple[bool, bool], Symbol] | None = None
        # Names never overlap, so only the last few occurrences starting at or
        # before the offset can cover it: one ending there, one starting there.
        for span, is_declaration, symbol in reversed(self._occurrences[max(0, index - 4):index]):
            if not span.covers(offset):
                continue
            rank = (offset == span.end, not is_declaration)
            if best is None or rank < best[0]:
                best = (rank, symbol)
        return best[1] if best else None

    def occurrences(self, start: int, end: int) -> list[tuple[Span, bool, Symbol]]:
        """(span, is_declaration, symbol) of the name occurrences that start in
        [start, end), in source order (a declaration before a use at one place)."""
        if self._sorted_starts is None:
            self._sort_occurrences()
        first = bisect.bisect_left(self._sorted_starts, start)
        last = bisect.bisect_left(self._sorted_starts, end)
        return self._occurrences[first:last]

    def scope_at(self, offset: int) -> Scope:
        """The innermost scope around a code-point offset."""
        scope = self.root
        while True:
            inner = next((child for child in reversed(scope.children) if child.span.covers(offset)), None)
            if inner is None:
                return scope
            scope = inner

    def visible_at(self, offset: int) -> dict[str, Symbol]:
        """The names in scope at an offset, innermost first; `let` and `const`
        names only after their declaration."""
        visible: dict[str, Symbol] = {}
        scope: Scope | None = self.scope_at(offset)
        while scope is not None:
            declared = self._by_scope.get(scope)
            candidates = reversed(declared) if declared is not None else scope.symbols.values()
            for symbol in candidates:
                if symbol.name not in visible and self._visible_from.get(symbol, 0) <= offset:
                    visible[symbol.name] = symbol
            scope = scope.parent
        return visible

    def resolve(self, node: ast.Name) -> Symbol | None:
        """What a Name node refers to (None when it is undeclared)."""
        return self._resolved.get(node)

    def exports(self) -> dict[str, Symbol]:
        """The module's members: its top-level let, const, fn, struct and enum names."""
        return {name: symbol for name, symbol in self.root.symbols.items() if symbol.kind in _EXPORTED_KINDS}
