"""What replays leave behind: travelling back and forth in time over a
module's import re-runs the module in the code and global table it already
has, so the VM's state does not grow with the number of travels."""

from __future__ import annotations

import queue
from pathlib import Path

from esker.vm.debugger import DebugEvents, Debugger, LineRequest

PROGRAMS = Path(__file__).parents[1] / "debugadapter" / "programs" / "modules"


class _Events(DebugEvents):
    """A front end that only collects the stops."""

    def __init__(self):
        self.stops: queue.Queue = queue.Queue()

    def stopped(self, stop) -> None:
        self.stops.put(stop)

    def ended(self) -> None:
        self.stops.put(None)


def test_step_backs_over_an_import_keep_the_number_of_global_tables():
    main = str(PROGRAMS / "main.esk")
    events = _Events()
    debugger = Debugger(events)
    debugger.load(main)
    line = next(number for number, text in enumerate(Path(main).read_text().splitlines(), 1) if "@bp call" in text)
    debugger.set_line_breakpoints(main, [LineRequest(line + 1)])
    debugger.start()
    try:
        assert events.stops.get(timeout=30) is not None
        tables = len(debugger._vm.globals_tables())
        for _ in range(5):
            debugger.travel(debugger.step_back_plan(instruction=False))
            assert events.stops.get(timeout=30) is not None
            debugger.resume()
            assert events.stops.get(timeout=30) is not None
            assert len(debugger._vm.globals_tables()) == tables
    finally:
        debugger.terminate()


def test_evaluations_add_no_global_tables():
    main = str(PROGRAMS / "main.esk")
    events = _Events()
    debugger = Debugger(events)
    debugger.load(main)
    debugger.start(stop_on_entry=True)
    try:
        assert events.stops.get(timeout=30) is not None
        assert debugger.evaluate(0, "0") == 0
        tables = len(debugger._vm.globals_tables())
        assert [debugger.evaluate(0, f"{n} + 1") for n in range(5)] == [1, 2, 3, 4, 5]
        assert len(debugger._vm.globals_tables()) == tables
    finally:
        debugger.terminate()
