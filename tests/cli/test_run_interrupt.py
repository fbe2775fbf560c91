"""Ctrl-C in `esker run`, as a user presses it: SIGINT sent to the running
command once the program says it runs. The first stops the program at its
next call or loop iteration (its `finally` blocks run, then the REPL's
KeyboardInterrupt report and status 130), on every engine; a second one
ends the command at once."""

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


def _interrupt(path, options: list[str], presses: int = 1) -> subprocess.CompletedProcess:
    """Runs the program, waits for its `ready` line on standard error, then
    presses Ctrl-C `presses` times (each after the line that follows)."""
    process = subprocess.Popen([sys.executable, "-m", "esker.vm", "run", *options, str(path)],
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
    assert done.stderr == "ready\nerror[KeyboardInterrupt]: interrupted\n"
    assert done.returncode == 130


def test_a_second_ctrl_c_ends_the_command_at_once(tmp_path):
    path = tmp_path / "stubborn.esk"
    path.write_text('let n = 0\ntry {\n    while true { n += 1; if n == 1000 { eprint("ready") } }\n'
                    '} finally {\n    eprint("still cleaning")\n    while true { n += 1 }\n}\n')
    for options in (["--tier", "auto"], ["--engine", "tree"]):
        done = _interrupt(path, options, presses=2)
        assert done.stderr == "ready\nstill cleaning\nerror[KeyboardInterrupt]: interrupted\n", options
        assert done.returncode == 130
