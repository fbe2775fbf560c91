"""What a data breakpoint costs a running program, measured in one run
(ratios of timings taken side by side, never compared with fixed numbers).

One program — a loop that writes a struct field and an array element every
iteration, and a recursion — runs under the debugger with history kept (the
default of a debug session) and without, first with no data breakpoint, then
with one that never fires on each kind of target:

- a global that the hot code never writes: no instruction is trapped;
- a field of another struct, named like the one the loop writes: every
  write of that field name is looked at (the worst case for a field);
- an element of another array: every element write is looked at (the worst
  case for an element);
- a local of the loop's function that the loop does not write.

    python benchmarks/data_breakpoints.py            # the full measurement
    python benchmarks/data_breakpoints.py --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from esker.vm.debugger import DataRequest, DebugEvents, Debugger, LineRequest, ScopeKind

PROGRAM = """\
struct Cell {
    value
}

fn work(n, limit) {
    let cell = Cell(0)
    let buffer = [0, 0, 0, 0, 0, 0, 0, 0]
    let i = 0  # stop
    while i < n {
        cell.value = i % 7
        buffer[i % 8] = cell.value
        i += 1
    }
    return buffer[3] + limit
}

fn fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}

let quiet = Cell(1)
let untouched = [1, 2, 3]
let setting = 0
print(work(1, 0))
print(work(LOOPS, 0), fib(FIB), quiet.value, untouched[1], setting)
"""

#: The data breakpoint of each measured case: what it watches, found at the first stop.
CASES = ("none", "global", "field", "element", "local")


class _Events(DebugEvents):
    """The controller's events: the stops, the output and the end."""

    def __init__(self):
        self.stops: list = []
        self.first_stop = threading.Event()
        self.done = threading.Event()
        self.text = io.StringIO()

    def stopped(self, stop) -> None:
        self.stops.append(stop)
        self.first_stop.set()

    def output(self, category: str, text: str) -> None:
        if category == "stdout":  # not the console's note that the watched local has gone
            self.text.write(text)

    def ended(self) -> None:
        self.done.set()


def _target(debugger: Debugger, case: str):
    """The target of `case`, the program being stopped in `work` (frame 0)."""
    if case == "global":
        return debugger.data_target(0, ScopeKind.GLOBALS, name="setting")
    if case == "local":
        return debugger.data_target(0, ScopeKind.LOCALS, name="limit")
    globals_ = {slot.name: slot.value for slot in debugger.scope(0, ScopeKind.GLOBALS)}
    if case == "field":
        return debugger.data_target(0, value=globals_["quiet"], name="value", label="quiet.value")
    return debugger.data_target(0, value=globals_["untouched"], name="1", label="untouched[1]")


def timed_run(path: str, text: str, case: str, history: float) -> tuple[float, str]:
    """Seconds from a stop at the start of the long call of `work` to the
    end, with the data breakpoint of `case` set there."""
    events = _Events()
    debugger = Debugger(events)
    debugger.load(path)
    stop_line = next(number for number, line in enumerate(text.splitlines(), 1) if "# stop" in line)
    debugger.set_line_breakpoints(path, [LineRequest(stop_line, condition="n > 1")])
    debugger.start(history=history)
    events.first_stop.wait(60)
    if case != "none":
        [state] = debugger.set_data_breakpoints([DataRequest(_target(debugger, case))])
        assert state.verified, state
    debugger.set_line_breakpoints(path, [])
    start = time.perf_counter()
    debugger.resume()
    events.done.wait()
    seconds = time.perf_counter() - start
    assert len(events.stops) == 1, events.stops  # the watched target is never written
    return seconds, events.text.getvalue()


def measure(loops: int, fib: int, repeat: int) -> dict:
    text = PROGRAM.replace("LOOPS", str(loops)).replace("FIB", str(fib))
    figures: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "watched.esk")
        Path(path).write_text(text)
        for history in (0, 256):
            expected = None
            runs = {case: [] for case in CASES}
            for _ in range(repeat):
                for case in CASES:  # side by side, so that the machine's load is shared fairly
                    seconds, output = timed_run(path, text, case, history)
                    expected = expected if expected is not None else output
                    assert output == expected, (case, output, expected)
                    runs[case].append(seconds)
            figures[history] = {case: statistics.median(values) for case, values in runs.items()}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and one repetition")
    args = parser.parse_args(argv)
    loops, fib, repeat = (20_000, 12, 1) if args.quick else (300_000, 22, 3)
    figures = measure(loops, fib, repeat)
    print(f"a loop of {loops:,} iterations writing a field and an element, and fib({fib}); median of {repeat}:")
    for history, label in ((0, "no history"), (256, "history kept")):
        base = figures[history]["none"]
        print(f"  under the debugger, {label}:")
        print(f"    no data breakpoint                          {base:8.3f} s")
        for case, words in (("global", "a global never written"), ("field", "another struct's field"),
                            ("element", "another array's element"), ("local", "a local not written")):
            seconds = figures[history][case]
            print(f"    watching {words:<34} {seconds:8.3f} s  {seconds / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
