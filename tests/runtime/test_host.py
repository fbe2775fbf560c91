"""The host: every effect and every outside value of a program goes through
`engine.host`, so output can be captured and a run recorded and replayed;
`sys` and `io` report failures as `IOError` (LANGUAGE.md §13.5)."""

from __future__ import annotations

import io
import os
import sys

import pytest

from esker.vm.runtime.errors import HostError
from esker.vm.runtime.host import Host

from runtime_support import ENGINES, both, captured_host, output, run_program


class Recorder(Host):
    """A host that logs every call with its result, as a time-travelling
    debugger would."""

    def __init__(self, *args, **options):
        super().__init__(*args, **options)
        self.log: list[tuple[str, tuple, object]] = []

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name not in Host.EFFECTS + Host.OBSERVATIONS:
            return attribute
        log = super().__getattribute__("log")

        def recorded(*args):
            try:
                result = attribute(*args)
            except HostError as error:
                log.append((name, args, error))
                raise
            if name == "read_lines":
                result = list(result)  # each line is an observation
            log.append((name, args, result))
            return iter(result) if name == "read_lines" else result
        return recorded


class Replayer(Host):
    """A host that performs nothing and answers from a log, checking that the
    program asks the same things in the same order."""

    def __init__(self, log, args):
        super().__init__(args, stdin=_Refusing(), stdout=_Refusing(), stderr=_Refusing(), environ={})
        self.pending = list(log)
        self.output: list[str] = []

    def __getattribute__(self, name):
        if name not in Host.EFFECTS + Host.OBSERVATIONS:
            return super().__getattribute__(name)
        pending = super().__getattribute__("pending")
        output = super().__getattribute__("output")

        def replayed(*args):
            logged_name, logged_args, result = pending.pop(0)
            assert (logged_name, logged_args) == (name, args)
            if name == "write":
                output.append(args[0])
            if isinstance(result, HostError):
                raise result
            return iter(result) if name == "read_lines" else result
        return replayed


class _Refusing(io.StringIO):
    def write(self, text):
        raise AssertionError("the program wrote past its host")

    def read(self, *args):
        raise AssertionError("the program read past its host")

    readline = read


WORLDLY = """
print("args:", sys.args, sys.platform == "linux" or sys.platform == "darwin" or sys.platform == "windows")
print(sys.env("HOST_TEST_VARIABLE"), sys.env("HOST_TEST_UNSET", 0))
let name = input("name? ")
write("hello,", name)
print()
eprint("to the error stream")
io.write("data.txt", "one\\ntwo\\n")
io.append("data.txt", "thrée\\n")
for line in io.lines("data.txt") { print(line.upper()) }
print(io.exists("data.txt"), repr(io.read("data.txt")), io.read_stdin().lines())
io.remove("data.txt")
try { io.read("data.txt") } catch e { print(e.kind, e.message) }
let t = clock()
print(clock() >= t, input())
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_run_recorded_through_the_host_replays_without_the_world(engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOST_TEST_VARIABLE", "set")
    recorder = Recorder(["a", "b c"], stdin=io.StringIO("Ada\nrest\nof it\n"), stdout=io.StringIO(),
                        stderr=io.StringIO())
    live = run_program(WORLDLY, engine, host=recorder)
    assert live.status == 0 and live.stderr == "to the error stream\n"
    assert live.stdout == ('args: ["a", "b c"] true\nset 0\nname? hello, Ada\nONE\nTWO\nTHRÉE\n'
                           'true "one\\ntwo\\nthrée\\n" ["rest", "of it"]\nIOError no such file: data.txt\n'
                           "true nil\n")
    assert not (tmp_path / "data.txt").exists()

    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.delenv("HOST_TEST_VARIABLE")
    # Nothing else may reach the world: the process's own streams refuse too.
    monkeypatch.setattr(sys, "stdout", _Refusing())
    monkeypatch.setattr(sys, "stdin", _Refusing())
    replayer = Replayer(recorder.log, ["a", "b c"])
    replayed = run_program(WORLDLY, engine, host=replayer)
    monkeypatch.undo()
    assert replayed.status == 0 and "".join(replayer.output) == live.stdout
    assert replayer.pending == [] and not os.listdir(empty)


def test_output_goes_to_the_host_streams_in_order():
    host = captured_host()
    result = run_program('print("a", 1)\nwrite("b")\neprint("c", [1])\nwrite("d\\n")', host=host)
    assert (result.stdout, result.stderr) == ("a 1\nbd\n", "c [1]\n")


def test_input_reads_lines_and_gives_nil_at_the_end():
    program = """
print(repr(input()), repr(input("> ")), repr(input(1)))
print(repr(input()), input(), io.read_stdin() == "")
"""
    result = both(program, stdin="first\r\n\nlast without newline")
    # the prompts are written while the arguments are evaluated, before print writes
    assert result.stdout == '> 1"first" "" "last without newline"\nnil nil true\n'


def test_input_of_text_that_is_not_utf8_is_an_io_error():
    stdin = io.TextIOWrapper(io.BytesIO(b"caf\xe9\n"), encoding="utf-8")
    result = run_program("try { input() } catch e { print(e.kind, e.message) }",
                         host=Host(stdin=stdin, stdout=io.StringIO(), stderr=io.StringIO()))
    assert result.stdout == "IOError not UTF-8 text: <stdin>\n"


def test_sys_reads_the_hosts_arguments_environment_and_platform():
    program = 'print(sys.args, sys.env("HOME"), sys.env("X", "d"), sys.platform)\nsys.args.push("own")\n'
    host = captured_host(args=("1", "two words"), environ={"HOME": "/home/ada"}, platform="darwin")
    assert run_program(program, host=host).stdout == '["1", "two words"] /home/ada d darwin\n'
    assert output('print(sys.args, sys.env("SURELY_NOT_SET_ANYWHERE"))') == "[] nil\n"


def test_files_are_utf8_without_newline_translation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crlf.txt").write_bytes("a\r\nb\rc\nthré\n".encode())
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    program = """
print(repr(io.read("crlf.txt")), array(io.lines("crlf.txt")))
io.write("out.txt", "é\\r\\n")
try { io.read("latin1.txt") } catch e { print(e.kind, e.message) }
try { for line in io.lines("latin1.txt") { print(line) } } catch e { print(e.kind, e.message) }
"""
    assert output(program) == ('"a\\r\\nb\\rc\\nthré\\n" ["a", "b", "c", "thré"]\n'
                               "IOError not UTF-8 text: latin1.txt\nIOError not UTF-8 text: latin1.txt\n")
    assert (tmp_path / "out.txt").read_bytes() == "é\r\n".encode()


@pytest.mark.parametrize("call, message", [
    ('io.read("missing.txt")', "no such file: missing.txt"),
    ('io.lines("missing.txt")', "no such file: missing.txt"),
    ('io.remove("missing.txt")', "no such file: missing.txt"),
    ('io.read("folder")', "is a directory: folder"),
    ('io.write("folder", "x")', "is a directory: folder"),
    ('io.write("missing/x.txt", "x")', "no such file: missing/x.txt"),
    ('io.append("file.txt/x", "x")', "not a directory: file.txt/x"),
    ('io.read("nul\\0here")', "embedded null byte: nul\0here"),
])
def test_io_failures_are_io_errors_with_the_reason_and_the_path(call, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("x")
    program = f"try {{ {call} }} catch e {{ print(e.kind, e.message) }}"
    assert output(program) == f"IOError {message}\n"


def test_io_arguments_are_checked():
    program = """
try { io.write("x.txt", 5) } catch e { print(e.kind, e.message) }
try { io.read(nil) } catch e { print(e.kind, e.message) }
print(io.exists("nul\\0here"))
"""
    assert output(program) == ("TypeError io.write() expects a string, not int\n"
                               "TypeError io.read() expects a string, not nil\nfalse\n")


def test_io_lines_reads_lazily_and_can_be_abandoned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.txt").write_text("".join(f"line {n}\n" for n in range(100_000)))
    program = """
let lines = io.lines("big.txt")
print(type(lines), lines)
for line in lines {
    if line == "line 2" { break }
    print(line)
}
for line in lines { print("resumed at", line); break }
"""
    assert output(program) == ("generator <generator io.lines>\nline 0\nline 1\nresumed at line 3\n")
