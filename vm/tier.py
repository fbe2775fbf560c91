"""The second tier: hot protos compiled from their bytecode into Python functions.

The VM counts how often each proto is entered and how often each of its
loops goes round, through entry points it puts in the proto's decoded code:
at pc 0 and at every loop header (the target of a backward jump). Past the
threshold the proto is translated (`tier_translate`) into Python source,
which is `compile()`d once; from then on its entry points run the Python
function instead (at a loop header that is on-stack replacement: the frame's
registers and open upvalues move into a variant of the function entered at
that header).

Calls. A compiled function is called with the closure, its depth `D` (how
many frames are below it, as `len(VM.frames)` would be if the VM ran it) and
the arguments as Python arguments; it pushes nothing. Past `host_depth` a
call runs in the VM instead, whose frames cost no host stack, so deep
recursion never meets Python's recursion limit and `StackOverflow` comes at
the VM's depth. Whenever the VM is entered below compiled frames, its frame
list is first made as long as their depth (`synchronize`), so its own depth
checks see them. A tail call returns a `TAIL` marker with the call left in
`Tier.pending`; the function that contains it is entered through a wrapper
that makes those calls one after another: constant host stack.

Leaving. A guard that fails (`Deopt`) hands the frame to the VM at the
guard's pc with the same registers and open upvalues; the proto is compiled
again without that guard when it is hot again.
"""

from __future__ import annotations

import sys

from .proto import Proto, entry_registers
from .runtime import builtins, ops
from .runtime.errors import (HOST_FAULTS, EskerError, ProgramExit, TraceEntry, host_fault, runtime_error,
                             stack_overflow)
from .runtime.formatting import format_text
from .runtime.printing import to_str
from .runtime.values import Builtin, EnumValue, Generator, Module, StructInstance, StructType
from . import machine

TYPE_CHECKING = False  # typing's, without importing typing (start-up time); type checkers take it as true
if TYPE_CHECKING:
    from .tier_translate import Source
# The translator (tier_translate) is imported when the first proto is compiled:
# a run that compiles nothing never loads it.

__all__ = ["DEFAULT_THRESHOLD", "Tier", "python_source", "python_sources"]

#: A compiled body returns this after a tail call it left to its caller (`Tier.pending` holds it).
TAIL = type("TailCall", (), {"__repr__": lambda self: "<tail call>"})()
#: What stands on `VM.frames` for a compiled frame below the VM (no debugger ever sees one).
MARK = (None, None, 0, 0, None)
#: Calls and loop iterations before a proto is compiled, by default.
DEFAULT_THRESHOLD = 500
#: Python frames of compiled code allowed before calls go to the VM's own frames.
HOST_DEPTH_CAP = 20_000
#: Guards that may fail in one proto before it is compiled without any.
MAX_DEOPTS = 8
#: Times a frame may reach an inner loop's header before it is taken over there
#: rather than at an enclosing loop's header.
OSR_PATIENCE = 1000
_END = object()
#: The VM's handlers of the instructions that make tail calls.
_TAIL_CALLS = {machine.H["TAILCALL"], machine.H["TAILMETHOD"]}


class Deopt(Exception):
    """A guard of compiled code failed at `pc`: the VM goes on from there."""

    def __init__(self, pc: int):
        super().__init__(pc)
        self.pc = pc


def field_slot(o, name: str, kind, slot: int):
    """GETFIELD's slow path: the value, and the (struct type, slot) the site caches next."""
    if type(o) is StructInstance:
        index = o.type.field_index.get(name)
        if index is not None:
            return o.values[index], o.type, index
    return ops.get_field(o, name), kind, slot


def set_field_slot(o, name: str, value, kind, slot: int):
    """SETFIELD's slow path: assigns; the (struct type, slot) the site caches next."""
    if type(o) is StructInstance:
        index = o.type.field_index.get(name)
        if index is not None:
            o.values[index] = value
            return o.type, index
    ops.set_field(o, name, value)
    return kind, slot


class _State:
    """What the tier knows of one proto in one VM: its decoded code (where its
    entry points are), how hot it is, and its compiled functions. `entry` is
    always callable: the compiled function (or its tail-call wrapper), or
    while there is none a function that runs the proto in the VM."""

    __slots__ = ("proto", "code", "count", "compiled", "entry", "body", "osr", "failed", "originals", "fresh",
                 "iterators", "nentry", "blacklist", "deopts", "speculate", "nested", "waits", "tails")

    def __init__(self, proto: Proto, code: list, interpret):
        self.proto = proto
        self.code = code
        self.count = 0
        self.compiled = False
        self.entry = interpret
        self.body = None
        self.osr: dict[int, object] = {}
        self.failed = False
        self.originals: dict[int, tuple] = {}
        self.fresh = True
        self.iterators: list[tuple[int, int, int, int]] = []
        self.nentry = entry_registers(proto)
        self.blacklist: set[int] = set()
        self.deopts = 0
        self.speculate = True
        self.nested: set[int] = set()
        self.waits = 0
        #: Whether the proto makes tail calls (else a tail call to it may be made directly).
        self.tails = any(entry[0] in _TAIL_CALLS for entry in code)

    def pristine(self) -> list:
        """The decoded code without the tier's entry points."""
        view = list(self.code)
        for pc, original in self.originals.items():
            view[pc] = original
        return view


_SUSPENDED, _RUNNING, _DONE = machine._SUSPENDED, machine._RUNNING, machine._DONE


class TierGenerator(Generator):
    """A generator whose body is compiled: a Python generator, resumed with
    its depth sent in (`D = yield ...`) and its state kept as the VM's own
    generators keep theirs (so one resumed while running fails the same way)."""

    __slots__ = ("tier", "state", "body")

    def __init__(self, tier: "Tier", name: str | None, body):
        self.name = name
        self.tier = tier
        self.state = _SUSPENDED
        self.body = body

    def resume(self, engine) -> tuple[bool, object]:
        if self.state == _DONE:
            return True, None
        frames = self.tier.frames
        count = len(frames)
        try:
            value = _step(self.tier, self, self.body, self.tier.depth_here())
        finally:
            del frames[count:]
        return (True, None) if value is _END else (False, value)


def _step(tier: "Tier", generator, body, depth: int):
    """Runs a compiled generator body to its next value (_END when it returned),
    resumed from a frame at `depth`."""
    if generator.state == _RUNNING:
        raise machine._running(generator)
    if depth >= tier.vm.max_depth:
        raise tier.vm._overflow()
    generator.state = _RUNNING
    try:
        value = body.send(depth + 1)
    except StopIteration:
        generator.state = _DONE
        return _END
    except BaseException:
        generator.state = _DONE
        raise
    generator.state = _SUSPENDED
    return value


def _stream(tier: "Tier", generator, body, depth: int):
    """The values of a compiled generator body for a `for` loop of a frame at `depth`."""
    while generator.state != _DONE:
        value = _step(tier, generator, body, depth)
        if value is _END:
            return
        yield value


class Tier:
    """The tier of one VM: entry points, counting, compiling and the calls
    between compiled code, interpreted code and builtins."""

    def __init__(self, vm, threshold: int):
        self.vm = vm
        self.threshold = threshold
        self.states: dict[Proto, _State] = {}
        self.disarmed: list[tuple[_State, int, tuple]] = []
        self.pending: tuple | None = None
        self.frames = vm.frames
        # Each compiled call takes a Python frame or two; keep well inside the host's limit.
        self.host_depth = max(0, min(HOST_DEPTH_CAP, vm.max_depth, (sys.getrecursionlimit() - 400) // 4))
        #: True while the tier enters the VM itself, with the frame list laid out already.
        self.hint = False
        self.codes: set = set()
        self.shared = self._shared_namespace()
        #: Protos left to the VM because Python could not compile them, and why (see `compile`).
        self.failures: dict[Proto, str] = {}
        #: The namespace of every compiled function: a stop request is set in each (`stop`).
        self.namespaces: list[dict] = [self.shared]

    # ---------------------------------------------------------- entry points

    def loaded(self, protos: list[Proto]) -> None:
        """A module's protos were decoded: put entry points at pc 0 and at loop headers."""
        codes = self.vm._codes
        for proto in protos:
            state = self.states[proto] = _State(proto, codes[proto], self._interpreter(proto))
            headers = _loop_headers(state.code)
            state.nested = _nested_headers(state.code)
            state.fresh = 0 not in headers
            state.iterators = _iterators(state.code)
            for pc in {0} | headers:
                state.originals[pc] = state.code[pc]
                state.code[pc] = (machine.H["TIER"], state.code[pc], state, 0, 0)
            if self.threshold == 0:
                self.compile(state)

    def enter(self, original: tuple, state: _State, closure, stack: list, base: int, pc: int, opens: list):
        """The VM reached an entry point: count, or run the compiled function for
        the rest of this frame and return its value (INTERPRET: run `original`)."""
        if not state.compiled:
            state.count += 1
            if state.failed or state.count < self.threshold or not self.compile(state):
                return self._disarm(state, pc, original)
        frames = self.frames
        depth = len(frames)
        if depth >= self.host_depth:
            return self._disarm(state, pc, original)
        if pc in state.nested and state.waits < OSR_PATIENCE:
            # Better to take the frame over at the enclosing loop's header, where its
            # code is plain loops (here it would be the inner loop within a loop).
            state.waits += 1
            return self._disarm(state, pc, original)
        if state.proto.is_generator and pc:
            return self._switch_generator(state, closure, stack, base, pc, opens, depth)
        try:
            if pc == 0 and state.fresh:
                return state.entry(closure, depth, *stack[base: base + state.nentry])
            value = self._replace_frame(state, closure, stack, base, pc, opens, depth)
            if value is TAIL:
                value = self.finish_tail(depth)
            return value
        except (EskerError, ProgramExit) as error:
            raise machine.FrameLeft(error) from None
        finally:
            del frames[depth:]  # what compiled code put there for the VM it called

    def _replace_frame(self, state: _State, closure, stack: list, base: int, pc: int, opens: list, depth: int):
        """On-stack replacement: the frame's registers and open upvalues move into
        the compiled variant entered at `pc`, which goes on from there."""
        variant = state.osr.get(pc)
        if variant is None:
            variant = state.osr[pc] = self._load(self._translate(state, pc))
        registers = stack[base: base + state.proto.max_registers]
        moved = []
        while opens and opens[-1].index >= base:
            upval = opens.pop()
            upval.cells, upval.index = registers, upval.index - base
            moved.append(upval)
        moved.reverse()
        for a, pairs, first, last in state.iterators:
            if first <= pc <= last and type(registers[a]) is machine.VMGenerator:
                values = self.iterate(registers[a], depth)
                registers[a] = enumerate(values, registers[a + 1]) if pairs else values
        return variant(closure, depth, registers, moved)

    def _switch_generator(self, state: _State, closure, stack: list, base: int, pc: int, opens: list, depth: int):
        """On-stack replacement in a generator the VM runs: its frame goes on in a
        three-instruction loop that takes each value from the compiled body and
        yields it the VM's way, so whoever resumes the generator is unaffected."""
        generator = self.frames[-1][4]
        body = self._replace_frame(state, closure, stack, base, pc, opens, depth)
        next(body)  # to the `D = yield` the variant starts with
        H = machine.H
        code = [(H["SIMPLE"], 0, body, 0, _next_or_leave),
                (H["PTEST"], 0, 0, _not_end, 5),
                (H["NOP"], 0, 0, 0, 0),
                (H["YIELD"], 0, 0, 0, 0),
                (H["JMPBACK"], 0, 0, 0, 0),
                (H["RETURN0"], 0, 0, 0, 0)]
        driver = machine.VMClosure(closure.proto, code, closure.upvals)
        generator.closure = driver
        return machine.Switch(driver)

    def _disarm(self, state: _State, pc: int, original: tuple):
        """Lets the VM run the original instruction once; re-armed at its next flag test."""
        entry = state.code[pc]
        state.code[pc] = original
        if not state.failed:
            self.disarmed.append((state, pc, entry))
            self.vm._flag[0] = True
        return machine.INTERPRET

    def rearm(self) -> None:
        for state, pc, entry in self.disarmed:
            if not state.failed:
                state.code[pc] = entry
        self.disarmed.clear()

    # ---------------------------------------------------------- compiling

    def _translate(self, state: _State, entry: int | None = None) -> Source:
        from .tier_translate import translate

        return translate(state.proto, state.pristine(), entry, state.speculate, frozenset(state.blacklist))

    def compile(self, state: _State) -> bool:
        """Compiles a proto. Should Python refuse even its dispatch-loop
        translation (no program is known to make it: the translation has a
        bounded nesting whatever the function), the proto stays in the VM for
        good, which runs it the same, and `failures` says why: the tier's
        tests fail on any entry there."""
        from .tier_translate import NotCompilable

        try:
            source = self._translate(state)
            body = self._load(source)
        except NotCompilable as why:
            self.failures[state.proto] = str(why)
            state.failed = True
            for pc, original in state.originals.items():
                state.code[pc] = original
            return False
        state.body = body
        if state.proto.is_generator:
            state.entry = state.body = self._generator_entry(body)
        elif source.tails:
            state.entry = self._tail_entry(body, state.nentry)
        else:
            state.entry = body
        state.compiled = True
        return True

    def _load(self, source: Source):
        from .tier_translate import REPLACES_FRAME, NotCompilable, translate

        proto = source.proto
        namespace = dict(self.shared)
        namespace.update(source.namespace)
        namespace["G"] = self.vm._globals_of[proto]
        # A line whose errors come from a callee that replaced this frame maps to -1: no trace entry.
        namespace["PCS"] = [-1] + [-1 if line.endswith(REPLACES_FRAME) else max(pc, 0)
                                   for line, pc in zip(source.lines, source.pcs)]
        namespace["leave"] = _leaver(proto)
        self.namespaces.append(namespace)
        namespace.update(STOP=self.shared["STOP"], host_depth=self.shared["host_depth"])  # a stop asked meanwhile
        filename = f"<compiled {proto.display_name} {proto.source_path}:{proto.line_defined}>"
        try:
            code = compile(source.text, filename, "exec")
        except (SyntaxError, RecursionError, MemoryError) as error:
            if source.shape == "dispatch":
                raise NotCompilable(f"Python cannot compile the translation: {error!r}") from None
            source = translate(proto, source_code(self, proto), source.entry, shape="dispatch")
            return self._load(source)
        exec(code, namespace)
        function = namespace[source.name]
        self.codes.add(function.__code__)
        return function

    def _tail_entry(self, body, count: int):
        """The entry of a function that makes tail calls: its body, then the calls
        it left to its caller, one after another in this one frame."""
        params = ", ".join(["F", "D"] + [f"r{i}" for i in range(count)])
        namespace = {"body": body, "TAIL": TAIL, "finish_tail": self.finish_tail}
        exec(compile(f"def entry({params}):\n    v = body({params})\n    if v is TAIL: v = finish_tail(D)\n"
                     f"    return v\n", "<tail-call entry>", "exec"), namespace)
        return namespace["entry"]

    def _generator_entry(self, body):
        """A generator proto's entry: runs its prologue up to GENSTART as a call."""
        def start(closure, depth, *registers):
            if depth > self.host_depth:
                return self._vm_call(closure, depth, list(registers))
            generator = body(closure, depth, *registers)
            next(generator)
            return TierGenerator(self, closure.name, generator)

        return start

    def _interpreter(self, proto: Proto):
        """What a proto's `entry` is while it has no compiled function: the VM runs it."""
        def interpret(closure, depth, *registers):
            return self._vm_call(closure, depth, list(registers))

        return interpret

    # ---------------------------------------------------------- leaving compiled code

    def resume(self, closure, depth: int, pc: int, names: dict):
        """A guard failed at `pc`: the frame goes on in the VM from there, with the
        registers and open upvalues the compiled function had (`names`: its locals);
        the proto is compiled again without that guard once it is hot again."""
        state = self.states[closure.proto]
        self._deoptimized(state, pc)
        proto = closure.proto
        registers = names.get("S")
        if registers is None:
            registers = [None] * proto.max_registers
        for index in range(proto.max_registers):
            name = f"r{index}"
            if name in names:
                registers[index] = names[name]
        opens = names.get("O") or []
        return self._at_depth(depth, lambda: self.vm._resume_frame(closure, registers, opens, pc))

    def _deoptimized(self, state: _State, pc: int) -> None:
        if pc in state.blacklist:
            return  # another frame of the same code failed there already
        state.blacklist.add(pc)
        state.deopts += 1
        if state.deopts >= MAX_DEOPTS:
            state.speculate = False
        if state.compiled:
            state.compiled = False
            state.entry = self._interpreter(state.proto)
            state.body = None
            state.osr = {}
            state.count = 0

    # ---------------------------------------------------------- depth

    def synchronize(self) -> None:
        """The VM is entered from Python code: make its frame list as long as the
        depth of the compiled frame below, if that is the innermost engine frame
        (compiled frames push nothing; the VM's own frames are always there).
        Nothing to do when the tier enters the VM itself (`_at_depth`)."""
        if self.hint:
            self.hint = False
            return
        depth = self.depth_here(2, exact=False)
        if depth is None:
            return
        frames = self.frames
        count = len(frames)
        if count < depth:
            frames.extend([MARK] * (depth - count))
        while count > depth and frames[-1] is MARK:
            frames.pop()
            count -= 1

    def _at_depth(self, depth: int, enter):
        """Calls `enter()`, which enters the VM (pushing one frame entry of its
        own), with the VM's frame list laid out so that the frame it runs is at
        `depth`: compiled frames below count, and a frame it replaces (a tail
        call, a frame handed back) does not. The list is left as it was."""
        frames = self.frames
        below = depth - 1
        count = len(frames)
        self.hint = True
        if count <= below:
            frames.extend([MARK] * (below - count))
            return enter()
        saved = frames[below:]
        del frames[below:]
        try:
            return enter()
        finally:
            frames[below:] = saved

    def depth_here(self, skip: int = 1, exact: bool = True):
        """The depth of the innermost engine frame on the Python stack: a compiled
        frame's `D`, or the VM's frame count (None with `exact` False)."""
        frame = sys._getframe(skip + 1)
        codes = self.codes
        while frame is not None:
            code = frame.f_code
            if code is _EXECUTE:
                break
            if code in codes:
                return frame.f_locals["D"]
            frame = frame.f_back
        return len(self.frames) if exact else None

    def _vm_call(self, closure, depth: int, args: list):
        """Runs a closure in the VM, as a frame at `depth`."""
        return self._at_depth(depth, lambda: self.vm._call_closure(closure, args))

    def deep(self, closure, depth: int, args: list):
        """A call past the host's depth budget: the VM runs it on its own frames.
        (While a stop is asked for, every call comes here: see `stop`.)"""
        if self.vm.stop_pending:
            raise self.vm.stopping()
        return self._vm_call(closure, depth, args)

    # ---------------------------------------------------------- stopping

    def stop(self) -> None:
        """`VM.stop()` (from any thread): compiled code notices it without a
        check of its own on calls, whose depth test (`D > host_depth`) now
        always sends them to `deep`, and at each loop iteration (`STOP`).
        Setting a name in each function's globals costs the running code
        nothing until it is set."""
        self._signal(True, -1)

    def cancel_stop(self) -> None:
        """The stop was honoured or forgotten: calls and loops run freely again."""
        self._signal(False, self.host_depth)

    def _signal(self, stop: bool, depth: int) -> None:
        for namespace in list(self.namespaces):
            namespace["STOP"] = stop
            namespace["host_depth"] = depth

    def poll(self) -> None:
        """A compiled loop saw `STOP`: the stop is honoured here."""
        if self.vm.stop_pending:
            raise self.vm.stopping()
        self.cancel_stop()

    # ---------------------------------------------------------- calls

    def call_closure(self, closure, depth: int, args: list):
        """Calls a VMClosure from compiled code: compiled when it is, else in the VM."""
        while True:
            value = self._call_once(closure, depth, args)
            if value is not TAIL:
                return value
            closure, args = self.pending
            self.pending = None

    def _call_once(self, closure, depth: int, args: list):
        state = self.states.get(closure.proto)
        if state is None or not state.compiled or depth > self.host_depth:
            return self._vm_call(closure, depth, args)
        if closure.nparams == len(args):
            return state.body(closure, depth, *args)
        return state.body(closure, depth, *self._adjusted(closure, args))

    def _adjusted(self, closure, args: list) -> list:
        """The registers a call fills (defaults absent, rest packed, spill area):
        the VM's own rules, ArityError included."""
        count = len(args)
        stack = [None, *args] + [None] * (closure.size + 2)
        self.vm._adjust(closure, stack, 1, count)
        return stack[1: 1 + entry_registers(closure.proto)]

    def call_cached(self, closure, depth: int, args: list, last, proto, state):
        """A call site's slow path: the value, and what the site caches next
        (the closure, its proto and the proto's tier state)."""
        value = self.call_closure(closure, depth, args)
        known = self.states.get(closure.proto)
        if known is not None and known.compiled and closure.nparams == len(args):
            return value, closure, closure.proto, known
        return value, last, proto, state

    def method_cached(self, receiver, name: str, depth: int, args: list, kind, function, state):
        """A method site's slow path: the value, and what the site caches next
        (the struct type, its method and the method's tier state)."""
        target = receiver.type.methods.get(name)
        if type(target) is not machine.VMClosure:
            return self.method(receiver, name, depth, args), kind, function, state
        value = self.call_closure(target, depth, [receiver, *args])
        known = self.states.get(target.proto)
        if type(receiver) is StructInstance and known is not None and known.compiled and \
                target.nparams == len(args) + 1:
            return value, receiver.type, target, known
        return value, kind, function, state

    def builtin_method(self, receiver, name: str, args: list, kind, function, shown):
        """A method site's slow path for arrays, strings, maps and tuples: the
        value, and what the site caches next (the receiver's type and the
        method's implementation, whose arity this site's calls always fit)."""
        entry = builtins.method_entry(type(receiver), name)
        count = len(args)
        if entry is None or count < entry.min_args or (entry.max_args is not None and count > entry.max_args):
            return builtins.call_method(self.vm, receiver, name, args), kind, function, shown
        return entry.call_method(self.vm, receiver, args, None), type(receiver), entry.func, entry.qualified

    def tail(self, closure, args: list):
        """A compiled tail call: arity is checked in the calling frame, as the VM
        does; the call itself is left to the caller (TAIL)."""
        if closure.nparams != len(args):
            self._adjusted(closure, args)
        self.pending = (closure, args)
        return TAIL

    def tail_cached(self, closure, args: list, last, proto, state):
        """A tail call site's slow path: the call left to the caller (TAIL), and
        what the site caches next. It caches only closures whose proto makes no
        tail calls of its own: those the site then calls directly, in the
        caller's Python frame (one host frame more, never a chain of them)."""
        value = self.tail(closure, args)
        known = self.states.get(closure.proto)
        if known is not None and not known.tails and closure.nparams == len(args):
            return value, closure, closure.proto, known
        return value, last, proto, state

    def finish_tail(self, depth: int):
        """Makes the tail calls a compiled body left to its caller, one after another."""
        while True:
            closure, args = self.pending
            self.pending = None
            value = self._call_once(closure, depth, args)
            if value is not TAIL:
                return value

    def method(self, receiver, name: str, depth: int, args: list):
        """`receiver.name(args)` when the site's fast path does not apply."""
        vm = self.vm
        kind = type(receiver)
        if kind is list or kind is str or kind is dict:
            return builtins.call_method(vm, receiver, name, args)
        if kind is Module and type(member := receiver.members.get(name)) is Builtin:
            return ops.call_native(vm, member, args)
        target, start, _ = vm._method_callee(receiver, name, 0, 0)
        if target is None:
            return builtins.call_method(vm, receiver, name, args)
        return self.call_closure(target, depth, [receiver, *args] if start == 0 else args)

    def tail_method(self, receiver, name: str, depth: int, args: list):
        """TAILMETHOD: an Esker method, member or static method is left to the
        caller as a tail call (TAIL); anything else is called here."""
        target, start, _ = self.vm._method_callee(receiver, name, 0, 0)
        if target is None:
            return builtins.call_method(self.vm, receiver, name, args)
        return self.tail(target, [receiver, *args] if start == 0 else args)

    def callx(self, a: int, count: int, descriptor: tuple, window: list, depth: int):
        """CALLX (named arguments, spread): the VM's own decoding of the call."""
        target, start, number, value = self.vm._callx(window, -a, a, count, descriptor)
        if target is None:
            return value
        return self.call_closure(target, depth, window[start: start + number])

    # ---------------------------------------------------------- iteration

    def iterate(self, value, depth: int):
        """`for x in value` in a frame at `depth`: as `ops.iterate`, but compiled
        generators are stepped directly rather than through their `resume`."""
        kind = type(value)
        if kind is TierGenerator and value.state == _SUSPENDED:
            return _stream(self, value, value.body, depth)
        if kind is machine.VMGenerator and value.state == _SUSPENDED and \
                value.closure.code[0][4] is _next_or_leave:
            return _stream(self, value, value.closure.code[0][2], depth)
        return ops.iterate(self.vm, value)

    def iterate_pairs(self, value, depth: int):
        if type(value) is dict:
            return ops.iterate_pairs(self.vm, value)
        return enumerate(self.iterate(value, depth))

    # ---------------------------------------------------------- the generated code's names

    def _shared_namespace(self) -> dict:
        vm = self.vm
        names = {name: getattr(ops, name) for name in (
            "add", "sub", "mul", "truediv", "floordiv", "mod", "power", "bit_and", "bit_or", "bit_xor", "shl",
            "shr", "less", "less_equal", "greater", "greater_equal", "equals", "get_index", "set_index",
            "check_key", "make_range", "call_native", "neg", "bit_not", "get_slice", "contains",
            "arithmetic_error")}
        names.update(
            vm=vm, B=vm.builtins, host_depth=self.host_depth, STOP=False, poll=self.poll, TAIL=TAIL, END=_END, Deopt=Deopt,
            EskerError=EskerError, ProgramExit=ProgramExit, runtime_error=runtime_error, VMClosure=machine.VMClosure,
            StructInstance=StructInstance, StructType=StructType, EnumValue=EnumValue, Module=Module,
            Builtin=Builtin, HOST_FAULTS=HOST_FAULTS, host_fault=host_fault,
            missing_global=machine._missing_global, assign_missing=machine._assign_missing,
            unpack=machine._unpack, UpVal=machine.UpVal, capture=machine._capture, capture_far=machine._capture_far,
            close=machine._close, close_all=_close_all, close_far=machine._close_far, field_slot=field_slot,
            set_field_slot=set_field_slot, deep=self.deep, call_cached=self.call_cached,
            call_closure=self.call_closure, method_cached=self.method_cached, builtin_method=self.builtin_method,
            finish_tail=self.finish_tail, tail=self.tail, tail_cached=self.tail_cached, method=self.method, callx=self.callx,
            tail_method=self.tail_method, iterate=self.iterate, iterate_pairs=self.iterate_pairs,
            resume=self.resume, to_str=to_str, format_text=format_text, stack_overflow=stack_overflow)
        return names


_EXECUTE = machine.VM._execute.__code__


def _next_or_leave(vm, stack, base, a, body, c) -> None:
    """R[A] := the compiled generator body's next value, or END when it returned."""
    frames = vm.frames
    depth = len(frames)
    try:
        stack[base + a] = body.send(depth)
    except StopIteration:
        stack[base + a] = _END
    except (EskerError, ProgramExit) as error:
        raise machine.FrameLeft(error) from None
    finally:
        del frames[depth:]


def _close_all(opens: list) -> None:
    """`machine._close(opens, 0)` for a frame that ends: every open upvalue is
    closed, with no level to compare (the commonest close, at each return of
    a function whose variables a closure captured)."""
    for upval in opens:
        upval.close()
    opens.clear()


def _not_end(value, _) -> bool:
    return value is not _END


def _leaver(proto: Proto):
    """Adds the trace entry of a compiled frame of `proto` that an error leaves."""
    def leave(error: EskerError, pc: int) -> None:
        if pc < 0:
            return  # the frame was replaced by a tail call's
        span = proto.spans[pc]
        error.trace.append(TraceEntry(proto.display_name, proto.source_path, span.line, span.col))
    return leave


_JUMPS = ("JMPBACK", "FORLOOP", "FORITER", "JMP", "EQ", "LT", "LE", "GT", "GE", "EQK", "LTI", "LEI", "GTI",
          "GEI", "TEST", "TESTSET", "PTEST", "FORPREP")


def _loop_headers(code: list) -> set[int]:
    """The pcs some jump reaches backwards (targets of VM entries carrying one)."""
    jumps = {machine.H[name] for name in _JUMPS}
    return {entry[4] for pc, entry in enumerate(code) if entry[0] in jumps and entry[4] <= pc}


def _nested_headers(code: list) -> set[int]:
    """The loop headers inside another loop (by the pc ranges of backward jumps)."""
    jumps = {machine.H[name] for name in _JUMPS}
    ranges = [(entry[4], pc) for pc, entry in enumerate(code) if entry[0] in jumps and entry[4] <= pc]
    return {header for header, end in ranges
            if any(first < header <= last and (first, last) != (header, end) for first, last in ranges)}


def _iterators(code: list) -> list[tuple[int, int, int, int]]:
    """Each generic for loop: (iterator register, pairs, first and last pc of its body)."""
    foriter = machine.H["FORITER"]
    return [(entry[1], entry[2], entry[4], pc) for pc, entry in enumerate(code)
            if entry[0] == foriter and entry[4] <= pc]


def source_code(tier: Tier, proto: Proto) -> list:
    return tier.states[proto].pristine()


def python_sources(proto: Proto, path: str | None = None) -> list[Source]:
    """The Python each function of a module (or of a function and the
    functions nested in it) compiles to: `esker dis --python`, editors' views."""
    from .tier_translate import translate

    vm = machine.VM()
    vm._load(proto, path)
    return [translate(each, vm._codes[each], speculate=True) for each in proto.walk()]


def python_source(proto: Proto) -> Source:
    """The Python one function compiles to."""
    return python_sources(proto)[0]

