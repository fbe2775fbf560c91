"""Bytecode files (`.eskc`): a compiled module, saved and loaded safely.

Layout:

    magic   b"ESKC"
    version u16 big-endian (FORMAT_VERSION)
    length  u32 big-endian: bytes of payload
    crc32   u32 big-endian: of the payload
    payload zlib-compressed JSON of the proto tree

JSON keeps the format readable with ordinary tools and independent of the
Python version (unlike marshal or pickle, which could also run code on
load). Constants are tagged so tuples, floats (`inf`, `-0.0`) and big ints
survive exactly. Loading checks, in order: the magic, the version, the
length (truncation), the checksum (corruption), the structure, and finally
every instruction's operands against its proto (registers, constants,
upvalues, child protos, jump targets), so a file that loads can never make
the VM index outside a frame. Each failure is a `BytecodeError` whose
message says what is wrong and what to do.
"""

from __future__ import annotations

import json
import struct
import zlib

from . import opcodes
from .proto import Handler, LocalVar, Proto, UpvalueDesc
from .source import Span

MAGIC = b"ESKC"
FORMAT_VERSION = 4
_HEADER = struct.Struct(">4sHII")


class BytecodeError(Exception):
    """A bytecode file that cannot be loaded; the message is for people."""


# ------------------------------------------------------------------- saving

def dump(proto: Proto) -> bytes:
    """The bytes of a `.eskc` file holding `proto` and its nested protos."""
    payload = zlib.compress(json.dumps(_proto_to_json(proto), separators=(",", ":")).encode("utf-8"))
    return _HEADER.pack(MAGIC, FORMAT_VERSION, len(payload), zlib.crc32(payload)) + payload


def _proto_to_json(proto: Proto) -> dict:
    return {
        "name": proto.name, "source": proto.source_path, "lines": [proto.line_defined, proto.last_line],
        "params": [proto.num_params, proto.has_rest, proto.num_defaults],
        "registers": proto.max_registers, "far": proto.num_far, "generator": proto.is_generator,
        "code": proto.code, "constants": [_constant_to_json(value) for value in proto.constants],
        "protos": [_proto_to_json(child) for child in proto.protos],
        "upvalues": [[u.name, u.in_stack, u.index] for u in proto.upvalues],
        "spans": [_span_to_json(span) for span in proto.spans],
        "locals": [[v.name, v.register, v.start_pc, v.end_pc] for v in proto.locals],
        "handlers": [[h.start_pc, h.end_pc, h.target_pc, h.level, h.register, h.far_level, h.is_finally]
                     for h in proto.handlers],
        "exports": proto.exports, "span": _span_to_json(proto.span) if proto.span else None,
    }


def _span_to_json(span: Span) -> list[int]:
    return [span.start, span.end, span.line, span.col, span.end_line, span.end_col]


def _constant_to_json(value) -> list:
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", str(value)]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, tuple):
        return ["t", [_constant_to_json(item) for item in value]]
    raise BytecodeError(f"cannot save a constant of type {type(value).__name__} in a bytecode file")


# ------------------------------------------------------------------ loading

def load(data: bytes, path: str = "<bytecode>") -> Proto:
    """The module proto stored in `data`; raises `BytecodeError`."""
    if len(data) < _HEADER.size:
        raise BytecodeError(f"{path}: not an Esker bytecode file (too short: {len(data)} bytes)")
    magic, version, length, checksum = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise BytecodeError(f"{path}: not an Esker bytecode file (compile one with `esker compile`)")
    if version != FORMAT_VERSION:
        raise BytecodeError(f"{path}: bytecode format version {version}, but this Esker reads version "
                            f"{FORMAT_VERSION}; compile the source again with `esker compile`")
    payload = data[_HEADER.size:]
    if len(payload) != length:
        raise BytecodeError(f"{path}: the file is truncated or has extra bytes ({len(payload)} bytes of "
                            f"bytecode, the header says {length})")
    if zlib.crc32(payload) != checksum:
        raise BytecodeError(f"{path}: the file is corrupt (checksum mismatch)")
    try:
        tree = json.loads(zlib.decompress(payload).decode("utf-8"))
        proto = _proto_from_json(tree)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, zlib.error, RecursionError) as error:
        raise BytecodeError(f"{path}: malformed bytecode ({error.__class__.__name__}: {error})") from None
    for each in proto.walk():
        problem = verify(each)
        if problem:
            raise BytecodeError(f"{path}: invalid bytecode in {each.display_name}: {problem}")
    return proto


def _proto_from_json(tree: dict) -> Proto:
    line_defined, last_line = tree["lines"]
    num_params, has_rest, num_defaults = tree["params"]
    proto = Proto(
        name=_optional(tree["name"], str), source_path=_of(tree["source"], str),
        line_defined=_of(line_defined, int), last_line=_of(last_line, int),
        num_params=_of(num_params, int), has_rest=_of(has_rest, bool), num_defaults=_of(num_defaults, int),
        max_registers=_of(tree["registers"], int),
        code=[_of(word, int) for word in tree["code"]],
        constants=[_constant_from_json(item) for item in tree["constants"]],
        protos=[_proto_from_json(child) for child in tree["protos"]],
        upvalues=[UpvalueDesc(_of(n, str), _of(s, bool), _of(i, int)) for n, s, i in tree["upvalues"]],
        spans=[_span_from_json(item) for item in tree["spans"]],
        locals=[LocalVar(_of(n, str), _of(r, int), _of(s, int), _of(e, int)) for n, r, s, e in tree["locals"]],
        handlers=[Handler(_of(s, int), _of(e, int), _of(t, int), _of(lv, int), _optional(r, int), _of(f, int),
                          _of(fin, bool))
                  for s, e, t, lv, r, f, fin in tree["handlers"]],
        is_generator=_of(tree["generator"], bool), num_far=_of(tree["far"], int),
        exports=[_of(name, str) for name in tree["exports"]],
        span=_span_from_json(tree["span"]) if tree["span"] is not None else None,
    )
    return proto


def _of(value, kind):
    if type(value) is not kind:
        raise TypeError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _optional(value, kind):
    return None if value is None else _of(value, kind)


def _span_from_json(item) -> Span:
    return Span(*(_of(number, int) for number in item))


def _constant_from_json(item):
    tag = item[0]
    if tag == "n":
        return None
    if tag == "b":
        return _of(item[1], bool)
    if tag == "i":
        return int(_of(item[1], str))
    if tag == "f":
        return float(_of(item[1], str))
    if tag == "s":
        return _of(item[1], str)
    if tag == "t":
        return tuple(_constant_from_json(part) for part in item[1])
    raise ValueError(f"unknown constant tag {tag!r}")


# ----------------------------------------------------------------- verifier

def verify(proto: Proto) -> str | None:
    """Why `proto` is unsafe to run, or None. Checks what the VM trusts:
    every operand against the proto's sizes and every jump inside the code."""
    size = len(proto.code)
    if len(proto.spans) != size:
        return f"{size} instructions but {len(proto.spans)} source positions"
    if not size:
        return "no instructions"
    limits = {"R": proto.max_registers, "K": len(proto.constants), "U": len(proto.upvalues),
              "P": len(proto.protos)}
    for pc, word in enumerate(proto.code):
        try:
            decoded = opcodes.decode(word)
        except opcodes.EncodingError:
            return f"pc {pc}: unknown opcode in word 0x{word:08x}"
        problem = _operand_problem(proto, decoded, limits) or _jump_problem(decoded, pc, size)
        if problem:
            return f"pc {pc} ({decoded.name}): {problem}"
    for handler in proto.handlers:
        if not (0 <= handler.start_pc <= handler.end_pc <= size and 0 <= handler.target_pc < size):
            return "an exception handler points outside the code"
        if handler.is_finally and handler.register is None:
            return "a finally handler has no register for the error"
    return None


def _operand_problem(proto: Proto, decoded: opcodes.Decoded, limits: dict[str, int]) -> str | None:
    info = decoded.info
    for field in ("a", "b", "c", "bx"):
        kind = getattr(info, field)
        value = getattr(decoded, field)
        if kind in limits and value >= limits[kind]:
            return f"operand {field.upper()}={value} is out of range (limit {limits[kind]})"
    if info.name in ("GETFAR", "SETFAR") and decoded.bx >= proto.num_far:
        return f"far slot {decoded.bx} is out of range ({proto.num_far})"
    if info.name == "GETSLICE" and decoded.c + 1 >= limits["R"]:
        return f"operand C+1={decoded.c + 1} is out of range (limit {limits['R']})"
    return None


def _jump_problem(decoded: opcodes.Decoded, pc: int, size: int) -> str | None:
    if decoded.info.format != "isJ":
        return None
    target = pc + 1 + decoded.sj
    return None if 0 <= target < size else f"jump to {target} outside the code (0..{size - 1})"
