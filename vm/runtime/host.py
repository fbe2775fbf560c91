"""The host: everything an Esker program exchanges with the world passes here.

Each engine has one `Host`, `engine.host`. Builtins never touch `sys.stdout`,
`time` or `open` themselves; they ask the host. That gives one place to
capture output (tests), to supply arguments, standard input and an
environment (the CLI, the debugger's launch configuration), and to record a
run and replay it (a debugger travelling back in time).

The contract, which a wrapper (a subclass or a delegate with the same
methods) relies on:

- Every method is either an *effect* (`write`, `write_error`, `write_file`,
  `append_file`, `remove`) or an *observation* (`read_line`, `read_all`,
  `clock`, `env`, `read_file`, `exists`, each line taken from `read_lines`).
  `args` and `platform` are observations made once, when an engine builds
  its global names.
- Arguments and results are plain immutable data: `str`, `float`, `bool`,
  `None`, and the list `args`. Failures are `HostError(reason, path)`, plain
  data too; the runtime turns them into the Esker error `IOError` with the
  message `REASON: PATH`. No other exception leaves a host method, except
  ProgramExit(0) from a write or flush of an output whose reader went away
  (a closed pipe): the program ends quietly, as a filter in a pipeline does.
- Engines are deterministic given these results, so a recorder that logs
  each call with its result (or its HostError) in order can replay a run:
  return the logged results in the same order and perform no effects.
- The methods never call one another, so a wrapper sees exactly the calls
  the program made.
- `read_lines(path)` opens the file at once (so a missing file fails at the
  call) and returns an iterator; each `next()` is an observation.
- Text is UTF-8 everywhere: files are read and written as UTF-8 without
  newline translation, so `read_file` returns exactly what `write_file`
  wrote. Paths are relative to the current directory.
- Before standard error is written, or standard input read, standard output
  is flushed, so a prompt appears before the program waits and the two
  streams interleave as the program wrote them.

Streams left out are looked up in `sys` at each use, so the host follows
redirections made after it was created (pytest's capture, for one).
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence

from .errors import HostError, ProgramExit

TYPE_CHECKING = False  # typing's, without importing typing (start-up time); type checkers take it as true
if TYPE_CHECKING:
    from typing import TextIO


#: The operating system's reasons, as short lower-case phrases.
_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.EEXIST: "already exists",
    errno.ENOSPC: "no space left on device",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "file name too long",
    errno.ELOOP: "too many levels of symbolic links",
}

STANDARD_INPUT = "<stdin>"


def _failure(error: Exception, path: str) -> HostError:
    """The HostError for an exception of an operation on `path`."""
    if isinstance(error, UnicodeError):
        return HostError("not UTF-8 text", path)
    if isinstance(error, OSError):
        reason = _REASONS.get(error.errno) or (os.strerror(error.errno) if error.errno else str(error))
        return HostError(reason[:1].lower() + reason[1:], path)
    if isinstance(error, AttributeError):
        return HostError("closed", path)
    return HostError(str(error) or type(error).__name__, path)


def _reader_gone() -> ProgramExit:
    """What writing to an output whose reader went away does (`esker run
    prog.esk | head`): the program ends quietly with status 0, as when it
    finishes, after its `finally` blocks; `catch` does not see it. That is
    the usual behaviour of a command-line filter, and an error message there
    would only be noise."""
    return ProgramExit(0)


def _platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    return "darwin" if sys.platform == "darwin" else "linux" if sys.platform.startswith("linux") else sys.platform


class Host:
    """The real world: the process's streams, clock, environment and files.

    `args` are the program's arguments (`sys.args`); `environ` defaults to
    the process environment, `platform` to the running system's.
    """

    #: The methods that act on the world (their result is None).
    EFFECTS = ("write", "write_error", "flush", "write_file", "append_file", "remove")
    #: The methods that read from it (`read_lines` returns an iterator of observations).
    OBSERVATIONS = ("read_line", "read_all", "clock", "env", "read_file", "exists", "read_lines")

    def __init__(self, args: Sequence[str] = (), *, stdin: TextIO | None = None, stdout: TextIO | None = None,
                 stderr: TextIO | None = None, environ: Mapping[str, str] | None = None,
                 platform: str | None = None):
        self.args: list[str] = list(args)
        self.platform: str = platform or _platform()
        self._stdin = stdin
        self._stdout = stdout
        self._stderr = stderr
        self._environ = environ

    # ------------------------------------------------------------ streams

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    @property
    def stdin(self) -> TextIO:
        return self._stdin or sys.stdin

    def write(self, text: str) -> None:
        """Writes to standard output."""
        self._put(self.stdout, text, "<stdout>")

    def write_error(self, text: str) -> None:
        """Writes to standard error (standard output is flushed first)."""
        self._flush(self.stdout)
        self._put(self.stderr, text, "<stderr>")
        self._flush(self.stderr)

    def flush(self) -> None:
        """Pushes buffered standard output out."""
        self._flush(self.stdout)

    def read_line(self) -> str | None:
        """One line of standard input without its line end; None at end of input."""
        self._flush(self.stdout)
        line = self._take(lambda stream: stream.readline())
        if line == "":
            return None
        if line.endswith("\n"):
            line = line[:-1]
            if line.endswith("\r"):
                line = line[:-1]
        return line

    def read_all(self) -> str:
        """The rest of standard input."""
        self._flush(self.stdout)
        return self._take(lambda stream: stream.read())

    def _take(self, read) -> str:
        try:
            return read(self.stdin)
        except (OSError, ValueError, UnicodeError, AttributeError) as error:
            # AttributeError: the process has no standard input at all (None)
            raise _failure(error, STANDARD_INPUT) from None

    @staticmethod
    def _put(stream: TextIO, text: str, name: str) -> None:
        try:
            stream.write(text)
        except BrokenPipeError:
            raise _reader_gone() from None
        except (UnicodeError, OSError) as error:
            raise _failure(error, name) from None

    @staticmethod
    def _flush(stream: TextIO) -> None:
        try:
            stream.flush()
        except BrokenPipeError:
            raise _reader_gone() from None
        except OSError as error:
            raise _failure(error, getattr(stream, "name", "<output>")) from None
        except (AttributeError, ValueError):
            pass  # a closed stream, or a stand-in without flush

    # ------------------------------------------------------------ the system

    def clock(self) -> float:
        """Seconds on a monotonic clock."""
        return time.perf_counter()

    def env(self, name: str) -> str | None:
        """An environment variable, or None."""
        environ = os.environ if self._environ is None else self._environ
        return environ.get(name)

    # ------------------------------------------------------------ files

    def read_file(self, path: str) -> str:
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                return handle.read()
        except (OSError, UnicodeError, ValueError) as error:
            raise _failure(error, path) from None

    def write_file(self, path: str, text: str) -> None:
        self._store(path, text, "w")

    def append_file(self, path: str, text: str) -> None:
        self._store(path, text, "a")

    def _store(self, path: str, text: str, mode: str) -> None:
        try:
            with open(path, mode, encoding="utf-8", newline="") as handle:
                handle.write(text)
        except (OSError, UnicodeError, ValueError) as error:
            raise _failure(error, path) from None

    def read_lines(self, path: str) -> Iterator[str]:
        """The file's lines without their line ends (`\\n`, `\\r\\n` or `\\r`)."""
        try:
            handle = open(path, encoding="utf-8", newline="")
        except (OSError, ValueError) as error:
            raise _failure(error, path) from None
        return self._lines(handle, path)

    @staticmethod
    def _lines(handle: TextIO, path: str) -> Iterator[str]:
        with handle:
            while True:
                try:
                    line = handle.readline()
                except (OSError, UnicodeError, ValueError) as error:
                    raise _failure(error, path) from None
                if not line:
                    return
                yield line.rstrip("\r\n")

    def exists(self, path: str) -> bool:
        try:
            return os.path.exists(path)
        except ValueError:  # a path the system cannot represent (a NUL inside)
            return False

    def remove(self, path: str) -> None:
        try:
            os.remove(path)
        except (OSError, ValueError) as error:
            raise _failure(error, path) from None
