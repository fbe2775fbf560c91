"""What data breakpoints know of the instructions and builtins (vm/watch.py):
the methods that change arrays and maps in place are real methods of the one
builtins table, and register writes are found for every kind of writer."""

from __future__ import annotations

from esker.vm.analysis import analyze
from esker.vm.runtime.builtins import LIBRARY
from esker.vm.watch import MUTATING_METHODS, writes_register


def test_the_mutating_methods_are_array_or_map_methods_of_the_builtins_table():
    known = set(LIBRARY.methods("array")) | set(LIBRARY.methods("map"))
    assert MUTATING_METHODS <= known, MUTATING_METHODS - known


def test_every_instruction_that_assigns_a_local_is_seen_as_writing_its_register():
    source = "fn f(n) {\n    let x = 0\n    x = n\n    x += 1\n    x = [x][0]\n    x = g(x)\n    return x\n}\nfn g(v) { return v }\nprint(f(1))\n"
    proto = next(p for p in analyze(source, "w.esk", compile=True).proto.walk() if p.name == "f")
    register = next(record.register for record in proto.locals if record.name == "x")
    lines = {proto.spans[pc].line for pc in range(len(proto.code)) if writes_register(proto, pc, register)}
    assert {2, 3, 4, 5, 6} <= lines
