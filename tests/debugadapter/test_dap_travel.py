"""Time travel: stepping back and continuing backwards through calls,
closures, generators, errors, callbacks and imports; going forward again
through the recorded past; every view right in the past; the present and
the start of the recorded history."""

from __future__ import annotations

import pytest
from scenario import Debuggee, markers, program

TRAVEL = program("travel.esk")
LINES = markers(TRAVEL)
OUTPUT = "square 0 0\nsquare 1 1\nsquare 2 5\n5 [0, 2, 4] too big: 5 [30, 10, 20] [1, 2, 3]\n"


def go(debuggee: Debuggee, command: str, reason: str | None = None, **arguments) -> dict:
    """Send a travel or step command and wait for the stop; the top frame."""
    debuggee.client.request(command, {"threadId": 1, **arguments})
    debuggee.stopped(reason)
    return debuggee.top()


def place(frame: dict) -> tuple[str, int]:
    return frame["name"], frame["line"]


def value(debuggee: Debuggee, expression: str) -> str:
    return debuggee.evaluate(expression, "watch")["result"]


def set_lines(debuggee: Debuggee, *lines, path=TRAVEL) -> None:
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)},
                                               "breakpoints": [{"line": LINES[name]} if isinstance(name, str)
                                                               else name for name in lines]})


def test_step_back_by_line_over_calls_and_into_the_caller(debuggee):
    debuggee.start(TRAVEL, [LINES["print"]])
    debuggee.stopped("breakpoint")
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert (value(debuggee, "i"), value(debuggee, "total")) == ("1", "1")
    assert place(go(debuggee, "stepBack", "step")) == ("<module>", LINES["call"])
    assert (value(debuggee, "i"), value(debuggee, "total")) == ("1", "0")
    assert place(go(debuggee, "stepBack", "step")) == ("<module>", LINES["call"] - 1)
    assert place(go(debuggee, "stepBack", "step")) == ("<module>", LINES["print"])
    assert (value(debuggee, "i"), value(debuggee, "total")) == ("0", "0")
    set_lines(debuggee, "square")
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert (place(debuggee.top()), value(debuggee, "x")) == (("square", LINES["square"]), "1")
    assert place(go(debuggee, "stepBack", "step")) == ("<module>", LINES["call"])
    assert value(debuggee, "i") == "1"
    set_lines(debuggee)
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


def test_reverse_continue_finds_hits_with_their_conditions_and_counts_as_they_were(debuggee):
    debuggee.start(TRAVEL, [LINES["end"]])
    debuggee.stopped("breakpoint")
    answer = debuggee.client.request("setBreakpoints", {"source": {"path": str(TRAVEL)}, "breakpoints": [
        {"line": LINES["square"], "hitCondition": "2"}, {"line": LINES["print"], "condition": "i == 0"}]})
    counted, conditional = (item["id"] for item in answer["breakpoints"])
    stop = debuggee.client.request("reverseContinue", {"threadId": 1}) or debuggee.stopped("breakpoint")
    assert stop["hitBreakpointIds"] == [counted]
    assert (place(debuggee.top()), value(debuggee, "x")) == (("square", LINES["square"]), "1")
    go(debuggee, "reverseContinue", "breakpoint")
    assert (place(debuggee.top()), value(debuggee, "i")) == (("<module>", LINES["print"]), "0")
    stop = debuggee.client.request("reverseContinue", {"threadId": 1}) or debuggee.stopped("step")
    assert stop["text"] == "start of recorded history" and "start of recorded history" in stop["description"]
    assert debuggee.top()["line"] == LINES["square"] - 1
    go(debuggee, "continue", "breakpoint")
    assert value(debuggee, "i") == "0" and conditional
    set_lines(debuggee)
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


def test_closed_upvalues_reopen_in_the_past(debuggee):
    debuggee.start(TRAVEL, [LINES["closure"]])
    debuggee.stopped("breakpoint")
    assert "open" in debuggee.scope("Upvalues")["count"]["type"]
    debuggee.resume()
    debuggee.stopped("breakpoint")
    count = debuggee.scope("Upvalues")["count"]
    assert ("closed" in count["type"], count["value"]) == (True, "1")
    go(debuggee, "reverseContinue", "breakpoint")
    count = debuggee.scope("Upvalues")["count"]
    assert ("open" in count["type"], count["value"]) == (True, "0")
    assert [frame["name"] for frame in debuggee.frames()["stackFrames"]] == ["<fn>", "counter", "<module>"]
    set_lines(debuggee)
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


def test_generators_errors_and_callbacks_in_the_past(debuggee):
    debuggee.launch(TRAVEL)
    client = debuggee.client
    set_lines(debuggee, "end", "yield")
    client.request("setExceptionBreakpoints", {"filters": ["raised"]})
    client.request("configurationDone")
    for expected in ("0", "2", "4"):
        debuggee.stopped("breakpoint")
        assert value(debuggee, "n") == expected
        debuggee.resume()
    debuggee.stopped("exception")
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert debuggee.top()["line"] == LINES["end"]
    set_lines(debuggee, "end", "yield", {"line": LINES["tenfold"], "condition": "x == 1"})
    go(debuggee, "reverseContinue", "breakpoint")
    frames = debuggee.frames()["stackFrames"]
    assert [(f["name"], f["line"]) for f in frames] == [("<fn>", LINES["tenfold"]), ("<module>", LINES["map"] - 2)]
    assert value(debuggee, "x") == "1"
    stop = debuggee.client.request("reverseContinue", {"threadId": 1}) or debuggee.stopped("exception")
    assert stop["text"].startswith("ValueError")
    assert place(debuggee.top()) == ("risky", LINES["throw"])
    info = client.request("exceptionInfo", {"threadId": 1})
    assert info["details"]["message"] == "too big: 5"
    go(debuggee, "reverseContinue", "breakpoint")
    assert (place(debuggee.top()), value(debuggee, "n")) == (("evens", LINES["yield"]), "4")
    assert value(debuggee, "got") == "[0, 2]"
    set_lines(debuggee)
    client.request("setExceptionBreakpoints", {"filters": []})
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


def test_the_past_cannot_be_changed_but_can_be_looked_at(debuggee):
    debuggee.start(TRAVEL, [LINES["end"]])
    debuggee.stopped("breakpoint")
    present = debuggee.top()
    set_lines(debuggee, "got")
    go(debuggee, "reverseContinue", "breakpoint")
    client = debuggee.client
    frame = debuggee.top()
    assert value(debuggee, "got") == "[0, 2]"
    message = client.failure("evaluate", {"expression": "got.push(99)", "frameId": frame["id"], "context": "repl"})
    assert "past" in message
    assert value(debuggee, "got") == "[0, 2]"
    assert "past" in client.failure("evaluate", {"expression": "total = 7", "frameId": frame["id"],
                                                 "context": "repl"})
    assert value(debuggee, "square(total)") == "25"
    globals_ref = client.request("scopes", {"frameId": frame["id"]})["scopes"][3]["variablesReference"]
    assert "past" in client.failure("setVariable", {"variablesReference": globals_ref, "name": "total",
                                                    "value": "1"})
    listing = client.request("disassemble", {"memoryReference": frame["instructionPointerReference"],
                                             "instructionCount": 1})["instructions"]
    assert listing[0]["line"] == LINES["got"]
    set_lines(debuggee, "end")
    go(debuggee, "continue", "breakpoint")
    assert debuggee.top()["instructionPointerReference"] == present["instructionPointerReference"]
    debuggee.evaluate("total = 7", "repl")
    assert value(debuggee, "total") == "7"
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT.replace("\n5 [", "\n7 [")


def test_restart_frame_goes_back_to_its_entry(debuggee):
    debuggee.start(TRAVEL, [{"line": LINES["square"], "condition": "x == 2"}])
    debuggee.stopped("breakpoint")
    debuggee.client.request("next", {"threadId": 1})
    debuggee.stopped("step")
    frames = debuggee.frames()["stackFrames"]
    debuggee.client.request("restartFrame", {"frameId": frames[0]["id"]})
    debuggee.stopped("restart")
    assert (debuggee.top()["name"], value(debuggee, "x")) == ("square", "2")
    assert "y" not in debuggee.scope("Locals")
    outer = debuggee.frames()["stackFrames"][1]
    debuggee.client.request("restartFrame", {"frameId": outer["id"]})
    debuggee.stopped("restart")
    assert debuggee.top()["line"] == LINES["square"] - 1
    set_lines(debuggee)
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


def test_clock_answers_as_it_did_and_output_is_not_written_twice(debuggee):
    debuggee.start(TRAVEL, [LINES["end"]])
    debuggee.stopped("breakpoint")
    first = value(debuggee, "started")
    go(debuggee, "stepBack", "step")
    assert debuggee.top()["line"] == LINES["clock"]
    go(debuggee, "stepBack", "step")
    assert value(debuggee, "order") == "[3, 1, 2]"
    go(debuggee, "continue", "breakpoint")
    assert value(debuggee, "started") == first
    assert debuggee.output() == "square 0 0\nsquare 1 1\nsquare 2 5\n"
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


def test_step_back_by_instruction(debuggee):
    debuggee.start(TRAVEL, [LINES["print"]])
    debuggee.stopped("breakpoint")
    here = debuggee.top()["instructionPointerReference"]
    listing = debuggee.client.request("disassemble", {"memoryReference": here, "instructionOffset": -2,
                                                      "instructionCount": 2})["instructions"]
    before = go(debuggee, "stepBack", "step", granularity="instruction")
    assert before["instructionPointerReference"] == listing[1]["address"]
    again = go(debuggee, "next", "breakpoint", granularity="instruction")
    assert again["instructionPointerReference"] == here
    set_lines(debuggee)
    assert debuggee.run_to_end() == 0


def test_imported_modules_in_the_past(debuggee):
    main, helper = program("modules/main.esk"), program("modules/helper.esk")
    debuggee.start(main, [markers(main)["call"] + 1])
    debuggee.stopped("breakpoint")
    debuggee.client.request("setBreakpoints", {"source": {"path": str(helper)}, "breakpoints": [
        {"line": markers(helper)["double"]}, {"line": markers(helper)["load"]}]})
    frame = go(debuggee, "reverseContinue", "breakpoint")
    assert (frame["source"]["path"], frame["line"], value(debuggee, "x")) == (str(helper), markers(helper)["double"],
                                                                              "21")
    frame = go(debuggee, "reverseContinue", "breakpoint")
    assert (frame["source"]["path"], frame["line"]) == (str(helper), markers(helper)["load"])
    assert [f["name"] for f in debuggee.frames()["stackFrames"]] == ["<module>", "<module>"]
    debuggee.client.request("setBreakpoints", {"source": {"path": str(helper)}, "breakpoints": []})
    debuggee.client.request("setBreakpoints", {"source": {"path": str(main)}, "breakpoints": []})
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "helper loaded\n42\n"


def test_without_history_there_is_no_going_back(debuggee):
    debuggee.start(TRAVEL, [LINES["print"]], history=0)
    debuggee.stopped("breakpoint")
    assert "history" in debuggee.client.failure("stepBack", {"threadId": 1})
    assert "history" in debuggee.client.failure("reverseContinue", {"threadId": 1})
    set_lines(debuggee)
    assert debuggee.run_to_end() == 0


def test_a_small_budget_keeps_the_latest_history(debuggee, tmp_path):
    path = tmp_path / "long.esk"
    path.write_text("let total = 0\nfor i in 0..300000 {\n    total += i\n}\nprint(total)\n")
    debuggee.start(path, [5], history=0.01)
    debuggee.stopped("breakpoint")
    stop = debuggee.client.request("reverseContinue", {"threadId": 1}) or debuggee.stopped("step")
    assert stop["text"] == "start of recorded history"
    assert int(value(debuggee, "total")) > 0
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == f"{sum(range(300000))}\n"


def test_reverse_continue_stops_at_function_and_instruction_breakpoints(debuggee):
    debuggee.start(TRAVEL, [LINES["end"]])
    debuggee.stopped("breakpoint")
    client = debuggee.client
    set_lines(debuggee)
    client.request("setFunctionBreakpoints", {"breakpoints": [{"name": "risky"}]})
    frame = go(debuggee, "reverseContinue", "function breakpoint")
    assert (place(frame), value(debuggee, "x")) == (("risky", LINES["throw"] - 1), "5")
    client.request("setFunctionBreakpoints", {"breakpoints": []})
    # An instruction breakpoint on the closure's first instruction, placed from its last run (tick()).
    set_lines(debuggee, "closure")
    closure = go(debuggee, "reverseContinue", "breakpoint")
    assert value(debuggee, "count") == "1"
    set_lines(debuggee)
    answer = client.request("setInstructionBreakpoints", {"breakpoints": [
        {"instructionReference": closure["instructionPointerReference"]}]})
    assert answer["breakpoints"][0]["verified"]
    frame = go(debuggee, "reverseContinue", "instruction breakpoint")
    assert (place(frame), value(debuggee, "count")) == (("<fn>", LINES["closure"]), "0")
    go(debuggee, "continue", "instruction breakpoint")
    assert value(debuggee, "count") == "1"
    client.request("setInstructionBreakpoints", {"breakpoints": []})
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == OUTPUT


LONG_LOOP = """\
fn bump(x) {
    return x + 1
}
let total = 0
for i in 0..20000 {
    total += i % 7
    if i >= 19990 {
        total = bump(total)
    }
}
print(total)
"""


@pytest.mark.parametrize("where", ["travel", "long loop"])
def test_step_back_retraces_the_steps_taken_forward(debuggee, tmp_path, where):
    """Each Step Back undoes one Step Over: the same lines with the same
    values, in reverse, across loop iterations and the calls stepped over
    (and the checkpoints step backs take on the way, also many ticks after
    the last one the run took)."""
    if where == "travel":
        path, line, output = TRAVEL, LINES["start"], OUTPUT
    else:
        path, line = tmp_path / "long.esk", {"line": 8, "condition": "i == 19994"}
        path.write_text(LONG_LOOP)
        output = f"{sum(i % 7 for i in range(20000)) + 10}\n"
    debuggee.start(path, [line])
    debuggee.stopped("breakpoint")
    set_lines(debuggee, path=path)

    def here() -> tuple:
        seen = {name: item["value"] for scope in ("Locals", "Globals") for name, item in debuggee.scope(scope).items()}
        return place(debuggee.top()), seen

    forward = [here()]
    for _ in range(14):
        go(debuggee, "next", "step")
        forward.append(here())
    backward = [here()]
    for _ in range(14):
        go(debuggee, "stepBack", "step")
        backward.append(here())
    assert backward == forward[::-1]
    for _ in range(14):
        go(debuggee, "next", "step")
    assert here() == forward[-1]
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == output


def test_travelling_across_an_import_loads_the_module_once(debuggee):
    main, helper = program("modules/main.esk"), program("modules/helper.esk")
    debuggee.start(main, [markers(main)["call"] + 1])
    debuggee.stopped("breakpoint")
    debuggee.client.request("setBreakpoints", {"source": {"path": str(main)}, "breakpoints": []})
    debuggee.client.request("setBreakpoints", {"source": {"path": str(helper)},
                                               "breakpoints": [{"line": markers(helper)["double"]}]})
    first = go(debuggee, "reverseContinue", "breakpoint")
    for _ in range(3):
        go(debuggee, "stepBack", "step")
        assert go(debuggee, "continue", "breakpoint")["instructionPointerReference"] == \
            first["instructionPointerReference"]
        go(debuggee, "reverseContinue", "step")
        go(debuggee, "continue", "breakpoint")
    loaded = [event["body"]["module"]["name"] for event in debuggee.client.events if event["event"] == "module"]
    assert loaded == ["main", "helper"]
    assert debuggee.client.request("modules")["totalModules"] == 2
    debuggee.client.request("setBreakpoints", {"source": {"path": str(helper)}, "breakpoints": []})
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "helper loaded\n42\n"
