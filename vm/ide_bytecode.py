"""What editors show of compiled code: hover bytecode, the `esker dis`
listing mapped to the source, code lenses and register inlay hints.

Each unit of a file is compiled on its own, in the stub program it was
checked in (the other top-level statements reduced to what it can see of
them), and the result is kept with the unit until it changes: a function's
code is the same as in the whole file's compilation (a test holds the
compiler to that), so editing one function never recompiles the others.
Code at the top level is numbered (constants, nested functions) as in its
own unit; the whole file's listing numbers it across the module.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import get_args

from . import ast
from .checker import check
from .compiler import CompileError, compile_program
from .diagnostics import Diagnostic, Severity
from .disassembler import Options, format_proto
from .ide import FileIndex, Occurrence, functions, path_in_unit
from .ide_hints import hints_between
from .incremental import Placed, Unit, moved, stub
from .modules import ModuleLoader
from .proto import FAR_BASE, Proto
from .source import SourceText, Span
from .symbols import SymbolKind

_STATEMENTS = tuple(kind for kind in get_args(ast.Stmt) if kind is not ast.Block)

#: Instructions a hover shows for the code under the cursor, and for a function's name.
PLACE_LINES = 12
FUNCTION_LINES = 40

#: One compilation at a time: two queries asking for the same unit share its result.
_compiling = threading.RLock()


@dataclass
class CompiledFunction:
    """One compiled function, with its `esker dis` listing."""

    name: str
    proto: Proto
    #: The FnDecl or FnExpr it was compiled from; None for top-level code.
    node: ast.Node | None
    header: list[str]
    #: The listing line of each instruction, by pc.
    lines: list[str]

    def holds(self, start: int, end: int) -> bool:
        if self.node is not None:
            return self.node.span.start <= start and end <= self.node.span.end
        return any(span is not None and span.start <= start and end <= span.end for span in self.proto.spans)

    @property
    def size(self) -> int:
        return self.node.span.end - self.node.span.start if self.node is not None else 1 << 62


@dataclass
class Bytecode:
    """Compiled functions in source order (a function before the functions
    it contains), in the frame of the unit (or file) they come from."""

    functions: list[CompiledFunction]
    #: Why some code is not compiled (errors), or None.
    note: str | None = None

    def innermost(self, start: int, end: int | None = None) -> CompiledFunction | None:
        """The smallest compiled function whose source holds [start, end]
        (top-level code when no function does)."""
        end = start if end is None else end
        holding = [f for f in self.functions if f.node is not None and f.holds(start, end)]
        if holding:
            return min(holding, key=lambda f: f.size)
        return next((f for f in self.functions if f.node is None and f.holds(start, end)), None)

    def of(self, node: ast.Node) -> CompiledFunction | None:
        return next((f for f in self.functions if f.node is node), None)


# ------------------------------------------------------------------ compiling

def unit_code(index: FileIndex, place: Placed) -> Bytecode:
    """The compiled functions of a unit, in its frame (compiled once per unit)."""
    unit = place.unit
    found = unit.cache.get("code")
    if found is None:
        with _compiling:
            found = unit.cache.get("code")
            if found is None:
                found = unit.cache["code"] = compile_unit(unit, index.path, index.loader)
    return found


def compile_unit(unit: Unit, path: str, loader: ModuleLoader) -> Bytecode:
    """Compile what can be compiled of a unit: all of it when it has no
    errors, else every function whose code has none (the unit is checked
    again without the broken parts, so a function that calls a broken one
    is left out too)."""
    errors = [d for d in unit.diagnostics if d.severity == Severity.ERROR]
    program, stubs = (unit.program, set()) if not errors else _compilable_part(unit, errors, path, loader)
    note = "This code has errors: only the functions without errors are compiled." if errors else None
    if program is None:
        return Bytecode([], note)
    try:
        module = compile_program(program, unit.source(path))
    except CompileError as error:
        return Bytecode([], f"The compiler stopped: {error}")
    by_span = {(node.span.start, node.span.end): node for stmt in unit.statements for node in functions(stmt)}
    compiled = []
    for proto in module.walk():
        if proto is module:
            if any(not isinstance(stmt, (ast.FnDecl, ast.StructDecl, ast.EnumDecl)) for stmt in unit.statements) \
                    and not errors:
                compiled.append(_listed(proto, None))
            continue
        key = (proto.span.start, proto.span.end) if proto.span is not None else None
        node = by_span.get(key) if key not in stubs else None
        if node is not None:
            compiled.append(_listed(proto, node))
    compiled.sort(key=lambda f: (f.node.span.start, -f.node.span.end) if f.node is not None else (-1, 0))
    return Bytecode(compiled, note)


def _listed(proto: Proto, node: ast.Node | None) -> CompiledFunction:
    lines = format_proto(proto, Options(recursive=False, details=False)).rstrip("\n").split("\n")
    split = len(lines) - len(proto.code)
    return CompiledFunction(proto.display_name, proto, node, lines[:split], lines[split:])


def _compilable_part(unit: Unit, errors: list[Diagnostic], path: str,
                     loader: ModuleLoader) -> tuple[ast.Program | None, set]:
    """The unit's stub program without its broken parts, checked again until
    it has no errors in the unit: declarations with errors inside become
    empty stubs (so calls to them still resolve), other broken statements
    are dropped. Also the spans of the stubs, whose code is not worth showing."""
    broken = [d.span for d in errors]
    mine = {id(stmt) for stmt in unit.statements}
    for _ in range(4):
        stubs: set[tuple[int, int]] = set()
        body = []
        for stmt in unit.program.body:
            kept = _without_errors(stmt, broken, stubs) if id(stmt) in mine else stmt
            if kept is not None:
                body.append(kept)
        candidate = ast.Program(unit.program.span, body, unit.program.comments)
        found = [d.span for d in check(candidate, unit.source(path), loader).diagnostics
                 if d.severity == Severity.ERROR and unit.start <= d.span.start < unit.end]
        if not found:
            return candidate, stubs
        broken += found
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
    return stub(decl)


def whole_file_code(index: FileIndex) -> Bytecode:
    """The whole file compiled as `esker dis` compiles it (what a complete
    listing shows); costs as much as the file is long, so built once per
    version, on demand."""
    with _compiling:
        if index.whole_code is None:
            index.whole_code = _compile_file(index)
        return index.whole_code


def _compile_file(index: FileIndex) -> Bytecode:
    if index.analysis.errors:
        return Bytecode([f for place in index.units for f in _placed_functions(index, place)],
                        "This file has errors: only the functions without errors are compiled.")
    program = index.program
    try:
        module = compile_program(program, SourceText(index.text, index.path))
    except CompileError as error:
        return Bytecode([], f"The compiler stopped: {error}")
    by_span = {(node.span.start, node.span.end): node for node in functions(program)}
    compiled = [_listed(module, None)]
    for proto in module.walk():
        key = (proto.span.start, proto.span.end) if proto.span is not None else None
        if proto is not module and key in by_span:
            compiled.append(_listed(proto, by_span[key]))
    compiled.sort(key=lambda f: (f.node.span.start, -f.node.span.end) if f.node is not None else (-1, 0))
    return Bytecode(compiled)


def _placed_functions(index: FileIndex, place: Placed) -> list[CompiledFunction]:
    """A unit's compiled functions, where they are now (its top-level code
    left out: it is numbered within the unit)."""
    code = unit_code(index, place)
    if not place.offset and not place.lines:
        return [f for f in code.functions if f.node is not None]
    return [CompiledFunction(f.name, f.proto, moved(f.node, place.offset, place.lines), f.header, f.lines)
            for f in code.functions if f.node is not None]


# ---------------------------------------------------------------------- hover

def bytecode_section(index: FileIndex, offset: int, found: Occurrence | None) -> str | None:
    """The hover's bytecode: a function's listing on its name, else the
    instructions compiled from the code under the cursor."""
    place = index.place(offset)
    local = place.local(offset)
    code = unit_code(index, place)
    decl = found.symbol.decl if found is not None and found.declaration else None
    if isinstance(decl, ast.FnDecl) and place.span(decl.name.span) == found.span:
        function = code.of(decl)
        if function is None:
            return _not_compiled(code, found.symbol.name)
        return _code_block(f"Bytecode of `{function.name}`", function.header + function.lines, FUNCTION_LINES)
    path = path_in_unit(place.unit, local)
    keyword = _keyword_node(place.unit, path, local)
    if keyword is not None:
        return _keyword_section(code, keyword)
    function = code.innermost(local)
    if function is None:
        return _not_compiled(code, None) if any(isinstance(node, (ast.FnDecl, ast.FnExpr)) for node in path) \
            else None
    # Instructions of the statement around the cursor, not those of the
    # loops and blocks that enclose it.
    statement = next((node for node in reversed(path) if isinstance(node, _STATEMENTS)), None)
    if statement is None:
        return None
    here = [line for line, span in zip(function.lines, function.proto.spans)
            if span is not None and span.start <= local < span.end and statement.span.contains(span)]
    if not here:
        return None
    return _code_block(f"Bytecode of this code in `{function.name}`", here, PLACE_LINES)


#: The keywords whose hover shows the code of their statement or expression.
_KEYWORD_NODES = {"let": ast.Let, "const": ast.Let, "if": ast.If, "else": ast.If, "while": ast.While,
                  "for": ast.For, "match": ast.Match, "return": ast.Return, "fn": ast.FnExpr}
_WORD = re.compile(r"\w*")
_WORD_END = re.compile(r"\w+\Z")


def _keyword_node(unit: Unit, path: list[ast.Node], local: int) -> ast.Node | None:
    """The statement or expression whose keyword is under the cursor (the
    cursor is on no part of it but its own words)."""
    if not path:
        return None
    text, at = unit.text, local - unit.start
    before = _WORD_END.search(text, 0, at)
    after = _WORD.match(text, at)
    word = (before.group() if before else "") + (after.group() if after else "")
    kind = _KEYWORD_NODES.get(word)
    node = path[-1]
    if kind is None or not isinstance(node, kind):
        return None
    return node


def _keyword_section(code: Bytecode, node: ast.Node) -> str:
    """The instructions compiled from a keyword's statement (a loop's or a
    branch's own, not those of the blocks it runs), or for `fn` the
    `CLOSURE` instruction and the closure's listing."""
    if isinstance(node, ast.FnExpr):
        return _closure_section(code, node)
    holding = [f for f in code.functions if f.node is not None and f.holds(node.span.start, node.span.end)]
    function = min(holding, key=lambda f: f.size) if holding else \
        next((f for f in code.functions if f.node is None), None)
    if function is None:
        return _not_compiled(code, None)
    inner = _inner_blocks(node)
    # Empty spans mark code the compiler adds (a module's final RETURN0).
    here = [line for line, span in zip(function.lines, function.proto.spans)
            if span is not None and span.end > span.start and node.span.contains(span)
            and not any(block.contains(span) for block in inner)]
    if not here:
        return f"*No instructions: `{_word_of(node)}` here compiles to nothing of its own.*"
    return _code_block(f"Bytecode of this `{_word_of(node)}` in `{function.name}`", here, PLACE_LINES)


def _word_of(node: ast.Node) -> str:
    return next(word for word, kind in _KEYWORD_NODES.items() if isinstance(node, kind))


def _inner_blocks(node: ast.Node) -> list[Span]:
    """The spans of the code a statement runs but that is not its own: the
    blocks of `if`, loops and match arms."""
    if isinstance(node, ast.If):
        return [node.then.span] + ([node.orelse.span] if node.orelse is not None else [])
    if isinstance(node, (ast.While, ast.For)):
        return [node.body.span]
    if isinstance(node, ast.Match):
        return [arm.body.span for arm in node.arms]
    return []


def _closure_section(code: Bytecode, node: ast.FnExpr) -> str:
    closure = code.of(node)
    holding = [f for f in code.functions if f is not closure and f.holds(node.span.start, node.span.end)]
    outer = min(holding, key=lambda f: f.size) if holding else None
    if closure is None or outer is None:
        return _not_compiled(code, None)
    made = [line for line, span in zip(outer.lines, outer.proto.spans)
            if _opname(line) == "CLOSURE" and span is not None and node.span.contains(span)]
    return "\n\n".join([_code_block(f"Bytecode of this closure in `{outer.name}`", made, PLACE_LINES),
                        _code_block(f"Bytecode of the closure `{closure.name}`", closure.header + closure.lines,
                                    FUNCTION_LINES)])


def _not_compiled(code: Bytecode, name: str | None) -> str:
    if code.note and not code.note.startswith("This code has errors"):
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
    if start is not None:
        place = index.place(start)
        local_start, local_end = place.local(start), place.local(end if end is not None else start)
        code = unit_code(index, place)
        around = code.innermost(local_start, local_end)
        if around is not None and around.node is not None:
            chosen = [f for f in code.functions if f.node is not None and around.node.span.contains(f.node.span)]
            missing = [item for item in uncompiled(index) if place.span(around.node.span).contains(item.span)]
            return _listing(chosen, code.note, place.span, None, python, missing)
    code = whole_file_code(index)
    missing = uncompiled(index)
    if start is not None and code.innermost(start, end) is None:
        here = [item for item in missing if item.span.start <= start <= item.span.end]
        return Listing("", [], code.note or "There is no compiled function here.", here[-1:])
    return _listing(code.functions, code.note, lambda span: span, _whole_span(index), python, missing)


def _whole_span(index: FileIndex) -> Span:
    return index.program.span


def _listing(chosen: list[CompiledFunction], note: str | None, where, module_span: Span | None, python: bool,
             missing: list[Uncompiled]) -> Listing:
    lines: list[str] = []
    listed = []
    for function in chosen:
        if lines:
            lines.append("")
        first = len(lines)
        instructions = _python_lines(function, lines, where) if python else _bytecode_lines(function, lines, where)
        span = where(function.node.span) if function.node is not None else module_span
        listed.append(ListedFunction(function.name, span, first, len(lines), instructions))
    if not listed:
        return Listing("", [], note or "Nothing in this file compiles.", missing)
    return Listing("\n".join(lines) + "\n", listed, note, missing)


def uncompiled(index: FileIndex) -> list[Uncompiled]:
    """The module's top-level code if it is not compiled, then, in source
    order, each function that is not compiled while the function around it
    is, with the first error that keeps it out."""
    errors = sorted(index.analysis.errors, key=lambda d: d.span.start)
    found = []
    if errors:
        first = _first_error(errors, index.program)
        found.append(Uncompiled("<module>", index.program.span,
                                f"top-level code is compiled only when the file has no errors ({first})"))
    left_out: list[ast.Node] = []
    for place in index.units:
        code = unit_code(index, place)
        for stmt in place.unit.statements:
            for node in functions(stmt):
                if code.of(node) is not None or any(outer.span.contains(node.span) for outer in left_out):
                    continue
                left_out.append(node)
                span = place.span(node.span)
                if first := _first_error(errors, node, place):
                    reason = first
                elif first := _first_error(errors, stmt, place):
                    reason = f"the statement around it has errors ({first})"
                else:
                    reason = "it uses code that has errors" if errors else code.note or "it did not compile"
                found.append(Uncompiled(_function_name(node, span), span, reason))
    return found


def _first_error(errors: list[Diagnostic], node: ast.Node, place: Placed | None = None) -> str | None:
    """`line N: MESSAGE` of the first error inside `node`, and how many more there are."""
    span = place.span(node.span) if place is not None else node.span
    inside = [d for d in errors if span.start <= d.span.start <= span.end]
    if not inside:
        return None
    more = f" (and {len(inside) - 1} more)" if len(inside) > 1 else ""
    return f"line {inside[0].span.line}: {inside[0].message}{more}"


def _function_name(node: ast.Node, span: Span) -> str:
    name = getattr(node, "name", None)
    return name.name if isinstance(name, ast.Ident) else f"<fn> at line {span.line}"


def _bytecode_lines(function: CompiledFunction, lines: list[str], where) -> list[ListedInstruction]:
    """Appends a function's `esker dis` section; its instructions."""
    lines += function.header
    instructions = []
    for pc, line in enumerate(function.lines):
        span = function.proto.spans[pc] if pc < len(function.proto.spans) else None
        instructions.append(ListedInstruction(pc, _opname(line), _instruction_text(line),
                                              where(span) if span is not None else None, len(lines)))
        lines.append(line)
    return instructions


def _python_lines(function: CompiledFunction, lines: list[str], where) -> list[ListedInstruction]:
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
            span = proto.spans[pc] if pc < len(proto.spans) else None
            instructions.append(ListedInstruction(pc, OPCODES[opcode_of(proto.code[pc])].name, line.strip(),
                                                  where(span) if span is not None else None, len(lines)))
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


def code_lenses(index: FileIndex, counted: bool = True) -> list[Lens]:
    """A lens for each top-level function and each method. Without
    `counted`, the instruction counts are left out (None) and nothing is
    compiled: `lens_count` gives a lens's count when it is shown."""
    lenses = []
    for place in index.units:
        code = unit_code(index, place) if counted else None
        for stmt in place.unit.statements:
            declared = [stmt] if isinstance(stmt, ast.FnDecl) else list(getattr(stmt, "methods", []))
            for decl in declared:
                if not isinstance(decl, ast.FnDecl):
                    continue
                compiled = code.of(decl) if code is not None else None
                runnable = decl is stmt and all(p.default is not None or p.rest for p in decl.params)
                lenses.append(Lens(place.span(decl.span), decl.name.name, runnable,
                                   len(compiled.proto.code) if compiled is not None else None))
    return lenses


def lens_count(index: FileIndex, offset: int) -> int | None:
    """The instruction count of the function declared at `offset` (None: not compiled)."""
    place = index.place(offset)
    local = place.local(offset)
    code = unit_code(index, place)
    for stmt in place.unit.statements:
        for decl in [stmt] + list(getattr(stmt, "methods", [])):
            if isinstance(decl, ast.FnDecl) and decl.span.start == local:
                compiled = code.of(decl)
                return len(compiled.proto.code) if compiled is not None else None
    return None


@dataclass(frozen=True)
class RegisterHint:
    """`label` (e.g. `‹r3›`) to show after the name declared at `offset`."""

    offset: int
    label: str
    tooltip: str


def register_hints(index: FileIndex, start: int, end: int) -> list[RegisterHint]:
    """The register each local variable and parameter lives in, shown after
    its declaration, for declarations within [start, end]."""
    return hints_between(index, start, end, _unit_register_hints)


def _unit_register_hints(index: FileIndex, place: Placed) -> list[RegisterHint]:
    unit = place.unit
    cached = unit.cache.get("registers")
    if cached is not None:
        return cached
    code = unit_code(index, place)
    hints = []
    for function in code.functions:
        declared = _declared_locals(unit, function, code)
        for name, spans in declared.items():
            records = sorted((r for r in function.proto.locals if r.name == name), key=lambda r: r.start_pc)
            if len(records) != len(spans):
                continue  # cannot pair them up with certainty
            for span, record in zip(spans, records):
                hints.append(_register_hint(span, record, function))
    unit.cache["registers"] = hints
    return hints


def _declared_locals(unit: Unit, function: CompiledFunction, code: Bytecode) -> dict[str, list[Span]]:
    """Spans of the variables and parameters declared directly in `function`,
    by name, in source order."""
    found: dict[str, list[Span]] = {}
    for symbol in unit.table.symbols:
        if symbol.kind not in (SymbolKind.VARIABLE, SymbolKind.CONSTANT, SymbolKind.PARAMETER) or symbol.span is None:
            continue
        if not unit.start <= symbol.span.start < unit.end:
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
