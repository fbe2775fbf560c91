"""Run one program on both engines and insist that they agree: the helpers of
the tests of language features that every engine implements."""

from __future__ import annotations

import io
import textwrap

from esker.vm.compiler import compile_program
from esker.vm.deep import call_with_deep_stack
from esker.vm.interpreter import Interpreter
from esker.vm.machine import VM
from esker.vm.parser import parse
from esker.vm.runtime.errors import ProgramExit
from esker.vm.runtime.values import Builtin
from vm_support import Outcome, run

ENGINES = ("vm", "tree")


def both(text: str, path: str = "test.esk", **options) -> Outcome:
    """The outcome of `text` (dedented), the same on the VM, on the VM with
    every function compiled by its tier, and on the tree-walker."""
    text = textwrap.dedent(text)
    vm = run(text, "vm", path=path, **options)
    tree = run(text, "tree", path=path, **options)
    assert (tree.stdout, tree.error) == (vm.stdout, vm.error)
    compiled = run(text, "vm", path=path, tier_threshold=0, **options)
    assert (compiled.stdout, compiled.error) == (vm.stdout, vm.error)
    return vm


def printed(text: str, **options) -> list[str]:
    """The lines a program prints on both engines; it must not fail."""
    outcome = both(text, **options)
    assert outcome.error is None, outcome.error
    return outcome.stdout.splitlines()


def failure(text: str, **options) -> str:
    """The first line of the uncaught error a program ends with, on both engines."""
    outcome = both(text, **options)
    assert outcome.error is not None, "the program did not fail"
    return outcome.error.splitlines()[0]


def _raise_exit(engine, args):
    raise ProgramExit(args[0] if args else 0)


#: Stands in for the `exit` builtin of the runtime: raises ProgramExit(status).
EXIT = Builtin("exit", _raise_exit, 0, 1)


def exits(text: str, path: str = "test.esk") -> tuple[str, int]:
    """(stdout, status) of a program that ends by `exit(status)`, the same on
    the VM (with and without its tier) and the tree-walker; `exit` is given to
    the program as a builtin."""
    text = textwrap.dedent(text)
    parsed = parse(text, path)
    assert not parsed.diagnostics, [item.message for item in parsed.diagnostics]
    results = []
    for make in (lambda out: VM(stdout=out), lambda out: VM(stdout=out, tier_threshold=0),
                 lambda out: Interpreter(stdout=out)):
        out = io.StringIO()
        engine = make(out)
        (engine.builtins if isinstance(engine, VM) else engine._globals.vars)["exit"] = EXIT

        def go():
            if isinstance(engine, VM):
                engine.run_main(compile_program(parsed.program, parsed.source), path)
            else:
                engine.run_program(parsed.program, parsed.source)

        try:
            call_with_deep_stack(go)
        except ProgramExit as leaving:
            results.append((out.getvalue(), leaving.status))
        else:
            raise AssertionError(f"the program did not exit: {out.getvalue()}")
    assert results[0] == results[1] == results[2]
    return results[0]
