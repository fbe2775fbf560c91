"""The debugger inside f-strings: the code of each field has its own lines,
so breakpoints, stepping and variables work inside the fields of a
multi-line f-string as anywhere else."""

from __future__ import annotations

from scenario import Debuggee, markers, program

FSTRINGS = program("fstrings.esk")
LINES = markers(FSTRINGS)


def step(debuggee: Debuggee, command: str) -> dict:
    debuggee.resume(command, granularity="line")
    debuggee.stopped("step")
    return debuggee.top()


def test_a_breakpoint_inside_a_field_of_a_multi_line_f_string_stops_there(debuggee):
    frame = debuggee.run_to(FSTRINGS, LINES["first"])
    assert (frame["name"], frame["line"]) == ("<module>", LINES["first"])
    assert debuggee.scope("Globals")["count"]["value"] == "2"
    assert debuggee.run_to_end() == 0


def test_next_walks_the_fields_line_by_line(debuggee):
    debuggee.run_to(FSTRINGS, LINES["line"])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(FSTRINGS)}, "breakpoints": []})
    assert step(debuggee, "next")["line"] == LINES["first"] - 1  # `let report = f"""`
    assert step(debuggee, "next")["line"] == LINES["first"]
    assert step(debuggee, "next")["line"] == LINES["second"]
    assert step(debuggee, "next")["line"] == LINES["first"] - 1  # assigning `report`, as after any call
    assert step(debuggee, "next")["line"] == LINES["end"]
    assert debuggee.run_to_end() == 0


def test_step_in_enters_a_function_called_in_a_field(debuggee):
    debuggee.run_to(FSTRINGS, LINES["second"])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(FSTRINGS)}, "breakpoints": []})
    frame = step(debuggee, "stepIn")
    assert (frame["name"], frame["line"]) == ("label", LINES["label"])
    assert debuggee.scope("Locals")["n"]["value"] == "20"
    frame = step(debuggee, "stepOut")
    assert (frame["name"], frame["line"]) == ("<module>", LINES["second"])
    assert debuggee.run_to_end() == 0
