"""Positions and sources at the DAP boundary.

Inside Esker, lines and columns are 1-based and columns count code points.
A DAP client chooses 0- or 1-based lines and columns at `initialize`, and
counts columns in UTF-16 code units; this is the only place that converts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class Coordinates:
    """The client's position convention, from its `initialize` arguments."""

    lines_start_at_1: bool = True
    columns_start_at_1: bool = True

    def line_out(self, line: int) -> int:
        return line if self.lines_start_at_1 else line - 1

    def line_in(self, line: int) -> int:
        return line if self.lines_start_at_1 else line + 1

    def column_out(self, line_text: str | None, col: int) -> int:
        """A 1-based code-point column as the client counts it."""
        if line_text is not None:
            col = 1 + utf16_length(line_text[: col - 1])
        return col if self.columns_start_at_1 else col - 1


    def column_in(self, line_text: str, column: int) -> int:
        """The code-point offset in `line_text` of a column as the client counts it."""
        units = column - 1 if self.columns_start_at_1 else column
        offset = 0
        while offset < len(line_text) and units > 0:
            units -= 2 if ord(line_text[offset]) > 0xFFFF else 1
            offset += 1
        return offset


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class Paths:
    """File names at the boundary. The controller names a file by its real
    path; the client sees the spelling it used itself for that file last (the
    program it launched, a file it set breakpoints in), so a file reached
    through a symbolic link stays the editor's file."""

    def __init__(self):
        self._spellings: dict[str, str] = {}

    def incoming(self, path: str) -> str:
        """The controller's name of a path the client sent, remembering its spelling."""
        spelling = os.path.abspath(path)
        real = os.path.normcase(os.path.realpath(spelling))
        self._spellings[real] = spelling
        return real

    def source(self, path: str) -> dict:
        """A DAP `Source` for the file the controller calls `path`."""
        shown = self._spellings.get(path, path)
        return {"name": os.path.basename(shown), "path": shown}
