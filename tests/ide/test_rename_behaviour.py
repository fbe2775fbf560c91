"""Rename never changes what a program computes.

Generated programs declare the same few names again and again (shadowing in
blocks, functions and closures, top-level and local, and as the fields of a
struct, read through values); each is renamed at a
random declaration to a name from the same pool. The rename is either
refused, with a message, or its result runs through `esker run` with the
same output as the original and no new diagnostics."""

from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path

from esker.vm import ide
from esker.vm.analysis import analyze
from esker.vm.cli import main as esker
from esker.vm.deep import call_with_deep_stack
from esker.vm.incremental import analyze_file
from esker.vm.modules import ModuleLoader

NAMES = ["a", "b", "c", "f", "g", "h"]
#: New names: the pool's (to provoke captures and collisions) and unused ones.
NEW_NAMES = NAMES + ["p", "q", "r"]
PROGRAMS = 80


class _Scope:
    """Names visible while generating: ints and functions (with their arity)."""

    def __init__(self, parent: "_Scope | None" = None):
        self.parent = parent
        self.ints: dict[str, None] = {}
        self.functions: dict[str, int] = {}

    def declared_here(self) -> set[str]:
        return set(self.ints) | set(self.functions)

    def visible_ints(self) -> list[str]:
        found, scope = {}, self
        hidden: set[str] = set()
        while scope is not None:
            for name in scope.ints:
                if name not in hidden:
                    found[name] = None
            hidden |= scope.declared_here()
            scope = scope.parent
        return list(found)

    def visible_functions(self) -> dict[str, int]:
        found: dict[str, int] = {}
        hidden: set[str] = set()
        scope = self
        while scope is not None:
            for name, arity in scope.functions.items():
                if name not in hidden:
                    found[name] = arity
            hidden |= scope.declared_here()
            scope = scope.parent
        return found


class _Generator:
    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        #: The fields of the program's struct `S` (named from the same pool), if it has one.
        self.fields: list[str] = []

    def expression(self, scope: _Scope, depth: int = 0) -> str:
        choice = self.rnd.random()
        ints = scope.visible_ints()
        functions = scope.visible_functions()
        if depth < 2 and self.fields and choice < 0.15:
            args = ", ".join(self.expression(scope, depth + 1) for _ in self.fields)
            member = self.rnd.choice(self.fields + ["total()"])
            return f"S({args}).{member}"
        if depth < 2 and functions and choice < 0.3:
            name = self.rnd.choice(sorted(functions))
            args = ", ".join(self.expression(scope, depth + 1) for _ in range(functions[name]))
            return f"{name}({args})"
        if depth < 2 and choice < 0.55:
            return f"({self.expression(scope, depth + 1)} + {self.expression(scope, depth + 1)})"
        if ints and choice < 0.9:
            return self.rnd.choice(ints)
        return str(self.rnd.randint(1, 9))

    def fresh(self, scope: _Scope) -> str | None:
        free = [name for name in NAMES if name not in scope.declared_here()]
        return self.rnd.choice(free) if free else None

    def block(self, scope: _Scope, indent: str, statements: int) -> list[str]:
        lines = []
        for _ in range(statements):
            kind = self.rnd.random()
            name = self.fresh(scope)
            if name is None:
                break
            if kind < 0.5:
                value = self.expression(scope)
                scope.ints[name] = None
                lines.append(f"{indent}let {name} = {value}")
            elif kind < 0.7:
                inner = _Scope(scope)
                param = self.rnd.choice(NAMES)
                inner.ints[param] = None
                body = self.expression(inner)
                scope.functions[name] = 1
                lines.append(f"{indent}let {name} = fn ({param}) => {body}")
            elif kind < 0.85:
                inner = _Scope(scope)
                lines.append(f"{indent}if {self.expression(scope)} > 3 {{")
                lines += self.block(inner, indent + "    ", 2)
                lines.append(f"{indent}    print({self.expression(inner)})")
                lines.append(f"{indent}}}")
            else:
                lines.append(f"{indent}print({self.expression(scope)})")
        return lines

    def program(self) -> str:
        top = _Scope()
        lines = []
        if self.rnd.random() < 0.5:
            # Fields and a method whose names may collide with a rename's.
            self.fields = self.rnd.sample(NAMES, 2)
            first, second = self.fields
            lines += ["struct S {", f"    {first}", f"    {second}",
                      f"    fn total(self) {{ return self.{first} + self.{second} }}", "}"]
        for _ in range(self.rnd.randint(3, 6)):
            name = self.fresh(top)
            if name is None:
                break
            if self.rnd.random() < 0.5:
                inner = _Scope(top)
                params = self.rnd.sample(NAMES, self.rnd.randint(0, 2))
                for param in params:
                    inner.ints[param] = None
                body = self.block(inner, "    ", 3)
                lines.append(f"fn {name}({', '.join(params)}) {{")
                lines += body
                lines.append(f"    return {self.expression(inner)}")
                lines.append("}")
                top.functions[name] = len(params)
            else:
                lines.append(f"let {name} = {self.expression(top)}")
                top.ints[name] = None
        lines += self.block(top, "", 3)
        lines.append(f"print({', '.join([self.expression(top) for _ in range(3)])})")
        return "\n".join(lines) + "\n"


def run(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = esker(["run", str(path)])
    return status, out.getvalue() + err.getvalue()


def apply(text: str, edits: list[ide.Edit]) -> str:
    for edit in sorted(edits, key=lambda item: item.span.start, reverse=True):
        text = text[:edit.span.start] + edit.new_text + text[edit.span.end:]
    return text


def test_renames_keep_what_programs_compute(tmp_path):
    loader = ModuleLoader(extra_path=[])
    outcomes = {"renamed": 0, "refused": 0}
    for seed in range(PROGRAMS):
        text = _Generator(seed).program()
        path = tmp_path / f"program_{seed}.esk"
        assert not analyze(text, str(path), loader).errors, text
        index = ide.FileIndex(call_with_deep_stack(lambda: analyze_file(text, str(path), loader)), loader)
        declarations = [item for place in index.units for item in index.unit_occurrences(place)
                        if item.declaration and item.symbol.span is not None]
        rnd = random.Random(seed)
        target = rnd.choice(declarations)
        new_name = rnd.choice([name for name in NEW_NAMES if name != target.symbol.name])
        found = call_with_deep_stack(lambda: ide.rename(index, target.span.start, new_name))
        if isinstance(found, ide.RenameRefusal):
            assert found.message
            outcomes["refused"] += 1
            continue
        (change,) = found
        renamed = apply(text, change.edits)
        assert not analyze(renamed, str(path), loader).errors, (text, renamed)
        path.write_text(text)
        before = run(path)
        path.write_text(renamed)
        assert run(path) == before, (text, renamed)
        outcomes["renamed"] += 1
    assert outcomes["renamed"] > PROGRAMS // 5 and outcomes["refused"] > PROGRAMS // 5, outcomes
