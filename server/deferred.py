"""Modules the server imports when they are first used, not at start.

Answering `initialize` needs only the protocol layer and the list of
features; the front end, checker, compiler and editor queries behind the
features (`esker.vm.ide` and all it imports) are needed once a document is
analysed. The server modules therefore name those modules through
`module(name)`, an object that imports the module on its first attribute
access, and `load_all` imports every one of them on a thread of its own once the
`initialize` answer is sent, so that the first analysis finds them ready.

Written here rather than taken from `importlib.util.LazyLoader` because the
first use may come from several worker threads at once, which LazyLoader
does not allow before Python 3.12.3. `importlib.import_module` does: a
thread that asks for a module another thread is importing waits for that
module alone (Python's lock per module), and a module already imported is
returned at once, so an analysis never waits for modules it does not use
(`esker.vm`'s modules import each other without cycles, so two threads
never wait for each other).
"""

from __future__ import annotations

import importlib
from types import ModuleType

_modules: dict[str, "Deferred"] = {}


class Deferred:
    """Stands for a module; its attributes are the module's, imported on
    first access."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        return getattr(self.load(), attribute)

    def load(self) -> ModuleType:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return module

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<deferred module {self._name} ({state})>"


def module(name: str) -> Deferred:
    """The module `name`, imported when first used."""
    found = _modules.get(name)
    if found is None:
        found = _modules[name] = Deferred(name)
    return found


def load_all() -> None:
    """Import every deferred module now (in the order they were named)."""
    for deferred in list(_modules.values()):
        deferred.load()
