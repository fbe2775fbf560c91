"""The Esker instruction set: one table that drives everything else.

`OPCODES` lists every instruction with its operand format, its meaning in
`R[A] := R[B] + K[C]` notation and notes. The encoder and decoder below, the
compiler, the VM's pre-decoder and dispatch loop, the disassembler and the
generated reference `docs/bytecode.md` (`python -m esker.vm.opcodes`) all
read this table; nothing keeps a second list of opcodes.

Instructions are 32-bit words laid out as in Lua 5.4:

    iABC   C(8) | B(8) | k(1) | A(8) | op(7)
    iABx        Bx(17)      | A(8) | op(7)
    iAsBx      sBx(17)      | A(8) | op(7)
    isJ              sJ(25)        | op(7)

`sBx` and `sJ` are stored in excess-K form; so are the signed immediates
`sB`/`sC` of iABC instructions (value = field - 127).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# ------------------------------------------------------------------ layout

SIZE_OP, SIZE_A, SIZE_B, SIZE_C = 7, 8, 8, 8
SIZE_BX = 1 + SIZE_B + SIZE_C  # k, B and C together: 17 bits
SIZE_SJ = SIZE_A + 1 + SIZE_B + SIZE_C  # 25 bits
POS_A = SIZE_OP
POS_K = POS_A + SIZE_A
POS_B = POS_K + 1
POS_C = POS_B + SIZE_B
POS_BX = POS_K
POS_SJ = POS_A

MAX_A = (1 << SIZE_A) - 1
MAX_B = (1 << SIZE_B) - 1
MAX_C = (1 << SIZE_C) - 1
MAX_BX = (1 << SIZE_BX) - 1
OFFSET_SBX = MAX_BX >> 1
MAX_SJ = (1 << SIZE_SJ) - 1
OFFSET_SJ = MAX_SJ >> 1
#: Excess of the signed immediates sB and sC: they hold -127..128.
OFFSET_SC = MAX_C >> 1

FORMATS = ("iABC", "iABx", "iAsBx", "isJ")


@dataclass(frozen=True)
class OpInfo:
    """One instruction of the table.

    `a`, `b`, `c` and `bx` say what each operand names, so tools can show it:
    "R" a register, "K" a constant index, "U" an upvalue index, "P" a child
    proto index, "I" a signed immediate, "N" a count, "-" unused. `k` names
    what the k flag means ("" when unused). `skips` marks the conditional
    instructions that are always followed by a JMP: they either run that jump
    or skip it (`pc++`), as Lua's tests do.
    """

    name: str
    format: str
    meaning: str
    notes: str = ""
    a: str = "R"
    b: str = "-"
    c: str = "-"
    bx: str = "-"
    k: str = ""
    skips: bool = False

    @property
    def constant_field(self) -> str | None:
        """The field ("b", "c" or "bx") that holds a constant index, if any."""
        for field in ("b", "c", "bx"):
            if getattr(self, field) == "K":
                return field
        return None


def _abc(name, meaning, notes="", a="R", b="-", c="-", k="", skips=False) -> OpInfo:
    return OpInfo(name, "iABC", meaning, notes, a, b, c, "-", k, skips)


def _abx(name, meaning, notes="", a="R", bx="-", skips=False) -> OpInfo:
    return OpInfo(name, "iABx", meaning, notes, a, "-", "-", bx, "", skips)


_ARITH = [("ADD", "+"), ("SUB", "-"), ("MUL", "*"), ("DIV", "/"), ("IDIV", "//"), ("MOD", "%"),
          ("POW", "**"), ("BAND", "&"), ("BOR", "|"), ("BXOR", "^"), ("SHL", "<<"), ("SHR", ">>")]

#: The Esker operator of each arithmetic instruction (ADD and ADDK are "+").
ARITH_OPERATORS = {name: symbol for name, symbol in _ARITH}

_FLIP = "the constant is the left operand"
_TEST_NOTE = "The next instruction is a JMP, run when the test holds and skipped otherwise."
_PATTERN_NOTE = "The next instruction is a JMP to the next alternative, skipped when the value matches."

OPCODES: list[OpInfo] = [
    # ------------------------------------------------------------ loads and moves
    _abc("MOVE", "R[A] := R[B]", b="R"),
    _abx("LOADK", "R[A] := K[Bx]", bx="K"),
    OpInfo("LOADI", "iAsBx", "R[A] := sBx", "Small ints without a constant."),
    _abc("LOADNIL", "R[A], ..., R[A+B] := nil", b="N"),
    _abc("LOADTRUE", "R[A] := true"),
    _abc("LOADFALSE", "R[A] := false"),
    _abc("LFALSESKIP", "R[A] := false; pc++", "Ends a comparison turned into a value, as in Lua 5.4."),
    _abc("SAVE", "R[A] := (R[A], ..., R[A+B-1])",
         "Packs live temporaries into one register so a deeply nested expression finds room; "
         "RESTORE unpacks them.", b="N"),
    _abc("RESTORE", "v := R[A+1]; R[A], ..., R[A+B-1] := R[A]; R[A+B] := v",
         "Unpacks what SAVE packed and puts the nested expression's value above it.", b="N"),
    _abx("GETFAR", "R[A] := Far[Bx]",
         "A function with more locals than fit in registers keeps the rest in far slots: Far is "
         "its spill area, which the VM puts in R[0] when the function is called.", bx="N"),
    _abx("SETFAR", "Far[Bx] := R[A]", bx="N"),
    # ------------------------------------------------------------ upvalues and globals
    _abx("GETUPVAL", "R[A] := UpValue[Bx]", bx="U"),
    _abx("SETUPVAL", "UpValue[Bx] := R[A]", bx="U"),
    _abx("GETGLOBAL", "R[A] := Globals[K[Bx]]",
         "A top-level name of the module; before its declaration has run, the builtin of that "
         "name.", bx="K"),
    _abx("GETBUILTIN", "R[A] := Builtins[K[Bx]]", "A name no top-level declaration of the module "
         "shadows.", bx="K"),
    _abx("SETGLOBAL", "Globals[K[Bx]] := R[A]",
         "Assigns a top-level name that exists already (else the error a tree-walker gives).", bx="K"),
    _abx("DEFGLOBAL", "Globals[K[Bx]] := R[A]", "Declares a top-level name (let, const, fn, import).",
         bx="K"),
    # ------------------------------------------------------------ containers
    _abc("NEWARRAY", "R[A] := [R[A+1], ..., R[A+B]]", b="N"),
    _abx("NEWARRAYK", "R[A] := a new array with the items of K[Bx]", "For literals of constants.",
         bx="K"),
    _abc("SETLIST", "append R[A+1], ..., R[A+B] to array R[A]",
         "Long array literals are built in batches, as Lua's SETLIST does.", b="N"),
    _abc("NEWTUPLE", "R[A] := (R[A+1], ..., R[A+B])", b="N"),
    _abc("TUPLE", "R[A] := tuple(R[B])", "Ends a long tuple literal built as an array.", b="R"),
    _abc("NEWMAP", "R[A] := {R[A+1]: R[A+2], ...}", "B key/value pairs.", b="N"),
    _abx("NEWMAPK", "R[A] := a new map with the pairs of K[Bx]", "For literals of constants.",
         bx="K"),
    _abc("SETPAIRS", "R[A][R[A+1]] := R[A+2], ...", "B more pairs for a long map literal.", b="N"),
    _abc("CHECKKEY", "check that R[A] can be a map key", "A TypeError otherwise."),
    _abc("GETINDEX", "R[A] := R[B][R[C]]", b="R", c="R"),
    _abc("GETINDEXI", "R[A] := R[B][C]", b="R", c="N"),
    _abc("GETFIELD", "R[A] := R[B].K[C]", "Struct fields are read by slot through an inline cache.",
         b="R", c="K"),
    _abc("SETINDEX", "R[A][R[B]] := R[C]", b="R", c="R"),
    _abc("SETFIELD", "R[A].K[C] := R[B]", b="R", c="K"),
    _abc("RANGE", "R[A] := R[B]..R[C]", b="R", c="R", k="inclusive (..=)"),
    _abc("UNPACK", "R[A], ..., R[A+C-1] := the C items of R[B]",
         "R[B] must be a tuple or array of exactly C items. A may equal B.", b="R", c="N"),
    _abx("CHECKLEN", "check that R[A] is a tuple or array of Bx items",
         "Destructuring too long for UNPACK.", bx="N"),
    _abc("SLICE", "R[A] := R[B][C:]", "The rest of an array pattern.", b="R", c="N"),
    _abc("GETSLICE", "R[A] := R[B][R[C]:R[C+1]]",
         "`a[i:j]` on an array, tuple or string: a new value of the same type. A bound left out "
         "is nil; negative bounds count from the end, out-of-range bounds are clamped.",
         b="R", c="R"),
    _abc("PAYLOAD", "R[A] := R[B].payload", "The payload tuple of an enum value.", b="R"),
    # ------------------------------------------------------------ arithmetic
    *[_abc(name, f"R[A] := R[B] {symbol} R[C]", b="R", c="R") for name, symbol in _ARITH],
    *[_abc(name + "K", f"R[A] := R[B] {symbol} K[C]", b="R", c="K", k=_FLIP) for name, symbol in _ARITH],
    _abc("ADDI", "R[A] := R[B] + sC", b="R", c="I", k="the immediate is the left operand"),
    _abc("UNM", "R[A] := -R[B]", b="R"),
    _abc("BNOT", "R[A] := ~R[B]", b="R"),
    _abc("NOT", "R[A] := not R[B]", b="R"),
    _abc("IN", "R[A] := R[B] in R[C]",
         "Membership: an element of an array or tuple, an int of a range, a key of a map, a "
         "substring of a string; a TypeError for any other R[C].", b="R", c="R", k="not in"),
    # ------------------------------------------------------------ strings
    _abc("TOSTR", "R[A] := str(R[B])", "A replacement field of an f-string without a spec.", b="R"),
    _abc("FORMAT", "R[A] := format(R[B], K[C])",
         "A replacement field with a format spec: K[C] is the spec's text, checked at compile time; "
         "a spec that does not fit the value (`{\"a\":d}`) raises ValueError.", b="R", c="K"),
    _abc("CONCAT", "R[A] := R[A] .. R[A+1] .. ... .. R[A+B-1]",
         "Joins the pieces of an f-string, all strings by now (literal text, TOSTR and FORMAT "
         "results). A long f-string is joined in batches, the text so far staying in R[A].", b="N"),
    # ------------------------------------------------------------ comparisons and jumps
    _abc("EQ", "if ((R[A] == R[B]) ~= k) then pc++", _TEST_NOTE, b="R", k="polarity", skips=True),
    _abc("LT", "if ((R[A] < R[B]) ~= k) then pc++", _TEST_NOTE, b="R", k="polarity", skips=True),
    _abc("LE", "if ((R[A] <= R[B]) ~= k) then pc++", _TEST_NOTE, b="R", k="polarity", skips=True),
    _abc("GT", "if ((R[A] > R[B]) ~= k) then pc++",
         "Kept apart from LT so error messages name the operator as written. " + _TEST_NOTE,
         b="R", k="polarity", skips=True),
    _abc("GE", "if ((R[A] >= R[B]) ~= k) then pc++", _TEST_NOTE, b="R", k="polarity", skips=True),
    _abc("EQK", "if ((R[A] == K[B]) ~= k) then pc++", _TEST_NOTE, b="K", k="polarity", skips=True),
    _abc("EQI", "if ((R[A] == sB) ~= k) then pc++", _TEST_NOTE, b="I", k="polarity", skips=True),
    _abc("LTI", "if ((R[A] < sB) ~= k) then pc++", _TEST_NOTE, b="I", k="polarity", skips=True),
    _abc("LEI", "if ((R[A] <= sB) ~= k) then pc++", _TEST_NOTE, b="I", k="polarity", skips=True),
    _abc("GTI", "if ((R[A] > sB) ~= k) then pc++", _TEST_NOTE, b="I", k="polarity", skips=True),
    _abc("GEI", "if ((R[A] >= sB) ~= k) then pc++", _TEST_NOTE, b="I", k="polarity", skips=True),
    _abc("LTK", "if ((R[A] < K[B]) ~= k) then pc++", _TEST_NOTE, b="K", k="polarity", skips=True),
    _abc("LEK", "if ((R[A] <= K[B]) ~= k) then pc++", _TEST_NOTE, b="K", k="polarity", skips=True),
    _abc("GTK", "if ((R[A] > K[B]) ~= k) then pc++", _TEST_NOTE, b="K", k="polarity", skips=True),
    _abc("GEK", "if ((R[A] >= K[B]) ~= k) then pc++", _TEST_NOTE, b="K", k="polarity", skips=True),
    _abc("TEST", "if (not R[A] == k) then pc++", "Truthiness: only nil and false are falsy. " + _TEST_NOTE,
         k="polarity", skips=True),
    _abc("TESTSET", "if (not R[B] == k) then pc++ else R[A] := R[B]",
         "For `and`/`or` whose value is used. " + _TEST_NOTE, b="R", k="polarity", skips=True),
    _abc("TESTARG", "if argument R[A] was left out then pc++",
         "Starts a parameter's default: the next JMP skips the default's code when the "
         "argument was passed.", skips=True),
    OpInfo("JMP", "isJ", "pc += sJ", "Backward jumps are where a pause request is noticed.", a="-"),
    # ------------------------------------------------------------ patterns
    _abx("TESTTUPLE", "if R[A] is a tuple of Bx items then pc++", _PATTERN_NOTE, bx="N", skips=True),
    _abx("TESTARRAY", "if R[A] is an array of Bx items then pc++", _PATTERN_NOTE, bx="N", skips=True),
    _abx("TESTARRAYMIN", "if R[A] is an array of at least Bx items then pc++", _PATTERN_NOTE, bx="N", skips=True),
    _abx("TESTRANGE", "if R[A] is an int in the range K[Bx] then pc++", _PATTERN_NOTE, bx="K", skips=True),
    _abc("TESTVARIANT", "if R[A] is variant K[C] of enum R[B] then pc++",
         "A TypeError when R[B] is not an enum, an AttributeError when it has no such variant. "
         + _PATTERN_NOTE, b="R", c="K", skips=True),
    _abc("TESTSTRUCT", "if R[A] is an instance of struct R[B] then pc++",
         "K[C] lists the fields the pattern names; R[B] must be a struct declaring them. "
         + _PATTERN_NOTE, b="R", c="K", skips=True),
    _abc("MATCHERROR", "throw MatchError for R[A]", "No arm of a match matched."),
    # ------------------------------------------------------------ calls and closures
    _abc("CALL", "R[A] := R[A](R[A+1], ..., R[A+B])",
         "Arguments are already the callee's first registers: its window starts at A+1.", b="N"),
    _abc("TAILCALL", "return R[A](R[A+1], ..., R[A+B])",
         "Replaces the caller's frame, so tail recursion runs in constant space.", b="N"),
    _abc("METHOD", "R[A] := R[A].K[C](R[A+1], ..., R[A+B])",
         "Struct and enum methods get the receiver R[A] as `self`; builtin types' methods, "
         "module members and static methods are looked up by name.", b="N", c="K"),
    _abc("TAILMETHOD", "return R[A].K[C](R[A+1], ..., R[A+B])",
         "METHOD as a tail call: when the method, module member or static method is an Esker "
         "function it replaces the caller's frame, as TAILCALL does.", b="N", c="K"),
    _abc("CALLX", "R[A] := R[A](...) as described by K[C]",
         "The rare calls: K[C] is (method name or nil, named-argument names, spread). The B "
         "registers after R[A] hold the arguments, named ones last; with spread, R[A+1] is an "
         "array of all positional arguments.", b="N", c="K"),
    _abc("RETURN", "return R[A]", "Closes the frame's open upvalues."),
    _abc("RETURN0", "return nil", a="-"),
    _abx("CLOSURE", "R[A] := closure(Protos[Bx])",
         "Captures upvalues as the child proto's upvalue descriptors say.", bx="P"),
    _abx("CLOSE", "close upvalues of registers >= A and of far slots >= Bx",
         "Ends a block whose variables a closure captured (each loop iteration has fresh "
         "variables).", a="N", bx="N"),
    # ------------------------------------------------------------ loops and generators
    _abc("FORPREP", "check R[A], R[A+1]; if R[A] < R[A+1] (k: <=) then R[A+2] := R[A]; pc++",
         "Numeric for over `a..b`: when the range is empty the next JMP leaves the loop.",
         k="inclusive (..=)", skips=True),
    _abc("FORLOOP", "R[A] += 1; if R[A] < R[A+1] then R[A+2] := R[A] else pc++",
         "The next JMP goes back to the loop body.", skips=True),
    _abc("ITERPREP", "R[A] := an iterator over R[A]", "Generic for: arrays, tuples, strings, maps, "
         "ranges and generators.", k="two loop variables (index and value)"),
    _abc("FORITER", "if the iterator R[A] has an item then R[A+2] := item else pc++",
         "With k, R[A+2], R[A+3] := index (or key), value. The next JMP goes back to the loop "
         "body. A generator is resumed as a frame on top of this one.", k="two loop variables",
         skips=True),
    _abc("GENSTART", "return a generator suspended here",
         "Ends the prologue of a generator function: the frame moves to a stack of its own.",
         a="-"),
    _abc("YIELD", "yield R[A]"),
    _abc("THROW", "throw R[A]"),
    _abc("RETHROW", "throw the error in R[A] again",
         "Ends the `finally` block entered by a finally handler, which put the error (not the "
         "thrown value) in R[A]: the error goes on with the trace it had, and `exit()` goes on "
         "leaving the program."),
    _abx("FAIL", "throw the runtime error K[Bx]", "K[Bx] is (kind, message).", a="-", bx="K"),
    # ------------------------------------------------------------ declarations and modules
    _abx("IMPORT", "R[A] := the module K[Bx]", "K[Bx] is the module's dotted name as parts (`import "
         "a.b`), or its path relative to the importing file (`import \"lib/f.esk\"`); a module runs "
         "once, the first time it is imported, however it is reached.", bx="K"),
    _abx("STRUCT", "R[A] := new struct type K[Bx]", "K[Bx] is (name, field names).", bx="K"),
    _abx("ENUM", "R[A] := new enum type K[Bx]", "K[Bx] is (name, (variant, field names or nil)...).",
         bx="K"),
    _abc("SETMETHOD", "R[A].methods[K[C]] := R[B]", b="R", c="K", k="static method (no self)"),
    _abc("SETDEFAULT", "R[A].defaults[K[C]] := R[B]",
         "R[B] is a function of no arguments that computes field K[C]'s default.", b="R", c="K"),
    _abx("EXTRAARG", "the constant index of the previous instruction is Bx",
         "Follows an iABC instruction whose constant index does not fit in 8 bits (its field "
         "then holds 255).", a="-", bx="N"),
]

#: Opcode numbers by name, as an IntEnum built from the table (`Op.MOVE`).
Op = enum.IntEnum("Op", [(info.name, number) for number, info in enumerate(OPCODES)])
BY_NAME: dict[str, OpInfo] = {info.name: info for info in OPCODES}
#: The field value that says "the constant index is in the next EXTRAARG".
K_IN_EXTRAARG = MAX_C

assert len(OPCODES) <= 1 << SIZE_OP, "the opcode field is 7 bits"


# ------------------------------------------------------------------ encoding

class EncodingError(ValueError):
    """An operand does not fit its field (the compiler checks limits first)."""


def _field(value: int, size: int, what: str) -> int:
    if not 0 <= value < (1 << size):
        raise EncodingError(f"{what} {value} does not fit in {size} bits")
    return value


def encode(op: int, a: int = 0, b: int = 0, c: int = 0, k: int = 0, bx: int | None = None,
           sbx: int | None = None, sj: int | None = None) -> int:
    """One instruction word. Pass `bx`, `sbx` or `sj` for the formats that have them."""
    info = OPCODES[op]
    word = op
    if info.format == "isJ":
        return word | _field((sj or 0) + OFFSET_SJ, SIZE_SJ, "sJ") << POS_SJ
    word |= _field(a, SIZE_A, "A") << POS_A
    if info.format == "iABx":
        return word | _field(bx or 0, SIZE_BX, "Bx") << POS_BX
    if info.format == "iAsBx":
        return word | _field((sbx or 0) + OFFSET_SBX, SIZE_BX, "sBx") << POS_BX
    return (word | _field(k, 1, "k") << POS_K | _field(b, SIZE_B, "B") << POS_B
            | _field(c, SIZE_C, "C") << POS_C)


@dataclass(frozen=True)
class Decoded:
    """Every field of a word; which ones mean something depends on `info.format`."""

    info: OpInfo
    op: int
    a: int
    b: int
    c: int
    k: int
    bx: int
    sbx: int
    sj: int

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def sb(self) -> int:
        return self.b - OFFSET_SC

    @property
    def sc(self) -> int:
        return self.c - OFFSET_SC


def decode(word: int) -> Decoded:
    op = word & ((1 << SIZE_OP) - 1)
    if op >= len(OPCODES):
        raise EncodingError(f"no instruction has opcode {op}")
    bx = (word >> POS_BX) & MAX_BX
    return Decoded(OPCODES[op], op, (word >> POS_A) & MAX_A, (word >> POS_B) & MAX_B,
                   (word >> POS_C) & MAX_C, (word >> POS_K) & 1, bx, bx - OFFSET_SBX,
                   ((word >> POS_SJ) & MAX_SJ) - OFFSET_SJ)


def opcode_of(word: int) -> int:
    return word & ((1 << SIZE_OP) - 1)


def with_a(word: int, a: int) -> int:
    """The word with its A field replaced (the compiler retargets results)."""
    return (word & ~(MAX_A << POS_A)) | _field(a, SIZE_A, "A") << POS_A


def with_k(word: int, k: int) -> int:
    return (word & ~(1 << POS_K)) | _field(k, 1, "k") << POS_K


def with_sj(word: int, sj: int) -> int:
    return (word & ((1 << POS_SJ) - 1)) | _field(sj + OFFSET_SJ, SIZE_SJ, "sJ") << POS_SJ


def fits_sc(value: int) -> bool:
    """Whether an int fits a signed immediate sB/sC."""
    return type(value) is int and -OFFSET_SC <= value <= MAX_C - OFFSET_SC


# ------------------------------------------------------------------ docs

_OPERAND_WORDS = {"R": "register", "K": "constant", "U": "upvalue", "P": "child proto",
                  "I": "signed immediate", "N": "count or index"}


def _operands(info: OpInfo) -> str:
    parts = []
    for field in ("a", "b", "c", "bx"):
        role = getattr(info, field)
        if role != "-":
            parts.append(f"{field.upper() if field != 'bx' else 'Bx'}: {_OPERAND_WORDS[role]}")
    if info.format == "iAsBx":
        parts.append("sBx: signed immediate")
    elif info.format == "isJ":
        parts.append("sJ: jump offset")
    if info.k:
        parts.append(f"k: {info.k}")
    return "; ".join(parts)


def render_markdown() -> str:
    """docs/bytecode.md, generated from `OPCODES`."""
    lines = [
        "# Esker bytecode",
        "",
        "Every instruction is a 32-bit word in one of Lua 5.4's four formats:",
        "",
        "```",
        "iABC   C(8) | B(8) | k(1) | A(8) | op(7)",
        "iABx        Bx(17)      | A(8) | op(7)",
        "iAsBx      sBx(17)      | A(8) | op(7)",
        "isJ              sJ(25)        | op(7)",
        "```",
        "",
        "`R[X]` is register X of the current frame, `K[X]` constant X of the function, `UpValue[X]`",
        "its upvalue X, `sB`/`sC` signed immediates (field - 127) and `pc` the index of the next",
        "instruction. Tests (`skips`) are always followed by a `JMP`; the VM fuses the pair into",
        "one step when it loads a function. A constant index too large for an 8-bit field is",
        "carried by an `EXTRAARG` word that follows the instruction.",
        "",
        f"This page is generated from `vm/opcodes.py` ({len(OPCODES)} instructions) by",
        "`python -m esker.vm.opcodes > docs/bytecode.md`.",
        "",
        "| # | name | format | meaning | operands |",
        "|---|---|---|---|---|",
    ]
    for number, info in enumerate(OPCODES):
        meaning = info.meaning.replace("|", "\\|")
        lines.append(f"| {number} | `{info.name}` | {info.format} | `{meaning}` | {_operands(info)} |")
    lines += ["", "## Notes", ""]
    for info in OPCODES:
        if info.notes:
            lines.append(f"- **{info.name}**: {info.notes}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
