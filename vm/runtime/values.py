"""The representation of Esker values, shared by the tree-walker and the register VM.

Most values are plain Python objects: nil is None, and bool, int, float, str,
array (list), tuple and map (dict) are themselves. This module defines the
rest: ranges, struct and enum types with their instances, modules, builtin
functions, and the base classes each engine extends for its own closures and
generators. Every class uses __slots__, since engines create these on hot paths.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Callable


class Range:
    """`start..stop`, `start..=stop` or `range(start, stop, step)`; ints only."""

    __slots__ = ("start", "stop", "step", "inclusive")

    def __init__(self, start: int, stop: int, step: int = 1, inclusive: bool = False):
        self.start = start
        self.stop = stop
        self.step = step
        self.inclusive = inclusive

    def as_range(self) -> range:
        """The same sequence of ints as a Python range."""
        stop = self.stop
        if self.inclusive:
            stop += 1 if self.step > 0 else -1
        return range(self.start, stop, self.step)


class StructType:
    """A struct declaration: its fields (with optional default thunks) and methods.

    `defaults[i]` is None when field i has no default, else a function of no
    arguments that evaluates the default (defaults run at each construction).
    `methods` take `self` first and are called on instances; `static_methods`
    are called on the type itself.
    """

    __slots__ = ("name", "fields", "field_index", "defaults", "methods", "static_methods")

    def __init__(self, name: str, fields: list[str],
                 defaults: list[Callable[[], object] | None] | None = None,
                 methods: dict[str, object] | None = None,
                 static_methods: dict[str, object] | None = None):
        self.name = name
        self.fields = fields
        self.field_index = {field: index for index, field in enumerate(fields)}
        self.defaults = defaults if defaults is not None else [None] * len(fields)
        self.methods = methods if methods is not None else {}
        self.static_methods = static_methods if static_methods is not None else {}


class StructInstance:
    """An instance of a struct: `values` holds the fields in declaration order."""

    __slots__ = ("type", "values")

    def __init__(self, type: StructType, values: list):
        self.type = type
        self.values = values


class EnumType:
    """An enum declaration: its variants (in order) and methods."""

    __slots__ = ("name", "variants", "methods", "static_methods")

    def __init__(self, name: str, variants: list[tuple[str, list[str] | None]],
                 methods: dict[str, object] | None = None,
                 static_methods: dict[str, object] | None = None):
        self.name = name
        self.variants = {variant: VariantInfo(variant, fields, self) for variant, fields in variants}
        self.methods = methods if methods is not None else {}
        self.static_methods = static_methods if static_methods is not None else {}


class VariantInfo:
    """One variant of an enum. `member` is what `Enum.Variant` evaluates to: the
    one shared EnumValue of a variant without payload, or the VariantConstructor
    of a variant with one."""

    __slots__ = ("name", "fields", "enum", "member")

    def __init__(self, name: str, fields: list[str] | None, enum: EnumType):
        self.name = name
        self.fields = fields
        self.enum = enum
        self.member = EnumValue(enum, self, None) if fields is None else VariantConstructor(self)


class EnumValue:
    """A value of an enum: its variant and, for variants with a payload, a tuple."""

    __slots__ = ("type", "variant", "payload")

    def __init__(self, type: EnumType, variant: VariantInfo, payload: tuple | None):
        self.type = type
        self.variant = variant
        self.payload = payload


class VariantConstructor:
    """The callable value `Shape.Circle` of a variant that carries a payload."""

    __slots__ = ("variant",)

    def __init__(self, variant: VariantInfo):
        self.variant = variant

    @property
    def name(self) -> str:
        return f"{self.variant.enum.name}.{self.variant.name}"


class Module:
    """What `import` binds: a module's top-level declarations by name.

    For a module of the program, `members` is a `ModuleMembers` view of its
    bindings, so a member read sees the module's latest assignment; builtin
    namespaces such as `math` have a plain dict."""

    __slots__ = ("name", "path", "members")

    def __init__(self, name: str, path: str | None, members: Mapping[str, object]):
        self.name = name
        self.path = path
        self.members = members


class ModuleMembers(Mapping):
    """The live members of a module (§13.1): its top-level `let`, `const`,
    `fn`, `struct` and `enum` names, read from the table of bindings its own
    code assigns (an engine's globals). The module's own imports are in that
    table too, but are not members."""

    __slots__ = ("_bindings", "_names")

    def __init__(self, bindings: dict[str, object], names: Iterable[str]):
        self._bindings = bindings
        self._names = frozenset(names)

    def __getitem__(self, name: str):
        if name in self._names:
            return self._bindings[name]
        raise KeyError(name)

    def get(self, name: str, default=None):
        return self._bindings.get(name, default) if name in self._names else default

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._bindings if name in self._names)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Builtin:
    """A function implemented in Python: `func(engine, args)`.

    `min_args`/`max_args` bound the number of positional arguments (max None:
    any number); callers check them before calling `func`, so every builtin
    reports arity mistakes the same way.
    """

    __slots__ = ("name", "func", "min_args", "max_args")

    def __init__(self, name: str, func: Callable, min_args: int, max_args: int | None):
        self.name = name
        self.func = func
        self.min_args = min_args
        self.max_args = max_args


class BoundMethod:
    """A method used as a value, bound to its receiver: `p.double`, `xs.push`.

    `method` is a struct or enum method (an engine's function, called with the
    receiver as its first argument) or the library entry of a builtin type's
    method. `name` is how it prints: `Point.double`, `array.push`.
    """

    __slots__ = ("receiver", "method", "name")

    def __init__(self, receiver: object, method: object, name: str):
        self.receiver = receiver
        self.method = method
        self.name = name


class Function:
    """Base class of the closures of an engine; `name` is None for anonymous functions."""

    __slots__ = ("name",)

    def __init__(self, name: str | None):
        self.name = name


class Generator(ABC):
    """Base class of the generators of an engine (what calling a generator function returns)."""

    __slots__ = ("name",)

    def __init__(self, name: str | None):
        self.name = name

    @abstractmethod
    def resume(self, engine) -> tuple[bool, object]:
        """Run the body to its next `yield`: (False, value), or (True, None) once it has
        returned. Errors raised by the body propagate; after one, the generator is done."""


#: The builtin struct of §7; runtime errors are its instances.
ERROR_TYPE = StructType("Error", ["kind", "message"])
