"""The string forms of §13.3 on both engines (and the VM's Python tier): what
each prints, how a spec that does not fit fails (kind and position), the
instructions the compiler makes for f-strings, and generated f-strings with
random specs and values, which must print the same on the tree-walker, the
VM and the tier and agree with Python's `format` where Esker follows it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from esker.vm.disassembler import get_instructions
from esker.vm.runtime.formatting import SpecError, parse_spec
from vm_support import compile_text, listing, opnames, run

ENGINES = ["vm", "tree"]


def both(text: str) -> str:
    """What the program prints; both engines, and the VM with everything
    compiled by its Python tier, must agree, error report included."""
    vm, tree, tier = run(text, "vm"), run(text, "tree"), run(text, "vm", tier_threshold=0)
    assert vm.text == tree.text == tier.text
    return vm.text


@pytest.mark.parametrize("program, printed", [
    ('let n = 41\nprint(f"hello {n + 1}!")', "hello 42!\n"),
    ('print(f"")', "\n"),
    ('print(f"{{}} {{x}}")', "{} {x}\n"),
    ('let xs = [1, "a"]\nprint(f"{xs} {xs.len()} {(1,)} {nil} {true}")', '[1, "a"] 2 (1,) nil true\n'),
    ('let m = {"k": 3}\nprint(f"{m["k"]:03d} { {"a": 1}["a"] }")', "003 1\n"),
    ('let n = 5\nprint(f"{f"{n}" + "!"} {f"{f"{n}"}"}")', "5! 5\n"),
    ('let c = true\nprint(f"{(c ? "yes" : "no"):>5}|")', "  yes|\n"),
    ('fn twice(x) { return x * 2 }\nprint(f"{twice(21)} {(fn (v) => v + 1)(1)}")', "42 2\n"),
    ('print(f"{1 + 2} {"lit"} {-1.5} {nil}")', "3 lit -1.5 nil\n"),
    ('let s = "x"\nprint(f"{s}".upper() + f"{s:*^5}")', "X**x**\n"),
    ('let w = "world"\nprint(f"""\nhello\n  {w}\n""")', "hello\n  world\n\n"),
    ('let w = 1\nprint(rf"\\d{w}\\n")', "\\d1\\n\n"),
    ('print(r"C:\\new\\table" + "|", """a\n"b"\tc""")', 'C:\\new\\table| a\n"b"\tc\n'),
    ('let t = f"""{1 +\n  2:>3}"""\nprint(t)', "  3\n"),
])
def test_each_string_form_prints_the_same_on_both_engines(program, printed):
    assert both(program) == printed


def test_fields_are_converted_in_order_as_they_are_reached():
    # As in Python: each field's text is made when the field is evaluated.
    assert both('let xs = [1]\nprint(f"{xs} {xs.push(2)} {xs}")') == "[1] nil [1, 2]\n"


def test_a_long_f_string_is_joined_in_batches():
    fields = " ".join(f"{{v + {index}}}" for index in range(300))
    printed = both(f'let v = 0\nprint(f"{fields}")')
    assert printed == " ".join(str(index) for index in range(300)) + "\n"


def test_a_spec_that_does_not_fit_raises_value_error_at_the_field():
    text = 'let name = "Esker"\nfn show() {\n    return f"<{name:d}>"\n}\nshow()\n'
    report = both(text)
    assert report.splitlines() == [
        "error[ValueError]: cannot format str with `d`: the type `d` needs a number",
        "  at show (test.esk:3:16)",
        "  at <module> (test.esk:5:1)"]


def test_a_value_error_from_a_spec_can_be_caught():
    assert both('try {\n    print(f"{true:.2f}")\n} catch e {\n    print(e.kind)\n}') == "ValueError\n"


def test_a_field_yielding_inside_a_generator_resumes_correctly():
    text = ('fn gen() {\n    let s = f"a{match 1 { _ => { yield 5 } }}b{2:>2}"\n    yield s\n}\n'
            'for x in gen() { print(x) }')
    assert both(text) == "5\nanilb 2\n"


# ------------------------------------------------------------------ the instructions

def test_an_f_string_compiles_to_its_pieces_and_one_concat():
    proto = compile_text('let n = 1\nprint(f"a{n}b{n:>3}")')
    assert listing(proto)[3:11] == [
        "LOADK R1 K2", "GETGLOBAL R2 K0", "TOSTR R2 R2", "LOADK R3 K3", "GETGLOBAL R4 K0",
        "FORMAT R4 R4 K4", "CONCAT R1 4", "CALL R0 1"]


def test_a_local_is_converted_straight_from_its_register():
    proto = compile_text('fn f(n) { return f"{n}" }')
    (inner,) = proto.protos
    assert listing(inner)[:2] == ["TOSTR R1 R0", "RETURN R1"]


def test_constant_fields_and_text_fold_into_one_constant():
    proto = compile_text('let s = f"a{1 + 2}{"b"}{nil}{{"\nprint(s)')
    assert "CONCAT" not in opnames(proto) and "a3bnil{" in proto.constants


def test_a_nested_f_string_needs_no_conversion():
    proto = compile_text('let n = 1\nprint(f"<{f"{n}!"}>")')
    assert opnames(proto).count("TOSTR") == 1


def test_field_instructions_carry_the_field_expression_spans():
    proto = compile_text('let n = 1\nprint(f"a {n + 1:>4} b")')
    spans = {record.opname: record.span for record in get_instructions(proto)}
    assert (spans["FORMAT"].line, spans["FORMAT"].col, spans["FORMAT"].end_col) == (2, 12, 20)
    assert (spans["ADDI"].col, spans["CONCAT"].col) == (12, 7)


def test_the_disassembler_shows_the_spec_and_the_joined_registers():
    proto = compile_text('let n = 1\nprint(f"a{n:x}")')
    records = {record.opname: record for record in get_instructions(proto)}
    assert (records["FORMAT"].text, records["FORMAT"].comment) == ("R2 R2 K3", '"x"')
    assert (records["CONCAT"].text, records["CONCAT"].comment) == ("R1 2", "R1 .. R2")


# ------------------------------------------------------------------ generated f-strings

_FILL = st.sampled_from(["", "*", "0", " ", "é", "<", "#"])
_SPEC = st.builds(
    lambda fill, align, sign, alternate, zero, width, grouping, precision, kind:
    (fill + align if align else "") + sign + alternate + zero + width + grouping + precision + kind,
    _FILL, st.sampled_from(["", "<", ">", "^", "="]), st.sampled_from(["", "+", "-", " "]),
    st.sampled_from(["", "#"]), st.sampled_from(["", "0"]), st.sampled_from(["", "3", "11"]),
    st.sampled_from(["", ",", "_"]), st.sampled_from(["", ".0", ".3"]),
    st.sampled_from(["", *"sdboxXceEfFgG%"])).filter(lambda spec: _valid(spec))
#: (Esker literal, the Python value Esker's `format` follows, or None for values Python formats otherwise)
_VALUE = st.sampled_from([
    ("0", 0), ("-17", -17), ("255", 255), ("1234567", 1234567), ("2 ** 70", 2 ** 70), ("3.14159", 3.14159),
    ("-0.5", -0.5), ("1e300", 1e300), ("-0.0", -0.0), ('"Esker"', "Esker"), ('""', ""), ('"héllo"', "héllo"),
    ("true", None), ("nil", None), ("[1, 2]", None), ("(1,)", None)])


def _valid(spec: str) -> bool:
    try:
        parse_spec(spec)
    except SpecError:
        return False
    return True


def _python(value, spec: str) -> str:
    if value is None:
        return "?"
    try:
        return format(value, spec)
    except (ValueError, OverflowError):
        return "ValueError"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(st.tuples(_VALUE, _SPEC), min_size=1, max_size=6))
def test_generated_f_strings_agree_on_both_engines_and_with_python(cases):
    lines = []
    for (literal, _), spec in cases:
        lines.append(f'try {{\n    print(f"[{{{literal}:{spec}}}]")\n}} catch e {{\n    print(e.kind)\n}}')
    printed = both("\n".join(lines)).splitlines()
    for ((_, value), spec), shown in zip(cases, printed):
        expected = _python(value, spec)
        if expected == "?" or (parse_spec(spec).type == "s" and type(value) is not str):
            continue  # Esker's own rules for these (tested in tests/runtime/test_formatting.py)
        assert shown == (expected if expected == "ValueError" else f"[{expected}]"), spec
