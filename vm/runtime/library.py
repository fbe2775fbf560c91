"""The one table of Esker's builtins, with their documentation.

Every builtin function, every method of the builtin types (`str`, `array`,
`map`, `tuple`, `range`) and every member of the builtin namespaces (`math`,
`sys`, `io`) is one `Entry` of `LIBRARY`: its implementation, its arity, its
signature and its documentation (a one-line summary, a short description and
an example with the output it prints). The implementations register
themselves beside their code (`builtins`, `methods`, `numeric`, `system`);
`builtins` imports them all, so the table is complete once it is imported.

Readers: the runtime builds the global names and dispatches method calls
from the table; the checker takes arities from it; the symbol table and the
language server take completion and hover documentation from it; the
reference in docs/language.md is generated from it; and the tests run every
example on both engines and compare the output.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from collections.abc import Callable

from .errors import HOST_FAULTS, arity_error, host_fault, named_arguments_error

#: The builtin types that have methods, in the order the docs list them.
TYPES = ("str", "array", "map", "tuple", "range")
#: The builtin namespaces, in the order the docs list them.
NAMESPACES = ("math", "sys", "io")

FUNCTION, METHOD, CONSTANT, NAMESPACE, TYPE = "function", "method", "constant", "namespace", "type"


@dataclass(frozen=True)
class Entry:
    """One builtin: a function, a method, a namespace member or a namespace.

    `func` is `func(engine, args)` for functions and namespace functions and
    `func(engine, receiver, args)` for methods; `value(engine)` makes the value
    of a constant, a namespace or a type. `params` is the parameter list as
    documented (`iterable[, key[, reverse]]`); the arity is read from it.
    """

    kind: str
    owner: str | None  # the type of a method or the namespace of a member; None for a global name
    name: str
    params: str | None  # None for values that are not called
    summary: str
    details: str
    example: str
    #: What the example prints (compared with the real output by the tests).
    output: str
    func: Callable | None = None
    value: Callable | None = None
    #: (least, most) arguments, read from `params`; most is None for any number.
    min_args: int = field(init=False)
    max_args: int | None = field(init=False)

    def __post_init__(self):
        least, most = parse_arity(self.params or "")
        object.__setattr__(self, "min_args", least)
        object.__setattr__(self, "max_args", most)

    @property
    def qualified(self) -> str:
        """`len`, `array.push`, `math.sqrt`: how the docs and messages name it."""
        return self.name if self.owner is None else f"{self.owner}.{self.name}"

    @property
    def signature(self) -> str:
        return self.qualified if self.params is None else f"{self.qualified}({self.params})"

    def documentation(self) -> str:
        """Markdown for hover and completion: summary, description, example."""
        parts = [self.summary]
        if self.details:
            parts.append(self.details)
        if self.example:
            parts.append(f"```esker\n{self.example}\n```")
            if self.output:
                parts.append(f"prints\n\n```text\n{self.output}```")
        return "\n\n".join(parts)

    def call_method(self, engine, receiver, args: list, kwargs: dict | None):
        """Calls a method entry on `receiver`, checking its arguments first."""
        if kwargs:
            raise named_arguments_error(self.qualified)
        count = len(args)
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            raise arity_error(self.qualified, self.min_args, self.max_args, count)
        try:
            return self.func(engine, receiver, args)
        except HOST_FAULTS as error:
            raise host_fault(self.qualified, error) from None


_PARAM_TOKEN = re.compile(r"\.\.\.|\[|\]|[A-Za-z_]\w*")


def parse_arity(params: str) -> tuple[int, int | None]:
    """(least, most) arguments of a documented parameter list: names inside
    `[...]` are optional and `...` means any number more."""
    depth = required = total = 0
    variadic = False
    for token in _PARAM_TOKEN.findall(params):
        if token == "[":
            depth += 1
        elif token == "]":
            depth -= 1
        elif token == "...":
            variadic = True
        else:
            total += 1
            required += depth == 0
    return required, None if variadic else total


_SIGNATURE = re.compile(r"(?:(?P<owner>\w+)\.)?(?P<name>\w+)(?:\((?P<params>.*)\))?\Z")


class Library:
    """The table: entries by qualified name, in the order they were defined."""

    def __init__(self):
        self.entries: dict[str, Entry] = {}

    def define(self, signature: str, summary: str, details: str = "", example: str = "", output: str = ""):
        """A decorator registering a function or method implementation under
        `signature` (`sorted(iterable[, key[, reverse]])`, `array.push(x)`,
        `math.sqrt(x)`)."""
        def register(func: Callable) -> Callable:
            owner, name, params = _split_signature(signature)
            kind = METHOD if owner in TYPES else FUNCTION
            self._add(Entry(kind, owner, name, params, summary, _text(details), _text(example), _output(output),
                            func=func))
            return func
        return register

    def constant(self, signature: str, value: Callable, summary: str, details: str = "", example: str = "",
                 output: str = "", kind: str = CONSTANT) -> None:
        """Registers a value: `math.pi`, `sys.args`, a namespace, a builtin type.
        `value(engine)` makes it for an engine (`sys.args` comes from its host)."""
        owner, name, params = _split_signature(signature)
        self._add(Entry(kind, owner, name, params, summary, _text(details), _text(example), _output(output),
                        value=value))

    def _add(self, entry: Entry) -> None:
        if entry.qualified in self.entries:
            raise ValueError(f"{entry.qualified} is defined twice")
        self.entries[entry.qualified] = entry

    def lookup(self, qualified: str) -> Entry | None:
        """The entry of `len`, `array.push`, `math.sqrt` ... (None if none)."""
        return self.entries.get(qualified)

    def globals(self) -> list[Entry]:
        """The global names: functions, the namespaces and the builtin types."""
        return [entry for entry in self.entries.values() if entry.owner is None]

    def methods(self, type_name: str) -> dict[str, Entry]:
        """The methods of a builtin type, by name."""
        return {entry.name: entry for entry in self.entries.values()
                if entry.owner == type_name and entry.kind is METHOD}

    def members(self, namespace: str) -> dict[str, Entry]:
        """The members of a builtin namespace, by name."""
        return {entry.name: entry for entry in self.entries.values()
                if entry.owner == namespace and entry.kind is not METHOD}


def _split_signature(signature: str) -> tuple[str | None, str, str | None]:
    found = _SIGNATURE.match(signature)
    if found is None:
        raise ValueError(f"bad builtin signature {signature!r}")
    return found.group("owner"), found.group("name"), found.group("params")


def _text(text: str) -> str:
    """Documentation text as written in the source: the first line as it is,
    the others without their common indentation (as `inspect.cleandoc`)."""
    return inspect.cleandoc(text)


def _output(text: str) -> str:
    """An example's output: lines as `_text` gives them, each ending in a newline."""
    body = _text(text)
    return body + "\n" if body else ""


#: The table. Complete once `esker.vm.runtime.builtins` has been imported.
LIBRARY = Library()
