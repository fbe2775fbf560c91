"""Esker runtime errors as they travel through Python, and how uncaught ones are shown.

Whatever an Esker program throws travels as an `EskerError` carrying the thrown
value; runtime errors throw instances of the builtin `Error` struct, so
`try`/`catch` treats both alike. The engines add `TraceEntry` records while the
error unwinds, innermost frame first, and `format_uncaught` renders §7's report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .printing import to_str
from .values import ERROR_TYPE, StructInstance

#: Longest trace printed in full; longer ones keep their two ends.
MAX_SHOWN_FRAMES = 40


@dataclass
class TraceEntry:
    """One frame of an error's trace: the function (`<module>` for top-level code,
    `<fn>` when anonymous) and the position of the failing expression or call."""

    function: str
    path: str
    line: int
    col: int


class EskerError(Exception):
    """A thrown Esker value on its way to a `catch` (or to the top level)."""

    def __init__(self, value: object, trace: list[TraceEntry] | None = None):
        super().__init__(value)
        self.value = value
        self.trace: list[TraceEntry] = trace if trace is not None else []

    def __str__(self) -> str:
        return headline(self.value)


class ProgramExit(Exception):
    """`exit(status)` on its way out of the program.

    It is not an `EskerError`: `catch` never catches it, but every `finally`
    block between the call and the top level runs before the program ends with
    `status` (LANGUAGE.md §13.4). A stop asked for from outside the program
    (Ctrl-C in the REPL) travels the same way, `interrupted`; it is reported
    as `error[KeyboardInterrupt]`."""

    def __init__(self, status: int = 0, interrupted: bool = False):
        super().__init__(status)
        self.status = status
        self.interrupted = interrupted


#: The report of a program (or REPL entry) that Ctrl-C stopped: a ProgramExit `interrupted`.
INTERRUPTED = "error[KeyboardInterrupt]: interrupted"


class HostError(Exception):
    """An operation of the host (`host.py`) failed: why (`no such file`) and
    on what path. Builtins let it out; the runtime makes it an `IOError`."""

    def __init__(self, reason: str, path: str):
        super().__init__(f"{reason}: {path}")
        self.reason = reason
        self.path = path


#: What a builtin may let out besides Esker errors: failures of the host, and
#: the exceptions Python raises for sizes and values beyond what it can do.
#: (RecursionError is not among them: the engines make it a StackOverflow.)
HOST_FAULTS = (HostError, ArithmeticError, MemoryError, LookupError, ValueError, TypeError, AttributeError,
               OSError)


def host_fault(name: str, error: Exception) -> EskerError:
    """The Esker error for an exception of HOST_FAULTS that left builtin `name`,
    so that no host exception ever reaches a user as a traceback."""
    if isinstance(error, HostError):
        return runtime_error("IOError", f"{error.reason}: {error.path}")
    if isinstance(error, OverflowError):
        return runtime_error("ValueError", f"{name}(): number too large")
    if isinstance(error, MemoryError):
        return runtime_error("RuntimeError", f"{name}(): out of memory")
    return runtime_error("RuntimeError", f"{name}(): {error or type(error).__name__}")


def runtime_error(kind: str, message: str) -> EskerError:
    """An error raised by the runtime: an `Error(kind, message)` instance, ready to raise."""
    return EskerError(StructInstance(ERROR_TYPE, [kind, message]))


def stack_overflow() -> EskerError:
    """The catchable error for Python's recursion limit met while running
    Esker code (a deep comparison, hash or conversion; nested builtins)."""
    return runtime_error("StackOverflow", "maximum recursion depth exceeded")


def too_many_calls(limit: int) -> EskerError:
    """The catchable error for a call beyond an engine's depth limit (LANGUAGE.md §5)."""
    return runtime_error("StackOverflow", f"more than {limit} nested calls")


def error_kind(value: object) -> str | None:
    """The `kind` of an Error instance, or None for any other thrown value."""
    if type(value) is StructInstance and value.type is ERROR_TYPE:
        return to_str(value.values[0])
    return None


def headline(value: object) -> str:
    """`error[KIND]: message` for an Error instance, `error[Uncaught]: ...` for other values."""
    kind = error_kind(value)
    if kind is None:
        return f"error[Uncaught]: {to_str(value)}"
    return f"error[{kind}]: {to_str(value.values[1])}"


def format_uncaught(err: EskerError) -> str:
    """The report of §7 for an error that reached the top level (no trailing newline).

    Very long traces (runaway recursion) keep their innermost and outermost
    frames, with a line saying how many were left out between them.
    """
    lines = [headline(err.value)]
    entries = [f"  at {entry.function} ({entry.path}:{entry.line}:{entry.col})" for entry in err.trace]
    if len(entries) > MAX_SHOWN_FRAMES:
        half = MAX_SHOWN_FRAMES // 2
        left_out = len(entries) - 2 * half
        entries = entries[:half] + [f"  ... {left_out} more frames ..."] + entries[-half:]
    return "\n".join(lines + entries)


def arity_error(name: str | None, least: int, most: int | None, given: int) -> EskerError:
    """ArityError for a call of `name` with `given` arguments where it takes least..most
    (most None: any number from least up)."""
    if most is None:
        wanted = f"at least {_count(least, 'argument')}"
    elif least == most:
        wanted = _count(least, "argument")
    else:
        wanted = f"{least} to {most} arguments"
    return runtime_error("ArityError", f"{name or '<fn>'}() takes {wanted} ({given} given)")


def named_arguments_error(name: str | None) -> EskerError:
    """ArityError for named arguments passed to something that is not a struct constructor."""
    return runtime_error("ArityError", f"{name or '<fn>'}() takes no named arguments; "
                                       "only struct constructors do")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
