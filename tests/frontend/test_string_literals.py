"""The string forms of §13.3 in the lexer and the parser: raw and
triple-quoted strings, f-strings cut into tokens as Python 3.12 does, their
syntax tree, and the diagnostics (with recovery) for broken ones."""

import pytest
from hypothesis import given, settings, strategies as st

from esker.vm import ast
from esker.vm.lexer import scan, tokenize
from esker.vm.parser import parse
from esker.vm.source import SourceText


def tokens_of(text):
    tokens, _, diagnostics = tokenize(text)
    assert diagnostics == [], [d.message for d in diagnostics]
    return tokens


def kinds(text):
    return [token.kind for token in tokens_of(text)]


def value_of(text):
    tokens = tokens_of(text)
    assert [token.kind for token in tokens] == ["STRING"]
    return tokens[0].value


def diagnostics_of(text):
    return [(d.code, d.span.line, d.span.col, d.message) for d in parse(text).diagnostics]


def only_expression(text):
    result = parse(text)
    assert result.diagnostics == [], [d.message for d in result.diagnostics]
    (statement,) = result.program.body
    return statement.expr


# ------------------------------------------------------------------ raw and multi-line strings

@pytest.mark.parametrize("text, value", [
    (r'r"C:\new\table"', r"C:\new\table"),
    (r'r"\u{41}\"', "\\u{41}\\"),  # no escapes at all, so a raw string may end with a backslash
    ('"""a\nb"""', "a\nb"),
    ('"""\nfirst line dropped\n"""', "first line dropped\n"),
    ('"""\n\nonly the first newline goes"""', "\nonly the first newline goes"),
    ('"""say "hi" and ""twice"" """', 'say "hi" and ""twice"" '),
    ('"""tab\\there\\u{e9}"""', "tab\there\u00e9"),
    ('"""joined \\\nline"""', "joined line"),
    ('"""crlf\r\nbecomes lf"""', "crlf\nbecomes lf"),
    ('"""an escaped \\r\nstays"""', "an escaped \r\nstays"),
    ('"""joined \\\r\nline"""', "joined line"),
    ('r"""\nraw\\n "quotes"\n"""', 'raw\\n "quotes"\n'),
    ('""""""', ""),
])
def test_raw_and_triple_quoted_string_values(text, value):
    assert value_of(text) == value


def test_a_triple_quoted_string_spans_lines_and_ends_a_statement():
    tokens = tokens_of('x = """a\nb"""\ny')
    assert [token.kind for token in tokens] == ["NAME", "EQ", "STRING", "NEWLINE", "NAME"]
    string = tokens[2].span
    assert (string.line, string.col, string.end_line, string.end_col) == (1, 5, 2, 5)
    assert (tokens[4].span.line, tokens[4].span.col) == (3, 1)


def test_a_prefix_is_only_a_prefix_right_before_the_quote():
    assert kinds('f "x"') == ["NAME", "STRING"]
    assert kinds('rf"x" fr"y" r"z" xf"w"') == [
        "FSTRING_START", "FSTRING_TEXT", "FSTRING_END", "FSTRING_START", "FSTRING_TEXT", "FSTRING_END",
        "STRING", "NAME", "STRING"]
    assert kinds("for x in r { f }") == ["FOR", "NAME", "IN", "NAME", "LBRACE", "NAME", "RBRACE"]


# ------------------------------------------------------------------ f-string tokens

def test_an_f_string_is_cut_into_text_fields_and_specs():
    tokens = tokens_of('f"total: {n + 1}, mean {m:.2f}"')
    assert [(token.kind, token.text, token.value) for token in tokens] == [
        ("FSTRING_START", 'f"', None), ("FSTRING_TEXT", "total: ", "total: "), ("FIELD_OPEN", "{", None),
        ("NAME", "n", None), ("PLUS", "+", None), ("INT", "1", 1), ("FIELD_CLOSE", "}", None),
        ("FSTRING_TEXT", ", mean ", ", mean "), ("FIELD_OPEN", "{", None), ("NAME", "m", None),
        ("FIELD_SPEC", ":.2f", ".2f"), ("FIELD_CLOSE", "}", None), ("FSTRING_END", '"', None)]


def test_doubled_braces_are_literal_text():
    tokens = tokens_of('f"{{a}} }}{{"')
    assert [(token.kind, token.value) for token in tokens] == [
        ("FSTRING_START", None), ("FSTRING_TEXT", "{a} }{"), ("FSTRING_END", None)]


def test_fields_hold_strings_nested_f_strings_and_brackets():
    assert kinds('f"{"a" + "}"} {f"{n}!"} {m["k:"]} { {1: 2} }"') == [
        "FSTRING_START",
        "FIELD_OPEN", "STRING", "PLUS", "STRING", "FIELD_CLOSE", "FSTRING_TEXT",
        "FIELD_OPEN", "FSTRING_START", "FIELD_OPEN", "NAME", "FIELD_CLOSE", "FSTRING_TEXT", "FSTRING_END",
        "FIELD_CLOSE", "FSTRING_TEXT",
        "FIELD_OPEN", "NAME", "LSQB", "STRING", "RSQB", "FIELD_CLOSE", "FSTRING_TEXT",
        "FIELD_OPEN", "MAPBRACE", "INT", "COLON", "INT", "RBRACE", "FIELD_CLOSE",
        "FSTRING_END"]


def test_the_spec_starts_at_the_first_colon_outside_brackets():
    tokens = tokens_of('f"{f(a: 1)[0:1]:>{"}"'.replace('{"}"', '10}"'))
    spec = [token for token in tokens if token.kind == "FIELD_SPEC"]
    assert [token.value for token in spec] == [">10"]


def test_a_raw_f_string_keeps_backslashes_in_its_text():
    tokens = tokens_of(r'rf"\d{x}\n"')
    assert [token.value for token in tokens if token.kind == "FSTRING_TEXT"] == ["\\d", "\\n"]


def test_a_triple_quoted_f_string_may_break_lines_inside_its_fields():
    tokens = tokens_of('f"""\nsum: {a +\n   b:>4}\n"""')
    assert [token.kind for token in tokens] == [
        "FSTRING_START", "FSTRING_TEXT", "FIELD_OPEN", "NAME", "PLUS", "NAME", "FIELD_SPEC", "FIELD_CLOSE",
        "FSTRING_TEXT", "FSTRING_END"]
    assert tokens[1].value == "sum: " and tokens[-2].value == "\n"
    assert (tokens[5].span.line, tokens[5].span.col) == (3, 4)


def test_an_f_string_ends_an_expression_and_a_brace_after_it_opens_a_block():
    assert kinds('if f"{a}" == s {\n}')[-3:] == ["NAME", "LBRACE", "RBRACE"]
    assert kinds('x = f"a"\ny')[-2:] == ["NEWLINE", "NAME"]


def test_the_end_of_the_text_is_known_to_be_code_string_or_comment():
    assert scan('print(f"{na').ends_in == "code"
    assert scan('print(f"abc').ends_in == "string"
    assert scan('x = """\nabc').ends_in == "string"
    assert scan('x = 1  # note').ends_in == "comment"
    assert scan('x = "a" + ').ends_in == "code"
    assert scan('print(f"{n:>1').ends_in == "string"


def test_the_lexer_knows_when_more_lines_could_close_the_text():
    assert scan('x = """\nabc').in_triple_quotes
    assert scan('x = f"""{a +').in_triple_quotes
    assert scan('x = rf"""{a} \\').in_triple_quotes
    assert not scan('x = "abc').in_triple_quotes
    assert not scan('x = f"{a').in_triple_quotes
    assert not scan('x = """abc"""').in_triple_quotes


# ------------------------------------------------------------------ the syntax tree

def test_an_f_string_parses_to_text_and_fields():
    node = only_expression('f"a{x}b{y + 1:>4}"')
    assert isinstance(node, ast.FString)
    text, first, middle, second = node.parts
    assert (type(text), text.value, type(middle), middle.value) == (ast.FStringText, "a", ast.FStringText, "b")
    assert isinstance(first.expr, ast.Name) and first.spec is None
    assert isinstance(second.expr, ast.Binary) and second.spec.text == ">4"
    spec = second.spec.span
    assert (spec.col, spec.end_col) == (15, 17)  # the spec itself, without its `:`
    assert (second.span.col, second.span.end_col) == (8, 18)  # the field, braces included


def test_a_parenthesised_conditional_stands_in_a_field():
    node = only_expression('f"{(c ? a : b)}"')
    assert isinstance(node.parts[0].expr, ast.Conditional)


def test_a_method_can_be_called_on_an_f_string():
    node = only_expression('f"{x}".upper()')
    assert isinstance(node, ast.MethodCall) and isinstance(node.receiver, ast.FString)


def test_an_empty_f_string_has_no_parts():
    assert only_expression('f""').parts == []


# ------------------------------------------------------------------ diagnostics

@pytest.mark.parametrize("text, code, line, col, message", [
    ('print(f"abc)', "E0002", 1, 7,
     'unterminated string: close it with `"` on the same line (use `\\n` for a newline, or `"""` for a '
     "string of several lines)"),
    ('x = """abc\ny', "E0002", 1, 5, 'unterminated string: the `"""` opened here is never closed'),
    ('print(f"total {n + 1")', "E0014", 1, 15,
     "this `{` of an f-string is not closed: expected `}` before the closing quote"),
    ('x = f"{n + 1\ny = 2', "E0014", 1, 7,
     "this `{` of an f-string is not closed: expected `}` before the end of the line"),
    ('x = f"""{n + 1', "E0014", 1, 9,
     "this `{` of an f-string is not closed: expected `}` before the end of the file"),
    ('f"a } b"', "E0014", 1, 5, "a single `}` is not allowed in an f-string: write `}}` for a literal brace"),
    ('f"{}"', "E0014", 1, 4,
     "empty expression in an f-string: put an expression between `{` and `}` (write `{{` for a literal `{`)"),
    ('f"{ :>3}"', "E0014", 1, 5,
     "empty expression in an f-string: put an expression between `{` and `}` (write `{{` for a literal `{`)"),
    ('f"{c ? a : b}"', "E0014", 1, 10,
     "a `:` in an f-string field starts its format spec: put the conditional in parentheses, `{(c ? a : b)}`"),
    ('f"{x!r}"', "E0014", 1, 5, "Esker f-strings have no `!r` conversion: write `{repr(value)}` instead"),
    ('f"{x=}"', "E0014", 1, 5, "Esker f-strings have no `{x=}` form: write `x={x}`"),
    ('f"{x:{w}}"', "E0014", 1, 6,
     "a format spec cannot contain `{…}`: specs are fixed text (to pad to a computed width, use `pad_left` "
     "or `pad_right`)"),
    ('f"{x + }"', "E0001", 1, 8, "unexpected `}`: expected an expression"),
    ('f"{(x}"', "E0005", 1, 6, "unexpected `}`: expected `)` to close the parenthesis opened at 1:4"),
    ('f"{x)}"', "E0005", 1, 5, "unexpected `)`: there is no open `(` for it to close"),
    ('f"{x y}"', "E0001", 1, 6, "unexpected name `y`: expected `}` or a format spec"),
])
def test_each_broken_string_gets_one_diagnostic_at_its_place(text, code, line, col, message):
    assert diagnostics_of(text) == [(code, line, col, message)]


def test_a_broken_f_string_leaves_the_following_statements_intact():
    result = parse('let a = f"{x\nlet b = 2\nprint(f"{b}")')
    assert [d.code for d in result.diagnostics] == ["E0014"]
    assert [type(statement).__name__ for statement in result.program.body] == ["Let", "Let", "ExprStmt"]


def test_an_unclosed_field_keeps_its_expression_in_the_tree():
    result = parse('print(f"total {n + 1")\nprint(2)')
    assert [d.code for d in result.diagnostics] == ["E0014"]
    call = result.program.body[0].expr
    assert isinstance(call.args[0].parts[1].expr, ast.Binary)
    assert len(result.program.body) == 2


def test_a_newline_inside_a_one_line_f_string_field_ends_both_nested_f_strings():
    result = parse('let x = f"{f"{a\nlet y = 1')
    assert [d.code for d in result.diagnostics] == ["E0014", "E0014"]
    assert [type(statement).__name__ for statement in result.program.body] == ["Let", "Let"]


# ------------------------------------------------------------------ generated input

STRING_SOUP = ['f"', 'rf"', 'r"', '"', '"""', 'f"""', 'r"""', "{", "}", "{{", "}}", ":", ">8", ".2f", "x", "(",
               ")", "[", "]", "+", "\n", " ", "\\", "\\n", "\\{", "!r", "=", "#", "let ", "?", "é", "😀", "\r\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(STRING_SOUP), max_size=40))
def test_any_soup_of_string_pieces_parses_into_a_well_formed_tree(pieces):
    text = "".join(pieces)
    result = parse(text)
    source = SourceText(text)
    for token in tokenize(text)[0]:
        span = token.span
        assert source.position(span.start) == (span.line, span.col), token
        if token.kind != "NEWLINE":
            assert source.position(span.end) == (span.end_line, span.end_col), token
    stack = [result.program]
    while stack:
        node = stack.pop()
        assert 0 <= node.span.start <= node.span.end <= len(text)
        assert source.position(node.span.start) == (node.span.line, node.span.col), node
        for child in ast.children(node):
            assert isinstance(node, ast.Program) or node.span.contains(child.span), (node, child)
            stack.append(child)
