"""Exact instruction sequences for small functions, as Lua's testes/code.lua
checks its code generator: registers, constants, folding, jumps and the
specialised instruction forms."""

from __future__ import annotations

import pytest

from vm_support import compile_text, function, listing, opnames

GOLDEN = {
    # Values land in their target register: no MOVE for results.
    "fn f(a, b) { return a + b }": ["ADD R2 R0 R1", "RETURN R2"],
    "fn f(a, b) { let x = a * b\n let y = x - 1\n return y }":
        ["MUL R2 R0 R1", "SUBK R3 R2 K0 k0", "RETURN R3"],
    # Constant folding with the runtime's own operators.
    "fn f() { return 2 * 3 + 1 }": ["LOADI R0 7", "RETURN R0"],
    'fn f() { return "ab" + "c" }': ["LOADK R0 K0", "RETURN R0"],
    "fn f() { return -2 ** 2 }": ["LOADI R0 -4", "RETURN R0"],
    # Immediate and constant comparisons fused with their jump.
    "fn f(n) { if n < 2 { return n }\n return n + 1 }":
        ["LTI R0 2 k0", "JMP → 3", "RETURN R0", "ADDI R1 R0 1 k0", "RETURN R1"],
    "fn f(n) { return n >= 100000 }":
        ["GEK R0 K0 k1", "JMP → 3", "LFALSESKIP R1", "LOADTRUE R1", "RETURN R1"],
    'fn f(s) { return s == "x" }': ["EQK R0 K0 k1", "JMP → 3", "LFALSESKIP R1", "LOADTRUE R1", "RETURN R1"],
    # The constant on the left stays on the left (error messages name the operands in order).
    "fn f(x) { return 1 - x }": ["SUBK R1 R0 K0 k1", "RETURN R1"],
    "fn f(x) { return 2 + x }": ["ADDI R1 R0 2 k1", "RETURN R1"],
    # and/or keep the deciding operand; `not` in a condition is a TEST.
    "fn f(a, b) { return a and b }": ["TESTSET R2 R0 k0", "JMP → 3", "MOVE R2 R1", "RETURN R2"],
    "fn f(a) { if not a { return 1 }\n return 2 }":
        ["TEST R0 k1", "JMP → 4", "LOADI R1 1", "RETURN R1", "LOADI R1 2", "RETURN R1"],
    "fn f(a) { return a ? 1 : 2 }": ["TEST R0 k0", "JMP → 4", "LOADI R1 1", "JMP → 5", "LOADI R1 2", "RETURN R1"],
    # A comparison's value: LFALSESKIP keeps the LOADTRUE it skips, even when no jump reaches it.
    "fn f(a, i) { return ((a == i) and (a + a)) + 1 }":
        ["EQ R0 R1 k0", "JMP → 4", "ADD R2 R0 R0", "JMP → 6", "LFALSESKIP R2", "LOADTRUE R2", "ADDI R2 R2 1 k0",
         "RETURN R2"],
    # Loops: numeric for over a range, generic for, while.
    "fn f(n) { let i = 0\n while i < n { i += 1 }\n return i }":
        ["LOADI R1 0", "LT R1 R0 k0", "JMP → 5", "ADDI R1 R1 1 k0", "JMP → 1", "RETURN R1"],
    "fn f(n) { let t = 0\n for i in 0..n { t += i }\n return t }":
        ["LOADI R1 0", "LOADI R2 0", "MOVE R3 R0", "FORPREP R2 k0", "JMP → 8", "ADD R1 R1 R4", "FORLOOP R2",
         "JMP → 5", "RETURN R1"],
    "fn f(xs) { let t = 0\n for x in xs { t += x }\n return t }":
        ["LOADI R1 0", "MOVE R2 R0", "ITERPREP R2 k0", "JMP → 5", "ADD R1 R1 R4", "FORITER R2 k0", "JMP → 4",
         "RETURN R1"],
    # A tail call replaces the frame; nothing follows it.
    "fn f(n) { return f(n - 1) }": ["GETGLOBAL R1 K0", "SUBK R2 R0 K1 k0", "TAILCALL R1 1"],
    # No code after return.
    "fn f() { return 1\n print(2) }": ["LOADI R0 1", "RETURN R0"],
    "fn f() { return nil }": ["RETURN0"],
    # Fields by constant name, elements by immediate index.
    "fn f(p) { p.x += 1\n return p.x }":
        ["GETFIELD R1 R0 K0", "ADDI R1 R1 1 k0", "SETFIELD R0 R1 K0", "GETFIELD R1 R0 K0", "RETURN R1"],
    "fn f(a, i) { a[i] = a[0]\n return a[i] }":
        ["GETINDEXI R2 R0 0", "SETINDEX R0 R1 R2", "GETINDEX R2 R0 R1", "RETURN R2"],
    # Membership is one instruction, `not in` its k form; constant operands fold.
    "fn f(x, xs) { return x not in xs }": ["IN R2 R0 R1 k1", "RETURN R2"],
    "fn f(xs) { if 3 in xs { return 1 }\n return 2 }":
        ["LOADI R1 3", "IN R1 R1 R0 k0", "TEST R1 k0", "JMP → 6", "LOADI R1 1", "RETURN R1", "LOADI R1 2",
         "RETURN R1"],
    'fn f() { return "b" in "abc" }': ["LOADTRUE R0", "RETURN R0"],
    # A slice's bounds sit in two registers, nil for a bound left out.
    "fn f(a, i) { return a[i:] }": ["MOVE R2 R1", "LOADNIL R3 0", "GETSLICE R2 R0 R2", "RETURN R2"],
    "fn f(a) { return a[:-1] }": ["LOADNIL R1 0", "LOADI R2 -1", "GETSLICE R1 R0 R1", "RETURN R1"],
    # The new compound assignments use the same arithmetic instructions.
    "fn f(n) { n **= 2\n n <<= 1\n return n }": ["POWK R0 R0 K0 k0", "SHLK R0 R0 K1 k0", "RETURN R0"],
    # Literals of constants are one instruction.
    "fn f() { return [1, 2, 3] }": ["NEWARRAYK R0 K0", "RETURN R0"],
    'fn f() { return (1, "a") }': ["LOADK R0 K0", "RETURN R0"],
    'fn f() { return {"a": 1} }': ["NEWMAPK R0 K0", "RETURN R0"],
    "fn f(x) { return [x, 2] }": ["MOVE R2 R0", "LOADI R3 2", "NEWARRAY R1 2", "RETURN R1"],
    "fn f(s) { let u = s.upper()\n return u }": ["MOVE R1 R0", "METHOD R1 0 K0", "RETURN R1"],
    # A method call in tail position replaces the frame when it reaches an Esker function.
    "fn f(s) { return s.upper() }": ["MOVE R1 R0", "TAILMETHOD R1 0 K0"],
    # `finally` is compiled once; the exit number in R1 says how it was entered.
    "fn f(s) { try { return s.upper() } finally { }\n }": [
        "MOVE R3 R0", "METHOD R3 0 K0", "MOVE R2 R3", "LOADI R1 2", "EQI R1 1 k1", "JMP → 9", "EQI R1 2 k1",
        "JMP → 10", "JMP → 13", "RETHROW R2", "RETURN R2", "LOADI R1 1", "JMP → 4", "RETURN0"],
    # Swapping through a tuple literal builds no tuple.
    "fn f() { let a = 1\n let b = 2\n (a, b) = (b, a)\n return a }":
        ["LOADI R0 1", "LOADI R1 2", "MOVE R2 R1", "MOVE R3 R0", "MOVE R0 R2", "MOVE R1 R3", "RETURN R0"],
    # A parameter's default runs only when the argument is missing; then the generator starts.
    "fn f(n = 3) { yield n }": ["TESTARG R0", "JMP → 3", "LOADI R0 3", "GENSTART", "YIELD R0", "RETURN0"],
    # Each iteration's captured loop variable is closed at the end of the iteration.
    "fn f() { let fs = []\n for i in 0..3 { fs.push(fn () => i) }\n return fs }":
        ["NEWARRAY R0 0", "LOADI R1 0", "LOADI R2 3", "FORPREP R1 k0", "JMP → 11", "MOVE R4 R0", "CLOSURE R5 P0",
         "METHOD R4 1 K0", "CLOSE 3 0", "FORLOOP R1", "JMP → 5", "RETURN R0"],
    # A try block needs no instruction: its handler is in the table.
    "fn f() { try { g() } catch e { return e }\n return nil }\nfn g() {}":
        ["GETGLOBAL R0 K0", "CALL R0 0", "JMP → 4", "RETURN R0", "RETURN0"],
    "fn f(v) { return match v { 0 => \"zero\", (a, b) => a, _ => nil } }":
        ["MOVE R2 R0", "EQI R2 0 k0", "JMP → 5", "LOADK R1 K0", "JMP → 12", "TESTTUPLE R2 2", "JMP → 11",
         "GETINDEXI R3 R2 0", "GETINDEXI R4 R2 1", "MOVE R1 R3", "JMP → 12", "LOADNIL R1 0", "RETURN R1"],
}


@pytest.mark.parametrize("source", list(GOLDEN))
def test_golden_sequence(source):
    assert listing(function(compile_text(source), "f")) == GOLDEN[source]


def test_closures_read_and_write_upvalues():
    proto = compile_text("fn f() { let c = 0\n return fn () { c += 1\n return c } }")
    inner = function(proto, "f").protos[0]
    assert listing(inner) == ["GETUPVAL R0 U0", "ADDI R0 R0 1 k0", "SETUPVAL R0 U0", "GETUPVAL R0 U0", "RETURN R0"]
    assert [(item.name, item.in_stack, item.index) for item in inner.upvalues] == [("c", True, 0)]


def test_upvalues_chain_through_enclosing_functions():
    # g is declared in f's block, so it takes R0 when the block starts and x gets R1.
    proto = compile_text("fn f() { let x = 1\n fn g() { fn h() { return x }\n return h }\n return g }")
    h = function(proto, "h")
    g = function(proto, "g")
    assert [(item.name, item.in_stack, item.index) for item in h.upvalues] == [("x", False, 0)]
    assert [(item.name, item.in_stack, item.index) for item in g.upvalues] == [("x", True, 1)]


def test_constants_are_pooled_by_type():
    proto = function(compile_text('fn f(x) { return [x, 1, 1.0, "1", 1, 1.0] }'), "f")
    assert proto.constants == [1.0, "1"]


def test_module_names_are_globals_and_builtins_are_named_apart():
    proto = compile_text("let x = 1\nprint(x)\nx = 2")
    assert listing(proto) == ["LOADI R0 1", "DEFGLOBAL R0 K0", "GETBUILTIN R0 K1", "GETGLOBAL R1 K0", "CALL R0 1",
                              "LOADI R0 2", "DEFGLOBAL R0 K0", "RETURN0"]
    assert proto.exports == ["x"]


def test_known_constants_are_folded_everywhere():
    proto = compile_text("const N = 10\nfn f() { const K = 3\n return N * K }")
    assert listing(function(proto, "f")) == ["LOADI R0 3", "LOADI R1 30", "RETURN R1"]


def test_functions_assigning_globals_check_they_exist():
    proto = compile_text("let x = 1\nfn f() { x = 2 }")
    assert "SETGLOBAL" in opnames(function(proto, "f"))


def test_jumps_to_jumps_are_threaded():
    proto = function(compile_text("fn f(a) { while a { if a { a = nil } } }"), "f")
    code = listing(proto)
    for index, text in enumerate(code):
        if text.startswith("JMP"):
            target = int(text.split("→")[1])
            assert not (target < len(code) and code[target].startswith("JMP") and not code[target - 1].startswith(
                ("TEST", "EQ", "LT", "LE", "GT", "GE", "FOR"))), code


def test_long_arrays_are_built_in_batches():
    items = ", ".join(f"x + {i}" for i in range(120))
    names = opnames(function(compile_text(f"fn f(x) {{ return [{items}] }}"), "f"))
    assert names.count("NEWARRAY") == 1 and names.count("SETLIST") == 2


def test_deep_expressions_save_their_temporaries():
    nested = " ** ".join(["(x + 1)"] * 300)  # right-associative: every left operand waits in a register
    names = opnames(function(compile_text(f"fn f(x) {{ return {nested} }}"), "f"))
    assert "SAVE" in names and "RESTORE" in names


def test_hundreds_of_locals_use_far_slots():
    lets = "\n".join(f"let v{i} = {i}" for i in range(300))
    proto = function(compile_text(f"fn f() {{\n{lets}\nreturn v299 }}"), "f")
    assert proto.num_far > 0 and "SETFAR" in opnames(proto) and "GETFAR" in opnames(proto)
    assert max(record.register for record in proto.locals) >= 256


def test_calls_with_more_arguments_than_registers_spread_an_array():
    arguments = ", ".join(str(i) for i in range(300))
    names = opnames(compile_text(f"print({arguments})"))
    assert "CALLX" in names and "CALL" not in names


def test_huge_constant_indexes_use_extraarg():
    lines = "\n".join(f"t += x.f{i}" for i in range(300))
    names = opnames(function(compile_text(f"fn f(x) {{ let t = 0\n{lines}\nreturn t }}"), "f"))
    assert "EXTRAARG" in names
