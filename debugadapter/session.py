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

from debugpy.common.messaging import JsonIOError, JsonMessageChannel, Request

from esker.vm.debug_values import EvaluationError, summary, type_name
from esker.vm.debugger import (
    DEFAULT_HISTORY, EVALUATION_LIMIT, DataRequest, Debugger, FunctionRequest, Granularity, InstructionRequest, LineRequest, NotStopped, ProgramError,
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
    StopReason.GOTO: "Paused after a jump",
    StopReason.RESTART: "Paused at the frame's entry",
    StopReason.DATA_BREAKPOINT: "Paused on data breakpoint",
}

#: Requests a client may send before `initialize` has succeeded.
_UNGATED = ("initialize", "disconnect", MALFORMED)


class DebugSession:
    """The state of one client connection and the program it debugs."""

    def __init__(self):
        self.channel: JsonMessageChannel | None = None
        #: Set when the session is over (disconnect, or the client went away).
        self.done = threading.Event()
        self._ending = False
        self.coordinates = Coordinates()
        self.paths = Paths()
        self.initialized = False
        self.debugger = Debugger(self)
        self.addresses = AddressSpace()
        self.handles: Handles = Handles("reference")
        self.variables = VariableView(self.debugger, self.handles)
        self._frame_ids: dict[int, int] = {}
        #: Source references of files whose text on disk is not what was compiled, both ways,
        #: and what was found on disk (modification time, changed) per file.
        self._references: dict[str, int] = {}
        self._referenced: dict[int, str] = {}
        self._disk: dict[str, tuple[int, bool]] = {}
        #: Evaluations being answered (the controller's handles), by request seq, and those cancelled.
        self._evaluations: dict[int, object] = {}
        self._cancelled: set[int] = set()
        #: The targets `dataBreakpointInfo` named, by the data id it answered.
        self._data_targets: dict[str, object] = {}
        self._launch: dict | None = None
        self._configured = False
        self._started = False
        self._restarting = False

    def dispatcher(self) -> Dispatcher:
        handlers = {name[: -len("_request")]: getattr(self, name) for name in dir(self)
                    if name.endswith("_request")}
        handlers[MALFORMED] = self.malformed
        gated = {command: self._gate(command, handler) for command, handler in handlers.items()}
        return Dispatcher(gated, self._gate("", self.unknown), self.client_gone, self._after_request)

    def _gate(self, command: str, handler):
        if command in _UNGATED:
            return handler

        def gated(request: Request, args: Arguments):
            if not self.initialized:
                raise RequestFailed(f"{request.command!r} before 'initialize': the client must initialize first")
            try:
                return handler(request, args)
            except NotStopped as error:
                raise RequestFailed(str(error), code="notStopped") from None
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
        if self.debugger.running:
            # Two runs at once would share the controller's state; the late end of this one ends the session.
            raise RequestFailed("cannot restart: the program did not stop in time (a builtin may still be "
                                "running); stop the session instead", show_user=True)
        self.addresses = AddressSpace()
        # What the data ids named belongs to the run that ended.
        self._data_targets.clear()
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
        self._ending = True
        self.debugger.terminate()
        request.respond({})

    def client_gone(self) -> None:
        self._ending = True
        self.debugger.terminate()

    def _after_request(self) -> None:
        """The session is over once the request that ended it has been dealt
        with completely (its failure, if any, reported): only then may the
        process exit."""
        if self._ending:
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
        launch = self._launch
        # The program's relative paths (io.read("data.txt")) are relative to the launch's `cwd`.
        os.chdir(launch["cwd"])
        self.debugger.start(stop_on_entry=launch["stopOnEntry"], debug=not launch["noDebug"],
                            history=launch["history"], tier=launch["tier"], args=launch["args"],
                            stdin=launch["stdin"], environ=launch["env"])

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
        self._step(request, args, StepKind.INTO, args.get("targetId", int, None))

    def stepInTargets_request(self, request: Request, args: Arguments):
        self._require_stopped()
        level = self._frame_level(args.get("frameId", int))
        targets = []
        for call in self.debugger.call_targets(level):
            path = source_path(self.debugger.frames(level, 1)[0].proto)
            targets.append({"id": call.pc, "label": call.label, **self._range(path, call.span)})
        return {"targets": targets}

    def gotoTargets_request(self, request: Request, args: Arguments):
        self._require_stopped()
        path = self._source_path(args)
        line = self.coordinates.line_in(args.get("line", int))
        targets = [{"id": pc, "label": f"line {self.coordinates.line_out(line)}", "line": args.get("line", int),
                    "instructionPointerReference": self.addresses.reference(self.debugger.frames(0, 1)[0].proto, pc)}
                   for pc in self.debugger.goto_targets(path, line)]
        return {"targets": targets}

    def goto_request(self, request: Request, args: Arguments):
        _thread(args)
        self._require_stopped()
        try:
            self.debugger.goto(args.get("targetId", int))
        except EvaluationError as error:
            raise RequestFailed(str(error), show_user=True) from None
        self._forget_stop()
        return {}

    def stepOut_request(self, request: Request, args: Arguments):
        self._step(request, args, StepKind.OUT)

    def _step(self, request: Request, args: Arguments, kind: StepKind, target: int | None = None) -> None:
        _thread(args)
        granularity = _STEP_GRANULARITY.get(args.get("granularity", str, "statement"))
        if granularity is None:
            raise RequestFailed("granularity must be 'statement', 'line' or 'instruction'")
        self._require_stopped()
        if target is not None and target not in {call.pc for call in self.debugger.call_targets(0)}:
            raise RequestFailed(f"{target} is not a step-in target of the current line (ask stepInTargets)")
        self._forget_stop()
        # The answer goes out before the program moves, so it precedes the next `stopped`.
        request.respond({})
        self.debugger.step(kind, granularity, target)

    def stepBack_request(self, request: Request, args: Arguments):
        _thread(args)
        granularity = _STEP_GRANULARITY.get(args.get("granularity", str, "statement"))
        if granularity is None:
            raise RequestFailed("granularity must be 'statement', 'line' or 'instruction'")
        self._travel(request, lambda: self.debugger.step_back_plan(granularity is Granularity.INSTRUCTION))

    def reverseContinue_request(self, request: Request, args: Arguments):
        _thread(args)
        self._travel(request, self.debugger.reverse_continue_plan)

    def restartFrame_request(self, request: Request, args: Arguments):
        self._require_stopped()
        level = self._frame_level(args.get("frameId", int))
        self._travel(request, lambda: self.debugger.restart_frame_plan(level))

    def _travel(self, request: Request, plan, announce: bool = False) -> None:
        """Send the program back in time: plan it (or fail with the reason),
        answer, then go (the `stopped` event follows the answer). With
        `announce`, a `continued` event says so first: a client knows that
        its standard requests resume the program, not that a custom one does."""
        self._require_stopped()
        try:
            planned = plan()
        except EvaluationError as error:
            raise RequestFailed(str(error)) from None
        self._forget_stop()
        request.respond({})
        if announce:
            self._send("continued", {"threadId": THREAD_ID, "allThreadsContinued": True})
        self.debugger.travel(planned)

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
            raise NotStopped("the program is not stopped")
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
        options = [(option.get("filterId", str), _text(option, "condition")) for option in args.objects("filterOptions")]
        filters = [(name, None) for name in args.strings("filters")] + options
        unknown = {name for name, _ in filters} - {"uncaught", "raised"}
        if unknown:
            raise RequestFailed(f"unknown exception filter(s): {', '.join(sorted(unknown))}")
        problems = self.debugger.set_exception_filters(
            raised=any(name == "raised" for name, _ in filters), uncaught=any(name == "uncaught" for name, _ in filters),
            conditions={name: condition for name, condition in filters if condition is not None})
        return {"breakpoints": [{"verified": name not in problems, **({"message": problems[name]}
                                                                      if name in problems else {})}
                                for name, _ in filters]}

    def dataBreakpointInfo_request(self, request: Request, args: Arguments):
        """What a data breakpoint on a variable (`variablesReference` and
        `name`) or, without a reference, on an expression in frame `frameId`
        would watch."""
        try:
            target = self._data_target(args)
        except EvaluationError as error:
            return {"dataId": None, "description": str(error)}
        data_id = f"{len(self._data_targets) + 1}:{target.label}"
        self._data_targets[data_id] = target
        return {"dataId": data_id, "description": f"when `{target.label}` changes", "accessTypes": ["write"],
                "canPersist": False}

    def whoChangedThis_request(self, request: Request, args: Arguments):
        """Esker's own request, behind the editors' "who changed this?": go back
        to the last write of a variable (`variablesReference` and `name`, as
        for `dataBreakpointInfo`, or an expression `name` in frame `frameId`)
        — a reverse continue with a data breakpoint on it for this once."""
        try:
            target = self._data_target(args)
        except EvaluationError as error:
            raise RequestFailed(f"cannot watch {args.get('name', str)}: {error}") from None
        self._travel(request, lambda: self.debugger.who_changed_plan(target), announce=True)

    def _data_target(self, args: Arguments):
        """The target of a data breakpoint request (see `dataBreakpointInfo`)."""
        self._require_stopped()
        name = args.get("name", str)
        reference = args.get("variablesReference", int, 0)
        if reference:
            return self.variables.data_target(reference, name)
        level = self._frame_level(args.get("frameId", int)) if "frameId" in args else 0
        return self.debugger.data_target_of(level, name)

    def setDataBreakpoints_request(self, request: Request, args: Arguments):
        specs = [DataRequest(self._data_targets.get(item.get("dataId", str)), item.get("accessType", str, "write"),
                             _text(item, "condition"), _text(item, "hitCondition"))
                 for item in args.objects("breakpoints")]
        return {"breakpoints": [self._breakpoint(state) for state in self.debugger.set_data_breakpoints(specs)]}

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
            result["source"] = self._source(state.path)
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
            result["source"] = self._source(frame.path)
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
                                                      _count(args, "start"), _count(args, "count"), _hex(args))}

    def setVariable_request(self, request: Request, args: Arguments):
        self._require_stopped()
        try:
            return self.variables.set_variable(args.get("variablesReference", int), args.get("name", str),
                                               args.get("value", str), _hex(args))
        except EvaluationError as error:
            raise RequestFailed(str(error)) from None

    def evaluate_request(self, request: Request, args: Arguments):
        expression = args.get("expression", str)
        context = args.get("context", str, "repl")
        hex = _hex(args)
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
            except NotStopped as error:
                raise RequestFailed(str(error), code="notStopped") from None
            except EvaluationError as error:
                if request.seq in self._cancelled:
                    raise RequestFailed(str(error), code="cancelled") from None
                raise RequestFailed(str(error)) from None
            finally:
                self._evaluations.pop(request.seq, None)
                self._cancelled.discard(request.seq)
            body = {"result": summary(value, None if context == "clipboard" else SUMMARY_LIMIT, hex),
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

    def setExpression_request(self, request: Request, args: Arguments):
        self._require_stopped()
        level = self._frame_level(args.get("frameId", int)) if "frameId" in args else None
        expression, value = args.get("expression", str), args.get("value", str)

        def assign() -> dict:
            try:
                result = self.debugger.set_expression(level, expression, value)
            except NotStopped as error:
                raise RequestFailed(str(error), code="notStopped") from None
            except EvaluationError as error:
                raise RequestFailed(str(error)) from None
            body = {"value": summary(result, SUMMARY_LIMIT, _hex(args)), "type": type_name(result)}
            body.update(self.variables.expansion(result, level, expression))
            return body
        return respond_later(request, assign)

    def completions_request(self, request: Request, args: Arguments):
        self._require_stopped()
        level = self._frame_level(args.get("frameId", int)) if "frameId" in args else None
        lines = args.get("text", str).split("\n")
        line = min(max(self.coordinates.line_in(args.get("line", int, self.coordinates.line_out(1))), 1), len(lines))
        before = "\n".join(lines[: line - 1] + [lines[line - 1][: self.coordinates.column_in(
            lines[line - 1], args.get("column", int))]])
        typed_line = before.split("\n")[-1]
        targets = []
        for label, kind, length in self.debugger.completions(level, before):
            start = self.coordinates.column_out(typed_line, len(typed_line) - length + 1)
            targets.append({"label": label, "type": kind, "start": start, "length": length})
        return {"targets": targets}

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
            result["location"] = self._source(path)
            result.update(self._range(path, record.span))
        return result

    # ------------------------------------------------------------ modules and sources

    def modules_request(self, request: Request, args: Arguments):
        files = self.debugger.loaded_files()
        start, count = _count(args, "startModule"), _count(args, "moduleCount")
        shown = files[start: start + count] if count else files[start:]
        return {"modules": [self._module(path) for path in shown], "totalModules": len(files)}

    def loadedSources_request(self, request: Request, args: Arguments):
        return {"sources": [self._source(path) for path in self.debugger.loaded_files()]}

    def source_request(self, request: Request, args: Arguments):
        reference = args.get("sourceReference", int, 0) or args.object("source").get("sourceReference", int, 0)
        if reference:
            path = self._referenced.get(reference)
            if path is None:
                raise RequestFailed(f"source reference {reference} names no source of this program")
        else:
            path = self._source_path(args)
        text = self.debugger.source_text(path)
        if text is None:
            raise RequestFailed(f"{path} is not a source of this program")
        return {"content": text.text, "mimeType": "text/x-esker"}

    def _module(self, path: str) -> dict:
        shown = self.paths.source(path)
        return {"id": path, "name": os.path.splitext(shown["name"])[0], "path": shown["path"], "isUserCode": True}

    def _source(self, path: str) -> dict:
        """A DAP `Source` for a file of the program. When the file on disk is
        gone or no longer the text that was compiled, it also carries a
        `sourceReference`, so the client shows the code that runs."""
        result = self.paths.source(path)
        if self._changed_on_disk(path):
            reference = self._references.get(path)
            if reference is None:
                reference = self._references[path] = len(self._references) + 1
                self._referenced[reference] = path
            result.update(sourceReference=reference, origin="as compiled (the file has changed since)")
        return result

    def _changed_on_disk(self, path: str) -> bool:
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            return True
        known = self._disk.get(path)
        if known is None or known[0] != stamp:
            compiled = self.debugger.source_text(path)
            try:
                with open(path, encoding="utf-8", newline="") as handle:
                    same = compiled is not None and handle.read() == compiled.text
            except (OSError, UnicodeError):
                same = False
            known = self._disk[path] = (stamp, not same)
        return known[1]

    # ------------------------------------------------------------ controller events

    def _send(self, event: str, body: dict | None = None) -> None:
        try:
            self.channel.send_event(event, body)
        except JsonIOError:
            pass  # the client has gone; the session is ending

    def stopped(self, stop: Stop) -> None:
        self._forget_stop()
        body = {"reason": stop.reason.value, "threadId": THREAD_ID, "allThreadsStopped": True,
                "description": _STOP_DESCRIPTIONS[stop.reason]}
        if stop.description:
            # A data breakpoint says what changed; travelling back, where history starts.
            body["description"] = stop.description if stop.reason is StopReason.DATA_BREAKPOINT \
                else f"Paused at the {stop.description}"
        if stop.description:
            body["text"] = stop.description
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
        path = source_path(root)
        self._send("module", {"reason": "new", "module": self._module(path)})
        self._send("loadedSource", {"reason": "new", "source": self._source(path)})

    def breakpoint_changed(self, state) -> None:
        self._send("breakpoint", {"reason": "changed", "breakpoint": self._breakpoint(state)})

    def breakpoint_removed(self, state) -> None:
        self._send("breakpoint", {"reason": "removed", "breakpoint": self._breakpoint(state)})


def _launch_config(args: Arguments) -> dict:
    """Checked `launch` arguments: the program's absolute path, the module
    search path that `cwd` and `env` give it, and what the program gets: its
    arguments (`sys.args`), environment and standard input."""
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
    return {"program": os.path.join(cwd, args.get("program", str)), "search_path": search_path, "cwd": cwd,
            "args": args.strings("args"), "env": environment, "stdin": _standard_input(args, cwd),
            "stopOnEntry": args.get("stopOnEntry", bool, False), "noDebug": args.get("noDebug", bool, False),
            "evaluationTimeout": _seconds(args, "evaluationTimeout", EVALUATION_LIMIT), "tier": _tier(args),
            "history": _megabytes(args, "history", DEFAULT_HISTORY)}


def _standard_input(args: Arguments, cwd: str) -> str:
    """The text of the launch configuration's `stdin` file ("" without one)."""
    path = args.get("stdin", str, "")
    if not path:
        return ""
    try:
        with open(os.path.join(cwd, path), encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeError) as error:
        raise RequestFailed(f"cannot read the standard input file {path!r}: {error}", show_user=True) from None


def _megabytes(args: Arguments, key: str, default: float) -> float:
    value = args.get(key, (int, float), default)
    if value < 0:
        raise RequestFailed(f"argument '{key}' must be a number of megabytes (0 keeps no history)")
    return float(value)


def _seconds(args: Arguments, key: str, default: float) -> float:
    value = args.get(key, (int, float), default)
    if not value > 0:
        raise RequestFailed(f"argument '{key}' must be a number of seconds above 0")
    return float(value)


def _hex(args: Arguments) -> bool:
    """Whether a request's `format` asks for ints in hexadecimal."""
    return args.object("format").get("hex", bool, False)


def _thread(args: Arguments) -> None:
    """Checks a request's `threadId`: the program has one thread."""
    thread = args.get("threadId", int)
    if thread != THREAD_ID:
        raise RequestFailed(f"there is no thread {thread}: the program runs on thread {THREAD_ID}")


def _tier(args: Arguments) -> int | None:
    """The compiled tier's threshold for a run without debugging (`tier`:
    "auto" or "vm", `tierThreshold`: calls before compiling); None: the VM only.
    Under the debugger code always runs in the VM."""
    from esker.vm.tier import DEFAULT_THRESHOLD

    tier = args.get("tier", str, "auto")
    if tier not in ("auto", "vm"):
        raise RequestFailed(f"argument 'tier' must be \"auto\" or \"vm\", not {tier!r}")
    threshold = _count(args, "tierThreshold") if "tierThreshold" in args else DEFAULT_THRESHOLD
    return None if tier == "vm" else threshold


def _text(item: Arguments, key: str) -> str | None:
    value = item.get(key, str, "")
    return value if value.strip() else None


def _count(args: Arguments, key: str, required: bool = False) -> int:
    value = args.get(key, int) if required else args.get(key, int, 0)
    if value < 0:
        raise RequestFailed(f"argument '{key}' must not be negative")
    return value
