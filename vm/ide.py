"""What editors ask about Esker code, answered as plain data.

Every editor feature of the language server is a query here over an
`Analysis` (wrapped in a `FileIndex`, which caches what several queries
share): definitions, references, rename, outline, completion, signature help,
semantic classes, folding and selection ranges, quick fixes, code lenses,
inlay hints, hover text and the bytecode listing. Positions are code-point
offsets and `Span`s; the server converts them to its clients' encodings.
Nothing here knows about LSP.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Iterable, Iterator, get_args

from . import ast
from .analysis import Analysis, analyze_parsed
from .checker import check
from .compiler import CompileError, compile_program
from .diagnostics import Diagnostic, Severity
from .disassembler import Options, format_proto
from .lexer import KEYWORDS, MAX_DIAGNOSTICS, MAX_SOURCE_CHARS, scan, tokenize
from .modules import ModuleLoader
from .parser import parse
from .proto import FAR_BASE, Proto
from .source import SourceText, Span
from .runtime.builtins import LIBRARY
from .runtime.library import NAMESPACE, TYPES, Entry
from .symbols import BUILTIN_NAMES, Symbol, SymbolKind, builtin_entry, is_instance_method, struct_fields

FILE_START = Span(0, 0, 1, 1, 1, 1)


# ------------------------------------------------------------------ records

@dataclass(frozen=True)
class Location:
    """A place in a file; `path` None means the file the query was about."""

    path: str | None
    span: Span


@dataclass(frozen=True)
class Edit:
    span: Span
    new_text: str


@dataclass
class FileEdits:
    """Edits to one file (`path` None: the file the query was about)."""

    path: str | None
    edits: list[Edit]


@dataclass(frozen=True)
class Highlight:
    span: Span
    #: "read", or "write" (declarations and assignments).
    kind: str


@dataclass
class OutlineItem:
    """One entry of a document's outline. `kind` is a `SymbolKind` value."""

    name: str
    kind: str
    #: The whole declaration, and the name within it.
    span: Span
    selection: Span
    detail: str = ""
    children: list["OutlineItem"] = field(default_factory=list)


@dataclass(frozen=True)
class WorkspaceItem:
    path: str
    item: OutlineItem
    container: str | None


@dataclass(frozen=True)
class Completion:
    label: str
    #: A `SymbolKind` value, or "keyword".
    kind: str
    detail: str = ""
    documentation: str | None = None


@dataclass(frozen=True)
class SignatureHelp:
    """`label` is e.g. `area(w, h = w)`; `parameters` are (start, end)
    offsets of each parameter within the label."""

    label: str
    parameters: list[tuple[int, int]]
    active_parameter: int
    documentation: str | None = None


@dataclass(frozen=True)
class SemanticToken:
    span: Span
    #: A `SymbolKind` value (what the name denotes), or "string" for the
    #: literal text of an f-string (so its fields read as code around it).
    kind: str
    #: Any of "declaration", "readonly", "defaultLibrary".
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fold:
    """Lines (1-based, inclusive) that can be folded; kind is "region",
    "comment" or "imports"."""

    start_line: int
    end_line: int
    kind: str = "region"


@dataclass(frozen=True)
class QuickFix:
    title: str
    edits: list[Edit]
    diagnostic: Diagnostic
    preferred: bool = False


@dataclass(frozen=True)
class RenameRefusal:
    message: str


# ------------------------------------------------------- incremental analysis

@dataclass
class ParsedText:
    """A parse kept for the next edit of the same document."""

    text: str
    program: ast.Program
    #: The syntax diagnostics of this parse.
    syntax: list[Diagnostic]


def analyze_edited(text: str, path: str, loader: ModuleLoader,
                   previous: ParsedText | None = None) -> tuple[Analysis, ParsedText]:
    """`analysis.analyze(text, path, loader)`, reusing the top-level
    statements of a previous parse of the same document that an edit did not
    touch. The result is the same as a full analysis: only the statements
    around the change are parsed again, and when their text has any syntax
    error the whole file is (so messages and recovery are exactly those of a
    full parse). The checker always sees the whole file."""
    parsed = _reparse(previous, text, path) if previous is not None else None
    if parsed is None:
        result = parse(text, path)
        parsed, source = ParsedText(text, result.program, result.diagnostics), result.source
    else:
        source = SourceText(text, path)
    return analyze_parsed(parsed.program, source, parsed.syntax, loader), parsed


def _reparse(previous: ParsedText, text: str, path: str) -> ParsedText | None:
    """The parse of `text` from `previous` and a parse of the changed
    region, or None when a full parse is needed."""
    old, body = previous.text, previous.program.body
    if not body or len(text) > MAX_SOURCE_CHARS or len(previous.syntax) >= MAX_DIAGNOSTICS:
        return None
    start, old_end = _changed_range(old, text)
    first, last = _affected(body, start, old_end)
    region_start = 0 if first == 0 else old.index("\n", body[first - 1].span.end) + 1
    region_end = len(old) if last == len(body) - 1 else old.index("\n", body[last].span.end) + 1
    if any(not region_start <= d.span.start <= region_end for d in previous.syntax):
        return None
    delta = len(text) - len(old)
    middle = text[region_start:region_end + delta]
    if region_end + delta < len(text) and not middle.endswith("\n"):
        return None
    fresh = parse(middle, path)
    if fresh.diagnostics:
        return None
    line = old.count("\n", 0, region_start)
    line_delta = middle.count("\n") - old.count("\n", region_start, region_end)
    statements = (body[:first] + [_moved(stmt, region_start, line) for stmt in fresh.program.body]
                  + [_moved(stmt, delta, line_delta) for stmt in body[last + 1:]])
    comments = ([c for c in previous.program.comments if c.span.end <= region_start]
                + [_moved(c, region_start, line) for c in fresh.program.comments]
                + [_moved(c, delta, line_delta) for c in previous.program.comments if c.span.start >= region_end])
    whole = SourceText(text, path).span(0, len(text))
    return ParsedText(text, ast.Program(whole, statements, comments), [])


def _changed_range(old: str, new: str) -> tuple[int, int]:
    """Where `old` and `new` differ: (start, end) in `old`."""
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, min(len(old), len(new)) - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle:] == new[len(new) - middle:]:
            low = middle
        else:
            high = middle - 1
    return prefix, len(old) - low


def _affected(body: list[ast.Stmt], start: int, end: int) -> tuple[int, int]:
    """Indexes of the first and last top-level statements to parse again:
    those the change touches, one more on each side (the change may join
    them or edit the comments above one), and any sharing their lines."""
    touched_first = next((n for n, stmt in enumerate(body) if stmt.span.end >= start), len(body))
    touched_last = max((n for n, stmt in enumerate(body) if stmt.span.start <= end), default=-1)
    first = max(0, min(touched_first, touched_last) - 1)
    last = min(len(body) - 1, max(touched_first, touched_last) + 1)
    while first > 0 and body[first - 1].span.end_line >= body[first].span.line:
        first -= 1
    while last < len(body) - 1 and body[last + 1].span.line <= body[last].span.end_line:
        last += 1
    return first, last


_FIELDS: dict[type, tuple[str, ...]] = {}


def _moved(node: ast.Node, offset: int, lines: int) -> ast.Node:
    """A copy of `node` whose spans are `offset` code points and `lines`
    lines later (columns do not change: moved nodes start on whole lines)."""
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclass_fields(kind))
    copy = kind.__new__(kind)
    for name in names:
        value = getattr(node, name)
        if name == "span":
            value = Span(value.start + offset, value.end + offset, value.line + lines, value.col,
                         value.end_line + lines, value.end_col)
        elif isinstance(value, ast.Node):
            value = _moved(value, offset, lines)
        elif isinstance(value, list):
            value = [_moved(item, offset, lines) if isinstance(item, ast.Node) else item for item in value]
        setattr(copy, name, value)
    return copy


# ---------------------------------------------------------------- the index

@dataclass(frozen=True)
class Occurrence:
    """A name in this file: where, what it denotes, and whether it declares it."""

    span: Span
    symbol: Symbol
    declaration: bool


class FileIndex:
    """An analysed file and the facts several queries share, built lazily."""

    def __init__(self, analysis: Analysis, loader: ModuleLoader | None = None):
        self.analysis = analysis
        #: Resolves imports when parts of the file are checked again for compiling.
        self.loader = loader or ModuleLoader()
        self._occurrences: list[Occurrence] | None = None
        self._writes: set[int] | None = None
        self._bytecode: Bytecode | None = None
        #: Top-level declarations compiled on their own, by their start offset.
        self._declarations: dict[int, Bytecode] = {}
        # Compiling takes a while; a second thread asking for the same result
        # meanwhile waits for it. A declaration is compiled without waiting
        # for the whole file.
        self._compiling = threading.Lock()
        self._compiling_declarations = threading.Lock()

    @property
    def path(self) -> str:
        return self.analysis.path

    @property
    def text(self) -> str:
        return self.analysis.source.text

    @property
    def program(self) -> ast.Program:
        return self.analysis.program

    def declared_here(self, symbol: Symbol) -> bool:
        """Whether the symbol's declaration is in this file (members of
        imported modules carry their own file in `module_path`)."""
        return symbol.span is not None and (symbol.module_path is None or symbol.kind is SymbolKind.MODULE)

    def home(self, symbol: Symbol) -> str | None:
        """The file that declares `symbol` (None for builtins)."""
        if symbol.span is None:
            return None
        return self.path if self.declared_here(symbol) else symbol.module_path

    def known_symbols(self) -> Iterator[Symbol]:
        """Every symbol this file declares or uses: its own, the members of the
        modules it imports, and the builtins."""
        seen: set[int] = set()
        pending = list(self.analysis.symbols.symbols)
        builtins = self.analysis.symbols.root.parent
        if builtins is not None:
            pending += builtins.symbols.values()
        while pending:
            symbol = pending.pop()
            if id(symbol) in seen:
                continue
            seen.add(id(symbol))
            yield symbol
            pending += symbol.members.values()

    def occurrences(self) -> list[Occurrence]:
        """Every name occurrence in this file, in source order."""
        if self._occurrences is None:
            found = []
            for symbol in self.known_symbols():
                if self.declared_here(symbol):
                    found.append(Occurrence(symbol.span, symbol, True))
                found += (Occurrence(span, symbol, False) for span in symbol.references)
            found.sort(key=lambda item: (item.span.start, not item.declaration))
            self._occurrences = found
        return self._occurrences

    def occurrence_at(self, offset: int) -> Occurrence | None:
        """The name at `offset` and what it denotes; `obj.name` counts when
        only one type in reach has a field or method of that name."""
        symbol = self.analysis.symbols.symbol_at(offset)
        if symbol is None:
            return self._member_access_at(offset)
        here = [item for item in self.occurrences_of(symbol) if item.span.covers(offset)]
        return min(here, key=lambda item: item.span.end == offset) if here else None

    def _member_access_at(self, offset: int) -> Occurrence | None:
        path = path_to(self.program, offset)
        if len(path) < 2 or not isinstance(path[-1], ast.Ident) or \
                not isinstance(path[-2], (ast.Field, ast.MethodCall)) or path[-2].name is not path[-1]:
            return None
        name = path[-1]
        members = [symbol for symbol in self.known_symbols() if symbol.name == name.name
                   and symbol.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not symbol.is_static]
        return Occurrence(name.span, members[0], False) if len(members) == 1 else None

    def occurrences_of(self, symbol: Symbol) -> list[Occurrence]:
        found = [Occurrence(symbol.span, symbol, True)] if self.declared_here(symbol) else []
        found += (Occurrence(span, symbol, False) for span in symbol.references)
        return found

    def is_write(self, span: Span) -> bool:
        """Whether a name occurrence is the target of an assignment."""
        if self._writes is None:
            self._writes = {name.span.start for node in walk(self.program) if isinstance(node, ast.Assign)
                            for name in _assigned(node.target)}
        return span.start in self._writes

    def bytecode(self) -> "Bytecode":
        """The compiled functions of this file (see `Bytecode`), built once."""
        with self._compiling:
            if self._bytecode is None:
                self._bytecode = compile_file(self.analysis, self.loader)
            return self._bytecode

    def bytecode_at(self, offset: int) -> "Bytecode":
        """Compiled functions that include those around `offset`: the whole
        file's once compiled, else (when the file has no errors and `offset`
        is inside a top-level fn, struct or enum) just that declaration's,
        which is much quicker to compile and gives the same code."""
        declaration = next((stmt for stmt in self.program.body if stmt.span.start <= offset <= stmt.span.end
                            and isinstance(stmt, (ast.FnDecl, ast.StructDecl, ast.EnumDecl))), None)
        if self._bytecode is not None or declaration is None or self.analysis.errors:
            return self.bytecode()
        with self._compiling_declarations:
            found = self._declarations.get(declaration.span.start)
            if found is None:
                found = self._declarations[declaration.span.start] = compile_declaration(self.analysis, declaration)
            return found


def _assigned(target: ast.Node) -> list[ast.Name]:
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


# -------------------------------------------------------------- tree walks

def walk(node: ast.Node) -> Iterator[ast.Node]:
    """Every node under `node` (itself included), parents before children."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(list(ast.children(current))))


def path_to(program: ast.Program, offset: int) -> list[ast.Node]:
    """The nodes whose spans cover `offset`, outermost (the program) first."""
    path: list[ast.Node] = [program]
    while True:
        covering = [child for child in ast.children(path[-1]) if child.span.covers(offset)]
        if not covering:
            return path
        # Between two adjacent nodes, prefer the one that starts at the cursor.
        path.append(next((child for child in covering if child.span.start == offset), covering[0])
                    if len(covering) > 1 else covering[0])


def functions(node: ast.Node) -> Iterator[ast.FnDecl | ast.FnExpr]:
    """Every function in `node` (declarations, methods and literals)."""
    return (found for found in walk(node) if isinstance(found, (ast.FnDecl, ast.FnExpr)))


# ---------------------------------------------------------------- navigation

def definition(index: FileIndex, offset: int) -> list[Location]:
    """Where the name at `offset` is declared (a module: its file)."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    symbol = found.symbol
    if symbol.kind is SymbolKind.MODULE:
        return [Location(symbol.module_path, FILE_START)] if symbol.module_path else []
    home = index.home(symbol)
    if home is None:
        return []
    return [Location(None if home == index.path else home, symbol.span)]


def _same_symbol(index: FileIndex, symbol: Symbol, other_index: FileIndex, other: Symbol) -> bool:
    """Whether two symbols seen from two files are the same declaration."""
    if symbol is other:
        return True
    return (symbol.name == other.name and symbol.span is not None and other.span is not None
            and symbol.span.start == other.span.start and index.home(symbol) == other_index.home(other)
            and symbol.kind is not SymbolKind.MODULE)


def _occurrences_everywhere(index: FileIndex, symbol: Symbol,
                            others: Iterable[FileIndex]) -> list[tuple[FileIndex, Occurrence]]:
    found = [(index, item) for item in index.occurrences_of(symbol)]
    found += [(index, item) for item in _member_accesses(index, symbol)]
    if symbol.scope is not None and symbol.scope.kind not in ("module", "builtins") and index.declared_here(symbol):
        return found  # a local: no other file can see it
    for other in others:
        if other.path == index.path:
            continue
        for candidate in other.known_symbols():
            if _same_symbol(index, symbol, other, candidate):
                found += [(other, item) for item in other.occurrences_of(candidate)]
                found += [(other, item) for item in _member_accesses(other, candidate)]
                break
    return found


def _member_accesses(index: FileIndex, symbol: Symbol) -> list[Occurrence]:
    """`obj.name` uses of a field or instance method, found by name when no
    other type in the file has a member of that name (field reads are not
    resolved statically, since values carry no declared type)."""
    if symbol.kind not in (SymbolKind.FIELD, SymbolKind.METHOD) or symbol.is_static:
        return []
    if _member_name_is_shared(index, symbol):
        return []
    found = []
    for node in walk(index.program):
        name = node.name if isinstance(node, (ast.Field, ast.MethodCall)) else None
        if name is not None and name.name == symbol.name and index.analysis.symbols.symbol_at(name.span.start) is None:
            found.append(Occurrence(name.span, symbol, False))
    return found


def _member_name_is_shared(index: FileIndex, symbol: Symbol) -> bool:
    return any(other.name == symbol.name and other is not symbol and other.parent is not None
               and other.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not other.is_static
               for other in index.known_symbols())


def references(index: FileIndex, offset: int, include_declaration: bool,
               others: Iterable[FileIndex] = ()) -> list[Location]:
    """Every use of the name at `offset` in this file and in `others`."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    places = []
    for where, item in _occurrences_everywhere(index, found.symbol, others):
        if include_declaration or not item.declaration:
            places.append(Location(None if where is index else where.path, item.span))
    return sorted(_unique(places), key=lambda place: (place.path or "", place.span.start))


def _unique(places: list[Location]) -> list[Location]:
    seen: set[tuple[str | None, int]] = set()
    kept = []
    for place in places:
        key = (place.path, place.span.start)
        if key not in seen:
            seen.add(key)
            kept.append(place)
    return kept


def highlights(index: FileIndex, offset: int) -> list[Highlight]:
    """The occurrences of the name at `offset` in this file, marked as reads
    or writes."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    marked = []
    for _, item in _occurrences_everywhere(index, found.symbol, ()):
        kind = "write" if item.declaration or index.is_write(item.span) else "read"
        marked.append(Highlight(item.span, kind))
    return sorted(set(marked), key=lambda mark: mark.span.start)


# -------------------------------------------------------------------- rename

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def prepare_rename(index: FileIndex, offset: int) -> Span | RenameRefusal:
    """The name that a rename at `offset` would change, or why it cannot."""
    found = index.occurrence_at(offset)
    if found is None:
        word = _word_at(index.text, offset)
        if word in KEYWORDS:
            return RenameRefusal(f"`{word}` is a keyword and cannot be renamed")
        return RenameRefusal("there is no name to rename here")
    symbol = found.symbol
    if index.home(symbol) is None:
        return RenameRefusal(f"`{symbol.name}` is a builtin and cannot be renamed")
    if symbol.kind is SymbolKind.MODULE and not (isinstance(symbol.decl, ast.Import) and symbol.decl.alias):
        return RenameRefusal(f"`{symbol.name}` is named after its module's file; rename the file instead")
    if symbol.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not symbol.is_static \
            and _member_name_is_shared(index, symbol):
        return RenameRefusal(f"several types have a member `{symbol.name}`, so its uses cannot be told apart")
    return found.span


def declaring_file(index: FileIndex, offset: int) -> str | None:
    """The file that declares the name at `offset` (None: none or a builtin);
    a rename must see it even when it is not open."""
    found = index.occurrence_at(offset)
    return index.home(found.symbol) if found is not None else None


def rename(index: FileIndex, offset: int, new_name: str,
           others: Iterable[FileIndex] = ()) -> list[FileEdits] | RenameRefusal:
    """Edits that rename the name at `offset` everywhere it is visible."""
    prepared = prepare_rename(index, offset)
    if isinstance(prepared, RenameRefusal):
        return prepared
    if not _IDENTIFIER.match(new_name) or new_name in KEYWORDS:
        return RenameRefusal(f"`{new_name}` is not a valid name")
    if new_name in BUILTIN_NAMES:
        return RenameRefusal(f"`{new_name}` would hide the builtin of that name")
    symbol = index.occurrence_at(offset).symbol
    by_file: dict[str | None, list[Edit]] = {}
    for where, item in _occurrences_everywhere(index, symbol, others):
        path = None if where is index else where.path
        by_file.setdefault(path, []).append(Edit(item.span, new_name))
    return [FileEdits(path, _unique_edits(edits)) for path, edits in by_file.items()]


def _unique_edits(edits: list[Edit]) -> list[Edit]:
    return sorted({edit.span.start: edit for edit in edits}.values(), key=lambda edit: edit.span.start)


def _word_at(text: str, offset: int) -> str:
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = offset
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end]


# ------------------------------------------------------------------- outline

def document_symbols(index: FileIndex) -> list[OutlineItem]:
    """The file's declarations: functions, structs with fields and methods,
    enums with variants and methods, top-level bindings and imports."""
    return outline(index.program, index.text)


def file_outline(text: str, path: str) -> list[OutlineItem]:
    """The outline of a file that is not open: parsed only, not checked."""
    return outline(parse(text, path).program, text)


def outline(program: ast.Program, text: str) -> list[OutlineItem]:
    items: list[OutlineItem] = []
    for stmt in program.body:
        items += _outline(stmt, text, top_level=True)
    return items


def _outline(stmt: ast.Node, text: str, top_level: bool = False) -> list[OutlineItem]:
    if isinstance(stmt, ast.FnDecl):
        kind = SymbolKind.FUNCTION.value
        return [OutlineItem(stmt.name.name, kind, stmt.span, stmt.name.span, _params_text(stmt.params, text),
                            _nested_outline(stmt.body, text))]
    if isinstance(stmt, (ast.StructDecl, ast.EnumDecl)):
        return [_type_outline(stmt, text)]
    if top_level and isinstance(stmt, ast.Let):
        kind = (SymbolKind.CONSTANT if stmt.const else SymbolKind.VARIABLE).value
        return [OutlineItem(bind.name, kind, stmt.span, bind.span) for bind in ast.binders(stmt.target)]
    if top_level and isinstance(stmt, ast.Import):
        bound = stmt.bound_name
        return [OutlineItem(bound.name, SymbolKind.MODULE.value, stmt.span, bound.span,
                            stmt.label)]
    return []


def _nested_outline(block: ast.Block, text: str) -> list[OutlineItem]:
    """Declarations inside a function body, however deeply nested in blocks."""
    found: list[OutlineItem] = []
    pending: list[ast.Node] = list(reversed(block.body))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FnDecl, ast.StructDecl, ast.EnumDecl)):
            found += _outline(node, text)
        elif not isinstance(node, ast.FnExpr):
            pending.extend(reversed(list(ast.children(node))))
    return found


def _type_outline(decl: ast.StructDecl | ast.EnumDecl, text: str) -> OutlineItem:
    children = []
    if isinstance(decl, ast.StructDecl):
        children += [OutlineItem(f.name.name, SymbolKind.FIELD.value, f.span, f.name.span) for f in decl.fields]
        kind = SymbolKind.STRUCT.value
    else:
        for variant in decl.variants:
            detail = "" if variant.fields is None else "(" + ", ".join(f.name for f in variant.fields) + ")"
            children.append(OutlineItem(variant.name.name, SymbolKind.VARIANT.value, variant.span,
                                        variant.name.span, detail))
        kind = SymbolKind.ENUM.value
    for method in decl.methods:
        children.append(OutlineItem(method.name.name, SymbolKind.METHOD.value, method.span, method.name.span,
                                    _params_text(method.params, text), _nested_outline(method.body, text)))
    children.sort(key=lambda item: item.span.start)
    return OutlineItem(decl.name.name, kind, decl.span, decl.name.span, "", children)


def _params_text(params: list[ast.Param], text: str | None) -> str:
    return "(" + ", ".join(_param_text(param, text) for param in params) + ")"


def _param_text(param: ast.Param, text: str | None) -> str:
    """A parameter as written; a default is shown when its source `text` is
    at hand and short."""
    shown = ("..." if param.rest else "") + param.name.name
    if param.default is not None:
        default = text[param.default.span.start:param.default.span.end] if text is not None else "…"
        shown += " = " + (default if len(default) <= 30 and "\n" not in default else "…")
    return shown



def workspace_symbols(outlines: Iterable[tuple[str, list[OutlineItem]]], query: str,
                      limit: int = 500) -> list[WorkspaceItem]:
    """Declarations of several files (path, outline) whose names contain the
    letters of `query` in order (case-insensitive)."""
    found: list[WorkspaceItem] = []
    for path, items in outlines:
        pending = [(item, None) for item in items]
        while pending and len(found) < limit:
            item, container = pending.pop(0)
            if _fuzzy(query, item.name):
                found.append(WorkspaceItem(path, item, container))
            pending += [(child, item.name) for child in item.children]
    return found


def _fuzzy(query: str, name: str) -> bool:
    letters = iter(name.lower())
    return all(char in letters for char in query.lower())


# ---------------------------------------------------------------- completion

#: The methods of the builtin types, from the runtime's one table of builtins.
BUILTIN_METHODS: dict[str, dict[str, Entry]] = {type_name: LIBRARY.methods(type_name) for type_name in TYPES}

_MEMBER_PREFIX = re.compile(r"(?:(?P<chain>[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)|(?P<other>[\"\])]))\s*\.\s*\w*\Z")


def completions(index: FileIndex, offset: int) -> list[Completion]:
    """What may be typed at `offset`: members after `.`, else the names in
    scope, the builtins and the keywords. Nothing inside comments or strings
    (but inside the `{…}` of an f-string, which is code)."""
    if _in_comment_or_string(index, offset):
        return []
    line_start = index.text.rfind("\n", 0, offset) + 1
    before = index.text[line_start:offset]
    member = _MEMBER_PREFIX.search(before)
    if member is not None:
        return _member_completions(index, offset, member)
    if re.search(r"[\d.]\.\w*\Z", before):
        return []  # a number or a range, not a member access
    return _scope_completions(index, offset)


def _in_comment_or_string(index: FileIndex, offset: int) -> bool:
    """Whether `offset` is in a comment or in string text, from the text of
    its statement up to it (a string may have begun on an earlier line)."""
    return scan(index.text[_statement_start(index, offset):offset]).ends_in != "code"


def _scope_completions(index: FileIndex, offset: int) -> list[Completion]:
    items = []
    visible = index.analysis.symbols.visible_at(offset)
    for symbol in sorted(visible.values(), key=_scope_rank):
        items.append(Completion(symbol.name, symbol.kind.value, describe(symbol, index), symbol.doc))
    items += [Completion(word, "keyword") for word in sorted(KEYWORDS)]
    return items


def _scope_rank(symbol: Symbol) -> tuple[int, str]:
    """Locals first, then the file's declarations, then builtins."""
    if symbol.span is None:
        return 2, symbol.name
    return (0 if symbol.scope is not None and symbol.scope.kind != "module" else 1), symbol.name


def _member_completions(index: FileIndex, offset: int, member: re.Match) -> list[Completion]:
    if member.group("other") == '"':
        return _builtin_method_completions(["str"])
    if member.group("other") == "]":
        return _builtin_method_completions(["array"])
    owner = None
    if member.group("chain"):
        owner = resolve_chain(index, offset, re.split(r"\s*\.\s*", member.group("chain")))
    if owner is None:
        return _any_member_completions(index)
    if owner.kind in (SymbolKind.MODULE, SymbolKind.ENUM, SymbolKind.STRUCT):
        return [Completion(m.name, m.kind.value, describe(m, index), m.doc)
                for m in owner.members.values() if _reachable_on_type(owner, m)]
    found = value_type(index, owner)
    if isinstance(found, Symbol):
        return [Completion(m.name, m.kind.value, describe(m, index), m.doc)
                for m in found.members.values() if not m.is_static and m.kind is not SymbolKind.VARIANT]
    if isinstance(found, str):
        return _builtin_method_completions([found])
    return _any_member_completions(index)


def _reachable_on_type(owner: Symbol, member: Symbol) -> bool:
    """Members written after a type's name: variants and methods without `self`."""
    if owner.kind is SymbolKind.MODULE:
        return True
    return member.kind is SymbolKind.VARIANT or (member.kind is SymbolKind.METHOD and member.is_static)


def _builtin_method_completions(type_names: list[str]) -> list[Completion]:
    items: dict[str, Completion] = {}
    for type_name in type_names:
        for name, entry in BUILTIN_METHODS[type_name].items():
            items.setdefault(name, Completion(name, SymbolKind.METHOD.value, entry.signature, entry.documentation()))
    return list(items.values())


def _any_member_completions(index: FileIndex) -> list[Completion]:
    """Members of a value of unknown type: every field and method in reach."""
    items: dict[str, Completion] = {}
    for symbol in index.known_symbols():
        if symbol.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not symbol.is_static:
            items.setdefault(symbol.name, Completion(symbol.name, symbol.kind.value, describe(symbol, index),
                                                     symbol.doc))
    for item in _builtin_method_completions(list(BUILTIN_METHODS)):
        items.setdefault(item.label, item)
    return list(items.values())


def resolve_chain(index: FileIndex, offset: int, names: list[str]) -> Symbol | None:
    """The symbol a dotted name (`geometry.Shape`) denotes at `offset`."""
    symbol = index.analysis.symbols.visible_at(offset).get(names[0])
    for name in names[1:]:
        if symbol is None:
            return None
        if symbol.kind in (SymbolKind.MODULE, SymbolKind.STRUCT, SymbolKind.ENUM):
            symbol = symbol.members.get(name)
        else:
            owner = value_type(index, symbol)
            symbol = owner.members.get(name) if isinstance(owner, Symbol) else None
    return symbol


def value_type(index: FileIndex, symbol: Symbol) -> Symbol | str | None:
    """What a variable holds, when its declaration tells: a struct symbol
    (`let p = Point(...)`, a method's `self`), a builtin type's name
    (`let s = "..."`), else None."""
    if symbol.kind is SymbolKind.PARAMETER and symbol.name == "self":
        return _enclosing_type(index, symbol.span.start) if symbol.span else None
    decl = symbol.decl
    if not isinstance(decl, ast.Let) or not isinstance(decl.target, ast.BindName) or decl.value is None:
        return None
    value = decl.value
    if _literal_type(value) is not None:
        return _literal_type(value)
    if isinstance(value, ast.Call) and isinstance(value.callee, ast.Name):
        callee = index.analysis.symbols.resolve(value.callee)
        return callee if callee is not None and callee.kind is SymbolKind.STRUCT else None
    return None


_LITERAL_TYPES = {ast.ArrayExpr: "array", ast.MapExpr: "map", ast.TupleExpr: "tuple", ast.RangeExpr: "range"}


def _literal_type(node: ast.Node) -> str | None:
    """The builtin type of a literal (`[...]`, `"..."`, `a..b` ...), else None."""
    if isinstance(node, ast.Literal):
        return "str" if isinstance(node.value, str) else None
    return _LITERAL_TYPES.get(type(node))


def _enclosing_type(index: FileIndex, offset: int) -> Symbol | None:
    for node in reversed(path_to(index.program, offset)):
        if isinstance(node, (ast.StructDecl, ast.EnumDecl)):
            return index.analysis.symbols.symbol_at(node.name.span.start)
    return None


def describe(symbol: Symbol, index: FileIndex | None = None) -> str:
    """A one-line description: `fn area(w, h = w)`, `struct Point`, `let x`..."""
    decl = symbol.decl
    entry = builtin_entry(symbol)
    if entry is not None and entry.kind != NAMESPACE:
        return entry.signature
    if isinstance(decl, ast.FnDecl):
        prefix = f"{symbol.parent.name}." if symbol.parent is not None else ""
        return f"fn {prefix}{symbol.name}{_params_text(decl.params, _source_of(symbol, index))}"
    if symbol.kind is SymbolKind.VARIANT:
        fields = getattr(decl, "fields", None)
        payload = "" if fields is None else "(" + ", ".join(item.name for item in fields) + ")"
        return f"{symbol.parent.name}.{symbol.name}{payload}" if symbol.parent else symbol.name + payload
    if symbol.kind is SymbolKind.STRUCT:
        fields = ", ".join(member.name for member in struct_fields(symbol))
        return f"struct {symbol.name}({fields})"
    if symbol.kind is SymbolKind.FIELD and symbol.parent is not None:
        return f"field {symbol.parent.name}.{symbol.name}"
    if symbol.kind is SymbolKind.MODULE:
        return f"module {symbol.name}"
    words = {SymbolKind.VARIABLE: "let", SymbolKind.CONSTANT: "const", SymbolKind.PARAMETER: "param",
             SymbolKind.ENUM: "enum"}
    return f"{words.get(symbol.kind, symbol.kind.value)} {symbol.name}"


def _source_of(symbol: Symbol, index: FileIndex | None) -> str | None:
    """The text the symbol's declaration spans point into, when at hand."""
    return index.text if index is not None and index.declared_here(symbol) else None


# ------------------------------------------------------------ signature help

def signature_help(index: FileIndex, offset: int) -> SignatureHelp | None:
    """The signature of the call whose argument list holds `offset`."""
    call = _open_call(index, offset)
    if call is None:
        return None
    names, active = call
    callee = resolve_chain(index, offset, names)
    if callee is None and len(names) > 1:
        callee = _unique_member(index, names[-1])
    if callee is None:
        return None
    shown = _signature(callee, index, via_instance=len(names) > 1 and callee.kind is SymbolKind.METHOD)
    if shown is None:
        return None
    label, parameters = shown
    if parameters:
        last = len(parameters) - 1
        variadic = label[parameters[last][0]:parameters[last][1]].startswith("...")
        active = min(active, last) if variadic or active <= last else active
    return SignatureHelp(label, parameters, active, callee.doc)


def _open_call(index: FileIndex, offset: int) -> tuple[list[str], int] | None:
    """The dotted callee and the argument number of the innermost call
    whose `(` is still open at `offset`, from the tokens before it (the
    file may not parse while a call is being typed)."""
    start = _statement_start(index, offset)
    # Without the empty tokens that end an f-string cut off at `offset`.
    tokens = [token for token in tokenize(index.text[start:offset])[0] if token.text]
    depth, commas = 0, 0
    for position in range(len(tokens) - 1, -1, -1):
        kind = tokens[position].kind
        if kind in ("RPAR", "RSQB", "RBRACE", "FIELD_CLOSE"):
            depth += 1
        elif kind in ("LPAR", "LSQB", "LBRACE", "MAPBRACE", "FIELD_OPEN"):
            if depth > 0:
                depth -= 1
            elif kind == "LBRACE":
                return None
            elif kind == "LPAR" and (names := _callee_before(tokens, position)):
                return names, commas
            else:
                # Inside a literal or a parenthesis that is an argument:
                # its commas are not the call's.
                commas = 0
        elif kind == "COMMA" and depth == 0:
            commas += 1
    return None


def _callee_before(tokens, position: int) -> list[str]:
    names: list[str] = []
    cursor = position - 1
    while cursor >= 0 and tokens[cursor].kind == "NAME":
        names.insert(0, tokens[cursor].text)
        if cursor >= 1 and tokens[cursor - 1].kind == "DOT":
            cursor -= 2
        else:
            break
    return names


def _statement_start(index: FileIndex, offset: int) -> int:
    """Start of the top-level statement around (or just before) `offset`."""
    start = 0
    for stmt in index.program.body:
        if stmt.span.start > offset:
            break
        start = stmt.span.start
    return start


def _unique_member(index: FileIndex, name: str) -> Symbol | None:
    found = [symbol for symbol in index.known_symbols()
             if symbol.name == name and symbol.kind is SymbolKind.METHOD]
    return found[0] if len(found) == 1 else None


def _signature(symbol: Symbol, index: FileIndex, via_instance: bool) -> tuple[str, list[tuple[int, int]]] | None:
    decl = symbol.decl
    text = _source_of(symbol, index)
    if isinstance(decl, ast.FnDecl):
        params = decl.params[1:] if via_instance and is_instance_method(decl) else decl.params
        return _label(symbol.name, [_param_text(param, text) for param in params])
    if symbol.kind is SymbolKind.STRUCT:
        return _label(symbol.name, [_field_text(member, text) for member in struct_fields(symbol)])
    if symbol.kind is SymbolKind.VARIANT and getattr(decl, "fields", None) is not None:
        return _label(f"{symbol.parent.name}.{symbol.name}", [item.name for item in decl.fields])
    written = describe(symbol) if symbol.kind is SymbolKind.BUILTIN else None
    found = re.match(r"([\w.]+)\(([^)]*)\)", written or "")
    if found is None:
        return None
    params = [part.strip(" []") for part in found.group(2).replace("[,", ",").split(",") if part.strip(" []")]
    return _label(found.group(1), params)


def _field_text(member: Symbol, text: str | None) -> str:
    default = getattr(member.decl, "default", None)
    if default is None:
        return member.name
    shown = text[default.span.start:default.span.end] if text is not None else "…"
    return f"{member.name} = {shown if len(shown) <= 30 else '…'}"


def _label(name: str, params: list[str]) -> tuple[str, list[tuple[int, int]]]:
    label = name + "("
    offsets = []
    for number, param in enumerate(params):
        if number:
            label += ", "
        offsets.append((len(label), len(label) + len(param)))
        label += param
    return label + ")", offsets


# ----------------------------------------------------------- semantic tokens

def semantic_tokens(index: FileIndex) -> list[SemanticToken]:
    """Every name in the file, classified by what it denotes; field and
    method names that are not resolved statically are classified by place."""
    found: dict[int, SemanticToken] = {}
    for item in index.occurrences():
        modifiers = []
        if item.declaration:
            modifiers.append("declaration")
        if item.symbol.kind is SymbolKind.CONSTANT:
            modifiers.append("readonly")
        if index.home(item.symbol) is None:
            modifiers.append("defaultLibrary")
        found.setdefault(item.span.start, SemanticToken(item.span, item.symbol.kind.value, tuple(modifiers)))
    for node in walk(index.program):
        if isinstance(node, ast.Field) and node.name.span.start not in found:
            found[node.name.span.start] = SemanticToken(node.name.span, SymbolKind.FIELD.value)
        elif isinstance(node, ast.MethodCall) and node.name.span.start not in found:
            found[node.name.span.start] = SemanticToken(node.name.span, SymbolKind.METHOD.value)
        elif isinstance(node, ast.FString):
            for span in _fstring_text_spans(node, index.analysis.source):
                found[span.start] = SemanticToken(span, "string")
    return sorted(found.values(), key=lambda token: token.span.start)


def _fstring_text_spans(node: ast.FString, source: SourceText) -> Iterator[Span]:
    """The text of an f-string around its fields (prefix and quotes included),
    one span per line, since a token of the protocol cannot cross lines."""
    start = node.span.start
    for field in [part for part in node.parts if type(part) is ast.FormatField] + [None]:
        end = node.span.end if field is None else field.span.start
        while start < end:
            line_end = source.text.find("\n", start, end)
            stop = end if line_end < 0 else line_end
            if stop > start:
                yield source.span(start, stop)
            start = stop + 1 if line_end >= 0 else end
        if field is not None:
            start = field.span.end


# ------------------------------------------------------- folding, selection

def folding_ranges(index: FileIndex) -> list[Fold]:
    """Blocks, bodies and multi-line literals (strings included); runs of
    comment lines; runs of imports."""
    folds: dict[int, Fold] = {}
    bracketed = (ast.Block, ast.StructDecl, ast.EnumDecl, ast.Match, ast.ArrayExpr, ast.MapExpr, ast.Call,
                 ast.MethodCall, ast.FString)
    for node in walk(index.program):
        multi_line_string = type(node) is ast.Literal and type(node.value) is str
        if (isinstance(node, bracketed) or multi_line_string) and node.span.end_line - 1 > node.span.line:
            start = node.span.line
            folds[start] = max(folds.get(start, Fold(start, start)), Fold(start, node.span.end_line - 1),
                               key=lambda fold: fold.end_line)
    lines = sorted(comment.span.line for comment in index.program.comments)
    folds.update({fold.start_line: fold for fold in _runs(lines, "comment")})
    imports = [stmt.span.line for stmt in index.program.body if isinstance(stmt, ast.Import)]
    folds.update({fold.start_line: fold for fold in _runs(imports, "imports")})
    return sorted(folds.values(), key=lambda fold: fold.start_line)


def _runs(lines: list[int], kind: str) -> list[Fold]:
    """Folds for runs of two or more consecutive line numbers."""
    runs: list[Fold] = []
    start = previous = None
    for line in lines + [None]:
        if line is not None and previous is not None and line == previous + 1:
            previous = line
            continue
        if start is not None and previous > start:
            runs.append(Fold(start, previous, kind))
        start = previous = line
    return runs


def selection_ranges(index: FileIndex, offsets: list[int]) -> list[list[Span]]:
    """For each offset, the spans of the nodes around it, innermost first,
    ending with the whole file."""
    whole = index.analysis.source.span(0, len(index.text))
    result = []
    for offset in offsets:
        spans: list[Span] = []
        for node in reversed(path_to(index.program, offset)[1:]):
            if node.span.end > node.span.start and (not spans or spans[-1] != node.span) \
                    and node.span.contains(spans[-1] if spans else node.span):
                spans.append(node.span)
        if not spans or spans[-1] != whole:
            spans.append(whole)
        result.append(spans)
    return result


# ---------------------------------------------------------------- quick fixes

def quick_fixes(index: FileIndex, start: int, end: int) -> list[QuickFix]:
    """Fixes for the diagnostics that touch offsets [start, end]."""
    fixes: list[QuickFix] = []
    for found in index.analysis.diagnostics:
        if found.span.start > end or found.span.end < start:
            continue
        suggestion = found.data.get("suggestion")
        if suggestion:
            fixes.append(QuickFix(f"Change to `{suggestion}`", [Edit(found.span, suggestion)], found, True))
        if found.code in ("W0101", "W0102"):
            fixes += _prefix_fix(index, found)
        if found.code == "W0105":
            fixes += _missing_arms_fix(index, found)
    return fixes


def _prefix_fix(index: FileIndex, found: Diagnostic) -> list[QuickFix]:
    symbol = index.analysis.symbols.symbol_at(found.span.start)
    if symbol is None:
        return []
    edits = [Edit(item.span, "_" + symbol.name) for item in index.occurrences_of(symbol)]
    return [QuickFix(f"Prefix `{symbol.name}` with `_` to mark it unused", edits, found)]


def _missing_arms_fix(index: FileIndex, found: Diagnostic) -> list[QuickFix]:
    match = next((node for node in walk(index.program)
                  if isinstance(node, ast.Match) and node.span.start == found.span.start), None)
    enum = _matched_enum(index, match) if match is not None else None
    if enum is None or not match.arms:
        return []
    arms = []
    for name in found.data.get("missing", []):
        variant = enum.members.get(name)
        fields = getattr(variant.decl, "fields", None) if variant is not None else None
        payload = "" if fields is None else "(" + ", ".join("_" for _ in fields) + ")"
        arms.append(f"{found.data.get('enum', enum.name)}.{name}{payload} => nil")
    last = match.arms[-1].span.end
    if match.span.line == match.span.end_line:
        text = "".join(", " + arm for arm in arms)
    else:
        line = index.analysis.source.line_text(match.arms[-1].span.line)
        indent = line[:len(line) - len(line.lstrip())]
        text = "".join("\n" + indent + arm for arm in arms)
    edit = Edit(index.analysis.source.span(last, last), text)
    return [QuickFix("Add the missing match arms", [edit], found, True)]


def _matched_enum(index: FileIndex, match: ast.Match) -> Symbol | None:
    for arm in match.arms:
        for node in walk(arm.pattern):
            if isinstance(node, ast.PVariant):
                variant = index.analysis.symbols.symbol_at(node.variant.span.start)
                if variant is not None and variant.parent is not None:
                    return variant.parent
    return None


# --------------------------------------------------------------------- hover

@dataclass(frozen=True)
class HoverText:
    """Markdown describing the place under the cursor, and the span it is about."""

    markdown: str
    span: Span


def hover(index: FileIndex, offset: int) -> HoverText | None:
    """What the name at `offset` is (its declaration, doc comment and, for a
    function, parameters) and the bytecode compiled from the code there."""
    found = index.occurrence_at(offset)
    sections = _symbol_sections(index, found.symbol) if found is not None else _builtin_method_sections(index, offset)
    code = bytecode_section(index, offset, found)
    if code:
        sections.append(code)
    if not sections:
        return None
    if found is not None:
        return HoverText("\n\n".join(sections), found.span)
    return HoverText("\n\n".join(sections), path_to(index.program, offset)[-1].span)


def _symbol_sections(index: FileIndex, symbol: Symbol) -> list[str]:
    sections = [f"```esker\n{describe(symbol, index)}\n```"]
    if symbol.doc:
        sections.append(symbol.doc.strip())
    if isinstance(symbol.decl, ast.FnDecl) and symbol.decl.params:
        shown = ", ".join(f"`{_param_text(param, _source_of(symbol, index))}`"
                          for param in symbol.decl.params)
        sections.append(f"Parameters: {shown}")
    home = index.home(symbol)
    if home == index.path and symbol.span is not None:
        line = index.analysis.source.line_text(symbol.span.line).strip()
        if len(line) > 100:
            line = line[:100] + "…"
        sections.append(f"Declared on line {symbol.span.line}: `{line}`")
    elif home is not None:
        sections.append(f"Declared in `{_file_name(home)}`, line {symbol.span.line}")
    return sections


def _builtin_method_sections(index: FileIndex, offset: int) -> list[str]:
    """The documentation of a builtin type's method under the cursor (`xs.push`),
    when the receiver's type is known or only one builtin type has the method."""
    path = path_to(index.program, offset)
    if len(path) < 2 or not isinstance(path[-2], (ast.Field, ast.MethodCall)) or path[-2].name is not path[-1]:
        return []
    name = path[-1].name
    owners = [type_name for type_name, methods in BUILTIN_METHODS.items() if name in methods]
    known = _receiver_type(index, path[-2])
    owner = known if known in owners else owners[0] if len(owners) == 1 and known is None else None
    if owner is None:
        return []
    entry = BUILTIN_METHODS[owner][name]
    return [f"```esker\n{entry.signature}\n```", entry.documentation()]


def _receiver_type(index: FileIndex, node: ast.Field | ast.MethodCall) -> str | None:
    """The builtin type of `receiver` in `receiver.name`, when its text tells."""
    receiver = node.obj if isinstance(node, ast.Field) else node.receiver
    if _literal_type(receiver) is not None:
        return _literal_type(receiver)
    symbol = index.analysis.symbols.resolve(receiver) if isinstance(receiver, ast.Name) else None
    found = value_type(index, symbol) if symbol is not None else None
    return found if isinstance(found, str) else None


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


# ------------------------------------------------------------------ bytecode

_STATEMENTS = tuple(kind for kind in get_args(ast.Stmt) if kind is not ast.Block)

#: Instructions a hover shows for the code under the cursor, and for a function's name.
PLACE_LINES = 12
FUNCTION_LINES = 40


@dataclass
class CompiledFunction:
    """One compiled function, with its `esker dis` listing."""

    name: str
    proto: Proto
    #: The FnDecl or FnExpr it was compiled from; the Program for module code.
    node: ast.Node
    header: list[str]
    #: The listing line of each instruction, by pc.
    lines: list[str]


@dataclass
class Bytecode:
    """The compiled functions of a file in source order (a function before
    the functions it contains)."""

    functions: list[CompiledFunction]
    #: Why some code is not compiled (errors in the file), or None.
    note: str | None = None

    def innermost(self, start: int, end: int | None = None) -> CompiledFunction | None:
        """The smallest compiled function whose source holds [start, end]."""
        end = start if end is None else end
        holding = [f for f in self.functions if f.node.span.start <= start and end <= f.node.span.end]
        return min(holding, key=lambda f: f.node.span.end - f.node.span.start, default=None)

    def of(self, node: ast.Node) -> CompiledFunction | None:
        return next((f for f in self.functions if f.node is node), None)


def compile_file(analysis: Analysis, loader: ModuleLoader) -> Bytecode:
    """Compile what can be compiled: the whole file when it has no errors,
    else every function whose code has none (the rest of the file is checked
    again without the broken parts, so a function that calls a broken one is
    left out too)."""
    partial = bool(analysis.errors)
    program, stubs = _compilable_part(analysis, loader) if partial else (analysis.program, set())
    note = "This file has errors: only the functions without errors are compiled." if partial else None
    if program is None:
        return Bytecode([], note)
    try:
        module = compile_program(program, analysis.source)
    except CompileError as error:
        return Bytecode([], f"The compiler stopped: {error}")
    by_span = {(node.span.start, node.span.end): node for node in functions(analysis.program)}
    compiled = []
    for proto in module.walk():
        key = (proto.span.start, proto.span.end) if proto.span is not None else None
        if proto is module:
            node = None if partial else analysis.program
        else:
            node = by_span.get(key) if key not in stubs else None
        if node is not None:
            compiled.append(_listed(proto, node))
    compiled.sort(key=lambda function: (function.node.span.start, -function.node.span.end))
    return Bytecode(compiled, note)


def compile_declaration(analysis: Analysis, declaration: ast.Node) -> Bytecode:
    """The functions of one top-level declaration of an error-free file,
    compiled with the other statements reduced to what a function can see of
    them: which names are module-level (globals rather than builtins) and the
    values of constants. Its code is the same as in the whole file's
    compilation (a test holds the compiler to that)."""
    body = [stmt if stmt is declaration else _name_only(stmt) for stmt in analysis.program.body]
    program = ast.Program(analysis.program.span, [stmt for stmt in body if stmt is not None],
                          analysis.program.comments)
    try:
        module = compile_program(program, analysis.source)
    except CompileError as error:
        return Bytecode([], f"The compiler stopped: {error}")
    by_span = {(node.span.start, node.span.end): node for node in functions(declaration)}
    compiled = [_listed(proto, by_span[key]) for proto in module.walk()
                if (key := (proto.span.start, proto.span.end) if proto.span else None) in by_span]
    return Bytecode(sorted(compiled, key=lambda function: (function.node.span.start, -function.node.span.end)))


def _name_only(stmt: ast.Node) -> ast.Node | None:
    """What of a top-level statement the functions of another one can see:
    the names it declares (with empty function bodies, a `let` without its
    value) and the values of constants."""
    if isinstance(stmt, ast.FnDecl):
        return _stub(stmt)
    if isinstance(stmt, ast.StructDecl):
        return ast.StructDecl(stmt.span, stmt.name, stmt.fields, [_stub(m) for m in stmt.methods], stmt.doc)
    if isinstance(stmt, ast.EnumDecl):
        return ast.EnumDecl(stmt.span, stmt.name, stmt.variants, [_stub(m) for m in stmt.methods], stmt.doc)
    if isinstance(stmt, ast.Let) and not stmt.const:
        return ast.Let(stmt.span, stmt.target, None, False, stmt.doc)
    # Imports declare names; a constant's value may be compiled into the
    # functions that read it.
    return stmt if isinstance(stmt, (ast.Import, ast.Let)) else None


def _listed(proto: Proto, node: ast.Node) -> CompiledFunction:
    lines = format_proto(proto, Options(recursive=False, details=False)).rstrip("\n").split("\n")
    split = len(lines) - len(proto.code)
    return CompiledFunction(proto.display_name, proto, node, lines[:split], lines[split:])


def _compilable_part(analysis: Analysis, loader: ModuleLoader) -> tuple[ast.Program | None, set]:
    """The file without its broken parts, checked again until it has no
    errors: declarations with errors inside become empty stubs (so calls to
    them still resolve), other broken statements are dropped. Also the spans
    of the stubs, whose code is not worth showing."""
    broken = [d.span for d in analysis.errors]
    for _ in range(4):
        stubs: set[tuple[int, int]] = set()
        body = [kept for stmt in analysis.program.body
                if (kept := _without_errors(stmt, broken, stubs)) is not None]
        candidate = ast.Program(analysis.program.span, body, analysis.program.comments)
        errors = [d.span for d in check(candidate, analysis.source, loader).diagnostics
                  if d.severity == Severity.ERROR]
        if not errors:
            return candidate, stubs
        broken += errors
    return None, set()


def _has_error(node: ast.Node, broken: list[Span]) -> bool:
    return any(node.span.start <= span.start <= node.span.end for span in broken)


def _without_errors(stmt: ast.Node, broken: list[Span], stubs: set) -> ast.Node | None:
    """`stmt` as it can be compiled: itself, with stubs for its broken
    functions, or None (dropped). The spans of the stubs go into `stubs`."""
    if not _has_error(stmt, broken):
        return stmt
    name = getattr(stmt, "name", None)
    if isinstance(name, ast.Ident) and _has_error(name, broken):
        return None
    if isinstance(stmt, ast.FnDecl):
        return _stub_if_broken(stmt, broken, stubs)
    if isinstance(stmt, ast.StructDecl):
        fields = [ast.FieldDecl(f.span, f.name, None if _has_error(f, broken) else f.default) for f in stmt.fields]
        methods = [_stub_if_broken(m, broken, stubs) for m in stmt.methods]
        return ast.StructDecl(stmt.span, stmt.name, fields, methods, stmt.doc)
    if isinstance(stmt, ast.EnumDecl):
        methods = [_stub_if_broken(m, broken, stubs) for m in stmt.methods]
        return ast.EnumDecl(stmt.span, stmt.name, stmt.variants, methods, stmt.doc)
    if isinstance(stmt, ast.Let) and not _has_error(stmt.target, broken):
        return ast.Let(stmt.span, stmt.target, None, False, stmt.doc)
    return None


def _stub_if_broken(decl: ast.FnDecl, broken: list[Span], stubs: set) -> ast.FnDecl:
    if not _has_error(decl, broken):
        return decl
    stubs.add((decl.span.start, decl.span.end))
    return _stub(decl)


def _stub(decl: ast.FnDecl) -> ast.FnDecl:
    """A function with `decl`'s name and parameters and an empty body."""
    params = [ast.Param(p.span, p.name, None, p.rest) for p in decl.params]
    return ast.FnDecl(decl.span, decl.name, params, ast.Block(decl.body.span, []), decl.doc)


def bytecode_section(index: FileIndex, offset: int, found: Occurrence | None) -> str | None:
    """The hover's bytecode: a function's listing on its name, else the
    instructions compiled from the code under the cursor."""
    code = index.bytecode_at(offset)
    decl = found.symbol.decl if found is not None and found.declaration else None
    if isinstance(decl, ast.FnDecl) and decl.name.span == found.span:
        function = code.of(decl)
        if function is None:
            return _not_compiled(code, found.symbol.name)
        return _code_block(f"Bytecode of `{function.name}`", function.header + function.lines, FUNCTION_LINES)
    function = code.innermost(offset)
    if function is None:
        return _not_compiled(code, None) if path_to_function(index.program, offset) else None
    # Instructions of the statement around the cursor, not those of the
    # loops and blocks that enclose it.
    statement = next((node for node in reversed(path_to(index.program, offset))
                      if isinstance(node, _STATEMENTS)), index.program)
    here = [line for line, span in zip(function.lines, function.proto.spans)
            if span.start <= offset < span.end and statement.span.contains(span)]
    if not here:
        return None
    return _code_block(f"Bytecode of this code in `{function.name}`", here, PLACE_LINES)


def path_to_function(program: ast.Program, offset: int) -> bool:
    """Whether `offset` is inside a function of `program`."""
    return any(isinstance(node, (ast.FnDecl, ast.FnExpr)) for node in path_to(program, offset))


def _not_compiled(code: Bytecode, name: str | None) -> str:
    if code.note and not code.note.startswith("This file has errors"):
        return f"*{code.note}*"
    what = f"`{name}` is" if name else "This function is"
    return f"*{what} not compiled: it has errors, or uses code that has.*"


def _code_block(title: str, lines: list[str], limit: int) -> str:
    shown = lines[:limit]
    more = f"\n\n*… {len(lines) - limit} more lines: use Show Bytecode for the whole listing.*" \
        if len(lines) > limit else ""
    return f"**{title}**\n\n```\n" + "\n".join(shown) + "\n```" + more


# ----------------------------------------------------------- listings, lenses

@dataclass(frozen=True)
class ListedInstruction:
    pc: int
    opname: str
    #: The instruction as `esker dis` shows it after its pc and position.
    text: str
    span: Span | None
    #: 0-based line of the listing that shows it.
    listing_line: int


@dataclass
class ListedFunction:
    name: str
    span: Span
    #: 0-based lines of the listing its section spans (end exclusive).
    listing_start: int
    listing_end: int
    instructions: list[ListedInstruction]


@dataclass(frozen=True)
class Uncompiled:
    """Code a listing leaves out (a function, or the module's top-level
    code), and why."""

    name: str
    span: Span
    reason: str


@dataclass
class Listing:
    text: str
    functions: list[ListedFunction]
    message: str | None = None
    #: What the listing leaves out; functions nested in one of these are not named again.
    missing: list[Uncompiled] = field(default_factory=list)


def disassemble(index: FileIndex, start: int | None = None, end: int | None = None,
                python: bool = False) -> Listing:
    """The listing of the whole file, or (given offsets) of the innermost
    function around [start, end] with the functions nested in it. `python`:
    the Python the compiled tier generates instead, one entry per line that
    comes from an instruction (its pc, opcode and source span)."""
    code = index.bytecode()
    chosen = code.functions
    missing = uncompiled(index, code)
    if start is not None:
        around = code.innermost(start, end)
        if around is None:
            here = [item for item in missing if item.span.start <= start <= item.span.end]
            return Listing("", [], code.note or "There is no compiled function here.", here[-1:])
        chosen = [f for f in code.functions if around.node.span.contains(f.node.span)]
        missing = [item for item in missing if around.node.span.contains(item.span)]
    lines: list[str] = []
    listed = []
    for function in chosen:
        if lines:
            lines.append("")
        first = len(lines)
        instructions = _python_lines(function, lines) if python else _bytecode_lines(function, lines)
        listed.append(ListedFunction(function.name, function.node.span, first, len(lines), instructions))
    if not listed:
        return Listing("", [], code.note or "Nothing in this file compiles.", missing)
    return Listing("\n".join(lines) + "\n", listed, code.note, missing)


def uncompiled(index: FileIndex, code: Bytecode) -> list[Uncompiled]:
    """The module's top-level code if it is not compiled, then, in source
    order, each function that is not compiled while the function around it
    is, with the first error that keeps it out."""
    errors = sorted(index.analysis.errors, key=lambda d: d.span.start)
    found = []
    if code.of(index.program) is None:
        first = _first_error(errors, index.program)
        reason = f"top-level code is compiled only when the file has no errors ({first})" if first \
            else code.note or "it did not compile"
        found.append(Uncompiled("<module>", index.program.span, reason))
    left_out: list[ast.Node] = []
    for node in functions(index.program):
        if code.of(node) is not None or any(outer.span.contains(node.span) for outer in left_out):
            continue
        left_out.append(node)
        statement = next((stmt for stmt in index.program.body if stmt.span.contains(node.span)), node)
        if first := _first_error(errors, node):
            reason = first
        elif first := _first_error(errors, statement):
            reason = f"the statement around it has errors ({first})"
        else:
            reason = "it uses code that has errors" if errors else code.note or "it did not compile"
        found.append(Uncompiled(_function_name(node), node.span, reason))
    return found


def _first_error(errors: list[Diagnostic], node: ast.Node) -> str | None:
    """`line N: MESSAGE` of the first error inside `node`, and how many more there are."""
    inside = [d for d in errors if node.span.start <= d.span.start <= node.span.end]
    if not inside:
        return None
    more = f" (and {len(inside) - 1} more)" if len(inside) > 1 else ""
    return f"line {inside[0].span.line}: {inside[0].message}{more}"


def _function_name(node: ast.Node) -> str:
    name = getattr(node, "name", None)
    return name.name if isinstance(name, ast.Ident) else f"<fn> at line {node.span.line}"


def _bytecode_lines(function, lines: list[str]) -> list[ListedInstruction]:
    """Appends a function's `esker dis` section; its instructions."""
    lines += function.header
    instructions = []
    for pc, line in enumerate(function.lines):
        record_span = function.proto.spans[pc] if pc < len(function.proto.spans) else None
        instructions.append(ListedInstruction(pc, _opname(line), _instruction_text(line), record_span, len(lines)))
        lines.append(line)
    return instructions


def _python_lines(function, lines: list[str]) -> list[ListedInstruction]:
    """Appends the Python the compiled tier makes of a function; an entry for
    each line that comes from an instruction."""
    from .opcodes import OPCODES, opcode_of
    from .tier import python_source

    proto = function.proto
    source = python_source(proto)
    lines.append(f"# {proto.display_name}: the compiled tier's Python (# pc after each line)")
    instructions = []
    for line, pc in zip(source.annotated().splitlines(), source.pcs):
        if pc >= 0:
            instructions.append(ListedInstruction(pc, OPCODES[opcode_of(proto.code[pc])].name, line.strip(),
                                                  proto.spans[pc] if pc < len(proto.spans) else None, len(lines)))
        lines.append(line)
    return instructions


_LISTING_LINE = re.compile(r"^.{3} +\d+  \S+ +(?P<op>\S+) *(?P<rest>.*)$")


def _opname(line: str) -> str:
    found = _LISTING_LINE.match(line)
    return found.group("op") if found else ""


def _instruction_text(line: str) -> str:
    found = _LISTING_LINE.match(line)
    return f"{found.group('op')} {found.group('rest')}".strip() if found else line.strip()


@dataclass(frozen=True)
class Lens:
    """What to show above a function: its name, whether it can be run as it
    is (no required parameters), and its instruction count (None: not compiled)."""

    span: Span
    name: str
    runnable: bool
    instruction_count: int | None


def code_lenses(index: FileIndex) -> list[Lens]:
    """A lens for each top-level function and each method."""
    code = index.bytecode()
    lenses = []
    for stmt in index.program.body:
        declared = [stmt] if isinstance(stmt, ast.FnDecl) else list(getattr(stmt, "methods", []))
        for decl in declared:
            if not isinstance(decl, ast.FnDecl):
                continue
            compiled = code.of(decl)
            runnable = decl is stmt and all(p.default is not None or p.rest for p in decl.params)
            lenses.append(Lens(decl.span, decl.name.name, runnable,
                               len(compiled.proto.code) if compiled is not None else None))
    return lenses


@dataclass(frozen=True)
class RegisterHint:
    """`label` (e.g. `‹r3›`) to show after the name declared at `offset`."""

    offset: int
    label: str
    tooltip: str


def register_hints(index: FileIndex, start: int, end: int) -> list[RegisterHint]:
    """The register each local variable and parameter lives in, shown after
    its declaration, for declarations within [start, end]."""
    code = index.bytecode()
    hints = []
    for function in code.functions:
        declared = _declared_locals(index, function, code)
        for name, spans in declared.items():
            records = sorted((r for r in function.proto.locals if r.name == name), key=lambda r: r.start_pc)
            if len(records) != len(spans):
                continue  # cannot pair them up with certainty
            for span, record in zip(spans, records):
                if start <= span.end <= end:
                    hints.append(_register_hint(span, record, function))
    return sorted(hints, key=lambda hint: hint.offset)


def _declared_locals(index: FileIndex, function: CompiledFunction, code: Bytecode) -> dict[str, list[Span]]:
    """Spans of the variables and parameters declared directly in `function`,
    by name, in source order."""
    found: dict[str, list[Span]] = {}
    for symbol in index.analysis.symbols.symbols:
        if symbol.kind not in (SymbolKind.VARIABLE, SymbolKind.CONSTANT, SymbolKind.PARAMETER) or symbol.span is None:
            continue
        if code.innermost(symbol.span.start, symbol.span.end) is function:
            found.setdefault(symbol.name, []).append(symbol.span)
    return {name: sorted(spans, key=lambda span: span.start) for name, spans in found.items()}


def _register_hint(span: Span, record, function: CompiledFunction) -> RegisterHint:
    far = record.register >= FAR_BASE
    shown = f"f{record.register - FAR_BASE}" if far else f"r{record.register}"
    where = "far slot" if far else "register"
    tooltip = (f"`{record.name}` lives in {where} {shown.upper()} of `{function.name}` "
               f"(pc {record.start_pc}–{record.end_pc})")
    return RegisterHint(span.end, f"‹{shown}›", tooltip)
