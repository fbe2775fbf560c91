"""Debug information in protos, and the disassembler's records, text and JSON."""

from __future__ import annotations

import json

from esker.vm.disassembler import Options, format_proto, get_instructions, to_json
from esker.vm.parser import parse
from vm_support import compile_text, function

COUNT = """fn count(n) {
    let total = 0
    for i in 0..n {
        total += i
    }
    return total
}
print(count(3))
"""

LISTING = """\
function count (count.esk:1-7), 9 instructions
1 params (0 with defaults), 5 registers, 0 upvalues, 0 constants, 0 functions
    -- 2: let total = 0
       0  [2:17]     LOADI        R1 0
    -- 3: for i in 0..n {
       1  [3:14]     LOADI        R2 0
       2  [3:17]     MOVE         R3 R0 ; n
       3  [3:14]     FORPREP      R2 k0
       4  [3:14]     JMP          → 8
    -- 4: total += i
-->    5  [4:9]      ADD          R1 R1 R4 ; total, total, i
    -- 3: for i in 0..n {
       6  [3:5]      FORLOOP      R2
       7  [3:5]      JMP          → 5
    -- 6: return total
 >>    8  [6:5]      RETURN       R1 ; total
constants (0):
locals (3):
    n                R0    pc 0-9
    total            R1    pc 1-9
    i                R4    pc 5-6
upvalues (0):
"""


def _count():
    return function(compile_text(COUNT, "count.esk"), "count")


def test_listing_of_one_function():
    proto = _count()
    options = Options(recursive=False, source=parse(COUNT, "count.esk").source, current=(proto, 5))
    assert format_proto(proto, options) == LISTING


def test_recursive_listing_shows_every_function_with_its_details():
    text = format_proto(compile_text("let k = 1\nfn outer() { let x = k\n return fn () => x }"))
    assert text.count("function ") == 3
    assert "upvalues (1):" in text and "x                from the enclosing function's register 0" in text
    assert '"k"' in text and "<fn outer>" in text


def test_instruction_records_resolve_their_operands():
    records = get_instructions(_count())
    assert [record.pc for record in records] == list(range(9))
    assert records[3].opname == "FORPREP" and records[3].jump_target == 8
    assert records[4].text == "→ 8" and records[4].jump_target == 8
    assert records[5].comment == "total, total, i"
    assert (records[5].span.line, records[5].span.col) == (4, 9)


def test_json_is_plain_data():
    data = to_json(compile_text(COUNT, "count.esk"))
    assert json.loads(json.dumps(data)) == data
    child = data["protos"][0]
    assert child["name"] == "count" and child["instructions"][5]["opcode"] == "ADD"
    assert child["instructions"][5]["span"] == {"line": 4, "column": 9, "end_line": 4, "end_column": 19}
    assert child["locals"][0] == {"name": "n", "register": 0, "start_pc": 0, "end_pc": 9}


def test_every_instruction_has_a_span_and_locals_have_pc_ranges():
    proto = compile_text("fn f(a) { let b = a\n { let c = b\n print(c) }\n return fn () => b }\nprint(f(1)())")
    for item in proto.walk():
        assert len(item.spans) == len(item.code)
        for record in item.locals:
            assert 0 <= record.start_pc < record.end_pc <= len(item.code)
    f = function(proto, "f")
    assert [record.name for record in f.locals] == ["a", "b", "c"]
    assert [upvalue.name for upvalue in f.protos[0].upvalues] == ["b"]
    assert [record.name for record in f.locals_at(f.locals[2].start_pc)] == ["a", "b", "c"]


def test_lines_map_to_the_pcs_where_they_start():
    assert _count().lines_to_pcs() == {2: [0], 3: [1, 6], 4: [5], 6: [8]}


def test_walk_visits_parents_before_children():
    proto = compile_text("fn a() { fn b() {}\n return b }\nfn c() {}")
    assert [item.name for item in proto.walk()] == ["<module>", "a", "b", "c"]


def test_handlers_and_line_ranges():
    proto = function(compile_text("fn f() {\n try { g() }\n catch e { return e }\n}\nfn g() {}"), "f")
    (handler,) = proto.handlers
    assert handler.register == 0 and handler.start_pc < handler.end_pc <= handler.target_pc
    assert (proto.line_defined, proto.last_line) == (1, 4)
    assert "handlers (1):" in format_proto(proto)


def test_finally_handlers_are_told_apart_from_catch_handlers():
    proto = function(compile_text("fn f() {\n try { g() }\n catch e { g() }\n finally { g() }\n}\nfn g() {}"), "f")
    catch, final = proto.handlers
    assert (catch.is_finally, final.is_finally) == (False, True)
    assert final.start_pc == catch.start_pc and final.end_pc > catch.end_pc
    listing = format_proto(proto)
    assert f"→ {catch.target_pc} catch (closes from R{catch.level}, value in R{catch.register})" in listing
    assert f"→ {final.target_pc} finally (closes from R{final.level}, error in R{final.register})" in listing
    assert [handler["kind"] for handler in to_json(proto)["handlers"]] == ["catch", "finally"]


def test_source_lines_that_are_empty_have_no_trailing_space():
    source = "let x = 1\n\nprint(x)\n"
    text = format_proto(compile_text(source, "blank.esk"), Options(source=parse(source, "blank.esk").source))
    assert "    -- 4:" in text.splitlines()
    assert [line for line in text.splitlines() if line != line.rstrip()] == []
