"""Ctrl-C in `esker run`, as a user presses it: SIGINT sent to the running
command once the program says it runs. The first stops the program at its
next call or loop iteration (its `finally` blocks run, then the REPL's
KeyboardInterrupt report, with the trace of where the program was, and
status 130), on every engine; a second one ends the command at once."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

ENGINES = [["--tier", "vm"], ["--tier", "auto"], ["--tier-threshold", "0"], ["--tier-threshold", "1"],
           ["--engine", "tree"]]

LOOPING = """\
fn spin(n) {
    let total = 0
    try {
        while true {
            total += n
            if total == n * 2000 { eprint("ready") }
        }
    } finally {
        print("cleaned up", total > 0)
    }
}
fn deep(n) {
    try { if n == 0 { return spin(1) }; return deep(n - 1) } finally { print("left", n) }
}
try { deep(2) } catch e { print("never caught") } finally { print("outer finally") }
"""


def _interrupt(path, options: list[str], presses: int = 1, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Runs the program (given `args`), waits for its `ready` line on standard
    error, then presses Ctrl-C `presses` times (each after the line that follows)."""
    process = subprocess.Popen([sys.executable, "-m", "esker.vm", "run", *options, str(path), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for _ in range(presses):
            lines.append(process.stderr.readline())
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, out, "".join(lines) + err)


@pytest.mark.parametrize("options", ENGINES, ids=" ".join)
def test_ctrl_c_stops_the_program_and_runs_its_finally_blocks(tmp_path, options):
    path = tmp_path / "spin.esk"
    path.write_text(LOOPING)
    done = _interrupt(path, options)
    assert done.stdout == "cleaned up true\nleft 0\nleft 1\nleft 2\nouter finally\n"
    # Where the program was, innermost first, as an error's trace: the loop's
    # next iteration in `spin` (line 5), the calls in `deep` (line 13) and the module's (line 15).
    assert done.stderr == ("ready\nerror[KeyboardInterrupt]: interrupted\n"
                           f"  at spin ({path}:5:13)\n"
                           f"  at deep ({path}:13:30)\n"
                           f"  at deep ({path}:13:48)\n"
                           f"  at deep ({path}:13:48)\n"
                           f"  at <module> ({path}:15:7)\n")
    assert done.returncode == 130


WHERE = """\
fn count(limit) {
    let n = 0
    while n < limit {
        n += 1
        if n == 3000 { eprint("ready") }
    }
    return n
}
fn busy() {
    let n = 0
    for i in 0..1000000000 {
        n += i
        if i == 3000 { eprint("ready") }
    }
}
let which = sys.args[0]
if which == "while" { count(1000000000) } else { busy() }
"""


@pytest.mark.parametrize("options", ENGINES, ids=" ".join)
@pytest.mark.parametrize("loop, innermost, stopped, call",
                         [("while", "count", "3:11", "17:23"), ("for", "busy", "12:9", "17:50")])
def test_the_report_says_where_the_loop_was_stopped(tmp_path, options, loop, innermost, stopped, call):
    path = tmp_path / "where.esk"
    path.write_text(WHERE)
    done = _interrupt(path, options, args=(loop,))
    # a `while` loop is stopped before its condition, a range loop before its body's first statement
    assert done.stderr.splitlines() == ["ready", "error[KeyboardInterrupt]: interrupted",
                                        f"  at {innermost} ({path}:{stopped})", f"  at <module> ({path}:{call})"]
    assert done.returncode == 130


@pytest.mark.parametrize("options", [["--tier", "vm"], ["--tier-threshold", "0"], ["--engine", "tree"]], ids=" ".join)
def test_a_long_trace_keeps_its_two_ends_as_an_error_s_does(tmp_path, options):
    path = tmp_path / "down.esk"
    path.write_text('fn spin() {\n    let n = 0\n    while true { n += 1; if n == 3000 { eprint("ready") } }\n}\n'
                    "fn down(n) {\n    if n == 0 { spin() }\n    down(n - 1)\n}\ndown(60)\n")
    report = _interrupt(path, options).stderr.splitlines()
    assert report[:3] == ["ready", "error[KeyboardInterrupt]: interrupted", f"  at spin ({path}:3:18)"]
    assert report[3:22] == [f"  at down ({path}:6:17)"] + [f"  at down ({path}:7:5)"] * 18
    assert report[22:] == ["  ... 23 more frames ..."] + [f"  at down ({path}:7:5)"] * 19 + [f"  at <module> ({path}:9:1)"]


def test_a_second_ctrl_c_ends_the_command_at_once(tmp_path):
    path = tmp_path / "stubborn.esk"
    path.write_text('let n = 0\ntry {\n    while true { n += 1; if n == 1000 { eprint("ready") } }\n'
                    '} finally {\n    eprint("still cleaning")\n    while true { n += 1 }\n}\n')
    for options in (["--tier", "auto"], ["--engine", "tree"]):
        done = _interrupt(path, options, presses=2)
        assert done.stderr == "ready\nstill cleaning\nerror[KeyboardInterrupt]: interrupted\n", options
        assert done.returncode == 130
