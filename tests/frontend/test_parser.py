"""Parser tests: every construct's AST shape, the precedence table of §3,
node spans, doc comments, the syntax diagnostics raised while building the
tree, parse_expression, and the conformance programs."""

from pathlib import Path

import pytest

from esker.vm import ast
from esker.vm.parser import parse, parse_expression

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"


def show(node) -> str:
    """An expression or pattern as a compact s-expression."""
    match node:
        case ast.Name(name=name) | ast.PBind(name=name):
            return name
        case ast.Literal(value=value) | ast.PLiteral(value=value):
            return {None: "nil", True: "true", False: "false"}.get(value, repr(value)) \
                if not isinstance(value, (int, float)) or isinstance(value, bool) else repr(value)
        case ast.Unary(op=op, operand=operand):
            return f"({op} {show(operand)})"
        case ast.Binary(op=op, left=left, right=right) | ast.Logical(op=op, left=left, right=right):
            return f"({op} {show(left)} {show(right)})"
        case ast.Conditional(cond=cond, then=then, orelse=orelse):
            return f"(? {show(cond)} {show(then)} {show(orelse)})"
        case ast.RangeExpr(start=start, end=end, inclusive=inclusive):
            return f"({'..=' if inclusive else '..'} {show(start)} {show(end)})"
        case ast.Call(callee=callee, args=args, kwargs=kwargs):
            return f"(call {' '.join([show(callee)] + [show(a) for a in args + kwargs])})"
        case ast.MethodCall(receiver=receiver, name=name, args=args, kwargs=kwargs):
            return f"(method {' '.join([show(receiver), name.name] + [show(a) for a in args + kwargs])})"
        case ast.NamedArg(name=name, value=value):
            return f"{name.name}:{show(value)}"
        case ast.Field(obj=obj, name=name):
            return f"(. {show(obj)} {name.name})"
        case ast.Index(obj=obj, index=index):
            return f"([] {show(obj)} {show(index)})"
        case ast.Slice(obj=obj, start=start, stop=stop):
            bounds = [show(bound) if bound is not None else "_" for bound in (start, stop)]
            return f"([:] {show(obj)} {' '.join(bounds)})"
        case ast.TupleExpr(items=items) | ast.PTuple(items=items):
            return f"(tuple {' '.join(map(show, items))})".replace(" )", ")")
        case ast.ArrayExpr(items=items):
            return f"[{' '.join(map(show, items))}]"
        case ast.MapExpr(entries=entries):
            return "{" + " ".join(f"{show(e.key)}:{show(e.value)}" for e in entries) + "}"
        case ast.PWildcard():
            return "_"
        case ast.PRange(low=low, high=high, inclusive=inclusive):
            return f"{low}{'..=' if inclusive else '..'}{high}"
        case ast.POr(alternatives=alternatives):
            return f"(| {' '.join(map(show, alternatives))})"
        case ast.PArray(items=items, rest=rest):
            parts = list(map(show, items)) + ([f"...{show(rest)}"] if rest else [])
            return f"[{' '.join(parts)}]"
        case ast.PVariant(path=path, variant=variant, args=args):
            dotted = ".".join([p.name for p in path] + [variant.name])
            return dotted if args is None else f"({dotted} {' '.join(map(show, args))})".replace(" )", ")")
        case ast.PStruct(path=path, fields=fields):
            shown = [f.name.name + (f":{show(f.pattern)}" if f.pattern else "") for f in fields]
            return f"(struct {'.'.join(p.name for p in path)} {' '.join(shown)})"
    raise AssertionError(f"no s-expression for {node!r}")


def body(text):
    result = parse(text)
    assert result.diagnostics == [], [d.format("t") for d in result.diagnostics]
    return result.program.body


def one(text):
    statements = body(text)
    assert len(statements) == 1
    return statements[0]


def expr(text):
    statement = one(text)
    assert isinstance(statement, ast.ExprStmt)
    return statement.expr


def errors(text):
    return [(d.code, d.span.line, d.span.col) for d in parse(text).diagnostics]


def at(node) -> str:
    span = node.span
    return f"{span.line}:{span.col}-{span.end_line}:{span.end_col}"


# ---------------------------------------------------------------- precedence

@pytest.mark.parametrize("text, tree", [
    ("1 + 2 * 3", "(+ 1 (* 2 3))"),
    ("1 - 2 - 3", "(- (- 1 2) 3)"),
    ("8 / 4 // 2 % 3", "(% (// (/ 8 4) 2) 3)"),
    ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
    ("-2 ** 2", "(- (** 2 2))"),
    ("2 ** -1", "(** 2 (- 1))"),
    ("~a ** b", "(~ (** a b))"),
    ("-a * b", "(* (- a) b)"),
    ("a << 1 + 2", "(<< a (+ 1 2))"),
    ("a & b << c", "(& a (<< b c))"),
    ("a ^ b & c", "(^ a (& b c))"),
    ("a | b ^ c", "(| a (^ b c))"),
    ("a..b | c", "(.. a (| b c))"),
    ("a == b..=c", "(== a (..= b c))"),
    ("not a == b", "(not (== a b))"),
    ("not a and b", "(and (not a) b)"),
    ("a and not b", "(and a (not b))"),
    ("not not a", "(not (not a))"),
    ("a or b and c", "(or a (and b c))"),
    ("a and b or c and d", "(or (and a b) (and c d))"),
    ("a ? b : c or d", "(? a b (or c d))"),
    ("a ? b : c ? d : e", "(? a b (? c d e))"),
    ("a ? b ? c : d : e", "(? a (? b c d) e)"),
    ("a or b ? c : d", "(? (or a b) c d)"),
    ("(a + b) * c", "(* (+ a b) c)"),
    ("-a.b(c)[d]", "(- ([] (method a b c) d))"),
    ("a < b and b <= c or d != e", "(or (and (< a b) (<= b c)) (!= d e))"),
])
def test_precedence_and_associativity_follow_the_table(text, tree):
    assert show(expr(text)) == tree


def test_comparisons_do_not_chain():
    assert errors("x = a < b < c") == [("E0009", 1, 11)]
    assert errors("x = a == b != c") == [("E0009", 1, 12)]
    assert errors("x = (a < b) < c") == []


@pytest.mark.parametrize("text, tree", [
    ("a in b", "(in a b)"), ("a not in b", "(not in a b)"), ("not a in b", "(not (in a b))"),
    ("a + 1 in b", "(in (+ a 1) b)"), ("a in 0..3", "(in a (.. 0 3))"),
    ("a in b and c not in d", "(and (in a b) (not in c d))"), ("(a in b) == c", "(== (in a b) c)"),
    ("not a not in b", "(not (not in a b))"),
])
def test_membership_has_the_precedence_of_comparisons(text, tree):
    assert show(expr(text)) == tree


def test_membership_does_not_chain_with_comparisons():
    assert errors("x = a in b in c") == [("E0009", 1, 12)]
    assert errors("x = a < b not in c") == [("E0009", 1, 11)]
    assert errors("x = a == b in c") == [("E0009", 1, 12)]
    assert errors("x = (a in b) in c") == []


def test_a_broken_statement_after_an_operand_is_not_called_an_expression():
    assert parse("x = a not b").diagnostics[0].message == "unexpected name `b`: expected `in`"


@pytest.mark.parametrize("text, tree", [
    ("a[1:2]", "([:] a 1 2)"), ("a[1:]", "([:] a 1 _)"), ("a[:2]", "([:] a _ 2)"), ("a[:]", "([:] a _ _)"),
    ("a[-2:-1]", "([:] a (- 2) (- 1))"), ("a.b[i + 1:][0]", "([] ([:] (. a b) (+ i 1) _) 0)"),
    ("a[c ? 1 : 2:]", "([:] a (? c 1 2) _)"),
])
def test_slices(text, tree):
    assert show(expr(text)) == tree


def test_ranges_do_not_chain():
    assert errors("x = 1..2..3") == [("E0001", 1, 9)]


def test_not_cannot_follow_a_tighter_operator():
    assert errors("x = a == not b") == [("E0001", 1, 10)]
    assert errors("x = a + not b") == [("E0001", 1, 9)]
    assert errors("x = a or not b") == []


# -------------------------------------------------------------- expressions

@pytest.mark.parametrize("text, tree", [
    ("nil", "nil"), ("true", "true"), ("false", "false"), ("42", "42"), ("0.5", "0.5"),
    ('"s\\n"', "'s\\n'"),
    ("()", "(tuple)"), ("(1,)", "(tuple 1)"), ("(1, 2)", "(tuple 1 2)"), ("(1, 2,)", "(tuple 1 2)"),
    ("(1)", "1"), ("[]", "[]"), ("[1, 2,]", "[1 2]"),
    ("x = {}", None), ('x = {"a": 1, 2: [3],}', None),
    ("f()", "(call f)"), ("f(1, 2,)", "(call f 1 2)"), ("f(a, x: 1, y: 2)", "(call f a x:1 y:2)"),
    ("a.b", "(. a b)"), ("a.b(1)", "(method a b 1)"), ("(a.b)(1)", "(call (. a b) 1)"),
    ("a.b.c(1).d", "(. (method (. a b) c 1) d)"), ("f(1)(2)", "(call (call f 1) 2)"),
    ("a[1][2]", "([] ([] a 1) 2)"), ("Point(x: 1)", "(call Point x:1)"),
])
def test_primary_and_postfix_expressions(text, tree):
    if tree is None:
        statement = one(text)
        assert isinstance(statement.value, ast.MapExpr)
        return
    assert show(expr(text)) == tree


def test_map_literal_entries():
    value = one('m = {"a": 1, k + 1: [2],}').value
    assert show(value) == "{'a':1 (+ k 1):[2]}"


def test_a_method_chain_may_continue_on_the_next_line():
    chain = expr('"b a".split(" ")\n    .map(f)\n    .len()')
    assert show(chain) == "(method (method (method 'b a' split ' ') map f) len)"


def test_an_arrow_function_body_is_a_block_holding_one_return():
    fn = one("let f = fn (x) => x * 2").value
    assert isinstance(fn, ast.FnExpr) and fn.arrow
    assert [p.name.name for p in fn.params] == ["x"]
    (ret,) = fn.body.body
    assert isinstance(ret, ast.Return) and show(ret.value) == "(* x 2)"
    assert at(fn.body) == at(ret) == at(ret.value) == "1:19-1:24"
    assert at(fn) == "1:9-1:24"


def test_function_literals_with_block_bodies():
    fn = one("let f = fn (a, b = 1, ...rest) { return a }").value
    assert not fn.arrow and isinstance(fn.body.body[0], ast.Return)
    assert [(p.name.name, p.default is not None, p.rest) for p in fn.params] == [
        ("a", False, False), ("b", True, False), ("rest", False, True)]
    arrow_block = one("let g = fn () => { x }").value
    assert not arrow_block.arrow and isinstance(arrow_block.body.body[0], ast.ExprStmt)


def test_an_arrow_body_takes_the_whole_expression():
    assert show(expr("apply(fn (s) => s + 1, 2)").args[0].body.body[0].value) == "(+ s 1)"
    assert show(expr("c ? fn () => 1 : 2").then.body.body[0].value) == "1"


# --------------------------------------------------------------- statements

def test_let_const_and_destructuring():
    plain, empty, const, pair = body("let x = 1\nlet y\nconst LIMIT = 100\nlet (a, (b, c),) = t")
    assert isinstance(plain, ast.Let) and plain.target.name == "x" and show(plain.value) == "1"
    assert empty.value is None and not empty.const
    assert const.const and const.target.name == "LIMIT"
    assert isinstance(pair.target, ast.BindTuple)
    a, inner = pair.target.items
    assert a.name == "a" and [item.name for item in inner.items] == ["b", "c"]
    assert isinstance(one("let (a) = t").target, ast.BindName)


@pytest.mark.parametrize("text, target, op", [
    ("x = 2", "x", None), ("x += 1", "x", "+"), ("a[i] = v", "([] a i)", None),
    ("a[i] -= 1", "([] a i)", "-"), ("p.x *= 2", "(. p x)", "*"), ("p.x /= 2", "(. p x)", "/"),
    ("n //= 2", "n", "//"), ("n %= 2", "n", "%"), ("(a, b) = (b, a)", "(tuple a b)", None),
    ("(a, (b, c[0])) = t", "(tuple a (tuple b ([] c 0)))", None), ("(x) = 1", "x", None),
    ("n **= 2", "n", "**"), ("a[0] &= 1", "([] a 0)", "&"), ("p.x |= 2", "(. p x)", "|"),
    ("n ^= 3", "n", "^"), ("n <<= 1", "n", "<<"), ("n >>= 1", "n", ">>"),
])
def test_assignments(text, target, op):
    statement = one(text)
    assert isinstance(statement, ast.Assign)
    assert (show(statement.target), statement.op) == (target, op)


@pytest.mark.parametrize("text, col", [
    ("1 + 2 = 3", 1), ("f() = 1", 1), ("(a, f()) = 1", 5), ("(a, b) += 1", 1), ("() = x", 1),
    ('"s" = 1', 1), ("a.b() += 1", 1), ("a[1:2] = x", 1), ("(a, b[:1]) = t", 5), ("a[:] += [1]", 1),
])
def test_invalid_assignment_targets(text, col):
    result = parse(text)
    assert [(d.code, d.span.col) for d in result.diagnostics] == [("E0010", col)]
    assert isinstance(result.program.body[0], ast.ErrorStmt)


def test_if_else_chains():
    statement = one("if a { b } else if c { d }\nelse { e }")
    assert isinstance(statement, ast.If) and show(statement.cond) == "a"
    assert isinstance(statement.orelse, ast.If) and isinstance(statement.orelse.orelse, ast.Block)
    assert one("if a { b }").orelse is None


def test_loops_and_jumps():
    loop, for_one, for_two = body("while n < 5 { n += 1; continue }\nfor x in xs { break }\n"
                                  "for i, (k, v) in m.items() { }")
    assert isinstance(loop, ast.While) and [type(s) for s in loop.body.body] == [ast.Assign, ast.Continue]
    assert for_one.index is None and for_one.var.name == "x" and isinstance(for_one.body.body[0], ast.Break)
    assert for_two.index.name == "i" and isinstance(for_two.var, ast.BindTuple)
    assert show(for_two.iterable) == "(method m items)"


def test_return_yield_throw():
    fn = one("fn f() {\n return\n return 1\n yield\n yield x + 1\n throw Error(\"K\", \"m\")\n}")
    ret_empty, ret, yield_empty, yielded, thrown = fn.body.body
    assert ret_empty.value is None and show(ret.value) == "1"
    assert yield_empty.value is None and show(yielded.value) == "(+ x 1)"
    assert show(thrown.value) == "(call Error 'K' 'm')"


def test_return_followed_by_a_closing_brace():
    assert one("fn f() { return }").body.body[0].value is None


def test_try_catch_with_and_without_a_name():
    named, anonymous = body("try { a() } catch e { b(e) }\ntry { a() }\ncatch { }")
    assert named.name.name == "e" and at(named.name) == "1:19-1:20"
    assert anonymous.name is None and isinstance(anonymous.handler, ast.Block)


def test_try_with_finally_with_and_without_catch():
    both, only, anonymous = body("try { a() } catch e { b(e) } finally { c() }\n"
                                 "try { a() }\nfinally { c() }\n"
                                 "try { a() } catch { } finally { }")
    assert both.name.name == "e" and isinstance(both.handler, ast.Block) and at(both.finalizer) == "1:38-1:45"
    assert only.handler is None and only.name is None and isinstance(only.finalizer, ast.Block)
    assert anonymous.name is None and anonymous.handler.body == [] and anonymous.finalizer.body == []
    assert errors("try { a() }") == [("E0001", 1, 12)]
    assert errors("try { a() } finally { } catch e { }") == [("E0001", 1, 25)]


def test_imports():
    simple, dotted, aliased = body("import geometry\nimport a.b\nimport lib.strings as s")
    assert [p.name for p in simple.parts] == ["geometry"] and simple.alias is None
    assert [p.name for p in dotted.parts] == ["a", "b"] and dotted.bound_name.name == "b"
    assert aliased.alias.name == "s" and at(aliased.alias) == "3:23-3:24"


def test_a_bare_block_and_a_match_are_statements():
    block, match = body("{ let x = 1 }\nmatch v { _ => print(1) }")
    assert isinstance(block, ast.Block) and isinstance(block.body[0], ast.Let)
    assert isinstance(match, ast.ExprStmt) and isinstance(match.expr, ast.Match)


def test_statements_are_separated_by_newlines_or_semicolons():
    assert [type(s) for s in body("a; b\n\nc;;\n")] == [ast.ExprStmt] * 3
    assert errors("a b") == [("E0001", 1, 3)]


# ------------------------------------------------------------- declarations

def test_function_declarations():
    fn = one("fn area(w, h = w) { return w * h }")
    assert isinstance(fn, ast.FnDecl) and fn.name.name == "area" and at(fn.name) == "1:4-1:8"
    assert [(p.name.name, show(p.default) if p.default else None) for p in fn.params] == [
        ("w", None), ("h", "w")]
    assert one("fn nothing() {}").body.body == []


@pytest.mark.parametrize("text, col", [("fn f(...r, b) {}", 6), ("fn f(a = 1, b) {}", 13),
                                       ("let g = fn (a = 1, b, c) => 1", 20)])
def test_invalid_parameter_lists(text, col):
    assert errors(text) == [("E0012", 1, col)]


def test_struct_declarations():
    struct = one("struct Point {\n  x\n  y = 0, z; w\n  fn len(self) { return 1 }\n"
                 "  fn origin() { return Point(0, 0) }\n}")
    assert struct.name.name == "Point"
    assert [(f.name.name, f.default is not None) for f in struct.fields] == [
        ("x", False), ("y", True), ("z", False), ("w", False)]
    assert [m.name.name for m in struct.methods] == ["len", "origin"]
    assert [f.name.name for f in one("struct Pair { left, right, }").fields] == ["left", "right"]


def test_enum_declarations():
    enum = one("enum Shape {\n  Circle(radius)\n  Rect(w, h,), Empty\n  Unit()\n  fn area(self) { }\n}")
    fields = [None if v.fields is None else [f.name for f in v.fields] for v in enum.variants]
    assert [v.name.name for v in enum.variants] == ["Circle", "Rect", "Empty", "Unit"]
    assert fields == [["radius"], ["w", "h"], None, []]
    assert [m.name.name for m in enum.methods] == ["area"]


# ------------------------------------------------------------------- match

def test_match_arms_with_guards_and_block_bodies():
    match = one("r = match v {\n  0 => \"zero\", n if n < 0 => { print(n) }\n  _ => ({\"a\": 1})\n}").value
    zero, negative, other = match.arms
    assert show(zero.pattern) == "0" and zero.guard is None and show(zero.body) == "'zero'"
    assert show(negative.guard) == "(< n 0)" and isinstance(negative.body, ast.Block)
    assert show(other.pattern) == "_" and isinstance(other.body, ast.MapExpr)


@pytest.mark.parametrize("pattern, tree", [
    ("0", "0"), ("-1", "-1"), ("2.5", "2.5"), ("-2.5", "-2.5"), ('"s"', "'s'"), ("true", "true"),
    ("nil", "nil"), ("_", "_"), ("x", "x"), ("1 | 2 | 3", "(| 1 2 3)"), ("1..=9", "1..=9"),
    ("-5..0", "-5..0"), ("()", "(tuple)"), ("(a, b)", "(tuple a b)"), ("(a,)", "(tuple a)"), ("(a)", "a"),
    ("[]", "[]"), ("[only]", "[only]"), ("[first, ...rest]", "[first ...rest]"), ("[...]", "[..._]"),
    ("[a, ..._,]", "[a ..._]"), ("Shape.Empty", "Shape.Empty"), ("Shape.Rect(w, _)", "(Shape.Rect w _)"),
    ("geo.Shape.Circle(r)", "(geo.Shape.Circle r)"), ("Shape.Unit()", "(Shape.Unit)"),
    ("Point(x: 0, y)", "(struct Point x:0 y)"), ("Point(x, y: [1, _])", "(struct Point x y:[1 _])"),
    ("geo.Point(x: 0)", "(struct geo.Point x:0)"),
    ("Shape.Rect(Shape.Circle(r), [a, b]) | Shape.Empty",
     "(| (Shape.Rect (Shape.Circle r) [a b]) Shape.Empty)"),
])
def test_patterns(pattern, tree):
    match = expr(f"match v {{ {pattern} => 1 }}")
    assert show(match.arms[0].pattern) == tree


def test_a_struct_pattern_needs_field_names():
    assert errors("match p { Point(0, y) => 1 }") == [("E0001", 1, 17)]


def test_match_is_an_expression_anywhere():
    call = expr("print(match c {\n  Color.Red => 1\n  Color.Green => 2\n})")
    assert isinstance(call.args[0], ast.Match) and len(call.args[0].arms) == 2
    assert show(expr("match x { _ => 1 } + 1").left.arms[0].body) == "1"


# -------------------------------------------------------------------- spans

def test_spans_cover_exactly_the_source_of_each_node():
    statement = one("let total = (a + b) * f(c, d)")
    product = statement.value
    assert at(statement) == "1:1-1:30"
    assert at(product) == "1:13-1:30"
    assert at(product.left) == "1:14-1:19"
    assert at(product.right) == "1:23-1:30"
    assert at(product.right.args[1]) == "1:28-1:29"


def test_method_call_and_field_spans():
    call = expr("point.move(1, dx: 2)")
    assert at(call) == "1:1-1:21" and at(call.name) == "1:7-1:11"
    assert at(call.kwargs[0]) == "1:15-1:20" and at(call.kwargs[0].name) == "1:15-1:17"
    assert at(expr("a.b")) == "1:1-1:4"


def test_multi_line_spans_and_the_program_span():
    result = parse("fn f() {\n  return 1\n}\n")
    fn = result.program.body[0]
    assert at(fn) == "1:1-3:2" and at(fn.body) == "1:8-3:2"
    assert at(result.program) == "1:1-4:1"
    assert result.source.text.startswith("fn f")


# -------------------------------------------------------------------- docs

def test_doc_comments_attach_to_declarations():
    program = parse("# Shapes.\n#  Indented.\nstruct S {\n  # A field is not documented.\n  x\n"
                    "  # Method doc.\n  fn m(self) { }\n}\n#A\nenum E { V }\n# The limit.\nconst L = 1\n"
                    "# Counter.\nlet n = 0\n# Detached.\n\nfn f() {}\nx = 1 # trailing\nfn g() {}").program
    struct, enum, const, let, f, _, g = program.body
    assert struct.doc == "Shapes.\n Indented."
    assert struct.methods[0].doc == "Method doc."
    assert (enum.doc, const.doc, let.doc) == ("A", "The limit.", "Counter.")
    assert f.doc is None and g.doc is None


def test_comments_are_kept_on_the_program():
    comments = parse("# one\nx = 1 # two").program.comments
    assert [c.text for c in comments] == [" one", " two"]


# ------------------------------------------------------------ diagnostics

def test_positional_arguments_cannot_follow_named_ones():
    assert errors("f(x: 1, 2)") == [("E0001", 1, 9)]


def test_the_syntax_conformance_example():
    text = 'let a = 1 +* 2\nprint("fine")\nlet b = 3 )\nprint("fine")\nlet 5 = c\n'
    assert [(d.span.line, d.span.col, d.severity.label) for d in parse(text).diagnostics] == [
        (1, 12, "error"), (3, 11, "error"), (5, 5, "error")]


@pytest.mark.skipif(not SUITE.is_dir(), reason="the shared conformance suite is not present")
def test_every_conformance_program_parses_cleanly():
    programs = sorted(SUITE.glob("**/*.esk"))
    assert programs
    for path in programs:
        result = parse(path.read_text(encoding="utf-8"), str(path))
        found = [(d.span.line, d.span.col) for d in result.diagnostics]
        expected = [(1, 12), (3, 11), (5, 5)] if path.name == "syntax.esk" else []
        assert found == expected, path


# -------------------------------------------------------- parse_expression

def test_parse_expression_returns_one_expression():
    expression, diagnostics = parse_expression("a.b(1) + c[2]\n")
    assert diagnostics == [] and show(expression) == "(+ (method a b 1) ([] c 2))"


@pytest.mark.parametrize("text, code", [("", "E0001"), ("x = 1", "E0001"), ("1 +", "E0001"),
                                        ("a < b < c", "E0009"), ('"\\q"', "E0003"), ("a; b", "E0001")])
def test_parse_expression_reports_errors(text, code):
    expression, diagnostics = parse_expression(text)
    assert expression is None and [d.code for d in diagnostics] == [code]
