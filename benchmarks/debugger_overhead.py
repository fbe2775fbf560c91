"""What the debugger costs, measured in one run (ratios of timings taken side
by side, never compared with fixed numbers):

- a program's speed under the debugger with breakpoints set but not hit,
  against the plain VM, with history kept and without (and what that history
  holds, against its budget);
- how long a step takes to answer through the debug adapter;
- time travel through the adapter after a run of 10,000,000 instructions:
  `stepBack`, and a `reverseContinue` that crosses 1,000,000 instructions;
- a program printing 20,000 lines, under the adapter against the plain VM.

    python benchmarks/debugger_overhead.py            # the full measurement
    python benchmarks/debugger_overhead.py --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import io
import os
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
from esker.vm.debugger import DebugEvents, Debugger, LineRequest
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

#: The program travelled through: 7 instructions an iteration as the VM runs
#: them (each comparison with its jump is one), so ITERATIONS * 7 instructions;
#: MARK and LAST are lines run once, CROSSING * 7 and a few instructions from the end.
TRAVELLED = """\
fn work(n, mark, last) {
    let total = 0
    let i = 0
    while i < n {
        if i == mark {
            total += 0  # mark
        }
        if i == last {
            total += 0  # last
        }
        total += i % 7
        i += 1
    }
    return total  # end
}
print(work(ITERATIONS, ITERATIONS - CROSSING, ITERATIONS - 3))
"""
INSTRUCTIONS_PER_ITERATION = 7

#: Twenty thousand lines of output.
CHATTY = """\
for i in 0..LINES {
    print("line", i, "of the output")
}
"""


class _Finished(DebugEvents):
    """The controller's events, waiting for the end of the program."""

    def __init__(self):
        self.done = threading.Event()
        self.text = io.StringIO()

    def stopped(self, stop) -> None:
        raise AssertionError(f"a breakpoint that should never be hit stopped the program: {stop}")

    def output(self, category: str, text: str) -> None:
        self.text.write(text)

    def ended(self) -> None:
        self.done.set()


def plain_run(path: str, text: str, out=None) -> tuple[float, str]:
    result = analyze(text, path, compile=True)
    out = out if out is not None else io.StringIO()
    start = time.perf_counter()
    call_with_deep_stack(lambda: VM(stdout=out).run_main(result.proto, path))
    return time.perf_counter() - start, out.getvalue() if isinstance(out, io.StringIO) else ""


def debugged_run(path: str, text: str, history: float) -> tuple[float, str, Debugger]:
    events = _Finished()
    debugger = Debugger(events)
    debugger.load(path)
    lines = [number for number, line in enumerate(text.splitlines(), 1) if "# unhit" in line]
    states = debugger.set_line_breakpoints(path, [LineRequest(line) for line in lines])
    assert all(state.verified for state in states), states
    start = time.perf_counter()
    debugger.start(history=history)
    events.done.wait()
    return time.perf_counter() - start, events.text.getvalue(), debugger


def overhead(loops: int, fib: int, repeat: int) -> dict:
    """Median seconds of the plain VM, the debugger without history and with
    it (breakpoints set, not hit), and what the history held."""
    text = PROGRAM.replace("LOOPS", str(loops)).replace("FIB", str(fib))
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "overhead.esk")
        Path(path).write_text(text)
        plain, without, with_history, held = [], [], [], []
        for _ in range(repeat):
            seconds, expected = plain_run(path, text)
            plain.append(seconds)
            seconds, output, _ = debugged_run(path, text, 0)
            without.append(seconds)
            assert output == expected, (output, expected)
            seconds, output, debugger = debugged_run(path, text, 256)
            with_history.append(seconds)
            assert output == expected, (output, expected)
            held.append((len(debugger._history.checkpoints), debugger._history.size, debugger._history.budget))
    return {"plain": statistics.median(plain), "without": statistics.median(without),
            "with": statistics.median(with_history), "held": held[-1]}


class _Adapter:
    """esker-dap in a subprocess, driven through debugpy's message channel."""

    def __init__(self):
        self.stops: queue.Queue = queue.Queue()
        self.exits: queue.Queue = queue.Queue()
        self.process = subprocess.Popen([sys.executable, "-m", "esker.debugadapter"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        handlers = MessageHandlers(event=self._event, request=lambda request: request.cant_handle("no requests"))
        self.channel = JsonMessageChannel(JsonIOStream.from_process(self.process), handlers)
        self.channel.start()
        self.channel.request("initialize", {"adapterID": "esker"})

    def _event(self, event) -> None:
        if event.event == "stopped":
            self.stops.put(event)
        elif event.event == "exited":
            self.exits.put(event)

    def launch(self, path: str, lines: list[int], **launch) -> None:
        self.channel.request("launch", {"program": path, **launch})
        self.breakpoints(path, lines)
        self.channel.request("configurationDone")

    def breakpoints(self, path: str, lines: list[int]) -> None:
        self.channel.request("setBreakpoints", {"source": {"path": path},
                                                "breakpoints": [{"line": line} for line in lines]})

    def timed(self, command: str, **arguments) -> float:
        """Seconds from sending `command` to the `stopped` event that follows."""
        start = time.perf_counter()
        self.channel.request(command, {"threadId": 1, **arguments})
        self.stops.get(timeout=600)
        return time.perf_counter() - start

    def close(self) -> None:
        self.channel.request("disconnect", {"terminateDebuggee": True})
        self.process.stdin.close()
        self.process.wait(60)


def step_latency(steps: int) -> list[float]:
    """Seconds from each `next` request to its `stopped` event, through esker-dap."""
    adapter = _Adapter()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "stepped.esk")
        Path(path).write_text(STEPPED)
        adapter.launch(path, [3])
        adapter.stops.get(timeout=60)
        timings = [adapter.timed("next") for _ in range(steps)]
    adapter.close()
    return timings


def travel_latency(iterations: int, crossing: int, repeat: int) -> dict:
    """After running `iterations` iterations of TRAVELLED: the seconds each
    `reverseContinue` from the end back to MARK takes (crossing `crossing`
    iterations), and each `stepBack` near the end."""
    text = TRAVELLED.replace("ITERATIONS", str(iterations)).replace("CROSSING", str(crossing))
    lines = {name: number for number, line in enumerate(text.splitlines(), 1)
             for name in ("mark", "last", "end") if f"# {name}" in line}
    adapter = _Adapter()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "travelled.esk")
        Path(path).write_text(text)
        start = time.perf_counter()
        adapter.launch(path, [lines["end"]])
        adapter.stops.get(timeout=600)
        run = time.perf_counter() - start
        adapter.breakpoints(path, [lines["end"], lines["mark"]])
        reverse = []
        for _ in range(repeat):
            reverse.append(adapter.timed("reverseContinue"))
            adapter.timed("continue")
        adapter.breakpoints(path, [lines["last"]])
        adapter.timed("reverseContinue")
        back = [adapter.timed("stepBack") for _ in range(repeat)]
    adapter.close()
    return {"run": run, "reverse": reverse, "back": back}


def output_cost(lines: int) -> tuple[float, float, float]:
    """Seconds to print `lines` lines: `esker run` as a command (start-up
    included), the VM alone writing to a pipe, and a debug session from
    configurationDone to the exit (all output delivered to the client)."""
    text = CHATTY.replace("LINES", str(lines))
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "chatty.esk")
        Path(path).write_text(text)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "esker.vm", "run", path], stdout=subprocess.PIPE, check=True)
        command = time.perf_counter() - start
        reader, writer = os.pipe()
        drain = threading.Thread(target=lambda: os.fdopen(reader, "rb").read(), daemon=True)
        drain.start()
        with os.fdopen(writer, "w") as pipe:
            plain, _ = plain_run(path, text, pipe)
        adapter = _Adapter()
        adapter.channel.request("launch", {"program": path})
        start = time.perf_counter()
        adapter.channel.request("configurationDone")
        adapter.exits.get(timeout=600)
        debugged = time.perf_counter() - start
        adapter.close()
    return command, plain, debugged


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and one repetition")
    args = parser.parse_args(argv)
    if args.quick:
        loops, fib, repeat, steps, iterations, crossing, travels, lines = 20_000, 15, 1, 10, 20_000, 5_000, 3, 2000
    else:
        loops, fib, repeat, steps, lines = 1_000_000, 25, 3, 100, 20_000
        iterations = 10_000_000 // INSTRUCTIONS_PER_ITERATION
        crossing, travels = 1_000_000 // INSTRUCTIONS_PER_ITERATION, 20
    figures = overhead(loops, fib, repeat)
    checkpoints, size, budget = figures["held"]
    print(f"program (loop of {loops:,} and fib({fib})), median of {repeat}:")
    print(f"  plain VM                                       {figures['plain']:8.3f} s")
    print(f"  under the debugger, bps not hit, no history    {figures['without']:8.3f} s")
    print(f"  the same, keeping history                      {figures['with']:8.3f} s")
    print(f"  ratio debugger / plain VM                      {figures['without'] / figures['plain']:8.2f}x")
    print(f"  ratio history / no history                     {figures['with'] / figures['without']:8.2f}x")
    print(f"  history held: {checkpoints} checkpoints, {size / 2**20:.2f} MB of a {budget / 2**20:.0f} MB budget")
    timings = step_latency(steps)
    print(f"step latency over {steps} `next` requests (request to stopped event):")
    print(f"  median {_ms(statistics.median(timings))}, worst {_ms(max(timings))}")
    travel = travel_latency(iterations, crossing, travels)
    print(f"time travel after a run of {iterations * INSTRUCTIONS_PER_ITERATION:,} instructions "
          f"({travel['run']:.2f} s to the end), {travels} of each:")
    print(f"  reverseContinue crossing {crossing * INSTRUCTIONS_PER_ITERATION:,} instructions: "
          f"median {_ms(statistics.median(travel['reverse']))}, p95 {_ms(_p95(travel['reverse']))}")
    print(f"  stepBack: median {_ms(statistics.median(travel['back']))}, p95 {_ms(_p95(travel['back']))}")
    command, plain, debugged = output_cost(lines)
    print(f"printing {lines:,} lines: `esker run` {command:.3f} s (start-up included), the VM alone "
          f"{plain:.3f} s, under the adapter {debugged:.3f} s")
    print(f"  ratio adapter / esker run {debugged / command:.2f}x, adapter / VM alone {debugged / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
