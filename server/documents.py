"""The open documents, keyed by URI, each at the version the client last sent.

A `Document` is an immutable snapshot: every change makes a new one, so work
running on another thread keeps a consistent text, version and line index
while the client goes on typing. Incremental changes are applied here, with
their ranges converted through the negotiated position encoding.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lsprotocol import types

from .convert import Encoding, LineIndex, uri_to_path


@dataclass(frozen=True)
class Document:
    uri: str
    version: int
    text: str
    #: The file the document stands for (None for unsaved `untitled:` buffers).
    path: str | None
    lines: LineIndex = field(repr=False, compare=False)
    #: Which opening of the document this is (its versions start again when reopened).
    opening: int = 0

    @property
    def analysis_path(self) -> str:
        """The path analysis reports and resolves imports against."""
        return self.path or self.uri


class DocumentStore:
    def __init__(self, encoding: Encoding = Encoding.UTF16):
        self.encoding = encoding
        self._documents: dict[str, Document] = {}
        self._openings = 0

    def _make(self, uri: str, version: int, text: str) -> Document:
        path = uri_to_path(uri)
        self._openings += 1
        return Document(uri, version, text, os.path.abspath(path) if path else None,
                        LineIndex(text, self.encoding), self._openings)

    def open(self, uri: str, version: int, text: str) -> Document:
        document = self._make(uri, version, text)
        self._documents[uri] = document
        return document

    def change(self, uri: str, version: int,
               changes: list[types.TextDocumentContentChangeEvent]) -> Document | None:
        """Apply the client's changes in order; None when `uri` is not open."""
        current = self._documents.get(uri)
        if current is None:
            return None
        text, lines = current.text, current.lines
        for change in changes:
            text = apply_change(text, lines, change)
            lines = LineIndex(text, self.encoding)
        document = Document(uri, version, text, current.path, lines, current.opening)
        self._documents[uri] = document
        return document

    def close(self, uri: str) -> Document | None:
        return self._documents.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self._documents.get(uri)

    def all(self) -> list[Document]:
        return list(self._documents.values())

    def by_path(self, path: str) -> Document | None:
        for document in self._documents.values():
            if document.path == path:
                return document
        return None

    def overrides(self) -> dict[str, str]:
        """Open buffers by file path: they take precedence over the disk."""
        return {d.path: d.text for d in self._documents.values() if d.path}


def apply_change(text: str, lines: LineIndex, change: types.TextDocumentContentChangeEvent) -> str:
    if isinstance(change, types.TextDocumentContentChangePartial):
        start, end = lines.offsets(change.range)
        return text[:start] + change.text + text[end:]
    return change.text
