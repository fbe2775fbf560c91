"""The runtime's limits are the same on every engine: collecting an endless
generator stops at the builtins' element limit."""

from __future__ import annotations

from esker.vm.runtime import arguments

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

