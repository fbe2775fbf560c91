"""Analysis of open documents: debounced, off the event loop, never stale.

Each open document has at most one analysis in flight. A newer version (or a
change in a module it imports) supersedes the older job: a job that has not
started is dropped, a running one finishes but its result is thrown away, and
requests that were waiting for it are answered `ContentModified`. Results
carry the version and generation they were computed for, so a caller can
always tell whether a snapshot still describes what the client sees. Each
analysis starts from the document's previous one (`incremental.analyze_file`):
only the units an edit touched, and those that use what it changed, are
parsed, checked and compiled again.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from pygls.exceptions import JsonRpcContentModified

from . import deferred
from .documents import Document, DocumentStore
from .workers import Workers

if TYPE_CHECKING:
    from esker.vm.incremental import FileAnalysis

ide = deferred.module("esker.vm.ide")
incremental = deferred.module("esker.vm.incremental")
modules = deferred.module("esker.vm.modules")

logger = logging.getLogger(__name__)

@dataclass
class Snapshot:
    """One document version with its analysis and the editor facts over it."""

    document: Document
    generation: int
    #: The analysis, also the start of the next version's.
    analysis: FileAnalysis
    #: Caches what several queries share; safe to use from several worker threads.
    facts: ide.FileIndex

    @property
    def key(self) -> tuple[int, int]:
        return self.document.version, self.generation


@dataclass
class _Job:
    key: tuple[int, int]
    result: asyncio.Future
    work: Future


class Analyses:
    """Schedules analyses and hands out the snapshot of each document's
    current version.

    `on_ready(snapshot)` is called on the event loop when a debounced analysis
    finishes and still describes the document (used to publish diagnostics).
    """

    def __init__(self, store: DocumentStore, workers: Workers, debounce: float,
                 on_ready: Callable[[Snapshot], None]):
        self.store = store
        self.workers = workers
        self.debounce = debounce
        self.on_ready = on_ready
        self._latest: dict[str, Snapshot] = {}
        self._jobs: dict[str, _Job] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._generations: dict[str, int] = {}

    # ----------------------------------------------------------- scheduling

    def key(self, uri: str) -> tuple[int, int] | None:
        """(version, generation) the document is at now; None when closed."""
        document = self.store.get(uri)
        if document is None:
            return None
        return document.version, self._generations.get(uri, 0)

    def changed(self, uri: str) -> None:
        """The document or a module it imports changed: analyse it after the
        debounce delay, and supersede work for older states."""
        self._generations[uri] = self._generations.get(uri, 0) + 1
        self._cancel_timer(uri)
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(self.debounce, self._debounced, uri)
        job = self._jobs.get(uri)
        if job is not None and job.key != self.key(uri):
            self._supersede(uri, job)

    def forget(self, uri: str) -> None:
        self._cancel_timer(uri)
        job = self._jobs.pop(uri, None)
        if job is not None:
            self._supersede(uri, job)
        self._latest.pop(uri, None)
        self._generations.pop(uri, None)

    def _cancel_timer(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def _supersede(self, uri: str, job: _Job) -> None:
        job.work.cancel()
        if not job.result.done():
            job.result.set_exception(JsonRpcContentModified(f"{uri} changed while it was being analysed"))
            job.result.exception()  # retrieved here, so nobody waiting is not an error
        if self._jobs.get(uri) is job:
            del self._jobs[uri]

    def _debounced(self, uri: str) -> None:
        self._timers.pop(uri, None)
        result = self._start(uri)
        if result is not None:
            result.add_done_callback(lambda done: self._finished(uri, done))

    def _finished(self, uri: str, done: asyncio.Future) -> None:
        if done.cancelled() or done.exception() is not None:
            if not done.cancelled() and not isinstance(done.exception(), JsonRpcContentModified):
                logger.error("analysis of %s failed", uri, exc_info=done.exception())
            return
        snapshot = done.result()
        if snapshot.key == self.key(uri):
            self.on_ready(snapshot)

    # ------------------------------------------------------------- results

    async def current(self, uri: str) -> Snapshot | None:
        """The snapshot of the document as the client sees it now, analysing
        it at once if needed (a request does not wait for the debounce).

        Raises `JsonRpcContentModified` when the document changes before the
        analysis is done. None when the document is not open.
        """
        result = self._start(uri)
        if result is None:
            return None
        # Shielded: a cancelled request must not cancel work others wait for.
        return await asyncio.shield(result)

    def latest(self, uri: str) -> Snapshot | None:
        """The newest finished snapshot, whatever its version."""
        return self._latest.get(uri)

    def _start(self, uri: str) -> asyncio.Future | None:
        key = self.key(uri)
        if key is None:
            return None
        loop = asyncio.get_running_loop()
        latest = self._latest.get(uri)
        if latest is not None and latest.key == key:
            ready = loop.create_future()
            ready.set_result(latest)
            return ready
        job = self._jobs.get(uri)
        if job is not None and job.key == key:
            return job.result
        if job is not None:
            self._supersede(uri, job)
        return self._submit(uri, key, loop)

    def _submit(self, uri: str, key: tuple[int, int], loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        document = self.store.get(uri)
        overrides = self.store.overrides()
        generation = key[1]
        previous = self._latest.get(uri)
        base = previous.analysis if previous is not None else None
        work = self.workers.submit(lambda: _analyse(document, generation, overrides, base))
        result = loop.create_future()
        job = _Job(key, result, work)
        self._jobs[uri] = job
        work.add_done_callback(lambda done: loop.call_soon_threadsafe(self._settle, uri, job, done))
        return result

    def _settle(self, uri: str, job: _Job, done: Future) -> None:
        if self._jobs.get(uri) is job:
            del self._jobs[uri]
        if job.result.done() or done.cancelled():
            return
        error = done.exception()
        if error is not None:
            job.result.set_exception(error)
            return
        snapshot = done.result()
        latest = self._latest.get(uri)
        if latest is None or latest.key <= snapshot.key:
            self._latest[uri] = snapshot
        job.result.set_result(snapshot)

    # ------------------------------------------------------------- imports

    def importers(self, path: str, direct: bool = False) -> list[str]:
        """URIs of open documents that import `path`, directly or (unless
        `direct`) through other open documents."""
        found: list[str] = []
        targets = {path}
        while True:
            more = [uri for uri, snapshot in self._latest.items()
                    if uri not in found and targets.intersection(snapshot.analysis.imports)]
            if not more or direct:
                return found + more
            found += more
            targets = {self._latest[uri].document.path for uri in more if self._latest[uri].document.path}


def _analyse(document: Document, generation: int, overrides: dict[str, str],
             previous: FileAnalysis | None) -> Snapshot:
    loader = modules.ModuleLoader(overrides=overrides)
    analysis = incremental.analyze_file(document.text, document.analysis_path, loader, previous)
    return Snapshot(document, generation, analysis, ide.FileIndex(analysis, loader))
