"""Bad input and bad programs: the adapter answers with errors and ends
sessions cleanly, never with a crash or a leftover process."""

from __future__ import annotations

import json
import sys

from dap_client import DapClient
from scenario import markers, program


def test_requests_before_initialize_fail(client):
    assert "initialize" in client.failure("launch", {"program": str(program("last.esk"))})
    assert "initialize" in client.failure("threads")
    client.request("initialize", {"adapterID": "esker"})
    assert "already" in client.failure("initialize", {"adapterID": "esker"})


def test_unknown_commands_fail(client):
    client.request("initialize", {"adapterID": "esker"})
    assert "unknown" in client.failure("fly", {"to": "moon"})
    assert "unknown" in client.failure("readMemory", {"memoryReference": "0x0", "count": 4})


def test_malformed_messages_get_error_responses(client):
    client.request("initialize", {"adapterID": "esker"})
    client.send_raw(b'{"seq": 50, "type": "request", "command": ')
    assert "JSON" in client.response(50)["message"]
    client.send_raw(json.dumps({"seq": 51, "type": "request"}).encode())
    assert "command" in client.response(51)["message"]
    client.send_raw(json.dumps({"seq": 52, "type": "request", "command": "threads", "arguments": [1]}).encode())
    assert "arguments" in client.response(52)["message"]
    client.send_raw(json.dumps([1, 2, 3]).encode())
    assert "JSON object" in client.wait_event("output")["output"]
    assert client.request("threads")["threads"][0]["id"] == 1


def test_a_frame_without_content_length_is_reported(client):
    client.request("initialize", {"adapterID": "esker"})
    client.send_raw(b"", header=b"Content-Type: nothing\r\n\r\n")
    assert "Content-Length" in client.wait_event("output")["output"]
    assert client.request("threads")["threads"][0]["id"] == 1


def test_input_ending_inside_a_header_ends_the_adapter(client):
    client.request("initialize", {"adapterID": "esker"})
    client.process.stdin.write(b"Content-Len")
    client.process.stdin.close()
    assert client.process.wait(30) == 0


def test_arguments_of_the_wrong_type_fail(client):
    client.request("initialize", {"adapterID": "esker"})
    assert "program" in client.failure("launch", {"program": 42})
    assert "program" in client.failure("launch", {})
    assert "breakpoints" in client.failure("setBreakpoints", {"source": {"path": "x.esk"}, "breakpoints": [1]})
    assert "line" in client.failure("setBreakpoints", {"source": {"path": "x.esk"}, "breakpoints": [{}]})
    assert "instructionCount" in client.failure("disassemble", {"memoryReference": "0x0"})


def test_a_program_that_recurses_forever_ends_with_stack_overflow(debuggee):
    debuggee.start(program("forever.esk"))
    assert debuggee.finish() == 1
    assert debuggee.output("stderr").startswith("error[StackOverflow]")


def test_a_program_that_recurses_forever_stops_on_the_uncaught_error(debuggee):
    debuggee.start_with_filters(program("forever.esk"), ["uncaught"])
    stop = debuggee.stopped("exception")
    assert stop["text"].startswith("StackOverflow")
    assert debuggee.frames(0, 1)["totalFrames"] > 100_000
    assert debuggee.run_to_end() == 1


def test_an_error_during_a_step_ends_the_session_with_the_trace(debuggee):
    path = program("errors.esk")
    debuggee.run_to(path, markers(path)["uncaught"])
    debuggee.resume("next")
    assert debuggee.finish() == 1
    assert "error[ZeroDivisionError]" in debuggee.output("stderr")


def test_requests_after_the_program_ended_fail_cleanly(debuggee):
    debuggee.start(program("last.esk"))
    debuggee.finish()
    client = debuggee.client
    assert client.failure("stackTrace", {"threadId": 1}) == "notStopped"
    assert client.failure("continue", {"threadId": 1})
    assert client.failure("evaluate", {"expression": "1"})
    assert client.request("threads")["threads"]


def test_the_adapter_exits_when_the_client_goes_away(debuggee):
    debuggee.start(program("loop.esk"))
    debuggee.client.process.stdin.close()
    assert debuggee.client.process.wait(30) == 0


def test_lines_before_the_first_are_not_verified(debuggee):
    answer = debuggee.start(program("last.esk"), [0, -3])
    assert [(b["verified"], "line" in b.get("message", "")) for b in answer["breakpoints"]] == [(False, True)] * 2
    assert debuggee.finish() == 0


def test_unknown_thread_ids_are_refused(debuggee):
    path = program("last.esk")
    debuggee.run_to(path, markers(path)["last"])
    client = debuggee.client
    for command in ("stackTrace", "continue", "next", "stepIn", "stepOut", "pause", "exceptionInfo"):
        assert "thread 7" in client.failure(command, {"threadId": 7}), command
    assert debuggee.frames()["stackFrames"]
    assert debuggee.run_to_end() == 0


def test_a_wrong_content_length_costs_only_its_own_frame(client):
    client.request("initialize", {"adapterID": "esker"})
    too_long = json.dumps({"seq": 60, "type": "request", "command": "threads"}).encode()
    client.send_raw(too_long, header=f"Content-Length: {len(too_long) + 40}\r\n\r\n".encode())
    assert client.request("threads")["threads"][0]["id"] == 1
    assert "Content-Length" in client.response(60)["message"]
    too_short = json.dumps({"seq": 70, "type": "request", "command": "threads"}).encode()
    client.send_raw(too_short, header=f"Content-Length: {len(too_short) - 9}\r\n\r\n".encode())
    assert client.request("threads")["threads"][0]["id"] == 1
    client.send_raw(b"", header=b"Content-Type: nothing\r\n\r\n")
    client.send_raw(b'{"seq": 80, "type": "request", "command": "threads"}', header=b"")
    assert client.request("threads")["threads"][0]["id"] == 1


def test_a_frame_id_is_no_variables_reference(debuggee):
    path = program("last.esk")
    frame = debuggee.run_to(path, markers(path)["last"])
    for command, extra in (("variables", {}), ("setVariable", {"name": "x", "value": "1"}),
                           ("dataBreakpointInfo", {"name": "x"})):
        message = debuggee.client.failure(command, {"variablesReference": frame["id"], **extra})
        assert "not a variables reference" in message and "internal" not in message, (command, message)
    assert debuggee.run_to_end() == 0


def faulty_adapter(fault: str) -> DapClient:
    """An adapter process whose session has a bug planted by `fault` (Python
    run before it starts), for the paths that only a bug of the adapter takes."""
    script = f"import sys\nfrom esker.debugadapter.session import DebugSession\n{fault}\n" \
             "from esker.debugadapter.__main__ import main\nsys.exit(main())\n"
    return DapClient([sys.executable, "-c", script])


def test_a_fault_in_a_handler_is_answered_and_told_on_stderr():
    # An answer that cannot be written as JSON: debugpy would end the process without a word.
    dap = faulty_adapter("loop = {}\nloop['self'] = loop\n"
                         "DebugSession.threads_request = lambda self, request, args: {'threads': [loop]}")
    try:
        dap.request("initialize", {"adapterID": "esker"})
        assert "internal error in 'threads'" in dap.failure("threads")
        assert "already" in dap.failure("initialize", {"adapterID": "esker"})  # still serving
    finally:
        status = dap.close()
    stderr = b"".join(dap.stderr).decode()
    assert status == 0 and "esker-dap: internal error while handling request 'threads'" in stderr, stderr
    assert "Circular reference" in stderr


def test_a_fault_while_ending_the_session_is_told_on_stderr():
    dap = faulty_adapter("from esker.vm.debugger import Debugger\n"
                         "def broken(self):\n    raise RuntimeError('planted')\n"
                         "Debugger.terminate = broken")
    dap.request("initialize", {"adapterID": "esker"})
    status = dap.close()
    stderr = b"".join(dap.stderr).decode()
    assert status == 0, stderr
    assert "request 'disconnect'" in stderr and "RuntimeError: planted" in stderr


def test_an_evaluation_asked_for_just_before_terminate_is_answered(debuggee):
    path = program("last.esk")
    frame = debuggee.run_to(path, markers(path)["last"])
    client = debuggee.client
    asked = client.send("evaluate", {"expression": "let fresh = [1, 2, 3].len()", "frameId": frame["id"],
                                     "context": "repl"})
    ended = client.send("terminate", {})
    assert client.response(ended)["success"]
    answer = client.response(asked)
    assert answer["success"] or answer["message"] == "notStopped", answer
    client.wait_event("terminated")
