"""The `esker` command: run, check, dis, compile, repl and fmt.

Each subcommand is a small function over the analysis API and the engines;
this module only parses arguments, prints, and chooses exit statuses:
0 success, 1 an uncaught runtime error (`run`) or reported errors (`check`),
2 compile errors that kept a program from running or bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .analysis import Analysis, FileReport, analyze, check_program, read_source
from .deep import call_with_deep_stack
from .diagnostics import Diagnostic, Severity
from .modules import ModuleLoader
from .source import SourceText

ENGINES = ("vm", "tree")
DEFAULT_ENGINE = "vm"


def main(argv: list[str] | None = None) -> int:
    parser = _argument_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help(sys.stderr)
        return 2
    try:
        status = call_with_deep_stack(lambda: args.command(args))
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader went away (e.g. `esker run x.esk | head`): not an error of ours.
        sys.stderr.close()
        status = 0
    _flush()
    return status


def _flush() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="esker", description="The Esker language toolchain.")
    commands = parser.add_subparsers(metavar="COMMAND")

    run = commands.add_parser("run", help="run a program (.esk source or .eskc bytecode)")
    run.add_argument("file")
    run.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                     help="vm: the register VM (default); tree: the reference tree-walker")
    run.set_defaults(command=command_run)

    check = commands.add_parser("check", help="report diagnostics without running anything")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print diagnostics as JSON for tools")
    check.set_defaults(command=command_check)

    repl = commands.add_parser("repl", help="an interactive session")
    repl.set_defaults(command=command_repl)

    return parser


# ----------------------------------------------------------------- printing

def print_diagnostics(report: FileReport, stream, *, show_source: bool) -> None:
    """`FILE:LINE:COL: SEVERITY[CODE]: MESSAGE`, with the source line and a
    caret under the span when a person is reading (a terminal)."""
    for item in report.diagnostics:
        print(item.format(report.path), file=stream)
        if show_source and report.source is not None:
            print(_excerpt(report.source, item), file=stream)


def _excerpt(source: SourceText, item: Diagnostic) -> str:
    line = item.span.line
    text = source.line_text(line).replace("\t", " ")
    width = item.span.end_col - item.span.col if item.span.end_line == line else len(text) - item.span.col + 1
    gutter = f"{line:>5} | "
    marker = " " * (len(gutter) - 2) + "| " + " " * (item.span.col - 1) + "^" * max(1, width)
    return f"{gutter}{text}\n{marker}"


def diagnostic_json(path: str, item: Diagnostic) -> dict:
    span = item.span
    return {
        "file": path, "code": item.code, "severity": item.severity.label, "message": item.message,
        "line": span.line, "column": span.col, "end_line": span.end_line, "end_column": span.end_col,
        "related": [{"file": r.path or path, "line": r.span.line, "column": r.span.col, "message": r.message}
                    for r in item.related],
        "tags": [tag.value for tag in item.tags],
    }


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# ----------------------------------------------------------------- commands

def command_check(args) -> int:
    loader = ModuleLoader()
    all_items: list[dict] = []
    any_error = False
    for path in args.files:
        text, problem = read_source(path)
        if problem is not None:
            report = FileReport(path, [problem], None)
        else:
            result = analyze(text, path, loader)
            report = FileReport(path, result.diagnostics, result.source)
        any_error |= any(d.severity == Severity.ERROR for d in report.diagnostics)
        if args.json:
            all_items.extend(diagnostic_json(path, d) for d in report.diagnostics)
        else:
            print_diagnostics(report, sys.stdout, show_source=_is_terminal(sys.stdout))
    if args.json:
        json.dump(all_items, sys.stdout, indent=2)
        print()
    return 1 if any_error else 0


def command_run(args) -> int:
    if not os.path.isfile(args.file):
        print(f"esker: cannot open {args.file}: no such file", file=sys.stderr)
        return 2
    loader = ModuleLoader()
    reports = check_program(args.file, loader)
    broken = [r for r in reports if any(d.severity == Severity.ERROR for d in r.diagnostics)]
    if broken:
        for report in broken:
            errors = FileReport(report.path, [d for d in report.diagnostics if d.severity == Severity.ERROR],
                                report.source, report.analysis)
            print_diagnostics(errors, sys.stderr, show_source=_is_terminal(sys.stderr))
        return 2
    return run_analysis(reports[0].analysis, loader, args.engine)


def command_repl(args) -> int:
    from .repl import run

    return run()


def run_analysis(result: Analysis, loader: ModuleLoader, engine: str) -> int:
    """Run an error-free analysed program on an engine; the exit status."""
    from .runtime.errors import EskerError, format_uncaught

    try:
        if engine == "tree":
            from .interpreter import Interpreter

            Interpreter(loader=loader).run_program(result.program, result.source)
        else:
            from .compiler import compile_program
            from .machine import VM

            VM(loader=loader).run_main(compile_program(result.program, result.source), result.path)
    except EskerError as error:
        _flush()
        print(format_uncaught(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
