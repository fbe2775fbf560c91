"""Start-up times: `esker run` of a one-line program against `python -c pass`,
how long the language server and the debug adapter take to answer
`initialize` from the moment they are started, and how long the language
server takes to publish the diagnostics of a small file opened right after.

    python benchmarks/startup.py [--runs 9]

Each figure is the median wall time of several runs of a fresh process,
taken in turn so that a change in the machine's load affects all alike; the
ratio to `python -c pass` is what to compare between machines. The first
line says whether Python writes bytecode files (PYTHONDONTWRITEBYTECODE
unset): without them every module of a source checkout is compiled at every
start. In an editable install `python -c pass` itself imports the install's
path finder (about 10 ms); a regular install has no such cost, so the same
esker start-up is a larger multiple of its `python -c pass`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _run_once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def _read_frame(stream) -> dict:
    length = 0
    while True:
        line = stream.readline()
        if not line:
            raise RuntimeError("the server closed its output before answering")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))


def _initialize_once(command: list[str], request: dict) -> float:
    """Seconds from starting the server to its answer to `request`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        process.stdin.write(_frame(request))
        process.stdin.flush()
        while True:
            message = _read_frame(process.stdout)
            if message.get("type") == "response" or "result" in message:
                return time.perf_counter() - start
    finally:
        process.kill()
        process.wait()


def _first_diagnostics_once(command: list[str], program: str) -> float:
    """Seconds from starting the language server to its first diagnostics
    of `program`, opened as soon as `initialize` is answered (the server
    waits for its debounce, 100 ms, before analysing)."""
    start = time.perf_counter()
    uri = Path(program).as_uri()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        process.stdin.write(_frame({**LSP_INITIALIZE, "params": {**LSP_INITIALIZE["params"],
                                                                 "rootUri": Path(program).parent.as_uri()}}))
        process.stdin.flush()
        while "result" not in _read_frame(process.stdout):
            pass
        process.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}) + _frame(
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "esker", "version": 1, "text": Path(program).read_text(encoding="utf-8")}}}))
        process.stdin.flush()
        while True:
            message = _read_frame(process.stdout)
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return time.perf_counter() - start
    finally:
        process.kill()
        process.wait()


LSP_INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"processId": None, "rootUri": None, "capabilities": {}}}
DAP_INITIALIZE = {"seq": 1, "type": "request", "command": "initialize", "arguments": {"adapterID": "esker"}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/startup.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each command (default 9)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        program = os.path.join(folder, "hello.esk")
        Path(program).write_text('print("hello")\n', encoding="utf-8")
        measures = {
            "python -c pass": lambda: _run_once([sys.executable, "-c", "pass"]),
            "esker run hello.esk": lambda: _run_once([str(BIN / "esker"), "run", program]),
            "esker-lsp: initialize answered": lambda: _initialize_once([str(BIN / "esker-lsp")], LSP_INITIALIZE),
            "esker-lsp: first diagnostics": lambda: _first_diagnostics_once([str(BIN / "esker-lsp")], program),
            "esker-dap: initialize answered": lambda: _initialize_once([str(BIN / "esker-dap")], DAP_INITIALIZE),
        }
        for measure in measures.values():  # warm-up: caches, bytecode files
            measure()
        times: dict[str, list[float]] = {name: [] for name in measures}
        for _ in range(args.runs):
            for name, measure in measures.items():
                times[name].append(measure())
    base = statistics.median(times["python -c pass"])
    caching = "off (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"writing bytecode files: {caching}; median of {args.runs} runs")
    print(f"{'command':<34} {'median':>8} {'min':>8} {'max':>8} {'/ python -c pass':>17}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<34} {median:8.3f} {min(values):8.3f} {max(values):8.3f} {median / base:16.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
