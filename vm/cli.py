"""The `esker` command: run, check, dis, compile, repl and fmt.

Each subcommand is a small function over the analysis API and the engines;
this module only parses arguments, prints, and chooses exit statuses:
0 success, 1 an uncaught runtime error (`run`) or reported errors (`check`),
2 compile errors that kept a program from running or bad usage.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from .analysis import Analysis, FileReport, analyze, check_program, read_source
from .deep import call_with_deep_stack
from .diagnostics import Diagnostic, Severity
from .modules import ModuleLoader
from .source import SourceText

ENGINES = ("vm", "tree")
TIERS = ("auto", "vm")
SOURCE_SUFFIX = ".esk"
BYTECODE_SUFFIX = ".eskc"
DEFAULT_ENGINE = "vm"


def main(argv: list[str] | None = None) -> int:
    parser = _argument_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"esker {__version__}")
        return 0
    if not hasattr(args, "command"):
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command is command_repl:  # Ctrl-C belongs to the session, which runs on this thread
            status = command_repl(args)
        elif args.command is command_run:
            with _interrupts_stopping() as interrupts:
                args.interrupts = interrupts
                status = call_with_deep_stack(lambda: args.command(args))
        else:
            status = call_with_deep_stack(lambda: args.command(args))
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader went away (e.g. `esker run x.esk | head`): not an error of ours.
        sys.stderr.close()
        status = 0
    _flush()
    return status


class Interrupts:
    """Ctrl-C (SIGINT) while `esker run` runs a program, which runs on a
    thread of its own while this one waits: the first asks the engine to stop
    at its next call or loop iteration, as Ctrl-C stops a REPL entry (its
    `finally` blocks run, then it ends with the KeyboardInterrupt report and
    status 130); a second one, or one before the program has started, ends
    the process at once with status 130, as the signal would."""

    def __init__(self):
        #: The engine running the program (set once it exists), whose `stop()` is asked.
        self.engine = None
        self.asked = False

    def __call__(self, number, frame) -> None:
        if self.engine is not None and not self.asked:
            self.asked = True
            self.engine.stop()
            return
        from .runtime.errors import INTERRUPTED

        # Nothing waits for the program's thread: it may hold the streams' locks.
        os.write(sys.stderr.fileno(), (INTERRUPTED + "\n").encode())
        os._exit(130)


@contextmanager
def _interrupts_stopping():
    """Ctrl-C handled by an `Interrupts` while the block runs (on the main
    thread; elsewhere Ctrl-C keeps its usual meaning)."""
    interrupts = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    previous = signal.signal(signal.SIGINT, interrupts)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, previous)


def _flush() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # What is still buffered has no reader; Python must not try again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _ArgumentParser(argparse.ArgumentParser):
    """argparse's parser with its help laid out for the terminal's width,
    read as `shutil.get_terminal_size` reads it: argparse would import shutil
    (and the compression modules shutil imports) to ask, for every option
    declared, which costs every start about 2 ms."""

    def __init__(self, **options):
        super().__init__(formatter_class=_help_formatter, **options)


def _help_formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=_terminal_columns() - 2)


def _terminal_columns() -> int:
    """$COLUMNS, else the width of the terminal on standard output, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def _argument_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="esker", description="The Esker language toolchain.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    _tier_options(parser, argparse.SUPPRESS)
    parser.set_defaults(tier="auto", tier_threshold=None)
    commands = parser.add_subparsers(metavar="COMMAND")

    run = commands.add_parser("run", help="run a program (.esk source or .eskc bytecode)",
                              usage="esker run [options] FILE [ARGS...]")
    run.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                     help="vm: the register VM (default); tree: the reference tree-walker")
    run.add_argument("--max-depth", metavar="N",
                     help="the most nested calls before StackOverflow (default: $ESKER_MAX_DEPTH, else the "
                          "engine's own limit; the tree-walker never goes past its own)")
    _tier_options(run, argparse.SUPPRESS)
    run.add_argument("file")
    run.add_argument("program_args", nargs=argparse.REMAINDER, metavar="ARGS",
                     help="the program's arguments (sys.args); everything after FILE is the program's")
    run.set_defaults(command=command_run)

    check = commands.add_parser("check", help="report diagnostics without running anything")
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="an .esk file, or a directory: every .esk file under it")
    check.add_argument("--json", action="store_true", help="print diagnostics as JSON for tools")
    check.set_defaults(command=command_check)

    dis = commands.add_parser("dis", help="show the bytecode a program compiles to")
    dis.add_argument("file", help=".esk source or .eskc bytecode")
    dis.add_argument("--json", action="store_true", help="print the proto tree as JSON for tools")
    dis.add_argument("--no-source", action="store_true", help="do not show source lines beside the code")
    dis.add_argument("--python", action="store_true",
                     help="show the Python each function compiles to in the tier, lines marked with their pcs")
    dis.add_argument("--function", metavar="NAME",
                     help="only the functions named NAME (Point.norm; <module>: the top level), "
                          "in the listing, --json or --python")
    dis.set_defaults(command=command_dis)

    compile_ = commands.add_parser("compile", help="compile a program to a bytecode file")
    compile_.add_argument("file")
    compile_.add_argument("-o", "--output", help="the .eskc file to write (default: FILE with .eskc)")
    compile_.set_defaults(command=command_compile)

    fmt = commands.add_parser("fmt", help="format files in place (idempotent, keeps comments)")
    fmt.add_argument("files", nargs="+", metavar="FILE",
                     help="an .esk file, or a directory: every .esk file under it")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    fmt.add_argument("--diff", action="store_true", help="change nothing; print the changes as a diff")
    fmt.set_defaults(command=command_fmt)

    repl = commands.add_parser("repl", help="an interactive session")
    repl.set_defaults(command=command_repl)

    return parser


def _tier_options(parser: argparse.ArgumentParser, default) -> None:
    """--tier and --tier-threshold, accepted before the subcommand too
    (`esker --tier-threshold 0 run FILE`), so a runner can add them to its command."""
    parser.add_argument("--tier", choices=TIERS, default=default,
                        help="auto: hot functions and loops are compiled to Python (default); vm: the VM only")
    parser.add_argument("--tier-threshold", type=_count, metavar="N", default=default,
                        help="calls or loop iterations before code is compiled (0: everything, at load)")


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of calls, 0 or more, not {text!r}")
    return int(text)


def tier_threshold(args) -> int | None:
    """The VM's tier threshold for these options (None: the VM alone)."""
    if args.tier == "vm":
        return None
    from .tier import DEFAULT_THRESHOLD

    return DEFAULT_THRESHOLD if args.tier_threshold is None else args.tier_threshold


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
    import json

    loader = ModuleLoader()
    all_items: list[dict] = []
    any_error = False
    for path in source_files(args.files):
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


def source_files(arguments: list[str]) -> list[str]:
    """The files `check` and `fmt` work on: each argument that is a directory
    stands for every .esk file under it (in name order, hidden directories
    skipped, as formatters and linters do); any other argument is itself, so
    a missing file is still reported as one."""
    files: list[str] = []
    for argument in arguments:
        if not os.path.isdir(argument):
            files.append(argument)
            continue
        for folder, subfolders, names in os.walk(argument):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            files.extend(os.path.join(folder, name) for name in sorted(names) if name.endswith(SOURCE_SUFFIX))
    return files


def command_run(args) -> int:
    if not _is_program_file(args.file):
        return 2
    max_depth = _max_depth(args.max_depth, os.environ.get("ESKER_MAX_DEPTH"))
    if max_depth is None:
        return 2
    options = RunOptions(_program_host(args.program_args), max_depth, tier_threshold(args),
                         getattr(args, "interrupts", None))
    if args.file.endswith(BYTECODE_SUFFIX):
        if args.engine != "vm":
            print("esker: bytecode files run on the vm engine only", file=sys.stderr)
            return 2
        proto = _load_bytecode(args.file)
        if proto is None:
            return 2
        try:
            return run_proto(proto, ModuleLoader(), args.file, options)
        except Exception as error:  # a crafted file that passed verification but cannot run
            _flush()
            print(f"esker: {args.file}: invalid bytecode ({type(error).__name__}: {error})", file=sys.stderr)
            return 2
    result = _analysed_without_errors(args.file)
    return 2 if result is None else run_analysis(result, ModuleLoader(), args.engine, options)


@dataclass
class RunOptions:
    """How `esker run` runs a program: its host (arguments, streams), the
    call-depth limit (0: the engine's default), the VM's tier threshold
    (None: the VM alone) and what Ctrl-C stops (None: nothing)."""

    host: object = None
    max_depth: int = 0
    tier: int | None = None
    interrupts: Interrupts | None = None


def _program_host(program_args: list[str]):
    """The host of a program run from the command line: its arguments, and
    the process's streams as UTF-8 text (LANGUAGE.md §13.5)."""
    from .runtime.host import Host

    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and stream.encoding.lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")
    if program_args[:1] == ["--"]:  # `esker run FILE -- ARGS`: the separator is not an argument
        program_args = program_args[1:]
    return Host(program_args)


#: The most frames --max-depth may ask for; the VM keeps one small tuple per frame.
MAX_DEPTH_LIMIT = 10_000_000


def _max_depth(option: str | None, variable: str | None) -> int | None:
    """The call-depth limit from --max-depth, else ESKER_MAX_DEPTH, else 0 (the
    engine's default); None after printing why a given value is not usable."""
    for text, name in ((option, "--max-depth"), (variable, "ESKER_MAX_DEPTH")):
        if text is None or (name == "ESKER_MAX_DEPTH" and not text.strip()):
            continue
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            value = 0
        if not 1 <= value <= MAX_DEPTH_LIMIT:
            print(f"esker: {name} must be a whole number from 1 to {MAX_DEPTH_LIMIT:,}, not {text!r}",
                  file=sys.stderr)
            return None
        return value
    return 0


def command_fmt(args) -> int:
    """Exit 0 when every file is formatted, 1 when one would change
    (--check/--diff), 2 when one cannot be read or has syntax errors."""
    from .formatter import format_source

    status = 0
    for path in source_files(args.files):
        text, problem = read_source(path)
        if problem is not None:
            print(problem.format(path), file=sys.stderr)
            status = 2
            continue
        formatted = format_source(text)
        if formatted is None:
            print(f"{path}: not formatted: it has syntax errors (`esker check {path}` lists them)",
                  file=sys.stderr)
            status = 2
        elif formatted != text:
            status = max(status, _report_or_write(args, path, text, formatted))
    return status


def _report_or_write(args, path: str, text: str, formatted: str) -> int:
    if args.diff:
        import difflib

        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), formatted.splitlines(True),
                                                   path, f"{path} (formatted)"))
    elif args.check:
        print(f"would reformat {path}")
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(formatted)
        return 0
    return 1


def command_repl(args) -> int:
    from .machine import DEFAULT_MAX_DEPTH
    from .repl import run

    max_depth = _max_depth(None, os.environ.get("ESKER_MAX_DEPTH"))
    return 2 if max_depth is None else run(max_depth=max_depth or DEFAULT_MAX_DEPTH)


def run_analysis(result: Analysis, loader: ModuleLoader, engine: str, options: RunOptions | None = None) -> int:
    """Run an error-free analysed program on an engine; the exit status."""
    options = options or RunOptions()
    if engine == "vm":
        proto = _compile_or_report(result)
        return 2 if proto is None else run_proto(proto, loader, result.path, options)
    from .interpreter import DEFAULT_MAX_DEPTH as TREE_LIMIT, Interpreter

    # The tree-walker's calls recurse in Python: its own limit is also its ceiling.
    depth = min(options.max_depth, TREE_LIMIT) if options.max_depth else TREE_LIMIT
    interpreter = Interpreter(loader=loader, host=options.host, max_depth=depth)
    return _finish(lambda: interpreter.run_program(result.program, result.source), interpreter, options)


def run_proto(proto, loader: ModuleLoader, path: str, options: RunOptions | None = None) -> int:
    """Run a compiled module on the register VM; the exit status."""
    from .machine import DEFAULT_MAX_DEPTH, VM

    options = options or RunOptions()
    vm = VM(loader=loader, host=options.host, max_depth=options.max_depth or DEFAULT_MAX_DEPTH,
            tier_threshold=options.tier)
    return _finish(lambda: vm.run_main(proto, path), vm, options)


def _finish(start, engine, options: RunOptions) -> int:
    """Runs a program to its end; the exit status: 0, 1 after reporting an
    uncaught error, 130 after reporting that Ctrl-C stopped it, or the
    status given to `exit()` (its `finally` blocks have run and printed by
    then, so the output is flushed in order)."""
    from .runtime.errors import INTERRUPTED, EskerError, ProgramExit, format_uncaught

    if options.interrupts is not None:
        options.interrupts.engine = engine
    try:
        start()
    except EskerError as error:
        _flush()
        print(format_uncaught(error), file=sys.stderr)
        return 1
    except ProgramExit as leaving:
        _flush()
        if leaving.interrupted:
            print(INTERRUPTED, file=sys.stderr)
        return leaving.status
    return 0


def _compile_or_report(result: Analysis):
    """The module proto of an error-free analysis, or None after printing
    the named limit the compiler could not meet."""
    from .compiler import CompileError, compile_program

    try:
        return compile_program(result.program, result.source)
    except CompileError as error:
        print(f"{result.path}:{error.span.line}:{error.span.col}: error: {error.message}", file=sys.stderr)
        return None


def _is_program_file(path: str) -> bool:
    """Whether `path` is a file; if not, says what it is instead."""
    if os.path.isfile(path):
        return True
    if os.path.isdir(path):
        main = os.path.join(path, "main.esk")
        hint = f"; did you mean {main}?" if os.path.isfile(main) else "; give the .esk file to run"
        print(f"esker: cannot open {path}: it is a directory{hint}", file=sys.stderr)
    else:
        print(f"esker: cannot open {path}: no such file", file=sys.stderr)
    return False


def _analysed_without_errors(path: str) -> Analysis | None:
    """Check a program and the modules it imports; print the errors and
    return None if there are any."""
    if not _is_program_file(path):
        return None
    reports = check_program(path, ModuleLoader())
    broken = [r for r in reports if any(d.severity == Severity.ERROR for d in r.diagnostics)]
    for report in broken:
        errors = [d for d in report.diagnostics if d.severity == Severity.ERROR]
        print_diagnostics(FileReport(report.path, errors, report.source), sys.stderr,
                          show_source=_is_terminal(sys.stderr))
    return None if broken else reports[0].analysis


def _load_bytecode(path: str):
    """The proto of a .eskc file, or None after printing why it cannot be used."""
    from .bytecode_file import BytecodeError, load

    try:
        with open(path, "rb") as handle:
            return load(handle.read(), path)
    except OSError as error:
        print(f"esker: cannot read {path}: {error.strerror or error}", file=sys.stderr)
    except BytecodeError as error:
        print(f"esker: {error}", file=sys.stderr)
    return None


def command_dis(args) -> int:
    import json

    from .disassembler import Options, format_proto, to_json

    if args.file.endswith(BYTECODE_SUFFIX):
        proto, source = _load_bytecode(args.file), None
    else:
        result = _analysed_without_errors(args.file)
        proto = result and _compile_or_report(result)
        source = result.source if result and not args.no_source else None
    if proto is None:
        return 2
    if args.python:
        return _print_python(proto, args.file, args.function)
    chosen = [proto] if args.function is None else [item for item in proto.walk()
                                                    if item.display_name == args.function]
    if not chosen:
        print(f"esker: no function named {args.function} in {args.file}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(to_json(proto) if args.function is None else [to_json(item) for item in chosen],
                  sys.stdout, indent=2)
        print()
    else:
        options = Options(recursive=args.function is None, source=source)
        sys.stdout.write("\n".join(format_proto(item, options) for item in chosen))
    return 0


def _print_python(proto, path: str, function: str | None) -> int:
    """`dis --python`: the tier's Python for each function (or those named `function`)."""
    from .tier import python_sources

    sources = [source for source in python_sources(proto, path)
               if function is None or source.proto.display_name == function]
    if not sources:
        print(f"esker: no function named {function} in {path}", file=sys.stderr)
        return 2
    for number, source in enumerate(sources):
        span = source.proto.span
        where = f"{path}:{span.line}" if span is not None else path
        print(("\n" if number else "") + f"# {source.proto.display_name} ({where})")
        sys.stdout.write(source.annotated())
    return 0


def command_compile(args) -> int:
    from .bytecode_file import BytecodeError, dump

    result = _analysed_without_errors(args.file)
    proto = result and _compile_or_report(result)
    if proto is None:
        return 2
    output = args.output or os.path.splitext(args.file)[0] + BYTECODE_SUFFIX
    try:
        data = dump(proto)
        with open(output, "wb") as handle:
            handle.write(data)
    except BytecodeError as error:
        print(f"esker: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"esker: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote {output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
