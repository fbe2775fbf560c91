"""What the debug adapter scenarios share: test programs and their `# @bp`
markers, and a client wrapper for the steps every scenario repeats."""

from __future__ import annotations

import re
from pathlib import Path

from dap_client import DapClient

PROGRAMS = Path(__file__).parent / "programs"
_MARKER = re.compile(r"#\s*@bp\b\s*(\w*)")


def markers(path: Path) -> dict[str, int]:
    """Line numbers of the `# @bp NAME` markers of a program (1-based), by name."""
    found = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = _MARKER.search(line)
        if match:
            found[match.group(1) or str(len(found))] = number
    return found


def program(name: str) -> Path:
    return PROGRAMS / name


class Debuggee:
    """A client driving one program, with the steps every scenario repeats."""

    def __init__(self, client: DapClient):
        self.client = client
        self.capabilities: dict = {}

    def launch(self, path: Path, **launch) -> None:
        """initialize and launch, leaving the configuration phase open."""
        self.capabilities = self.client.request("initialize", {"adapterID": "esker", "linesStartAt1": True,
                                                               "columnsStartAt1": True, "pathFormat": "path"})
        self.client.wait_event("initialized")
        self.client.request("launch", {"program": str(path), **launch})

    def start(self, path: Path, lines: list[int | dict] = (), stop_on_entry: bool = False, **launch) -> dict:
        """launch, set breakpoints (line numbers, or SourceBreakpoint objects),
        configurationDone; the breakpoints as set."""
        self.launch(path, stopOnEntry=stop_on_entry, **launch)
        specs = [line if isinstance(line, dict) else {"line": line} for line in lines]
        breakpoints = self.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": specs})
        self.client.request("configurationDone")
        return breakpoints

    def start_with_filters(self, path: Path, filters: list[str]) -> None:
        """launch with these exception breakpoint filters, then configurationDone."""
        self.launch(path)
        self.client.request("setExceptionBreakpoints", {"filters": filters})
        self.client.request("configurationDone")

    def run_to(self, path: Path, line: int) -> dict:
        """Start `path` with a breakpoint on `line` and wait for it; the top frame."""
        self.start(path, [line])
        self.stopped("breakpoint")
        return self.top()

    def stopped(self, reason: str | None = None) -> dict:
        body = self.client.wait_event("stopped")
        if reason is not None:
            assert body["reason"] == reason, body
        return body

    def frames(self, start: int = 0, levels: int = 0) -> dict:
        return self.client.request("stackTrace", {"threadId": 1, "startFrame": start, "levels": levels})

    def top(self) -> dict:
        return self.frames(0, 1)["stackFrames"][0]

    def scope(self, name: str, frame: dict | None = None) -> dict[str, dict]:
        """The variables of a scope of a frame (the top one by default), by name."""
        frame = frame or self.top()
        scopes = self.client.request("scopes", {"frameId": frame["id"]})["scopes"]
        reference = next(s["variablesReference"] for s in scopes if s["name"] == name)
        return self.children(reference)

    def children(self, reference: int, **paging) -> dict[str, dict]:
        items = self.client.request("variables", {"variablesReference": reference, **paging})["variables"]
        return {item["name"]: item for item in items}

    def evaluate(self, expression: str, context: str = "repl", frame: dict | None = None) -> dict:
        frame = frame or self.top()
        return self.client.request("evaluate", {"expression": expression, "frameId": frame["id"],
                                                "context": context})

    def resume(self, command: str = "continue", **arguments) -> None:
        self.client.request(command, {"threadId": 1, **arguments})

    def run_to_end(self) -> int:
        """Continue, and wait for the end of the program; its exit code."""
        self.resume()
        return self.finish()

    def finish(self) -> int:
        """Wait for the end of the program; its exit code."""
        code = self.client.wait_event("exited")["exitCode"]
        self.client.wait_event("terminated")
        return code

    def output(self, category: str = "stdout") -> str:
        return "".join(event["body"]["output"] for event in self.client.events
                       if event["event"] == "output" and event["body"].get("category") == category)
