"""Everything the adapter tells a client it can do, in one place.

The `initialize` response is exactly `CAPABILITIES`; each flag carries a
comment saying what it turns on in the client, so adding a request and
declaring it happen together. `LAUNCH_ATTRIBUTES` names what a launch
configuration can say.
"""

from __future__ import annotations

_CONDITION = ("An Esker expression over `kind`, `message` and `error` (the thrown value), e.g. "
              "kind == \"KeyError\" or message.contains(\"too big\")")

#: Exception breakpoint filters, shown as check boxes in the client's breakpoint view;
#: each can carry a condition on the error.
EXCEPTION_FILTERS = [
    {"filter": "uncaught", "label": "Uncaught errors", "default": True, "supportsCondition": True,
     "conditionDescription": _CONDITION,
     "description": "Stop where an error is thrown that no `try` on the stack will catch."},
    {"filter": "raised", "label": "Raised errors", "default": False, "supportsCondition": True,
     "conditionDescription": _CONDITION,
     "description": "Stop wherever an error is thrown, caught or not."},
]

#: The fields of a launch configuration that the `launch` request reads; an
#: editor's manifest declares each (VS Code's `configurationAttributes`, which a
#: test compares with this and with what `launch` reads).
LAUNCH_ATTRIBUTES = frozenset({"program", "cwd", "env", "args", "stdin", "stopOnEntry", "noDebug",
                               "evaluationTimeout", "history", "tier", "tierThreshold"})

CAPABILITIES = {
    # The client sends `configurationDone` after its breakpoints; the program starts only then.
    "supportsConfigurationDoneRequest": True,
    # Breakpoints on a function's name (`setFunctionBreakpoints`).
    "supportsFunctionBreakpoints": True,
    # Breakpoint conditions are Esker expressions evaluated in the stopped frame.
    "supportsConditionalBreakpoints": True,
    # Hit counts: `5` or `== 5`, `>= 3`, `> 2`, `% 2`.
    "supportsHitConditionalBreakpoints": True,
    # Hovering a name in the editor evaluates it (`evaluate` with context "hover").
    "supportsEvaluateForHovers": True,
    # "uncaught" and "raised", above.
    "exceptionBreakpointFilters": EXCEPTION_FILTERS,
    # `setExceptionBreakpoints` takes `filterOptions`, each with a condition on the error.
    "supportsExceptionFilterOptions": True,
    # Locals, registers, upvalues, globals, fields and elements can be edited.
    "supportsSetVariable": True,
    # `restart` relaunches the program in the same session, keeping breakpoints.
    "supportsRestartRequest": True,
    # `exceptionInfo`: the error's kind, message and Esker trace for the exception widget.
    "supportsExceptionInfoRequest": True,
    # `terminate` ends the program but keeps the session for a `restart`.
    "supportsTerminateRequest": True,
    # `stackTrace` honours `startFrame`/`levels`, so deep stacks load in pages.
    "supportsDelayedStackTraceLoading": True,
    # A breakpoint's `logMessage` prints (with `{expression}` interpolation) instead of stopping.
    "supportsLogPoints": True,
    # `disassemble` serves VS Code's Disassembly view from the protos' bytecode.
    "supportsDisassembleRequest": True,
    # `breakpointLocations`: the lines of a range where a breakpoint would stop.
    "supportsBreakpointLocationsRequest": True,
    # `next`/`stepIn`/`stepOut` accept `granularity` "instruction" as well as "line"/"statement".
    "supportsSteppingGranularity": True,
    # Breakpoints on bytecode instructions (`setInstructionBreakpoints`).
    "supportsInstructionBreakpoints": True,
    # `evaluate` with context "clipboard" gives a value in full (Copy Value), never shortened.
    "supportsClipboardContext": True,
    # `cancel` ends a running `evaluate` (its answer is then the error "cancelled").
    "supportsCancelRequest": True,
    # `format.hex` on variables, evaluate and setVariable shows ints in hexadecimal.
    "supportsValueFormattingOptions": True,
    # `modules` lists the loaded files (the program and what it imported); `module` events announce them.
    "supportsModulesRequest": True,
    # `loadedSources` lists them as sources; `loadedSource` events announce them.
    "supportsLoadedSourcesRequest": True,
    # The debug console completes names in scope, builtins, keywords, and members after `.`.
    "supportsCompletionsRequest": True,
    "completionTriggerCharacters": ["."],
    # Editing a watch (`setExpression`) assigns to a name, field or element.
    "supportsSetExpression": True,
    # `stepInTargets` lists the calls of the line, so a step into can enter `g` in `f(g(x))`.
    "supportsStepInTargetsRequest": True,
    # `gotoTargets`/`goto` move the next statement within the current function where it is safe.
    "supportsGotoTargetsRequest": True,
    # Time travel: `stepBack` (by line or instruction) and `reverseContinue` run the program
    # backwards through its recorded history (VS Code shows Step Back and Reverse buttons).
    "supportsStepBack": True,
    # `restartFrame` goes back to the entry of any frame on the stack, from history.
    "supportsRestartFrame": True,
    # Data breakpoints (`dataBreakpointInfo`, `setDataBreakpoints`): stop after an instruction
    # writes a watched local, register, upvalue, global, module member, field, element or entry.
    "supportsDataBreakpoints": True,
}
