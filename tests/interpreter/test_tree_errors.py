"""§7: throw, try/catch, runtime errors as Error values, and the uncaught-error report."""

from __future__ import annotations

import io

from esker.vm.interpreter import run_source
from esker.vm.runtime.errors import format_uncaught

from interpreter_support import lines, uncaught


def trace_of(text: str, path: str = "t.esk") -> list[str]:
    """The uncaught-error report of a program, line by line."""
    return format_uncaught(uncaught(text, path)).splitlines()


def test_runtime_errors_are_catchable_error_values():
    assert lines("""
        for program in [fn () => 1 // 0, fn () => [][0], fn () => ({})["k"], fn () => nil + 1,
                        fn () => assert(false), fn () => int("x")] {
            try {
                program()
            } catch e {
                print(type(e), e.kind, e.message)
            }
        }
    """) == ["Error ZeroDivisionError division by zero", "Error IndexError index 0 out of range for array of length 0",
             'Error KeyError key "k" not found', "Error TypeError unsupported operand types for +: nil and int",
             "Error AssertionError assertion failed", 'Error ValueError invalid int: "x"']


def test_any_value_can_be_thrown_and_catch_may_omit_the_name():
    assert lines("""
        try { throw {"code": 42} } catch e { print(e, type(e)) }
        try { throw Error("ValueError", "bad input") } catch e { print(e) }
        try { throw nil } catch { print("caught without a name") }
        try {
            try { throw 1 } catch { throw 2 }
        } catch e { print("rethrown", e) }
    """) == ['{"code": 42} map', 'Error(kind: "ValueError", message: "bad input")', "caught without a name",
             "rethrown 2"]


def test_control_flow_leaves_try_blocks_normally():
    assert lines("""
        fn find(xs) {
            for x in xs {
                try {
                    if x > 1 { return x }
                    continue
                } catch { print("never") }
            }
            return nil
        }
        let count = 0
        while true {
            try {
                count += 1
                if count == 3 { break }
            } catch { print("never") }
        }
        print(find([1, 2, 3]), count)
    """) == ["2 3"]


def test_errors_unwind_through_calls_and_handlers_run_once():
    assert lines("""
        let log = []
        fn guarded(f) {
            try {
                log.push("try")
                return f()
            } catch e {
                log.push("caught " + e.kind)
                throw Error("WrappedError", "wrapped " + e.kind)
            }
        }
        try { guarded(fn () => [][0]) } catch outer { print(outer.kind, outer.message) }
        print(log)
    """) == ["WrappedError wrapped IndexError", '["try", "caught IndexError"]']


def test_trace_lists_frames_innermost_first_at_the_failing_expression():
    assert trace_of("""fn divide(a, b) {
    return a // b
}
fn main() {
    let r = divide(1, 0)
    return r
}
main()
""") == ["error[ZeroDivisionError]: division by zero",
         "  at divide (t.esk:2:12)", "  at main (t.esk:5:13)", "  at <module> (t.esk:8:1)"]


def test_trace_through_methods_anonymous_functions_and_builtins():
    assert trace_of("""struct Box {
    v
    fn open(self) { return self.v.missing }
}
let f = fn (b) {
    let opened = b.open()
    return opened
}
print([Box(1)].map(f))
""") == ["error[AttributeError]: int has no field `missing`",
         "  at Box.open (t.esk:3:28)", "  at <fn> (t.esk:6:18)", "  at <module> (t.esk:9:7)"]


def test_a_frame_replaced_by_a_tail_call_is_left_out_of_the_trace():
    assert trace_of("""struct Box {
    v
    fn open(self) { return self.v.missing }
}
let f = fn (b) => b.open()
print([Box(1)].map(f))
""") == ["error[AttributeError]: int has no field `missing`",
         "  at Box.open (t.esk:3:28)", "  at <module> (t.esk:6:7)"]


def test_trace_of_throw_and_of_a_non_error_value():
    assert trace_of("""fn fail() {
    throw "plain"
}
fail()
""") == ["error[Uncaught]: plain", "  at fail (t.esk:2:5)", "  at <module> (t.esk:4:1)"]


def test_trace_points_at_the_innermost_failing_part_of_a_statement():
    assert trace_of("let values = [1, 2]\nlet total = 3 + values[0] * values[9]\n") == \
        ["error[IndexError]: index 9 out of range for array of length 2", "  at <module> (t.esk:2:29)"]
    assert trace_of("let x = 1\nx += nil\n") == \
        ["error[TypeError]: unsupported operand types for +: int and nil", "  at <module> (t.esk:2:1)"]


def test_errors_raised_by_argument_binding_are_reported_in_the_caller():
    assert trace_of("fn f(a) {}\n\nf(1, 2)\n") == \
        ["error[ArityError]: f() takes 1 argument (2 given)", "  at <module> (t.esk:3:1)"]


def test_run_source_reports_uncaught_errors_on_stderr(capsys):
    out = io.StringIO()
    status = run_source('print("start")\nlet m = {}\nprint(m["k"])\nprint("never")\n', "calc.esk", stdout=out)
    assert (status, out.getvalue()) == (1, "start\n")
    assert capsys.readouterr().err == 'error[KeyError]: key "k" not found\n  at <module> (calc.esk:3:7)\n'


def test_run_source_refuses_programs_with_syntax_errors(capsys):
    out = io.StringIO()
    assert run_source('print("never")\nlet = 5\n', "bad.esk", stdout=out) == 2
    assert out.getvalue() == ""
    assert capsys.readouterr().err.startswith("bad.esk:2:5: error[E0001]")


def test_run_source_success():
    out = io.StringIO()
    assert run_source("print(1 + 1)", "ok.esk", stdout=out) == 0 and out.getvalue() == "2\n"
