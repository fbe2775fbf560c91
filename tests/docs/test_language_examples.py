"""The examples of docs/language.md run as written: every ```esker block that
is followed by a ```text block prints exactly that text, on both engines."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from esker.vm.compiler import compile_program
from esker.vm.deep import call_with_deep_stack
from esker.vm.interpreter import Interpreter
from esker.vm.machine import VM
from esker.vm.parser import parse
from esker.vm.runtime.errors import EskerError, format_uncaught

PAGE = Path(__file__).resolve().parents[2] / "docs" / "language.md"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def _examples() -> list[tuple[int, str, str]]:
    """(line, program, expected output) of each program followed by its output."""
    text = PAGE.read_text(encoding="utf-8")
    blocks = [(text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2), match.end())
              for match in _BLOCK.finditer(text)]
    examples = []
    for (line, kind, body, end), (_, next_kind, next_body, _) in zip(blocks, blocks[1:]):
        following = text[end:text.index("```", end)]
        if kind == "esker" and next_kind == "text" and not following.strip():
            examples.append((line, body, next_body))
    return examples


def _output(program: str, engine: str) -> str:
    parsed = parse(program, "example.esk")
    assert not parsed.diagnostics, [d.format("example.esk") for d in parsed.diagnostics]
    out = io.StringIO()

    def go() -> None:
        try:
            if engine == "vm":
                VM(stdout=out).run_main(compile_program(parsed.program, parsed.source), "example.esk")
            else:
                Interpreter(stdout=out).run_program(parsed.program, parsed.source)
        except EskerError as error:
            out.write(format_uncaught(error))

    call_with_deep_stack(go)
    return out.getvalue()


EXAMPLES = _examples()


def test_the_page_has_examples_with_outputs():
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("engine", ["vm", "tree"])
@pytest.mark.parametrize("line, program, expected", EXAMPLES, ids=[f"line{line}" for line, _, _ in EXAMPLES])
def test_each_example_prints_what_the_page_shows(line, program, expected, engine):
    assert _output(program, engine) == expected
