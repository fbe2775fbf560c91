"""Go to definition on a builtin: a read-only document that describes it.

Builtins have no Esker source, so their definition is the builtins
reference — the same text as docs/language.md's, generated from the one
builtins table (`esker.vm.runtime.reference`) — written once per text as a
Markdown file in the user's cache folder, without write permission, so the
editor opens it as a document of its own and it cannot be edited by
mistake. The location is the heading of the builtin's entry.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from typing import TYPE_CHECKING

from . import codecache, deferred

if TYPE_CHECKING:
    from esker.vm.runtime.library import Entry

ide = deferred.module("esker.vm.ide")
library = deferred.module("esker.vm.runtime.library")
reference = deferred.module("esker.vm.runtime.reference")
source = deferred.module("esker.vm.source")

_writing = threading.Lock()


def definition(index: ide.FileIndex, offset: int) -> list[ide.Location]:
    """`ide.definition`, and for a builtin the place that describes it."""
    found = ide.definition(index, offset)
    if found:
        return found
    entry = ide.builtin_at(index, offset)
    place = reference_location(entry) if entry is not None else None
    return [place] if place is not None else []


def reference_location(entry: Entry) -> ide.Location | None:
    """The heading of `entry` in the reference document (None when the
    document cannot be written)."""
    found = _reference()
    if found is None:
        return None
    path, document = found
    wanted = f"### The `{entry.name}` namespace" if entry.kind == library.NAMESPACE else None
    for number in range(1, document.line_count + 1):
        line = document.line_text(number)
        if line == wanted or (wanted is None and line.startswith("#") and line.endswith(f" `{entry.signature}`")):
            start = document.offset(number, 1)
            return ide.Location(path, document.span(start, start + len(line)))
    return None


@functools.lru_cache(maxsize=1)
def _reference() -> tuple[str, source.SourceText] | None:
    """The reference document's path and text (written once per process)."""
    text = reference.render_markdown() + "\n"
    path = _document(text)
    return (path, source.SourceText(text, path)) if path is not None else None


def _document(text: str) -> str | None:
    """The read-only file holding `text`, written when it is not there yet."""
    import tempfile  # not at start-up (see `codecache.user_cache_folder`)

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    with _writing:
        folder = os.path.join(codecache.user_cache_folder(), "esker")
        path = os.path.join(folder, f"builtins-{digest}.md")
        try:
            if not os.path.exists(path):
                os.makedirs(folder, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=folder, suffix=".md")
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                    out.write(text)
                os.chmod(temporary, 0o444)
                os.replace(temporary, path)
        except OSError:
            return None
        return path

