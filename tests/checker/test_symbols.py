"""The symbol table: declarations, references, scopes and what is visible where."""

from __future__ import annotations

from esker.vm import ast
from esker.vm.symbols import BUILTIN_NAMES, SymbolKind

from checker_support import check_source

PROGRAM = """\
# Adds the items up.
fn total(items) {
    let sum = 0
    for x in items { sum += x }
    return sum
}
struct Point {
    x
    y = 0
    fn origin() { return Point(0, 0) }
    fn norm(self) { return self.x + self.y }
}
enum Shape { Circle(r), Empty }
let p = Point.origin()
print(total([1, 2]), p.x, Shape.Circle(1), Point(x: 1), p.norm())
"""


def offset(needle: str, occurrence: int = 0) -> int:
    """Code-point offset of the `occurrence`-th (0-based) `needle` in PROGRAM."""
    at = -1
    for _ in range(occurrence + 1):
        at = PROGRAM.index(needle, at + 1)
    return at


def table():
    result = check_source(PROGRAM)
    assert result.diagnostics == []
    return result.symbols


def names_in(node: ast.Node):
    """Every Name node under `node`."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Name):
            yield current
        pending.extend(ast.children(current))


def test_symbol_at_finds_declarations_and_references():
    symbols = table()
    declared = symbols.symbol_at(offset("sum"))
    assert (declared.name, declared.kind) == ("sum", SymbolKind.VARIABLE)
    assert symbols.symbol_at(offset("sum", 2)) is declared
    assert symbols.symbol_at(offset("sum", 2) + len("sum")) is declared  # cursor just after the name
    assert [(span.line, span.col) for span in declared.references] == [(4, 22), (5, 12)]
    assert declared.reads == 1
    assert symbols.symbol_at(offset("    let sum")) is None


def test_symbols_are_listed_in_source_order_with_their_kinds():
    listed = [(s.name, s.kind) for s in table().symbols]
    assert listed[:4] == [("total", SymbolKind.FUNCTION), ("items", SymbolKind.PARAMETER),
                          ("sum", SymbolKind.VARIABLE), ("x", SymbolKind.VARIABLE)]
    assert ("origin", SymbolKind.METHOD) in listed and ("Circle", SymbolKind.VARIANT) in listed
    assert listed[-1] == ("p", SymbolKind.VARIABLE)


def test_declaration_docs_come_from_the_comment_above():
    assert "Adds the items up." in table().symbol_at(offset("total")).doc


def test_members_of_types_resolve_and_collect_references():
    symbols = table()
    point = symbols.symbol_at(offset("Point"))
    origin = symbols.symbol_at(offset("origin", 1))
    assert origin is point.members["origin"] and origin.parent is point
    assert origin.is_static and not point.members["norm"].is_static
    assert len(origin.references) == 1
    field_x = symbols.symbol_at(offset("x: 1") )
    assert field_x is point.members["x"] and field_x.kind is SymbolKind.FIELD
    circle = symbols.symbol_at(offset("Circle", 1))
    assert circle.kind is SymbolKind.VARIANT and circle.span.line == 13


def test_field_access_on_unknown_values_records_nothing():
    symbols = table()
    assert symbols.symbol_at(offset("p.x") + 2) is None
    assert symbols.symbol_at(offset("p.norm") + 2) is None


def test_resolve_maps_name_nodes_to_symbols():
    result = check_source(PROGRAM)
    fn_total = result.symbols.root.symbols["total"]
    returned = [n for n in names_in(fn_total.decl) if n.name == "sum"]
    assert {result.symbols.resolve(n).name for n in returned} == {"sum"}
    assert result.symbols.resolve(ast.Name(returned[0].span, "sum")) is None  # a node it never saw


def test_visible_at_respects_let_positions_and_scopes():
    symbols = table()
    before_sum = symbols.visible_at(offset("let sum"))
    assert {"items", "total", "Point", "Shape", "print"} <= set(before_sum)
    assert before_sum["sum"].kind is SymbolKind.BUILTIN  # the local `sum` is not declared yet
    in_loop = symbols.visible_at(offset("sum += x"))
    assert in_loop["x"].kind is SymbolKind.VARIABLE and in_loop["sum"].kind is SymbolKind.VARIABLE
    after_loop = symbols.visible_at(offset("return sum"))
    assert "x" not in after_loop
    top = symbols.visible_at(offset("let p"))
    assert "p" not in top and top["sum"].kind is top["print"].kind is SymbolKind.BUILTIN
    assert "p" in symbols.visible_at(offset("print(total"))


def test_methods_see_the_type_name_but_not_each_other():
    symbols = table()
    inside = symbols.visible_at(offset("self.x"))
    assert "Point" in inside and "self" in inside and "origin" not in inside and "norm" not in inside


def test_scope_at_and_exports():
    symbols = table()
    assert symbols.scope_at(offset("let sum")).kind == "function"
    assert symbols.scope_at(offset("sum += x")).kind == "block"
    assert symbols.scope_at(offset("let p")) is symbols.root
    assert symbols.root.parent.kind == "builtins"
    assert sorted(symbols.exports()) == ["Point", "Shape", "p", "total"]


def test_builtins_have_signatures():
    expected = {"print", "len", "str", "repr", "int", "float", "type", "range", "array", "assert", "abs",
                "min", "max", "chr", "ord", "clock", "Error", "math", "write", "eprint", "input", "exit",
                "sorted", "sum", "any", "all", "enumerate", "zip", "round", "hex", "bin", "sys", "io"}
    assert set(BUILTIN_NAMES) == expected
    assert BUILTIN_NAMES["range"] == "range([start, ]stop[, step])"
    assert BUILTIN_NAMES["sorted"] == "sorted(iterable[, key[, reverse]])"
    visible = check_source("print(math.pi)\n").symbols.visible_at(0)
    math = visible["math"]
    assert math.kind is SymbolKind.MODULE and {"sqrt", "atan2", "pi", "inf", "tau", "hypot"} <= set(math.members)
    assert {"args", "env", "platform"} == set(visible["sys"].members)
    assert {"read", "write", "append", "lines", "exists", "remove", "read_stdin"} == set(visible["io"].members)


def test_references_to_builtin_members_are_recorded():
    result = check_source("print(math.sqrt(4))\n")
    assert result.symbols.symbol_at(12).name == "sqrt"
    assert len(result.symbols.root.parent.symbols["print"].references) == 1
