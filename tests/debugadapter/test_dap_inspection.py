"""Inspecting a stopped program: stack frames with paging, the four scopes,
values expanded and paged, setVariable, evaluate, and stale references."""

from __future__ import annotations

from scenario import Debuggee, markers, program

SCOPES = program("scopes.esk")
LINES = markers(SCOPES)


def stop_at(debuggee: Debuggee, label: str, path=SCOPES) -> dict:
    debuggee.start(path, [markers(path)[label]])
    debuggee.stopped("breakpoint")
    return debuggee.top()


def test_frames_carry_source_range_and_instruction_pointer(debuggee):
    stop_at(debuggee, "add")
    frames = debuggee.frames()
    assert frames["totalFrames"] == 2
    add, module = frames["stackFrames"]
    assert (add["name"], add["line"], module["name"], module["line"]) == ("add", LINES["add"], "<module>",
                                                                          LINES["values"])
    for frame in (add, module):
        assert frame["source"]["path"] == str(SCOPES)
        assert frame["column"] >= 1 and frame["endLine"] >= frame["line"]
        assert frame["instructionPointerReference"].startswith("0x")
    assert add["column"] == SCOPES.read_text().splitlines()[LINES["add"] - 1].index("a + b") + 1
    debuggee.run_to_end()


def test_a_deep_stack_is_served_in_pages(debuggee):
    path = program("deep.esk")
    stop_at(debuggee, "bottom", path)
    first = debuggee.frames(0, 20)
    assert first["totalFrames"] == 10_002 and len(first["stackFrames"]) == 20
    assert {frame["name"] for frame in first["stackFrames"]} == {"down"}
    last = debuggee.frames(9_990, 20)
    assert len(last["stackFrames"]) == 12 and last["stackFrames"][-1]["name"] == "<module>"
    ids = [frame["id"] for frame in first["stackFrames"] + last["stackFrames"]]
    assert len(set(ids)) == len(ids)
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "10000\n"


def test_scopes_of_a_frame(debuggee):
    frame = stop_at(debuggee, "add")
    scopes = debuggee.client.request("scopes", {"frameId": frame["id"]})["scopes"]
    assert [s["name"] for s in scopes] == ["Locals", "Registers", "Upvalues", "Globals"]
    assert scopes[1]["presentationHint"] == "registers"
    locals_ = debuggee.scope("Locals")
    assert {name: item["value"] for name, item in locals_.items()} == {"a": "2", "b": "3"}
    assert list(debuggee.scope("Registers")) == ["r0 (a)", "r1 (b)", "r2 (temp)"]
    assert debuggee.scope("Upvalues") == {}
    assert {"numbers", "pair", "table", "point", "shape", "add", "outer"} <= set(debuggee.scope("Globals"))
    debuggee.run_to_end()


def stop_in_many_locals(debuggee, folder) -> None:
    """Stop at the return of a function with 300 locals (101 of them in far slots)."""
    path = folder / "many.esk"
    body = "".join(f"    let v{index} = {index}\n" for index in range(300))
    path.write_text(f"fn many() {{\n{body}    return v0 + v299\n}}\nprint(many())\n")
    debuggee.run_to(path, 302)


def test_a_function_with_more_locals_than_registers(debuggee, tmp_path):
    stop_in_many_locals(debuggee, tmp_path)
    locals_ = debuggee.scope("Locals")
    assert (locals_["v0"]["value"], locals_["v299"]["value"], len(locals_)) == ("0", "299", 300)
    assert "r0 (far slots)" in debuggee.scope("Registers")
    debuggee.evaluate("v299 = 1", "repl")
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "1\n"


def test_upvalues_tell_open_from_closed(debuggee):
    stop_at(debuggee, "open")
    shared = debuggee.scope("Upvalues")["shared"]
    assert shared["value"] == "7" and "open" in shared["type"]
    debuggee.client.request("setBreakpoints", {"source": {"path": str(SCOPES)},
                                               "breakpoints": [{"line": LINES["values"]}]})
    debuggee.resume()
    debuggee.stopped("breakpoint")
    later = debuggee.scope("Globals")["later"]
    captured = debuggee.children(later["variablesReference"])
    assert {name: item["value"] for name, item in captured.items()} == {"result": "7", "shared": "7"}
    debuggee.run_to_end()


def test_values_expand_into_their_parts(debuggee):
    stop_at(debuggee, "values")
    globals_ = debuggee.scope("Globals")
    numbers = globals_["numbers"]
    assert (numbers["value"], numbers["type"], numbers["indexedVariables"]) == ("[10, 20, 30]", "array", 3)
    items = debuggee.children(numbers["variablesReference"], filter="indexed", start=1, count=2)
    assert {name: (item["value"], item["evaluateName"]) for name, item in items.items()} == {
        "1": ("20", "numbers[1]"), "2": ("30", "numbers[2]")}
    pair = debuggee.children(globals_["pair"]["variablesReference"])
    assert [item["value"] for item in pair.values()] == ["1", '"two"']
    table = debuggee.children(globals_["table"]["variablesReference"])
    assert list(table) == ['"a"', '"b"'] and table['"b"']["indexedVariables"] == 2
    point = debuggee.children(globals_["point"]["variablesReference"])
    assert {name: item["value"] for name, item in point.items()} == {"x": "3", "y": "4"}
    assert point["x"]["evaluateName"] == "point.x"
    shape = debuggee.children(globals_["shape"]["variablesReference"])
    assert {name: item["value"] for name, item in shape.items()} == {"w": "2", "h": "5"}
    assert globals_["shape"]["value"] == "Shape.Rect(2, 5)"
    debuggee.run_to_end()


def test_a_million_elements_arrive_in_pages(debuggee):
    stop_at(debuggee, "here", program("big.esk"))
    big = debuggee.scope("Globals")["big"]
    assert big["indexedVariables"] == 1_000_000 and len(big["value"]) < 300
    tail = debuggee.children(big["variablesReference"], filter="indexed", start=999_998, count=5)
    assert {name: item["value"] for name, item in tail.items()} == {"999998": "999998", "999999": "999999"}
    unpaged = debuggee.children(big["variablesReference"])
    assert 0 < len(unpaged) <= 1000
    first_group = next(iter(unpaged.values()))
    assert first_group["variablesReference"] and first_group["indexedVariables"] <= 1_000_000
    debuggee.run_to_end()


def test_set_variable_on_locals_registers_fields_and_elements(debuggee):
    stop_at(debuggee, "add")
    client = debuggee.client
    frame = debuggee.top()
    scopes = {s["name"]: s["variablesReference"] for s in client.request("scopes", {"frameId": frame["id"]})["scopes"]}
    answer = client.request("setVariable", {"variablesReference": scopes["Locals"], "name": "a", "value": "40"})
    assert answer["value"] == "40"
    client.request("setVariable", {"variablesReference": scopes["Registers"], "name": "r1 (b)", "value": "b * 2"})
    assert debuggee.scope("Locals")["b"]["value"] == "6"
    globals_ = debuggee.scope("Globals")
    client.request("setVariable", {"variablesReference": globals_["point"]["variablesReference"], "name": "x",
                                   "value": "-1"})
    client.request("setVariable", {"variablesReference": globals_["numbers"]["variablesReference"], "name": "0",
                                   "value": "[1, 2]"})
    failure = client.failure("setVariable", {"variablesReference": globals_["pair"]["variablesReference"],
                                             "name": "0", "value": "5"})
    assert "immutable" in failure
    client.request("setVariable", {"variablesReference": scopes["Globals"], "name": "table", "value": "{1: 2}"})
    assert debuggee.run_to_end() == 0
    assert debuggee.output().splitlines()[1] == "[[1, 2], 20, 30] Point(x: -1, y: 4) {1: 2}"
    assert debuggee.output().splitlines()[0] == "46 14"


def test_set_variable_on_an_upvalue(debuggee):
    stop_at(debuggee, "open")
    client = debuggee.client
    frame = debuggee.top()
    scopes = {s["name"]: s["variablesReference"] for s in client.request("scopes", {"frameId": frame["id"]})["scopes"]}
    client.request("setVariable", {"variablesReference": scopes["Upvalues"], "name": "shared", "value": "100"})
    assert debuggee.run_to_end() == 0
    assert debuggee.output().splitlines()[0] == "5 200"


def test_evaluate_in_the_selected_frame(debuggee):
    stop_at(debuggee, "add")
    assert debuggee.evaluate("a + b * 10", "watch")["result"] == "32"
    assert debuggee.evaluate("a", "hover")["result"] == "2"
    assert debuggee.evaluate("numbers.len() + len(pair)", "repl")["result"] == "5"
    module = debuggee.frames()["stackFrames"][1]
    assert debuggee.evaluate("point", "watch", module)["result"] == "Point(x: 3, y: 4)"
    table = debuggee.evaluate("table", "repl")
    assert table["variablesReference"] and table["indexedVariables"] == 2
    debuggee.run_to_end()


def test_repl_statements_change_the_frame(debuggee):
    stop_at(debuggee, "add")
    debuggee.evaluate("a = 10", "repl")
    assert debuggee.scope("Locals")["a"]["value"] == "10"
    assert debuggee.run_to_end() == 0
    assert debuggee.output().splitlines()[0] == "13 14"


def test_evaluate_reports_errors_without_ending_the_session(debuggee):
    frame = stop_at(debuggee, "add")
    client = debuggee.client
    message = client.failure("evaluate", {"expression": "a // 0", "frameId": frame["id"], "context": "watch"})
    assert "ZeroDivisionError" in message
    message = client.failure("evaluate", {"expression": "nowhere + 1", "frameId": frame["id"], "context": "watch"})
    assert "nowhere" in message
    message = client.failure("evaluate", {"expression": "add(1, 2)", "frameId": frame["id"], "context": "hover"})
    assert "call" in message
    assert client.failure("evaluate", {"expression": "(", "frameId": frame["id"]})
    assert debuggee.run_to_end() == 0


def test_references_from_an_earlier_stop_are_refused(debuggee):
    frame = stop_at(debuggee, "open")
    client = debuggee.client
    scopes = client.request("scopes", {"frameId": frame["id"]})["scopes"]
    client.request("setBreakpoints", {"source": {"path": str(SCOPES)}, "breakpoints": [{"line": LINES["add"]}]})
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert "not valid" in client.failure("variables", {"variablesReference": scopes[0]["variablesReference"]})
    assert "not valid" in client.failure("scopes", {"frameId": frame["id"]})
    assert client.failure("variables", {"variablesReference": 999_999})
    debuggee.run_to_end()


def test_inspection_while_running_is_refused(debuggee):
    debuggee.start(program("loop.esk"))
    assert debuggee.client.failure("stackTrace", {"threadId": 1}) == "notStopped"
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_registers_show_only_esker_values(debuggee):
    path = program("iterate.esk")
    debuggee.run_to(path, markers(path)["body"])
    registers = debuggee.scope("Registers")
    kinds = {item["type"] for item in registers.values()}
    assert "iterator" in kinds
    assert kinds <= {"iterator", "int", "array", "nil", "fn", "str"}, kinds
    assert all("object at 0x" not in item["value"] for item in registers.values())
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    debuggee.run_to_end()


def test_the_far_slots_expand_with_their_variables_names(debuggee, tmp_path):
    stop_in_many_locals(debuggee, tmp_path)
    far = debuggee.scope("Registers")["r0 (far slots)"]
    assert (far["type"], far["value"]) == ("far slots", "101 far slots")
    slots = debuggee.children(far["variablesReference"])
    assert slots["F0 (v199)"]["value"] == "199" and slots["F100 (v299)"]["value"] == "299"
    assert "far slots" in debuggee.client.failure("setVariable", {
        "variablesReference": debuggee.client.request("scopes", {"frameId": debuggee.top()["id"]})["scopes"][1][
            "variablesReference"], "name": "r0 (far slots)", "value": "1"})
    debuggee.run_to_end()


def test_struct_and_enum_types_expand_into_fields_methods_and_variants(debuggee):
    stop_at(debuggee, "values")
    globals_ = debuggee.scope("Globals")
    assert globals_["Point"]["variablesReference"] and globals_["Shape"]["variablesReference"]
    point = debuggee.children(globals_["Point"]["variablesReference"])
    assert point["fields"]["value"] == '("x", "y")'
    shape = debuggee.children(globals_["Shape"]["variablesReference"])
    assert list(shape) == ["Circle", "Rect", "Empty"]
    assert shape["Empty"]["value"] == "Shape.Empty" and shape["Rect"]["evaluateName"] == "Shape.Rect"
    debuggee.run_to_end()


def test_evaluate_works_where_the_stack_overflowed(debuggee):
    debuggee.start_with_filters(program("forever.esk"), ["uncaught"])
    debuggee.stopped("exception")
    assert int(debuggee.evaluate("n + 1")["result"]) > 1000
    assert debuggee.evaluate("[n, n].len()")["result"] == "2"
    assert debuggee.run_to_end() == 1


def test_console_syntax_errors_point_into_the_text_typed(debuggee):
    frame = stop_at(debuggee, "add")
    client = debuggee.client
    for text, expected in [("a +", "1:4:"), ("add(1,", "1:7:"), ("let = 3", "1:5:"), ("1\n2 +* 3", "2:4:")]:
        message = client.failure("evaluate", {"expression": text, "frameId": frame["id"], "context": "repl"})
        assert message.startswith(expected) and "return" not in message, (text, message)
    message = client.failure("evaluate", {"expression": "(a, b", "frameId": frame["id"], "context": "repl"})
    assert "opened at 1:1" in message
    message = client.failure("evaluate", {"expression": "a = 1", "frameId": frame["id"], "context": "watch"})
    assert "expression" in message
    debuggee.run_to_end()


def test_console_declarations_persist_in_their_frame(debuggee):
    frame = stop_at(debuggee, "add")
    assert debuggee.evaluate("let scale = 10\nfn twice(x) { return x * 2 }", "repl", frame)["result"] == "nil"
    assert debuggee.evaluate("twice(a) * scale", "repl", frame)["result"] == "40"
    debuggee.evaluate("scale += 1", "repl", frame)
    assert debuggee.evaluate("scale", "watch", frame)["result"] == "11"
    outer = debuggee.frames()["stackFrames"][1]
    assert "scale" in debuggee.client.failure("evaluate", {"expression": "scale", "frameId": outer["id"],
                                                           "context": "repl"})
    debuggee.run_to_end()
