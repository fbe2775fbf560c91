"""Data breakpoints: watching one variable, field, element or map entry of a
running program and stopping right after an instruction changes it.

The debug controller (vm/debugger.py) owns the breakpoints; this module knows
what can be watched and which instructions can write it. A watch costs
nothing until it is set: then the instructions that might write its target
are trapped — for a local, the instructions of its function that write its
register; for a field, every `SETFIELD` of that name; for an element or an
entry, every `SETINDEX` and the calls of the methods that change arrays and
maps in place. When such an instruction is about to run, the watch notes the
target's value (`before`); the next trap in the same frame — its successors
are trapped too, so that is the very next instruction — compares (`after`).
A different value is a hit: the program stops there, after the writing
instruction, with a description such as "`count` changed: 10 → 11".

A value counts as changed when it is another value: ints, floats, strings
and booleans are compared by value (`x = x + 0` changes nothing), everything
else by identity (a new array with the same elements is another array;
pushing onto the watched element's array is no write of the element).

Targets are kept by identity: a local by its frame's place on the stack, a
global by its module's table, an upvalue, a struct's fields, an array or a map
as the object itself — so a field stays watched after the frame that showed it
returns, for as long as the object is reachable. Re-running the past for time
travel re-makes the objects made since the checkpoint it starts from; there a
watch on an object matches writes to any object of its kind (`tentative`
hits), and the controller keeps those whose object turns out to be the
watched one (see `Debugger._end_of_stretch`). The moments of those writes
(`Target.writes`) identify the object in every later re-run: the object a
re-run writes at one of them is the watched one, made again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from .disassembler import _constant_index
from .opcodes import decode
from .proto import FAR_BASE
from .runtime.printing import to_repr
from .runtime.values import Module, ModuleMembers, StructInstance

#: What a watched place holds when it does not exist (an element past the end, a removed key).
GONE = type("Gone", (), {"__repr__": lambda self: "<gone>"})()

#: The methods that change an array or a map in place (each is checked against the builtins
#: table by the tests); a call of one of these names may write any element or entry.
MUTATING_METHODS = frozenset({"push", "pop", "insert", "remove_at", "reverse", "sort", "remove", "set_default",
                              "update"})

#: Instructions with an A register that they only read (or that is no register).
_READS_A = frozenset({
    "SETFAR", "SETUPVAL", "SETGLOBAL", "DEFGLOBAL", "SETLIST", "SETPAIRS", "CHECKKEY", "SETINDEX", "SETFIELD",
    "CHECKLEN", "EQ", "LT", "LE", "GT", "GE", "EQK", "EQI", "LTI", "LEI", "GTI", "GEI", "LTK", "LEK", "GTK", "GEK",
    "TEST", "TESTARG", "JMP", "TESTTUPLE", "TESTARRAY", "TESTARRAYMIN", "TESTRANGE", "TESTVARIANT", "TESTSTRUCT",
    "MATCHERROR", "TAILCALL", "TAILMETHOD", "RETURN", "RETURN0", "CLOSE", "GENSTART", "THROW", "RETHROW", "FAIL",
    "SETMETHOD", "SETDEFAULT", "EXTRAARG",
})
#: Calls: the result lands in R[A], and the callee's window (above A) reuses the registers there.
_CALLS = frozenset({"CALL", "METHOD", "CALLX"})
#: Where a function's frame ends.
_LEAVING = frozenset({"RETURN", "RETURN0", "TAILCALL", "TAILMETHOD"})
#: Instructions that run the following JMP or skip it.
_SKIPPING = frozenset({"TESTSET", "FORPREP", "FORLOOP", "FORITER", "LFALSESKIP"})

#: A probe: given the frame about to run a writer, the container it may write (None: not the target's kind).
Probe = Callable[[object], object]


def writes_register(proto, pc: int, register: int) -> bool:
    """Whether instruction `pc` of `proto` can write register `register`
    (a far slot from FAR_BASE on): errs on the side of yes."""
    decoded = decode(proto.code[pc])
    name, a = decoded.info.name, decoded.a
    if register >= FAR_BASE:
        return name == "SETFAR" and decoded.bx == register - FAR_BASE
    if name in ("FORPREP", "FORLOOP", "FORITER"):
        return register in (a, a + 2, a + 3)
    if name in _READS_A or decoded.info.a != "R":
        return False
    if name in _CALLS:
        return register >= a
    if name in ("LOADNIL", "RESTORE"):
        return a <= register <= a + decoded.b
    if name == "UNPACK":
        return a <= register < a + max(decoded.c, 1)
    return register == a


def successors(proto, pc: int) -> set[int]:
    """The instructions that can run right after `pc` in the same frame
    (a call's: the one after it, once the callee returns)."""
    following = {pc + 1}
    decoded = decode(proto.code[pc])
    if decoded.info.name in _SKIPPING or decoded.info.skips:
        following.add(pc + 2)
        if pc + 1 < len(proto.code):
            jump = decode(proto.code[pc + 1])
            if jump.info.name == "JMP":
                following.add(pc + 2 + jump.sj)
    return {target for target in following if 0 <= target < len(proto.code)}


def _constant(proto, pc: int, index: int):
    index = _constant_index(proto, pc, index)
    return proto.constants[index] if index < len(proto.constants) else None


def _method_name(proto, pc: int) -> str | None:
    """The method a METHOD, TAILMETHOD or CALLX instruction calls (None: a plain call)."""
    decoded = decode(proto.code[pc])
    name = decoded.info.name
    if name in ("METHOD", "TAILMETHOD"):
        return _constant(proto, pc, decoded.c)
    if name == "CALLX":
        descriptor = _constant(proto, pc, decoded.c)
        return descriptor[0] if isinstance(descriptor, tuple) and descriptor else None
    return None


def _same(old, new) -> bool:
    if old is new:
        return True
    kind = type(old)
    return kind is type(new) and kind in (int, float, str, bool) and old == new


def shown(value) -> str:
    """A value as a stop's description shows it (short)."""
    from .debug_values import summary

    return "(not set)" if value is GONE else summary(value, 40)


# ----------------------------------------------------------------- targets

@dataclass(eq=False)
class Target:
    """Something a data breakpoint watches. `label` names it for people;
    `container` is the object whose part it is (rebound by time travel for
    the objects a replay makes again)."""

    label: str
    container: object
    #: The moments, as (ticks, pc) of the writing instruction, at which the recorded history
    #: wrote the watched object: what identifies it again in a re-run that makes it anew.
    writes: set = field(default_factory=set, init=False)

    #: Stable targets live in objects that keep their identity through time travel.
    stable = True

    def read(self):
        return self.read_in(self.container)

    def read_in(self, container):
        raise NotImplementedError

    def probes(self, proto, vm) -> dict[int, Probe]:
        """The instructions of `proto` that may write the target, each with its probe."""
        raise NotImplementedError

    def frame_probe(self, proto) -> set[int]:
        """The instructions of `proto` where the target's frame ends (frame-bound targets)."""
        return set()

    def holder(self):
        """The object whose reachability keeps the target alive (None: always alive)."""
        return self.holder_of(self.container) if not self.stable else None

    def holder_of(self, container):
        """The object a snapshot saves for `container` (vm/history.py)."""
        return container

    def same(self, container, holder) -> bool:
        """Whether a write into `container` is a write of the target kept in `holder`."""
        return self.holder_of(container) is holder

    def noted(self, container, proto, pc: int):
        """The value before instruction `pc` of `proto` writes the target."""
        return self.read_in(container)

    def follow(self, container) -> None:
        """Watch `container` from now on (the object a replay made again)."""
        self.container = container


@dataclass(eq=False)
class RegisterTarget(Target):
    """Register (or far slot) `register` of the frame at `base` on `stack`
    running `proto`; `container` is that (stack, base) place."""

    proto: object = None
    register: int = 0

    def read_in(self, container):
        stack, base = container
        if self.register >= FAR_BASE:
            area = stack[base] if base < len(stack) else None
            slot = self.register - FAR_BASE
            return area[slot] if isinstance(area, list) and slot < len(area) else GONE
        index = base + self.register
        return stack[index] if index < len(stack) else GONE

    def noted(self, container, proto, pc: int):
        # A register holds leftovers until its variable's declaration sets it.
        if self.register < FAR_BASE and any(record.register == self.register for record in proto.locals) \
                and not any(record.register == self.register for record in proto.locals_at(pc)):
            return GONE
        return self.read_in(container)

    def matches(self, frame) -> bool:
        stack, base = self.container
        return frame.proto is self.proto and frame.base == base and frame.stack is stack

    def probes(self, proto, vm) -> dict[int, Probe]:
        if proto is not self.proto:
            return {}
        place = self.container
        probe = lambda frame: place if self.matches(frame) else None  # noqa: E731
        return {pc: probe for pc in range(len(proto.code)) if writes_register(proto, pc, self.register)}

    def frame_probe(self, proto) -> set[int]:
        if proto is not self.proto:
            return set()
        return {pc for pc in range(len(proto.code)) if decode(proto.code[pc]).info.name in _LEAVING}


@dataclass(eq=False)
class GlobalTarget(Target):
    """Top-level name `name` of the module in file `path`; `container` is
    its table of bindings (the same table however often time travel
    re-runs the module's import; the target follows the table it is
    written in)."""

    name: str = ""
    path: str = ""

    def read_in(self, container):
        return container.get(self.name, GONE)

    def probes(self, proto, vm) -> dict[int, Probe]:
        found = {}
        for pc, word in enumerate(proto.code):
            decoded = decode(word)
            kind = decoded.info.name
            if kind in ("SETGLOBAL", "DEFGLOBAL") and _constant(proto, pc, decoded.bx) == self.name \
                    and real_path(proto.source_path) == self.path:
                found[pc] = lambda frame: self._follow(vm.globals_for(frame.proto))
            elif kind == "SETFIELD" and _constant(proto, pc, decoded.c) == self.name:
                found[pc] = _register_probe(decoded.a, lambda value: type(value) is Module and value.path is not None
                                            and real_path(value.path) == self.path and self._follow(_bindings(value)))
        return found

    def _follow(self, table):
        if table is not None:
            self.container = table
        return table


@dataclass(frozen=True, eq=False)
class Place:
    """A register (or far slot) that a closure has not captured yet: `cells[index]`."""

    cells: list
    index: int


@dataclass(eq=False)
class UpvalueTarget(Target):
    """A captured variable named `name`; `container` is its upvalue cell.
    Before the closure captured it, the variable was a register of the frame
    that declared it: a write there (found while the past is replayed) is a
    write of the upvalue that started at that place (`UpVal.home`)."""

    name: str = ""
    stable = False

    def read_in(self, container):
        if type(container) is Place:
            return container.cells[container.index]
        return container.get()

    def same(self, container, holder) -> bool:
        if type(container) is Place:
            return holder.home[0] is container.cells and holder.home[1] == container.index
        return container is holder

    def follow(self, container) -> None:
        if type(container) is not Place:
            self.container = container

    def noted(self, container, proto, pc: int):
        if type(container) is Place and not any(record.name == self.name for record in proto.locals_at(pc)):
            return GONE  # the declaration is setting the variable
        return self.read_in(container)

    def probes(self, proto, vm) -> dict[int, Probe]:
        found = {}
        for pc, word in enumerate(proto.code):
            decoded = decode(word)
            if decoded.info.name == "SETUPVAL" and decoded.bx < len(proto.upvalues) \
                    and proto.upvalues[decoded.bx].name == self.name:
                found[pc] = lambda frame, index=decoded.bx: frame.closure.upvals[index]
        # While open, the variable is a register of the frame that declared it.
        for record in proto.locals:
            if record.name != self.name:
                continue
            register = record.register
            for pc in range(len(proto.code)):
                if pc not in found and writes_register(proto, pc, register):
                    found[pc] = lambda frame, register=register: vm.open_upvalue(frame, register) \
                        or _place(frame, register)
        return found


@dataclass(eq=False)
class FieldTarget(Target):
    """Field `name` of a struct instance (`container`)."""

    name: str = ""
    stable = False

    def read_in(self, container):
        slot = container.type.field_index.get(self.name)
        return container.values[slot] if slot is not None else GONE

    def probes(self, proto, vm) -> dict[int, Probe]:
        found = {}
        for pc, word in enumerate(proto.code):
            decoded = decode(word)
            if decoded.info.name == "SETFIELD" and _constant(proto, pc, decoded.c) == self.name:
                found[pc] = _register_probe(decoded.a, lambda value: type(value) is StructInstance and value)
        return found

    def holder_of(self, container):
        return container.values


@dataclass(eq=False)
class ItemTarget(Target):
    """Element `key` of an array, or the entry of `key` in a map (`container`)."""

    key: object = None
    stable = False

    def read_in(self, container):
        if type(container) is dict:
            return container.get(self.key, GONE)
        return container[self.key] if 0 <= self.key < len(container) else GONE

    def probes(self, proto, vm) -> dict[int, Probe]:
        found = {}
        kind = type(self.container)
        wanted = lambda value: type(value) is kind and value  # noqa: E731
        for pc, word in enumerate(proto.code):
            decoded = decode(word)
            if decoded.info.name == "SETINDEX" or _method_name(proto, pc) in MUTATING_METHODS:
                found[pc] = _register_probe(decoded.a, wanted)
        return found


def _place(frame, register: int) -> Place:
    if register >= FAR_BASE:
        return Place(frame.stack[frame.base], register - FAR_BASE)
    return Place(frame.stack, frame.base + register)


def _register_probe(register: int, accept: Callable[[object], object]) -> Probe:
    """A probe that looks at the value in `register` of the writing frame."""
    def probe(frame):
        return accept(frame.stack[frame.base + register]) or None
    return probe


def _bindings(value):
    """The table of bindings behind a module value (None for other values)."""
    if type(value) is Module and type(value.members) is ModuleMembers:
        return value.members._bindings
    return None


def real_path(path: str) -> str:
    """One name per file, as the debugger names them."""
    return os.path.normcase(os.path.realpath(path))


def item_label(parent: str, key) -> str:
    return f"{parent}[{to_repr(key)}]"


# ----------------------------------------------------------------- the watches of a run

@dataclass(eq=False)
class Watch:
    """A data breakpoint's target and its state in the running program."""

    breakpoint: object
    target: Target
    #: Where the target is followed during a replay (None: not found there).
    replay_container: object = None
    #: Time travel left the watched object behind and its label named none yet: found again at a write.
    lost: bool = False


@dataclass(frozen=True)
class Hit:
    """A change of a watched target: who wrote it (`writer`, a (proto, pc)) and how."""

    watch: Watch
    container: object
    old: object
    new: object
    writer: tuple
    #: The moment of the write: (ticks, pc) of the writing instruction.
    moment: tuple = (0, 0)

    @property
    def description(self) -> str:
        return f"`{self.watch.target.label}` changed: {shown(self.old)} → {shown(self.new)}"


@dataclass(eq=False)
class Watches:
    """The data breakpoints of a run: their traps, and the values noted
    before a writing instruction runs, by frame."""

    vm: object = None
    watches: list[Watch] = field(default_factory=list)
    #: Whether any data breakpoint is set (tested on every trap).
    active: bool = False
    #: find(watch, container, moment): whether a write of `container` at `moment` ((ticks, pc))
    #: is one of a lost watch's target, which it then follows (see `Watch.lost`).
    find: Callable[[Watch, object, tuple], bool] = None
    #: id(proto) -> pc -> [(watch, probe)]
    _writers: dict = field(default_factory=dict)
    #: id(proto) -> pc -> the instructions that run next, for writers that are not calls (trapped
    #: once, when the writer may have written a target: nothing runs in between)
    _next: dict = field(default_factory=dict)
    #: id(proto) -> pcs where a watched frame ends -> [watch]
    _leaving: dict = field(default_factory=dict)
    #: (id(stack), base) -> (proto, pc, ticks, [(watch, container, old)])
    _pending: dict = field(default_factory=dict)

    def replace(self, watches: list[Watch]) -> None:
        self.watches = watches
        self.active = bool(watches)
        self._pending.clear()

    def traps(self, protos) -> dict[int, tuple[object, set[int]]]:
        """The instructions to trap in `protos`: writers, their successors and
        where watched frames end."""
        self._writers, self._leaving, self._next = {}, {}, {}
        traps: dict[int, tuple[object, set[int]]] = {}
        for proto in protos:
            writers: dict[int, list] = {}
            leaving: dict[int, list] = {}
            for watch in self.watches:
                for pc, probe in watch.target.probes(proto, self.vm).items():
                    writers.setdefault(pc, []).append((watch, probe))
                for pc in watch.target.frame_probe(proto):
                    leaving.setdefault(pc, []).append(watch)
            if not writers and not leaving:
                continue
            pcs = set(leaving)
            following = {}
            for pc in writers:
                pcs.add(pc)
                if decode(proto.code[pc]).info.name in _CALLS:
                    pcs.update(successors(proto, pc))  # the callee may run this code too: always trapped
                else:
                    following[pc] = tuple(successors(proto, pc))
            self._writers[id(proto)] = writers
            self._next[id(proto)] = following
            self._leaving[id(proto)] = leaving
            traps[id(proto)] = (proto, pcs)
        return traps

    def forget_pending(self) -> None:
        self._pending.clear()

    def at(self, frame, pc: int, replaying: bool) -> tuple[list[Hit], list[Watch]]:
        """Instruction `pc` of `frame` is about to run: the hits of the
        instruction that ran before it in this frame, and the watches whose
        frame ends here. While `replaying`, targets that time travel re-makes
        are matched by kind (their hits are tentative); a lost watch is looked
        for with `find` when something of its kind is written. `trap_once`
        traps the instruction after a writer that may have written a target."""
        find, trap_once = self.find, self.vm.trap_once
        place = (id(frame.stack), frame.base)
        hits = []
        pending = self._pending.pop(place, None)
        if pending is not None:
            proto, writer, ticks, noted = pending
            for watch, container, old in noted:
                new = watch.target.read_in(container)
                if not _same(old, new):
                    hits.append(Hit(watch, container, old, new, (proto, writer), (ticks, writer)))
        key = id(frame.proto)
        writers = self._writers.get(key)
        probes = writers.get(pc) if writers else None
        if probes:
            noted = []
            for watch, probe in probes:
                container = probe(frame)
                if container is None:
                    continue
                if replaying and not watch.target.stable or container is watch.target.container \
                        or watch.lost and find(watch, container, (self.vm.ticks, pc)):
                    noted.append((watch, container, watch.target.noted(container, frame.proto, pc)))
            if noted:
                self._pending[place] = (frame.proto, pc, self.vm.ticks, noted)
                for following in self._next[key].get(pc, ()):
                    trap_once(frame.proto, following)
        leaving = self._leaving.get(key)
        ended = [watch for watch in leaving.get(pc, ()) if watch.target.matches(frame)] if leaving else []
        return hits, ended
