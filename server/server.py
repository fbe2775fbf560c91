"""The Esker language server: its state, document lifecycle and diagnostics.

`EskerServer` owns the open documents, the analysis scheduler and the worker
threads. This module handles the document lifecycle and diagnostics (pushed
after a debounce, or pulled by clients that prefer that); `features` registers
the editor features. Every handler is wrapped so that an exception is logged
to the client and answered with an LSP error while the server keeps serving.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import traceback
from importlib import metadata
from pathlib import Path
from typing import Awaitable, Callable, Optional, TypeVar

import attrs
import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer

from esker.vm.modules import ModuleLoader, ModuleReadError

from . import convert
from .analyses import Analyses, Snapshot
from .convert import LineIndex
from .documents import DocumentStore
from .outlines import Outlines
from .protocol import EskerProtocol
from .workers import Workers

logger = logging.getLogger(__name__)

T = TypeVar("T")


@attrs.define
class Options:
    """`initializationOptions` the server understands."""

    #: Quiet time after an edit before diagnostics are computed.
    debounce_ms: int = attrs.field(default=100, validator=[attrs.validators.ge(0), attrs.validators.le(5000)])
    #: Base URL of the diagnostics reference; a code's anchor is appended.
    docs_url: Optional[str] = None


def _default_docs_url() -> str | None:
    """The diagnostics reference beside the installed sources, when present."""
    page = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"
    return page.as_uri() if page.is_file() else None


def _version() -> str:
    try:
        return metadata.version("esker")
    except metadata.PackageNotFoundError:
        return "0"


class EskerServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("esker-lsp", _version(), protocol_cls=EskerProtocol)
        self.options = Options()
        self.store = DocumentStore()
        self.analysis_workers = Workers(2)
        # Two, so a quick completion need not wait behind a slow request
        # (code lenses of a big file wait for the whole file to compile).
        self.query_workers = Workers(2)
        self.analyses = Analyses(self.store, self.analysis_workers, self.options.debounce_ms / 1000,
                                 self.publish)
        self.pull_diagnostics = False
        self.docs_url = _default_docs_url()
        self.outlines = Outlines()
        #: The semantic tokens last sent for each document: (result id, data).
        self.semantic_tokens: dict[str, tuple[str, list[int]]] = {}
        self._token_results = 0
        self._idle_collection: asyncio.TimerHandle | None = None
        self._analyses_since_full = FULL_COLLECTION_EVERY

    # -------------------------------------------------------------- queries

    async def query(self, uri: str, compute: Callable[[Snapshot], T]) -> T | None:
        """`compute(snapshot)` on a worker thread, for the document's current
        version; None when the document is not open. A request cancelled
        before a worker picks the job up is never computed, and an answer for
        a version the client has already changed is never sent."""
        snapshot = await self.analyses.current(uri)
        if snapshot is None:
            return None
        answer = await self.run(lambda: compute(snapshot))
        if self.analyses.key(uri) != snapshot.key:
            raise JsonRpcContentModified(f"{uri} changed while the request was computed")
        return answer

    async def run(self, compute: Callable[[], T]) -> T:
        """`compute()` on a query worker thread."""
        return await asyncio.wrap_future(self.query_workers.submit(compute))

    def workspace_roots(self) -> list[str]:
        """The folders of the workspace, as file system paths."""
        uris = [folder.uri for folder in self.workspace.folders.values()] or [self.workspace.root_uri]
        return [path for uri in uris if uri and (path := convert.uri_to_path(uri))]

    def report_failure(self, what: str, error: BaseException) -> None:
        logger.error("%s failed", what, exc_info=error)
        details = "".join(traceback.format_exception(error))
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                       message=f"esker-lsp: {what} failed\n{details}"))

    def remember_tokens(self, uri: str, data: list[int]) -> str:
        """Keep the tokens sent for `uri`, for the next delta request."""
        self._token_results += 1
        result_id = str(self._token_results)
        self.semantic_tokens[uri] = (result_id, data)
        return result_id

    # ---------------------------------------------------------- diagnostics

    def lsp_diagnostics(self, snapshot: Snapshot) -> list[types.Diagnostic]:
        document = snapshot.document
        return [convert.diagnostic(item, document.lines, document.uri, self.docs_url, self.lines_of)
                for item in snapshot.analysis.diagnostics]

    def lines_of(self, path: str) -> LineIndex | None:
        """The line index of another file, for related information."""
        document = self.store.by_path(path)
        if document is not None:
            return document.lines
        try:
            return LineIndex(ModuleLoader().read(path), self.store.encoding)
        except ModuleReadError:
            return None

    def collect_when_idle(self) -> None:
        """Run the cycle collector once the documents have been left alone for
        a while, then freeze what survives.

        The server keeps whole syntax trees and symbol tables alive; a full
        collection over them takes a good part of a second on a big file,
        which the collector would otherwise spend in the middle of an edit's
        analysis. Frozen objects are skipped by later collections, so those
        stay short. What an edit replaces is mostly freed as soon as it is
        dropped; the cycles among it (scopes and their symbols) wait for an
        idle collection that looks at the frozen objects too, made once
        enough analyses have run since the last one.
        """
        self._analyses_since_full += 1
        if self._idle_collection is not None:
            self._idle_collection.cancel()
        self._idle_collection = asyncio.get_running_loop().call_later(IDLE_COLLECTION, self._collect)

    def _collect(self) -> None:
        self._idle_collection = None
        if self._analyses_since_full >= FULL_COLLECTION_EVERY:
            self._analyses_since_full = 0
            gc.unfreeze()
        gc.collect()
        gc.freeze()

    def publish(self, snapshot: Snapshot) -> None:
        self.collect_when_idle()
        if self.pull_diagnostics:
            return
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=snapshot.document.uri, diagnostics=self.lsp_diagnostics(snapshot),
            version=snapshot.document.version))

    def recheck_importers(self, path: str | None) -> None:
        """Modules that import `path` see its new text: analyse them again."""
        if path is None:
            return
        importers = self.analyses.importers(path)
        for uri in importers:
            self.analyses.changed(uri)
        if importers and self.pull_diagnostics and _refresh_supported(self.client_capabilities):
            self.workspace_diagnostic_refresh(None)

    # ---------------------------------------------------------- registering

    def request(self, method: str, options=None):
        """Register an async request handler `handler(server, params)`."""
        def register(handler: Callable[[EskerServer, object], Awaitable[object]]):
            async def guarded(params):
                return await self._guard(method, handler(self, params))
            self.feature(method, options)(guarded)
            return handler
        return register

    def command_handler(self, name: str):
        """Register an async `workspace/executeCommand` handler `handler(*arguments)`."""
        def register(handler: Callable[..., Awaitable[object]]):
            async def guarded(*arguments):
                return await self._guard(name, handler(*arguments))
            self.command(name)(guarded)
            return handler
        return register

    async def _guard(self, what: str, work: Awaitable[T]) -> T:
        """Await a handler: LSP errors and cancellation pass through, any other
        exception is logged to the client and answered as an internal error."""
        try:
            return await work
        except (JsonRpcException, asyncio.CancelledError):
            raise
        except Exception as error:
            self.report_failure(what, error)
            raise JsonRpcInternalError(f"{what} failed: {error}") from error

    def notification(self, method: str):
        """Register a notification handler `handler(server, params)`; its
        exceptions are logged, since a notification has no answer."""
        def register(handler: Callable[[EskerServer, object], None]):
            def guarded(params):
                try:
                    handler(self, params)
                except Exception as error:
                    self.report_failure(method, error)
            self.feature(method)(guarded)
            return handler
        return register


#: Seconds without a finished analysis before the cycle collector runs.
IDLE_COLLECTION = 2.0
#: Analyses between two idle collections that look at every object.
FULL_COLLECTION_EVERY = 200


def _refresh_supported(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    return bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)


def _watch_supported(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    return bool(watched and watched.dynamic_registration)


def parse_options(raw: object) -> tuple[Options, str | None]:
    """Options from `initializationOptions`, and a message when they were bad
    (the defaults are used then)."""
    if raw is None:
        return Options(), None
    try:
        return cattrs.Converter().structure(_camel_to_snake(raw), Options), None
    except (cattrs.BaseValidationError, ValueError, TypeError) as error:
        return Options(), f"esker-lsp: ignoring invalid initializationOptions ({error}); using defaults"


def _camel_to_snake(raw: object) -> object:
    if not isinstance(raw, dict):
        raise TypeError("initializationOptions must be an object")
    names = {"debounceMs": "debounce_ms", "docsUrl": "docs_url"}
    unknown = [key for key in raw if key not in names]
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}")
    return {names[key]: value for key, value in raw.items()}


def register_lifecycle(server: EskerServer) -> None:
    server.feature(types.INITIALIZE)(lambda params: initialize(server, params))

    @server.notification(types.INITIALIZED)
    def initialized(server: EskerServer, params: types.InitializedParams) -> None:
        if _watch_supported(server.client_capabilities):
            watcher = types.FileSystemWatcher(glob_pattern="**/*.esk")
            server.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="esker-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[watcher]))]))

    @server.notification(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(server: EskerServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        document = server.store.open(item.uri, item.version, item.text)
        server.analyses.changed(item.uri)
        server.recheck_importers(document.path)

    @server.notification(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(server: EskerServer, params: types.DidChangeTextDocumentParams) -> None:
        identifier = params.text_document
        document = server.store.change(identifier.uri, identifier.version, list(params.content_changes))
        if document is None:
            return
        server.analyses.changed(identifier.uri)
        server.recheck_importers(document.path)

    @server.notification(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(server: EskerServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = server.store.close(uri)
        server.analyses.forget(uri)
        server.semantic_tokens.pop(uri, None)
        if not server.pull_diagnostics:
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if document is not None:
            server.recheck_importers(document.path)

    @server.notification(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(server: EskerServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = convert.uri_to_path(change.uri)
            if path is not None and server.store.by_path(path) is None:
                server.recheck_importers(path)

    @server.request(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=False))
    async def pull(server: EskerServer, params: types.DocumentDiagnosticParams):
        snapshot = await server.analyses.current(params.text_document.uri)
        if snapshot is None:
            return types.FullDocumentDiagnosticReport(items=[])
        result_id = "{}.{}".format(*snapshot.key)
        if params.previous_result_id == result_id:
            return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.FullDocumentDiagnosticReport(items=server.lsp_diagnostics(snapshot), result_id=result_id)


def initialize(server: EskerServer, params: types.InitializeParams) -> None:
    """Settle the position encoding, the options and how diagnostics travel."""
    server.store.encoding = convert.negotiate(params.capabilities)
    server.options, problem = parse_options(params.initialization_options)
    if problem is not None:
        server.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=problem))
    server.analyses.debounce = server.options.debounce_ms / 1000
    if server.options.docs_url:
        server.docs_url = server.options.docs_url
    text_document = params.capabilities.text_document
    server.pull_diagnostics = bool(text_document and text_document.diagnostic)
