"""The second tier: hot protos compiled from their bytecode into Python functions.

The VM counts how often each proto is entered and how often each of its
loops goes round, through entry points it puts in the proto's decoded code:
at pc 0 and at every loop header (the target of a backward jump). Past the
threshold the proto is translated, instruction by instruction from its
bytecode words and the VM's decoded operands, into Python source, which is
`compile()`d once; from then on its entry points run the Python function
instead (at a loop header that is on-stack replacement: the frame's
registers and open upvalues move into the compiled function).

Generated code keeps registers in Python locals, except the registers some
closure captures, which live in a list of the frame (`S`) so that `UpVal`
cells can point at them exactly as they point into the VM's stack; closing
works the same in both tiers. Basic blocks that only one edge reaches are
inlined into that edge; the others (loop headers, merge points, handler
targets) become arms of a dispatch loop on `L`. Fast paths for ints,
floats, lists and struct fields are inline; every slow path calls the
shared runtime (`runtime.ops`, `builtins.call_method`, the VM's helpers).

Each generated line carries the pc it came from, so an error's position is
found from the traceback's line number, then mapped through the proto's
spans like the VM's; handler tables are searched the same way. Calls push
a record on the VM's `frames`, so depth limits and `StackOverflow` are the
VM's. Past `host_depth` Python frames a call runs in the VM instead, whose
frames cost no host stack. A tail call returns a `TAIL` marker to the
nearest caller, which runs the callee: constant host stack. Generator
protos become Python generators behind a `TierGenerator`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from .opcodes import OPCODES, Op, decode, opcode_of
from .proto import FAR_BASE, LOCAL_LIMIT, Proto
from .runtime import builtins, ops
from .runtime.errors import EskerError, ProgramExit, TraceEntry, runtime_error
from .runtime.formatting import format_text
from .runtime.printing import to_str
from .runtime.values import Builtin, EnumValue, Generator, Module, StructInstance, StructType
from . import machine
from .machine import H

#: A compiled body returns this after a tail call it left to its caller (`Tier.pending` holds it).
TAIL = type("TailCall", (), {"__repr__": lambda self: "<tail call>"})()
#: What a frame of compiled code puts on `VM.frames` (no debugger ever sees one).
MARK = (None, None, 0, 0, None)
#: Calls and loop iterations before a proto is compiled, by default.
DEFAULT_THRESHOLD = 500
#: Python frames of compiled code allowed before calls go to the VM's own frames.
HOST_DEPTH_CAP = 20_000
#: Deepest nesting of inlined `if` arms before a target gets a dispatch arm instead.
MAX_NEST = 40
_END = object()
#: What a call site's closure cache holds before its first call (no value is it).
_NO_CLOSURE = object()


class NotCompilable(Exception):
    """A proto the tier leaves to the VM (it says why)."""


# ================================================================== translation

@dataclass
class Source:
    """The Python source generated for one proto, and the pc of each line."""

    proto: Proto
    name: str
    lines: list[str] = field(default_factory=list)
    pcs: list[int] = field(default_factory=list)
    namespace: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def annotated(self) -> str:
        """The source with each line's bytecode pc in a right-hand column (`dis --python`)."""
        width = max((len(line) for line in self.lines), default=0)
        out = []
        for line, pc in zip(self.lines, self.pcs):
            out.append(f"{line.ljust(width)}  # {pc}" if pc >= 0 else line)
        return "\n".join(out) + "\n"


class _Restart(Exception):
    """Emission found it needs the dispatch loop after all: start again with it."""


class _Translator:
    """Translates one proto. `code` is the VM's decoded list for it (resolved
    constants, pattern predicates); `osr` asks for the variant entered at a
    loop header with every register given (`R`) and the frame's open upvalues (`O`)."""

    def __init__(self, proto: Proto, code: list, osr: bool):
        self.proto = proto
        self.code = code
        self.osr = osr
        self.words = proto.code
        self.decoded = [decode(word) for word in proto.code]
        self.generator = proto.is_generator
        self.captured = self._captured_registers()
        self.ns: dict = {}
        self.names: dict[int, str] = {}
        self.caches: list[str] = []
        self.uses_upvals: set[int] = set()
        self.flows: dict[int, tuple] = {}
        self.bodies: dict[int, list[str]] = {}
        self.labels: set[int] = set()
        self.loop_depth: dict[int, int] = {}
        self.lines: list[str] = []
        self.pcs: list[int] = []
        self.arms: set[int] = set()
        self.pending: list[int] = []

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
        """Names of per-site cache cells: globals of the generated code."""
        names = []
        for value in initial:
            name = f"{prefix}{len(self.caches)}"
            self.caches.append(name)
            self.ns[name] = value
            names.append(name)
        return names

    def after_jump(self, pc: int) -> int:
        """The pc after the JMP that follows the test at `pc`."""
        following = pc + 1
        if following < len(self.words) and opcode_of(self.words[following]) == Op.EXTRAARG:
            following += 1
        return following + 1

    # ---------------------------------------------------------- control flow

    def build(self) -> None:
        """Translates every reachable instruction; labels are the pcs that loops,
        merges and handlers reach (the rest is inlined into its one predecessor)."""
        entries = [0] + [handler.target_pc for handler in self.proto.handlers]
        predecessors: dict[int, int] = {}
        work = list(entries)
        seen = set(work)
        while work:
            pc = work.pop()
            lines: list[str] = []
            flow = TRANSLATIONS[self.decoded[pc].info.name](self, pc, self.decoded[pc], lines)
            self.bodies[pc], self.flows[pc] = lines, flow
            for target in _targets(flow):
                predecessors[target] = predecessors.get(target, 0) + 1
                if target <= pc:
                    self.labels.add(target)
                    for inside in range(target, pc + 1):
                        self.loop_depth[inside] = self.loop_depth.get(inside, 0) + 1
                if target not in seen:
                    seen.add(target)
                    work.append(target)
        self.labels.update(pc for pc, count in predecessors.items() if count > 1)
        self.labels.update(entries[1:])
        if self.labels:
            self.labels.add(0)

    def source(self) -> Source:
        self.build()
        while True:
            try:
                self._emit()
                break
            except _Restart:
                self.labels.add(0)
        if self.caches:
            self.lines.insert(1, "    global " + ", ".join(self.caches))
            self.pcs.insert(1, -1)
        return Source(self.proto, _identifier(self.proto), self.lines, self.pcs, self.ns)

    def _emit(self) -> None:
        self.lines, self.pcs, self.arms, self.pending = [], [], set(), []
        params = [f"r{i}" for i in range(entry_registers(self.proto))]
        name = _identifier(self.proto)
        self.line(f"def {name}(F, L, R, O):" if self.osr else f"def {name}({', '.join(['F'] + params)}):", -1)
        body: list[tuple[str, int]] = []
        saved, self.lines, self.pcs = (self.lines, self.pcs), [], []
        if self.labels:
            self._dispatch()
        else:
            self.path(0, 4)
        body = list(zip(self.lines, self.pcs))
        self.lines, self.pcs = saved
        self._prologue(params)
        for text, pc in body:
            self.line(text, pc)
        self._epilogue()

    def _prologue(self, params: list[str]) -> None:
        if not self.osr and not self.generator and self.proto.num_params == len(params) and \
                not self.proto.num_defaults:
            self.line(f"    if len(frames) >= host_depth: return deep(F, [{', '.join(params)}])", 0)
        if self.uses_upvals:
            self.line("    U = F.upvals", 0)
            for index in sorted(self.uses_upvals):
                self.line(f"    u{index} = U[{index}]", 0)
        if self.osr:
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
        if not self.generator:
            self.line("    frames.append(MARK)", 0)
        self.line("    try:", 0)

    def _dispatch(self) -> None:
        if not self.osr:
            self.line("        L = 0", 0)
        self.line("        while True:", -1)
        indent = 14 if self.proto.handlers else 12
        if self.proto.handlers:
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
        if self.proto.handlers:
            self._handlers()

    def _handlers(self) -> None:
        """The handler table, as the VM's unwinding reads it: the frame's trace
        entry first (unless RETHROW throws an error that has it already, or
        `exit()` is on its way out), then the first handler covering the pc
        (only `finally` handlers stop `exit()`); else the frame is left."""
        pad = " " * 12
        finally_handlers = any(handler.is_finally for handler in self.proto.handlers)
        caught = "(EskerError, ProgramExit)" if finally_handlers else "EskerError"
        self.line(pad + f"except {caught} as e:", -1)
        self.line(pad + "    p = PCS[e.__traceback__.tb_lineno]", -1)
        if finally_handlers:
            self.line(pad + "    exiting = type(e) is ProgramExit", -1)
            self.line(pad + "    if exiting: pass", -1)
            self.line(pad + "    elif e is vm._rethrowing: vm._rethrowing = None", -1)
            self.line(pad + "    else: leave(e, p)", -1)
        else:
            self.line(pad + "    leave(e, p)", -1)
        for handler in self.proto.handlers:
            applies = "" if handler.is_finally or not finally_handlers else " and not exiting"
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
        self._leave(pad + "    ")

    def _leave(self, pad: str) -> None:
        """The frame is left by an error: its upvalues are closed."""
        if self.captured:
            self.line(pad + "if O: close(O, 0)", -1)
        if self.proto.num_far:
            self.line(pad + "close_far(r0, 0)", -1)
        self.line(pad + "raise", -1)

    def _epilogue(self) -> None:
        if not self.proto.handlers:
            self.line("    except EskerError as e:", -1)
            self.line("        leave(e, PCS[e.__traceback__.tb_lineno])", -1)
            self._leave("        ")
        if not self.generator:
            self.line("    finally:", -1)
            self.line("        frames.pop()", -1)
        elif self.proto.handlers:
            self.line("    finally:", -1)
            self.line("        pass", -1)

    def line(self, text: str, pc: int) -> None:
        self.lines.append(text)
        self.pcs.append(pc)

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
            if flow[0] == "stop":
                return
            if flow[0] in ("next", "goto"):
                pc = flow[1]
                continue
            _, condition, yes, no, yes_lines = flow
            if yes not in self.labels and no in self.labels:
                self.line(pad + f"if not ({condition}):", pc)
                self.goto(no, pad + "  ")
                for text in yes_lines:
                    self.line(pad + text, pc)
                pc = yes
                continue
            if yes not in self.labels and depth >= MAX_NEST:
                if not self.labels:
                    raise _Restart
                self.labels.add(yes)
            self.line(pad + f"if {condition}:", pc)
            for text in yes_lines:
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
        self.line(pad + f"L = {target}", target)
        self.line(pad + "continue", target)


def _targets(flow: tuple) -> list[int]:
    if flow[0] in ("next", "goto"):
        return [flow[1]]
    if flow[0] == "if":
        return [flow[2], flow[3]]
    return []


def _identifier(proto: Proto) -> str:
    name = proto.name or "fn"
    cleaned = "".join(char if char.isalnum() or char == "_" else "_" for char in name).strip("_") or "module"
    return f"{cleaned}_{proto.line_defined}"


def entry_registers(proto: Proto) -> int:
    """How many registers a call fills before pc 0 (parameters, rest, spill area)."""
    count = proto.num_params + proto.has_rest
    if proto.num_far:
        return 1 + min(count, LOCAL_LIMIT - 1)
    return count


def translate(proto: Proto, code: list, osr: bool = False) -> Source:
    """The Python source of `proto` (its decoded VM code gives resolved operands)."""
    return _Translator(proto, code, osr).source()


# ================================================================== instructions
#
# Each translation appends the lines for one instruction (indented relative to
# its block) and returns its flow: ("next", pc), ("goto", pc), ("if",
# condition, target when it holds, target otherwise) or ("stop",).

_NUMERIC_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod",
                "**": "power", "&": "bit_and", "|": "bit_or", "^": "bit_xor", "<<": "shl", ">>": "shr"}
_ARITH = {"ADD": "+", "SUB": "-", "MUL": "*", "DIV": "/", "IDIV": "//", "MOD": "%", "POW": "**",
          "BAND": "&", "BOR": "|", "BXOR": "^", "SHL": "<<", "SHR": ">>"}
_NONE = object()


def _binop(symbol: str, x: str, y: str, kx=_NONE, ky=_NONE) -> str:
    """`x symbol y` with an inline fast path where the shared runtime's first case applies."""
    slow = f"{_NUMERIC_OPS[symbol]}({x}, {y})"
    if symbol in ("**", "<<", ">>"):
        return slow
    known = kx if kx is not _NONE else ky
    other = y if kx is not _NONE else x
    if symbol in ("&", "|", "^"):
        if known is not _NONE:
            return f"({x} {symbol} {y}) if type({other}) is int else {slow}" if type(known) is int else slow
        return f"({x} {symbol} {y}) if type({x}) is int and type({y}) is int else {slow}"
    if symbol == "/":
        # Python divides ints and floats as the runtime does, unless an int is too large for a float.
        if known is not _NONE:
            usable = type(known) in (int, float) and abs(known) < _FLOAT_SAFE and (kx is not _NONE or known)
            guard = _divisible(other) + (f" and {y}" if kx is not _NONE else "")
            return f"({x} / {y}) if {guard} else {slow}" if usable else slow
        return f"({x} / {y}) if {_divisible(x)} and {_divisible(y)} and {y} else {slow}"
    divides = symbol in ("//", "%")
    if known is not _NONE:
        if type(known) not in (int, float) or (divides and ky is not _NONE and not ky):
            return slow
        guard = f"type({other}) is {type(known).__name__}"
        if divides and kx is not _NONE:
            guard += f" and {y}"
        return f"({x} {symbol} {y}) if {guard} else {slow}"
    guard = f"((t := type({x})) is int or t is float) and type({y}) is t"
    if divides:
        guard += f" and {y}"
    return f"({x} {symbol} {y}) if {guard} else {slow}"


#: Ints below this convert to floats exactly enough that `/` cannot overflow.
_FLOAT_SAFE = 10 ** 300


def _divisible(x: str) -> str:
    return f"(type({x}) is float or (type({x}) is int and -{_FLOAT_SAFE:.0e} < {x} < {_FLOAT_SAFE:.0e}))"


def _arith(t: _Translator, pc: int, d, out: list) -> tuple:
    out.append(f"{t.reg(d.a)} = {_binop(_ARITH[d.info.name], t.reg(d.b), t.reg(d.c))}")
    return ("next", pc + 1)


def _arith_constant(t: _Translator, pc: int, d, out: list) -> tuple:
    name = d.info.name
    symbol = _ARITH["ADD" if name == "ADDI" else name[:-1]]
    value = d.sc if name == "ADDI" else _constant(t, pc, d.c)
    x, k = t.reg(d.b), t.const(value)
    expression = _binop(symbol, k, x, kx=value) if d.k else _binop(symbol, x, k, ky=value)
    out.append(f"{t.reg(d.a)} = {expression}")
    return ("next", pc + 1)


def _constant(t: _Translator, pc: int, field: int):
    """Constant `field` of the instruction at pc (or the index its EXTRAARG carries)."""
    from .opcodes import K_IN_EXTRAARG

    if field == K_IN_EXTRAARG and pc + 1 < len(t.words) and opcode_of(t.words[pc + 1]) == Op.EXTRAARG:
        field = t.decoded[pc + 1].bx
    return t.proto.constants[field]


_COMPARE = {"LT": ("<", "less"), "LE": ("<=", "less_equal"), "GT": (">", "greater"),
            "GE": (">=", "greater_equal")}


def _branch(t: _Translator, pc: int, holds: str, k: bool) -> tuple:
    """A test fused with its JMP: jump when `holds` equals k, else skip the JMP."""
    condition = holds if k else f"not ({holds})"
    return ("if", condition, t.code[pc][4], t.after_jump(pc), ())


def _compare(t: _Translator, pc: int, d, out: list) -> tuple:
    symbol, function = _COMPARE[d.info.name]
    x, y = t.reg(d.a), t.reg(d.b)
    holds = f"({x} {symbol} {y}) if (t := type({x})) is type({y}) and (t is int or t is float) else {function}({x}, {y})"
    return _branch(t, pc, holds, bool(d.k))


def _compare_constant(t: _Translator, pc: int, d, out: list) -> tuple:
    name = d.info.name
    symbol, function = _COMPARE[name[:2]]
    value = d.sb if d.info.b == "I" else _constant(t, pc, d.b)
    x, k = t.reg(d.a), t.const(value)
    if type(value) in (int, float):
        holds = f"({x} {symbol} {k}) if type({x}) is int or type({x}) is float else {function}({x}, {k})"
    else:
        holds = f"{function}({x}, {k})"
    return _branch(t, pc, holds, bool(d.k))


def _eq(t: _Translator, pc: int, d, out: list) -> tuple:
    x, y = t.reg(d.a), t.reg(d.b)
    holds = f"({x} == {y}) if ((t := type({x})) is int or t is str) and type({y}) is t else equals({x}, {y})"
    return _branch(t, pc, holds, bool(d.k))


def _eq_constant(t: _Translator, pc: int, d, out: list) -> tuple:
    entry = t.code[pc]
    x = t.reg(d.a)
    if entry[0] == H["PTEST"]:
        return _pattern(t, pc, d, out)
    value = entry[2]
    if value is None or type(value) is bool:
        holds = f"{x} is {value!r}"
    else:
        k = t.const(value)
        holds = f"({x} == {k}) if type({x}) is {type(value).__name__} else equals({x}, {k})"
    return _branch(t, pc, holds, bool(d.k))


def _pattern(t: _Translator, pc: int, d, out: list) -> tuple:
    """The VM's decoded pattern test: skip the JMP when its predicate holds."""
    _, a, b, predicate, target = t.code[pc]
    holds = f"{t.const(predicate)}({t.reg(a)}, {t.reg(b)})"
    return ("if", f"not {holds}", target, t.after_jump(pc), ())


def _test(t: _Translator, pc: int, d, out: list) -> tuple:
    x = t.reg(d.a)
    return _branch(t, pc, f"{x} is not None and {x} is not False", bool(d.k))


def _testset(t: _Translator, pc: int, d, out: list) -> tuple:
    x = t.reg(d.b)
    holds = f"{x} is not None and {x} is not False"
    condition = holds if d.k else f"not ({holds})"
    return ("if", condition, t.code[pc][4], t.after_jump(pc), (f"{t.reg(d.a)} = {x}",))


def _jmp(t: _Translator, pc: int, d, out: list) -> tuple:
    return ("goto", pc + 1 + d.sj)


def _loadk(t, pc, d, out):
    value = t.code[pc][2]
    out.append(f"{t.reg(d.a)} = {t.const(value)}")
    return ("next", pc + 1)


def _loadnil(t, pc, d, out):
    out.append(" = ".join(t.reg(index) for index in range(d.a, d.a + d.b + 1)) + " = None")
    return ("next", pc + 1)


def _in(t, pc, d, out):
    test = f"contains({t.reg(d.b)}, {t.reg(d.c)})"
    out.append(f"{t.reg(d.a)} = {'not ' if d.k else ''}{test}")
    return ("next", pc + 1)


def _concat(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = ''.join(({_items(t, d.a, d.b)}{',' if d.b == 1 else ''}))")
    return ("next", pc + 1)


def _lfalseskip(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = False")
    return ("goto", pc + 2)


def _save(t, pc, d, out):
    items = ", ".join(t.reg(index) for index in range(d.a, d.a + d.b))
    out.append(f"{t.reg(d.a)} = ({items}{',' if d.b == 1 else ''})")
    return ("next", pc + 1)


def _restore(t, pc, d, out):
    targets = ", ".join(t.reg(index) for index in range(d.a, d.a + d.b))
    out.append(f"v = {t.reg(d.a + 1)}")
    out.append(f"{targets}{',' if d.b == 1 else ''} = {t.reg(d.a)}")
    out.append(f"{t.reg(d.a + d.b)} = v")
    return ("next", pc + 1)


def _getupval(t, pc, d, out):
    t.uses_upvals.add(d.bx)
    out.append(f"{t.reg(d.a)} = u{d.bx}.cells[u{d.bx}.index]")
    return ("next", pc + 1)


def _setupval(t, pc, d, out):
    t.uses_upvals.add(d.bx)
    out.append(f"u{d.bx}.cells[u{d.bx}.index] = {t.reg(d.a)}")
    return ("next", pc + 1)


def _getbuiltin(t, pc, d, out):
    entry = t.code[pc]
    if entry[4] == 0:  # decoded to a LOADK of the builtin
        out.append(f"{t.reg(d.a)} = {t.const(entry[2])}")
        return ("next", pc + 1)
    out.append(f"raise runtime_error(*{t.const(entry[2])})")
    return ("stop",)


def _straight(*templates: str):
    """A translation from templates of straight-line code: {A} {B} {C} {C1} name
    the registers (C1: the one after C), {b} {c} {bx} {k} the operands, {K} constant Bx, {name} the
    decoded constant C, and {T} {I} a site's cache of a struct type and slot."""
    text = "\n".join(templates)

    def translate(t: _Translator, pc: int, d, out: list) -> tuple:
        fields = {"A": t.reg(d.a), "B": t.reg(d.b), "C": t.reg(d.c), "C1": t.reg(d.c + 1), "b": d.b, "c": d.c,
                  "bx": d.bx, "k": bool(d.k)}
        if "{K}" in text:
            fields["K"] = t.const(t.proto.constants[d.bx])
        if "{name}" in text:
            fields["name"] = t.const(t.code[pc][3])
        if "{T}" in text:
            fields["T"], fields["I"] = t.cache("T", None, 0)
        out.extend(template.format(**fields) for template in templates)
        return ("next", pc + 1)

    return translate


_GETINDEX = ("if type({B}) is list and type({C}) is int:", "  try:", "    {A} = {B}[{C}]", "  except IndexError:",
             "    {A} = get_index({B}, {C})", "else:", "  {A} = get_index({B}, {C})")
_SETINDEX = ("if type({A}) is list and type({B}) is int:", "  try:", "    {A}[{B}] = {C}", "  except IndexError:",
             "    set_index({A}, {B}, {C})", "else:", "  set_index({A}, {B}, {C})")
_GETFIELD = ("o = {B}", "if type(o) is StructInstance and o.type is {T}:", "  {A} = o.values[{I}]", "else:",
             "  {A}, {T}, {I} = field_slot(o, {name}, {T}, {I})")
_SETFIELD = ("o = {A}", "if type(o) is StructInstance and o.type is {T}:", "  o.values[{I}] = {B}", "else:",
             "  {T}, {I} = set_field_slot(o, {name}, {B}, {T}, {I})")
_GETGLOBAL = ("try:", "  {A} = G[{K}]", "except KeyError:", "  {A} = missing_global({K}, B)")


def _items(t, start: int, count: int) -> str:
    return ", ".join(t.reg(index) for index in range(start, start + count))


def _newarray(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = [{_items(t, d.a + 1, d.b)}]")
    return ("next", pc + 1)


def _setlist(t, pc, d, out):
    out.append(f"{t.reg(d.a)}.extend(({_items(t, d.a + 1, d.b)}{',' if d.b == 1 else ''}))")
    return ("next", pc + 1)


def _newtuple(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = ({_items(t, d.a + 1, d.b)}{',' if d.b == 1 else ''})")
    return ("next", pc + 1)


def _pairs(t, d) -> str:
    return ", ".join(f"{t.reg(d.a + 1 + 2 * i)}: {t.reg(d.a + 2 + 2 * i)}" for i in range(d.b))


def _newmap(t, pc, d, out):
    out.append(f"{t.reg(d.a)} = {{{_pairs(t, d)}}}")
    return ("next", pc + 1)


def _setpairs(t, pc, d, out):
    out.append(f"{t.reg(d.a)}.update({{{_pairs(t, d)}}})" if d.b else "pass")
    return ("next", pc + 1)


def _unpack(t, pc, d, out):
    targets = ", ".join(t.reg(index) for index in range(d.a, d.a + d.c))
    out.append(f"{targets}{',' if d.c == 1 else ''} = unpack({t.reg(d.b)}, {d.c})" if d.c
               else f"unpack({t.reg(d.b)}, 0)")
    return ("next", pc + 1)


def _window(t, pc, d, out, reads: tuple, writes: tuple = ()) -> tuple:
    """A rare instruction run by the VM's own function on a window of the
    registers it uses (a dict standing in for the stack)."""
    _, a, b, c, function = t.code[pc]
    window = ", ".join(f"{index}: {t.reg(index)}" for index in reads)
    out.append(f"W = {{{window}}}")
    out.append(f"{t.const(function)}(vm, W, 0, {a}, {t.const(b)}, {t.const(c)})")
    for index in writes:
        out.append(f"{t.reg(index)} = W[{index}]")
    return ("next", pc + 1)


def _matcherror(t, pc, d, out):
    _window(t, pc, d, out, (d.a,))
    return ("stop",)


def _fail(t, pc, d, out):
    out.append(f"raise runtime_error(*{t.const(t.code[pc][2])})")
    return ("stop",)


def _throw(t, pc, d, out):
    out.append(f"raise EskerError({t.reg(d.a)})")
    return ("stop",)


def _import(t, pc, d, out):
    _, a, parts, importer, _ = t.code[pc]
    out.append(f"{t.reg(d.a)} = vm.import_module({t.const(parts)}, {t.const(importer)})")
    return ("next", pc + 1)


def _declare(t, pc, d, out):
    return _window(t, pc, d, out, (), (d.a,))


def _setmethod(t, pc, d, out):
    return _window(t, pc, d, out, (d.a, d.b))


# ---------------------------------------------------------- calls

def _call(t, pc, d, out):
    """CALL: a per-site cache of the last closure called (any closure of its
    proto also takes the fast path) and its proto's compiled entry."""
    a = t.reg(d.a)
    args = [t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b)]
    listed = ", ".join(args)
    closure, proto, entry = t.cache("C", _NO_CLOSURE, None, None)
    out.append(f"f = {a}")
    out.append(f"if f is {closure} or (type(f) is VMClosure and f.proto is {proto}):")
    out.append(f"  {a} = {entry}({', '.join(['f'] + args)})")
    out.append(f"  if {a} is TAIL: {a} = finish_tail()")
    out.append("elif type(f) is VMClosure:")
    out.append(f"  {a}, {closure}, {proto}, {entry} = call_cached(f, [{listed}], {closure}, {proto}, {entry})")
    out.append(f"elif type(f) is StructType and len(f.fields) == {d.b}:")
    out.append(f"  {a} = StructInstance(f, [{listed}])")
    out.append("else:")
    out.append(f"  {a} = call_native(vm, f, [{listed}])")
    return ("next", pc + 1)


def _tailcall(t, pc, d, out):
    listed = ", ".join(t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b))
    close = "if O: close(O, 0); " if t.captured else ""
    out.append(f"f = {t.reg(d.a)}")
    out.append("if type(f) is VMClosure:")
    if t.generator:
        out.append(f"  v = call_closure(f, [{listed}])")
    else:
        out.append(f"  {close}return tail(f, [{listed}])")
    out.append(f"if type(f) is StructType and len(f.fields) == {d.b}:")
    out.append(f"  v = StructInstance(f, [{listed}])")
    out.append("else:")
    out.append(f"  v = call_native(vm, f, [{listed}])")
    if t.captured:
        out.append("if O: close(O, 0)")
    out.append("return" if t.generator else "return v")
    return ("stop",)


def _method(t, pc, d, out):
    """METHOD: a per-site cache of a struct type and the compiled entry of its
    method; builtin types' methods and module builtins straight to the runtime."""
    a = t.reg(d.a)
    args = [t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b)]
    listed = ", ".join(args)
    name = t.const(t.code[pc][3])
    kind, function, entry = t.cache("M", None, None, None)
    out.append(f"o = {a}")
    out.append(f"if (t := type(o)) is StructInstance and o.type is {kind}:")
    out.append(f"  {a} = {entry}({', '.join([function, 'o'] + args)})")
    out.append(f"  if {a} is TAIL: {a} = finish_tail()")
    out.append("elif t is StructInstance or t is EnumValue:")
    out.append(f"  {a}, {kind}, {function}, {entry} = method_cached(o, {name}, [{listed}], {kind}, {function}, "
               f"{entry})")
    out.append("elif t is list or t is str or t is dict:")
    out.append(f"  {a} = call_method(vm, o, {name}, [{listed}])")
    out.append(f"elif t is Module and type(f := o.members.get({name})) is Builtin:")
    out.append(f"  {a} = call_native(vm, f, [{listed}])")
    out.append("else:")
    out.append(f"  {a} = method(o, {name}, [{listed}])")
    return ("next", pc + 1)


def _tailmethod(t, pc, d, out):
    args = ", ".join(t.reg(index) for index in range(d.a + 1, d.a + 1 + d.b))
    out.append(f"v = tail_method({t.reg(d.a)}, {t.const(t.code[pc][3])}, [{args}])")
    if t.generator:
        out.append("if v is TAIL: finish_tail()")
    if t.captured:
        out.append("if O: close(O, 0)")
    out.append("return" if t.generator else "return v")
    return ("stop",)


def _rethrow(t, pc, d, out):
    _window(t, pc, d, out, (d.a,))
    return ("stop",)


def _callx(t, pc, d, out):
    window = ", ".join(t.reg(index) for index in range(d.a, d.a + 1 + d.b))
    out.append(f"{t.reg(d.a)} = callx({d.a}, {d.b}, {t.const(t.code[pc][3])}, [{window}])")
    return ("next", pc + 1)


def _return(t, pc, d, out):
    if t.captured:
        out.append(f"v = {t.reg(d.a)}")
        out.append("if O: close(O, 0)")
        out.append("return" if t.generator else "return v")
    else:
        out.append("return" if t.generator else f"return {t.reg(d.a)}")
    return ("stop",)


def _return0(t, pc, d, out):
    if t.captured:
        out.append("if O: close(O, 0)")
    out.append("return")
    return ("stop",)


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
    out.append(f"{t.reg(d.a)} = VMClosure({t.const(child)}, {t.const(code)}, [{', '.join(cells)}])")
    return ("next", pc + 1)


def _close(t, pc, d, out):
    if t.captured:
        out.append(f"if O and O[-1].index >= {d.a}: close(O, {d.a})")
    if t.proto.num_far:
        out.append(f"close_far(r0, {d.bx})")
    if not out:
        out.append("pass")
    return ("next", pc + 1)


# ---------------------------------------------------------- loops and generators

def _forprep(t, pc, d, out):
    start, stop, var = t.reg(d.a), t.reg(d.a + 1), t.reg(d.a + 2)
    out.append(f"if type({start}) is not int or type({stop}) is not int: make_range({start}, {stop}, {bool(d.k)})")
    if d.k:
        out.append(f"{stop} += 1")
    return ("if", f"{start} < {stop}", t.after_jump(pc), t.code[pc][4], (f"{var} = {start}",))


def _forloop(t, pc, d, out):
    counter, stop, var = t.reg(d.a), t.reg(d.a + 1), t.reg(d.a + 2)
    out.append(f"v = {counter} + 1")
    return ("if", f"v < {stop}", t.code[pc][4], t.after_jump(pc), (f"{counter} = {var} = v",))


def _iterprep(t, pc, d, out):
    x = t.reg(d.a)
    out.append(f"{x} = {'iterate_pairs' if d.k else 'iterate'}({x})")
    return ("next", pc + 1)


def _foriter(t, pc, d, out):
    out.append(f"v = next({t.reg(d.a)}, END)")
    assign = f"{t.reg(d.a + 2)}, {t.reg(d.a + 3)} = v" if d.k else f"{t.reg(d.a + 2)} = v"
    return ("if", "v is not END", t.code[pc][4], t.after_jump(pc), (assign,))


def _genstart(t, pc, d, out):
    out.append("yield")
    return ("next", pc + 1)


def _yield(t, pc, d, out):
    out.append(f"yield {t.reg(d.a)}")
    return ("next", pc + 1)


def _nop(t, pc, d, out):
    return ("next", pc + 1)


#: The translation of every instruction of the table (a test checks that none is missing).
TRANSLATIONS = {
    "MOVE": _straight("{A} = {B}"), "LOADK": _loadk, "LOADI": _loadk, "LOADNIL": _loadnil, "LOADTRUE": _loadk,
    "LOADFALSE": _loadk, "LFALSESKIP": _lfalseskip, "SAVE": _save, "RESTORE": _restore,
    "GETFAR": _straight("{A} = r0[{bx}]"), "SETFAR": _straight("r0[{bx}] = {A}"), "GETUPVAL": _getupval, "SETUPVAL": _setupval,
    "GETGLOBAL": _straight(*_GETGLOBAL), "GETBUILTIN": _getbuiltin, "SETGLOBAL": _straight("if {K} not in G: raise assign_missing({K}, B)", "G[{K}] = {A}"),
    "DEFGLOBAL": _straight("G[{K}] = {A}"),
    "NEWARRAY": _newarray, "NEWARRAYK": _straight("{A} = list({K})"), "SETLIST": _setlist, "NEWTUPLE": _newtuple,
    "TUPLE": _straight("{A} = tuple({B})"), "NEWMAP": _newmap, "NEWMAPK": _straight("{A} = dict({K})"), "SETPAIRS": _setpairs, "CHECKKEY": _straight("check_key({A})"),
    "GETINDEX": _straight(*_GETINDEX), "SETINDEX": _straight(*_SETINDEX),
    "GETINDEXI": _straight("{A} = {B}[{c}] if (type({B}) is list or type({B}) is tuple) and {c} < len({B}) "
                           "else get_index({B}, {c})"),
    "GETFIELD": _straight(*_GETFIELD), "SETFIELD": _straight(*_SETFIELD),
    "RANGE": _straight("{A} = make_range({B}, {C}, {k})"), "UNPACK": _unpack,
    "CHECKLEN": _straight("unpack({A}, {bx})"), "SLICE": _straight("{A} = {B}[{c}:]"),
    "PAYLOAD": _straight("{A} = {B}.payload"), "GETSLICE": _straight("{A} = get_slice({B}, {C}, {C1})"),
    "IN": _in,
    "TOSTR": _straight("{A} = {B} if type({B}) is str else to_str({B})"),
    "FORMAT": _straight("{A} = format_text({B}, {name})"), "CONCAT": _concat,
    **{name: _arith for name in _ARITH},
    **{name + "K": _arith_constant for name in _ARITH},
    "ADDI": _arith_constant,
    "UNM": _straight("{A} = (-{B}) if type({B}) is int or type({B}) is float else neg({B})"),
    "BNOT": _straight("{A} = (~{B}) if type({B}) is int else bit_not({B})"),
    "NOT": _straight("{A} = {B} is None or {B} is False"),
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


# ================================================================== running compiled code

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
    entry points are), how hot it is, and its compiled functions."""

    __slots__ = ("proto", "code", "count", "entry", "osr", "failed", "originals", "fresh", "iterators", "nentry")

    def __init__(self, proto: Proto, code: list):
        self.proto = proto
        self.code = code
        self.count = 0
        self.entry = None
        self.osr = None
        self.failed = False
        self.originals: dict[int, tuple] = {}
        self.fresh = True
        self.iterators: list[tuple[int, int, int, int]] = []
        self.nentry = entry_registers(proto)

    def pristine(self) -> list:
        """The decoded code without the tier's entry points."""
        view = list(self.code)
        for pc, original in self.originals.items():
            view[pc] = original
        return view


_SUSPENDED, _RUNNING, _DONE = machine._SUSPENDED, machine._RUNNING, machine._DONE


class TierGenerator(Generator):
    """A generator whose body is compiled: a Python generator, resumed with a
    frame record on `VM.frames` as the VM's own generators are."""

    __slots__ = ("tier", "state", "stream")

    def __init__(self, tier: "Tier", name: str | None, body):
        self.name = name
        self.tier = tier
        self.state = _SUSPENDED
        self.stream = _stream(tier, self, body)

    def resume(self, engine) -> tuple[bool, object]:
        if self.state == _DONE:
            return True, None
        if self.state == _RUNNING:
            raise machine._running(self)
        value = next(self.stream, _END)
        return (True, None) if value is _END else (False, value)


def _stream(tier: "Tier", generator, body):
    """The values of a compiled generator body, each resumption counted as a
    frame and reflected in `generator.state` (a TierGenerator's, or a VM
    generator's whose frame moved into compiled code)."""
    frames = tier.frames
    vm = tier.vm
    while generator.state != _DONE:
        if generator.state == _RUNNING:
            raise machine._running(generator)
        if len(frames) >= vm.max_depth:
            raise vm._overflow()
        frames.append(MARK)
        generator.state = _RUNNING
        try:
            value = next(body)
        except StopIteration:
            generator.state = _DONE
            frames.pop()
            return
        except BaseException:
            generator.state = _DONE
            frames.pop()
            raise
        frames.pop()
        generator.state = _SUSPENDED
        yield value


class Tier:
    """The tier of one VM: entry points, counting, compiling and the calls
    between compiled code, interpreted code and builtins."""

    def __init__(self, vm, threshold: int):
        self.vm = vm
        self.threshold = threshold
        self.states: dict[Proto, _State] = {}
        self.disarmed: list[tuple[_State, int]] = []
        self.pending: tuple | None = None
        self.frames = vm.frames
        # Each compiled call takes a Python frame or two; keep well inside the host's limit.
        self.host_depth = max(0, min(HOST_DEPTH_CAP, vm.max_depth, (sys.getrecursionlimit() - 400) // 4))
        self.shared = self._shared_namespace()

    # ---------------------------------------------------------- entry points

    def loaded(self, protos: list[Proto]) -> None:
        """A module's protos were decoded: put entry points at pc 0 and at loop headers."""
        codes = self.vm._codes
        for proto in protos:
            state = self.states[proto] = _State(proto, codes[proto])
            headers = _loop_headers(state.code)
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
        if state.entry is None:
            state.count += 1
            if state.failed or state.count < self.threshold or not self.compile(state):
                return self._disarm(state, pc, original)
        frames = self.frames
        if len(frames) >= self.host_depth:
            return self._disarm(state, pc, original)
        if state.proto.is_generator and pc:
            return self._switch_generator(state, closure, stack, base, pc, opens)
        record = frames.pop()
        try:
            if pc == 0 and state.fresh:
                value = state.entry(closure, *stack[base: base + state.nentry])
            else:
                value = self._replace_frame(state, closure, stack, base, pc, opens)
            if value is TAIL:
                value = self.finish_tail()
        except (EskerError, ProgramExit) as error:
            raise machine.FrameLeft(error) from None
        finally:
            frames.append(record)
        return value

    def _replace_frame(self, state: _State, closure, stack: list, base: int, pc: int, opens: list):
        """On-stack replacement: the frame's registers and open upvalues move into
        the compiled function, which goes on from `pc`."""
        if state.osr is None:
            state.osr = self._load(translate(state.proto, state.pristine(), osr=True))
        registers = stack[base: base + state.proto.max_registers]
        moved = []
        while opens and opens[-1].index >= base:
            upval = opens.pop()
            upval.cells, upval.index = registers, upval.index - base
            moved.append(upval)
        moved.reverse()
        for a, pairs, first, last in state.iterators:
            if first <= pc <= last and type(registers[a]) is machine.VMGenerator:
                values = self.iterate(registers[a])
                registers[a] = enumerate(values, registers[a + 1]) if pairs else values
        return state.osr(closure, pc, registers, moved)

    def _switch_generator(self, state: _State, closure, stack: list, base: int, pc: int, opens: list):
        """On-stack replacement in a generator the VM runs: its frame goes on in a
        three-instruction loop that takes each value from the compiled body and
        yields it the VM's way, so whoever resumes the generator is unaffected."""
        generator = self.frames[-1][4]
        body = self._replace_frame(state, closure, stack, base, pc, opens)
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

    def compile(self, state: _State) -> bool:
        """Compiles a proto; on failure it stays in the VM for good."""
        try:
            function = self._load(translate(state.proto, state.pristine()))
        except NotCompilable:
            state.failed = True
            for pc, original in state.originals.items():
                state.code[pc] = original
            return False
        state.entry = self._generator_entry(function) if state.proto.is_generator else function
        return True

    def _load(self, source: Source):
        proto = source.proto
        namespace = dict(self.shared)
        namespace.update(source.namespace)
        namespace["G"] = self.vm._globals_of[proto]
        namespace["PCS"] = [-1] + [max(pc, 0) for pc in source.pcs]
        namespace["leave"] = _leaver(proto)
        filename = f"<compiled {proto.display_name} {proto.source_path}:{proto.line_defined}>"
        exec(compile(source.text, filename, "exec"), namespace)
        return namespace[source.name]

    def _generator_entry(self, body):
        """A generator proto's entry: runs its prologue up to GENSTART as a call."""
        frames = self.frames

        def start(closure, *registers):
            if len(frames) >= self.host_depth:
                return self.vm._call_closure(closure, list(registers))
            generator = body(closure, *registers)
            frames.append(MARK)
            try:
                next(generator)
            finally:
                frames.pop()
            return TierGenerator(self, closure.name, generator)

        return start

    def _shared_namespace(self) -> dict:
        vm = self.vm
        names = {name: getattr(ops, name) for name in (
            "add", "sub", "mul", "truediv", "floordiv", "mod", "power", "bit_and", "bit_or", "bit_xor", "shl",
            "shr", "less", "less_equal", "greater", "greater_equal", "equals", "get_index", "set_index",
            "check_key", "make_range", "call_native", "neg", "bit_not", "get_slice", "contains")}
        names.update(
            vm=vm, frames=vm.frames, B=vm.builtins, host_depth=self.host_depth, MARK=MARK, TAIL=TAIL, END=_END,
            EskerError=EskerError, ProgramExit=ProgramExit, runtime_error=runtime_error, VMClosure=machine.VMClosure,
            StructInstance=StructInstance, StructType=StructType, EnumValue=EnumValue, Module=Module,
            Builtin=Builtin,
            missing_global=machine._missing_global, assign_missing=machine._assign_missing,
            unpack=machine._unpack, capture=machine._capture, capture_far=machine._capture_far,
            close=machine._close, close_far=machine._close_far, field_slot=field_slot,
            set_field_slot=set_field_slot, deep=self.deep, call_cached=self.call_cached,
            call_closure=self.call_closure, method_cached=self.method_cached, call_method=builtins.call_method, finish_tail=self.finish_tail, tail=self.tail, method=self.method,
            callx=self.callx, tail_method=self.tail_method, iterate=self.iterate, iterate_pairs=self.iterate_pairs, to_str=to_str,
            format_text=format_text)
        return names

    # ---------------------------------------------------------- iteration

    def iterate(self, value):
        """`for x in value`: as `ops.iterate`, but compiled generators are
        stepped directly rather than through their `resume`."""
        kind = type(value)
        if kind is TierGenerator and value.state == _SUSPENDED:
            return value.stream
        if kind is machine.VMGenerator and value.state == _SUSPENDED and \
                value.closure.code[0][4] is _next_or_leave:
            return _stream(self, value, value.closure.code[0][2])
        return ops.iterate(self.vm, value)

    def iterate_pairs(self, value):
        if type(value) is dict:
            return ops.iterate_pairs(self.vm, value)
        return enumerate(self.iterate(value))

    # ---------------------------------------------------------- calls

    def deep(self, closure, args: list):
        """A call past the host's depth budget: the VM runs it on its own frames."""
        return self.vm._call_closure(closure, args)

    def call_closure(self, closure, args: list):
        """Calls a VMClosure from compiled code: compiled when it is, else in the VM."""
        while True:
            value = self._call_once(closure, args)
            if value is not TAIL:
                return value
            closure, args = self.pending
            self.pending = None

    def _call_once(self, closure, args: list):
        state = self.states.get(closure.proto)
        entry = state.entry if state is not None else None
        if entry is None or len(self.frames) >= self.host_depth:
            return self.vm._call_closure(closure, args)
        if closure.nparams == len(args):
            return entry(closure, *args)
        registers = self._adjusted(closure, args)
        if len(self.frames) >= self.vm.max_depth:
            raise self.vm._overflow()
        return entry(closure, *registers)

    def _adjusted(self, closure, args: list) -> list:
        """The registers a call fills (defaults absent, rest packed, spill area):
        the VM's own rules, ArityError included."""
        state = self.states.get(closure.proto)
        count = len(args)
        stack = [None, *args] + [None] * (closure.size + 2)
        self.vm._adjust(closure, stack, 1, count)
        return stack[1: 1 + (state.nentry if state is not None else entry_registers(closure.proto))]

    def call_cached(self, closure, args: list, last, proto, entry):
        """A call site's slow path: the value, and what the site caches next
        (the closure, its proto and the proto's compiled entry)."""
        value = self.call_closure(closure, args)
        state = self.states.get(closure.proto)
        if state is not None and state.entry is not None and closure.nparams == len(args):
            return value, closure, closure.proto, state.entry
        return value, last, proto, entry

    def method_cached(self, receiver, name: str, args: list, kind, function, entry):
        """A method site's slow path: the value, and what the site caches next
        (the struct type, its method and the method's compiled entry)."""
        target = receiver.type.methods.get(name)
        if type(target) is not machine.VMClosure:
            return self.method(receiver, name, args), kind, function, entry
        value = self.call_closure(target, [receiver, *args])
        state = self.states.get(target.proto)
        if type(receiver) is StructInstance and state is not None and state.entry is not None and \
                target.nparams == len(args) + 1:
            return value, receiver.type, target, state.entry
        return value, kind, function, entry

    def tail(self, closure, args: list):
        """A compiled tail call: arity is checked in the calling frame, as the VM
        does; the call itself is left to the caller (TAIL)."""
        if closure.nparams != len(args):
            self._adjusted(closure, args)
        self.pending = (closure, args)
        return TAIL

    def finish_tail(self):
        """Makes the tail calls a compiled body left to its caller, one after another."""
        while True:
            closure, args = self.pending
            self.pending = None
            value = self._call_once(closure, args)
            if value is not TAIL:
                return value

    def method(self, receiver, name: str, args: list):
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
        return self.call_closure(target, [receiver, *args] if start == 0 else args)

    def tail_method(self, receiver, name: str, args: list):
        """TAILMETHOD: an Esker method, member or static method is left to the
        caller as a tail call (TAIL); anything else is called here."""
        target, start, _ = self.vm._method_callee(receiver, name, 0, 0)
        if target is None:
            return builtins.call_method(self.vm, receiver, name, args)
        return self.tail(target, [receiver, *args] if start == 0 else args)

    def callx(self, a: int, count: int, descriptor: tuple, window: list):
        """CALLX (named arguments, spread): the VM's own decoding of the call."""
        target, start, number, value = self.vm._callx(window, -a, a, count, descriptor)
        if target is None:
            return value
        return self.call_closure(target, window[start: start + number])


def _next_or_leave(vm, stack, base, a, body, c) -> None:
    """R[A] := the compiled generator body's next value, or END when it returned."""
    try:
        stack[base + a] = next(body, _END)
    except (EskerError, ProgramExit) as error:
        raise machine.FrameLeft(error) from None


def _not_end(value, _) -> bool:
    return value is not _END


def _leaver(proto: Proto):
    """Adds the trace entry of a compiled frame of `proto` that an error leaves."""
    def leave(error: EskerError, pc: int) -> None:
        span = proto.spans[pc]
        error.trace.append(TraceEntry(proto.display_name, proto.source_path, span.line, span.col))
    return leave


_JUMPS = ("JMPBACK", "FORLOOP", "FORITER", "JMP", "EQ", "LT", "LE", "GT", "GE", "EQK", "LTI", "LEI", "GTI",
          "GEI", "TEST", "TESTSET", "PTEST", "FORPREP")


def _loop_headers(code: list) -> set[int]:
    """The pcs some jump reaches backwards (targets of VM entries carrying one)."""
    jumps = {machine.H[name] for name in _JUMPS}
    return {entry[4] for pc, entry in enumerate(code) if entry[0] in jumps and entry[4] <= pc}


def _iterators(code: list) -> list[tuple[int, int, int, int]]:
    """Each generic for loop: (iterator register, pairs, first and last pc of its body)."""
    foriter = machine.H["FORITER"]
    return [(entry[1], entry[2], entry[4], pc) for pc, entry in enumerate(code)
            if entry[0] == foriter and entry[4] <= pc]


def python_sources(proto: Proto, path: str | None = None) -> list[Source]:
    """The Python each function of a module (or of a function and the
    functions nested in it) compiles to: `esker dis --python`, editors' views."""
    vm = machine.VM()
    vm._load(proto, path)
    return [translate(each, vm._codes[each]) for each in proto.walk()]


def python_source(proto: Proto) -> Source:
    """The Python one function compiles to."""
    return python_sources(proto)[0]
