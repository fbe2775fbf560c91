"""`esker repl`: multi-line entries, persistent definitions, echo and errors."""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time

import pytest


def test_definitions_persist_and_values_echo(esker):
    entries = "let x = 40\nfn add(a,\n    b) {\n    return a + b\n}\nadd(x, 2)\n\"s\"\nnil\n"
    done = esker("repl", input=entries)
    assert done.status == 0
    assert done.stdout.splitlines() == ["42", '"s"']


def test_errors_are_reported_and_the_session_goes_on(esker):
    entries = "print(nope)\n1 // 0\nlet y = 2\nlet y = y + 1\ny\n"
    done = esker("repl", input=entries)
    assert done.status == 0
    assert done.stdout.splitlines() == ["3"]
    errors = done.stderr.splitlines()
    assert errors[0].startswith("<repl>:1:7: error[E0101]: undefined name `nope`")
    assert errors[1] == "error[ZeroDivisionError]: division by zero"
    assert "Traceback" not in done.stderr


def test_incomplete_entry_at_end_of_input_is_still_checked(esker):
    done = esker("repl", input="fn broken() {\n    return 1\n")
    assert done.status == 0
    assert "E0005" in done.stderr or "E0001" in done.stderr


def test_exit_ends_the_session_with_its_status_after_finally(esker):
    done = esker("repl", input='print(1)\ntry { exit(3) } finally { print("bye") }\nprint(2)\n')
    assert (done.status, done.stdout, done.stderr) == (3, "1\nbye\n", "")


def test_underscore_is_the_last_echoed_value(esker):
    done = esker("repl", input="1 + 1\n_ * 10\nnil\n_\nprint(_)\n_ + 1\n")
    assert (done.status, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["2", "20", "20", "20", "21"]


def test_a_failed_definition_leaves_no_poisoned_name(esker):
    entries = ("let x = 1 // 0\nx\nlet y = 1\nlet y = 1 // 0\ny\n"
               "let a = 5\nlet b = [a].map(fn (v) => v // 0)\na\nb\n")
    done = esker("repl", input=entries)
    assert done.stdout.splitlines() == ["1", "5"]
    errors = [line for line in done.stderr.splitlines() if not line.startswith("  at")]
    assert errors == ["error[ZeroDivisionError]: division by zero", "<repl>:1:1: error[E0101]: undefined name `x`",
                      "error[ZeroDivisionError]: division by zero", "error[ZeroDivisionError]: division by zero",
                      "<repl>:1:1: error[E0101]: undefined name `b`"]


def test_else_catch_and_finally_continue_an_entry_on_the_next_line(esker):
    entries = ('let n = 3\nif n > 10 { print("big") }\nelse if n > 1 { print("some") }\nelse { print("few") }\n'
               'try { n // 0 }\ncatch e { print("caught", e.kind) }\nfinally { print("finally") }\n'
               'if n == 3 { print("three") }\nprint("next entry")\n'
               'if false { print("no") }\n\nelse { print("a new entry: a syntax error") }\n')
    done = esker("repl", input=entries)
    assert done.stdout.splitlines() == ["some", "caught ZeroDivisionError", "finally", "three", "next entry"]
    assert done.stderr.startswith("<repl>:1:1: error[E0001]: unexpected `else`")


def test_redefinitions_are_seen_by_earlier_functions(esker):
    entries = "let rate = 2\nfn cost(n) { return n * rate }\ncost(5)\nlet rate = 3\ncost(5)\n" \
              "fn cost(n) { return 0 }\ncost(5)\nconst K = 1\nK = 2\nK\n"
    done = esker("repl", input=entries)
    assert done.stdout.splitlines() == ["10", "15", "0", "1"]
    assert "error[E0103]" in done.stderr


def test_the_repl_runs_on_the_vm_with_its_depth_limit(esker):
    entries = "fn down(n) { if n == 0 { return 0 }\nreturn 1 + down(n - 1) }\ndown(100000)\n"
    done = esker("repl", input=entries)
    assert (done.status, done.stdout, done.stderr) == (0, "100000\n", "")
    limited = esker("repl", input=entries, env={"ESKER_MAX_DEPTH": "1000"})
    assert limited.stderr.startswith("error[StackOverflow]: more than 1000 nested calls")


def test_sys_and_io_work_in_the_repl(esker, tmp_path):
    done = esker("repl", input='io.write("x.txt", "hi")\nio.read("x.txt")\nsys.args\n', cwd=tmp_path)
    assert (done.stdout, done.stderr) == ('"hi"\n[]\n', "")


# ------------------------------------------------------------ a real terminal

class Terminal:
    """`esker repl` on a pseudo-terminal, as a person at a keyboard runs it:
    the terminal is its controlling terminal, so Ctrl-C is a keystroke that
    the terminal turns into an interrupt."""

    PATIENCE = 60

    def __init__(self):
        self.fd, child_side = os.openpty()
        #: The terminal's settings before the REPL started.
        self.before = termios.tcgetattr(child_side)
        self.process = subprocess.Popen([sys.executable, "-m", "esker.vm", "repl"], stdin=child_side,
                                        stdout=child_side, stderr=child_side, start_new_session=True,
                                        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(child_side)
        self.seen = ""

    def expect(self, text: str, patience: float = PATIENCE) -> str:
        """Everything shown up to and including `text` (waits for it)."""
        deadline = time.monotonic() + patience
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"waited for {text!r}; the terminal shows {self.seen[-2000:]!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the REPL has gone
                    chunk = b""
                assert chunk, f"the REPL ended before showing {text!r}: {self.seen[-2000:]!r}"
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        shown, self.seen = self.seen.split(text, 1)
        return shown + text

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def interrupt(self, until: str) -> str:
        """Presses Ctrl-C until `until` shows. (CPython's line editor can miss
        a Ctrl-C that comes the instant before it starts waiting for a key;
        a person presses it again, and so does this.)"""
        for _ in range(20):
            self.type("\x03")
            try:
                return self.expect(until, patience=3)
            except TimeoutError:
                continue
        return self.expect(until)

    def settings(self) -> list:
        return termios.tcgetattr(self.fd)

    def status(self) -> int:
        return self.process.wait(self.PATIENCE)


@pytest.fixture
def terminal():
    if not hasattr(os, "openpty"):
        pytest.skip("needs a POSIX pseudo-terminal")
    session = Terminal()
    yield session
    if session.process.poll() is None:
        session.process.kill()
        session.process.wait()
    os.close(session.fd)


def test_ctrl_c_abandons_the_entry_being_typed_and_stops_a_running_one(terminal):
    terminal.expect(">>> ")
    terminal.type("let lost = [1,\n")
    terminal.expect("... ")
    terminal.interrupt(">>> ")
    terminal.type("lost\n")
    assert "undefined name `lost`" in terminal.expect(">>> ")
    terminal.type('fn spin() { try { while true {} } finally { print("cleaned up") } }\n')
    terminal.expect(">>> ")
    terminal.type('print("spin" + "ning"); spin()\n')  # the echo of the typed line is not "spinning"
    terminal.expect("spinning")
    shown = terminal.interrupt(">>> ")
    assert "cleaned up" in shown and "error[KeyboardInterrupt]: interrupted" in shown
    # where the entry was, as an error's trace: the loop in `spin`, called from the entry's line 1
    assert _trace(shown) == ["spin (<repl>:1:", "<module> (<repl>:1:"]
    terminal.type('print("spinning " + "again"); try { spin() } catch e { print("never caught") }\n')
    terminal.expect("... ")  # a `try` may go on with `finally` on the next line
    terminal.type("\n")
    terminal.expect("spinning again")
    shown = terminal.interrupt(">>> ")
    assert "never caught" not in shown and "error[KeyboardInterrupt]" in shown
    terminal.type("if true { 1 }\n")
    terminal.expect("... ")
    terminal.interrupt(">>> ")  # at the prompt that could continue an `if`: abandons it
    terminal.type("6 * 7\n")
    assert "42" in terminal.expect(">>> ")
    terminal.type("\x04")
    assert terminal.status() == 0
    assert terminal.settings() == terminal.before


def _trace(shown: str) -> list[str]:
    """The trace lines of a report the terminal showed, each up to its column."""
    return [line.strip().removeprefix("at ").rsplit(":", 1)[0] + ":" for line in shown.splitlines()
            if line.strip().startswith("at ")]


def test_the_terminal_is_restored_when_exit_ends_the_session(terminal):
    terminal.expect(">>> ")
    terminal.type("exit(5)\n")
    assert terminal.status() == 5
    assert terminal.settings() == terminal.before


def test_ctrl_c_stops_an_entry_waiting_in_input_and_typed_lines_still_reach_it(terminal):
    terminal.expect(">>> ")
    terminal.type('let name = input("name? ")\n')
    terminal.expect("\nname? ")  # the prompt itself, after the echo of the typed entry
    terminal.type("Ada Lovelace\n")
    terminal.expect(">>> ")
    terminal.type("name\n")
    assert '"Ada Lovelace"' in terminal.expect(">>> ")
    terminal.type('try { input("wait? ") } finally { print("cleaned " + "up") }\n')
    terminal.expect("\nwait? ")
    terminal.type("half a li")
    shown = terminal.interrupt(">>> ")
    assert "cleaned up" in shown and "error[KeyboardInterrupt]: interrupted" in shown
    assert _trace(shown) == ["<module> (<repl>:1:"]  # stopped in the call of `input`
    terminal.type('try { print("loop" + "ing"); while true {} } finally { print("saved", input("save? ")) }\n')
    terminal.expect("looping")  # the entry runs: the Ctrl-C below cannot land while it is still being read
    terminal.interrupt("save? ")  # the loop is stopped; the read in its finally block still waits
    terminal.type("yes\n")
    assert "saved yes" in terminal.expect("error[KeyboardInterrupt]: interrupted")
    terminal.expect(">>> ")
    terminal.type('input("again? ") + "!"\n')
    terminal.expect("\nagain? ")
    terminal.type("yes\n")
    assert '"yes!"' in terminal.expect(">>> ")
    terminal.type("\x04")
    assert terminal.status() == 0
    assert terminal.settings() == terminal.before
