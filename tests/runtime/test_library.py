"""The one table of builtins: complete, documented, and the one source every
reader uses (runtime, checker, symbols). Every example runs on both engines
and prints what its documentation says."""

from __future__ import annotations

import pytest

from esker.vm.analysis import analyze
from esker.vm.machine import VM
from esker.vm.runtime.builtins import GLOBAL_NAMES, LIBRARY
from esker.vm.runtime.library import FUNCTION, METHOD, NAMESPACE, TYPES, parse_arity
from esker.vm.runtime.values import Builtin, Module
from esker.vm.symbols import BUILTIN_ARITY, builtin_scope

from runtime_support import ENGINES, run_program

ENTRIES = list(LIBRARY.entries.values())


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.qualified)
def test_every_entry_is_documented_with_an_example(entry):
    assert entry.summary.endswith(".") and not entry.summary[0].islower()
    assert "\n" not in entry.summary, "the summary is one line"
    assert entry.example, f"{entry.qualified} has no example"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.qualified)
@pytest.mark.parametrize("engine", ENGINES)
def test_every_example_prints_what_its_documentation_says(entry, engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the io examples make files
    result = run_program(entry.example, engine)
    if entry.output:
        assert (result.stdout, result.status, result.stderr) == (entry.output, 0, "")
    else:  # examples that need a terminal or arguments: they must at least run
        assert "error[" not in result.stderr


def test_the_global_names_come_from_the_table():
    names = VM().builtins
    assert set(names) == GLOBAL_NAMES == {entry.name for entry in LIBRARY.globals()}
    assert {"print", "sorted", "zip", "exit", "Error", "math", "sys", "io"} <= GLOBAL_NAMES
    for entry in LIBRARY.globals():
        if entry.kind == FUNCTION:
            builtin = names[entry.name]
            assert type(builtin) is Builtin and (builtin.min_args, builtin.max_args) == (entry.min_args, entry.max_args)
        elif entry.kind == NAMESPACE:
            assert type(names[entry.name]) is Module
            assert set(names[entry.name].members) == set(LIBRARY.members(entry.name))


def test_methods_of_every_builtin_type_are_in_the_table():
    assert set(TYPES) == {"str", "array", "map", "tuple", "range"}
    for type_name in TYPES:
        assert LIBRARY.methods(type_name), type_name
        assert all(entry.kind == METHOD for entry in LIBRARY.methods(type_name).values())
    assert {"repeat", "count", "lstrip", "rstrip", "pad_left", "pad_right", "is_digit", "is_alpha", "is_space",
            "lines"} <= set(LIBRARY.methods("str"))
    assert {"set_default", "update", "pop"} <= set(LIBRARY.methods("map"))
    assert {"e", "tau", "hypot", "asin", "acos", "atan", "log10", "log2", "trunc", "isnan", "isinf"} <= \
        set(LIBRARY.members("math"))


@pytest.mark.parametrize("params, arity", [
    ("", (0, 0)), ("x", (1, 1)), ("...", (0, None)), ("x, ...", (1, None)), ("[prompt]", (0, 1)),
    ("iterable[, key[, reverse]]", (1, 3)), ("[start, ]stop[, step]", (1, 3)), ("k, v", (2, 2)),
])
def test_arity_is_read_from_the_documented_parameters(params, arity):
    assert parse_arity(params) == arity


def test_the_checker_and_the_symbol_table_read_the_table():
    assert BUILTIN_ARITY["sorted"] == (1, 3) and BUILTIN_ARITY["math.hypot"] == (1, None)
    assert BUILTIN_ARITY["io.write"] == (2, 2) and BUILTIN_ARITY["sys.env"] == (1, 2)
    scope = builtin_scope()
    assert scope.symbols["zip"].doc == LIBRARY.lookup("zip").documentation()
    assert scope.symbols["io"].members["lines"].doc == LIBRARY.lookup("io.lines").documentation()
    diagnostics = analyze("sorted([1], nil, true, 4)\nio.read()\nmath.hypot()\n", "t.esk").diagnostics
    assert [(item.code, item.span.line) for item in diagnostics] == [("W0104", 1), ("W0104", 2), ("W0104", 3)]


def test_the_runtime_checks_the_arity_the_table_gives():
    result = run_program("try { sorted() } catch e { print(e.message) }\n"
                         "try { [].sort(nil, true, 1) } catch e { print(e.message) }")
    assert result.stdout == ("sorted() takes 1 to 3 arguments (0 given)\n"
                             "array.sort() takes 0 to 2 arguments (3 given)\n")
