"""What the debugger costs: a program's speed with breakpoints set but not
hit, against the plain VM, measured in one run; and how long a step takes to
answer through the debug adapter.

    python benchmarks/debugger_overhead.py            # the full measurement
    python benchmarks/debugger_overhead.py --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import io
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from debugpy.common.messaging import JsonIOStream, JsonMessageChannel, MessageHandlers

from esker.vm.analysis import analyze
from esker.vm.debugger import Debugger, LineRequest
from esker.vm.deep import call_with_deep_stack
from esker.vm.machine import VM

#: A loop and a recursion; the breakpoints sit on lines inside both that never run.
PROGRAM = """\
fn work(n) {
    let total = 0
    let i = 0
    while i < n {
        if i < 0 {
            print("never")  # unhit
        }
        total += i % 7
        i += 1
    }
    return total
}

fn fib(n) {
    if n < 0 {
        print("never")  # unhit
    }
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}

print(work(LOOPS), fib(FIB))
"""

#: The program stepped through for the latency figure.
STEPPED = """\
let total = 0
for i in 0..1000000 {
    total += i  # step here
}
"""


class _Finished:
    """The controller's events, waiting for the end of the program."""

    def __init__(self):
        self.done = threading.Event()
        self.text = io.StringIO()

    def stopped(self, stop) -> None:
        raise AssertionError(f"a breakpoint that should never be hit stopped the program: {stop}")

    def output(self, category: str, text: str) -> None:
        self.text.write(text)

    def exited(self, status: int) -> None:
        """The status is checked through the output."""

    def ended(self) -> None:
        self.done.set()

    def module_loaded(self, root) -> None:
        """Nothing to record."""

    def breakpoint_changed(self, state) -> None:
        """Nothing to record."""


def plain_run(path: str, text: str) -> tuple[float, str]:
    result = analyze(text, path, compile=True)
    out = io.StringIO()
    start = time.perf_counter()
    call_with_deep_stack(lambda: VM(stdout=out).run_main(result.proto, path))
    return time.perf_counter() - start, out.getvalue()


def debugged_run(path: str, text: str) -> tuple[float, str]:
    events = _Finished()
    debugger = Debugger(events)
    debugger.load(path)
    lines = [number for number, line in enumerate(text.splitlines(), 1) if "# unhit" in line]
    states = debugger.set_line_breakpoints(path, [LineRequest(line) for line in lines])
    assert all(state.verified for state in states), states
    start = time.perf_counter()
    debugger.start()
    events.done.wait()
    return time.perf_counter() - start, events.text.getvalue()


def overhead(loops: int, fib: int, repeat: int) -> tuple[float, float]:
    """Median seconds without and with the debugger (breakpoints set, not hit)."""
    text = PROGRAM.replace("LOOPS", str(loops)).replace("FIB", str(fib))
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "overhead.esk")
        Path(path).write_text(text)
        plain, debugged = [], []
        for _ in range(repeat):
            seconds, expected = plain_run(path, text)
            plain.append(seconds)
            seconds, output = debugged_run(path, text)
            debugged.append(seconds)
            assert output == expected, (output, expected)
    return statistics.median(plain), statistics.median(debugged)


def step_latency(steps: int) -> list[float]:
    """Seconds from each `next` request to its `stopped` event, through esker-dap."""
    stops: queue.Queue = queue.Queue()
    process = subprocess.Popen([sys.executable, "-m", "esker.debugadapter"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    handlers = MessageHandlers(event=lambda event: stops.put(event) if event.event == "stopped" else None,
                               request=lambda request: request.cant_handle("no requests"))
    channel = JsonMessageChannel(JsonIOStream.from_process(process), handlers)
    channel.start()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "stepped.esk")
        Path(path).write_text(STEPPED)
        channel.request("initialize", {"adapterID": "esker"})
        channel.request("launch", {"program": path})
        channel.request("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3}]})
        channel.request("configurationDone")
        stops.get(timeout=60)
        timings = []
        for _ in range(steps):
            start = time.perf_counter()
            channel.request("next", {"threadId": 1})
            stops.get(timeout=60)
            timings.append(time.perf_counter() - start)
        channel.request("disconnect", {"terminateDebuggee": True})
    process.stdin.close()
    process.wait(60)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and one repetition")
    args = parser.parse_args(argv)
    loops, fib, repeat, steps = (20_000, 15, 1, 10) if args.quick else (1_000_000, 25, 3, 100)
    plain, debugged = overhead(loops, fib, repeat)
    timings = step_latency(steps)
    print(f"program (loop of {loops:,} and fib({fib})), median of {repeat}:")
    print(f"  plain VM                          {plain:8.3f} s")
    print(f"  under the debugger, bps not hit   {debugged:8.3f} s")
    print(f"  ratio                             {debugged / plain:8.2f}x")
    print(f"step latency over {steps} `next` requests (request to stopped event):")
    print(f"  median {statistics.median(timings) * 1000:.1f} ms, worst {max(timings) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
