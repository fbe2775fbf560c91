"""The debug controller's time travel: recording a run's history as it goes,
and the replays that take the program back — step back, reverse continue,
restart a frame — or forward again through the recorded past.

A part of `Debugger` (vm/debugger.py), kept in a module of its own for size.
How history is kept is explained in vm/history.py; what it costs, and how a
user meets it, in docs/debugging.md.

Going back is a search: the controller restores the last checkpoint before
the moment it is leaving and runs forward again to that moment, silently
(output is not written twice, reads get their recorded answers), noting
every place where the wanted kind of stop would have happened — a
breakpoint with its condition and hit count as they were then, the start of
a line in the right frame, a frame's entry. The last such place wins; the
program is run from the checkpoint once more to stop exactly there. When a
stretch between checkpoints has none, the one before is searched, back to
the start of the recorded history. Each replay ends by unwinding the
program's thread (`Travel`) to the loop that runs it, which starts the next.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from .history import Checkpoint, History, Journal, Position, Unrestorable, take_checkpoint
from .opcodes import Op, opcode_of

#: Bytes in a megabyte (the launch configuration's `history` is in megabytes).
MEGABYTE = 1 << 20
#: History kept when the launch configuration does not say (megabytes).
DEFAULT_HISTORY = 256
#: The least run time between two checkpoints (seconds)...
CHECKPOINT_GAP = 0.02
#: ... and at least this many times the last checkpoint's own cost, so taking them stays a small part of a run.
CHECKPOINT_COST_SHARE = 8
#: Ticks before the first rate of ticks per second is known.
FIRST_GAP = 2000
#: How many ticks before a step back's search window it takes a checkpoint for the next step backs.
PASSING_LEAD = 64
#: The stop reason's description at the oldest moment that is kept.
START_OF_HISTORY = "start of recorded history"
#: ... and where stepping back meets a change made to the program (before it, the program was another).
CHANGE_IN_HISTORY = "change made to the program here (stepping back stops at it)"


class Travel(BaseException):
    """Unwinds the program's thread so that the run loop carries out `plan`.
    A BaseException, so that neither `catch` nor the VM's error handling
    stops it."""

    def __init__(self, plan):
        super().__init__(plan)
        self.plan = plan


@dataclass(eq=False)
class Goal:
    """Replay from `checkpoint` and stop at `position`, reporting `stop`."""

    checkpoint: Checkpoint
    position: Position
    stop: object


@dataclass(eq=False)
class Search:
    """Replay from `checkpoint` to `upper` (not included), collecting where
    a stop of `kind` would have happened: "continue" (breakpoints, errors,
    data breakpoints), "back" (line or instruction starts at `depth` or
    shallower, from tick `trace_from` on, in `protos`), "restart" (entries
    of `proto` at `depth`)."""

    kind: str
    checkpoint: Checkpoint
    upper: Position
    depth: int = 0
    instruction: bool = False
    trace_from: int = 0
    window: int = 1
    protos: tuple = ()
    proto: object = None
    candidates: list = field(default_factory=list)
    #: For "back": the last pc seen in each frame, by (depth, frame key).
    last: dict = field(default_factory=dict)


@dataclass(eq=False)
class Resume:
    """Run on, not replaying, from `checkpoint` (a change made at the
    present was recorded there); stop there first with `stop` if given."""

    checkpoint: Checkpoint
    stop: object = None


class TimeTravel:
    """The history-keeping half of the debug controller (mixed into `Debugger`)."""

    def _init_history(self) -> None:
        self._history: History | None = None
        self._journal: Journal | None = None
        #: The replay running (a Goal or a Search), or None when the program runs for real.
        self._replay = None
        #: Where the program is stopped, and the furthest it has been (the present).
        self._position: Position | None = None
        self._edge: Position | None = None
        self._next_checkpoint = 0
        self._unsaved_reported = False
        self._checkpoint_clock = (0, 0.0)
        self._checkpoint_cost = 0.0
        #: Traps a replay needs: (proto, pcs) by id(proto).
        self._travel_traps: dict[int, tuple[object, set[int]]] = {}
        #: The first barrier after where the program is (see `_intervened`).
        self._barrier: Checkpoint | None = None

    def _start_history(self, megabytes: float) -> None:
        """Keep up to `megabytes` of history for the run starting now (0: none)."""
        self._init_history()
        if megabytes <= 0:
            return
        self._history = History(int(megabytes * MEGABYTE))
        self._journal = Journal()
        self._vm.keep_ticks(True)
        self._vm.set_alarm(None)

    @property
    def recording(self) -> bool:
        return self._history is not None

    def in_the_past(self) -> bool:
        """Whether the program is stopped before the furthest moment it reached."""
        return self._position is not None and self._edge is not None and self._position < self._edge

    # ------------------------------------------------------------ commands (the program is stopped)

    # Each command is planned first (which says why it cannot be done), then
    # carried out with `travel`, so that a front end can answer in between.

    def step_back_plan(self, instruction: bool):
        """Going back to where a step over would have stopped before here: the
        start of the previous line (or instruction) of this frame, or of its
        caller's line when this is the frame's first."""
        position, frames = self._travel_start()
        protos = tuple({id(frame.proto): frame.proto for frame in frames}.values())
        return self._back_search(position, frames[0].depth, instruction, protos, 1)

    def reverse_continue_plan(self):
        """Going back to the last place before here where a breakpoint (of any
        kind, its condition and hit count as they were then), an exception
        filter or a data breakpoint stopped the program, or would have."""
        position, _ = self._travel_start()
        return self._search_before("continue", position)

    def restart_frame_plan(self, level: int):
        """Going back to the entry of the frame at `level`."""
        position, frames = self._travel_start()
        frame = frames[level] if 0 <= level < len(frames) else None
        if frame is None:
            raise self._travel_error(f"there is no frame {level}")
        if frame.proto.is_generator:
            raise self._travel_error("a generator's frame cannot be restarted: it began when the generator was made")
        search = self._search_before("restart", position)
        search.proto, search.depth = frame.proto, frame.depth
        return search

    def travel(self, plan) -> None:
        """Carry out a plan made by one of the methods above."""
        self._command(("travel", plan))

    def _travel_start(self) -> tuple[Position, list]:
        frames = self._stopped_frames()
        if not self.recording:
            raise self._travel_error("no history is kept: set `history` in the launch configuration "
                                     f"(megabytes, {DEFAULT_HISTORY} by default)")
        if self._history.start is None:
            raise self._travel_error("no history yet: the program's state could not be saved so far")
        return self._position, frames

    def _search_before(self, kind: str, upper: Position) -> Search:
        checkpoint = self._history.before(upper, strictly=True) or self._history.start
        return Search(kind, checkpoint, upper)

    def _back_search(self, upper: Position, depth: int, instruction: bool, protos: tuple, window: int) -> Search:
        floor = self._history.floor(upper)
        trace_from = max(upper.ticks - window, floor.position.ticks)
        # A checkpoint in tick `trace_from` itself was taken at its first moment (an alarm), where the window starts.
        window_start = Position(trace_from, sys.maxsize)
        checkpoint = max(self._history.before(window_start) or floor, floor, key=lambda c: c.position)
        return Search("back", checkpoint, upper, depth, instruction, trace_from, window, protos)

    # ------------------------------------------------------------ running a plan (the program's thread)

    def _plan_runner(self, plan):
        """What the run loop calls to carry out `plan`: restore its checkpoint
        and run the program on from there."""
        def run():
            checkpoint = plan.checkpoint
            self._replay = plan if isinstance(plan, (Goal, Search)) else None
            self._travel_traps = {}
            arguments = checkpoint.restore(self._vm)
            self._journal.go_to(checkpoint.journal)
            self._restore_moment(checkpoint.extra)
            self._last_thrown = None
            self._undecided.clear()
            if isinstance(plan, Resume):
                self._resume_stop = plan.stop
                self._barrier = self._history.barrier_after(checkpoint.position)
                self._travel_traps = self._traps_at(checkpoint.position) if plan.stop is not None else {}
                self._schedule()
            else:
                self._travel_traps = self._plan_traps(plan, due=False)
                self._vm.set_alarm(self._alarm_for(plan))
            with self._lock:
                self._install()
            return self._vm.resume_state(*arguments)
        return run

    def _alarm_for(self, plan) -> int | None:
        if isinstance(plan, Goal):
            return plan.position.ticks
        if isinstance(plan, Search) and plan.kind == "back":
            # A little before the window too, for a checkpoint the next step backs start from.
            lead = plan.trace_from - PASSING_LEAD
            return lead if lead > plan.checkpoint.position.ticks else plan.trace_from
        if isinstance(plan, Search):
            return plan.upper.ticks
        return None

    def on_alarm(self, frame) -> None:
        """The VM's alarm: a tick a replay waits for, or time for a checkpoint.
        `frame` is the innermost frame between two instructions, or None
        between two nested loops."""
        if self._evaluating:
            return
        plan = self._replay
        if plan is None:
            self._vm.set_alarm(None)
            self._on_live_alarm(frame)
            return
        if isinstance(plan, Search) and plan.kind == "back":
            if frame is not None:
                self._keep_moment(frame)
            if self._vm.ticks < plan.trace_from:
                self._vm.set_alarm(plan.trace_from)
                return
        self._travel_traps = self._plan_traps(plan, due=True)
        self._vm.set_alarm(None)
        with self._lock:
            self._install()

    def _keep_moment(self, frame) -> None:
        """A step back searches the last ticks before where it starts from the
        checkpoint before them, then runs from that checkpoint again to the
        place found. Checkpoints taken where the search window begins, and
        PASSING_LEAD ticks before it, make that second run and the next step
        backs' runs a few instructions long instead of up to a checkpoint gap."""
        if not self._vm.restorable():
            return
        position = Position(self._vm.ticks, frame.pc, False, frame.proto, frame.depth)
        latest = self._history.before(position)
        if latest is not None and latest.position == position:
            return
        try:
            checkpoint = take_checkpoint(self._vm, position, self._journal.place, self._moment())
        except Unrestorable:
            return
        self._history.add_passing(checkpoint)

    def _plan_traps(self, plan, due: bool) -> dict:
        """The instructions a replay watches: those where a restarted frame
        began, and once its tick has come (the alarm), its goal or end — and
        for a step back every instruction of the frames that count."""
        traps: dict = {}

        def add(found: dict) -> None:
            for key, (proto, pcs) in found.items():
                traps.setdefault(key, (proto, set()))[1].update(pcs)
        if isinstance(plan, Search) and plan.kind == "restart":
            add({id(plan.proto): (plan.proto, {0})})
        if due:
            add(self._traps_at(plan.position if isinstance(plan, Goal) else plan.upper))
            if isinstance(plan, Search) and plan.kind == "back":
                add({id(proto): (proto, set(range(len(proto.code)))) for proto in plan.protos})
        return traps

    @staticmethod
    def _traps_at(position: Position) -> dict:
        if position.proto is None:
            return {}
        return {id(position.proto): (position.proto, {position.pc})}

    def _replay_moment(self, frame, position: Position, fire) -> None:
        """A moment of a replay (an instruction about to run, or an error
        being thrown): end the search if it is its end; else let `fire()`
        decide what the moment does — the breakpoints that fire (counting
        their hits, as when this first ran), or for an error the Stop its
        exception filters make (or None) — and stop if it is the goal, or
        note it if the search looks for it."""
        plan = self._replay
        if isinstance(plan, Search) and position >= plan.upper:
            self._end_of_stretch(plan)
            raise Travel(self._decide(plan))
        fired = fire()
        if isinstance(plan, Goal):
            if position == plan.position:
                self._replay = None
                self._travel_traps = {}
                self._suspend(plan.stop, position)
            return
        stop = self._candidate(plan, frame, position, fired)
        if stop is not None:
            plan.candidates.append((position, stop))

    def _candidate(self, plan: Search, frame, position: Position, fired):
        """The stop `plan` would make at `position` (None: none)."""
        from .debugger import Stop, StopReason

        if plan.kind == "continue":
            if position.throw:
                return fired
            return self._stop_for(fired) if fired else None
        if position.throw:
            return None
        if plan.kind == "restart":
            found = position.pc == 0 and frame.proto is plan.proto and frame.depth == plan.depth
            return Stop(StopReason.RESTART) if found else None
        if frame.depth > plan.depth or position.ticks < plan.trace_from or frame.proto not in plan.protos:
            return None
        key = (frame.depth, frame.key)
        last = plan.last.get(key)
        plan.last[key] = position.pc
        if plan.instruction or self._starts_line(frame.proto, position.pc, last):
            return Stop(StopReason.STEP)
        return None

    def _starts_line(self, proto, pc: int, last: int | None) -> bool:
        """Whether a line step would stop at `pc` after `last` in the same
        frame (None: not seen; then where a line begins in the code)."""
        from .debugger import _line

        span = proto.spans[pc]
        if span.start == span.end or opcode_of(proto.code[pc]) == Op.JMP:
            return False
        if last is None:
            return pc in self._starts(proto).get(span.line, ())
        return pc <= last or span.line != _line(proto, last)

    def _decide(self, plan: Search):
        """What follows a search that reached its end."""
        from .debugger import Stop, StopReason

        if plan.candidates:
            position, stop = plan.candidates[-1]
            return Goal(self._history.before(position) or plan.checkpoint, position, stop)
        start = self._history.start
        if plan.kind == "back":
            floor = self._history.floor(plan.upper)
            if plan.trace_from > floor.position.ticks:
                return self._back_search(plan.upper, plan.depth, plan.instruction, plan.protos, plan.window * 8)
            start = floor
        earlier = self._history.before(plan.checkpoint.position, strictly=True)
        if plan.kind != "back" and earlier is not None:
            following = Search(plan.kind, earlier, plan.checkpoint.position, plan.depth, proto=plan.proto)
            return following
        return Goal(start, start.position, Stop(StopReason.STEP, description=START_OF_HISTORY if start is
                                                self._history.start else CHANGE_IN_HISTORY))

    # ------------------------------------------------------------ recording (the program's thread)

    def _on_live_alarm(self, frame) -> None:
        """Running for real: take a checkpoint when one is due and possible;
        watch for the barrier ahead when re-running the past."""
        barrier = self._barrier
        if barrier is not None and self._vm.ticks >= barrier.position.ticks:
            self._travel_traps = self._traps_at(barrier.position)
            with self._lock:
                self._install()
        if frame is None or not self._vm.restorable():
            self._vm.set_alarm(self._vm.ticks + 1)
            return
        position = Position(self._vm.ticks, frame.pc, False, frame.proto, frame.depth)
        latest = self._history.checkpoints[-1] if self._history.checkpoints else None
        if latest is not None and position <= latest.position:
            self._next_checkpoint = self._vm.ticks + FIRST_GAP
            self._schedule()
            return
        self._checkpoint(position)

    def _checkpoint(self, position: Position) -> Checkpoint | None:
        """Save the program's state at `position` and plan the next one."""
        began = time.perf_counter()
        try:
            checkpoint = take_checkpoint(self._vm, position, self._journal.place, self._moment())
        except Unrestorable as error:
            checkpoint = None
            if not self._unsaved_reported:  # once a run: it will be tried again, and be said again otherwise
                self._unsaved_reported = True
                self._output.emit("console", f"history: the program's state cannot be saved while it holds "
                                             f"{error}; going back uses older checkpoints meanwhile\n")
        else:
            self._history.add(checkpoint)
        now = time.perf_counter()
        ticks, then = self._checkpoint_clock
        rate = (position.ticks - ticks) / max(now - then, 1e-6) if then else None
        gap = max(CHECKPOINT_GAP, CHECKPOINT_COST_SHARE * (now - began))
        self._next_checkpoint = position.ticks + (max(int(rate * gap), 1) if rate else FIRST_GAP)
        self._checkpoint_clock = (position.ticks, now)
        self._schedule()
        return checkpoint

    def _schedule(self) -> None:
        """Set the alarm for running for real: the next checkpoint, or the barrier ahead."""
        if self.recording and self._replay is None:
            ticks = self._next_checkpoint
            if self._barrier is not None:
                ticks = min(ticks, self._barrier.position.ticks)
            self._vm.set_alarm(ticks)

    def _at_barrier(self, position: Position) -> bool:
        """Re-running the past reached a change made at the present: go on
        from its checkpoint (raises Travel), stopping there if a step runs."""
        from .debugger import Stop, StopReason

        barrier = self._barrier
        if barrier is None or position != barrier.position:
            return False
        raise Travel(Resume(barrier, Stop(StopReason.STEP) if self._step is not None else None))

    def _moment(self) -> dict:
        """What the controller keeps with a checkpoint: each breakpoint's hits."""
        return {"hits": {breakpoint.id: breakpoint.hits for breakpoint in self._all_breakpoints()}}

    def _restore_moment(self, extra: dict) -> None:
        hits = extra.get("hits", {})
        for breakpoint in self._all_breakpoints():
            breakpoint.hits = hits.get(breakpoint.id, 0)

    def _first_checkpoint(self, frame, pc: int) -> None:
        """The start of the run: the first instruction of the main module."""
        if self.recording and not self._history.checkpoints and self._vm.restorable():
            self._checkpoint(Position(self._vm.ticks, pc, False, frame.proto, frame.depth))

    def _note_stop(self, position: Position) -> None:
        self._position = position
        if self._edge is None or position > self._edge:
            self._edge = position
        if self.recording:
            self._barrier = self._history.barrier_after(position)
            self._schedule()

    def _refuse_in_the_past(self, what: str) -> None:
        if self.in_the_past():
            raise self._travel_error(f"{what} cannot be done in the past: only the present (the furthest point "
                                     "the program reached) can be changed")

    def _intervened(self) -> None:
        """The program was changed where it is stopped, at the present (a
        variable set, a statement run, a goto). Replaying the past through
        this moment must take the change along: a checkpoint made now marks
        it (a barrier). Where none can be made (a builtin is running Esker
        code below), the history before now is dropped instead."""
        if not self.recording or self._position is None:
            return
        self._history.drop_after(self._position)
        if self._history.checkpoints and self._history.checkpoints[-1].position == self._position:
            self._history.size -= self._history.checkpoints.pop().size
        if self._vm.restorable():
            checkpoint = self._checkpoint(self._position)
            if checkpoint is not None:
                checkpoint.barrier = True
                return
        self._history.clear()
        self._output.emit("console", "history: the change cannot be replayed here (a builtin is running Esker "
                                     "code below), so the history before it was dropped\n")

    def _travel_error(self, message: str):
        from .debug_values import EvaluationError

        return EvaluationError(message)
