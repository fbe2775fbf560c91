"""Every builtin and method, called with extreme and wrong values on both
engines: no host exception may escape (issue 9 §2.2) and both engines must
print the same. A sweep calls each one with every extreme value; hypothesis
then tries random mixes (set ESKER_FUZZ_EXAMPLES for a longer run)."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esker.vm.runtime.builtins import LIBRARY
from esker.vm.runtime.library import CONSTANT, FUNCTION, METHOD

from runtime_support import run_program

# The engines raise the process's recursion limit, which hypothesis notices.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

#: Helpers every generated program may use to build values no literal can.
PRELUDE = """
fn deep(n) {
    let x = []
    for i in 0..n { x = [x, i] }
    return x
}
fn deep_tuple(n) {
    let x = ()
    for i in 0..n { x = (x, i) }
    return x
}
fn count(n) {
    for i in 0..n { yield i }
}
struct Point { x, y = 0 }
enum Shape { Circle(r), Empty }
let NAN = math.inf - math.inf
let DEEP = deep(3000)
let DEEP_TUPLE = deep_tuple(3000)
fn show(make, shown) {
    try {
        let r = make()
        print(shown(r))
        if type(r) == "generator" { print(repr(array(zip(r, 0..50)))) }
    } catch e {
        print("error", e.kind, e.message)
    }
}
"""

EXTREMES = [
    "nil", "true", "false", "0", "-1", "1", "7", "255", "2 ** 31", "2 ** 63", "-(2 ** 63)", "2 ** 64 + 1",
    "10 ** 20", "2 ** 1000", "-(10 ** 400)", "0.0", "-0.0", "0.5", "-2.5", "1e308", "5e-324", "math.inf",
    "-math.inf", "NAN", '""', '"a"', '"héllo wörld"', '"😀\\u{1F468}\\u{200D}\\u{1F469}"', '"\\u{0}\\n\\t\\r"',
    '"١٢٣"', '"  spaced  "', '"a,b,,c"', '"9" ', '"ff"', '"-12_345"', '"line\\r\\nnext\\rlast\\u{2028}"',
    "[]", "[1, 2, 3]", '[3, "a", nil]', "[[1], [2]]", "[0.5, NAN, 1]", "()", "(1,)", '(1, "a")', "{}",
    '{"a": 1, 2: "b", (1, 2): [3]}', "0..0", "0..10", "0..2 ** 63", "-(2 ** 63)..=2 ** 63", "range(10, 0, -3)",
    "range(0, 2 ** 80, 2 ** 40)", "DEEP", "DEEP_TUPLE", "count(3)",
    "Point(1)", "Shape.Circle(2)", "Shape.Empty", "Point", "print", "len", "fn (x) => x", "fn (a, b) => a",
    "fn () => nil", "math", "io", "[].push",
]

#: Arguments that name files: only plain names inside the test's own folder.
PATHS = ['"data.txt"', '"missing.txt"', '"folder"', '""', '"nul\\u{0}here"', '"folder/inside.txt"', '"é €.txt"']

FUNCTIONS = [entry for entry in LIBRARY.entries.values() if entry.kind == FUNCTION]
METHODS = [entry for entry in LIBRARY.entries.values() if entry.kind == METHOD]
CONSTANTS = [entry for entry in LIBRARY.entries.values() if entry.kind == CONSTANT]
#: Results that differ from run to run; only their type is compared.
UNSTABLE = {"clock"}


def _takes_paths(entry) -> bool:
    return entry.owner == "io" and entry.name != "read_stdin"


def call_text(entry, receiver: str | None, args: list[str]) -> str:
    """An Esker expression calling `entry`."""
    if entry.kind == METHOD:
        return f"({receiver}).{entry.name}({', '.join(args)})"
    return f"{entry.qualified}({', '.join(args)})"


def probe(expression: str, unstable: bool = False) -> str:
    """A statement that prints what `expression` gives or raises, and what a
    generator it gives yields."""
    return f"show(fn () => {expression}, {'type' if unstable else 'repr'})\n"


def check_both_engines(program: str) -> None:
    """Runs on both engines, each in a fresh folder of its own: no host
    exception (run_program would raise it), the same output and status."""
    results = []
    home = os.getcwd()
    for engine in ("vm", "tree"):
        with tempfile.TemporaryDirectory() as folder:
            os.mkdir(os.path.join(folder, "folder"))
            with open(os.path.join(folder, "data.txt"), "w", encoding="utf-8") as handle:
                handle.write("one\ntwo\n")
            os.chdir(folder)
            try:
                results.append(run_program(PRELUDE + program, engine, stdin="one line\nrest\n", args=("a", "b c")))
            finally:
                os.chdir(home)
    assert "Traceback" not in results[0].stderr + results[1].stderr
    assert results[0] == results[1], (results[0], results[1])


def _argument_lists(entry, value: str) -> list[list[str]]:
    """Argument lists that fill every slot with `value` (paths stay safe)."""
    least = entry.min_args
    most = entry.max_args if entry.max_args is not None else least + 2
    lists = []
    for count in sorted({least, max(1, min(most, least + 1))}):
        args = [value] * count
        if _takes_paths(entry) and args:
            args[0] = PATHS[0]
        lists.append(args)
    return lists


@pytest.mark.parametrize("entry", FUNCTIONS + METHODS, ids=lambda entry: entry.qualified)
def test_every_builtin_survives_every_extreme_value(entry):
    if entry.qualified == "exit":
        pytest.skip("ends the program: covered by the random calls and test_builtins_v02")
    statements = []
    for value in EXTREMES:
        for args in _argument_lists(entry, value):
            receiver = value if entry.kind == METHOD else None
            statements.append(probe(call_text(entry, receiver, args), entry.qualified in UNSTABLE))
        if entry.kind == METHOD:  # a receiver of the method's own type with extreme arguments
            own = {"str": '"abc"', "array": "[3, 1, 2]", "map": '{"k": 1}', "tuple": "(1, 2)",
                   "range": "0..5"}[entry.owner]
            for args in _argument_lists(entry, value):
                statements.append(probe(call_text(entry, own, args)))
    check_both_engines("".join(statements))


def test_constants_and_namespaces_print_the_same_on_both_engines():
    check_both_engines("".join(probe(entry.qualified) for entry in CONSTANTS) + probe("[math, sys, io]"))


values = st.sampled_from(EXTREMES) | st.integers().map(lambda n: f"({n})") | \
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12).map(
        lambda text: '"' + "".join(c if c.isprintable() and c not in '\\"{}' else f"\\u{{{ord(c):x}}}"
                                   for c in text) + '"')


@st.composite
def calls(draw) -> str:
    entry = draw(st.sampled_from(FUNCTIONS + METHODS))
    most = entry.max_args if entry.max_args is not None else entry.min_args + 3
    count = draw(st.integers(max(0, entry.min_args - 1), most + 1))
    args = [draw(st.sampled_from(PATHS) if _takes_paths(entry) and index == 0 else values)
            for index in range(count)]
    receiver = draw(values) if entry.kind == METHOD else None
    return probe(call_text(entry, receiver, args), entry.qualified in UNSTABLE)


@settings(max_examples=int(os.environ.get("ESKER_FUZZ_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(calls(), min_size=1, max_size=6))
def test_random_calls_agree_on_both_engines_and_never_leak_host_errors(program):
    check_both_engines("".join(program))
