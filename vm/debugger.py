"""The debug controller (contract 5): breakpoints, stepping, pause and frame
inspection over the register VM, for any front end (the DAP adapter is one).

The program runs on a thread of its own. Breakpoints are placed by asking the
VM to run an instrumented copy of a proto's decoded code in which chosen
instructions first call the controller (`_trap`); a step instruments more
instructions for its duration. Pause, terminate and code swaps inside a running
loop use the VM's interrupt flag, tested on backward jumps and calls, so a
program with no breakpoint hit runs the ordinary dispatch loop. When the
program stops, its thread waits in `_suspend` for the next command;
inspection reads the stopped VM from the caller's thread, and evaluation runs
on the program's thread as a job. Nothing here knows about DAP.
"""

from __future__ import annotations

import io
import os
import queue
import re
import sys
import threading
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import Callable, Protocol

from . import ast
from .analysis import analyze, check_program, compile_module
from .deep import RECURSION_LIMIT, STACK_BYTES
from .diagnostics import Severity
from .disassembler import get_instructions
from .modules import ModuleLoader
from .parser import parse
from .proto import FAR_BASE
from .runtime import ops
from .runtime.errors import EskerError, ProgramExit, error_kind, format_uncaught, headline, runtime_error
from .runtime.host import Host
from .runtime.printing import quote, to_repr, to_str
from .runtime.values import EnumValue, Function, Module, StructInstance
from .source import SourceText, Span


# ----------------------------------------------------------------- public records

class StopReason(Enum):
    ENTRY = "entry"
    BREAKPOINT = "breakpoint"
    STEP = "step"
    PAUSE = "pause"
    EXCEPTION = "exception"
    INSTRUCTION_BREAKPOINT = "instruction breakpoint"
    FUNCTION_BREAKPOINT = "function breakpoint"


class StepKind(Enum):
    INTO = "into"
    OVER = "over"
    OUT = "out"


class Granularity(Enum):
    LINE = "line"
    INSTRUCTION = "instruction"


class ScopeKind(Enum):
    LOCALS = "locals"
    REGISTERS = "registers"
    UPVALUES = "upvalues"
    GLOBALS = "globals"


@dataclass(frozen=True)
class LineRequest:
    line: int
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None


@dataclass(frozen=True)
class FunctionRequest:
    name: str
    condition: str | None = None
    hit_condition: str | None = None


@dataclass(frozen=True)
class InstructionRequest:
    """A breakpoint on instruction `location` = (proto, pc); None when the
    front end's reference named no instruction. `address` is its label."""

    location: tuple | None
    condition: str | None = None
    hit_condition: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class BreakpointState:
    """What became of a requested breakpoint."""

    id: int
    verified: bool
    message: str | None = None
    path: str | None = None
    line: int | None = None
    address: str | None = None


@dataclass(frozen=True)
class ErrorInfo:
    kind: str
    message: str
    trace: str
    uncaught: bool


@dataclass(frozen=True)
class Stop:
    reason: StopReason
    breakpoint_ids: tuple[int, ...] = ()
    error: ErrorInfo | None = None


@dataclass(frozen=True)
class FrameInfo:
    """One frame of the stopped program; level 0 is the innermost."""

    level: int
    name: str
    proto: object
    pc: int
    path: str | None
    span: Span | None


@dataclass(frozen=True)
class Slot:
    """A variable of a scope; `detail` is the register of a local, the local
    held by a register (or "(temp)"), or whether an upvalue is open or closed."""

    name: str
    value: object
    detail: str = ""


@dataclass(frozen=True)
class Child:
    """One part of a value, and how an Esker expression reaches it from the
    value's own expression (".x", "[3]"; None when no expression can)."""

    name: str
    value: object
    access: str | None


class ProgramError(Exception):
    """The program cannot run: it does not compile (the text lists why)."""


class EvaluationError(Exception):
    """An expression could not be compiled, or raised an error."""


class NotStopped(Exception):
    """The request needs a stopped program."""


class DebugEvents(Protocol):
    """What the controller tells its front end; called on the program's thread."""

    def stopped(self, stop: Stop) -> None: ...
    def output(self, category: str, text: str) -> None: ...
    def exited(self, status: int) -> None: ...
    def ended(self) -> None: ...
    def module_loaded(self, root) -> None: ...
    def breakpoint_changed(self, state: BreakpointState) -> None: ...


# ----------------------------------------------------------------- values

def type_name(value) -> str:
    """What `type(value)` says."""
    return ops.type_name(value)


def summary(value, limit: int | None) -> str:
    """`repr` of a value cut to about `limit` characters (None: in full).

    Only the part that is shown is rendered, so a million-element array costs
    no more than a short one.
    """
    if limit is None:
        return to_repr(value)
    pieces: list[str] = []
    size = 0
    for piece in _pieces(value, limit):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    text = "".join(pieces)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pieces(value, limit: int):
    """The text of `value` lazily. Each container yields its opening before
    its items, so the consumer's budget also bounds the recursion."""
    kind = type(value)
    if kind is str:
        yield quote(value[: limit + 1])
    elif kind is list or kind is tuple:
        yield "[" if kind is list else "("
        yield from _sequence(value, limit)
        yield "]" if kind is list else (",)" if len(value) == 1 else ")")
    elif kind is dict:
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ", " if index else ""
            yield from _pieces(key, limit)
            yield ": "
            yield from _pieces(item, limit)
        yield "}"
    elif kind is StructInstance:
        yield value.type.name + "("
        for index, (name, item) in enumerate(zip(value.type.fields, value.values)):
            yield (", " if index else "") + name + ": "
            yield from _pieces(item, limit)
        yield ")"
    elif kind is EnumValue and value.payload is not None:
        yield f"{value.type.name}.{value.variant.name}("
        yield from _sequence(value.payload, limit)
        yield ")"
    else:
        yield to_repr(value)


def _sequence(values, limit: int):
    for index, item in enumerate(values):
        if index:
            yield ", "
        yield from _pieces(item, limit)


def child_counts(value) -> tuple[int, int]:
    """(named, indexed) children of a value; (0, 0) for a leaf."""
    kind = type(value)
    if kind is list or kind is tuple or kind is dict:
        return 0, len(value)
    if kind is StructInstance:
        return len(value.values), 0
    if kind is EnumValue:
        return (len(value.payload) if value.payload is not None else 0), 0
    if kind is Module:
        return len(value.members), 0
    return len(closure_variables(value)), 0


def children(value, start: int, count: int, named: bool) -> list[Child]:
    """A page of a value's named or indexed children."""
    kind = type(value)
    if not named:
        if kind is list or kind is tuple:
            return [Child(str(index), value[index], f"[{index}]")
                    for index in range(start, min(start + count, len(value)))]
        if kind is dict:
            return [Child(to_repr(key), item, f"[{to_repr(key)}]")
                    for key, item in islice(value.items(), start, start + count)]
        return []
    if kind is StructInstance:
        return [Child(name, item, f".{name}") for name, item in zip(value.type.fields, value.values)]
    if kind is EnumValue and value.payload is not None:
        names = value.variant.fields or [str(index) for index in range(len(value.payload))]
        return [Child(name, item, None) for name, item in zip(names, value.payload)]
    if kind is Module:
        return [Child(name, item, f".{name}") for name, item in value.members.items()]
    return [Child(name, item, None) for name, item in closure_variables(value)]


def set_child(container, name: str, value) -> None:
    """Assign to the part `name` of a container: an element, entry or field."""
    kind = type(container)
    try:
        if kind is list or kind is tuple:
            ops.set_index(container, _element_index(name), value)
        elif kind is dict:
            key = next((key for key in container if to_repr(key) == name), None)
            if key is None:
                raise EvaluationError(f"the map has no key {name}")
            container[key] = value
        elif kind is StructInstance:
            ops.set_field(container, name, value)
        else:
            raise EvaluationError(f"the parts of a {type_name(container)} are immutable")
    except EskerError as error:
        raise EvaluationError(str(error)) from None


def _element_index(name: str) -> int:
    try:
        return int(name)
    except ValueError:
        raise EvaluationError(f"{name!r} is not an element index") from None


# ----------------------------------------------------------------- breakpoint conditions

_HIT_CONDITION = re.compile(r"^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$")
_HIT_TESTS: dict[str, Callable[[int, int], bool]] = {
    "==": lambda hits, n: hits == n, ">=": lambda hits, n: hits >= n, "<=": lambda hits, n: hits <= n,
    ">": lambda hits, n: hits > n, "<": lambda hits, n: hits < n, "%": lambda hits, n: hits % n == 0,
}


def parse_hit_condition(text: str) -> Callable[[int], bool]:
    """A test of the hit count for `5`, `== 5`, `>= 3`, `> 2`, `< 4`, `<= 3` or `% 2`.

    Raises ValueError with a message for people for anything else.
    """
    match = _HIT_CONDITION.match(text)
    if match is None or (match.group(1) == "%" and int(match.group(2)) == 0):
        raise ValueError(f"hit count {text!r} should look like 5, == 5, >= 3, > 2, < 4, <= 3 or % 2")
    test, number = _HIT_TESTS[match.group(1) or "=="], int(match.group(2))
    return lambda hits: test(hits, number)


def parse_log_message(text: str) -> list[tuple[bool, str]]:
    """A log message as (is_expression, text) parts: `{expr}` is evaluated,
    `{{` and `}}` are literal braces, braces inside an expression nest."""
    parts: list[tuple[bool, str]] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "{}" and text[index: index + 2] in ("{{", "}}"):
            literal.append(char)
            index += 2
        elif char == "{":
            end = _closing_brace(text, index)
            if end is None:
                literal.append(text[index:])
                break
            parts.append((False, "".join(literal)))
            literal = []
            parts.append((True, text[index + 1: end]))
            index = end + 1
        else:
            literal.append(char)
            index += 1
    parts.append((False, "".join(literal)))
    return [part for part in parts if part[1]]


def _closing_brace(text: str, start: int) -> int | None:
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return None


# ----------------------------------------------------------------- expressions in a frame

#: The function an expression is compiled into; its parameters are the names in scope.
_EVAL_FUNCTION = "_debug_eval"
#: Lines of the wrapper before the expression, to give positions in the expression's own lines.
_WRAPPER_LINES = 2
#: Diagnostic codes below this one are syntax errors; from it on, errors of names and meaning.
_FIRST_NAME_ERROR = "E0101"


@dataclass(frozen=True)
class _Variable:
    """A name visible in a frame, and how to read and write it."""

    name: str
    read: Callable[[], object]
    write: Callable[[object], None]


@dataclass(frozen=True)
class _Compiled:
    proto: object
    statements: bool


def _wrap(text: str, names: list[str], statements: bool) -> str:
    head = f"fn {_EVAL_FUNCTION}({', '.join(names)}) {{\n"
    if statements:
        return f"{head}\n{text}\nreturn [{', '.join(names)}]\n}}\n"
    return f"{head}return (\n{text}\n)\n}}\n"


def _calls_in(node: ast.Node) -> bool:
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, (ast.Call, ast.MethodCall)):
            return True
        pending.extend(ast.children(item))
    return False


def compile_expression(text: str, names: list[str], loader: ModuleLoader, *, statements_allowed: bool,
                       calls_allowed: bool) -> _Compiled:
    """Compile Esker code as a function of `names`.

    An expression is tried first; when it does not parse and statements are
    allowed, the text is compiled as statements whose function returns the
    final values of `names` (so assignments can be written back).
    """
    attempts = (False, True) if statements_allowed else (False,)
    problem = None
    for statements in attempts:
        result = analyze(_wrap(text, names, statements), "<debugger>", loader, compile=True)
        if result.errors:
            # Syntax errors of the expression attempt only say it was not an expression.
            if problem is None or problem.code < _FIRST_NAME_ERROR:
                problem = result.errors[0]
            continue
        if not calls_allowed and _calls_in(result.program):
            raise EvaluationError("hovering does not call functions; use a watch or the console")
        return _Compiled(_function_proto(result.proto), statements)
    raise EvaluationError(f"{max(problem.span.line - _WRAPPER_LINES, 1)}:{problem.span.col}: {problem.message}")


def _function_proto(module_proto):
    return next(proto for proto in module_proto.protos if proto.name == _EVAL_FUNCTION)


# ----------------------------------------------------------------- the controller

#: How long an evaluation may run before it is interrupted (seconds).
EVALUATION_LIMIT = 10.0
#: How long `terminate` waits for the program's thread to unwind (seconds).
TERMINATE_WAIT = 10.0
#: Compiled breakpoint conditions and expressions kept for reuse.
_CACHE_SIZE = 512


class SessionEnded(BaseException):
    """Unwinds the program's thread when the session ends it. A BaseException,
    so neither Esker `catch` nor the VM's error handling stops it."""


@dataclass(eq=False)
class _Breakpoint:
    id: int
    reason: StopReason
    state: BreakpointState
    condition: str | None = None
    hit_test: Callable[[int], bool] | None = None
    log: list[tuple[bool, str]] | None = None
    line: int | None = None
    function: str | None = None
    location: tuple | None = None
    #: Why the request itself is malformed (such a breakpoint never becomes verified).
    problem: str | None = None
    hits: int = 0


@dataclass(frozen=True)
class _Step:
    kind: StepKind
    granularity: Granularity
    frame: object
    depth: int
    line: int


@dataclass
class _Job:
    """Work for the program's thread while it is stopped (an evaluation)."""

    work: Callable[[], object]
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except Exception as error:  # handed back to the waiting thread
            self.error = error
        finally:
            self.done.set()


_RESUME = "resume"
_TERMINATE = "terminate"


class Debugger:
    """Runs one program at a time under control; see the module docstring."""

    def __init__(self, events: DebugEvents):
        self._events = events
        self._lock = threading.RLock()
        self._next_id = 1
        self._line_breakpoints: dict[str, list[_Breakpoint]] = {}
        self._function_breakpoints: list[_Breakpoint] = []
        self._instruction_breakpoints: list[_Breakpoint] = []
        self._raised = False
        self._uncaught = False
        self._at: dict[tuple[int, int], list[_Breakpoint]] = {}
        #: Protos with breakpoint traps, and protos trapped on every instruction for a step.
        self._trapped: dict[int, object] = {}
        self._instrumented: dict[int, object] = {}
        self._loaded: dict[str, object] = {}
        self._sources: dict[str, SourceText] = {}
        self._line_tables: dict[str, object] = {}
        self._line_starts: dict[int, tuple[object, dict[int, list[int]]]] = {}
        self._compiled: dict[tuple, _Compiled] = {}
        self._loader = ModuleLoader()
        self._program: tuple | None = None
        self._vm = None
        self._thread: threading.Thread | None = None
        self._inbox: queue.Queue = queue.Queue()
        self._frames: list = []
        self._step: _Step | None = None
        self._entry = False
        self._pause_requested = False
        self._terminating = False
        self._evaluating = False
        self._evaluation_overdue = False
        self._last_pc = 0
        self._last_thrown: EskerError | None = None
        #: The current stop while the program is stopped, else None.
        self.stop: Stop | None = None

    # ------------------------------------------------------------ the program

    def load(self, path: str, search_path: list[str] | None = None):
        """Check and compile the program at `path` (and check what it imports);
        its module proto. Raises ProgramError listing the errors."""
        loader = ModuleLoader(extra_path=search_path)
        reports = check_program(path, loader)
        errors = [item.format(report.path) for report in reports for item in report.diagnostics
                  if item.severity == Severity.ERROR]
        if errors:
            raise ProgramError("\n".join(errors))
        analysis = reports[0].analysis
        try:
            root = compile_module(analysis)
        except Exception as error:  # a named compile limit (CompileError)
            raise ProgramError(f"{path}: {error}") from None
        with self._lock:
            self._loader = loader
            self._program = (root, path)
            self._loaded.clear()
            self._line_tables.clear()
            self._line_starts.clear()
            self._sources[_normal(path)] = analysis.source
            self._note_loaded(root)
        return root

    def start(self, *, stop_on_entry: bool = False, debug: bool = True) -> None:
        """Run the loaded program on its own thread."""
        from .machine import VM

        root, path = self._program
        # Standard input is the protocol's channel, never the program's.
        host = Host(stdin=io.StringIO(), stdout=_Output(self._events, "stdout"),
                    stderr=_Output(self._events, "stderr"))
        self._vm = VM(loader=self._loader, host=host)
        self._trapped, self._instrumented = {}, {}
        self._inbox = queue.Queue()
        self._terminating = self._pause_requested = False
        self._entry = stop_on_entry and debug
        if debug:
            self._vm.attach_debugger(self)
            with self._lock:
                self._install()
            if self._entry:
                placed = {pc for (owner, pc) in self._at if owner == id(root)}
                self._vm.set_traps(root, frozenset(placed | {0}))
        self._thread = _deep_thread(lambda: self._run(root, path))
        self._thread.start()

    def _run(self, root, path: str) -> None:
        status = None
        try:
            self._vm.run_main(root, path)
            status = 0
        except EskerError as error:
            self._events.output("stderr", format_uncaught(error) + "\n")
            status = 1
        except ProgramExit as leaving:
            status = leaving.status
        except SessionEnded:
            pass
        except Exception as error:  # a fault of the VM must still end the session
            self._events.output("stderr", f"internal error of the Esker VM: {error!r}\n")
            status = 1
        finally:
            self.stop = None
            self._frames = []
            if status is not None:
                self._events.exited(status)
            self._events.ended()

    def terminate(self) -> None:
        """End the program, if it runs, and wait for its thread to finish."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._terminating = True
        # Whichever the program meets first: the command while it is stopped,
        # the interrupt flag while it runs.
        self._inbox.put(_TERMINATE)
        self._vm.request_interrupt()
        thread.join(TERMINATE_WAIT)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def source_text(self, path: str) -> SourceText | None:
        """The text of a file of the program (for positions), read once."""
        path = _normal(path)
        text = self._sources.get(path)
        if text is None:
            try:
                text = self._sources[path] = SourceText(self._loader.read(path), path)
            except Exception:  # no such file: positions stay in code points
                return None
        return text

    # ------------------------------------------------------------ execution control

    def resume(self) -> None:
        self._command((_RESUME, None))

    def step(self, kind: StepKind, granularity: Granularity) -> None:
        self._command((_RESUME, (kind, granularity)))

    def pause(self) -> None:
        """Stop the running program at its next backward jump or call."""
        if self.running and self.stop is None:
            self._pause_requested = True
            self._vm.request_interrupt()

    def _command(self, command) -> None:
        if self.stop is None:
            raise NotStopped("the program is not stopped")
        self.stop = None
        self._inbox.put(command)

    # ------------------------------------------------------------ called by the VM, on the program's thread

    def on_trap(self, frame, pc: int) -> None:
        """An instrumented instruction is about to run in `frame`."""
        if self._evaluating:
            return
        if self._terminating:
            raise SessionEnded()
        reason = None
        if self._entry:
            self._entry = False
            reason = StopReason.ENTRY
        elif self._step is not None and self._step_ends(frame, pc):
            reason = StopReason.STEP
        hits: list[_Breakpoint] = []
        for breakpoint in self._at.get((id(frame.proto), pc), ()):
            if self._breakpoint_fires(breakpoint, frame):
                hits.append(breakpoint)
        if hits:
            reason = hits[0].reason
        if reason is not None:
            self._suspend(Stop(reason, tuple(b.id for b in hits)))

    def on_interrupt(self, frame) -> None:
        """The interrupt flag was seen (pause, terminate, or new code to run)."""
        if self._terminating:
            raise SessionEnded()
        if self._evaluating:
            if self._evaluation_overdue:
                raise runtime_error("RuntimeError", f"evaluation stopped after {EVALUATION_LIMIT:g} s")
            return
        if self._pause_requested:
            self._pause_requested = False
            self._suspend(Stop(StopReason.PAUSE))

    def on_throw(self, error: EskerError) -> None:
        """An error is about to unwind from the innermost frame."""
        # An error leaving a nested dispatch loop (a callback of `map`) is
        # reported again by the loop below: it stops the program once.
        if self._evaluating or not (self._raised or self._uncaught) or error is self._last_thrown:
            return
        self._last_thrown = error
        caught = self._vm.error_will_be_caught()
        if self._raised or not caught:
            self._suspend(Stop(StopReason.EXCEPTION, error=self._error_info(error, not caught)))

    def on_module_loaded(self, root) -> None:
        """The VM compiled an imported module and is about to run it."""
        with self._lock:
            self._note_loaded(root)
            changed = self._install()
            if self._step is not None and self._step.kind is StepKind.INTO:
                for proto in root.walk():
                    self._vm.set_traps(proto, _all_pcs(proto))
                    self._instrumented[id(proto)] = proto
        for state in changed:
            self._events.breakpoint_changed(state)

    def _suspend(self, stop: Stop) -> None:
        """Stop here until a command resumes the program."""
        self._step = None
        self._pause_requested = False
        self._frames = self._vm.debug_frames()
        with self._lock:
            self._install()
        if self._terminating:
            raise SessionEnded()
        self.stop = stop
        self._events.stopped(stop)
        while True:
            command = self._inbox.get()
            if command == _TERMINATE:
                raise SessionEnded()
            if isinstance(command, _Job):
                command.run()
                continue
            self._frames = []
            if command[1] is not None:
                self._begin_step(*command[1])
            return

    def _begin_step(self, kind: StepKind, granularity: Granularity) -> None:
        frames = self._vm.debug_frames()
        frame = frames[0]
        self._step = _Step(kind, granularity, frame.key, self._vm.depth(), _line(frame.proto, frame.pc))
        self._last_pc = frame.pc
        with self._lock:
            if kind is StepKind.INTO:
                protos = [proto for root in self._loaded.values() for proto in root.walk()]
            else:
                protos = {id(f.proto): f.proto for f in frames}.values()
            for proto in protos:
                self._vm.set_traps(proto, _all_pcs(proto))
                self._instrumented[id(proto)] = proto

    def _step_ends(self, frame, pc: int) -> bool:
        """Whether the running step stops before instruction `pc` of `frame`."""
        step = self._step
        depth = self._vm.depth()
        if depth < step.depth or (depth == step.depth and frame.key != step.frame):
            return True
        if depth > step.depth:
            return step.kind is StepKind.INTO
        if step.kind is StepKind.OUT:
            return False
        if step.granularity is Granularity.INSTRUCTION:
            return True
        last, self._last_pc = self._last_pc, pc
        span = frame.proto.spans[pc]
        # An implicit return has an empty span at the end of its block: not a line to stop on.
        if span.start == span.end:
            return False
        return pc <= last or span.line != _line(frame.proto, last)

    def _breakpoint_fires(self, breakpoint: _Breakpoint, frame) -> bool:
        """Check a breakpoint's condition and hit count; print a log point's message."""
        if breakpoint.condition is not None:
            try:
                holds = ops.truthy(self._evaluate_in(frame, breakpoint.condition))
            except EvaluationError as error:
                self._events.output("console", f"breakpoint condition {breakpoint.condition!r}: {error}\n")
                holds = True
            if not holds:
                return False
        breakpoint.hits += 1
        if breakpoint.hit_test is not None and not breakpoint.hit_test(breakpoint.hits):
            return False
        if breakpoint.log is not None:
            self._events.output("console", self._log_text(breakpoint.log, frame) + "\n")
            return False
        return True

    def _log_text(self, parts: list[tuple[bool, str]], frame) -> str:
        pieces = []
        for is_expression, text in parts:
            if not is_expression:
                pieces.append(text)
                continue
            try:
                pieces.append(to_str(self._evaluate_in(frame, text)))
            except EvaluationError as error:
                pieces.append(f"<{error}>")
        return "".join(pieces)

    def _error_info(self, error: EskerError, uncaught: bool) -> ErrorInfo:
        value = error.value
        kind = error_kind(value)
        message = to_str(value.values[1]) if kind is not None else to_str(value)
        lines = [headline(value)]
        for frame in self._vm.debug_frames():
            span = _span(frame.proto, frame.pc)
            where = f"{frame.proto.source_path}:{span.line}:{span.col}" if span else frame.proto.source_path
            lines.append(f"  at {_frame_name(frame.proto)} ({where})")
            if len(lines) > 40:
                lines.append("  ...")
                break
        return ErrorInfo(kind or "Uncaught", message, "\n".join(lines), uncaught)

    # ------------------------------------------------------------ breakpoints

    def set_line_breakpoints(self, path: str, requests: list[LineRequest]) -> list[BreakpointState]:
        """Replace the line breakpoints of file `path`."""
        path = _normal(path)
        with self._lock:
            table = self._line_table(path)
            created = [self._line_breakpoint(path, table, request) for request in requests]
            self._line_breakpoints[path] = created
            self._install()
        return [breakpoint.state for breakpoint in created]

    def set_function_breakpoints(self, requests: list[FunctionRequest]) -> list[BreakpointState]:
        with self._lock:
            created = []
            for request in requests:
                breakpoint = self._new_breakpoint(StopReason.FUNCTION_BREAKPOINT, request.condition,
                                                  request.hit_condition)
                breakpoint.function = request.name
                if breakpoint.problem is None:
                    breakpoint.state = _function_state(breakpoint, bool(self._functions_named(request.name)))
                created.append(breakpoint)
            self._function_breakpoints = created
            self._install()
        return [breakpoint.state for breakpoint in created]

    def set_instruction_breakpoints(self, requests: list[InstructionRequest]) -> list[BreakpointState]:
        with self._lock:
            created = []
            for request in requests:
                breakpoint = self._new_breakpoint(StopReason.INSTRUCTION_BREAKPOINT, request.condition,
                                                  request.hit_condition)
                breakpoint.location = request.location
                problem, path, line = breakpoint.problem, None, None
                if request.location is None:
                    problem = "no instruction at this address"
                else:
                    proto, pc = request.location
                    path, line = source_path(proto), _line(proto, pc) or None
                breakpoint.state = BreakpointState(breakpoint.id, problem is None, problem, path, line,
                                                   request.address)
                created.append(breakpoint)
            self._instruction_breakpoints = created
            self._install()
        return [breakpoint.state for breakpoint in created]

    def set_exception_filters(self, *, raised: bool, uncaught: bool) -> None:
        self._raised, self._uncaught = raised, uncaught

    def breakable_lines(self, path: str, first: int, last: int) -> list[int]:
        """The lines between `first` and `last` where a breakpoint stops as placed."""
        table = self._line_table(_normal(path))
        return [line for line in sorted(table.starts) if first <= line <= last] if table else []

    def _new_breakpoint(self, reason: StopReason, condition: str | None, hit_condition: str | None,
                        log_message: str | None = None) -> _Breakpoint:
        """A breakpoint with checked condition, hit count and log message; not
        verified (with the reason) when one of them is malformed."""
        identifier, self._next_id = self._next_id, self._next_id + 1
        breakpoint = _Breakpoint(identifier, reason, BreakpointState(identifier, True), condition)
        problem = None
        if condition is not None:
            syntax = parse(_wrap(condition, [], False), "<condition>").diagnostics
            if syntax:
                problem = f"condition {condition!r}: {syntax[0].message}"
        if hit_condition is not None:
            try:
                breakpoint.hit_test = parse_hit_condition(hit_condition)
            except ValueError as error:
                problem = str(error)
        if log_message is not None:
            breakpoint.log = parse_log_message(log_message)
        if problem is not None:
            breakpoint.problem = problem
            breakpoint.state = BreakpointState(identifier, False, problem)
        return breakpoint

    def _line_breakpoint(self, path: str, table: "_LineTable | None", request: LineRequest) -> _Breakpoint:
        breakpoint = self._new_breakpoint(StopReason.BREAKPOINT, request.condition, request.hit_condition,
                                          request.log_message)
        if not breakpoint.state.verified:
            breakpoint.state = BreakpointState(breakpoint.id, False, breakpoint.problem, path, request.line)
            return breakpoint
        problem, line = None, None
        if table is None:
            problem = f"{os.path.basename(path)} cannot be compiled, so it has no code to stop in"
        elif request.line > table.line_count:
            problem = f"line {request.line} is past the end of the file ({table.line_count} lines)"
        else:
            line = min((start for start in table.starts if start >= request.line), default=None)
            if line is None:
                problem = f"no code at or after line {request.line}"
        breakpoint.line = line
        breakpoint.state = BreakpointState(breakpoint.id, problem is None, problem, path, line or request.line)
        return breakpoint

    def _line_table(self, path: str) -> "_LineTable | None":
        """The lines of a file that have code, from its loaded module or, for a
        file not loaded yet, from compiling it (None if it does not compile)."""
        table = self._line_tables.get(path)
        if table is not None:
            return table
        root = self._loaded.get(path)
        if root is None:
            try:
                reports = check_program(path, self._loader)
                analysis = reports[0].analysis
                if analysis is None or analysis.errors:
                    return None
                root = compile_module(analysis)
                self._sources[path] = analysis.source
            except Exception:  # an unreadable or uncompilable file has no lines to stop on
                return None
        text = self.source_text(path)
        starts = {line for proto in root.walk() for line in self._starts(proto)}
        table = self._line_tables[path] = _LineTable(starts, text.line_count if text else max(starts, default=0))
        return table

    def _note_loaded(self, root) -> None:
        path = _normal(root.source_path)
        self._loaded[path] = root
        self._line_tables.pop(path, None)
        self._events.module_loaded(root)

    def _starts(self, proto) -> dict[int, list[int]]:
        """Where each line of `proto` starts (see `line_starts`), computed once."""
        known = self._line_starts.get(id(proto))
        if known is None or known[0] is not proto:
            known = self._line_starts[id(proto)] = (proto, line_starts(proto))
        return known[1]

    def _functions_named(self, name: str) -> list:
        return [proto for root in self._loaded.values() for proto in root.walk() if _is_named(proto, name)]

    def _install(self) -> list[BreakpointState]:
        """Put the breakpoints into the loaded code; the states that changed."""
        at: dict[tuple[int, int], list[_Breakpoint]] = {}
        traps: dict[int, tuple[object, set[int]]] = {}

        def place(proto, pc: int, breakpoint: _Breakpoint) -> None:
            at.setdefault((id(proto), pc), []).append(breakpoint)
            traps.setdefault(id(proto), (proto, set()))[1].add(pc)

        for path, breakpoints in self._line_breakpoints.items():
            root = self._loaded.get(path)
            for proto in root.walk() if root is not None else ():
                starts = self._starts(proto)
                for breakpoint in breakpoints:
                    for pc in starts.get(breakpoint.line, ()) if breakpoint.state.verified else ():
                        place(proto, pc, breakpoint)
        changed = []
        for breakpoint in self._function_breakpoints:
            found = self._functions_named(breakpoint.function)
            for proto in found:
                place(proto, 0, breakpoint)
            if breakpoint.problem is None and bool(found) != breakpoint.state.verified:
                breakpoint.state = _function_state(breakpoint, bool(found))
                changed.append(breakpoint.state)
        for breakpoint in self._instruction_breakpoints:
            if breakpoint.location is not None and breakpoint.state.verified:
                place(*breakpoint.location, breakpoint)
        self._at = at
        self._retrap(traps)
        return changed

    def _retrap(self, traps: dict[int, tuple[object, set[int]]]) -> None:
        """Give each proto the traps of its breakpoints (every instruction while
        a step runs through it), and let running frames pick up the new code."""
        if self._vm is None or not self._vm.debugging:
            return
        stepping = self._step is not None
        touched = {**self._trapped, **{key: proto for key, (proto, _) in traps.items()}}
        if not stepping:
            touched.update(self._instrumented)
            self._instrumented = {}
        for key, proto in touched.items():
            if stepping and key in self._instrumented:
                continue
            pcs = traps.get(key, (None, ()))[1]
            self._vm.set_traps(proto, frozenset(pcs) or None)
        self._trapped = {key: proto for key, (proto, _) in traps.items()}
        self._vm.request_interrupt()

    # ------------------------------------------------------------ inspection (the program is stopped)

    def _stopped_frames(self) -> list:
        if self.stop is None:
            raise NotStopped("the program is not stopped")
        return self._frames

    def frame_count(self) -> int:
        return len(self._stopped_frames())

    def frames(self, start: int, count: int) -> list[FrameInfo]:
        frames = self._stopped_frames()
        return [FrameInfo(level, _frame_name(frame.proto), frame.proto, frame.pc, source_path(frame.proto),
                          _span(frame.proto, frame.pc))
                for level, frame in enumerate(frames[start: start + count], start)]

    def _frame(self, level: int):
        frames = self._stopped_frames()
        if not 0 <= level < len(frames):
            raise NotStopped(f"there is no frame {level}")
        return frames[level]

    def scope(self, level: int, kind: ScopeKind) -> list[Slot]:
        """The variables of one scope of frame `level`."""
        frame = self._frame(level)
        if kind is ScopeKind.LOCALS:
            return [Slot(name, frame.register(register), _register_label(register))
                    for name, register in _live_locals(frame.proto, frame.pc).items()
                    if not self._is_global(frame, name)]
        if kind is ScopeKind.REGISTERS:
            owners = {register: name for name, register in _live_locals(frame.proto, frame.pc).items()}
            if frame.proto.num_far:
                owners[0] = "(far slots)"
            return [Slot(f"r{index}", frame.register(index), owners.get(index, "(temp)"))
                    for index in range(frame.size)]
        if kind is ScopeKind.UPVALUES:
            return [Slot(cell.name, cell.get(), "open" if cell.open else "closed") for cell in frame.upvalues()]
        return [Slot(name, value) for name, value in self._vm.globals_for(frame.proto).items()]

    def assign(self, level: int, kind: ScopeKind, name: str, value) -> None:
        """Set a variable of a scope of frame `level` (a register by its `rN` name)."""
        frame = self._frame(level)
        variables = {slot_name: write for slot_name, write in self._writers(frame, kind)}
        if name not in variables:
            raise EvaluationError(f"there is no {name!r} in this scope")
        variables[name](value)

    def _writers(self, frame, kind: ScopeKind):
        if kind is ScopeKind.LOCALS:
            for name, register in _live_locals(frame.proto, frame.pc).items():
                yield name, _register_writer(frame, register)
        elif kind is ScopeKind.REGISTERS:
            for index in range(frame.size):
                yield f"r{index}", _register_writer(frame, index)
        elif kind is ScopeKind.UPVALUES:
            for cell in frame.upvalues():
                yield cell.name, cell.set
        else:
            members = self._vm.globals_for(frame.proto)
            for name in list(members):
                yield name, _item_writer(members, name)

    def _is_global(self, frame, name: str) -> bool:
        """Top-level variables are shown as Globals, not also as the module frame's locals."""
        return frame.proto.name == "<module>" and name in self._vm.globals_for(frame.proto)

    def evaluate(self, level: int | None, text: str, *, side_effects: bool = True):
        """The value of Esker code in frame `level` (None: the program's
        top level). With `side_effects`, calls and statements are allowed and
        assignments to the frame's variables stick."""
        frames = self._stopped_frames()
        frame = self._frame(level) if level is not None else None
        variables = self._variables_of(frame if frame is not None else frames[-1] if frames else None,
                                       globals_only=frame is None)
        compiled = self._compile(text, [variable.name for variable in variables], statements=side_effects,
                                 calls=side_effects)
        job = _Job(lambda: self._run_compiled(compiled, variables))
        self._inbox.put(job)
        if not job.done.wait(EVALUATION_LIMIT):
            self._evaluation_overdue = True
            self._vm.request_interrupt()
            job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _evaluate_in(self, frame, text: str):
        """Evaluate an expression on the program's own thread (breakpoint
        conditions, log points): calls are allowed, statements are not."""
        variables = self._variables_of(frame, globals_only=False)
        compiled = self._compile(text, [v.name for v in variables], statements=False, calls=True)
        return self._run_compiled(compiled, variables)

    def _compile(self, text: str, names: list[str], *, statements: bool, calls: bool) -> _Compiled:
        key = (text, tuple(names), statements, calls)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) >= _CACHE_SIZE:
                self._compiled.clear()
            compiled = self._compiled[key] = compile_expression(
                text, names, self._loader, statements_allowed=statements, calls_allowed=calls)
        return compiled

    def _variables_of(self, frame, *, globals_only: bool) -> list[_Variable]:
        """The names an expression sees in `frame`: its module's top level,
        then its upvalues, then its live locals (inner names hide outer ones)."""
        if frame is None:
            return []
        found: dict[str, _Variable] = {}
        members = self._vm.globals_for(frame.proto)
        for name in list(members):
            found[name] = _Variable(name, _item_reader(members, name), _item_writer(members, name))
        if not globals_only:
            for cell in frame.upvalues():
                found[cell.name] = _Variable(cell.name, cell.get, cell.set)
            for name, register in _live_locals(frame.proto, frame.pc).items():
                found[name] = _Variable(name, _register_reader(frame, register), _register_writer(frame, register))
        return [variable for name, variable in found.items() if name.isidentifier()]

    def _run_compiled(self, compiled: _Compiled, variables: list[_Variable]):
        values = [variable.read() for variable in variables]
        outer, self._evaluating = self._evaluating, True
        try:
            result = self._vm.call_proto(compiled.proto, values)
        except EskerError as error:
            raise EvaluationError(headline(error.value)) from None
        finally:
            self._evaluating = outer
            self._evaluation_overdue = False
        if not compiled.statements:
            return result
        if type(result) is list and len(result) == len(variables):
            for variable, old, new in zip(variables, values, result):
                if new is not old:
                    variable.write(new)
        return None


# ----------------------------------------------------------------- helpers

@dataclass(frozen=True)
class _LineTable:
    """The lines of one file where some function's code starts, and its length."""

    starts: set[int]
    line_count: int


class _Output:
    """The program's stdout or stderr: every write becomes an output event at once."""

    def __init__(self, events: DebugEvents, category: str):
        self._events = events
        self._category = category

    def write(self, text: str) -> int:
        if text:
            self._events.output(self._category, text)
        return len(text)

    def flush(self) -> None:
        """Writes are never held back."""


def _deep_thread(target: Callable[[], None]) -> threading.Thread:
    """A daemon thread with room for the front-end's and the VM's recursion."""
    previous = threading.stack_size()
    threading.stack_size(STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="esker-program", daemon=True)
    finally:
        threading.stack_size(previous)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    return thread


def source_path(proto) -> str:
    """The absolute path of the file a proto was compiled from."""
    return os.path.abspath(proto.source_path)


def _normal(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _span(proto, pc: int) -> Span | None:
    return proto.spans[pc] if 0 <= pc < len(proto.spans) else None


def _line(proto, pc: int) -> int:
    span = _span(proto, pc)
    return span.line if span is not None else 0


def _frame_name(proto) -> str:
    return proto.name or "<fn>"


def _is_named(proto, name: str) -> bool:
    """Whether a function breakpoint on `name` means `proto` (`add`,
    `shifted`, or `Point.shifted` for one type's method)."""
    return proto.name == name or (proto.name or "").rpartition(".")[2] == name


def _function_state(breakpoint: _Breakpoint, found: bool) -> BreakpointState:
    return BreakpointState(breakpoint.id, found, None if found else f"no function named {breakpoint.function!r}")


def _all_pcs(proto) -> frozenset[int]:
    return frozenset(range(len(proto.code)))


def line_starts(proto) -> dict[int, list[int]]:
    """Where each line of `proto` starts: the first instruction of the line,
    and any later run of it that a jump enters (a loop's condition). A run
    reached by falling through from another line (the call of a call written
    over several lines, a declaration's name bound after its body) continues
    a statement and is not a start."""
    targets = {record.jump_target for record in get_instructions(proto) if record.jump_target is not None}
    starts: dict[int, list[int]] = {}
    previous = None
    for pc in range(len(proto.code)):
        line = _line(proto, pc)
        if line != previous and (line not in starts or pc in targets):
            starts.setdefault(line, []).append(pc)
        elif line == previous and pc in targets and starts[line][-1] != pc:
            starts[line].append(pc)
        previous = line
    starts.pop(0, None)
    return starts


def _live_locals(proto, pc: int) -> dict[str, int]:
    """Local variables live at `pc`, by name, with their registers; an inner
    declaration hides an outer one of the same name."""
    live = sorted((record for record in proto.locals if record.start_pc <= pc < record.end_pc),
                  key=lambda record: record.start_pc)
    found = {record.name: record.register for record in live}
    return dict(sorted(found.items(), key=lambda item: item[1]))


def closure_variables(value) -> list[tuple[str, object]]:
    """The variables a closure captured, by name (empty for other values)."""
    if not isinstance(value, Function):
        return []
    from .machine import captured_variables

    return captured_variables(value)


def _register_label(register: int) -> str:
    """`r3`, or `F2` for far slot 2 (as the disassembler writes them)."""
    return f"F{register - FAR_BASE}" if register >= FAR_BASE else f"r{register}"


def _register_reader(frame, register: int) -> Callable[[], object]:
    return lambda: frame.register(register)


def _register_writer(frame, register: int) -> Callable[[object], None]:
    return lambda value: frame.set_register(register, value)


def _item_reader(mapping, name: str) -> Callable[[], object]:
    return lambda: mapping[name]


def _item_writer(mapping, name: str) -> Callable[[object], None]:
    def write(value) -> None:
        mapping[name] = value
    return write
