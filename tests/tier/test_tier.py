"""The compiled tier's own contract: every instruction has a translation, the
generated Python for small functions, traces, depth limits, tail calls,
closures and generators across the two tiers, and the command's options."""

from __future__ import annotations

import io

import pytest

from esker.vm.deep import call_with_deep_stack
from esker.vm.machine import VM
from esker.vm.opcodes import OPCODES
from esker.vm.runtime.errors import ProgramExit
from esker.vm.symbols import BUILTIN_NAMES
from esker.vm.tier import python_sources
from esker.vm.tier_translate import TRANSLATIONS
from tier_support import run_mode
from vm_support import compile_text


def test_every_instruction_has_a_translation():
    assert set(TRANSLATIONS) == {info.name for info in OPCODES}


def _same_everywhere(text: str, modes=("tier0", "tier1", "tier"), **options) -> str:
    expected = run_mode(text, "vm", **options)
    for mode in modes:
        assert run_mode(text, mode, **options) == expected, mode
    return expected


# ------------------------------------------------------------------ generated Python

def _python(text: str, name: str) -> str:
    """The generated source of function `name`, each line after its pc."""
    sources = python_sources(compile_text(text), "test.esk")
    source = next(source for source in sources if source.proto.name == name)
    return "\n".join(f"{'' if pc < 0 else pc:>3} | {line}" for line, pc in zip(source.lines, source.pcs))


def test_golden_python_of_a_leaf_function():
    assert _python("fn add(a, b) { return a + b }\n", "add") == GOLDEN_ADD


def test_golden_python_of_a_loop():
    text = "fn count(n) {\n    let total = 0\n    for i in 0..n { total += i }\n    return total\n}\n"
    assert _python(text, "count") == GOLDEN_COUNT


def test_loops_left_by_return_and_break_stay_structured():
    text = ("fn find(xs, goal) {\n    let i = 0\n    while true {\n        while true {\n"
            "            if i == len(xs) { return -1 }\n            if xs[i] == goal { break }\n"
            "            i += 1\n        }\n        if i % 2 == 0 { return i }\n        i += 1\n    }\n}\n"
            "print(find([1, 2, 3, 4, 2], 2), find([2, 2], 2), find([], 1), find([1, 2], 2))\n")
    source = next(each for each in python_sources(compile_text(text), "test.esk") if each.proto.name == "find")
    assert source.shape == "structured"
    assert _same_everywhere(text) == "4 0 -1 -1\n"



def test_code_after_a_for_loop_whose_body_can_throw_still_runs():
    # The loop's throw is absorbed into its body; the code after the loop,
    # which only ends the function, must stay after it (the for's exit).
    text = ("fn pairs(n) {\n    let log = []\n    for (a, b) in [(1, n), [2, 0]] {\n"
            "        log.push(a + b)\n        if n == 0 { throw \"zero\" }\n    }\n"
            "    log.push(n)\n    return log\n}\n"
            "fn counted(n) {\n    let log = []\n    for i in 0..n {\n        if i > 5 { throw \"big\" }\n"
            "        log.push(i)\n    }\n    return log\n}\n"
            "print(pairs(1), counted(3))\n"
            "try { pairs(0) } catch e { print(e) }\n")
    assert _same_everywhere(text) == "[2, 2, 1] [0, 1, 2]\nzero\n"


GOLDEN_ADD = """\
    | def add_1(F, D, r0, r1):
  0 |     if D > host_depth: return deep(F, D, [r0, r1])
  0 |     try:
  0 |         if not ((t := type(r0)) is int or t is float): raise Deopt(0)
  0 |         if not ((t := type(r1)) is int or t is float): raise Deopt(0)
  0 |         r2 = r0 + r1
  1 |         return r2
    |     except EskerError as e:
    |         leave(e, PCS[e.__traceback__.tb_lineno])
    |         raise
    |     except RecursionError as x:
    |         e = stack_overflow()
    |         leave(e, PCS[x.__traceback__.tb_lineno])
    |         raise e from None
    |     except ArithmeticError as x:
    |         e = arithmetic_error(x)
    |         leave(e, PCS[x.__traceback__.tb_lineno])
    |         raise e from None
    |     except Deopt as x:
    |         return resume(F, D, x.pc, locals())"""

GOLDEN_COUNT = """\
    | def count_1(F, D, r0):
  0 |     if D > host_depth: return deep(F, D, [r0])
  0 |     try:
  0 |         r1 = 0
  1 |         r2 = 0
  2 |         r3 = r0
  3 |         if type(r2) is not int or type(r3) is not int: make_range(r2, r3, False)
  6 |         for r2 in range(r2, r3):
  6 |           r4 = r2
  5 |           if STOP: poll()
  5 |           r1 = r1 + r4
  6 |           continue
  8 |         return r1
    |     except EskerError as e:
    |         leave(e, PCS[e.__traceback__.tb_lineno])
    |         raise
    |     except RecursionError as x:
    |         e = stack_overflow()
    |         leave(e, PCS[x.__traceback__.tb_lineno])
    |         raise e from None"""


# ------------------------------------------------------------------ errors and traces

TRACED = """\
fn divide(a, b) { return a // b }
fn middle(x) {
    let r = divide(x, x - 3)
    return r + 1
}
fn outer(n) {
    let t = 0
    for i in 0..n {
        try { t += middle(i) } catch e { print("caught", e.kind, i) }
    }
    return t
}
print(outer(6))
let xs = [1, 2, 3].map(fn (v) => middle(v + 2))
"""


def test_traces_and_handlers_through_compiled_frames():
    report = _same_everywhere(TRACED)
    assert "caught ZeroDivisionError 3" in report
    assert report.endswith("error[ZeroDivisionError]: division by zero\n  at divide (test.esk:1:26)\n"
                           "  at middle (test.esk:3:13)\n  at <module> (test.esk:14:10)")


DEEP_KEYS = """\
fn nest(n) {
    let t = ()
    for i in 0..n { t = (t,) }
    return t
}
fn look(m, k) {
    let n = len(m)
    return m[k]
}
fn caught(m, k) {
    let n = len(m)
    try { return m[k] } catch e { print("caught", e.kind) }
    return -n
}
fn finished(m, k) {
    let n = len(m)
    try { return m[k] } finally { print("finally") }
}
let t = nest(200000)
let u = nest(200000)
let m = {}
m[t] = 1
for i in 0..3 { print(caught(m, u)) }
try { finished(m, u) } catch e { print("outer", e.kind) }
try { look(m, u) } catch e { print("outer", e.kind) }
for i in 0..200000 { t = (t,) }
"""


def test_python_recursion_limit_in_compiled_code_is_a_stack_overflow_at_its_pc():
    # Comparing two deep keys exceeds Python's recursion limit inside compiled code.
    report = _same_everywhere(DEEP_KEYS + "print(m[u])\n")
    assert report.count("caught StackOverflow\n-1\n") == 3
    assert "finally\nouter StackOverflow\nouter StackOverflow\n" in report
    assert report.endswith("error[StackOverflow]: maximum recursion depth exceeded\n  at <module> (test.esk:27:7)")
    module = ("let t = ()\nfor i in 0..200000 { t = (t,) }\nlet u = ()\nfor i in 0..200000 { u = (u,) }\n"
              "let m = {}\nm[t] = 1\nprint(m[u])\n")
    assert _same_everywhere(module).endswith("recursion depth exceeded\n  at <module> (test.esk:7:7)")
    report = _same_everywhere(DEEP_KEYS + "print(look(m, u))\n", modes=("tier0",))
    assert report.endswith("maximum recursion depth exceeded\n  at look (test.esk:8:12)\n"
                           "  at <module> (test.esk:27:7)")


def test_inline_len_str_and_concatenation_keep_the_runtime_cases():
    text = ('let s = ""\nfor i in 0..5 { s = s + str(i) + str(1.5) + str(nil) + str([1, "a"]) }\n'
            'print(s, len(s), len([1, 2]), len({"a": 1}), len((1, 2)), len(0..10))\n'
            'fn f(x) { return "a" + str(x) + x }\nprint(f("b"))\ntry { f(1) } catch e { print(e) }\nprint(len(3))\n')
    report = _same_everywhere(text)
    assert "abb\n" in report and "unsupported operand types for +: str and int" in report
    assert report.endswith("len() of int\n  at <module> (test.esk:7:7)")


def test_thrown_values_and_uncaught_errors_in_module_code():
    _same_everywhere('let t = 0\nfor i in 0..100 { t += i }\nlet m = {"a": 1}\nprint(t, m["b"])\n')


# ------------------------------------------------------------------ depth and tail calls

def test_deep_recursion_runs_in_compiled_code_without_a_host_recursion_error():
    assert run_mode("fn d(n) { if n == 0 { return 0 }; return 1 + d(n - 1) }\nprint(d(100000))\n",
                    "tier0") == "100000\n"


def test_stack_overflow_at_the_same_depth_and_with_the_same_trace():
    report = _same_everywhere("fn d(n) { return 1 + d(n + 1) }\ntry { d(0) } catch e { print(e) }\nd(0)\n",
                              max_depth=3000)
    assert report.startswith('Error(kind: "StackOverflow", message: "more than 3000 nested calls")\n')


def test_tail_calls_run_in_constant_space():
    text = ("fn even(n) { if n == 0 { return true }; return odd(n - 1) }\n"
            "fn odd(n) { if n == 0 { return false }; return even(n - 1) }\n"
            "fn loop(n, acc) { if n == 0 { return acc }; return loop(n - 1, acc + n) }\n"
            "print(even(200001), loop(200000, 0))\n")
    assert _same_everywhere(text, max_depth=500) == "false 20000100000\n"


def test_tail_calls_made_directly_leave_the_caller_out_of_traces():
    text = ("fn boom(x) { if x > 2 { return x / 0 }; return x }\n"
            "fn via(x) { return boom(x + 1) }\n"
            "for i in 0..3 { print(via(i)) }\n")
    report = _same_everywhere(text)
    assert report.endswith("error[ZeroDivisionError]: division by zero\n  at boom (test.esk:1:32)\n"
                           "  at <module> (test.esk:3:23)")


def test_deep_recursion_through_direct_tail_calls():
    text = ("fn d(n) { if n == 0 { return 0 }; return 1 + via(n) }\n"
            "fn via(n) { return d(n - 1) }\n"
            "print(d(100000))\n")
    assert _same_everywhere(text, modes=("tier0", "tier1")) == "100000\n"


def test_tail_call_from_a_frame_whose_registers_a_closure_captured():
    text = ("fn h(x) { return x * 2 }\n"
            "fn f(n, flag) {\n    if flag { let g = fn () => n\n        print(g()) }\n    return h(n)\n}\n"
            "for i in 0..3 { print(f(i, i == 1)) }\n")
    assert _same_everywhere(text) == "0\n1\n2\n4\n"


def test_arity_errors_of_calls_and_tail_calls():
    _same_everywhere("fn two(a, b) { return a }\nfn t(x) { return two(x) }\n"
                     "try { two(1) } catch e { print(e) }\nt(1)\n")


# ------------------------------------------------------------------ across the tiers

def test_closures_share_upvalues_across_tiers_and_loop_iterations():
    text = """\
fn make() {
    let fs = []
    let shared = 0
    for i in 0..50 {
        let j = i * 2
        fs.push(fn () { shared += 1; return j + shared })
    }
    return fs
}
let fs = make()
let before = fs[3]()
let out = []
for f in fs { out.push(f()) }
print(before, out[0], out[49], fs[0]())
"""
    _same_everywhere(text)


def test_builtins_calling_back_into_compiled_code():
    _same_everywhere("fn sq(x) { return x * x }\nlet xs = []\nfor i in 0..300 { xs.push(300 - i) }\n"
                     "xs.sort()\nprint(xs.map(sq).filter(fn (v) => v % 7 == 0).reduce(fn (a, b) => a + b, 0))\n")


def test_generators_switch_tiers_while_suspended_and_running():
    text = """\
fn upto(n) { let i = 0; while i < n { yield i; i += 1 } }
fn evens(g) { for x in g { if x % 2 == 0 { yield x } } }
let g = upto(2000)
let t = 0
for v in g { t += v; if v == 900 { break } }
for v in evens(g) { t += v }
print(t, array(upto(4)), array(g))
fn boom() { for i in 0..1000 { if i == 800 { throw Error("ValueError", "late") }; yield i } }
for v in boom() { t += v }
"""
    assert "error[ValueError]: late\n  at boom (test.esk:8:" in _same_everywhere(text)


def test_structs_enums_and_methods_in_hot_code():
    text = """\
struct V { x, y = 0
    fn add(self, o) { return V(self.x + o.x, self.y + o.y) }
    fn zero() { return V(0) } }
enum Shape { Circle(r), Square(s), Empty }
fn area(s) { return match s { Shape.Circle(r) => 3 * r * r, Shape.Square(s) => s * s, _ => 0 } }
let v = V.zero()
let a = 0
for i in 0..400 {
    v = v.add(V(i, y: 1))
    a += area(i % 3 == 0 ? Shape.Circle(i) : i % 3 == 1 ? Shape.Square(i) : Shape.Empty)
}
print(v, a, v.z)
"""
    assert "error[AttributeError]" in _same_everywhere(text)


def test_modules_run_compiled(tmp_path, monkeypatch):
    (tmp_path / "geometry.esk").write_text("fn area(w, h) { return w * h }\nlet calls = 0\n")
    monkeypatch.chdir(tmp_path)
    text = "import geometry\nlet t = 0\nfor i in 0..200 { t += geometry.area(i, 2) }\nprint(t, geometry.calls)\n"
    assert _same_everywhere(text, path=str(tmp_path / "main.esk")) == "39800 0\n"


# ------------------------------------------------------------------ the command

def test_run_options_choose_the_tier(esker, tmp_path):
    (tmp_path / "p.esk").write_text("let t = 0\nfor i in 0..3000 { t += i }\nprint(t)\n")
    for options in (["--tier", "vm"], ["--tier-threshold", "0"], ["--tier", "auto"], []):
        done = esker("run", *options, "p.esk", cwd=tmp_path)
        assert (done.status, done.stdout) == (0, "4498500\n"), options
    done = esker("--tier-threshold", "0", "run", "p.esk", cwd=tmp_path)
    assert (done.status, done.stdout) == (0, "4498500\n")
    bad = esker("run", "--tier-threshold", "-1", "p.esk", cwd=tmp_path)
    assert bad.status == 2 and "expected a number of calls" in bad.stderr


DEEP = """\
struct Walker {
    step
    fn down(self, n) { if n == 0 { return 0 }; return self.step + self.down(n - 1) }
}
fn d(n) { if n == 0 { return 0 }; return 1 + d(n - 1) }
fn via(n) { return d(n) }
fn spin(n, acc) { if n == 0 { return acc }; return spin(n - 1, acc + 1) }
print(d(100000), via(100000), Walker(1).down(100000), spin(300000, 0))
fn forever(n) { return 1 + forever(n + 1) }
forever(0)
"""


def test_deep_recursion_and_tail_calls_through_the_command(esker, tmp_path):
    """100,000-deep recursion through compiled functions, methods and a direct
    tail call, a long tail-call loop, and a StackOverflow: never a host error."""
    (tmp_path / "deep.esk").write_text(DEEP)
    reports = set()
    for options in (["--tier", "vm"], ["--tier-threshold", "0"], ["--tier-threshold", "1"], []):
        done = esker("run", *options, "deep.esk", cwd=tmp_path)
        assert done.stdout == "100000 100000 100000 300000\n", options
        assert done.status == 1 and "RecursionError" not in done.stderr and "Traceback" not in done.stderr
        reports.add(done.stderr)
    assert len(reports) == 1 and "StackOverflow" in reports.pop()


def test_dis_python_shows_each_function_with_its_pcs(esker, tmp_path):
    (tmp_path / "p.esk").write_text("fn fib(n) {\n    if n < 2 { return n }\n    return fib(n - 1) + fib(n - 2)\n}\n"
                                    "print(fib(10))\n")
    done = esker("dis", "--python", "p.esk", cwd=tmp_path)
    assert done.status == 0
    assert "# <module> (p.esk:1)" in done.stdout and "# fib (p.esk:1)" in done.stdout
    assert "def fib_1(F, D, r0):" in done.stdout and "return r0  " in done.stdout
    only = esker("dis", "--python", "--function", "fib", "p.esk", cwd=tmp_path)
    assert only.stdout.startswith("# fib (p.esk:1)\ndef fib_1(F, D, r0):") and "<module>" not in only.stdout
    missing = esker("dis", "--python", "--function", "nope", "p.esk", cwd=tmp_path)
    assert missing.status == 2 and "no function named nope" in missing.stderr


def test_finally_rethrow_and_exit_across_tiers():
    text = """\
fn risky(n) {
    try {
        if n % 3 == 0 { throw Error("ValueError", "bad " + str(n)) }
        return n
    } finally {
        print("cleanup", n)
    }
}
fn loop() {
    let t = 0
    for i in 1..8 {
        try { t += risky(i) } catch e { print("caught", e.message) } finally { t += 100 }
        if i == 5 { continue }
    }
    return t
}
print(loop())
try { risky(3) } finally { print("outer finally") }
"""
    report = _same_everywhere(text)
    assert "error[ValueError]: bad 3\n  at risky (test.esk:3:" in report


@pytest.mark.skipif("exit" not in BUILTIN_NAMES, reason="exit() is not a builtin yet")
def test_exit_runs_finally_blocks_in_compiled_code(esker, tmp_path):
    (tmp_path / "p.esk").write_text("fn leave(n) { try { if n == 300 { exit(3) } } finally { if n == 300 { "
                                    'print("finally", n) } } }\n'
                                    'try { for i in 0..1000 { leave(i) } } finally { print("outer") }\n')
    for options in (["--tier", "vm"], ["--tier-threshold", "0"], ["--tier-threshold", "1"]):
        done = esker("run", *options, "p.esk", cwd=tmp_path)
        assert (done.status, done.stdout, done.stderr) == (3, "finally 300\nouter\n", ""), options


HANDLERS = """\
fn parse(s) {
    try { return int(s) } catch e { return -1 }
}
fn first_big(xs) {
    let found = nil
    for x in xs {
        try {
            if x > 10 { found = x; break }
            if x < 0 { continue }
            if x == 7 { return "seven" }
        } finally {
            print("checked", x)
        }
    }
    return found
}
fn replaced(n) {
    try { throw "inner" } finally { if n > 0 { throw "from finally " + str(n) } }
}
fn counted() {
    let seen = []
    for i in 0..3 {
        try { try { if i == 1 { throw i } } finally { seen.push(("f", i)) } } catch e { seen.push(("c", e)) }
    }
    return seen
}
fn gen(n) {
    try {
        for i in 0..n { yield i; if i == 2 { throw "gen stop" } }
    } finally {
        print("gen finally")
    }
}
fn drain(n) {
    let got = []
    try { for v in gen(n) { got.push(v) } } catch e { got.push(e) }
    return got
}
fn across(f) { try { return f() } catch e { return ("across", e) } finally { print("across finally") } }
print(parse("12"), parse("x"), first_big([1, -2, 3, 12, 5]), first_big([7]))
for n in 0..2 { try { replaced(n) } catch e { print("caught", e) } }
print(counted(), drain(2), drain(5))
print(across(fn () => first_big([30])), across(fn () => replaced(1)))
fn leave(n) { try { if n == 2 { exit(4) } } finally { print("leaving", n) } }
try { for i in 0..5 { leave(i) } } finally { print("outer") }
"""


def test_functions_with_handlers_are_compiled_and_behave_as_in_the_vm():
    expected = _same_everywhere(HANDLERS)
    assert expected.endswith("leaving 2\nouter\n<exit 4>") and "caught from finally 1" in expected
    vm = VM(stdout=io.StringIO(), tier_threshold=0)
    with pytest.raises(ProgramExit):
        call_with_deep_stack(lambda: vm.run_main(compile_text(HANDLERS), "test.esk"))
    states = vm._tier.states.values()
    assert {state.proto.display_name for state in states if state.proto.handlers} >= {
        "parse", "first_big", "replaced", "counted", "gen", "across", "leave"}
    assert all(state.compiled for state in states) and not vm._tier.failures


class _Stopping(io.StringIO):
    """Standard output that asks the VM to stop when the program prints `ready`,
    as Ctrl-C would while it runs."""

    vm = None

    def write(self, text: str) -> int:
        if "ready" in text:
            self.vm.stop()
        return super().write(text)


@pytest.mark.parametrize("threshold", [None, 0, 1, 500])
def test_a_stop_runs_the_finally_of_a_loop_that_begins_its_try(threshold):
    # The loop's header is the try's first instruction: a stop seen at the
    # loop's back edge belongs to it, so the finally block runs.
    text = ("fn spin() {\n    let n = 0\n    try {\n        while true { n += 1; if n == 700 { print(\"ready\") } }\n"
            "    } finally {\n        print(\"finally\", n >= 700)\n    }\n}\nspin()\n")
    out = _Stopping()
    vm = out.vm = VM(stdout=out, tier_threshold=threshold)
    with pytest.raises(ProgramExit) as stopped:
        call_with_deep_stack(lambda: vm.run_main(compile_text(text), "test.esk"))
    assert stopped.value.interrupted and stopped.value.status == 130
    assert out.getvalue() == "ready\nfinally true\n"
    assert not vm.stop_pending and (vm._tier is None or not vm._tier.shared["STOP"])
