"""Per-declaration analysis: a file as a sequence of units, each parsed,
checked and compiled on its own, and reused while it and what it uses are
unchanged.

A unit is a run of top-level statements that share lines, with the comments
and blank lines above them: its text runs from the start of its first line to
the start of the next unit. A file's parse is the concatenation of its units'
parses, so an edit re-parses only the units it touches (and, when the edited
text has a syntax error that reaches past them, the following ones until the
parse is back in step). Units are content-addressed: a unit whose text and
whose view of the rest of the file (the top-level names it uses or declares)
are unchanged keeps its check, its compiled code and everything an editor
derived from it.

Positions. A unit keeps the spans of the version that analysed it, its
frame; in a later version a `Placed` unit says how far it has moved since
(`offset` code points and `lines` lines), and readers add that when they
answer. An edit therefore costs what it touches and the number of units, not
the size of the file behind it.

Checking a unit. The checker runs on the unit's statements with stubs of the
other top-level statements it can see by name (declarations with empty
bodies, `let`s without values, imports as written, and the assignments other
units make to top-level names), so names resolve, arities and fields are
known and duplicates are found exactly as in a whole-file check. What only
the whole file knows (code after a top-level `throw`) is decided over the
units afterwards. The result equals `analysis.analyze` of the whole text;
tests hold it to that.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, fields as dataclass_fields, replace
from typing import Iterable, Iterator

from . import ast
from .analysis import read_source
from .checker import check, could_suggest
from .suppressions import without_ignored
from .diagnostics import Diagnostic, Related, Severity, make
from .lexer import MAX_DIAGNOSTICS, MAX_SOURCE_CHARS
from .modules import ModuleLoader, ModuleReadError
from .parser import ParseResult, parse
from .source import SourceText, Span, lone_returns_as_newlines
from .symbols import Symbol, SymbolTable, is_instance_method

#: Units parsed again after an edit whose syntax error reaches past the edited ones,
#: before the rest of the file is parsed as a whole.
MAX_RESYNC_UNITS = 64
_DECLARATIONS = (ast.FnDecl, ast.StructDecl, ast.EnumDecl)
#: A line starting with one of these continues the statement above it (§1).
_JOINER = re.compile(r"(?:\s|#[^\n]*)*(?:\.|(?:else|catch|finally)\b)")
_LINE_NUMBER = re.compile(r"\bline \d+")
_OPENED_AT = re.compile(r"opened at (\d+):(\d+)")


# ------------------------------------------------------------------ tree helpers

def walk(node: ast.Node) -> Iterator[ast.Node]:
    """Every node under `node` (itself included), parents before children."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(list(ast.children(current))))


_FIELDS: dict[type, tuple[str, ...]] = {}


def moved(node, offset: int, lines: int):
    """A copy of `node` (a syntax node, or a diagnostic) whose spans are
    `offset` code points and `lines` lines later. Columns do not change: what
    moves starts on a line of its own."""
    if offset == 0 and lines == 0:
        return node
    if isinstance(node, Diagnostic):
        related = tuple(replace(item, span=shifted(item.span, offset, lines)) if item.path is None else item
                        for item in node.related)
        message = node.message
        if lines and node.code == "E0005":
            # "… opened at 3:8" names a place in the same unit: it moved too.
            message = _OPENED_AT.sub(lambda m: f"opened at {int(m.group(1)) + lines}:{m.group(2)}", message)
        return replace(node, span=shifted(node.span, offset, lines), related=related, message=message)
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclass_fields(kind))
    copy = kind.__new__(kind)
    for name in names:
        value = getattr(node, name)
        if name == "span":
            value = shifted(value, offset, lines)
        elif isinstance(value, ast.Node):
            value = moved(value, offset, lines)
        elif isinstance(value, list):
            value = [moved(item, offset, lines) if isinstance(item, ast.Node) else item for item in value]
        setattr(copy, name, value)
    return copy


def shifted(span: Span, offset: int, lines: int) -> Span:
    if offset == 0 and lines == 0:
        return span
    return Span(span.start + offset, span.end + offset, span.line + lines, span.col, span.end_line + lines,
                span.end_col)


def line_starts(text: str) -> list[int]:
    """Offsets where the lines of `text` start."""
    starts = [0]
    found = text.find("\n")
    while found != -1:
        starts.append(found + 1)
        found = text.find("\n", found + 1)
    return starts


class RegionSource(SourceText):
    """The text of one unit, placed in its frame: offsets and lines are those
    of the whole file, only the unit's own text is at hand."""

    def __init__(self, text: str, path: str, start: int, line: int):
        super().__init__(text, path)
        self.start = start
        self.first_line = line

    def position(self, offset: int) -> tuple[int, int]:
        line, col = super().position(offset - self.start)
        return line + self.first_line - 1, col

    def line_text(self, line: int) -> str:
        return super().line_text(line - self.first_line + 1)


# ----------------------------------------------------------------------- units

@dataclass(eq=False)
class Parsed:
    """One unit's parse, in its frame."""

    text: str
    start: int
    #: The 1-based line of the unit's first character.
    line: int
    statements: list[ast.Stmt]
    comments: list[ast.Comment]
    syntax: list[Diagnostic]

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def __post_init__(self) -> None:
        #: Whether the unit declares a module (its shape is read again each version).
        self.imports_at_top = any(isinstance(stmt, ast.Import) for stmt in self.statements)
        #: Whether running the unit at load time may import a module.
        self.loads_imports = any(loads_imports(stmt) for stmt in self.statements)
        #: Whether a top-level statement is a `throw` (code after it is unreachable).
        self.throws = any(isinstance(stmt, ast.Throw) for stmt in self.statements)

    def moved(self, offset: int, lines: int) -> "Parsed":
        if offset == 0 and lines == 0:
            return self
        return Parsed(self.text, self.start + offset, self.line + lines,
                      [moved(stmt, offset, lines) for stmt in self.statements],
                      [moved(comment, offset, lines) for comment in self.comments],
                      [moved(item, offset, lines) for item in self.syntax])


@dataclass(frozen=True)
class Declared:
    """A top-level name a unit declares, and what other units can see of it:
    `shape` changes exactly when checking the code that uses the name could
    give another result."""

    name: str
    kind: str
    shape: tuple


@dataclass(eq=False)
class Unit:
    """A unit's parse and check, both in the unit's frame. Immutable once
    built, except for the caches that editor queries fill (`cache`)."""

    parsed: Parsed
    #: The symbols of the checked stub program (the unit's own and its stubs').
    table: SymbolTable
    #: Syntax and check diagnostics located in the unit, in order, before the
    #: whole-file decisions (see `FileAnalysis`).
    diagnostics: list[Diagnostic]
    #: Top-level names this unit declares.
    declares: tuple[Declared, ...]
    #: Top-level (or builtin) names whose value this unit assigns somewhere.
    assigns: frozenset[str]
    #: Names of other units this unit's check depends on, with the view it had of them.
    views: dict[str, tuple]
    #: Checked again in every version (its diagnostics name other places or
    #: depend on every name in the file).
    volatile: bool
    #: Its diagnostics quote its own line numbers (checked again when it moves by lines).
    quotes_lines: bool
    #: Resolved paths of the modules its statements import, in order.
    imports: list[str]
    #: The top-level declaration (ordinal among the declarations of its name)
    #: that each stub declaration of `table` stands for, by the stub's identity.
    origins: dict[int, tuple[str, int]]
    #: The stub program the unit was checked in (the compiler needs it too).
    program: ast.Program
    cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        #: Whether the next version must look at this unit even if untouched
        #: (checked again, or its diagnostics, imports or `throw` collected).
        self.notable = bool(self.volatile or self.quotes_lines or self.diagnostics or self.imports
                            or self.parsed.throws)

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def start(self) -> int:
        return self.parsed.start

    @property
    def end(self) -> int:
        return self.parsed.end

    @property
    def statements(self) -> list[ast.Stmt]:
        return self.parsed.statements

    def source(self, path: str) -> RegionSource:
        return RegionSource(self.parsed.text, path, self.parsed.start, self.parsed.line)


class Placed:
    """A unit in one version of a file: moved `offset` code points and
    `lines` lines from its frame. (While a version is being built, `unit`
    is None for a unit parsed again and not yet checked.)"""

    __slots__ = ("parsed", "unit", "offset", "lines")

    def __init__(self, parsed: Parsed, unit: "Unit | None", offset: int = 0, lines: int = 0):
        self.parsed = parsed
        self.unit = unit
        self.offset = offset
        self.lines = lines

    @property
    def start(self) -> int:
        return self.parsed.start + self.offset

    @property
    def end(self) -> int:
        return self.parsed.start + len(self.parsed.text) + self.offset

    @property
    def line(self) -> int:
        return self.parsed.line + self.lines

    def local(self, offset: int) -> int:
        """A current offset in the unit's frame."""
        return offset - self.offset

    def span(self, span: Span) -> Span:
        """A span of the unit's frame, where it is now."""
        return shifted(span, self.offset, self.lines)


# ---------------------------------------------------------------- declarations

def declarations(statements: list[ast.Stmt], loader: ModuleLoader, path: str,
                 modules: "ModuleShapes | None") -> tuple[Declared, ...]:
    """The top-level names `statements` declare, with their shapes. Imported
    modules' shapes are followed when `modules` is given (one level: what a
    member looks like does not depend on the imports of its module)."""
    found: list[Declared] = []
    for stmt in statements:
        if isinstance(stmt, ast.FnDecl):
            found.append(Declared(stmt.name.name, "function", _function_shape(stmt)))
        elif isinstance(stmt, ast.StructDecl):
            members = tuple((f.name.name, f.default is not None) for f in stmt.fields)
            found.append(Declared(stmt.name.name, "struct", (members, _methods_shape(stmt.methods))))
        elif isinstance(stmt, ast.EnumDecl):
            variants = tuple((v.name.name, None if v.fields is None else len(v.fields)) for v in stmt.variants)
            found.append(Declared(stmt.name.name, "enum", (variants, _methods_shape(stmt.methods))))
        elif isinstance(stmt, ast.Let):
            kind = "constant" if stmt.const else "variable"
            # A constant's value may be compiled into the code that reads it.
            shape = (_expression_key(stmt.value),) if stmt.const else ()
            found += [Declared(bind.name, kind, shape) for bind in ast.binders(stmt.target)]
        elif isinstance(stmt, ast.Import) and (stmt.parts or stmt.path is not None):
            resolved = _resolve_import(stmt, loader, path)
            shape = modules.shape(resolved, loader) if resolved and modules is not None else None
            found.append(Declared(stmt.bound_name.name, "module", (resolved, shape)))
    return tuple(found)


def _function_shape(decl: ast.FnDecl) -> tuple:
    """What a call's check needs: how many parameters, which have defaults,
    whether the last is a rest parameter (their names do not matter), and
    whether it is an instance method."""
    return tuple((p.default is not None, p.rest) for p in decl.params) + (is_instance_method(decl),)


def _methods_shape(methods: list[ast.FnDecl]) -> tuple:
    return tuple((m.name.name, _function_shape(m)) for m in methods)


def _expression_key(node: ast.Node | None) -> object:
    """What an expression is, positions left out."""
    if node is None:
        return None
    parts: list[object] = [type(node).__name__]
    for name in node.__dataclass_fields__:
        if name == "span":
            continue
        value = getattr(node, name)
        if isinstance(value, ast.Node):
            parts.append(_expression_key(value))
        elif isinstance(value, list):
            parts.append(tuple(_expression_key(item) if isinstance(item, ast.Node) else item for item in value))
        else:
            parts.append(value)
    return tuple(parts)


def _resolve_import(stmt: ast.Import, loader: ModuleLoader, path: str) -> str | None:
    importer = None if path.startswith("<") else path
    if stmt.path is not None:
        return loader.resolve_path(stmt.path.value, importer)
    return loader.resolve([part.name for part in stmt.parts], importer)


class ModuleShapes:
    """The shapes of imported modules' members, read and parsed once per text.

    Also the parser the checker uses for imported modules, so that a module
    is parsed once however many units (and versions) import it. Safe to share
    between threads: a race only parses a module twice."""

    def __init__(self) -> None:
        self._parsed: dict[str, tuple[str, ParseResult]] = {}
        self._shapes: dict[str, tuple[str, tuple]] = {}

    def parse(self, text: str, path: str) -> ParseResult:
        cached = self._parsed.get(path)
        if cached is None or cached[0] != text:
            cached = self._parsed[path] = (text, parse(text, path))
        return cached[1]

    def shape(self, path: str, loader: ModuleLoader) -> tuple:
        try:
            text = loader.read(path)
        except ModuleReadError as error:
            return ("unreadable", str(error))
        cached = self._shapes.get(path)
        if cached is None or cached[0] != text:
            parsed = self.parse(text, path)
            program = parsed.program
            members = declarations(program.body, loader, path, None)
            # A syntax error in the module is reported where it is imported (E0114).
            broken = any(d.severity == Severity.ERROR for d in parsed.diagnostics)
            cached = self._shapes[path] = (text, (members, _assigned_anywhere(program), broken))
        return cached[1]


def _assigned_anywhere(program: ast.Program) -> frozenset[str]:
    names = set()
    for node in walk(program):
        if isinstance(node, ast.Assign):
            names.update(name.name for name in assigned_names(node.target))
    return frozenset(names)


def assigned_names(target: ast.Node) -> list[ast.Name]:
    """The names an assignment writes: the target itself or those in a tuple
    target (not the names inside `a[i]` or `p.x`, which are read)."""
    names, pending = [], [target]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            names.append(node)
        elif isinstance(node, ast.TupleExpr):
            pending += node.items
    return names


# ---------------------------------------------------------------------- stubs

def stub(stmt: ast.Stmt) -> ast.Stmt | None:
    """What other units see of a top-level statement: its declarations, with
    empty function bodies, defaults and `let` values left out; constants keep
    their values, which may be compiled into the code that reads them."""
    if isinstance(stmt, ast.FnDecl):
        return _stub_function(stmt)
    if isinstance(stmt, ast.StructDecl):
        fields = [ast.FieldDecl(f.span, f.name, _placeholder(f.default)) for f in stmt.fields]
        return ast.StructDecl(stmt.span, stmt.name, fields, [_stub_function(m) for m in stmt.methods], stmt.doc)
    if isinstance(stmt, ast.EnumDecl):
        return ast.EnumDecl(stmt.span, stmt.name, stmt.variants, [_stub_function(m) for m in stmt.methods],
                            stmt.doc)
    if isinstance(stmt, ast.Let):
        return stmt if stmt.const else ast.Let(stmt.span, stmt.target, None, False, stmt.doc)
    if isinstance(stmt, ast.Import):
        return stmt
    return None


def _stub_function(decl: ast.FnDecl) -> ast.FnDecl:
    params = [ast.Param(p.span, p.name, _placeholder(p.default), p.rest) for p in decl.params]
    return ast.FnDecl(decl.span, decl.name, params, ast.Block(decl.body.span, []), decl.doc)


def _placeholder(default: ast.Node | None) -> ast.Node | None:
    return None if default is None else ast.Literal(default.span, None)


def _assignment_stub(name: str, at: int, line: int) -> ast.Stmt:
    """`name = nil` at an empty span: stands for another unit's assignment."""
    where = Span(at, at, line, 1, line, 1)
    return ast.Assign(where, ast.Name(where, name), None, ast.Literal(where, None))


def free_names(statements: Iterable[ast.Node]) -> set[str]:
    """Every name `statements` use, bound locally or not."""
    names: set[str] = set()
    for stmt in statements:
        for node in walk(stmt):
            kind = type(node)
            if kind is ast.Name:
                names.add(node.name)
            elif kind is ast.PVariant or kind is ast.PStruct:
                if node.path:
                    names.add(node.path[0].name)
    return names


def loads_imports(stmt: ast.Stmt) -> bool:
    """Whether running the statement at load time may import a module."""
    pending = [stmt]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            return True
        if not isinstance(node, (ast.FnDecl, ast.FnExpr, ast.StructDecl, ast.EnumDecl)):
            pending.extend(ast.children(node))
    return False


# ------------------------------------------------------------------- parsing

def _changed_range(old: str, new: str) -> tuple[int, int]:
    """Where `old` and `new` differ: (start, end) in `old`."""
    prefix = _common_length(old, new, from_end=False)
    room = min(len(old), len(new)) - prefix
    suffix = min(room, _common_length(old, new, from_end=True))
    return prefix, len(old) - suffix


def _common_length(old: str, new: str, from_end: bool, block: int = 4096) -> int:
    """How many characters `old` and `new` share at their start (or end):
    whole blocks compared first, then the first differing block halved."""
    limit = min(len(old), len(new))

    def same(start: int, end: int) -> bool:
        if from_end:
            return old[len(old) - end:len(old) - start] == new[len(new) - end:len(new) - start]
        return old[start:end] == new[start:end]

    low = 0
    while low < limit and same(low, min(limit, low + block)):
        low = min(limit, low + block)
    high = min(limit, low + block)
    while low < high:
        middle = (low + high + 1) // 2
        if same(low, middle):
            low = middle
        else:
            high = middle - 1
    return low


def split(program: ast.Program, syntax: list[Diagnostic], text: str, offset: int = 0,
          lines: int = 0) -> list[Parsed]:
    """The units of a parse of `text` (which starts at a unit boundary),
    placed `offset` code points and `lines` lines further on."""
    # A syntax error between two statements (an unclosed bracket reported at
    # the end of the comment lines below it) ties them into one unit.
    gaps = sorted(d.span.start for d in syntax)
    groups: list[list[ast.Stmt]] = []
    for stmt in program.body:
        if groups and (stmt.span.line <= max(s.span.end_line for s in groups[-1]) or
                       _any_between(gaps, max(s.span.end for s in groups[-1]), stmt.span.start)):
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    bounds = [0]
    for group in groups[:-1]:
        newline = text.find("\n", max(s.span.end for s in group))
        bounds.append(len(text) if newline == -1 else newline + 1)
    bounds.append(len(text))
    comments = sorted(program.comments, key=lambda c: c.span.start)
    diagnostics = sorted(syntax, key=lambda d: d.span.start)
    units = []
    line, next_comment, next_error = 1, 0, 0
    for number, group in enumerate(groups or [[]]):
        start, end = bounds[number], bounds[number + 1]
        last = number == len(bounds) - 2
        first_comment = next_comment
        while next_comment < len(comments) and (last or comments[next_comment].span.start < end):
            next_comment += 1
        first_error = next_error
        while next_error < len(diagnostics) and (last or diagnostics[next_error].span.start < end):
            next_error += 1
        piece = text[start:end]
        units.append(Parsed(piece, start, line, group, comments[first_comment:next_comment],
                            diagnostics[first_error:next_error]).moved(offset, lines))
        line += piece.count("\n")
    return units


def _any_between(offsets: list[int], start: int, end: int) -> bool:
    """Whether a sorted list holds an offset in [start, end)."""
    found = bisect.bisect_left(offsets, start)
    return found < len(offsets) and offsets[found] < end


def _clean_end(fresh, text: str) -> bool:
    """Whether a parse of some units' text ended as it would have inside the
    whole file: no error at its end (an unclosed bracket or block, an
    expression cut short) that the following text might have answered, and
    no error in its last statement, whose recovery the end may have cut short.
    A triple quote makes any error suspect: whether one opens a string
    depends on a closing one anywhere after it, and the text that follows
    may hold one the parse of these units could not see."""
    if not fresh.diagnostics:
        return True
    if '"""' in text:
        return False
    body = fresh.program.body
    last_start = body[-1].span.start if body else 0
    return all(d.span.start < min(len(text), last_start) for d in fresh.diagnostics)


def _reparse(previous: "FileAnalysis", text: str, path: str) -> tuple[list[Placed], range, range] | None:
    """The units of `text`, from those of `previous` and a parse of the
    changed region: (units, where the new parses are among them, which
    units of `previous` they replace). None when the whole text must be
    parsed."""
    old, units = previous.text, previous.units
    start, old_end = _changed_range(old, text)
    delta = len(text) - len(old)
    starts = previous.starts
    first = max(0, _index_at(starts, start) - 1)
    last = min(len(units) - 1, _index_at(starts, old_end) + 1)
    while True:
        while last + 1 < len(units) and _JOINER.match(old, units[last + 1].start):
            last += 1
        region_start, region_end = units[first].start, units[last].end
        middle = text[region_start:region_end + delta]
        fresh = parse(middle, path)
        if len(fresh.diagnostics) >= MAX_DIAGNOSTICS:
            return None
        if _clean_end(fresh, middle) or last == len(units) - 1:
            break
        grown = last - first + 1
        last = len(units) - 1 if grown > MAX_RESYNC_UNITS else min(len(units) - 1, last + grown)
    line_delta = middle.count("\n") - old.count("\n", region_start, region_end)
    parsed = split(fresh.program, fresh.diagnostics, middle, region_start, units[first].line - 1)
    after = [Placed(p.parsed, p.unit, p.offset + delta, p.lines + line_delta) for p in units[last + 1:]]
    placed = units[:first] + [Placed(item, None) for item in parsed] + after
    if sum(len(p.parsed.syntax) for p in placed[first:first + len(parsed)]) + previous.syntax_count - \
            sum(len(p.parsed.syntax) for p in units[first:last + 1]) >= MAX_DIAGNOSTICS:
        return None
    return placed, range(first, first + len(parsed)), range(first, last + 1)


def _index_at(starts: list[int], offset: int) -> int:
    """The index of the unit whose text holds `offset` (the last one at the end)."""
    return max(0, bisect.bisect_right(starts, offset) - 1)


def _reuse_by_content(placed: list[Placed], fresh: range, candidates: list[Placed]) -> None:
    """New parses (at `fresh`) whose text one of `candidates` (units of the
    previous version that no other part reuses) had become that unit, moved:
    its parse is the same and its check may still hold."""
    wanted = {placed[number].parsed.text for number in fresh}
    by_text: dict[str, list[Unit]] = {}
    for old in candidates:
        if old.parsed.text in wanted:
            by_text.setdefault(old.parsed.text, []).append(old.unit)
    for number in fresh:
        part = placed[number]
        same = by_text.get(part.parsed.text)
        if same:
            unit = same.pop(0)
            placed[number] = Placed(unit.parsed, unit, part.parsed.start - unit.parsed.start,
                                    part.parsed.line - unit.parsed.line)


# ------------------------------------------------------------------ checking

class _Versions:
    """The declarations of one version of a file: which units declare and
    assign each top-level name."""

    def __init__(self, declared: dict[str, list[tuple[int, Declared]]], assigners: dict[str, list[int]]):
        self.declared = declared
        self.assigners = assigners
        #: What `assigners` holds for units parsed again but not yet checked.
        self.recorded: dict[int, frozenset[str]] = {}

    def recorded_assigns(self, number: int, unit: "Unit | None") -> frozenset[str]:
        """The names `assigners` says unit `number` assigns."""
        if number in self.recorded:
            return self.recorded.pop(number)
        return unit.assigns if unit is not None else frozenset()

    @classmethod
    def build(cls, declares: list[tuple[Declared, ...]], placed: list[Placed]) -> "_Versions":
        declared: dict[str, list[tuple[int, Declared]]] = {}
        for number, found in enumerate(declares):
            for item in found:
                declared.setdefault(item.name, []).append((number, item))
        assigners: dict[str, list[int]] = {}
        for number, part in enumerate(placed):
            if part.unit is not None:
                for name in part.unit.assigns:
                    assigners.setdefault(name, []).append(number)
        return cls(declared, assigners)

    def set_assigns(self, number: int, before: frozenset[str], after: frozenset[str]) -> None:
        """Unit `number` assigned `before` and now assigns `after`."""
        if before == after:
            return
        self.assigners = {name: list(holders) for name, holders in self.assigners.items()}
        for name in before - after:
            self.assigners[name].remove(number)
        for name in after - before:
            self.assigners.setdefault(name, []).append(number)

    def view(self, name: str, number: int) -> tuple:
        """What unit `number` can see of the top-level name `name` elsewhere:
        each other declaration's kind and shape and whether it comes first,
        and whether another unit assigns the name."""
        others = tuple((item.kind, item.shape, where < number)
                       for where, item in self.declared.get(name, ()) if where != number)
        assigned = any(where != number for where in self.assigners.get(name, ()))
        return others, assigned

    def shapes(self, name: str) -> tuple:
        return tuple((item.kind, item.shape) for _, item in self.declared.get(name, ()))


class _Checking:
    """Checks the units of one version that need it."""

    def __init__(self, path: str, loader: ModuleLoader, modules: ModuleShapes, placed: list[Placed],
                 declares: list[tuple[Declared, ...]], versions: _Versions, importing: list[int]):
        self.path = path
        self.loader = loader
        self.modules = modules
        self.placed = placed
        self.declares = declares
        self.versions = versions
        self.importing = importing

    def check(self, number: int) -> Unit:
        """Check unit `number` in the current frame."""
        part = self.placed[number]
        parsed = part.parsed.moved(part.offset, part.lines)
        relevant = free_names(parsed.statements) | {item.name for item in self.declares[number]}
        unit = self._check_with(number, parsed, relevant)
        undefined = {parsed.text[d.span.start - parsed.start:d.span.end - parsed.start]
                     for d in unit.diagnostics if d.code == "E0101"}
        if undefined:
            # "Did you mean" and "declared later" weigh every top-level name:
            # those that could be the answer join the check.
            near = {name for name in self.versions.declared
                    if any(could_suggest(wanted, name) for wanted in undefined)}
            if not near <= relevant:
                unit = self._check_with(number, parsed, relevant | near)
        return unit
    def _check_with(self, number: int, parsed: Parsed, relevant: set[str]) -> Unit:
        body, origins = self._program(number, parsed, relevant)
        whole = Span(0, 0, 1, 1, 1, 1)
        program = ast.Program(whole, body, parsed.comments)
        source = RegionSource(parsed.text, self.path, parsed.start, parsed.line)
        checked = check(program, source, self.loader, self.modules.parse)
        return self._unit(number, parsed, checked, program, origins, relevant)

    def _program(self, number: int, parsed: Parsed, relevant: set[str]) -> tuple[list[ast.Stmt], dict]:
        """The unit's statements among stubs of the other units it can see."""
        versions = self.versions
        included = set()
        for name in relevant:
            included.update(where for where, _ in versions.declared.get(name, ()))
            included.update(versions.assigners.get(name, ()))
        if parsed.loads_imports:
            included.update(self.importing)
        included.discard(number)
        body: list[ast.Stmt] = []
        origins: dict[tuple[int, str], int] = {}
        ordinals: dict[str, int] = {}
        for where in sorted(included | {number}):
            part = self.placed[where]
            if where == number:
                statements = parsed.statements
            else:
                statements = [moved(found, part.offset, part.lines) for stmt in part.parsed.statements
                              if (found := stub(stmt)) is not None]
            for stmt in statements:
                body.append(stmt)
                for name in declared_names(stmt):
                    origins[(id(stmt), name)] = ordinals.get(name, 0)
                    ordinals[name] = ordinals.get(name, 0) + 1
            if where != number and part.unit is not None:
                end = part.end
                body += [_assignment_stub(name, end, part.parsed.line + part.lines)
                         for name in sorted(part.unit.assigns & relevant)]
        return body, origins

    def _unit(self, number: int, parsed: Parsed, checked, program: ast.Program, origins: dict,
              relevant: set[str]) -> Unit:
        top = {(stmt.span.start, stmt.span.end) for stmt in parsed.statements}
        last = number == len(self.placed) - 1
        mine = [d for d in checked.diagnostics
                if (parsed.start <= d.span.start < parsed.end or (last and d.span.start >= parsed.end))
                and not (d.code == "W0103" and (d.span.start, d.span.end) in top)]
        diagnostics = parsed.syntax + mine
        assigns = frozenset(name.name for stmt in parsed.statements for node in walk(stmt)
                            if isinstance(node, ast.Assign) for name in assigned_names(node.target)
                            if _top_level(checked.symbols.resolve(name)))
        volatile = any(d.severity == Severity.ERROR for d in diagnostics) or \
            any(isinstance(node, ast.Import) for stmt in parsed.statements for node in walk(stmt))
        views = {name: self.versions.view(name, number) for name in relevant}
        return Unit(parsed, checked.symbols, diagnostics, self.declares[number], assigns, views, volatile,
                    any(_LINE_NUMBER.search(d.message) for d in diagnostics), list(checked.imports),
                    origins, program)


def declared_names(stmt: ast.Stmt) -> list[str]:
    """The top-level names a statement declares."""
    if isinstance(stmt, _DECLARATIONS):
        return [stmt.name.name]
    if isinstance(stmt, ast.Let):
        return ast.bound_names(stmt.target)
    if isinstance(stmt, ast.Import) and (stmt.parts or stmt.path is not None):
        return [stmt.bound_name.name]
    return []


def _top_level(symbol: Symbol | None) -> bool:
    return symbol is not None and symbol.scope is not None and symbol.scope.kind in ("module", "builtins")


# ------------------------------------------------------------------- a file

@dataclass(eq=False)
class FileAnalysis:
    """One version of a file, analysed unit by unit (see the module's docstring).

    `diagnostics` are those of `analysis.analyze` of the same text; queries
    read the units (`unit_at`) and the top-level declarations (`declared`).
    """

    path: str
    text: str
    units: list[Placed]
    #: Each top-level name's declarations, in order: (unit index, declaration).
    declared: dict[str, list[tuple[int, Declared]]]
    #: The units that assign each top-level (or builtin) name.
    assigners: dict[str, list[int]]
    diagnostics: list[Diagnostic]
    #: Resolved paths of the modules the file imports, in order.
    imports: list[str]
    #: Whether the next version may reuse these units (not after a capped parse).
    reusable: bool = True
    modules: ModuleShapes = field(default_factory=ModuleShapes, repr=False)

    def __post_init__(self) -> None:
        self.starts = [placed.parsed.start + placed.offset for placed in self.units]
        #: Units the next version must look at even when untouched.
        self.notable = [number for number, placed in enumerate(self.units) if placed.unit.notable]
        self.syntax_count = sum(len(self.units[number].parsed.syntax) for number in self.notable)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == Severity.ERROR]

    def index_at(self, offset: int) -> int:
        """The index of the unit whose text holds `offset` (the last one at the end)."""
        return _index_at(self.starts, offset)

    def unit_at(self, offset: int) -> Placed:
        return self.units[self.index_at(offset)]

    def units_between(self, start: int, end: int) -> list[Placed]:
        """The units whose text overlaps offsets [start, end]."""
        return self.units[self.index_at(start):self.index_at(end) + 1]


def analyze_file(text: str, path: str, loader: ModuleLoader | None = None,
                 previous: FileAnalysis | None = None) -> FileAnalysis:
    """Analyse `text` unit by unit, reusing what `previous` (an earlier
    version of the same file) found for the units an edit left alone."""
    text = lone_returns_as_newlines(text)
    loader = loader or ModuleLoader()
    if previous is not None and (not previous.reusable or previous.path != path):
        previous = None
    built = _reparse(previous, text, path) if previous is not None and len(text) <= MAX_SOURCE_CHARS else None
    reusable = True
    if built is not None:
        placed, fresh, replaced = built
        _reuse_by_content(placed, fresh, [previous.units[number] for number in replaced])
    else:
        whole = parse(text, path)
        placed = [Placed(parsed, None) for parsed in split(whole.program, whole.diagnostics, text)]
        fresh, replaced = range(len(placed)), range(len(previous.units) if previous is not None else 0)
        reusable = len(whole.diagnostics) < MAX_DIAGNOSTICS and len(text) <= MAX_SOURCE_CHARS
        if previous is not None and reusable:
            _reuse_by_content(placed, fresh, previous.units)
    modules = previous.modules if previous is not None else ModuleShapes()
    declares = _declares(placed, previous, fresh, replaced, loader, path, modules)
    versions = _versions(placed, declares, previous, fresh, replaced)
    importing = [number for number, part in enumerate(placed) if part.parsed.loads_imports]
    checking = _Checking(path, loader, modules, placed, declares, versions, importing)
    _check_units(checking, previous, fresh, replaced)
    diagnostics: list[Diagnostic] = []
    imports: list[str] = []
    thrown = None
    for part in placed:
        unit = part.unit
        if not unit.notable:
            continue
        diagnostics += [moved(d, part.offset, part.lines)
                        for d in without_ignored(unit.diagnostics, unit.parsed.comments)]
        imports += unit.imports
        if thrown is None and unit.parsed.throws:
            thrown = part
    diagnostics += _unreachable_after(placed, thrown)
    diagnostics.sort(key=lambda d: (d.span.start, d.severity, d.code))
    return FileAnalysis(path, text, placed, versions.declared, versions.assigners, diagnostics,
                        list(dict.fromkeys(imports)), reusable, modules)


def _declares(placed: list[Placed], previous: FileAnalysis | None, fresh: range, replaced: range,
              loader: ModuleLoader, path: str, modules: ModuleShapes) -> list[tuple[Declared, ...]]:
    def of(part: Placed) -> tuple[Declared, ...]:
        if part.unit is not None and not part.parsed.imports_at_top:
            return part.unit.declares
        return declarations(part.parsed.statements, loader, path, modules)

    if previous is None or len(fresh) != len(placed) - len(previous.units) + len(replaced):
        return [of(part) for part in placed]
    # Units outside the parsed region keep their declarations (those that
    # import are read again: the module may have changed).
    found = previous_declares(previous)[:fresh.start] + [of(placed[n]) for n in fresh] + \
        previous_declares(previous)[replaced.stop:]
    for number, part in enumerate(placed):
        if part.parsed.imports_at_top and number not in fresh:
            found[number] = of(part)
    return found


def previous_declares(analysis: FileAnalysis) -> list[tuple[Declared, ...]]:
    cached = getattr(analysis, "_declares", None)
    if cached is None:
        cached = analysis._declares = [placed.unit.declares for placed in analysis.units]
    return cached


def _versions(placed: list[Placed], declares: list[tuple[Declared, ...]], previous: FileAnalysis | None,
              fresh: range, replaced: range) -> _Versions:
    """The declaration tables: those of `previous` when the units kept their
    places and their declarations (the common case of an edit inside a body),
    with the assignments of the units parsed again still counted as they were
    until they are checked."""
    if previous is not None and len(placed) == len(previous.units) and fresh == replaced:
        before = previous_declares(previous)
        touched = list(fresh) + [n for n in previous.notable if placed[n].parsed.imports_at_top]
        if all(declares[n] == before[n] for n in touched) and all(
                placed[n].unit is None or placed[n].unit.assigns == previous.units[n].unit.assigns for n in fresh):
            versions = _Versions(previous.declared, previous.assigners)
            versions.recorded = {n: previous.units[n].unit.assigns for n in fresh}
            return versions
    return _Versions.build(declares, placed)


def _check_units(checking: _Checking, previous: FileAnalysis | None, fresh: range, replaced: range) -> None:
    """Check the units that need it: new ones, those whose view of other
    units changed, and those whose results depend on everything. A unit's
    assignments shape the others' views, so this repeats until they settle."""
    placed, versions = checking.placed, checking.versions
    pending = [number for number in fresh if placed[number].unit is None]
    if previous is not None:
        changed = _changed_names(previous, placed, checking.declares, fresh, replaced, versions)
        suspects = set(number for number in fresh if placed[number].unit is not None)
        shift = len(fresh) - len(replaced)
        suspects.update(number if number < fresh.start else number + shift for number in previous.notable
                        if not replaced.start <= number < replaced.stop)
        if changed:
            suspects.update(number for number, part in enumerate(placed)
                            if part.unit is not None and not changed.isdisjoint(part.unit.views))
        pending += [number for number in sorted(suspects)
                    if placed[number].unit is not None and _stale(placed[number], number, changed, versions)]
    else:
        pending = list(range(len(placed)))
    for _ in range(4):
        if not pending:
            return
        moved_names: set[str] = set()
        for number in sorted(set(pending)):
            part = placed[number]
            before = versions.recorded_assigns(number, part.unit)
            unit = checking.check(number)
            placed[number] = Placed(unit.parsed, unit)
            versions.set_assigns(number, before, unit.assigns)
            moved_names |= before ^ unit.assigns
        pending = [number for number, part in enumerate(placed)
                   if not moved_names.isdisjoint(part.unit.views)
                   and _stale(part, number, moved_names, versions)] if moved_names else []


def _changed_names(previous: FileAnalysis, placed: list[Placed], declares: list[tuple[Declared, ...]],
                   fresh: range, replaced: range, versions: _Versions) -> set[str]:
    """Top-level names whose declarations differ between the two versions
    (only the units parsed again, and those that import, can have changed them)."""
    names = {item.name for number in fresh for item in declares[number]}
    names.update(item.name for number in replaced for item in previous.units[number].unit.declares)
    names.update(item.name for number, part in enumerate(placed) if part.parsed.imports_at_top
                 for item in declares[number])
    return {name for name in names
            if tuple((item.kind, item.shape) for _, item in previous.declared.get(name, ())) != versions.shapes(name)}


def _stale(part: Placed, number: int, names: set[str], versions: _Versions) -> bool:
    unit = part.unit
    if unit.volatile or (unit.quotes_lines and part.lines):
        return True
    views = unit.views
    return any(name in views and views[name] != versions.view(name, number) for name in names)


def _unreachable_after(placed: list[Placed], thrown: Placed | None) -> list[Diagnostic]:
    """W0103 for the first top-level statement after the first top-level
    `throw` (the checker's rule, which needs the whole file)."""
    if thrown is None:
        return []
    found = False
    for part in placed[placed.index(thrown):]:
        for stmt in part.parsed.statements:
            if found and not isinstance(stmt, (*_DECLARATIONS, ast.ErrorStmt)):
                unreachable = make("W0103", stmt.span, "unreachable code: it follows a `throw`")
                return [moved(d, part.offset, part.lines)
                        for d in without_ignored([unreachable], part.parsed.comments)]
            found = found or isinstance(stmt, ast.Throw)
    return []


def whole_program(analysis: FileAnalysis) -> ast.Program:
    """The syntax tree of the whole file, where everything is now (costs as
    much as the file is long: for whole-file work such as its listing)."""
    body = [moved(stmt, placed.offset, placed.lines) for placed in analysis.units for stmt in placed.unit.statements]
    comments = [moved(c, placed.offset, placed.lines) for placed in analysis.units
                for c in placed.unit.parsed.comments]
    end = len(analysis.text)
    lines = line_starts(analysis.text)
    whole = Span(0, end, 1, 1, len(lines), end - lines[-1] + 1)
    return ast.Program(whole, body, comments)
