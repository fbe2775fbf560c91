"""Everything the adapter tells a client it can do, in one place.

The `initialize` response is exactly `CAPABILITIES`; each flag carries a
comment saying what it turns on in the client, so adding a request and
declaring it happen together.
"""

from __future__ import annotations

#: Exception breakpoint filters, shown as check boxes in the client's breakpoint view.
EXCEPTION_FILTERS = [
    {"filter": "uncaught", "label": "Uncaught errors", "default": True,
     "description": "Stop where an error is thrown that no `try` on the stack will catch."},
    {"filter": "raised", "label": "Raised errors", "default": False,
     "description": "Stop wherever an error is thrown, caught or not."},
]

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
}
