"""Lexer tests: tokens and literal values, the layout rules of LANGUAGE.md §1
(which newlines end statements, block versus map braces), comments, and each
lexical diagnostic at its position."""

import pytest

from esker.vm.lexer import MAX_NESTING, MAX_SOURCE_CHARS, tokenize


def kinds(text):
    tokens, _, diagnostics = tokenize(text)
    assert diagnostics == []
    return [token.kind for token in tokens]


def only_token(text):
    tokens, _, diagnostics = tokenize(text)
    assert diagnostics == [] and len(tokens) == 1
    return tokens[0]


def diagnostics_of(text):
    return [(d.code, d.span.line, d.span.col) for d in tokenize(text)[2]]


def test_a_statement_becomes_terminal_kinds():
    assert kinds('let total = f(x, "s") + 1.5') == [
        "LET", "NAME", "EQ", "NAME", "LPAR", "NAME", "COMMA", "STRING", "RPAR", "PLUS", "FLOAT"]


def test_keywords_are_their_own_kinds_and_self_is_a_name():
    assert kinds("and as break catch const continue else enum false fn for") == [
        "AND", "AS", "BREAK", "CATCH", "CONST", "CONTINUE", "ELSE", "ENUM", "FALSE", "FN", "FOR"]
    assert kinds("self _ _x letter iffy") == ["NAME"] * 5


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("1_000_000", 1_000_000), ("0xFF", 255), ("0o17", 15), ("0b1010", 10),
    ("0XfF", 255), ("007", 7),
])
def test_integer_literals(text, value):
    token = only_token(text)
    assert (token.kind, token.value) == ("INT", value)


@pytest.mark.parametrize("text, value", [
    ("1.5", 1.5), ("1e9", 1e9), ("2.5e-3", 2.5e-3), ("4.8e+00", 4.8), ("1_000.25", 1000.25),
    ("1E3", 1000.0),
])
def test_float_literals(text, value):
    token = only_token(text)
    assert (token.kind, token.value) == ("FLOAT", value)


def test_integers_have_arbitrary_precision_even_past_python_digit_limits():
    digits = "7" * 6000
    assert only_token(digits).value == int("7" * 3000) * 10 ** 3000 + int("7" * 3000)


def test_a_range_is_not_a_float():
    assert kinds("1..3") == ["INT", "DOTDOT", "INT"]
    assert kinds("1..=3") == ["INT", "DOTDOTEQ", "INT"]
    assert kinds("1.x") == ["INT", "DOT", "NAME"]


def test_string_escapes_are_decoded():
    token = only_token(r'"a\nb\tc\rd\0e\\f\"g\u{1F600}h\u{e9}"')
    assert token.value == 'a\nb\tc\rd\0e\\f"g\U0001F600h\u00e9'
    assert token.text.startswith('"a\\n')


@pytest.mark.parametrize("text, kind", [
    ("+", "PLUS"), ("-", "MINUS"), ("*", "STAR"), ("/", "SLASH"), ("//", "DSLASH"), ("%", "PERCENT"),
    ("**", "POW"), ("==", "EQEQ"), ("!=", "NE"), ("<", "LT"), ("<=", "LE"), (">", "GT"), (">=", "GE"),
    ("=", "EQ"), ("+=", "PLUSEQ"), ("-=", "MINUSEQ"), ("*=", "STAREQ"), ("/=", "SLASHEQ"),
    ("//=", "DSLASHEQ"), ("%=", "PERCENTEQ"), ("&", "AMP"), ("|", "PIPE"), ("^", "CARET"),
    ("~", "TILDE"), ("<<", "SHL"), (">>", "SHR"), (",", "COMMA"), (".", "DOT"), (":", "COLON"),
    (";", "SEMI"), ("=>", "ARROW"), ("?", "QUESTION"), ("..", "DOTDOT"), ("..=", "DOTDOTEQ"),
    ("...", "ELLIPSIS"), ("**=", "POWEQ"), ("&=", "AMPEQ"), ("|=", "PIPEEQ"), ("^=", "CARETEQ"),
    ("<<=", "SHLEQ"), (">>=", "SHREQ"),
])
def test_each_operator_is_one_token(text, kind):
    assert kinds(text) == [kind]


def test_operators_take_the_longest_match():
    assert kinds("a**=b") == ["NAME", "POWEQ", "NAME"]
    assert kinds("a//=b") == ["NAME", "DSLASHEQ", "NAME"]
    assert kinds("a<<=b>>=c<=d") == ["NAME", "SHLEQ", "NAME", "SHREQ", "NAME", "LE", "NAME"]
    assert kinds("a** =b") == ["NAME", "POW", "EQ", "NAME"]


def test_a_point_without_a_fraction_is_a_malformed_float_that_says_so():
    tokens, _, diagnostics = tokenize("print(1.)")
    assert [token.kind for token in tokens] == ["NAME", "LPAR", "FLOAT", "RPAR"]
    assert [(d.code, d.span.col, d.span.end_col) for d in diagnostics] == [("E0004", 7, 9)]
    assert "a float needs a digit after the point (`1.0`)" in diagnostics[0].message
    assert kinds("1.x 1..2 1.5") == ["INT", "DOT", "NAME", "INT", "DOTDOT", "INT", "FLOAT"]


def test_spans_count_code_points_from_one():
    tokens, _, _ = tokenize('"😀é" x\n  y')
    assert [(t.kind, t.span.line, t.span.col, t.span.end_col) for t in tokens] == [
        ("STRING", 1, 1, 5), ("NAME", 1, 6, 7), ("NEWLINE", 1, 7, 8), ("NAME", 2, 3, 4)]
    assert (tokens[1].span.start, tokens[1].span.end) == (5, 6)


# --------------------------------------------------------------- layout rules

@pytest.mark.parametrize("last", [
    "x", "1", "1.5", '"s"', "true", "false", "nil", "return", "break", "continue", "yield",
    "f()", "a[1]", "{ }",
])
def test_a_newline_after_what_can_end_an_expression_ends_the_statement(last):
    assert kinds(f"{last}\nz")[-2:] == ["NEWLINE", "NAME"]


@pytest.mark.parametrize("last", ["a +", "a,", "a =", "fn () =>", "a and", "not", "f(", "[", "a.", "a ?"])
def test_a_newline_after_anything_else_continues_the_statement(last):
    assert "NEWLINE" not in kinds(f"{last}\nz")


@pytest.mark.parametrize("text", ["f(a\nb)", "[a\nb]", "x = {a\n: b}"])
def test_newlines_inside_parentheses_brackets_and_maps_are_ignored(text):
    assert "NEWLINE" not in kinds(text)


def test_a_block_inside_parentheses_has_statements_again():
    assert kinds("f(fn () {\n a\n b\n})") == [
        "NAME", "LPAR", "FN", "LPAR", "RPAR", "LBRACE", "NAME", "NEWLINE", "NAME", "NEWLINE",
        "RBRACE", "RPAR"]


def test_a_newline_before_else_or_catch_is_ignored():
    assert "NEWLINE" not in kinds("if a { b }\n# note\n\nelse { c }")
    assert "NEWLINE" not in kinds("try { b }\ncatch e { c }")


def test_a_line_starting_with_a_dot_continues_the_previous_one():
    assert kinds("a\n  .b()  # chained\n  .c") == ["NAME", "DOT", "NAME", "LPAR", "RPAR", "DOT", "NAME"]
    assert kinds("a\n..b") == ["NAME", "NEWLINE", "DOTDOT", "NAME"]


def test_blank_lines_and_comment_lines_give_one_newline():
    assert kinds("a\n\n# comment\n\nb\n") == ["NAME", "NEWLINE", "NAME", "NEWLINE"]


@pytest.mark.parametrize("before, kind", [
    ("", "LBRACE"), ("a\n", "LBRACE"), ("a;", "LBRACE"), ("{", "LBRACE"), ("if x", "LBRACE"),
    ("f()", "LBRACE"), ("a[0]", "LBRACE"), ("else", "LBRACE"), ("try", "LBRACE"), ("catch", "LBRACE"),
    ("catch e", "LBRACE"), ("_ =>", "LBRACE"), ("while true", "LBRACE"), ("for x in 1..3", "LBRACE"),
    ("x =", "MAPBRACE"), ("f(", "MAPBRACE"), ("[", "MAPBRACE"), ("f(a,", "MAPBRACE"),
    ("m = {1:", "MAPBRACE"), ("return", "MAPBRACE"), ("throw", "MAPBRACE"), ("yield", "MAPBRACE"),
    ("a +", "MAPBRACE"), ("not", "MAPBRACE"), ("a ?", "MAPBRACE"), ("x = {", "MAPBRACE"),
])
def test_a_brace_opens_a_block_or_a_map_by_what_precedes_it(before, kind):
    tokens, _, _ = tokenize(before + "{")
    assert tokens[-1].kind == kind


def test_comments_are_collected_without_the_hash():
    _, comments, _ = tokenize("# first\nx = 1  # second\n")
    assert [(c.text, c.span.line, c.span.col, c.span.end_col) for c in comments] == [
        (" first", 1, 1, 8), (" second", 2, 8, 16)]


# ---------------------------------------------------------------- diagnostics

def test_an_unterminated_string_is_reported_at_its_opening_quote():
    assert diagnostics_of('x = 1\nlet s = "abc\nprint(s)') == [("E0002", 2, 9)]
    assert diagnostics_of('let s = "abc') == [("E0002", 1, 9)]
    assert diagnostics_of('"ends with a backslash\\') == [("E0002", 1, 1)]


def test_an_unterminated_string_still_ends_its_statement():
    tokens, _, _ = tokenize('a = "abc\nb')
    assert [t.kind for t in tokens] == ["NAME", "EQ", "STRING", "NEWLINE", "NAME"]
    assert tokens[2].value == "abc"


@pytest.mark.parametrize("text, col", [
    (r'"a\qb"', 3), (r'"\u{110000}"', 2), (r'"\u{D800}"', 2), (r'"x\u41"', 3), (r'"\u{}"', 2),
])
def test_an_unknown_escape_is_reported_at_its_backslash(text, col):
    assert diagnostics_of(text) == [("E0003", 1, col)]


@pytest.mark.parametrize("text", [".5", "1e", "1e+", "1__0", "1_", "0x", "0b102", "0o8", "12abc", "1.5x"])
def test_a_malformed_number_is_reported_once(text):
    assert diagnostics_of(f"x = {text}") == [("E0004", 1, 5)]


@pytest.mark.parametrize("text", ["$", "\x00", "é", "`", "@", "!", "\x7f"])
def test_an_invalid_character_is_reported_where_it_stands(text):
    assert diagnostics_of(f"x = 1 {text} 2") == [("E0007", 1, 7)]


def test_a_run_of_invalid_characters_is_one_diagnostic():
    tokens, _, diagnostics = tokenize("a $$$ b")
    assert [t.kind for t in tokens] == ["NAME", "NAME"]
    assert len(diagnostics) == 1 and diagnostics[0].span.end - diagnostics[0].span.start == 3


def test_strings_and_comments_may_hold_any_character():
    assert diagnostics_of('"$ é \x00" # $ é \x00') == []


def test_nesting_deeper_than_the_limit_is_reported_once_at_the_bracket():
    assert diagnostics_of("(" * (MAX_NESTING + 50)) == [("E0006", 1, MAX_NESTING + 1)]
    assert diagnostics_of("(" * MAX_NESTING + ")" * MAX_NESTING) == []


def test_text_over_the_size_limit_is_refused_without_lexing():
    tokens, _, diagnostics = tokenize("x" * (MAX_SOURCE_CHARS + 1))
    assert tokens == [] and [d.code for d in diagnostics] == ["E0013"]


def test_diagnostics_stop_after_one_hundred():
    diagnostics = tokenize("$ " * 300)[2]
    assert len(diagnostics) == 101
    assert [d.code for d in diagnostics[-2:]] == ["E0007", "E0011"]


def test_a_comment_ends_before_a_crlf_line_end():
    _, comments, _ = tokenize("let a = 1 # one\r\n# two\r\n# three")
    assert [comment.text for comment in comments] == [" one", " two", " three"]
