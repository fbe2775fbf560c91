"""Threads that run analysis and queries off the event loop.

The checker and compiler walk syntax trees recursively, so their threads get
the large stack and recursion limit that `esker.vm.deep` gives the command
line (and run that work in place, not on a thread of its own per call). Jobs are ordinary `concurrent.futures` futures: a job whose future was
cancelled before a thread picked it up (a cancelled LSP request) never runs.
"""

from __future__ import annotations

import queue
import sys
import threading
from concurrent.futures import Future
from typing import Callable, TypeVar

from esker.vm.deep import RECURSION_LIMIT, STACK_BYTES, deep_thread

T = TypeVar("T")


class Workers:
    def __init__(self, count: int = 2):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
        previous = threading.stack_size()
        threading.stack_size(STACK_BYTES)
        try:
            self._threads = [threading.Thread(target=self._work, name=f"esker-worker-{n}", daemon=True)
                             for n in range(count)]
            for thread in self._threads:
                thread.start()
        finally:
            threading.stack_size(previous)

    def submit(self, function: Callable[[], T]) -> "Future[T]":
        future: Future[T] = Future()
        self._jobs.put((future, function))
        return future

    def _work(self) -> None:
        deep_thread()
        while True:
            future, function = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function())
            except BaseException as error:  # handed to whoever awaits the future
                future.set_exception(error)
