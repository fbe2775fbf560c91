"""The register VM: calls without Python recursion, upvalues, generators as
frames, exceptions through handler tables, builtins calling back, traces."""

from __future__ import annotations

from vm_support import output, run


def test_hundred_thousand_deep_recursion():
    program = "fn depth(n) { if n == 0 { return 0 }\n return 1 + depth(n - 1) }\nprint(depth(100000))"
    assert output(program) == "100000\n"


def test_a_million_tail_calls_run_in_constant_space():
    program = "fn loop(n, acc) { if n == 0 { return acc }\n return loop(n - 1, acc + n) }\nprint(loop(1000000, 0))"
    assert output(program) == "500000500000\n"


def test_runaway_recursion_is_a_catchable_stack_overflow():
    program = ("fn forever(n) { return 1 + forever(n + 1) }\n"
               "try { forever(0) } catch e { print(e.kind, e.message) }\nprint(\"alive\")")
    assert output(program, max_depth=3000) == "StackOverflow more than 3000 nested calls\nalive\n"


def test_recursion_through_builtin_callbacks_ends_in_stack_overflow():
    program = ("fn boom(n) { return [1].map(fn (x) => boom(n + 1)) }\n"
               "try { boom(0) } catch e { print(e.kind) }\nprint(\"alive\")")
    assert output(program, max_depth=3000) == "StackOverflow\nalive\n"


def test_callbacks_from_builtins_run_esker_functions():
    program = ("let xs = [3, 1, 2]\nprint(xs.map(fn (x) => x * 10), xs.filter(fn (x) => x > 1),"
               " xs.reduce(fn (a, b) => a + b, 0))")
    assert output(program) == "[30, 10, 20] [3, 2] 6\n"


def test_closures_share_one_variable_until_its_scope_ends():
    program = """
fn pair() {
    let n = 0
    let inc = fn () { n += 1 }
    let get = fn () => n
    inc(); inc()
    n += 10
    return (get, inc)
}
let (get, inc) = pair()
inc()
print(get())
"""
    assert output(program) == "13\n"


def test_each_loop_iteration_has_fresh_variables():
    program = """
let fs = []
for i in 0..3 { fs.push(fn () => i) }
let j = 0
while j < 3 {
    let k = j * 10
    fs.push(fn () => k)
    j += 1
    if j == 2 { continue }
}
print(fs.map(fn (f) => f()))
"""
    assert output(program) == "[0, 1, 2, 0, 10, 20]\n"


def test_break_closes_the_iteration_variables():
    program = "let fs = []\nfor i in 0..10 { fs.push(fn () => i)\n if i == 2 { break } }\nprint(fs.map(fn (f) => f()))"
    assert output(program) == "[0, 1, 2]\n"


def test_caught_errors_close_upvalues_of_the_abandoned_block():
    program = """
fn f() {
    let fs = []
    for i in 0..3 {
        try {
            let v = i * 2
            fs.push(fn () => v)
            if i == 1 { throw "x" }
        } catch { }
    }
    return fs.map(fn (g) => g())
}
print(f())
"""
    assert output(program) == "[0, 2, 4]\n"


def test_generators_are_lazy_suspended_frames():
    program = """
let log = []
fn gen(n) {
    log.push("start")
    let i = 0
    while i < n { yield i
        i += 1 }
}
let g = gen(3)
log.push("made")
for x in g { log.push(x) }
print(log, array(g))
"""
    assert output(program) == '["made", "start", 0, 1, 2] []\n'


def test_generator_closures_keep_their_own_variables():
    program = """
fn counters() {
    for i in 0..3 {
        let c = i * 100
        yield fn () { c += 1
            return c }
    }
}
let fs = array(counters())
print(fs[0](), fs[0](), fs[2]())
"""
    assert output(program) == "1 2 201\n"


def test_generators_resumed_from_python_and_from_for_loops():
    program = """
fn nums() { let i = 0
    while true { yield i
        i += 1 } }
let g = nums()
let got = []
for x in g { if x == 2 { break }
    got.push(x) }
for i, x in g { got.push((i, x))
    if i == 1 { break } }
print(got, max(array(fn () { for x in 0..3 { yield x } }())))
"""
    assert output(program) == "[0, 1, (0, 3), (1, 4)] 2\n"


def test_a_generator_cannot_resume_itself():
    program = """
let g = nil
fn gen() { for x in g { yield x } }
g = gen()
try { array(g) } catch e { print(e.kind) }
"""
    assert output(program) == "RuntimeError\n"


def test_errors_inside_generators_reach_the_consumer():
    program = """
fn bad() { yield 1
    let x = [][0] }
fn use() { for x in bad() { } }
use()
"""
    outcome = run(program)
    assert outcome.error.splitlines() == [
        "error[IndexError]: index 0 out of range for array of length 0",
        "  at bad (test.esk:3:13)",
        "  at use (test.esk:4:12)",
        "  at <module> (test.esk:5:1)"]


def test_trace_positions_point_at_the_failing_expression():
    program = "fn divide(a, b) {\n    return a // b\n}\nfn main() {\n    let r = divide(1, 0)\n    return r\n}\nmain()"
    assert run(program).error.splitlines() == [
        "error[ZeroDivisionError]: division by zero",
        "  at divide (test.esk:2:12)",
        "  at main (test.esk:5:13)",
        "  at <module> (test.esk:8:1)"]


def test_frames_replaced_by_tail_calls_are_left_out_of_traces():
    program = "fn inner() { throw Error(\"ValueError\", \"bad\") }\nfn outer() { return inner() }\nouter()"
    assert run(program).error.splitlines() == [
        "error[ValueError]: bad", "  at inner (test.esk:1:14)", "  at <module> (test.esk:3:1)"]


def test_thrown_values_that_are_not_errors():
    assert run('throw {"code": 1}').error == 'error[Uncaught]: {"code": 1}\n  at <module> (test.esk:1:1)'


def test_struct_fields_by_slot_across_struct_types():
    program = """
struct A { x, y }
struct B { y, x }
fn get(p) { return p.x }
fn put(p) { p.x = 7 }
let a = A(1, 2)
let b = B(3, 4)
put(a); put(b)
print(get(a), get(b), a, b)
try { get({"x": 1}) } catch e { print(e.kind) }
"""
    assert output(program) == "7 7 A(x: 7, y: 2) B(y: 3, x: 7)\nAttributeError\n"


def test_methods_static_methods_module_members_and_callable_fields():
    program = """
struct V { x
    fn twice(self) { return self.x * 2 }
    fn make(x) { return V(x) } }
struct H { f }
print(V.make(4).twice(), H(fn (a) => a + 1).f(1), math.floor(2.5))
try { V.twice() } catch e { print(e.kind) }  # the plain function, given no instance
"""
    assert output(program) == "8 2 2\nArityError\n"


def test_arity_defaults_rest_and_named_arguments():
    program = """
fn f(a, b = a + 1, ...rest) { return (a, b, rest) }
struct P { x, y = 0 }
print(f(1), f(1, 5, 6, 7), P(y: 2, x: 1))
for call in [fn () => f(), fn () => f(a: 1), fn () => P(1, 2, 3)] {
    try { call() } catch e { print(e.kind, e.message) }
}
"""
    assert output(program) == ("(1, 2, []) (1, 5, [6, 7]) P(x: 1, y: 2)\n"
                               "ArityError f() takes at least 1 argument (0 given)\n"
                               "ArityError f() takes no named arguments; only struct constructors do\n"
                               "ArityError P() takes at most 2 values (3 given)\n")


def test_assigning_a_builtin_or_a_top_level_name_before_it_exists():
    program = """
fn early() { later = 1 }
try { early() } catch e { print(e.kind, e.message) }
let later = 0
try { print = 1 } catch e { print(e.kind) }
"""
    assert output(program) == "RuntimeError undefined name `later`\nTypeError\n"


def test_top_level_names_become_live_module_members(tmp_path):
    (tmp_path / "lib.esk").write_text("let count = 1\nfn bump() { count += 1\n return count }\nstruct S { a }\n")
    main = tmp_path / "main.esk"
    main.write_text("import lib\nimport lib as again\nprint(lib.bump(), lib.count, again == lib, lib.S(1))\n")
    outcome = run(main.read_text(), path=str(main))
    assert outcome.error is None and outcome.stdout == "2 2 true S(a: 1)\n"


def test_missing_and_broken_modules_are_import_errors(tmp_path):
    (tmp_path / "broken.esk").write_text("let = 1\n")
    main = tmp_path / "main.esk"
    program = 'try { import nowhere } catch e { print(e.kind) }\ntry { import broken } catch e { print(e.kind) }'
    outcome = run(program, path=str(main))
    assert outcome.stdout == "ImportError\nImportError\n"


def test_runtime_errors_of_every_kind_are_catchable():
    program = """
let t = (1, 2)
let tests = [fn () => 1 // 0, fn () => [][1], fn () => ({})["k"], fn () => nil + 1, fn () => int("x"),
             fn () => match 3 { 1 => 1 }, fn () => assert(false), fn () { t[0] = 1 }]
for t in tests { try { t() } catch e { print(e.kind) } }
"""
    assert output(program) == ("ZeroDivisionError\nIndexError\nKeyError\nTypeError\nValueError\nMatchError\n"
                               "AssertionError\nTypeError\n")


def test_long_programs_of_every_shape_run():
    lets = "\n".join(f"    let v{i} = {i}" for i in range(260))
    program = f"""
fn many() {{
{lets}
    let g = fn () => v259 + v0
    v259 = 1000
    return g() + v130
}}
fn args(...xs) {{ return len(xs) }}
print(many(), args({", ".join("1" for _ in range(400))}), len([{", ".join(str(i) for i in range(5000))}]))
"""
    assert output(program) == "1130 400 5000\n"


def test_deeply_nested_expressions_agree_with_the_tree_walker():
    program = ("fn f(x) { return " + " - ".join(["(x * 2)"] * 50) + " + " +
               " ** ".join(["(x - 1)"] * 260) + " }\nprint(f(1), f(2))")
    assert output(program) == run(program, "tree").stdout == "-95 -191\n"


def test_tail_calls_through_methods_and_module_members_run_in_constant_space(tmp_path):
    (tmp_path / "lib.esk").write_text("fn down(n) { if n == 0 { return \"bottom\" }\n return down(n - 1) }\n")
    program = """import lib
struct Walker {
    steps
    fn walk(self, n) {
        if n == 0 { return self.steps }
        self.steps += 1
        return self.walk(n - 1)
    }
    fn count(n) {
        if n == 0 { return 0 }
        return Walker.count(n - 1)
    }
}
fn via_module(n) { return lib.down(n) }
print(Walker(0).walk(50000), Walker.count(50000), via_module(50000))
"""
    path = str(tmp_path / "main.esk")
    assert output(program, path=path, max_depth=1000) == "50000 0 bottom\n"
    assert run(program, "tree", path=path).stdout == "50000 0 bottom\n"


def test_a_return_of_a_call_inside_try_is_a_real_call():
    program = "fn f(n) { try { return f(n + 1) } finally { } }\ntry { f(0) } catch e { print(e.kind) }"
    assert output(program, max_depth=500) == "StackOverflow\n"


def test_the_debugger_counts_a_finally_as_catching_only_if_it_may_end_the_error():
    from esker.vm.compiler import compile_program
    from esker.vm.machine import VM
    from esker.vm.parser import parse
    from esker.vm.runtime.errors import EskerError

    seen = []

    class Watcher:
        def on_throw(self, error):
            seen.append((error.value, vm.error_will_be_caught()))

        def on_rethrow(self, error):
            seen.append(("again", error.value, vm.error_will_be_caught()))

    text = ("fn f(x) { try { throw x } finally { } }\n"
            "fn g(x) { for i in 0..3 { try { throw x } finally { if i < 1 { continue } } } }\n"
            "fn h(x) { try { throw x } finally { return 0 } }\n"
            "try { f(1) } catch e { }\n"
            "h(3)\n"
            "g(4)\n")
    parsed = parse(text, "t.esk")
    vm = VM()
    vm.attach_debugger(Watcher())
    try:
        vm.run_main(compile_program(parsed.program, parsed.source), "t.esk")
    except EskerError as error:
        assert error.value == 4
    # A finally block that may return, break or continue decides when it throws the error again.
    assert seen == [(1, True), ("again", 1, True), (3, None), (4, None), (4, None), ("again", 4, False)]
