"""`esker run FILE [ARGS...]`, `--max-depth`/`ESKER_MAX_DEPTH`, `exit()` and
`esker --version` (LANGUAGE.md §13.6), through the real command."""

from __future__ import annotations

import os
import re

import pytest

from esker.vm import __version__

ENGINES = ["vm", "tree"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_arguments_after_the_file_are_the_programs(esker, tmp_path, engine):
    write(tmp_path, "args.esk", "print(sys.args, len(sys.args))\n")
    done = esker("run", "--engine", engine, "args.esk", "alpha", "two words", "--engine", "-h", "--", cwd=tmp_path)
    assert (done.status, done.stderr) == (0, "")
    assert done.stdout == '["alpha", "two words", "--engine", "-h", "--"] 5\n'
    assert esker("run", "args.esk", cwd=tmp_path).stdout == "[] 0\n"
    assert esker("run", "args.esk", "--", "-x", cwd=tmp_path).stdout == '["-x"] 1\n'


@pytest.mark.parametrize("engine", ENGINES)
def test_standard_streams_exit_status_and_utf8(esker, tmp_path, engine):
    program = """
let name = input("name? ")
print("hello", name, "thré")
eprint("warning:", sys.args[0])
let rest = io.read_stdin()
exit(rest.lines().len())
"""
    write(tmp_path, "io.esk", program)
    done = esker("run", "--engine", engine, "io.esk", "é", cwd=tmp_path, input="Zoë\none\ntwo\n",
                 env={"PYTHONIOENCODING": "latin-1", "LC_ALL": "C"})
    assert (done.status, done.stdout, done.stderr) == (2, "name? hello Zoë thré\n", "warning: é\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_exit_passes_catch_and_sets_the_status(esker, tmp_path, engine):
    write(tmp_path, "exit.esk", 'try { print("out"); exit(42) } catch e { print("caught") }\nprint("after")\n')
    done = esker("run", "--engine", engine, "exit.esk", cwd=tmp_path)
    assert (done.status, done.stdout, done.stderr) == (42, "out\n", "")


@pytest.mark.parametrize("engine", ENGINES)
def test_io_errors_are_reported_without_a_host_traceback(esker, tmp_path, engine):
    write(tmp_path, "read.esk", 'print(io.read("data.txt"))\n')
    done = esker("run", "--engine", engine, "read.esk", cwd=tmp_path)
    assert done.status == 1
    assert done.stderr.splitlines()[0] == "error[IOError]: no such file: data.txt"
    assert "Traceback" not in done.stderr


RECURSIVE = "fn down(n) { if n == 0 { return 0 }\n return 1 + down(n - 1) }\nprint(down(int(sys.args[0])))\n"


def test_max_depth_sets_the_vms_call_depth_limit(esker, tmp_path):
    write(tmp_path, "deep.esk", RECURSIVE)
    assert esker("run", "--max-depth", "50", "deep.esk", "40", cwd=tmp_path).stdout == "40\n"
    done = esker("run", "--max-depth", "50", "deep.esk", "60", cwd=tmp_path)
    assert done.status == 1 and done.stderr.startswith("error[StackOverflow]: more than 50 nested calls")
    done = esker("run", "deep.esk", "60", cwd=tmp_path, env={"ESKER_MAX_DEPTH": "50"})
    assert done.status == 1 and "more than 50 nested calls" in done.stderr
    # The option wins over the variable.
    done = esker("run", "--max-depth", "100", "deep.esk", "60", cwd=tmp_path, env={"ESKER_MAX_DEPTH": "50"})
    assert (done.status, done.stdout) == (0, "60\n")
    done = esker("run", "--engine", "tree", "--max-depth", "50", "deep.esk", "60", cwd=tmp_path)
    assert done.status == 1 and "more than 50 nested calls" in done.stderr


@pytest.mark.parametrize("option, variable, shown", [
    ("abc", None, "--max-depth must be a whole number from 1 to 10,000,000, not 'abc'"),
    ("0", None, "--max-depth must be a whole number from 1 to 10,000,000, not '0'"),
    ("-5", None, "--max-depth must be a whole number from 1 to 10,000,000, not '-5'"),
    ("1e9", None, "--max-depth must be a whole number from 1 to 10,000,000, not '1e9'"),
    (None, "lots", "ESKER_MAX_DEPTH must be a whole number from 1 to 10,000,000, not 'lots'"),
    (None, "99999999999", "ESKER_MAX_DEPTH must be a whole number from 1 to 10,000,000, not '99999999999'"),
])
def test_bad_depth_limits_get_a_clear_message(esker, tmp_path, option, variable, shown):
    write(tmp_path, "ok.esk", 'print("ran")\n')
    arguments = ["run"] + (["--max-depth", option] if option else []) + ["ok.esk"]
    done = esker(*arguments, cwd=tmp_path, env={"ESKER_MAX_DEPTH": variable} if variable else None)
    assert (done.status, done.stdout, done.stderr) == (2, "", f"esker: {shown}\n")


def test_an_empty_depth_variable_is_ignored(esker, tmp_path):
    write(tmp_path, "ok.esk", 'print("ran")\n')
    assert esker("run", "ok.esk", cwd=tmp_path, env={"ESKER_MAX_DEPTH": ""}).stdout == "ran\n"


def test_version(esker):
    done = esker("--version")
    assert (done.status, done.stderr) == (0, "")
    assert re.fullmatch(r"esker \d+\.\d+\.\d+\n", done.stdout)
    assert done.stdout == f"esker {__version__}\n" == "esker 0.2.0\n"


FILTER = """
try {
    for i in 0..1000000 { print(f"line {i}") }
} finally {
    eprint("finally ran")
}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_reader_that_goes_away_ends_the_program_quietly(tmp_path, engine):
    """`esker run prog.esk | head -1`: the program's finally blocks run, and
    nothing about the closed pipe is printed."""
    import subprocess
    import sys

    write(tmp_path, "filter.esk", FILTER)
    process = subprocess.Popen([sys.executable, "-m", "esker.vm", "run", "--engine", engine, "filter.esk"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "line 0\n"
    process.stdout.close()
    stderr = process.stderr.read()
    assert (process.wait(timeout=120), stderr) == (0, "finally ran\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, a device that is always full")
@pytest.mark.parametrize("engine", ENGINES)
def test_an_output_that_cannot_be_written_is_an_io_error(tmp_path, engine):
    import subprocess
    import sys

    write(tmp_path, "full.esk", 'try { print("x") } catch e { eprint(e.kind, e.message) }\nprint("y")\n')
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "esker.vm", "run", "--engine", engine, "full.esk"],
                              cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == ["IOError no space left on device: <stdout>",
                                            "error[IOError]: no space left on device: <stdout>"]
