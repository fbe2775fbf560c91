"""Compiled functions (contract 4): the one structure every tool reads.

The compiler turns each function, method and module body into a `Proto`:
its instruction words and constants, its nested protos, and the debug
information that maps it back to the source (a span per instruction, local
variables with the pcs where they are live, upvalue names, exception
handlers). The VM, the disassembler, the language server's hover and the
debugger all read protos and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterator

from .source import Span

#: Registers numbered from here on are far slots (the spill area of R[0]).
FAR_BASE = 256
#: Locals take registers below this; a function that needs more is compiled with
#: a spill area in R[0]: its parameters start at R[1], and those from register
#: LOCAL_LIMIT on (like every later local) live in far slots, in order.
LOCAL_LIMIT = 200


@dataclass(eq=False)
class UpvalueDesc:
    """How a closure finds upvalue `name` when it is created: register `index`
    of the enclosing function (`in_stack`), or that function's upvalue `index`."""

    name: str
    in_stack: bool
    index: int


@dataclass(eq=False)
class LocalVar:
    """Local `name` lives in `register` from `start_pc` up to (not including)
    `end_pc`. Registers from FAR_BASE on are far slots."""

    name: str
    register: int
    start_pc: int
    end_pc: int


@dataclass(eq=False)
class Handler:
    """A `try` block: an error raised by an instruction in [start_pc, end_pc)
    closes the upvalues of registers >= `level` (and of far slots >=
    `far_level`), stores the thrown value in `register` (None for a `catch`
    without a name) and continues at `target_pc`. Inner handlers come first.

    A `finally` handler (`is_finally`) covers a `try` body and its `catch`
    block; it does not catch: it stores the error itself (not the thrown value)
    in `register`, runs the `finally` block and throws the error again with
    RETHROW. It is also the only kind that `exit()` stops at on its way out."""

    start_pc: int
    end_pc: int
    target_pc: int
    level: int
    register: int | None
    far_level: int = 0
    is_finally: bool = False


@dataclass(eq=False)
class Proto:
    name: str | None  # None for an anonymous function; "<module>" for a module body
    source_path: str
    line_defined: int
    last_line: int
    num_params: int  # without the rest parameter
    has_rest: bool
    num_defaults: int  # trailing parameters that have a default
    max_registers: int  # the frame's size (far slots included)
    code: list[int] = field(default_factory=list)
    constants: list = field(default_factory=list)
    protos: list["Proto"] = field(default_factory=list)
    upvalues: list[UpvalueDesc] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    locals: list[LocalVar] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    is_generator: bool = False
    #: Far slots in the spill area (R[0]); 0 when every local has a register.
    num_far: int = 0
    #: For a module body: its top-level let/const/fn/struct/enum names (its members).
    exports: list[str] = field(default_factory=list)
    #: The whole function (declaration or literal), or the whole file for a module.
    span: Span | None = None

    @property
    def required_params(self) -> int:
        return self.num_params - self.num_defaults

    @property
    def display_name(self) -> str:
        return self.name or "<fn>"

    def walk(self) -> Iterator["Proto"]:
        """This proto and every proto nested in it, parents before children."""
        pending = [self]
        while pending:
            proto = pending.pop()
            yield proto
            pending.extend(reversed(proto.protos))

    def lines_to_pcs(self) -> dict[int, list[int]]:
        """Each source line to the pcs where a run of that line's instructions
        starts (a line can start more than once, e.g. a loop's condition)."""
        starts: dict[int, list[int]] = {}
        previous = None
        for pc, span in enumerate(self.spans):
            if span.line != previous:
                starts.setdefault(span.line, []).append(pc)
                previous = span.line
        return starts

    def locals_at(self, pc: int) -> list[LocalVar]:
        """The local variables live at `pc`, outer ones first."""
        return [record for record in self.locals if record.start_pc <= pc < record.end_pc]


def entry_registers(proto: Proto) -> int:
    """How many registers a call fills before pc 0 (parameters, rest, spill area)."""
    count = proto.num_params + proto.has_rest
    if proto.num_far:
        return 1 + min(count, LOCAL_LIMIT - 1)
    return count
