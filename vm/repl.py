"""`esker repl`: an interactive session with persistent definitions.

Each entry is checked in the context of every entry accepted before it, so
names defined earlier are known to the checker, then run on the tree-walker
in one module scope that lives as long as the session. The tree-walker is
used because it can run a new piece of syntax tree against existing
variables directly; what the entries mean is the same on both engines.

- An entry continues over several lines while it is incomplete (an open
  bracket or block, a line ending in an operator).
- Redefining a name (`let x = 1`, later `let x = 2`) replaces it, as in other
  REPLs, instead of being a duplicate declaration.
- A trailing expression's value is echoed with `repr` unless it is nil.
- Errors print like `esker run` prints them; the session continues.
- Line editing and history come from `readline` where Python has it; the
  history is kept in `~/.esker_history`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from .analysis import analyze
from .diagnostics import Severity
from .interpreter import Interpreter
from .lexer import scan
from .modules import ModuleLoader
from .parser import parse
from .runtime.errors import EskerError, ProgramExit, format_uncaught
from .runtime.printing import to_repr

PATH = "<repl>"
PROMPT, CONTINUATION = ">>> ", "... "
#: Diagnostics that make sense for a file but not between REPL entries.
_IGNORED_CODES = {"E0102"}
HISTORY_FILE = os.path.join(os.path.expanduser("~"), ".esker_history")


@dataclass
class Outcome:
    """What one entry printed: its echo (or "") and its error report (or "")."""

    echo: str = ""
    error: str = ""


class Session:
    """The state of one REPL: accepted source text and the running scope."""

    def __init__(self, stdout=None):
        self.interpreter = Interpreter(loader=ModuleLoader(), stdout=stdout)
        self.accepted = ""
        self.scope = None

    def is_incomplete(self, text: str) -> bool:
        """True when `text` only fails because it ends too early (also inside
        a triple-quoted string, which the next lines may close)."""
        if scan(text).in_triple_quotes:
            return True
        end = len(text.rstrip())
        errors = [d for d in parse(text, PATH).diagnostics if d.severity == Severity.ERROR]
        return bool(errors) and all(d.span.start >= end and d.code in ("E0001", "E0005") for d in errors)

    def submit(self, text: str) -> Outcome:
        """Check and run one complete entry."""
        prefix = self.accepted + ("\n" if self.accepted else "")
        checked = analyze(prefix + text, PATH)
        errors = [d for d in checked.errors if d.span.start >= len(prefix) and d.code not in _IGNORED_CODES]
        if errors:
            lines = []
            for item in errors:
                line = item.span.line - prefix.count("\n")
                lines.append(f"{PATH}:{line}:{item.span.col}: {item.severity.label}[{item.code}]: {item.message}")
            return Outcome(error="\n".join(lines))
        parsed = parse(text, PATH)
        self.accepted = prefix + text
        try:
            self.scope, value = self.interpreter.run_interactive(parsed.program, parsed.source, self.scope)
        except EskerError as error:
            return Outcome(error=format_uncaught(error))
        return Outcome(echo="" if value is None else to_repr(value))


def run(stdin=None, stdout=None) -> int:
    """The read-eval-print loop; returns the exit status: 0 at end of input,
    or the status an entry gave to `exit()`."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    if interactive:
        _enable_line_editing()
        print("Esker REPL — Ctrl-D to leave.", file=stdout)
    session = Session(stdout=stdout)
    status = 0
    while True:
        entry = _read_entry(session, stdin, stdout, interactive)
        if entry is None:
            break
        if not entry.strip():
            continue
        try:
            outcome = session.submit(entry)
        except ProgramExit as leaving:  # exit() ends the session, after its finally blocks
            status = leaving.status
            break
        if outcome.echo:
            print(outcome.echo, file=stdout)
        if outcome.error:
            stdout.flush()
            print(outcome.error, file=sys.stderr)
    if interactive:
        print(file=stdout)
        _save_history()
    return status


def _read_entry(session: Session, stdin, stdout, interactive: bool) -> str | None:
    """One complete entry, several lines long if needed; None at end of input."""
    lines: list[str] = []
    while True:
        try:
            line = _read_line(PROMPT if not lines else CONTINUATION, stdin, stdout, interactive)
        except KeyboardInterrupt:  # Ctrl-C drops the entry being typed
            print(file=stdout)
            return ""
        if line is None:
            return "\n".join(lines) if lines else None
        lines.append(line)
        text = "\n".join(lines)
        if not session.is_incomplete(text):
            return text


def _read_line(prompt: str, stdin, stdout, interactive: bool) -> str | None:
    if interactive and stdin is sys.stdin:
        try:
            return input(prompt)
        except EOFError:
            return None
    line = stdin.readline()
    return None if line == "" else line.rstrip("\n")


def _enable_line_editing() -> None:
    try:
        import readline
    except ImportError:  # Python built without readline: plain input still works
        return
    try:
        readline.read_history_file(HISTORY_FILE)
    except OSError:
        pass


def _save_history() -> None:
    try:
        import readline

        readline.write_history_file(HISTORY_FILE)
    except (ImportError, OSError):
        pass
