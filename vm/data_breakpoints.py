"""The debug controller's data breakpoints: "stop when this value changes",
forwards and, with time travel, backwards ("who set this?").

A part of `Debugger` (vm/debugger.py), kept in a module of its own like its
time travel (vm/travel.py). What can be watched and how a write is caught is
vm/watch.py; here are the requests (`data_target`, `set_data_breakpoints`),
the hits, and the watches' life:

- A hit stops the program after the writing instruction; the stop's
  description says what changed and where it was written.
- A watch whose target is gone is removed, with a message and a
  `breakpoint_removed` event: a local's when its function returns (or an
  error unwinds it), an object's part when the program can no longer reach
  the object (checked whenever the program stops).
- Reverse continue also finds data hits. A target inside an object is
  followed through the replays (which make again the objects made since
  their checkpoint): each replayed stretch notes every write of the target's
  kind, and at its end, where the state is the one a snapshot was taken of,
  the object that stands in the watched one's place is found by walking both
  states in the same order (`_end_of_stretch`); the writes to it are the
  hits. The moments of those writes identify the object from then on
  (`Target.writes`): a later re-run, going back or forth, follows the
  object it writes at one of them, whatever name it has there.
"""

from __future__ import annotations

from .debug_values import EvaluationError, type_name
from .history import Position, Unrestorable, program_snapshot
from .machine import SpillArea, VMClosure
from .proto import FAR_BASE
from .travel import Goal
from .runtime.values import Module, ModuleMembers, StructInstance
from .watch import (
    FieldTarget, GlobalTarget, ItemTarget, RegisterTarget, UpvalueTarget, Watch, Watches, item_label, real_path,
)


class DataBreakpoints:
    """The data-breakpoint half of the debug controller (mixed into `Debugger`)."""

    def _init_data_breakpoints(self) -> None:
        self._data_breakpoints: list = []
        self._watches = Watches(find=self._find_lost)
        #: Writes of a re-made object's kind noted by the running replay: (position, hit).
        self._tentative: list = []
        #: Where the running reverse search began, and the snapshot of the program there.
        self._travel_from: Position | None = None
        self._reference = None
        #: Whether the program has been taken back in time this run (objects may have been re-made).
        self._travelled = False
        #: The (id(proto), pc) trapped for something else than data breakpoints.
        self._other_traps: set = set()
        #: The data breakpoint of a "who changed this?" search, gone at the stop it leads to.
        self._question = None

    # ------------------------------------------------------------ requests (the program is stopped)

    def data_target(self, level: int | None, scope=None, value=None, name: str = "", label: str | None = None):
        """What a data breakpoint on `name` would watch: a variable of scope
        `scope` (a ScopeKind) of frame `level`, or a part of `value` (a field,
        element, entry or module member). Raises EvaluationError saying why
        it cannot be watched."""
        from .debugger import ScopeKind

        if scope is not None:
            frame = self._frame(level)
            if scope is ScopeKind.REGISTERS:
                return self._register_target(frame, _register_number(name), name)
            if scope is ScopeKind.LOCALS:
                from .debugger import _live_locals

                register = _live_locals(frame.proto, frame.pc).get(name)
                if register is None:
                    raise EvaluationError(f"there is no local {name!r} here")
                return self._register_target(frame, register, name)
            if scope is ScopeKind.UPVALUES:
                cell = next((cell for cell in frame.upvalues() if cell.name == name), None)
                if cell is None:
                    raise EvaluationError(f"there is no upvalue {name!r} here")
                return UpvalueTarget(name, cell.upval, name)
            table = self._vm.globals_for(frame.proto)
            if name not in table:
                raise EvaluationError(f"there is no global {name!r}")
            return GlobalTarget(name, table, name, real_path(frame.proto.source_path))
        return _part_target(value, name, label)

    def data_target_of(self, level: int | None, text: str, frame=None, existing: bool = True):
        """The target an expression names (a client without a variables view
        asks by name): a variable in scope, or `<expression>.field`,
        `<expression>[index]` of a value worked out without calling anything,
        in frame `level` of the stopped program — or in `frame`, on the
        program's own thread. Without `existing`, an element or entry need
        not exist yet."""
        if frame is None:
            frames = self._stopped_frames()
            frame = self._frame(level if level is not None else 0) if frames else None
            evaluate = lambda code: self.evaluate(level, code, calls=False)  # noqa: E731
        else:
            evaluate = lambda code: self._evaluate_in(frame, code)  # noqa: E731
        text = text.strip()
        if text.isidentifier():
            return self._name_target(frame, text)
        parent, part = _split_access(text)
        if parent is None:
            raise EvaluationError(f"{text!r} names no variable, field or element (try `name`, `a.b` or `a[i]`)")
        value = evaluate(parent)
        if part.startswith("."):
            return _part_target(value, part[1:], text)
        return _part_target(value, evaluate(part[1:-1]), text, by_key=True, existing=existing)

    def _name_target(self, frame, name: str):
        """The variable `name` sees in `frame`: a local, an upvalue or a global."""
        from .debugger import _live_locals

        register = _live_locals(frame.proto, frame.pc).get(name) if frame is not None else None
        if register is not None and not self._is_global(frame, name):
            return self._register_target(frame, register, name)
        cell = next((cell for cell in frame.upvalues() if cell.name == name), None) if frame is not None else None
        if cell is not None:
            return UpvalueTarget(name, cell.upval, name)
        table = self._vm.globals_for(frame.proto) if frame is not None else {}
        if name in table:
            return GlobalTarget(name, table, name, real_path(frame.proto.source_path))
        raise EvaluationError(f"there is no variable {name!r} here")

    def _register_target(self, frame, register: int, label: str):
        """A local or register of `frame`: a captured one is watched as its upvalue."""
        if register >= FAR_BASE and not isinstance(frame.stack[frame.base], SpillArea) or \
                register < FAR_BASE and not 0 <= register < frame.size:
            raise EvaluationError(f"{label} is not a register of this frame")
        upval = self._vm.open_upvalue(frame, register)
        if upval is not None:
            from .debugger import _live_locals

            names = [name for name, held in _live_locals(frame.proto, frame.pc).items() if held == register]
            return UpvalueTarget(label.split(" ")[0], upval, names[0] if names else label)
        return RegisterTarget(label.split(" ")[0] if register < FAR_BASE else label, (frame.stack, frame.base),
                              frame.proto, register)

    def set_data_breakpoints(self, requests: list) -> list:
        """Replace the data breakpoints; their states."""
        from .debugger import BreakpointState, StopReason

        with self._lock:
            created = []
            for request in requests:
                breakpoint = self._new_breakpoint(StopReason.DATA_BREAKPOINT, request.condition, None)
                problem = breakpoint.problem
                if request.target is None:
                    problem = "this data breakpoint's target is not known here (ask dataBreakpointInfo again)"
                elif request.access_type not in (None, "write"):
                    problem = f"only writes can be watched, not {request.access_type!r} access"
                elif request.hit_condition is not None:
                    problem = "data breakpoints take a condition but no hit count"
                elif self.stop is not None and self._gone(request.target) is not None:
                    problem = f"`{request.target.label}` is gone: {self._gone(request.target)}"
                if problem is None:
                    breakpoint.watch = Watch(breakpoint, request.target)
                breakpoint.state = BreakpointState(breakpoint.id, problem is None, problem)
                created.append(breakpoint)
            self._data_breakpoints = created
            self._rewatch()
        return [breakpoint.state for breakpoint in created]

    def who_changed_plan(self, target):
        """Going back to the last write of `target` before here ("who changed
        this?"): reverse continue with a data breakpoint of its own on
        `target`, which lasts until the stop (the other breakpoints stop it
        too, as in any reverse continue)."""
        from .debugger import BreakpointState, StopReason

        self._stopped_frames()
        with self._lock:
            question = self._new_breakpoint(StopReason.DATA_BREAKPOINT, None, None)
            question.state = BreakpointState(question.id, True)
            question.watch = Watch(question, target)
            self._question = question
            self._rewatch()
        try:
            return self.reverse_continue_plan()
        except EvaluationError:
            self._end_question()
            raise

    def _end_question(self) -> None:
        if self._question is not None:
            self._question = None
            self._rewatch()

    def _rewatch(self) -> None:
        watches = [b.watch for b in self._data_breakpoints if b.watch is not None]
        if self._question is not None:
            watches.append(self._question.watch)
        self._watches.replace(watches)
        with self._lock:
            self._install()

    def _forget_data_breakpoints(self, why: str) -> None:
        """Remove every data breakpoint (a new run: their targets are gone)."""
        for breakpoint in self._data_breakpoints:
            if breakpoint.watch is not None:
                self._remove_watch(breakpoint, why, install=False)
        self._data_breakpoints = []
        self._question = None
        self._watches.replace([])

    # ------------------------------------------------------------ the program's thread

    def _add_watch_traps(self, traps: dict) -> None:
        """Add the watches' traps to `traps` (the others', by id(proto)), and
        note which traps are the watches' alone (see `_watch_trap`)."""
        self._other_traps = {(key, pc) for key, (_, pcs) in traps.items() for pc in pcs}
        if self._watches.active:
            protos = [proto for root in self._loaded.values() for proto in root.walk()]
            for key, (proto, pcs) in self._watches.traps(protos).items():
                traps.setdefault(key, (proto, set()))[1].update(pcs)

    def _watch_trap(self, frame, pc: int, key: tuple) -> bool:
        """The short way for a trap that only data breakpoints placed, while
        nothing else is going on (no step, pause or travel): whether it was
        that, and has been dealt with. Keeps their cost low in hot code."""
        if key in self._other_traps or self._step is not None or self._pause_requested \
                or self._entry or self._resume_stop is not None:
            return False
        hits = self._data_hits(frame, pc)
        if hits:
            self._suspend(self._stop_for(hits), Position(self._vm.ticks, pc, False, frame.proto, frame.depth))
        return True

    def _data_hits(self, frame, pc: int) -> list:
        """The data breakpoints the instruction before `pc` in `frame` made
        fire (their conditions checked), noting what the one at `pc` may write."""
        replay = self._replay
        hits, ended = self._watches.at(frame, pc, replay is not None)
        if ended and replay is None:
            for watch in ended:
                self._leave_frame(watch, frame)
        fired = []
        for hit in hits:
            breakpoint = hit.watch.breakpoint
            if replay is not None and not hit.watch.target.stable:
                position = Position(self._vm.ticks, pc, False, frame.proto, frame.depth)
                if isinstance(replay, Goal):
                    if hit.moment in hit.watch.target.writes or \
                            position == replay.position and breakpoint.id in replay.stop.breakpoint_ids:
                        hit.watch.target.follow(hit.container)  # the re-made object
                        hit.watch.lost = False
                else:
                    self._tentative.append((position, hit, self._data_condition_holds(breakpoint, frame)))
                continue
            if self._breakpoint_fires(breakpoint, frame):
                breakpoint.last_hit = hit
                fired.append(breakpoint)
        return fired

    def _leave_frame(self, watch, frame) -> None:
        """The watched local's function is returning: a closure that captured
        the variable keeps it (watched on as its upvalue); else it is gone."""
        from .debugger import _live_locals

        target = watch.target
        upval = self._vm.open_upvalue(frame, target.register)
        names = [name for name, register in _live_locals(frame.proto, frame.pc).items() if register == target.register]
        if upval is None or not names:
            self._remove_watch(watch.breakpoint, "its function returned")
            return
        watch.target = UpvalueTarget(target.label, upval, names[0])
        with self._lock:
            self._install()

    def _data_condition_holds(self, breakpoint, frame) -> bool:
        if breakpoint.condition is None:
            return True
        hits = breakpoint.hits
        try:
            return self._breakpoint_fires(breakpoint, frame)
        finally:
            breakpoint.hits = hits

    def _stop_for(self, fired: list):
        """The stop that breakpoints `fired` make (a data breakpoint's says what changed)."""
        from .debugger import Stop

        data = next((b for b in fired if b.watch is not None and b.last_hit is not None), None)
        if data is None:
            return Stop(fired[0].reason, tuple(b.id for b in fired))
        # The client knows no id for a "who changed this?" breakpoint.
        ids = tuple(b.id for b in [data, *(b for b in fired if b is not data)] if b is not self._question)
        return Stop(data.reason, ids, description=self._hit_text(data.last_hit))

    def _hit_text(self, hit) -> str:
        from .debugger import _line, source_path

        proto, pc = hit.writer
        where = f"line {_line(proto, pc)}"
        frames = self._vm.debug_frames()
        if not frames or source_path(frames[0].proto) != source_path(proto):
            where = f"{source_path(proto).rsplit('/', 1)[-1]}:{_line(proto, pc)}"
        return f"{hit.description} (written at {where})"

    def _remove_watch(self, breakpoint, why: str, install: bool = True) -> None:
        from .debugger import BreakpointState

        label = breakpoint.watch.target.label
        message = f"`{label}` is gone: {why}"
        breakpoint.watch = None
        breakpoint.state = BreakpointState(breakpoint.id, False, message)
        if breakpoint is self._question:
            self._end_question()
            return
        if install:
            self._rewatch()
        self._output.emit("console", f"data breakpoint removed: {message}\n")
        self._events.breakpoint_removed(breakpoint.state)

    def _check_watches(self) -> None:
        """The program is stopping: remove the watches whose targets are gone.
        After time travel, an object's part whose object the replay made
        again is found again by the expression that named it (its label)."""
        if self._question is not None and self._replay is None:
            self._end_question()  # the question is answered by this stop
        if not self._watches.active:
            return
        past = self.in_the_past()
        reachable = _Reachable(self)
        for breakpoint in list(self._data_breakpoints):
            watch = breakpoint.watch
            if watch is None:
                continue
            why = self._gone(watch.target, reachable)
            if why is not None and self._travelled and not isinstance(watch.target, RegisterTarget) \
                    and not _known_by_writes(watch.target):
                why = None if self._find_again(watch, swap=True) else why
            watch.lost = why is not None
            if why is not None and not past:
                self._remove_watch(breakpoint, why)

    def _find_lost(self, watch, container, moment: tuple) -> bool:
        """Whether a write of `container` at `moment` is one of a lost watch's
        target (which then follows it): an object is known by the moments the
        history wrote it; one never seen written, by the expression that named it."""
        target = watch.target
        if _known_by_writes(target):
            if moment not in target.writes:
                return False
            target.follow(container)
        elif not self._find_again(watch) or container is not target.container:
            return False
        watch.lost = False
        return True

    def _find_again(self, watch, swap: bool = False) -> bool:
        """Point the watch at what its label names now: an object of the same
        kind; with `swap`, a captured variable that is not captured yet here
        (in the past) is watched as the local it still is."""
        frames = self._vm.debug_frames()
        target = watch.target
        if not frames:
            return False
        try:
            found = self.data_target_of(0, target.label, frames[0], existing=False)
        except EvaluationError:
            return False
        if type(found) is type(target) and type(found.container) is type(target.container):
            target.follow(found.container)
            return True
        if swap and isinstance(target, UpvalueTarget) and isinstance(found, RegisterTarget):
            watch.target = found
            self._rewatch()
            return True
        return False

    def _gone(self, target, reachable: "_Reachable | None" = None) -> str | None:
        """Why `target` is gone, or None while the program can still reach it."""
        if isinstance(target, RegisterTarget):
            frames = self._vm.debug_frames()
            return None if any(target.matches(frame) for frame in frames) else "its function returned"
        holder = target.holder()
        if holder is None or (reachable or _Reachable(self))(holder):
            return None
        return "the program can no longer reach it"

    # ------------------------------------------------------------ time travel

    def reverse_continue_plan(self):
        return self._watching(super().reverse_continue_plan())

    def step_back_plan(self, instruction: bool):
        return self._watching(super().step_back_plan(instruction))

    def restart_frame_plan(self, level: int):
        return self._watching(super().restart_frame_plan(level))

    def _watching(self, plan):
        """Ready the watches for travelling by `plan`: the state here, where the
        searches end, tells which re-made object is the watched one."""
        self._travel_from, self._reference = None, None
        if any(not watch.target.stable for watch in self._watches.watches):
            try:
                self._reference = self._live_snapshot()
                self._travel_from = self._position
            except Unrestorable:
                pass
        for watch in self._watches.watches:
            watch.replay_container = watch.target.holder()
        return plan

    def _intervened(self) -> None:
        """A change at the present makes another future: what the history
        wrote after it is no longer known."""
        super()._intervened()
        if self._position is not None:
            now = (self._position.ticks, self._position.pc)
            for watch in self._watches.watches:
                watch.target.writes = {moment for moment in watch.target.writes if moment < now}

    def _restore_moment(self, extra: dict) -> None:
        super()._restore_moment(extra)
        self._travelled = True
        self._watches.forget_pending()
        self._tentative = []

    def _live_snapshot(self):
        """A snapshot of the program from the global tables of the modules
        loaded now (not those of the debugger's own expressions)."""
        tables = [self._vm.globals_for(root) for root in self._loaded.values()]
        return program_snapshot(self._vm, tables)

    def _end_of_stretch(self, plan) -> None:
        """A replay searching the past reached its end: keep the tentative
        writes that went to the watched objects themselves — their moments
        identify those objects in later re-runs, and a reverse continue
        stops at them."""
        tentative, self._tentative = self._tentative, []
        if not tentative:
            return
        reference = self._reference if plan.upper == self._travel_from else next(
            (c.snapshot for c in self._history.checkpoints if c.position == plan.upper), None)
        found = {}
        if reference is not None:
            try:
                fresh = self._live_snapshot()
            except Unrestorable:
                fresh = None
            for watch in {id(w): w for _, hit, _ in tentative for w in (hit.watch,)}.values():
                then = watch.replay_container
                now = reference.counterpart(fresh, then) if fresh is not None and then is not None else None
                watch.replay_container = now
                found[id(watch)] = now
        from .debugger import Stop, StopReason

        for position, hit, holds in tentative:
            holder = found.get(id(hit.watch))
            if holder is None or not hit.watch.target.same(hit.container, holder):
                continue
            hit.watch.target.writes.add(hit.moment)
            if plan.kind == "continue" and holds:
                ids = () if hit.watch.breakpoint is self._question else (hit.watch.breakpoint.id,)
                plan.candidates.append((position, Stop(StopReason.DATA_BREAKPOINT, ids,
                                                       description=self._hit_text(hit))))
        plan.candidates.sort(key=lambda candidate: candidate[0])


def _known_by_writes(target) -> bool:
    """Whether time travel has learnt when the history wrote a watched object
    (a struct's field, an element or an entry): re-made by a re-run, it is
    the one written at those moments, whatever names it there."""
    return bool(target.writes) and isinstance(target, (FieldTarget, ItemTarget))


class _Reachable:
    """Whether the stopped program can reach an object: one walk of its
    state, made when first asked (a state that cannot be walked reaches all)."""

    def __init__(self, debugger):
        self._debugger = debugger
        self._ids: set[int] | None = None
        self._all = False

    def __call__(self, item) -> bool:
        if self._ids is None:
            try:
                self._ids = program_snapshot(self._debugger._vm).saved_ids()
            except Unrestorable:
                self._ids = set()
                self._all = True
        return self._all or id(item) in self._ids


def _register_number(name: str) -> int:
    """`r3` or `r3 (x)` is register 3; `F2 (v)` is far slot 2."""
    head = name.split(" ")[0]
    try:
        if head[:1] == "r":
            return int(head[1:])
        if head[:1] == "F":
            return FAR_BASE + int(head[1:])
    except ValueError:
        pass
    raise EvaluationError(f"{name!r} is not a register")


def _part_target(value, name, label: str | None = None, by_key: bool = False, existing: bool = True):
    """The target for part `name` of `value` (a field, element, entry or module member)."""
    from .runtime.printing import to_repr

    kind = type(value)
    if kind is StructInstance:
        if name not in value.type.field_index:
            raise EvaluationError(f"{value.type.name} has no field {name!r}")
        return FieldTarget(label or f"{name}", value, name)
    if kind is list:
        try:
            index = name if by_key else int(name)
        except (TypeError, ValueError):
            raise EvaluationError(f"{name!r} is not an element index") from None
        if type(index) is not int or existing and not 0 <= index < len(value):
            raise EvaluationError(f"the array has no element {to_repr(index)}")
        return ItemTarget(label or f"[{index}]", value, index)
    if kind is dict:
        if by_key:
            key, found = name, name in value
        else:
            key = next((key for key in value if to_repr(key) == name), None)
            found = key is not None or any(to_repr(k) == name for k in value)
        if not found and existing:
            raise EvaluationError(f"the map has no key {name if not by_key else to_repr(name)}")
        return ItemTarget(label or item_label("", key), value, key)
    if kind is Module and type(value.members) is ModuleMembers:
        if name not in value.members:
            raise EvaluationError(f"module {value.name} has no member {name!r}")
        return GlobalTarget(label or f"{value.name}.{name}", value.members._bindings, name, real_path(value.path))
    if kind is VMClosure:
        index = next((index for index, desc in enumerate(value.proto.upvalues) if desc.name == name), None)
        if index is None:
            raise EvaluationError(f"the function captured no variable {name!r}")
        return UpvalueTarget(label or name, value.upvals[index], name)
    if kind is tuple or kind is str:
        raise EvaluationError(f"a {type_name(value)} is immutable: its parts never change")
    raise EvaluationError(f"the parts of a {type_name(value)} cannot be watched")


def _split_access(text: str) -> tuple[str | None, str]:
    """`a.b[c].d` as (`a.b[c]`, `.d`); `a[b]` as (`a`, `[b]`); (None, text) when it is neither."""
    if text.endswith("]"):
        depth = 0
        for index in range(len(text) - 1, -1, -1):
            depth += {"]": 1, "[": -1}.get(text[index], 0)
            if depth == 0:
                return (text[:index], text[index:]) if index > 0 else (None, text)
        return None, text
    head, dot, field = text.rpartition(".")
    if dot and head and field.isidentifier():
        return head, "." + field
    return None, text
