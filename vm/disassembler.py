"""Reading protos back as text or data, in the spirit of `luac -l -l` and CPython's dis.

Layers, as in `dis.py`: each word is decoded (opcodes.decode), its operands
are resolved against the proto (constants, register names, upvalues, child
functions, jump targets) into an `Instruction` record, and a formatter turns
records into lines. Programs use `get_instructions` or `to_json`; people read
`format_proto`. `esker dis`, the language server's bytecode hover and the
debugger's disassembly all come from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .opcodes import K_IN_EXTRAARG, OFFSET_SC, decode
from .proto import FAR_BASE, Proto
from .runtime.printing import to_repr
from .source import SourceText, Span


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction. `args` are its operands as numbers (immediates
    signed, jumps as offsets); `text` shows them, `comment` says what they
    name; `jump_target` is the pc a jump (or a test's jump) may go to."""

    pc: int
    opname: str
    args: tuple[int, ...]
    word: int
    span: Span | None
    text: str
    comment: str
    jump_target: int | None


@dataclass(frozen=True)
class Options:
    """What `format_proto` shows."""

    recursive: bool = True
    details: bool = True  # constants, locals, upvalues and handlers after the code
    source: SourceText | None = None  # when given, a line's text is shown where the line changes
    current: tuple[Proto, int] | None = None  # marked with -->


def get_instructions(proto: Proto) -> list[Instruction]:
    return [_instruction(proto, pc) for pc in range(len(proto.code))]


def _constant_index(proto: Proto, pc: int, field_value: int) -> int:
    """A constant operand, following an EXTRAARG when the field is full."""
    if field_value == K_IN_EXTRAARG and pc + 1 < len(proto.code):
        following = decode(proto.code[pc + 1])
        if following.info.name == "EXTRAARG":
            return following.bx
    return field_value


def _register_name(proto: Proto, pc: int, reg: int) -> str | None:
    for record in reversed(proto.locals_at(pc)):
        if record.register == reg:
            return record.name
    return None


def _operand(proto: Proto, pc: int, role: str, value: int) -> tuple[str, str | None]:
    """(text, comment) of one operand."""
    if role == "R":
        prefix = "F" if value >= FAR_BASE else "R"
        return f"{prefix}{value - FAR_BASE if value >= FAR_BASE else value}", _register_name(proto, pc, value)
    if role == "K":
        index = _constant_index(proto, pc, value)
        shown = to_repr(proto.constants[index]) if index < len(proto.constants) else "?"
        return f"K{index}", shown
    if role == "U":
        name = proto.upvalues[value].name if value < len(proto.upvalues) else "?"
        return f"U{value}", name
    if role == "P":
        child = proto.protos[value] if value < len(proto.protos) else None
        if child is None:
            return f"P{value}", "?"
        return f"P{value}", f"<fn {child.name}>" if child.name else "<fn>"
    if role == "I":
        return str(value - OFFSET_SC), None
    return str(value), None


def _instruction(proto: Proto, pc: int) -> Instruction:
    word = proto.code[pc]
    decoded = decode(word)
    info = decoded.info
    span = proto.spans[pc] if pc < len(proto.spans) else None
    if info.format == "isJ":
        target = pc + 1 + decoded.sj
        return Instruction(pc, info.name, (decoded.sj,), word, span, f"→ {target}", "", target)
    if info.format == "iAsBx":
        return Instruction(pc, info.name, (decoded.a, decoded.sbx), word, span,
                           f"R{decoded.a} {decoded.sbx}", "", None)
    fields = [("a", decoded.a)] + ([("bx", decoded.bx)] if info.format == "iABx" else
                                   [("b", decoded.b), ("c", decoded.c)])
    texts, comments, args = [], [], []
    for field, value in fields:
        role = getattr(info, field)
        if role == "-":
            continue
        text, comment = _operand(proto, pc, role, value)
        texts.append(text)
        args.append(value - OFFSET_SC if role == "I" else value)
        if comment is not None:
            comments.append(comment)
    if info.k:
        texts.append(f"k{decoded.k}")
        args.append(decoded.k)
    if info.name == "CONCAT" and decoded.b:
        comments.append(f"R{decoded.a} .. R{decoded.a + decoded.b - 1}")
    target = _test_target(proto, pc) if info.skips else None
    return Instruction(pc, info.name, tuple(args), word, span, " ".join(texts), ", ".join(comments), target)


def _test_target(proto: Proto, pc: int) -> int | None:
    """Where the JMP after a test goes."""
    following = pc + 1
    if following < len(proto.code) and decode(proto.code[following]).info.name == "EXTRAARG":
        following += 1
    if following < len(proto.code) and decode(proto.code[following]).info.name == "JMP":
        return following + 1 + decode(proto.code[following]).sj
    return None


# ------------------------------------------------------------------ text

def _header(proto: Proto) -> list[str]:
    lines = f"{proto.line_defined}-{proto.last_line}"
    rest = ", rest" if proto.has_rest else ""
    kind = "generator " if proto.is_generator else ""
    return [
        f"{kind}function {proto.display_name} ({proto.source_path}:{lines}), {len(proto.code)} instructions",
        f"{proto.num_params} params{rest} ({proto.num_defaults} with defaults), {proto.max_registers} registers, "
        f"{len(proto.upvalues)} upvalues, {len(proto.constants)} constants, {len(proto.protos)} functions"
        + (f", {proto.num_far} far slots" if proto.num_far else ""),
    ]


def _code_lines(proto: Proto, options: Options) -> list[str]:
    records = get_instructions(proto)
    targets = {record.jump_target for record in records if record.jump_target is not None}
    targets |= {handler.target_pc for handler in proto.handlers}
    lines: list[str] = []
    previous_line = None
    for record in records:
        span = record.span
        if options.source is not None and span is not None and span.line != previous_line:
            lines.append(f"    -- {span.line}: {options.source.line_text(span.line).strip()}".rstrip())
        previous_line = span.line if span is not None else previous_line
        current = options.current is not None and options.current[0] is proto and options.current[1] == record.pc
        marker = "-->" if current else (">>" if record.pc in targets else "")
        where = f"[{span.line}:{span.col}]" if span is not None else "[-]"
        comment = f" ; {record.comment}" if record.comment else ""
        lines.append(f"{marker:>3} {record.pc:>4}  {where:<10} {record.opname:<12} {record.text}{comment}".rstrip())
    return lines


def _detail_lines(proto: Proto) -> list[str]:
    lines = [f"constants ({len(proto.constants)}):"]
    lines += [f"    {index:>4}  {to_repr(value)}" for index, value in enumerate(proto.constants)]
    lines.append(f"locals ({len(proto.locals)}):")
    for record in proto.locals:
        where = f"F{record.register - FAR_BASE}" if record.register >= FAR_BASE else f"R{record.register}"
        lines.append(f"    {record.name:<16} {where:<5} pc {record.start_pc}-{record.end_pc}")
    lines.append(f"upvalues ({len(proto.upvalues)}):")
    for index, upvalue in enumerate(proto.upvalues):
        origin = f"register {upvalue.index}" if upvalue.in_stack else f"upvalue {upvalue.index}"
        lines.append(f"    {index:>4}  {upvalue.name:<16} from the enclosing function's {origin}")
    if proto.handlers:
        lines.append(f"handlers ({len(proto.handlers)}):")
        for handler in proto.handlers:
            kind = "finally" if handler.is_finally else "catch"
            held = "error" if handler.is_finally else "value"
            caught = f", {held} in R{handler.register}" if handler.register is not None else ""
            lines.append(f"    pc {handler.start_pc}-{handler.end_pc} → {handler.target_pc} {kind} "
                         f"(closes from R{handler.level}{caught})")
    return lines


def format_proto(proto: Proto, options: Options | None = None) -> str:
    """The listing of a proto (and, by default, of every function nested in it)."""
    options = options or Options()
    sections = []
    for item in (proto.walk() if options.recursive else [proto]):
        lines = _header(item) + _code_lines(item, options)
        if options.details:
            lines += _detail_lines(item)
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


# ------------------------------------------------------------------ data

def _span_json(span: Span | None) -> dict | None:
    if span is None:
        return None
    return {"line": span.line, "column": span.col, "end_line": span.end_line, "end_column": span.end_col}


def to_json(proto: Proto) -> dict:
    """The proto as plain data (for `esker dis --json` and other tools)."""
    return {
        "name": proto.name,
        "source_path": proto.source_path,
        "line_defined": proto.line_defined,
        "last_line": proto.last_line,
        "num_params": proto.num_params,
        "has_rest": proto.has_rest,
        "num_defaults": proto.num_defaults,
        "max_registers": proto.max_registers,
        "num_far": proto.num_far,
        "is_generator": proto.is_generator,
        "instructions": [
            {"pc": record.pc, "opcode": record.opname, "args": list(record.args), "word": record.word,
             "text": record.text, "comment": record.comment, "jump_target": record.jump_target,
             "span": _span_json(record.span)}
            for record in get_instructions(proto)],
        "constants": [to_repr(value) for value in proto.constants],
        "locals": [{"name": record.name, "register": record.register, "start_pc": record.start_pc,
                    "end_pc": record.end_pc} for record in proto.locals],
        "upvalues": [{"name": upvalue.name, "in_stack": upvalue.in_stack, "index": upvalue.index}
                     for upvalue in proto.upvalues],
        "handlers": [{"start_pc": handler.start_pc, "end_pc": handler.end_pc, "target_pc": handler.target_pc,
                      "level": handler.level, "register": handler.register,
                      "kind": "finally" if handler.is_finally else "catch"} for handler in proto.handlers],
        "protos": [to_json(child) for child in proto.protos],
    }
