"""Outlines of the `.esk` files in the workspace folders, for workspace symbols.

Files that are not open are parsed (not checked) once and kept until their
modification time changes; open documents are answered from their own
analyses instead. The walk skips hidden folders and dependency folders and
stops after `MAX_FILES` files, so a huge folder cannot stall a request.
"""

from __future__ import annotations

import os
import threading

from esker.vm import ide
from esker.vm.modules import ModuleLoader, ModuleReadError

MAX_FILES = 1000
SKIPPED = {"node_modules", "__pycache__", "build", "dist"}


class Outlines:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, list[ide.OutlineItem]]] = {}
        self._lock = threading.Lock()

    def on_disk(self, roots: list[str], skip: set[str]) -> list[tuple[str, list[ide.OutlineItem]]]:
        """(path, outline) of every `.esk` file under `roots` not in `skip`."""
        found = []
        for path in _esk_files(roots):
            if path not in skip:
                items = self._outline(path)
                if items is not None:
                    found.append((path, items))
        return found

    def _outline(self, path: str) -> list[ide.OutlineItem] | None:
        try:
            modified = os.stat(path).st_mtime
        except OSError:
            return None
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == modified:
            return cached[1]
        try:
            items = ide.file_outline(ModuleLoader().read(path), path)
        except ModuleReadError:
            return None
        with self._lock:
            self._cache[path] = (modified, items)
        return items


def _esk_files(roots: list[str]) -> list[str]:
    found: list[str] = []
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith(".") and name not in SKIPPED)
            found += (os.path.join(folder, name) for name in sorted(files) if name.endswith(".esk"))
            if len(found) >= MAX_FILES:
                return found[:MAX_FILES]
    return found
