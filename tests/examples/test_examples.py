"""The example programs and the language guide's snippets, run end to end.

Every program in examples/ (and modules/main.esk) runs through the `esker`
command from its own folder, and again on the tree-walking interpreter, and
must print exactly its `.out` file. Beside a program, `NAME.args` holds its
arguments (split as a shell would), `NAME.stdin` its standard input and
`NAME.err` what it must print on standard error (nothing when absent). Every `esker` code block of
docs/language.md that is directly followed by a `text` block must print
exactly that text on both engines, so the guide cannot drift away from what
Esker does.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from esker.vm import cli
from esker.vm.formatter import format_source
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
GUIDE = ROOT / "docs" / "language.md"
ENGINES = ("vm", "tree")

# A fenced block: its language tag and its text.
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def example_programs() -> list[Path]:
    """Top-level examples, plus the entry point of each example folder."""
    programs = sorted(EXAMPLES.glob("*.esk"))
    programs += sorted(folder / "main.esk" for folder in EXAMPLES.iterdir() if (folder / "main.esk").is_file())
    return programs


def example_id(program: Path) -> str:
    return str(program.relative_to(EXAMPLES))


def beside(program: Path, suffix: str, default: str = "") -> str:
    """The text of the file beside `program` with this suffix, or `default`."""
    path = program.with_suffix(suffix)
    return path.read_text(encoding="utf-8") if path.is_file() else default


def arguments(program: Path) -> list[str]:
    return shlex.split(beside(program, ".args"))


def guide_snippets() -> list[tuple[int, str, str]]:
    """(line, program, expected output) for each `esker` block of the guide that
    is followed, with only blank lines between, by a `text` block."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = list(_FENCE.finditer(text))
    snippets = []
    for block, following in zip(blocks, blocks[1:]):
        between = text[block.end():following.start()]
        if block.group(1) == "esker" and following.group(1) == "text" and not between.strip():
            line = text.count("\n", 0, block.start()) + 1
            snippets.append((line, block.group(2), following.group(2)))
    return snippets


def assert_run_prints(capsys, engine: str, path: str, expected: str, args: list[str] = (),
                      expected_err: str = "") -> None:
    """`esker run --engine ENGINE PATH ARGS`, in this process, must succeed,
    print exactly `expected` and, on stderr, `expected_err`."""
    status = cli.main(["run", "--engine", engine, path, *args])
    captured = capsys.readouterr()
    assert (status, captured.err) == (0, expected_err)
    assert captured.out == expected


@pytest.fixture(scope="module")
def command_runs():
    """Every example run by the `esker` command (default engine) in a process of
    its own, all started at once so they run side by side; each test then
    waits for its own process."""
    runs = {
        program: subprocess.Popen([sys.executable, "-m", "esker.vm.cli", "run", program.name, *arguments(program)],
                                  cwd=program.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.PIPE, text=True, encoding="utf-8")
        for program in example_programs()
    }
    yield runs
    for process in runs.values():
        process.kill()
        process.communicate()


@pytest.mark.parametrize("program", example_programs(), ids=example_id)
def test_example_run_by_the_command_prints_its_out_file(command_runs, program: Path):
    process = command_runs[program]
    stdout, stderr = process.communicate(beside(program, ".stdin"), timeout=60)
    assert (process.returncode, stderr) == (0, beside(program, ".err"))
    assert stdout == program.with_suffix(".out").read_text(encoding="utf-8")


@pytest.mark.parametrize("program", example_programs(), ids=example_id)
def test_example_on_the_tree_walker_prints_its_out_file(monkeypatch, capsys, program: Path):
    monkeypatch.chdir(program.parent)
    monkeypatch.setattr(sys, "stdin", io.StringIO(beside(program, ".stdin")))
    assert_run_prints(capsys, "tree", program.name, program.with_suffix(".out").read_text(encoding="utf-8"),
                      arguments(program), beside(program, ".err"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("program, args, status, out, err", [
    ("csv_summary.esk", ["empty.csv"], 0, "no sales in empty.csv\n", ""),
    ("csv_summary.esk", ["bad.csv"], 1, "", 'csv_summary: bad.csv:3: invalid int: "many"\n'),
    ("csv_summary.esk", ["short.csv"], 1, "", "csv_summary: short.csv:2: expected 4 values to destructure, got 2\n"),
    ("csv_summary.esk", ["missing.csv"], 1, "", "csv_summary: no such file: missing.csv\n"),
    ("word_count.esk", ["empty.csv", "many"], 2, "", 'word_count: HOW_MANY must be a whole number, not "many"\n'),
])
def test_a_script_given_bad_input_says_what_is_wrong(tmp_path, engine, program, args, status, out, err):
    """The scripts of the examples stop with a message and a status on input
    they cannot use, never with a stack trace."""
    (tmp_path / "empty.csv").write_text("region,product,units,unit_price\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text("region,product,units,unit_price\nN,figs,1,0.5\nS,figs,many,0.5\n",
                                      encoding="utf-8")
    (tmp_path / "short.csv").write_text("region,product,units,unit_price\nN,figs\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "esker.vm.cli", "run", "--engine", engine, str(EXAMPLES / program),
                           *args], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (status, out, err)


def test_every_example_has_an_out_file_and_says_what_it_shows():
    programs = example_programs() + sorted(EXAMPLES.glob("*/*.esk"))
    assert len(example_programs()) >= 10
    for program in programs:
        first_line = program.read_text(encoding="utf-8").splitlines()[0]
        assert first_line.startswith(f"# {program.name}: "), program
    for program in example_programs():
        assert program.with_suffix(".out").is_file(), program


@pytest.mark.parametrize("program", sorted(EXAMPLES.glob("**/*.esk")), ids=example_id)
def test_example_is_in_the_standard_layout(program: Path):
    text = program.read_text(encoding="utf-8")
    assert format_source(text) == text


def test_guide_has_checked_snippets():
    assert len(guide_snippets()) >= 20


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("program, expected", [
    pytest.param(program, expected, id=f"language.md:{line}") for line, program, expected in guide_snippets()
])
def test_guide_snippet_prints_what_the_guide_says(tmp_path, capsys, engine, program, expected):
    path = tmp_path / "snippet.esk"
    path.write_text(program, encoding="utf-8")
    assert_run_prints(capsys, engine, str(path), expected)
