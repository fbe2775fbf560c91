"""Refactorings that must not change what a program computes: rename's
checks, and the code actions (quick fixes, extract and inline a local,
function to closure and back, organise imports).

A rename is checked by doing it: the renamed files are analysed again (each
from its previous analysis, so only what changed is checked again) and
every name in them must denote the same declaration as before (the renamed
ones the renamed declaration), and no error may appear. A new name that
another declaration would capture, that would capture another name's uses,
or that collides with a name or a member is refused, with a message naming
the place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import get_args

from . import ast
from .diagnostics import Diagnostic
from .ide import Edit, FileEdits, FileIndex, Occurrence, RenameRefusal, _is_builtin, path_in_unit, quick_fixes
from .incremental import analyze_file, walk
from .modules import ModuleLoader, ModuleReadError
from .parser import parse
from .source import Span
from .symbols import Symbol, SymbolKind
from .suppressions import ignore_fixes
from .symbols import BUILTIN_NAMES


@dataclass(frozen=True)
class _Meaning:
    """What a name occurrence denotes: a declaration (its file and offset,
    where the edits put it), or a builtin, with words for messages."""

    where: tuple
    words: str


#: The first parameter that makes a method an instance method.
RECEIVER = "self"


def shadowing(index: FileIndex, found: Occurrence, new_name: str) -> RenameRefusal | None:
    """Why `new_name` cannot name the declaration of `found`: it would
    collide with a declaration of its scope or a member of its type, or
    shadow a binding of an enclosing scope (a builtin included)."""
    home = index.home_of(found)
    if home is None:
        return None
    symbol = home.symbol
    old = symbol.name
    if symbol.kind is SymbolKind.PARAMETER and RECEIVER in (old, new_name):
        # A method whose first parameter is `self` is called on an instance.
        return RenameRefusal(f"renaming `{old}` to `{new_name}` would change which methods take an instance "
                             f"(`{RECEIVER}` marks a method's receiver)")
    if symbol.scope is None:
        owner = symbol.parent
        other = owner.members.get(new_name) if owner is not None else None
        if other is not None:
            return RenameRefusal(f"`{owner.name}` already has a {other.kind.value} `{new_name}`")
        return None
    table = home.place.unit.table if home.place is not None else None
    scope = symbol.scope
    while table is not None and scope is not None and scope is not table.root:
        other = scope.symbols.get(new_name)
        if other is not None and other.span is not None:
            line = home.place.span(other.span).line
            verb = "collide with" if scope is symbol.scope else "shadow"
            return RenameRefusal(f"renaming `{old}` to `{new_name}` would {verb} the {other.kind.value} "
                                 f"`{new_name}` declared on line {line}")
        scope = scope.parent
    top = index.analysis.declared.get(new_name)
    if top:
        other = index.home(("top", new_name, 0))
        line = f" declared on line {other.span.line}" if other is not None and other.span is not None else ""
        verb = "collide with" if symbol.scope is not None and symbol.scope.kind == "module" else "shadow"
        return RenameRefusal(f"renaming `{old}` to `{new_name}` would {verb} the top-level {top[0][1].kind} "
                             f"`{new_name}`{line}")
    if new_name in BUILTIN_NAMES:
        return RenameRefusal(f"renaming `{old}` to `{new_name}` would shadow the builtin `{new_name}`")
    return None


def rename_conflict(index: FileIndex, old_name: str, new_name: str, changes: list[FileEdits],
                    others: list[FileIndex]) -> RenameRefusal | None:
    """Why renaming (`changes`: the edits per file, `path` None for `index`'s
    file) would change the program, or None when it would not."""
    indexes = {index.path: index} | {other.path: other for other in others}
    edits = {(change.path or index.path): change.edits for change in changes}
    texts = {path: _applied(indexes[path].text, found) for path, found in edits.items()}
    loader = ModuleLoader(extra_path=index.loader.extra_path, overrides={**index.loader.overrides, **texts})
    for path, text in texts.items():
        before = indexes[path]
        after = FileIndex(analyze_file(text, path, loader, before.analysis), loader)
        problem = _compare(before, after, edits, old_name, new_name)
        if problem is not None:
            return RenameRefusal(problem)
    return None


def _applied(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda item: item.span.start, reverse=True):
        text = text[:edit.span.start] + edit.new_text + text[edit.span.end:]
    return text


def _moved_offset(offset: int, edits: list[Edit]) -> int:
    """Where an offset of the text before `edits` is after them."""
    return offset + sum(len(edit.new_text) - (edit.span.end - edit.span.start)
                        for edit in edits if edit.span.start < offset)


def _meanings(index: FileIndex, edits: dict[str, list[Edit]] | None) -> dict[int, tuple[_Meaning, Occurrence]]:
    """What every name occurrence of the file denotes, by its offset (moved
    by the file's edits when `edits` is given)."""
    own = edits.get(index.path, []) if edits is not None else []
    found = {}
    for place in index.units:
        for item in index.unit_occurrences(place):
            offset = _moved_offset(item.span.start, own) if edits is not None else item.span.start
            found[offset] = (_meaning(index, item, edits), item)
    return found


def _meaning(index: FileIndex, item: Occurrence, edits: dict[str, list[Edit]] | None) -> _Meaning:
    home = index.home_of(item)
    symbol = home.symbol if home is not None else item.symbol
    kind = symbol.kind.value
    if home is None or home.span is None:
        what = "builtin" if _is_builtin(item.symbol) else "name"
        return _Meaning((what, item.symbol.name), f"the {what} `{item.symbol.name}`")
    path = index.path if home.place is not None else home.path
    offset = home.span.start
    if edits is not None:
        offset = _moved_offset(offset, edits.get(path, []))
    where = "" if path == index.path else f" in `{path.rsplit('/', 1)[-1]}`"
    return _Meaning((path, offset), f"the {kind} `{symbol.name}` declared on line {home.span.line}{where}")


def _compare(before: FileIndex, after: FileIndex, edits: dict[str, list[Edit]], old_name: str,
             new_name: str) -> str | None:
    old = _meanings(before, edits)
    new = _meanings(after, None)
    errors_before = {(d.code, _moved_offset(d.span.start, edits.get(before.path, [])))
                     for d in before.analysis.errors}
    for diagnostic in after.analysis.errors:
        if (diagnostic.code, diagnostic.span.start) not in errors_before:
            return (f"renaming `{old_name}` to `{new_name}` would make the program invalid: "
                    f"{diagnostic.message} (line {diagnostic.span.line})")
    for offset in sorted(set(old) | set(new)):
        was, now = old.get(offset), new.get(offset)
        if was is not None and now is not None and was[0].where == now[0].where:
            continue
        line = (now or was)[1].span.line
        name = (now or was)[1].symbol.name
        if was is None:
            return f"`{new_name}` on line {line} would start to mean {now[0].words}"
        if now is None:
            return f"`{name}` on line {line} would no longer mean {was[0].words}"
        if was[1].symbol.name == old_name:
            return (f"renaming `{old_name}` to `{new_name}` would make the use on line {line} mean "
                    f"{now[0].words} instead (it would be shadowed)")
        return (f"`{new_name}` on line {line} means {was[0].words}: renaming `{old_name}` to `{new_name}` "
                f"would make it mean the renamed one instead")
    return None


# -------------------------------------------------------------- code actions

QUICK_FIX = "quickfix"
EXTRACT = "refactor.extract"
INLINE = "refactor.inline"
REWRITE = "refactor.rewrite"
ORGANIZE_IMPORTS = "source.organizeImports"


@dataclass(frozen=True)
class Action:
    """A code action: edits to files (`path` None: this one), its kind
    (LSP's `CodeActionKind` values) and the diagnostic it fixes, if any."""

    title: str
    kind: str
    changes: list[FileEdits]
    diagnostic: Diagnostic | None = None
    preferred: bool = False


def code_actions(index: FileIndex, start: int, end: int, only: list[str] | None = None) -> list[Action]:
    """The actions for offsets [start, end]: quick fixes for the diagnostics
    there, refactorings of the code selected or under the cursor, and
    source actions for the file, those of the kinds in `only` when given."""
    def wanted(kind: str) -> bool:
        return only is None or any(kind == item or kind.startswith(item + ".") for item in only)

    found: list[Action] = []
    if wanted(QUICK_FIX):
        found += [Action(fix.title, QUICK_FIX, [FileEdits(None, fix.edits)], fix.diagnostic, fix.preferred)
                  for fix in quick_fixes(index, start, end) + ignore_fixes(index, start, end)]
        found += _field_default_fixes(index, start, end)
    if wanted(EXTRACT):
        found += _extract_local(index, start, end)
    if wanted(INLINE):
        found += _inline_local(index, start)
    if wanted(REWRITE):
        found += _function_rewrites(index, start)
    if wanted(ORGANIZE_IMPORTS):
        found += _organize_imports(index)
    return found


def _without_new_errors(index: FileIndex, changes: list[FileEdits]) -> bool:
    """Whether the file, changed, has no error it did not have (edits to
    other files are not checked)."""
    own = [edit for change in changes if change.path is None for edit in change.edits]
    text = _applied(index.text, own)
    after = analyze_file(text, index.path, index.loader, index.analysis)
    before = {(d.code, _moved_offset(d.span.start, own)) for d in index.analysis.errors}
    return all((d.code, d.span.start) in before for d in after.errors)


def _means_the_same(index: FileIndex, changes: list[FileEdits]) -> bool:
    """Whether, changed, every name of the file still denotes what it did
    and no error appears (for edits that move no code)."""
    own = [edit for change in changes if change.path is None for edit in change.edits]
    after = FileIndex(analyze_file(_applied(index.text, own), index.path, index.loader, index.analysis),
                      index.loader)
    return _compare(index, after, {index.path: own}, "", "") is None


# ---------------------------------------------------- a missing field's default

def _field_default_fixes(index: FileIndex, start: int, end: int) -> list[Action]:
    """For "missing field" (W0107): give the struct's fields a default (nil)."""
    actions = []
    for found in index.analysis.diagnostics:
        missing = found.data.get("missing") if found.code == "W0107" else None
        if not missing or found.span.start > end or found.span.end < start:
            continue
        struct = _constructed_struct(index, found.span.start)
        if struct is None:
            continue
        home, path = struct
        edits = [Edit(_end_of(home, field), " = nil") for field in _fields(home.symbol, missing)]
        if edits:
            listed = ", ".join(f"`{name}`" for name in missing)
            actions.append(Action(f"Give {listed} a default (nil) in `{home.symbol.name}`", QUICK_FIX,
                                  [FileEdits(path, edits)], found))
    return actions


def _constructed_struct(index: FileIndex, offset: int):
    """The struct a construction at `offset` builds: (its home, its file: None
    for this one)."""
    place = index.place(offset)
    for node in reversed(path_in_unit(place.unit, place.local(offset))):
        callee = node.callee if isinstance(node, ast.Call) else None
        name = callee.name if isinstance(callee, ast.Field) else callee
        if isinstance(node, ast.MethodCall):
            name = node.name
        if name is None:
            continue
        found = index.occurrence_at(place.span(name.span).start)
        home = index.home_of(found) if found is not None else None
        if home is not None and home.symbol.kind is SymbolKind.STRUCT:
            return home, (None if home.place is not None else home.path)
    return None


def _fields(struct: Symbol, names: list[str]) -> list[Symbol]:
    return [struct.members[name] for name in names
            if name in struct.members and struct.members[name].kind is SymbolKind.FIELD]


def _end_of(home, field: Symbol) -> Span:
    span = home.place.span(field.span) if home.place is not None else field.span
    return Span(span.end, span.end, span.end_line, span.end_col, span.end_line, span.end_col)


# ------------------------------------------------------------ extract local

def _extract_local(index: FileIndex, start: int, end: int) -> list[Action]:
    """`let value = <the selected expression>` before its statement, and the
    name in its place: offered when moving the expression before the rest of
    its statement cannot change what the statement computes."""
    text = index.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return []
    place = index.place(start)
    path = path_in_unit(place.unit, place.local(start))
    expr = next((node for node in reversed(path) if place.span(node.span).start == start
                 and place.span(node.span).end == end and _is_expression(node)), None)
    if expr is None:
        return []
    statement, block = _statement_in_block(path, expr)
    if statement is None or not _extractable(statement, expr, path):
        return []
    name = _unused_name(place.unit.text, "value")
    where = place.span(statement.span)
    line = index.line_text(where.line)
    indent = line[:len(line) - len(line.lstrip())]
    if len(indent) != where.col - 1:
        return []  # the statement does not start its line
    line_start = Span(where.start - len(indent), where.start - len(indent), where.line, 1, where.line, 1)
    value = text[start:end]
    edits = [Edit(line_start, f"{indent}let {name} = {value}\n"), Edit(place.span(expr.span), name)]
    changes = [FileEdits(None, edits)]
    if not _without_new_errors(index, changes):
        return []
    return [Action(f"Extract `{_short(value)}` into a local variable", EXTRACT, changes)]


_EXPRESSIONS = frozenset(get_args(ast.Expr))


def _is_expression(node: ast.Node) -> bool:
    return type(node) in _EXPRESSIONS


def _statement_in_block(path: list[ast.Node], expr: ast.Node) -> tuple[ast.Node | None, ast.Node | None]:
    """The statement around `expr` that stands in a block (or at the top
    level), and that block (None for the top level)."""
    inner = path.index(expr)
    for number in range(inner - 1, -1, -1):
        node = path[number]
        if isinstance(node, (ast.FnExpr, ast.FnDecl)):
            return None, None  # moved out of a function, it would be run once
        parent = path[number - 1] if number > 0 else None
        if number == 0 or isinstance(parent, ast.Block):
            return node, parent
    return None, None


def _extractable(statement: ast.Node, expr: ast.Node, path: list[ast.Node]) -> bool:
    """Whether evaluating `expr` before the rest of `statement` (once, and
    always) computes the same: it is not in a part that runs conditionally or
    repeatedly, and nothing evaluated before it could affect it or be
    affected by it."""
    inside = path[path.index(statement):path.index(expr) + 1]
    for parent, child in zip(inside, inside[1:]):
        if isinstance(parent, ast.While) and child is parent.cond:
            return False
        if isinstance(parent, ast.Logical) and child is parent.right:
            return False
        if isinstance(parent, ast.Conditional) and child is not parent.cond:
            return False
        if isinstance(parent, (ast.Match, ast.MatchArm)) and child is not getattr(parent, "subject", None):
            return False
        if isinstance(parent, ast.If) and child is not parent.cond:
            return False
        if isinstance(parent, ast.Assign) and child is parent.target:
            return False
    effects = _has_call(expr)
    for node in walk(statement):
        if node.span.end <= expr.span.start and not node.span.contains(expr.span):
            if _has_call(node) or (effects and not isinstance(node, (ast.Literal, ast.Ident))):
                return False
    return True


def _has_call(node: ast.Node) -> bool:
    return any(isinstance(item, (ast.Call, ast.MethodCall, ast.Yield)) for item in walk(node))


def _unused_name(text: str, base: str) -> str:
    """`base`, or `base2`, `base3`... : a name that appears nowhere in `text`."""
    number = 1
    while True:
        name = base if number == 1 else f"{base}{number}"
        if not re.search(rf"\b{name}\b", text):
            return name
        number += 1


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


# ------------------------------------------------------------- inline local

def _inline_local(index: FileIndex, offset: int) -> list[Action]:
    """Put a local variable's value in place of its uses and drop its `let`:
    offered for a variable that is never assigned again, whose value reads
    only names that are never assigned again and calls nothing (so it is the
    same wherever and however often it is computed)."""
    found = index.occurrence_at(offset)
    if found is None or found.symbol.kind not in (SymbolKind.VARIABLE, SymbolKind.CONSTANT):
        return []
    symbol = found.symbol
    decl = symbol.decl
    if not isinstance(decl, ast.Let) or not isinstance(decl.target, ast.BindName) or decl.value is None:
        return []
    if symbol.scope is None or symbol.scope.kind == "module":
        return []  # a top-level variable is a member other modules may read
    place = found.place
    occurrences = index.occurrences_of(found)
    uses = [item for item in occurrences if not item.declaration]
    if any(index.is_write(item) for item in uses) or not _steady(index, place, decl.value):
        return []
    value = place.unit.text[decl.value.span.start - place.unit.start:decl.value.span.end - place.unit.start]
    shown = value if isinstance(decl.value, (ast.Name, ast.Literal)) or value.startswith("(") else f"({value})"
    let_span = _whole_lines(index, place.span(decl.span))
    if let_span is None:
        return []
    edits = [Edit(let_span, "")] + [Edit(item.span, shown) for item in uses]
    changes = [FileEdits(None, edits)]
    if not _still_visible(index, place, decl.value, uses) or not _without_new_errors(index, changes):
        return []
    return [Action(f"Inline `{symbol.name}`", INLINE, changes)]


def _steady(index: FileIndex, place, value: ast.Node) -> bool:
    """Whether an expression computes the same wherever it stands: literals,
    operators, and names of variables that are never assigned again."""
    for node in walk(value):
        if isinstance(node, (ast.Call, ast.MethodCall, ast.Index, ast.Field, ast.Slice, ast.FnExpr, ast.Match,
                             ast.FString, ast.ArrayExpr, ast.MapExpr)):
            return False
        if isinstance(node, ast.Name):
            named = index.occurrence_at(place.span(node.span).start)
            if named is None or any(index.is_write(item) for item in index.occurrences_of(named)
                                    if not item.declaration):
                return False
    return True


def _still_visible(index: FileIndex, place, value: ast.Node, uses: list[Occurrence]) -> bool:
    """Whether every name of the value means the same where each use is."""
    for node in walk(value):
        if isinstance(node, ast.Name):
            named = index.occurrence_at(place.span(node.span).start)
            meant = index.home_of(named) if named is not None else None
            for use in uses:
                there = index.visible_at(use.span.start, node.name.__eq__).get(node.name)
                if meant is None or there is None or there[1] is not meant.symbol:
                    return False
    return True


def _whole_lines(index: FileIndex, span: Span) -> Span | None:
    """The lines a statement stands on alone, newline included (None: it
    shares a line)."""
    text = index.text
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    end = len(text) if end == -1 else end + 1
    if text[start:span.start].strip() or text[span.end:end].strip():
        return None
    return Span(start, end, span.line, 1, span.end_line + 1, 1)


# ---------------------------------------------------- function <-> closure

def _function_rewrites(index: FileIndex, offset: int) -> list[Action]:
    found = index.occurrence_at(offset)
    if found is None or not found.declaration:
        return []
    decl = found.symbol.decl
    if isinstance(decl, ast.FnDecl) and found.symbol.kind is SymbolKind.FUNCTION:
        return _to_closure(index, found, decl)
    if isinstance(decl, ast.Let) and isinstance(decl.value, ast.FnExpr) and isinstance(decl.target, ast.BindName):
        return _to_function(index, found, decl)
    return []


def _only_called(index: FileIndex, found: Occurrence) -> bool:
    """Whether every use of the name is a call (a function prints with its
    name, a closure as `<fn>`)."""
    from .ide import _is_called
    return all(_is_called(item) for item in index.occurrences_of(found) if not item.declaration)


def _to_closure(index: FileIndex, found: Occurrence, decl: ast.FnDecl) -> list[Action]:
    """`fn f(a) { … }` as `let f = fn (a) { … }`: offered when nothing uses
    `f` before it (a `let` is not hoisted) or inside it, and it is only called."""
    place = found.place
    body_start = place.span(decl.body.span).start
    uses = [item for item in index.occurrences_of(found) if not item.declaration]
    if any(item.span.start < body_start or place.span(decl.body.span).covers(item.span.start) for item in uses):
        return []
    if not _only_called(index, found):
        return []
    span = place.span(decl.span)
    keyword = Span(span.start, span.start + 2, span.line, span.col, span.line, span.col + 2)
    name_end = found.span.end
    edits = [Edit(keyword, "let"), Edit(Span(name_end, name_end, found.span.end_line, found.span.end_col,
                                              found.span.end_line, found.span.end_col), " = fn ")]
    changes = [FileEdits(None, edits)]
    if not _means_the_same(index, changes):
        return []
    return [Action(f"Convert `{found.symbol.name}` to a closure", REWRITE, changes)]


def _to_function(index: FileIndex, found: Occurrence, decl: ast.Let) -> list[Action]:
    """`let f = fn (a) { … }` (or `=> expr`) as `fn f(a) { … }`: offered when
    `f` is never assigned again and is only called, and the function, visible
    in its whole block, captures no use of another `f`."""
    uses = [item for item in index.occurrences_of(found) if not item.declaration]
    if decl.const or any(index.is_write(item) for item in uses) or not _only_called(index, found):
        return []
    place = found.place
    closure = decl.value
    text = place.unit.text
    base = place.unit.start
    params = text[closure.params[0].span.start - base:closure.params[-1].span.end - base] if closure.params else ""
    if closure.arrow:
        returned = closure.body.body[0].value
        body = "{ return " + text[returned.span.start - base:returned.span.end - base] + " }"
    else:
        body = text[closure.body.span.start - base:closure.body.span.end - base]
    span = place.span(decl.span)
    new = f"fn {found.symbol.name}({params}) {body}"
    changes = [FileEdits(None, [Edit(span, new)])]
    if not _without_new_errors(index, changes) or not _captures_nothing(index, found, span, len(new)):
        return []
    return [Action(f"Convert `{found.symbol.name}` to a function", REWRITE, changes)]


def _captures_nothing(index: FileIndex, found: Occurrence, span: Span, length: int) -> bool:
    """Whether, as a hoisted function, `f` would mean the same everywhere:
    no use of the name before the declaration means something else."""
    place = found.place
    name = found.symbol.name
    for item in index.unit_occurrences(place):
        if item.symbol.name == name and item.span.start < span.start and item.symbol is not found.symbol:
            enclosing = found.symbol.scope
            if enclosing is not None and enclosing.span.covers(place.local(item.span.start)):
                return False
    return True


# -------------------------------------------------------------- imports

def _organize_imports(index: FileIndex) -> list[Action]:
    """Sort the file's leading run of imports and drop the unused ones.

    Loading a module runs its top-level code, so only imports of modules
    whose top-level code only declares things (functions, types, imports,
    and values computed without calls) are moved or dropped; others stay
    where they are, and then nothing is reordered."""
    run = _leading_imports(index)
    if not run:
        return []
    statements = [stmt for _, stmt in run]
    first, last = run[0][0].span(statements[0].span), run[-1][0].span(statements[-1].span)
    if any(first.start <= c.span.start <= last.end for place, _ in run for c in place.unit.parsed.comments):
        return []
    kept, movable = [], True
    for place, stmt in run:
        module = _module_of(place, stmt)
        pure = module is not None and _declares_only(index, module.module_path)
        movable = movable and pure
        if not pure or _used(index, place, stmt):
            kept.append((place, stmt))
    if movable:
        kept.sort(key=lambda item: (item[1].label, item[1].bound_name.name))
    new = "\n".join(index.text[place.span(stmt.span).start:place.span(stmt.span).end] for place, stmt in kept)
    if new == index.text[first.start:last.end]:
        return []
    whole = Span(first.start, last.end, first.line, first.col, last.end_line, last.end_col)
    return [Action("Organize imports", ORGANIZE_IMPORTS, [FileEdits(None, [Edit(whole, new)])])]


def _used(index: FileIndex, place, stmt: ast.Import) -> bool:
    """Whether the name an import binds is used."""
    found = index.occurrence_at(place.span(stmt.bound_name.span).start)
    return found is None or any(not item.declaration for item in index.occurrences_of(found))


def _leading_imports(index: FileIndex) -> list:
    """The first run of consecutive top-level imports: (unit, statement)."""
    found = []
    for place in index.units:
        for stmt in place.unit.statements:
            if isinstance(stmt, ast.Import):
                found.append((place, stmt))
            elif found:
                return found
    return found


def _module_of(place, stmt: ast.Import) -> Symbol | None:
    from .ide import _module_symbol
    return _module_symbol(place, stmt)


def _declares_only(index: FileIndex, path: str | None) -> bool:
    """Whether loading the module runs nothing but declarations."""
    if path is None:
        return False
    try:
        program = parse(index.loader.read(path), path).program
    except ModuleReadError:
        return False
    for stmt in program.body:
        if isinstance(stmt, (ast.FnDecl, ast.StructDecl, ast.EnumDecl, ast.Import)):
            continue
        if isinstance(stmt, ast.Let) and (stmt.value is None or not _has_call(stmt.value)):
            continue
        return False
    return True
