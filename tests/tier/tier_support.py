"""Helpers for the tier tests: run a program in-process on the tree-walker,
the VM alone, or the VM with its compiled tier at a given threshold."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from esker.vm.compiler import compile_program
from esker.vm.deep import call_with_deep_stack
from esker.vm.interpreter import Interpreter
from esker.vm.machine import VM
from esker.vm.parser import parse
from esker.vm.runtime.errors import EskerError, ProgramExit, format_uncaught

# The VM tests' helpers (and their program generator, which these tests reuse).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vm"))

#: The ways a program runs in these tests: the engine and the tier threshold.
MODES = {"tree": ("tree", None), "vm": ("vm", None), "tier0": ("vm", 0), "tier1": ("vm", 1),
         "tier": ("vm", 500)}


def run_mode(text: str, mode: str, path: str = "test.esk", **options) -> str:
    """Everything the program printed, then the report of an uncaught error
    (or the status `exit()` gave)."""
    engine, threshold = MODES[mode]
    parsed = parse(text, path)
    assert not parsed.diagnostics, [item.message for item in parsed.diagnostics]
    out = io.StringIO()

    def go() -> str:
        vm = None
        try:
            if engine == "vm":
                proto = compile_program(parsed.program, parsed.source)
                vm = VM(stdout=out, tier_threshold=threshold, **options)
                vm.run_main(proto, path)
            else:
                Interpreter(stdout=out).run_program(parsed.program, parsed.source)
        except EskerError as error:
            return format_uncaught(error)
        except ProgramExit as leaving:
            return f"<exit {leaving.status}>"
        finally:
            if vm is not None and vm._tier is not None:
                # Nothing may quietly stay in the VM because it did not compile.
                assert not vm._tier.failures, vm._tier.failures
        return ""

    error = call_with_deep_stack(go)
    return out.getvalue() + error
