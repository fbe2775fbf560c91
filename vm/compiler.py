"""The compiler: a checked syntax tree to a tree of protos of register bytecode.

It follows Lua 5.4's code generator (lcode.c): locals live in fixed registers,
temporaries are taken and freed in stack order, and expression descriptors
(`_Exp`) put off choosing a register so that a value lands where it is used;
conditional jumps wait in lists that are patched once their target is known.
Constants are folded and pooled, nothing is generated after `return`, `throw`,
`break` or `continue`, and a peephole pass (`_optimize`) threads jumps and
drops unreachable and redundant instructions. Every instruction carries the
span of the expression or statement it implements: that is where a runtime
error in it is reported.

Top-level names of a module are globals (its members); everything else is a
register or an upvalue. Register fields are 8 bits, so a function whose live
locals reach LOCAL_LIMIT is compiled again with a spill area for the rest,
an expression nested past SPILL_AT saves its temporaries, and long literals
and argument lists are built in batches. A limit that still cannot be met
raises CompileError, naming the limit and the place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable, Container

from . import ast
from .deep import call_with_deep_stack
from .opcodes import (K_IN_EXTRAARG, MAX_BX, MAX_C, OFFSET_SBX, OFFSET_SC, OPCODES, Op, decode, encode,
                      fits_sc, opcode_of, with_a, with_k, with_sj)
from .proto import FAR_BASE, LOCAL_LIMIT, Handler, LocalVar, Proto, UpvalueDesc
from .runtime import builtins, ops
from .runtime.errors import EskerError
from .runtime.printing import to_str
from .source import NO_SPAN, SourceText, Span

#: The register field value that means "no register" (TESTSET whose value is not kept).
NO_REG = 255
#: Registers 0..MAX_REGISTERS-1 can be named by an instruction.
MAX_REGISTERS = NO_REG
#: An expression compiled with this many registers in use first saves the temporaries.
SPILL_AT = 224
#: Items per batch of a long array, tuple or map literal.
BATCH = 50
MAX_CONSTANTS = MAX_BX + 1
#: Constant folding gives up on ints or strings larger than this (bits or characters).
MAX_FOLDED_SIZE = 4096

_BUILTIN_NAMES = builtins.GLOBAL_NAMES
_DECLARATIONS = (ast.FnDecl, ast.StructDecl, ast.EnumDecl)
_TERMINATORS = (ast.Return, ast.Throw, ast.Break, ast.Continue)
_FUNCTION_BOUNDARIES = (ast.FnExpr, ast.FnDecl, ast.StructDecl, ast.EnumDecl)
_COMPARISONS = {"==": Op.EQ, "!=": Op.EQ, "<": Op.LT, "<=": Op.LE, ">": Op.GT, ">=": Op.GE}
_IMMEDIATE_COMPARISONS = {"<": Op.LTI, "<=": Op.LEI, ">": Op.GTI, ">=": Op.GEI}
_CONSTANT_COMPARISONS = {"<": Op.LTK, "<=": Op.LEK, ">": Op.GTK, ">=": Op.GEK}
_ARITHMETIC = {"+": Op.ADD, "-": Op.SUB, "*": Op.MUL, "/": Op.DIV, "//": Op.IDIV, "%": Op.MOD,
               "**": Op.POW, "&": Op.BAND, "|": Op.BOR, "^": Op.BXOR, "<<": Op.SHL, ">>": Op.SHR}
_WITH_CONSTANT = {op: Op[Op(code).name + "K"] for op, code in _ARITHMETIC.items()}
_ENDS_FLOW = frozenset({Op.RETURN, Op.RETURN0, Op.TAILCALL, Op.TAILMETHOD, Op.THROW, Op.RETHROW, Op.FAIL,
                        Op.MATCHERROR})


class CompileError(Exception):
    """A program that cannot be encoded (an instruction-set limit), at a place."""

    def __init__(self, span: Span, message: str):
        super().__init__(f"{span.line}:{span.col}: {message}")
        self.span = span
        self.message = message


def compile_program(program: ast.Program, source: SourceText, name: str = "<module>", *,
                    session: Container[str] = (), echo: bool = False) -> Proto:
    """Compile a checked program (a module body) to its proto tree.

    For an entry of an interactive session, `session` holds the names earlier
    entries defined (globals of the shared table, visible from the start),
    and `echo` makes the module return the value of its last statement when
    that is an expression. The compiler recurses over the tree, so it runs
    with a deep stack.
    """
    return call_with_deep_stack(lambda: _Compiler(source, program, session).module(program, name, echo))


# ------------------------------------------------------------------ descriptors

VOID, NIL, TRUE, FALSE, CONST = "void", "nil", "true", "false", "const"
LOCAL, FAR, UPVAL, GLOBAL, BUILTIN = "local", "far", "upval", "global", "builtin"
INDEX, INDEXI, FIELD, RELOC, NONRELOC, JMP = "index", "indexi", "field", "reloc", "nonreloc", "jmp"
_CONSTANT_KINDS = frozenset({NIL, TRUE, FALSE, CONST})
_NOT_CONSTANT = object()


class _Exp:
    """An expression descriptor (Lua's expdesc). `info` is a register, pc, slot
    or upvalue index depending on `kind`; `aux` a constant, name or key; `t`
    and `f` are the jumps taken when the value is true or false."""

    __slots__ = ("kind", "info", "aux", "span", "t", "f")

    def __init__(self, kind: str, info: int = 0, aux: object = None, span: Span = NO_SPAN):
        self.kind = kind
        self.info = info
        self.aux = aux
        self.span = span
        self.t: list[int] = []
        self.f: list[int] = []

    def is_constant(self) -> bool:
        return self.kind in _CONSTANT_KINDS and not self.t and not self.f

    def value(self):
        return {NIL: None, TRUE: True, FALSE: False}.get(self.kind, self.aux)


def _constant_exp(value, span: Span) -> _Exp:
    if value is None:
        return _Exp(NIL, span=span)
    if value is True or value is False:
        return _Exp(TRUE if value else FALSE, span=span)
    return _Exp(CONST, aux=value, span=span)


def _constant_key(value) -> tuple:
    """Constants are pooled by type and value, so 1, 1.0 and true stay apart."""
    kind = type(value)
    if kind is tuple:
        return (tuple, tuple(_constant_key(item) for item in value))
    if kind is float:
        return (float, value.hex())
    return (kind, value)


# ------------------------------------------------------------------ folding

_SCALARS = (type(None), bool, int, float, str)


def _too_large(op: str, a, b) -> bool:
    """Whether folding `a op b` could build a huge value (or take long doing it)."""
    if type(a) is int and type(b) is int:
        if op == "**":
            return b > 0 and a.bit_length() * b > MAX_FOLDED_SIZE
        if op == "<<":
            return b > MAX_FOLDED_SIZE
        if op == "*":
            return a.bit_length() + b.bit_length() > MAX_FOLDED_SIZE
    return type(a) is str and type(b) is str and len(a) + len(b) > MAX_FOLDED_SIZE


def _fold_binary(op: str, a, b):
    """`a op b` computed now with the runtime's own operators, or _NOT_CONSTANT
    when it would raise (the error must happen at run time) or be too large."""
    if op not in ("==", "!=") and (type(a) not in _SCALARS or type(b) not in _SCALARS):
        return _NOT_CONSTANT
    if _too_large(op, a, b):
        return _NOT_CONSTANT
    try:
        return ops.BINARY[op](a, b)
    except EskerError:
        return _NOT_CONSTANT


def _fold_unary(op: str, value):
    if op == "not":
        return not ops.truthy(value)
    try:
        return ops.UNARY[op](value)
    except EskerError:
        return _NOT_CONSTANT


def _constant_of(node: ast.Node):
    """The value of an expression made of literals, or _NOT_CONSTANT (no code is made)."""
    kind = type(node)
    if kind is ast.Literal:
        return node.value
    if kind is ast.Unary:
        operand = _constant_of(node.operand)
        return operand if operand is _NOT_CONSTANT else _fold_unary(node.op, operand)
    if kind is ast.Binary:
        left = _constant_of(node.left)
        right = _NOT_CONSTANT if left is _NOT_CONSTANT else _constant_of(node.right)
        return _NOT_CONSTANT if right is _NOT_CONSTANT else _fold_binary(node.op, left, right)
    if kind is ast.TupleExpr:
        items = [_constant_of(item) for item in node.items]
        return _NOT_CONSTANT if _NOT_CONSTANT in items else tuple(items)
    if kind is ast.FString:
        pieces = _fstring_pieces(node)
        return "".join(pieces) if all(type(piece) is str for piece in pieces) else _NOT_CONSTANT
    return _NOT_CONSTANT


def _text_span(node: ast.FString, pieces: list, position: int) -> Span:
    """Where the text piece `pieces[position]` is loaded: text before the
    first field at the f-string, any other with the field next to it, so
    that stepping by line goes from field to field without jumping back."""
    if position == 0:
        return node.span
    fields = [piece for piece in pieces[position:] if type(piece) is not str]
    return (fields[0] if fields else pieces[position - 1]).span


def _fstring_pieces(node: ast.FString) -> list:
    """An f-string's parts as they are built: text (adjacent texts and
    fields of constant scalars folded together) and the other fields."""
    pieces: list = []
    for part in node.parts:
        if type(part) is ast.FStringText:
            text = part.value
        else:
            value = _constant_of(part.expr) if part.spec is None else _NOT_CONSTANT
            if value is _NOT_CONSTANT or type(value) not in _SCALARS:
                pieces.append(part)
                continue
            text = to_str(value)
        if pieces and type(pieces[-1]) is str:
            pieces[-1] += text
        elif text:
            pieces.append(text)
    return pieces


def _valid_key(value) -> bool:
    try:
        ops.check_key(value)
    except EskerError:
        return False
    return True


# ------------------------------------------------------------------ scopes

@dataclass(eq=False)
class _Loop:
    """The innermost loop: where `break` and `continue` go, and whether a
    closure captured a variable of its body (then each iteration ends with CLOSE)."""

    level: int
    far_level: int
    breaks: list[int]
    continues: list[int]
    captured: bool = False
    #: How many `finally` blocks enclose the loop: a jump out of the loop
    #: passes through the ones opened since.
    finallies: int = 0


#: How a `finally` block was entered: its exit number. Beyond these two, each
#: `return`, `break` or `continue` target that leaves through it has a number.
NORMAL_EXIT, THROW_EXIT = 0, 1


@dataclass(eq=False)
class _Finally:
    """A `try` with `finally` whose body or `catch` is being compiled: every way
    out of them goes through its one `finally` block. The block starts with
    the exit number in register `kind`, and the value being returned or the
    error being thrown in register `value`; it ends by dispatching on the
    exit number (a return passes through the enclosing `finally` blocks too)."""

    kind: int
    value: int
    #: The exits taken through it, by key: ("return",), ("break", loop), ("continue", loop).
    exits: list[tuple] = field(default_factory=list)
    #: Jumps to the start of the `finally` block.
    entries: list[int] = field(default_factory=list)

    def exit_number(self, key: tuple) -> int:
        if key not in self.exits:
            self.exits.append(key)
        return THROW_EXIT + 1 + self.exits.index(key)


@dataclass(eq=False)
class _Block:
    parent: "_Block | None"
    nactvar: int
    freereg: int
    nfar: int
    #: The body of `loop`: its CLOSE is the loop's, at the end of each iteration.
    loop: _Loop | None = None
    has_upval: bool = False


@dataclass(eq=False)
class _Var:
    name: str
    reg: int  # from FAR_BASE on: a far slot
    visible_from: int  # source offset from which references see it
    block: _Block
    loop: _Loop | None
    record: LocalVar | None = None
    #: The value of a `const` known at compile time: its uses are folded.
    constant: object = _NOT_CONSTANT


class _NeedSpill(Exception):
    """A function's locals reached LOCAL_LIMIT: compile it again with a spill area."""


# ------------------------------------------------------------------ one function

class _Function:
    """The state of one function being compiled (Lua's FuncState) and the
    code-generation primitives over it: emission, registers, constants, jump
    lists, variables, and the expression-descriptor operations of lcode.c."""

    def __init__(self, parent: "_Function | None", source: SourceText, name: str | None, span: Span,
                 is_module: bool, spill: bool):
        self.parent = parent
        self.is_module = is_module
        self.spill = spill
        self.proto = Proto(name, source.path, span.line, span.end_line, 0, False, 0, 0, span=span)
        self.code = self.proto.code
        self.spans = self.proto.spans
        self.constant_index: dict[tuple, int] = {}
        self.upvalue_index: dict[tuple, int] = {}
        self.freereg = 1 if spill else 0  # a spill area lives in R[0]
        self.max_reg = self.freereg
        self.nfar = 0
        self.actvars: list[_Var] = []
        self.block: _Block | None = None
        self.loop: _Loop | None = None
        self.try_depth = 0
        #: The `finally` blocks around the code being compiled, innermost last.
        self.finallies: list[_Finally] = []
        #: Names used inside functions nested in this one: the locals a call might change.
        self.captured_names: frozenset[str] = frozenset()

    # ---------------------------------------------------------- emission

    def emit(self, word: int, span: Span) -> int:
        self.code.append(word)
        self.spans.append(span)
        return len(self.code) - 1

    def abc(self, op: Op, a: int, b: int, c: int, span: Span, k: int = 0) -> int:
        return self.emit(encode(op, a, b, c, k), span)

    def abx(self, op: Op, a: int, bx: int, span: Span) -> int:
        if bx > MAX_BX:
            raise CompileError(span, f"function needs more than {MAX_BX} slots or constants")
        return self.emit(encode(op, a, bx=bx), span)

    def abc_k(self, op: Op, a: int, b: int, c: int, span: Span, k: int = 0) -> int:
        """An iABC instruction with a constant operand; an index too large for
        its field goes into an EXTRAARG word after it."""
        field = OPCODES[op].constant_field
        index = b if field == "b" else c
        if index >= K_IN_EXTRAARG:
            b, c = (K_IN_EXTRAARG, c) if field == "b" else (b, K_IN_EXTRAARG)
        pc = self.abc(op, a, b, c, span, k)
        if index >= K_IN_EXTRAARG:
            self.abx(Op.EXTRAARG, 0, index, span)
        return pc

    def remove_last(self) -> None:
        self.code.pop()
        self.spans.pop()

    def constant(self, value, span: Span) -> int:
        key = _constant_key(value)
        index = self.constant_index.get(key)
        if index is None:
            index = len(self.proto.constants)
            if index >= MAX_CONSTANTS:
                raise CompileError(span, f"function has more than {MAX_CONSTANTS} constants")
            self.proto.constants.append(value)
            self.constant_index[key] = index
        return index

    def load_constant(self, reg: int, value, span: Span) -> None:
        if type(value) is int and -OFFSET_SBX <= value <= MAX_BX - OFFSET_SBX:
            self.emit(encode(Op.LOADI, reg, sbx=value), span)
        else:
            self.abx(Op.LOADK, reg, self.constant(value, span), span)

    # ---------------------------------------------------------- registers

    def reserve(self, count: int, span: Span) -> None:
        self.freereg += count
        if self.freereg > MAX_REGISTERS:
            raise CompileError(span, "function or expression needs too many registers")
        self.max_reg = max(self.max_reg, self.freereg)

    def var_level(self) -> int:
        """The first register above every live variable (Lua's nvarstack)."""
        for var in reversed(self.actvars):
            if var.reg < FAR_BASE:
                return var.reg + 1
        return 1 if self.spill else 0

    def free_reg(self, reg: int) -> None:
        if reg >= self.var_level():
            self.freereg -= 1
            assert reg == self.freereg, "registers are freed in stack order"

    def free_exp(self, e: _Exp) -> None:
        if e.kind == NONRELOC:
            self.free_reg(e.info)

    def free_regs(self, first: int, second: int) -> None:
        for reg in sorted((first, second), reverse=True):
            self.free_reg(reg)

    def free_exps(self, e1: _Exp, e2: _Exp) -> None:
        r1 = e1.info if e1.kind == NONRELOC else -1
        r2 = e2.info if e2.kind == NONRELOC else -1
        for reg in sorted((r1, r2), reverse=True):
            if reg >= 0:
                self.free_reg(reg)

    # ---------------------------------------------------------- jumps

    def jump(self, span: Span) -> int:
        return self.emit(encode(Op.JMP, sj=0), span)

    def label(self) -> int:
        return len(self.code)

    def fix_jump(self, pc: int, target: int) -> None:
        self.code[pc] = with_sj(self.code[pc], target - (pc + 1))

    def patch(self, jumps: list[int], target: int) -> None:
        """Points jumps at `target`; a TESTSET among them keeps no value (Lua's
        patchlist), so it becomes a TEST."""
        for pc in jumps:
            self.patch_test_reg(pc, NO_REG)
            self.fix_jump(pc, target)

    def patch_here(self, jumps: list[int]) -> None:
        self.patch(jumps, self.label())

    def control(self, pc: int) -> int:
        """The test that governs the jump at `pc`, or `pc` for a plain jump."""
        return _control(self.code, pc)

    def cond_jump(self, op: Op, a: int, b: int, c: int, k: int, span: Span) -> int:
        """A test and its jump; the pc of the jump."""
        if OPCODES[op].constant_field:
            self.abc_k(op, a, b, c, span, k)
        else:
            self.abc(op, a, b, c, span, k)
        return self.jump(span)

    def patch_test_reg(self, pc: int, reg: int) -> bool:
        """Points a TESTSET at `reg`, or makes it a TEST when no value is kept."""
        control = self.control(pc)
        word = self.code[control]
        if opcode_of(word) != Op.TESTSET:
            return False
        test = decode(word)
        if reg != NO_REG and reg != test.b:
            self.code[control] = with_a(word, reg)
        else:
            self.code[control] = encode(Op.TEST, test.b, 0, 0, test.k)
        return True

    def patch_values(self, jumps: list[int], value_target: int, reg: int, default_target: int | None) -> None:
        for pc in jumps:
            self.fix_jump(pc, value_target if self.patch_test_reg(pc, reg) else default_target)

    def need_value(self, jumps: list[int]) -> bool:
        return any(opcode_of(self.code[self.control(pc)]) != Op.TESTSET for pc in jumps)

    # ---------------------------------------------------------- descriptors

    def discharge_vars(self, e: _Exp) -> None:
        """Turns a variable or indexed access into a value (Lua's luaK_dischargevars)."""
        kind = e.kind
        if kind == LOCAL:
            e.kind = NONRELOC
        elif kind == FAR:
            e.info, e.kind = self.abx(Op.GETFAR, 0, e.info, e.span), RELOC
        elif kind == UPVAL:
            e.info, e.kind = self.abx(Op.GETUPVAL, 0, e.info, e.span), RELOC
        elif kind in (GLOBAL, BUILTIN):
            op = Op.GETGLOBAL if kind == GLOBAL else Op.GETBUILTIN
            e.info, e.kind = self.abx(op, 0, self.constant(e.aux, e.span), e.span), RELOC
        elif kind == INDEX:
            self.free_regs(e.info, e.aux)
            e.info, e.kind = self.abc(Op.GETINDEX, 0, e.info, e.aux, e.span), RELOC
        elif kind == INDEXI:
            self.free_reg(e.info)
            e.info, e.kind = self.abc(Op.GETINDEXI, 0, e.info, e.aux, e.span), RELOC
        elif kind == FIELD:
            self.free_reg(e.info)
            name = self.constant(e.aux, e.span)
            e.info, e.kind = self.abc_k(Op.GETFIELD, 0, e.info, name, e.span), RELOC

    def discharge_to_reg(self, e: _Exp, reg: int) -> None:
        self.discharge_vars(e)
        kind = e.kind
        if kind == NIL:
            self.abc(Op.LOADNIL, reg, 0, 0, e.span)
        elif kind in (TRUE, FALSE):
            self.abc(Op.LOADTRUE if kind == TRUE else Op.LOADFALSE, reg, 0, 0, e.span)
        elif kind == CONST:
            self.load_constant(reg, e.aux, e.span)
        elif kind == RELOC:
            self.code[e.info] = with_a(self.code[e.info], reg)
        elif kind == NONRELOC:
            if reg != e.info:
                self.abc(Op.MOVE, reg, e.info, 0, e.span)
        else:
            return
        e.kind, e.info = NONRELOC, reg

    def discharge_to_any_reg(self, e: _Exp) -> None:
        if e.kind != NONRELOC:
            self.reserve(1, e.span)
            self.discharge_to_reg(e, self.freereg - 1)

    def exp_to_reg(self, e: _Exp, reg: int) -> None:
        """Puts the value of `e`, jumps included, in `reg` (Lua's exp2reg)."""
        self.discharge_to_reg(e, reg)
        if e.kind == JMP:
            e.t.append(e.info)
        if e.t or e.f:
            load_false = load_true = None
            if self.need_value(e.t) or self.need_value(e.f):
                around = [] if e.kind == JMP else [self.jump(e.span)]
                load_false = self.abc(Op.LFALSESKIP, reg, 0, 0, e.span)
                load_true = self.abc(Op.LOADTRUE, reg, 0, 0, e.span)
                self.patch_here(around)
            final = self.label()
            self.patch_values(e.f, final, reg, load_false)
            self.patch_values(e.t, final, reg, load_true)
        e.t, e.f = [], []
        e.kind, e.info = NONRELOC, reg

    def exp_to_next_reg(self, e: _Exp) -> int:
        self.discharge_vars(e)
        self.free_exp(e)
        self.reserve(1, e.span)
        self.exp_to_reg(e, self.freereg - 1)
        return e.info

    def exp_to_any_reg(self, e: _Exp) -> int:
        self.discharge_vars(e)
        if e.kind == NONRELOC:
            if not e.t and not e.f:
                return e.info
            if e.info >= self.var_level():
                self.exp_to_reg(e, e.info)
                return e.info
        return self.exp_to_next_reg(e)

    def exp_into(self, e: _Exp, reg: int) -> None:
        """The value of `e` into a register reserved for it before `e` was compiled."""
        self.discharge_vars(e)
        self.free_exp(e)
        self.exp_to_reg(e, reg)

    def go_if_true(self, e: _Exp) -> None:
        """Falls through when `e` is true; its false list jumps away."""
        self.discharge_vars(e)
        if e.kind == JMP:
            self.negate(e)
            pc = e.info
        elif e.kind in (CONST, TRUE):
            pc = None
        else:
            pc = self.jump_on_cond(e, 0)
        if pc is not None:
            e.f.append(pc)
        self.patch_here(e.t)
        e.t = []

    def go_if_false(self, e: _Exp) -> None:
        self.discharge_vars(e)
        if e.kind == JMP:
            pc = e.info
        elif e.kind in (NIL, FALSE):
            pc = None
        else:
            pc = self.jump_on_cond(e, 1)
        if pc is not None:
            e.t.append(pc)
        self.patch_here(e.f)
        e.f = []

    def jump_on_cond(self, e: _Exp, cond: int) -> int:
        if e.kind == RELOC and e.info == len(self.code) - 1 and opcode_of(self.code[e.info]) == Op.NOT:
            operand = decode(self.code[e.info]).b
            self.remove_last()
            return self.cond_jump(Op.TEST, operand, 0, 0, 1 - cond, e.span)
        self.discharge_to_any_reg(e)
        self.free_exp(e)
        return self.cond_jump(Op.TESTSET, NO_REG, e.info, 0, cond, e.span)

    def negate(self, e: _Exp) -> None:
        pc = self.control(e.info)
        self.code[pc] = with_k(self.code[pc], 1 - decode(self.code[pc]).k)

    def code_not(self, e: _Exp) -> None:
        kind = e.kind
        if kind in (NIL, FALSE):
            e.kind = TRUE
        elif kind in (CONST, TRUE):
            e.kind = FALSE
        elif kind == JMP:
            self.negate(e)
        else:
            self.discharge_to_any_reg(e)
            self.free_exp(e)
            e.info, e.kind = self.abc(Op.NOT, 0, e.info, 0, e.span), RELOC
        e.t, e.f = e.f, e.t
        for pc in e.t + e.f:
            self.patch_test_reg(pc, NO_REG)

    # ---------------------------------------------------------- variables and blocks

    def enter_block(self, loop: _Loop | None = None) -> None:
        self.block = _Block(self.block, len(self.actvars), self.freereg, self.nfar, loop)

    def leave_block(self, span: Span) -> None:
        block = self.block
        if block.has_upval and block.loop is None and block.parent is not None:
            self.abx(Op.CLOSE, block.freereg, block.nfar, span)
        for var in self.actvars[block.nactvar:]:
            if var.record is not None:
                var.record.end_pc = len(self.code)
        del self.actvars[block.nactvar:]
        self.freereg, self.nfar = block.freereg, block.nfar
        self.block = block.parent

    def at_top_level(self) -> bool:
        return self.is_module and self.block.parent is None

    def declare(self, name: str, reg: int, visible_from: int) -> _Var:
        var = _Var(name, reg, visible_from, self.block, self.loop)
        self.actvars.append(var)
        return var

    def activate(self, var: _Var) -> None:
        """The variable holds its value from here on (its debug record starts)."""
        var.record = LocalVar(var.name, var.reg, len(self.code), len(self.code))
        self.proto.locals.append(var.record)

    def far_slot(self) -> int:
        if not self.spill:
            raise _NeedSpill()
        slot = self.nfar
        self.nfar += 1
        self.proto.num_far = max(self.proto.num_far, self.nfar)
        return FAR_BASE + slot

    def find_var(self, name: str, offset: int) -> _Var | None:
        for var in reversed(self.actvars):
            if var.name == name and var.visible_from <= offset:
                return var
        return None

    def mark_captured(self, var: _Var) -> None:
        var.block.has_upval = True
        if var.loop is not None:
            var.loop.captured = True

    def upvalue(self, name: str, in_stack: bool, index: int, span: Span) -> int:
        key = (name, in_stack, index)
        found = self.upvalue_index.get(key)
        if found is None:
            found = len(self.proto.upvalues)
            if found > MAX_BX:
                raise CompileError(span, f"function uses more than {MAX_BX} outer variables")
            self.proto.upvalues.append(UpvalueDesc(name, in_stack, index))
            self.upvalue_index[key] = found
        return found

    def close_all_far(self, span: Span) -> None:
        """Before leaving a function with a spill area: its captured far slots
        must be closed (registers are closed by the VM when a frame ends)."""
        if self.spill:
            self.abx(Op.CLOSE, 0, 0, span)

    # ---------------------------------------------------------- finishing

    def finish(self, params: list[ast.Param]) -> Proto:
        proto = self.proto
        proto.num_params = sum(1 for param in params if not param.rest)
        proto.has_rest = any(param.rest for param in params)
        proto.num_defaults = sum(1 for param in params if param.default is not None and not param.rest)
        proto.max_registers = max(self.max_reg, 1)
        _optimize(proto)
        return proto


def _control(code: list[int], pc: int) -> int:
    """The test instruction a jump at `pc` belongs to (or `pc` itself)."""
    if pc >= 1 and OPCODES[opcode_of(code[pc - 1])].skips:
        return pc - 1
    if pc >= 2 and opcode_of(code[pc - 1]) == Op.EXTRAARG and OPCODES[opcode_of(code[pc - 2])].skips:
        return pc - 2
    return pc


def _is_companion(code: list[int], pc: int) -> bool:
    """Whether the JMP at `pc` is the jump of a test before it."""
    return _control(code, pc) != pc


# ------------------------------------------------------------------ the tree walk

class _Compiler:
    """Walks the syntax tree of one module, driving a `_Function` per function."""

    def __init__(self, source: SourceText, program: ast.Program, session: Container[str] = ()):
        self.source = source
        self.fs: _Function | None = None
        #: Names an interactive session defined before this entry: globals throughout.
        self.session = session
        #: Names declared at the module's top level (globals rather than builtins),
        #: with the offset from which each is visible: before it, a name means the
        #: builtin, as the checker resolves it (§13.1).
        self.globals = ast.visible_from(program.body, 0)
        #: Top-level constants whose value is known: uses are folded.
        self.global_constants = _known_constants(program.body)
        #: Top-level names whose declaration has run by the point being compiled in
        #: the module body: assigning them needs no check.
        self.defined: set[str] = set()
        self._summaries: dict[int, tuple[bool, frozenset]] = {}
        self._statement = {
            ast.ExprStmt: self.expression_statement, ast.Let: self.let, ast.Assign: self.assign,
            ast.If: self.if_statement, ast.While: self.while_statement, ast.For: self.for_statement,
            ast.Break: self.break_statement, ast.Continue: self.continue_statement,
            ast.Return: self.return_statement, ast.Yield: self.yield_statement,
            ast.Throw: self.throw_statement, ast.Try: self.try_statement, ast.Import: self.import_statement,
            ast.Block: lambda node: self.block(node), ast.FnDecl: _nothing, ast.StructDecl: _nothing,
            ast.EnumDecl: _nothing, ast.ErrorStmt: self.unparsed,
        }
        self._expression = {
            ast.Literal: lambda node: _constant_exp(node.value, node.span), ast.Name: self.name,
            ast.Unary: self.unary, ast.Binary: self.binary, ast.Logical: self.logical,
            ast.Conditional: self.conditional, ast.RangeExpr: self.range, ast.Call: self.call,
            ast.MethodCall: self.method_call, ast.Field: self.field, ast.Index: self.index, ast.Slice: self.slice,
            ast.TupleExpr: self.tuple, ast.ArrayExpr: self.array, ast.MapExpr: self.map,
            ast.FnExpr: self.function_literal, ast.Match: self.match, ast.FString: self.fstring,
            ast.ErrorExpr: self.unparsed_expression,
        }

    # ---------------------------------------------------------- functions

    def module(self, program: ast.Program, name: str, echo: bool = False) -> Proto:
        def body() -> None:
            self.fs.proto.exports = ast.top_level_names(program)
            self.hoist_globals(program.body)
            last = program.body[-1] if program.body else None
            if echo and type(last) is ast.ExprStmt:
                self.statements(program.body[:-1])
                self.return_register(self.fs.exp_to_any_reg(self.expr(last.expr)), last.span)
            else:
                self.statements(program.body)

        return self.function_proto(name, program.span, [], body, program, is_module=True)

    def function_proto(self, name: str | None, span: Span, params: list[ast.Param], body: Callable[[], None],
                       tree: ast.Node, is_module: bool = False, is_generator: bool = False) -> Proto:
        """Compiles one function (`body` emits its statements, `tree` is its
        syntax); again with a spill area if its locals overflow."""
        captured = _names_in_nested_functions([tree] + [param.default for param in params if param.default])
        for spill in (False, True):
            fs = _Function(self.fs, self.source, name, span, is_module, spill)
            fs.captured_names = captured
            fs.proto.is_generator = is_generator
            self.fs = fs
            try:
                fs.enter_block()
                self.parameters(params)
                if is_generator:
                    fs.abc(Op.GENSTART, 0, 0, 0, span)
                body()
                fs.close_all_far(span)
                fs.abc(Op.RETURN0, 0, 0, 0, _end_span(span))
                fs.leave_block(span)
                return fs.finish(params)
            except _NeedSpill:
                continue
            finally:
                self.fs = fs.parent
        raise CompileError(span, "function has too many local variables")

    def function(self, name: str | None, params: list[ast.Param], block: ast.Block, span: Span) -> int:
        """A child function of the current one; its index in `protos`."""
        def body() -> None:
            self.hoist_locals(block.body)
            self.statements(block.body)

        proto = self.function_proto(name, span, params, body, block, is_generator=self.yields(block))
        protos = self.fs.proto.protos
        if len(protos) > MAX_BX:
            raise CompileError(span, f"function has more than {MAX_BX} nested functions")
        protos.append(proto)
        return len(protos) - 1

    def parameters(self, params: list[ast.Param]) -> None:
        """Parameters are the first registers (after a spill area); then the
        defaults' prologue: each default runs only when its argument is missing."""
        fs = self.fs
        declared = [self.new_var(param.name.name, 0, param.span) for param in params]
        for var in declared:
            fs.activate(var)
        for param, var in zip(params, declared):
            if param.default is not None and not param.rest:
                self.default_value(param, var)

    def default_value(self, param: ast.Param, var: _Var) -> None:
        fs = self.fs
        reg = var.reg
        if reg >= FAR_BASE:
            reg = fs.freereg
            fs.reserve(1, param.span)
            fs.abx(Op.GETFAR, reg, var.reg - FAR_BASE, param.span)
        passed = fs.cond_jump(Op.TESTARG, reg, 0, 0, 0, param.default.span)
        self.store_var(var, self.expr(param.default), param.span)
        fs.patch_here([passed])
        fs.freereg = fs.var_level()

    def yields(self, block: ast.Block) -> bool:
        """Whether a function body contains a `yield` of its own (a generator)."""
        pending: list[ast.Node] = [block]
        while pending:
            node = pending.pop()
            if type(node) is ast.Yield:
                return True
            pending.extend(child for child in ast.children(node) if not isinstance(child, _FUNCTION_BOUNDARIES))
        return False

    # ---------------------------------------------------------- variables

    def new_var(self, name: str, visible_from: int, span: Span) -> _Var:
        """A variable in the next free register, or in a far slot past LOCAL_LIMIT."""
        fs = self.fs
        if fs.freereg < LOCAL_LIMIT:
            reg = fs.freereg
            fs.reserve(1, span)
        else:
            reg = fs.far_slot()
        return fs.declare(name, reg, visible_from)

    def adopt(self, name: str, reg: int, visible_from: int, span: Span) -> _Var:
        """Makes the temporary `reg` (the top one) a new variable holding its value."""
        fs = self.fs
        if reg < LOCAL_LIMIT:
            var = fs.declare(name, reg, visible_from)
        else:
            var = fs.declare(name, fs.far_slot(), visible_from)
            fs.abx(Op.SETFAR, reg, var.reg - FAR_BASE, span)
            fs.free_reg(reg)
        fs.activate(var)
        return var

    def store_var(self, var: _Var, e: _Exp, span: Span) -> None:
        fs = self.fs
        if var.reg < FAR_BASE:
            fs.exp_into(e, var.reg)
            return
        reg = fs.exp_to_any_reg(e)
        fs.abx(Op.SETFAR, reg, var.reg - FAR_BASE, span)
        fs.free_exp(e)

    def resolve(self, name: str, span: Span) -> _Exp:
        kind, index = self._resolve(self.fs, name, span.start, True, span)
        if kind == CONST:
            return _constant_exp(index, span)
        if kind in (GLOBAL, BUILTIN):
            return _Exp(kind, aux=name, span=span)
        return _Exp(kind, index - FAR_BASE if kind == FAR else index, span=span)

    def _resolve(self, fs: _Function | None, name: str, offset: int, here: bool, span: Span) -> tuple[str, int]:
        """Lua's singlevaraux: a local of `fs`, an upvalue through the enclosing
        functions, or a global; `here` is False when an inner function asks."""
        if fs is None:
            declared_before = self.globals.get(name, offset + 1) <= offset
            if not declared_before and name not in self.session:
                return BUILTIN, 0
            if declared_before and name in self.global_constants:
                return CONST, self.global_constants[name]
            return GLOBAL, 0
        var = fs.find_var(name, offset)
        if var is not None and var.constant is not _NOT_CONSTANT:
            return CONST, var.constant
        if var is not None:
            if not here:
                fs.mark_captured(var)
            return (FAR if var.reg >= FAR_BASE else LOCAL), var.reg
        kind, index = self._resolve(fs.parent, name, offset, False, span)
        if kind in (GLOBAL, BUILTIN, CONST):
            return kind, index
        return UPVAL, fs.upvalue(name, kind != UPVAL, index, span)

    # ---------------------------------------------------------- blocks and hoisting

    def statements(self, body: list[ast.Stmt]) -> None:
        fs = self.fs
        for statement in body:
            self._statement[type(statement)](statement)
            fs.freereg = fs.var_level()
            if isinstance(statement, _TERMINATORS):
                break

    def block(self, node: ast.Block, loop: _Loop | None = None, before: Callable[[], None] | None = None) -> None:
        fs = self.fs
        fs.enter_block(loop)
        if before is not None:
            before()
        self.hoist_locals(node.body)
        self.statements(node.body)
        fs.leave_block(_end_span(node.span))

    def hoist_globals(self, body: list[ast.Stmt]) -> None:
        """Top-level fn, struct and enum declarations exist before any statement runs."""
        fs = self.fs
        for statement in body:
            if isinstance(statement, _DECLARATIONS):
                reg = fs.freereg
                fs.reserve(1, statement.span)
                self.declaration(statement, reg)
                fs.abx(Op.DEFGLOBAL, reg, fs.constant(statement.name.name, statement.span), statement.span)
                self.defined.add(statement.name.name)
                fs.freereg = reg

    def hoist_locals(self, body: list[ast.Stmt]) -> None:
        """Declarations of a block are visible in the whole block. Their closures
        may capture the block's later `let`s, so those get registers now too."""
        declarations = [statement for statement in body if isinstance(statement, _DECLARATIONS)]
        if not declarations:
            return
        fs = self.fs
        declared = [self.new_var(node.name.name, 0, node.span) for node in declarations]
        later = [(name, statement) for statement in body if type(statement) is ast.Let
                 for name in ast.bound_names(statement.target)]
        for name, statement in later:
            var = self.new_var(name, statement.span.end, statement.span)
            if var.reg < FAR_BASE:
                fs.abc(Op.LOADNIL, var.reg, 0, 0, statement.span)
        for node, var in zip(declarations, declared):
            self.declaration_into_var(node, var)

    def declaration_into_var(self, node: ast.Node, var: _Var) -> None:
        fs = self.fs
        if var.reg < FAR_BASE:
            self.declaration(node, var.reg)
        else:
            reg = fs.freereg
            fs.reserve(1, node.span)
            self.declaration(node, reg)
            fs.abx(Op.SETFAR, reg, var.reg - FAR_BASE, node.span)
            fs.freereg = reg
        fs.activate(var)

    def declaration(self, node: ast.Node, reg: int) -> None:
        """The value of a fn, struct or enum declaration into `reg`."""
        fs = self.fs
        if type(node) is ast.FnDecl:
            index = self.function(node.name.name, node.params, node.body, node.span)
            fs.abx(Op.CLOSURE, reg, index, node.span)
            return
        name = node.name.name
        if type(node) is ast.StructDecl:
            fields = tuple(field.name.name for field in node.fields)
            fs.abx(Op.STRUCT, reg, fs.constant((name, fields), node.span), node.span)
            for field in node.fields:
                if field.default is not None:
                    self.struct_default(node, field, reg)
        else:
            variants = tuple((variant.name.name, None if variant.fields is None else
                              tuple(item.name for item in variant.fields)) for variant in node.variants)
            fs.abx(Op.ENUM, reg, fs.constant((name, variants), node.span), node.span)
        for method in node.methods:
            self.method(node, method, reg)

    def struct_default(self, node: ast.StructDecl, field: ast.FieldDecl, reg: int) -> None:
        body = ast.Block(field.default.span, [ast.Return(field.default.span, field.default)])
        index = self.function(f"<default {node.name.name}.{field.name.name}>", [], body, field.span)
        self.set_member(Op.SETDEFAULT, reg, index, field.name.name, field.span, 0)

    def method(self, owner: ast.Node, method: ast.FnDecl, reg: int) -> None:
        index = self.function(f"{owner.name.name}.{method.name.name}", method.params, method.body, method.span)
        takes_self = bool(method.params) and method.params[0].name.name == "self"
        self.set_member(Op.SETMETHOD, reg, index, method.name.name, method.span, 0 if takes_self else 1)

    def set_member(self, op: Op, owner: int, proto_index: int, name: str, span: Span, k: int) -> None:
        fs = self.fs
        value = fs.freereg
        fs.reserve(1, span)
        fs.abx(Op.CLOSURE, value, proto_index, span)
        fs.abc_k(op, owner, value, fs.constant(name, span), span, k)
        fs.freereg = value

    # ---------------------------------------------------------- simple statements

    def expression_statement(self, node: ast.ExprStmt) -> None:
        fs = self.fs
        e = self.expr(node.expr)
        if e.is_constant() or e.kind == LOCAL:
            return
        fs.exp_to_any_reg(e)
        fs.free_exp(e)

    def unparsed(self, node: ast.Node) -> None:
        self.fail("RuntimeError", "this code did not parse; fix the syntax error first", node.span)

    def unparsed_expression(self, node: ast.Node) -> _Exp:
        self.unparsed(node)
        return _Exp(NIL, span=node.span)

    def fail(self, kind: str, message: str, span: Span) -> None:
        fs = self.fs
        fs.abx(Op.FAIL, 0, fs.constant((kind, message), span), span)

    def return_statement(self, node: ast.Return) -> None:
        fs = self.fs
        if fs.is_module:
            self.fail("RuntimeError", "break, continue or return outside a function", node.span)
            return
        value = node.value
        if fs.finallies:
            through = fs.finallies[-1]
            result = _Exp(NIL, span=node.span) if value is None else self.expr(value)
            fs.exp_into(result, through.value)
            self.enter_finally(through, ("return",), node.span)
        elif value is None or (type(value) is ast.Literal and value.value is None):
            fs.close_all_far(node.span)
            fs.abc(Op.RETURN0, 0, 0, 0, node.span)
        elif type(value) is ast.Call and self.can_tail_call(value):
            self.call(value, tail=True)
        elif type(value) is ast.MethodCall and self.can_tail_call(value):
            self.method_call(value, tail=True)
        else:
            self.return_register(fs.exp_to_any_reg(self.expr(value)), node.span)

    def return_register(self, reg: int, span: Span) -> None:
        self.fs.close_all_far(span)
        self.fs.abc(Op.RETURN, reg, 0, 0, span)

    def enter_finally(self, through: _Finally, key: tuple, span: Span) -> None:
        """Leaves by `key` through the `finally` block of `through` (the value
        being returned is in its `value` register already)."""
        fs = self.fs
        fs.load_constant(through.kind, through.exit_number(key), span)
        through.entries.append(fs.jump(span))

    def can_tail_call(self, call: ast.Call | ast.MethodCall) -> bool:
        fs = self.fs
        return (fs.try_depth == 0 and not fs.proto.is_generator and not fs.is_module and not call.kwargs
                and fs.freereg + 2 + len(call.args) < MAX_REGISTERS)

    def throw_statement(self, node: ast.Throw) -> None:
        fs = self.fs
        fs.abc(Op.THROW, fs.exp_to_any_reg(self.expr(node.value)), 0, 0, node.span)

    def yield_statement(self, node: ast.Yield) -> None:
        fs = self.fs
        if not fs.proto.is_generator:
            self.fail("RuntimeError", "yield outside a generator function's body", node.span)
            return
        value = _Exp(NIL, span=node.span) if node.value is None else self.expr(node.value)
        fs.abc(Op.YIELD, fs.exp_to_any_reg(value), 0, 0, node.span)

    def import_statement(self, node: ast.Import) -> None:
        fs = self.fs
        spec = node.path.value if node.path is not None else tuple(part.name for part in node.parts)
        reg = fs.freereg
        fs.reserve(1, node.span)
        fs.abx(Op.IMPORT, reg, fs.constant(spec, node.span), node.span)
        name = node.bound_name.name
        if fs.at_top_level():
            fs.abx(Op.DEFGLOBAL, reg, fs.constant(name, node.span), node.span)
            self.defined.add(name)
        else:
            self.adopt(name, reg, node.span.end, node.span)

    # ---------------------------------------------------------- let

    def let(self, node: ast.Let) -> None:
        fs = self.fs
        value = _Exp(NIL, span=node.span) if node.value is None else self.expr(node.value)
        if fs.at_top_level():
            self.let_global(node.target, value, node.span)
            self.defined.update(ast.bound_names(node.target))
            return
        target = node.target
        preset = [fs.find_var(name, node.span.end) for name in ast.bound_names(target)]
        if any(var is not None and var.record is None and var.visible_from == node.span.end for var in preset):
            self.let_preset(node, value, preset)
        elif type(target) is ast.BindName:
            constant = value.value() if node.const and value.is_constant() else _NOT_CONSTANT
            var = self.adopt(target.name, fs.exp_to_next_reg(value), node.span.end, node.span)
            var.constant = constant
        else:
            self.bind_locals(target, fs.exp_to_next_reg(value), node.span.end, node.span)

    def let_preset(self, node: ast.Let, value: _Exp, preset: list[_Var]) -> None:
        """A `let` whose variables got registers when their block started."""
        fs = self.fs
        if type(node.target) is ast.BindName:
            self.store_var(preset[0], value, node.span)
            fs.activate(preset[0])
            return
        source = fs.exp_to_next_reg(value)
        registers = self.unpacked(node.target, source, node.span)
        for var, reg in zip(preset, registers):
            self.store_var(var, _Exp(NONRELOC, reg, span=node.span), node.span)
            fs.activate(var)

    def unpacked(self, target: ast.BindTuple, source: int, span: Span) -> list[int]:
        """Registers holding the names of a (nested) tuple binding, in order."""
        fs = self.fs
        count = len(target.items)
        base = fs.freereg
        if count > MAX_C:
            raise CompileError(span, f"a destructuring for `let` with a block's functions takes at most {MAX_C} names")
        fs.reserve(count, span)
        fs.abc(Op.UNPACK, base, source, count, span)
        registers: list[int] = []
        for offset, item in enumerate(target.items):
            if type(item) is ast.BindName:
                registers.append(base + offset)
            else:
                registers.extend(self.unpacked(item, base + offset, span))
        return registers

    def bind_locals(self, target: ast.BindTuple, source: int, visible_from: int, span: Span) -> None:
        """Destructures register `source` (the top temporary) into new variables."""
        fs = self.fs
        count = len(target.items)
        in_place = source == fs.freereg - 1 and source >= fs.var_level()
        if count <= MAX_C and (source + count if in_place else fs.freereg + count) <= LOCAL_LIMIT:
            base = source if in_place else fs.freereg
            fs.reserve(count - 1 if in_place else count, span)
            fs.abc(Op.UNPACK, base, source, count, span)
            names = [item.name if type(item) is ast.BindName else "(tuple)" for item in target.items]
            variables = [fs.declare(name, base + offset, visible_from) for offset, name in enumerate(names)]
            for var in variables:
                fs.activate(var)
            for item, var in zip(target.items, variables):
                if type(item) is ast.BindTuple:
                    self.bind_locals(item, var.reg, visible_from, span)
            return
        if source >= fs.var_level():
            source = self.adopt("(tuple)", source, visible_from, span).reg
        fs.abx(Op.CHECKLEN, self.near(source, span), count, span)
        fs.freereg = fs.var_level()
        for offset, item in enumerate(target.items):
            reg = self.load_item(source, offset, span)
            if type(item) is ast.BindName:
                self.adopt(item.name, reg, visible_from, span)
            else:
                self.bind_locals(item, reg, visible_from, span)

    def near(self, reg: int, span: Span) -> int:
        """A register holding the value of `reg`, loading a far slot into a temporary."""
        if reg < FAR_BASE:
            return reg
        fs = self.fs
        temp = fs.freereg
        fs.reserve(1, span)
        fs.abx(Op.GETFAR, temp, reg - FAR_BASE, span)
        return temp

    def load_item(self, source: int, index: int, span: Span, reg: int | None = None) -> int:
        """Item `index` of the tuple or array in `source` (a register or far
        slot), into `reg` or else the next register."""
        fs = self.fs
        if reg is None:
            reg = fs.freereg
            fs.reserve(1, span)
        if source >= FAR_BASE:
            fs.abx(Op.GETFAR, reg, source - FAR_BASE, span)
            source = reg
        if index <= MAX_C:
            fs.abc(Op.GETINDEXI, reg, source, index, span)
        else:
            key = fs.freereg
            fs.reserve(1, span)
            fs.load_constant(key, index, span)
            fs.abc(Op.GETINDEX, reg, source, key, span)
            fs.freereg = key
        return reg

    def let_global(self, target: ast.Binding, value: _Exp, span: Span) -> None:
        fs = self.fs
        if type(target) is ast.BindName:
            reg = fs.exp_to_any_reg(value)
            fs.abx(Op.DEFGLOBAL, reg, fs.constant(target.name, span), span)
            fs.free_exp(value)
            return
        self.define_tuple(target, fs.exp_to_next_reg(value), span)

    def define_tuple(self, target: ast.BindTuple, source: int, span: Span) -> None:
        fs = self.fs
        count = len(target.items)
        fs.abx(Op.CHECKLEN, source, count, span)
        for offset, item in enumerate(target.items):
            reg = self.load_item(source, offset, span)
            if type(item) is ast.BindName:
                fs.abx(Op.DEFGLOBAL, reg, fs.constant(item.name, span), span)
            else:
                self.define_tuple(item, reg, span)
            fs.freereg = reg

    # ---------------------------------------------------------- assignment

    def assign(self, node: ast.Assign) -> None:
        target = node.target
        if type(target) is ast.TupleExpr:
            self.assign_tuple(node)
            return
        place = self.place(target, [node.value], node.span)
        if node.op is not None:
            old = self.read_place(place, node.value, node.span)
            value = self.arithmetic(node.op, old, node.value, node.span)
        else:
            value = self.expr(node.value)
        self.store(place, value, node.span)

    def place(self, target: ast.Node, later: list[ast.Node], span: Span) -> _Exp:
        """Where an assignment stores, with the target's own operands evaluated."""
        fs = self.fs
        kind = type(target)
        if kind is ast.Name:
            place = self.resolve(target.name, target.span)
            if place.kind == BUILTIN:
                self.assign_builtin(target.name, span)
            return place
        if kind is ast.Field:
            obj = self.operand(self.expr(target.obj), later)
            return _Exp(FIELD, fs.exp_to_any_reg(obj), target.name.name, span)
        if kind is ast.Index:
            obj = self.operand(self.expr(target.obj), [target.index, *later])
            table = fs.exp_to_any_reg(obj)
            key = self.operand(self.expr(target.index), later)
            return _Exp(INDEX, table, fs.exp_to_any_reg(key), span)
        if kind is ast.TupleExpr:
            return _Exp(VOID, aux=[self.place(item, later, span) for item in target.items], span=span)
        self.fail("TypeError", "cannot assign to this expression", span)
        return _Exp(VOID, aux=[], span=span)

    def read_place(self, place: _Exp, value: ast.Node, span: Span) -> _Exp:
        """The current value of a place for `op=`, keeping the place's registers."""
        fs = self.fs
        kind = place.kind
        if kind == LOCAL:
            return self.operand(_Exp(LOCAL, place.info, span=span), [value])
        if kind in (FAR, UPVAL, GLOBAL, BUILTIN):
            copy = _Exp(kind, place.info, place.aux, span)
            fs.exp_to_next_reg(copy)
            return copy
        reg = fs.freereg
        fs.reserve(1, span)
        if kind == FIELD:
            fs.abc_k(Op.GETFIELD, reg, place.info, fs.constant(place.aux, span), span)
        else:
            fs.abc(Op.GETINDEX, reg, place.info, place.aux, span)
        return _Exp(NONRELOC, reg, span=span)

    def store(self, place: _Exp, value: _Exp, span: Span) -> None:
        """Lua's luaK_storevar, plus fields, elements and Esker's globals."""
        fs = self.fs
        if place.kind == LOCAL:
            fs.exp_into(value, place.info)
            return
        self.store_register(place, fs.exp_to_any_reg(value), span)
        fs.free_exp(value)

    def store_register(self, place: _Exp, reg: int, span: Span) -> None:
        """Stores the value in `reg` (which stays as it is) into a place."""
        fs = self.fs
        kind = place.kind
        if kind == LOCAL:
            if reg != place.info:
                fs.abc(Op.MOVE, place.info, reg, 0, span)
        elif kind == VOID:
            self.store_tuple(place.aux, reg, span)
        elif kind == FAR:
            fs.abx(Op.SETFAR, reg, place.info, span)
        elif kind == UPVAL:
            fs.abx(Op.SETUPVAL, reg, place.info, span)
        elif kind == GLOBAL:
            # In the module body, a name whose declaration came before is surely defined.
            safe = fs.is_module and place.aux in self.defined
            fs.abx(Op.DEFGLOBAL if safe else Op.SETGLOBAL, reg, fs.constant(place.aux, span), span)
        elif kind == FIELD:
            fs.abc_k(Op.SETFIELD, place.info, reg, fs.constant(place.aux, span), span)
        elif kind == INDEX:
            fs.abc(Op.SETINDEX, place.info, place.aux, reg, span)
        # BUILTIN: the place failed when it was evaluated; nothing is stored

    def assign_builtin(self, name: str, span: Span) -> None:
        if name in _BUILTIN_NAMES:
            self.fail("TypeError", f"cannot assign to the builtin `{name}`; declare it with let first", span)
        else:
            self.fail("RuntimeError", f"undefined name `{name}`", span)

    def assign_tuple(self, node: ast.Assign) -> None:
        """`(a, b) = value`: the targets' operands first, then the value, then
        each store. A literal of the right length is not built at all."""
        fs = self.fs
        places = self.place(node.target, [node.value], node.span).aux
        value = node.value
        if type(value) in (ast.TupleExpr, ast.ArrayExpr) and len(value.items) == len(places):
            registers = [fs.exp_to_next_reg(self.expr(item)) for item in value.items]
            for place, reg in zip(places, registers):
                self.store_register(place, reg, node.span)
            return
        self.store_tuple(places, fs.exp_to_next_reg(self.expr(value)), node.span)

    def store_tuple(self, places: list[_Exp], source: int, span: Span) -> None:
        fs = self.fs
        fs.abx(Op.CHECKLEN, source, len(places), span)
        for offset, place in enumerate(places):
            reg = self.load_item(source, offset, span)
            self.store_register(place, reg, span)
            fs.freereg = reg

    # ---------------------------------------------------------- control flow

    def if_statement(self, node: ast.If) -> None:
        fs = self.fs
        exits: list[int] = []
        current: ast.Node | None = node
        while type(current) is ast.If:
            cond = self.expr(current.cond)
            if cond.is_constant() and not ops.truthy(cond.value()):
                current = current.orelse
                continue
            always = cond.is_constant()
            if not always:
                fs.go_if_true(cond)
            self.block(current.then)
            if always:
                current = None
                break
            if current.orelse is not None:
                exits.append(fs.jump(_end_span(current.then.span)))
            fs.patch_here(cond.f)
            current = current.orelse
        if current is not None:
            self.block(current)
        fs.patch_here(exits)

    def while_statement(self, node: ast.While) -> None:
        fs = self.fs
        start = fs.label()
        cond = self.expr(node.cond)
        if cond.is_constant() and not ops.truthy(cond.value()):
            return
        if not cond.is_constant():
            fs.go_if_true(cond)
        loop = self.loop_body(node.body)
        fs.patch([fs.jump(node.span)], start)
        self.loop_exit(loop, node.span)
        fs.patch_here(cond.f)

    def loop_body(self, body: ast.Block, before: Callable[[], None] | None = None,
                  level: int | None = None) -> _Loop:
        """Compiles a loop body; `continue` lands at its end, where the
        iteration's variables (from register `level` on) are closed if captured."""
        fs = self.fs
        outer = fs.loop
        loop = _Loop(fs.freereg if level is None else level, fs.nfar, [], [], finallies=len(fs.finallies))
        fs.loop = loop
        try:
            self.block(body, loop, before)
        finally:
            fs.loop = outer
        fs.patch_here(loop.continues)
        if loop.captured:
            fs.abx(Op.CLOSE, loop.level, loop.far_level, _end_span(body.span))
        return loop

    def loop_exit(self, loop: _Loop, span: Span) -> None:
        fs = self.fs
        if loop.breaks and loop.captured:
            fs.patch_here(loop.breaks)
            fs.abx(Op.CLOSE, loop.level, loop.far_level, span)
        else:
            fs.patch_here(loop.breaks)

    def break_statement(self, node: ast.Break) -> None:
        if self.fs.loop is None:
            self.fail("RuntimeError", "break, continue or return outside a function", node.span)
        else:
            self.loop_jump("break", self.fs.loop, node.span)

    def continue_statement(self, node: ast.Continue) -> None:
        if self.fs.loop is None:
            self.fail("RuntimeError", "break, continue or return outside a function", node.span)
        else:
            self.loop_jump("continue", self.fs.loop, node.span)

    def loop_jump(self, keyword: str, loop: _Loop, span: Span) -> None:
        """`break` or `continue` of `loop`, through the `finally` blocks opened inside it."""
        fs = self.fs
        if len(fs.finallies) > loop.finallies:
            self.enter_finally(fs.finallies[-1], (keyword, loop), span)
        else:
            (loop.breaks if keyword == "break" else loop.continues).append(fs.jump(span))

    def for_statement(self, node: ast.For) -> None:
        fs = self.fs
        fs.enter_block()
        if type(node.iterable) is ast.RangeExpr and node.index is None:
            self.numeric_for(node, node.iterable)
        else:
            self.generic_for(node)
        fs.leave_block(node.span)

    def numeric_for(self, node: ast.For, bounds: ast.RangeExpr) -> None:
        """`for x in a..b`: FORPREP/FORLOOP over hidden counter and limit registers."""
        fs = self.fs
        base = fs.freereg
        fs.exp_to_next_reg(self.operand(self.expr(bounds.start), [bounds.end]))
        fs.exp_to_next_reg(self.expr(bounds.end))
        fs.declare("(for counter)", base, 0)
        fs.declare("(for limit)", base + 1, 0)
        fs.reserve(1, node.span)
        fs.declare("(for value)", base + 2, 0)
        skip = fs.cond_jump(Op.FORPREP, base, 0, 0, int(bounds.inclusive), bounds.span)
        body = fs.label()
        loop = self.loop_body(node.body, lambda: self.loop_variable(node.var, base + 2, node), base + 2)
        fs.patch([fs.cond_jump(Op.FORLOOP, base, 0, 0, 0, node.span)], body)
        self.loop_exit(loop, node.span)
        fs.patch_here([skip])

    def generic_for(self, node: ast.For) -> None:
        """`for x in it` / `for i, x in it`: ITERPREP, then FORITER at the bottom."""
        fs = self.fs
        base = fs.freereg
        fs.exp_to_next_reg(self.expr(node.iterable))
        pairs = int(node.index is not None)
        fs.reserve(2 + pairs, node.span)
        for offset, name in enumerate(("(for iterator)", "(for counter)", "(for value)", "(for item)")[:3 + pairs]):
            fs.declare(name, base + offset, 0)
        fs.abc(Op.ITERPREP, base, 0, 0, node.span, pairs)
        enter = fs.jump(node.span)
        body = fs.label()

        def bind() -> None:
            if pairs:
                self.loop_variable(node.index, base + 2, node)
                self.loop_variable(node.var, base + 3, node)
            else:
                self.loop_variable(node.var, base + 2, node)

        loop = self.loop_body(node.body, bind, base + 2)
        fs.patch_here([enter])
        fs.patch([fs.cond_jump(Op.FORITER, base, 0, 0, pairs, node.span)], body)
        self.loop_exit(loop, node.span)

    def loop_variable(self, binding: ast.Binding, reg: int, node: ast.For) -> None:
        """Binds a loop variable from its control register, fresh each iteration."""
        fs = self.fs
        if type(binding) is ast.BindName:
            fs.activate(fs.declare(binding.name, reg, 0))
            return
        copy = fs.freereg
        fs.reserve(1, node.span)
        fs.abc(Op.MOVE, copy, reg, 0, node.span)
        self.bind_locals(binding, copy, 0, node.span)

    def try_statement(self, node: ast.Try) -> None:
        if node.finalizer is None:
            self.try_catch(node)
        else:
            self.try_finally(node)

    def try_catch(self, node: ast.Try) -> None:
        """The body, and the `catch` block its handler enters (if there is one)."""
        fs = self.fs
        level, far_level = fs.freereg, fs.nfar
        start = fs.label()
        fs.try_depth += 1
        try:
            self.block(node.body)
        finally:
            fs.try_depth -= 1
        if node.handler is None:
            return
        end = fs.label()
        skip = fs.jump(_end_span(node.body.span))
        target = fs.label()

        def catch_variable() -> None:
            if node.name is not None:
                fs.reserve(1, node.name.span)
                self.adopt(node.name.name, level, 0, node.name.span)

        self.block(node.handler, before=catch_variable)
        fs.patch_here([skip])
        if end > start:
            register = level if node.name is not None else None
            fs.proto.handlers.append(Handler(start, end, target, level, register, far_level))

    def try_finally(self, node: ast.Try) -> None:
        """`try … [catch …] finally …`: the `finally` block is compiled once.
        Everything that leaves the body or the `catch` block enters it with an
        exit number in a register of its own: falling off the end, an error
        (through a finally handler), each return, break or continue target.
        It ends by dispatching on that number. Inside, `return f(x)` is no
        tail call, since the `finally` block must run after it."""
        fs = self.fs
        fs.enter_block()
        level, far_level = fs.freereg, fs.nfar
        fs.reserve(2, node.span)
        through = _Finally(level, level + 1)
        fs.declare("(finally exit)", through.kind, 0)
        fs.declare("(finally value)", through.value, 0)
        start = fs.label()
        fs.finallies.append(through)
        fs.try_depth += 1
        try:
            self.try_catch(node)
        finally:
            fs.try_depth -= 1
            fs.finallies.pop()
        end = fs.label()
        entry_span = _start_span(node.finalizer.span)
        fs.load_constant(through.kind, NORMAL_EXIT, entry_span)
        entry = fs.label()
        fs.patch(through.entries, entry)
        if any(opcode_of(word) == Op.CLOSURE for word in fs.code[start:end]):
            # A jump out of the body skipped the CLOSE of the blocks it left;
            # the `finally` block reuses their registers.
            fs.abx(Op.CLOSE, level + 2, far_level, entry_span)
        self.block(node.finalizer)
        done = self.finally_dispatch(through, end > start, _end_span(node.finalizer.span))
        if end > start:
            handler = fs.label()
            fs.proto.handlers.append(Handler(start, end, handler, level, through.value, far_level,
                                             is_finally=True))
            fs.load_constant(through.kind, THROW_EXIT, entry_span)
            fs.patch([fs.jump(entry_span)], entry)
        fs.patch_here(done)
        fs.leave_block(_end_span(node.span))

    def finally_dispatch(self, through: _Finally, throws: bool, span: Span) -> list[int]:
        """The end of a `finally` block: each exit number other than the normal
        one goes on its way (a throw again, a return or jump through the
        enclosing `finally` blocks); the normal exit falls through. Returns
        the jumps to the code after the `try` statement."""
        fs = self.fs
        exits = ([("throw",)] if throws else []) + through.exits
        numbers = [THROW_EXIT] * throws + [through.exit_number(key) for key in through.exits]
        tests = [fs.cond_jump(Op.EQI, through.kind, number + OFFSET_SC, 0, 1, span) if fits_sc(number)
                 else fs.cond_jump(Op.EQK, through.kind, fs.constant(number, span), 0, 1, span)
                 for number in numbers]
        if not tests:
            return []
        done = [fs.jump(span)]
        for key, test in zip(exits, tests):
            fs.patch_here([test])
            if key[0] == "throw":
                fs.abc(Op.RETHROW, through.value, 0, 0, span)
            elif key[0] == "return":
                self.return_through(through.value, span)
            else:
                self.loop_jump(key[0], key[1], span)
        return done

    def return_through(self, reg: int, span: Span) -> None:
        """Returns the value in `reg`, through the enclosing `finally` blocks."""
        fs = self.fs
        if fs.finallies:
            outer = fs.finallies[-1]
            fs.abc(Op.MOVE, outer.value, reg, 0, span)
            self.enter_finally(outer, ("return",), span)
        else:
            self.return_register(reg, span)

    # ---------------------------------------------------------- expressions

    def expr(self, node: ast.Node) -> _Exp:
        """The descriptor of an expression. Past SPILL_AT registers, the live
        temporaries are saved first, so nesting depth never runs out of registers."""
        fs = self.fs
        if fs.freereg >= SPILL_AT and type(node) not in (ast.Literal, ast.Name):
            return self.saved_expr(node)
        return self._expression[type(node)](node)

    def saved_expr(self, node: ast.Node) -> _Exp:
        fs = self.fs
        low = fs.var_level()
        count = fs.freereg - low
        if count <= 0:
            raise CompileError(node.span, "function or expression needs too many registers")
        fs.abc(Op.SAVE, low, count, 0, node.span)
        fs.freereg = low + 1
        fs.exp_to_next_reg(self._expression[type(node)](node))
        fs.abc(Op.RESTORE, low, count, 0, node.span)
        fs.freereg = low + count
        fs.reserve(1, node.span)
        return _Exp(NONRELOC, low + count, span=node.span)

    def operand(self, e: _Exp, later: list[ast.Node]) -> _Exp:
        """A left operand, fixed before the `later` operands run: constants stay
        as they are, and a local is copied if later code could change it."""
        fs = self.fs
        if e.is_constant():
            return e
        if e.kind == LOCAL and any(self.can_change(node, self.local_name(e.info)) for node in later):
            fs.exp_to_next_reg(e)
        else:
            fs.exp_to_any_reg(e)
        return e

    def local_name(self, reg: int) -> str:
        return next(var.name for var in reversed(self.fs.actvars) if var.reg == reg)

    def can_change(self, node: ast.Node, name: str) -> bool:
        """Whether evaluating `node` could assign local `name`: a match arm that
        assigns it, or a call (or yield) while a nested function uses the name."""
        calls, assigned = self.summary(node)
        return name in assigned or (calls and name in self.fs.captured_names)

    def summary(self, node: ast.Node) -> tuple[bool, frozenset]:
        """(whether `node` calls or yields, the names it assigns), without
        entering function literals, which do not run where they stand."""
        memo = self._summaries
        pending = [(node, False)]
        while pending:
            item, expanded = pending.pop()
            if id(item) in memo:
                continue
            kind = type(item)
            if kind is ast.FnExpr:
                memo[id(item)] = (False, frozenset())
            elif not expanded:
                pending.append((item, True))
                pending.extend((child, False) for child in ast.children(item))
            else:
                parts = [memo[id(child)] for child in ast.children(item)]
                calls = kind in (ast.Call, ast.MethodCall, ast.Yield) or any(part[0] for part in parts)
                assigned = frozenset().union(*(part[1] for part in parts))
                if kind is ast.Assign:
                    assigned |= _assigned_names(item.target)
                memo[id(item)] = (calls, assigned)
        return memo[id(node)]

    def name(self, node: ast.Name) -> _Exp:
        return self.resolve(node.name, node.span)

    def unary(self, node: ast.Unary) -> _Exp:
        fs = self.fs
        e = self.expr(node.operand)
        if e.is_constant():
            folded = _fold_unary(node.op, e.value())
            if folded is not _NOT_CONSTANT:
                return _constant_exp(folded, node.span)
        fs.discharge_vars(e)
        if node.op == "not":
            fs.code_not(e)
            return e
        reg = fs.exp_to_any_reg(e)
        fs.free_exp(e)
        op = Op.UNM if node.op == "-" else Op.BNOT
        return _Exp(RELOC, fs.abc(op, 0, reg, 0, node.span), span=node.span)

    def binary(self, node: ast.Binary) -> _Exp:
        if node.op in _COMPARISONS:
            return self.comparison(node)
        if node.op in ("in", "not in"):
            return self.membership(node)
        left = self.operand(self.expr(node.left), [node.right])
        return self.arithmetic(node.op, left, node.right, node.span)

    def arithmetic(self, op: str, left: _Exp, right_node: ast.Node, span: Span) -> _Exp:
        """`left op right` (left already compiled as an operand): folded, with a
        constant or immediate operand, or on two registers."""
        fs = self.fs
        right = self.expr(right_node)
        if left.is_constant() and right.is_constant():
            folded = _fold_binary(op, left.value(), right.value())
            if folded is not _NOT_CONSTANT:
                return _constant_exp(folded, span)
            fs.exp_to_any_reg(left)
        if right.is_constant():
            return self.arithmetic_constant(op, left, right.value(), span, 0)
        if left.is_constant():
            return self.arithmetic_constant(op, right, left.value(), span, 1)
        r2 = fs.exp_to_any_reg(right)
        r1 = left.info
        fs.free_exps(left, right)
        return _Exp(RELOC, fs.abc(_ARITHMETIC[op], 0, r1, r2, span), span=span)

    def arithmetic_constant(self, op: str, e: _Exp, value, span: Span, flip: int) -> _Exp:
        fs = self.fs
        reg = fs.exp_to_any_reg(e)
        fs.free_exp(e)
        if op == "+" and fits_sc(value):
            pc = fs.abc(Op.ADDI, 0, reg, value + OFFSET_SC, span, flip)
        else:
            pc = fs.abc_k(_WITH_CONSTANT[op], 0, reg, fs.constant(value, span), span, flip)
        return _Exp(RELOC, pc, span=span)

    def comparison(self, node: ast.Binary) -> _Exp:
        fs = self.fs
        op = node.op
        left = self.operand(self.expr(node.left), [node.right])
        right = self.expr(node.right)
        if left.is_constant() and right.is_constant():
            folded = _fold_binary(op, left.value(), right.value())
            if folded is not _NOT_CONSTANT:
                return _constant_exp(folded, node.span)
        if op in ("==", "!=") and left.is_constant():
            left, right = right, left  # equality is symmetric and never raises
        k = 0 if op == "!=" else 1
        value = right.value() if right.is_constant() and not left.is_constant() else _NOT_CONSTANT
        if value is not _NOT_CONSTANT and (op in ("==", "!=") or type(value) in (int, float)):
            reg = fs.exp_to_any_reg(left)
            fs.free_exp(left)
            equality = op in ("==", "!=")
            if fits_sc(value):
                immediate = Op.EQI if equality else _IMMEDIATE_COMPARISONS[op]
                return self.test_exp(immediate, reg, value + OFFSET_SC, k, node.span)
            constant = Op.EQK if equality else _CONSTANT_COMPARISONS[op]
            return self.test_exp(constant, reg, fs.constant(value, node.span), k, node.span)
        r1, r2 = self.operand_registers(left, right)
        return self.test_exp(_COMPARISONS[op], r1, r2, k, node.span)

    def operand_registers(self, left: _Exp, right: _Exp) -> tuple[int, int]:
        """Both operands in registers (freed for the result), left one first."""
        fs = self.fs
        if left.is_constant():
            # The right operand may end in jumps still to be turned into a value:
            # that comes first, then the constant's load.
            r2 = fs.exp_to_any_reg(right)
            r1 = fs.exp_to_any_reg(left)
        else:
            r1 = fs.exp_to_any_reg(left)
            r2 = fs.exp_to_any_reg(right)
        fs.free_exps(left, right)
        return r1, r2

    def membership(self, node: ast.Binary) -> _Exp:
        """`x in c` / `x not in c`: folded for constants, else one IN."""
        left = self.operand(self.expr(node.left), [node.right])
        right = self.expr(node.right)
        if left.is_constant() and right.is_constant():
            folded = _fold_binary(node.op, left.value(), right.value())
            if folded is not _NOT_CONSTANT:
                return _constant_exp(folded, node.span)
        r1, r2 = self.operand_registers(left, right)
        negated = int(node.op == "not in")
        return _Exp(RELOC, self.fs.abc(Op.IN, 0, r1, r2, node.span, negated), span=node.span)

    def test_exp(self, op: Op, a: int, b: int, k: int, span: Span) -> _Exp:
        return _Exp(JMP, self.fs.cond_jump(op, a, b, 0, k, span), span=span)

    def logical(self, node: ast.Logical) -> _Exp:
        fs = self.fs
        left = self.expr(node.left)
        if left.is_constant():
            decided = ops.truthy(left.value()) != (node.op == "and")
            return left if decided else self.expr(node.right)
        if node.op == "and":
            fs.go_if_true(left)
        else:
            fs.go_if_false(left)
        right = self.expr(node.right)
        fs.discharge_vars(right)
        if node.op == "and":
            right.f = left.f + right.f
        else:
            right.t = left.t + right.t
        return right

    def conditional(self, node: ast.Conditional) -> _Exp:
        fs = self.fs
        cond = self.expr(node.cond)
        if cond.is_constant():
            return self.expr(node.then if ops.truthy(cond.value()) else node.orelse)
        fs.go_if_true(cond)
        reg = fs.freereg
        fs.reserve(1, node.span)
        fs.exp_into(self.expr(node.then), reg)
        done = fs.jump(node.span)
        fs.patch_here(cond.f)
        fs.exp_into(self.expr(node.orelse), reg)
        fs.patch_here([done])
        return _Exp(NONRELOC, reg, span=node.span)

    def range(self, node: ast.RangeExpr) -> _Exp:
        fs = self.fs
        start = self.operand(self.expr(node.start), [node.end])
        r1 = fs.exp_to_any_reg(start)
        end = self.expr(node.end)
        r2 = fs.exp_to_any_reg(end)
        fs.free_exps(start, end)
        return _Exp(RELOC, fs.abc(Op.RANGE, 0, r1, r2, node.span, int(node.inclusive)), span=node.span)

    def field(self, node: ast.Field) -> _Exp:
        return _Exp(FIELD, self.fs.exp_to_any_reg(self.expr(node.obj)), node.name.name, node.span)

    def index(self, node: ast.Index) -> _Exp:
        fs = self.fs
        table = fs.exp_to_any_reg(self.operand(self.expr(node.obj), [node.index]))
        key = self.expr(node.index)
        value = key.value() if key.is_constant() else None
        if type(value) is int and 0 <= value <= MAX_C:
            return _Exp(INDEXI, table, value, node.span)
        return _Exp(INDEX, table, fs.exp_to_any_reg(key), node.span)

    def slice(self, node: ast.Slice) -> _Exp:
        """`obj[start:stop]`: the bounds in two consecutive registers (nil when left out)."""
        fs = self.fs
        bounds = [bound for bound in (node.start, node.stop) if bound is not None]
        obj = self.operand(self.expr(node.obj), bounds)
        fs.exp_to_any_reg(obj)
        first = fs.freereg
        for bound in (node.start, node.stop):
            fs.exp_to_next_reg(_Exp(NIL, span=node.span) if bound is None else self.expr(bound))
        fs.free_regs(first, first + 1)
        fs.free_exp(obj)
        return _Exp(RELOC, fs.abc(Op.GETSLICE, 0, obj.info, first, node.span), span=node.span)

    def function_literal(self, node: ast.FnExpr) -> _Exp:
        fs = self.fs
        index = self.function(None, node.params, node.body, node.span)
        return _Exp(RELOC, fs.abx(Op.CLOSURE, 0, index, node.span), span=node.span)

    # ---------------------------------------------------------- calls

    def call(self, node: ast.Call, tail: bool = False) -> _Exp:
        fs = self.fs
        base = fs.freereg
        if base + 2 + len(node.args) + len(node.kwargs) >= MAX_REGISTERS:
            return self.spread_call(node.callee, None, node.args, node.kwargs, node.span)
        fs.exp_to_next_reg(self.expr(node.callee))
        for arg in node.args:
            fs.exp_to_next_reg(self.expr(arg))
        count = self.named_arguments(node.kwargs) + len(node.args)
        if node.kwargs:
            names = tuple(arg.name.name for arg in node.kwargs)
            fs.abc_k(Op.CALLX, base, count, fs.constant((None, names, False), node.span), node.span)
        elif tail:
            fs.close_all_far(node.span)
            fs.abc(Op.TAILCALL, base, count, 0, node.span)
        else:
            fs.abc(Op.CALL, base, count, 0, node.span)
        fs.freereg = base + 1
        return _Exp(NONRELOC, base, span=node.span)

    def named_arguments(self, kwargs: list[ast.NamedArg]) -> int:
        for arg in kwargs:
            self.fs.exp_to_next_reg(self.expr(arg.value))
        return len(kwargs)

    def method_call(self, node: ast.MethodCall, tail: bool = False) -> _Exp:
        fs = self.fs
        base = fs.freereg
        name = node.name.name
        if base + 2 + len(node.args) + len(node.kwargs) >= MAX_REGISTERS:
            return self.spread_call(node.receiver, name, node.args, node.kwargs, node.span)
        fs.exp_to_next_reg(self.expr(node.receiver))
        for arg in node.args:
            fs.exp_to_next_reg(self.expr(arg))
        count = self.named_arguments(node.kwargs) + len(node.args)
        if node.kwargs:
            names = tuple(arg.name.name for arg in node.kwargs)
            fs.abc_k(Op.CALLX, base, count, fs.constant((name, names, False), node.span), node.span)
        elif tail:
            fs.close_all_far(node.span)
            fs.abc_k(Op.TAILMETHOD, base, count, fs.constant(name, node.span), node.span)
        else:
            fs.abc_k(Op.METHOD, base, count, fs.constant(name, node.span), node.span)
        fs.freereg = base + 1
        return _Exp(NONRELOC, base, span=node.span)

    def spread_call(self, callee: ast.Node, method: str | None, args: list[ast.Node], kwargs: list[ast.NamedArg],
                    span: Span) -> _Exp:
        """A call with more arguments than registers: positional ones go in an array."""
        fs = self.fs
        base = fs.freereg
        fs.exp_to_next_reg(self.expr(callee))
        self.sequence(args, span, Op.NEWARRAY)
        count = 1 + self.named_arguments(kwargs)
        names = tuple(arg.name.name for arg in kwargs)
        fs.abc_k(Op.CALLX, base, count, fs.constant((method, names, True), span), span)
        fs.freereg = base + 1
        return _Exp(NONRELOC, base, span=span)

    # ---------------------------------------------------------- literals

    def tuple(self, node: ast.TupleExpr) -> _Exp:
        value = _constant_of(node)
        if value is not _NOT_CONSTANT:
            return _constant_exp(value, node.span)
        return self.sequence(node.items, node.span, Op.NEWTUPLE)

    def array(self, node: ast.ArrayExpr) -> _Exp:
        fs = self.fs
        values = [_constant_of(item) for item in node.items]
        if values and _NOT_CONSTANT not in values:
            reg = fs.freereg
            fs.reserve(1, node.span)
            fs.abx(Op.NEWARRAYK, reg, fs.constant(tuple(values), node.span), node.span)
            return _Exp(NONRELOC, reg, span=node.span)
        return self.sequence(node.items, node.span, Op.NEWARRAY)

    def batch_size(self, per_item: int) -> int:
        return max(1, min(BATCH, (MAX_REGISTERS - 2 - self.fs.freereg) // per_item))

    def sequence(self, items: list[ast.Node], span: Span, op: Op) -> _Exp:
        """An array or tuple from items in registers, in batches (Lua's SETLIST);
        a tuple too long for one batch is built as an array first."""
        fs = self.fs
        reg = fs.freereg
        fs.reserve(1, span)
        size = self.batch_size(1)
        as_array = op == Op.NEWARRAY or len(items) > size
        for start in range(0, max(len(items), 1), size):
            chunk = items[start:start + size]
            for item in chunk:
                fs.exp_to_next_reg(self.expr(item))
            first = Op.NEWARRAY if as_array else Op.NEWTUPLE
            fs.abc(first if start == 0 else Op.SETLIST, reg, len(chunk), 0, span)
            fs.freereg = reg + 1
        if op == Op.NEWTUPLE and as_array:
            fs.abc(Op.TUPLE, reg, reg, 0, span)
        return _Exp(NONRELOC, reg, span=span)

    def map(self, node: ast.MapExpr) -> _Exp:
        fs = self.fs
        reg = fs.freereg
        pairs = [(_constant_of(entry.key), _constant_of(entry.value)) for entry in node.entries]
        if pairs and all(key is not _NOT_CONSTANT and value is not _NOT_CONSTANT and _valid_key(key)
                         for key, value in pairs):
            fs.reserve(1, node.span)
            fs.abx(Op.NEWMAPK, reg, fs.constant(tuple(pairs), node.span), node.span)
            return _Exp(NONRELOC, reg, span=node.span)
        fs.reserve(1, node.span)
        size = self.batch_size(2)
        for start in range(0, max(len(node.entries), 1), size):
            chunk = node.entries[start:start + size]
            for entry, (key, _) in zip(chunk, pairs[start:start + size]):
                key_reg = fs.exp_to_next_reg(self.expr(entry.key))
                fs.exp_to_next_reg(self.expr(entry.value))
                if key is _NOT_CONSTANT or not _valid_key(key):
                    fs.abc(Op.CHECKKEY, key_reg, 0, 0, entry.key.span)
            fs.abc(Op.NEWMAP if start == 0 else Op.SETPAIRS, reg, len(chunk), 0, node.span)
            fs.freereg = reg + 1
        return _Exp(NONRELOC, reg, span=node.span)

    # ---------------------------------------------------------- f-strings

    def fstring(self, node: ast.FString) -> _Exp:
        """The pieces of an f-string go to consecutive registers — text as
        constants, fields through TOSTR or FORMAT — and CONCAT joins them, in
        batches; a text-only f-string is a constant."""
        fs = self.fs
        pieces = _fstring_pieces(node)
        if all(type(piece) is str for piece in pieces):
            return _constant_exp("".join(pieces), node.span)
        if len(pieces) == 1:
            return self.format_field(pieces[0])
        reg = fs.freereg
        size = max(2, self.batch_size(1))
        count = 0
        for position, piece in enumerate(pieces):
            if count == size:
                fs.abc(Op.CONCAT, reg, count, 0, node.span)
                fs.freereg, count = reg + 1, 1
            if type(piece) is str:
                piece_exp = _constant_exp(piece, _text_span(node, pieces, position))
            else:
                piece_exp = self.format_field(piece)
            fs.exp_to_next_reg(piece_exp)
            count += 1
        fs.abc(Op.CONCAT, reg, count, 0, node.span)
        fs.freereg = reg + 1
        return _Exp(NONRELOC, reg, span=node.span)

    def format_field(self, field: ast.FormatField) -> _Exp:
        """A field's value as a string: TOSTR, or FORMAT by its spec."""
        fs = self.fs
        value = self.expr(field.expr)
        if field.spec is None and type(field.expr) is ast.FString:
            return value
        reg = fs.exp_to_any_reg(value)
        fs.free_exp(value)
        if field.spec is None:
            return _Exp(RELOC, fs.abc(Op.TOSTR, 0, reg, 0, field.expr.span), span=field.expr.span)
        span = field.expr.span.merge(field.spec.span)
        spec = fs.constant(field.spec.text, span)
        return _Exp(RELOC, fs.abc_k(Op.FORMAT, 0, reg, spec, span), span=span)

    # ---------------------------------------------------------- match

    def match(self, node: ast.Match) -> _Exp:
        """Arms in order; each tests its pattern against the subject register and
        jumps to the next arm on failure. The value lands in one result register."""
        fs = self.fs
        result = fs.freereg
        fs.reserve(1, node.span)
        fs.enter_block()
        subject = fs.exp_to_next_reg(self.expr(node.subject))
        fs.declare("(match)", subject, 0)
        done: list[int] = []
        for arm in node.arms:
            self.match_arm(arm, subject, result, done, node.span)
        fs.abc(Op.MATCHERROR, subject, 0, 0, node.span)
        fs.patch_here(done)
        fs.leave_block(node.span)
        fs.freereg = result + 1
        return _Exp(NONRELOC, result, span=node.span)

    def match_arm(self, arm: ast.MatchArm, subject: int, result: int, done: list[int], where: Span) -> None:
        """One arm: its bindings, pattern, guard and value. Errors of the pattern's
        types are reported at the match itself (`where`), as the tree-walker does."""
        fs = self.fs
        fs.enter_block()
        names = _pattern_names(arm.pattern)
        variables = {name: self.new_var(name, 0, arm.span) for name in names}
        for var in variables.values():
            fs.activate(var)
        fails = self.pattern(arm.pattern, subject, variables, where)
        if arm.guard is not None:
            guard = self.expr(arm.guard)
            fs.go_if_true(guard)
            fails += guard.f
        if type(arm.body) is ast.Block:
            self.block(arm.body)
            fs.abc(Op.LOADNIL, result, 0, 0, _end_span(arm.body.span))
        else:
            fs.exp_into(self.expr(arm.body), result)
        block = fs.block
        fs.leave_block(arm.span)
        done.append(fs.jump(arm.span))
        fs.patch_here(fails)
        if block.has_upval:
            fs.abx(Op.CLOSE, block.freereg, block.nfar, arm.span)

    def pattern(self, pattern: ast.Node, reg: int, variables: dict[str, _Var], where: Span) -> list[int]:
        """Code that matches register `reg` against `pattern`, binding names;
        the jumps taken when it does not match."""
        fs = self.fs
        kind = type(pattern)
        span = pattern.span
        if kind is ast.PWildcard:
            return []
        if kind is ast.PBind:
            self.store_var(variables[pattern.name], _Exp(NONRELOC, reg, span=span), span)
            return []
        if kind is ast.PLiteral:
            value = pattern.value
            if fits_sc(value):
                return [fs.cond_jump(Op.EQI, reg, value + OFFSET_SC, 0, 0, span)]
            return [fs.cond_jump(Op.EQK, reg, fs.constant(value, span), 0, 0, span)]
        if kind is ast.PRange:
            bounds = fs.constant((pattern.low, pattern.high, pattern.inclusive), span)
            return self.test_abx(Op.TESTRANGE, reg, bounds, span)
        if kind is ast.POr:
            return self.alternatives(pattern, reg, variables, where)
        if kind is ast.PTuple:
            return self.test_abx(Op.TESTTUPLE, reg, len(pattern.items), span) + self.items(
                pattern.items, reg, variables, where)
        if kind is ast.PArray:
            return self.array_pattern(pattern, reg, variables, where)
        if kind is ast.PVariant:
            return self.variant_pattern(pattern, reg, variables, where)
        return self.struct_pattern(pattern, reg, variables, where)

    def test_abx(self, op: Op, reg: int, bx: int, span: Span) -> list[int]:
        fs = self.fs
        fs.abx(op, reg, bx, span)
        return [fs.jump(span)]

    def alternatives(self, pattern: ast.POr, reg: int, variables: dict[str, _Var], where: Span) -> list[int]:
        fs = self.fs
        matched: list[int] = []
        fails: list[int] = []
        for alternative in pattern.alternatives:
            fs.patch_here(fails)
            fails = self.pattern(alternative, reg, variables, where)
            if not fails:
                break
            if alternative is not pattern.alternatives[-1]:
                matched.append(fs.jump(alternative.span))
        fs.patch_here(matched)
        return fails

    def items(self, patterns: list[ast.Node], reg: int, variables: dict[str, _Var], where: Span) -> list[int]:
        """Matches the items of the tuple or array in `reg`, in order."""
        fs = self.fs
        fails: list[int] = []
        for offset, item in enumerate(patterns):
            if type(item) is ast.PWildcard:
                continue
            if type(item) is ast.PBind and variables[item.name].reg < FAR_BASE:
                self.load_item(reg, offset, item.span, variables[item.name].reg)
                continue
            temp = self.load_item(reg, offset, item.span)
            fails += self.pattern(item, temp, variables, where)
            fs.freereg = temp
        return fails

    def array_pattern(self, pattern: ast.PArray, reg: int, variables: dict[str, _Var], where: Span) -> list[int]:
        fs = self.fs
        count = len(pattern.items)
        if pattern.rest is None:
            return self.test_abx(Op.TESTARRAY, reg, count, pattern.span) + self.items(
                pattern.items, reg, variables, where)
        fails = self.test_abx(Op.TESTARRAYMIN, reg, count, pattern.span)
        fails += self.items(pattern.items, reg, variables, where)
        if type(pattern.rest) is ast.PBind:
            if count > MAX_C:
                raise CompileError(pattern.span, f"an array pattern with a rest takes at most {MAX_C} items")
            temp = fs.freereg
            fs.reserve(1, pattern.span)
            fs.abc(Op.SLICE, temp, reg, count, pattern.rest.span)
            self.store_var(variables[pattern.rest.name], _Exp(NONRELOC, temp, span=pattern.span), pattern.span)
            fs.freereg = temp
        return fails

    def pattern_type(self, path: list[ast.Ident], where: Span) -> int:
        """The struct or enum a pattern names, into a register."""
        e = self.resolve(path[0].name, path[0].span)
        for part in path[1:]:
            e = _Exp(FIELD, self.fs.exp_to_any_reg(e), part.name, where)
        return self.fs.exp_to_next_reg(e)

    def variant_pattern(self, pattern: ast.PVariant, reg: int, variables: dict[str, _Var],
                        where: Span) -> list[int]:
        fs = self.fs
        owner = self.pattern_type(pattern.path, where)
        name = fs.constant(pattern.variant.name, pattern.span)
        fs.abc_k(Op.TESTVARIANT, reg, owner, name, where)
        fails = [fs.jump(pattern.span)]
        fs.freereg = owner
        if pattern.args is None:
            return fails
        payload = fs.freereg
        fs.reserve(1, pattern.span)
        fs.abc(Op.PAYLOAD, payload, reg, 0, pattern.span)
        fails += self.test_abx(Op.TESTTUPLE, payload, len(pattern.args), pattern.span)
        fails += self.items(pattern.args, payload, variables, where)
        fs.freereg = payload
        return fails

    def struct_pattern(self, pattern: ast.PStruct, reg: int, variables: dict[str, _Var],
                       where: Span) -> list[int]:
        fs = self.fs
        owner = self.pattern_type(pattern.path, where)
        names = tuple(field.name.name for field in pattern.fields)
        fs.abc_k(Op.TESTSTRUCT, reg, owner, fs.constant(names, pattern.span), where)
        fails = [fs.jump(pattern.span)]
        fs.freereg = owner
        for field in pattern.fields:
            temp = fs.freereg
            fs.reserve(1, field.span)
            fs.abc_k(Op.GETFIELD, temp, reg, fs.constant(field.name.name, field.span), field.span)
            if field.pattern is None:
                self.store_var(variables[field.name.name], _Exp(NONRELOC, temp, span=field.span), field.span)
            else:
                fails += self.pattern(field.pattern, temp, variables, where)
            fs.freereg = temp
        return fails



def _nothing(node: ast.Node) -> None:
    """Declarations were compiled when their block started."""


def _start_span(span: Span) -> Span:
    """The empty span at the start of `span` (for code that enters a block)."""
    return Span(span.start, span.start, span.line, span.col, span.line, span.col)


def _end_span(span: Span) -> Span:
    """The empty span at the end of `span` (for code that ends a block)."""
    return Span(span.end, span.end, span.end_line, span.end_col, span.end_line, span.end_col)


def _assigned_names(target: ast.Node) -> frozenset:
    if type(target) is ast.Name:
        return frozenset([target.name])
    if type(target) is ast.TupleExpr:
        return frozenset().union(*(_assigned_names(item) for item in target.items))
    return frozenset()


def _names_in_nested_functions(roots: list[ast.Node]) -> frozenset:
    """Every name used inside a function nested in these trees (over-approximates
    which locals of the enclosing function a call could reach)."""
    names: set[str] = set()
    pending = [(root, False) for root in roots]
    while pending:
        node, nested = pending.pop()
        if nested and type(node) is ast.Name:
            names.add(node.name)
        inner = nested or isinstance(node, _FUNCTION_BOUNDARIES)
        pending.extend((child, inner) for child in ast.children(node))
    return frozenset(names)


def _known_constants(body: list[ast.Stmt]) -> dict[str, object]:
    """Top-level `const NAME = <literal expression>` values (each name declared once)."""
    found: dict[str, object] = {}
    declared: list[str] = []
    for statement in body:
        if type(statement) is ast.Let:
            declared.extend(ast.bound_names(statement.target))
            if statement.const and type(statement.target) is ast.BindName and statement.value is not None:
                value = _constant_of(statement.value)
                if value is not _NOT_CONSTANT:
                    found[statement.target.name] = value
        elif isinstance(statement, _DECLARATIONS):
            declared.append(statement.name.name)
    return {name: value for name, value in found.items() if declared.count(name) == 1}


def _pattern_names(pattern: ast.Node) -> list[str]:
    """The names a pattern binds, in order of first appearance."""
    names: list[str] = []
    pending = [pattern]
    while pending:
        node = pending.pop()
        if type(node) is ast.PBind and node.name not in names:
            names.append(node.name)
        elif type(node) is ast.PFieldPattern and node.pattern is None and node.name.name not in names:
            names.append(node.name.name)
        elif type(node) is ast.POr:
            pending.append(node.alternatives[0])
            continue
        pending.extend(reversed([child for child in ast.children(node) if type(child) is not ast.Ident]))
    return names


# ------------------------------------------------------------------ peephole

def _jump_target(code: list[int], pc: int) -> int:
    return pc + 1 + decode(code[pc]).sj


def _successors(code: list[int], pc: int, targets: dict[int, int]) -> list[int]:
    """Where control can go after instruction `pc` (an EXTRAARG goes with the
    instruction before it, a test with the JMP after it)."""
    op = opcode_of(code[pc])
    following = [pc + 1] if pc + 1 < len(code) and opcode_of(code[pc + 1]) == Op.EXTRAARG else []
    if op == Op.EXTRAARG:
        return []
    if op == Op.JMP:
        return [targets[pc]]
    if op in _ENDS_FLOW:
        return following
    after = pc + 1 + len(following)
    if OPCODES[op].skips or op == Op.LFALSESKIP:
        # The instruction skipped over must stay where it is, even if nothing else reaches it.
        return following + [after, after + 1]
    return following + [after]


def _threaded_targets(code: list[int]) -> dict[int, int]:
    """The final target of every jump, following chains of plain jumps."""
    targets: dict[int, int] = {}
    for pc, word in enumerate(code):
        if opcode_of(word) != Op.JMP:
            continue
        target, seen = _jump_target(code, pc), {pc}
        while (target < len(code) and target not in seen and opcode_of(code[target]) == Op.JMP
               and not _is_companion(code, target)):
            seen.add(target)
            target = _jump_target(code, target)
        targets[pc] = target
    return targets


def _reachable(proto: Proto, targets: dict[int, int]) -> bytearray:
    code = proto.code
    seen = bytearray(len(code))
    pending = [0] + [handler.target_pc for handler in proto.handlers]
    while pending:
        pc = pending.pop()
        if pc >= len(code) or seen[pc]:
            continue
        seen[pc] = 1
        pending.extend(_successors(code, pc, targets))
    return seen


def _kept(proto: Proto, targets: dict[int, int]) -> list[bool]:
    """Which instructions stay: reachable ones, less `MOVE a a` and plain jumps
    to the instruction that follows once dead code is gone."""
    code = proto.code
    keep = [bool(flag) for flag in _reachable(proto, targets)]
    for pc, word in enumerate(code):
        if not keep[pc]:
            continue
        op = opcode_of(word)
        if op == Op.MOVE and decode(word).a == decode(word).b:
            keep[pc] = False
        elif op == Op.JMP and not _is_companion(code, pc) and targets[pc] > pc \
                and not any(keep[pc + 1:targets[pc]]):
            keep[pc] = False
    return keep


def _optimize(proto: Proto) -> None:
    """Threads jumps, then drops unreachable code, self-moves and jumps to the
    next instruction, remapping every pc the proto records."""
    code = proto.code
    targets = _threaded_targets(code)
    keep = _kept(proto, targets)
    new_pc: list[int] = []
    count = 0
    for flag in keep:
        new_pc.append(count)
        count += flag
    new_pc.append(count)
    remap = new_pc.__getitem__
    new_code: list[int] = []
    for pc, word in enumerate(code):
        if keep[pc]:
            if opcode_of(word) == Op.JMP:
                word = with_sj(word, remap(targets[pc]) - (len(new_code) + 1))
            new_code.append(word)
    proto.code[:] = new_code
    proto.spans[:] = [span for span, flag in zip(proto.spans, keep) if flag]
    for record in proto.locals:
        record.start_pc, record.end_pc = remap(record.start_pc), remap(record.end_pc)
    handlers = []
    for handler in proto.handlers:
        handler.start_pc, handler.end_pc = remap(handler.start_pc), remap(handler.end_pc)
        handler.target_pc = remap(handler.target_pc)
        if handler.end_pc > handler.start_pc:
            handlers.append(handler)
    proto.handlers[:] = handlers
    proto.locals[:] = [record for record in proto.locals if record.end_pc > record.start_pc]
