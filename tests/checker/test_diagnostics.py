"""Each compile-time diagnostic of the checker: code, severity, position, message."""

from __future__ import annotations

import pytest

from esker.vm.diagnostics import Severity, Tag

from checker_support import check_source

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def only(text: str, code: str):
    """The one diagnostic with `code` that checking `text` reports."""
    found = [d for d in check_source(text).diagnostics if d.code == code]
    assert len(found) == 1, found
    return found[0]


def expect(text: str, code: str, severity: Severity, where: str, message: str):
    found = only(text, code)
    assert (found.severity, f"{found.span.line}:{found.span.col}", found.message) == (severity, where, message)
    return found


def codes(text: str) -> list[str]:
    return [d.code for d in check_source(text).diagnostics]


# ------------------------------------------------------------------ names

def test_undefined_name_suggests_a_close_visible_name():
    found = expect("let total = 0\nfor i in 0..3 {\n    totl += i\n}\n", "E0101", ERROR, "3:5",
                   "undefined name `totl`; did you mean `total`?")
    assert found.data == {"suggestion": "total"}


def test_undefined_name_without_a_close_name():
    found = expect("print(zebra)\n", "E0101", ERROR, "1:7", "undefined name `zebra`")
    assert found.data == {}


def test_let_is_visible_only_after_its_declaration():
    expect("print(later)\nlet later = 1\n", "E0101", ERROR, "1:7",
           "undefined name `later`: it is declared later, on line 2")
    expect("fn f() { return late }\nlet late = 1\nf()\n", "E0101", ERROR, "1:17",
           "undefined name `late`: it is declared later, on line 2")


def test_methods_reach_their_siblings_through_the_type_or_self():
    text = ("struct P {\n    x\n    fn origin() { return P(0) }\n    fn norm(self) { return x }\n"
            "    fn again() { return origin() }\n}\n")
    found = [(d.code, d.span.line, d.message, d.data) for d in check_source(text).diagnostics]
    assert found == [
        ("E0101", 4, "undefined name `x`; did you mean `self.x`?", {"suggestion": "self.x"}),
        ("E0101", 5, "undefined name `origin`; did you mean `P.origin`?", {"suggestion": "P.origin"}),
    ]


def test_functions_structs_and_enums_are_visible_in_their_whole_block():
    assert codes("print(even(2), P(1), E.A)\nfn even(n) { return n == 0 or odd(n - 1) }\n"
                 "fn odd(n) { return n != 0 and even(n - 1) }\nstruct P { x }\nenum E { A }\n") == []


def test_a_let_initializer_sees_the_outer_name_it_shadows():
    assert codes("let x = 1\nif x > 0 {\n    let x = x + 1\n    print(x)\n}\n") == []


def test_builtins_can_be_shadowed():
    assert codes("fn len(_x) { return 0 }\nprint(len([1, 2]))\nlet print = 3\n") == []


# -------------------------------------------------------------- duplicates

def test_duplicate_let_points_at_the_second_with_the_first_related():
    found = expect("let x = 1\nlet x = 2\n", "E0102", ERROR, "2:5", "duplicate declaration of `x` in this block")
    assert [(r.span.line, r.span.col) for r in found.related] == [(1, 5)]


def test_duplicate_parameter():
    expect("fn g(a, a) { return a }\n", "E0102", ERROR, "1:9", "duplicate parameter `a`")


def test_parameters_are_declarations_of_the_body_block():
    expect("fn f(a) {\n    let a = 2\n    return a\n}\n", "E0102", ERROR, "2:9",
           "duplicate declaration of `a` in this block")


def test_a_hoisted_declaration_after_a_let_is_the_duplicate():
    found = expect("let f = 1\nfn f() {}\n", "E0102", ERROR, "2:4", "duplicate declaration of `f` in this block")
    assert found.related[0].span.line == 1


def test_duplicate_struct_field_and_pattern_binding():
    expect("struct P { x, x }\n", "E0102", ERROR, "1:15", "duplicate declaration of `x` in this block")
    expect("print(match (1, 2) { (a, a) => a, _ => 0 })\n", "E0102", ERROR, "1:26",
           "duplicate declaration of `a` in this block")


def test_shadowing_in_an_inner_block_is_fine():
    assert codes("let x = 1\nif true {\n    let x = 2\n    print(x)\n}\nfor x in [1] { print(x) }\n") == []


# ------------------------------------------------------ misplaced statements

def test_assignment_to_a_constant():
    found = expect("const LIMIT = 10\nLIMIT = 11\n", "E0103", ERROR, "2:1",
                   "cannot assign to `LIMIT`: it is a constant")
    assert found.related[0].span.line == 1
    expect("const K = 1\nfn f() { K += 1 }\n", "E0103", ERROR, "2:10", "cannot assign to `K`: it is a constant")
    expect("const K = 1\nlet a = 0\n(a, K) = (1, 2)\n", "E0103", ERROR, "3:5",
           "cannot assign to `K`: it is a constant")


def test_assignment_to_a_builtin_module_constant():
    expect("math.pi = 3\n", "E0103", ERROR, "1:6", "cannot assign to `math.pi`: it is a constant")


def test_break_and_continue_outside_a_loop():
    expect("break\n", "E0104", ERROR, "1:1", "`break` outside a loop")
    expect("fn f() {\n    continue\n}\n", "E0105", ERROR, "2:5", "`continue` outside a loop of this function")


def test_a_function_body_resets_the_loop_context():
    expect("while true {\n    let f = fn () { break }\n    f()\n}\n", "E0104", ERROR, "2:21",
           "`break` outside a loop of this function")
    assert codes("for i in 0..3 {\n    match i { 1 => { break }, _ => { continue } }\n}\n") == []


def test_return_and_yield_outside_a_function():
    expect("if true { return 1 }\n", "E0106", ERROR, "1:11", "`return` outside a function")
    expect("yield 2\n", "E0107", ERROR, "1:1", "`yield` outside a function")
    found = only("return 1\n", "E0106")
    assert found.span.end_col == 7


# ---------------------------------------------------------- types in patterns

STRUCT_POINT = "struct Point { x, y }\nlet p = Point(1, 2)\n"


def test_unknown_struct_field_in_a_pattern():
    found = expect(STRUCT_POINT + "print(match p { Point(x: 0, yy) => 1, _ => 2 })\n", "E0108", ERROR, "3:29",
                   "struct `Point` has no field `yy`; did you mean `y`?")
    assert found.data == {"suggestion": "y"}


def test_unknown_enum_variant_in_an_expression_and_a_pattern():
    enum = "enum Shape { Circle(r), Empty }\n"
    found = expect(enum + "print(Shape.Circel(1))\n", "E0109", ERROR, "2:13",
                   "enum `Shape` has no variant `Circel`; did you mean `Circle`?")
    assert found.data == {"suggestion": "Circle"}
    expect(enum + "print(match 1 { Shape.Square => 1, _ => 2 })\n", "E0109", ERROR, "2:23",
           "enum `Shape` has no variant `Square`")


def test_inconsistent_or_pattern_bindings():
    text = "let v = (1, 2)\nprint(match v { (a, 1) | (1, b) => 0, _ => 1 })\n"
    expect(text, "E0113", ERROR, "2:26", "this alternative binds `b` but the first binds `a`; "
                                         "every alternative of `|` must bind the same names")


def test_or_pattern_alternatives_share_their_bindings():
    result = check_source("let v = (1, 2)\nprint(match v { (a, 1) | (1, a) => a, _ => 0 })\n")
    assert result.diagnostics == []
    [binding] = [s for s in result.symbols.symbols if s.name == "a"]
    assert len(binding.references) == 2


# ---------------------------------------------------------------- warnings

def test_unused_variable_and_the_underscore_exemption():
    found = expect("fn f() {\n    let tmp = 1\n    let _quiet = 2\n    return 0\n}\n", "W0101", WARNING, "2:9",
                   "unused variable `tmp`: it is never read (name it `_tmp` if that is intended)")
    assert found.tags == (Tag.UNNECESSARY,)


def test_a_variable_only_assigned_is_unused():
    expect("fn f() {\n    let n = 0\n    n = 1\n    n += 2\n}\n", "W0101", WARNING, "2:9",
           "unused variable `n`: it is never read (name it `_n` if that is intended)")


def test_module_bindings_are_members_not_unused():
    assert codes("let config = 1\nconst NAME = \"x\"\n") == []


def test_unused_locals_in_top_level_blocks_are_reported():
    expect("for i in 0..3 { print(\"tick\") }\n", "W0101", WARNING, "1:5",
           "unused variable `i`: it is never read (name it `_i` if that is intended)")


def test_unused_parameter_but_not_self():
    expect("fn f(a, _b) { return 0 }\n", "W0102", WARNING, "1:6",
           "unused parameter `a`: it is never read (name it `_a` if that is intended)")
    assert codes("struct S {\n    v\n    fn name(self) { return \"S\" }\n}\n") == []


def test_unreachable_code_is_one_warning_per_run():
    text = "fn f() {\n    return 1\n    print(2)\n    print(3)\n}\nwhile true {\n    break\n    print(4)\n}\n"
    found = [d for d in check_source(text).diagnostics if d.code == "W0103"]
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in found] == [
        (WARNING, 3, 5, "unreachable code: it follows a `return`"),
        (WARNING, 8, 5, "unreachable code: it follows a `break`"),
    ]
    assert found[0].span.end_line == 3


def test_a_function_declared_after_return_is_not_unreachable():
    assert codes("fn f() {\n    return g()\n    fn g() { return 1 }\n}\nprint(f())\n") == []


def test_wrong_number_of_arguments():
    expect("fn two(x, y) { return x + y }\nprint(two(1))\n", "W0104", WARNING, "2:7",
           "`two` takes 2 arguments but 1 was given")
    expect("fn area(w, h = w) { return w * h }\narea(1, 2, 3)\n", "W0104", WARNING, "2:1",
           "`area` takes 1 to 2 arguments but 3 were given")
    expect("fn sum(first, ...rest) { return first }\nsum()\n", "W0104", WARNING, "2:1",
           "`sum` takes at least 1 argument but 0 were given")
    expect("print(len(1, 2))\n", "W0104", WARNING, "1:7", "`len` takes 1 argument but 2 were given")
    expect("print(math.sqrt())\n", "W0104", WARNING, "1:7", "`math.sqrt` takes 1 argument but 0 were given")


def test_arity_of_static_methods_and_variants():
    expect("struct P {\n    x\n    fn origin() { return P(0) }\n}\nP.origin(1)\n", "W0104", WARNING, "5:1",
           "`P.origin` takes no arguments but 1 was given")
    expect("enum Shape { Rect(w, h) }\nprint(Shape.Rect(1))\n", "W0104", WARNING, "2:7",
           "`Shape.Rect` takes 2 arguments but 1 was given")


def test_a_reassigned_function_is_not_statically_known():
    assert codes("fn f(x) { return x }\nf = fn () => 0\nprint(f())\n") == []


def test_non_exhaustive_enum_match_lists_the_missing_variants():
    text = ("enum Color { Red, Green, Blue }\nlet c = Color.Red\n"
            "print(match c {\n    Color.Red => 1\n    Color.Green if true => 2\n})\n")
    found = expect(text, "W0105", WARNING, "3:7",
                   "non-exhaustive match: `Color.Green`, `Color.Blue` are not covered")
    assert found.data == {"missing": ["Green", "Blue"], "enum": "Color"}


def test_exhaustive_and_catch_all_matches_are_quiet():
    enum = "enum Shape { Circle(r), Rect(w, h) }\nlet s = Shape.Circle(1)\n"
    assert codes(enum + "print(match s { Shape.Circle(r) => r, Shape.Rect(w, _) | Shape.Rect(_, w) => w })\n") \
        == []
    assert codes(enum + "print(match s { Shape.Circle(0) => 0, _ => 1 })\n") == []
    assert "W0105" in codes(enum + "print(match s { Shape.Circle(0) => 0, Shape.Rect(w, h) => w + h })\n")


def test_arms_after_a_catch_all_are_unreachable():
    text = "print(match 3 {\n    n if n > 1 => 1\n    x => x\n    0 => 2\n    _ => 3\n})\n"
    found = [d for d in check_source(text).diagnostics if d.code == "W0106"]
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in found] == [
        (WARNING, 4, 5, "unreachable match arm: the arm on line 3 matches every value"),
        (WARNING, 5, 5, "unreachable match arm: the arm on line 3 matches every value"),
    ]


def test_bad_struct_constructions():
    struct = "struct Point {\n    x\n    y = 0\n}\n"
    expect(struct + "Point(1, 2, 3)\n", "W0107", WARNING, "5:13", "too many values: `Point` has 2 fields")
    found = expect(struct + "Point(x: 1, z: 2)\n", "W0107", WARNING, "5:13",
                   "`Point` has no field `z`")
    assert found.data == {}
    expect(struct + "Point(1, x: 2)\n", "W0107", WARNING, "5:10", "field `x` is given twice")
    found = expect(struct + "Point(y: 2)\n", "W0107", WARNING, "5:1", "`Point` is missing field `x`")
    assert found.data == {"missing": ["x"]}
    assert codes(struct + "Point(1)\nPoint(y: 1, x: 2)\nError(\"KeyError\", \"m\")\n") == []


def test_named_arguments_to_a_function():
    expect("fn f(a) { return a }\nf(a: 1)\n", "W0108", WARNING, "2:3",
           "`f` is not a struct constructor, so it takes no named arguments")


def test_calls_of_unknown_callees_are_not_checked():
    assert codes("let g = fn (a) => a\nlet s = \"x\"\nprint(g(1, 2, 3), s.upper(1), g(k: 1))\n") == []


@pytest.mark.parametrize("text", [
    "let p = 1\nprint(p.x, p.m(1))\n",
    "struct S { v }\nlet s = S(1)\nprint(s.v, s.nothing)\n",
])
def test_field_access_on_values_of_unknown_type_is_fine(text):
    assert codes(text) == []


# ------------------------------------------------------------ 0.2 operators

def test_in_on_a_literal_that_cannot_contain_anything():
    expect("print(1 in 5)\n", "W0109", WARNING, "1:12",
           "`in` needs an array, tuple, range, map or string on the right, not an int: this raises TypeError")
    expect("print(x not in nil)\nlet x = 1\n", "W0109", WARNING, "1:16",
           "`not in` needs an array, tuple, range, map or string on the right, not nil: this raises TypeError")
    expect('print(1.5 in "abc")\n', "W0109", WARNING, "1:7",
           "`in` on a string needs a string on the left, not a float: this raises TypeError")


@pytest.mark.parametrize("text", [
    'print("a" in "abc")', "print(1 in [1])", "print(1 in 0..3)", "let s = 5\nprint(s in [s])",
    'let n = 1\nprint(n in "abc")', "print(1 in (1, 2))",
])
def test_in_on_values_that_may_contain_is_quiet(text):
    assert "W0109" not in codes(text + "\n")


def test_in_is_checked_inside_operator_chains():
    assert codes("print(1 + 2 in 3 or 4 in 5)\n") == ["W0109", "W0109"]


# ------------------------------------------------------------------ finally

def test_a_jump_out_of_finally_is_a_warning():
    expect("fn f() {\n    try { g() } finally { return 1 }\n}\nfn g() {}\n", "W0110", WARNING, "2:27",
           "`return` leaves a `finally` block: an error thrown in the `try` would be silently discarded "
           "(move the `return` after the `try` statement)")
    assert codes("for x in [1] {\n    try { } finally { if x { break } }\n}\n") == ["W0110"]
    assert codes("while true {\n    try { } finally { continue }\n}\n") == ["W0110"]


@pytest.mark.parametrize("text", [
    "try { } finally { for x in [1] { if x { break } } }",
    "try { } finally { while false { continue } }",
    "fn f() {\n    try { } finally { let g = fn () { return 1 }\n        g() }\n}",
    "fn f() {\n    try { return 1 } finally { }\n}",
    "fn f() {\n    try { } finally { throw 1 }\n}",
])
def test_jumps_that_stay_inside_finally_are_quiet(text):
    assert "W0110" not in codes(text + "\n")


def test_code_after_a_try_that_always_leaves_is_unreachable():
    expect("fn f() {\n    try { g() } finally { return 1 }\n    g()\n}\nfn g() {}\n", "W0103", WARNING, "3:5",
           "unreachable code: it follows a `try` whose `finally` always ends in a `return`")
    expect("fn f() {\n    try { return g() } catch e { throw e }\n    g()\n}\nfn g() {}\n", "W0103", WARNING, "3:5",
           "unreachable code: it follows a `try` whose blocks all end in `return`, `throw`, `break` or `continue`")
    assert codes("fn f() {\n    try { return 1 } finally { }\n    print(2)\n}\n") == ["W0103"]


@pytest.mark.parametrize("text", [
    "fn f() {\n    try { return 1 } catch e { }\n    print(2)\n}",
    "fn f(x) {\n    try { if x { return 1 } } finally { }\n    print(2)\n}",
    "try { } finally { }\nprint(2)",
])
def test_code_after_a_try_that_may_fall_through_is_reachable(text):
    assert "W0103" not in codes(text + "\n")


def test_no_unused_warnings_for_names_that_broken_code_may_read():
    from esker.vm.analysis import analyze

    text = ("fn f(a, b) {\n    let x = a + )\n    return b\n}\n"
            "fn g(c) {\n    print(c\n}\n"
            "fn h(d) { return 1 }\n")
    found = [(d.code, d.span.line) for d in analyze(text, "t.esk").diagnostics]
    assert found == [("E0005", 2), ("E0005", 7), ("W0102", 8)]


# ------------------------------------------------------------------ methods of literals

def test_unknown_methods_of_literal_receivers_are_reported_with_a_suggestion():
    text = ('print("abc".lenght())\nprint([1, 2].pussh(3))\nprint({"a": 1}.kes())\n'
            'print(f"n{1}".uper(), (1, 2).lenn(), (0..3).size(), 5.foo())\n')
    found = [(d.code, d.severity, f"{d.span.line}:{d.span.col}", d.message, d.data)
             for d in check_source(text).diagnostics]
    assert found == [
        ("W0112", WARNING, "1:13", "`str` has no method `lenght`", {}),
        ("W0112", WARNING, "2:14", "`array` has no method `pussh`; did you mean `push`?", {"suggestion": "push"}),
        ("W0112", WARNING, "3:16", "`map` has no method `kes`; did you mean `keys`?", {"suggestion": "keys"}),
        ("W0112", WARNING, "4:15", "`str` has no method `uper`; did you mean `upper`?", {"suggestion": "upper"}),
        ("W0112", WARNING, "4:30", "`tuple` has no method `lenn`; did you mean `len`?", {"suggestion": "len"}),
        ("W0112", WARNING, "4:45", "`range` has no method `size`", {}),
        ("W0112", WARNING, "4:55", "`int` has no method `foo`", {}),
    ]


def test_methods_of_literal_receivers_are_checked_against_the_builtins_table():
    from esker.vm.runtime.library import LIBRARY

    for owner, literal in (("str", '"s"'), ("array", "[1]"), ("map", '{"a": 1}'), ("tuple", "(1, 2)"),
                           ("range", "(0..3)")):
        for name, entry in LIBRARY.methods(owner).items():
            args = ", ".join(["nil"] * entry.min_args)
            assert codes(f"print({literal}.{name}({args}))\n") == [], (owner, name)
    arities = [(d.code, d.span.col, d.message) for d in check_source('print("abc".upper(1), [1].push())\n').diagnostics]
    assert arities == [("W0104", 7, "`str.upper` takes no arguments but 1 was given"),
                       ("W0104", 23, "`array.push` takes 1 argument but 0 were given")]
    assert codes('let s = "abc"\nprint(s.lenght())\n') == []  # not a literal: its type is not known
