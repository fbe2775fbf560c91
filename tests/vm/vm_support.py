"""Helpers for the compiler and VM tests: compile Esker text, list a proto's
instructions compactly, and run programs on either engine, capturing output."""

from __future__ import annotations

import io
from dataclasses import dataclass

from esker.vm.compiler import compile_program
from esker.vm.deep import call_with_deep_stack
from esker.vm.disassembler import get_instructions
from esker.vm.interpreter import Interpreter
from esker.vm.machine import VM
from esker.vm.parser import parse
from esker.vm.proto import Proto
from esker.vm.runtime.errors import EskerError, ProgramExit, format_uncaught


def compile_text(text: str, path: str = "test.esk") -> Proto:
    parsed = parse(text, path)
    assert not parsed.diagnostics, [item.message for item in parsed.diagnostics]
    return compile_program(parsed.program, parsed.source)


def function(proto: Proto, name: str) -> Proto:
    """The proto of the function called `name` anywhere in the tree."""
    return next(item for item in proto.walk() if item.name == name)


def listing(proto: Proto) -> list[str]:
    """`OPCODE operands` for each instruction, e.g. "ADD R2 R0 R1"."""
    return [f"{record.opname} {record.text}".strip() for record in get_instructions(proto)]


def opnames(proto: Proto) -> list[str]:
    return [record.opname for record in get_instructions(proto)]


@dataclass
class Outcome:
    stdout: str
    error: str | None  # the §7 report of an uncaught error, or exit(STATUS) after exit()

    @property
    def text(self) -> str:
        return self.stdout + (self.error or "")


def run(text: str, engine: str = "vm", path: str = "test.esk", **options) -> Outcome:
    """Runs a program on "vm" or "tree" with a deep stack, as the CLI does."""
    parsed = parse(text, path)
    assert not parsed.diagnostics, [item.message for item in parsed.diagnostics]
    out = io.StringIO()

    def go() -> str | None:
        try:
            if engine == "vm":
                VM(stdout=out, **options).run_main(compile_program(parsed.program, parsed.source), path)
            else:
                Interpreter(stdout=out, **options).run_program(parsed.program, parsed.source)
        except EskerError as error:
            return format_uncaught(error)
        except ProgramExit as leaving:
            return f"exit({leaving.status})"
        return None

    error = call_with_deep_stack(go)
    return Outcome(out.getvalue(), error)


def output(text: str, **options) -> str:
    """What the program prints on the VM; fails the test on an uncaught error."""
    outcome = run(text, **options)
    assert outcome.error is None, outcome.error
    return outcome.stdout
