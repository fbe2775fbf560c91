"""How quickly the language server answers, measured through a real client.

Starts `python -m esker.server` as a subprocess, drives it with a pygls
client on generated files of 100, 1,000 and 5,000 lines, and prints the p50
and p95 of: the time from an edit to its diagnostics (and that time less the
debounce), hover on a settled document, the first hover after an edit's
diagnostics arrive (the bytecode may still be compiling), and completion.

    python benchmarks/lsp_latency.py             # the full table
    python benchmarks/lsp_latency.py --quick     # one small file, a few rounds
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient

SIZES = (100, 1_000, 5_000)
DEBOUNCE_MS = 100


def generate(lines: int) -> str:
    """An Esker file of about `lines` lines: functions, structs, loops, calls."""
    chunk = """\
# Step {n} of the pipeline.
fn step_{n}(a, b = 2) {{
    let total = a * b + {n}
    for i in 0..b {{
        total += i
    }}
    return total
}}
struct Item_{n} {{
    name
    price = {n}
    fn cost(self, count) {{ return self.price * count }}
}}
let value_{n} = step_{n}({n}, 3) + Item_{n}("x").cost(2)
"""
    count = max(1, lines // chunk.count("\n"))
    return "".join(chunk.format(n=n) for n in range(count))


class Client(BaseLanguageClient):
    """A pygls client that keeps the diagnostics versions the server publishes."""

    def __init__(self) -> None:
        super().__init__("latency-benchmark", "1")
        self.versions: dict[str, int] = {}
        self.published = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.versions[params.uri] = params.version or 0
            self.published.set()

    async def diagnostics_for(self, uri: str, version: int) -> None:
        while self.versions.get(uri) != version:
            self.published.clear()
            await self.published.wait()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def measure(client: Client, folder: Path, lines: int, rounds: int) -> dict[str, tuple[float, float]]:
    text = generate(lines)
    path = folder / f"bench_{lines}.esk"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="esker", version=1, text=text)))
    await client.diagnostics_for(uri, 1)
    middle = text.count("\n") // 2
    document = types.TextDocumentIdentifier(uri=uri)
    edits, fresh_hovers = [], []
    for version in range(2, rounds + 2):
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=middle, character=0),
                              end=types.Position(line=middle, character=0)),
            text=f"let edit_{version} = {version}\n")
        started = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))
        await client.diagnostics_for(uri, version)
        edits.append(time.perf_counter() - started)
        started = time.perf_counter()
        await client.text_document_hover_async(types.HoverParams(
            text_document=document, position=types.Position(line=middle + 3, character=8)))
        fresh_hovers.append(time.perf_counter() - started)
    hovers, completions = [], []
    last_line = text.count("\n") + rounds - 1
    for number in range(rounds):
        line = 1 + (number * 97) % max(1, last_line - 1)
        position = types.Position(line=line, character=8)
        started = time.perf_counter()
        await client.text_document_hover_async(types.HoverParams(text_document=document, position=position))
        hovers.append(time.perf_counter() - started)
        started = time.perf_counter()
        await client.text_document_completion_async(types.CompletionParams(text_document=document, position=position))
        completions.append(time.perf_counter() - started)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document))
    return {"edit": percentiles(edits), "fresh hover": percentiles(fresh_hovers), "hover": percentiles(hovers),
            "completion": percentiles(completions)}


async def run(sizes: tuple[int, ...], rounds: int) -> list[tuple[int, dict[str, tuple[float, float]]]]:
    client = Client()
    await client.start_io(sys.executable, "-m", "esker.server")
    with tempfile.TemporaryDirectory() as folder:
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=Path(folder).as_uri(),
            initialization_options={"debounceMs": DEBOUNCE_MS}))
        client.initialized(types.InitializedParams())
        results = [(lines, await measure(client, Path(folder), lines, rounds)) for lines in sizes]
        await client.shutdown_async(None)
        client.exit(None)
    await client.stop()
    return results


def table(results) -> str:
    rows = ["| lines | edit → diagnostics p50 / p95 (after the debounce) | hover p50 / p95 "
            "| first hover after an edit p50 / p95 | completion p50 / p95 |",
            "|---:|---|---|---|---|"]
    for lines, found in results:
        edit_p50, edit_p95 = (value * 1000 for value in found["edit"])
        rows.append(f"| {lines:,} | {edit_p50:.0f} / {edit_p95:.0f} ms "
                    f"({edit_p50 - DEBOUNCE_MS:.0f} / {edit_p95 - DEBOUNCE_MS:.0f} ms) | {_ms(found['hover'])} "
                    f"| {_ms(found['fresh hover'])} | {_ms(found['completion'])} |")
    return "\n".join(rows)


def _ms(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 1000:.1f} / {pair[1] * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small file and a few rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, default=20, help="edits, hovers and completions per file")
    args = parser.parse_args(argv)
    sizes, rounds = ((100,), 3) if args.quick else (SIZES, args.rounds)
    print(f"esker-lsp latency, debounce {DEBOUNCE_MS} ms, {rounds} rounds per file\n")
    print(table(asyncio.run(run(sizes, rounds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
