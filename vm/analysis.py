"""The analysis API (contract 1): source text in; syntax tree, diagnostics,
symbols and, where the code compiles, bytecode out.

`esker check`, `esker run`, the language server and the debugger all go
through `analyze`, so they report the same diagnostics for the same text.
Nothing here runs user code. Imports are resolved through a `ModuleLoader`
the caller may replace (the language server's prefers open editor buffers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import ast, diagnostics as diag
from .checker import check
from .diagnostics import Diagnostic, Severity
from .modules import ModuleLoader, module_identity
from .parser import parse
from .source import SourceText, Span, decode_source
from .suppressions import without_ignored
from .symbols import SymbolTable


@dataclass
class Analysis:
    path: str
    source: SourceText
    program: ast.Program
    diagnostics: list[Diagnostic]
    symbols: SymbolTable
    #: Absolute paths of the modules this file imports (resolved ones only).
    imports: list[str] = field(default_factory=list)
    #: The compiled module, when `compile=True` was asked and the file has no errors.
    proto: object | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == Severity.ERROR]


def analyze(text: str, path: str, loader: ModuleLoader | None = None, *,
            compile: bool = False) -> Analysis:
    """Parse, check and optionally compile one file's text."""
    parsed = parse(text, path)
    return analyze_parsed(parsed.program, parsed.source, parsed.diagnostics, loader, compile=compile)


def analyze_parsed(program: ast.Program, source: SourceText, syntax: list[Diagnostic],
                   loader: ModuleLoader | None = None, *, compile: bool = False) -> Analysis:
    """`analyze` for a program already parsed (with its syntax diagnostics),
    e.g. by the language server's incremental re-parse."""
    checked = check(program, source, loader or ModuleLoader())
    found = sorted(without_ignored(syntax + checked.diagnostics, program.comments),
                   key=lambda d: (d.span.start, d.severity, d.code))
    result = Analysis(source.path, source, program, found, checked.symbols, list(checked.imports))
    if compile and not result.errors:
        result.proto = compile_module(result)
    return result


def compile_module(result: Analysis):
    """Compile an analysed file that has no errors to its module proto."""
    from .compiler import compile_program  # the compiler is only needed by callers that run code

    return compile_program(result.program, result.source)


def read_source(path: str) -> tuple[str | None, Diagnostic | None]:
    """A file's text, or an E0008 diagnostic saying why it is not Esker source."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return None, diag.make("E0008", Span(0, 0, 1, 1, 1, 1), f"cannot read file: {error.strerror or error}")
    text, problem = decode_source(data)
    if problem is not None:
        where = Span(0, 0, problem.line, problem.col, problem.line, problem.col)
        return None, diag.make("E0008", where, problem.message)
    return text, None


@dataclass
class FileReport:
    """Diagnostics of one file of a program (the main file or one it imports)."""

    path: str
    diagnostics: list[Diagnostic]
    source: SourceText | None
    #: The file's analysis; None when it could not be read as source.
    analysis: Analysis | None = None


def check_program(path: str, loader: ModuleLoader | None = None) -> list[FileReport]:
    """Check a file and every module it imports, transitively.

    Used by `esker run` (which refuses to run a program with errors in any of
    its files) and `esker check`. The main file comes first.
    """
    loader = loader or ModuleLoader()
    reports: list[FileReport] = []
    pending = [module_identity(path)]
    seen: set[str] = set()
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        # The main file keeps the path the user gave (it appears in messages
        # and traces); imported files are shown relative to the working folder.
        shown = path if not reports else os.path.relpath(current)
        if current in loader.overrides:
            text, problem = loader.overrides[current], None
        else:
            text, problem = read_source(current)
        if problem is not None:
            reports.append(FileReport(shown, [problem], None))
            continue
        result = analyze(text, path if not reports else current, loader)
        reports.append(FileReport(shown, result.diagnostics, result.source, result))
        pending.extend(result.imports)
    return reports
