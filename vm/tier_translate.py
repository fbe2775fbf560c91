"""The compiled tier's translator: one proto's bytecode into the source of a Python function.

Every instruction of the table has a translation in `TRANSLATIONS`: it appends
Python lines for the instruction and says where control goes next. Registers
become Python locals, except those a closure captures, which live in a list
`S` so that `UpVal` cells point into it as they point into the VM's stack.

Control flow. Where the graph allows (`tier_flow`), loops become Python
`while` loops, numeric `for` loops `for ... in range(...)`, generic `for`
loops `for ... in iterator`, and branches `if`/`else` that meet again where
their arms do. Otherwise (exception handlers, unusual jumps, very deep
nesting) the proto becomes a dispatch loop on `L` whose arms are the blocks
that loops, merges and handlers reach.

Types. In structured code the translator knows, at each pc, what type some
registers hold: constants, loop counters, the results of arithmetic on known
numbers, and what a guard established. An instruction whose operands are
known numbers is plain Python (`x + y`); one whose operands are not known is
either guarded inline with a fall-back to the shared runtime, or, where the
proto may speculate, preceded by a guard that leaves compiled code when it
fails (`raise Deopt(pc)`: the VM goes on from that pc with the same
registers), after which the operand's type is known for the code that
follows. Struct field reads and writes speculate on the struct type the VM's
inline cache saw. Slow paths always call the shared runtime.

Each generated line carries the pc it came from, so an error's position is
found from the traceback's line number and mapped through the proto's spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .opcodes import K_IN_EXTRAARG, Op, decode, opcode_of
from .proto import FAR_BASE, Proto, entry_registers
from .runtime.values import Builtin, Module, StructType
from . import machine
from .machine import H
from .tier_flow import Graph, Loop, Structure, Unstructured

#: Deepest nesting of Python blocks the structured translation writes (Python allows 100 levels).
MAX_NEST = 40
#: Most nested Python loops (Python allows 20 blocks).
MAX_LOOPS = 16
#: Most lines a structured translation may write per instruction (arms may repeat short tails).
MAX_LINES_PER_PC = 40
#: Ints below this convert to floats exactly enough that `/` cannot overflow.
_FLOAT_SAFE = 10 ** 300

_NUMBERS = ("int", "float", "num")


class NotCompilable(Exception):
    """A proto the tier leaves to the VM (it says why)."""


class _Restart(Exception):
    """Emission found it needs the dispatch loop after all: start again with it."""


# ================================================================== the result

#: Where `dis --python` puts its pc column at the latest.
ANNOTATION_COLUMN = 88


@dataclass
class Source:
    """The Python source generated for one proto, and the pc of each line.
    `entry` is None for the function called with the arguments, else the loop
    header it is entered at (on-stack replacement); `shape` is "structured" or
    "dispatch"; `deopts` says whether it can leave to the VM (a failed guard)."""

    proto: Proto
    name: str
    lines: list[str] = field(default_factory=list)
    pcs: list[int] = field(default_factory=list)
    namespace: dict = field(default_factory=dict)
    entry: int | None = None
    shape: str = "structured"
    deopts: bool = False
    tails: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def annotated(self) -> str:
        """The source with each line's bytecode pc in a right-hand column (`dis --python`).

        The column sits after the longest line up to `ANNOTATION_COLUMN`; the
        few longer lines (a guarded division, say) carry their pc right after
        them, so one long line does not push every comment off a terminal."""
        width = min(max((len(line) for line in self.lines), default=0), ANNOTATION_COLUMN)
        out = []
        for line, pc in zip(self.lines, self.pcs):
            out.append(f"{line.ljust(width)}  # {pc}" if pc >= 0 else line)
        return "\n".join(out) + "\n"


@dataclass
class Flow:
    """Where control goes after an instruction: "next"/"goto" (`targets[0]`),
    "if" (to `targets[0]` when `condition` holds, after running `yes_lines`,
    which give the registers in `yes_facts` those types; else to
    `targets[1]`) or "stop" (return, raise)."""

    kind: str
    targets: tuple = ()
    condition: str = ""
    yes_lines: tuple = ()
    yes_facts: dict = field(default_factory=dict)


def _next(pc: int) -> Flow:
    return Flow("next", (pc,))


_STOP = Flow("stop")


# ================================================================== types

def meet(a, b):
    """What a register holds where two paths join: the same type, a number, or unknown (None)."""
    if a == b:
        return a
    if a in _NUMBERS and b in _NUMBERS:
        return "num"
    return None


def _fact_of_value(value):
    kind = type(value)
    if kind is int:
        return "int"
    if kind is float:
        return "float"
    if kind is bool:
        return "bool"
    if kind is str:
        return "str"
    if value is None:
        return "nil"
    return None


def _meet_facts(a: dict, b: dict) -> dict:
    return {reg: met for reg, fact in a.items() if reg in b and (met := meet(fact, b[reg])) is not None}


# ================================================================== the translator

class _Translator:
    """Translates one proto. `code` is the VM's decoded list for it (resolved
    constants, pattern predicates, the inline caches the VM filled); `entry`
    None makes the function called with the arguments, a pc the variant
    entered at that loop header with every register given (`R`) and the
    frame's open upvalues (`O`). `speculate` lets guards leave to the VM, but
    not at the pcs in `blacklist` (where a guard failed before)."""

    def __init__(self, proto: Proto, code: list, entry: int | None = None, speculate: bool = False,
                 blacklist: frozenset = frozenset(), shape: str | None = None):
        self.proto = proto
        self.code = code
        self.entry = entry
        self.words = proto.code
        self.decoded = [decode(word) for word in proto.code]
        self.generator = proto.is_generator
        self.captured = self._captured_registers()
        self.speculate = speculate and not self.generator
        self.blacklist = blacklist
        self.forced_shape = shape
        self.ns: dict = {}
        self.names: dict[int, str] = {}
        self.caches: list[str] = []
        self.sites: dict[tuple[int, str], list[str]] = {}
        self.pc = 0
        self.uses_upvals: set[int] = set()
        self.facts: dict = {}
        self.results: dict = {}
        #: Each guard placed, by (pc, register): the type it establishes and its test.
        self.guards: dict[tuple[int, int], tuple] = {}
        #: Guards moved before a loop (by its header) because their register stays the same in it.
        self.hoisted: dict[int, dict[int, tuple]] = {}
        self.deopts = False
        self.arithmetic = False
        self.tails = False
        self.flows: dict[int, Flow] = {}
        self.lines: list[str] = []
        self.pcs: list[int] = []

    # ---------------------------------------------------------- operands

    def _captured_registers(self) -> set[int]:
        found = set()
        for d in self.decoded:
            if d.op == Op.CLOSURE:
                for desc in self.proto.protos[d.bx].upvalues:
                    if desc.in_stack and desc.index < FAR_BASE:
                        found.add(desc.index)
        return found

    def reg(self, index: int) -> str:
        return f"S[{index}]" if index in self.captured else f"r{index}"

    def const(self, value) -> str:
        """A Python expression for a constant: a literal where exact, else a name."""
        kind = type(value)
        if value is None or kind is bool or (kind is int and abs(value) < 10 ** 15):
            return repr(value)
        if kind is float and value == value and abs(value) != float("inf"):
            return repr(value)
        if kind is str and len(value) <= 40 and value.isprintable():
            return repr(value)
        name = self.names.get(id(value))
        if name is None:
            name = self.names[id(value)] = f"K{len(self.names)}"
            self.ns[name] = value
        return name

    def cache(self, prefix: str, *initial) -> list[str]:
        """Names of the cache cells of the site at the current pc: globals of the
        generated code (the same names each time the instruction is translated)."""
        known = self.sites.get((self.pc, prefix))
        if known is not None:
            return known
        names = []
        for value in initial:
            name = f"{prefix}{len(self.caches)}"
            self.caches.append(name)
            self.ns[name] = value
            names.append(name)
        self.sites[(self.pc, prefix)] = names
        return names

    def after_jump(self, pc: int) -> int:
        """The pc after the JMP that follows the test at `pc`."""
        following = pc + 1
        if following < len(self.words) and opcode_of(self.words[following]) == Op.EXTRAARG:
            following += 1
        return following + 1

    # ---------------------------------------------------------- facts

    def fact(self, index: int):
        """What the code knows register `index` holds here (None: nothing)."""
        return None if index in self.captured else self.facts.get(index)

    def sets(self, index: int, fact) -> None:
        """The instruction leaves `fact` in register `index`."""
        if fact is not None and index not in self.captured:
            self.results[index] = fact

    def can_guard(self, index: int, pc: int) -> bool:
        return self.speculate and pc not in self.blacklist and index not in self.captured

    def assume(self, index: int, fact, check: str, pc: int, out: list) -> None:
        """A guard: leave to the VM at `pc` unless `check` holds; then `fact` holds."""
        out.append(f"if not ({check}): raise Deopt({pc})")
        self.deopts = True
        self.facts[index] = fact
        self.guards[(pc, index)] = (fact, check)

    def number(self, index: int, pc: int, out: list) -> bool:
        """True when register `index` holds an int or a float here, guarding it if it may."""
        if self.fact(index) in _NUMBERS:
            return True
        if self.can_guard(index, pc):
            x = self.reg(index)
            self.assume(index, "num", f"(t := type({x})) is int or t is float", pc, out)
            return True
        return False

    def integer(self, index: int, pc: int, out: list) -> bool:
        if self.fact(index) == "int":
            return True
        if self.can_guard(index, pc) and self.fact(index) in (None, "num"):
            self.assume(index, "int", f"type({self.reg(index)}) is int", pc, out)
            return True
        return False

    def feedback(self, pc: int):
        """What the VM's inline cache at `pc` saw (a struct type and slot), if anything."""
        entry = self.code[pc]
        if len(entry) == 5 and type(entry[4]) is list and entry[4] and type(entry[4][0]) is StructType:
            return entry[4][0]
        return None

    def struct(self, index: int, pc: int, out: list, name: str):
        """The struct type register `index` is known (or guarded) to be an instance
        of, with field `name`; None when that is not known."""
        known = self.fact(index)
        if type(known) is StructType:
            return known if name in known.field_index else None
        seen = self.feedback(pc)
        if seen is None or name not in seen.field_index or not self.can_guard(index, pc) or known is not None:
            return None
        x = self.reg(index)
        self.assume(index, seen, f"type({x}) is StructInstance and {x}.type is {self.const(seen)}", pc, out)
        return seen

    # ---------------------------------------------------------- one instruction

    def step(self, pc: int, out: list) -> Flow:
        """Translates the instruction at `pc` with `self.facts` as known before it,
        leaving in `self.facts` what is known after it (on its fall-through edge)."""
        d = self.decoded[pc]
        name = d.info.name
        self.pc = pc
        self.results = {}
        flow = TRANSLATIONS[name](self, pc, d, out)
        written = _writes(name, d)
        if written is None:
            self.facts.clear()
        else:
            for index in written:
                self.facts.pop(index, None)
        self.facts.update(self.results)
        return flow

    # ---------------------------------------------------------- the graph

    def graph(self, entries: list[int]) -> Graph:
        successors: dict[int, list[int]] = {}
        kinds: dict[int, str] = {}
        work = list(entries)
        seen = set(work)
        speculate, self.speculate = self.speculate, False
        while work:
            pc = work.pop()
            self.facts = {}
            flow = self.flows[pc] = self.step(pc, [])
            successors[pc] = list(flow.targets)
            kinds[pc] = self.decoded[pc].info.name.lower()
            for target in flow.targets:
                if target not in seen:
                    seen.add(target)
                    work.append(target)
        self.speculate = speculate
        return Graph(successors, kinds)

    # ---------------------------------------------------------- the whole function

    def source(self) -> Source:
        start = 0 if self.entry is None else self.entry
        shape = self.forced_shape
        if shape is None:
            shape = "dispatch" if self.proto.handlers else "structured"
        if shape == "structured":
            try:
                return self._structured(start)
            except Unstructured:
                pass
        return self._dispatched(start)

    def _finish(self, shape: str) -> Source:
        if self.caches:
            self.lines.insert(1, "    global " + ", ".join(self.caches))
            self.pcs.insert(1, -1)
        return Source(self.proto, _identifier(self.proto), self.lines, self.pcs, self.ns, self.entry, shape,
                      self.deopts, self.tails)

    def _structured(self, start: int) -> Source:
        graph = self.graph([start])
        iter_body = {pc: flow.targets[0] for pc, flow in self.flows.items()
                     if graph.kinds[pc] == "foriter"}
        structure = Structure(graph, start, iter_body)
        self._dataflow(graph, structure, start)
        if self.guards and structure.loops:
            self._hoist(structure)
            self.guards = {}
        facts = self._dataflow(graph, structure, start)
        emitter = _Structured(self, structure, facts)
        body = emitter.emit(start)
        self.lines, self.pcs = [], []
        self._prologue(structured=True)
        for text, pc in body:
            self.line("        " + text, pc)
        self._epilogue()
        return self._finish("structured")

    def _dataflow(self, graph: Graph, structure: Structure, start: int) -> dict[int, dict]:
        """What is known before each pc: a forward analysis to a fixed point
        (types only narrow by guards, and widen where paths join)."""
        known: dict[int, dict] = {start: self._entering(structure, start, {})}
        rank = structure.index
        pending = {start}
        while pending:
            pc = min(pending, key=rank.__getitem__)
            pending.discard(pc)
            self.facts = dict(known[pc])
            flow = self.step(pc, [])
            after = self.facts
            for position, target in enumerate(flow.targets):
                arriving = after
                if flow.kind == "if" and position == 0 and flow.yes_facts:
                    arriving = dict(after)
                    for index, fact in flow.yes_facts.items():
                        if fact is None or index in self.captured:
                            arriving.pop(index, None)
                        else:
                            arriving[index] = fact
                loop = structure.loops.get(target)
                if loop is not None and pc not in loop.body:
                    arriving = self._entering(structure, target, arriving)
                before = known.get(target)
                merged = dict(arriving) if before is None else _meet_facts(before, arriving)
                if before is None or merged != before:
                    known[target] = merged
                    pending.add(target)
        return known

    def _entering(self, structure: Structure, header: int, facts: dict) -> dict:
        """What is known on entering the loop at `header`: its hoisted guards hold."""
        hoisted = self.hoisted.get(header)
        if not hoisted:
            return facts
        facts = dict(facts)
        for index, (fact, _) in hoisted.items():
            facts[index] = fact
        return facts

    def _hoist(self, structure: Structure) -> None:
        """Moves each guard of a register that no instruction of a loop writes
        to the entry of the outermost such loop (the guard runs once per entry
        rather than once per iteration)."""
        written: dict[int, set[int] | None] = {}
        for header, loop in structure.loops.items():
            registers: set[int] | None = set()
            for pc in loop.body:
                d = self.decoded[pc]
                writes = _writes(d.info.name, d)
                if writes is None:
                    registers = None
                    break
                registers.update(writes)
                registers.update(self.flows[pc].yes_facts)
            written[header] = registers
        for (pc, index), (fact, check) in self.guards.items():
            target = None
            loop = structure.innermost.get(pc)
            while loop is not None and written[loop.header] is not None and index not in written[loop.header]:
                target = loop
                loop = loop.parent
            if target is None or target.header in self.blacklist or \
                    (target.kind == "range" and self._forprep_of(structure, target) in self.blacklist):
                continue
            hoisted = self.hoisted.setdefault(target.header, {})
            if hoisted.get(index, (fact,))[0] != fact:
                hoisted[index] = (None, None)  # two different guards: leave both where they are
            else:
                hoisted[index] = (fact, check)
        for header, hoisted in self.hoisted.items():
            for index in [index for index, (fact, _) in hoisted.items() if fact is None]:
                del hoisted[index]

    def _forprep_of(self, structure: Structure, loop: Loop) -> int | None:
        """The FORPREP that enters a numeric for loop, if one does."""
        for pc, flow in self.flows.items():
            if flow.targets and flow.targets[0] == loop.header and self.decoded[pc].info.name == "FORPREP" \
                    and pc not in loop.body:
                return pc
        return None

    def _dispatched(self, start: int) -> Source:
        """The dispatch-loop translation (no type knowledge, no guards)."""
        self.speculate = False
        self.flows = {}
        entries = [start] + [handler.target_pc for handler in self.proto.handlers]
        self.graph(entries)
        dispatch = _Dispatch(self, entries)
        while True:
            try:
                body = dispatch.emit()
                break
            except _Restart:
                dispatch.labels.add(start)
        self.lines, self.pcs = [], []
        self._prologue(structured=False, dispatch_start=start)
        for text, pc in body:
            self.line(text, pc)
        if self.proto.handlers:
            self._handlers()
        self._epilogue()
        return self._finish("dispatch")

    def line(self, text: str, pc: int) -> None:
        self.lines.append(text)
        self.pcs.append(pc)

    # ---------------------------------------------------------- prologue and epilogue

    def _prologue(self, structured: bool, dispatch_start: int = 0) -> None:
        params = [f"r{i}" for i in range(entry_registers(self.proto))]
        name = _identifier(self.proto)
        osr = self.entry is not None
        self.line(f"def {name}(F, D, R, O):" if osr else f"def {name}({', '.join(['F', 'D'] + params)}):", -1)
        if not osr and not self.generator and self.proto.num_params == len(params) and \
                not self.proto.num_defaults:
            # Also where a stop asked for is noticed on calls (`Tier.stop`).
            self.line(f"    if D > host_depth: return deep(F, D, [{', '.join(params)}])", 0)
        elif not osr and not self.generator:
            self.line(f"    if STOP: poll()", 0)
        if self.uses_upvals:
            self.line("    U = F.upvals", 0)
            for index in sorted(self.uses_upvals):
                self.line(f"    u{index} = U[{index}]", 0)
        if osr:
            for index in range(self.proto.max_registers):
                if index not in self.captured:
                    self.line(f"    r{index} = R[{index}]", 0)
            if self.captured:
                self.line("    S = R", 0)
        elif self.captured:
            self.line(f"    S = [None] * {self.proto.max_registers}", 0)
            self.line("    O = []", 0)
            for param in params:
                if int(param[1:]) in self.captured:
                    self.line(f"    S[{param[1:]}] = {param}", 0)
        self.line("    try:", 0)
        if self.generator and osr:
            # Started (and suspended here) when it takes over a generator's frame; then sent its depth.
            self.line("        D = yield", self.entry)
        if not structured:
            self.line(f"        L = {dispatch_start}", 0)

    def _handlers(self) -> None:
        """The handler table, as the VM's unwinding reads it: the frame's trace
        entry first (unless RETHROW throws an error that has it already, or
        `exit()` is on its way out: see `leave`), then the first handler
        covering the pc (only `finally` handlers stop a ProgramExit); else
        the frame is left.
        Python's recursion limit met at a pc is a StackOverflow there, as in the VM."""
        pad = " " * 12
        self.line(pad + "except (EskerError, ProgramExit, RecursionError) as e:", -1)
        self.line(pad + "    p = PCS[e.__traceback__.tb_lineno]", -1)
        self.line(pad + "    if type(e) is RecursionError: e = stack_overflow()", -1)
        self.line(pad + "    exiting = type(e) is ProgramExit", -1)
        self.line(pad + "    if e is vm._rethrowing: vm._rethrowing = None", -1)
        self.line(pad + "    else: leave(e, p)", -1)
        for handler in self.proto.handlers:
            applies = "" if handler.is_finally else " and not exiting"
            self.line(pad + f"    if {handler.start_pc} <= p < {handler.end_pc}{applies}:", -1)
            if self.captured:
                self.line(pad + f"        if O: close(O, {handler.level})", -1)
            if self.proto.num_far:
                self.line(pad + f"        close_far(r0, {handler.far_level})", -1)
            if handler.register is not None:
                value = "e" if handler.is_finally else "e.value"
                self.line(pad + f"        {self.reg(handler.register)} = {value}", -1)
            self.line(pad + f"        L = {handler.target_pc}", -1)
            self.line(pad + "        continue", -1)
        self._leave(pad + "    ", "raise e")  # e may be the StackOverflow made of a RecursionError

    def _leave(self, pad: str, raising: str = "raise") -> None:
        """The frame is left by an error: its upvalues are closed."""
        if self.captured:
            self.line(pad + "if O: close_all(O)", -1)
        if self.proto.num_far:
            self.line(pad + "close_far(r0, 0)", -1)
        self.line(pad + raising, -1)

    def _epilogue(self) -> None:
        if not self.proto.handlers:
            self.line("    except (EskerError, ProgramExit) as e:", -1)
            self.line("        leave(e, PCS[e.__traceback__.tb_lineno])", -1)
            self._leave("        ")
        # Python's recursion limit (a deep comparison, hash or conversion) met at a pc: as in the VM.
        # (With handlers the dispatch loop has caught it already, unless its handling met the limit again.)
        self._converted("RecursionError", "stack_overflow()")
        if self.arithmetic:
            # Only plain arithmetic on numbers raises these here: as the runtime would.
            self._converted("ArithmeticError", "arithmetic_error(x)")
        if self.deopts:
            self.line("    except Deopt as x:", -1)
            self.line("        return resume(F, D, x.pc, locals())", -1)

    def _converted(self, caught: str, error: str) -> None:
        """A Python exception `x` the frame lets out as the Esker error `error`,
        at the pc where it was raised."""
        self.line(f"    except {caught} as x:", -1)
        self.line(f"        e = {error}", -1)
        self.line("        leave(e, PCS[x.__traceback__.tb_lineno])", -1)
        self._leave("        ", "raise e from None")


def _identifier(proto: Proto) -> str:
    name = proto.name or "fn"
    cleaned = "".join(char if char.isalnum() or char == "_" else "_" for char in name).strip("_") or "module"
    return f"{cleaned}_{proto.line_defined}"


#: Each iteration of a loop honours a stop asked for (`Tier.stop`), at the loop's header.
STOP_CHECK = "if STOP: poll()"


# ================================================================== structured emission

class _Structured:
    """Writes the structured form: each loop a Python loop, each branch an
    `if` whose arms run until the point where they meet again."""

    def __init__(self, t: _Translator, structure: Structure, facts: dict[int, dict]):
        self.t = t
        self.structure = structure
        self.facts = facts
        self.out: list[tuple[str, int]] = []
        self.limit = MAX_LINES_PER_PC * len(t.words) + 200
        self.loops = 0

    def emit(self, start: int) -> list[tuple[str, int]]:
        self.sequence(start, None, None, 0, first=True)
        return self.out

    def write(self, depth: int, text: str, pc: int) -> None:
        self.out.append(("  " * depth + text, pc))
        if len(self.out) > self.limit:
            raise Unstructured("the structured form would be too long")

    def guards(self, header: int, at: int, depth: int) -> None:
        """The hoisted guards of the loop at `header`; failing, the VM goes on at `at`."""
        for index, (fact, check) in self.t.hoisted.get(header, {}).items():
            self.write(depth, f"if not ({check}): raise Deopt({at})", at)

    def instruction(self, pc: int, depth: int) -> Flow:
        t = self.t
        entered = self.prepared(pc)
        if entered is not None:
            self.guards(entered.header, pc, depth)
        t.facts = dict(self.facts[pc])
        lines: list[str] = []
        flow = t.step(pc, lines)
        for text in lines:
            self.write(depth, text, pc)
        return flow

    def sequence(self, pc: int | None, stop: int | None, loop: Loop | None, depth: int, first: bool = False) -> None:
        """Emits from `pc` until `stop` (where an enclosing branch's arms meet),
        inside the Python loop that runs `loop`."""
        if depth > MAX_NEST:
            raise Unstructured("too deeply nested")
        while pc is not None and pc != stop:
            if loop is not None and not first:
                if pc == loop.again or (loop.kind != "while" and pc == loop.header):
                    self.write(depth, "continue", pc)
                    return
                if pc == loop.follow:
                    self.write(depth, "break", pc)
                    return
            inner = self.structure.loop_at(pc)
            if inner is not None and inner is not loop and not (first and loop is inner):
                self.loop(inner, pc, depth)
                pc = inner.follow
                first = False
                continue
            first = False
            flow = self.instruction(pc, depth)
            if flow.kind == "stop":
                return
            if flow.kind in ("next", "goto"):
                pc = flow.targets[0]
                continue
            pc = self.branch(pc, flow, stop, loop, depth)

    def prepared(self, pc: int) -> Loop | None:
        """The numeric for loop the FORPREP at `pc` enters as a Python `for`, if it is one."""
        if self.t.decoded[pc].info.name != "FORPREP":
            return None
        yes, no = self.t.flows[pc].targets
        entered = self.structure.loop_at(yes)
        if entered is not None and entered.kind == "range" and entered.follow == no and pc not in entered.body:
            return entered
        return None

    def branch(self, pc: int, flow: Flow, stop: int | None, loop: Loop | None, depth: int) -> int | None:
        yes, no = flow.targets
        entered = self.prepared(pc)
        if entered is not None and entered is not loop:
            # The `for` statement tests the bounds itself (its guards came before the FORPREP).
            self.loop(entered, pc, depth, guarded=True)
            return no
        merge = self.structure.merge(loop, pc)
        if merge is None and stop is not None:
            merge = None
        if not flow.yes_lines and yes == merge:
            self.write(depth, f"if not ({flow.condition}):", pc)
            self.arm(no, merge, loop, depth + 1, pc)
            return merge
        self.write(depth, f"if {flow.condition}:", pc)
        for text in flow.yes_lines:
            self.write(depth + 1, text, pc)
        self.arm(yes, merge, loop, depth + 1, pc)
        if no != merge:
            self.write(depth, "else:", pc)
            self.arm(no, merge, loop, depth + 1, pc)
        return merge

    def arm(self, pc: int, merge: int | None, loop: Loop | None, depth: int, at: int) -> None:
        before = len(self.out)
        if pc != merge:
            self.sequence(pc, merge, loop, depth)
        if len(self.out) == before:
            self.write(depth, "pass", at)

    def loop(self, loop: Loop, at: int, depth: int, guarded: bool = False) -> None:
        """A Python loop for `loop`, entered at its header (from `at`)."""
        self.loops += 1
        if self.loops > MAX_LOOPS:
            raise Unstructured("too many nested loops")
        t = self.t
        if not guarded:
            self.guards(loop.header, loop.header, depth)
        if loop.kind == "range":
            a = t.decoded[loop.latch].a
            counter, stop, var = t.reg(a), t.reg(a + 1), t.reg(a + 2)
            self.write(depth, f"for {counter} in range({counter}, {stop}):", loop.latch)
            self.write(depth + 1, f"{var} = {counter}", loop.latch)
            self.write(depth + 1, STOP_CHECK, loop.header)
            self.sequence(loop.header, None, loop, depth + 1, first=True)
        elif loop.kind == "iter":
            d = t.decoded[loop.header]
            targets = f"{t.reg(d.a + 2)}, {t.reg(d.a + 3)}" if d.k else t.reg(d.a + 2)
            self.write(depth, f"for {targets} in {t.reg(d.a)}:", loop.header)
            self.write(depth + 1, STOP_CHECK, loop.header)
            self.sequence(loop.start, None, loop, depth + 1, first=True)
        else:
            self.write(depth, "while True:", loop.header)
            self.write(depth + 1, STOP_CHECK, loop.header)
            self.sequence(loop.header, None, loop, depth + 1, first=True)
        self.loops -= 1


# ================================================================== dispatch emission

class _Dispatch:
    """The dispatch-loop form: blocks that one edge reaches are inlined into it;
    loop headers, merge points and handler targets are arms of `while True`
    on `L`, the deepest loops first."""

    def __init__(self, t: _Translator, entries: list[int]):
        self.t = t
        self.entries = entries
        self.flows = t.flows
        self.bodies: dict[int, list[str]] = {}
        predecessors: dict[int, int] = {}
        self.labels: set[int] = set()
        self.loop_depth: dict[int, int] = {}
        #: Targets of backward jumps: going there honours a stop asked for.
        self.headers: set[int] = set()
        for pc, flow in self.flows.items():
            t.facts = {}
            lines: list[str] = []
            t.step(pc, lines)
            self.bodies[pc] = lines
            for target in flow.targets:
                predecessors[target] = predecessors.get(target, 0) + 1
                if target <= pc:
                    self.labels.add(target)
                    self.headers.add(target)
                    for inside in range(target, pc + 1):
                        self.loop_depth[inside] = self.loop_depth.get(inside, 0) + 1
        self.labels.update(pc for pc, count in predecessors.items() if count > 1)
        self.labels.update(entries[1:])
        if self.labels:
            self.labels.add(entries[0])
        self.out: list[tuple[str, int]] = []
        self.arms: set[int] = set()
        self.pending: list[int] = []

    def emit(self) -> list[tuple[str, int]]:
        self.out, self.arms, self.pending = [], set(), []
        if self.labels:
            self._dispatch()
        else:
            self.path(self.entries[0], 4)
        return self.out

    def line(self, text: str, pc: int) -> None:
        self.out.append((text, pc))

    def _dispatch(self) -> None:
        self.line("        while True:", -1)
        indent = 14 if self.t.proto.handlers else 12
        if self.t.proto.handlers:
            self.line("            try:", -1)
        queue = sorted(self.labels, key=lambda pc: (-self.loop_depth.get(pc, 0), pc))
        first = True
        while queue:
            pc = queue.pop(0)
            if pc in self.arms:
                continue
            self.arms.add(pc)
            self.line(" " * indent + f"{'if' if first else 'elif'} L == {pc}:", pc)
            first = False
            self.path(pc, indent // 2 + 1, top=True)
            queue.extend(self.pending)
            self.pending = []

    def path(self, pc: int, depth: int, top: bool = False) -> None:
        """Emits the code from `pc` on: straight-line code inline, and each
        branch target inline where one edge reaches it, else a jump to its label."""
        pad = "  " * depth
        while True:
            if pc in self.labels and not top:
                self.goto(pc, pad)
                return
            top = False
            for text in self.bodies[pc]:
                self.line(pad + text, pc)
            flow = self.flows[pc]
            if flow.kind == "stop":
                return
            if flow.kind in ("next", "goto"):
                pc = flow.targets[0]
                continue
            yes, no = flow.targets
            if yes not in self.labels and no in self.labels:
                self.line(pad + f"if not ({flow.condition}):", pc)
                self.goto(no, pad + "  ")
                for text in flow.yes_lines:
                    self.line(pad + text, pc)
                pc = yes
                continue
            if yes not in self.labels and depth >= MAX_NEST:
                if not self.labels:
                    raise _Restart
                self.labels.add(yes)
            self.line(pad + f"if {flow.condition}:", pc)
            for text in flow.yes_lines:
                self.line(pad + "  " + text, pc)
            if yes in self.labels:
                self.goto(yes, pad + "  ")
            else:
                self.path(yes, depth + 1)
            pc = no

    def goto(self, target: int, pad: str) -> None:
        if not self.labels:
            raise _Restart
        self.labels.add(target)
        if target not in self.arms:
            self.pending.append(target)
        if target in self.headers:
            self.line(pad + STOP_CHECK, target)
        self.line(pad + f"L = {target}", target)
        self.line(pad + "continue", target)


def translate(proto: Proto, code: list, entry: int | None = None, speculate: bool = False,
              blacklist: frozenset = frozenset(), shape: str | None = None) -> Source:
    """The Python source of `proto` (its decoded VM code gives resolved operands and caches)."""
    return _Translator(proto, code, entry, speculate, blacklist, shape).source()


# ================================================================== instructions
#
# Each translation appends the lines of one instruction (indented relative to
# its block), records the types it leaves in registers (`t.sets`), and
# returns its Flow. Guards it places (`t.number`, `t.struct` ...) come first.

_ARITH = {"ADD": "+", "SUB": "-", "MUL": "*", "DIV": "/", "IDIV": "//", "MOD": "%", "POW": "**",
          "BAND": "&", "BOR": "|", "BXOR": "^", "SHL": "<<", "SHR": ">>"}
_SLOW = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod",
         "**": "power", "&": "bit_and", "|": "bit_or", "^": "bit_xor", "<<": "shl", ">>": "shr"}
#: What the runtime's operator returns whatever path it takes (it raises otherwise).
_ALWAYS = {"-": "num", "*": "num", "/": "float", "//": "num", "%": "num", "**": "num",
           "&": "int", "|": "int", "^": "int", "<<": "int", ">>": "int"}
_NONE = object()


class _Operand:
    """A register or a constant, with what is known of it."""

    __slots__ = ("text", "index", "value", "fact")

    def __init__(self, t: _Translator, index: int | None = None, value=_NONE):
        self.index = index
        self.value = value
        if index is not None:
            self.text, self.fact = t.reg(index), t.fact(index)
        else:
            self.text, self.fact = t.const(value), _fact_of_value(value)

    @property
    def constant(self) -> bool:
        return self.index is None


def _numeric(t: _Translator, pc: int, out: list, *operands: _Operand) -> bool:
    """True when every operand is a known number, guarding registers that are
    not known to be anything where the proto may."""
    for operand in operands:
        if operand.fact in _NUMBERS:
            continue
        if operand.constant or operand.fact is not None or not t.can_guard(operand.index, pc):
            return False
    for operand in operands:
        if operand.fact not in _NUMBERS:
            t.number(operand.index, pc, out)
            operand.fact = "num"
    return True


def _integers(t: _Translator, pc: int, out: list, *operands: _Operand) -> bool:
    for operand in operands:
        if operand.fact == "int":
            continue
        if operand.constant or operand.fact not in (None, "num") or not t.can_guard(operand.index, pc):
            return False
    for operand in operands:
        if operand.fact != "int":
            t.integer(operand.index, pc, out)
            operand.fact = "int"
    return True


def _result_type(symbol: str, x, y):
    if symbol == "/":
        return "float"
    if x == "int" and y == "int":
        return "int"
    if x == "float" or y == "float":
        return "float"
    return "num"


def _operation(t: _Translator, pc: int, symbol: str, x: _Operand, y: _Operand, out: list) -> tuple[str, object]:
    """The expression for `x symbol y` and the type of its value (None: unknown)."""
    slow = f"{_SLOW[symbol]}({x.text}, {y.text})"
    if symbol in ("**", "<<", ">>"):
        return slow, _ALWAYS[symbol]
    if symbol in ("&", "|", "^"):
        if _integers(t, pc, out, x, y):
            return f"{x.text} {symbol} {y.text}", "int"
        return _guarded(symbol, x, y, slow), "int"
    if symbol == "+" and "str" in (x.fact, y.fact):
        return _concatenation(x, y, slow), "str"
    if _numeric(t, pc, out, x, y):
        kind = _result_type(symbol, x.fact, y.fact)
        if symbol in ("/", "//", "%"):
            if y.constant:
                if not y.value:
                    return slow, _ALWAYS[symbol]
                expression = f"{x.text} {symbol} {y.text}"
            else:
                expression = f"({x.text} {symbol} {y.text}) if {y.text} else {slow}"
        else:
            expression = f"{x.text} {symbol} {y.text}"
        if not (x.fact == y.fact == "float" or (x.fact == y.fact == "int" and symbol != "/")):
            t.arithmetic = True  # an int too large for a float can meet a float (or `/` of two huge ints)
        return expression, kind
    return _guarded(symbol, x, y, slow), _ALWAYS.get(symbol)


def _concatenation(x: _Operand, y: _Operand, slow: str) -> str:
    """`x + y` where one side is known to be a string: Python's own `+` when the
    other is one too (the runtime's first case); the value is a string or the
    runtime raises."""
    if x.fact == y.fact:
        return f"{x.text} + {y.text}"
    other = y if x.fact == "str" else x
    if other.constant:
        return slow
    return f"({x.text} + {y.text}) if type({other.text}) is str else {slow}"


def _guarded(symbol: str, x: _Operand, y: _Operand, slow: str) -> str:
    """`x symbol y` with an inline fast path where the shared runtime's first case applies."""
    kx = x.value if x.constant else _NONE
    ky = y.value if y.constant else _NONE
    known = kx if kx is not _NONE else ky
    other = y.text if kx is not _NONE else x.text
    if symbol in ("&", "|", "^"):
        if known is not _NONE:
            return f"({x.text} {symbol} {y.text}) if type({other}) is int else {slow}" if type(known) is int else slow
        return f"({x.text} {symbol} {y.text}) if type({x.text}) is int and type({y.text}) is int else {slow}"
    if symbol == "/":
        # Python divides ints and floats as the runtime does, unless an int is too large for a float.
        if known is not _NONE:
            usable = type(known) in (int, float) and abs(known) < _FLOAT_SAFE and (kx is not _NONE or known)
            guard = _divisible(other) + (f" and {y.text}" if kx is not _NONE else "")
            return f"({x.text} / {y.text}) if {guard} else {slow}" if usable else slow
        return f"({x.text} / {y.text}) if {_divisible(x.text)} and {_divisible(y.text)} and {y.text} else {slow}"
    divides = symbol in ("//", "%")
    if known is not _NONE:
        if type(known) not in (int, float) or (divides and ky is not _NONE and not ky):
            return slow
        guard = f"type({other}) is {type(known).__name__}"
        if divides and kx is not _NONE:
            guard += f" and {y.text}"
        return f"({x.text} {symbol} {y.text}) if {guard} else {slow}"
    guard = f"((t := type({x.text})) is int or t is float) and type({y.text}) is t"
    if divides:
        guard += f" and {y.text}"
    return f"({x.text} {symbol} {y.text}) if {guard} else {slow}"


def _divisible(x: str) -> str:
    return f"(type({x}) is float or (type({x}) is int and -{_FLOAT_SAFE:.0e} < {x} < {_FLOAT_SAFE:.0e}))"


def _arith(t: _Translator, pc: int, d, out: list) -> Flow:
    symbol = _ARITH[d.info.name]
    expression, kind = _operation(t, pc, symbol, _Operand(t, d.b), _Operand(t, d.c), out)
    out.append(f"{t.reg(d.a)} = {expression}")
    t.sets(d.a, kind)
    return _next(pc + 1)


def _arith_constant(t: _Translator, pc: int, d, out: list) -> Flow:
    name = d.info.name
    symbol = _ARITH["ADD" if name == "ADDI" else name[:-1]]
    value = d.sc if name == "ADDI" else _constant(t, pc, d.c)
    x, k = _Operand(t, d.b), _Operand(t, value=value)
    expression, kind = _operation(t, pc, symbol, k, x, out) if d.k else _operation(t, pc, symbol, x, k, out)
    out.append(f"{t.reg(d.a)} = {expression}")
    t.sets(d.a, kind)
    return _next(pc + 1)


def _constant(t: _Translator, pc: int, field: int):
    """Constant `field` of the instruction at pc (or the index its EXTRAARG carries)."""
    if field == K_IN_EXTRAARG and pc + 1 < len(t.words) and opcode_of(t.words[pc + 1]) == Op.EXTRAARG:
        field = t.decoded[pc + 1].bx
    return t.proto.constants[field]


_COMPARE = {"LT": ("<", "less"), "LE": ("<=", "less_equal"), "GT": (">", "greater"),
            "GE": (">=", "greater_equal")}


def _branch(t: _Translator, pc: int, holds: str, k: bool) -> Flow:
    """A test fused with its JMP: jump when `holds` equals k, else skip the JMP."""
    condition = holds if k else f"not ({holds})"
    return Flow("if", (t.code[pc][4], t.after_jump(pc)), condition)


def _comparison(t: _Translator, pc: int, name: str, x: _Operand, y: _Operand, out: list) -> str:
    symbol, function = _COMPARE[name]
    if _numeric(t, pc, out, x, y) or (x.fact == y.fact == "str"):
        return f"{x.text} {symbol} {y.text}"
    if y.constant and type(y.value) in (int, float):
        return (f"({x.text} {symbol} {y.text}) if type({x.text}) is int or type({x.text}) is float "
                f"else {function}({x.text}, {y.text})")
    if y.constant:
        return f"{function}({x.text}, {y.text})"
    return (f"({x.text} {symbol} {y.text}) if (t := type({x.text})) is type({y.text}) and (t is int or t is float) "
            f"else {function}({x.text}, {y.text})")


def _compare(t: _Translator, pc: int, d, out: list) -> Flow:
    holds = _comparison(t, pc, d.info.name, _Operand(t, d.a), _Operand(t, d.b), out)
    return _branch(t, pc, holds, bool(d.k))


def _compare_constant(t: _Translator, pc: int, d, out: list) -> Flow:
    name = d.info.name
    value = d.sb if d.info.b == "I" else _constant(t, pc, d.b)
    holds = _comparison(t, pc, name[:2], _Operand(t, d.a), _Operand(t, value=value), out)
    return _branch(t, pc, holds, bool(d.k))


def _equal_types(x, y) -> bool:
    return (x in _NUMBERS and y in _NUMBERS) or (x == y and x in ("str", "bool", "nil"))


def _eq(t: _Translator, pc: int, d, out: list) -> Flow:
    x, y = _Operand(t, d.a), _Operand(t, d.b)
    if _equal_types(x.fact, y.fact):
        holds = f"{x.text} == {y.text}"
    else:
        holds = (f"({x.text} == {y.text}) if ((t := type({x.text})) is int or t is str) and type({y.text}) is t "
                 f"else equals({x.text}, {y.text})")
    return _branch(t, pc, holds, bool(d.k))


def _eq_constant(t: _Translator, pc: int, d, out: list) -> Flow:
    entry = t.code[pc]
    if entry[0] == H["PTEST"]:
        return _pattern(t, pc, d, out)
    x, value = _Operand(t, d.a), entry[2]
    if value is None or type(value) is bool:
        holds = f"{x.text} is {value!r}"
    else:
        k = _Operand(t, value=value)
        if _equal_types(x.fact, k.fact):
            holds = f"{x.text} == {k.text}"
        else:
            holds = f"({x.text} == {k.text}) if type({x.text}) is {type(value).__name__} else equals({x.text}, {k.text})"
    return _branch(t, pc, holds, bool(d.k))


def _pattern(t: _Translator, pc: int, d, out: list) -> Flow:
    """The VM's decoded pattern test: skip the JMP when its predicate holds."""
    _, a, b, predicate, target = t.code[pc]
    holds = f"{t.const(predicate)}({t.reg(a)}, {t.reg(b)})"
    return Flow("if", (target, t.after_jump(pc)), f"not {holds}")


_NEVER_FALSE = frozenset({"int", "float", "num", "str", "list", "tuple", "dict"})


def _truth(t: _Translator, index: int) -> str:
    x = t.reg(index)
    fact = t.fact(index)
    if fact == "bool":
        return x
    if fact in _NEVER_FALSE or type(fact) is StructType:
        return "True"
    return f"{x} is not None and {x} is not False"


def _test(t: _Translator, pc: int, d, out: list) -> Flow:
    return _branch(t, pc, _truth(t, d.a), bool(d.k))


def _testset(t: _Translator, pc: int, d, out: list) -> Flow:
    holds = _truth(t, d.b)
    condition = holds if d.k else f"not ({holds})"
    return Flow("if", (t.code[pc][4], t.after_jump(pc)), condition, (f"{t.reg(d.a)} = {t.reg(d.b)}",),
                {d.a: t.fact(d.b)})


def _jmp(t, pc, d, out):
    return Flow("goto", (pc + 1 + d.sj,))


def _loadk(t, pc, d, out):
    value = t.code[pc][2]
    out.append(f"{t.reg(d.a)} = {t.const(value)}")
    t.sets(d.a, _fact_of_value(value) or _builtin_fact(value))
    return _next(pc + 1)


def _builtin_fact(value):
    """Builtin functions and namespaces are constants the code can call directly."""
    if type(value) is Builtin or (type(value) is Module and type(value.members) is dict):
        return ("builtin", value)
    return None


def _loadnil(t, pc, d, out):
    out.append(" = ".join(t.reg(index) for index in range(d.a, d.a + d.b + 1)) + " = None")
    for index in range(d.a, d.a + d.b + 1):
        t.sets(index, "nil")
    return _next(pc + 1)


def _move(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = {t.reg(d.b)}")
    t.sets(d.a, t.fact(d.b))
    return _next(pc + 1)


def _in(t, pc, d, out):
    test = f"contains({t.reg(d.b)}, {t.reg(d.c)})"
    out.append(f"{t.reg(d.a)} = {'not ' if d.k else ''}{test}")
    t.sets(d.a, "bool")
    return _next(pc + 1)


def _concat(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = ''.join(({_items(t, d.a, d.b)}{',' if d.b == 1 else ''}))")
    t.sets(d.a, "str")
    return _next(pc + 1)


def _lfalseskip(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = False")
    t.sets(d.a, "bool")
    return Flow("goto", (pc + 2,))


def _save(t, pc, d, out):
    items = ", ".join(t.reg(index) for index in range(d.a, d.a + d.b))
    out.append(f"{t.reg(d.a)} = ({items}{',' if d.b == 1 else ''})")
    return _next(pc + 1)


def _restore(t, pc, d, out):
    targets = ", ".join(t.reg(index) for index in range(d.a, d.a + d.b))
    out.append(f"v = {t.reg(d.a + 1)}")
    out.append(f"{targets}{',' if d.b == 1 else ''} = {t.reg(d.a)}")
    out.append(f"{t.reg(d.a + d.b)} = v")
    return _next(pc + 1)


def _getupval(t, pc, d, out):
    t.uses_upvals.add(d.bx)
    out.append(f"{t.reg(d.a)} = u{d.bx}.cells[u{d.bx}.index]")
    return _next(pc + 1)


def _setupval(t, pc, d, out):
    t.uses_upvals.add(d.bx)
    out.append(f"u{d.bx}.cells[u{d.bx}.index] = {t.reg(d.a)}")
    return _next(pc + 1)


def _getbuiltin(t, pc, d, out):
    entry = t.code[pc]
    if entry[4] == 0:  # decoded to a LOADK of the builtin
        return _loadk(t, pc, d, out)
    out.append(f"raise runtime_error(*{t.const(entry[2])})")
    return _STOP


def _straight(*templates: str, result=None):
    """A translation from templates of straight-line code: {A} {B} {C} {C1} name
    the registers (C1: the one after C), {b} {c} {bx} {k} the operands, {K}
    constant Bx, {name} the decoded constant C. `result` is the type it leaves in R[A]."""
    text = "\n".join(templates)

    def translate(t: _Translator, pc: int, d, out: list) -> Flow:
        fields = {"A": t.reg(d.a), "B": t.reg(d.b), "C": t.reg(d.c), "C1": t.reg(d.c + 1), "b": d.b, "c": d.c,
                  "bx": d.bx, "k": bool(d.k)}
        if "{K}" in text:
            fields["K"] = t.const(t.proto.constants[d.bx])
        if "{name}" in text:
            fields["name"] = t.const(t.code[pc][3])
        out.extend(template.format(**fields) for template in templates)
        if result is not None:
            t.sets(d.a, result)
        return _next(pc + 1)

    return translate


_GETGLOBAL = ("try:", "  {A} = G[{K}]", "except KeyError:", "  {A} = missing_global({K}, B)")


def _items(t, start: int, count: int) -> str:
    return ", ".join(t.reg(index) for index in range(start, start + count))


def _newarray(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = [{_items(t, d.a + 1, d.b)}]")
    t.sets(d.a, "list")
    return _next(pc + 1)


def _setlist(t, pc, d, out):
    out.append(f"{t.reg(d.a)}.extend(({_items(t, d.a + 1, d.b)}{',' if d.b == 1 else ''}))")
    return _next(pc + 1)


def _newtuple(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = ({_items(t, d.a + 1, d.b)}{',' if d.b == 1 else ''})")
    t.sets(d.a, "tuple")
    return _next(pc + 1)


def _pairs(t, d) -> str:
    return ", ".join(f"{t.reg(d.a + 1 + 2 * i)}: {t.reg(d.a + 2 + 2 * i)}" for i in range(d.b))


def _newmap(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = {{{_pairs(t, d)}}}")
    t.sets(d.a, "dict")
    return _next(pc + 1)


def _setpairs(t, pc, d, out):
    out.append(f"{t.reg(d.a)}.update({{{_pairs(t, d)}}})" if d.b else "pass")
    return _next(pc + 1)


def _index_operands(t: _Translator, pc: int, out: list, container: int, index: int) -> bool:
    """True when `container` is known to be an array and `index` an int
    (speculating both where the proto may: an int index into an array)."""
    c, i = t.fact(container), t.fact(index)
    if c == "list" and i == "int":
        return True
    if c not in (None, "list") or i not in ("int", "num"):
        return False
    if (c is None and not t.can_guard(container, pc)) or (i != "int" and not t.can_guard(index, pc)):
        return False
    if c is None:
        t.assume(container, "list", f"type({t.reg(container)}) is list", pc, out)
    if i != "int":
        t.integer(index, pc, out)
    return True


def _getindex(t, pc, d, out):
    a, b, c = t.reg(d.a), t.reg(d.b), t.reg(d.c)
    if _index_operands(t, pc, out, d.b, d.c):
        out.extend((f"try:", f"  {a} = {b}[{c}]", "except IndexError:", f"  {a} = get_index({b}, {c})"))
    else:
        out.extend((f"if type({b}) is list and type({c}) is int:", "  try:", f"    {a} = {b}[{c}]",
                    "  except IndexError:", f"    {a} = get_index({b}, {c})", "else:", f"  {a} = get_index({b}, {c})"))
    return _next(pc + 1)


def _setindex(t, pc, d, out):
    a, b, c = t.reg(d.a), t.reg(d.b), t.reg(d.c)
    if _index_operands(t, pc, out, d.a, d.b):
        out.extend(("try:", f"  {a}[{b}] = {c}", "except IndexError:", f"  set_index({a}, {b}, {c})"))
    else:
        out.extend((f"if type({a}) is list and type({b}) is int:", "  try:", f"    {a}[{b}] = {c}",
                    "  except IndexError:", f"    set_index({a}, {b}, {c})", "else:", f"  set_index({a}, {b}, {c})"))
    return _next(pc + 1)


def _getindexi(t, pc, d, out):
    a, b = t.reg(d.a), t.reg(d.b)
    if t.fact(d.b) in ("list", "tuple"):
        out.extend(("try:", f"  {a} = {b}[{d.c}]", "except IndexError:", f"  {a} = get_index({b}, {d.c})"))
    else:
        out.append(f"{a} = {b}[{d.c}] if (type({b}) is list or type({b}) is tuple) and {d.c} < len({b}) "
                   f"else get_index({b}, {d.c})")
    return _next(pc + 1)


def _getfield(t, pc, d, out):
    name = t.code[pc][3]
    a, b = t.reg(d.a), t.reg(d.b)
    kind = t.struct(d.b, pc, out, name)
    if kind is not None:
        out.append(f"{a} = {b}.values[{kind.field_index[name]}]")
        return _next(pc + 1)
    cached, slot = t.cache("T", None, 0)
    out.extend((f"o = {b}", f"if type(o) is StructInstance and o.type is {cached}:", f"  {a} = o.values[{slot}]",
                "else:", f"  {a}, {cached}, {slot} = field_slot(o, {t.const(name)}, {cached}, {slot})"))
    return _next(pc + 1)


def _setfield(t, pc, d, out):
    name = t.code[pc][3]
    a, b = t.reg(d.a), t.reg(d.b)
    kind = t.struct(d.a, pc, out, name)
    if kind is not None:
        out.append(f"{a}.values[{kind.field_index[name]}] = {b}")
        return _next(pc + 1)
    cached, slot = t.cache("T", None, 0)
    out.extend((f"o = {a}", f"if type(o) is StructInstance and o.type is {cached}:", f"  o.values[{slot}] = {b}",
                "else:", f"  {cached}, {slot} = set_field_slot(o, {t.const(name)}, {b}, {cached}, {slot})"))
    return _next(pc + 1)


def _unpack(t, pc, d, out):
    targets = ", ".join(t.reg(index) for index in range(d.a, d.a + d.c))
    out.append(f"{targets}{',' if d.c == 1 else ''} = unpack({t.reg(d.b)}, {d.c})" if d.c
               else f"unpack({t.reg(d.b)}, 0)")
    return _next(pc + 1)


def _unary(t, pc, d, out):
    x = _Operand(t, d.b)
    a = t.reg(d.a)
    if d.info.name == "UNM":
        if _numeric(t, pc, out, x):
            out.append(f"{a} = -{x.text}")
            t.sets(d.a, x.fact)
        else:
            out.append(f"{a} = (-{x.text}) if type({x.text}) is int or type({x.text}) is float else neg({x.text})")
            t.sets(d.a, "num")
    elif x.fact == "int":
        out.append(f"{a} = ~{x.text}")
        t.sets(d.a, "int")
    else:
        out.append(f"{a} = (~{x.text}) if type({x.text}) is int else bit_not({x.text})")
        t.sets(d.a, "int")
    return _next(pc + 1)


def _not(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = not ({_truth(t, d.b)})")
    t.sets(d.a, "bool")
    return _next(pc + 1)


def _window(t, pc, d, out, reads: tuple, writes: tuple = ()) -> Flow:
    """A rare instruction run by the VM's own function on a window of the
    registers it uses (a dict standing in for the stack)."""
    _, a, b, c, function = t.code[pc]
    window = ", ".join(f"{index}: {t.reg(index)}" for index in reads)
    out.append(f"W = {{{window}}}")
    out.append(f"{t.const(function)}(vm, W, 0, {a}, {t.const(b)}, {t.const(c)})")
    for index in writes:
        out.append(f"{t.reg(index)} = W[{index}]")
    return _next(pc + 1)


def _matcherror(t, pc, d, out):
    _window(t, pc, d, out, (d.a,))
    return _STOP


def _fail(t, pc, d, out):
    out.append(f"raise runtime_error(*{t.const(t.code[pc][2])})")
    return _STOP


def _throw(t, pc, d, out):
    out.append(f"raise EskerError({t.reg(d.a)})")
    return _STOP


def _import(t, pc, d, out):
    _, a, parts, importer, _ = t.code[pc]
    out.append(f"{t.reg(d.a)} = vm.import_module({t.const(parts)}, {t.const(importer)})")
    return _next(pc + 1)


def _declare(t, pc, d, out):
    return _window(t, pc, d, out, (), (d.a,))


def _setmethod(t, pc, d, out):
    return _window(t, pc, d, out, (d.a, d.b))


def _rethrow(t, pc, d, out):
    _window(t, pc, d, out, (d.a,))
    return _STOP


# ---------------------------------------------------------- calls

#: What a call site's closure cache holds before its first call (no value is it).
NO_CLOSURE = type("NoClosure", (), {"__repr__": lambda self: "<no closure>"})()


def _fits(count: int, least: int, most: int | None) -> bool:
    return least <= count and (most is None or count <= most)


def _direct(t: _Translator, target: str, call: str, name: str, out: list) -> None:
    """A builtin's implementation called directly (its arity already checked),
    its host faults reported as `call_native` reports them."""
    out.extend(("try:", f"  {target} = {call}", "except HOST_FAULTS as x:",
                f"  raise host_fault({t.const(name)}, x) from None"))


#: Builtins whose common case is one Python expression (`x`: the argument,
#: `slow`: the call of the builtin), and the type of value they always return.
_INLINE_BUILTINS = {
    "len": ("len({x}) if (t := type({x})) is str or t is list or t is dict or t is tuple else {slow}", "int"),
    "str": ("{x} if (t := type({x})) is str else (repr({x}) if t is int else {slow})", "str"),
}


def _call(t, pc, d, out):
    """CALL: a builtin known here is called directly; else a per-site cache of
    the last closure called (any closure of its proto also takes the fast
    path) and its proto's tier state, whose `entry` is called."""
    a = t.reg(d.a)
    args = [t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b)]
    listed = ", ".join(args)
    callee = t.fact(d.a)
    if type(callee) is tuple and type(callee[1]) is Builtin and _fits(d.b, callee[1].min_args, callee[1].max_args):
        builtin = callee[1]
        call = f"{t.const(builtin.func)}(vm, [{listed}])"
        inline = _INLINE_BUILTINS.get(builtin.name) if d.b == 1 else None
        if inline is not None:
            call = inline[0].format(x=args[0], slow=call)
            t.sets(d.a, inline[1])
        _direct(t, a, call, builtin.name, out)
        return _next(pc + 1)
    closure, proto, state = t.cache("C", NO_CLOSURE, None, None)
    out.append(f"f = {a}")
    out.append(f"if f is {closure} or (type(f) is VMClosure and f.proto is {proto}):")
    out.append(f"  {a} = {state}.entry({', '.join(['f', 'D + 1'] + args)})")
    out.append("elif type(f) is VMClosure:")
    out.append(f"  {a}, {closure}, {proto}, {state} = call_cached(f, D + 1, [{listed}], {closure}, {proto}, {state})")
    out.append(f"elif type(f) is StructType and len(f.fields) == {d.b}:")
    out.append(f"  {a} = StructInstance(f, [{listed}])")
    out.append("else:")
    out.append(f"  {a} = call_native(vm, f, [{listed}])")
    return _next(pc + 1)


#: Ends the line of a tail call made directly: an error passing through that
#: line comes from the callee, whose frame replaced this one (no trace entry here).
REPLACES_FRAME = "  # tail call: the callee's frame replaces this one"


def _tailcall(t, pc, d, out):
    """TAILCALL: a per-site cache of a closure whose proto makes no tail calls
    itself; such a callee is called directly at this frame's depth (it cannot
    chain further tail calls, so the host stack stays bounded); any other
    closure is left to the caller (TAIL), which makes the call."""
    listed = ", ".join(t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b))
    close = ["  if O: close_all(O)"] if t.captured else []
    out.append(f"f = {t.reg(d.a)}")
    if t.generator:
        out.append("if type(f) is VMClosure:")
        out.append(f"  v = call_closure(f, D, [{listed}])")
    else:
        t.tails = True
        closure, proto, state = t.cache("C", NO_CLOSURE, None, None)
        entry = ", ".join(["f", "D"] + [t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b)])
        out.append(f"if f is {closure} or (type(f) is VMClosure and f.proto is {proto}):")
        out.extend(close)
        out.append(f"  return {state}.entry({entry}){REPLACES_FRAME}")
        out.append("elif type(f) is VMClosure:")
        out.append(f"  v, {closure}, {proto}, {state} = tail_cached(f, [{listed}], {closure}, {proto}, {state})")
        out.extend(close)
        out.append("  return v")
    out.append(f"elif type(f) is StructType and len(f.fields) == {d.b}:")
    out.append(f"  v = StructInstance(f, [{listed}])")
    out.append("else:")
    out.append(f"  v = call_native(vm, f, [{listed}])")
    if t.captured:
        out.append("if O: close_all(O)")
    out.append("return" if t.generator else "return v")
    return _STOP


def _known_method(t: _Translator, d, name: str):
    """(function, display name, whether it takes the receiver) of a method
    call whose target is known here: a builtin namespace's function, or a
    method of a builtin type the receiver is known to have."""
    receiver = t.fact(d.a)
    if type(receiver) is tuple and type(receiver[1]) is Module:
        member = receiver[1].members.get(name)
        if type(member) is Builtin and _fits(d.b, member.min_args, member.max_args):
            return member.func, member.name, False
        return None
    kind = {"str": str, "list": list, "dict": dict, "tuple": tuple}.get(receiver)
    entry = builtins_method_entry(kind, name) if kind is not None else None
    if entry is not None and _fits(d.b, entry.min_args, entry.max_args):
        return entry.func, entry.qualified, True
    return None


def _method(t, pc, d, out):
    """METHOD: a target known here is called directly; else a per-site cache
    of a struct type and its method's tier state, and one of a builtin type
    and its method's implementation; module builtins straight to the runtime."""
    a = t.reg(d.a)
    args = [t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b)]
    listed = ", ".join(args)
    name = t.code[pc][3]
    known = _known_method(t, d, name)
    if known is not None:
        function, shown, receives = known
        receiver = f"{a}, " if receives else ""
        _direct(t, a, f"{t.const(function)}(vm, {receiver}[{listed}])", shown, out)
        return _next(pc + 1)
    kind, function, state, builtin, implementation, shown = t.cache("M", None, None, None, None, None, None)
    quoted = t.const(name)
    out.append(f"o = {a}")
    out.append(f"if (t := type(o)) is StructInstance and o.type is {kind}:")
    out.append(f"  {a} = {state}.entry({', '.join([function, 'D + 1', 'o'] + args)})")
    out.append(f"elif t is {builtin}:")
    out.append("  try:")
    out.append(f"    {a} = {implementation}(vm, o, [{listed}])")
    out.append("  except HOST_FAULTS as x:")
    out.append(f"    raise host_fault({shown}, x) from None")
    out.append("elif t is StructInstance or t is EnumValue:")
    out.append(f"  {a}, {kind}, {function}, {state} = method_cached(o, {quoted}, D + 1, [{listed}], {kind}, "
               f"{function}, {state})")
    out.append("elif t is list or t is str or t is dict or t is tuple:")
    out.append(f"  {a}, {builtin}, {implementation}, {shown} = builtin_method(o, {quoted}, [{listed}], {builtin}, "
               f"{implementation}, {shown})")
    out.append(f"elif t is Module and type(f := o.members.get({quoted})) is Builtin:")
    out.append(f"  {a} = call_native(vm, f, [{listed}])")
    out.append("else:")
    out.append(f"  {a} = method(o, {quoted}, D + 1, [{listed}])")
    return _next(pc + 1)


def _tailmethod(t, pc, d, out):
    args = ", ".join(t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b))
    out.append(f"v = tail_method({t.reg(d.a)}, {t.const(t.code[pc][3])}, D, [{args}])")
    if t.generator:
        out.append("if v is TAIL: finish_tail(D)")
    else:
        t.tails = True
    if t.captured:
        out.append("if O: close_all(O)")
    out.append("return" if t.generator else "return v")
    return _STOP


def _callx(t, pc, d, out):
    window = ", ".join(t.reg(index) for index in range(d.a, d.a + 1 + d.b))
    out.append(f"{t.reg(d.a)} = callx({d.a}, {d.b}, {t.const(t.code[pc][3])}, [{window}], D + 1)")
    return _next(pc + 1)


def _return(t, pc, d, out):
    if t.captured:
        out.append(f"v = {t.reg(d.a)}")
        out.append("if O: close_all(O)")
        out.append("return" if t.generator else "return v")
    else:
        out.append("return" if t.generator else f"return {t.reg(d.a)}")
    return _STOP


def _return0(t, pc, d, out):
    if t.captured:
        out.append("if O: close_all(O)")
    out.append("return")
    return _STOP


def _closure(t, pc, d, out):
    _, a, child, code, captures = t.code[pc]
    cells = []
    for where, index in captures:
        if where == 0:
            cells.append(f"capture(O, S, {index})")
        elif where == 2:
            t.uses_upvals.add(index)
            cells.append(f"u{index}")
        else:
            cells.append(f"capture_far(r0, {index - FAR_BASE})")
    made = f"{t.reg(d.a)} = VMClosure({t.const(child)}, {t.const(code)}, [{{}}])"
    own = sorted({index for where, index in captures if where == 0})
    if not own:
        out.append(made.format(", ".join(cells)))
        return _next(pc + 1)
    # No open upvalue yet (the common case: the first closure of a call): make them, in order.
    fresh = [f"w{index}" if where == 0 else cell for (where, index), cell in zip(captures, cells)]
    out.append("if O:")
    out.append("  " + made.format(", ".join(cells)))
    out.append("else:")
    out.extend(f"  w{index} = UpVal(S, {index})" for index in own)
    out.append(f"  O += ({''.join(f'w{index}, ' for index in own)})")
    out.append("  " + made.format(", ".join(fresh)))
    return _next(pc + 1)


def _close(t, pc, d, out):
    if t.captured:
        out.append(f"if O and O[-1].index >= {d.a}: close(O, {d.a})")
    if t.proto.num_far:
        out.append(f"close_far(r0, {d.bx})")
    if not out:
        out.append("pass")
    return _next(pc + 1)


# ---------------------------------------------------------- loops and generators

def _forprep(t, pc, d, out):
    start, stop, var = t.reg(d.a), t.reg(d.a + 1), t.reg(d.a + 2)
    if not (t.fact(d.a) == t.fact(d.a + 1) == "int"):
        out.append(f"if type({start}) is not int or type({stop}) is not int: make_range({start}, {stop}, {bool(d.k)})")
    if d.k:
        out.append(f"{stop} += 1")
    t.sets(d.a, "int")
    t.sets(d.a + 1, "int")
    return Flow("if", (t.after_jump(pc), t.code[pc][4]), f"{start} < {stop}", (f"{var} = {start}",),
                {d.a + 2: "int"})


def _forloop(t, pc, d, out):
    counter, stop, var = t.reg(d.a), t.reg(d.a + 1), t.reg(d.a + 2)
    out.append(f"v = {counter} + 1")
    return Flow("if", (t.code[pc][4], t.after_jump(pc)), f"v < {stop}", (f"{counter} = {var} = v",),
                {d.a: "int", d.a + 2: "int"})


def _iterprep(t, pc, d, out):
    x = t.reg(d.a)
    out.append(f"{x} = {'iterate_pairs' if d.k else 'iterate'}({x}, D)")
    return _next(pc + 1)


def _foriter(t, pc, d, out):
    out.append(f"v = next({t.reg(d.a)}, END)")
    assign = f"{t.reg(d.a + 2)}, {t.reg(d.a + 3)} = v" if d.k else f"{t.reg(d.a + 2)} = v"
    return Flow("if", (t.code[pc][4], t.after_jump(pc)), "v is not END", (assign,),
                {d.a + 2: None, d.a + 3: None} if d.k else {d.a + 2: None})


def _genstart(t, pc, d, out):
    out.append("D = yield")
    return _next(pc + 1)


def _yield(t, pc, d, out):
    out.append(f"D = yield {t.reg(d.a)}")
    return _next(pc + 1)


def _nop(t, pc, d, out):
    return _next(pc + 1)


def builtins_method_entry(kind: type, name: str):
    from .runtime.builtins import method_entry

    return method_entry(kind, name)


#: The translation of every instruction of the table (a test checks that none is missing).
TRANSLATIONS = {
    "MOVE": _move, "LOADK": _loadk, "LOADI": _loadk, "LOADNIL": _loadnil, "LOADTRUE": _loadk,
    "LOADFALSE": _loadk, "LFALSESKIP": _lfalseskip, "SAVE": _save, "RESTORE": _restore,
    "GETFAR": _straight("{A} = r0[{bx}]"), "SETFAR": _straight("r0[{bx}] = {A}"), "GETUPVAL": _getupval,
    "SETUPVAL": _setupval, "GETGLOBAL": _straight(*_GETGLOBAL), "GETBUILTIN": _getbuiltin,
    "SETGLOBAL": _straight("if {K} not in G: raise assign_missing({K}, B)", "G[{K}] = {A}"),
    "DEFGLOBAL": _straight("G[{K}] = {A}"),
    "NEWARRAY": _newarray, "NEWARRAYK": _straight("{A} = list({K})", result="list"), "SETLIST": _setlist,
    "NEWTUPLE": _newtuple, "TUPLE": _straight("{A} = tuple({B})", result="tuple"), "NEWMAP": _newmap,
    "NEWMAPK": _straight("{A} = dict({K})", result="dict"), "SETPAIRS": _setpairs,
    "CHECKKEY": _straight("check_key({A})"),
    "GETINDEX": _getindex, "SETINDEX": _setindex, "GETINDEXI": _getindexi,
    "GETFIELD": _getfield, "SETFIELD": _setfield,
    "RANGE": _straight("{A} = make_range({B}, {C}, {k})"), "UNPACK": _unpack,
    "CHECKLEN": _straight("unpack({A}, {bx})"), "SLICE": _straight("{A} = {B}[{c}:]"),
    "PAYLOAD": _straight("{A} = {B}.payload"), "GETSLICE": _straight("{A} = get_slice({B}, {C}, {C1})"),
    "IN": _in,
    "TOSTR": _straight("{A} = {B} if type({B}) is str else to_str({B})", result="str"),
    "FORMAT": _straight("{A} = format_text({B}, {name})", result="str"), "CONCAT": _concat,
    **{name: _arith for name in _ARITH},
    **{name + "K": _arith_constant for name in _ARITH},
    "ADDI": _arith_constant,
    "UNM": _unary, "BNOT": _unary, "NOT": _not,
    "EQ": _eq, "LT": _compare, "LE": _compare, "GT": _compare, "GE": _compare,
    "EQK": _eq_constant, "EQI": _eq_constant, "LTI": _compare_constant, "LEI": _compare_constant,
    "GTI": _compare_constant, "GEI": _compare_constant, "LTK": _compare_constant, "LEK": _compare_constant,
    "GTK": _compare_constant, "GEK": _compare_constant, "TEST": _test, "TESTSET": _testset,
    "TESTARG": _pattern, "JMP": _jmp,
    "TESTTUPLE": _pattern, "TESTARRAY": _pattern, "TESTARRAYMIN": _pattern, "TESTRANGE": _pattern,
    "TESTVARIANT": _pattern, "TESTSTRUCT": _pattern, "MATCHERROR": _matcherror,
    "CALL": _call, "TAILCALL": _tailcall, "METHOD": _method, "TAILMETHOD": _tailmethod, "CALLX": _callx,
    "RETHROW": _rethrow,
    "RETURN": _return, "RETURN0": _return0, "CLOSURE": _closure, "CLOSE": _close,
    "FORPREP": _forprep, "FORLOOP": _forloop, "ITERPREP": _iterprep, "FORITER": _foriter,
    "GENSTART": _genstart, "YIELD": _yield, "THROW": _throw, "FAIL": _fail, "IMPORT": _import,
    "STRUCT": _declare, "ENUM": _declare, "SETMETHOD": _setmethod, "SETDEFAULT": _setmethod,
    "EXTRAARG": _nop,
}


# ---------------------------------------------------------- what each instruction writes

#: Instructions that write R[A] only.
_WRITES_A = frozenset({
    "MOVE", "LOADK", "LOADI", "LOADTRUE", "LOADFALSE", "LFALSESKIP", "SAVE", "GETFAR", "GETUPVAL", "GETGLOBAL",
    "GETBUILTIN", "NEWARRAY", "NEWARRAYK", "NEWTUPLE", "TUPLE", "NEWMAP", "NEWMAPK", "GETINDEX", "GETINDEXI",
    "GETFIELD", "RANGE", "SLICE", "PAYLOAD", "GETSLICE", "IN", "TOSTR", "FORMAT", "CONCAT", "UNM", "BNOT", "NOT",
    "CALL", "METHOD", "CALLX", "CLOSURE", "ITERPREP", "IMPORT", "STRUCT", "ENUM", "ADDI",
    *_ARITH, *(name + "K" for name in _ARITH)})
#: Instructions that write no register on their fall-through edge (tests assign on their jump edge).
_WRITES_NOTHING = frozenset({
    "SETFAR", "SETUPVAL", "SETGLOBAL", "DEFGLOBAL", "SETLIST", "SETPAIRS", "CHECKKEY", "SETINDEX", "SETFIELD",
    "CHECKLEN", "EQ", "LT", "LE", "GT", "GE", "EQK", "EQI", "LTI", "LEI", "GTI", "GEI", "LTK", "LEK", "GTK",
    "GEK", "TEST", "TESTSET", "TESTARG", "JMP", "TESTTUPLE", "TESTARRAY", "TESTARRAYMIN", "TESTRANGE",
    "TESTVARIANT", "TESTSTRUCT", "MATCHERROR", "TAILCALL", "TAILMETHOD", "RETHROW", "RETURN", "RETURN0",
    "CLOSE", "GENSTART", "YIELD", "THROW", "FAIL", "SETMETHOD", "SETDEFAULT", "EXTRAARG", "FORLOOP",
    "FORITER"})


def _writes(name: str, d):
    """The registers an instruction overwrites (None: not known, so nothing is
    known afterwards: what an instruction added to the table without an entry here gets)."""
    if name in _WRITES_A:
        return (d.a,)
    if name in _WRITES_NOTHING:
        return ()
    if name in ("LOADNIL", "RESTORE"):
        return range(d.a, d.a + d.b + 1)
    if name == "UNPACK":
        return range(d.a, d.a + d.c)
    if name == "FORPREP":
        return (d.a + 1,)
    return None
