"""A DAP client for the tests: starts `esker-dap` as a subprocess over stdio
(or connects to one listening on a TCP port).

Every message the adapter sends is checked against the protocol's JSON
schema (the copy in `schema/`) as it arrives; violations are collected and
fail the test. Tests wait on messages (`request`, `wait_event`), never on time.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).parent / "schema" / "debugAdapterProtocol.json").read_text())
DEFINITIONS = SCHEMA["definitions"]
#: How long to wait for one message before the test fails (a guard, not a pace).
TIMEOUT = 30.0

_validators: dict[str, jsonschema.Draft4Validator] = {}


def adapter_command() -> list[str]:
    """`esker-dap` from the running environment (python -m as a fallback)."""
    script = Path(sys.executable).with_name("esker-dap")
    return [str(script)] if script.exists() else [sys.executable, "-m", "esker.debugadapter"]


def definition_for(message: dict) -> str:
    """The schema definition a message from the adapter must satisfy."""
    if message.get("type") == "event":
        name = _capitalised(message.get("event", "")) + "Event"
        return name if name in DEFINITIONS else "Event"
    if message.get("type") == "response":
        if not message.get("success"):
            return "ErrorResponse"
        name = _capitalised(message.get("command", "")) + "Response"
        return name if name in DEFINITIONS else "Response"
    return "ProtocolMessage"


def schema_problems(message: dict) -> list[str]:
    name = definition_for(message)
    validator = _validators.get(name)
    if validator is None:
        validator = _validators[name] = jsonschema.Draft4Validator(
            {"$ref": f"#/definitions/{name}", "definitions": DEFINITIONS})
    return [f"{name}: {error.message} at {list(error.absolute_path)}" for error in validator.iter_errors(message)]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class DapClient:
    """One adapter process and the messages it has sent."""

    def __init__(self, command: list[str] | None = None, port: int | None = None):
        """Start `command` (esker-dap by default), or connect to an adapter
        already listening on 127.0.0.1:`port`."""
        self.process = None
        self.socket = None
        self.stderr: list[bytes] = []
        self._threads = [threading.Thread(target=self._read_messages, daemon=True)]
        if port is None:
            self.process = subprocess.Popen(command or adapter_command(), stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self._reader, self._writer = self.process.stdout, self.process.stdin
            self._threads.append(threading.Thread(target=self._drain_stderr, daemon=True))
        else:
            self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            self._reader = self._writer = self.socket.makefile("rwb")
        self.problems: list[str] = []
        self.events: list[dict] = []
        self._seq = 0
        self._backlog: list[dict] = []
        self._eof = False
        self._changed = threading.Condition()
        for thread in self._threads:
            thread.start()

    # ------------------------------------------------------------ sending

    def send(self, command: str, arguments: dict | None = None) -> int:
        self._seq += 1
        message = {"seq": self._seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        self.send_raw(json.dumps(message).encode())
        return self._seq

    def send_raw(self, body: bytes, header: bytes | None = None) -> None:
        """Write one frame as it is (tests of malformed input choose the header)."""
        header = header if header is not None else f"Content-Length: {len(body)}\r\n\r\n".encode()
        self._writer.write(header + body)
        self._writer.flush()

    def request(self, command: str, arguments: dict | None = None) -> dict:
        """Send a request and return its successful response's body."""
        response = self.response(self.send(command, arguments))
        assert response["success"], f"{command} failed: {response.get('message')}"
        return response.get("body", {})

    def failure(self, command: str, arguments: dict | None = None) -> str:
        """Send a request that must fail and return its error message."""
        response = self.response(self.send(command, arguments))
        assert not response["success"], f"{command} unexpectedly succeeded: {response}"
        return response["message"]

    # ------------------------------------------------------------ receiving

    def response(self, seq: int) -> dict:
        return self._take(lambda m: m.get("type") == "response" and m.get("request_seq") == seq,
                          f"the response to request {seq}")

    def wait_event(self, event: str, predicate=lambda body: True) -> dict:
        """The next event named `event` (whose body satisfies `predicate`); its body."""
        message = self._take(lambda m: m.get("type") == "event" and m.get("event") == event
                             and predicate(m.get("body", {})), f"a {event!r} event")
        return message.get("body", {})

    def _take(self, matches, what: str) -> dict:
        with self._changed:
            found = self._changed.wait_for(lambda: self._first(matches) is not None or self._eof, TIMEOUT)
            message = self._first(matches)
            if message is None:
                reason = "the adapter closed its output" if found else f"{TIMEOUT} s passed"
                raise AssertionError(f"waited for {what} but {reason}; stderr: {b''.join(self.stderr)[-2000:]!r}")
            self._backlog.remove(message)
            return message

    def _first(self, matches):
        return next((message for message in self._backlog if matches(message)), None)

    def _read_messages(self) -> None:
        stream = self._reader
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    if line == b"\r\n":
                        break
                    name, _, value = line.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                message = json.loads(stream.read(length))
                self._receive(message)
        finally:
            with self._changed:
                self._eof = True
                self._changed.notify_all()

    def _receive(self, message: dict) -> None:
        problems = schema_problems(message)
        with self._changed:
            self.problems += problems
            self._backlog.append(message)
            if message.get("type") == "event":
                self.events.append(message)
            self._changed.notify_all()

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)
        self.process.stderr.close()

    # ------------------------------------------------------------ ending

    def close(self) -> int:
        """Disconnect (if the adapter still listens), close our end and wait for
        the adapter to exit, or for a TCP connection to be closed; the exit status."""
        if not self._eof:
            try:
                self.send("disconnect", {"terminateDebuggee": True})
            except (OSError, ValueError):
                pass
        try:
            if self.socket is not None:
                self.socket.shutdown(socket.SHUT_WR)
                with self._changed:
                    assert self._changed.wait_for(lambda: self._eof, TIMEOUT), "the adapter kept the connection"
                return 0
            try:
                self._writer.close()
            except OSError:
                pass  # the adapter has exited already (the disconnect above could not be written)
            try:
                return self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("the adapter did not exit after disconnect") from None
        finally:
            for thread in self._threads:
                thread.join(TIMEOUT)
            self._reader.close()
            if self.socket is not None:
                self.socket.close()
