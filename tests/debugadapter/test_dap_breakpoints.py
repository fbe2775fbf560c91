"""Breakpoints: lines through the source map (snapping, modules, changes while
running), conditions, hit counts, log points, functions, errors, instructions."""

from __future__ import annotations

from scenario import Debuggee, markers, program

BASICS = program("basics.esk")
LINES = markers(BASICS)


def test_line_breakpoint_stops_there_with_its_id(debuggee):
    answer = debuggee.start(BASICS, [LINES["add"]])
    breakpoint = answer["breakpoints"][0]
    assert breakpoint["verified"] and breakpoint["line"] == LINES["add"]
    stop = debuggee.stopped("breakpoint")
    assert stop["hitBreakpointIds"] == [breakpoint["id"]]
    frame = debuggee.top()
    assert (frame["name"], frame["line"], frame["source"]["path"]) == ("add", LINES["add"], str(BASICS))
    assert debuggee.run_to_end() == 0


def test_line_without_code_snaps_to_the_next_line_with_code(debuggee):
    answer = debuggee.start(BASICS, [LINES["gap"]])
    assert answer["breakpoints"][0]["line"] == LINES["call"]
    debuggee.stopped("breakpoint")
    assert debuggee.top()["line"] == LINES["call"]
    debuggee.run_to_end()


def test_line_past_the_end_is_not_verified(debuggee):
    answer = debuggee.start(BASICS, [500])
    breakpoint = answer["breakpoints"][0]
    assert not breakpoint["verified"] and "500" in breakpoint["message"]
    assert debuggee.finish() == 0


def test_breakpoints_in_a_module_not_loaded_yet(debuggee):
    main, helper = program("modules/main.esk"), program("modules/helper.esk")
    client = debuggee.client
    debuggee.launch(main)
    answer = client.request("setBreakpoints", {"source": {"path": str(helper)},
                                               "breakpoints": [{"line": markers(helper)["double"]},
                                                               {"line": markers(helper)["load"]}]})
    assert [b["verified"] for b in answer["breakpoints"]] == [True, True]
    client.request("configurationDone")
    debuggee.stopped("breakpoint")
    assert (debuggee.top()["line"], debuggee.top()["source"]["path"]) == (markers(helper)["load"], str(helper))
    debuggee.resume()
    debuggee.stopped("breakpoint")
    frames = debuggee.frames()["stackFrames"]
    assert [(f["name"], f["line"]) for f in frames] == [("double", markers(helper)["double"]),
                                                        ("<module>", markers(main)["call"])]
    assert debuggee.run_to_end() == 0


def test_condition_is_an_esker_expression_in_the_frame(debuggee):
    path = program("loop.esk")
    debuggee.start(path, [{"line": markers(path)["body"], "condition": "n == 41"}])
    debuggee.stopped("breakpoint")
    assert debuggee.scope("Globals")["n"]["value"] == "41"
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def hits_of(debuggee: Debuggee, hit_condition: str, stops: int) -> list[str]:
    path = program("loop.esk")
    debuggee.start(path, [{"line": markers(path)["body"], "hitCondition": hit_condition}])
    seen = []
    for _ in range(stops):
        debuggee.stopped("breakpoint")
        seen.append(debuggee.scope("Globals")["n"]["value"])
        debuggee.resume()
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")
    return seen


def test_hit_count_at_least(debuggee):
    assert hits_of(debuggee, ">= 3", 2) == ["2", "3"]


def test_hit_count_modulo(debuggee):
    assert hits_of(debuggee, "% 2", 3) == ["1", "3", "5"]


def test_hit_count_equal_stops_once(debuggee):
    assert hits_of(debuggee, "== 5", 1) == ["4"]


def test_bad_hit_condition_is_not_verified(debuggee):
    answer = debuggee.start(BASICS, [])
    answer = debuggee.client.request("setBreakpoints", {"source": {"path": str(BASICS)},
                                                        "breakpoints": [{"line": LINES["add"], "hitCondition": "lots"}]})
    assert not answer["breakpoints"][0]["verified"]
    debuggee.finish()


def test_log_point_prints_interpolated_expressions_and_does_not_stop(debuggee):
    client = debuggee.client
    debuggee.launch(BASICS)
    client.request("setBreakpoints", {"source": {"path": str(BASICS)}, "breakpoints": [
        {"line": LINES["add"], "logMessage": "adding {a} and {b}: {a + b} {{literal}}"}]})
    client.request("configurationDone")
    assert debuggee.finish() == 0
    assert "adding 2 and 3: 5 {literal}\n" in debuggee.output("console")
    assert not [e for e in client.events if e["event"] == "stopped"]


def test_function_breakpoint_stops_on_entry_to_the_function(debuggee):
    client = debuggee.client
    debuggee.launch(BASICS)
    answer = client.request("setFunctionBreakpoints", {"breakpoints": [{"name": "add"}, {"name": "nope"}]})
    assert [b["verified"] for b in answer["breakpoints"]] == [True, False]
    client.request("configurationDone")
    debuggee.stopped("function breakpoint")
    assert debuggee.top()["name"] == "add"
    assert debuggee.scope("Locals")["a"]["value"] == "2"
    assert debuggee.run_to_end() == 0


def test_function_breakpoint_in_a_module_is_verified_when_it_loads(debuggee):
    main, helper = program("modules/main.esk"), program("modules/helper.esk")
    client = debuggee.client
    debuggee.launch(main)
    answer = client.request("setFunctionBreakpoints", {"breakpoints": [{"name": "double"}]})
    assert not answer["breakpoints"][0]["verified"]
    client.request("configurationDone")
    changed = client.wait_event("breakpoint")
    assert changed["reason"] == "changed" and changed["breakpoint"]["verified"]
    debuggee.stopped("function breakpoint")
    assert (debuggee.top()["name"], debuggee.top()["line"]) == ("double", markers(helper)["double"])
    assert debuggee.run_to_end() == 0


def test_uncaught_filter_stops_only_where_nothing_catches(debuggee):
    debuggee.start_with_filters(program("errors.esk"), ["uncaught"])
    stop = debuggee.stopped("exception")
    assert stop["text"].startswith("ZeroDivisionError")
    assert debuggee.top()["line"] == markers(program("errors.esk"))["uncaught"]
    info = debuggee.client.request("exceptionInfo", {"threadId": 1})
    assert (info["exceptionId"], info["breakMode"]) == ("ZeroDivisionError", "unhandled")
    assert info["details"]["stackTrace"].startswith("error[ZeroDivisionError]: division by zero\n  at <module>")
    assert debuggee.run_to_end() == 1


def test_raised_filter_stops_where_an_error_is_thrown_even_if_caught(debuggee):
    debuggee.start_with_filters(program("errors.esk"), ["raised"])
    debuggee.stopped("exception")
    assert debuggee.top()["line"] == markers(program("errors.esk"))["throw"]
    info = debuggee.client.request("exceptionInfo", {"threadId": 1})
    assert (info["exceptionId"], info["description"], info["breakMode"]) == ("ValueError", "too big: 5", "always")
    debuggee.resume()
    debuggee.stopped("exception")
    assert debuggee.top()["line"] == markers(program("errors.esk"))["uncaught"]
    assert debuggee.run_to_end() == 1


def test_an_error_through_a_builtin_callback_stops_once(debuggee):
    client = debuggee.client
    debuggee.start_with_filters(program("callback.esk"), ["raised", "uncaught"])
    debuggee.stopped("exception")
    assert [f["name"] for f in debuggee.frames()["stackFrames"]] == ["invert", "<module>"]
    assert client.request("exceptionInfo", {"threadId": 1})["breakMode"] == "always"
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "caught ZeroDivisionError\n"
    assert len([e for e in client.events if e["event"] == "stopped"]) == 1


def test_without_filters_errors_do_not_stop(debuggee):
    debuggee.start_with_filters(program("errors.esk"), [])
    assert debuggee.finish() == 1


def test_breakpoint_locations_lists_lines_with_code(debuggee):
    debuggee.start(BASICS, stop_on_entry=True)
    debuggee.stopped("entry")
    answer = debuggee.client.request("breakpointLocations", {"source": {"path": str(BASICS)},
                                                             "line": LINES["gap"], "endLine": LINES["after"]})
    assert [b["line"] for b in answer["breakpoints"]] == [LINES["call"], LINES["shift"], LINES["after"]]
    debuggee.run_to_end()


def test_breakpoints_set_while_running_take_effect(debuggee):
    path = program("loop.esk")
    debuggee.start(path)
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)},
                                               "breakpoints": [{"line": markers(path)["body"]}]})
    debuggee.stopped("breakpoint")
    debuggee.client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": []})
    debuggee.resume()
    debuggee.client.request("pause", {"threadId": 1})
    debuggee.stopped("pause")
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_instruction_breakpoint_on_a_disassembled_instruction(debuggee):
    debuggee.start(BASICS, [LINES["call"]])
    debuggee.stopped("breakpoint")
    frame = debuggee.top()
    listing = debuggee.client.request("disassemble", {"memoryReference": frame["instructionPointerReference"],
                                                      "instructionOffset": 1, "instructionCount": 1})
    target = listing["instructions"][0]["address"]
    answer = debuggee.client.request("setInstructionBreakpoints",
                                     {"breakpoints": [{"instructionReference": target}]})
    assert answer["breakpoints"][0]["verified"]
    debuggee.resume()
    debuggee.stopped("instruction breakpoint")
    assert debuggee.top()["instructionPointerReference"] == target
    assert debuggee.run_to_end() == 0


def test_instruction_breakpoint_outside_the_code_is_not_verified(debuggee):
    debuggee.start(BASICS, stop_on_entry=True)
    debuggee.stopped("entry")
    answer = debuggee.client.request("setInstructionBreakpoints",
                                     {"breakpoints": [{"instructionReference": "0x1", "offset": 0}]})
    assert not answer["breakpoints"][0]["verified"]
    debuggee.run_to_end()


def test_a_module_body_has_the_importing_frame_below_it(debuggee):
    main, module = program("modules/importer.esk"), program("modules/failing.esk")
    debuggee.launch(main)
    debuggee.client.request("setBreakpoints", {"source": {"path": str(module)},
                                               "breakpoints": [{"line": markers(module)["load"]}]})
    debuggee.client.request("setExceptionBreakpoints", {"filters": ["uncaught"]})
    debuggee.client.request("configurationDone")
    debuggee.stopped("breakpoint")
    frames = debuggee.frames()["stackFrames"]
    assert [(f["name"], f["source"]["path"], f["line"]) for f in frames] == [
        ("<module>", str(module), markers(module)["load"]), ("<module>", str(main), markers(main)["import"])]
    debuggee.resume()
    stop = debuggee.stopped("exception")
    assert stop["text"].startswith("ZeroDivisionError")
    assert (debuggee.top()["source"]["path"], debuggee.top()["line"]) == (str(module), markers(module)["boom"])
    assert debuggee.run_to_end() == 1


def test_an_unverified_function_breakpoint_never_stops(debuggee):
    debuggee.launch(BASICS)
    answer = debuggee.client.request("setFunctionBreakpoints", {"breakpoints": [{"name": "add", "condition": "a =="}]})
    assert not answer["breakpoints"][0]["verified"]
    debuggee.client.request("configurationDone")
    assert debuggee.finish() == 0


def test_restart_counts_hits_from_zero_again(debuggee):
    path = program("generators.esk")
    debuggee.start(path, [{"line": markers(path)["loop"], "hitCondition": "2"}])
    debuggee.stopped("breakpoint")
    assert debuggee.evaluate("x")["result"] == "1"
    debuggee.client.request("restart")
    debuggee.stopped("breakpoint")
    assert debuggee.evaluate("x")["result"] == "1"
    assert debuggee.run_to_end() == 0


def test_paths_through_symbolic_links_meet(debuggee, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "helper.esk").write_text((program("modules/helper.esk")).read_text())
    (real / "main.esk").write_text((program("modules/main.esk")).read_text())
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    helper_line = markers(program("modules/helper.esk"))["double"]
    main_line = markers(program("modules/main.esk"))["call"]
    debuggee.launch(link / "main.esk")
    client = debuggee.client
    client.request("setBreakpoints", {"source": {"path": str(real / "main.esk")}, "breakpoints": [{"line": main_line}]})
    client.request("setBreakpoints", {"source": {"path": str(link / "helper.esk")},
                                      "breakpoints": [{"line": helper_line}]})
    client.request("configurationDone")
    debuggee.stopped("breakpoint")
    assert (debuggee.top()["source"]["path"], debuggee.top()["line"]) == (str(real / "main.esk"), main_line)
    debuggee.resume()
    debuggee.stopped("breakpoint")
    assert (debuggee.top()["source"]["path"], debuggee.top()["line"]) == (str(link / "helper.esk"), helper_line)
    assert debuggee.run_to_end() == 0


def test_a_breakpoint_in_a_callback_stops_at_every_call(debuggee):
    path = program("callbacks.esk")
    debuggee.start(path, [markers(path)["twice"]], history=0)
    for expected in ("3", "1", "2"):
        debuggee.stopped("breakpoint")
        assert debuggee.evaluate("x")["result"] == expected
        debuggee.resume()
    assert debuggee.finish() == 0
