"""Instruction addresses: how the client names a bytecode instruction.

DAP clients point at code through memory references (`instructionPointerReference`,
`disassemble`, instruction breakpoints). Every proto the program loads gets a
range of a made-up address space, in load order, four bytes per 32-bit
instruction word, so an address names one (proto, pc) and the
Disassembly view can scroll from one function into the next.
"""

from __future__ import annotations

import bisect
import threading

from esker.vm.disassembler import get_instructions

from .channel import RequestFailed

#: Where the first proto starts; far from zero so that negative instruction
#: offsets before the first instruction still have positive addresses.
BASE = 0x1000_0000
#: Bytes per instruction word.
WIDTH = 4


class AddressSpace:
    """Addresses of every instruction of the loaded protos. Modules load on
    the program's thread while requests read addresses, hence the lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._starts: list[int] = []
        self._protos: list = []
        self._start_of: dict[int, int] = {}
        self._decoded: dict[int, list] = {}
        self._end = BASE

    def add(self, root) -> None:
        """Give addresses to `root` and every proto nested in it (once)."""
        with self._lock:
            for proto in root.walk():
                if id(proto) in self._start_of:
                    continue
                self._start_of[id(proto)] = self._end
                self._starts.append(self._end)
                self._protos.append(proto)
                self._end += WIDTH * len(proto.code)

    def reference(self, proto, pc: int) -> str:
        """The memory reference of instruction `pc` of `proto`."""
        if id(proto) not in self._start_of:
            self.add(proto)
        return format_address(self._start_of[id(proto)] + WIDTH * pc)

    def locate(self, address: int):
        """The (proto, pc) at `address`, or None if no instruction is there."""
        with self._lock:
            if address < BASE or address >= self._end:
                return None
            index = bisect.bisect_right(self._starts, address) - 1
            proto = self._protos[index]
            pc = (address - self._starts[index]) // WIDTH
        return (proto, pc) if pc < len(proto.code) else None

    def window(self, start: int, count: int, padding: int) -> list[int]:
        """The addresses of `count` instructions from `start`: every real
        instruction among them, and at most `padding` addresses without one on
        each side (those next to the real ones), so any count answers quickly."""
        with self._lock:
            low = max(0, -(-(BASE - start) // WIDTH))
            high = min(count, max(low, -(-(self._end - start) // WIDTH)))
        if low >= high:
            indices = range(min(count, padding))
        else:
            indices = [*range(max(0, low - padding), high), *range(high, min(count, high + padding))]
        return [start + WIDTH * index for index in indices]

    def instruction(self, proto, pc: int):
        """The disassembler's record of instruction `pc` of `proto`."""
        records = self._decoded.get(id(proto))
        if records is None:
            records = self._decoded[id(proto)] = get_instructions(proto)
        return records[pc]


def parse_reference(reference: str, offset: int = 0) -> int:
    """The address a client's memory reference plus a byte offset names."""
    try:
        value = int(reference, 16) if reference.lower().startswith("0x") else int(reference)
    except (ValueError, AttributeError):
        raise RequestFailed(f"{reference!r} is not a memory reference of this adapter") from None
    return value + offset


def format_address(address: int) -> str:
    """Hex for real addresses; a negative one (padding far before the first
    instruction) in decimal, which DAP also allows and clients parse."""
    return f"0x{address:08x}" if address >= 0 else str(address)
