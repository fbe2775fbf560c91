"""What editors ask about Esker code, answered as plain data.

Every editor feature of the language server is a query here over a
`FileIndex`: a file analysed unit by unit (`incremental.FileAnalysis`), plus
what several queries share. Queries about a place look at the unit there and
at the top-level declarations it uses; queries about the whole file combine
per-unit results that each unit caches while it is unchanged, so answering
costs what the question is about, not the size of the file. Positions are
code-point offsets and `Span`s; the server converts them to its clients'
encodings. Nothing here knows about LSP.

A name is identified across units, versions and files by a key:
`("local", table, symbol)` for a name declared inside a unit,
`("top", name, n)` for the n-th top-level declaration of `name` in the file,
`("file", path, name)` for a top-level name of another module,
`("builtin", name)`, and `("member", owner key, name)` for fields, methods
and variants.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import ast
from .diagnostics import Diagnostic
from .incremental import FileAnalysis, Placed, Unit, assigned_names, declared_names, walk, whole_program
from .lexer import KEYWORDS, scan, tokenize
from .modules import ModuleLoader
from .parser import parse
from .source import Span
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
    #: For what is called: the parameters a call needs (those without
    #: defaults), for a call snippet's placeholders; None for the rest.
    parameters: tuple[str, ...] | None = None


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
    """Lines (1-based, inclusive) that can be folded; kind is "block",
    "comment" or "imports"."""

    start_line: int
    end_line: int
    kind: str = "block"


@dataclass(frozen=True)
class QuickFix:
    title: str
    edits: list[Edit]
    diagnostic: Diagnostic
    preferred: bool = False


@dataclass(frozen=True)
class RenameRefusal:
    message: str


# ---------------------------------------------------------------- the index

@dataclass(frozen=True)
class Occurrence:
    """A name in this file: where it is now, what the checker says it
    denotes (a symbol of the unit's table), whether it declares it, and the
    unit it is in."""

    span: Span
    symbol: Symbol
    declaration: bool
    place: Placed


@dataclass(frozen=True)
class Home:
    """Where a name is declared: a unit of this file with the declaration's
    own symbol, or another file (`place` None) with the symbol seen from here."""

    place: Placed | None
    symbol: Symbol
    path: str | None = None

    @property
    def span(self) -> Span | None:
        """The declaring name's span, where it is now (in its own file)."""
        if self.symbol.span is None:
            return None
        return self.place.span(self.symbol.span) if self.place is not None else self.symbol.span


class FileIndex:
    """An analysed file and the facts several queries share.

    Per-unit facts live in each unit's `cache` (units are shared by the
    versions of a file that did not touch them); whole-file facts are built
    on demand. Safe to use from several threads: a race only computes a fact
    twice, except compiling, which is done once.
    """

    def __init__(self, analysis: FileAnalysis, loader: ModuleLoader | None = None):
        self.analysis = analysis
        #: Resolves imports when parts of the file are checked again for compiling.
        self.loader = loader or ModuleLoader()
        self._program: ast.Program | None = None
        #: Guards compiling (per unit and of the whole file).
        self.compiling = threading.Lock()
        self.whole_code = None

    @property
    def path(self) -> str:
        return self.analysis.path

    @property
    def text(self) -> str:
        return self.analysis.text

    @property
    def program(self) -> ast.Program:
        """The whole syntax tree, where everything is now (built on demand:
        it costs as much as the file is long)."""
        if self._program is None:
            self._program = whole_program(self.analysis)
        return self._program

    @property
    def units(self) -> list[Placed]:
        return self.analysis.units

    def place(self, offset: int) -> Placed:
        """The unit whose text holds `offset`."""
        return self.analysis.unit_at(offset)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line of the current version."""
        found = self.analysis.unit_at(_line_offset(self.text, line))
        local = line - found.lines
        return found.unit.source(self.path).line_text(local)

    # ------------------------------------------------------------ occurrences

    def occurrence_at(self, offset: int) -> Occurrence | None:
        """The name at `offset` and what it denotes; `obj.name` counts when
        only one type in reach has a field or method of that name."""
        place = self.place(offset)
        local = place.local(offset)
        symbol = place.unit.table.symbol_at(local)
        if symbol is None:
            return self._member_access_at(place, local)
        here = [item for item in self.unit_occurrences(place) if item.symbol is symbol
                and item.span.covers(offset)]
        return min(here, key=lambda item: item.span.end == offset) if here else None

    def unit_occurrences(self, place: Placed) -> list[Occurrence]:
        """Every name occurrence in a unit, in source order, where it is now."""
        unit = place.unit
        found = unit.cache.get("occurrences")
        if found is None:
            found = unit.cache["occurrences"] = unit.table.occurrences(unit.start, unit.end + 1)
        return [Occurrence(place.span(span), symbol, declaration, place) for span, declaration, symbol in found]

    def _member_access_at(self, place: Placed, local: int) -> Occurrence | None:
        path = path_in_unit(place.unit, local)
        if len(path) < 2 or not isinstance(path[-1], ast.Ident) or \
                not isinstance(path[-2], (ast.Field, ast.MethodCall)) or path[-2].name is not path[-1]:
            return None
        name = path[-1]
        # Only whether exactly one type has it matters: two found are enough.
        members = self.members_named(name.name, most=2)
        return Occurrence(place.span(name.span), members[0].symbol, False, members[0].place) \
            if len(members) == 1 else None

    def members_named(self, name: str, most: int | None = None) -> list[Home]:
        """The fields and instance methods called `name` of the types in reach
        (this file's and those of the modules it imports); the first `most`
        of them when `most` is given (a name many types share would
        otherwise cost a lookup per type, in a file with thousands)."""
        found: list[Home] = []
        for type_name, ordinal in self._member_index().get(name, ()):
            if most is not None and len(found) >= most:
                return found
            home = self._top_home(type_name, ordinal)
            member = home.symbol.members.get(name) if home is not None else None
            if member is not None and member.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not member.is_static:
                found.append(Home(home.place, member))
        for module in self.imported_modules():
            if most is not None and len(found) >= most:
                return found
            for export in module.members.values():
                member = export.members.get(name) if export.kind is SymbolKind.STRUCT else None
                if member is not None and member.kind in (SymbolKind.FIELD, SymbolKind.METHOD) \
                        and not member.is_static:
                    found.append(Home(None, member, member.module_path))
        return found

    def _member_index(self) -> dict[str, list[tuple[str, int]]]:
        """The top-level types declaring each member name: (type name, ordinal)."""
        index = getattr(self, "_members", None)
        if index is None:
            index = {}
            ordinals: dict[str, int] = {}
            for place in self.units:
                for stmt in place.unit.statements:
                    for name in declared_names(stmt):
                        ordinal = ordinals[name] = ordinals.get(name, -1) + 1
                        if isinstance(stmt, (ast.StructDecl, ast.EnumDecl)):
                            members = [f.name.name for f in getattr(stmt, "fields", ())]
                            members += [m.name.name for m in stmt.methods]
                            for member in members:
                                index.setdefault(member, []).append((name, ordinal))
            self._members = index
        return index

    def imported_modules(self) -> list[Symbol]:
        """The module symbols of this file's top-level imports."""
        found = []
        for name, declarations in self.analysis.declared.items():
            for number, (_, declared) in enumerate(declarations):
                if declared.kind == "module":
                    home = self.home(("top", name, number))
                    if home is not None:
                        found.append(home.symbol)
        return found

    # ------------------------------------------------------------------ keys

    def key(self, place: Placed, symbol: Symbol) -> tuple:
        """What `symbol` (of `place`'s table) stands for, across units,
        versions and files (see the module's docstring)."""
        if symbol.parent is not None and symbol.scope is None:
            return ("member", self.key(place, symbol.parent), symbol.name)
        if symbol.scope is not None and symbol.scope.kind == "builtins":
            return ("builtin", symbol.name)
        if symbol.module_path is not None and symbol.kind is not SymbolKind.MODULE:
            return ("file", symbol.module_path, symbol.name)
        if symbol.scope is not None and symbol.scope is place.unit.table.root:
            ordinal = place.unit.origins.get((id(symbol.decl), symbol.name))
            if ordinal is not None:
                return ("top", symbol.name, ordinal)
        return ("local", id(place.unit.table), id(symbol))

    def home(self, key: tuple) -> Home | None:
        """Where the name of `key` is declared (None: a builtin, or gone)."""
        kind = key[0]
        if kind == "top":
            return self._top_home(key[1], key[2])
        if kind == "member":
            owner = self.home(key[1])
            member = owner.symbol.members.get(key[2]) if owner is not None else None
            if member is None or member.span is None:
                return None
            return Home(owner.place, member, owner.path)
        return None

    def _top_home(self, name: str, ordinal: int) -> Home | None:
        declarations = self.analysis.declared.get(name, [])
        if ordinal >= len(declarations):
            return None
        place = self.units[declarations[ordinal][0]]
        symbol = unit_homes(place.unit).get((name, ordinal))
        return Home(place, symbol) if symbol is not None else None

    def home_of(self, found: Occurrence) -> Home | None:
        """Where the name of an occurrence is declared."""
        symbol = found.symbol
        key = self.key(found.place, symbol)
        if key[0] == "local":
            return Home(found.place, symbol)
        if key[0] in ("top", "member"):
            home = self.home(key)
            if home is not None:
                return home
        if symbol.span is not None and symbol.module_path is not None:
            return Home(None, symbol, symbol.module_path)
        return None

    def occurrences_of(self, found: Occurrence) -> list[Occurrence]:
        """Every occurrence in this file of the name `found` denotes."""
        key = self.key(found.place, found.symbol)
        if key[0] == "local":
            return [item for item in self.unit_occurrences(found.place) if item.symbol is found.symbol]
        return self.occurrences_by_key(key)

    def occurrences_by_key(self, key: tuple) -> list[Occurrence]:
        """Every occurrence in this file of a top-level, member, builtin or
        imported name."""
        name = key[2] if key[0] in ("member", "file") else key[1]
        found = []
        for place in self.units:
            if name not in unit_names(place.unit):
                continue
            found += [item for item in self.unit_occurrences(place)
                      if item.symbol.name == name and self.key(place, item.symbol) == key]
        return found

    def is_write(self, found: Occurrence) -> bool:
        """Whether a name occurrence is the target of an assignment."""
        unit = found.place.unit
        writes = unit.cache.get("writes")
        if writes is None:
            writes = unit.cache["writes"] = {name.span.start for stmt in unit.statements for node in walk(stmt)
                                             if isinstance(node, ast.Assign) for name in assigned_names(node.target)}
        return found.place.local(found.span.start) in writes

    def visible_at(self, offset: int, wanted=None) -> dict[str, tuple[Placed, Symbol]]:
        """The names in scope at `offset`, innermost first, each with the unit
        whose table holds the symbol: the unit's own scopes, then every
        top-level name declared before (or hoisted), then the builtins.
        `wanted(name)` may narrow them down (top-level names are many)."""
        place = self.place(offset)
        local = place.local(offset)
        visible: dict[str, tuple[Placed, Symbol]] = {}
        table = place.unit.table
        in_unit = table.visible_at(local)
        for name, symbol in in_unit.items():
            if symbol.scope is not table.root and symbol.scope.kind != "builtins":
                visible[name] = (place, symbol)
        here = self.analysis.index_at(offset)
        for name, declarations in self.analysis.declared.items():
            if name in visible or (wanted is not None and not wanted(name)):
                continue
            for ordinal in range(len(declarations) - 1, -1, -1):
                number, declared = declarations[ordinal]
                hoisted = declared.kind in ("function", "struct", "enum")
                if hoisted or number < here or (number == here and name in in_unit):
                    home = self._top_home(name, ordinal)
                    if home is not None:
                        visible[name] = (home.place, home.symbol)
                    break
        for name, symbol in in_unit.items():
            if name not in visible and symbol.scope is not None and symbol.scope.kind == "builtins":
                visible[name] = (place, symbol)
        return visible


def unit_homes(unit: Unit) -> dict[tuple[str, int], Symbol]:
    """The symbols of a unit's own top-level declarations, by (name, ordinal)."""
    found = unit.cache.get("homes")
    if found is None:
        table = unit.table
        found = unit.cache["homes"] = {
            (symbol.name, ordinal): symbol for symbol in table.symbols
            if symbol.scope is table.root and symbol.span is not None and unit.start <= symbol.span.start < unit.end
            and (ordinal := unit.origins.get((id(symbol.decl), symbol.name))) is not None}
    return found


def unit_names(unit: Unit) -> frozenset[str]:
    """Every name written in a unit (used, declared or a member)."""
    found = unit.cache.get("names")
    if found is None:
        found = unit.cache["names"] = frozenset(
            symbol.name for _, _, symbol in unit.table.occurrences(unit.start, unit.end + 1)) | frozenset(
            node.name.name for stmt in unit.statements for node in walk(stmt)
            if isinstance(node, (ast.Field, ast.MethodCall)))
    return found


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found == -1:
            return len(text)
        offset = found + 1
    return offset


# -------------------------------------------------------------- tree walks

def path_to(node: ast.Node, offset: int) -> list[ast.Node]:
    """The nodes whose spans cover `offset`, outermost (`node`) first."""
    path: list[ast.Node] = [node]
    while True:
        covering = [child for child in ast.children(path[-1]) if child.span.covers(offset)]
        if not covering:
            return path
        # Between two adjacent nodes, prefer the one that starts at the cursor.
        path.append(next((child for child in covering if child.span.start == offset), covering[0])
                    if len(covering) > 1 else covering[0])


def path_in_unit(unit: Unit, local: int) -> list[ast.Node]:
    """The nodes of a unit around an offset of its frame, its top-level
    statement first (empty between statements)."""
    covering = [stmt for stmt in unit.statements if stmt.span.covers(local)]
    if not covering:
        return []
    stmt = next((item for item in covering if item.span.start == local), covering[0])
    return path_to(stmt, local)


def functions(node: ast.Node) -> Iterator[ast.FnDecl | ast.FnExpr]:
    """Every function in `node` (declarations, methods and literals)."""
    return (found for found in walk(node) if isinstance(found, (ast.FnDecl, ast.FnExpr)))


# ---------------------------------------------------------------- navigation

def definition(index: FileIndex, offset: int) -> list[Location]:
    """Where the name at `offset` is declared (a module, or a part of an
    import's module path: its file)."""
    target = import_part_target(index, offset)
    if target is not None:
        return [Location(target, FILE_START)]
    found = index.occurrence_at(offset)
    if found is None:
        return []
    symbol = found.symbol
    if symbol.kind is SymbolKind.MODULE and symbol.module_path:
        return [Location(symbol.module_path, FILE_START)]
    home = index.home_of(found)
    if home is None or home.span is None:
        return []
    return [Location(home.path if home.place is None else None, home.span)]


def _global_key(index: FileIndex, key: tuple) -> tuple:
    """A key as another file would write it: this file's top-level names
    become `("file", path, name)`."""
    if key[0] == "top":
        return ("file", index.path, key[1])
    if key[0] == "member":
        return ("member", _global_key(index, key[1]), key[2])
    return key


def _local_key(index: FileIndex, key: tuple) -> tuple | None:
    """A global key as this file writes it (None: a local of another file)."""
    if key[0] == "file" and key[1] == index.path:
        ordinals = index.analysis.declared.get(key[2])
        return ("top", key[2], len(ordinals) - 1) if ordinals else None
    if key[0] == "member":
        owner = _local_key(index, key[1])
        return ("member", owner, key[2]) if owner is not None else None
    return None if key[0] == "local" else key


def _occurrences_everywhere(index: FileIndex, found: Occurrence,
                            others: Iterable[FileIndex]) -> list[tuple[FileIndex, Occurrence]]:
    """The occurrences of the name `found` denotes, in this file and in `others`."""
    places = [(index, item) for item in index.occurrences_of(found)]
    places += [(index, item) for item in _member_accesses(index, found)]
    key = index.key(found.place, found.symbol)
    if key[0] == "local":
        return places  # no other file can see it
    wanted = _global_key(index, key)
    for other in others:
        if other.path == index.path:
            continue
        local = _local_key(other, wanted)
        if local is None:
            continue
        for item in other.occurrences_by_key(local):
            places.append((other, item))
        if key[0] == "member":
            places += [(other, item) for item in _member_accesses_by_name(other, key[2], local)]
    return places


def _member_accesses(index: FileIndex, found: Occurrence) -> list[Occurrence]:
    """`obj.name` uses of a field or instance method, found by name when no
    other type in reach has a member of that name (field reads are not
    resolved statically, since values carry no declared type)."""
    symbol = found.symbol
    if symbol.kind not in (SymbolKind.FIELD, SymbolKind.METHOD) or symbol.is_static:
        return []
    return _member_accesses_by_name(index, symbol.name, index.key(found.place, symbol))


def _member_accesses_by_name(index: FileIndex, name: str, key: tuple) -> list[Occurrence]:
    members = index.members_named(name, most=2)
    if len(members) != 1:
        return []
    home = members[0]
    found = []
    for place in index.units:
        unit = place.unit
        if name not in unit_names(unit):
            continue
        for stmt in unit.statements:
            for node in walk(stmt):
                member = node.name if isinstance(node, (ast.Field, ast.MethodCall)) else None
                if member is not None and member.name == name and unit.table.symbol_at(member.span.start) is None:
                    found.append(Occurrence(place.span(member.span), home.symbol, False, place))
    return found


def member_is_shared(index: FileIndex, found: Occurrence) -> bool:
    """Whether several types in reach have a field or method named like
    `found`'s (so its `obj.name` uses cannot be told apart)."""
    symbol = found.symbol
    return symbol.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not symbol.is_static \
        and len(index.members_named(symbol.name, most=2)) > 1


def references(index: FileIndex, offset: int, include_declaration: bool,
               others: Iterable[FileIndex] = ()) -> list[Location]:
    """Every use of the name at `offset` in this file and in `others`."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    places = []
    for where, item in _occurrences_everywhere(index, found, others):
        if include_declaration or not item.declaration:
            places.append(Location(None if where is index else where.path, item.span))
    home = index.home_of(found)
    if include_declaration and home is not None and home.place is None and home.span is not None:
        places.append(Location(home.path, home.span))
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
    for _, item in _occurrences_everywhere(index, found, ()):
        kind = "write" if item.declaration or index.is_write(item) else "read"
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
    if index.home_of(found) is None:
        return RenameRefusal(f"`{symbol.name}` is a builtin and cannot be renamed")
    if symbol.kind is SymbolKind.MODULE and not (isinstance(symbol.decl, ast.Import) and symbol.decl.alias):
        return RenameRefusal(f"`{symbol.name}` is named after its module's file; rename the file instead")
    if member_is_shared(index, found):
        return RenameRefusal(f"several types have a member `{symbol.name}`, so its uses cannot be told apart")
    return found.span


def declaring_file(index: FileIndex, offset: int) -> str | None:
    """The file that declares the name at `offset` (None: none or a builtin);
    a rename must see it even when it is not open."""
    found = index.occurrence_at(offset)
    home = index.home_of(found) if found is not None else None
    if home is None:
        return None
    return index.path if home.place is not None else home.path


def rename(index: FileIndex, offset: int, new_name: str,
           others: Iterable[FileIndex] = ()) -> list[FileEdits] | RenameRefusal:
    """Edits that rename the name at `offset` everywhere it is visible."""
    prepared = prepare_rename(index, offset)
    if isinstance(prepared, RenameRefusal):
        return prepared
    if not _IDENTIFIER.match(new_name) or new_name in KEYWORDS:
        return RenameRefusal(f"`{new_name}` is not a valid name")
    from .refactor import rename_conflict, shadowing  # refactoring checks analyse the result again

    found = index.occurrence_at(offset)
    if new_name == found.symbol.name:
        return []
    refused = shadowing(index, found, new_name)
    if refused is not None:
        return refused
    others = list(others)
    by_file: dict[str | None, list[Edit]] = {}
    for where, item in _occurrences_everywhere(index, found, others):
        path = None if where is index else where.path
        by_file.setdefault(path, []).append(Edit(item.span, new_name))
    changes = [FileEdits(path, _unique_edits(edits)) for path, edits in by_file.items()]
    return rename_conflict(index, found.symbol.name, new_name, changes, others) or changes


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
    items: list[OutlineItem] = []
    for place in index.units:
        found = unit_outline(place.unit)
        items += [_moved_item(item, place) for item in found] if place.offset or place.lines else found
    return items


def unit_outline(unit: Unit) -> list[OutlineItem]:
    """A unit's part of the outline, in its frame (cached with the unit)."""
    found = unit.cache.get("outline")
    if found is None:
        found = unit.cache["outline"] = [item for stmt in unit.statements
                                         for item in _outline(stmt, unit.text, unit.start, top_level=True)]
    return found


def _moved_item(item: OutlineItem, place: Placed) -> OutlineItem:
    return OutlineItem(item.name, item.kind, place.span(item.span), place.span(item.selection), item.detail,
                       [_moved_item(child, place) for child in item.children])


def file_outline(text: str, path: str) -> list[OutlineItem]:
    """The outline of a file that is not open: parsed only, not checked."""
    return outline(parse(text, path).program, text)


def outline(program: ast.Program, text: str) -> list[OutlineItem]:
    items: list[OutlineItem] = []
    for stmt in program.body:
        items += _outline(stmt, text, 0, top_level=True)
    return items


def _outline(stmt: ast.Node, text: str, base: int, top_level: bool = False) -> list[OutlineItem]:
    """`text` holds the source from offset `base` on (for parameter defaults)."""
    if isinstance(stmt, ast.FnDecl):
        kind = SymbolKind.FUNCTION.value
        return [OutlineItem(stmt.name.name, kind, stmt.span, stmt.name.span, _params_text(stmt.params, text, base),
                            _nested_outline(stmt.body, text, base))]
    if isinstance(stmt, (ast.StructDecl, ast.EnumDecl)):
        return [_type_outline(stmt, text, base)]
    if top_level and isinstance(stmt, ast.Let):
        kind = (SymbolKind.CONSTANT if stmt.const else SymbolKind.VARIABLE).value
        return [OutlineItem(bind.name, kind, stmt.span, bind.span) for bind in ast.binders(stmt.target)]
    if top_level and isinstance(stmt, ast.Import) and (stmt.parts or stmt.path is not None):
        bound = stmt.bound_name
        return [OutlineItem(bound.name, SymbolKind.MODULE.value, stmt.span, bound.span, stmt.label)]
    return []


def _nested_outline(block: ast.Block, text: str, base: int) -> list[OutlineItem]:
    """Declarations inside a function body, however deeply nested in blocks."""
    found: list[OutlineItem] = []
    pending: list[ast.Node] = list(reversed(block.body))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FnDecl, ast.StructDecl, ast.EnumDecl)):
            found += _outline(node, text, base)
        elif not isinstance(node, ast.FnExpr):
            pending.extend(reversed(list(ast.children(node))))
    return found


def _type_outline(decl: ast.StructDecl | ast.EnumDecl, text: str, base: int) -> OutlineItem:
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
                                    _params_text(method.params, text, base), _nested_outline(method.body, text, base)))
    children.sort(key=lambda item: item.span.start)
    return OutlineItem(decl.name.name, kind, decl.span, decl.name.span, "", children)


def _params_text(params: list[ast.Param], text: str | None, base: int = 0) -> str:
    return "(" + ", ".join(_param_text(param, text, base) for param in params) + ")"


def _param_text(param: ast.Param, text: str | None, base: int = 0) -> str:
    """A parameter as written; a default is shown when its source `text`
    (which starts at offset `base`) is at hand and short."""
    shown = ("..." if param.rest else "") + param.name.name
    if param.default is not None:
        default = text[param.default.span.start - base:param.default.span.end - base] if text is not None else "…"
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

#: Most completions answered at once; past it the list is marked incomplete
#: and the client asks again as the user types.
COMPLETION_LIMIT = 500

_MEMBER_PREFIX = re.compile(r"(?:(?P<chain>[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)|(?P<other>[\"\])]))\s*\.\s*(?P<typed>\w*)\Z")


@dataclass(frozen=True)
class Completions:
    items: list[Completion]
    #: Not every candidate is listed: asking again with more letters typed narrows them.
    incomplete: bool = False


def completions(index: FileIndex, offset: int) -> list[Completion]:
    """What may be typed at `offset` (see `complete`)."""
    return complete(index, offset).items


def complete(index: FileIndex, offset: int) -> Completions:
    """What may be typed at `offset`: members after `.`, else the names in
    scope, the builtins and the keywords, those matching the letters typed
    so far first. Nothing inside comments or strings (but inside the `{…}`
    of an f-string, which is code)."""
    if _in_comment_or_string(index, offset):
        return Completions([])
    line_start = index.text.rfind("\n", 0, offset) + 1
    before = index.text[line_start:offset]
    member = _MEMBER_PREFIX.search(before)
    if member is not None:
        return Completions(_member_completions(index, offset, member))
    if re.search(r"[\d.]\.\w*\Z", before):
        return Completions([])  # a number or a range, not a member access
    typed = re.search(r"\w*\Z", before).group(0)
    return _scope_completions(index, offset, typed)


def _in_comment_or_string(index: FileIndex, offset: int) -> bool:
    """Whether `offset` is in a comment or in string text, from the text of
    its statement up to it (a string may have begun on an earlier line)."""
    return scan(index.text[_statement_start(index, offset):offset]).ends_in != "code"


def _scope_completions(index: FileIndex, offset: int, typed: str) -> Completions:
    visible = index.visible_at(offset, lambda name: _fuzzy(typed, name))
    chosen = [(place, symbol) for place, symbol in visible.values() if _fuzzy(typed, symbol.name)]
    chosen.sort(key=lambda item: _scope_rank(index, item[1]))
    incomplete = len(chosen) > COMPLETION_LIMIT
    items = [Completion(symbol.name, symbol.kind.value, describe(symbol, place), symbol.doc, call_parameters(symbol))
             for place, symbol in chosen[:COMPLETION_LIMIT]]
    items += [Completion(word, "keyword") for word in sorted(KEYWORDS) if _fuzzy(typed, word)]
    return Completions(items, incomplete)


def _scope_rank(index: FileIndex, symbol: Symbol) -> tuple[int, str]:
    """Locals first, then the file's declarations, then builtins."""
    if symbol.scope is not None and symbol.scope.kind == "builtins":
        return 2, symbol.name
    return (1 if symbol.scope is not None and symbol.scope.kind == "module" else 0), symbol.name


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
    place, symbol = owner
    if symbol.kind in (SymbolKind.MODULE, SymbolKind.ENUM, SymbolKind.STRUCT):
        return [Completion(m.name, m.kind.value, describe(m, place), m.doc, call_parameters(m))
                for m in symbol.members.values() if _reachable_on_type(symbol, m)]
    found = value_type(index, place, symbol)
    if found is not None and isinstance(found[1], Symbol):
        type_place, struct = found
        return [Completion(m.name, m.kind.value, describe(m, type_place), m.doc, call_parameters(m))
                for m in struct.members.values() if not m.is_static and m.kind is not SymbolKind.VARIANT]
    if found is not None:
        return _builtin_method_completions([found[1]])
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
            items.setdefault(name, Completion(name, SymbolKind.METHOD.value, entry.signature, entry.documentation(),
                                              _entry_parameters(entry)))
    return list(items.values())


def call_parameters(symbol: Symbol) -> tuple[str, ...] | None:
    """The parameters a call of `symbol` needs (a method's without `self`),
    or None when it is not something to call."""
    entry = builtin_entry(symbol)
    if entry is not None:
        return _entry_parameters(entry)
    decl = symbol.decl
    if isinstance(decl, ast.FnDecl) and symbol.kind in (SymbolKind.FUNCTION, SymbolKind.METHOD):
        params = decl.params[0 if symbol.is_static or symbol.kind is SymbolKind.FUNCTION else 1:]
        return tuple(param.name.name for param in params if param.default is None and not param.rest)
    if symbol.kind is SymbolKind.STRUCT:
        return tuple(field.name for field in struct_fields(symbol)
                     if not (isinstance(field.decl, ast.FieldDecl) and field.decl.default is not None))
    if symbol.kind is SymbolKind.VARIANT and getattr(decl, "fields", None) is not None:
        return tuple(item.name for item in decl.fields)
    return None


def _entry_parameters(entry) -> tuple[str, ...] | None:
    """A builtin's required parameters, read from its documented list
    (`iterable[, key[, reverse]]` needs `iterable`; `...` none)."""
    if entry.params is None:
        return None
    required = entry.params.split("[", 1)[0]
    return tuple(name for part in required.split(",") if (name := part.strip()) and name.isidentifier())


def _any_member_completions(index: FileIndex) -> list[Completion]:
    """Members of a value of unknown type: every field and method in reach."""
    items: dict[str, Completion] = {}
    for name in index._member_index():
        for home in index.members_named(name)[:1]:
            items.setdefault(name, Completion(name, home.symbol.kind.value, describe(home.symbol, home.place),
                                              home.symbol.doc))
    for module in index.imported_modules():
        for export in module.members.values():
            for member in export.members.values() if export.kind is SymbolKind.STRUCT else ():
                if member.kind in (SymbolKind.FIELD, SymbolKind.METHOD) and not member.is_static:
                    items.setdefault(member.name, Completion(member.name, member.kind.value, describe(member),
                                                             member.doc))
    for item in _builtin_method_completions(list(BUILTIN_METHODS)):
        items.setdefault(item.label, item)
    return list(items.values())


def resolve_chain(index: FileIndex, offset: int, names: list[str]) -> tuple[Placed | None, Symbol] | None:
    """What a dotted name (`geometry.Shape`) denotes at `offset`: the symbol,
    with the unit that declares it (None: another file or a builtin)."""
    found = index.visible_at(offset, names[0].__eq__).get(names[0])
    for name in names[1:]:
        if found is None:
            return None
        place, symbol = found
        if symbol.kind in (SymbolKind.MODULE, SymbolKind.STRUCT, SymbolKind.ENUM):
            member = symbol.members.get(name)
            found = (place if symbol.kind is not SymbolKind.MODULE else None, member) if member else None
        else:
            owner = value_type(index, place, symbol)
            member = owner[1].members.get(name) if owner is not None and isinstance(owner[1], Symbol) else None
            found = (owner[0], member) if member is not None else None
    return found


def value_type(index: FileIndex, place: Placed | None, symbol: Symbol) -> tuple[Placed | None, Symbol | str] | None:
    """What a variable holds, when its declaration tells: a struct (`let p =
    Point(...)`, `let p = geometry.Point(...)`, a method's `self`) with the
    unit that declares it, or a builtin type's name (`let s = "..."`)."""
    if place is None:
        return None
    if symbol.kind is SymbolKind.PARAMETER and symbol.name == "self":
        return _enclosing_type(index, place, symbol.span.start) if symbol.span else None
    decl = symbol.decl
    if not isinstance(decl, ast.Let) or not isinstance(decl.target, ast.BindName) or decl.value is None:
        return None
    value = decl.value
    if _literal_type(value) is not None:
        return place, _literal_type(value)
    table = place.unit.table
    if isinstance(value, ast.Call) and isinstance(value.callee, ast.Name):
        callee = table.resolve(value.callee)
        if callee is not None and callee.kind is SymbolKind.STRUCT:
            return _struct_home(index, place, callee)
    if isinstance(value, ast.MethodCall) and isinstance(value.receiver, ast.Name):
        module = table.resolve(value.receiver)
        struct = module.members.get(value.name.name) if module is not None and \
            module.kind is SymbolKind.MODULE else None
        if struct is not None and struct.kind is SymbolKind.STRUCT:
            return None, struct
    return None


_LITERAL_TYPES = {ast.ArrayExpr: "array", ast.MapExpr: "map", ast.TupleExpr: "tuple", ast.RangeExpr: "range"}


def _literal_type(node: ast.Node) -> str | None:
    """The builtin type of a literal (`[...]`, `"..."`, `a..b` ...), else None."""
    if isinstance(node, ast.Literal):
        return "str" if isinstance(node.value, str) else None
    return _LITERAL_TYPES.get(type(node))


def _struct_home(index: FileIndex, place: Placed, struct: Symbol) -> tuple[Placed | None, Symbol]:
    """A struct as the unit that declares it has it (a stub's symbol has the
    right members, but its declaration is a stub)."""
    home = index.home(index.key(place, struct))
    if home is not None:
        return home.place, home.symbol
    return place, struct


def _enclosing_type(index: FileIndex, place: Placed, local: int) -> tuple[Placed, Symbol] | None:
    for node in reversed(path_in_unit(place.unit, local)):
        if isinstance(node, (ast.StructDecl, ast.EnumDecl)):
            symbol = place.unit.table.symbol_at(node.name.span.start)
            return (place, symbol) if symbol is not None else None
    return None


def describe(symbol: Symbol, place: Placed | None = None) -> str:
    """A one-line description: `fn area(w, h = w)`, `struct Point`, `let x`...
    `place` is the unit that declares `symbol`, when it is in this file (its
    text shows parameter defaults)."""
    decl = symbol.decl
    entry = builtin_entry(symbol)
    if entry is not None and entry.kind != NAMESPACE:
        return entry.signature
    if isinstance(decl, ast.FnDecl):
        prefix = f"{symbol.parent.name}." if symbol.parent is not None else ""
        text, base = _text_of(symbol, place)
        return f"fn {prefix}{symbol.name}{_params_text(decl.params, text, base)}"
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


def _text_of(symbol: Symbol, place: Placed | None) -> tuple[str | None, int]:
    """The source text the symbol's declaration spans point into, when at
    hand, and the offset it starts at."""
    if place is None or symbol.span is None or not place.unit.start <= symbol.span.start < place.unit.end:
        return None, 0
    return place.unit.text, place.unit.start


# ------------------------------------------------------------ signature help

def signature_help(index: FileIndex, offset: int) -> SignatureHelp | None:
    """The signature of the call whose argument list holds `offset`."""
    call = _open_call(index, offset)
    if call is None:
        return None
    names, active = call
    found = resolve_chain(index, offset, names)
    if found is None and len(names) > 1:
        found = _unique_method(index, names[-1])
    if found is None:
        return None
    place, callee = found
    shown = _signature(callee, place, via_instance=len(names) > 1 and callee.kind is SymbolKind.METHOD)
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
    place = index.place(offset)
    local = place.local(offset)
    start = place.start
    for stmt in place.unit.statements:
        if stmt.span.start > local:
            break
        start = place.span(stmt.span).start
    return start


def _unique_method(index: FileIndex, name: str) -> tuple[Placed | None, Symbol] | None:
    found = [home for home in index.members_named(name) if home.symbol.kind is SymbolKind.METHOD]
    return (found[0].place, found[0].symbol) if len(found) == 1 else None


def _signature(symbol: Symbol, place: Placed | None, via_instance: bool) -> tuple[str, list[tuple[int, int]]] | None:
    decl = symbol.decl
    text, base = _text_of(symbol, place)
    if isinstance(decl, ast.FnDecl):
        params = decl.params[1:] if via_instance and is_instance_method(decl) else decl.params
        return _label(symbol.name, [_param_text(param, text, base) for param in params])
    if symbol.kind is SymbolKind.STRUCT:
        return _label(symbol.name, [_field_text(member, text, base) for member in struct_fields(symbol)])
    if symbol.kind is SymbolKind.VARIANT and getattr(decl, "fields", None) is not None:
        return _label(f"{symbol.parent.name}.{symbol.name}", [item.name for item in decl.fields])
    written = describe(symbol) if symbol.kind is SymbolKind.BUILTIN else None
    found = re.match(r"([\w.]+)\(([^)]*)\)", written or "")
    if found is None:
        return None
    params = [part.strip(" []") for part in found.group(2).replace("[,", ",").split(",") if part.strip(" []")]
    return _label(found.group(1), params)


def _field_text(member: Symbol, text: str | None, base: int) -> str:
    default = getattr(member.decl, "default", None)
    if default is None:
        return member.name
    shown = text[default.span.start - base:default.span.end - base] if text is not None else "…"
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

def semantic_tokens(index: FileIndex, start: int = 0, end: int | None = None) -> list[SemanticToken]:
    """The names in the units that overlap offsets [start, end] (the whole
    file by default), classified by what they denote; field and method
    names that are not resolved statically are classified by place."""
    end = len(index.text) if end is None else end
    found: list[SemanticToken] = []
    for place in index.analysis.units_between(start, end):
        tokens = unit_tokens(place.unit)
        if place.offset or place.lines:
            tokens = [SemanticToken(place.span(token.span), token.kind, token.modifiers) for token in tokens]
        found += tokens
    return found


def unit_tokens(unit: Unit) -> list[SemanticToken]:
    """A unit's semantic tokens in its frame (cached with the unit)."""
    cached = unit.cache.get("tokens")
    if cached is not None:
        return cached
    found: dict[int, SemanticToken] = {}
    # `import "lib/util.esk"` binds `util` at its string, which stays a string.
    path_strings = set()
    for stmt in unit.statements:
        for node in walk(stmt):
            if isinstance(node, ast.Field):
                found[node.name.span.start] = SemanticToken(node.name.span, SymbolKind.FIELD.value)
            elif isinstance(node, ast.MethodCall):
                found[node.name.span.start] = SemanticToken(node.name.span, SymbolKind.METHOD.value)
            elif isinstance(node, ast.FString):
                for span in _fstring_text_spans(node, unit):
                    found[span.start] = SemanticToken(span, "string")
            elif isinstance(node, ast.Import) and node.path is not None:
                path_strings.add(node.path.span.start)
    # What a name denotes, where it is known, outranks the place it is in.
    named: dict[int, SemanticToken] = {}
    for span, declaration, symbol in unit.table.occurrences(unit.start, unit.end + 1):
        if span.start in path_strings:
            continue
        modifiers = []
        if declaration:
            modifiers.append("declaration")
        if symbol.kind is SymbolKind.CONSTANT:
            modifiers.append("readonly")
        if _is_builtin(symbol):
            modifiers.append("defaultLibrary")
        named.setdefault(span.start, SemanticToken(span, symbol.kind.value, tuple(modifiers)))
    found.update(named)
    tokens = unit.cache["tokens"] = sorted(found.values(), key=lambda token: token.span.start)
    return tokens


def _fstring_text_spans(node: ast.FString, unit: Unit) -> Iterator[Span]:
    """The text of an f-string around its fields (prefix and quotes included),
    one span per line, since a token of the protocol cannot cross lines."""
    source = unit.source("")
    start = node.span.start
    for part in [part for part in node.parts if type(part) is ast.FormatField] + [None]:
        end = node.span.end if part is None else part.span.start
        while start < end:
            line_end = unit.text.find("\n", start - unit.start, end - unit.start)
            stop = end if line_end < 0 else line_end + unit.start
            if stop > start:
                yield source.span(start, stop)
            start = stop + 1 if line_end >= 0 else end
        if part is not None:
            start = part.span.end


def _is_builtin(symbol: Symbol) -> bool:
    while symbol.parent is not None and symbol.scope is None:
        symbol = symbol.parent
    return symbol.scope is not None and symbol.scope.kind == "builtins"


# ------------------------------------------------------- folding, selection

def folding_ranges(index: FileIndex) -> list[Fold]:
    """Blocks, bodies and multi-line literals (strings included); runs of
    comment lines; runs of imports."""
    folds: dict[int, Fold] = {}
    for place in index.units:
        for fold in _unit_folds(place.unit):
            if place.lines:
                fold = Fold(fold.start_line + place.lines, fold.end_line + place.lines, fold.kind)
            folds[fold.start_line] = fold
    imports = [place.span(stmt.span).line for place in index.units if place.parsed.imports_at_top
               for stmt in place.unit.statements if isinstance(stmt, ast.Import)]
    folds.update({fold.start_line: fold for fold in _runs(imports, "imports")})
    return sorted(folds.values(), key=lambda fold: fold.start_line)


def _unit_folds(unit: Unit) -> list[Fold]:
    cached = unit.cache.get("folds")
    if cached is not None:
        return cached
    folds: dict[int, Fold] = {}
    bracketed = (ast.Block, ast.StructDecl, ast.EnumDecl, ast.Match, ast.ArrayExpr, ast.MapExpr, ast.Call,
                 ast.MethodCall, ast.FString)
    for stmt in unit.statements:
        for node in walk(stmt):
            multi_line_string = type(node) is ast.Literal and type(node.value) is str
            if (isinstance(node, bracketed) or multi_line_string) and node.span.end_line - 1 > node.span.line:
                start = node.span.line
                folds[start] = max(folds.get(start, Fold(start, start)), Fold(start, node.span.end_line - 1),
                                   key=lambda fold: fold.end_line)
    lines = sorted(comment.span.line for comment in unit.parsed.comments)
    folds.update({fold.start_line: fold for fold in _runs(lines, "comment")})
    found = unit.cache["folds"] = sorted(folds.values(), key=lambda fold: fold.start_line)
    return found


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
    end = len(index.text)
    lines = index.text.count("\n")
    whole = Span(0, end, 1, 1, lines + 1, end - index.text.rfind("\n") if lines else end + 1)
    result = []
    for offset in offsets:
        place = index.place(offset)
        spans: list[Span] = []
        for node in reversed(path_in_unit(place.unit, place.local(offset))):
            span = place.span(node.span)
            if span.end > span.start and (not spans or spans[-1] != span) and span.contains(spans[-1] if spans
                                                                                             else span):
                spans.append(span)
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
    occurrence = index.occurrence_at(found.span.start)
    if occurrence is None:
        return []
    name = occurrence.symbol.name
    edits = [Edit(item.span, "_" + name) for item in index.occurrences_of(occurrence)]
    return [QuickFix(f"Prefix `{name}` with `_` to mark it unused", edits, found)]


def _missing_arms_fix(index: FileIndex, found: Diagnostic) -> list[QuickFix]:
    place = index.place(found.span.start)
    local = place.local(found.span.start)
    match = next((node for stmt in place.unit.statements for node in walk(stmt)
                  if isinstance(node, ast.Match) and node.span.start == local), None)
    enum = _matched_enum(place, match) if match is not None else None
    if enum is None or not match.arms:
        return []
    arms = []
    for name in found.data.get("missing", []):
        variant = enum.members.get(name)
        fields = getattr(variant.decl, "fields", None) if variant is not None else None
        payload = "" if fields is None else "(" + ", ".join("_" for _ in fields) + ")"
        arms.append(f"{found.data.get('enum', enum.name)}.{name}{payload} => nil")
    last = place.span(match.arms[-1].span).end
    if match.span.line == match.span.end_line:
        text = "".join(", " + arm for arm in arms)
    else:
        line = index.line_text(place.span(match.arms[-1].span).line)
        indent = line[:len(line) - len(line.lstrip())]
        text = "".join("\n" + indent + arm for arm in arms)
    at = place.span(match.arms[-1].span)
    edit = Edit(Span(last, last, at.end_line, at.end_col, at.end_line, at.end_col), text)
    return [QuickFix("Add the missing match arms", [edit], found, True)]


def _matched_enum(place: Placed, match: ast.Match) -> Symbol | None:
    for arm in match.arms:
        for node in walk(arm.pattern):
            if isinstance(node, ast.PVariant):
                variant = place.unit.table.symbol_at(node.variant.span.start)
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
    from .ide_bytecode import bytecode_section  # the compiler is only loaded when bytecode is shown

    found = index.occurrence_at(offset)
    sections = _symbol_sections(index, found) if found is not None else _builtin_method_sections(index, offset)
    code = bytecode_section(index, offset, found)
    if code:
        sections.append(code)
    if not sections:
        return None
    if found is not None:
        return HoverText("\n\n".join(sections), found.span)
    place = index.place(offset)
    path = path_in_unit(place.unit, place.local(offset))
    span = place.span(path[-1].span) if path else Span(offset, offset, 1, 1, 1, 1)
    return HoverText("\n\n".join(sections), span)


def _symbol_sections(index: FileIndex, found: Occurrence) -> list[str]:
    home = index.home_of(found)
    symbol = home.symbol if home is not None else found.symbol
    place = home.place if home is not None else None
    sections = [f"```esker\n{describe(symbol, place)}\n```"]
    if symbol.doc:
        sections.append(symbol.doc.strip())
    if isinstance(symbol.decl, ast.FnDecl) and symbol.decl.params:
        text, base = _text_of(symbol, place)
        shown = ", ".join(f"`{_param_text(param, text, base)}`" for param in symbol.decl.params)
        sections.append(f"Parameters: {shown}")
    if home is not None and home.place is not None and home.span is not None:
        line = home.place.unit.source(index.path).line_text(symbol.span.line).strip()
        if len(line) > 100:
            line = line[:100] + "…"
        sections.append(f"Declared on line {home.span.line}: `{line}`")
    elif home is not None and home.span is not None:
        sections.append(f"Declared in `{_file_name(home.path)}`, line {home.span.line}")
    return sections


def _builtin_method_sections(index: FileIndex, offset: int) -> list[str]:
    """The documentation of a builtin type's method under the cursor (`xs.push`)."""
    entry = _builtin_method_at(index, offset)
    return [] if entry is None else [f"```esker\n{entry.signature}\n```", entry.documentation()]


def builtin_at(index: FileIndex, offset: int) -> Entry | None:
    """The builtin named at `offset`: a function, a namespace or its member,
    or a builtin type's method (see `_builtin_method_at`)."""
    found = index.occurrence_at(offset)
    if found is not None:
        return builtin_entry(found.symbol) if found.symbol.span is None else None
    return _builtin_method_at(index, offset)


def _builtin_method_at(index: FileIndex, offset: int) -> Entry | None:
    """The builtin type's method under the cursor (`xs.push`), when the
    receiver's type is known or only one builtin type has the method."""
    place = index.place(offset)
    path = path_in_unit(place.unit, place.local(offset))
    if len(path) < 2 or not isinstance(path[-2], (ast.Field, ast.MethodCall)) or path[-2].name is not path[-1]:
        return None
    name = path[-1].name
    owners = [type_name for type_name, methods in BUILTIN_METHODS.items() if name in methods]
    known = _receiver_type(index, place, path[-2])
    owner = known if known in owners else owners[0] if len(owners) == 1 and known is None else None
    return None if owner is None else BUILTIN_METHODS[owner][name]


def _receiver_type(index: FileIndex, place: Placed, node: ast.Field | ast.MethodCall) -> str | None:
    """The builtin type of `receiver` in `receiver.name`, when its text tells."""
    receiver = node.obj if isinstance(node, ast.Field) else node.receiver
    if _literal_type(receiver) is not None:
        return _literal_type(receiver)
    named = index.occurrence_at(place.span(receiver.span).start) if isinstance(receiver, ast.Name) else None
    home = index.home_of(named) if named is not None else None
    found = value_type(index, home.place, home.symbol) if home is not None else None
    return found[1] if found is not None and isinstance(found[1], str) else None


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


# ------------------------------------------------------- more navigation

def import_at(index: FileIndex, offset: int) -> tuple[Placed, ast.Import] | None:
    """The import statement whose module path holds `offset`."""
    place = index.place(offset)
    for node in reversed(path_in_unit(place.unit, place.local(offset))):
        if isinstance(node, ast.Import):
            return place, node
    return None


def import_part_target(index: FileIndex, offset: int) -> str | None:
    """The file a part of an import's module path stands for: for the last
    part (or a path import's string), the module; for an earlier part `a` of
    `import a.b`, the module `a.esk` when there is one, else the imported
    module (a folder is not a document)."""
    found = import_at(index, offset)
    if found is None:
        return None
    place, stmt = found
    local = place.local(offset)
    module = _module_symbol(place, stmt)
    target = module.module_path if module is not None else None
    if stmt.path is not None and stmt.path.span.covers(local):
        return target
    for number, part in enumerate(stmt.parts):
        if part.span.covers(local):
            if number == len(stmt.parts) - 1:
                return target
            prefix = index.loader.resolve([p.name for p in stmt.parts[:number + 1]], index.path)
            return prefix or target
    return None


def _module_symbol(place: Placed, stmt: ast.Import) -> Symbol | None:
    symbol = place.unit.table.symbol_at(stmt.bound_name.span.start) if stmt.parts or stmt.path else None
    return symbol if symbol is not None and symbol.kind is SymbolKind.MODULE else None


def declaration(index: FileIndex, offset: int) -> list[Location]:
    """Where the name at `offset` is bound in this file: a module's members
    are declared by the import that binds the module (their definitions are
    in its file); any other name's declaration is its definition."""
    found = index.occurrence_at(offset)
    if found is None:
        return definition(index, offset)
    symbol = found.symbol
    if symbol.module_path is not None and symbol.kind is not SymbolKind.MODULE:
        for module in index.imported_modules():
            if module.module_path == symbol.module_path:
                home = index.home(("top", module.name, _ordinal_of(index, module)))
                if home is not None and home.span is not None:
                    return [Location(None, home.span)]
    return definition(index, offset)


def _ordinal_of(index: FileIndex, module: Symbol) -> int:
    for number, (_, declared) in enumerate(index.analysis.declared.get(module.name, [])):
        home = index.home(("top", module.name, number))
        if home is not None and home.symbol is module:
            return number
    return 0


def type_definition(index: FileIndex, offset: int) -> list[Location]:
    """The struct or enum of the value named at `offset`, when its
    declaration tells (see `value_type`); a type's own name gives the type."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    home = index.home_of(found)
    place, symbol = (home.place, home.symbol) if home is not None else (found.place, found.symbol)
    if symbol.kind in (SymbolKind.STRUCT, SymbolKind.ENUM):
        owner = (place, symbol)
    elif symbol.kind is SymbolKind.VARIANT and symbol.parent is not None:
        owner = (place, symbol.parent)
    else:
        owner = value_type(index, place, symbol)
    if owner is None or not isinstance(owner[1], Symbol) or owner[1].span is None:
        return []
    type_place, struct = owner
    if type_place is None:
        return [Location(struct.module_path, struct.span)] if struct.module_path else []
    return [Location(None, type_place.span(struct.span))]


def implementations(index: FileIndex, offset: int) -> list[Location]:
    """On a struct or enum: its methods. On a method (declared or called):
    every method of that name of the types in reach."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    home = index.home_of(found)
    symbol = home.symbol if home is not None else found.symbol
    if symbol.kind in (SymbolKind.STRUCT, SymbolKind.ENUM):
        methods = [m for m in symbol.members.values() if m.kind is SymbolKind.METHOD and m.span is not None]
        return [_member_location(home, method) for method in methods]
    if symbol.kind is SymbolKind.METHOD:
        found_methods = [Location(None if h.place is not None else h.path, h.span)
                         for h in _methods_named(index, symbol.name) if h.span is not None]
        return sorted(_unique(found_methods), key=lambda place: (place.path or "", place.span.start))
    return []


def _member_location(owner: Home | None, member: Symbol) -> Location:
    if owner is None or owner.place is None:
        return Location(member.module_path, member.span)
    return Location(None, owner.place.span(member.span))


def _methods_named(index: FileIndex, name: str) -> list[Home]:
    """Methods (static or not) called `name` of the types in reach."""
    found = []
    for type_name, ordinal in index._member_index().get(name, ()):
        home = index._top_home(type_name, ordinal)
        member = home.symbol.members.get(name) if home is not None else None
        if member is not None and member.kind is SymbolKind.METHOD:
            found.append(Home(home.place, member))
    for module in index.imported_modules():
        for export in module.members.values():
            member = export.members.get(name) if export.kind in (SymbolKind.STRUCT, SymbolKind.ENUM) else None
            if member is not None and member.kind is SymbolKind.METHOD:
                found.append(Home(None, member, member.module_path))
    return found


@dataclass(frozen=True)
class Link:
    """An import's module path, and the file it names."""

    span: Span
    path: str


def document_links(index: FileIndex) -> list[Link]:
    """A link for each import whose module was found, over its module path."""
    links = []
    for place in index.units:
        if not place.unit.imports:
            continue
        for stmt in place.unit.statements:
            for node in walk(stmt):
                if isinstance(node, ast.Import):
                    module = _module_symbol(place, node)
                    if module is None or module.module_path is None:
                        continue
                    if node.path is not None:
                        span = node.path.span
                    else:
                        span = node.parts[0].span.merge(node.parts[-1].span)
                    links.append(Link(place.span(span), module.module_path))
    return links


# ------------------------------------------------------------ call hierarchy

@dataclass(frozen=True)
class CallItem:
    """A function or method in the call hierarchy, or a file's top-level
    code (kind "module"), and the file it is in."""

    name: str
    kind: str
    path: str
    span: Span
    selection: Span
    detail: str = ""


def call_item(index: FileIndex, offset: int) -> CallItem | None:
    """The function or method declared or called at `offset`."""
    found = index.occurrence_at(offset)
    if found is None:
        return None
    home = index.home_of(found)
    if home is None or not isinstance(home.symbol.decl, ast.FnDecl) or home.span is None:
        return None
    decl = home.symbol.decl
    if home.place is None:
        return CallItem(home.symbol.name, home.symbol.kind.value, home.path, home.span, home.span,
                        describe(home.symbol))
    return CallItem(home.symbol.name, home.symbol.kind.value, index.path, home.place.span(decl.span), home.span,
                    describe(home.symbol, home.place))


def incoming_calls(index: FileIndex, offset: int, others: Iterable[FileIndex] = ()
                   ) -> list[tuple[FileIndex, CallItem, list[Span]]]:
    """The functions (or top-level code) that call the function declared at
    `offset` (the declaration's name), in this file and in `others`, each
    with the places of its calls."""
    found = index.occurrence_at(offset)
    if found is None:
        return []
    calls: dict[tuple[str, int], tuple[FileIndex, CallItem, list[Span]]] = {}
    for where, item in _occurrences_everywhere(index, found, others):
        if item.declaration or not _is_called(item):
            continue
        caller = _enclosing_function(where, item)
        key = (where.path, caller.span.start)
        calls.setdefault(key, (where, caller, []))[2].append(item.span)
    return list(calls.values())


def _is_called(item: Occurrence) -> bool:
    """Whether an occurrence is the callee of a call (`f(x)`, `m.f(x)`)."""
    path = path_in_unit(item.place.unit, item.place.local(item.span.start))
    for parent, child in zip(reversed(path[:-1]), reversed(path[1:])):
        if isinstance(parent, ast.Call):
            return parent.callee is child
        if isinstance(parent, ast.MethodCall):
            return parent.name is child
        if not isinstance(parent, ast.Field):
            return False
    return False


def _enclosing_function(index: FileIndex, item: Occurrence) -> CallItem:
    place = item.place
    path = path_in_unit(place.unit, place.local(item.span.start))
    for node in reversed(path):
        if isinstance(node, ast.FnDecl):
            owner = next((n for n in reversed(path) if isinstance(n, (ast.StructDecl, ast.EnumDecl))), None)
            kind = SymbolKind.METHOD.value if owner is not None and node in owner.methods else \
                SymbolKind.FUNCTION.value
            name = f"{owner.name.name}.{node.name.name}" if kind == SymbolKind.METHOD.value else node.name.name
            return CallItem(name, kind, index.path, place.span(node.span), place.span(node.name.span))
    start = Span(0, 0, 1, 1, 1, 1)
    return CallItem(f"<module {_file_name(index.path)}>", SymbolKind.MODULE.value, index.path, start, start)


def outgoing_calls(index: FileIndex, offset: int) -> list[tuple[CallItem, list[Span]]]:
    """The functions and methods that the function declared at `offset`
    calls (those that resolve statically), each with the places of the calls."""
    found = index.occurrence_at(offset)
    if found is None or not isinstance(found.symbol.decl, ast.FnDecl) or not found.declaration:
        return []
    place = found.place
    decl = found.symbol.decl
    calls: dict[tuple[str | None, int], tuple[CallItem, list[Span]]] = {}
    for node in walk(decl.body):
        name = node.callee if isinstance(node, ast.Call) else node.name if isinstance(node, ast.MethodCall) else None
        if isinstance(name, ast.Field):
            name = name.name
        if not isinstance(name, (ast.Name, ast.Ident)):
            continue
        target = call_item(index, place.span(name.span).start)
        if target is not None:
            calls.setdefault((target.path, target.span.start), (target, []))[1].append(place.span(name.span))
    return list(calls.values())
