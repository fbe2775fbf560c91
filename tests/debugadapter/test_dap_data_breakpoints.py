"""Data breakpoints: `dataBreakpointInfo` and `setDataBreakpoints` on locals,
registers, upvalues, globals, module members, struct fields, array elements
and map entries; the stop after the writing instruction with what changed;
watches that outlive their frame or are removed when their target is gone;
and, with time travel, continuing backwards to the previous write."""

from __future__ import annotations

import re

from scenario import Debuggee, markers, program

WATCH = program("watch.esk")
LINES = markers(WATCH)


def scope_reference(debuggee: Debuggee, name: str, frame: dict | None = None) -> int:
    frame = frame or debuggee.top()
    scopes = debuggee.client.request("scopes", {"frameId": frame["id"]})["scopes"]
    return next(s["variablesReference"] for s in scopes if s["name"] == name)


def info(debuggee: Debuggee, reference: int, name: str) -> dict:
    return debuggee.client.request("dataBreakpointInfo", {"variablesReference": reference, "name": name})


def watch(debuggee: Debuggee, *data_ids: str, **options) -> list[dict]:
    """Set data breakpoints on `data_ids` (replacing the others); their states."""
    specs = [{"dataId": data_id, "accessType": "write", **options} for data_id in data_ids]
    return debuggee.client.request("setDataBreakpoints", {"breakpoints": specs})["breakpoints"]


def global_part(debuggee: Debuggee, variable: str, part: str) -> str:
    """The data id of a part (field, element, entry, member) of a global."""
    globals_ = debuggee.children(scope_reference(debuggee, "Globals"))
    found = info(debuggee, globals_[variable]["variablesReference"], part)
    assert found["dataId"] is not None, found
    return found["dataId"]


def hit(debuggee: Debuggee, command: str = "continue") -> tuple[str, str, int]:
    """Run on (or back) to the next data breakpoint stop: its description,
    and the function and line of the top frame."""
    debuggee.client.request(command, {"threadId": 1})
    body = debuggee.stopped("data breakpoint")
    top = debuggee.top()
    return body["description"], top["name"], top["line"]


def written_at(description: str) -> int:
    return int(re.search(r"written at line (\d+)", description).group(1))


def test_a_global_stops_after_the_write_saying_what_changed_and_where(debuggee):
    debuggee.start(WATCH, [LINES["start"]])
    debuggee.stopped("breakpoint")
    assert debuggee.capabilities["supportsDataBreakpoints"] is True
    found = info(debuggee, scope_reference(debuggee, "Globals"), "scores")
    assert found["accessTypes"] == ["write"] and "scores" in found["description"]
    [state] = watch(debuggee, found["dataId"])
    assert state["verified"] is True
    debuggee.client.request("continue", {"threadId": 1})
    body = debuggee.stopped("data breakpoint")
    assert body["hitBreakpointIds"] == [state["id"]]
    assert body["description"].startswith("`scores` changed: 0 → 1")
    assert written_at(body["description"]) == LINES["scores"]
    # The write has been made: the program stands at the next instruction.
    assert debuggee.top()["line"] == LINES["scores"] + 1
    assert debuggee.evaluate("scores", "watch")["result"] == "1"
    assert debuggee.run_to_end() == 0


def test_a_local_and_a_register_stop_on_each_change_and_go_when_the_function_returns(debuggee):
    debuggee.start(WATCH, [LINES["fill"], LINES["end"]])
    debuggee.stopped("breakpoint")
    local = info(debuggee, scope_reference(debuggee, "Locals"), "total")["dataId"]
    registers = debuggee.children(scope_reference(debuggee, "Registers"))
    register_name = next(name for name in registers if name.endswith("(total)"))
    register = info(debuggee, scope_reference(debuggee, "Registers"), register_name)["dataId"]
    local_state, register_state = watch(debuggee, local, register)
    # total += 0 leaves 0: not a change. Then 0 → 1, 1 → 3, 3 → 6, each seen by both.
    for old, new in (("0", "1"), ("1", "3"), ("3", "6")):
        debuggee.client.request("continue", {"threadId": 1})
        body = debuggee.stopped("data breakpoint")
        assert set(body["hitBreakpointIds"]) == {local_state["id"], register_state["id"]}
        assert f"changed: {old} → {new}" in body["description"]
        assert debuggee.top()["name"] == "fill"
    debuggee.client.request("continue", {"threadId": 1})
    removed = [debuggee.client.wait_event("breakpoint") for _ in range(2)]
    assert {event["reason"] for event in removed} == {"removed"}
    assert {event["breakpoint"]["id"] for event in removed} == {local_state["id"], register_state["id"]}
    assert "its function returned" in removed[0]["breakpoint"]["message"]
    debuggee.stopped("breakpoint")
    assert debuggee.top()["line"] == LINES["end"]
    assert "data breakpoint removed: `total` is gone: its function returned" in debuggee.output("console")
    assert debuggee.run_to_end() == 0


def test_a_captured_local_stays_watched_as_an_upvalue_after_its_function_returns(debuggee):
    debuggee.start(WATCH, [LINES["counter"]])
    debuggee.stopped("breakpoint")
    [state] = watch(debuggee, info(debuggee, scope_reference(debuggee, "Locals"), "count")["dataId"])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(WATCH)}, "breakpoints": []})
    assert state["verified"] is True
    description, function, _ = hit(debuggee)
    assert description.startswith("`count` changed: 0 → 1") and function == "<fn>"
    description, function, _ = hit(debuggee)
    assert description.startswith("`count` changed: 1 → 2") and function == "<fn>"
    assert debuggee.run_to_end() == 0


def test_upvalues_module_members_fields_elements_and_entries(debuggee):
    debuggee.start(WATCH, [LINES["start"], LINES["end"]])
    debuggee.stopped("breakpoint")
    ids = [global_part(debuggee, "tick", "count"), global_part(debuggee, "xs", "1"),
           global_part(debuggee, "ages", '"bob"'), global_part(debuggee, "tally", "count"),
           global_part(debuggee, "p", "x"), global_part(debuggee, "ages", '"ann"')]
    assert all(state["verified"] for state in watch(debuggee, *ids))
    expected = [
        ("`tick.count` changed: 0 → 1", "<fn>"),
        ("`xs[1]` changed: 20 → 21", "<module>"),
        ('`ages["bob"]` changed: 40 → 41', "<module>"),
        ("`tally.count` changed: 0 → 3", "add"),
        ("`p.x` changed: 5 → 7", "<module>"),
        ("`xs[1]` changed: 21 → 10", "<module>"),  # xs.insert(0, 5) moved the elements along
        ('`ages["ann"]` changed: 30 → (not set)', "<module>"),
        ("`tick.count` changed: 1 → 2", "<fn>"),
    ]
    for text, function in expected:
        description, where, _ = hit(debuggee)
        assert (description.split(" (written")[0], where) == (text, function)
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "6\n7 [5, 10, 21, 30, 40] {\"bob\": 41} 1 3\n"


def test_a_field_outlives_the_frame_that_showed_it_and_an_unreachable_one_is_removed(debuggee):
    debuggee.start(WATCH, [LINES["make"], LINES["scratch"], LINES["end"]])
    debuggee.stopped("breakpoint")
    point = debuggee.scope("Locals")["p"]["variablesReference"]
    [field] = watch(debuggee, info(debuggee, point, "x")["dataId"])
    description, function, _ = hit(debuggee)
    assert description.startswith("`p.x` changed: 1 → 5") and function == "make"
    # make() returned p to the top level: the same object is still watched there.
    description, function, line = hit(debuggee)
    assert description.startswith("`p.x` changed: 5 → 7") and function == "<module>"
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert debuggee.top()["name"] == "scratch"
    scratch = info(debuggee, debuggee.scope("Locals")["q"]["variablesReference"], "x")["dataId"]
    both = watch(debuggee, *[global_part(debuggee, "p", "x"), scratch])
    description, function, _ = hit(debuggee)
    assert description.startswith("`q.x` changed: 0 → 1") and function == "scratch"
    debuggee.resume()
    removed = debuggee.client.wait_event("breakpoint")
    assert removed["reason"] == "removed" and removed["breakpoint"]["id"] == both[1]["id"]
    assert "no longer reach" in removed["breakpoint"]["message"]
    debuggee.stopped("breakpoint")
    assert debuggee.top()["line"] == LINES["end"]
    assert debuggee.run_to_end() == 0


def test_a_condition_chooses_the_changes_that_stop(debuggee):
    debuggee.start(WATCH, [LINES["fill"]])
    debuggee.stopped("breakpoint")
    data_id = info(debuggee, scope_reference(debuggee, "Locals"), "total")["dataId"]
    debuggee.client.request("setBreakpoints", {"source": {"path": str(WATCH)}, "breakpoints": []})
    [state] = watch(debuggee, data_id, condition="total > 4")
    assert state["verified"] is True
    description, function, _ = hit(debuggee)
    assert description.startswith("`total` changed: 3 → 6") and function == "fill"
    assert debuggee.run_to_end() == 0


def test_what_cannot_be_watched_is_refused_with_the_reason(debuggee):
    debuggee.start(WATCH, [LINES["start"]])
    debuggee.stopped("breakpoint")
    tuple_value = debuggee.evaluate("(1, 2)", "watch")["variablesReference"]
    refused = info(debuggee, tuple_value, "0")
    assert refused["dataId"] is None and "immutable" in refused["description"]
    missing = info(debuggee, scope_reference(debuggee, "Globals"), "nothing")
    assert missing["dataId"] is None and "nothing" in missing["description"]
    data_id = info(debuggee, scope_reference(debuggee, "Globals"), "scores")["dataId"]
    read, counted, unknown = debuggee.client.request("setDataBreakpoints", {"breakpoints": [
        {"dataId": data_id, "accessType": "read"}, {"dataId": data_id, "hitCondition": "2"},
        {"dataId": "no such id"}]})["breakpoints"]
    assert not read["verified"] and "only writes" in read["message"]
    assert not counted["verified"] and "hit count" in counted["message"]
    assert not unknown["verified"] and "not known" in unknown["message"]
    assert debuggee.run_to_end() == 0


def test_a_name_or_an_access_path_without_a_variables_reference(debuggee):
    debuggee.start(WATCH, [LINES["start"]])
    debuggee.stopped("breakpoint")
    frame = debuggee.top()["id"]
    found = [debuggee.client.request("dataBreakpointInfo", {"name": name, "frameId": frame})
             for name in ("scores", "p.x", "ages[\"bob\"]", "xs[2 - 1]")]
    assert all(item["dataId"] for item in found), found
    watch(debuggee, *(item["dataId"] for item in found))
    descriptions = [hit(debuggee)[0].split(" (written")[0] for _ in range(3)]
    assert descriptions == ["`xs[2 - 1]` changed: 20 → 21", '`ages["bob"]` changed: 40 → 41',
                            "`scores` changed: 0 → 1"]
    assert hit(debuggee)[0].startswith("`p.x` changed: 5 → 7")


def test_reverse_continue_finds_who_set_a_value(debuggee):
    debuggee.start(WATCH, [LINES["end"]])
    debuggee.stopped("breakpoint")
    watch(debuggee, global_part(debuggee, "p", "x"), global_part(debuggee, "xs", "1"))
    # "Who set this?": back to the last write of each, newest first.
    description, function, line = hit(debuggee, "reverseContinue")
    assert description.startswith("`xs[1]` changed: 21 → 10") and written_at(description) == LINES["insert"]
    assert debuggee.evaluate("xs", "watch")["result"] == "[5, 10, 21, 30, 40]"
    description, function, line = hit(debuggee, "reverseContinue")
    assert description.startswith("`p.x` changed: 5 → 7") and written_at(description) == LINES["seven"]
    assert debuggee.evaluate("p.x", "watch")["result"] == "7"
    assert hit(debuggee, "reverseContinue")[0].startswith("`xs[1]` changed: 20 → 21")
    description, function, line = hit(debuggee, "reverseContinue")
    assert description.startswith("`p.x` changed: 1 → 5") and function == "make"
    debuggee.client.request("reverseContinue", {"threadId": 1})
    assert debuggee.stopped("step")["description"] == "Paused at the start of recorded history"
    # Forward again through the recorded past: the same writes stop again, in order.
    assert hit(debuggee)[0].startswith("`p.x` changed: 1 → 5")
    assert hit(debuggee)[0].startswith("`xs[1]` changed: 20 → 21")
    assert hit(debuggee)[0].startswith("`p.x` changed: 5 → 7")
    assert hit(debuggee)[0].startswith("`xs[1]` changed: 21 → 10")
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert debuggee.run_to_end() == 0
    assert debuggee.output().count("[5, 10, 21, 30, 40]") == 1


def test_who_changed_this_goes_back_to_the_last_write_without_leaving_a_breakpoint(debuggee):
    debuggee.start(WATCH, [LINES["end"]])
    debuggee.stopped("breakpoint")
    point = debuggee.scope("Globals")["p"]["variablesReference"]
    debuggee.client.request("whoChangedThis", {"variablesReference": point, "name": "x"})
    # The client learns that the program runs (backwards) until the stop.
    assert debuggee.client.wait_event("continued")["allThreadsContinued"] is True
    body = debuggee.stopped("data breakpoint")
    assert body["description"].startswith("`p.x` changed: 5 → 7") and "hitBreakpointIds" not in body
    assert debuggee.top()["line"] == LINES["seven"] + 1
    # Asked again from there: the write before that one, inside make().
    frame = debuggee.top()["id"]
    debuggee.client.request("whoChangedThis", {"name": "p.x", "frameId": frame})
    assert debuggee.stopped("data breakpoint")["description"].startswith("`p.x` changed: 1 → 5")
    assert debuggee.top()["name"] == "make"
    # The question leaves no data breakpoint behind: continuing runs to the line breakpoint.
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert debuggee.top()["line"] == LINES["end"]
    missing = debuggee.client.send("whoChangedThis", {"name": "nothing", "frameId": debuggee.top()["id"]})
    answer = debuggee.client.response(missing)
    assert not answer["success"] and "nothing" in answer["message"]
    assert debuggee.run_to_end() == 0


def test_restart_removes_the_data_breakpoints_of_the_run_that_ended(debuggee):
    debuggee.start(WATCH, [LINES["start"]])
    debuggee.stopped("breakpoint")
    data_id = info(debuggee, scope_reference(debuggee, "Globals"), "scores")["dataId"]
    [state] = watch(debuggee, data_id)
    debuggee.client.request("restart")
    removed = debuggee.client.wait_event("breakpoint")
    assert removed["reason"] == "removed" and removed["breakpoint"]["id"] == state["id"]
    debuggee.stopped("breakpoint")
    # The old run's data id names nothing in the new one.
    [again] = watch(debuggee, data_id)
    assert not again["verified"] and "dataBreakpointInfo again" in again["message"]
    assert debuggee.run_to_end() == 0


def test_without_history_data_breakpoints_stop_forwards_and_going_back_says_why_not(debuggee):
    debuggee.start(WATCH, [LINES["start"]], history=0)
    debuggee.stopped("breakpoint")
    watch(debuggee, info(debuggee, scope_reference(debuggee, "Globals"), "scores")["dataId"])
    assert hit(debuggee)[0].startswith("`scores` changed: 0 → 1")
    refused = debuggee.client.response(debuggee.client.send("whoChangedThis", {"name": "scores"}))
    assert not refused["success"] and "no history is kept" in refused["message"]
    assert debuggee.run_to_end() == 0


def test_who_changed_a_captured_variable_finds_the_write_made_before_the_closure_captured_it(debuggee):
    captured = program("captured.esk")
    lines = markers(captured)
    debuggee.start(captured, [lines["bump"]])
    debuggee.stopped("breakpoint")
    debuggee.client.request("whoChangedThis", {"variablesReference": scope_reference(debuggee, "Upvalues"),
                                               "name": "count"})
    body = debuggee.stopped("data breakpoint")
    assert body["description"] == f"`count` changed: (not set) → 10 (written at line {lines['declared']})"
    assert debuggee.top()["name"] == "counter"
    # A data breakpoint set here, on the local the closure will capture, follows it into the closure.
    [state] = watch(debuggee, info(debuggee, scope_reference(debuggee, "Locals"), "count")["dataId"])
    debuggee.client.request("setBreakpoints", {"source": {"path": str(captured)}, "breakpoints": []})
    description, function, _ = hit(debuggee)
    assert description.startswith("`count` changed: 10 → 11") and function == "<fn>"
    description, function, _ = hit(debuggee)
    assert description.startswith("`count` changed: 11 → 13") and function == "<fn>"
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "11\n13\n"


def watch_at(debuggee: Debuggee, marker: str, expression: str) -> dict[str, int]:
    """Run rebind.esk to `marker`, leave no line breakpoint and watch
    `expression` there; the program's markers."""
    path = program("rebind.esk")
    lines = markers(path)
    debuggee.start(path, [lines[marker]])
    debuggee.stopped("breakpoint")
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    found = debuggee.client.request("dataBreakpointInfo", {"name": expression, "frameId": debuggee.top()["id"]})
    watch(debuggee, found["dataId"])
    return lines


def test_a_watch_follows_its_object_through_time_travel_not_the_name_that_showed_it(debuggee):
    lines = watch_at(debuggee, "watch", "b.v")
    assert hit(debuggee) == ("`b.v` changed: 0 → 1 (written at line 9)", "<module>", lines["watch"] + 1)
    assert hit(debuggee)[2] == lines["watch"] + 2
    assert hit(debuggee)[0] == "`b.v` changed: 2 → 3 (written at line 13)"
    # Back to before the write of 3, where `b` names the other box; then forward again.
    debuggee.client.request("stepBack", {"threadId": 1})
    debuggee.stopped("step")
    assert debuggee.evaluate("b.v", "watch")["result"] == "101"
    assert hit(debuggee) == ("`b.v` changed: 2 → 3 (written at line 13)", "<module>", lines["three"] + 1)
    assert hit(debuggee)[0] == "`b.v` changed: 3 → 4 (written at line 15)"
    debuggee.client.request("stepBack", {"threadId": 1})
    debuggee.stopped("step")
    assert hit(debuggee, "reverseContinue")[0] == "`b.v` changed: 2 → 3 (written at line 13)"
    debuggee.client.request("restartFrame", {"frameId": debuggee.top()["id"]})
    debuggee.stopped("restart")
    assert [hit(debuggee)[0] for _ in range(4)] == [f"`b.v` changed: {old} → {new} (written at line {line})"
                                                    for old, new, line in ((0, 1, 9), (1, 2, 10), (2, 3, 13),
                                                                           (3, 4, 15))]
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "4 103\n[3] [102]\n"


def test_an_element_watch_follows_its_array_through_time_travel(debuggee):
    lines = watch_at(debuggee, "items", "items[0]")
    assert hit(debuggee)[0] == f"`items[0]` changed: 0 → 1 (written at line {lines['items']})"
    assert hit(debuggee)[0] == f"`items[0]` changed: 1 → 2 (written at line {lines['kept']})"
    debuggee.client.request("stepBack", {"threadId": 1})
    debuggee.stopped("step")
    assert debuggee.evaluate("items[0]", "watch")["result"] == "101"
    assert [hit(debuggee)[0] for _ in range(2)] == [
        f"`items[0]` changed: 1 → 2 (written at line {lines['kept']})",
        f"`items[0]` changed: 2 → 3 (written at line {lines['kept'] + 2})"]
    assert debuggee.run_to_end() == 0
