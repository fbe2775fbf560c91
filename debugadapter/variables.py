"""Scopes and variables: the controller's frame contents as DAP variables.

A variables reference names a scope of a frame (Locals, Registers, Upvalues,
Globals), an expandable Esker value reached from one, or a range of a large
collection's elements. Values are shown by the controller's bounded summary,
and elements arrive in pages: clients that page (`start`/`count`) get just
the page, clients that ask for everything get groups of at most a thousand,
so a million-element array never stalls the view.
"""

from __future__ import annotations

from dataclasses import dataclass

from esker.vm.debug_values import Child, child_counts, children, set_child, summary, type_name
from esker.vm.debugger import Debugger, ScopeKind, Slot

from .channel import RequestFailed
from .handles import Handles

#: Characters of a value shown in the variables view; the rest is elided.
SUMMARY_LIMIT = 200
#: Most elements (or element groups) returned for one unpaged request.
GROUP = 1000

_SCOPE_TITLES = {
    ScopeKind.LOCALS: ("Locals", "locals"),
    ScopeKind.REGISTERS: ("Registers", "registers"),
    ScopeKind.UPVALUES: ("Upvalues", None),
    ScopeKind.GLOBALS: ("Globals", None),
}


@dataclass(frozen=True)
class ScopeRef:
    kind: ScopeKind
    level: int


@dataclass(frozen=True)
class ValueRef:
    """An expandable value, the frame it was reached from (None: the top
    level), the Esker expression that reads it again (None if there is none),
    and the range of its elements this reference stands for."""

    value: object
    level: int | None
    expression: str | None
    first: int = 0
    stop: int | None = None


class VariableView:
    """Builds DAP scopes and variables for the current stop."""

    def __init__(self, debugger: Debugger, handles: Handles):
        self._debugger = debugger
        self._handles = handles

    def scopes(self, level: int) -> list[dict]:
        result = []
        for kind, (title, hint) in _SCOPE_TITLES.items():
            scope = {"name": title, "variablesReference": self._handles.create(ScopeRef(kind, level)),
                     "namedVariables": len(self._debugger.scope(level, kind)), "expensive": False}
            if hint:
                scope["presentationHint"] = hint
            result.append(scope)
        return result

    def variables(self, reference: int, which: str | None, start: int, count: int, hex: bool = False) -> list[dict]:
        target = self._reference(reference)
        if isinstance(target, ScopeRef):
            if which == "indexed":
                return []
            slots = self._debugger.scope(target.level, target.kind)
            slots = slots[start: start + count] if count else slots[start:]
            return [self._slot_variable(target, slot, hex) for slot in slots]
        result = []
        if which != "indexed" and target.stop is None:
            named, _ = child_counts(target.value)
            result += [self._child(target, child, hex) for child in children(target.value, 0, named, named=True)]
        if which != "named":
            result += self._elements(target, start, count, hex)
        return result

    def _elements(self, target: ValueRef, start: int, count: int, hex: bool) -> list[dict]:
        """Elements `start`.. of a value or of a range of it: the page asked
        for, or, when everything is asked for, groups of at most GROUP."""
        stop = target.stop if target.stop is not None else child_counts(target.value)[1]
        first = target.first + start
        last = min(first + count, stop) if count else stop
        if count or last - first <= GROUP:
            return [self._child(target, child, hex)
                    for child in children(target.value, first, last - first, named=False)]
        size = GROUP
        while (last - first) > size * GROUP:
            size *= GROUP
        groups = []
        for low in range(first, last, size):
            high = min(low + size, last)
            reference = self._handles.create(ValueRef(target.value, target.level, target.expression, low, high))
            groups.append({"name": f"[{low}..{high - 1}]", "value": "", "variablesReference": reference,
                           "indexedVariables": high - low})
        return groups

    def _child(self, parent: ValueRef, child: Child, hex: bool) -> dict:
        expression = parent.expression + child.access if parent.expression and child.access else None
        return self.variable(child.name, child.value, parent.level, expression, hex=hex)

    def variable(self, name: str, value, level: int | None, expression: str | None, type_note: str = "",
                 hex: bool = False) -> dict:
        """A DAP `Variable` for one value (ints in hexadecimal with `hex`)."""
        result = {"name": name, "value": summary(value, SUMMARY_LIMIT, hex), "type": type_name(value) + type_note}
        result.update(self.expansion(value, level, expression))
        if expression:
            result["evaluateName"] = expression
        return result

    def expansion(self, value, level: int | None, expression: str | None) -> dict:
        """`variablesReference` and child counts of a value (0 for a leaf)."""
        named, indexed = child_counts(value)
        if not named and not indexed:
            return {"variablesReference": 0}
        result = {"variablesReference": self._handles.create(ValueRef(value, level, expression))}
        if named:
            result["namedVariables"] = named
        if indexed:
            result["indexedVariables"] = indexed
        return result

    def data_target(self, reference: int, name: str):
        """What a data breakpoint on variable `name` of a reference watches."""
        target = self._reference(reference)
        if isinstance(target, ScopeRef):
            return self._debugger.data_target(target.level, target.kind, name=name)
        access = f"[{name}]" if type(target.value) in (list, dict) else f".{name}"
        label = target.expression + access if target.expression else None
        return self._debugger.data_target(target.level, value=target.value, name=name, label=label)

    def set_variable(self, reference: int, name: str, expression: str, hex: bool = False) -> dict:
        """Give variable `name` of a reference the value of an Esker expression."""
        target = self._reference(reference)
        value = self._debugger.evaluate(target.level, expression)
        if isinstance(target, ScopeRef):
            slot = name.split(" ")[0] if target.kind is ScopeKind.REGISTERS else name
            self._debugger.assign(target.level, target.kind, slot, value)
        else:
            set_child(target.value, name, value)
        shown = self.variable(name, value, target.level, None, hex=hex)
        shown.pop("name")
        return shown

    def _reference(self, reference: int) -> "ScopeRef | ValueRef":
        """What a variables reference stands for (a frame id is no such reference)."""
        target = self._handles.get(reference)
        if not isinstance(target, (ScopeRef, ValueRef)):
            raise RequestFailed(f"{reference} is not a variables reference (it names a frame)")
        return target

    def _slot_variable(self, scope: ScopeRef, slot: Slot, hex: bool) -> dict:
        if scope.kind is ScopeKind.REGISTERS:
            # The detail is the local in the register, or "(temp)" / "(far slots)".
            temporary = slot.detail.startswith("(")
            label = f"{slot.name} {slot.detail}" if temporary else f"{slot.name} ({slot.detail})"
            return self.variable(label, slot.value, scope.level, None if temporary else slot.detail, hex=hex)
        note = f" ({slot.detail})" if scope.kind is ScopeKind.UPVALUES else ""
        return self.variable(slot.name, slot.value, scope.level, slot.name, note, hex=hex)
