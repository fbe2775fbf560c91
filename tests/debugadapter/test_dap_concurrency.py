"""Requests that run long (evaluations, breakpoint conditions) never hold up
the others, are bounded in time, and can be paused or cancelled."""

from __future__ import annotations

from scenario import markers, program

SLOW = program("slow.esk")
BODY = markers(SLOW)["body"]


def test_a_condition_that_runs_too_long_is_stopped_and_reported(debuggee):
    debuggee.start(SLOW, [{"line": BODY, "condition": "spin()"}], evaluationTimeout=0.5)
    debuggee.stopped("breakpoint")
    assert "evaluation stopped after 0.5 s" in debuggee.output("console")
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_a_pause_while_a_condition_runs_is_honoured(debuggee):
    # The condition runs until the pause: no time limit may end it first, however slow the machine.
    debuggee.start(SLOW, [{"line": BODY, "condition": "print(\"spinning\") == nil and spin()"}],
                   evaluationTimeout=3600)
    debuggee.client.wait_event("output", lambda body: "spinning" in body["output"])
    debuggee.client.request("pause", {"threadId": 1})
    debuggee.stopped("pause")
    assert debuggee.top()["line"] == BODY
    debuggee.client.request("terminate")
    debuggee.client.wait_event("terminated")


def test_a_long_evaluation_does_not_hold_up_other_requests(debuggee):
    debuggee.run_to(SLOW, BODY)
    client = debuggee.client
    frame = debuggee.top()
    spinning = client.send("evaluate", {"expression": "spin()", "frameId": frame["id"], "context": "repl"})
    assert client.request("threads")["threads"][0]["id"] == 1
    assert debuggee.frames()["stackFrames"][0]["line"] == BODY
    client.request("pause", {"threadId": 1})
    answer = client.response(spinning)
    assert not answer["success"] and "pause" in answer["message"]
    assert debuggee.evaluate("i + 1")["result"] == "1"
    cancelled = client.send("evaluate", {"expression": "spin()", "frameId": frame["id"], "context": "watch"})
    client.request("cancel", {"requestId": cancelled})
    answer = client.response(cancelled)
    assert (answer["success"], answer["message"]) == (False, "cancelled")
    client.send("evaluate", {"expression": "spin()", "frameId": frame["id"], "context": "repl"})
    client.request("disconnect", {"terminateDebuggee": True})
    assert client.process.wait(30) == 0


def test_output_arrives_whole_in_few_events(debuggee):
    debuggee.start(program("chatty.esk"))
    assert debuggee.finish() == 0
    assert debuggee.output() == "".join(f"line {i}\n" for i in range(20000))
    events = [e for e in debuggee.client.events if e["event"] == "output"]
    assert len(events) < 2000
