"""What a program exchanges with the world under the debugger: sys.args from
the launch configuration, standard input from a file, exit() through
finally, and recorded input replayed when travelling in time; stepping
through finally blocks."""

from __future__ import annotations

from scenario import markers, program

WORLD = program("world.esk")
LINES = markers(WORLD)


def test_arguments_input_and_exit_through_finally(debuggee):
    debuggee.start(WORLD, [LINES["finally"]], args=["a", "b c"], stdin="world.stdin", cwd=str(WORLD.parent))
    debuggee.stopped("breakpoint")
    assert debuggee.top()["name"] == "leave"
    assert debuggee.run_to_end() == 3
    assert debuggee.output() == 'args ["a", "b c"]\nread first line second line\nfinally runs\n'


def test_input_is_replayed_from_history(debuggee):
    debuggee.start(WORLD, [LINES["read"]], stdin="world.stdin", cwd=str(WORLD.parent))
    debuggee.stopped("breakpoint")
    assert debuggee.evaluate("second")["result"] == '"second line"'
    debuggee.client.request("stepBack", {"threadId": 1})
    debuggee.stopped("step")
    assert debuggee.top()["line"] == LINES["second"]
    assert "input" in debuggee.client.failure("evaluate", {"expression": "input()", "frameId": debuggee.top()["id"],
                                                           "context": "repl"})
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert debuggee.evaluate("second")["result"] == '"second line"'
    debuggee.client.request("setBreakpoints", {"source": {"path": str(WORLD)}, "breakpoints": []})
    assert debuggee.run_to_end() == 3
    assert debuggee.output() == "args []\nread first line second line\nfinally runs\n"


def test_stepping_into_finally_on_return_and_on_error(debuggee):
    path = program("finally.esk")
    lines = markers(path)
    debuggee.start(path, [lines["return"]])
    debuggee.stopped("breakpoint")
    debuggee.resume("next")
    debuggee.stopped("step")
    assert debuggee.top()["line"] == lines["clean"]
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    debuggee.client.request("setExceptionBreakpoints", {"filters": ["raised"]})
    debuggee.resume()
    debuggee.stopped("exception")
    assert debuggee.top()["line"] == lines["throw"]
    debuggee.resume("next")
    debuggee.stopped("step")
    assert (debuggee.top()["name"], debuggee.top()["line"]) == ("failing", lines["fclean"])
    debuggee.resume("next")
    debuggee.stopped("step")
    assert (debuggee.top()["name"], debuggee.top()["line"]) == ("<module>", lines["caught"])
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "cleaning 4\n8\nfailing cleans\ncaught no\n"
