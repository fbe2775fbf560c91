"""Running front-end passes and the tree-walker with room for deep recursion.

The parser builds trees without recursion, but the checker, the compiler and
the tree-walking interpreter walk them recursively, and Esker programs
recurse too. CPython's default limits (1,000 frames, an 8 MB thread stack)
are far below what the front-end's own nesting limits allow, so the entry
points run their work on a thread with a large stack and a raised recursion
limit. The register VM itself never recurses per Esker call.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

TYPE_CHECKING = False  # typing's, without importing typing (start-up time); type checkers take it as true
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

#: Esker frames allowed before `StackOverflow`, on every engine (LANGUAGE.md §5;
#: `esker run --max-depth` changes it).
DEFAULT_MAX_DEPTH = 200_000
#: Bytes of C stack for the worker thread; generous, since frames are cheap to reserve.
STACK_BYTES = 512 * 1024 * 1024
#: Python frames allowed on that thread.
RECURSION_LIMIT = 200_000

_state = threading.local()


def deep_thread() -> None:
    """Declare that the calling thread was started with a STACK_BYTES stack
    (and the recursion limit raised): deep work then runs on it directly,
    without a thread of its own for each call."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    _state.deep = True


def call_with_deep_stack(function: Callable[[], T]) -> T:
    """Run `function()` on a thread with a large stack and return its result.

    Exceptions raised by `function` are re-raised in the caller. A Ctrl-C in
    the caller interrupts the wait; the worker is a daemon thread, so the
    process can still exit. Called again on such a thread, it just calls
    `function` there. The raised recursion limit stays in force: it is
    process-wide, and other deep threads may be running.
    """
    if getattr(_state, "deep", False):
        return function()
    outcome: dict[str, object] = {}

    def worker() -> None:
        _state.deep = True
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed to the caller, re-raised there
            outcome["error"] = error

    previous_stack = threading.stack_size()
    previous_limit = sys.getrecursionlimit()
    threading.stack_size(STACK_BYTES)
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
    try:
        thread = threading.Thread(target=worker, name="esker-main", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous_stack)
    while thread.is_alive():
        thread.join(0.25)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")  # type: ignore[return-value]
