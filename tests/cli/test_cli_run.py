"""`esker run FILE [ARGS...]`, `--max-depth`/`ESKER_MAX_DEPTH`, `exit()` and
`esker --version` (LANGUAGE.md §13.6), through the real command."""

from __future__ import annotations

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
