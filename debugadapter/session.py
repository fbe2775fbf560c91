"""One DAP session: requests in, controller calls, events out.

Every handler is thin, in the manner of vscode-mock-debug's session: read the
arguments, ask the debug controller (`esker.vm.debugger`), convert the answer
to DAP shapes. Handlers are found by name (`<command>_request`, as in
debugpy). The controller reports stops, output and the program's end through
the methods under "controller events", called on the program's thread; they
only send events.
"""

from __future__ import annotations

import os
import threading

from debugpy.common.messaging import JsonMessageChannel, NoMoreMessages, Request

from esker.vm.debug_values import EvaluationError, summary, type_name
from esker.vm.debugger import (
    EVALUATION_LIMIT, Debugger, FunctionRequest, Granularity, InstructionRequest, LineRequest, NotStopped, ProgramError,
    StepKind, Stop, StopReason, source_path,
)
from esker.vm.modules import search_path as search_path_of

from .addresses import WIDTH, AddressSpace, format_address, parse_reference
from .capabilities import CAPABILITIES
from .channel import MALFORMED, Arguments, Dispatcher, RequestFailed, respond_later
from .convert import Coordinates, Paths
from .handles import Handles
from .variables import SUMMARY_LIMIT, VariableView

#: The program runs on one thread, and the client sees it as this one.
THREAD_ID = 1
#: Most entries marked invalid that `disassemble` returns on each side of the
#: real instructions, however many the client asks for.
PADDING = 1000

_STEP_GRANULARITY = {"statement": Granularity.LINE, "line": Granularity.LINE,
                     "instruction": Granularity.INSTRUCTION}

_STOP_DESCRIPTIONS = {
    StopReason.ENTRY: "Paused on entry",
    StopReason.BREAKPOINT: "Paused on breakpoint",
    StopReason.STEP: "Paused after step",
    StopReason.PAUSE: "Paused",
    StopReason.EXCEPTION: "Paused on error",
    StopReason.INSTRUCTION_BREAKPOINT: "Paused on instruction breakpoint",
    StopReason.FUNCTION_BREAKPOINT: "Paused on function breakpoint",
}

#: Requests a client may send before `initialize` has succeeded.
_UNGATED = ("initialize", "disconnect", MALFORMED)


class DebugSession:
    """The state of one client connection and the program it debugs."""

    def __init__(self):
        self.channel: JsonMessageChannel | None = None
        #: Set when the session is over (disconnect, or the client went away).
        self.done = threading.Event()
        self.coordinates = Coordinates()
        self.paths = Paths()
        self.initialized = False
        self.debugger = Debugger(self)
        self.addresses = AddressSpace()
        self.handles: Handles = Handles("reference")
        self.variables = VariableView(self.debugger, self.handles)
        self._frame_ids: dict[int, int] = {}
        #: Evaluations being answered (the controller's handles), by request seq, and those cancelled.
        self._evaluations: dict[int, object] = {}
        self._cancelled: set[int] = set()
        self._launch: dict | None = None
        self._configured = False
        self._started = False
        self._restarting = False

    def dispatcher(self) -> Dispatcher:
        handlers = {name[: -len("_request")]: getattr(self, name) for name in dir(self)
                    if name.endswith("_request")}
        handlers[MALFORMED] = self.malformed
        gated = {command: self._gate(command, handler) for command, handler in handlers.items()}
        return Dispatcher(gated, self._gate("", self.unknown), self.client_gone)

    def _gate(self, command: str, handler):
        if command in _UNGATED:
            return handler

        def gated(request: Request, args: Arguments):
            if not self.initialized:
                raise RequestFailed(f"{request.command!r} before 'initialize': the client must initialize first")
            return handler(request, args)
        return gated

    # ------------------------------------------------------------ lifecycle

    def initialize_request(self, request: Request, args: Arguments):
        if self.initialized:
            raise RequestFailed("the session is already initialized")
        self.coordinates = Coordinates(args.get("linesStartAt1", bool, True), args.get("columnsStartAt1", bool, True))
        self.initialized = True
        request.respond(CAPABILITIES)
        self._send("initialized")

    def launch_request(self, request: Request, args: Arguments):
        if self._launch is not None:
            raise RequestFailed("a program is already launched in this session")
        config = self._launch_config(args)
        self._load(config)
        self._launch = config
        request.respond({})
        self._start_when_ready()

    def configurationDone_request(self, request: Request, args: Arguments):
        self._configured = True
        request.respond({})
        self._start_when_ready()

    def restart_request(self, request: Request, args: Arguments):
        if self._launch is None:
            raise RequestFailed("nothing to restart: no program was launched")
        config = self._launch_config(args.object("arguments")) if "arguments" in args else self._launch
        self._restarting = True
        try:
            self.debugger.terminate()
        finally:
            self._restarting = False
        self.addresses = AddressSpace()
        self._started = False
        self._load(config)
        self._launch = config
        request.respond({})
        self._start_when_ready()

    def terminate_request(self, request: Request, args: Arguments):
        request.respond({})
        if self.debugger.running:
            self.debugger.terminate()  # the program's end sends `terminated`
        else:
            self._send("terminated")

    def disconnect_request(self, request: Request, args: Arguments):
        self.debugger.terminate()
        request.respond({})
        self.done.set()

    def client_gone(self) -> None:
        self.debugger.terminate()
        self.done.set()

    def malformed(self, request: Request, args: Arguments):
        reason = args.get("reason", str)
        if request.seq >= 1:
            raise RequestFailed(reason)
        # Without a sequence number there is no request to answer; tell the user instead.
        self.output("important", f"esker-dap: {reason}\n")

    def unknown(self, request: Request, args: Arguments):
        raise RequestFailed(f"unknown or unsupported request {request.command!r}")

    def _launch_config(self, args: Arguments) -> dict:
        config = _launch_config(args)
        config["program"] = self.paths.incoming(config["program"])
        return config

    def _load(self, config: dict) -> None:
        try:
            self.debugger.load(config["program"], search_path=config["search_path"])
        except ProgramError as error:
            self.output("stderr", f"{error}\n")
            raise RequestFailed(f"cannot run {config['program']}:\n{error}", show_user=True) from None

    def _start_when_ready(self) -> None:
        if self._launch is None or not self._configured or self._started:
            return
        self._started = True
        self._send("thread", {"reason": "started", "threadId": THREAD_ID})
        self.debugger.evaluation_limit = self._launch["evaluationTimeout"]
        self.debugger.start(stop_on_entry=self._launch["stopOnEntry"], debug=not self._launch["noDebug"])

    # ------------------------------------------------------------ execution

    def threads_request(self, request: Request, args: Arguments):
        return {"threads": [{"id": THREAD_ID, "name": "main"}]}

    def continue_request(self, request: Request, args: Arguments):
        _thread(args)
        self._require_stopped()
        self._forget_stop()
        request.respond({"allThreadsContinued": True})
        self.debugger.resume()

    def next_request(self, request: Request, args: Arguments):
        self._step(request, args, StepKind.OVER)

    def stepIn_request(self, request: Request, args: Arguments):
        self._step(request, args, StepKind.INTO)

    def stepOut_request(self, request: Request, args: Arguments):
        self._step(request, args, StepKind.OUT)

    def _step(self, request: Request, args: Arguments, kind: StepKind) -> None:
        _thread(args)
        granularity = _STEP_GRANULARITY.get(args.get("granularity", str, "statement"))
        if granularity is None:
            raise RequestFailed("granularity must be 'statement', 'line' or 'instruction'")
        self._require_stopped()
        self._forget_stop()
        # The answer goes out before the program moves, so it precedes the next `stopped`.
        request.respond({})
        self.debugger.step(kind, granularity)

    def pause_request(self, request: Request, args: Arguments):
        _thread(args)
        if not self._started:
            raise RequestFailed("the program has not started yet")
        # While the program is stopped, pausing ends a running evaluation.
        self.debugger.pause()
        return {}

    def _require_stopped(self) -> Stop:
        stop = self.debugger.stop
        if stop is None:
            raise RequestFailed("the program is not stopped")
        return stop

    def _forget_stop(self) -> None:
        self.handles.reset()
        self._frame_ids.clear()

    # ------------------------------------------------------------ breakpoints

    def setBreakpoints_request(self, request: Request, args: Arguments):
        path = self._source_path(args)
        specs = [LineRequest(self.coordinates.line_in(item.get("line", int)), _text(item, "condition"),
                             _text(item, "hitCondition"), _text(item, "logMessage"))
                 for item in args.objects("breakpoints")]
        states = self.debugger.set_line_breakpoints(path, specs)
        return {"breakpoints": [self._breakpoint(state) for state in states]}

    def setFunctionBreakpoints_request(self, request: Request, args: Arguments):
        specs = [FunctionRequest(item.get("name", str), _text(item, "condition"), _text(item, "hitCondition"))
                 for item in args.objects("breakpoints")]
        return {"breakpoints": [self._breakpoint(state)
                                for state in self.debugger.set_function_breakpoints(specs)]}

    def setInstructionBreakpoints_request(self, request: Request, args: Arguments):
        specs = []
        for item in args.objects("breakpoints"):
            address = parse_reference(item.get("instructionReference", str), item.get("offset", int, 0))
            specs.append(InstructionRequest(self.addresses.locate(address), _text(item, "condition"),
                                            _text(item, "hitCondition"), format_address(address)))
        return {"breakpoints": [self._breakpoint(state)
                                for state in self.debugger.set_instruction_breakpoints(specs)]}

    def setExceptionBreakpoints_request(self, request: Request, args: Arguments):
        filters = args.strings("filters") + [option.get("filterId", str) for option in args.objects("filterOptions")]
        unknown = set(filters) - {"uncaught", "raised"}
        if unknown:
            raise RequestFailed(f"unknown exception filter(s): {', '.join(sorted(unknown))}")
        self.debugger.set_exception_filters(raised="raised" in filters, uncaught="uncaught" in filters)
        return {"breakpoints": [{"verified": True} for _ in filters]}

    def breakpointLocations_request(self, request: Request, args: Arguments):
        path = self._source_path(args)
        first = self.coordinates.line_in(args.get("line", int))
        last = self.coordinates.line_in(args.get("endLine", int, self.coordinates.line_out(first)))
        lines = self.debugger.breakable_lines(path, first, last)
        return {"breakpoints": [{"line": self.coordinates.line_out(line)} for line in lines]}

    def _source_path(self, args: Arguments) -> str:
        path = args.object("source", required=True).get("path", str, "")
        if not path:
            raise RequestFailed("this adapter needs 'source.path' (its sources are files)")
        return self.paths.incoming(path)

    def _breakpoint(self, state) -> dict:
        result = {"id": state.id, "verified": state.verified}
        if state.message:
            result["message"] = state.message
        if state.path is not None and state.line is not None:
            result["source"] = self.paths.source(state.path)
            result["line"] = self.coordinates.line_out(state.line)
        if state.address is not None:
            result["instructionReference"] = state.address
        return result

    # ------------------------------------------------------------ inspection

    def stackTrace_request(self, request: Request, args: Arguments):
        _thread(args)
        self._require_stopped()
        start = _count(args, "startFrame")
        total = self.debugger.frame_count()
        frames = self.debugger.frames(start, _count(args, "levels") or total)
        return {"stackFrames": [self._frame(frame) for frame in frames], "totalFrames": total}

    def _frame(self, frame) -> dict:
        frame_id = self._frame_ids.get(frame.level)
        if frame_id is None:
            frame_id = self._frame_ids[frame.level] = self.handles.create(("frame", frame.level))
        result = {"id": frame_id, "name": frame.name, "line": 0, "column": 0,
                  "instructionPointerReference": self.addresses.reference(frame.proto, frame.pc)}
        if frame.path and frame.span is not None:
            result["source"] = self.paths.source(frame.path)
            result.update(self._range(frame.path, frame.span))
        return result

    def _range(self, path: str, span) -> dict:
        """line/column/endLine/endColumn of a span, in the client's convention."""
        text = self.debugger.source_text(path)
        out = self.coordinates

        def column(line: int, col: int) -> int:
            return out.column_out(text.line_text(line) if text is not None else None, col)
        return {"line": out.line_out(span.line), "column": column(span.line, span.col),
                "endLine": out.line_out(span.end_line), "endColumn": column(span.end_line, span.end_col)}

    def _frame_level(self, frame_id: int) -> int:
        item = self.handles.get(frame_id)
        if not (isinstance(item, tuple) and item[0] == "frame"):
            raise RequestFailed(f"{frame_id} is not a frame id")
        return item[1]

    def scopes_request(self, request: Request, args: Arguments):
        self._require_stopped()
        return {"scopes": self.variables.scopes(self._frame_level(args.get("frameId", int)))}

    def variables_request(self, request: Request, args: Arguments):
        self._require_stopped()
        which = args.get("filter", str, None)
        if which not in (None, "indexed", "named"):
            raise RequestFailed("filter must be 'indexed' or 'named'")
        return {"variables": self.variables.variables(args.get("variablesReference", int), which,
                                                      _count(args, "start"), _count(args, "count"))}

    def setVariable_request(self, request: Request, args: Arguments):
        self._require_stopped()
        try:
            return self.variables.set_variable(args.get("variablesReference", int), args.get("name", str),
                                               args.get("value", str))
        except (EvaluationError, NotStopped) as error:
            raise RequestFailed(str(error)) from None

    def evaluate_request(self, request: Request, args: Arguments):
        expression = args.get("expression", str)
        context = args.get("context", str, "repl")
        level = self._frame_level(args.get("frameId", int)) if "frameId" in args else None
        self._require_stopped()

        def started(job) -> None:
            self._evaluations[request.seq] = job
            if request.seq in self._cancelled:
                self.debugger.cancel_evaluation(job)

        def evaluate() -> dict:
            try:
                value = self.debugger.evaluate(level, expression, statements=context == "repl",
                                               calls=context != "hover", on_job=started)
            except (EvaluationError, NotStopped) as error:
                raise RequestFailed("cancelled" if request.seq in self._cancelled else str(error)) from None
            finally:
                self._evaluations.pop(request.seq, None)
                self._cancelled.discard(request.seq)
            body = {"result": summary(value, None if context == "clipboard" else SUMMARY_LIMIT),
                    "type": type_name(value)}
            body.update(self.variables.expansion(value, level, expression))
            return body
        self._evaluations[request.seq] = None
        return respond_later(request, evaluate)

    def cancel_request(self, request: Request, args: Arguments):
        target = args.get("requestId", int, None)
        if target in self._evaluations:
            self._cancelled.add(target)
            job = self._evaluations.get(target)
            if job is not None:
                self.debugger.cancel_evaluation(job)
        return {}

    def exceptionInfo_request(self, request: Request, args: Arguments):
        _thread(args)
        error = self._require_stopped().error
        if error is None:
            raise RequestFailed("the program is not stopped on an error")
        details = {"message": error.message, "typeName": error.kind, "fullTypeName": error.kind,
                   "stackTrace": error.trace}
        return {"exceptionId": error.kind, "description": error.message,
                "breakMode": "unhandled" if error.uncaught else "always", "details": details}

    def disassemble_request(self, request: Request, args: Arguments):
        start = parse_reference(args.get("memoryReference", str), args.get("offset", int, 0))
        start += WIDTH * args.get("instructionOffset", int, 0)
        count = _count(args, "instructionCount", required=True)
        return {"instructions": [self._instruction(address)
                                 for address in self.addresses.window(start, count, PADDING)]}

    def _instruction(self, address: int) -> dict:
        found = self.addresses.locate(address)
        if found is None:
            return {"address": format_address(address), "instruction": "(no instruction)",
                    "presentationHint": "invalid"}
        proto, pc = found
        record = self.addresses.instruction(proto, pc)
        text = f"{record.opname:<10} {record.text}".rstrip()
        if record.comment:
            text += f"  ; {record.comment}"
        result = {"address": format_address(address), "instructionBytes": f"{record.word:08x}",
                  "instruction": text, "symbol": proto.display_name}
        if proto.source_path and record.span is not None:
            path = source_path(proto)
            result["location"] = self.paths.source(path)
            result.update(self._range(path, record.span))
        return result

    # ------------------------------------------------------------ controller events

    def _send(self, event: str, body: dict | None = None) -> None:
        try:
            self.channel.send_event(event, body)
        except NoMoreMessages:
            pass  # the client has gone; the session is ending

    def stopped(self, stop: Stop) -> None:
        self._forget_stop()
        body = {"reason": stop.reason.value, "threadId": THREAD_ID, "allThreadsStopped": True,
                "description": _STOP_DESCRIPTIONS[stop.reason]}
        if stop.breakpoint_ids:
            body["hitBreakpointIds"] = list(stop.breakpoint_ids)
        if stop.error is not None:
            body["text"] = f"{stop.error.kind}: {stop.error.message}"
        self._send("stopped", body)

    def output(self, category: str, text: str) -> None:
        self._send("output", {"category": category, "output": text})

    def exited(self, status: int) -> None:
        self._send("exited", {"exitCode": status})

    def ended(self) -> None:
        self._forget_stop()
        self._send("thread", {"reason": "exited", "threadId": THREAD_ID})
        if not self._restarting:
            self._send("terminated")

    def module_loaded(self, root) -> None:
        self.addresses.add(root)

    def breakpoint_changed(self, state) -> None:
        self._send("breakpoint", {"reason": "changed", "breakpoint": self._breakpoint(state)})


def _launch_config(args: Arguments) -> dict:
    """Checked `launch` arguments: the program's absolute path and the module
    search path that `cwd` and `env` give it."""
    cwd = args.get("cwd", str, os.getcwd())
    environment = dict(os.environ)
    for name, value in args.get("env", dict, {}).items():
        if value is None:
            environment.pop(name, None)
        elif isinstance(value, str):
            environment[name] = value
        else:
            raise RequestFailed(f"env value of {name!r} must be a string or null")
    search_path = [os.path.join(cwd, folder) for folder in search_path_of(environment)]
    # Checked like the rest, though an Esker program has no way to read its arguments.
    args.strings("args")
    return {"program": os.path.join(cwd, args.get("program", str)), "search_path": search_path,
            "stopOnEntry": args.get("stopOnEntry", bool, False), "noDebug": args.get("noDebug", bool, False),
            "evaluationTimeout": _seconds(args, "evaluationTimeout", EVALUATION_LIMIT)}


def _seconds(args: Arguments, key: str, default: float) -> float:
    value = args.get(key, (int, float), default)
    if not value > 0:
        raise RequestFailed(f"argument '{key}' must be a number of seconds above 0")
    return float(value)


def _thread(args: Arguments) -> None:
    """Checks a request's `threadId`: the program has one thread."""
    thread = args.get("threadId", int)
    if thread != THREAD_ID:
        raise RequestFailed(f"there is no thread {thread}: the program runs on thread {THREAD_ID}")


def _text(item: Arguments, key: str) -> str | None:
    value = item.get(key, str, "")
    return value if value.strip() else None


def _count(args: Arguments, key: str, required: bool = False) -> int:
    value = args.get(key, int) if required else args.get(key, int, 0)
    if value < 0:
        raise RequestFailed(f"argument '{key}' must not be negative")
    return value
