"""§5: parameters, defaults, rest parameters, arity, closures and recursion depth."""

from __future__ import annotations

from esker.vm.runtime.errors import error_kind

from interpreter_support import HELPERS, kind_of, lines, run, uncaught


def test_defaults_are_evaluated_at_each_call_and_see_earlier_parameters():
    assert lines(HELPERS + """
        fn stamp(x = next_id()) { return x }
        fn area(w, h = w) { return w * h }
        fn fresh(list = []) {
            list.push(1)
            return list
        }
        print(stamp(), stamp(), stamp(99), calls, area(3), area(3, 4), fresh(), fresh())
    """) == ["1 2 99 2 9 12 [1] [1]"]


def test_rest_parameters_collect_an_array():
    assert lines("""
        fn sum(first, ...rest) {
            let total = first
            for x in rest { total += x }
            return total
        }
        fn all(...xs) { return xs }
        print(sum(1), sum(1, 2, 3, 4), all(), all(nil))
    """) == ["1 10 [] [nil]"]


def test_falling_off_the_end_returns_nil():
    assert lines("""
        fn nothing() {}
        fn early(x) {
            if x { return }
            return 1
        }
        print(nothing(), early(true), early(false))
    """) == ["nil nil 1"]


def test_arity_errors_name_the_function():
    error = uncaught("fn area(w, h = w) { return w * h }\narea(1, 2, 3)")
    assert error_kind(error.value) == "ArityError"
    assert error.value.values[1] == "area() takes 1 to 2 arguments (3 given)"
    assert uncaught("fn f(a, ...b) {}\nf()").value.values[1] == "f() takes at least 1 argument (0 given)"
    assert uncaught("let g = fn (x) => x\ng()").value.values[1] == "<fn>() takes 1 argument (0 given)"
    assert kind_of("fn f(x) {}\nf(x: 1)") == "ArityError"


def test_closures_capture_variables_by_reference_and_share_them():
    assert lines("""
        fn counter() {
            let count = 0
            return fn () {
                count += 1
                return count
            }
        }
        let (c1, c2) = (counter(), counter())
        print(c1(), c1(), c1(), c2())
        fn pair() {
            let shared = 0
            return (fn () { shared += 1 }, fn () => shared)
        }
        let (inc, get) = pair()
        inc()
        inc()
        let late = 1
        let see = fn () => late
        late = 2
        print(get(), see())
    """) == ["1 2 3 1", "2 2"]


def test_functions_print_by_name_and_compare_by_identity():
    assert lines("""
        fn area() {}
        let alias = area
        let anon = fn () {}
        print(area, anon, print, alias == area, anon == fn () {}, type(area), type(print))
    """) == ["<fn area> <fn> <fn print> true false fn fn"]


def test_deep_recursion_within_the_limit():
    assert lines("""
        fn depth(n) {
            if n == 0 { return 0 }
            return 1 + depth(n - 1)
        }
        print(depth(3000))
    """) == ["3000"]


def test_recursion_past_the_limit_is_a_catchable_stack_overflow():
    program = """
        fn forever(n) { return 1 + forever(n + 1) }
        try { forever(0) } catch e { print(e.kind) }
        print("still alive")
    """
    assert lines(program, max_depth=300) == ["StackOverflow", "still alive"]
    assert lines(program) == ["StackOverflow", "still alive"]


def test_python_recursion_limit_also_ends_in_stack_overflow():
    # Each call nests its recursive call 80 blocks deep, so Python's recursion
    # limit is reached before max_depth: that must still be an Esker error.
    nested = "if true { " * 80 + "return 1 + forever(n + 1)" + " }" * 80
    assert run(f"""
        fn forever(n) {{ {nested} }}
        try {{ forever(0) }} catch e {{ print(e.kind, e.message) }}
    """) == "StackOverflow maximum recursion depth exceeded\n"
