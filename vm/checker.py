"""The checker: resolves every name of a parsed file and reports the
compile-time diagnostics of §4–§6 (the E01xx errors and W01xx warnings).

It walks the syntax tree once in source order, building the `SymbolTable`
that the editor tools query, then runs the checks that need the whole file
(call arities, unused variables). It never runs code: imported modules are
only read and parsed, to learn their members and to find circular imports.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator

from . import ast
from .deep import call_with_deep_stack
from .diagnostics import Diagnostic, Related, Severity, make
from .modules import ModuleLoader, ModuleReadError, module_identity
from .source import SourceText, Span
from .parser import ParseResult, parse
from .runtime.formatting import SpecError, parse_spec
from .runtime.library import LIBRARY
from .runtime.ops import type_name
from .symbols import (BUILTIN_ARITY, Scope, Symbol, SymbolKind, SymbolTable, builtin_scope, member_symbols,
                      struct_fields)

ParseModule = Callable[[str, str], ParseResult]

_TERMINATORS = {ast.Return: "return", ast.Break: "break", ast.Continue: "continue", ast.Throw: "throw"}
_HOISTED = (ast.FnDecl, ast.StructDecl, ast.EnumDecl)
_LOCAL_KINDS = (SymbolKind.VARIABLE, SymbolKind.CONSTANT, SymbolKind.PARAMETER)
_TYPE_KINDS = (SymbolKind.MODULE, SymbolKind.STRUCT, SymbolKind.ENUM)


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    symbols: SymbolTable
    #: Resolved paths of the modules this file imports, in source order.
    imports: list[str] = field(default_factory=list)


def check(program: ast.Program, source: SourceText, loader: ModuleLoader | None = None,
          parse_module: ParseModule | None = None, *, outer: Scope | None = None) -> CheckResult:
    """Resolve the names of `program` and report its compile-time diagnostics.

    `parse_module(text, path)` parses imported modules (the Esker parser by
    default). Diagnostics inside imported modules are not reported here; an
    import of a module with syntax errors is (E0114, pointing at the first).
    `outer` is the scope around the module, the builtins by default; an
    interactive session passes one holding what its earlier entries defined.
    """
    def run() -> CheckResult:
        graph = _ModuleGraph(loader or ModuleLoader(), parse_module or _parse_with_esker, source.path, program)
        return _Checker(source, graph, program, outer).run(program)

    # The walk recurses as deep as the tree (up to the parser's depth limit).
    return call_with_deep_stack(run)


def _parse_with_esker(text: str, path: str) -> ParseResult:
    return parse(text, path)


# ------------------------------------------------------------------ helpers


def _alternatives(pattern: ast.Node) -> list[ast.Node]:
    if isinstance(pattern, ast.POr):
        return [alt for option in pattern.alternatives for alt in _alternatives(option)]
    return [pattern]


def _irrefutable(pattern: ast.Node) -> bool:
    """Whether a pattern matches every value."""
    return any(isinstance(alt, (ast.PWildcard, ast.PBind)) for alt in _alternatives(pattern))


def _pattern_names(pattern: ast.Node) -> set[str]:
    """The names a pattern binds (for `|`, those of its first alternative)."""
    if isinstance(pattern, ast.PBind):
        return {pattern.name}
    if isinstance(pattern, ast.POr):
        return _pattern_names(pattern.alternatives[0]) if pattern.alternatives else set()
    if isinstance(pattern, ast.PFieldPattern):
        return {pattern.name.name} if pattern.pattern is None else _pattern_names(pattern.pattern)
    names: set[str] = set()
    for child in ast.children(pattern):
        names |= _pattern_names(child)
    return names


def _label(expr: ast.Node) -> str:
    """How a callee is written, for messages: `f`, `Point.origin`, `geometry.area`."""
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Field):
        return f"{_label(expr.obj)}.{expr.name.name}"
    return "the function"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _expected_arguments(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {_plural(low, 'argument')}"
    if low == high:
        return _plural(low, "argument") if low else "no arguments"
    return f"{low} to {high} arguments"


def _arity(symbol: Symbol) -> tuple[int, int | None] | None:
    """(least, most) arguments of a statically known callee, or None."""
    decl = symbol.decl
    if isinstance(decl, ast.FnDecl) and (symbol.kind is SymbolKind.FUNCTION or symbol.is_static):
        low = sum(1 for param in decl.params if param.default is None and not param.rest)
        rest = any(param.rest for param in decl.params)
        return low, None if rest else sum(1 for param in decl.params if not param.rest)
    if isinstance(decl, ast.VariantDecl) and decl.fields is not None:
        return len(decl.fields), len(decl.fields)
    if symbol.kind is SymbolKind.BUILTIN:
        qualified = f"{symbol.parent.name}.{symbol.name}" if symbol.parent else symbol.name
        return BUILTIN_ARITY.get(qualified)
    return None


def _edit_distance(a: str, b: str, bound: int | None = None) -> int:
    """Levenshtein distance, counting a swap of neighbours as one edit. With
    a `bound`, stops once the distance must exceed it (returning bound + 1)."""
    before, previous = None, list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if before is not None and i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if bound is not None and min(current) > bound and min(previous) > bound:
            return bound + 1
        before, previous = previous, current
    return previous[-1]


def _typo_limit(name: str) -> int:
    """How many edits a typo of `name` may hold: a third of its letters (a
    one-letter name has no typos)."""
    return max(1, len(name) // 3) if len(name) > 1 else 0


def could_suggest(name: str, candidate: str) -> bool:
    """Whether "did you mean" for an unknown `name` could answer `candidate`
    (the same name counts: it may be declared later). Lets a caller that
    checks part of a file offer the checker every name that could matter."""
    limit = _typo_limit(name)
    if candidate == name:
        return True
    return abs(len(name) - len(candidate)) <= limit and _edit_distance(name, candidate, limit) <= limit


def _closest(name: str, candidates) -> str | None:
    """The candidate a typo of `name` most likely meant (a third of its
    letters may be wrong; a one-letter name has no typos), or None."""
    limit = _typo_limit(name)
    scored = sorted((_edit_distance(name, c), c) for c in candidates if c != name)
    return scored[0][1] if scored and scored[0][0] <= limit else None


def _has_default(field_symbol: Symbol) -> bool:
    return isinstance(field_symbol.decl, ast.FieldDecl) and field_symbol.decl.default is not None


def _declaration_symbol(stmt: ast.Node, scope: Scope | None, module_path: str | None = None) -> Symbol | None:
    """The symbol of a fn, struct or enum declaration (without its members)."""
    kinds = {ast.FnDecl: SymbolKind.FUNCTION, ast.StructDecl: SymbolKind.STRUCT, ast.EnumDecl: SymbolKind.ENUM}
    kind = kinds.get(type(stmt))
    if kind is None:
        return None
    return Symbol(stmt.name.name, kind, stmt.name.span, stmt, scope, doc=stmt.doc, module_path=module_path)


def _walk_outside_functions(program: ast.Program) -> Iterator[ast.Node]:
    """Every node that runs when a module loads: all but function bodies."""
    pending: list[ast.Node] = list(reversed(program.body))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FnDecl, ast.FnExpr)):
            pending.extend(reversed(list(ast.children(node))))


def _assigned_names(program: ast.Program) -> set[str]:
    """Every name assigned anywhere in a module (shadowing ignored: an
    over-approximation, used only to keep arity checks quiet)."""
    names: set[str] = set()
    pending: list[ast.Node] = [program]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Assign):
            targets = node.target.items if isinstance(node.target, ast.TupleExpr) else [node.target]
            names.update(target.name for target in targets if isinstance(target, ast.Name))
        pending.extend(ast.children(node))
    return names


def _always_leaves(stmt: ast.Node, allowed: set[str]) -> str | None:
    """How `stmt` always leaves its block, for messages ("a `return`"), or None
    when the statement after it can run. A `try` always leaves when its
    `finally` does, or when its body and its `catch` (if any) both do; `if`
    and loops are not followed (a branch may be left out)."""
    keyword = _TERMINATORS.get(type(stmt))
    if keyword is not None:
        return f"a `{keyword}`" if keyword in allowed else None
    if isinstance(stmt, ast.Block):
        return _block_leaves(stmt, allowed)
    if not isinstance(stmt, ast.Try):
        return None
    final = stmt.finalizer and _block_leaves(stmt.finalizer, allowed)
    if final is not None:
        return f"a `try` whose `finally` always ends in {final}"
    body = _block_leaves(stmt.body, allowed)
    if body is None or (stmt.handler is not None and _block_leaves(stmt.handler, allowed) is None):
        return None
    return "a `try` whose blocks all end in `return`, `throw`, `break` or `continue`"


def _block_leaves(block: ast.Block, allowed: set[str]) -> str | None:
    for stmt in block.body:
        found = _always_leaves(stmt, allowed)
        if found is not None:
            return found
    return None


#: The builtin type of each kind of literal receiver whose type is known without running it.
_LITERAL_RECEIVERS = {ast.FString: "str", ast.ArrayExpr: "array", ast.MapExpr: "map", ast.TupleExpr: "tuple",
                      ast.RangeExpr: "range"}


def _literal_receiver_type(receiver: ast.Node) -> str | None:
    """The type name (as the runtime names it) of a literal receiver such as
    `"abc"`, `[1, 2]` or `{"a": 1}`; None when it is not a literal."""
    if isinstance(receiver, ast.Literal):
        return type_name(receiver.value)
    return _LITERAL_RECEIVERS.get(type(receiver))


def _literal_type(value) -> str:
    """The type of a literal's value, as messages name it: `an int`, `nil`."""
    if value is None:
        return "nil"
    return {bool: "a bool", int: "an int", float: "a float", str: "a string"}[type(value)]


def _quoted(label: str) -> str:
    """A module as messages name it: `geometry` or "lib/text.esk"."""
    return label if label.startswith('"') else f"`{label}`"


def _module_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


# ------------------------------------------------------------------ imports

@dataclass
class _Module:
    """What the checker knows about one module file."""

    path: str
    #: Why the module could not be read, if it could not.
    problem: str | None = None
    #: Its top-level names; None when it could not be read.
    exports: dict[str, Symbol] | None = None
    #: Exported names the module assigns again somewhere (no static arity for them).
    reassigned: set[Symbol] = field(default_factory=set)
    #: Resolved paths of the imports that run while the module loads.
    load_imports: list[str] = field(default_factory=list)
    #: The first syntax error of the module, if it has any: its exports may then be incomplete.
    syntax_error: Diagnostic | None = None


class _ModuleGraph:
    """Imported modules, each read and parsed once per `check` call, and the
    import edges between them (for circular imports)."""

    def __init__(self, loader: ModuleLoader, parse_module: ParseModule, path: str, program: ast.Program):
        self.loader = loader
        self.parse_module = parse_module
        self.importer = None if path.startswith("<") else module_identity(path)
        self._modules: dict[str, _Module] = {}
        if self.importer is not None:
            # The file being checked takes part in the graph as it is now,
            # not as it was last saved.
            self._modules[self.importer] = self._describe(program, self.importer)

    def resolve(self, stmt: ast.Import, importer: str | None = None) -> str | None:
        """The identity of the module an import names, or None when there is no such file."""
        importer = self.importer if importer is None else importer
        if stmt.path is not None:
            return self.loader.resolve_path(stmt.path.value, importer)
        return self.loader.resolve([part.name for part in stmt.parts], importer)

    def module(self, path: str) -> _Module:
        if path not in self._modules:
            try:
                text = self.loader.read(path)
            except ModuleReadError as error:
                self._modules[path] = _Module(path, problem=str(error))
            else:
                parsed = self.parse_module(text, path)
                module = self._describe(parsed.program, path)
                module.syntax_error = next((d for d in parsed.diagnostics if d.severity == Severity.ERROR), None)
                self._modules[path] = module
        return self._modules[path]

    def _describe(self, program: ast.Program, path: str) -> _Module:
        exports = self._exports(program, path)
        reassigned = _assigned_names(program)
        return _Module(path, exports=exports,
                       reassigned={symbol for name, symbol in exports.items() if name in reassigned},
                       load_imports=self._load_imports(program, path))

    def _load_imports(self, program: ast.Program, path: str) -> list[str]:
        found = []
        for node in _walk_outside_functions(program):
            if isinstance(node, ast.Import) and (node.parts or node.path):
                resolved = self.resolve(node, path)
                if resolved is not None:
                    found.append(resolved)
        return found

    @staticmethod
    def _exports(program: ast.Program, path: str) -> dict[str, Symbol]:
        exports: dict[str, Symbol] = {}
        for stmt in program.body:
            if isinstance(stmt, ast.Let):
                kind = SymbolKind.CONSTANT if stmt.const else SymbolKind.VARIABLE
                for bind in ast.binders(stmt.target):
                    exports[bind.name] = Symbol(bind.name, kind, bind.span, stmt, None, doc=stmt.doc,
                                                module_path=path)
            symbol = _declaration_symbol(stmt, None, path)
            if symbol is not None:
                exports[symbol.name] = symbol
                if not isinstance(stmt, ast.FnDecl):
                    symbol.members = {member.name: member for member in member_symbols(stmt, symbol)}
        return exports

    def find_cycle(self, start: str) -> list[str] | None:
        """A chain of modules `[a, b, ..., a]` reachable from `start` by load-time
        imports, or None (an iterative depth-first search)."""
        chain, on_chain, finished = [start], {start}, set()
        edges = [iter(self.module(start).load_imports)]
        while edges:
            following = next(edges[-1], None)
            if following is None:
                finished.add(chain[-1])
                on_chain.discard(chain.pop())
                edges.pop()
            elif following in on_chain:
                return chain[chain.index(following):] + [following]
            elif following not in finished:
                chain.append(following)
                on_chain.add(following)
                edges.append(iter(self.module(following).load_imports))
        return None


# ------------------------------------------------------------------ checker

@dataclass
class _PendingCall:
    """A call whose callee is statically known, checked once the whole file
    has been seen (a later assignment to the callee makes it unknown)."""

    node: ast.Call | ast.MethodCall
    callee: Symbol
    label: str


class _Checker:
    def __init__(self, source: SourceText, graph: _ModuleGraph, program: ast.Program, outer: Scope | None = None):
        self.source = source
        self.graph = graph
        self.scope = Scope("module", program.span, outer or builtin_scope())
        self.table = SymbolTable(self.scope)
        self.diagnostics: list[Diagnostic] = []
        self.imports: list[str] = []
        self.in_function = False
        # The struct or enum whose method is being walked, if any.
        self.method_of: Symbol | None = None
        self.loop_depth = 0
        # Inside a `finally` block: the loop depth where it starts (None elsewhere).
        self.finally_loops: int | None = None
        self.assigned: set[Symbol] = set()
        self.calls: list[_PendingCall] = []
        # Symbols never reported as unused: replaced duplicates, methods' `self`.
        self.quiet: set[Symbol] = set()
        self.known_modules: set[Symbol] = set()
        # Per block, where its `let`s and imports are (for "declared later").
        self.later_declarations: dict[Scope, dict[str, Span]] = {}
        self.variant_patterns: dict[ast.PVariant, tuple[Symbol, Symbol | None]] = {}
        # Where the parser skipped code after a syntax error (reads there are unknown).
        self.broken: list[Span] = []
        self.statements = {
            ast.Let: self._let, ast.Assign: self._assign, ast.ExprStmt: lambda s: self._expr(s.expr),
            ast.If: self._if, ast.While: self._while, ast.For: self._for, ast.Break: self._loop_jump,
            ast.Continue: self._loop_jump, ast.Return: self._function_exit, ast.Yield: self._function_exit,
            ast.Throw: lambda s: self._expr(s.value), ast.Try: self._try, ast.Import: self._import,
            ast.FnDecl: self._fn_decl, ast.StructDecl: self._type_decl, ast.EnumDecl: self._type_decl,
            ast.Block: self._scoped_block, ast.ErrorStmt: self._broken,
        }

    def run(self, program: ast.Program) -> CheckResult:
        self._block(program.body)
        for call in self.calls:
            if call.callee not in self.assigned:
                self._check_call(call)
        self._report_unused()
        self.table.finish()
        self.diagnostics.sort(key=lambda d: (d.span.start, d.code))
        return CheckResult(self.diagnostics, self.table, self.imports)

    # ----------------------------------------------------------- reporting

    def _report(self, code: str, span: Span, message: str, **extra) -> None:
        self.diagnostics.append(make(code, span, message, **extra))

    def _keyword_span(self, node: ast.Node, keyword: str) -> Span:
        return self.source.span(node.span.start, node.span.start + len(keyword))

    def _report_unknown(self, code: str, span: Span, message: str, name: str, candidates) -> None:
        """A diagnostic about a name that does not exist, with a "did you mean"."""
        suggestion = _closest(name, candidates)
        if suggestion is None:
            self._report(code, span, message)
        else:
            self._report(code, span, f"{message}; did you mean `{suggestion}`?",
                         data={"suggestion": suggestion})

    def _visible_names(self) -> set[str]:
        names: set[str] = set()
        scope: Scope | None = self.scope
        while scope is not None:
            names.update(scope.symbols)
            scope = scope.parent
        return names

    # -------------------------------------------------------- declarations

    @contextmanager
    def _scope(self, kind: str, span: Span) -> Iterator[Scope]:
        scope = Scope(kind, span, self.scope)
        self.scope.children.append(scope)
        self.scope = scope
        try:
            yield scope
        finally:
            self.scope = scope.parent

    @contextmanager
    def _function_body(self) -> Iterator[None]:
        saved = self.in_function, self.loop_depth, self.finally_loops
        self.in_function, self.loop_depth, self.finally_loops = True, 0, None
        try:
            yield
        finally:
            self.in_function, self.loop_depth, self.finally_loops = saved

    @contextmanager
    def _loop(self) -> Iterator[None]:
        self.loop_depth += 1
        try:
            yield
        finally:
            self.loop_depth -= 1

    def _declare(self, symbol: Symbol, visible_from: int) -> None:
        """Declare `symbol` in its scope; a second declaration of a name in one
        scope is E0102, reported at whichever comes later in the source."""
        first = symbol.scope.symbols.get(symbol.name)
        if first is not None:
            self._duplicate(first, symbol)
        symbol.scope.symbols[symbol.name] = symbol
        self.table.declare(symbol, visible_from)

    def _declare_member(self, parent: Symbol, member: Symbol) -> None:
        first = parent.members.get(member.name)
        if first is not None:
            self._duplicate(first, member)
        parent.members[member.name] = member
        self.table.declare(member, 0)

    def _duplicate(self, first: Symbol, second: Symbol) -> None:
        self.quiet.add(first)
        earlier, later = sorted((first, second), key=lambda symbol: symbol.span.start)
        if later.kind is SymbolKind.PARAMETER:
            message = f"duplicate parameter `{later.name}`"
        else:
            message = f"duplicate declaration of `{later.name}` in this block"
        self._report("E0102", later.span, message,
                     related=(Related(earlier.span, f"`{earlier.name}` is first declared here"),))

    def _declare_local(self, name: str, span: Span, decl: ast.Node, kind: SymbolKind = SymbolKind.VARIABLE,
                       visible_from: int | None = None, doc: str | None = None) -> Symbol:
        symbol = Symbol(name, kind, span, decl, self.scope, doc=doc)
        self._declare(symbol, span.end if visible_from is None else visible_from)
        return symbol

    def _hoist(self, stmts: list[ast.Stmt]) -> None:
        """fn, struct and enum declarations are visible in their whole block."""
        for stmt in stmts:
            symbol = _declaration_symbol(stmt, self.scope)
            if symbol is None:
                continue
            self._declare(symbol, self.scope.span.start)
            if not isinstance(stmt, ast.FnDecl):
                for member in member_symbols(stmt, symbol):
                    self._declare_member(symbol, member)

    # ---------------------------------------------------------- statements

    def _block(self, stmts: list[ast.Stmt]) -> None:
        """The statements of a block, in the current scope."""
        self._hoist(stmts)
        self._note_later_declarations(stmts)
        for stmt in stmts:
            handler = self.statements.get(type(stmt))
            if handler is not None:
                handler(stmt)
        self._check_reachable(stmts)

    def _note_later_declarations(self, stmts: list[ast.Stmt]) -> None:
        """Remember where this block's `let`s and imports are, to explain a use
        that comes before its declaration."""
        later = self.later_declarations.setdefault(self.scope, {})
        for stmt in stmts:
            if isinstance(stmt, ast.Let):
                for bind in ast.binders(stmt.target):
                    later.setdefault(bind.name, bind.span)
            elif isinstance(stmt, ast.Import) and (stmt.parts or stmt.path):
                later.setdefault(stmt.bound_name.name, stmt.bound_name.span)

    def _declared_later(self, name: str, offset: int) -> Span | None:
        scope: Scope | None = self.scope
        while scope is not None:
            declared = self.later_declarations.get(scope, {}).get(name)
            if declared is not None and declared.start > offset:
                return declared
            scope = scope.parent
        return None

    def _scoped_block(self, block: ast.Block) -> None:
        with self._scope("block", block.span):
            self._block(block.body)

    def _check_reachable(self, stmts: list[ast.Stmt]) -> None:
        # A misplaced `break` or `return` is already an error; the code after
        # it is not reported again.
        allowed = {"throw", *(("break", "continue") if self.loop_depth else ()),
                   *(("return",) if self.in_function else ())}
        ended_by = None
        for stmt in stmts:
            if ended_by is not None and not isinstance(stmt, (*_HOISTED, ast.ErrorStmt)):
                self._report("W0103", stmt.span, f"unreachable code: it follows {ended_by}")
                return
            if ended_by is None:
                ended_by = _always_leaves(stmt, allowed)

    def _let(self, stmt: ast.Let) -> None:
        if stmt.value is not None:
            self._expr(stmt.value)
        kind = SymbolKind.CONSTANT if stmt.const else SymbolKind.VARIABLE
        for bind in ast.binders(stmt.target):
            self._declare_local(bind.name, bind.span, stmt, kind, stmt.span.end, stmt.doc)

    def _assign(self, stmt: ast.Assign) -> None:
        self._expr(stmt.value)
        self._target(stmt.target)

    def _target(self, target: ast.Node) -> None:
        if isinstance(target, ast.TupleExpr):
            for item in target.items:
                self._target(item)
            return
        if isinstance(target, ast.Name):
            symbol = self._use(target.name, target.span, target, read=False)
            where = target.span
            if symbol is not None:
                self.assigned.add(symbol)
        elif isinstance(target, ast.Field):
            owner = self._expr(target.obj)
            symbol = self._member(owner, target.name) if owner is not None else None
            where = target.name.span
            if owner is not None and owner.kind is SymbolKind.MODULE and not self._is_constant(symbol):
                self._report("W0111", where, f"cannot assign to `{_label(target)}` from outside module "
                                             f"`{owner.name}`: this raises TypeError (give the module a "
                                             f"function that assigns it)")
        else:
            symbol = self._expr(target)
            where = target.span
        if self._is_constant(symbol):
            related = ((Related(symbol.span, "declared with `const` here", symbol.module_path),)
                       if symbol.span else ())
            self._report("E0103", where, f"cannot assign to `{_label(target)}`: it is a constant",
                         related=related)

    @staticmethod
    def _is_constant(symbol: Symbol | None) -> bool:
        return symbol is not None and symbol.kind is SymbolKind.CONSTANT

    def _if(self, stmt: ast.If) -> None:
        self._expr(stmt.cond)
        self._scoped_block(stmt.then)
        if isinstance(stmt.orelse, ast.If):
            self._if(stmt.orelse)
        elif isinstance(stmt.orelse, ast.Block):
            self._scoped_block(stmt.orelse)

    def _while(self, stmt: ast.While) -> None:
        self._expr(stmt.cond)
        with self._loop():
            self._scoped_block(stmt.body)

    def _for(self, stmt: ast.For) -> None:
        self._expr(stmt.iterable)
        # Loop variables are declarations of the body's block, like parameters.
        with self._loop(), self._scope("block", stmt.body.span):
            for binding in (stmt.index, stmt.var):
                for bind in ast.binders(binding) if binding is not None else ():
                    self._declare_local(bind.name, bind.span, stmt, visible_from=stmt.body.span.start)
            self._block(stmt.body.body)

    def _try(self, stmt: ast.Try) -> None:
        self._scoped_block(stmt.body)
        if stmt.handler is not None:
            with self._scope("block", stmt.handler.span):
                if stmt.name is not None:
                    self._declare_local(stmt.name.name, stmt.name.span, stmt,
                                        visible_from=stmt.handler.span.start)
                self._block(stmt.handler.body)
        if stmt.finalizer is not None:
            saved, self.finally_loops = self.finally_loops, self.loop_depth
            try:
                self._scoped_block(stmt.finalizer)
            finally:
                self.finally_loops = saved

    def _check_leaving_finally(self, stmt: ast.Return | ast.Break | ast.Continue, keyword: str) -> None:
        """W0110 for a jump out of a `finally` block: it would discard an error
        on its way out of the `try` (PEP 765 warns about the same in Python)."""
        if self.finally_loops is None or (keyword != "return" and self.loop_depth > self.finally_loops):
            return
        self._report("W0110", self._keyword_span(stmt, keyword),
                     f"`{keyword}` leaves a `finally` block: an error thrown in the `try` would be "
                     f"silently discarded (move the `{keyword}` after the `try` statement)")

    def _loop_jump(self, stmt: ast.Break | ast.Continue) -> None:
        keyword, code = ("break", "E0104") if isinstance(stmt, ast.Break) else ("continue", "E0105")
        if self.loop_depth:
            self._check_leaving_finally(stmt, keyword)
            return
        where = "outside a loop" if not self.in_function else "outside a loop of this function"
        self._report(code, self._keyword_span(stmt, keyword), f"`{keyword}` {where}")

    def _function_exit(self, stmt: ast.Return | ast.Yield) -> None:
        if not self.in_function:
            keyword, code = ("return", "E0106") if isinstance(stmt, ast.Return) else ("yield", "E0107")
            self._report(code, self._keyword_span(stmt, keyword), f"`{keyword}` outside a function")
        elif isinstance(stmt, ast.Return):
            self._check_leaving_finally(stmt, "return")
        if stmt.value is not None:
            self._expr(stmt.value)

    def _fn_decl(self, stmt: ast.FnDecl) -> None:
        span = self.source.span(stmt.name.span.end, stmt.body.span.end)
        self._function(stmt.params, stmt.body, span)

    def _type_decl(self, stmt: ast.StructDecl | ast.EnumDecl) -> None:
        for field_decl in getattr(stmt, "fields", ()):
            if field_decl.default is not None:
                self._expr(field_decl.default)
        # Methods see the enclosing scope, not each other: they are reached
        # through `self` or the type's name.
        owner = self.scope.symbols.get(stmt.name.name)
        for method in stmt.methods:
            span = self.source.span(method.name.span.end, method.body.span.end)
            saved, self.method_of = self.method_of, owner
            self._function(method.params, method.body, span, is_method=True)
            self.method_of = saved

    def _function(self, params: list[ast.Param], body: ast.Block, span: Span, is_method: bool = False) -> None:
        with self._function_body(), self._scope("function", span):
            for index, param in enumerate(params):
                if param.default is not None:
                    self._expr(param.default)
                symbol = self._declare_local(param.name.name, param.name.span, param, SymbolKind.PARAMETER,
                                             param.span.end)
                if is_method and index == 0 and param.name.name == "self":
                    self.quiet.add(symbol)
            self._block(body.body)

    def _import(self, stmt: ast.Import) -> None:
        if not stmt.parts and stmt.path is None:
            return
        bound = stmt.bound_name
        module = self._declare_local(bound.name, bound.span, stmt, SymbolKind.MODULE, stmt.span.end)
        where = stmt.path.span if stmt.path is not None else stmt.parts[0].span.merge(stmt.parts[-1].span)
        path = self.graph.resolve(stmt)
        label = stmt.label
        if path is None:
            self._report("E0110", where, f"module {_quoted(label)} not found: {self._searched(stmt)}")
            return
        module.module_path = path
        if path not in self.imports:
            self.imports.append(path)
        info = self.graph.module(path)
        if info.exports is None:
            self._report("E0110", where, f"module {_quoted(label)} cannot be read: {info.problem}")
            return
        module.members = info.exports
        if info.syntax_error is None:
            self.known_modules.add(module)
        else:
            self._report_broken_module(info, label, where)
        self.assigned |= info.reassigned
        if not self.in_function:
            self._check_cycle(path, label, where)

    def _searched(self, stmt: ast.Import) -> str:
        if stmt.path is not None:
            return f"there is no file {stmt.path.value} relative to this file's folder"
        return f"no {os.path.join(*(part.name for part in stmt.parts))}.esk beside this file or in ESKER_PATH"

    def _report_broken_module(self, info: _Module, label: str, where: Span) -> None:
        """E0114: the module does not parse, so it cannot run; its members are
        not checked (the broken statements may declare them). The module's file
        is named relative to the working directory, as `esker run` and error
        traces name imported files, so that it opens from the terminal."""
        error = info.syntax_error
        self._report("E0114", where, f"module {_quoted(label)} has syntax errors; the first: "
                                     f"{error.format(os.path.relpath(info.path))}",
                     related=(Related(error.span, error.message, info.path),))

    def _check_cycle(self, path: str, dotted: str, where: Span) -> None:
        cycle = self.graph.find_cycle(path)
        if cycle is None:
            return
        here = self.graph.importer
        if here in cycle:
            ring = cycle[:-1]
            start = ring.index(here)
            ring = ring[start:] + ring[:start] + [here]
            self._report("E0111", where, "circular import: " + " → ".join(map(_module_name, ring)))
        else:
            chain = " → ".join(map(_module_name, cycle))
            self._report("E0111", where, f"importing {_quoted(dotted)} leads to a circular import: {chain}")

    # --------------------------------------------------------- expressions

    def _use(self, name: str, span: Span, node: ast.Name | None = None, read: bool = True) -> Symbol | None:
        """Resolve a use of `name`; E0101 when nothing declares it."""
        symbol = self.scope.lookup(name)
        if symbol is None:
            later = self._declared_later(name, span.start)
            sibling = self._sibling_member(name)
            if later is not None:
                self._report("E0101", span, f"undefined name `{name}`: it is declared later, on line {later.line}")
            elif sibling is not None:
                self._report("E0101", span, f"undefined name `{name}`; did you mean `{sibling}`?",
                             data={"suggestion": sibling})
            else:
                self._report_unknown("E0101", span, f"undefined name `{name}`", name, self._visible_names())
            return None
        self.table.refer(symbol, span, node, read=read)
        return symbol

    def _sibling_member(self, name: str) -> str | None:
        """How a method reaches a member of its own type that it names bare."""
        member = self.method_of.members.get(name) if self.method_of is not None else None
        if member is None:
            return None
        static = member.kind is SymbolKind.VARIANT or member.is_static
        return f"{self.method_of.name}.{name}" if static else f"self.{name}"

    def _expr(self, node: ast.Node) -> Symbol | None:
        """Walk an expression; return the symbol it statically denotes (a name,
        or a member of a module or type such as `Shape.Circle`), else None."""
        if isinstance(node, ast.Name):
            return self._use(node.name, node.span, node)
        if isinstance(node, ast.Field):
            owner = self._expr(node.obj)
            return self._member(owner, node.name) if owner is not None else None
        if isinstance(node, ast.Call):
            callee = self._expr(node.callee)
            self._call(node, callee, _label(node.callee))
        elif isinstance(node, ast.MethodCall):
            owner = self._expr(node.receiver)
            member = self._member(owner, node.name) if owner is not None else None
            self._call(node, member, f"{_label(node.receiver)}.{node.name.name}")
            self._check_literal_method(node)
        elif isinstance(node, ast.FnExpr):
            self._function(node.params, node.body, node.span)
        elif isinstance(node, ast.Match):
            self._match(node)
        elif isinstance(node, (ast.Binary, ast.Logical)):
            self._operator_chain(node)
        elif isinstance(node, ast.ErrorExpr):
            self._broken(node)
        elif isinstance(node, ast.FormatSpec):
            self._format_spec(node)
        else:
            for child in ast.children(node):
                self._expr(child)
        return None

    def _check_literal_method(self, node: ast.MethodCall) -> None:
        """W0112 for a method that the builtin type of a literal receiver does
        not have (`"abc".lenght()`), W0104 for a wrong number of arguments to
        one it has: the runtime's table of methods says which exist."""
        owner = _literal_receiver_type(node.receiver)
        if owner is None:
            return
        name = node.name.name
        entry = LIBRARY.methods(owner).get(name)
        if entry is None:
            self._report_unknown("W0112", node.name.span, f"`{owner}` has no method `{name}`",
                                 name, LIBRARY.methods(owner))
            return
        given = len(node.args)
        if not node.kwargs and (given < entry.min_args or (entry.max_args is not None and given > entry.max_args)):
            verb = "was" if given == 1 else "were"
            self._report("W0104", node.span, f"`{entry.qualified}` takes "
                                             f"{_expected_arguments(entry.min_args, entry.max_args)} "
                                             f"but {given} {verb} given")

    def _format_spec(self, node: ast.FormatSpec) -> None:
        """E0015 for a spec that is wrong whatever the value (§13.3)."""
        try:
            parse_spec(node.text)
        except SpecError as error:
            self._report("E0015", node.span, f"invalid format spec `{node.text}`: {error.message}")

    def _operator_chain(self, node: ast.Binary | ast.Logical) -> None:
        # `a + b + c ...` nests to the left as deep as the chain is long, so
        # walk that spine with a loop rather than one Python frame per operator.
        rights = []
        while isinstance(node, (ast.Binary, ast.Logical)):
            if node.op in ("in", "not in"):
                self._check_membership(node)
            rights.append(node.right)
            node = node.left
        self._expr(node)
        for right in reversed(rights):
            self._expr(right)

    def _check_membership(self, node: ast.Binary) -> None:
        """W0109 for `x in c` whose literal operands make it a TypeError at run time."""
        container, item = node.right, node.left
        if isinstance(container, ast.Literal) and not isinstance(container.value, str):
            self._report("W0109", container.span,
                         f"`{node.op}` needs an array, tuple, range, map or string on the right, not "
                         f"{_literal_type(container.value)}: this raises TypeError")
        elif (isinstance(container, ast.Literal) and isinstance(item, ast.Literal)
              and not isinstance(item.value, str)):
            self._report("W0109", item.span,
                         f"`{node.op}` on a string needs a string on the left, not {_literal_type(item.value)}: "
                         "this raises TypeError")

    def _member(self, owner: Symbol, name: ast.Ident, variants_only: bool = False) -> Symbol | None:
        """Resolve `owner.name` when `owner` is a module or a type, recording the
        reference; an unknown module member is E0112, an unknown variant E0109."""
        if owner.kind not in _TYPE_KINDS:
            return None
        member = owner.members.get(name.name)
        if owner.kind is SymbolKind.MODULE:
            builtin = owner.scope is not None and owner.scope.kind == "builtins"
            if owner not in self.known_modules and not builtin:
                return None
            if member is None:
                self._report_unknown("E0112", name.span, f"module `{owner.name}` has no member `{name.name}`",
                                     name.name, owner.members)
        elif owner.kind is SymbolKind.ENUM:
            allowed = {n for n, m in owner.members.items() if m.kind is SymbolKind.VARIANT or not variants_only}
            if name.name not in allowed:
                member = None
                self._report_unknown("E0109", name.span, f"enum `{owner.name}` has no variant `{name.name}`",
                                     name.name, allowed)
        if member is not None:
            self.table.refer(member, name.span)
        return member

    def _call(self, node: ast.Call | ast.MethodCall, callee: Symbol | None, label: str) -> None:
        for arg in node.args:
            self._expr(arg)
        for named in node.kwargs:
            self._expr(named.value)
            if callee is not None and callee.kind is SymbolKind.STRUCT:
                field_symbol = callee.members.get(named.name.name)
                if field_symbol is not None and field_symbol.kind is SymbolKind.FIELD:
                    self.table.refer(field_symbol, named.name.span)
        if callee is not None:
            self.calls.append(_PendingCall(node, callee, label))

    # --------------------------------------------------------------- calls

    def _check_call(self, call: _PendingCall) -> None:
        node, callee = call.node, call.callee
        if callee.kind is SymbolKind.STRUCT:
            self._check_construction(call)
            return
        arity = _arity(callee)
        if arity is None:
            return
        if node.kwargs:
            self._report("W0108", node.kwargs[0].span,
                         f"`{call.label}` is not a struct constructor, so it takes no named arguments")
            return
        low, high = arity
        given = len(node.args)
        if given < low or (high is not None and given > high):
            verb = "was" if given == 1 else "were"
            self._report("W0104", node.span, f"`{call.label}` takes {_expected_arguments(low, high)} "
                                             f"but {given} {verb} given")

    def _check_construction(self, call: _PendingCall) -> None:
        node, fields = call.node, struct_fields(call.callee)
        names = [f.name for f in fields]
        given = set(names[:len(node.args)])
        if len(node.args) > len(fields):
            self._report("W0107", node.args[len(fields)].span,
                         f"too many values: `{call.label}` has {_plural(len(fields), 'field')}")
        for named in node.kwargs:
            field_name = named.name.name
            if field_name not in names:
                self._report_unknown("W0107", named.name.span, f"`{call.label}` has no field `{field_name}`",
                                     field_name, names)
            elif field_name in given:
                self._report("W0107", named.name.span, f"field `{field_name}` is given twice")
            given.add(field_name)
        missing = [f.name for f in fields if f.name not in given and not _has_default(f)]
        if missing:
            noun = "fields" if len(missing) > 1 else "field"
            listed = ", ".join(f"`{name}`" for name in missing)
            self._report("W0107", node.span, f"`{call.label}` is missing {noun} {listed}",
                         data={"missing": missing})

    # --------------------------------------------------------------- match

    def _match(self, node: ast.Match) -> None:
        self._expr(node.subject)
        catch_all: ast.MatchArm | None = None
        for arm in node.arms:
            if catch_all is not None:
                self._report("W0106", arm.span, f"unreachable match arm: the arm on line "
                                                f"{catch_all.span.line} matches every value")
            with self._scope("block", arm.span):
                self._pattern(arm.pattern)
                if arm.guard is not None:
                    self._expr(arm.guard)
                if isinstance(arm.body, ast.Block):
                    self._block(arm.body.body)
                else:
                    self._expr(arm.body)
            if catch_all is None and arm.guard is None and _irrefutable(arm.pattern):
                catch_all = arm
        self._check_exhaustive(node)

    def _check_exhaustive(self, node: ast.Match) -> None:
        """W0105 for a match over one enum's variants that misses some."""
        enum: Symbol | None = None
        written = ""
        covered: set[str] = set()
        for arm in node.arms:
            for alt in _alternatives(arm.pattern):
                target = self.variant_patterns.get(alt) if isinstance(alt, ast.PVariant) else None
                if target is None or (enum is not None and target[0] is not enum):
                    return
                enum, variant = target
                written = ".".join(part.name for part in alt.path)
                if arm.guard is None and variant is not None and all(map(_irrefutable, alt.args or [])):
                    covered.add(variant.name)
        if enum is None:
            return
        missing = [name for name, member in enum.members.items()
                   if member.kind is SymbolKind.VARIANT and name not in covered]
        if missing:
            listed = ", ".join(f"`{written}.{name}`" for name in missing)
            self._report("W0105", self._keyword_span(node, "match"),
                         f"non-exhaustive match: {listed} {'is' if len(missing) == 1 else 'are'} not covered",
                         data={"missing": missing, "enum": written})

    def _pattern(self, pattern: ast.Node, linking: bool = False) -> None:
        """Declare the names a pattern binds in the current (arm) scope. With
        `linking`, names already bound by an earlier `|` alternative are
        references to that binding instead."""
        if isinstance(pattern, ast.PBind):
            self._bind(pattern.name, pattern.span, pattern, linking)
        elif isinstance(pattern, ast.POr):
            self._or_pattern(pattern, linking)
        elif isinstance(pattern, ast.PVariant):
            self._variant_pattern(pattern, linking)
        elif isinstance(pattern, ast.PStruct):
            self._struct_pattern(pattern, linking)
        else:
            for child in ast.children(pattern):
                self._pattern(child, linking)

    def _bind(self, name: str, span: Span, decl: ast.Node, linking: bool) -> None:
        existing = self.scope.symbols.get(name)
        if linking and existing is not None:
            self.table.refer(existing, span, read=False)
        else:
            self._declare_local(name, span, decl)

    def _or_pattern(self, pattern: ast.POr, linking: bool) -> None:
        if not pattern.alternatives:
            return
        first, *others = pattern.alternatives
        self._pattern(first, linking)
        expected = _pattern_names(first)
        for alt in others:
            names = _pattern_names(alt)
            if names != expected:
                shown = ", ".join(f"`{n}`" for n in sorted(names)) or "no names"
                wanted = ", ".join(f"`{n}`" for n in sorted(expected)) or "no names"
                self._report("E0113", alt.span, f"this alternative binds {shown} but the first binds {wanted}; "
                                                f"every alternative of `|` must bind the same names")
            self._pattern(alt, linking=True)

    def _path(self, path: list[ast.Ident]) -> Symbol | None:
        """Resolve the dotted name of a type in a pattern (`Shape`, `geometry.Shape`)."""
        if not path:
            return None
        symbol = self._use(path[0].name, path[0].span)
        for part in path[1:]:
            if symbol is None:
                return None
            symbol = self._member(symbol, part)
        return symbol

    def _variant_pattern(self, pattern: ast.PVariant, linking: bool) -> None:
        owner = self._path(pattern.path)
        if owner is not None and owner.kind is SymbolKind.ENUM:
            variant = self._member(owner, pattern.variant, variants_only=True)
            self.variant_patterns[pattern] = (owner, variant)
        for arg in pattern.args or []:
            self._pattern(arg, linking)

    def _struct_pattern(self, pattern: ast.PStruct, linking: bool) -> None:
        struct = self._path(pattern.path)
        known = struct is not None and struct.kind is SymbolKind.STRUCT
        fields = {f.name: f for f in struct_fields(struct)} if known else {}
        for field_pattern in pattern.fields:
            name = field_pattern.name
            if name.name in fields:
                self.table.refer(fields[name.name], name.span)
            elif known:
                self._report_unknown("E0108", name.span, f"struct `{struct.name}` has no field `{name.name}`",
                                     name.name, fields)
            if field_pattern.pattern is None:
                self._bind(name.name, name.span, field_pattern, linking)
            else:
                self._pattern(field_pattern.pattern, linking)

    # -------------------------------------------------------------- unused

    def _broken(self, node: ast.ErrorStmt | ast.ErrorExpr) -> None:
        self.broken.append(node.span)

    def _report_unused(self) -> None:
        for symbol in self.table.symbols:
            if (symbol.kind not in _LOCAL_KINDS or symbol.reads or symbol.name.startswith("_")
                    or symbol in self.quiet or symbol.scope is None or symbol.scope.kind == "module"
                    or self._maybe_read_in_broken_code(symbol)):
                continue
            code, noun = ("W0102", "parameter") if symbol.kind is SymbolKind.PARAMETER else ("W0101", "variable")
            self._report(code, symbol.span, f"unused {noun} `{symbol.name}`: it is never read "
                                            f"(name it `_{symbol.name}` if that is intended)")

    def _maybe_read_in_broken_code(self, symbol: Symbol) -> bool:
        """Whether code that did not parse may have read `symbol` (it stands in
        the symbol's scope): then "unused" would only echo the syntax error."""
        scope = symbol.scope.span
        return any(scope.start <= broken.start and broken.end <= scope.end for broken in self.broken)
