"""`esker repl`: an interactive session on the register VM.

Each entry is parsed, checked and compiled on its own, against a scope that
holds what earlier entries defined, and run on one VM whose top-level names
live in one table that every entry shares. So an entry costs time in
proportion to itself, never to the length of the session, and runs with the
VM's depth limit (`ESKER_MAX_DEPTH` is honoured, as by `esker run`).

- An entry continues over several lines while it is incomplete (an open
  bracket or block, a line ending in an operator).
- An entry that ends with an `if` or `try` may be continued by a line that
  starts with `else`, `catch` or `finally` (the language lets these stand on
  the next line). So the REPL waits for one more line after such an entry,
  prompting `... `; an empty line, or any other line, ends it.
- Defining a name again (`let x = 1`, later `let x = 2`) replaces it;
  functions defined earlier see the new value, as in a module.
- A trailing expression's value is echoed with `repr` unless it is nil, and
  `_` holds the last value echoed.
- Errors print like `esker run` prints them and the session goes on. A
  definition whose code failed leaves no name behind: only names whose
  declaration ran are known to later entries.
- Code runs on the VM with its compiled tier, as under `esker run`: hot
  functions and loops of an entry are compiled to Python.
- Ctrl-C abandons the entry being typed. While an entry runs, it stops it at
  its next call, return or loop iteration (compiled code too), or while it waits for the
  terminal in `input()` or `io.read_stdin()` (a builtin that is working,
  such as `sorted` of a long array, finishes first): its `finally` blocks
  run, and `error[KeyboardInterrupt]: interrupted` is reported. The session
  goes on.
- `exit(status)` ends the session with that status; so does end of input
  (Ctrl-D), with status 0. The terminal's settings are saved when the
  session starts and restored however it ends.
- Line editing and history come from `readline` where Python has it; the
  history is kept in `~/.esker_history`.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from . import ast
from .checker import check
from .compiler import CompileError, compile_program
from .deep import call_with_deep_stack
from .diagnostics import Severity
from .lexer import scan
from .machine import DEFAULT_MAX_DEPTH, VM
from .modules import ModuleLoader
from .parser import ParseResult, parse
from .runtime.errors import INTERRUPTED, EskerError, ProgramExit, format_uncaught
from .runtime.host import Host
from .runtime.printing import to_repr
from .source import Span
from .tier import DEFAULT_THRESHOLD
from .symbols import Scope, Symbol, SymbolKind, builtin_scope

PATH = "<repl>"
PROMPT, CONTINUATION = ">>> ", "... "
HISTORY_FILE = os.path.join(os.path.expanduser("~"), ".esker_history")
#: A line that continues an `if` or `try` of the line before.
_CONTINUING = re.compile(r"\s*(?:else|catch|finally)\b")


@dataclass
class Outcome:
    """What one entry printed: its echo (or "") and its error report (or "")."""

    echo: str = ""
    error: str = ""


class Session:
    """The state of one REPL: the VM, the table of top-level names that every
    entry shares, and the checker's view of them."""

    def __init__(self, host: Host | None = None, max_depth: int = DEFAULT_MAX_DEPTH):
        self.loader = ModuleLoader()
        # With the compiled tier, as `esker run` has it: compiled loops and calls honour Ctrl-C too.
        self.vm = VM(loader=self.loader, host=host, max_depth=max_depth, tier_threshold=DEFAULT_THRESHOLD)
        self.names: dict[str, object] = {}
        self.scope = Scope("session", Span(0, 0, 1, 1, 1, 1), builtin_scope())
        self._stopping = False

    # ------------------------------------------------------------ reading

    @staticmethod
    def parse(text: str) -> ParseResult:
        return parse(text, PATH)

    @staticmethod
    def is_incomplete(parsed: ParseResult) -> bool:
        """True when the entry only fails because it ends too early (also
        inside a triple-quoted string, which the next lines may close)."""
        if scan(parsed.source.text).in_triple_quotes:
            return True
        end = len(parsed.source.text.rstrip())
        errors = [d for d in parsed.diagnostics if d.severity == Severity.ERROR]
        return bool(errors) and all(d.span.start >= end and d.code in ("E0001", "E0005") for d in errors)

    @staticmethod
    def may_continue(parsed: ParseResult) -> bool:
        """Whether the next line could continue the entry: it ends with an
        `if` without a final `else`, or a `try` without `finally`."""
        body = parsed.program.body
        last = body[-1] if body else None
        while type(last) is ast.If and type(last.orelse) is ast.If:
            last = last.orelse
        if type(last) is ast.If:
            return last.orelse is None
        return type(last) is ast.Try and last.finalizer is None

    # ------------------------------------------------------------ running

    def submit(self, entry: str | ParseResult) -> Outcome:
        """Checks, compiles and runs one complete entry, its text or its parse
        (on a thread with a deep stack; a Ctrl-C meanwhile stops it, see
        `interrupt`)."""
        parsed = self.parse(entry) if isinstance(entry, str) else entry
        self._stopping = False
        self.vm.cancel_stop()
        with _interrupts_calling(self.interrupt):
            return call_with_deep_stack(lambda: self._submit(parsed))

    def interrupt(self) -> None:
        """Ctrl-C while an entry is being handled: it is abandoned, or stopped
        if it already runs (also while it waits for the terminal in `input()`)."""
        self._stopping = True
        self.vm.stop()

    def _submit(self, parsed: ParseResult) -> Outcome:
        problems = [d for d in parsed.diagnostics if d.severity == Severity.ERROR]
        checked = None
        if not problems:
            checked = check(parsed.program, parsed.source, self.loader, outer=self.scope)
            problems = [d for d in checked.diagnostics if d.severity == Severity.ERROR]
        if problems:
            return Outcome(error="\n".join(item.format(PATH) for item in problems))
        try:
            proto = compile_program(parsed.program, parsed.source, session=self.names, echo=True)
        except CompileError as error:
            return Outcome(error=f"{PATH}:{error.span.line}:{error.span.col}: error: {error.message}")
        if self._stopping:
            return Outcome(error=INTERRUPTED)
        before = dict(self.names)
        try:
            value = self.vm.run_entry(proto, PATH, self.names)
        except EskerError as error:
            self._remember(checked.symbols.root, before, failed=True)
            return Outcome(error=format_uncaught(error))
        except ProgramExit as leaving:
            if not leaving.interrupted:
                raise
            self._remember(checked.symbols.root, before, failed=True)
            return Outcome(error=INTERRUPTED)
        self._remember(checked.symbols.root, before, failed=False)
        if value is None:
            return Outcome()
        self._echoed(value)
        return Outcome(echo=to_repr(value))

    def _remember(self, entry_scope: Scope, before: dict, failed: bool) -> None:
        """Makes the names the entry defined known to later entries: every
        name whose declaration ran. After a failure a name whose value did
        not change keeps its earlier meaning (its new declaration never ran)."""
        for name, symbol in entry_scope.symbols.items():
            if name not in self.names:
                continue
            if failed and name in before and self.names[name] is before[name]:
                continue
            self.scope.symbols[name] = symbol

    def _echoed(self, value: object) -> None:
        self.names["_"] = value
        if "_" not in self.scope.symbols:
            self.scope.symbols["_"] = Symbol("_", SymbolKind.VARIABLE, None, None, self.scope,
                                             doc="The last value the REPL echoed.")


class TerminalHost(Host):
    """The host of a session at a terminal. A program's `input()` and
    `io.read_stdin()` wait for the terminal in a way Ctrl-C can stop, so
    Ctrl-C at an `input()` prompt stops the entry as it stops a loop: the
    read honours the VM's pending stop itself, raising the ProgramExit(130,
    interrupted=True) the VM would. A stop the VM has already honoured does
    not stop a later read (an `input()` in a `finally` block that runs on
    the way out). The reads use the terminal's file descriptor itself, as
    the line editor that reads the entries does, so no typed text waits in a
    buffer of Python's between the two. (Only where `select` works on a
    terminal: POSIX.)"""

    #: Seconds between looks at whether Ctrl-C was pressed while waiting.
    POLL = 0.05

    def __init__(self, stdin, stdout):
        super().__init__(stdin=stdin, stdout=stdout)
        #: The session's VM, whose stop requests the reads honour.
        self.vm: VM | None = None

    def read_line(self) -> str | None:
        self.flush()
        data = self._read(until_newline=True)
        if not data:
            return None
        text = data.decode("utf-8", "replace")
        return text[:-1].removesuffix("\r") if text.endswith("\n") else text

    def read_all(self) -> str:
        self.flush()
        return self._read(until_newline=False).decode("utf-8", "replace")

    def _read(self, until_newline: bool) -> bytes:
        """Bytes of the terminal up to a newline (or all of them) or its end
        of input; a Ctrl-C meanwhile stops the entry."""
        import select

        fd = self.stdin.fileno()
        data = bytearray()
        while not (until_newline and data.endswith(b"\n")):
            ready, _, _ = select.select([fd], [], [], self.POLL)
            if self.vm is not None and self.vm.stop_pending:
                self.vm.cancel_stop()
                raise ProgramExit(130, interrupted=True)
            if ready:
                chunk = os.read(fd, 1 if until_newline else 65536)
                if not chunk:
                    break
                data += chunk
        return bytes(data)


@contextmanager
def _interrupts_calling(stop: Callable[[], None]):
    """While an entry is handled, Ctrl-C (SIGINT) calls `stop` instead of
    raising KeyboardInterrupt: an exception could land anywhere in the code
    that waits for the entry and lose it. Only the main thread may do this;
    elsewhere (a Session used from a program) Ctrl-C keeps its usual meaning."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: stop())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run(stdin=None, stdout=None, max_depth: int = DEFAULT_MAX_DEPTH) -> int:
    """The read-eval-print loop; the exit status (0 at end of input, or the
    status given to `exit()`)."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = _is_terminal(stdin)
    saved = _terminal_settings(stdin) if interactive else None
    try:
        if interactive:
            _enable_line_editing()
            print("Esker REPL — Ctrl-D to leave, Ctrl-C to stop an entry.", file=stdout)
        return _loop(_session(stdin, stdout, interactive, max_depth), stdin, stdout, interactive)
    finally:
        if interactive:
            print(file=stdout)
            _save_history()
        _restore_terminal(stdin, saved)


def _session(stdin, stdout, interactive: bool, max_depth: int) -> Session:
    """A session whose programs read standard input through a TerminalHost
    when it is a terminal that can be waited on, else the plain Host."""
    if interactive and os.name == "posix" and stdin is sys.stdin:
        host = TerminalHost(stdin, stdout)
        session = Session(host, max_depth)
        host.vm = session.vm
        return session
    return Session(Host(stdin=stdin, stdout=stdout), max_depth)


def _loop(session: Session, stdin, stdout, interactive: bool) -> int:
    reader = _Reader(session, stdin, stdout, interactive)
    while True:
        try:
            parsed = reader.entry()
            if parsed is None:
                return 0
            if not parsed.source.text.strip():
                continue
            outcome = session.submit(parsed)
        except KeyboardInterrupt:  # Ctrl-C between entries: nothing to stop
            print(file=stdout)
            continue
        except ProgramExit as leaving:
            stdout.flush()
            return leaving.status
        if outcome.echo:
            print(outcome.echo, file=stdout)
        if outcome.error:
            stdout.flush()
            print(outcome.error, file=sys.stderr)


class _Reader:
    """Reads entries line by line, holding back a line read ahead after an
    `if` or `try` that turned out not to continue it."""

    def __init__(self, session: Session, stdin, stdout, interactive: bool):
        self.session = session
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive
        self.pending: str | None = None

    def entry(self) -> ParseResult | None:
        """One complete entry, several lines long if needed; None at end of
        input. Ctrl-C while typing gives an empty entry."""
        try:
            return self._entry()
        except KeyboardInterrupt:
            print(file=self.stdout)
            return self.session.parse("")

    def _entry(self) -> ParseResult | None:
        lines: list[str] = []
        while True:
            line = self._line(PROMPT if not lines else CONTINUATION)
            if line is None:
                return self.session.parse("\n".join(lines)) if lines else None
            lines.append(line)
            while True:
                parsed = self.session.parse("\n".join(lines))
                if self.session.is_incomplete(parsed):
                    break
                following = self._continuation() if self.session.may_continue(parsed) else None
                if following is None:
                    return parsed
                lines.append(following)

    def _continuation(self) -> str | None:
        """After an entry that an `else`/`catch`/`finally` line could continue:
        the next line if it does; any other line is kept for the next entry."""
        line = self._line(CONTINUATION)
        if line is None or _CONTINUING.match(line):
            return line
        if line.strip():
            self.pending = line
        return None

    def _line(self, prompt: str) -> str | None:
        if self.pending is not None:
            line, self.pending = self.pending, None
            return line
        if self.interactive and self.stdin is sys.stdin:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _terminal_settings(stream):
    try:
        import termios

        return termios.tcgetattr(stream.fileno())
    except (ImportError, OSError, ValueError):
        return None


def _restore_terminal(stream, saved) -> None:
    if saved is None:
        return
    import termios

    try:
        termios.tcsetattr(stream.fileno(), termios.TCSADRAIN, saved)
    except (OSError, ValueError):
        pass


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
