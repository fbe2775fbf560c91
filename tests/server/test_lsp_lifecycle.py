"""The lifecycle as the LSP specification states it, spoken byte for byte
(a test client would refuse to break the rules itself): requests before
`initialize` and after `shutdown` are refused with the specified codes, an
`exit` without `shutdown` ends the process with status 1, and refusals that
are part of normal work are answered without tracebacks on stderr."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading

SERVER = [sys.executable, "-m", "esker.server"]
INITIALIZE = {"jsonrpc": "2.0", "id": "init", "method": "initialize",
              "params": {"processId": None, "rootUri": None, "capabilities": {}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "initialized", "params": {}}
SHUTDOWN = {"jsonrpc": "2.0", "id": "bye", "method": "shutdown"}
EXIT = {"jsonrpc": "2.0", "method": "exit"}
#: Seconds any answer may take.
PATIENCE = 60


def hover(msg_id, uri="file:///nowhere/x.esk"):
    return {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Conversation:
    """The server as a subprocess, spoken to one message at a time: a request
    is answered before the next message is sent."""

    def __init__(self):
        self.process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line or length is None:
                return
            message = json.loads(stream.read(length))
            if "id" in message and "method" not in message:
                self.answers.put(message)

    def send(self, message: dict) -> dict | None:
        self.process.stdin.write(frame(message))
        self.process.stdin.flush()
        if "id" not in message:
            return None
        answer = self.answers.get(timeout=PATIENCE)
        assert answer["id"] == message["id"]
        return answer

    def finish(self) -> tuple[int, str]:
        """Close the server's input; its exit status and stderr."""
        self.process.stdin.close()
        status = self.process.wait(timeout=PATIENCE)
        return status, self.process.stderr.read().decode("utf-8", "replace")


def converse(*messages: dict) -> tuple[int, dict, str]:
    """Send `messages`, each request once the one before is answered: the
    exit status, the answers by id, and what the server wrote to stderr."""
    conversation = Conversation()
    answers = {}
    for message in messages:
        answer = conversation.send(message)
        if answer is not None:
            answers[answer["id"]] = answer
    status, stderr = conversation.finish()
    return status, answers, stderr


def test_a_request_before_initialize_is_refused_with_server_not_initialized():
    symbols = {"jsonrpc": "2.0", "id": 2, "method": "workspace/symbol", "params": {"query": "x"}}
    status, answers, _ = converse(hover(1), INITIALIZE, INITIALIZED, symbols, SHUTDOWN, EXIT)
    assert answers[1]["error"]["code"] == -32002
    assert "result" in answers["init"] and answers[2]["result"] == []
    assert status == 0


def test_a_request_after_shutdown_is_invalid():
    status, answers, _ = converse(INITIALIZE, INITIALIZED, SHUTDOWN, hover(3), EXIT)
    assert answers["bye"]["result"] is None
    assert answers[3]["error"]["code"] == -32600
    assert status == 0


def test_exit_without_shutdown_ends_with_status_one():
    status, answers, _ = converse(INITIALIZE, INITIALIZED, EXIT)
    assert "result" in answers["init"]
    assert status == 1


def test_expected_refusals_are_answered_without_tracebacks(tmp_path):
    uri = (tmp_path / "k.esk").as_uri()
    opened = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "esker", "version": 1, "text": "let x = 1\nprint(x)\n"}}}
    rename = {"jsonrpc": "2.0", "id": "rename", "method": "textDocument/rename", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}, "newName": "y"}}
    command = {"jsonrpc": "2.0", "id": "command", "method": "workspace/executeCommand",
               "params": {"command": "esker.noSuchCommand", "arguments": []}}
    status, answers, stderr = converse(INITIALIZE, INITIALIZED, opened, rename, command, hover("closed"),
                                       SHUTDOWN, EXIT)
    assert answers["rename"]["error"]["code"] == -32803
    assert "keyword" in answers["rename"]["error"]["message"]
    assert answers["command"]["error"]["code"] == -32602
    assert answers["closed"]["error"]["code"] == -32602
    assert "not open" in answers["closed"]["error"]["message"]
    assert "Traceback" not in stderr and "ERROR" not in stderr, stderr
    assert status == 0
