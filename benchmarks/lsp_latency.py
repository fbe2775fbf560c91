"""How quickly the language server answers, measured through a real client.

Starts `python -m esker.server` as a subprocess, drives it with a pygls
client on generated files of 1,000, 5,000 and 20,000 lines (functions,
structs, loops, calls) and prints the p50 and p95 of each measure over
one-character typing edits spread over the file:

- edit → diagnostics: from sending the change to receiving its diagnostics,
  less the debounce (the quiet time the server waits for by design);
- the first hover after an edit (on the edited function, whose code must
  be compiled again), completion, inlay hints for a screenful, semantic
  tokens for that screenful, the document's symbols, hover on a settled
  document, and semantic tokens for the whole document;
- hover sent right after a second edit, while that edit is analysed (the
  hover must not wait for more than the edited declaration).

A response is timed when it arrives, before the client parses its JSON
(parsing a large answer is the client's cost, and pygls parses slowly).
`--repeat N` runs the whole measurement N times in a row and prints each
run's table: on a shared machine, the spread between runs is the noise.

    python benchmarks/lsp_latency.py             # the full table
    python benchmarks/lsp_latency.py --quick     # one small file, a few rounds
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient
from pygls.protocol import LanguageServerProtocol

SIZES = (1_000, 5_000, 20_000)
#: How the server is started (arguments after the Python interpreter).
SERVER = ("-m", "esker.server")
DEBOUNCE_MS = 100
#: Lines of a screenful (inlay hints and semantic tokens are asked for one).
SCREEN = 60
MEASURES = ("edit → diagnostics", "first hover after an edit", "hover during analysis", "hover", "completion",
            "inlay hints (screen)", "semantic tokens (screen)", "document symbols", "semantic tokens (full)")
TARGETS = {"edit → diagnostics": 100, "first hover after an edit": 50, "hover during analysis": 50,
           "hover": 50, "completion": 50,
           "inlay hints (screen)": 50, "semantic tokens (screen)": 50, "document symbols": 50,
           "semantic tokens (full)": 150}

CHUNK = """\
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
CHUNK_LINES = CHUNK.count("\n")


def generate(lines: int) -> str:
    """An Esker file of about `lines` lines: functions, structs, loops, calls."""
    return "".join(CHUNK.format(n=n) for n in range(max(1, lines // CHUNK_LINES)))


class _Protocol(LanguageServerProtocol):
    """Notes when each response arrives: when the client starts parsing its
    JSON (pygls calls this hook for every object in a message, innermost
    first, and last for the message itself)."""

    parsing_since: float | None = None

    def structure_message(self, data: dict):
        if self.parsing_since is None:
            self.parsing_since = time.perf_counter()
        if "jsonrpc" in data:
            if "id" in data and "method" not in data:
                self.arrived[data["id"]] = self.parsing_since
            self.parsing_since = None
        return super().structure_message(data)


class Client(BaseLanguageClient):
    """A pygls client that keeps the diagnostics versions the server publishes."""

    def __init__(self) -> None:
        super().__init__("latency-benchmark", "1", protocol_cls=_Protocol)
        self.protocol.arrived = {}
        self.requests = 0
        self.versions: dict[str, tuple[int, float]] = {}
        self.published = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.versions[params.uri] = (params.version or 0, time.perf_counter())
            self.published.set()

    async def diagnostics_for(self, uri: str, version: int) -> float:
        """When the diagnostics of `version` arrived."""
        while self.versions.get(uri, (None,))[0] != version:
            self.published.clear()
            await self.published.wait()
        return self.versions[uri][1]

    async def timed(self, method: str, params) -> float:
        """Seconds until the answer to a request arrives."""
        self.requests += 1
        message_id = f"timed-{self.requests}"
        started = time.perf_counter()
        await asyncio.wrap_future(self.protocol.send_request(method, params, msg_id=message_id))
        return self.protocol.arrived.pop(message_id) - started


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


class Session:
    """One generated document open in the server."""

    def __init__(self, client: Client, folder: Path, lines: int):
        self.client = client
        self.text = generate(lines)
        path = folder / f"bench_{lines}.esk"
        path.write_text(self.text, encoding="utf-8")
        self.uri = path.as_uri()
        self.document = types.TextDocumentIdentifier(uri=self.uri)
        self.version = 1
        self.lines = self.text.split("\n")

    async def open(self) -> None:
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=self.uri, language_id="esker", version=1, text=self.text)))
        await self.client.diagnostics_for(self.uri, 1)

    def type_at(self, line: int, character: int, text: str) -> float:
        """Type `text` at a place; returns when the change was sent."""
        self.version += 1
        where = types.Position(line=line, character=character)
        change = types.TextDocumentContentChangePartial(range=types.Range(start=where, end=where), text=text)
        current = self.lines[line]
        self.lines[line] = current[:character] + text + current[character:]
        started = time.perf_counter()
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=[change]))
        return started

    def screen(self, line: int) -> types.Range:
        first = max(0, line - SCREEN // 2)
        return types.Range(start=types.Position(line=first, character=0),
                           end=types.Position(line=min(len(self.lines) - 1, first + SCREEN), character=0))


async def measure(client: Client, folder: Path, lines: int, rounds: int, seed: int) -> dict[str, list[float]]:
    session = Session(client, folder, lines)
    await session.open()
    chunks = max(1, lines // CHUNK_LINES)
    samples: dict[str, list[float]] = {name: [] for name in MEASURES}
    pick = random.Random(seed)
    for _ in range(rounds):
        chunk = pick.randrange(chunks)
        line = chunk * CHUNK_LINES + 2          # `    let total = a * b + {n}`
        # After the number: typing a digit keeps the file valid.
        sent = session.type_at(line, len(session.lines[line]), "7")
        arrived = await client.diagnostics_for(session.uri, session.version)
        samples["edit → diagnostics"].append(arrived - sent - DEBOUNCE_MS / 1000)
        total = types.Position(line=line + 4, character=len("    return to"))
        samples["first hover after an edit"].append(await client.timed(
            types.TEXT_DOCUMENT_HOVER, types.HoverParams(text_document=session.document, position=total)))
        samples["completion"].append(await client.timed(
            types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(text_document=session.document, position=total)))
        screen = session.screen(line)
        samples["inlay hints (screen)"].append(await client.timed(
            types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintParams(text_document=session.document, range=screen)))
        samples["semantic tokens (screen)"].append(await client.timed(
            types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE,
            types.SemanticTokensRangeParams(text_document=session.document, range=screen)))
        samples["document symbols"].append(await client.timed(
            types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, types.DocumentSymbolParams(text_document=session.document)))
        elsewhere = types.Position(line=pick.randrange(len(session.lines) - 1), character=8)
        samples["hover"].append(await client.timed(
            types.TEXT_DOCUMENT_HOVER, types.HoverParams(text_document=session.document, position=elsewhere)))
        samples["semantic tokens (full)"].append(await client.timed(
            types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, types.SemanticTokensParams(text_document=session.document)))
        # Another digit, and a hover at once: the request starts the analysis
        # without waiting for the debounce, and answers from it.
        session.type_at(line, len(session.lines[line]), "7")
        samples["hover during analysis"].append(await client.timed(
            types.TEXT_DOCUMENT_HOVER, types.HoverParams(text_document=session.document, position=total)))
        await client.diagnostics_for(session.uri, session.version)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=session.document))
    return samples


async def run(sizes: tuple[int, ...], rounds: int, seed: int) -> list[tuple[int, dict[str, list[float]]]]:
    client = Client()
    await client.start_io(sys.executable, *SERVER)
    with tempfile.TemporaryDirectory() as folder:
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=Path(folder).as_uri(),
            initialization_options={"debounceMs": DEBOUNCE_MS}))
        client.initialized(types.InitializedParams())
        results = [(lines, await measure(client, Path(folder), lines, rounds, seed)) for lines in sizes]
        await client.shutdown_async(None)
        client.exit(None)
    await client.stop()
    return results


def table(results) -> str:
    rows = ["| measure (p50 / p95, ms) | target (p95) | " + " | ".join(f"{lines:,} lines" for lines, _ in results)
            + " |", "|---|---:|" + "---:|" * len(results)]
    for name in MEASURES:
        cells = []
        for _, samples in results:
            p50, p95 = percentiles(samples[name])
            cells.append(f"{p50 * 1000:.0f} / {p95 * 1000:.0f}")
        target = f"≤ {TARGETS[name]}" + (" (5,000 lines)" if name == "semantic tokens (full)" else "")
        rows.append(f"| {name} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small file and a few rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, default=40, help="typing edits (each followed by the requests)")
    parser.add_argument("--repeat", type=int, default=1, help="run the whole measurement this many times")
    parser.add_argument("--sizes", type=lambda text: tuple(int(n) for n in text.split(",")), default=SIZES,
                        help="comma-separated file sizes in lines")
    args = parser.parse_args(argv)
    sizes, rounds = ((100,), 3) if args.quick else (args.sizes, args.rounds)
    print(f"esker-lsp latency: debounce {DEBOUNCE_MS} ms (left out of edit → diagnostics), "
          f"{rounds} typing edits per file")
    for number in range(args.repeat):
        print(f"\nrun {number + 1} of {args.repeat}\n")
        print(table(asyncio.run(run(sizes, rounds, seed=number))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
