"""The register VM: runs compiled protos on one value stack of register windows.

Loading. When a module's proto tree is loaded, every proto's 32-bit words are
pre-decoded once into a list of 5-tuples `(handler, a, b, c, d)` whose
operands are already resolved: constants, jump targets, the module's global
table, inline caches for struct fields. Each test is fused with the JMP that
follows it, so a comparison and its branch are one step. The words stay the
canonical bytecode; the decoded list is the VM's private, faster form.

Dispatch. `_execute` runs decoded lists in one loop whose state (code, pc,
base, stack, the closure's upvalues) lives in local variables. Hot handlers
are inline, ordered by how often they run, with fast paths for ints, floats,
arrays and struct fields before falling back to the shared runtime
(`runtime.ops`); rare operations are plain functions. Esker calls never
recurse in Python: a call pushes the caller's state `(closure, code, base,
pc, result register)` on `frames` and the callee's window starts right after
the callee register, where its arguments already are. `frames` holds every
frame (200,000 by default, then a catchable StackOverflow). Builtins that call
back (`map`, `sort` ...) re-enter `_execute` through `call`, below a boundary
entry whose result slot is None.

Upvalues follow Lua: an open upvalue points into the stack (`cells` is the
stack list) and is shared by every closure that captures the variable; when
the variable's block ends or its frame returns it is closed, and the value
moves into a one-item list of its own. Generators are suspended frames with a
stack of their own (so their open upvalues stay valid); `for` resumes them by
pushing their frame, `yield` pops back. Errors unwind through each proto's
handler table, closing upvalues; each frame left adds a trace entry mapped
from its pc to a source span.

Debugging costs nothing while no debugger is attached. A debugger instruments
a proto by replacing entries of its decoded list in place with TRAP entries
(`set_traps`); running frames see the change at once. A trap calls the
debugger, then puts the original entry back for that one execution and sets
the interrupt flag; the flag is tested only on backward jumps, calls, returns
and generator switches, and re-arms the trap there, so a loop or a new call
meets it again. A pause request from another thread sets the same flag.
Without a debugger the only cost is that flag test, a list lookup, on those
few instructions.
"""

from __future__ import annotations

import os
import sys

from .deep import DEFAULT_MAX_DEPTH, call_with_deep_stack
from .modules import ModuleLoader, ModuleReadError, describe as describe_import, missing as missing_module, module_identity
from .opcodes import K_IN_EXTRAARG, OFFSET_SC, OPCODES, Op, decode, opcode_of
from .proto import FAR_BASE, LOCAL_LIMIT, Handler, Proto
from .runtime import builtins, ops
from .runtime.errors import (EskerError, ProgramExit, TraceEntry, arity_error, format_uncaught, named_arguments_error,
                             runtime_error, stack_overflow, too_many_calls)
from .runtime.formatting import format_text
from .runtime.host import Host
from .runtime.printing import brief_repr, to_str
from .runtime.values import (Builtin, EnumType, EnumValue, Function, Generator, Module, ModuleMembers, StructInstance,
                             StructType)

TYPE_CHECKING = False  # typing's, without importing typing (start-up time); type checkers take it as true
if TYPE_CHECKING:
    from typing import TextIO

#: Frames a debugger's expression may use above the program's, however deep it is.
EVALUATION_HEADROOM = 10_000
#: What an unpassed parameter holds until its default runs (never visible to programs).
ABSENT = type("Absent", (), {"__repr__": lambda self: "<absent>"})()
_END = object()
#: A tick that never comes.
_NEVER = 1 << 62
_LOADING = object()
_SUSPENDED, _RUNNING, _DONE = 0, 1, 2
#: What a tier entry point returns when the VM is to run the instruction it stands in for.
INTERPRET = object()


class Switch:
    """What a tier entry point returns when the running frame is to go on in
    other code (a generator's compiled body, driven through `closure`)."""

    __slots__ = ("closure",)

    def __init__(self, closure: "VMClosure"):
        self.closure = closure


class FrameLeft(Exception):
    """Raised through a tier entry point when the compiled code that replaced the
    VM's frame ended with `error`, whose trace and handlers it has already seen."""

    def __init__(self, error: EskerError):
        super().__init__(error)
        self.error = error


# ------------------------------------------------------------------ runtime objects

class UpVal:
    """An upvalue: `cells[index]` is the variable, in the stack while open and
    in a list of its own once closed."""

    __slots__ = ("cells", "index", "open", "home")

    def __init__(self, cells: list, index: int):
        self.cells = cells
        self.index = index
        self.open = True
        #: Where the variable was when it was captured (a debugger matches writes made before that).
        self.home = (cells, index)

    def get(self):
        return self.cells[self.index]

    def set(self, value) -> None:
        self.cells[self.index] = value

    def close(self) -> None:
        self.cells = [self.cells[self.index]]
        self.index = 0
        self.open = False


class SpillArea(list):
    """The far slots of a function with too many locals (its R[0]), with the
    open upvalues that point into it, by slot."""

    __slots__ = ("opens",)

    def __init__(self, size: int):
        super().__init__([None] * size)
        self.opens: dict[int, UpVal] = {}


class VMClosure(Function):
    """A function value: a proto, its decoded code and its upvalues.

    `nparams` is the argument count that needs no adjustment on entry (-1
    when the proto has defaults, a rest parameter or a spill area)."""

    __slots__ = ("proto", "code", "upvals", "nparams", "size")

    def __init__(self, proto: Proto, code: list, upvals: list[UpVal]):
        self.name = proto.name
        self.proto = proto
        self.code = code
        self.upvals = upvals
        regular = not proto.num_defaults and not proto.has_rest and not proto.num_far
        self.nparams = proto.num_params if regular else -1
        self.size = proto.max_registers


class VMGenerator(Generator):
    """A suspended generator frame: its closure, its own stack and open upvalues,
    where it stopped, and (while running) who resumed it."""

    __slots__ = ("vm", "closure", "stack", "opens", "pc", "state", "resumer", "consumer", "resume_at")

    def __init__(self, vm: "VM", closure: VMClosure, stack: list, opens: list[UpVal], pc: int):
        self.name = closure.name
        self.vm = vm
        self.closure = closure
        self.stack = stack
        self.opens = opens
        self.pc = pc
        self.state = _SUSPENDED
        self.resumer = None  # "for" when a for loop of the VM resumed it; None from Python
        self.consumer: tuple = ()
        self.resume_at: tuple = ()

    def resume(self, engine) -> tuple[bool, object]:
        return self.vm.resume_generator(self)


def _capture(opens: list[UpVal], stack: list, index: int) -> UpVal:
    """The open upvalue of stack slot `index`, made if needed (`opens` is sorted)."""
    position = len(opens)
    while position and opens[position - 1].index > index:
        position -= 1
    if position and opens[position - 1].index == index:
        return opens[position - 1]
    upval = UpVal(stack, index)
    opens.insert(position, upval)
    return upval


def _capture_far(area: SpillArea, slot: int) -> UpVal:
    upval = area.opens.get(slot)
    if upval is None:
        upval = area.opens[slot] = UpVal(area, slot)
    return upval


def _close(opens: list[UpVal], level: int) -> None:
    while opens and opens[-1].index >= level:
        opens.pop().close()


def _close_far(area: SpillArea, slot: int) -> None:
    for index in [index for index in area.opens if index >= slot]:
        area.opens.pop(index).close()


def _grow(stack: list, needed: int) -> None:
    stack.extend([None] * (max(needed, 2 * len(stack)) - len(stack)))


def captured_variables(value) -> list[tuple[str, object]]:
    """The variables a closure captured, by name (for debuggers)."""
    if type(value) is not VMClosure:
        return []
    return [(desc.name, upval.get()) for desc, upval in zip(value.proto.upvalues, value.upvals)]


# ------------------------------------------------------------------ decoding

#: Handlers in dispatch order, in groups of eight, most frequent first (measured on the benchmarks).
_DISPATCH = (
    "GETFIELD", "GETGLOBAL", "ADD", "MUL", "MOVE", "DEFGLOBAL", "SETFIELD", "ADDK",
    "FORLOOP", "SUB", "CALL", "GETINDEX", "LOADK", "EQK", "RETURN", "MODK",
    "JMPBACK", "LT", "SUBK", "SETINDEX", "GETUPVAL", "BINOPK", "METHOD", "FORITER",
    "TAILCALL", "BINOPKF", "YIELD", "JMP", "FORPREP", "SIMPLE", "DIV", "GETINDEXI",
    "SETUPVAL", "GEI", "GT", "CLOSURE", "RETURN0", "MULK", "LTI", "EQ",
    "GTI", "ITERPREP", "TESTSET", "GENSTART", "LE", "LEI", "TEST", "BINOP",
    "SETGLOBAL", "GE", "CLOSE", "LFALSESKIP", "PTEST", "THROW", "CALLX", "NOP",
    "TAILMETHOD", "TRAP", "TIER",
)
H = {name: number for number, name in enumerate(_DISPATCH)}


class _Decoder:
    """What decoding a module's protos needs: its globals, the builtins, the
    module's own path (imports resolve from it) and every proto's code list."""

    def __init__(self, vm: "VM", module_globals: dict, importer: str | None, codes: dict):
        self.vm = vm
        self.globals = module_globals
        self.builtins = vm.builtins
        self.importer = importer
        self.codes = codes

    def proto(self, proto: Proto) -> list[tuple]:
        code = proto.code
        decoded = [self.instruction(proto, pc, decode(word)) for pc, word in enumerate(code)]
        for pc, word in enumerate(code):
            # A test whose constant needed an EXTRAARG skips onto its own JMP: make that a no-op.
            if OPCODES[opcode_of(word)].skips and pc + 2 < len(code) and opcode_of(code[pc + 1]) == Op.EXTRAARG:
                decoded[pc + 2] = (H["NOP"], 0, 0, 0, 0)
        return decoded

    def instruction(self, proto: Proto, pc: int, d) -> tuple:
        handler = _DECODERS[d.info.name]
        return handler(self, proto, pc, d)

    def constant(self, proto: Proto, pc: int, field: int):
        if field == K_IN_EXTRAARG and pc + 1 < len(proto.code) and opcode_of(proto.code[pc + 1]) == Op.EXTRAARG:
            field = decode(proto.code[pc + 1]).bx
        return proto.constants[field]

    def target(self, proto: Proto, pc: int) -> int:
        """Where the JMP after the test (or loop instruction) at `pc` goes."""
        following = pc + 1
        if decode(proto.code[following]).op == Op.EXTRAARG:
            following += 1
        return following + 1 + decode(proto.code[following]).sj

    def branch(self, proto: Proto, pc: int) -> int:
        """Where the test at `pc` jumps: the JMP's target, or for a backward
        JMP the JMP itself, whose JMPBACK tests the flag as every loop's back
        edge must (a stop, a debugger's pause, the tier's entry points). (Not
        after an EXTRAARG, where the JMP is a NOP, see `proto`: such a loop is
        then seen at its other back edges only.)"""
        target = self.target(proto, pc)
        following = pc + 1
        if target > following or decode(proto.code[following]).op == Op.EXTRAARG:
            return target
        return following


def _simple(function):
    """A decoder for a rare instruction run by a plain function of the operands."""
    def decode_simple(ctx: _Decoder, proto: Proto, pc: int, d) -> tuple:
        b, c = (d.bx, 0) if d.info.format == "iABx" else (d.b, d.c)
        if d.info.constant_field == "bx":
            b = proto.constants[d.bx]
        elif d.info.constant_field == "c":
            c = ctx.constant(proto, pc, d.c)
        return (H["SIMPLE"], d.a, b, c, function)
    return decode_simple


# --- the rare instructions, as functions of (vm, stack, base, a, b, c)

def _op_loadnil(vm, stack, base, a, b, c):
    stack[base + a: base + a + b + 1] = [None] * (b + 1)


def _op_save(vm, stack, base, a, b, c):
    stack[base + a] = tuple(stack[base + a: base + a + b])


def _op_restore(vm, stack, base, a, b, c):
    value = stack[base + a + 1]
    stack[base + a: base + a + b] = stack[base + a]
    stack[base + a + b] = value


def _op_getfar(vm, stack, base, a, b, c):
    stack[base + a] = stack[base][b]


def _op_setfar(vm, stack, base, a, b, c):
    stack[base][b] = stack[base + a]


def _op_newarray(vm, stack, base, a, b, c):
    stack[base + a] = stack[base + a + 1: base + a + 1 + b]


def _op_newarrayk(vm, stack, base, a, b, c):
    stack[base + a] = list(b)


def _op_setlist(vm, stack, base, a, b, c):
    stack[base + a].extend(stack[base + a + 1: base + a + 1 + b])


def _op_newtuple(vm, stack, base, a, b, c):
    stack[base + a] = tuple(stack[base + a + 1: base + a + 1 + b])


def _op_tuple(vm, stack, base, a, b, c):
    stack[base + a] = tuple(stack[base + b])


def _op_setpairs(vm, stack, base, a, b, c):
    mapping = stack[base + a]
    for index in range(base + a + 1, base + a + 1 + 2 * b, 2):
        mapping[stack[index]] = stack[index + 1]


def _op_newmap(vm, stack, base, a, b, c):
    stack[base + a] = {}
    _op_setpairs(vm, stack, base, a, b, c)


def _op_newmapk(vm, stack, base, a, b, c):
    stack[base + a] = dict(b)


def _op_checkkey(vm, stack, base, a, b, c):
    ops.check_key(stack[base + a])


def _op_range(vm, stack, base, a, b, c):
    stack[base + a] = ops.make_range(stack[base + b], stack[base + c], False)


def _op_range_inclusive(vm, stack, base, a, b, c):
    stack[base + a] = ops.make_range(stack[base + b], stack[base + c], True)


def _unpack(value, count: int):
    """The items of a tuple or array destructured into exactly `count` names."""
    if type(value) is not tuple and type(value) is not list:
        raise runtime_error("TypeError", f"cannot destructure {ops.type_name(value)}: expected a tuple or array")
    if len(value) != count:
        raise runtime_error("ValueError", f"expected {count} values to destructure, got {len(value)}")
    return value


def _op_unpack(vm, stack, base, a, b, c):
    stack[base + a: base + a + c] = _unpack(stack[base + b], c)


def _op_checklen(vm, stack, base, a, b, c):
    _unpack(stack[base + a], b)


def _op_slice(vm, stack, base, a, b, c):
    stack[base + a] = stack[base + b][c:]


def _op_getslice(vm, stack, base, a, b, c):
    stack[base + a] = ops.get_slice(stack[base + b], stack[base + c], stack[base + c + 1])


def _op_in(vm, stack, base, a, b, c):
    stack[base + a] = ops.contains(stack[base + b], stack[base + c])


def _op_not_in(vm, stack, base, a, b, c):
    stack[base + a] = not ops.contains(stack[base + b], stack[base + c])


def _op_payload(vm, stack, base, a, b, c):
    stack[base + a] = stack[base + b].payload


def _op_unary(vm, stack, base, a, b, c):
    stack[base + a] = c(stack[base + b])


def _op_tostr(vm, stack, base, a, b, c):
    stack[base + a] = to_str(stack[base + b])


def _op_format(vm, stack, base, a, b, c):
    stack[base + a] = format_text(stack[base + b], c)


def _op_concat(vm, stack, base, a, b, c):
    stack[base + a] = "".join(stack[base + a: base + a + b])


def _op_not(vm, stack, base, a, b, c):
    value = stack[base + b]
    stack[base + a] = value is None or value is False


def _op_matcherror(vm, stack, base, a, b, c):
    raise runtime_error("MatchError", f"no match arm matches {brief_repr(stack[base + a])}")


def _op_fail(vm, stack, base, a, b, c):
    raise runtime_error(*b)


def _op_rethrow(vm, stack, base, a, b, c):
    error = stack[base + a]
    if type(error) is EskerError:
        vm._rethrowing = error
    raise error


def _op_import(vm, stack, base, a, b, c):
    stack[base + a] = vm.import_module(b, c)


def _op_struct(vm, stack, base, a, b, c):
    name, fields = b
    stack[base + a] = StructType(name, list(fields))


def _op_enum(vm, stack, base, a, b, c):
    name, variants = b
    stack[base + a] = EnumType(name, [(variant, None if fields is None else list(fields))
                                      for variant, fields in variants])


def _op_setmethod(vm, stack, base, a, b, c):
    stack[base + a].methods[c] = stack[base + b]


def _op_setstatic(vm, stack, base, a, b, c):
    stack[base + a].static_methods[c] = stack[base + b]


def _op_setdefault(vm, stack, base, a, b, c):
    struct = stack[base + a]
    thunk = stack[base + b]
    struct.defaults[struct.field_index[c]] = lambda: vm.call(thunk, [])


# --- decoders

def _decode_fused(name: str):
    """Tests fused with their jump: (handler, a, b, k, target)."""
    def decode_test(ctx, proto, pc, d):
        b = d.b - OFFSET_SC if d.info.b == "I" else ctx.constant(proto, pc, d.b) if d.info.b == "K" else d.b
        return (H[name], d.a, b, bool(d.k), ctx.branch(proto, pc))
    return decode_test


def _decode_eqk(ctx, proto, pc, d):
    value = d.sb if d.op == Op.EQI else ctx.constant(proto, pc, d.b)
    if type(value) in (type(None), bool, int, float, str):
        return (H["EQK"], d.a, value, bool(d.k), ctx.branch(proto, pc))
    if d.k:
        return (H["PTEST"], d.a, d.a, lambda item, _: not ops.equals(item, value), ctx.branch(proto, pc))
    return (H["PTEST"], d.a, d.a, lambda item, _: ops.equals(item, value), ctx.branch(proto, pc))


def _decode_pattern(make_test):
    """Pattern tests: (PTEST, a, b, predicate(R[A], R[B]), target); skip when it holds."""
    def decode_pattern(ctx, proto, pc, d):
        if d.info.format == "iABx":
            operand = proto.constants[d.bx] if d.info.bx == "K" else d.bx
            return (H["PTEST"], d.a, d.a, make_test(operand), ctx.branch(proto, pc))
        return (H["PTEST"], d.a, d.b, make_test(ctx.constant(proto, pc, d.c)), ctx.branch(proto, pc))
    return decode_pattern


def _is_absent(value, _) -> bool:
    return value is ABSENT


def _sized(kind: type, count: int, at_least: bool):
    if at_least:
        return lambda value, _: type(value) is kind and len(value) >= count
    return lambda value, _: type(value) is kind and len(value) == count


def _in_range(bounds):
    low, high, inclusive = bounds
    if inclusive:
        return lambda value, _: type(value) is int and low <= value <= high
    return lambda value, _: type(value) is int and low <= value < high


def _is_variant(name: str):
    def test(value, enum) -> bool:
        if type(enum) is not EnumType:
            raise runtime_error("TypeError", f"{ops.type_name(enum)} is not an enum")
        variant = enum.variants.get(name)
        if variant is None:
            raise runtime_error("AttributeError", f"enum {enum.name} has no variant `{name}`")
        return type(value) is EnumValue and value.variant is variant
    return test


def _is_instance(names: tuple):
    def test(value, struct) -> bool:
        if type(struct) is not StructType:
            raise runtime_error("TypeError", f"{ops.type_name(struct)} is not a struct")
        for name in names:
            if name not in struct.field_index:
                raise runtime_error("AttributeError", f"{struct.name} has no field `{name}`")
        return type(value) is StructInstance and value.type is struct
    return test


def _decode_arith(ctx, proto, pc, d):
    name = d.info.name
    if name in ("ADD", "SUB", "MUL", "DIV"):
        return (H[name], d.a, d.b, d.c, 0)
    return (H["BINOP"], d.a, d.b, d.c, ops.BINARY[_OPERATOR[name]])


def _decode_arith_constant(ctx, proto, pc, d):
    name = d.info.name
    value = d.c - OFFSET_SC if name == "ADDI" else ctx.constant(proto, pc, d.c)
    base = "ADD" if name == "ADDI" else name[:-1]
    numeric = type(value) in (int, float)
    if not d.k and numeric and base in ("ADD", "SUB", "MUL"):
        return (H[base + "K"], d.a, d.b, value, 0)
    if not d.k and base == "MOD" and type(value) is int and value != 0:
        return (H["MODK"], d.a, d.b, value, 0)
    return (H["BINOPKF" if d.k else "BINOPK"], d.a, d.b, value, ops.BINARY[_OPERATOR[base]])


_OPERATOR = {"ADD": "+", "SUB": "-", "MUL": "*", "DIV": "/", "IDIV": "//", "MOD": "%", "POW": "**",
             "BAND": "&", "BOR": "|", "BXOR": "^", "SHL": "<<", "SHR": ">>"}


def _decode_getbuiltin(ctx, proto, pc, d):
    name = proto.constants[d.bx]
    if name in ctx.builtins:
        return (H["LOADK"], d.a, ctx.builtins[name], 0, 0)
    return (H["SIMPLE"], d.a, ("RuntimeError", f"undefined name `{name}`"), 0, _op_fail)


def _decode_closure(ctx, proto, pc, d):
    child = proto.protos[d.bx]
    captures = tuple((2, desc.index) if not desc.in_stack else (1 if desc.index >= FAR_BASE else 0, desc.index)
                     for desc in child.upvalues)
    return (H["CLOSURE"], d.a, child, ctx.codes[child], captures)


def _decode_jump(ctx, proto, pc, d):
    target = pc + 1 + d.sj
    return (H["JMPBACK" if target <= pc else "JMP"], 0, 0, 0, target)


def _decode_setmethod(ctx, proto, pc, d):
    return (H["SIMPLE"], d.a, d.b, ctx.constant(proto, pc, d.c), _op_setstatic if d.k else _op_setmethod)


def _decode_range(ctx, proto, pc, d):
    return (H["SIMPLE"], d.a, d.b, d.c, _op_range_inclusive if d.k else _op_range)


def _decode_close(ctx, proto, pc, d):
    return (H["CLOSE"], d.a, d.bx if proto.num_far else -1, 0, 0)


def _plain(name: str, *fields: str):
    """A decoder copying the named operand fields into (handler, a, b, c, d)."""
    def decode_plain(ctx, proto, pc, d):
        values = [getattr(d, field) for field in fields]
        return (H[name], *values, *([0] * (4 - len(values))))
    return decode_plain


_DECODERS = {
    "MOVE": _plain("MOVE", "a", "b"),
    "LOADK": lambda ctx, proto, pc, d: (H["LOADK"], d.a, proto.constants[d.bx], 0, 0),
    "LOADI": lambda ctx, proto, pc, d: (H["LOADK"], d.a, d.sbx, 0, 0),
    "LOADNIL": lambda ctx, proto, pc, d: ((H["LOADK"], d.a, None, 0, 0) if d.b == 0 else
                                          (H["SIMPLE"], d.a, d.b, 0, _op_loadnil)),
    "LOADTRUE": lambda ctx, proto, pc, d: (H["LOADK"], d.a, True, 0, 0),
    "LOADFALSE": lambda ctx, proto, pc, d: (H["LOADK"], d.a, False, 0, 0),
    "LFALSESKIP": _plain("LFALSESKIP", "a"),
    "SAVE": _simple(_op_save),
    "RESTORE": _simple(_op_restore),
    "GETFAR": _simple(_op_getfar),
    "SETFAR": _simple(_op_setfar),
    "GETUPVAL": _plain("GETUPVAL", "a", "bx"),
    "SETUPVAL": _plain("SETUPVAL", "a", "bx"),
    "GETGLOBAL": lambda ctx, proto, pc, d: (H["GETGLOBAL"], d.a, proto.constants[d.bx], ctx.globals, ctx.builtins),
    "GETBUILTIN": _decode_getbuiltin,
    "SETGLOBAL": lambda ctx, proto, pc, d: (H["SETGLOBAL"], d.a, proto.constants[d.bx], ctx.globals, 0),
    "DEFGLOBAL": lambda ctx, proto, pc, d: (H["DEFGLOBAL"], d.a, proto.constants[d.bx], ctx.globals, 0),
    "NEWARRAY": _simple(_op_newarray),
    "NEWARRAYK": _simple(_op_newarrayk),
    "SETLIST": _simple(_op_setlist),
    "NEWTUPLE": _simple(_op_newtuple),
    "TUPLE": _simple(_op_tuple),
    "NEWMAP": _simple(_op_newmap),
    "NEWMAPK": _simple(_op_newmapk),
    "SETPAIRS": _simple(_op_setpairs),
    "CHECKKEY": _simple(_op_checkkey),
    "GETINDEX": _plain("GETINDEX", "a", "b", "c"),
    "GETINDEXI": _plain("GETINDEXI", "a", "b", "c"),
    "GETFIELD": lambda ctx, proto, pc, d: (H["GETFIELD"], d.a, d.b, ctx.constant(proto, pc, d.c), [None, 0]),
    "SETINDEX": _plain("SETINDEX", "a", "b", "c"),
    "SETFIELD": lambda ctx, proto, pc, d: (H["SETFIELD"], d.a, d.b, ctx.constant(proto, pc, d.c), [None, 0]),
    "RANGE": _decode_range,
    "UNPACK": _simple(_op_unpack),
    "CHECKLEN": _simple(_op_checklen),
    "SLICE": _simple(_op_slice),
    "GETSLICE": _simple(_op_getslice),
    "IN": lambda ctx, proto, pc, d: (H["SIMPLE"], d.a, d.b, d.c, _op_not_in if d.k else _op_in),
    "PAYLOAD": _simple(_op_payload),
    **{name: _decode_arith for name in _OPERATOR},
    **{name + "K": _decode_arith_constant for name in _OPERATOR},
    "ADDI": _decode_arith_constant,
    "UNM": lambda ctx, proto, pc, d: (H["SIMPLE"], d.a, d.b, ops.neg, _op_unary),
    "BNOT": lambda ctx, proto, pc, d: (H["SIMPLE"], d.a, d.b, ops.bit_not, _op_unary),
    "NOT": lambda ctx, proto, pc, d: (H["SIMPLE"], d.a, d.b, 0, _op_not),
    "TOSTR": _simple(_op_tostr),
    "FORMAT": _simple(_op_format),
    "CONCAT": _simple(_op_concat),
    "EQ": _decode_fused("EQ"),
    "LT": _decode_fused("LT"),
    "LE": _decode_fused("LE"),
    "GT": _decode_fused("GT"),
    "GE": _decode_fused("GE"),
    "EQK": _decode_eqk,
    "EQI": _decode_eqk,
    "LTI": _decode_fused("LTI"),
    "LEI": _decode_fused("LEI"),
    "GTI": _decode_fused("GTI"),
    "GEI": _decode_fused("GEI"),
    "LTK": _decode_fused("LTI"),
    "LEK": _decode_fused("LEI"),
    "GTK": _decode_fused("GTI"),
    "GEK": _decode_fused("GEI"),
    "TEST": _decode_fused("TEST"),
    "TESTSET": _decode_fused("TESTSET"),
    "TESTARG": lambda ctx, proto, pc, d: (H["PTEST"], d.a, d.a, _is_absent, ctx.branch(proto, pc)),
    "JMP": _decode_jump,
    "TESTTUPLE": _decode_pattern(lambda count: _sized(tuple, count, False)),
    "TESTARRAY": _decode_pattern(lambda count: _sized(list, count, False)),
    "TESTARRAYMIN": _decode_pattern(lambda count: _sized(list, count, True)),
    "TESTRANGE": _decode_pattern(_in_range),
    "TESTVARIANT": _decode_pattern(_is_variant),
    "TESTSTRUCT": _decode_pattern(_is_instance),
    "MATCHERROR": _simple(_op_matcherror),
    "CALL": _plain("CALL", "a", "b"),
    "TAILCALL": _plain("TAILCALL", "a", "b"),
    "METHOD": lambda ctx, proto, pc, d: (H["METHOD"], d.a, d.b, ctx.constant(proto, pc, d.c), 0),
    "TAILMETHOD": lambda ctx, proto, pc, d: (H["TAILMETHOD"], d.a, d.b, ctx.constant(proto, pc, d.c), 0),
    "CALLX": lambda ctx, proto, pc, d: (H["CALLX"], d.a, d.b, ctx.constant(proto, pc, d.c), 0),
    "RETURN": _plain("RETURN", "a"),
    "RETURN0": _plain("RETURN0"),
    "CLOSURE": _decode_closure,
    "CLOSE": _decode_close,
    "FORPREP": lambda ctx, proto, pc, d: (H["FORPREP"], d.a, bool(d.k), 0, ctx.target(proto, pc)),
    "FORLOOP": lambda ctx, proto, pc, d: (H["FORLOOP"], d.a, 0, 0, ctx.target(proto, pc)),
    "ITERPREP": lambda ctx, proto, pc, d: (H["ITERPREP"], d.a, d.k, 0, 0),
    "FORITER": lambda ctx, proto, pc, d: (H["FORITER"], d.a, d.k, 0, ctx.target(proto, pc)),
    "GENSTART": _plain("GENSTART"),
    "YIELD": _plain("YIELD", "a"),
    "THROW": _plain("THROW", "a"),
    "RETHROW": _simple(_op_rethrow),
    "FAIL": lambda ctx, proto, pc, d: (H["SIMPLE"], 0, proto.constants[d.bx], 0, _op_fail),
    "IMPORT": lambda ctx, proto, pc, d: (H["SIMPLE"], d.a, proto.constants[d.bx], ctx.importer, _op_import),
    "STRUCT": _simple(_op_struct),
    "ENUM": _simple(_op_enum),
    "SETMETHOD": _decode_setmethod,
    "SETDEFAULT": _simple(_op_setdefault),
    "EXTRAARG": _plain("NOP"),
}
assert set(_DECODERS) == {info.name for info in OPCODES}, "every instruction of the table has a decoder"


# ------------------------------------------------------------------ the machine

class VM:
    """Runs compiled Esker programs. Implements the engine protocol the builtins
    use (`call` and `host`) and the hooks a debug controller needs.

    `host` is the program's world (`runtime/host.py`); `stdout` alone is a
    shorthand for a host that writes standard output there."""

    def __init__(self, loader: ModuleLoader | None = None, stdout: TextIO | None = None,
                 max_depth: int = DEFAULT_MAX_DEPTH, tier_threshold: int | None = None, host: Host | None = None):
        self.loader = loader if loader is not None else ModuleLoader()
        self.max_depth = max_depth
        self.host = host if host is not None else Host(stdout=stdout)
        self.builtins = builtins.make_globals(self)
        self.frames: list[tuple] = []
        self._modules: dict[str, object] = {}
        #: The root proto of every module imported, by path, and those a debugger rewound to
        #: before their import (see `rewind_modules`): importing one again reuses its code.
        self._roots: dict[str, Proto] = {}
        self._rewound: set[str] = set()
        self._codes: dict[Proto, list] = {}
        self._globals_of: dict[Proto, dict] = {}
        #: The one global table of every debugger expression (they declare no globals of their own).
        self._expression_globals: dict = {}
        # Debugging state; all idle unless a debugger is attached.
        self._flag = [False]
        self._debugger = None
        self._interrupt_requested = False
        self._stop_requested = False
        self._traps: dict[Proto, frozenset] = {}
        self._pristine: dict[Proto, list] = {}
        self._disarmed: list[tuple] = []
        self._top: tuple | None = None
        self._native_caller: tuple | None = None
        #: Ticks (see vm/history.py), counted only while a debugger keeps history.
        self.ticks = 0
        self._ticking = False
        self._alarm = _NEVER
        #: The open upvalues of each nested loop's stack, innermost last.
        self._nested_opens: list[list] = []
        # The error RETHROW is throwing again (its trace has this frame already).
        self._rethrowing: EskerError | None = None
        # A stop honoured between instructions, on its way to `_unwind`.
        self._between: ProgramExit | None = None
        # Whether a finally handler's block can end an error (by proto and handler), for a debugger.
        self._swallowing: dict[tuple, bool] = {}
        # The compiled tier (vm/tier.py): None runs everything in this loop.
        self._tier = None
        if tier_threshold is not None:
            from .tier import Tier

            self._tier = Tier(self, tier_threshold)

    # ---------------------------------------------------------- engine protocol

    def call(self, fn, args: list, kwargs: dict | None = None):
        """Calls any Esker callable (builtins calling back land here)."""
        if type(fn) is VMClosure:
            if kwargs:
                raise named_arguments_error(fn.name)
            return self._call_closure(fn, list(args))
        return ops.call_native(self, fn, args, kwargs)

    def _call_closure(self, fn: VMClosure, args: list):
        """Runs `fn` in a nested dispatch loop, on a stack of its own."""
        if self._tier is not None:
            self._tier.synchronize()  # compiled frames below count as frames
        count = len(args)
        stack = [None] * (count + 1 + max(fn.size, count) + 8)
        stack[1:1 + count] = args
        if fn.nparams != count:
            self._adjust(fn, stack, 1, count)
        if len(self.frames) >= self.max_depth:
            raise self._overflow()
        caller = self._native_caller or (None, None, 0, 0)
        return self._nested((*caller, None), fn, stack, 1, [], 0)

    def _nested(self, boundary: tuple, closure: VMClosure, stack: list, base: int, opens: list, pc: int,
                above: list = (), loop_opens: list | None = None):
        """Runs a nested dispatch loop above a boundary entry (and the frames
        `above` it, when a debugger resumes a saved state; `loop_opens` are then
        the open upvalues of the loop's stack, `opens` those of the running
        frame's). However it ends, `frames` is left as it was (Python's own
        recursion limit can strike anywhere). Entering it and leaving it are
        ticks (see vm/history.py)."""
        depth = len(self.frames)
        caller = self._native_caller
        if self._tier is not None and self._tier.disarmed:
            self._tier.rearm()  # the compiled tier's entry points count this run too
        self.frames.append(boundary)
        self.frames.extend(above)
        self._nested_opens.append(opens if loop_opens is None else loop_opens)
        try:
            while True:
                if self._disarmed:
                    self._rearm()  # a builtin calls the same function again: its traps must be in place
                if self._ticking:
                    self._tick()
                try:
                    value = self._execute(closure, stack, base, opens, pc)
                except Redirect as redirect:
                    # A debugger moved the innermost frame (goto): go on from there.
                    closure, stack, base, opens, pc = (redirect.closure, redirect.stack, redirect.base,
                                                       redirect.opens, redirect.pc)
                    continue
                if self._ticking:
                    self._tick()
                return value
        except RecursionError:
            raise stack_overflow() from None
        finally:
            del self.frames[depth:]
            self._nested_opens.pop()
            # A native call made inside the nested loop must not pass for the caller of the next one.
            self._native_caller = caller

    def _resume_frame(self, closure: VMClosure, stack: list, opens: list, pc: int):
        """Runs the rest of a frame of `closure` from `pc`, its registers at the
        start of `stack`: compiled code hands its frame over this way."""
        self._tier.synchronize()
        return self._nested((None, None, 0, 0, None), closure, stack, 0, opens, pc)

    # ---------------------------------------------------------- programs and modules

    def run_main(self, proto: Proto, path: str) -> None:
        """Runs a compiled main module; raises EskerError if an error is not caught."""
        self._load(proto, path)
        self._modules[module_identity(path)] = _LOADING
        self._call_closure(VMClosure(proto, self._codes[proto], []), [])

    def run_entry(self, proto: Proto, path: str, session_globals: dict):
        """Runs one entry of an interactive session: a module proto whose
        top-level names live in `session_globals`, the table every entry of
        the session shares; the value the entry returns (its echo)."""
        self._load(proto, path, session_globals)
        return self._call_closure(VMClosure(proto, self._codes[proto], []), [])

    def stop(self) -> None:
        """Asks the running code to stop soon (from any thread; Ctrl-C in the
        REPL and in `esker run`): at its next call, return or backward jump
        (in compiled code too) it raises ProgramExit(130, interrupted=True),
        which runs the finally blocks on its way out and is never caught.
        Builtins finish first."""
        self._stop_requested = True
        self._flag[0] = True
        if self._tier is not None:
            self._tier.stop()

    def cancel_stop(self) -> None:
        """Forgets a stop asked for while no code ran (before the next entry),
        or that a builtin has honoured itself (a read that was waiting)."""
        self._stop_requested = False
        if self._tier is not None:
            self._tier.cancel_stop()

    def stopping(self) -> ProgramExit:
        """The stop asked for is honoured now: the exception that carries it out."""
        self.cancel_stop()
        return ProgramExit(130, interrupted=True)

    @property
    def stop_pending(self) -> bool:
        """Whether a stop was asked for and not yet honoured."""
        return self._stop_requested

    def _load(self, root: Proto, path: str | None = None, module_globals: dict | None = None) -> dict:
        """Decodes a module's proto tree once; the module's global table (a
        new one unless `module_globals` is given)."""
        known = self._globals_of.get(root)
        if known is not None:
            return known
        module_globals = {} if module_globals is None else module_globals
        protos = list(root.walk())
        for proto in protos:
            self._codes[proto] = []
            self._globals_of[proto] = module_globals
        decoder = _Decoder(self, module_globals, os.path.abspath(path or root.source_path), self._codes)
        for proto in protos:
            self._codes[proto][:] = decoder.proto(proto)
            if proto in self._traps:
                self._apply_traps(proto)
        if self._tier is not None:
            self._tier.loaded(protos)
        return module_globals

    def import_module(self, spec: tuple | str, importer: str) -> Module:
        """`import a.b` or `import "lib/f.esk"`: the module, run the first time
        it is imported."""
        dotted, name = describe_import(spec)
        path = self.loader.locate(spec, importer)
        if path is None:
            raise runtime_error("ImportError", missing_module(spec))
        known = self._modules.get(path)
        if known is _LOADING:
            raise runtime_error("ImportError", f"circular import of module {dotted}")
        if known is not None:
            return known
        root = self._module_root(path, dotted)
        self._modules[path] = _LOADING
        try:
            module_globals = self._load(root, path)
            if self._debugger is not None:
                self._debugger.on_module_loaded(root)
            self._call_closure(VMClosure(root, self._codes[root], []), [])
        finally:
            del self._modules[path]
        module = Module(name, path, ModuleMembers(module_globals, root.exports))
        self._modules[path] = module
        return module

    def _module_root(self, path: str, dotted: str) -> Proto:
        """The compiled module at `path`: compiled now, or the code of a module
        a debugger rewound (its global table emptied, to be filled again)."""
        if path in self._rewound:
            self._rewound.discard(path)
            root = self._roots[path]
            self._globals_of[root].clear()
            return root
        root = self._roots[path] = self._compile_module(path, dotted)
        return root

    def rewind_modules(self, modules: dict) -> None:
        """Puts the table of loaded modules back to `modules`, as a debugger
        travelling back in time found it. A module imported since then is
        imported again by the re-run: with the code and the global table it
        has now, so that going back and forth over an import does not make
        another copy of the module each time (nor another table to save)."""
        self._rewound.update(path for path in self._roots if path not in modules)
        self._modules.clear()
        self._modules.update(modules)

    def _compile_module(self, path: str, dotted: str) -> Proto:
        from .compiler import CompileError, compile_program
        from .diagnostics import Severity
        from .parser import parse

        try:
            text = self.loader.read(path)
        except ModuleReadError as error:
            raise runtime_error("ImportError", str(error)) from None
        shown = os.path.relpath(path)  # as traces and `esker check` name an imported file
        parsed = parse(text, shown)
        problems = [item for item in parsed.diagnostics if item.severity == Severity.ERROR]
        if problems:
            raise runtime_error("ImportError", f"module {dotted} has errors: {problems[0].format(shown)}")
        try:
            return compile_program(parsed.program, parsed.source)
        except CompileError as error:
            raise runtime_error("ImportError", f"module {dotted} cannot be compiled: {shown}:{error}") from None

    # ---------------------------------------------------------- calls

    def _overflow(self) -> EskerError:
        return too_many_calls(self.max_depth)

    def _adjust(self, fn: VMClosure, stack: list, base: int, count: int) -> None:
        """Arguments of a function with defaults, a rest parameter or a spill
        area: checks their number and lays out the callee's first registers."""
        proto = fn.proto
        params = proto.num_params
        if count < proto.required_params or (not proto.has_rest and count > params):
            raise arity_error(fn.name, proto.required_params, None if proto.has_rest else params, count)
        if base + params + 2 > len(stack):
            _grow(stack, base + params + 2)
        if count < params:
            stack[base + count: base + params] = [ABSENT] * (params - count)
        if proto.has_rest:
            stack[base + params] = stack[base + params: base + count] if count > params else []
        if proto.num_far:
            self._spill(proto, stack, base)

    def _spill(self, proto: Proto, stack: list, base: int) -> None:
        """Makes the spill area R[0]: parameters move up one register, and those
        past the near registers go to far slots."""
        values = stack[base: base + proto.num_params + proto.has_rest]
        near = min(len(values), LOCAL_LIMIT - 1)
        area = SpillArea(proto.num_far)
        area[:len(values) - near] = values[near:]
        if base + near + 1 > len(stack):
            _grow(stack, base + near + 1)
        stack[base + 1: base + 1 + near] = values[:near]
        stack[base] = area

    def _method_callee(self, receiver, name: str, base: int, count: int):
        """For `receiver.name(args)` whose target is an Esker function: (function,
        window base, argument count); else (None, 0, 0) for `call_method`."""
        kind = type(receiver)
        target, with_self = None, False
        if kind is StructInstance or kind is EnumValue:
            target = receiver.type.methods.get(name)
            with_self = target is not None
            if target is None and kind is StructInstance and name in receiver.type.field_index:
                target = receiver.values[receiver.type.field_index[name]]
        elif kind is Module:
            target = receiver.members.get(name)
        elif kind is StructType or kind is EnumType:
            target = receiver.static_methods.get(name)
        if type(target) is not VMClosure:
            return None, 0, 0
        return (target, base, count + 1) if with_self else (target, base + 1, count)

    def _callx(self, stack: list, base: int, a: int, count: int, descriptor: tuple):
        """The irregular calls (named arguments, spread argument lists): either
        (function, window base, argument count, None) to enter, or (None, 0, 0, value)."""
        method, names, spread = descriptor
        values = stack[base + a + 1: base + a + 1 + count]
        positional = list(values[0]) if spread else values[:count - len(names)]
        kwargs: dict = {}
        for name, value in zip(names, values[len(values) - len(names):] if names else ()):
            if name in kwargs:
                raise runtime_error("ArityError", f"named argument `{name}` is given twice")
            kwargs[name] = value
        callee = stack[base + a]
        if method is not None:
            target, start, _ = self._method_callee(callee, method, base + a, 0)
            if target is None or kwargs:
                return None, 0, 0, builtins.call_method(self, callee, method, positional, kwargs or None)
            arguments = [callee, *positional] if start == base + a else positional
        else:
            if type(callee) is not VMClosure:
                return None, 0, 0, ops.call_native(self, callee, positional, kwargs or None)
            if kwargs:
                raise named_arguments_error(callee.name)
            target, start, arguments = callee, base + a + 1, positional
        if start + len(arguments) + target.size > len(stack):
            _grow(stack, start + len(arguments) + target.size)
        stack[start: start + len(arguments)] = arguments
        return target, start, len(arguments), None

    # ---------------------------------------------------------- generators

    def _make_generator(self, closure: VMClosure, stack: list, base: int, pc: int, opens: list) -> VMGenerator:
        """GENSTART: the frame's registers and open upvalues move to a stack of its own."""
        own = stack[base: base + closure.size]
        moved: list[UpVal] = []
        while opens and opens[-1].index >= base:
            upval = opens.pop()
            upval.cells, upval.index = own, upval.index - base
            moved.append(upval)
        moved.reverse()
        return VMGenerator(self, closure, own, moved, pc)

    def resume_generator(self, generator: VMGenerator) -> tuple[bool, object]:
        """Runs a generator to its next yield, for Python callers (`array(g)`)."""
        if self._tier is not None:
            self._tier.synchronize()  # compiled frames below count as frames
        if generator.state == _DONE:
            return True, None
        if generator.state == _RUNNING:
            raise _running(generator)
        if len(self.frames) >= self.max_depth:
            raise self._overflow()
        generator.resumer = None
        generator.state = _RUNNING
        caller = self._native_caller or (None, None, 0, 0)
        try:
            return self._nested((*caller, generator), generator.closure, generator.stack, 0,
                                generator.opens, generator.pc)
        finally:
            if generator.state == _RUNNING:
                generator.state = _DONE

    @staticmethod
    def _generator_done(generator: VMGenerator, pc: int):
        """A generator's body returned: (consumer stack, consumer opens, pc), or None
        when a Python caller resumed it."""
        generator.state = _DONE
        _close(generator.opens, 0)
        if generator.resumer is None:
            return None
        stack, opens = generator.consumer
        return stack, opens, pc + 1

    # ---------------------------------------------------------- errors

    def _unwind(self, error: EskerError | ProgramExit, closure: VMClosure, stack: list, base: int, pc: int,
                opens: list, left: bool = False):
        """Finds the handler of an error: records a trace entry per frame left,
        closes upvalues; the state to continue in, or raises out of this loop.

        `exit()` (a ProgramExit) stops only at finally handlers and leaves no
        trace; an error thrown again by RETHROW has its entry for this frame
        already, from where it was first thrown. `left`: compiled code that
        replaced the current frame has traced it and searched its handlers."""
        frames = self.frames
        exiting = type(error) is ProgramExit
        if error is self._between:
            # Honoured before the instruction at pc ran (at a loop's header, say,
            # which may be the first instruction of a `try`): that one's handlers apply.
            self._between = None
            pc += 1
        rethrown = error is self._rethrowing
        traced = exiting or rethrown
        self._rethrowing = None
        if self._debugger is not None and not exiting:
            self._top = (closure, stack, base, max(pc - 1, 0))
            if rethrown:
                self._debugger.on_rethrow(error)
            else:
                self._debugger.on_throw(error)
        while True:
            proto = closure.proto
            at = max(pc - 1, 0)
            if not left:
                if not traced:
                    span = proto.spans[at]
                    error.trace.append(TraceEntry(proto.display_name, proto.source_path, span.line, span.col))
                for handler in proto.handlers:
                    if handler.start_pc <= at < handler.end_pc and (handler.is_finally or not exiting):
                        _close(opens, base + handler.level)
                        if proto.num_far:
                            _close_far(stack[base], handler.far_level)
                        if handler.is_finally:
                            stack[base + handler.register] = error
                        elif handler.register is not None:
                            stack[base + handler.register] = error.value
                        return closure, stack, base, handler.target_pc, opens
            traced = exiting
            left = False
            _close(opens, base)
            if proto.num_far and isinstance(stack[base], SpillArea):
                _close_far(stack[base], 0)
            closure, _, base, pc, ret = frames.pop()
            if ret is None:
                raise error
            if type(ret) is VMGenerator:
                resumed = self._generator_done(ret, pc)
                if resumed is None:
                    raise error
                stack, opens, _ = resumed

    # ---------------------------------------------------------- the dispatch loop

    def _execute(self, closure: VMClosure, stack: list, base: int, opens: list, pc: int = 0, *,
                 GETFIELD=H["GETFIELD"], GETGLOBAL=H["GETGLOBAL"], ADD=H["ADD"], MUL=H["MUL"], MOVE=H["MOVE"],
                 DEFGLOBAL=H["DEFGLOBAL"], SETFIELD=H["SETFIELD"], ADDK=H["ADDK"], FORLOOP=H["FORLOOP"],
                 SUB=H["SUB"], CALL=H["CALL"], GETINDEX=H["GETINDEX"], LOADK=H["LOADK"], EQK=H["EQK"],
                 RETURN=H["RETURN"], MODK=H["MODK"], JMPBACK=H["JMPBACK"], LT=H["LT"], SUBK=H["SUBK"],
                 SETINDEX=H["SETINDEX"], GETUPVAL=H["GETUPVAL"], BINOPK=H["BINOPK"], METHOD=H["METHOD"],
                 FORITER=H["FORITER"], TAILCALL=H["TAILCALL"], BINOPKF=H["BINOPKF"], YIELD=H["YIELD"],
                 JMP=H["JMP"], FORPREP=H["FORPREP"], SIMPLE=H["SIMPLE"], DIV=H["DIV"], GETINDEXI=H["GETINDEXI"],
                 SETUPVAL=H["SETUPVAL"], GEI=H["GEI"], GT=H["GT"], CLOSURE=H["CLOSURE"], RETURN0=H["RETURN0"],
                 MULK=H["MULK"], LTI=H["LTI"], EQ=H["EQ"], GTI=H["GTI"], ITERPREP=H["ITERPREP"],
                 TESTSET=H["TESTSET"], GENSTART=H["GENSTART"], LE=H["LE"], LEI=H["LEI"], TEST=H["TEST"],
                 BINOP=H["BINOP"], SETGLOBAL=H["SETGLOBAL"], GE=H["GE"], CLOSE=H["CLOSE"],
                 LFALSESKIP=H["LFALSESKIP"], PTEST=H["PTEST"], THROW=H["THROW"], CALLX=H["CALLX"], NOP=H["NOP"],
                 TAILMETHOD=H["TAILMETHOD"], TIER=H["TIER"],
                 StructInstance=StructInstance, EnumValue=EnumValue, VMClosure=VMClosure, Module=Module,
                 Builtin=Builtin,
                 VMGenerator=VMGenerator, add=ops.add, sub=ops.sub, mul=ops.mul, truediv=ops.truediv,
                 mod=ops.mod, less=ops.less, less_equal=ops.less_equal, greater=ops.greater,
                 greater_equal=ops.greater_equal, equals=ops.equals, get_index=ops.get_index,
                 set_index=ops.set_index, get_field=ops.get_field, set_field=ops.set_field,
                 call_native=ops.call_native, call_method=builtins.call_method, _END=_END,
                 _capture=_capture, _close=_close, _grow=_grow, len=len, type=type, next=next):
        """Runs from `pc` of `closure` (window at `base`) until the frame below
        it, a boundary entry on `frames`, is returned to; its value.

        Handlers are tested in groups of eight, most frequent first. Handlers
        with a fused jump branch to `d` or skip the JMP (`pc += 1`).
        """
        frames = self.frames
        max_depth = self.max_depth
        flag = self._flag
        tracing = self._debugger is not None
        code = closure.code
        upvals = closure.upvals
        while True:
            try:
                while True:
                    op, a, b, c, d = code[pc]
                    pc += 1
                    if op < 8:
                        if op == GETFIELD:
                            obj = stack[base + b]
                            if type(obj) is StructInstance:
                                if obj.type is d[0]:
                                    stack[base + a] = obj.values[d[1]]
                                    continue
                                slot = obj.type.field_index.get(c)
                                if slot is not None:
                                    d[0], d[1] = obj.type, slot
                                    stack[base + a] = obj.values[slot]
                                    continue
                            stack[base + a] = get_field(obj, c)
                        elif op == GETGLOBAL:
                            try:
                                stack[base + a] = c[b]
                            except KeyError:
                                stack[base + a] = _missing_global(b, d)
                        elif op == ADD:
                            x = stack[base + b]
                            y = stack[base + c]
                            t = type(x)
                            if (t is int or t is float) and type(y) is t:
                                stack[base + a] = x + y
                            else:
                                stack[base + a] = add(x, y)
                        elif op == MUL:
                            x = stack[base + b]
                            y = stack[base + c]
                            t = type(x)
                            if (t is float or t is int) and type(y) is t:
                                stack[base + a] = x * y
                            else:
                                stack[base + a] = mul(x, y)
                        elif op == MOVE:
                            stack[base + a] = stack[base + b]
                        elif op == DEFGLOBAL:
                            c[b] = stack[base + a]
                        elif op == SETFIELD:
                            obj = stack[base + a]
                            if type(obj) is StructInstance:
                                if obj.type is d[0]:
                                    obj.values[d[1]] = stack[base + b]
                                    continue
                                slot = obj.type.field_index.get(c)
                                if slot is not None:
                                    d[0], d[1] = obj.type, slot
                                    obj.values[slot] = stack[base + b]
                                    continue
                            set_field(obj, c, stack[base + b])
                        else:  # ADDK
                            x = stack[base + b]
                            if type(x) is type(c):
                                stack[base + a] = x + c
                            else:
                                stack[base + a] = add(x, c)
                    elif op < 16:
                        if op == FORLOOP:
                            value = stack[base + a] + 1
                            if value < stack[base + a + 1]:
                                stack[base + a] = value
                                stack[base + a + 2] = value
                                pc = d
                                if flag[0]:
                                    self._service(closure, stack, base, pc, True)
                            else:
                                pc += 1
                        elif op == SUB:
                            x = stack[base + b]
                            y = stack[base + c]
                            t = type(x)
                            if (t is int or t is float) and type(y) is t:
                                stack[base + a] = x - y
                            else:
                                stack[base + a] = sub(x, y)
                        elif op == CALL:
                            f = stack[base + a]
                            if type(f) is VMClosure:
                                fbase = base + a + 1
                                if fbase + f.size > len(stack):
                                    _grow(stack, fbase + f.size)
                                if f.nparams != b:
                                    self._adjust(f, stack, fbase, b)
                                if len(frames) >= max_depth:
                                    raise self._overflow()
                                frames.append((closure, code, base, pc, base + a))
                                closure = f
                                code = f.code
                                upvals = f.upvals
                                base = fbase
                                pc = 0
                                if flag[0]:
                                    self._service(closure, stack, base, pc)
                            else:
                                if tracing:
                                    self._native_caller = (closure, stack, base, pc)
                                stack[base + a] = call_native(self, f, stack[base + a + 1: base + a + 1 + b])
                        elif op == GETINDEX:
                            obj = stack[base + b]
                            key = stack[base + c]
                            if type(obj) is list and type(key) is int:
                                try:
                                    stack[base + a] = obj[key]
                                except IndexError:
                                    stack[base + a] = get_index(obj, key)
                            else:
                                stack[base + a] = get_index(obj, key)
                        elif op == LOADK:
                            stack[base + a] = b
                        elif op == EQK:
                            x = stack[base + a]
                            if type(x) is type(b):
                                pc = d if (x == b) is c else pc + 1
                            else:
                                pc = d if equals(x, b) is c else pc + 1
                        elif op == RETURN:
                            value = stack[base + a]
                            if opens and opens[-1].index >= base:
                                _close(opens, base)
                            closure, code, base, pc, ret = frames.pop()
                            if type(ret) is int:
                                stack[ret] = value
                                upvals = closure.upvals
                            elif ret is None:
                                return value
                            else:
                                resumed = self._generator_done(ret, pc)
                                if resumed is None:
                                    return True, None
                                stack, opens, pc = resumed
                                upvals = closure.upvals
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        else:  # MODK
                            x = stack[base + b]
                            stack[base + a] = x % c if type(x) is int else mod(x, c)
                    elif op < 24:
                        if op == JMPBACK:
                            pc = d
                            if flag[0]:
                                self._service(closure, stack, base, pc, True)
                        elif op == LT:
                            x = stack[base + a]
                            y = stack[base + b]
                            if (type(x) is int or type(x) is float) and (type(y) is int or type(y) is float):
                                pc = d if (x < y) is c else pc + 1
                            else:
                                pc = d if less(x, y) is c else pc + 1
                        elif op == SUBK:
                            x = stack[base + b]
                            if type(x) is type(c):
                                stack[base + a] = x - c
                            else:
                                stack[base + a] = sub(x, c)
                        elif op == SETINDEX:
                            obj = stack[base + a]
                            key = stack[base + b]
                            if type(obj) is list and type(key) is int:
                                try:
                                    obj[key] = stack[base + c]
                                except IndexError:
                                    set_index(obj, key, stack[base + c])
                            else:
                                set_index(obj, key, stack[base + c])
                        elif op == GETUPVAL:
                            upval = upvals[b]
                            stack[base + a] = upval.cells[upval.index]
                        elif op == BINOPK:
                            stack[base + a] = d(stack[base + b], c)
                        elif op == METHOD:
                            receiver = stack[base + a]
                            kind = type(receiver)
                            if (kind is StructInstance or kind is EnumValue) and \
                                    type(f := receiver.type.methods.get(c)) is VMClosure:
                                fbase, count = base + a, b + 1
                            else:
                                if kind is list or kind is str or kind is dict:
                                    f = None
                                elif kind is Module and type(f := receiver.members.get(c)) is Builtin:
                                    stack[base + a] = call_native(self, f, stack[base + a + 1: base + a + 1 + b])
                                    continue
                                else:
                                    f, fbase, count = self._method_callee(receiver, c, base + a, b)
                                if f is None:
                                    if tracing:
                                        self._native_caller = (closure, stack, base, pc)
                                    stack[base + a] = call_method(self, receiver, c,
                                                                  stack[base + a + 1: base + a + 1 + b])
                                    continue
                            if fbase + f.size > len(stack):
                                _grow(stack, fbase + f.size)
                            if f.nparams != count:
                                self._adjust(f, stack, fbase, count)
                            if len(frames) >= max_depth:
                                raise self._overflow()
                            frames.append((closure, code, base, pc, base + a))
                            closure = f
                            code = f.code
                            upvals = f.upvals
                            base = fbase
                            pc = 0
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        else:  # FORITER
                            iterator = stack[base + a]
                            if type(iterator) is VMGenerator:
                                if iterator.state != _SUSPENDED:
                                    if iterator.state == _RUNNING:
                                        raise _running(iterator)
                                    pc += 1
                                    continue
                                if len(frames) >= max_depth:
                                    raise self._overflow()
                                frames.append((closure, code, base, pc, iterator))
                                iterator.resumer, iterator.state = "for", _RUNNING
                                iterator.consumer = (stack, opens)
                                iterator.resume_at = (base + a, b, d)
                                closure = iterator.closure
                                code, upvals, stack, opens = closure.code, closure.upvals, iterator.stack, iterator.opens
                                base, pc = 0, iterator.pc
                                if flag[0]:
                                    self._service(closure, stack, base, pc)
                                continue
                            item = next(iterator, _END)
                            if item is _END:
                                pc += 1
                                continue
                            if b:
                                stack[base + a + 2], stack[base + a + 3] = item
                            else:
                                stack[base + a + 2] = item
                            pc = d
                            if flag[0]:
                                self._service(closure, stack, base, pc, True)
                    elif op < 32:
                        if op == TAILCALL:
                            f = stack[base + a]
                            if type(f) is VMClosure:
                                if opens and opens[-1].index >= base:
                                    _close(opens, base)
                                stack[base: base + b] = stack[base + a + 1: base + a + 1 + b]
                                if base + f.size > len(stack):
                                    _grow(stack, base + f.size)
                                if f.nparams != b:
                                    self._adjust(f, stack, base, b)
                                closure, code, upvals, pc = f, f.code, f.upvals, 0
                                if flag[0]:
                                    self._service(closure, stack, base, pc)
                                continue
                            if tracing:
                                self._native_caller = (closure, stack, base, pc)
                            value = call_native(self, f, stack[base + a + 1: base + a + 1 + b])
                            closure, code, base, pc, ret = frames.pop()
                            if ret is None:
                                return value
                            stack[ret] = value
                            upvals = closure.upvals
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        elif op == BINOPKF:
                            stack[base + a] = d(c, stack[base + b])
                        elif op == YIELD:
                            value = stack[base + a]
                            generator = frames[-1][4]
                            generator.pc, generator.state = pc, _SUSPENDED
                            closure, code, base, pc, _ = frames.pop()
                            if generator.resumer is None:
                                return False, value
                            stack, opens = generator.consumer
                            at, pairs, pc = generator.resume_at
                            if pairs:
                                count = stack[at + 1]
                                stack[at + 1] = count + 1
                                stack[at + 2], stack[at + 3] = count, value
                            else:
                                stack[at + 2] = value
                            upvals = closure.upvals
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        elif op == JMP:
                            pc = d
                        elif op == FORPREP:
                            start = stack[base + a]
                            stop = stack[base + a + 1]
                            if type(start) is not int or type(stop) is not int:
                                ops.make_range(start, stop, b)
                            if b:
                                stop += 1
                                stack[base + a + 1] = stop
                            if start < stop:
                                stack[base + a + 2] = start
                                pc += 1
                            else:
                                pc = d
                        elif op == SIMPLE:
                            d(self, stack, base, a, b, c)
                        elif op == DIV:
                            x = stack[base + b]
                            y = stack[base + c]
                            if type(x) is float and type(y) is float and y:
                                stack[base + a] = x / y
                            else:
                                stack[base + a] = truediv(x, y)
                        else:  # GETINDEXI
                            obj = stack[base + b]
                            if (type(obj) is list or type(obj) is tuple) and c < len(obj):
                                stack[base + a] = obj[c]
                            else:
                                stack[base + a] = get_index(obj, c)
                    elif op < 40:
                        if op == SETUPVAL:
                            upval = upvals[b]
                            upval.cells[upval.index] = stack[base + a]
                        elif op == GEI:
                            x = stack[base + a]
                            if type(x) is int or type(x) is float:
                                pc = d if (x >= b) is c else pc + 1
                            else:
                                pc = d if greater_equal(x, b) is c else pc + 1
                        elif op == GT:
                            pc = d if greater(stack[base + a], stack[base + b]) is c else pc + 1
                        elif op == CLOSURE:
                            cells = []
                            for where, index in d:
                                if where == 0:
                                    cells.append(_capture(opens, stack, base + index))
                                elif where == 2:
                                    cells.append(upvals[index])
                                else:
                                    cells.append(_capture_far(stack[base], index - FAR_BASE))
                            stack[base + a] = VMClosure(b, c, cells)
                        elif op == RETURN0:
                            if opens and opens[-1].index >= base:
                                _close(opens, base)
                            closure, code, base, pc, ret = frames.pop()
                            if type(ret) is int:
                                stack[ret] = None
                                upvals = closure.upvals
                            elif ret is None:
                                return None
                            else:
                                resumed = self._generator_done(ret, pc)
                                if resumed is None:
                                    return True, None
                                stack, opens, pc = resumed
                                upvals = closure.upvals
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        elif op == MULK:
                            x = stack[base + b]
                            if type(x) is type(c):
                                stack[base + a] = x * c
                            else:
                                stack[base + a] = mul(x, c)
                        elif op == LTI:
                            x = stack[base + a]
                            if type(x) is int or type(x) is float:
                                pc = d if (x < b) is c else pc + 1
                            else:
                                pc = d if less(x, b) is c else pc + 1
                        else:  # EQ
                            x = stack[base + a]
                            y = stack[base + b]
                            t = type(x)
                            if (t is int or t is str) and type(y) is t:
                                pc = d if (x == y) is c else pc + 1
                            else:
                                pc = d if equals(x, y) is c else pc + 1
                    elif op < 48:
                        if op == GTI:
                            x = stack[base + a]
                            if type(x) is int or type(x) is float:
                                pc = d if (x > b) is c else pc + 1
                            else:
                                pc = d if greater(x, b) is c else pc + 1
                        elif op == ITERPREP:
                            value = stack[base + a]
                            if type(value) is VMGenerator:
                                stack[base + a + 1] = 0
                            else:
                                stack[base + a] = ops.iterate_pairs(self, value) if b else ops.iterate(self, value)
                        elif op == TESTSET:
                            value = stack[base + b]
                            if (value is not None and value is not False) is c:
                                stack[base + a] = value
                                pc = d
                            else:
                                pc += 1
                        elif op == GENSTART:
                            generator = self._make_generator(closure, stack, base, pc, opens)
                            closure, code, base, pc, ret = frames.pop()
                            if ret is None:
                                return generator
                            stack[ret] = generator
                            upvals = closure.upvals
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        elif op == LE:
                            x = stack[base + a]
                            y = stack[base + b]
                            if (type(x) is int or type(x) is float) and (type(y) is int or type(y) is float):
                                pc = d if (x <= y) is c else pc + 1
                            else:
                                pc = d if less_equal(x, y) is c else pc + 1
                        elif op == LEI:
                            x = stack[base + a]
                            if type(x) is int or type(x) is float:
                                pc = d if (x <= b) is c else pc + 1
                            else:
                                pc = d if less_equal(x, b) is c else pc + 1
                        elif op == TEST:
                            value = stack[base + a]
                            pc = d if (value is not None and value is not False) is c else pc + 1
                        else:  # BINOP
                            stack[base + a] = d(stack[base + b], stack[base + c])
                    elif op < 56:
                        if op == SETGLOBAL:
                            if b not in c:
                                raise _assign_missing(b, self.builtins)
                            c[b] = stack[base + a]
                        elif op == GE:
                            pc = d if greater_equal(stack[base + a], stack[base + b]) is c else pc + 1
                        elif op == CLOSE:
                            if opens and opens[-1].index >= base + a:
                                _close(opens, base + a)
                            if b >= 0:
                                _close_far(stack[base], b)
                        elif op == LFALSESKIP:
                            stack[base + a] = False
                            pc += 1
                        elif op == PTEST:
                            pc = pc + 1 if c(stack[base + a], stack[base + b]) else d
                        elif op == THROW:
                            raise EskerError(stack[base + a])
                        elif op == CALLX:
                            if tracing:
                                self._native_caller = (closure, stack, base, pc)
                            f, fbase, count, value = self._callx(stack, base, a, b, c)
                            if f is None:
                                stack[base + a] = value
                                continue
                            if f.nparams != count:
                                self._adjust(f, stack, fbase, count)
                            if len(frames) >= max_depth:
                                raise self._overflow()
                            frames.append((closure, code, base, pc, base + a))
                            closure = f
                            code = f.code
                            upvals = f.upvals
                            base = fbase
                            pc = 0
                            if flag[0]:
                                self._service(closure, stack, base, pc)
                        else:  # NOP
                            pass
                    elif op == TAILMETHOD:
                        receiver = stack[base + a]
                        f, fbase, count = self._method_callee(receiver, c, base + a, b)
                        if f is not None:
                            if opens and opens[-1].index >= base:
                                _close(opens, base)
                            stack[base: base + count] = stack[fbase: fbase + count]
                            if base + f.size > len(stack):
                                _grow(stack, base + f.size)
                            if f.nparams != count:
                                self._adjust(f, stack, base, count)
                            closure, code, upvals, pc = f, f.code, f.upvals, 0
                        else:
                            if tracing:
                                self._native_caller = (closure, stack, base, pc)
                            value = call_method(self, receiver, c, stack[base + a + 1: base + a + 1 + b])
                            closure, code, base, pc, ret = frames.pop()
                            if ret is None:
                                return value
                            stack[ret] = value
                            upvals = closure.upvals
                        if flag[0]:
                            self._service(closure, stack, base, pc)
                    elif op == TIER:
                        # An entry point of the compiled tier; A is the entry it stands in for.
                        pc -= 1
                        value = self._tier.enter(a, b, closure, stack, base, pc, opens)
                        if value is INTERPRET:
                            continue
                        if type(value) is Switch:
                            closure, pc = value.closure, 0
                            code, upvals = closure.code, closure.upvals
                            continue
                        closure, code, base, pc, ret = frames.pop()
                        if ret is None:
                            return value
                        stack[ret] = value
                        upvals = closure.upvals
                        if flag[0]:
                            self._service(closure, stack, base, pc)
                    else:
                        # TRAP: its A operand is the entry it stands in for
                        pc -= 1
                        self._trap(closure, stack, base, pc, code, a)
            except (EskerError, ProgramExit) as error:
                closure, stack, base, pc, opens = self._unwind(error, closure, stack, base, pc, opens)
            except RecursionError:
                error = stack_overflow()
                closure, stack, base, pc, opens = self._unwind(error, closure, stack, base, pc, opens)
            except FrameLeft as left:
                closure, stack, base, pc, opens = self._unwind(left.error, closure, stack, base, pc, opens, True)
            code = closure.code
            upvals = closure.upvals
            if flag[0]:
                try:
                    self._service(closure, stack, base, pc, True)
                except ProgramExit as error:  # a stop as the handler begins: the handlers around it run
                    closure, stack, base, pc, opens = self._unwind(error, closure, stack, base, pc, opens)
                    code = closure.code
                    upvals = closure.upvals

    # ---------------------------------------------------------- debugging hooks

    def attach_debugger(self, debugger) -> None:
        """`debugger` gets on_trap(frame, pc), on_interrupt(frame), on_throw(error),
        on_rethrow(error) (a `finally` block throwing its error again) and
        on_module_loaded(root) calls on the program's thread."""
        self._debugger = debugger

    @property
    def debugging(self) -> bool:
        return self._debugger is not None

    def request_interrupt(self) -> None:
        """Asks the running loop to call on_interrupt soon (from any thread)."""
        self._interrupt_requested = True
        self._flag[0] = True

    def set_traps(self, proto: Proto, pcs: frozenset | None) -> None:
        """Instruments `pcs` of `proto` (None or empty: none), in place; a proto
        not loaded yet gets them when its module is loaded."""
        self._traps[proto] = frozenset(pcs or ())
        if proto in self._codes:
            self._apply_traps(proto)

    def trap_once(self, proto: Proto, pc: int) -> None:
        """Trap instruction `pc` of `proto` for its next run only (a data
        breakpoint looks at what the instruction before it wrote)."""
        code = self._codes.get(proto)
        if code is not None and code[pc][0] != H["TRAP"]:
            code[pc] = (H["TRAP"], code[pc], 0, 0, 0)

    def _apply_traps(self, proto: Proto) -> None:
        code = self._codes[proto]
        pristine = self._pristine.setdefault(proto, list(code))
        wanted = self._traps[proto]
        trap = H["TRAP"]
        for pc, original in enumerate(pristine):
            code[pc] = (trap, original, 0, 0, 0) if pc in wanted else original

    def _trap(self, closure: VMClosure, stack: list, base: int, pc: int, code: list, original: tuple) -> None:
        """A trapped instruction is about to run: tell the debugger, then let the
        original run once (re-armed at the next flag test)."""
        self._top = (closure, stack, base, pc)
        self._debugger.on_trap(DebugFrame(closure, stack, base, pc, len(self.frames)), pc)
        if code[pc][0] == H["TRAP"]:
            code[pc] = original
            self._disarmed.append((closure.proto, code, pc))
            self._flag[0] = True

    def _service(self, closure: VMClosure, stack: list, base: int, pc: int, between: bool = False) -> None:
        """The interrupt flag was seen: count the tick (while a debugger keeps
        history, the flag stays set), re-arm traps, sound the debugger's alarm
        when its tick has come, then honour a pause request and a stop.
        `between`: seen after a backward jump or as a handler begins, so
        before the instruction at `pc` ran (else after the one before it)."""
        self._flag[0] = self._ticking
        if self._tier is not None and self._tier.disarmed:
            self._tier.rearm()
        self._rearm()
        if self._ticking:
            self.ticks += 1
            if self.ticks >= self._alarm:
                self._top = (closure, stack, base, pc)
                self._debugger.on_alarm(DebugFrame(closure, stack, base, pc, len(self.frames)))
        if self._interrupt_requested and self._debugger is not None:
            self._interrupt_requested = False
            self._top = (closure, stack, base, pc)
            self._debugger.on_interrupt(DebugFrame(closure, stack, base, pc, len(self.frames)))
        if self._stop_requested:
            error = self.stopping()
            if between:
                self._between = error  # see _unwind
            raise error

    def _rearm(self) -> None:
        """Put back the traps that ran once since the last flag test."""
        trap = H["TRAP"]
        for proto, code, pc_disarmed in self._disarmed:
            if pc_disarmed in self._traps.get(proto, ()) and code[pc_disarmed][0] != trap:
                code[pc_disarmed] = (trap, code[pc_disarmed], 0, 0, 0)
        self._disarmed.clear()

    def _tick(self) -> None:
        """A tick between instructions that `_service` does not see (a nested loop begins or ends)."""
        self.ticks += 1
        if self.ticks >= self._alarm:
            self._debugger.on_alarm(None)

    # ---------------------------------------------------------- history (for a debugger that travels in time)

    def keep_ticks(self, on: bool) -> None:
        """Count ticks (see vm/history.py) from now on, or stop counting. The
        interrupt flag then stays set, so every tick reaches `_service`."""
        self._ticking = on
        self._flag[0] = self._flag[0] or on

    def set_alarm(self, tick: int | None) -> None:
        """Call the debugger's `on_alarm(frame or None)` at every tick from `tick` on (None: never)."""
        self._alarm = _NEVER if tick is None else tick

    def restorable(self) -> bool:
        """Whether the running state can be saved: no builtin is running Esker
        code below (a callback, an import, a generator resumed from Python)."""
        return len(self._nested_opens) == 1

    def current_state(self) -> tuple:
        """(closure, stack, base, pc, loop's open upvalues, running frame's open
        upvalues) of the innermost frame, as a hook sees it."""
        closure, stack, base, pc = self._top
        return closure, stack, base, pc, self._nested_opens[0], self._innermost_opens()

    def resume_state(self, frames: list, closure: VMClosure, stack: list, base: int, loop_opens: list,
                     opens: list, pc: int):
        """Runs a program on from a state a debugger saved (`frames` as they
        were, the main module's boundary first); returns when it ends."""
        del self.frames[:]
        self._nested_opens.clear()
        self._native_caller = None
        return self._nested(frames[0], closure, stack, base, opens, pc, above=frames[1:], loop_opens=loop_opens)

    def globals_tables(self) -> list[dict]:
        """The global tables of the loaded modules."""
        return list({id(table): table for table in self._globals_of.values()}.values())

    def decoded_code(self) -> list[list]:
        """The decoded instruction lists of the loaded protos (program text, not state)."""
        return list(self._codes.values())

    def enter_native(self, frame: "DebugFrame", pc: int) -> None:
        """Instruction `pc` of `frame` is about to run code on a nested loop that
        no call instruction announces (an import runs the module's body): the
        stack shows `frame` below that code."""
        self._native_caller = (frame.closure, frame.stack, frame.base, pc + 1)

    def is_captured(self, frame: "DebugFrame", register: int) -> bool:
        """Whether a closure captured register `register` of `frame`, the
        innermost frame (an open upvalue points at it)."""
        if register >= FAR_BASE:
            area = frame.stack[frame.base]
            return isinstance(area, SpillArea) and register - FAR_BASE in area.opens
        index = frame.base + register
        return any(upval.cells is frame.stack and upval.index == index for upval in self._innermost_opens())

    def open_upvalue(self, frame: "DebugFrame", register: int) -> UpVal | None:
        """The open upvalue that points at register `register` of `frame`
        (any frame of the stopped program), if a closure captured it."""
        if register >= FAR_BASE:
            area = frame.stack[frame.base]
            return area.opens.get(register - FAR_BASE) if isinstance(area, SpillArea) else None
        index = frame.base + register
        lists = [*self._nested_opens, *(ret.opens for *_, ret in self.frames if type(ret) is VMGenerator)]
        return next((upval for opens in lists for upval in opens if upval.cells is frame.stack and upval.index == index),
                    None)

    def redirect(self, frame: "DebugFrame", pc: int) -> Redirect:
        """The exception that continues `frame`, the innermost frame, at `pc`
        when a debugger hook raises it (the debugger checks that this is safe)."""
        return Redirect(frame.closure, frame.stack, frame.base, self._innermost_opens(), pc)

    def _innermost_opens(self) -> list:
        """The open upvalues of the innermost frame's stack: a generator's own
        when it runs in one, else those of its nested loop."""
        for closure, code, base, pc, ret in reversed(self.frames):
            if type(ret) is VMGenerator:
                return ret.opens
            if ret is None:
                break
        return self._nested_opens[-1]

    def debug_frames(self) -> list["DebugFrame"]:
        """The frames of the stopped program, innermost first."""
        if self._top is None:
            return []
        closure, stack, base, pc = self._top
        found = [DebugFrame(closure, stack, base, pc, len(self.frames))]
        for depth in range(len(self.frames) - 1, -1, -1):
            closure, code, base, pc, ret = self.frames[depth]
            if ret is None:
                stack = code
            elif type(ret) is VMGenerator:
                # Resumed by a for loop: the consumer's frame; from Python: the native call's caller.
                stack = ret.consumer[0] if ret.resumer is not None else code
            if closure is not None and stack is not None:
                found.append(DebugFrame(closure, stack, base, max(pc - 1, 0), depth))
        return found

    def depth(self) -> int:
        """How deep the running code is: one more for every call (also the
        calls of builtins calling back, generator resumptions and module
        bodies), one less for every return. Free, for comparing depths."""
        return len(self.frames)

    def globals_for(self, proto: Proto) -> dict:
        """The global table of the module `proto` belongs to (names to values)."""
        return self._globals_of.get(proto, {})

    def error_will_be_caught(self) -> bool | None:
        """Whether the current error will be caught: True when a `catch`
        handler of some frame covers where it is; None when none does but a
        `finally` block on its way may end it (it returns, throws, breaks or
        continues: only running it tells); False when it escapes (every
        `finally` block on the way ends by throwing it again)."""
        covering = [(frame.proto, handler) for frame in self.debug_frames() for handler in frame.proto.handlers
                    if handler.start_pc <= frame.pc < handler.end_pc]
        if any(not handler.is_finally for _, handler in covering):
            return True
        if any(self._finally_may_swallow(proto, handler) for proto, handler in covering):
            return None
        return False

    def _finally_may_swallow(self, proto: Proto, handler: Handler) -> bool:
        """Whether the `finally` block of `handler` has a way out other than
        reaching its end (where the error is thrown again), from the layout
        the compiler gives it (see `Compiler.try_finally`): the handler's
        target stores the exit number and jumps to the block's entry; the
        block ends where the dispatch on that number (in register `level`)
        begins."""
        key = (proto, handler.target_pc)
        if key not in self._swallowing:
            self._swallowing[key] = _leaves_finally_block(proto, handler)
        return self._swallowing[key]

    def call_proto(self, proto: Proto, values: list):
        """Calls a function proto compiled on its own (a debugger's expression),
        with room for EVALUATION_HEADROOM frames above the program's, so that
        expressions work also where the program overflowed its stack."""
        self._load(proto, module_globals=self._expression_globals)
        limit, top, ticking, ticks = self.max_depth, self._top, self._ticking, self.ticks
        self.max_depth = max(limit, len(self.frames) + EVALUATION_HEADROOM)
        self._ticking = False  # an expression is no part of the program's history
        try:
            return self._call_closure(VMClosure(proto, self._codes[proto], []), list(values))
        finally:
            self.max_depth, self._top, self._ticking, self.ticks = limit, top, ticking, ticks
            self._flag[0] = self._flag[0] or ticking


#: Instructions that end a `finally` block other than by reaching its end:
#: returning, or throwing another error in place of the one it runs for.
_LEAVING = frozenset({Op.RETURN, Op.RETURN0, Op.TAILCALL, Op.TAILMETHOD, Op.THROW, Op.RETHROW, Op.FAIL})


def _leaves_finally_block(proto: Proto, handler: Handler) -> bool:
    """Whether the `finally` block of a finally handler may end other than by
    reaching its end: a return, a throw, or a jump out of the block (`break`,
    `continue`, a return through an enclosing `finally`)."""
    from .disassembler import get_instructions  # only debuggers ask
    records = get_instructions(proto)
    jump = records[handler.target_pc + 1]
    entry = jump.jump_target if jump.opname == "JMP" else None
    if entry is None:
        return True  # not the layout the compiler makes: assume it may
    end = next((record.pc for record in records[entry:handler.target_pc]
                if record.opname in ("EQI", "EQK") and record.args[0] == handler.level), handler.target_pc)
    return any(opcode_of(record.word) in _LEAVING or
               (record.jump_target is not None and not entry <= record.jump_target <= end)
               for record in records[entry:end])


class Redirect(Exception):
    """Raised by a debugger inside the dispatch loop (from a hook) to continue
    the innermost frame at another pc: the nested loop running that frame
    starts again there; everything else (frames below, values) stays as it is.
    Built by `VM.redirect`."""

    def __init__(self, closure: VMClosure, stack: list, base: int, opens: list, pc: int):
        super().__init__(pc)
        self.closure, self.stack, self.base, self.opens, self.pc = closure, stack, base, opens, pc


class DebugFrame:
    """A frame as a debugger sees it: its function, pc and registers."""

    def __init__(self, closure: VMClosure, stack: list, base: int, pc: int, depth: int = 0):
        self.closure = closure
        self.proto = closure.proto
        self.stack = stack
        self.base = base
        self.pc = pc
        #: What `VM.depth()` says while this frame runs.
        self.depth = depth
        self.key = (id(stack), base, id(closure))
        self.size = closure.size

    def register(self, index: int):
        if index >= FAR_BASE:
            return self.stack[self.base][index - FAR_BASE]
        value = self.stack[self.base + index]
        return None if value is ABSENT else value

    def set_register(self, index: int, value) -> None:
        if index >= FAR_BASE:
            self.stack[self.base][index - FAR_BASE] = value
        else:
            self.stack[self.base + index] = value

    def upvalues(self) -> list["UpvalueCell"]:
        return [UpvalueCell(desc.name, upval) for desc, upval in zip(self.proto.upvalues, self.closure.upvals)]


class UpvalueCell:
    """An upvalue of a frame's closure, by name."""

    def __init__(self, name: str, upval: UpVal):
        self.name = name
        self.upval = upval

    @property
    def open(self) -> bool:
        return self.upval.open

    def get(self):
        return self.upval.get()

    def set(self, value) -> None:
        self.upval.set(value)


def _running(generator: VMGenerator) -> EskerError:
    return runtime_error("RuntimeError", f"generator {generator.name or '<fn>'} resumed while it is running")


def _missing_global(name: str, names: dict):
    """A top-level name read before its declaration ran: the builtin it shadows, if any."""
    if name in names:
        return names[name]
    raise runtime_error("RuntimeError", f"undefined name `{name}`")


def _assign_missing(name: str, names: dict) -> EskerError:
    if name in names:
        return runtime_error("TypeError", f"cannot assign to the builtin `{name}`; declare it with let first")
    return runtime_error("RuntimeError", f"undefined name `{name}`")


# ------------------------------------------------------------------ running source

def run_source(text: str, path: str, stdout: TextIO | None = None) -> int:
    """Checks, compiles and runs a program on the VM; the exit status.

    Errors found before running are printed to stderr (status 2); an uncaught
    runtime error is reported as in §7 (status 1).
    """
    from .analysis import analyze
    from .compiler import CompileError, compile_program
    from .diagnostics import Severity

    def run() -> int:
        result = analyze(text, path)
        errors = [item for item in result.diagnostics if item.severity == Severity.ERROR]
        if errors:
            for problem in errors:
                print(problem.format(path), file=sys.stderr)
            return 2
        try:
            proto = compile_program(result.program, result.source)
        except CompileError as error:
            print(f"{path}:{error}", file=sys.stderr)
            return 2
        try:
            VM(stdout=stdout).run_main(proto, path)
        except EskerError as error:
            (stdout or sys.stdout).flush()
            print(format_uncaught(error), file=sys.stderr)
            return 1
        return 0

    return call_with_deep_stack(run)

