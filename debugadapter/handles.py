"""Integer references handed to the client (frames, scopes, expandable values).

DAP references are only valid while the program stays stopped, so the
session resets its table on every stop and every resume. Numbers keep growing
across resets: a reference the client kept from an earlier stop is then
reported as stale instead of silently meaning something else.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from .channel import RequestFailed

T = TypeVar("T")

#: DAP references are 32-bit signed integers; 0 means "no reference".
_LARGEST = 2**31 - 1


class Handles(Generic[T]):
    """A table from positive integers to objects, cleared by `reset`."""

    def __init__(self, what: str):
        self._what = what
        self._next = 1
        self._items: dict[int, T] = {}

    def create(self, item: T) -> int:
        handle = self._next
        self._next = self._next + 1 if self._next < _LARGEST else 1
        self._items[handle] = item
        return handle

    def get(self, handle: int) -> T:
        try:
            return self._items[handle]
        except (KeyError, TypeError):
            raise RequestFailed(f"{self._what} {handle} is not valid (stale after the program ran on?)") from None

    def reset(self) -> None:
        self._items.clear()
