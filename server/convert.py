"""The one place where Esker positions and records become LSP types.

Esker counts code points (`esker.vm.source.Span`); clients count UTF-16 code
units unless they negotiated UTF-8 or UTF-32. `LineIndex` converts between the
two for one version of a document, and the helpers below turn diagnostics,
severities and symbol kinds into their `lsprotocol` shapes. Handlers never do
position arithmetic themselves.
"""

from __future__ import annotations

import bisect
import enum
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.capabilities import ServerCapabilitiesBuilder
from pygls.uris import from_fs_path

from esker.vm import diagnostics as diag
from esker.vm.source import Span, lone_returns_as_newlines


class Encoding(enum.Enum):
    """A position encoding: how a client counts the characters of a line."""

    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"

    @property
    def codec(self) -> str:
        return {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[self.value]

    @property
    def unit_bytes(self) -> int:
        return {"utf-8": 1, "utf-16": 2, "utf-32": 4}[self.value]

    def units(self, text: str) -> int:
        """How many of this encoding's code units `text` takes."""
        if self is Encoding.UTF32 or text.isascii():
            return len(text)
        return len(text.encode(self.codec, errors="surrogatepass")) // self.unit_bytes

    def code_points(self, text: str, units: int) -> int:
        """How many code points of `text` fit in its first `units` code units.

        A count that ends inside a character (half a surrogate pair, part of a
        UTF-8 sequence) stops before that character, as the LSP asks.
        """
        if self is Encoding.UTF32 or text.isascii():
            return min(units, len(text))
        encoded = text.encode(self.codec, errors="surrogatepass")[: units * self.unit_bytes]
        return len(encoded.decode(self.codec, errors="ignore"))


def negotiate(capabilities: types.ClientCapabilities) -> Encoding:
    """The encoding to use with a client: the first of its `positionEncodings`
    the server supports, else UTF-16 (the LSP default).

    pygls announces its choice in the `initialize` result, so the same rule is
    asked of it here rather than written twice.
    """
    chosen = ServerCapabilitiesBuilder.choose_position_encoding(capabilities)
    return Encoding(str(getattr(chosen, "value", chosen)))


class LineIndex:
    """Converts between code-point offsets and LSP positions for one text.

    Lines end at `\\n`, `\\r\\n` or a lone `\\r`, as LSP defines them (the
    Esker front end reads a lone `\\r` as `\\n` too); the `\\r` of `\\r\\n` is
    the last character of its line.
    """

    def __init__(self, text: str, encoding: Encoding):
        self.text = text
        self.encoding = encoding
        breaks = lone_returns_as_newlines(text)
        starts = [0]
        found = breaks.find("\n")
        while found != -1:
            starts.append(found + 1)
            found = breaks.find("\n", found + 1)
        self.line_starts = starts

    def _line_bounds(self, line: int) -> tuple[int, int]:
        start = self.line_starts[line]
        end = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else len(self.text)
        return start, end

    def offset(self, position: types.Position) -> int:
        """The code-point offset of a client position, clamped to the text
        (a character past the end of its line means the end of the line)."""
        if position.line >= len(self.line_starts):
            return len(self.text)
        start, end = self._line_bounds(position.line)
        return start + self.encoding.code_points(self.text[start:end], position.character)

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[line]
        return types.Position(line=line, character=self.encoding.units(self.text[start:offset]))

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def offsets(self, lsp_range: types.Range) -> tuple[int, int]:
        """Code-point offsets (start, end) of a client range, in order."""
        start, end = self.offset(lsp_range.start), self.offset(lsp_range.end)
        return min(start, end), max(start, end)



# ------------------------------------------------------------------- URIs

def uri_to_path(uri: str) -> str | None:
    """The file system path of a `file:` URI; None for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return unquote(parsed.path)


def path_to_uri(path: str) -> str:
    return from_fs_path(path) or path


# ------------------------------------------------------------ diagnostics

SEVERITIES = {
    diag.Severity.ERROR: types.DiagnosticSeverity.Error,
    diag.Severity.WARNING: types.DiagnosticSeverity.Warning,
    diag.Severity.INFO: types.DiagnosticSeverity.Information,
    diag.Severity.HINT: types.DiagnosticSeverity.Hint,
}

TAGS = {diag.Tag.UNNECESSARY: types.DiagnosticTag.Unnecessary}

SOURCE = "esker"


def diagnostic(item: diag.Diagnostic, lines: LineIndex, uri: str, docs_url: str | None,
               other_lines) -> types.Diagnostic:
    """An LSP diagnostic for an Esker one.

    `other_lines(path)` gives the `LineIndex` of another file named by related
    information (None when it cannot be read; the related entry is dropped).
    """
    related = []
    for entry in item.related:
        index = lines if entry.path is None else other_lines(entry.path)
        if index is None:
            continue
        target = uri if entry.path is None else path_to_uri(entry.path)
        related.append(types.DiagnosticRelatedInformation(
            location=types.Location(uri=target, range=index.range(entry.span)), message=entry.message))
    return types.Diagnostic(
        range=lines.range(item.span),
        message=item.message,
        severity=SEVERITIES[item.severity],
        code=item.code,
        code_description=types.CodeDescription(href=f"{docs_url}#{item.code.lower()}") if docs_url else None,
        source=SOURCE,
        tags=[TAGS[tag] for tag in item.tags if tag in TAGS] or None,
        related_information=related or None,
    )
