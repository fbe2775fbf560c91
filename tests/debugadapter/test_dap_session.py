"""The session's life: initialize, launch, configurationDone, output, the end,
pause, terminate, restart, and the TCP server mode."""

from __future__ import annotations

import re
import subprocess

from dap_client import TIMEOUT, DapClient, adapter_command
from scenario import Debuggee, markers, program


def test_initialize_declares_capabilities_then_sends_initialized(client):
    capabilities = client.request("initialize", {"adapterID": "esker"})
    assert capabilities["supportsConfigurationDoneRequest"]
    assert capabilities["supportsDisassembleRequest"] and capabilities["supportsSteppingGranularity"]
    assert {f["filter"] for f in capabilities["exceptionBreakpointFilters"]} == {"uncaught", "raised"}
    client.wait_event("initialized")


def test_program_runs_after_configuration_done_and_reports_output_and_exit(debuggee):
    path = program("basics.esk")
    debuggee.start(path)
    assert debuggee.finish() == 0
    assert debuggee.output("stdout").startswith("sum 5\nPoint(x: 4, y: 4) 2 (1, \"two\")")
    threads = [e["body"] for e in debuggee.client.events if e["event"] == "thread"]
    assert threads == [{"reason": "started", "threadId": 1}, {"reason": "exited", "threadId": 1}]


def test_nothing_runs_before_configuration_done(debuggee):
    client = debuggee.client
    debuggee.launch(program("last.esk"))
    client.request("threads")
    assert not [e for e in client.events if e["event"] in ("output", "exited")]
    client.request("configurationDone")
    client.wait_event("exited")


def test_stop_on_entry_stops_at_the_first_line(debuggee):
    debuggee.start(program("last.esk"), stop_on_entry=True)
    debuggee.stopped("entry")
    frame = debuggee.top()
    assert (frame["name"], frame["line"]) == ("<module>", 2)
    assert debuggee.run_to_end() == 0
    assert debuggee.output() == "last yes\n"


def test_threads_lists_the_program_thread(debuggee):
    debuggee.start(program("last.esk"), stop_on_entry=True)
    debuggee.stopped("entry")
    assert debuggee.client.request("threads") == {"threads": [{"id": 1, "name": "main"}]}
    debuggee.run_to_end()


def test_uncaught_error_is_reported_on_stderr_with_its_trace_and_exit_code_1(debuggee):
    debuggee.start(program("errors.esk"))
    assert debuggee.finish() == 1
    assert debuggee.output() == "caught ValueError\nthen\n"
    stderr = debuggee.output("stderr")
    assert stderr.startswith("error[ZeroDivisionError]: division by zero\n  at <module> (")
    assert f"errors.esk:{markers(program('errors.esk'))['uncaught']}:" in stderr


def test_no_debug_ignores_breakpoints(debuggee):
    path = program("basics.esk")
    debuggee.start(path, [markers(path)["add"]], noDebug=True)
    assert debuggee.finish() == 0
    assert not [e for e in debuggee.client.events if e["event"] == "stopped"]


def test_no_debug_runs_take_the_tier_settings():
    path = program("basics.esk")
    outputs = []
    for launch in ({"tier": "auto", "tierThreshold": 0}, {"tier": "vm"}):
        dap = DapClient()
        try:
            debuggee = Debuggee(dap)
            debuggee.start(path, noDebug=True, **launch)
            assert debuggee.finish() == 0
            outputs.append(debuggee.output())
        finally:
            assert dap.close() == 0 and not dap.problems
    assert outputs[0] and outputs[0] == outputs[1]


def test_launch_with_an_unknown_tier_fails(client):
    client.request("initialize", {"adapterID": "esker"})
    message = client.failure("launch", {"program": str(program("basics.esk")), "tier": "jit"})
    assert "tier" in message and "jit" in message


def test_launch_of_a_missing_file_fails_with_a_message(client):
    client.request("initialize", {"adapterID": "esker"})
    message = client.failure("launch", {"program": "/nonexistent/nothing.esk"})
    assert "nothing.esk" in message


def test_launch_of_a_program_with_compile_errors_fails_and_names_the_error(client, tmp_path):
    broken = tmp_path / "broken.esk"
    broken.write_text("let x = 1\nprint(y)\n")
    client.request("initialize", {"adapterID": "esker"})
    message = client.failure("launch", {"program": str(broken)})
    assert re.search(r"broken\.esk:2:7: error\[E\d+\]", message), message


def test_launch_resolves_the_program_against_cwd(debuggee):
    debuggee.launch("main.esk", cwd=str(program("modules")))
    debuggee.client.request("configurationDone")
    assert debuggee.finish() == 0


def test_env_gives_the_module_search_path(debuggee, tmp_path):
    main = tmp_path / "uses_helper.esk"
    main.write_text("import helper\nprint(helper.double(4))\n")
    debuggee.start(main, env={"ESKER_PATH": str(program("modules"))})
    assert debuggee.finish() == 0
    assert debuggee.output() == "helper loaded\n8\n"


def test_zero_based_lines_and_columns_when_the_client_asks(client):
    path = program("basics.esk")
    line = markers(path)["add"]
    client.request("initialize", {"adapterID": "esker", "linesStartAt1": False, "columnsStartAt1": False})
    client.request("launch", {"program": str(path)})
    answer = client.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": [{"line": line - 1}]})
    assert answer["breakpoints"][0]["line"] == line - 1
    client.request("configurationDone")
    client.wait_event("stopped")
    frame = client.request("stackTrace", {"threadId": 1, "levels": 1})["stackFrames"][0]
    assert (frame["line"], frame["column"]) == (line - 1, path.read_text().splitlines()[line - 1].index("a + b"))


def test_pause_stops_an_endless_loop(debuggee):
    debuggee.start(program("loop.esk"))
    debuggee.client.request("pause", {"threadId": 1})
    debuggee.stopped("pause")
    assert debuggee.top()["name"] == "<module>"
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_terminate_ends_a_running_program(debuggee):
    debuggee.start(program("loop.esk"))
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_terminate_before_the_program_runs_still_ends_the_session(debuggee):
    debuggee.launch(program("last.esk"))
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_disconnect_ends_a_running_program_and_the_adapter():
    dap = DapClient()
    Debuggee(dap).start(program("loop.esk"))
    dap.request("disconnect", {"terminateDebuggee": True})
    assert dap.process.wait(TIMEOUT) == 0
    dap.close()


def test_restart_runs_the_program_again_with_its_breakpoints(debuggee):
    path = program("basics.esk")
    line = markers(path)["add"]
    debuggee.run_to(path, line)
    debuggee.client.request("restart")
    debuggee.stopped("breakpoint")
    assert debuggee.top()["line"] == line
    assert debuggee.output() == ""
    assert debuggee.run_to_end() == 0


def test_tcp_server_serves_sessions_one_after_another():
    server = subprocess.Popen(adapter_command() + ["--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)$", server.stderr.readline().strip()).group(1))
        for _ in range(2):
            dap = DapClient(port=port)
            Debuggee(dap).start(program("last.esk"))
            assert dap.wait_event("exited")["exitCode"] == 0
            dap.close()
            assert not dap.problems, dap.problems
    finally:
        server.kill()
        server.wait()


def test_terminate_ends_a_busy_loop_run_without_debugging():
    """Stop (terminate, then disconnect) ends a run without the debugger,
    whether the loop runs in the VM or compiled to Python."""
    for launch in ({"tier": "auto", "tierThreshold": 0}, {"tier": "vm"}):
        dap = DapClient()
        try:
            debuggee = Debuggee(dap)
            debuggee.start(program("busy.esk"), noDebug=True, **launch)
            dap.wait_event("output", lambda body: body["output"] == "started\n")
            dap.request("terminate")
            dap.wait_event("terminated")
            dap.request("disconnect", {"terminateDebuggee": True})
        finally:
            assert dap.close() == 0 and not dap.problems


def test_launch_reads_exactly_the_declared_launch_attributes(tmp_path):
    """The table editors' manifests are checked against is what `launch` reads."""
    from esker.debugadapter.capabilities import LAUNCH_ATTRIBUTES
    from esker.debugadapter.channel import Arguments
    from esker.debugadapter.session import _launch_config

    read = set()

    class Watched(dict):
        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    (tmp_path / "in.txt").write_text("line\n")
    _launch_config(Arguments(Watched(program="main.esk", cwd=str(tmp_path), stdin="in.txt", tier="auto",
                                     tierThreshold=3)))
    assert read == LAUNCH_ATTRIBUTES
