"""Source text and positions: the one internal position convention.

Every position inside Esker is a code-point offset into the source text, and
people see 1-based line and column numbers counted in code points. Editors
that count in UTF-16 or UTF-8 convert at their own edge (the language
server), never here.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of source text.

    `start`/`end` are code-point offsets; `line`/`col` and `end_line`/`end_col`
    are the same places as 1-based line and column numbers (the end is
    exclusive, so a one-character token at 3:5 ends at 3:6).
    """

    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"

    def covers(self, offset: int) -> bool:
        """True when `offset` lies inside the span (its end included, so a
        cursor just after an identifier still counts as on it)."""
        return self.start <= offset <= self.end

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def merge(self, other: "Span") -> "Span":
        """The smallest span covering both."""
        first = self if self.start <= other.start else other
        last = self if self.end >= other.end else other
        return Span(first.start, last.end, first.line, first.col, last.end_line, last.end_col)


#: Used for nodes the front-end synthesises (e.g. the implicit `nil` of `let x`).
NO_SPAN = Span(0, 0, 1, 1, 1, 1)


#: A carriage return that is a line break on its own (not the start of `\r\n`).
_LONE_CR = re.compile(r"\r(?!\n)")


def lone_returns_as_newlines(text: str) -> str:
    """`text` with each lone `\r` turned into `\n`.

    LSP (and every editor) ends a line at `\n`, `\r\n` or a lone `\r`; the
    front end knows only `\n` (a `\r` before it is ignored as space). The
    replacement keeps every offset, so spans of the result are spans of
    `text`, and the lines counted are the lines the editor shows.
    """
    return _LONE_CR.sub("\n", text) if "\r" in text else text


class SourceText:
    """Source text with a line index, to turn offsets into line:column."""

    def __init__(self, text: str, path: str = "<input>"):
        text = lone_returns_as_newlines(text)
        self.text = text
        self.path = path
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a code-point offset."""
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect.bisect_right(self.line_starts, offset) - 1
        return line_index + 1, offset - self.line_starts[line_index] + 1

    def offset(self, line: int, col: int) -> int:
        """Code-point offset of a 1-based (line, column), clamped to the text."""
        if line < 1:
            return 0
        if line > len(self.line_starts):
            return len(self.text)
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return min(start + max(col, 1) - 1, end)

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(start, end, line, col, end_line, end_col)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[start:end]

    @property
    def line_count(self) -> int:
        return len(self.line_starts)


@dataclass(frozen=True)
class DecodeProblem:
    """Why bytes are not Esker source, and where (1-based line and column)."""

    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.message}"


def decode_source(data: bytes) -> tuple[str | None, DecodeProblem | None]:
    """Decode file bytes as UTF-8 source text.

    Returns (text, None) on success, or (None, problem) when the bytes are not
    UTF-8, naming the line and column of the first bad byte. A UTF-8
    byte-order mark is dropped. (Stray control characters such as NUL decode
    fine and are reported by the lexer, at their position.)
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        return None, DecodeProblem(line, col, f"file is not UTF-8 text (byte 0x{data[error.start]:02x})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return lone_returns_as_newlines(text), None
