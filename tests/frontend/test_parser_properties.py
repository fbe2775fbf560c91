"""Properties of the front-end over generated input: any text and any soup of
Esker tokens parse without raising into a well-formed tree, and operator
precedence agrees with Python's parser, whose table Esker shares for these
operators (except that Esker's comparisons do not chain)."""

import ast as pyast

from hypothesis import given, settings, strategies as st

from esker.vm import ast
from esker.vm.lexer import KEYWORDS, PUNCTUATION
from esker.vm.parser import parse, parse_expression

FEW = settings(max_examples=150, deadline=None)


def assert_well_formed(text: str, result) -> None:
    """Diagnostics are ordered and capped; every node lies inside its parent."""
    starts = [d.span.start for d in result.diagnostics]
    assert starts == sorted(starts) and len(starts) <= 101
    assert all(0 <= d.span.start <= d.span.end <= len(text) for d in result.diagnostics)
    stack = [result.program]
    while stack:
        node = stack.pop()
        assert 0 <= node.span.start <= node.span.end <= len(text)
        for child in ast.children(node):
            assert isinstance(node, ast.Program) or node.span.contains(child.span), (node, child)
            stack.append(child)


@FEW
@given(st.text(max_size=300))
def test_any_text_parses_without_raising(text):
    assert_well_formed(text, parse(text))
    parse_expression(text)


SOUP = sorted(KEYWORDS) + sorted(PUNCTUATION) + [
    "x", "y", "_", "0", "1.5", '"s"', "\n", "\n", "# note\n", '"', "\\", "$", ".5"]


@FEW
@given(st.lists(st.sampled_from(SOUP), max_size=80))
def test_any_soup_of_esker_tokens_parses_without_raising(pieces):
    text = " ".join(pieces)
    assert_well_formed(text, parse(text))


BINARY = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "|", "^", "&", "<<", ">>", "+", "-", "*",
          "/", "//", "%", "**"]
operand = st.tuples(
    st.sampled_from(["", "", "", "", "", "", "-", "~", "- -", "not ", "not -"]),
    st.sampled_from(["0", "7", "a", "b", "(a or b)", "(1 < b)", "(-a ** 2)", "(a + b * 7)"]),
).map("".join)
# Flat chains put every pair of operators next to each other often.
arithmetic = st.tuples(operand, st.lists(st.tuples(st.sampled_from(BINARY), operand), max_size=6)).map(
    lambda chain: chain[0] + "".join(f" {operator} {right}" for operator, right in chain[1]))

PYTHON_OPERATORS = {
    pyast.Add: "+", pyast.Sub: "-", pyast.Mult: "*", pyast.Div: "/", pyast.FloorDiv: "//",
    pyast.Mod: "%", pyast.Pow: "**", pyast.LShift: "<<", pyast.RShift: ">>", pyast.BitOr: "|",
    pyast.BitXor: "^", pyast.BitAnd: "&", pyast.USub: "-", pyast.Invert: "~", pyast.Not: "not",
    pyast.And: "and", pyast.Or: "or", pyast.Eq: "==", pyast.NotEq: "!=", pyast.Lt: "<",
    pyast.LtE: "<=", pyast.Gt: ">", pyast.GtE: ">=",
}


class Chained(Exception):
    """Python accepted a chained comparison, which Esker rejects."""


def python_tree(node) -> str:
    match node:
        case pyast.Constant(value=value):
            return str(value)
        case pyast.Name(id=name):
            return name
        case pyast.UnaryOp(op=op, operand=operand):
            return f"({PYTHON_OPERATORS[type(op)]} {python_tree(operand)})"
        case pyast.BinOp(left=left, op=op, right=right):
            return f"({PYTHON_OPERATORS[type(op)]} {python_tree(left)} {python_tree(right)})"
        case pyast.BoolOp(op=op, values=values):
            tree = python_tree(values[0])
            for value in values[1:]:
                tree = f"({PYTHON_OPERATORS[type(op)]} {tree} {python_tree(value)})"
            return tree
        case pyast.Compare(left=left, ops=[op], comparators=[right]):
            return f"({PYTHON_OPERATORS[type(op)]} {python_tree(left)} {python_tree(right)})"
        case pyast.Compare():
            raise Chained
    raise AssertionError(pyast.dump(node))


def esker_tree(node) -> str:
    match node:
        case ast.Literal(value=value):
            return str(value)
        case ast.Name(name=name):
            return name
        case ast.Unary(op=op, operand=operand):
            return f"({op} {esker_tree(operand)})"
        case ast.Binary(op=op, left=left, right=right) | ast.Logical(op=op, left=left, right=right):
            return f"({op} {esker_tree(left)} {esker_tree(right)})"
    raise AssertionError(node)


@settings(max_examples=300, deadline=None)
@given(arithmetic)
def test_operator_precedence_agrees_with_python(text):
    tree, diagnostics = parse_expression(text)
    try:
        expected = python_tree(pyast.parse(text, mode="eval").body)
    except SyntaxError:
        assert tree is None and diagnostics
        return
    except Chained:
        assert [d.code for d in diagnostics] == ["E0009"]
        return
    assert diagnostics == [] and esker_tree(tree) == expected
