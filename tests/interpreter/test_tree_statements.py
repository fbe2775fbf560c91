"""§4: declarations, assignment, control flow, loops and scopes."""

from __future__ import annotations

from interpreter_support import HELPERS, kind_of, lines


def test_let_const_and_destructuring():
    assert lines("""
        let x
        const LIMIT = 100
        let (q, r) = (7 // 2, 7 % 2)
        let (a, (b, c)) = [1, (2, 3)]
        print(x, LIMIT, q, r, a, b, c)
    """) == ["nil 100 3 1 1 2 3"]


def test_destructuring_needs_the_exact_length_of_a_tuple_or_array():
    assert kind_of("let (a, b) = (1, 2, 3)") == "ValueError"
    assert kind_of("let (a, b) = \"ab\"") == "TypeError"
    assert kind_of("let a = 1\nlet b = 2\n(a, b) = [1]") == "ValueError"


def test_every_assignment_form():
    assert lines("""
        struct P { x }
        let x = 1
        x += 1
        x *= 10
        x -= 5
        x //= 4
        x %= 3
        let f = 7
        f /= 2
        let a = [1, 2]
        a[0] = 10
        a[1] += 5
        let p = P(2)
        p.x *= 3
        let m = {}
        m["k"] = 1
        m["k"] += 1
        let (s, t) = (1, 2)
        (s, t) = (t, s)
        (a[0], p.x) = (p.x, a[0])
        print(x, f, a, p, m, s, t)
    """) == ['0 3.5 [6, 7] P(x: 10) {"k": 2} 2 1']


def test_assignment_evaluates_the_target_first():
    assert lines(HELPERS + """
        let a = [0, 0]
        a[note(1)] = note("value")
        a[note(0)] += note(5)
        print(a, log)
    """) == ['[5, "value"] [1, "value", 0, 5]']


def test_if_else_chains():
    assert lines("""
        fn grade(s) {
            if s >= 90 { return "A" }
            else if s >= 80 { return "B" }
            else if s >= 70 { return "C" }
            else { return "F" }
        }
        print(grade(95), grade(85), grade(75), grade(10))
        if nil { print("no") }
        if 0 { print("zero is truthy") }
    """) == ["A B C F", "zero is truthy"]


def test_loops_with_break_and_continue():
    assert lines("""
        let n = 0
        let seen = []
        while true {
            n += 1
            if n % 2 == 0 { continue }
            if n > 7 { break }
            seen.push(n)
        }
        for i in 0..10 {
            if i == 2 { continue }
            if i == 4 { break }
            seen.push(i * 100)
        }
        print(seen)
    """) == ["[1, 3, 5, 7, 0, 100, 300]"]


def test_for_over_every_iterable():
    assert lines("""
        let out = []
        for x in (1, 2) { out.push(x) }
        for c in "hé" { out.push(c) }
        for k in {"a": 1, "b": 2} { out.push(k) }
        for i in range(5, 0, -2) { out.push(i) }
        for i, x in ["p", "q"] { out.push((i, x)) }
        for k, v in {"z": 26} { out.push(k + str(v)) }
        for i, (a, b) in [(1, 2)] { out.push(i + a + b) }
        print(out)
    """) == ['[1, 2, "h", "é", "a", "b", 5, 3, 1, (0, "p"), (1, "q"), "z26", 3]']


def test_iterating_something_else_is_a_type_error():
    assert kind_of("for x in 5 { }") == "TypeError"


def test_changing_a_map_while_iterating_it():
    assert kind_of("""
        let m = {"a": 1}
        for k in m { m["b"] = 2 }
    """) == "RuntimeError"
    assert lines("""
        let m = {"a": 1, "b": 2}
        for k in m { m[k] = 0 }
        print(m)
    """) == ['{"a": 0, "b": 0}']


def test_blocks_scope_and_shadowing():
    assert lines("""
        let x = "outer"
        {
            let x = "inner"
            print(x)
        }
        if true {
            let x = "in if"
            print(x)
        }
        print(x)
        let y = 1
        {
            let y = y + 1
            print(y)
        }
    """) == ["inner", "in if", "outer", "2"]


def test_functions_structs_and_enums_are_visible_in_their_whole_block():
    assert lines("""
        print(even(10), Later(1), Kind.A)
        fn even(n) { return n == 0 ? true : odd(n - 1) }
        fn odd(n) { return n == 0 ? false : even(n - 1) }
        struct Later { v }
        enum Kind { A }
    """) == ["true Later(v: 1) Kind.A"]


def test_each_loop_iteration_and_block_run_has_fresh_variables():
    assert lines("""
        let fs = []
        for i in 0..3 { fs.push(fn () => i) }
        let gs = []
        let j = 0
        while j < 3 {
            let k = j * 10
            gs.push(fn () => k)
            j += 1
        }
        print(fs.map(fn (f) => f()), gs.map(fn (g) => g()))
    """) == ["[0, 1, 2] [0, 10, 20]"]


def test_assigning_a_builtin_without_declaring_it_is_an_error():
    assert kind_of("print = 5") == "TypeError"
    assert lines("""
        let print_count = 0
        {
            let print = fn (x) { print_count += 1 }
            print("hidden")
        }
        print(print_count)
    """) == ["1"]
