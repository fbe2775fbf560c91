"""The debug controller's language-level helpers: value summaries and parts,
hit counts and log messages (the adapter shows what these return)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from esker.vm.debug_values import EvaluationError, child_counts, children, set_child, summary
from esker.vm.debugger import parse_hit_condition, parse_log_message
from esker.vm.runtime.printing import to_repr
from esker.vm.runtime.values import StructInstance, StructType

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.tuples(inner, inner),
    st.dictionaries(st.one_of(st.integers(), st.text(max_size=5)), inner, max_size=4)), max_leaves=30)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(min_value=5, max_value=120))
def test_summary_is_repr_or_its_beginning(value, limit):
    full = to_repr(value)
    shown = summary(value, limit)
    if len(full) <= limit:
        assert shown == full
    else:
        assert len(shown) == limit and shown.endswith("…") and full.startswith(shown[:-1])


def test_summary_of_a_huge_array_is_quick_and_short():
    assert summary(list(range(2_000_000)), 30) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9…"


def test_summary_of_a_self_containing_array_ends():
    cycle = [1]
    cycle.append(cycle)
    assert summary(cycle, 20).startswith("[1, [1, [1, ")


def test_parts_of_containers_and_structs():
    point = StructInstance(StructType("Point", ["x", "y"]), [3, 4])
    assert child_counts(point) == (2, 0) and child_counts([1, 2, 3]) == (0, 3) and child_counts(5) == (0, 0)
    assert [(c.name, c.value, c.access) for c in children(point, 0, 2, named=True)] == [
        ("x", 3, ".x"), ("y", 4, ".y")]
    assert [(c.name, c.access) for c in children({"a": 1, 2: 3}, 1, 5, named=False)] == [("2", "[2]")]
    assert [c.name for c in children(list(range(100)), 98, 10, named=False)] == ["98", "99"]


def test_setting_parts():
    numbers, table = [1, 2], {"a": 1}
    point = StructInstance(StructType("Point", ["x", "y"]), [3, 4])
    set_child(numbers, "1", 20)
    set_child(table, '"a"', 10)
    set_child(point, "y", 40)
    assert (numbers, table, point.values) == ([1, 20], {"a": 10}, [3, 40])
    for container, name in [((1, 2), "0"), (point, "z"), (table, '"b"'), (numbers, "x")]:
        with pytest.raises(EvaluationError):
            set_child(container, name, 0)


@pytest.mark.parametrize("text, stopping", [
    ("3", [3]), ("== 3", [3]), (">= 3", [3, 4, 5, 6]), ("> 4", [5, 6]), ("< 3", [1, 2]), ("<= 2", [1, 2]),
    ("% 2", [2, 4, 6]), (" %3 ", [3, 6]),
])
def test_hit_conditions(text, stopping):
    test = parse_hit_condition(text)
    assert [hits for hits in range(1, 7) if test(hits)] == stopping


@pytest.mark.parametrize("text", ["lots", "% 0", "=> 2", "2 3", ""])
def test_malformed_hit_conditions(text):
    with pytest.raises(ValueError):
        parse_hit_condition(text)


def test_log_messages_split_into_text_and_expressions():
    assert parse_log_message("x is {x}, sum {a + b}") == [(False, "x is "), (True, "x"), (False, ", sum "),
                                                          (True, "a + b")]
    assert parse_log_message("{{literal}} {m[{\"k\": 1}[\"k\"]]}") == [(False, "{literal} "),
                                                                        (True, 'm[{"k": 1}["k"]]')]
    assert parse_log_message("unclosed {x") == [(False, "unclosed {x")]
