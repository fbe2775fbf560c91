"""`# esker: ignore[W0101]`: a warning silenced where its author means it.

A comment `# esker: ignore[CODE, ...]` on a line silences the warnings with
those codes that start on that line; `# esker: ignore` alone silences every
warning there. Errors are never silenced: a program with an error cannot
run, and the message says why. `esker check`, `esker run` and the language
server all leave silenced warnings out, and the server offers the comment as
a quick fix for each warning.
"""

from __future__ import annotations

import re

from . import ast
from .diagnostics import Diagnostic, Severity
from .source import Span

#: The directive inside a comment's text (after its `#`), anywhere in it.
_DIRECTIVE = re.compile(r"(?:\A|#)\s*esker:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


def ignored_lines(comments: list[ast.Comment]) -> dict[int, frozenset[str] | None]:
    """The codes each line's directive names (None: every warning)."""
    lines: dict[int, frozenset[str] | None] = {}
    for comment in comments:
        found = _DIRECTIVE.search(comment.text)
        if found is not None:
            codes = found.group("codes")
            lines[comment.span.line] = None if codes is None else \
                frozenset(code.strip().upper() for code in codes.split(",") if code.strip())
    return lines


def without_ignored(diagnostics: list[Diagnostic], comments: list[ast.Comment]) -> list[Diagnostic]:
    """`diagnostics` less the warnings that a directive on their first line
    silences (both in the same frame of lines)."""
    if not comments:
        return diagnostics
    lines = ignored_lines(comments)
    if not lines:
        return diagnostics
    return [d for d in diagnostics if not _silenced(d, lines)]


def _silenced(found: Diagnostic, lines: dict[int, frozenset[str] | None]) -> bool:
    if found.severity == Severity.ERROR or found.span.line not in lines:
        return False
    codes = lines[found.span.line]
    return codes is None or found.code in codes


def ignore_fixes(index, start: int, end: int) -> list:
    """"Ignore CODE on this line" for each warning that touches [start, end]
    (`index` is an `ide.FileIndex`; the fixes are `ide.QuickFix`es)."""
    from .ide import Edit, QuickFix  # not at the top: the analysis `ide` builds on imports this module

    fixes = []
    text = index.text
    for found in index.analysis.diagnostics:
        if found.severity != Severity.WARNING or found.span.start > end or found.span.end < start:
            continue
        line_start = text.rfind("\n", 0, found.span.start) + 1
        line_end = text.find("\n", found.span.start)
        line_end = len(text) if line_end == -1 else line_end
        first, last, new_text = directive_edit(text[line_start:line_end], found.code)
        line = found.span.line
        span = Span(line_start + first, line_start + last, line, first + 1, line, last + 1)
        fixes.append(QuickFix(f"Ignore {found.code} on this line", [Edit(span, new_text)], found))
    return fixes


def directive_edit(line_text: str, code: str) -> tuple[int, int, str]:
    """How to silence `code` on a line: (start, end, text) within the line,
    adding it to the line's directive when there is one, else appending one."""
    found = re.search(r"esker:\s*ignore\[(?P<codes>[^\]]*)\]", line_text)
    if found is not None:
        codes = [item.strip() for item in found.group("codes").split(",") if item.strip()]
        return found.start("codes"), found.end("codes"), ", ".join(codes + [code])
    end = len(line_text.rstrip())
    return end, len(line_text), f"  # esker: ignore[{code}]"
