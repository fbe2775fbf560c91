"""`try … finally` (§13.2) and `exit()` passing through it, on both engines."""

from __future__ import annotations

from engines_support import exits, failure, printed, both


def test_finally_runs_after_a_normal_exit_and_after_a_caught_error():
    assert printed("""
        fn f(fail) {
            try {
                if fail { throw "boom" }
                print("body")
            } catch e {
                print("caught", e)
            } finally {
                print("finally")
            }
            print("after")
        }
        f(false)
        f(true)
    """) == ["body", "finally", "after", "caught boom", "finally", "after"]


def test_an_error_is_thrown_again_after_finally():
    assert printed("""
        fn f() {
            try {
                throw Error("ValueError", "inner")
            } finally {
                print("cleanup")
            }
            print("never")
        }
        try { f() } catch e { print(e.kind, e.message) }
    """) == ["cleanup", "ValueError inner"]


def test_an_error_in_catch_runs_finally_then_leaves():
    assert printed("""
        try {
            try { throw 1 } catch e { throw e + 1 } finally { print("finally") }
        } catch outer {
            print("outer", outer)
        }
    """) == ["finally", "outer 2"]


def test_return_keeps_its_value_through_finally():
    assert printed("""
        fn f(x) {
            try {
                return x
            } finally {
                x = 99
                print("finally", x)
            }
        }
        print(f(1))
    """) == ["finally 99", "1"]


def test_a_return_in_finally_replaces_the_value_and_swallows_the_error():
    assert printed("""
        fn value() {
            try { return "try" } finally { return "finally" }
        }
        fn swallow() {
            try { throw "lost" } finally { return "finally wins" }
        }
        print(value(), swallow())
    """) == ["finally finally wins"]


def test_an_error_in_finally_replaces_the_one_leaving():
    assert failure("""
        try { throw "first" } finally { throw "second" }
    """) == "error[Uncaught]: second"


def test_break_and_continue_pass_through_finally_and_keep_their_target():
    assert printed("""
        let steps = []
        for i in 0..5 {
            try {
                if i == 1 { continue }
                if i == 3 { break }
                steps.push(i)
            } finally {
                steps.push("f" + str(i))
            }
        }
        let n = 0
        while true {
            n += 1
            try {
                try {
                    if n < 3 { continue }
                    break
                } finally { steps.push("inner") }
            } finally { steps.push("outer") }
        }
        print(steps, n)
    """) == ['[0, "f0", "f1", 2, "f2", "f3", "inner", "outer", "inner", "outer", "inner", "outer"] 3']


def test_a_jump_in_finally_replaces_the_jump_or_return_leaving():
    assert printed("""
        fn f() {
            for i in 0..3 {
                try {
                    return "returned"
                } finally {
                    if i < 2 { continue }
                    break
                }
            }
            return "broke out"
        }
        fn g() {
            let out = []
            for i in 0..3 {
                try {
                    throw i
                } finally {
                    out.push(i)
                    continue
                }
            }
            return out
        }
        print(f(), g())
    """) == ["broke out [0, 1, 2]"]


def test_nested_finally_blocks_run_innermost_first_on_every_exit():
    assert printed("""
        let log = []
        fn f(how) {
            for i in 0..1 {
                try {
                    try {
                        if how == "return" { return "r" }
                        if how == "throw" { throw "t" }
                        if how == "break" { break }
                    } finally {
                        log.push("inner " + how)
                    }
                } finally {
                    log.push("outer " + how)
                }
            }
            return "fell"
        }
        for how in ["return", "break", "none"] { print(f(how)) }
        try { f("throw") } catch e { print("caught", e) }
        print(log)
    """) == ["r", "fell", "fell", "caught t",
             '["inner return", "outer return", "inner break", "outer break", "inner none", "outer none", '
             '"inner throw", "outer throw"]']


def test_finally_in_generators_and_closures():
    assert printed("""
        fn numbers() {
            try {
                yield 1
                yield 2
            } finally {
                print("generator done")
            }
        }
        for n in numbers() { print(n) }
        let fs = []
        for i in 0..2 {
            try {
                let j = i * 10
                fs.push(fn () => j)
                continue
            } finally {
                fs.push(fn () => i)
            }
        }
        print(fs.map(fn (f) => f()))
    """) == ["1", "2", "generator done", "[0, 0, 10, 1]"]


def test_return_of_a_call_inside_try_finally_is_no_tail_call():
    outcome = both("""
        fn f(n) {
            try {
                return g(n)
            } finally {
                print("finally", n)
            }
        }
        fn g(n) { throw Error("ValueError", "from g") }
        f(1)
    """)
    assert outcome.stdout == "finally 1\n"
    assert outcome.error.splitlines() == [
        "error[ValueError]: from g", "  at g (test.esk:9:11)", "  at f (test.esk:4:16)", "  at <module> (test.esk:10:1)"]


def test_the_trace_of_an_error_passing_through_finally_points_where_it_was_thrown():
    assert both("""
        fn f() {
            try {
                let x = 1 // 0
            } finally {
                print("cleanup")
            }
        }
        f()
    """).error.splitlines() == [
        "error[ZeroDivisionError]: division by zero", "  at f (test.esk:4:17)", "  at <module> (test.esk:9:1)"]


def test_exit_runs_every_finally_on_the_way_out_and_is_never_caught():
    assert exits("""
        fn leave() {
            try {
                exit(3)
            } catch e {
                print("never: catch")
            } finally {
                print("inner finally")
            }
        }
        try {
            [1].map(fn (x) => leave())
        } catch e {
            print("never: outer catch")
        } finally {
            print("outer finally")
        }
        print("never: after")
    """) == ("inner finally\nouter finally\n", 3)


def test_exit_from_a_generator_and_a_finally_that_swallows_it():
    assert exits("""
        fn gen() {
            try { yield 1
                exit(4) } finally { print("generator finally") }
        }
        for x in gen() { print(x) }
    """) == ("1\ngenerator finally\n", 4)
    assert printed("""
        fn f() {
            try { exit(5) } finally { return "exit was discarded" }
        }
        print(f())
    """.replace("exit(5)", "throw 0")) == ["exit was discarded"]
