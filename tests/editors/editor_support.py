"""What the editor tests share: paths, a process runner, and a probe that
tells whether the language server can serve an editor session yet."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
NVIM_PLUGIN = ROOT / "editors" / "nvim"


def run(command: list[str | Path], cwd: Path = VSCODE, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a tool and return its result, output included, without raising on failure."""
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def language_server_problem(sample: str, hover_at: dict) -> str | None:
    """Why `python -m esker.server` cannot serve an editor session yet, or None:
    it must start, and answer `esker/disassemble` and hover (at `hover_at`)
    for the document `sample` without an error."""
    with tempfile.TemporaryFile() as errors:
        server = subprocess.Popen([sys.executable, "-m", "esker.server"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=errors)
        # A server that stops answering is killed, which ends the reads below.
        watchdog = threading.Timer(60, server.kill)
        watchdog.start()
        try:
            return _session_problem(server, sample, hover_at)
        except (BrokenPipeError, EOFError, ValueError):
            errors.seek(0)
            last = errors.read().decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
            return f"esker-lsp stopped or did not answer: {last[0]}"
        finally:
            watchdog.cancel()
            server.kill()
            server.wait()


def _session_problem(server: subprocess.Popen, sample: str, hover_at: dict) -> str | None:
    uri = "file:///probe/sample.esk"
    document = {"textDocument": {"uri": uri}}
    _send(server, {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                "capabilities": {}}})
    capabilities = _reply(server, 1).get("result", {}).get("capabilities", {})
    if not capabilities.get("hoverProvider"):
        return "esker-lsp does not offer hover"
    _send(server, {"method": "initialized", "params": {}})
    _send(server, {"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "esker", "version": 1, "text": sample}}})
    _send(server, {"id": 2, "method": "esker/disassemble", "params": document})
    _send(server, {"id": 3, "method": "textDocument/hover", "params": {**document, "position": hover_at}})
    # The answers may come in either order.
    answers = _replies(server, {2, 3})
    for request_id, method in ((2, "esker/disassemble"), (3, "textDocument/hover")):
        error = answers[request_id].get("error")
        if error:
            return f"{method} fails: {error.get('message')}"
    return None


def _send(server: subprocess.Popen, message: dict) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    server.stdin.flush()


def _reply(server: subprocess.Popen, request_id: int) -> dict:
    """The response to `request_id`, skipping the server's notifications and requests."""
    return _replies(server, {request_id})[request_id]


def _replies(server: subprocess.Popen, request_ids: set[int]) -> dict[int, dict]:
    """The responses to `request_ids` by id, in whatever order they come,
    skipping the server's notifications and requests."""
    found: dict[int, dict] = {}
    while len(found) < len(request_ids):
        length = None
        while (header := server.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise EOFError
        message = json.loads(server.stdout.read(length))
        if message.get("id") in request_ids and "method" not in message:
            found[message["id"]] = message
    return found
