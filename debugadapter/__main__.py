"""`esker-dap`: the debug adapter over stdio, or as a TCP server with `--port N`.

Editors start it as a subprocess and talk DAP over its stdin and stdout
(VS Code's `DebugAdapterExecutable`, nvim-dap's `executable` adapters).
With `--port N` it listens on 127.0.0.1:N and serves one client at a time,
for clients configured to connect to a running adapter.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from .channel import TolerantStream, make_channel
from .session import DebugSession


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="esker-dap", description="The Esker debug adapter (DAP).")
    parser.add_argument("--port", type=_port, metavar="N",
                        help="listen on 127.0.0.1:N instead of talking over stdin/stdout (0: any free port)")
    args = parser.parse_args(argv)
    if args.port is None:
        serve_stdio()
        return 0
    try:
        serve_tcp(args.port)
    except OSError as error:
        print(f"esker-dap: cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0 to 65535)")
    return int(text)


def serve_stdio() -> None:
    """One session over this process's stdin and stdout."""
    # Unbuffered files: a daemon thread blocked in a buffered read would make
    # interpreter shutdown fail when the session ends before the client closes.
    reader = os.fdopen(os.dup(sys.stdin.fileno()), "rb", buffering=0)
    # The protocol owns the real stdout; anything else that prints (a stray
    # print in a library) lands on stderr instead of corrupting a message.
    writer = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    run_session(TolerantStream(reader, writer, "stdio"))


def serve_tcp(port: int) -> None:
    """Sessions for clients connecting to 127.0.0.1:`port`, one after another."""
    with socket.create_server(("127.0.0.1", port)) as server:
        print(f"esker-dap: listening on 127.0.0.1:{server.getsockname()[1]}", file=sys.stderr, flush=True)
        while True:
            connection, _ = server.accept()
            stream = TolerantStream.from_socket(connection, "tcp")
            try:
                run_session(stream)
            finally:
                stream.close()


def run_session(stream: TolerantStream) -> None:
    """Serve one client until it disconnects or goes away."""
    session = DebugSession()
    session.channel = make_channel(stream, session.dispatcher())
    session.channel.start()
    session.done.wait()


if __name__ == "__main__":
    sys.exit(main())
