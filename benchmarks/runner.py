"""Run the benchmark programs on the register VM, the tree-walker and CPython.

Each benchmark is one algorithm written twice, `programs/NAME.esk` and
`programs/NAME.py`, both reading a size `N` and printing a result; the sizes
make CPython run each for at least 0.3 s. Every engine runs in this one
process, several times: the tree-walker (`tree`), the VM alone (`vm`, as
`esker run --tier vm`), the VM with its compiled tier (`auto`, the default
of `esker run`) and CPython. The table reports median seconds (processor
time of the process by default, `--clock wall` for the wall clock) and each
engine's time as a multiple of CPython's, with geometric means. The
outputs must agree, or the run stops.

    python -m benchmarks                 # the full table
    python -m benchmarks --quick         # small sizes, one repetition
    python -m benchmarks --only fib nbody --repeat 5 --markdown
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from esker.vm.deep import call_with_deep_stack

PROGRAMS = Path(__file__).resolve().parent / "programs"


@dataclass(frozen=True)
class Benchmark:
    name: str
    size: int        # N for the full run
    quick_size: int  # N for --quick


BENCHMARKS = [
    Benchmark("fib", 33, 15),
    Benchmark("loops", 2_000_000, 10_000),
    Benchmark("nbody", 100_000, 500),
    Benchmark("spectral_norm", 260, 12),
    Benchmark("fannkuch", 9, 6),
    Benchmark("binary_trees", 13, 6),
    Benchmark("closures", 900_000, 2_000),
    Benchmark("generators", 2_000_000, 3_000),
    Benchmark("strings", 2_000_000, 3_000),
    Benchmark("methods", 700_000, 2_000),
]


# ------------------------------------------------------------------ engines

def prepare_esker(engine: str, text: str, path: str) -> Callable[[io.StringIO], None]:
    """Parse, check and (for the VM) compile outside the timed region; return
    a function that runs the program once with its output in a buffer."""
    from esker.vm.analysis import analyze

    result = analyze(text, path, compile=(engine != "tree"))
    if result.errors:
        raise SystemExit(f"{path}: " + "; ".join(d.format(path) for d in result.errors))
    if engine == "tree":
        from esker.vm.interpreter import Interpreter

        return lambda out: Interpreter(stdout=out).run_program(result.program, result.source)
    from esker.vm.machine import VM
    from esker.vm.tier import DEFAULT_THRESHOLD

    threshold = DEFAULT_THRESHOLD if engine == "auto" else None
    return lambda out: VM(stdout=out, tier_threshold=threshold).run_main(result.proto, path)


def prepare_python(text: str, path: str, size: int) -> Callable[[io.StringIO], None]:
    code = compile(text, path, "exec")

    def run(out: io.StringIO) -> None:
        def captured_print(*args):
            out.write(" ".join(map(str, args)) + "\n")

        exec(code, {"N": size, "print": captured_print, "__name__": "__bench__"})

    return run


#: What a run's time is measured with: `cpu` is this process's processor time,
#: which other jobs on a shared machine disturb far less than the wall clock.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def measure(run: Callable[[io.StringIO], None], repeat: int, clock=time.process_time) -> tuple[float, str]:
    """Median time of `repeat` runs, and the output of the last."""
    times = []
    output = ""
    for _ in range(repeat):
        buffer = io.StringIO()
        start = clock()
        run(buffer)
        times.append(clock() - start)
        output = buffer.getvalue()
    return statistics.median(times), output


# ------------------------------------------------------------------- report

@dataclass
class Row:
    name: str
    seconds: dict[str, float]

    def ratio(self, numerator: str, denominator: str) -> float | None:
        if numerator in self.seconds and denominator in self.seconds:
            return self.seconds[numerator] / self.seconds[denominator]
        return None


def geometric_mean(values: list[float]) -> float | None:
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def render(rows: list[Row], engines: list[str], markdown: bool) -> str:
    """The results table: seconds per engine, then each Esker engine's time as a
    multiple of CPython's (lower is better), with geometric means."""
    esker = [engine for engine in engines if engine != "python"]
    ratios = esker if "python" in engines else []
    header = (["benchmark"] + [f"{engine} (s)" for engine in engines]
              + [f"{engine} / CPython" for engine in ratios])
    body = []
    columns: dict[str, list[float]] = {engine: [] for engine in ratios}
    for row in rows:
        cells = [row.name] + [f"{row.seconds[engine]:.3f}" for engine in engines]
        for engine in ratios:
            ratio = row.ratio(engine, "python")
            columns[engine].append(ratio)
            cells.append(_times(ratio))
        body.append(cells)
    body.append(["geometric mean"] + [""] * len(engines) + [_times(geometric_mean(columns[e])) for e in ratios])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(str(cells[i])) for cells in [header] + body) for i in range(len(header))]
    return "\n".join("  ".join(str(c).rjust(w) for c, w in zip(cells, widths)) for cells in [header] + body)


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


# --------------------------------------------------------------------- main

def run_benchmark(bench: Benchmark, engines: list[str], size: int, repeat: int, clock=time.process_time) -> Row:
    esker_text = f"const N = {size}\n" + (PROGRAMS / f"{bench.name}.esk").read_text(encoding="utf-8")
    python_text = (PROGRAMS / f"{bench.name}.py").read_text(encoding="utf-8")
    seconds: dict[str, float] = {}
    outputs: dict[str, str] = {}
    for engine in engines:
        if engine == "python":
            run = prepare_python(python_text, str(PROGRAMS / f"{bench.name}.py"), size)
        else:
            run = prepare_esker(engine, esker_text, str(PROGRAMS / f"{bench.name}.esk"))
        seconds[engine], outputs[engine] = measure(run, repeat, clock)
    if len(set(outputs.values())) > 1:
        shown = "\n".join(f"--- {engine}\n{text}" for engine, text in outputs.items())
        raise SystemExit(f"{bench.name}: the engines disagree:\n{shown}")
    return Row(bench.name, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and one repetition")
    parser.add_argument("--repeat", type=int, default=None, help="runs per engine (default 3, 1 with --quick)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--engines", nargs="+", default=["tree", "vm", "auto", "python"],
                        choices=["tree", "vm", "auto", "python"])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="processor time of this process (default) or wall-clock time")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    rows = []
    for bench in chosen:
        size = bench.quick_size if args.quick else bench.size
        print(f"running {bench.name} (N={size}) ...", file=sys.stderr, flush=True)
        rows.append(call_with_deep_stack(lambda: run_benchmark(bench, args.engines, size, repeat, CLOCKS[args.clock])))
    print(render(rows, args.engines, args.markdown))
    return 0
