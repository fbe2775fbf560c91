"""§8: generators — laziness, resumption, errors, and yields in every position."""

from __future__ import annotations

from esker.vm.runtime.errors import format_uncaught

from interpreter_support import HELPERS, kind_of, lines, uncaught


def test_calling_a_generator_function_runs_nothing():
    assert lines("""
        let started = false
        fn lazy(x = started) {
            started = true
            yield x
        }
        let g = lazy()
        print("before", started, type(g), g, lazy)
        for v in g { print("value", v) }
        print("after", started, array(g), g == g, g == lazy())
    """) == ["before false generator <generator lazy> <fn lazy>", "value false", "after true [] true false"]


def test_for_array_counter_and_bare_yield():
    assert lines("""
        fn count_up(limit) {
            let i = 0
            while i < limit {
                yield i
                i += 1
            }
            yield
            return "ignored"
        }
        for i, x in count_up(2) { print(i, x) }
        print(array(count_up(3)), len(array(count_up(0))))
    """) == ["0 0", "1 1", "2 nil", "[0, 1, 2, nil] 1"]


def test_breaking_out_leaves_the_generator_suspended():
    assert lines("""
        fn naturals() {
            let n = 0
            while true {
                yield n
                n += 1
            }
        }
        let g = naturals()
        for x in g { if x == 2 { break } }
        for x in g {
            print("resumed at", x)
            break
        }
    """) == ["resumed at 3"]


def test_generators_compose():
    assert lines("""
        fn count_up(n) {
            for i in 0..n { yield i }
        }
        fn nested() {
            for x in count_up(2) {
                for y in ["a", "b"] { yield str(x) + y }
            }
        }
        fn squares(xs) {
            for x in xs { yield x * x }
        }
        print(array(nested()), array(squares(count_up(4))).reduce(fn (a, b) => a + b, 0))
    """) == ['["0a", "0b", "1a", "1b"] 14']


def test_recursive_generators():
    assert lines("""
        enum Tree {
            Node(left, right)
            Leaf(value)
        }
        fn walk(t) {
            match t {
                Tree.Node(l, r) => {
                    for x in walk(l) { yield x }
                    for x in walk(r) { yield x }
                }
                Tree.Leaf(v) => { yield v }
            }
        }
        let t = Tree.Node(Tree.Node(Tree.Leaf(1), Tree.Leaf(2)), Tree.Leaf(3))
        print(array(walk(t)))
    """) == ["[1, 2, 3]"]


def test_yield_inside_every_statement_kind():
    assert lines("""
        fn g(flag) {
            {
                yield "block"
            }
            if flag {
                yield "if"
            } else if not flag {
                yield "else if"
            }
            let n = 0
            while n < 2 {
                n += 1
                if n == 1 { continue }
                yield "while"
            }
            try {
                yield "try"
                throw "boom"
            } catch e {
                yield "catch " + e
            }
            match n {
                2 => { yield "arm" }
            }
        }
        print(array(g(true)), array(g(false)))
    """) == ['["block", "if", "while", "try", "catch boom", "arm"] ["block", "else if", "while", "try", "catch boom", "arm"]']


def test_yield_inside_expressions_through_match_arms():
    # A match arm block is the one way a yield can sit inside an expression;
    # the operands around it must still be evaluated once, left to right.
    assert lines(HELPERS + """
        fn g() {
            let parts = [note(1), match 1 {
                _ => { yield "inside an array" }
            }, note(3)]
            yield parts
            let picked = true ? match 1 {
                _ => { yield "inside a conditional" }
            } : 0
            let both = nil or match 1 {
                _ => { yield "inside or" }
            }
            let m = {"k": match 1 {
                _ => { yield "inside a map" }
            }}
            yield (picked, both, m)
            let xs = [0, 0]
            xs[match 1 {
                _ => { yield "inside an index target" }
            } == nil ? note(1) : 0] = note("assigned")
            return note(match 1 {
                _ => { yield "inside a return" }
            })
        }
        print(array(g()))
        print(log)
    """) == [
        '["inside an array", [1, nil, 3], "inside a conditional", "inside or", "inside a map", '
        '(nil, nil, {"k": nil}), "inside an index target", "inside a return"]',
        '[1, 3, 1, "assigned", nil]']


def test_errors_inside_generators_propagate_to_the_consumer():
    assert lines("""
        fn gen_error() {
            yield 1
            throw Error("ValueError", "inside generator")
        }
        let g = gen_error()
        try {
            for v in g { print("got", v) }
        } catch e {
            print(e.kind, e.message)
        }
        print("after an error the generator is done:", array(g))
    """) == ["got 1", "ValueError inside generator", "after an error the generator is done: []"]


def test_trace_of_an_error_inside_a_generator():
    error = uncaught("""fn bad() {
    yield 1
    yield 1 // 0
}
for x in bad() {
    print(x)
}
""", "g.esk")
    assert format_uncaught(error).splitlines() == [
        "error[ZeroDivisionError]: division by zero", "  at bad (g.esk:3:11)", "  at <module> (g.esk:5:1)"]


def test_a_generator_cannot_resume_itself():
    assert kind_of("""
        let g = nil
        fn again() {
            for x in g { yield x }
        }
        g = again()
        array(g)
    """) == "RuntimeError"
