"""The README's samples of command output are what the commands print.

A README block that starts with `$ esker ARGS` is run (from the project
folder, as the README's paths assume); every line shown after it must be a
line of the real output (standard output, then standard error), in order and
without gaps, so a sample may show part of a long listing but cannot drift
from it."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import ROOT, run_esker

_SAMPLE = re.compile(r"^```\n\$ esker ([^\n]*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def samples() -> list[tuple[str, list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(match.group(1), match.group(2).splitlines()) for match in _SAMPLE.finditer(text)]


def test_the_readme_has_command_samples():
    commands = [command.split()[0] for command, _ in samples()]
    assert "run" in commands and "dis" in commands


@pytest.mark.parametrize("command, shown", samples(), ids=[command for command, _ in samples()])
def test_a_sample_is_a_run_of_lines_of_the_real_output(command, shown):
    done = run_esker(*shlex.split(command), cwd=ROOT)
    real = (done.stdout + done.stderr).splitlines()
    starts = [index for index, line in enumerate(real) if line == shown[0]]
    assert any(real[start:start + len(shown)] == shown for start in starts), \
        "the sample differs from the output:\n" + "\n".join(real)
