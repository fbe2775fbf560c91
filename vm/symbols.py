"""Symbols and scopes: what each name in an Esker file declares and refers to.

The checker fills a `SymbolTable` while it resolves names; the language server
reads it for go-to-definition, references, rename, hover and completion. The
builtins of §10 live in an outer scope that every module scope hangs from.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass, field

from . import ast
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


@dataclass(frozen=True)
class _Builtin:
    name: str
    signature: str
    doc: str
    min_args: int
    max_args: int | None  # None: any number


_FUNCTIONS = (
    _Builtin("print", "print(...)", "Prints its arguments joined by one space, then a newline.", 0, None),
    _Builtin("len", "len(x)", "The length of a string, array, tuple, map or range.", 1, 1),
    _Builtin("str", "str(x)", "The value as a string, as `print` shows it.", 1, 1),
    _Builtin("repr", "repr(x)", "The value as a string, strings quoted.", 1, 1),
    _Builtin("int", "int(x)", "An int: floats truncate toward zero, strings parse (else ValueError).", 1, 1),
    _Builtin("float", "float(x)", "A float from an int, a float or a string.", 1, 1),
    _Builtin("type", "type(x)", "The name of the value's type as a string.", 1, 1),
    _Builtin("range", "range(stop) / range(start, stop[, step])", "A range of ints.", 1, 3),
    _Builtin("array", "array(iterable)", "A new array of the iterable's values.", 1, 1),
    _Builtin("assert", "assert(cond[, message])", "Raises AssertionError when `cond` is falsy.", 1, 2),
    _Builtin("abs", "abs(x)", "The absolute value of a number.", 1, 1),
    _Builtin("min", "min(...)", "The smallest of several arguments, or of one iterable.", 1, None),
    _Builtin("max", "max(...)", "The largest of several arguments, or of one iterable.", 1, None),
    _Builtin("chr", "chr(i)", "The one-character string of a code point.", 1, 1),
    _Builtin("ord", "ord(s)", "The code point of a one-character string.", 1, 1),
    _Builtin("clock", "clock()", "Seconds on a monotonic clock, as a float.", 0, 0),
)

_MATH = (
    _Builtin("sqrt", "math.sqrt(x)", "Square root (ValueError for a negative number).", 1, 1),
    _Builtin("floor", "math.floor(x)", "The largest int not above x.", 1, 1),
    _Builtin("ceil", "math.ceil(x)", "The smallest int not below x.", 1, 1),
    _Builtin("sin", "math.sin(x)", "Sine of an angle in radians.", 1, 1),
    _Builtin("cos", "math.cos(x)", "Cosine of an angle in radians.", 1, 1),
    _Builtin("tan", "math.tan(x)", "Tangent of an angle in radians.", 1, 1),
    _Builtin("atan2", "math.atan2(y, x)", "The angle of the point (x, y), in radians.", 2, 2),
    _Builtin("exp", "math.exp(x)", "e raised to the power x.", 1, 1),
    _Builtin("log", "math.log(x)", "Natural logarithm.", 1, 1),
)

_MATH_CONSTANTS = (("pi", "math.pi", "The ratio of a circle's circumference to its diameter."),
                   ("inf", "math.inf", "Positive infinity."))

_ERROR_SIGNATURE = "Error(kind, message)"
_ERROR_FIELDS = ("kind", "message")
_MATH_SIGNATURE = "math module: " + " ".join(b.name for b in _MATH) + " " + \
    " ".join(name for name, _, _ in _MATH_CONSTANTS)

#: Every builtin name with the signature shown in completion and hover.
BUILTIN_NAMES: dict[str, str] = {
    **{b.name: b.signature for b in _FUNCTIONS},
    "Error": _ERROR_SIGNATURE,
    "math": _MATH_SIGNATURE,
}

#: (least, most) arguments of each builtin function, keyed as written in a call
#: ("len", "math.sqrt"); most is None for any number.
BUILTIN_ARITY: dict[str, tuple[int, int | None]] = {
    **{b.name: (b.min_args, b.max_args) for b in _FUNCTIONS},
    **{"math." + b.name: (b.min_args, b.max_args) for b in _MATH},
}


def builtin_scope() -> Scope:
    """A fresh scope of the builtins (fresh, since symbols collect references).

    `Error` is the builtin struct of §7, with the fields `kind` and `message`;
    `math` is a MODULE symbol whose members are its functions and constants.
    """
    scope = Scope("builtins", Span(0, 0, 1, 1, 1, 1), None)
    for builtin in _FUNCTIONS:
        scope.symbols[builtin.name] = Symbol(builtin.name, SymbolKind.BUILTIN, None, None, scope,
                                             doc=builtin.doc)
    error = Symbol("Error", SymbolKind.STRUCT, None, None, scope,
                   doc="The builtin struct of runtime errors: `Error(kind, message)`.")
    for name in _ERROR_FIELDS:
        error.members[name] = Symbol(name, SymbolKind.FIELD, None, None, None, parent=error)
    math = Symbol("math", SymbolKind.MODULE, None, None, scope, doc="Mathematical functions and constants.")
    for builtin in _MATH:
        math.members[builtin.name] = Symbol(builtin.name, SymbolKind.BUILTIN, None, None, None,
                                            doc=f"`{builtin.signature}`: {builtin.doc}", parent=math)
    for name, signature, doc in _MATH_CONSTANTS:
        math.members[name] = Symbol(name, SymbolKind.CONSTANT, None, None, None,
                                    doc=f"`{signature}`: {doc}", parent=math)
    scope.symbols["Error"] = error
    scope.symbols["math"] = math
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
