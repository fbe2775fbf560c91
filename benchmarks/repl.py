"""What the REPL costs per entry: N entries piped into `esker repl` against
the same statements run as one file with `esker run`, measured in one run.

Each entry is checked, compiled and run on its own against the session, so
the ratio stays flat as N grows; a REPL that re-checked everything typed so
far would grow with N.

    python benchmarks/repl.py                 # 1,000 entries (and 4,000 to show the trend)
    python benchmarks/repl.py --quick         # small sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def entries(count: int) -> list[str]:
    """A session's worth of varied one-line entries: definitions, calls,
    closures, branches, and expressions whose values are echoed."""
    lines = []
    for number in range(count):
        kind = number % 5
        if kind == 0:
            lines.append(f"let v{number} = {number} * 2")
        elif kind == 1:
            lines.append(f"fn f{number}(x) {{ return x + v{number - 1} }}")
        elif kind == 2:
            lines.append(f"f{number - 1}({number})")
        elif kind == 3:
            lines.append(f"let s{number} = [1, 2, 3].map(fn (x) => x * {number}).len()")
        else:
            lines.append(f"if v{number - 4} > 10 {{ v{number - 4} -= 1 }} else {{ v{number - 4} = 0 }}")
    return lines


def as_program(lines: list[str]) -> str:
    """The same statements as a file; the echoed calls print instead."""
    return "".join((f"print({line})" if line.startswith("f") and not line.startswith("fn") else line) + "\n"
                   for line in lines)


def timed(command: list[str], stdin: str | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or done.stderr:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


def measure(count: int, folder: Path) -> tuple[float, float]:
    """(seconds for the REPL, seconds for the file); their outputs must agree."""
    lines = entries(count)
    program = folder / f"entries_{count}.esk"
    program.write_text(as_program(lines), encoding="utf-8")
    esker = [sys.executable, "-m", "esker.vm"]
    repl_seconds, echoed = timed(esker + ["repl"], "\n".join(lines) + "\n")
    file_seconds, printed = timed(esker + ["run", str(program)])
    if echoed != printed:
        raise SystemExit("the REPL and the file printed different things")
    return repl_seconds, file_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    options = parser.parse_args(argv)
    sizes = [50, 200] if options.quick else [1000, 4000]
    print("| entries | REPL (s) | one file (s) | REPL / file |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for count in sizes:
            repl_seconds, file_seconds = measure(count, Path(folder))
            print(f"| {count:,} | {repl_seconds:.2f} | {file_seconds:.2f} | {repl_seconds / file_seconds:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
