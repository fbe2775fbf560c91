"""Generated programs that combine the statements and operators of §13.2 —
`finally` with `break`, `continue`, `return` and `throw` passing through it,
`in`, slices, compound assignment, `for` destructuring and tail calls — must
print the same, and fail the same way, on the tree-walker, on the VM and on
the VM with every function compiled by its tier."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from vm_support import run

_VALUES = st.sampled_from(["n", "acc", "1", "2", "-1", '"s"', "nil", "[1, n]", "(n, 2)", "(0..3)", '{"k": n}'])


def _value(draw) -> str:
    kind = draw(st.sampled_from(["plain", "member", "slice", "arith"]))
    left, right = draw(_VALUES), draw(_VALUES)
    if kind == "member":
        return f"({left} {draw(st.sampled_from(['in', 'not in']))} {right})"
    if kind == "slice":
        return f"[1, 2, 3, n][{left}:{draw(st.sampled_from(['', 'n', '-1', '2']))}]"
    if kind == "arith":
        return f"({left} + {right})"
    return left


def _jump(draw, loops: int, generator: bool) -> str:
    jumps = ["throw \"t\" + str(n)", "throw Error(\"ValueError\", \"v\")", "exit(n + 4)"]
    jumps += [] if generator else [f"return {_value(draw)}", "return helper(n, acc)", "return box.get(n)"]
    jumps += ["break", "continue"] if loops else []
    return draw(st.sampled_from(jumps))


def _block(draw, depth: int, loops: int, generator: bool) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        lines += _statement(draw, depth, loops, generator)
    return lines


def _statement(draw, depth: int, loops: int, generator: bool) -> list[str]:
    kinds = ["log", "compound", "jump"] + (["try", "for", "while", "pairs"] if depth < 3 else [])
    kinds += ["yield"] if generator else []
    kind = draw(st.sampled_from(kinds))
    inner = depth + 1
    if kind == "log":
        return [f"log.push({_value(draw)})"]
    if kind == "compound":
        operator = draw(st.sampled_from(["+=", "-=", "*=", "|=", "&=", "^=", "<<=", ">>=", "//=", "%="]))
        return [f"acc {operator} {draw(st.sampled_from(['1', '2', 'n', '3']))}"]
    if kind == "yield":
        return [f"yield {_value(draw)}"]
    if kind == "jump":
        return [f"if n == {draw(st.integers(0, 3))} {{ {_jump(draw, loops, generator)} }}"]
    if kind == "for":
        return [f"for i{depth} in 0..{draw(st.integers(0, 3))} {{", f"log.push(i{depth})",
                *_block(draw, inner, loops + 1, generator), "}"]
    if kind == "while":
        var = f"w{depth}"
        return [f"let {var} = 0", f"while {var} < {draw(st.integers(0, 3))} {{", f"{var} += 1",
                *_block(draw, inner, loops + 1, generator), "}"]
    if kind == "pairs":
        return [f"for (a{depth}, b{depth}) in [(1, n), [2, acc]] {{", f"log.push(a{depth} + b{depth})",
                *_block(draw, inner, loops + 1, generator), "}"]
    shape = draw(st.sampled_from(["catch", "finally", "both"]))
    lines = ["try {", *_block(draw, inner, loops, generator)]
    if shape != "finally":
        lines += ["} catch e {", "log.push(e)", *_block(draw, inner, loops, generator)]
    if shape != "catch":
        lines += ["} finally {", "log.push(\"fin\")", *_block(draw, inner, loops, generator)]
    return lines + ["}"]


@st.composite
def programs(draw) -> str:
    body = _block(draw, 0, 0, False)
    generator = _block(draw, 1, 0, True)
    return "\n".join([
        "let log = []",
        "fn helper(n, a) {", "if n == 2 { throw Error(\"KeyError\", \"helper\") }", "return a", "}",
        "struct Box {", "v", "fn get(self, n) { return helper(n, self.v) }", "}",
        "let box = Box(7)",
        "fn gen(n) {", "let acc = 0", *generator, "}",
        "fn f(n) {", "let acc = 1", *body, "for x in gen(n) { log.push(x) }", "return acc", "}",
        "for n in 0..4 {",
        "try { print(n, f(n), log) } catch e { print(\"caught\", e, log) }",
        "log = []",
        "}",
        "f(1)",
    ]) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_agree(program):
    vm, tree = run(program, "vm"), run(program, "tree")
    assert (vm.stdout, vm.error) == (tree.stdout, tree.error), program
    compiled = run(program, "vm", tier_threshold=0)
    assert (compiled.stdout, compiled.error) == (tree.stdout, tree.error), program
