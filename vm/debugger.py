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

import ctypes
import io
import os
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Protocol

from .analysis import check_program, compile_module
from .debug_eval import KEYWORDS, Compiled, Variable, compile_text, completion_context, syntax_problem
from .debug_values import Child, EvaluationError, Internal, completion_kind, is_program_value, members
from .data_breakpoints import DataBreakpoints
from .history import Position, RecordingHost, Unrestorable, program_snapshot
from .travel import DEFAULT_HISTORY, TimeTravel, Travel
from .deep import RECURSION_LIMIT, STACK_BYTES
from .diagnostics import Severity
from .disassembler import get_instructions
from .modules import ModuleLoader
from .opcodes import Op, opcode_of
from .proto import FAR_BASE
from .runtime import ops
from .runtime.errors import EskerError, ProgramExit, error_kind, format_uncaught, headline
from .runtime.host import Host
from .runtime.printing import to_str
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
    GOTO = "goto"
    RESTART = "restart"
    DATA_BREAKPOINT = "data breakpoint"


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
class DataRequest:
    """A data breakpoint on `target` (a Target from `data_target`; None when
    the front end's id named none), stopping on `access_type` "write"."""

    target: object | None
    access_type: str = "write"
    condition: str | None = None
    hit_condition: str | None = None


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
    #: Said to the user instead of the reason's usual words (the start of recorded history).
    description: str | None = None


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
class CallTarget:
    """A call that a step into can enter: its call instruction and its text."""

    pc: int
    label: str
    span: Span


class ProgramError(Exception):
    """The program cannot run: it does not compile (the text lists why)."""


class NotStopped(Exception):
    """The request needs a stopped program."""


class DebugEvents(Protocol):
    """What the controller tells its front end; called on the program's thread.
    A front end that subclasses it inherits doing nothing for the events it
    does not override."""

    def stopped(self, stop: Stop) -> None: ...
    def output(self, category: str, text: str) -> None: ...
    def exited(self, status: int) -> None: ...
    def ended(self) -> None: ...
    def module_loaded(self, root) -> None: ...
    def breakpoint_changed(self, state: BreakpointState) -> None: ...
    def breakpoint_removed(self, state: BreakpointState) -> None: ...


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


# ----------------------------------------------------------------- the controller

#: How long an evaluation may run before it is interrupted (seconds).
EVALUATION_LIMIT = 10.0
#: How long program output may wait to be sent, gathered with what follows it (seconds).
OUTPUT_INTERVAL = 0.02
#: How long `terminate` waits for the program's thread to unwind (seconds).
TERMINATE_WAIT = 10.0
#: Compiled breakpoint conditions and expressions kept for reuse.
_CACHE_SIZE = 512
#: How many errors waiting for a `finally` block to decide their escape are remembered.
_UNDECIDED_KEPT = 16


class EvaluationInterrupted(Exception):
    """Ends an evaluation early (too long, cancelled, or a pause that came
    while a condition ran). Not an EskerError, so no `catch` of the evaluated
    code can stop it."""


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
    #: A data breakpoint's watch (vm/watch.py), and the change that made it fire last.
    watch: object = None
    last_hit: object = None


@dataclass(frozen=True)
class _Step:
    kind: StepKind
    granularity: Granularity
    frame: object
    depth: int
    line: int
    #: For a step into one call of the line: the pc of its call instruction.
    target: int | None = None


@dataclass(eq=False)
class _Job:
    """Work for the program's thread while it is stopped (an evaluation).
    `withdrawn` is set, with the reason, when it must not run any more."""

    work: Callable[[], object]
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: BaseException | None = None
    withdrawn: str | None = None

    def run(self) -> None:
        try:
            if self.withdrawn is not None:
                raise EvaluationError(self.withdrawn)
            self.result = self.work()
        except Exception as error:  # handed back to the waiting thread
            self.error = error
        finally:
            self.done.set()


_RESUME = "resume"
_GOTO = "goto"
_TRAVEL = "travel"
_TERMINATE = "terminate"


class Debugger(DataBreakpoints, TimeTravel):
    """Runs one program at a time under control; see the module docstring
    (vm/travel.py for its time travel, vm/data_breakpoints.py for its data
    breakpoints)."""

    def __init__(self, events: DebugEvents):
        self._events = events
        self._lock = threading.RLock()
        #: Whether the program's thread may still be made to raise SessionEnded (see `terminate`).
        self._stopping = threading.Lock()
        self._stoppable = False
        self._debugging = False
        self._next_id = 1
        self._line_breakpoints: dict[str, list[_Breakpoint]] = {}
        self._function_breakpoints: list[_Breakpoint] = []
        self._instruction_breakpoints: list[_Breakpoint] = []
        self._raised = False
        self._uncaught = False
        self._error_conditions: dict[str, str] = {}
        self._at: dict[tuple[int, int], list[_Breakpoint]] = {}
        #: The IMPORT instructions of the loaded code, by (id(proto), pc); always trapped.
        self._imports: set[tuple[int, int]] = set()
        #: Where the program stops next whatever else happens (after a goto), as (id(proto), pc).
        self._stop_at: tuple[int, int] | None = None
        #: Protos with breakpoint traps, and protos trapped on every instruction for a step.
        self._trapped: dict[int, object] = {}
        self._instrumented: dict[int, object] = {}
        self._loaded: dict[str, object] = {}
        self._sources: dict[str, SourceText] = {}
        self._line_tables: dict[str, object] = {}
        self._line_starts: dict[int, tuple[object, dict[int, list[int]]]] = {}
        self._compiled: dict[tuple, Compiled] = {}
        #: What the debug console declared (`let`, `fn`), by frame, for its later entries there.
        self._console: dict[tuple, dict[str, object]] = {}
        self._loader = ModuleLoader()
        self._program: tuple | None = None
        self._vm = None
        self._thread: threading.Thread | None = None
        self._inbox: queue.Queue = queue.Queue()
        #: Whether the run's thread has ended (it takes no more evaluations).
        self._run_over = False
        self._frames: list = []
        self._step: _Step | None = None
        self._target_reached = True
        self._entry = False
        self._pause_requested = False
        self._terminating = False
        self._evaluating = False
        #: Why the running evaluation must end (set from other threads), or None.
        self._evaluation_stop: str | None = None
        #: How long an evaluation (also a condition or log point) may run (seconds).
        self.evaluation_limit = EVALUATION_LIMIT
        self._watchdog = _Watchdog(lambda: self._interrupt_evaluation(
            f"evaluation stopped after {self.evaluation_limit:g} s"))
        self._output: _Output | None = None
        #: The evaluations asked for while stopped, and the one running.
        self._jobs: set[_Job] = set()
        self._job: _Job | None = None
        #: Pauses asked for while stopped: they end the evaluations asked for before them.
        self._pauses = 0
        self._last_pc = 0
        self._last_thrown: EskerError | None = None
        #: Errors whose escape a `finally` block on their way decides (by id; the latest few).
        self._undecided: dict[int, EskerError] = {}
        #: The current stop while the program is stopped, else None.
        self.stop: Stop | None = None
        #: Where a run resumed from a change made at the present stops first.
        self._resume_stop: Stop | None = None
        self._init_history()
        self._init_data_breakpoints()

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

    def start(self, *, stop_on_entry: bool = False, debug: bool = True, history: float = DEFAULT_HISTORY,
              tier: int | None = None, args: list[str] = (), stdin: str = "",
              environ: dict[str, str] | None = None) -> None:
        """Run the loaded program on its own thread, keeping up to `history`
        megabytes of its history for travelling back (0: none). `args` are its
        `sys.args`, `stdin` its standard input, `environ` its environment.
        `tier`, the compiled tier's threshold, applies only without
        debugging: a debugged program runs in the VM."""
        from .machine import VM

        root, path = self._program
        for breakpoint in self._all_breakpoints():
            breakpoint.hits = 0
        if self._output is not None:
            self._forget_data_breakpoints("the program was started again")
        self._output = _Output(self._events)
        # Standard input is the protocol's channel, never the program's: it reads the launch
        # configuration's `stdin` file, if any.
        host = Host(args, stdin=io.StringIO(stdin), stdout=self._output, stderr=_ErrorOutput(self._output),
                    environ=environ)
        self._vm = VM(loader=self._loader, host=host, tier_threshold=None if debug else tier)
        self._watches.vm = self._vm
        self._trapped, self._instrumented = {}, {}
        self._inbox = queue.Queue()
        self._run_over = False
        self._terminating = self._pause_requested = False
        self._entry = stop_on_entry and debug
        self._init_history()
        if debug:
            self._vm.attach_debugger(self)
            self._start_history(history)
            if self.recording:
                self._vm.host = RecordingHost(host, self._journal, lambda: self._evaluating, self.in_the_past,
                                              EvaluationInterrupted)
            with self._lock:
                self._install()
            if self._entry:
                placed = {pc for (owner, pc) in self._at if owner == id(root)}
                self._vm.set_traps(root, frozenset(placed | {0}))
        self._debugging = debug
        self._stoppable = True
        output = self._output
        self._thread = _start_deep_thread(lambda: self._run(root, path, output))

    def _run(self, root, path: str, output: "_Output") -> None:
        """The program's thread. `output` is this run's own: a run that ends
        late must not close the next one's."""
        status = None
        try:
            self._run_plans(lambda: self._vm.run_main(root, path))
            status = 0
        except EskerError as error:
            output.emit("stderr", format_uncaught(error) + "\n")
            status = 1
        except ProgramExit as leaving:
            status = leaving.status
        except SessionEnded:
            pass
        except Exception as error:  # a fault of the VM must still end the session
            output.emit("stderr", f"internal error of the Esker VM: {error!r}\n")
            status = 1
        finally:
            self.stop = None
            self._frames = []
            self._refuse_jobs()
            output.close()
            if status is not None:
                self._events.exited(status)
            self._events.ended()

    def _refuse_jobs(self) -> None:
        """The program's thread is ending: the evaluations still waiting for
        it are answered (the program is not stopped any more), and no more
        are taken (`evaluate` checks under the same lock)."""
        with self._lock:
            self._run_over = True
            while True:
                try:
                    command = self._inbox.get_nowait()
                except queue.Empty:
                    return
                if isinstance(command, _Job):
                    command.error = NotStopped("the program has ended")
                    command.done.set()

    def _run_plans(self, run: Callable[[], None]) -> None:
        """Runs the program, and each plan of time travel that ends a run;
        once it is over, the program's thread can no longer be stopped from
        outside (see `terminate`), and no such stop is left pending."""
        try:
            while True:
                try:
                    return run()
                except Travel as travel:
                    run = self._plan_runner(travel.plan)
        finally:
            with self._stopping:
                self._stoppable = False
                _raise_in(threading.get_ident(), None)

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
        if self._debugging:
            thread.join(TERMINATE_WAIT)
        # Without a debugger nothing answers the flag (the VM passes it only
        # to a debugger, and compiled code has no flag test), and under one a
        # builtin can run long without reaching it: the program's thread is
        # then made to raise SessionEnded at its next Python instruction.
        if thread.is_alive():
            with self._stopping:
                if self._stoppable:
                    self._stoppable = False
                    _raise_in(thread.ident, SessionEnded)
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

    def step(self, kind: StepKind, granularity: Granularity, target: int | None = None) -> None:
        """Step; a step into with `target` (a pc from `call_targets`) enters that call."""
        if target is not None and target not in {call.pc for call in self.call_targets(0)}:
            raise EvaluationError("that call is not one of the calls this line makes from here")
        self._command((_RESUME, (kind, granularity, target)))

    def goto(self, pc: int) -> None:
        """Continue the innermost frame at instruction `pc` of its function,
        stopping there first (reason GOTO); refused (EvaluationError) where
        the frame's variables, captured variables or `try` blocks would not be
        what that instruction expects."""
        problem = self._goto_problem(self._frame(0), pc)
        if problem is not None:
            raise EvaluationError(problem)
        self._refuse_in_the_past("moving the next statement")
        self._command((_GOTO, pc))

    def pause(self) -> None:
        """Stop the running program at its next backward jump or call (also
        while a breakpoint condition runs); while it is stopped, end a running
        evaluation instead."""
        if not self.running:
            return
        if self.stop is None:
            self._pause_requested = True
            self._vm.request_interrupt()
        else:
            self._pauses += 1
            for job in list(self._jobs):
                self.cancel_evaluation(job, "evaluation interrupted by pause")

    def cancel_evaluation(self, job, reason: str = "evaluation cancelled") -> None:
        """Withdraw an evaluation that `evaluate` was asked for (`job` is what
        its `on_job` received): end it if it runs, skip it if it waits."""
        job.withdrawn = reason
        if self._job is job:
            self._interrupt_evaluation(reason)

    def _interrupt_evaluation(self, reason: str) -> None:
        self._evaluation_stop = reason
        if self._vm is not None:
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
        key = (id(frame.proto), pc)
        if self._watches.active and self._replay is None and self._watch_trap(frame, pc, key):
            return
        if key in self._imports:
            # The module's body runs on a nested loop: this frame is its caller on the stack.
            self._vm.enter_native(frame, pc)
        position = Position(self._vm.ticks, pc, False, frame.proto, frame.depth)
        if self._replay is not None:
            self._replay_moment(frame, position, lambda: self._fired(frame, pc))
            return
        self._first_checkpoint(frame, pc)
        self._at_barrier(position)
        reason = None
        if self._entry:
            self._entry = False
            reason = StopReason.ENTRY
        elif self._stop_at == (id(frame.proto), pc):
            self._stop_at = None
            reason = StopReason.GOTO
            self._position = position
            self._intervened()
        elif self._resume_stop is not None:
            stop, self._resume_stop = self._resume_stop, None
            self._suspend(stop, position)
            return
        elif self._step is not None and self._step_ends(frame, pc):
            reason = StopReason.STEP
        hits = self._fired(frame, pc)
        if hits:
            self._suspend(self._stop_for(hits), position)
            return
        if reason is None and self._pause_requested:
            reason = StopReason.PAUSE
        if reason is not None:
            self._suspend(Stop(reason), position)

    def _fired(self, frame, pc: int) -> list[_Breakpoint]:
        """The breakpoints at `pc` that fire now (conditions and hit counts
        checked), data breakpoints first (the instruction before changed what they watch)."""
        fired = self._data_hits(frame, pc) if self._watches.active else []
        return fired + [breakpoint for breakpoint in self._at.get((id(frame.proto), pc), ())
                        if self._breakpoint_fires(breakpoint, frame)]

    def on_interrupt(self, frame) -> None:
        """The interrupt flag was seen (pause, terminate, or new code to run)."""
        if self._terminating:
            raise SessionEnded()
        if self._evaluating:
            if self._evaluation_stop is not None:
                raise EvaluationInterrupted(self._evaluation_stop)
            if self._pause_requested:  # only a breakpoint condition runs while the program is not stopped
                raise EvaluationInterrupted("evaluation interrupted by pause")
            return
        if self._pause_requested:
            self._pause_requested = False
            # A pause ends a replay where it is (in the past).
            self._replay = None
            self._travel_traps = {}
            self._suspend(Stop(StopReason.PAUSE), Position(self._vm.ticks, frame.pc, False, frame.proto, frame.depth))

    def on_throw(self, error: EskerError) -> None:
        """An error is about to unwind from the innermost frame."""
        # An error leaving a nested dispatch loop (a callback of `map`) is
        # reported again by the loop below: it stops the program once.
        if self._evaluating or error is self._last_thrown:
            return
        self._last_thrown = error
        self._error_moment(error, lambda: self._error_stop(error))

    def on_rethrow(self, error: EskerError) -> None:
        """A `finally` block ended by throwing its error again: if a `finally`
        block that might have ended the error kept the uncaught filter from
        deciding where it was thrown, this is where it decides."""
        if self._evaluating or id(error) not in self._undecided:
            return
        self._error_moment(error, lambda: self._error_stop(error, rethrown=True))

    def _error_moment(self, error: EskerError, decide) -> None:
        """An error unwinding from the innermost frame: a stop when `decide()`
        gives one (or a moment of a replay)."""
        if self._replay is None and not (self._raised or self._uncaught):
            return
        frame = self._vm.debug_frames()[0]
        position = Position(self._vm.ticks, frame.pc, True, frame.proto, frame.depth)
        if self._replay is not None:
            self._replay_moment(frame, position, decide)
            return
        stop = decide()
        if stop is not None:
            self._suspend(stop, position)

    def _error_stop(self, error: EskerError, rethrown: bool = False) -> "Stop | None":
        """The stop the exception filters make for `error`, or None; thrown
        again (`rethrown`) by a `finally` block, only the uncaught filter can
        stop, and only if it had to wait for that block.

        Whether an error escapes is decided where it is thrown, so that every
        frame can be looked at, except when a `finally` block on its way may
        end it (with a `return`, `break`, `continue` or another error): then
        the filter decides when that block throws it again, and stops there,
        in the frame of the `finally` block (its trace still names where the
        error was thrown)."""
        if not (self._raised or self._uncaught):
            return None
        caught = self._vm.error_will_be_caught()
        self._undecided.pop(id(error), None)
        if caught is None:
            self._undecided[id(error)] = error
            while len(self._undecided) > _UNDECIDED_KEPT:
                del self._undecided[next(iter(self._undecided))]
        raised = not rethrown and self._raised and self._error_condition_holds(error, "raised")
        stops = raised or (self._uncaught and caught is False and self._error_condition_holds(error, "uncaught"))
        return Stop(StopReason.EXCEPTION, error=self._error_info(error, caught is False)) if stops else None

    def _error_condition_holds(self, error: EskerError, which: str) -> bool:
        """Whether the condition of exception filter `which` holds for `error`
        (evaluated in the throwing frame, which also sees `error`, `kind` and
        `message`); one that fails to run stops, and says why."""
        condition = self._error_conditions.get(which)
        if condition is None:
            return True
        kind = error_kind(error.value)
        message = to_str(error.value.values[1]) if kind is not None else to_str(error.value)
        extra = {"error": error.value, "kind": kind or "Uncaught", "message": message}
        try:
            return ops.truthy(self._evaluate_in(self._vm.debug_frames()[0], condition, extra))
        except EvaluationError as problem:
            self._output.emit("console", f"exception condition {condition!r}: {problem}\n")
            return True

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

    def _suspend(self, stop: Stop, position: Position) -> None:
        """Stop here (at `position`) until a command resumes the program."""
        self._step = None
        self._pause_requested = False
        self._note_stop(position)
        self._frames = self._vm.debug_frames()
        with self._lock:
            self._install()
        if self._terminating:
            raise SessionEnded()
        self._check_watches()
        self.stop = stop
        self._output.flush()
        self._events.stopped(stop)
        while True:
            command = self._inbox.get()
            if command == _TERMINATE:
                raise SessionEnded()
            if isinstance(command, _Job):
                self._job = command
                try:
                    command.run()
                finally:
                    self._job = None
                    self._jobs.discard(command)
                continue
            if command[0] == _TRAVEL:
                self._frames = []
                raise Travel(command[1])
            if command[0] == _GOTO:
                frame = self._frames[0]
                self._frames = []
                with self._lock:
                    self._stop_at = (id(frame.proto), command[1])
                    self._install()
                raise self._vm.redirect(frame, command[1])
            self._frames = []
            if command[1] is not None:
                self._begin_step(*command[1])
            return

    def _begin_step(self, kind: StepKind, granularity: Granularity, target: int | None = None) -> None:
        frames = self._vm.debug_frames()
        frame = frames[0]
        self._step = _Step(kind, granularity, frame.key, self._vm.depth(), _line(frame.proto, frame.pc), target)
        self._target_reached = target is None
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
        if depth < step.depth:
            return True
        if not self._target_reached:
            # Into one chosen call: run the line's other calls without stopping until it is made.
            if depth == step.depth and frame.key == step.frame:
                self._target_reached = pc == step.target
                self._last_pc = pc
                return False
            if depth > step.depth:
                return False
            return True
        if step.kind is StepKind.OUT:
            # A callback that a builtin calls again starts a new frame at the same depth:
            # stepping out of it goes on to the builtin's caller.
            return False
        if depth == step.depth and frame.key != step.frame:
            return True
        if depth > step.depth:
            return step.kind is StepKind.INTO
        if step.granularity is Granularity.INSTRUCTION:
            return True
        last, self._last_pc = self._last_pc, pc
        span = frame.proto.spans[pc]
        # An implicit return has an empty span at the end of its block, and a jump (a loop's
        # way back, the end of an `if` branch) only leads to the next line: neither is a stop.
        if span.start == span.end or _is_jump(frame.proto, pc):
            return False
        return pc <= last or span.line != _line(frame.proto, last)

    def _breakpoint_fires(self, breakpoint: _Breakpoint, frame) -> bool:
        """Check a breakpoint's condition and hit count; print a log point's message."""
        if breakpoint.condition is not None:
            try:
                holds = ops.truthy(self._evaluate_in(frame, breakpoint.condition))
            except EvaluationError as error:
                if self._pause_requested:
                    return False  # a pause stopped the condition: it is honoured instead
                self._output.emit("console", f"breakpoint condition {breakpoint.condition!r}: {error}\n")
                holds = True
            if not holds:
                return False
        breakpoint.hits += 1
        if breakpoint.hit_test is not None and not breakpoint.hit_test(breakpoint.hits):
            return False
        if breakpoint.log is not None:
            self._output.emit("console", self._log_text(breakpoint.log, frame) + "\n")
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
        # Thrown again by a `finally` block, the error has traced the frames
        # from where it was thrown to this one; the frames below follow.
        frames = self._vm.debug_frames()
        for entry in error.trace:
            lines.append(f"  at {entry.function} ({entry.path}:{entry.line}:{entry.col})")
        for frame in frames[1:] if error.trace else frames:
            span = _span(frame.proto, frame.pc)
            where = f"{frame.proto.source_path}:{span.line}:{span.col}" if span else frame.proto.source_path
            lines.append(f"  at {_frame_name(frame.proto)} ({where})")
        if len(lines) > 41:
            lines[41:] = ["  ..."]
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

    def set_exception_filters(self, *, raised: bool, uncaught: bool,
                              conditions: dict[str, str] | None = None) -> dict[str, str]:
        """Stop on errors thrown (`raised`) or on those nothing catches
        (`uncaught`), where the filter's condition (an Esker expression over
        `error`, `kind` and `message`, by filter name) holds. The problems of
        malformed conditions, by filter name; such a filter is left off."""
        problems = {}
        kept = {}
        for which, condition in (conditions or {}).items():
            problem = syntax_problem(condition)
            if problem is not None:
                problems[which] = f"condition {condition!r}: {problem}"
            else:
                kept[which] = condition
        self._raised = raised and "raised" not in problems
        self._uncaught = uncaught and "uncaught" not in problems
        self._error_conditions = kept
        return problems

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
            syntax = syntax_problem(condition)
            if syntax is not None:
                problem = f"condition {condition!r}: {syntax}"
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
        if request.line < 1:
            problem = f"line {request.line} is not a line of the file: lines start at 1"
        elif table is None:
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
        if self._loaded.get(path) is root:
            return  # imported again by a replay: the same code, already known
        self._loaded[path] = root
        self._line_tables.pop(path, None)
        self.source_text(path)  # the text it was compiled from, read now, before the file can change
        self._events.module_loaded(root)

    def loaded_files(self) -> list[str]:
        """The files whose code the program has loaded (the main one first)."""
        with self._lock:
            return list(self._loaded)

    def _starts(self, proto) -> dict[int, list[int]]:
        """Where each line of `proto` starts (see `line_starts`), computed once."""
        known = self._line_starts.get(id(proto))
        if known is None or known[0] is not proto:
            known = self._line_starts[id(proto)] = (proto, line_starts(proto))
        return known[1]

    def _all_breakpoints(self) -> list[_Breakpoint]:
        lines = [breakpoint for breakpoints in self._line_breakpoints.values() for breakpoint in breakpoints]
        return lines + self._function_breakpoints + self._instruction_breakpoints + self._data_breakpoints

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
            for proto in found if breakpoint.problem is None else ():
                place(proto, 0, breakpoint)
            if breakpoint.problem is None and bool(found) != breakpoint.state.verified:
                breakpoint.state = _function_state(breakpoint, bool(found))
                changed.append(breakpoint.state)
        for breakpoint in self._instruction_breakpoints:
            if breakpoint.location is not None and breakpoint.state.verified:
                place(*breakpoint.location, breakpoint)
        imports = set()
        for root in self._loaded.values():
            for proto in root.walk():
                for pc in _imports_of(proto):
                    imports.add((id(proto), pc))
                    traps.setdefault(id(proto), (proto, set()))[1].add(pc)
        self._imports = imports
        for key, (proto, pcs) in self._travel_traps.items():
            traps.setdefault(key, (proto, set()))[1].update(pcs)
        if self.recording and not self._history.checkpoints and self._program is not None:
            root = self._program[0]
            traps.setdefault(id(root), (root, set()))[1].add(0)
        if self._stop_at is not None:
            owner = next((proto for root in self._loaded.values() for proto in root.walk()
                          if id(proto) == self._stop_at[0]), None)
            if owner is not None:
                traps.setdefault(id(owner), (owner, set()))[1].add(self._stop_at[1])
        self._add_watch_traps(traps)
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
            raise EvaluationError(f"there is no frame {level}")
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
            return [Slot(f"r{index}", _shown_register(frame, index, owners), owners.get(index, "(temp)"))
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
        self._refuse_in_the_past("setting a variable")
        variables[name](value)
        self._intervened()

    def _writers(self, frame, kind: ScopeKind):
        if kind is ScopeKind.LOCALS:
            for name, register in _live_locals(frame.proto, frame.pc).items():
                yield name, _register_writer(frame, register)
        elif kind is ScopeKind.REGISTERS:
            for index in range(frame.size):
                if index == 0 and frame.proto.num_far:
                    yield "r0", _refuse("r0 holds the far slots; set their variables under Locals")
                else:
                    yield f"r{index}", _register_writer(frame, index)
        elif kind is ScopeKind.UPVALUES:
            for cell in frame.upvalues():
                yield cell.name, cell.set
        else:
            members = self._vm.globals_for(frame.proto)
            for name in list(members):
                yield name, _item_writer(members, name)

    # ------------------------------------------------------------ where execution can go (the program is stopped)

    def call_targets(self, level: int) -> list[CallTarget]:
        """The calls the rest of the current line makes in frame `level`, in
        order: what a step into can choose to enter (only the innermost frame
        steps, so other frames have none)."""
        frame = self._frame(level)
        if level != 0:
            return []
        proto, line = frame.proto, _line(frame.proto, frame.pc)
        text = self.source_text(source_path(proto))
        found = []
        for pc in range(frame.pc, len(proto.code)):
            if _line(proto, pc) != line:
                break
            if opcode_of(proto.code[pc]) in _CALLS:
                span = proto.spans[pc]
                label = text.text[span.start: span.end] if text is not None else f"call at {span}"
                found.append(CallTarget(pc, " ".join(label.split())[:80], span))
        return found

    def goto_targets(self, path: str, line: int) -> list[int]:
        """Where `goto` could move the innermost frame on `line` of `path`:
        where that line starts in the frame's own function (`goto` says why
        when moving there is not safe)."""
        frame = self._frame(0)
        if source_path(frame.proto) != _normal(path):
            return []
        return list(self._starts(frame.proto).get(line, ()))[:1]

    def _goto_problem(self, frame, pc: int) -> str | None:
        """Why moving `frame` to instruction `pc` would not be safe, or None."""
        proto = frame.proto
        if not 0 <= pc < len(proto.code):
            return f"{_frame_name(proto)} has no instruction {pc}"
        here = {id(record) for record in proto.locals_at(frame.pc)}
        there = proto.locals_at(pc)
        entered = [record.name for record in there if id(record) not in here]
        if entered:
            return (f"cannot jump into the block of `{entered[0]}`: its variables would not be set "
                    "(jump to a line in the same block or an enclosing one)")
        left = {record.register for record in proto.locals_at(frame.pc)} - {record.register for record in there}
        captured = [name for name, register in _live_locals(proto, frame.pc).items()
                    if register in left and self._vm.is_captured(frame, register)]
        if captured:
            return f"cannot jump out of the block of `{captured[0]}`: a closure captured it"
        if _handlers_at(proto, frame.pc) != _handlers_at(proto, pc):
            return "cannot jump into or out of a `try` block"
        return None

    def set_expression(self, level: int | None, target: str, value: str):
        """Assign the value of Esker expression `value` to the assignable
        expression `target` (a name, field or element) in frame `level`;
        its value afterwards."""
        self.evaluate(level, f"{target} = ({value})", statements=True)
        return self.evaluate(level, target, calls=False)

    def completions(self, level: int | None, text: str) -> list[tuple[str, str, int]]:
        """What can follow `text` in frame `level`'s debug console: (label,
        kind, length of the typed part it replaces) — the members of a value
        after `.`, else names in scope, builtins and keywords."""
        operand, prefix = completion_context(text)
        if operand is not None:
            try:
                found = members(self.evaluate(level, operand, calls=False))
            except EvaluationError:
                return []
        else:
            frames = self._stopped_frames()
            frame = self._frame(level) if level is not None else frames[-1] if frames else None
            scope = {variable.name: completion_kind(variable.read())
                     for variable in self._variables_of(frame, globals_only=level is None)}
            builtins = self._vm.builtins if self._vm is not None else {}
            found = [*scope.items(), *((name, completion_kind(value)) for name, value in builtins.items()
                                       if name not in scope), *((word, "keyword") for word in KEYWORDS)]
        seen = set()
        return [(name, kind, len(prefix)) for name, kind in found
                if name.startswith(prefix) and not (name in seen or seen.add(name))]

    def _is_global(self, frame, name: str) -> bool:
        """Top-level variables are shown as Globals, not also as the module frame's locals."""
        return frame.proto.name == "<module>" and name in self._vm.globals_for(frame.proto)

    def evaluate(self, level: int | None, text: str, *, statements: bool = False, calls: bool = True,
                 on_job: Callable[[object], None] | None = None):
        """The value of Esker code in frame `level` (None: the program's
        top level). With `statements` (the debug console), statements are
        allowed too and assignments to the frame's variables stick; without
        `calls` (hovering), code that calls functions is refused. `on_job`
        receives a handle for `cancel_evaluation` before it runs."""
        pauses = self._pauses
        frames = self._stopped_frames()
        frame = self._frame(level) if level is not None else None
        scope = frame if frame is not None else frames[-1] if frames else None
        variables = self._variables_of(scope, globals_only=frame is None)
        compiled = self._compile(text, [variable.name for variable in variables], statements=statements,
                                 calls=calls)
        console = self._console.setdefault(scope.key, {}) if scope is not None else {}
        job = _Job(lambda: self._run_compiled(compiled, variables, console))
        self._jobs.add(job)
        if on_job is not None:
            on_job(job)
        if self._pauses != pauses:
            job.withdrawn = "evaluation interrupted by pause"
        with self._lock:
            if self._run_over:
                raise NotStopped("the program has ended")
            self._inbox.put(job)
        job.done.wait()
        self._output.flush()
        if job.error is not None:
            raise job.error
        return job.result

    def _evaluate_in(self, frame, text: str, extra: dict | None = None):
        """Evaluate an expression on the program's own thread (breakpoint
        conditions, log points): calls are allowed, statements are not.
        `extra` names more values it sees (an exception filter's `error`)."""
        variables = self._variables_of(frame, globals_only=False)
        for name, value in (extra or {}).items():
            variables = [variable for variable in variables if variable.name != name]
            variables.append(Variable(name, lambda value=value: value, _refuse(f"`{name}` cannot be assigned")))
        compiled = self._compile(text, [v.name for v in variables], statements=False, calls=True)
        return self._run_compiled(compiled, variables, strict=True)

    def _compile(self, text: str, names: list[str], *, statements: bool, calls: bool) -> Compiled:
        key = (text, tuple(names), statements, calls)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) >= _CACHE_SIZE:
                self._compiled.clear()
            compiled = self._compiled[key] = compile_text(
                text, names, self._loader, statements_allowed=statements, calls_allowed=calls)
        return compiled

    def _variables_of(self, frame, *, globals_only: bool) -> list[Variable]:
        """The names an expression sees in `frame`: its module's top level,
        then its upvalues, then its live locals, then what the debug console
        declared there (inner names hide outer ones)."""
        if frame is None:
            return []
        found: dict[str, Variable] = {}
        members = self._vm.globals_for(frame.proto)
        for name in list(members):
            found[name] = Variable(name, _item_reader(members, name), _item_writer(members, name))
        if not globals_only:
            for cell in frame.upvalues():
                found[cell.name] = Variable(cell.name, cell.get, cell.set)
            for name, register in _live_locals(frame.proto, frame.pc).items():
                found[name] = Variable(name, _register_reader(frame, register), _register_writer(frame, register))
        console = self._console.get(frame.key, {})
        for name in list(console):
            found[name] = Variable(name, _item_reader(console, name), _item_writer(console, name))
        return [variable for name, variable in found.items() if name.isidentifier()]

    def _run_compiled(self, compiled: Compiled, variables: list[Variable], console: dict | None = None,
                      strict: bool = False):
        """Run compiled text with the variables' values; with statements, write
        back the variables it changed and keep what it declared in `console`.

        While history is kept, code that could change the program (it calls
        or assigns) is watched: in the past, or when `strict` (a breakpoint
        condition, which a replay runs again), a change is undone and refused;
        at the present it is kept, and recorded (`_intervened`)."""
        values = [variable.read() for variable in variables]
        guard = self._guard(compiled)
        outer, self._evaluating = self._evaluating, True
        if not outer:
            self._evaluation_stop = None
            self._watchdog.arm(self.evaluation_limit)
        try:
            result = self._vm.call_proto(compiled.proto, values)
        except EskerError as error:
            raise EvaluationError(headline(error.value)) from None
        except EvaluationInterrupted as stopped:
            raise EvaluationError(str(stopped)) from None
        finally:
            self._evaluating = outer
            if not outer:
                self._watchdog.disarm()
                self._evaluation_stop = None
        writes = []
        if compiled.statements and type(result) is list and len(result) == len(variables) + len(compiled.declared):
            writes = [(variable, new) for variable, old, new in zip(variables, values, result) if new is not old]
            if console is not None:
                console.update(zip(compiled.declared, result[len(variables):]))
        if guard is not None and (writes or guard.changed()):
            if strict or self.in_the_past():
                guard.restore()
                raise EvaluationError(_PAST_CHANGE if self.in_the_past() else _CONDITION_CHANGE)
            for variable, new in writes:
                variable.write(new)
            self._intervened()
            return None if compiled.statements else result
        for variable, new in writes:
            variable.write(new)
        return None if compiled.statements else result

    def _guard(self, compiled: Compiled):
        """A snapshot to tell whether running `compiled` changes the program
        (None when no history is kept or the code can change nothing)."""
        if not self.recording or not (compiled.calls or compiled.statements):
            return None
        try:
            return program_snapshot(self._vm)
        except Unrestorable as error:
            raise EvaluationError(f"while history is kept, this cannot be evaluated here ({error})") from None


#: Why an evaluation in the past was refused.
_PAST_CHANGE = ("this would change the program, which cannot be done in the past: only the present (the "
                "furthest point the program reached) can be changed; the change was undone")
#: Why a breakpoint condition or log point was refused.
_CONDITION_CHANGE = ("while history is kept, a breakpoint condition or log point must not change the program "
                     "(it would run again when the past is replayed); the change was undone")


# ----------------------------------------------------------------- helpers

@dataclass(frozen=True)
class _LineTable:
    """The lines of one file where some function's code starts, and its length."""

    starts: set[int]
    line_count: int


class _Output:
    """Everything the program and the controller print, in order, as output
    events. Writes are gathered and sent at most every OUTPUT_INTERVAL
    seconds (a program printing thousands of lines costs a few events, not
    thousands) and at once before anything else the controller reports."""

    def __init__(self, events: DebugEvents):
        self._events = events
        self._lock = threading.Lock()
        self._pending: list[list] = []
        self._wake = threading.Event()
        self._closed = False
        threading.Thread(target=self._send_periodically, name="esker-output", daemon=True).start()

    def write(self, text: str) -> int:
        """The program's standard output (the VM's `stdout`)."""
        self.emit("stdout", text)
        return len(text)

    def emit(self, category: str, text: str) -> None:
        if not text:
            return
        with self._lock:
            idle = not self._pending
            if not idle and self._pending[-1][0] == category:
                self._pending[-1][1].append(text)
            else:
                self._pending.append([category, [text]])
        if idle:
            self._wake.set()  # only the first write after a send wakes the sender

    def flush(self) -> None:
        """Send what is pending now."""
        with self._lock:
            pending, self._pending = self._pending, []
            for category, texts in pending:
                self._events.output(category, "".join(texts))

    def close(self) -> None:
        self.flush()
        self._closed = True
        self._wake.set()

    def _send_periodically(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            time.sleep(OUTPUT_INTERVAL)
            self.flush()


class _ErrorOutput:
    """The program's standard error, as "stderr" output events."""

    def __init__(self, output: _Output):
        self._output = output

    def write(self, text: str) -> int:
        self._output.emit("stderr", text)
        return len(text)

    def flush(self) -> None:
        self._output.flush()


class _Watchdog:
    """Interrupts an evaluation that runs longer than EVALUATION_LIMIT, from a
    thread of its own (the program's thread is busy running it)."""

    def __init__(self, on_overdue: Callable[[], None]):
        self._on_overdue = on_overdue
        self._condition = threading.Condition()
        self._deadline: float | None = None
        threading.Thread(target=self._watch, name="esker-evaluation-watchdog", daemon=True).start()

    def arm(self, seconds: float) -> None:
        with self._condition:
            self._deadline = time.monotonic() + seconds
            self._condition.notify()

    def disarm(self) -> None:
        with self._condition:
            self._deadline = None

    def _watch(self) -> None:
        with self._condition:
            while True:
                if self._deadline is None:
                    self._condition.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._condition.wait(remaining)
                    continue
                self._deadline = None
                self._on_overdue()


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Makes the thread `thread_id` raise `exception` at its next Python
    instruction (None: withdraws one not raised yet). CPython's way for
    one thread to stop another; the only one that reaches a loop with no
    test of its own, such as compiled code's."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


def _start_deep_thread(target: Callable[[], None]) -> threading.Thread:
    """Start a daemon thread with room for the front-end's and the VM's
    recursion (the stack size applies to threads as they start)."""
    previous = threading.stack_size()
    threading.stack_size(STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="esker-program", daemon=True)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
        thread.start()
    finally:
        threading.stack_size(previous)
    return thread


def source_path(proto) -> str:
    """The file a proto was compiled from, as the controller names files:
    absolute, with symbolic links resolved."""
    return _normal(proto.source_path)


def _normal(path: str) -> str:
    """One name per file however it is reached (through links, `..`, case on
    case-insensitive systems), so breakpoints and loaded code always meet."""
    return os.path.normcase(os.path.realpath(path))


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


#: The instructions that call a function.
_CALLS = frozenset({Op.CALL, Op.METHOD, Op.CALLX, Op.TAILCALL})


def _handlers_at(proto, pc: int) -> list:
    return [handler for handler in proto.handlers if handler.start_pc <= pc < handler.end_pc]


def _is_jump(proto, pc: int) -> bool:
    return opcode_of(proto.code[pc]) == Op.JMP


def _imports_of(proto) -> list[int]:
    return [pc for pc, word in enumerate(proto.code) if opcode_of(word) == Op.IMPORT]


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


def _register_label(register: int) -> str:
    """`r3`, or `F2` for far slot 2 (as the disassembler writes them)."""
    return f"F{register - FAR_BASE}" if register >= FAR_BASE else f"r{register}"


def _shown_register(frame, index: int, owners: dict[int, str]):
    """What the Registers scope shows for register `index`: the program's
    value, or the VM's own (the far slots of R[0], a loop's iterator)."""
    value = frame.register(index)
    if index == 0 and frame.proto.num_far:
        names = {register - FAR_BASE: name for register, name in owners.items() if register >= FAR_BASE}
        parts = tuple(Child(f"F{slot} ({names.get(slot, 'temp')})", item, names.get(slot))
                      for slot, item in enumerate(value))
        return Internal(f"{len(parts)} far slots", "far slots", parts)
    if is_program_value(value):
        return value
    if hasattr(value, "__next__"):
        return Internal("<iterator of a for loop>", "iterator")
    return Internal("<internal value>", "internal")


def _refuse(message: str) -> Callable[[object], None]:
    def refuse(value) -> None:
        raise EvaluationError(message)
    return refuse


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
