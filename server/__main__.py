"""`esker-lsp` and `python -m esker.server`: start the language server.

It speaks LSP over stdio, as editors start it; `--tcp HOST PORT` serves one
client over TCP instead, to attach to a server run by hand while debugging it.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from typing import NoReturn

# pygls, and with it lsprotocol, is imported once the code cache is in place.
from . import codecache


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="esker-lsp", description="The Esker language server.")
    parser.add_argument("--tcp", nargs=2, metavar=("HOST", "PORT"), help="serve over TCP instead of stdio")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="what the server logs to stderr (default: WARNING)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="esker-lsp %(levelname)s %(message)s")
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_routine_answers)

    # The server keeps whole syntax trees and symbol tables alive, so each of
    # the cycle collector's full scans costs a good part of an analysis;
    # collecting less often keeps edit-to-diagnostics latency steady (and the
    # server collects fully when idle: `EskerServer.collect_when_idle`). Set
    # before the protocol's types are created, which would otherwise set
    # off a collection every few hundred objects.
    gc.set_threshold(50_000, 20, 20)
    codecache.start()
    from .features import create_server

    server = create_server()
    if args.tcp:
        host, port = args.tcp
        if not port.isdigit():
            parser.error(f"PORT must be a number, not {port!r}")
        server.start_tcp(host, int(port))
    else:
        server.start_io()
    _end_now(server.protocol.exit_status)


def _end_now(status: int) -> NoReturn:
    """End the process as soon as the client has gone (its end of stdin
    closed). Worker threads may be in the middle of an analysis no one will
    read; an ordinary interpreter exit would first let them compete with the
    tear-down of every cached tree, so an orphaned server could keep a core
    busy after its editor had died. The server keeps nothing that needs
    saving, so the streams are flushed and the process ends at once."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the client's end may be closed already
            pass
    os._exit(status)


def _routine_answers(record: logging.LogRecord) -> bool:
    """Keep pygls from logging a traceback for answers that are part of normal
    work: a request cancelled or outdated by an edit while it waited, and
    the refusals a user meets (a rename of a keyword, an unknown command, a
    document that is not open). Internal errors are real faults: they are
    logged, and reported to the client where they happen."""
    from pygls.exceptions import (JsonRpcContentModified, JsonRpcException, JsonRpcInternalError,
                                  JsonRpcRequestCancelled)

    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, (JsonRpcContentModified, JsonRpcRequestCancelled)) and \
        not (isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError))


if __name__ == "__main__":
    main()
