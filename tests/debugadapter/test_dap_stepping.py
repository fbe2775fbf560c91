"""Stepping by line and by instruction: over, into (closures, methods,
generators, callbacks, modules), out (also out of a throw), and off the end."""

from __future__ import annotations

import pytest

from scenario import Debuggee, markers, program

BASICS = program("basics.esk")
LINES = markers(BASICS)


def step(debuggee: Debuggee, command: str, granularity: str = "line") -> dict:
    debuggee.resume(command, granularity=granularity)
    debuggee.stopped("step")
    return debuggee.top()


def where(frame: dict) -> tuple[str, int]:
    return frame["name"], frame["line"]


@pytest.mark.parametrize("name, start, command, function, end, status", [
    ("basics.esk", "call", "stepIn", "add", "add", 0),
    ("basics.esk", "method", "stepOut", "<module>", "shift", 0),
    ("callback.esk", "map", "stepIn", "invert", "divide", 0),
    ("errors.esk", "throw", "stepOut", "careful", "catch", 1),
    ("errors.esk", "try", "next", "careful", "catch", 1),
])
def test_one_step_lands_where_expected(debuggee, name, start, command, function, end, status):
    path = program(name)
    lines = markers(path)
    debuggee.run_to(path, lines[start])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    assert where(step(debuggee, command)) == (function, lines[end])
    assert debuggee.run_to_end() == status


def test_next_goes_to_the_next_line_over_calls(debuggee):
    debuggee.run_to(BASICS, LINES["call"])
    assert step(debuggee, "next")["line"] == LINES["shift"]
    assert step(debuggee, "next")["line"] == LINES["after"]
    assert debuggee.run_to_end() == 0


def test_step_in_then_out_returns_to_the_call(debuggee):
    debuggee.run_to(BASICS, LINES["call"])
    assert where(step(debuggee, "stepIn")) == ("add", LINES["add"])
    assert where(step(debuggee, "stepOut")) == ("<module>", LINES["call"])
    assert step(debuggee, "next")["line"] == LINES["shift"]
    debuggee.run_to_end()


def test_step_in_enters_methods_and_closures(debuggee):
    debuggee.run_to(BASICS, LINES["shift"])
    assert where(step(debuggee, "stepIn")) == ("Point.shifted", LINES["method"])
    step(debuggee, "stepOut")
    debuggee.client.request("setBreakpoints", {"source": {"path": str(BASICS)},
                                               "breakpoints": [{"line": LINES["show"]}]})
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert where(step(debuggee, "stepIn")) == ("<fn>", LINES["closure"])
    debuggee.run_to_end()


def test_step_in_follows_a_generator_when_it_resumes(debuggee):
    path = program("generators.esk")
    lines = markers(path)
    debuggee.run_to(path, lines["yield"])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    assert where(step(debuggee, "next")) == ("<module>", lines["loop"])
    assert step(debuggee, "next")["line"] == lines["loop"] - 1
    assert where(step(debuggee, "stepIn")) == ("count_up", lines["resume"])
    assert debuggee.run_to_end() == 0


def test_step_in_enters_an_imported_module(debuggee):
    debuggee.start(program("modules/main.esk"), stop_on_entry=True)
    debuggee.stopped("entry")
    frame = step(debuggee, "stepIn")
    assert (frame["name"], frame["source"]["path"]) == ("<module>", str(program("modules/helper.esk")))
    assert debuggee.run_to_end() == 0


def test_instruction_steps_move_one_instruction(debuggee):
    first = debuggee.run_to(BASICS, LINES["call"])["instructionPointerReference"]
    listing = debuggee.client.request("disassemble", {"memoryReference": first, "instructionCount": 3})
    addresses = [item["address"] for item in listing["instructions"]]
    assert addresses[0] == first
    assert step(debuggee, "next", "instruction")["instructionPointerReference"] == addresses[1]
    assert step(debuggee, "next", "instruction")["instructionPointerReference"] == addresses[2]
    debuggee.run_to_end()


def test_instruction_step_in_reaches_the_callee_first_instruction(debuggee):
    add_start = debuggee.run_to(BASICS, LINES["add"])["instructionPointerReference"]
    debuggee.client.request("setBreakpoints", {"source": {"path": str(BASICS)},
                                               "breakpoints": [{"line": LINES["call"]}]})
    debuggee.client.request("restart")
    debuggee.stopped("breakpoint")
    for _ in range(20):
        frame = step(debuggee, "stepIn", "instruction")
        if frame["name"] == "add":
            break
    assert frame["instructionPointerReference"] == add_start
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_stepping_off_the_end_ends_the_session(debuggee):
    path = program("last.esk")
    debuggee.run_to(path, markers(path)["last"])
    debuggee.resume("next")
    assert debuggee.finish() == 0
    assert debuggee.output() == "last yes\n"


def test_next_stops_once_per_loop_iteration_on_the_loop_line(debuggee):
    path = program("while.esk")
    lines = markers(path)
    debuggee.run_to(path, lines["start"])
    visited = []
    while True:
        debuggee.resume("next")
        stop = debuggee.client._take(lambda m: m.get("type") == "event" and m.get("event") in ("stopped", "exited"),
                                     "a stop or the end")
        if stop["event"] == "exited":
            break
        visited.append(debuggee.top()["line"])
    w, body, f, fbody = lines["while"], lines["body"], lines["for"], lines["for_body"]
    assert visited == [w, body, w, body, w, body, w, f, fbody, f, fbody, f, lines["end"]]


def test_step_out_of_a_callback_returns_to_the_caller_of_the_builtin(debuggee):
    path = program("callbacks.esk")
    lines = markers(path)
    debuggee.run_to(path, lines["twice"])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    assert where(step(debuggee, "stepOut")) == ("<module>", lines["map"])
    assert step(debuggee, "next")["line"] == lines["after"]
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "[6, 2, 4] 3\n"
