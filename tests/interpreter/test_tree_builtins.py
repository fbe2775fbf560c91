"""§10 from Esker code: builtins that call back into Esker functions, type names,
and how every kind of value prints."""

from __future__ import annotations

from esker.vm.runtime.errors import format_uncaught

from interpreter_support import kind_of, lines, uncaught


def test_higher_order_methods_call_esker_functions():
    assert lines("""
        let xs = [3, 1, 2]
        let seen = []
        print(xs.map(fn (x) => x * 10), xs.filter(fn (x) => x != 1), xs.reduce(fn (a, b) => a + b, 0))
        xs.map(fn (x) { seen.push(x) })
        print(seen, xs.reduce(fn (a, b) => a > b ? a : b))
    """) == ["[30, 10, 20] [3, 2] 6", "[3, 1, 2] 3"]


def test_errors_inside_callbacks_are_catchable_and_traced():
    assert kind_of("[1, 0].map(fn (x) => 1 // x)") == "ZeroDivisionError"
    assert kind_of("[1].map(fn (a, b) => a)") == "ArityError"
    report = format_uncaught(uncaught("let f = fn (x) => x.nope\n[1].filter(f)\n", "cb.esk")).splitlines()
    assert report == ["error[AttributeError]: int has no field `nope`",
                      "  at <fn> (cb.esk:1:19)", "  at <module> (cb.esk:2:1)"]


def test_iterables_accepted_by_builtins_include_generators():
    assert lines("""
        fn three() {
            yield 3
            yield 1
            yield 2
        }
        print(array(three()), min(three()), max(three()), ",".join(three()), len(array(0..=4)))
    """) == ["[3, 1, 2] 1 3 3,1,2 5"]


def test_type_of_every_kind_of_value():
    assert lines("""
        struct P {}
        enum E { A, B(x) }
        fn g() { yield 1 }
        let values = [nil, true, 1, 1.5, "s", [], {}, (), 0..1, print, g, P(), E.A, E.B(1), E.B, P, E, g(), math,
                      Error("k", "m")]
        print(values.map(fn (v) => type(v)))
    """) == ['["nil", "bool", "int", "float", "str", "array", "map", "tuple", "range", "fn", "fn", "P", "E", '
             '"E", "fn", "type", "type", "generator", "module", "Error"]']


def test_how_values_print():
    assert lines("""
        struct Point { x, y }
        enum Shape { Rect(w, h), Empty }
        fn gen() { yield 1 }
        print("top", ["in", "side"], ("t",), (1, 2), {"k": "v", 2: 3.5}, [], {}, ())
        print(Point(1, "two"), Shape.Rect(2, 3), Shape.Empty, 0..10, 0..=10, range(0, 10, 2))
        print(gen, gen(), Point, Shape, math, Error("KeyError", "missing"), 1e100, 0.1 + 0.2, 1.0)
        print(repr("q\\"\\n"), str([nil]), ["tab\\tcontrol\\u{1}"])
    """) == [
        'top ["in", "side"] ("t",) (1, 2) {"k": "v", 2: 3.5} [] {} ()',
        'Point(x: 1, y: "two") Shape.Rect(2, 3) Shape.Empty 0..10 0..=10 range(0, 10, 2)',
        '<fn gen> <generator gen> <struct Point> <enum Shape> <module math> '
        'Error(kind: "KeyError", message: "missing") 1e+100 0.30000000000000004 1.0',
        '"q\\"\\n" [nil] ["tab\\tcontrol\\u{1}"]',
    ]


def test_sort_only_numbers_or_strings():
    assert lines("""
        let words = ["pear", "apple", "fig"]
        words.sort()
        let nums = [3, 1.5, -2]
        nums.sort()
        print(words, nums)
    """) == ['["apple", "fig", "pear"] [-2, 1.5, 3]']
    assert kind_of("[3, \"a\"].sort()") == "TypeError"
    assert kind_of("[[1], [0]].sort()") == "TypeError"


def test_math_module():
    assert lines("""
        print(math.sqrt(16), math.floor(-2.5), math.ceil(2.1), math.pi > 3, math.inf > 10 ** 100)
    """) == ["4.0 -3 3 true true"]
    assert kind_of("math.sqrt(-1)") == "ValueError"
