"""Run one program on both engines and insist that they agree: the helpers of
the tests of language features that every engine implements."""

from __future__ import annotations

import textwrap

from vm_support import Outcome, run


def both(text: str, path: str = "test.esk", **options) -> Outcome:
    """The outcome of `text` (dedented), the same on the VM, on the VM with
    every function compiled by its tier, and on the tree-walker."""
    text = textwrap.dedent(text)
    vm = run(text, "vm", path=path, **options)
    tree = run(text, "tree", path=path, **options)
    assert (tree.stdout, tree.error) == (vm.stdout, vm.error)
    compiled = run(text, "vm", path=path, tier_threshold=0, **options)
    assert (compiled.stdout, compiled.error) == (vm.stdout, vm.error)
    return vm


def printed(text: str, **options) -> list[str]:
    """The lines a program prints on both engines; it must not fail."""
    outcome = both(text, **options)
    assert outcome.error is None, outcome.error
    return outcome.stdout.splitlines()


def failure(text: str, **options) -> str:
    """The first line of the uncaught error a program ends with, on both engines."""
    outcome = both(text, **options)
    assert outcome.error is not None, "the program did not fail"
    return outcome.error.splitlines()[0]


def exits(text: str, path: str = "test.esk") -> tuple[str, int]:
    """(stdout, status) of a program that ends by `exit(status)`, the same on
    every engine."""
    outcome = both(text, path=path)
    assert outcome.error is not None and outcome.error.startswith("exit("), outcome.error
    return outcome.stdout, int(outcome.error[len("exit("):-1])
