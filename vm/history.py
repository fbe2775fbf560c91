"""A running program's history, for a debugger that travels back in time:
checkpoints of its whole state, the journal of what it exchanged with the
world, and the budget both live in.

Design: checkpoints plus deterministic re-execution. The VM is deterministic
given what the program read from the world, so any past moment can be
rebuilt by restoring the last checkpoint before it and running forward to it
again, with the journal answering the program's reads and swallowing its
writes. A moment is named by a `Position`: the VM's tick count (the events
that can change the running frame or jump backwards: calls, returns,
backward jumps, generator switches, errors caught, nested loops entered and
left) and the pc about to run. Within one tick the VM runs straight-line code
in one frame, so the pc grows and the pair is unique and in execution order.

A checkpoint saves, in place: the contents of every mutable object the
program can reach (arrays, maps, struct fields, upvalues, generators, types,
module tables) and where each frame is. Restoring writes those contents back
into the same objects, so an object keeps its identity across time travel
(what a data breakpoint watches stays the same object); objects made after
the checkpoint are simply made again by the re-execution. A `for` loop's
iterator is rebuilt at its saved place. A checkpoint can only be taken where
no builtin is running Esker code (a callback of `map`, a module's top level
during `import`): Python's own frames cannot be saved.
"""

from __future__ import annotations

import operator
import sys
import types
from dataclasses import dataclass, field
from typing import Callable

from .machine import ABSENT, SpillArea, UpVal, VMClosure, VMGenerator
from .proto import Proto
from .runtime.errors import HostError
from .runtime.library import Entry
from .runtime import ops
from .runtime.values import (
    BoundMethod, Builtin, EnumType, EnumValue, Generator, Module, ModuleMembers, Range, StructInstance, StructType,
    VariantConstructor,
)

#: Values that hold nothing mutable: a walk stops at them (`object` is the VM's sentinels').
_LEAVES = frozenset({type(None), bool, int, float, str, Range, Builtin, VariantConstructor, Proto, object,
                     type(ABSENT), Entry})
#: The iterators a `for` loop keeps in a register; they are rebuilt at their place on restore.
_ITERATORS = frozenset({type(iter([])), type(iter(())), type(iter("")), type(iter("é")), type(iter(range(0))),
                        type(iter(range(2 ** 70))), enumerate, ops.MapEntries})


class Unrestorable(Exception):
    """The program's state holds something a checkpoint cannot save."""


@dataclass(frozen=True, order=True)
class Position:
    """A moment of a run: before instruction `pc` runs in tick `ticks` (or,
    with `throw`, while it throws). `proto` and `depth` say where that is."""

    ticks: int
    pc: int
    throw: bool = False
    proto: object = field(default=None, compare=False, repr=False)
    depth: int = field(default=0, compare=False)


# ----------------------------------------------------------------- snapshots

class Snapshot:
    """The contents of every mutable object reachable from `roots`, saved so
    that `restore` writes them back into the same objects. `size` estimates
    the bytes it keeps alive (the saved contents and the objects)."""

    def __init__(self, roots: list, opaque: set[int]):
        self._saved: list[tuple[object, object]] = []
        self._iterators: list[tuple[object, tuple]] = []
        #: The lists (registers) that hold an iterator: restored with fresh ones in their place.
        self._holders: set[int] = set()
        self.size = 0
        self._walk(roots, opaque)

    def _walk(self, roots: list, opaque: set[int]) -> None:
        seen = set(opaque)
        pending = list(roots)
        saved, size = self._saved, 0
        while pending:
            item = pending.pop()
            kind = type(item)
            if kind in _LEAVES or id(item) in seen:
                continue
            seen.add(id(item))
            if kind is list:
                state = list(item)
                kinds = set(map(type, state))
                if not kinds <= _LEAVES:
                    pending.extend(state)
                    if not kinds.isdisjoint(_ITERATORS):
                        self._holders.add(id(item))
            elif kind is tuple:
                pending.extend(item)
                continue
            elif kind is dict:
                state = list(item.items())
                pending.extend(item.values())
            else:
                state = self._other(item, kind, pending)
                if state is None:
                    continue
            saved.append((item, state))
            size += sys.getsizeof(state) + sys.getsizeof(item)
        self.size = size

    def _other(self, item, kind, pending: list):
        """The saved state of an object that is not a list, dict or tuple
        (None: nothing of its own to save), queueing what it refers to."""
        if kind is StructInstance:
            pending.append(item.values)
            pending.append(item.type)
            return None
        if kind is EnumValue:
            if item.payload is not None:
                pending.append(item.payload)
            return None
        if kind is VMClosure:
            pending.extend(item.upvals)
            return None
        if kind is UpVal:
            pending.append(item.cells)
            return item.cells, item.index, item.open
        if kind is SpillArea:
            pending.extend(item)
            pending.extend(item.opens.values())
            return list(item), dict(item.opens)
        if kind is VMGenerator:
            pending.extend((item.closure, item.stack, item.opens, item.consumer))
            return (item.closure, item.stack, item.opens, item.pc, item.state, item.resumer, item.consumer,
                    item.resume_at)
        if kind is StructType:
            pending.extend(item.defaults)
            pending.extend(item.methods.values())
            pending.extend(item.static_methods.values())
            return list(item.defaults), dict(item.methods), dict(item.static_methods)
        if kind is EnumType:
            pending.extend(item.methods.values())
            pending.extend(item.static_methods.values())
            return dict(item.methods), dict(item.static_methods)
        if kind is Module:
            pending.append(item.members)
            return None
        if kind is BoundMethod:
            pending.append(item.receiver)
            pending.append(item.method)
            return None
        if kind is ModuleMembers:
            pending.append(item._bindings)  # the module's global table: its members are read live
            return None
        if kind is types.FunctionType:
            # A struct field's default: a Python closure over the thunk that computes it.
            pending.extend(cell.cell_contents for cell in item.__closure__ or ())
            return None
        if kind in _ITERATORS:
            recipe = _recipe(item)
            self._iterators.append((item, recipe))
            pending.extend(_recipe_parts(recipe))
            return None
        raise Unrestorable(f"a {getattr(item, 'name', None) or kind.__name__} generator made by a builtin"
                           if isinstance(item, Generator) else f"a {kind.__name__} value")

    def saved_ids(self) -> set[int]:
        """The ids of the objects saved (lists, dicts, upvalues ...): what the
        program could reach."""
        return {id(item) for item, _ in self._saved}

    def counterpart(self, other: "Snapshot", item):
        """The object of `other` in the place of this snapshot's `item`, when
        both were taken of the same state of a program (a replay re-makes the
        objects made since its checkpoint; both walks meet them in the same
        order). None when `item` was not saved here or the states differ."""
        if len(other._saved) != len(self._saved):
            return None
        for (mine, _), (theirs, _) in zip(self._saved, other._saved):
            if mine is item:
                return theirs if type(theirs) is type(mine) else None
        return None

    def changed(self) -> bool:
        """Whether any saved object's contents differ from what was saved
        (iterators aside: only the program's own stepping moves them)."""
        return not all(_SAME[type(item)](item, state) for item, state in self._saved)

    def restore(self) -> dict[int, object]:
        """Write the saved contents back. Iterators are made afresh at their
        saved places; the map from old iterator ids to new ones is returned
        (the frames that hold them are rewritten with it too)."""
        fresh = {id(old): _rebuild(recipe) for old, recipe in self._iterators}
        for item, state in self._saved:
            kind = type(item)
            if kind is list:
                item[:] = [fresh.get(id(value), value) for value in state] if id(item) in self._holders else state
            elif kind is dict:
                item.clear()
                item.update(state)
            elif kind is UpVal:
                item.cells, item.index, item.open = state
            elif kind is SpillArea:
                item[:] = [fresh.get(id(value), value) for value in state[0]]
                item.opens.clear()
                item.opens.update(state[1])
            elif kind is VMGenerator:
                (item.closure, item.stack, item.opens, item.pc, item.state, item.resumer, item.consumer,
                 item.resume_at) = state
            elif kind is StructType:
                item.defaults[:], methods, statics = state
                _refill(item.methods, methods)
                _refill(item.static_methods, statics)
            elif kind is EnumType:
                _refill(item.methods, state[0])
                _refill(item.static_methods, state[1])
        return fresh


_SAME = {
    list: lambda item, state: len(item) == len(state) and all(map(operator.is_, item, state)),
    dict: lambda item, state: len(item) == len(state) and all(
        key is old_key and value is old_value for (key, value), (old_key, old_value) in zip(item.items(), state)),
    UpVal: lambda item, state: item.cells is state[0] and item.index == state[1] and item.open == state[2],
    SpillArea: lambda item, state: _SAME[list](item, state[0]) and item.opens == state[1],
    VMGenerator: lambda item, state: all(map(operator.is_, (item.closure, item.stack, item.opens, item.pc,
                                                             item.state, item.resumer, item.consumer,
                                                             item.resume_at), state)),
    StructType: lambda item, state: (_SAME[list](item.defaults, state[0]) and item.methods == state[1]
                                     and item.static_methods == state[2]),
    EnumType: lambda item, state: item.methods == state[0] and item.static_methods == state[1],
}


def _refill(mapping: dict, items: dict) -> None:
    mapping.clear()
    mapping.update(items)


def _recipe(iterator) -> tuple:
    """How to make `iterator` again at its current place: its reduction, with
    an inner iterator's (enumerate's) reduced too."""
    reduced = iterator.__reduce__()
    make, arguments = reduced[0], reduced[1]
    arguments = tuple(("iterator", _recipe(value)) if type(value) in _ITERATORS else ("value", value)
                      for value in arguments)
    return make, arguments, reduced[2] if len(reduced) > 2 else None


def _recipe_parts(recipe: tuple) -> list:
    """The values a recipe refers to (the array an iterator walks)."""
    parts = []
    for kind, value in recipe[1]:
        parts.extend(_recipe_parts(value) if kind == "iterator" else (value,))
    return parts


def _rebuild(recipe: tuple):
    make, arguments, state = recipe
    iterator = make(*(_rebuild(value) if kind == "iterator" else value for kind, value in arguments))
    if state is not None:
        iterator.__setstate__(state)
    return iterator


# ----------------------------------------------------------------- checkpoints

@dataclass(eq=False)
class Checkpoint:
    """Everything needed to run the program on from `position`: the snapshot
    of its objects, its frames and innermost frame, its modules, the place in
    the journal, and what the debugger keeps per moment (`extra`)."""

    position: Position
    snapshot: Snapshot
    frames: list
    top: tuple
    opens: tuple
    modules: dict
    journal: tuple[int, int]
    extra: dict
    size: int
    #: Made where a change was made to the program at the present: re-running the past
    #: up to here must go on from this checkpoint, not from what the re-run reaches.
    barrier: bool = False
    #: Taken by a step back where its search began (see `History.add_passing`).
    passing: bool = False

    def restore(self, vm) -> tuple:
        """Put the VM back as it was; the arguments of `vm.resume_state`."""
        self.snapshot.restore()
        vm.ticks = self.position.ticks - 1  # resuming is entering a nested loop: one tick
        vm.rewind_modules(self.modules)
        closure, stack, base, pc = self.top
        loop_opens, opens = self.opens
        return list(self.frames), closure, stack, base, loop_opens, opens, pc


def program_snapshot(vm, tables: list | None = None) -> Snapshot:
    """A snapshot of everything the stopped program can reach (raises
    Unrestorable when it holds what cannot be saved); `tables`: the global
    tables to start from, when not every one the VM has made."""
    closure, stack, base, pc, loop_opens, opens = vm.current_state()
    roots = [closure, stack, loop_opens, opens, list(vm.frames), list(vm._modules.values()),
             list(vm.globals_tables()) if tables is None else tables]
    return Snapshot(roots, {id(vm), id(vm.builtins), *map(id, vm.decoded_code())})


def take_checkpoint(vm, position: Position, journal: tuple[int, int], extra: dict) -> Checkpoint:
    """A checkpoint of `vm` stopped at `position` (between two instructions,
    with no builtin running Esker code: `vm.restorable()`). Raises
    Unrestorable when its state holds what cannot be saved."""
    closure, stack, base, pc, loop_opens, opens = vm.current_state()
    snapshot = program_snapshot(vm)
    return Checkpoint(position, snapshot, list(vm.frames), (closure, stack, base, pc), (loop_opens, opens),
                      dict(vm._modules), journal, extra, snapshot.size + sys.getsizeof(vm.frames))


#: Checkpoints a step back takes: at most this many, each at most 1/PASSING_SHARE of the budget.
PASSING_KEPT = 8
PASSING_SHARE = 256


class History:
    """The checkpoints of a run, oldest first, within a budget of bytes: when
    a new one would pass it, the oldest are dropped (the first one left is
    the start of the recorded history)."""

    def __init__(self, budget: int):
        self.budget = budget
        self.checkpoints: list[Checkpoint] = []
        self.size = 0

    def add(self, checkpoint: Checkpoint) -> None:
        """Keep `checkpoint`, in the order of positions (usually the latest)."""
        at = len(self.checkpoints)
        while at > 0 and self.checkpoints[at - 1].position > checkpoint.position:
            at -= 1
        self.checkpoints.insert(at, checkpoint)
        self.size += checkpoint.size
        while self.size > self.budget and len(self.checkpoints) > 1:
            self.size -= self.checkpoints.pop(0).size
        if self.size > self.budget:
            self.clear()

    def add_passing(self, checkpoint: Checkpoint) -> bool:
        """Keep a checkpoint that only speeds up stepping back near it: when
        it is small (at most PASSING_SHARE of the budget), and only the latest
        PASSING_KEPT of them, so that it never costs older history much."""
        if checkpoint.size * PASSING_SHARE > self.budget:
            return False
        passing = [kept for kept in self.checkpoints if kept.passing]
        for old in passing[:max(len(passing) + 1 - PASSING_KEPT, 0)]:
            self.checkpoints.remove(old)
            self.size -= old.size
        checkpoint.passing = True
        self.add(checkpoint)
        return True

    def clear(self) -> None:
        self.checkpoints.clear()
        self.size = 0

    def floor(self, position: Position) -> Checkpoint | None:
        """Where replaying towards `position` can start from at the earliest
        and go on without a break: the last barrier at or before it, else the
        start."""
        found = self.start
        for checkpoint in self.checkpoints:
            if checkpoint.position > position:
                break
            if checkpoint.barrier:
                found = checkpoint
        return found

    def barrier_after(self, position: Position) -> Checkpoint | None:
        """The first barrier after `position`, if any."""
        return next((checkpoint for checkpoint in self.checkpoints
                     if checkpoint.barrier and checkpoint.position > position), None)

    def drop_after(self, position: Position) -> None:
        """Forget the checkpoints after `position` (their future was changed)."""
        while self.checkpoints and self.checkpoints[-1].position > position:
            self.size -= self.checkpoints.pop().size

    def before(self, position: Position, strictly: bool = False) -> Checkpoint | None:
        """The last checkpoint at (or strictly before) `position`."""
        found = None
        for checkpoint in self.checkpoints:
            if checkpoint.position > position or (strictly and checkpoint.position == position):
                break
            found = checkpoint
        return found

    def after(self, checkpoint: Checkpoint) -> Checkpoint | None:
        index = self.checkpoints.index(checkpoint)
        return self.checkpoints[index + 1] if index + 1 < len(self.checkpoints) else None

    @property
    def start(self) -> Checkpoint | None:
        return self.checkpoints[0] if self.checkpoints else None


# ----------------------------------------------------------------- the journal

class Journal:
    """What the program exchanged with the world, in order. Reads are kept
    with what they returned, as (kind, value) entries; running at the live
    edge appends, re-running the past reads from `cursor` (`replaying` says
    which), so reads get what they got then. Writes are only counted: a
    re-run makes the same ones, and those up to `written` (the furthest any
    run has gone) were made already and are not made twice."""

    def __init__(self):
        self.entries: list[tuple[str, object]] = []
        self.cursor = 0
        self.size = 0
        #: Writes made by this run so far, and by the furthest run.
        self.writes = 0
        self.written = 0

    @property
    def place(self) -> tuple[int, int]:
        """Where this run is in the journal (saved with a checkpoint)."""
        return self.cursor, self.writes

    def go_to(self, place: tuple[int, int]) -> None:
        self.cursor, self.writes = place

    @property
    def replaying(self) -> bool:
        return self.cursor < len(self.entries)

    def record(self, kind: str, value) -> None:
        self.entries.append((kind, value))
        self.cursor = len(self.entries)
        self.size += sys.getsizeof(value) + 64

    def replay(self, kind: str):
        """The value the next entry recorded; it must be of `kind`."""
        recorded_kind, value = self.entries[self.cursor]
        if recorded_kind != kind:
            raise Diverged(f"the program asked for {kind} where it had asked for {recorded_kind}")
        self.cursor += 1
        return value

    def write(self) -> bool:
        """Count a write: whether it must really be made (it was not yet)."""
        self.writes += 1
        if self.writes <= self.written:
            return False
        self.written = self.writes
        return True


class Diverged(Exception):
    """Re-running the past did not do what the first run did (a fault of ours)."""


class RecordingHost:
    """The host of a program whose history is kept: every exchange with the
    world goes through the journal (the host contract of vm/runtime/host.py).

    Effects (writes to the streams and files, removing files) are counted and
    made once: re-running the past does not make them again. Observations
    (standard input, the clock, the environment, files read) are recorded
    with their results — a HostError too — and answered from the journal
    when the past is re-run. An expression evaluated by the debugger is no
    part of the program: `evaluating()` says when one runs, and
    `in_the_past()` whether it may not act on the world (then effects and
    reads of standard input are refused with `refuse(message)`, an exception)."""

    def __init__(self, host, journal: Journal, evaluating: Callable[[], bool], in_the_past: Callable[[], bool],
                 refuse: Callable[[str], Exception]):
        self._host = host
        self._journal = journal
        self._evaluating = evaluating
        self._in_the_past = in_the_past
        self._refuse = refuse
        self.args = host.args
        self.platform = host.platform

    def _effect(self, name: str, *arguments) -> None:
        if self._evaluating():
            if self._in_the_past():
                raise self._refuse(f"in the past, evaluation cannot act on the world ({name})")
            getattr(self._host, name)(*arguments)
        elif self._journal.write():
            getattr(self._host, name)(*arguments)

    def _observe(self, name: str, *arguments):
        if self._evaluating():
            if name in _INPUT and self._in_the_past():
                raise self._refuse("in the past, evaluation cannot read standard input")
            return getattr(self._host, name)(*arguments)
        return self._observe_with(name, lambda: getattr(self._host, name)(*arguments))

    def write(self, text: str) -> None:
        self._effect("write", text)

    def write_error(self, text: str) -> None:
        self._effect("write_error", text)

    def flush(self) -> None:
        self._host.flush()

    def write_file(self, path: str, text: str) -> None:
        self._effect("write_file", path, text)

    def append_file(self, path: str, text: str) -> None:
        self._effect("append_file", path, text)

    def remove(self, path: str) -> None:
        self._effect("remove", path)

    def read_line(self):
        return self._observe("read_line")

    def read_all(self):
        return self._observe("read_all")

    def clock(self):
        return self._observe("clock")

    def env(self, name: str):
        return self._observe("env", name)

    def read_file(self, path: str):
        return self._observe("read_file", path)

    def exists(self, path: str):
        return self._observe("exists", path)

    def read_lines(self, path: str):
        """Opening the file is an observation (it can fail), and so is each line."""
        if self._evaluating():
            return self._host.read_lines(path)
        opened = {}

        def open_lines():
            opened["lines"] = self._host.read_lines(path)
            return True
        self._observe_with("read_lines", open_lines)
        return _JournaledLines(self, path, opened.get("lines"))

    def _observe_with(self, name: str, live: Callable[[], object]):
        """An observation made by `live()` at the live edge."""
        journal = self._journal
        if journal.replaying:
            result = journal.replay(name)
        else:
            try:
                result = live()
            except HostError as error:
                result = _Failed(error)
            journal.record(name, result)
        if type(result) is _Failed:
            raise HostError(result.error.reason, result.error.path)
        return result


#: The observations that take standard input.
_INPUT = frozenset({"read_line", "read_all"})


class _Failed:
    """A host call that failed, as the journal keeps it."""

    __slots__ = ("error",)

    def __init__(self, error: HostError):
        self.error = error


class _JournaledLines:
    """The lines of a file read through the journal: each one recorded at
    the live edge, answered from the journal in a re-run of the past. A
    re-run that reaches the live edge part way opens the file and goes on
    after the lines already taken."""

    def __init__(self, host: RecordingHost, path: str, lines):
        self._host = host
        self._path = path
        self._lines = lines
        self._taken = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._host._observe_with("read_lines.next", self._next_live)
        if line is _END:
            raise StopIteration
        self._taken += 1
        return line

    def _next_live(self):
        if self._lines is None:
            self._lines = self._host._host.read_lines(self._path)
            for _ in range(self._taken):
                next(self._lines, None)
        return next(self._lines, _END)


#: What the journal records when a file's lines are all taken.
_END = type("EndOfLines", (), {"__repr__": lambda self: "<end of the lines>"})()
