"""The runtime's limits and messages are the same on every engine: collecting
an endless generator stops at the builtins' element limit, and error messages
show a huge value by its two ends, not in full."""

from __future__ import annotations

import pytest

from esker.vm.runtime import arguments
from esker.vm.runtime.printing import MAX_SHOWN_CHARS

from engines_support import both, printed

ENDLESS = """
fn naturals() {
    let n = 0
    while true {
        yield n
        n += 1
    }
}
for collect in [array, sorted, fn (g) => ",".join(g)] {
    try { collect(naturals()) } catch e { print(e.kind, e.message) }
}
print(array(naturals()).len())
"""


def test_collecting_an_endless_generator_stops_at_the_element_limit(monkeypatch):
    # The real limit (2**28) takes minutes to reach; the check is the same at any size.
    monkeypatch.setattr(arguments, "MAX_ELEMENTS", 1000)
    outcome = both(ENDLESS)
    assert outcome.stdout.splitlines() == [
        "ValueError array() would make more than 1,000 elements; the limit is 1,000",
        "ValueError sorted() would make more than 1,000 elements; the limit is 1,000",
        "ValueError str.join() would make more than 1,000 elements; the limit is 1,000",
    ]
    assert outcome.error.splitlines() == [
        "error[ValueError]: array() would make more than 1,000 elements; the limit is 1,000",
        "  at <module> (test.esk:12:7)"]


def test_collections_up_to_the_limit_are_whole(monkeypatch):
    monkeypatch.setattr(arguments, "MAX_ELEMENTS", 1000)
    assert printed("""
        fn upto(n) { for i in 0..n { yield i } }
        print(array(upto(1000)).len(), sorted(upto(1000))[-1], array(0..1000).len())
        try { array(0..1001) } catch e { print(e.message) }
    """) == ["1000 999 1000", "array() would make 1,001 elements; the limit is 1,000"]


def _shortened(text: str, length: int) -> str:
    """How an error message shows a value rendered as `text` of `length` characters."""
    half = MAX_SHOWN_CHARS // 2
    return f"{text[:half]} ... {length - 2 * half:,} more characters ... {text[-half:]}"


def test_a_missing_huge_key_is_shown_by_its_two_ends():
    key = '"' + "k" * 1_000_000 + '"'
    shown = _shortened(key, len(key))
    outcome = both("""
        let key = "k".repeat(1000000)
        let m = {"a": 1}
        try { m[key] } catch e { print(e.message) }
        try { m.remove(key) } catch e { print(e.message) }
        try { m.pop(key) } catch e { print(e.message) }
        m[key]
    """)
    assert outcome.stdout == f"key {shown} not found\n" * 3
    assert outcome.error == f"error[KeyError]: key {shown} not found\n  at <module> (test.esk:7:1)"


@pytest.mark.parametrize("expression, message", [
    ("[1][10 ** 300]", "index {} out of range for array of length 1"),
    ('int("z".repeat(300))', "invalid int: {}"),
    ('float("z".repeat(300))', "invalid float: {}"),
    ('match "z".repeat(300) { 1 => 1 }', "no match arm matches {}"),
    ('"ab".pad_left(5, "z".repeat(300))', "str.pad_left() fill must be one character, not {}"),
])
def test_every_message_that_shows_a_value_shortens_it(expression, message):
    from esker.vm.runtime.printing import to_repr

    outcome = both(f"try {{ {expression} }} catch e {{ print(e.message) }}\n")
    value = "1" + "0" * 300 if "**" in expression else to_repr("z" * 300)
    assert outcome.stdout == message.format(_shortened(value, len(value))) + "\n"


def test_short_values_are_shown_whole():
    assert printed('let m = {}\ntry { m["abc"] } catch e { print(e.message) }\n') == ['key "abc" not found']
