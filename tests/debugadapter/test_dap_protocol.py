"""The rest of the protocol: step-in targets, goto, completions, setExpression,
value formatting, modules and loaded sources, sources by reference, and
exception filters with conditions."""

from __future__ import annotations

import shutil

from scenario import markers, program

PROTOCOL = program("protocol.esk")
LINES = markers(PROTOCOL)


def test_step_into_the_chosen_call_of_a_line(debuggee):
    debuggee.run_to(PROTOCOL, LINES["nested"])
    client = debuggee.client
    frame = debuggee.top()
    targets = client.request("stepInTargets", {"frameId": frame["id"]})["targets"]
    assert [target["label"] for target in targets] == ["inner(20)", "outer(inner(20))"]
    assert targets[0]["line"] == LINES["nested"] and targets[0]["column"] < targets[1]["column"] + 10
    client.request("stepIn", {"threadId": 1, "targetId": targets[1]["id"]})
    debuggee.stopped("step")
    assert (debuggee.top()["name"], debuggee.top()["line"]) == ("outer", LINES["outer"])
    assert debuggee.evaluate("x")["result"] == "21"
    assert "stepInTargets" in client.failure("stepIn", {"threadId": 1, "targetId": 99999})
    assert debuggee.run_to_end() == 0


def test_goto_moves_the_next_statement_where_it_is_safe(debuggee):
    debuggee.run_to(PROTOCOL, LINES["twice_end"])
    client = debuggee.client
    source = {"path": str(PROTOCOL)}
    assert client.request("gotoTargets", {"source": source, "line": LINES["outer"]})["targets"] == []
    loop = client.request("gotoTargets", {"source": source, "line": LINES["twice_loop"]})["targets"]
    assert "block" in client.failure("goto", {"threadId": 1, "targetId": loop[0]["id"]})
    again = client.request("gotoTargets", {"source": source, "line": LINES["twice_add"]})["targets"]
    client.request("goto", {"threadId": 1, "targetId": again[0]["id"]})
    debuggee.stopped("goto")
    assert debuggee.top()["line"] == LINES["twice_add"]
    assert debuggee.evaluate("total")["result"] == "5"
    client.request("setBreakpoints", {"source": source, "breakpoints": []})
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "42 10\n"


def test_completions_in_the_debug_console(debuggee):
    debuggee.run_to(PROTOCOL, LINES["after"])
    client = debuggee.client
    frame = debuggee.top()

    def labels(text: str) -> dict[str, str]:
        found = client.request("completions", {"frameId": frame["id"], "text": text, "column": len(text) + 1})
        return {target["label"]: target["type"] for target in found["targets"]}

    assert labels("poi") == {"point": "variable"}
    assert labels("point.") == {"x": "field", "y": "field", "norm": "method"}
    assert "push" in labels("numbers.pu") and "len" not in labels("numbers.pu")
    assert labels("pri")["print"] == "function" and labels("wh")["while"] == "keyword"
    assert labels("Point") == {"Point": "class"}
    found = client.request("completions", {"frameId": frame["id"], "text": "1 + point.n", "column": 12})
    assert [(t["label"], t["start"], t["length"]) for t in found["targets"]] == [("norm", 11, 1)]
    debuggee.run_to_end()


def test_set_expression_and_hexadecimal_values(debuggee):
    debuggee.run_to(PROTOCOL, LINES["after"])
    client = debuggee.client
    frame = debuggee.top()
    answer = client.request("setExpression", {"expression": "point.x", "value": "result + 1", "frameId": frame["id"]})
    assert (answer["value"], answer["type"]) == ("43", "int")
    assert debuggee.evaluate("point.norm()")["result"] == "47"
    assert client.failure("setExpression", {"expression": "point.x + 1", "value": "2", "frameId": frame["id"]})
    shown = client.request("evaluate", {"expression": "numbers", "frameId": frame["id"], "context": "watch",
                                        "format": {"hex": True}})
    assert shown["result"] == "[0xff, 0x10]"
    items = client.request("variables", {"variablesReference": shown["variablesReference"], "format": {"hex": True}})
    assert [item["value"] for item in items["variables"]] == ["0xff", "0x10"]
    debuggee.run_to_end()


def test_modules_and_loaded_sources(debuggee):
    main, helper = program("modules/main.esk"), program("modules/helper.esk")
    debuggee.start(main, stop_on_entry=True)
    debuggee.stopped("entry")
    client = debuggee.client
    client.request("setBreakpoints", {"source": {"path": str(helper)},
                                      "breakpoints": [{"line": markers(helper)["double"]}]})
    debuggee.resume()
    debuggee.stopped("breakpoint")
    modules = client.request("modules", {})
    assert [(m["name"], m["path"]) for m in modules["modules"]] == [("main", str(main)), ("helper", str(helper))]
    assert modules["totalModules"] == 2
    sources = client.request("loadedSources")["sources"]
    assert [source["path"] for source in sources] == [str(main), str(helper)]
    announced = [event["body"]["module"]["path"] for event in client.events if event["event"] == "module"]
    assert announced == [str(main), str(helper)]
    assert [e["body"]["source"]["path"] for e in client.events if e["event"] == "loadedSource"] == announced
    assert debuggee.run_to_end() == 0


def test_a_changed_file_is_shown_as_it_was_compiled(debuggee, tmp_path):
    path = tmp_path / "basics.esk"
    shutil.copy(program("basics.esk"), path)
    original = path.read_text()
    debuggee.run_to(path, markers(path)["add"])
    client = debuggee.client
    assert "sourceReference" not in debuggee.top()["source"]
    assert client.request("source", {"source": {"path": str(path)}})["content"] == original
    path.write_text("# rewritten while the program runs\n")
    source = debuggee.top()["source"]
    assert source["sourceReference"] > 0 and source["path"] == str(path)
    assert client.request("source", {"sourceReference": source["sourceReference"]})["content"] == original
    assert "reference" in client.failure("source", {"sourceReference": 12345})
    client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    debuggee.run_to_end()


def test_exception_filters_with_conditions_on_kind_and_message(debuggee):
    path = program("errors.esk")
    lines = markers(path)
    debuggee.launch(path)
    client = debuggee.client
    answer = client.request("setExceptionBreakpoints", {"filters": [], "filterOptions": [
        {"filterId": "raised", "condition": "message.contains(\"too big\")"},
        {"filterId": "uncaught", "condition": "kind == \"ZeroDivisionError\""}]})
    assert [b["verified"] for b in answer["breakpoints"]] == [True, True]
    client.request("configurationDone")
    assert debuggee.stopped("exception")["text"].startswith("ValueError")
    assert debuggee.top()["line"] == lines["throw"]
    bad = client.request("setExceptionBreakpoints", {"filters": [], "filterOptions": [
        {"filterId": "raised", "condition": "kind =="},
        {"filterId": "uncaught", "condition": "kind == \"ZeroDivisionError\""}]})
    assert [b["verified"] for b in bad["breakpoints"]] == [False, True] and "kind ==" in bad["breakpoints"][0]["message"]
    debuggee.resume()
    assert debuggee.stopped("exception")["text"].startswith("ZeroDivisionError")
    assert debuggee.top()["line"] == lines["uncaught"]
    assert debuggee.run_to_end() == 1
