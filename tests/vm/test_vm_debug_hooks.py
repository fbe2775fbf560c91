"""The VM's hooks for a debugger: traps on every call of a function that a
builtin calls again and again, and the tick count that names every moment
of a run (vm/history.py) — unique and in execution order, whatever the code
does (calls, callbacks, generators, errors, tail calls)."""

from __future__ import annotations

from esker.vm.analysis import analyze
from esker.vm.deep import call_with_deep_stack
from esker.vm.machine import VM

PROGRAM = """\
fn twice(x) {
    return x * 2
}

fn evens(limit) {
    let n = 0
    while n < limit {
        yield n
        n += 2
    }
}

fn ends(x) {
    return len(x)
}

fn risky(x) {
    if x > 1 {
        throw Error("ValueError", "no")
    }
    return x
}

let total = 0
for e in evens(6) {
    total += e
}
let doubled = [3, 1, 2].map(twice)
let order = [3, 1, 2]
order.sort(fn (v) => -v)
try {
    risky(5)
} catch e {
    total += 1
}
print(total, doubled, order, ends("abc"), array(evens(3)))
"""


class _Watcher:
    """A debugger that notes the moment of every trapped instruction."""

    def __init__(self, vm: VM):
        self.vm = vm
        self.moments: list[tuple[int, int]] = []
        self.callback_entries = 0

    def on_trap(self, frame, pc: int) -> None:
        self.moments.append((self.vm.ticks, pc))
        if frame.proto.name == "twice" and pc == 0:
            self.callback_entries += 1

    def on_interrupt(self, frame) -> None:
        """Nothing asked for."""

    def on_alarm(self, frame) -> None:
        """No alarm is set."""

    def on_throw(self, error) -> None:
        """Errors are the program's own here."""

    def on_rethrow(self, error) -> None:
        """Nor are errors thrown again."""

    def on_module_loaded(self, root) -> None:
        """No imports."""


def _run_watched(keep_ticks: bool) -> _Watcher:
    result = analyze(PROGRAM, "hooks.esk", compile=True)
    vm = VM(stdout=_Sink())
    watcher = _Watcher(vm)
    vm.attach_debugger(watcher)
    vm.keep_ticks(keep_ticks)
    for proto in result.proto.walk():
        vm.set_traps(proto, frozenset(range(len(proto.code))))
    call_with_deep_stack(lambda: vm.run_main(result.proto, "hooks.esk"))
    return watcher


class _Sink:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        """Nothing is held."""


def test_a_trap_in_a_callback_fires_at_every_call():
    assert _run_watched(keep_ticks=False).callback_entries == 3


def test_ticks_name_each_moment_once_in_execution_order():
    moments = _run_watched(keep_ticks=True).moments
    assert len(moments) > 100
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
