"""Error recovery and bad input: one pass reports every broken statement at
its offending token with a message in words, keeps the statements around it,
and hostile input ends in diagnostics, never in an exception."""

import random

import pytest

from esker.vm import ast
from esker.vm.parser import MAX_EXPR_DEPTH, MAX_NESTING, MAX_SOURCE_CHARS, parse


def reported_of(result):
    return [(d.code, d.span.line, d.span.col, d.message) for d in result.diagnostics]


def reported(text):
    return reported_of(parse(text))


def positions(text):
    return [(d.span.line, d.span.col) for d in parse(text).diagnostics]


def kinds(statements):
    return [type(statement).__name__ for statement in statements]


def ast_depth(root: ast.Node) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.children(node))
    return deepest


# ----------------------------------------------------------------- recovery

def test_every_broken_top_level_statement_is_reported_in_one_pass():
    result = parse("let a = 1 +* 2\nprint(a)\nlet b = (3 +\nlet c = 4 ** / 2; let d = 5\n* 6\nok()")
    assert [(d.span.line, d.span.col) for d in result.diagnostics] == [(1, 12), (3, 13), (4, 14), (5, 1)]
    assert kinds(result.program.body) == ["ErrorStmt", "ExprStmt", "ErrorStmt", "ErrorStmt", "Let",
                                          "ErrorStmt", "ExprStmt"]


def test_a_bracket_left_open_ends_at_a_line_that_starts_a_statement():
    result = parse("fn f() {\n  g(1, 2\n  return h(\n}\nlet after = [1,\nif after { }")
    assert reported_of(result) == [
        ("E0005", 2, 9, "unexpected end of line: expected `)` to close the call opened at 2:4"),
        ("E0005", 4, 1, "unexpected `}`: expected `)` to close the call opened at 3:11"),
        ("E0005", 5, 16, "unexpected end of line: expected `]` to close the array opened at 5:13")]
    assert kinds(result.program.body) == ["FnDecl", "ErrorStmt", "If"]
    assert kinds(result.program.body[0].body.body) == ["ErrorStmt", "ErrorStmt"]


def test_broken_statements_inside_blocks_keep_their_neighbours():
    program = parse("fn f() {\n  let a = 1 +* 2\n  let b = 2\n  if b {\n    c )\n  } else {\n"
                    "    d +* e\n  }\n  return b\n}\nlet after = 1").program
    fn, after = program.body
    assert kinds(fn.body.body) == ["ErrorStmt", "Let", "If", "Return"]
    branch = fn.body.body[2]
    assert kinds(branch.then.body) == ["ErrorStmt"] and kinds(branch.orelse.body) == ["ErrorStmt"]
    assert isinstance(after, ast.Let)
    assert positions("fn f() {\n  let a = 1 +* 2\n  let b = 2\n  if b {\n    c )\n  } else {\n"
                     "    d +* e\n  }\n  return b\n}") == [(2, 14), (5, 7), (7, 8)]


def test_a_broken_statement_in_a_function_literal_stays_inside_it():
    program = parse("items.map(fn (x) {\n  let y = x *\n  return\n})\nnext()").program
    call, following = program.body
    assert kinds(call.expr.args[0].body.body) == ["ErrorStmt"]
    assert isinstance(following, ast.ExprStmt)


def test_an_error_stmt_covers_the_skipped_source():
    text = "a()\nlet b = 3 )\nc()"
    error = parse(text).program.body[1]
    assert isinstance(error, ast.ErrorStmt)
    assert text[error.span.start:error.span.end] == "let b = 3 )"


def test_a_token_that_cannot_start_a_statement_keeps_the_previous_one():
    program = parse("print(1)\n* 2\nprint(3)").program
    assert kinds(program.body) == ["ExprStmt", "ErrorStmt", "ExprStmt"]


def test_a_stray_closing_brace_after_a_function_keeps_the_function():
    program = parse("fn f() { a }\n}\nlet q = 1").program
    assert kinds(program.body) == ["FnDecl", "ErrorStmt", "Let"]


def test_one_diagnostic_per_broken_statement():
    assert [d.code for d in parse("x = (a < b < c) +* 1").diagnostics] == ["E0009"]
    assert [d.code for d in parse("x = $ * 2\ny = 1 +* 2").diagnostics] == ["E0007", "E0001"]


def test_diagnostics_come_in_source_order_and_stop_after_one_hundred():
    diagnostics = parse("let = 1\n" * 150 + '"\\q"').diagnostics
    assert len(diagnostics) == 101
    assert [d.span.line for d in diagnostics[:100]] == list(range(1, 101))
    assert diagnostics[-1].code == "E0011"


# ----------------------------------------------------------------- messages

@pytest.mark.parametrize("text, code, line, col, message", [
    ("let a = 1 +* 2", "E0001", 1, 12, "unexpected `*`: expected an expression"),
    ("let 5 = c", "E0001", 1, 5, "unexpected number `5`: expected a name or `(`"),
    ("print(1) print(2)", "E0001", 1, 10, "unexpected name `print`: expected a new line or `;`"),
    ("if x\n{ }", "E0001", 1, 5, "unexpected end of line: expected `{`"),
    ("import a.b as", "E0001", 1, 14, "unexpected end of file: expected a name"),
    ("else { }", "E0001", 1, 1, "unexpected `else`: expected a statement"),
    ("match v { 1 2 }", "E0001", 1, 13, "unexpected number `2`: expected `=>` or `if`"),
    ("let b = 3 )", "E0005", 1, 11, "unexpected `)`: there is no open `(` for it to close"),
    ("x = [1,\n2\ny = 2", "E0005", 3, 1,
     "unexpected name `y`: expected `]` to close the array opened at 1:5"),
    ("fn f() {\n  g(1\n}", "E0005", 3, 1, "unexpected `}`: expected `)` to close the call opened at 2:4"),
    ("f(fn () {\n  a\n  )", "E0005", 3, 3, "unexpected `)`: expected `}` to close the block opened at 1:9"),
    ("fn main() {\n  x = 1\n", "E0005", 3, 1,
     "unexpected end of file: expected `}` to close the block opened at 1:11"),
    ("x = {1: 2", "E0005", 1, 10, "unexpected end of file: expected `}` to close the map opened at 1:5"),
    ("x = (1 + 2;", "E0005", 1, 11, "unexpected `;`: expected `)` to close the parenthesis opened at 1:5"),
])
def test_messages_name_the_offending_token_and_what_was_expected(text, code, line, col, message):
    assert reported(text) == [(code, line, col, message)]


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("opener, closer", [("(", ")"), ("[", "]"), ("{", "}")])
def test_ten_thousand_nested_brackets(opener, closer):
    for text in (opener * 10_000, opener * 10_000 + closer * 10_000):
        result = parse(text)
        assert [(d.code, d.span.col) for d in result.diagnostics] == [("E0006", MAX_NESTING + 1)]
        assert ast_depth(result.program) <= MAX_EXPR_DEPTH + 5


DEEP = {
    "prefix minus": "x = " + "-" * 10_000 + "1",
    "not": "x = " + "not " * 10_000 + "1",
    "plus chain": "x = " + "1 + " * 10_000 + "1",
    "power chain": "x = " + "2 ** " * 10_000 + "1",
    "conditionals": "x = " + "a ? b : " * 10_000 + "1",
    "fields": "x = a" + ".f" * 10_000,
    "calls": "x = f" + "()" * 10_000,
    "lambdas": "x = " + "fn () => " * 10_000 + "1",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_very_deep_expressions_are_cut_at_the_depth_limit(text):
    result = parse(text)
    assert [d.code for d in result.diagnostics] == ["E0006"]
    assert ast_depth(result.program) <= MAX_EXPR_DEPTH + 5


def test_a_nul_byte_is_an_invalid_character():
    result = parse("let x = 1\x00\nprint(x)")
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == [("E0007", 1, 10)]
    assert kinds(result.program.body) == ["Let", "ExprStmt"]


def test_binary_looking_text_gives_diagnostics_only():
    noise = random.Random(7)
    text = "".join(chr(noise.randrange(0, 256)) for _ in range(20_000))
    result = parse(text)
    assert result.diagnostics and len(result.diagnostics) <= 101
    assert isinstance(result.program, ast.Program)


def test_an_unterminated_string_at_the_end_of_the_file():
    result = parse('print("never closed')
    assert [(d.code, d.span.col) for d in result.diagnostics] == [("E0002", 7)]


def test_text_over_the_size_limit_is_not_parsed():
    result = parse("x = 1\n" * (MAX_SOURCE_CHARS // 6 + 1))
    assert [d.code for d in result.diagnostics] == ["E0013"]
    assert result.program.body == [] and result.program.span.end == len(result.source.text)


def test_empty_and_blank_input():
    for text in ("", "\n\n", "# only a comment", ";;;"):
        result = parse(text)
        assert result.program.body == [] and result.diagnostics == []
