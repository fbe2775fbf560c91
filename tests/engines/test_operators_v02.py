"""§13.2 operators on both engines: `in` / `not in`, slices, the new compound
assignments and `for` with a destructuring pattern."""

from __future__ import annotations

import pytest

from engines_support import failure, printed


@pytest.mark.parametrize("expression, expected", [
    ("2 in [1, 2]", "true"), ("3 not in [1, 2]", "true"), ("2.0 in (1, 2)", "true"), ("1 in [true]", "false"),
    ('"ell" in "hello"', "true"), ('"a" in {"a": 1}', "true"), ("1 in {\"a\": 1}", "false"),
    ("4 in 0..=4", "true"), ("4 in 0..4", "false"), ("6 in range(0, 10, 3)", "true"),
    ("not 2 in [2]", "false"), ("[1] in [[1], [2]]", "true"), ("(1, 2) in {(1, 2): 0}", "true"),
])
def test_membership(expression, expected):
    assert printed(f"let x = {expression}\nprint(x, {expression})") == [f"{expected} {expected}"]


def test_membership_in_conditions_and_with_computed_operands():
    assert printed("""
        let seen = []
        for word in ["a", "b", "a", "c", "b"] {
            if word not in seen { seen.push(word) }
        }
        print(seen, "b" in seen and "z" not in seen)
        let key = "k"
        let m = {key: 1}
        print(key + "" in m, (key in m) == true)
    """) == ['["a", "b", "c"] true', "true true"]


@pytest.mark.parametrize("program, message", [
    ("let n = 5\nprint(1 in n)", "error[TypeError]: `in` needs an array, tuple, range, map or string on the right, not int"),
    ('let s = "abc"\nprint(1 in s)', "error[TypeError]: `in <str>` needs a string on the left, not int"),
    ("let m = {}\nprint([] in m)", "error[TypeError]: map keys must be int, float, str or tuples of those, not array"),
])
def test_membership_errors(program, message):
    assert failure(program) == message


def test_membership_errors_are_caught_and_point_at_the_operator():
    assert printed("""
        fn check(c) {
            try {
                return 1 in c
            } catch e {
                return e.kind
            }
        }
        print(check(5), check([1]), check(nil))
    """) == ["TypeError true TypeError"]


def test_slices_of_arrays_tuples_and_strings():
    assert printed("""
        let xs = [10, 20, 30, 40, 50]
        let i = 1
        print(xs[i:i + 2], xs[:2], xs[3:], xs[:], xs[-2:], xs[:-3], xs[10:20], xs[-99:1])
        print("héllo"[1:], (1, 2, 3)[:-1], type((1, 2)[1:]), "abc"[2:1])
        let copy = xs[:]
        copy.push(60)
        print(len(xs), len(copy))
    """) == ["[20, 30] [10, 20] [40, 50] [10, 20, 30, 40, 50] [40, 50] [10, 20] [] [10]",
             "éllo (1, 2) tuple ", "5 6"]


@pytest.mark.parametrize("program, message", [
    ("let r = 0..5\nprint(r[1:2])", "error[TypeError]: range cannot be sliced (only arrays, tuples and strings)"),
    ('let xs = [1]\nprint(xs["a":])', "error[TypeError]: slice start must be int, not str"),
    ("let xs = [1]\nprint(xs[:1.5])", "error[TypeError]: slice end must be int, not float"),
])
def test_slice_errors(program, message):
    assert failure(program) == message


def test_a_slice_evaluates_object_then_start_then_stop():
    assert printed("""
        let log = []
        fn note(x) {
            log.push(x)
            return x
        }
        print(note([1, 2, 3])[note(1):note(2)], log)
    """) == ["[2] [[1, 2, 3], 1, 2]"]


def test_the_new_compound_assignments_on_names_elements_and_fields():
    assert printed("""
        struct Box { v }
        let n = 3
        n **= 2
        n <<= 2
        n >>= 1
        n &= 12
        n |= 3
        n ^= 5
        let xs = [2, 8]
        xs[0] **= 10
        xs[1] >>= 3
        let b = Box(6)
        b.v &= 3
        b.v |= 8
        fn bump() {
            n ^= 1
        }
        bump()
        print(n, xs, b.v)
    """) == ["7 [1024, 1] 10"]


def test_compound_assignment_evaluates_the_target_once():
    assert printed("""
        let calls = 0
        let xs = [1, 2]
        fn at() {
            calls += 1
            return 1
        }
        xs[at()] <<= 3
        print(xs, calls)
    """) == ["[1, 16] 1"]


def test_compound_assignment_errors():
    assert failure("let x = 2\nx <<= -1") == "error[ValueError]: negative shift count"
    assert failure('let s = "a"\ns **= 2') == "error[TypeError]: unsupported operand types for **: str and int"


def test_for_destructures_each_element_like_let():
    assert printed("""
        for (a, b) in [(1, 2), [3, 4]] { print(a, b) }
        for i, (a, (b, c)) in [(1, (2, 3))] { print(i, a, b, c) }
        for (k, v) in {"x": 1}.items() { print(k, v) }
        let fns = []
        for (a, b) in [(1, 2), (3, 4)] { fns.push(fn () => a + b) }
        print(fns[0](), fns[1]())
    """) == ["1 2", "3 4", "0 1 2 3", "x 1", "3 7"]


def test_for_destructuring_with_the_wrong_shape_is_an_error():
    assert failure("for (a, b) in [(1, 2, 3)] { print(a) }") == \
        "error[ValueError]: expected 2 values to destructure, got 3"
    assert failure("for (a, b) in [5] { print(a) }") == \
        "error[TypeError]: cannot destructure int: expected a tuple or array"
