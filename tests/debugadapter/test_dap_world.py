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


def test_an_uncaught_error_through_finally_stops_where_it_was_thrown(debuggee, tmp_path):
    path = tmp_path / "through.esk"
    path.write_text("fn inner() {\n    try {\n        return 1 / 0\n    } finally {\n        print(\"cleaning\")\n"
                    "    }\n}\ninner()\n")
    debuggee.start_with_filters(path, ["uncaught"])
    debuggee.stopped("exception")
    assert [(f["name"], f["line"]) for f in debuggee.frames()["stackFrames"]] == [("inner", 3), ("<module>", 8)]
    assert debuggee.output() == ""
    assert debuggee.run_to_end() == 1
    assert debuggee.output() == "cleaning\n"


def test_an_error_a_finally_block_may_end_is_uncaught_only_when_it_escapes(debuggee):
    path = program("swallow.esk")
    lines = markers(path)
    debuggee.start_with_filters(path, ["uncaught"])
    stop = debuggee.stopped("exception")
    assert stop["text"].startswith("KeyError")
    assert (debuggee.top()["name"], debuggee.top()["line"]) == ("maybe", lines["rethrow"])
    assert debuggee.evaluate("keep")["result"] == "false"
    info = debuggee.client.request("exceptionInfo", {"threadId": 1})
    assert info["breakMode"] == "unhandled"
    assert f"swallow.esk:{lines['escapes']}:" in info["details"]["stackTrace"]
    assert debuggee.output() == "kept\nkept too\npassing through\ncaught ZeroDivisionError\ncleaning up\n"
    # Back to where it was thrown, and forward again to the same stop, replayed.
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": [
        {"line": lines["escapes"], "condition": "not keep"}]})
    debuggee.resume("reverseContinue")
    debuggee.stopped("breakpoint")
    assert (debuggee.top()["line"], debuggee.evaluate("keep")["result"]) == (lines["escapes"], "false")
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    debuggee.resume()
    debuggee.stopped("exception")
    assert debuggee.top()["line"] == lines["rethrow"]
    assert debuggee.run_to_end() == 1
    assert debuggee.output().count("cleaning up") == 1
