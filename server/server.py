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
import os
import threading
import traceback
from pathlib import Path
from typing import Awaitable, Callable, Optional, TypeVar

import attrs
import cattrs
from lsprotocol import types
from pygls.exceptions import (JsonRpcContentModified, JsonRpcException, JsonRpcInternalError,
                              JsonRpcInvalidParams)
from pygls.lsp.server import LanguageServer

from esker.vm import __version__

from . import codecache, convert, deferred
from .analyses import Analyses, Snapshot
from .convert import LineIndex
from .documents import DocumentStore
from .workspace import Workspace
from .protocol import EskerProtocol
from .workers import Workers

modules = deferred.module("esker.vm.modules")

logger = logging.getLogger(__name__)

T = TypeVar("T")


@attrs.define
class Options:
    """`initializationOptions` (and `esker` settings) the server understands."""

    #: Quiet time after an edit before diagnostics are computed.
    debounce_ms: int = attrs.field(default=100, validator=[attrs.validators.ge(0), attrs.validators.le(5000)])
    #: Base URL of the diagnostics reference; a code's anchor is appended.
    docs_url: Optional[str] = None
    #: Which files `workspace/diagnostic` reports: "workspace" or "openFiles".
    diagnostic_scope: str = attrs.field(default="workspace",
                                        validator=attrs.validators.in_(("workspace", "openFiles")))
    #: Show parameter names before the arguments of calls.
    parameter_hints: bool = True


#: Option names as clients write them.
OPTION_NAMES = {"debounceMs": "debounce_ms", "docsUrl": "docs_url", "diagnosticScope": "diagnostic_scope",
                "parameterHints": "parameter_hints"}


def _default_docs_url() -> str | None:
    """The diagnostics reference beside the installed sources, when present."""
    page = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"
    return page.as_uri() if page.is_file() else None


class EskerServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("esker-lsp", __version__, protocol_cls=EskerProtocol)
        self.options = Options()
        self.store = DocumentStore()
        self.analysis_workers = Workers(2)
        #: Indexes the workspace in the background, one file at a time.
        self.index_workers = Workers(1)
        # Two, so a quick completion need not wait behind a slow request
        # (code lenses of a big file wait for the whole file to compile).
        self.query_workers = Workers(2)
        self.analyses = Analyses(self.store, self.analysis_workers, self.options.debounce_ms / 1000,
                                 self.publish)
        self.pull_diagnostics = False
        self.docs_url = _default_docs_url()
        self.workspace_index = Workspace(self.store.overrides)
        #: The semantic tokens last sent for each document: (result id, data).
        self.semantic_tokens: dict[str, tuple[str, list[int]]] = {}
        self._token_results = 0
        self._idle_collection: asyncio.TimerHandle | None = None
        self._analyses_since_full = FULL_COLLECTION_EVERY
        self._synced_at = float("-inf")
        #: The pending look at the disk for a missing module (`look_for_missing_modules`).
        self._missing_poll: asyncio.TimerHandle | None = None

    # -------------------------------------------------------------- queries

    async def query(self, uri: str, compute: Callable[[Snapshot], T]) -> T:
        """`compute(snapshot)` on a worker thread, for the document's current
        version; an InvalidParams error when the document is not open. A
        request cancelled before a worker picks the job up is never computed,
        and an answer for a version the client has already changed is never
        sent."""
        snapshot = await self.analyses.current(uri)
        if snapshot is None:
            raise JsonRpcInvalidParams(f"{uri} is not open")
        answer = await self.run(lambda: compute(snapshot))
        if self.analyses.key(uri) != snapshot.key:
            raise JsonRpcContentModified(f"{uri} changed while the request was computed")
        return answer

    async def run(self, compute: Callable[[], T]) -> T:
        """`compute()` on a query worker thread."""
        return await asyncio.wrap_future(self.query_workers.submit(compute))

    # ------------------------------------------------------------ workspace

    def start_indexing(self) -> None:
        """Index the workspace in the background, showing progress when the
        client can."""
        self.workspace_index.roots = self.workspace_roots()
        loop = asyncio.get_running_loop()
        token = "esker-indexing" if _progress_supported(self.client_capabilities) else None
        if token is not None:
            self.work_done_progress.create(token)
            self.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                title="Esker: indexing", percentage=0, cancellable=False))

        def progress(done: int, total: int) -> None:
            if token is not None and (done % 20 == 0 or done == total):
                report = types.WorkDoneProgressReport(message=f"{done}/{total} files",
                                                      percentage=int(100 * done / max(total, 1)))
                loop.call_soon_threadsafe(self.work_done_progress.report, token, report)

        def finished(_) -> None:
            if token is not None:
                loop.call_soon_threadsafe(self.work_done_progress.end, token, types.WorkDoneProgressEnd())
            loop.call_soon_threadsafe(self.files_appeared)

        self.index_workers.submit(lambda: self.workspace_index.index_all(progress)).add_done_callback(finished)

    async def indexed(self) -> None:
        """Wait until the workspace has been indexed once. A client that
        does not report file changes gets the disk looked at again (at most
        once a second)."""
        if not self.workspace_index.ready.is_set():
            await asyncio.wrap_future(self.index_workers.submit(self.workspace_index.ready.wait))
        if not _watch_supported(self.client_capabilities):
            now = asyncio.get_running_loop().time()
            if now - self._synced_at >= SYNC_INTERVAL:
                self._synced_at = now
                await asyncio.wrap_future(self.index_workers.submit(self.workspace_index.sync))

    def files_changed(self, paths: list[str]) -> None:
        """Files changed on disk (or were created or deleted): index them
        again, then check again what imports them and what could not find a
        module before."""
        def refresh() -> None:
            for path in paths:
                self.workspace_index.refresh(path)
            self.workspace_index.mark_stale(self.workspace_index.importers(paths))
        future = self.index_workers.submit(refresh)
        loop = asyncio.get_running_loop()
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self.files_appeared))
        for path in paths:
            self.recheck_importers(path)
        self.files_appeared()

    def files_appeared(self) -> None:
        """A module may now exist where an import found none: documents with
        such imports are analysed again (their import units are checked in
        every analysis)."""
        for document in self.store.all():
            latest = self.analyses.latest(document.uri)
            # Not when an analysis of a newer state is already due.
            if latest is not None and latest.key == self.analyses.key(document.uri) and \
                    any(d.code == "E0110" for d in latest.analysis.diagnostics):
                self.analyses.changed(document.uri)
        missing = self.workspace_index.with_missing_imports()
        if missing:
            self.workspace_index.mark_stale(missing)
        if self.pull_diagnostics and _refresh_supported(self.client_capabilities):
            self.workspace_diagnostic_refresh(None)

    def look_for_missing_modules(self) -> None:
        """A client that does not report file changes gets the workspace
        looked at every few seconds while an open document imports a module
        that cannot be found, so that creating the module's file is noticed
        (a client that watches files reports it instead)."""
        if self._missing_poll is not None or _watch_supported(self.client_capabilities) or \
                not self._misses_a_module():
            return
        loop = asyncio.get_running_loop()

        def look() -> None:
            def looked(done) -> None:
                self._missing_poll = None
                if not done.cancelled() and done.exception() is None and done.result():
                    self.files_appeared()
                self.look_for_missing_modules()
            future = self.index_workers.submit(self.workspace_index.sync)
            future.add_done_callback(lambda done: loop.call_soon_threadsafe(looked, done))
        self._missing_poll = loop.call_later(MISSING_MODULE_POLL, look)

    def _misses_a_module(self) -> bool:
        for document in self.store.all():
            latest = self.analyses.latest(document.uri)
            if latest is not None and any(d.code == "E0110" for d in latest.analysis.diagnostics):
                return True
        return False

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
        """The line index of another file (its open document, else its text as
        the workspace index analysed it, else as on disk)."""
        document = self.store.by_path(path)
        if document is not None:
            return document.lines
        entry = self.workspace_index.entry(path)
        if entry is not None:
            return entry.lines(self.store.encoding)
        try:
            return LineIndex(modules.ModuleLoader().read(path), self.store.encoding)
        except modules.ModuleReadError:
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

    def disk_diagnostics(self, entry) -> list[types.Diagnostic]:
        """The diagnostics of a file of the workspace index (not open)."""
        lines = entry.lines(self.store.encoding)
        uri = convert.path_to_uri(entry.path)
        return [convert.diagnostic(item, lines, uri, self.docs_url, self.lines_of)
                for item in entry.analysis.diagnostics]

    def publish(self, snapshot: Snapshot) -> None:
        self.collect_when_idle()
        self.look_for_missing_modules()
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
#: Seconds between two looks at the disk for clients that do not report file changes.
SYNC_INTERVAL = 1.0
#: Seconds between two looks for a missing module, for clients that do not report file changes.
MISSING_MODULE_POLL = 2.0


def _refresh_supported(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    return bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)


def _progress_supported(capabilities: types.ClientCapabilities) -> bool:
    window = capabilities.window
    return bool(window and window.work_done_progress)


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
    unknown = [key for key in raw if key not in OPTION_NAMES]
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}")
    return {OPTION_NAMES[key]: value for key, value in raw.items()}


def register_lifecycle(server: EskerServer) -> None:
    server.feature(types.INITIALIZE)(lambda params: initialize(server, params))

    @server.notification(types.INITIALIZED)
    def initialized(server: EskerServer, params: types.InitializedParams) -> None:
        server.start_indexing()
        if _watch_supported(server.client_capabilities):
            watcher = types.FileSystemWatcher(glob_pattern="**/*.esk")
            server.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="esker-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[watcher]))]))

    @server.notification(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration_changed(server: EskerServer, params: types.DidChangeConfigurationParams) -> None:
        """`{"esker": {"parameterHints": false}}` turns the parameter-name
        inlay hints off (or on) without a restart."""
        settings = params.settings.get("esker") if isinstance(params.settings, dict) else None
        wanted = settings.get("parameterHints") if isinstance(settings, dict) else None
        if isinstance(wanted, bool) and wanted != server.options.parameter_hints:
            server.options.parameter_hints = wanted
            workspace = server.client_capabilities.workspace
            if workspace and workspace.inlay_hint and workspace.inlay_hint.refresh_support:
                server.workspace_inlay_hint_refresh(None)

    @server.notification(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(server: EskerServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        known = server.store.by_path(convert.uri_to_path(item.uri) or "") is not None
        document = server.store.open(item.uri, item.version, item.text)
        server.analyses.changed(item.uri)
        server.recheck_importers(document.path)
        if document.path is not None and not known:
            server.workspace_index.mark_stale(server.workspace_index.importers([document.path]))
            server.files_appeared()

    @server.notification(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(server: EskerServer, params: types.DidChangeTextDocumentParams) -> None:
        identifier = params.text_document
        document = server.store.change(identifier.uri, identifier.version, list(params.content_changes))
        if document is None:
            return
        server.analyses.changed(identifier.uri)
        server.recheck_importers(document.path)
        if document.path is not None:
            server.workspace_index.mark_stale(server.workspace_index.importers([document.path]))

    @server.notification(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(server: EskerServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = server.store.close(uri)
        server.analyses.forget(uri)
        server.semantic_tokens.pop(uri, None)
        if not server.pull_diagnostics:
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if document is not None and document.path is not None:
            # The file on disk may differ from the buffer that was closed.
            server.files_changed([document.path])

    @server.notification(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(server: EskerServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [path for change in params.changes if (path := convert.uri_to_path(change.uri)) is not None
                 and path.endswith(".esk") and server.store.by_path(os.path.abspath(path)) is None]
        if paths:
            server.files_changed([os.path.abspath(path) for path in paths])

    @server.request(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=True))
    async def pull(server: EskerServer, params: types.DocumentDiagnosticParams):
        snapshot = await server.analyses.current(params.text_document.uri)
        if snapshot is None:
            return types.FullDocumentDiagnosticReport(items=[])
        result_id = _result_id(snapshot)
        if params.previous_result_id == result_id:
            return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.FullDocumentDiagnosticReport(items=server.lsp_diagnostics(snapshot), result_id=result_id)

    @server.request(types.WORKSPACE_DIAGNOSTIC)
    async def pull_workspace(server: EskerServer, params: types.WorkspaceDiagnosticParams):
        previous = {item.uri: item.value for item in params.previous_result_ids}
        reports: list = []
        open_paths = set()
        for document in server.store.all():
            snapshot = await server.analyses.current(document.uri)
            if snapshot is None:
                continue
            open_paths.add(document.path)
            reports.append(_workspace_report(document.uri, document.version, _result_id(snapshot),
                                             previous, lambda: server.lsp_diagnostics(snapshot)))
        if server.options.diagnostic_scope == "workspace":
            await server.indexed()
            for path in server.workspace_index.paths():
                if path in open_paths:
                    continue
                entry = await server.run(lambda: server.workspace_index.refresh(path))
                if entry is not None:
                    reports.append(_workspace_report(convert.path_to_uri(path), None, f"disk.{entry.serial}",
                                                     previous, lambda: server.disk_diagnostics(entry)))
        return types.WorkspaceDiagnosticReport(items=reports)


def _result_id(snapshot: Snapshot) -> str:
    """A document's diagnostics' result id: which opening of it, its version
    and the analysis generation (a reopened document starts at version 1
    again, and must not be taken for the one that was closed)."""
    return f"open.{snapshot.document.opening}.{snapshot.key[0]}.{snapshot.key[1]}"


def _workspace_report(uri: str, version: int | None, result_id: str, previous: dict[str, str], items):
    if previous.get(uri) == result_id:
        return types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, version=version, result_id=result_id)
    return types.WorkspaceFullDocumentDiagnosticReport(uri=uri, version=version, items=items(), result_id=result_id)


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
    asyncio.get_running_loop().call_soon(_after_initialize, server)


def _after_initialize(server: EskerServer) -> None:
    """Once the `initialize` answer is sent: import the analysis modules on
    a thread of its own, so the first document finds them loaded, and stop
    caching generated code. Not on a worker: the workspace index lists the
    files at `initialized`, as it always has, and a worker that needs a
    module being imported waits for that module alone. The generated code is
    saved on the index worker, before it indexes (only after a start that
    had to compile it does that take any time)."""
    threading.Thread(target=deferred.load_all, name="esker-imports", daemon=True).start()
    cache = codecache.finish()
    if cache is not None:
        server.index_workers.submit(cache.save)
