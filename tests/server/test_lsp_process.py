"""The server process ends when its client goes away: once stdin reaches its
end, the process exits even while its worker threads are busy, so an editor
that dies never leaves an orphaned server behind."""

from __future__ import annotations

import json
import subprocess
import sys

from server_support import PATIENCE

# The real server, with one query made to keep its worker thread busy for
# ever; it says so on stderr when it starts, so the test knows without
# guessing when a worker is busy.
BUSY = ("import sys\n"
        "import esker.vm.ide as ide\n"
        "def busy(*args):\n"
        "    sys.stderr.write('worker busy\\n'); sys.stderr.flush()\n"
        "    while True:\n"
        "        pass\n"
        "ide.folding_ranges = busy\n"
        "from esker.server.__main__ import main\n"
        "main([])\n")


def framed(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream) -> dict:
    length = None
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    assert length is not None, "the server closed its output"
    return json.loads(stream.read(length))


def test_the_server_exits_at_the_end_of_stdin_while_a_worker_is_busy(tmp_path):
    uri = (tmp_path / "main.esk").as_uri()
    server = subprocess.Popen([sys.executable, "-c", BUSY], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        server.stdin.write(framed({"id": 1, "method": "initialize",
                                   "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}))
        server.stdin.flush()
        assert read_message(server.stdout)["id"] == 1
        server.stdin.write(framed({"method": "initialized", "params": {}}))
        server.stdin.write(framed({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "esker", "version": 1, "text": "fn main() {\n    return 1\n}\n"}}}))
        for number in (2, 3):  # both query workers
            server.stdin.write(framed({"id": number, "method": "textDocument/foldingRange",
                                       "params": {"textDocument": {"uri": uri}}}))
        server.stdin.flush()
        busy = 0
        while busy < 2:
            line = server.stderr.readline()
            assert line, "the server ended before its workers were busy"
            busy += line == b"worker busy\n"
        server.stdin.close()
        assert server.wait(PATIENCE) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
