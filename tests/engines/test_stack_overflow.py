"""Deep recursion ends the same way on the tree-walker as on the VM: a
`StackOverflow` at the same depth, with the same message and trace, caught by
`catch` like any error, and never a host traceback — also through builtins
that call back and on deeply nested values. Run through the `esker` command."""

from __future__ import annotations

import pytest

#: Plain recursion: caught once, then uncaught.
RUNAWAY = """\
fn down(n) { return 1 + down(n + 1) }
try { down(0) } catch e { print(e.kind, e.message) }
print("alive")
down(0)
"""

#: Recursion through builtins that call back, and through a generator.
CALLBACKS = """\
fn mapped(n) { return [n].map(fn (x) { let r = mapped(x + 1); return r })[0] }
fn keyed(n) { return sorted([n, n + 1], fn (x) => keyed(x + 1))[0] }
fn filtered(n) { return [n].filter(fn (x) => filtered(x + 1) > 0).len() }
fn nested(n) {
    for x in nested(n + 1) { yield x }
    yield n
}
for f in [mapped, keyed, filtered, fn (n) => array(nested(n))] {
    try { f(0) } catch e { print(e.kind, e.message) } finally { print("finally") }
}
mapped(0)
"""

#: Deeply nested values printed, compared, sorted, used as keys.
NESTED_VALUES = """\
let a = []
let b = []
let t = ()
for i in 0..100000 {
    a = [a]
    b = [b]
    t = (t, i)
}
print(a == b, a != [1], len(str(a)), len(repr([t])))
let m = {}
m[t] = "found"
print(m[t], sorted([(t, 2), (t, 1)])[0][1], t in m)
print(a)
"""


def _same_on_both(esker, tmp_path, text: str, *options: str):
    (tmp_path / "deep.esk").write_text(text)
    vm = esker("run", "--tier", "vm", *options, "deep.esk", cwd=tmp_path, timeout=600)
    tree = esker("run", "--engine", "tree", *options, "deep.esk", cwd=tmp_path, timeout=600)
    assert (tree.status, tree.stdout, tree.stderr) == (vm.status, vm.stdout, vm.stderr)
    assert "Traceback" not in vm.stderr and "RecursionError" not in vm.stderr
    return vm


def test_runaway_recursion_overflows_at_the_vms_default_depth(esker, tmp_path):
    done = _same_on_both(esker, tmp_path, RUNAWAY)
    assert done.stdout == "StackOverflow more than 200000 nested calls\nalive\n"
    assert done.status == 1
    report = done.stderr.splitlines()
    assert report[:3] == ["error[StackOverflow]: more than 200000 nested calls",
                          "  at down (deep.esk:1:25)", "  at down (deep.esk:1:25)"]
    assert "  ... 199960 more frames ..." in report and report[-1] == "  at <module> (deep.esk:4:1)"


@pytest.mark.parametrize("depth", ["7", "3000"])
def test_recursion_through_callbacks_overflows_alike(esker, tmp_path, depth):
    done = _same_on_both(esker, tmp_path, CALLBACKS, "--max-depth", depth)
    assert done.stdout == f"StackOverflow more than {depth} nested calls\nfinally\n" * 4
    assert done.stderr.startswith(f"error[StackOverflow]: more than {depth} nested calls\n")
    assert "  at mapped (deep.esk:1:23)\n  at <fn> (deep.esk:1:48)\n" in done.stderr
    assert done.stderr.endswith("  at <module> (deep.esk:11:1)\n")


def test_deeply_nested_values_behave_alike(esker, tmp_path):
    done = _same_on_both(esker, tmp_path, NESTED_VALUES)
    assert done.status == 0
    lines = done.stdout.splitlines()
    assert lines[:2] == ["true true 200002 888894", "found 1 true"]
    assert lines[2] == "[" * 100001 + "]" * 100001


def test_the_hosts_recursion_limit_on_the_tree_walker_is_a_located_catchable_overflow(esker, tmp_path):
    # Each call nests its recursive call 60 blocks deep, so the tree-walker's
    # Python stack runs out before the call-depth limit.
    nested = "if true { " * 60 + "return 1 + deeper(n + 1)" + " }" * 60
    (tmp_path / "blocks.esk").write_text(
        f"fn deeper(n) {{ {nested} }}\n"
        "fn guarded() {\n    try { deeper(0) } catch e { print(\"caught\", e.kind, e.message) }\n"
        "    finally { print(\"finally\") }\n}\n"
        "guarded()\ntry { deeper(0) } finally { print(\"left\") }\n")
    done = esker("run", "--engine", "tree", "--max-depth", "4000", "blocks.esk", cwd=tmp_path)
    assert done.stdout == "caught StackOverflow maximum recursion depth exceeded\nfinally\nleft\n"
    assert done.status == 1 and "Traceback" not in done.stderr
    report = done.stderr.splitlines()
    assert report[0] == "error[StackOverflow]: maximum recursion depth exceeded"
    assert report[1].startswith("  at deeper (blocks.esk:1:") and report[-1] == "  at <module> (blocks.esk:7:7)"
