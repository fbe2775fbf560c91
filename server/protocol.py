"""The JSON-RPC protocol as Esker's server speaks it, and its custom messages.

Two changes to pygls' protocol: document text is owned by Esker's own
`DocumentStore` (pygls would keep a second copy and convert positions its own
way), and a request whose parameters do not fit their type is answered with
`InvalidParams` instead of being dropped. The custom `esker/disassemble`
request is declared here with attrs types, so its parameters are validated
like the standard ones.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Literal, Optional, Union

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcServerNotInitialized
from pygls.protocol import LanguageServerProtocol, lsp_method

logger = logging.getLogger(__name__)

DISASSEMBLE = "esker/disassemble"
SHOW_BYTECODE = "esker.showBytecode"


@attrs.define
class DisassembleParams:
    """A document, and optionally the place whose function should be listed:
    with neither `position` nor `range` the whole file is listed; and the view."""

    text_document: types.TextDocumentIdentifier
    position: Optional[types.Position] = None
    range: Optional[types.Range] = None
    #: "bytecode" (the default) or "python": the Python the compiled tier generates.
    view: Optional[str] = None


@attrs.define
class ListedInstruction:
    pc: int
    opname: str
    #: The instruction's line in the listing, without the line number column.
    text: str
    #: 0-based line of `DisassembleResult.listing` that shows this instruction.
    listing_line: int
    #: The source the instruction was compiled from (None for synthesised code).
    range: Optional[types.Range] = None


@attrs.define
class ListedFunction:
    name: str
    #: The function's source (the whole file for the module's top-level code).
    range: types.Range
    #: 0-based lines of the listing that this function's section spans (end exclusive).
    listing_start: int
    listing_end: int
    instructions: list[ListedInstruction]


@attrs.define
class MissingFunction:
    """Code the listing leaves out: a function, or `<module>` for the
    file's top-level code."""

    name: str
    range: types.Range
    #: Why it is not compiled, e.g. "line 3: undefined name 'x'".
    reason: str


@attrs.define
class DisassembleResult:
    """The `esker dis` listing, with every instruction mapped to its source.
    Every field is always sent (no defaults to omit), so clients need not
    guess what a missing one means: see docs/language-server.md."""

    listing: str
    functions: list[ListedFunction]
    #: What is not listed and why; functions nested in a missing one are not named again.
    missing: list[MissingFunction]
    #: Why nothing (or not everything) could be listed, e.g. syntax errors; None when all is listed.
    message: Optional[str]


@attrs.define
class DisassembleRequest:
    id: Union[int, str]
    params: DisassembleParams
    method: Literal["esker/disassemble"] = DISASSEMBLE
    jsonrpc: str = "2.0"


@attrs.define
class DisassembleResponse:
    id: Optional[Union[int, str]]
    result: Optional[DisassembleResult] = None
    jsonrpc: str = "2.0"


class RequestFailed(JsonRpcException):
    """A request that is valid but cannot be carried out (LSP's RequestFailed),
    e.g. a rename of a keyword; the message is shown to the user."""

    CODE = -32803


CUSTOM_TYPES = {DISASSEMBLE: (DisassembleRequest, DisassembleResponse)}


class Encoded:
    """A result already encoded as JSON text: for answers large enough (every
    semantic token or outline entry of a big file) that turning objects into
    JSON through cattrs would take longer than computing them."""

    __slots__ = ("json",)

    def __init__(self, json_text: str):
        self.json = json_text


class _Answered:
    """What `structure_message` returns for a request it already answered."""

    jsonrpc = "answered"


class EskerProtocol(LanguageServerProtocol):
    def get_message_type(self, method: str):
        if method in CUSTOM_TYPES:
            return CUSTOM_TYPES[method][0]
        return super().get_message_type(method)

    def get_result_type(self, method: str):
        if method in CUSTOM_TYPES:
            return CUSTOM_TYPES[method][1]
        return super().get_result_type(method)

    def structure_message(self, data: dict):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                logger.warning("invalid parameters for %s", data["method"])
                self._send_response(data["id"], error=error.to_response_error())
                return _Answered()
            raise

    def _send_response(self, msg_id, result=None, error=None):
        if error is None and isinstance(result, Encoded):
            self._send_text('{"jsonrpc":"2.0","id":' + json.dumps(msg_id) + ',"result":' + result.json + "}")
            return
        super()._send_response(msg_id, result, error)

    def _send_text(self, body: str) -> None:
        """Write one JSON-RPC message, framed as pygls frames its own."""
        if self.writer is None:
            return
        data = body.encode(self.CHARSET)
        if self._include_headers:
            data = (f"Content-Length: {len(data)}\r\n"
                    f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n").encode("ascii") + data
        written = self.writer.write(data)
        if inspect.isawaitable(written):
            asyncio.ensure_future(written)

    #: The process's exit status: 1 until `shutdown` precedes `exit`.
    exit_status = 0
    _initialize_seen = False

    def handle_message(self, message):
        """Messages in the order the lifecycle allows: before `initialize` a
        request is answered ServerNotInitialized, after `shutdown`
        InvalidRequest; notifications then are dropped (but `exit`)."""
        if isinstance(message, _Answered):
            return
        method = getattr(message, "method", None)
        request = method is not None and hasattr(message, "id")
        if method == types.EXIT:
            self.exit_status = 0 if self._shutdown else 1
        elif method == types.INITIALIZE:
            self._initialize_seen = True
        elif method is not None and (self._shutdown or not self._initialize_seen):
            if request:
                refusal = JsonRpcInvalidRequest("the server is shut down") if self._shutdown else \
                    JsonRpcServerNotInitialized(f"{method} before initialize")
                self._send_response(message.id, error=refusal.to_response_error())
            return
        super().handle_message(message)

    def _forward(self, method: str, params) -> None:
        """Hand a notification straight to the server's own handler.

        A plain call rather than pygls' generator protocol: pygls keeps the
        future of every generator-handled notification for the life of the
        connection, which a document changing many times a second would grow
        without bound.
        """
        handler = self.fm.features.get(method)
        if handler is not None:
            handler(params)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self._forward(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        self._forward(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self._forward(types.TEXT_DOCUMENT_DID_CLOSE, params)
