"""Running whole programs on both engines with a captured host: arguments
and standard input given, standard output and error collected, `exit()`
turned into the status, as `esker run` does."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from esker.vm.compiler import compile_program
from esker.vm.deep import call_with_deep_stack
from esker.vm.interpreter import Interpreter
from esker.vm.machine import VM
from esker.vm.parser import parse
from esker.vm.runtime.errors import EskerError, ProgramExit, format_uncaught
from esker.vm.runtime.host import Host

ENGINES = ("vm", "tree")


@dataclass
class Run:
    stdout: str
    stderr: str
    status: int


def captured_host(stdin: str = "", args: tuple[str, ...] = (), **options) -> Host:
    return Host(args, stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(), **options)


@functools.lru_cache(maxsize=4)
def _parsed(text: str, path: str):
    """A program parsed once for both engines (neither changes the tree)."""
    parsed = parse(text, path)
    assert not parsed.diagnostics, [item.message for item in parsed.diagnostics]
    return parsed


def run_program(text: str, engine: str = "vm", *, stdin: str = "", args: tuple[str, ...] = (),
                host: Host | None = None, path: str = "test.esk") -> Run:
    """Runs a program that parses cleanly on `engine`; its output and status."""
    parsed = _parsed(text, path)
    host = host or captured_host(stdin, args)

    def go() -> int:
        try:
            if engine == "vm":
                VM(host=host).run_main(compile_program(parsed.program, parsed.source), path)
            else:
                Interpreter(host=host).run_program(parsed.program, parsed.source)
        except EskerError as error:
            host.stderr.write(format_uncaught(error) + "\n")
            return 1
        except ProgramExit as leaving:
            return leaving.status
        return 0

    status = call_with_deep_stack(go)
    return Run(host.stdout.getvalue(), host.stderr.getvalue(), status)


def output(text: str, **options) -> str:
    """What a program prints, the same on both engines; fails on an uncaught error."""
    results = [run_program(text, engine, **options) for engine in ENGINES]
    for result in results:
        assert result.status == 0 and not result.stderr, result.stderr
    assert results[0] == results[1]
    return results[0].stdout


def both(text: str, **options) -> Run:
    """A program's run, checked to be the same on both engines."""
    vm, tree = (run_program(text, engine, **options) for engine in ENGINES)
    assert vm == tree
    return vm
