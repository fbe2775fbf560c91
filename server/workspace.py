"""The workspace index: every `.esk` file of the workspace, analysed.

The files under the workspace folders (hidden and dependency folders left
out) are analysed in the background once the client is initialised, and so
are the modules they import from elsewhere (`ESKER_PATH`, path imports),
transitively. A file that is not open is read from disk and analysed again
when it changes (a watched-file event, or a different size or modification
time when it is next needed); open documents are answered from their own
analyses, which the index defers to. Cross-file answers (references and
rename, workspace diagnostics and symbols, call hierarchy) read the index.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from . import deferred
from .convert import Encoding, LineIndex

if TYPE_CHECKING:
    from esker.vm.incremental import FileAnalysis

ide = deferred.module("esker.vm.ide")
incremental = deferred.module("esker.vm.incremental")
modules = deferred.module("esker.vm.modules")

#: Folders never indexed: hidden ones, and those of other tools.
SKIPPED = {"node_modules", "__pycache__", "build", "dist"}
#: Most files indexed; a workspace larger than this is indexed in part.
MAX_FILES = 5000


@dataclass(frozen=True)
class Entry:
    """A file as last read from disk and analysed."""

    path: str
    #: (modification time, size) of what was read.
    stamp: tuple[float, int]
    index: ide.FileIndex
    #: Counts analyses of this file: part of its diagnostics' result id.
    serial: int

    @property
    def analysis(self) -> FileAnalysis:
        return self.index.analysis

    def lines(self, encoding: Encoding) -> LineIndex:
        """The line index of the text that was analysed (made once per encoding)."""
        cache = self.index.analysis.__dict__.setdefault("line_indexes", {})
        found = cache.get(encoding)
        if found is None:
            found = cache[encoding] = LineIndex(self.index.text, encoding)
        return found


def _stamp(path: str) -> tuple[float, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime, status.st_size


class Workspace:
    """The index. `overrides()` gives the open buffers (they stand in for
    the files they edit when others import them)."""

    def __init__(self, overrides: Callable[[], dict[str, str]]):
        self.overrides = overrides
        self.roots: list[str] = []
        self._entries: dict[str, Entry] = {}
        #: Files whose imported modules changed since they were analysed.
        self._stale: set[str] = set()
        self._serials = 0
        self._lock = threading.Lock()
        #: Set once the first full indexing is done (cross-file answers wait for it).
        self.ready = threading.Event()

    # ------------------------------------------------------------ discovery

    def files(self) -> list[str]:
        """The `.esk` files under the roots, in a stable order."""
        found: list[str] = []
        for root in self.roots:
            for folder, subfolders, names in os.walk(root):
                subfolders[:] = sorted(name for name in subfolders
                                       if not name.startswith(".") and name not in SKIPPED)
                found += (os.path.join(folder, name) for name in sorted(names) if name.endswith(".esk"))
                if len(found) >= MAX_FILES:
                    return found[:MAX_FILES]
        return found

    def index_all(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Analyse every file of the workspace and what it imports (run on a
        worker thread); `progress(done, total)` is called as it goes."""
        pending = self.files()
        seen: set[str] = set()
        done = 0
        while pending:
            path = os.path.abspath(pending.pop(0))
            if path in seen:
                continue
            seen.add(path)
            entry = self.refresh(path)
            done += 1
            if progress is not None:
                progress(done, done + len(pending))
            if entry is not None:
                pending += [module for module in entry.analysis.imports if module not in seen]
        self.ready.set()

    def sync(self) -> list[str]:
        """Bring the index up to date with the disk by looking at it (for
        clients that do not report file changes): new files are analysed,
        changed ones again, deleted ones forgotten. Returns the new files."""
        present = {os.path.abspath(path) for path in self.files()}
        known = set(self.paths())
        for path in known:
            if path not in present and _stamp(path) is None:
                self.forget(path)
        for path in sorted(present):
            self.refresh(path)
        return sorted(present - known)

    # -------------------------------------------------------------- entries

    def refresh(self, path: str) -> Entry | None:
        """The entry of a file, read and analysed again if it changed on disk
        (None: it cannot be read). An open buffer's file is analysed from disk
        too: other features answer for the buffer."""
        stamp = _stamp(path)
        if stamp is None:
            self.forget(path)
            return None
        with self._lock:
            entry = self._entries.get(path)
            stale = path in self._stale
            self._stale.discard(path)
        if entry is not None and entry.stamp == stamp and not stale:
            return entry
        return self._analyse(path, stamp, entry)

    def mark_stale(self, paths: Iterable[str]) -> None:
        """These files import a module that changed: analyse them again when
        they are next needed."""
        with self._lock:
            self._stale.update(path for path in paths if path in self._entries)

    def _analyse(self, path: str, stamp: tuple[float, int], previous: Entry | None) -> Entry | None:
        loader = modules.ModuleLoader(overrides=self.overrides())
        try:
            text = modules.ModuleLoader().read(path)
        except modules.ModuleReadError:
            self.forget(path)
            return None
        base = previous.analysis if previous is not None else None
        analysis = incremental.analyze_file(text, path, loader, base)
        with self._lock:
            self._serials += 1
            entry = self._entries[path] = Entry(path, stamp, ide.FileIndex(analysis, loader), self._serials)
        return entry

    def forget(self, path: str) -> None:
        with self._lock:
            self._entries.pop(path, None)

    def entry(self, path: str) -> Entry | None:
        with self._lock:
            return self._entries.get(path)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries.values())

    def paths(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    # ------------------------------------------------------------- imports

    def importers(self, paths: Iterable[str], direct: bool = False) -> set[str]:
        """The indexed files that import any of `paths`, directly or (unless
        `direct`) through other indexed files."""
        targets = set(paths)
        found: set[str] = set()
        while True:
            more = {entry.path for entry in self.entries()
                    if entry.path not in found and targets.intersection(entry.analysis.imports)}
            if not more or direct:
                return found | more
            found |= more
            targets = more

    def with_missing_imports(self) -> list[str]:
        """Indexed files with an import that did not resolve (E0110)."""
        return [entry.path for entry in self.entries()
                if any(d.code == "E0110" for d in entry.analysis.diagnostics)]
