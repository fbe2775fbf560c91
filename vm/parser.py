"""The Esker parser: tokens to the AST of `ast.py`, with syntax-error recovery.

lark compiles vm/grammar.lark into an LALR(1) table, which grammar_build.py
writes out as grammar_table.py (so that parsing starts without analysing the
grammar or importing lark); each of the table's rules calls an AST-building
callback of `_AstBuilder`, shaped as lark would call it. The tree is built in
those reduction callbacks, never by a recursive walk, so deeply nested input
cannot exhaust Python's stack. The loop that runs the table over the tokens of vm/lexer.py is our
own (`_Run`) rather than lark's, for three reasons: it checks that a token
fits before making the reductions it calls for (LALR merges lookaheads, so
lark may reduce on a token that then fails, which leaves no good state to
recover from), it can copy and restore its stacks cheaply, and it is faster.

Recovery: where a statement begins, `_Run` keeps a copy of the stacks; on a
syntax error it reports the offending token, restores that copy, skips to the
end of the broken statement and feeds an ERRSTMT token in its place, so one
pass reports every broken statement and the tree still covers the whole file.
"""

from __future__ import annotations

import bisect
import functools
import threading
from dataclasses import dataclass, field

from . import ast
from .diagnostics import Diagnostic, make
from .lexer import (CLOSERS, KEYWORD_KINDS, KEYWORDS, MAX_DIAGNOSTICS, MAX_NESTING, MAX_SOURCE_CHARS,
                    PUNCTUATION, Lexed, Token, cap_diagnostics, gc_paused, scan)
from .source import SourceText, Span, lone_returns_as_newlines

__all__ = ["MAX_SOURCE_CHARS", "MAX_NESTING", "MAX_EXPR_DEPTH", "ParseResult", "parse",
           "parse_expression"]

#: Deepest AST the parser builds; deeper expressions become ErrorExpr with E0006, which
#: keeps the recursive passes after the parser within a predictable depth.
MAX_EXPR_DEPTH = 3000


@dataclass
class ParseResult:
    program: ast.Program           # always present; broken statements become ast.ErrorStmt
    diagnostics: list[Diagnostic]  # syntax diagnostics only, in source order
    source: SourceText


def parse(text: str, path: str = "<input>") -> ParseResult:
    """Parses a whole file. Never raises: problems are reported as diagnostics."""
    text = lone_returns_as_newlines(text)
    source = SourceText(text, path)
    if len(text) > MAX_SOURCE_CHARS:
        program = ast.Program(source.span(0, len(text)), [])
        return ParseResult(program, scan(text).diagnostics, source)
    grammar = _grammar()
    with grammar.lock, gc_paused():
        lexed = scan(text)
        run = _Run(text, lexed, grammar, recover=True)
        program = run.parse("program").node
    return ParseResult(program, cap_diagnostics(lexed.diagnostics + run.diagnostics), source)


def parse_expression(text: str) -> tuple[ast.Expr | None, list[Diagnostic]]:
    """Parses one expression (a debugger's watch or evaluate request).

    Returns the expression, or None when the text has errors (then described
    by the diagnostics)."""
    grammar = _grammar()
    with grammar.lock, gc_paused():
        lexed = scan(text)
        run = _Run(text, lexed, grammar, recover=False)
        result = run.parse("expression")
    diagnostics = cap_diagnostics(lexed.diagnostics + run.diagnostics)
    if diagnostics or result is None:
        return None, diagnostics
    return result.node, []


# ------------------------------------------------------------ parse stack values

class _Item:
    """A value on lark's parse stack: a token (`type` is its kind, `node` the
    lexer Token) or a built AST node or list (`type` None).

    `extent` is the source the value covers; it differs from the node's own
    span only for a parenthesised expression, whose parentheses belong to the
    enclosing node's span but not to the expression's. `depth` is the height
    of the AST below the node.
    """

    __slots__ = ("type", "node", "extent", "depth", "index")

    def __init__(self, type: str | None, node, extent: Span, depth: int, index: int = -1):
        self.type = type
        self.node = node
        self.extent = extent
        self.depth = depth
        self.index = index

    @property
    def grouped(self) -> bool:
        return self.type is None and self.extent is not self.node.span


def _items(lexed: Lexed):
    """The parser's input: the tokens esker.vm.lexer has made, then the end of file."""
    for index, token in enumerate(lexed.tokens):
        yield _Item(token.kind, token, token.span, 0, index)
    yield _Item("$END", None, lexed.end, 0, len(lexed.tokens))


def _extent(children: list[_Item]) -> Span:
    first, last = children[0].extent, children[-1].extent
    return Span(first.start, last.end, first.line, first.col, last.end_line, last.end_col)


def _built(children: list[_Item]) -> list:
    return [child.node for child in children if child.type is None]


def _ident(item: _Item) -> ast.Ident:
    return ast.Ident(item.extent, item.node.text)


_GUARDED = ast.Expr.__args__ + ast.Stmt.__args__


def _builds(function):
    """Wraps `function(self, span, children) -> node` as a lark callback that
    returns an _Item and enforces MAX_EXPR_DEPTH."""

    @functools.wraps(function)
    def callback(self: "_AstBuilder", children: list[_Item]) -> _Item:
        return self.item(function(self, _extent(children), children), children)

    return callback


# ------------------------------------------------------------------ the builder

_COMPARISONS = frozenset({"EQEQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN"})
#: Binding strength of the operators of the `operation` rule: levels 2-12 of §3.
_PRECEDENCE = {
    "OR": 2, "AND": 3, "NOT": 4,
    "EQEQ": 5, "NE": 5, "LT": 5, "LE": 5, "GT": 5, "GE": 5, "IN": 5, "NOTIN": 5,
    "DOTDOT": 6, "DOTDOTEQ": 6, "PIPE": 7, "CARET": 8, "AMP": 9, "SHL": 10, "SHR": 10,
    "PLUS": 11, "MINUS": 11, "STAR": 12, "SLASH": 12, "DSLASH": 12, "PERCENT": 12,
}
_LITERAL_WORDS = {"TRUE": True, "FALSE": False, "NIL": None}


class _AstBuilder:
    """lark's reduction callbacks: one method per rule name or alias of the
    grammar, each building AST nodes from the rule's children (tokens kept)."""

    run: "_Run"

    def item(self, node, children: list[_Item], extra_depth: int = 0) -> _Item:
        """Wraps a new node (or list) built from `children` for the parse stack."""
        depth = 1 + extra_depth + max(child.depth for child in children)
        if depth > MAX_EXPR_DEPTH and isinstance(node, _GUARDED):
            node, depth = self.too_deep(node), 2
        span = node.span if isinstance(node, ast.Node) else _extent(children)
        return _Item(None, node, span, depth)

    def too_deep(self, node: ast.Node) -> ast.Node:
        self.run.report("E0006", node.span,
                        f"this is nested too deeply (more than {MAX_EXPR_DEPTH} levels); "
                        "split it into smaller expressions or functions")
        if isinstance(node, ast.Block):
            return ast.Block(node.span, [ast.ErrorStmt(node.span)])
        if isinstance(node, ast.Stmt):
            return ast.ErrorStmt(node.span)
        return ast.ErrorExpr(node.span)

    # ---------------------------------------------------------- files

    def program(self, children: list[_Item]) -> _Item:
        span = self.run.whole
        return _Item(None, ast.Program(span, _built(children), self.run.lexed.comments), span, 0)

    def expression(self, children: list[_Item]) -> _Item:
        return children[0]

    # ----------------------------------------------------- statements

    @_builds
    def let(self, span, children):
        value = children[3].node if len(children) > 2 else None
        return ast.Let(span, children[1].node, value, False, self.run.doc(span))

    @_builds
    def const(self, span, children):
        return ast.Let(span, children[1].node, children[3].node, True, self.run.doc(span))

    @_builds
    def bind_name(self, span, children):
        return ast.BindName(span, children[0].node.text)

    def bind_group(self, children: list[_Item]) -> _Item:
        if len(children) == 3:
            return children[1]
        return self.bind_tuple(children)

    @_builds
    def bind_tuple(self, span, children):
        return ast.BindTuple(span, _built(children))

    @_builds
    def assign(self, span, children):
        target, operator, value = children
        op = None if operator.type == "EQ" else operator.node.text[:-1]
        culprit = _invalid_target(target.node, compound=op is not None)
        if culprit is None:
            return ast.Assign(span, target.node, op, value.node)
        where = target.extent if culprit is target.node else culprit.span
        if op is not None and isinstance(culprit, ast.TupleExpr):
            message = (f"`{operator.node.text}` cannot assign to a tuple; "
                       "use `=` or one name, field or element")
        elif isinstance(culprit, ast.Slice):
            message = ("cannot assign to a slice: a slice is a new value, not a view; "
                       "assign elements (`a[i] = v`) or build a new array")
        else:
            message = (f"cannot assign to {_describe_node(culprit)}: only names, fields (`p.x`), "
                       "elements (`a[i]`) and tuples of those can be assigned")
        self.run.report("E0010", where, message)
        return ast.ErrorStmt(span)

    @_builds
    def expr_stmt(self, span, children):
        return ast.ExprStmt(span, children[0].node)

    @_builds
    def if_stmt(self, span, children):
        orelse = children[4].node if len(children) > 3 else None
        return ast.If(span, children[1].node, children[2].node, orelse)

    @_builds
    def while_stmt(self, span, children):
        return ast.While(span, children[1].node, children[2].node)

    @_builds
    def for_stmt(self, span, children):
        parts = _built(children)
        index = parts[0] if len(parts) == 4 else None
        return ast.For(span, index, parts[-3], parts[-2], parts[-1])

    @_builds
    def break_stmt(self, span, children):
        return ast.Break(span)

    @_builds
    def continue_stmt(self, span, children):
        return ast.Continue(span)

    @_builds
    def return_stmt(self, span, children):
        return ast.Return(span, children[1].node if len(children) > 1 else None)

    @_builds
    def yield_stmt(self, span, children):
        return ast.Yield(span, children[1].node if len(children) > 1 else None)

    @_builds
    def throw_stmt(self, span, children):
        return ast.Throw(span, children[1].node)

    @_builds
    def try_stmt(self, span, children):
        kinds = [child.type for child in children]
        handler = finalizer = bound = None
        if "CATCH" in kinds:
            after = kinds.index("CATCH") + 1
            if children[after].type == "NAME":
                bound = ast.BindName(children[after].extent, children[after].node.text)
                after += 1
            handler = children[after].node
        if "FINALLY" in kinds:
            finalizer = children[kinds.index("FINALLY") + 1].node
        return ast.Try(span, children[1].node, bound, handler, finalizer)

    @_builds
    def import_stmt(self, span, children):
        names = [_ident(child) for child in children if child.type == "NAME"]
        if children[-2].type == "AS":
            return ast.Import(span, names[:-1], names[-1])
        return ast.Import(span, names)

    @_builds
    def import_path(self, span, children):
        text = children[1]
        path = ast.ImportPath(text.extent, text.node.value)
        alias = _ident(children[3]) if len(children) > 2 else None
        if alias is None and not _is_identifier(path.stem):
            self.run.report("E0016", text.extent,
                            f"`{path.stem}` is not a name, so this import needs one: "
                            f'`import "{path.value}" as name`')
        return ast.Import(span, [], alias, path)

    @_builds
    def block(self, span, children):
        return ast.Block(span, _built(children))

    @_builds
    def error_stmt(self, span, children):
        return ast.ErrorStmt(span)

    # --------------------------------------------------- declarations

    @_builds
    def fn_decl(self, span, children):
        return ast.FnDecl(span, _ident(children[1]), children[2].node, children[3].node,
                          self.run.doc(span))

    @_builds
    def params(self, span, children):
        params = _built(children)
        with_default = None
        for position, param in enumerate(params):
            if param.rest and position != len(params) - 1:
                self.run.report("E0012", param.span,
                                f"the rest parameter `...{param.name.name}` must be the last parameter")
            elif param.default is not None:
                with_default = param
            elif with_default is not None and not param.rest:
                self.run.report("E0012", param.span,
                                f"parameter `{param.name.name}` needs a default value, because "
                                f"`{with_default.name.name}` before it has one")
        return params

    @_builds
    def param(self, span, children):
        if children[0].type == "ELLIPSIS":
            return ast.Param(span, _ident(children[1]), None, True)
        default = children[2].node if len(children) > 1 else None
        return ast.Param(span, _ident(children[0]), default)

    @_builds
    def struct_decl(self, span, children):
        fields, methods = _members(children, ast.FieldDecl)
        return ast.StructDecl(span, _ident(children[1]), fields, methods, self.run.doc(span))

    @_builds
    def field_decl(self, span, children):
        return ast.FieldDecl(span, _ident(children[0]), children[2].node if len(children) > 1 else None)

    @_builds
    def enum_decl(self, span, children):
        variants, methods = _members(children, ast.VariantDecl)
        return ast.EnumDecl(span, _ident(children[1]), variants, methods, self.run.doc(span))

    @_builds
    def variant_decl(self, span, children):
        fields = [_ident(child) for child in children[1:] if child.type == "NAME"]
        return ast.VariantDecl(span, _ident(children[0]), fields if len(children) > 1 else None)

    # ---------------------------------------------------- expressions

    def lambda_arrow(self, children: list[_Item]) -> _Item:
        params, body, span = children[1].node, children[3], _extent(children)
        if isinstance(body.node, ast.Block):
            return self.item(ast.FnExpr(span, params, body.node), children)
        block = ast.Block(body.extent, [ast.Return(body.extent, body.node)])
        # The Block and Return in between add two levels to the tree.
        return self.item(ast.FnExpr(span, params, block, arrow=True), children, extra_depth=2)

    @_builds
    def lambda_block(self, span, children):
        return ast.FnExpr(span, children[1].node, children[2].node)

    @_builds
    def ternary(self, span, children):
        return ast.Conditional(span, children[0].node, children[2].node, children[4].node)

    @_builds
    def unary(self, span, children):
        return ast.Unary(span, children[0].node.text, children[1].node)

    @_builds
    def binary(self, span, children):
        return ast.Binary(span, "**", children[0].node, children[2].node)

    def operation(self, children: list[_Item]) -> _Item:
        """Applies the precedence table to a flat run of operands, binary
        operators and `not` prefixes (shunting-yard: no recursion)."""
        operands: list[_Item] = []
        operators: list[_Item] = []
        previous = None
        for child in _fuse_not_in(children):
            if child.type is None:
                operands.append(child)
            elif child.type == "NOT":
                if previous is not None and previous.type not in ("AND", "OR", "NOT"):
                    self.run.report("E0001", child.extent,
                                    f"`not` cannot follow `{previous.node.text}`: "
                                    "put it in parentheses, `(not ...)`")
                operators.append(child)
            else:
                precedence = _PRECEDENCE[child.type]
                while operators and _PRECEDENCE[operators[-1].type] >= precedence:
                    operands.append(self.apply(operators.pop(), operands))
                operators.append(child)
            previous = child
        while operators:
            operands.append(self.apply(operators.pop(), operands))
        return operands[0]

    def apply(self, operator: _Item, operands: list[_Item]) -> _Item:
        """Pops the operands of `operator` and returns the node it builds."""
        right = operands.pop()
        if operator.type == "NOT":
            parts = [operator, right]
            return self.item(ast.Unary(_extent(parts), "not", right.node), parts)
        left = operands.pop()
        parts = [left, right]
        span, kind, text = _extent(parts), operator.type, operator.node.text
        if kind in ("AND", "OR"):
            node = ast.Logical(span, text, left.node, right.node)
        elif kind in ("DOTDOT", "DOTDOTEQ"):
            if isinstance(left.node, ast.RangeExpr) and not left.grouped:
                self.run.report("E0001", operator.extent,
                                "range operators cannot be chained: add parentheses")
            node = ast.RangeExpr(span, left.node, right.node, kind == "DOTDOTEQ")
        else:
            if kind in _COMPARISONS and _is_comparison(left):
                self.run.report("E0009", operator.extent,
                                "comparison operators cannot be chained: write `a < b and b < c`")
            node = ast.Binary(span, text, left.node, right.node)
        return self.item(node, parts)

    @_builds
    def call(self, span, children):
        callee = children[0]
        args, kwargs = self.arguments(children[2:-1])
        if isinstance(callee.node, ast.Field) and not callee.grouped:
            return ast.MethodCall(span, callee.node.obj, callee.node.name, args, kwargs)
        return ast.Call(span, callee.node, args, kwargs)

    def arguments(self, children: list[_Item]) -> tuple[list, list]:
        args, kwargs = [], []
        for child in children:
            if child.type is not None:
                continue
            if isinstance(child.node, ast.NamedArg):
                kwargs.append(child.node)
            elif kwargs:
                self.run.report("E0001", child.extent,
                                "a positional argument cannot follow a named argument")
            else:
                args.append(child.node)
        return args, kwargs

    @_builds
    def named_arg(self, span, children):
        return ast.NamedArg(span, _ident(children[0]), children[2].node)

    @_builds
    def index(self, span, children):
        return ast.Index(span, children[0].node, children[2].node)

    @_builds
    def slice(self, span, children):
        colon = next(position for position, child in enumerate(children) if child.type == "COLON")
        start = children[colon - 1].node if children[colon - 1].type is None else None
        stop = children[colon + 1].node if children[colon + 1].type is None else None
        return ast.Slice(span, children[0].node, start, stop)

    @_builds
    def field(self, span, children):
        return ast.Field(span, children[0].node, _ident(children[2]))

    @_builds
    def name(self, span, children):
        return ast.Name(span, children[0].node.text)

    @_builds
    def literal(self, span, children):
        token = children[0]
        return ast.Literal(span, _LITERAL_WORDS.get(token.type, token.node.value))

    def group(self, children: list[_Item]) -> _Item:
        inner = children[1]
        return _Item(None, inner.node, _extent(children), inner.depth)

    @_builds
    def tuple(self, span, children):
        return ast.TupleExpr(span, _built(children))

    @_builds
    def array(self, span, children):
        return ast.ArrayExpr(span, _built(children))

    @_builds
    def map(self, span, children):
        return ast.MapExpr(span, _built(children))

    @_builds
    def map_entry(self, span, children):
        return ast.MapEntry(span, children[0].node, children[2].node)

    @_builds
    def fstring(self, span, children):
        parts = [ast.FStringText(child.extent, child.node.value) if child.type == "FSTRING_TEXT" else child.node
                 for child in children[1:-1]]
        return ast.FString(span, parts)

    @_builds
    def format_field(self, span, children):
        spec = None
        if children[2].type == "FIELD_SPEC":
            token = children[2].node
            where = token.span  # without its `:`
            spec = ast.FormatSpec(Span(where.start + 1, where.end, where.line, where.col + 1, where.end_line,
                                       where.end_col), token.value)
        return ast.FormatField(span, children[1].node, spec)

    @_builds
    def match(self, span, children):
        return ast.Match(span, children[1].node, _built(children[3:]))

    @_builds
    def arm(self, span, children):
        guard = children[2].node if children[1].type == "IF" else None
        return ast.MatchArm(span, children[0].node, guard, children[-1].node)

    # ------------------------------------------------------- patterns

    @_builds
    def p_or(self, span, children):
        return ast.POr(span, _built(children))

    @_builds
    def p_name(self, span, children):
        name = children[0].node.text
        return ast.PWildcard(span) if name == "_" else ast.PBind(span, name)

    @_builds
    def p_literal(self, span, children):
        token = children[-1]
        if token.type in _LITERAL_WORDS:
            return ast.PLiteral(span, _LITERAL_WORDS[token.type])
        return ast.PLiteral(span, -token.node.value if len(children) == 2 else token.node.value)

    @_builds
    def p_range(self, span, children):
        bounds, sign = [], 1
        for child in children:
            if child.type == "MINUS":
                sign = -1
            elif child.type == "INT":
                bounds.append(sign * child.node.value)
                sign = 1
        inclusive = any(child.type == "DOTDOTEQ" for child in children)
        return ast.PRange(span, bounds[0], bounds[1], inclusive)

    def p_group(self, children: list[_Item]) -> _Item:
        return children[1]

    @_builds
    def p_tuple(self, span, children):
        return ast.PTuple(span, _built(children))

    @_builds
    def p_array(self, span, children):
        rest = None
        for position, child in enumerate(children):
            if child.type == "ELLIPSIS":
                rest = _rest_pattern(child, children[position + 1])
        return ast.PArray(span, _built(children), rest)

    @_builds
    def p_path(self, span, children):
        names = [_ident(child) for child in children if child.type == "NAME"]
        return ast.PVariant(span, names[:-1], names[-1], None)

    @_builds
    def p_call(self, span, children):
        names = [_ident(child) for child in children if child.type == "NAME"]
        args = _built(children)
        if len(names) > 1 and not any(isinstance(arg, ast.PFieldPattern) for arg in args):
            return ast.PVariant(span, names[:-1], names[-1], args)
        return ast.PStruct(span, names, [field for field in map(self.struct_field, args) if field])

    def struct_field(self, pattern: ast.Node) -> ast.PFieldPattern | None:
        if isinstance(pattern, ast.PFieldPattern):
            return pattern
        if isinstance(pattern, ast.PBind):
            return ast.PFieldPattern(pattern.span, ast.Ident(pattern.span, pattern.name), None)
        self.run.report("E0001", pattern.span,
                        "a struct pattern takes `field: pattern` or a field name here")
        return None

    @_builds
    def p_field(self, span, children):
        return ast.PFieldPattern(span, _ident(children[0]), children[2].node)


def _members(children: list[_Item], kind: type) -> tuple[list, list[ast.FnDecl]]:
    """The fields (or variants) and the methods of a struct (or enum) body."""
    members = _built(children)
    return ([member for member in members if isinstance(member, kind)],
            [member for member in members if isinstance(member, ast.FnDecl)])


def _is_comparison(item: _Item) -> bool:
    return (isinstance(item.node, ast.Binary) and not item.grouped
            and item.node.op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in"))


def _fuse_not_in(children: list[_Item]) -> list[_Item]:
    """The children of an `operation` with each `not` `in` pair made one
    NOTIN operator (after an operand, `not` can only begin `not in`)."""
    if not any(child.type == "IN" for child in children):
        return children
    fused: list[_Item] = []
    for child in children:
        if child.type == "IN" and fused and fused[-1].type == "NOT" and len(fused) > 1 \
                and fused[-2].type is None:
            first = fused.pop().node
            token = Token("NOTIN", "not in", None, _extent([_Item("NOT", first, first.span, 0), child]))
            child = _Item("NOTIN", token, token.span, 0, child.index)
        fused.append(child)
    return fused


def _is_identifier(text: str) -> bool:
    return text.isidentifier() and text.isascii() and text not in KEYWORDS


def _rest_pattern(ellipsis: _Item, following: _Item) -> ast.PBind | ast.PWildcard:
    if following.type != "NAME":
        return ast.PWildcard(ellipsis.extent)
    span = _extent([ellipsis, following])
    name = following.node.text
    return ast.PWildcard(span) if name == "_" else ast.PBind(span, name)


def _invalid_target(target: ast.Node, compound: bool) -> ast.Node | None:
    """The part of an assignment target that cannot be assigned, or None."""
    if isinstance(target, (ast.Name, ast.Field, ast.Index)):
        return None
    if isinstance(target, ast.Slice):
        return target
    if not isinstance(target, ast.TupleExpr) or compound or not target.items:
        return target
    for item in target.items:
        culprit = _invalid_target(item, compound)
        if culprit is not None:
            return culprit
    return None


_NODE_WORDS = {
    ast.Literal: "a literal", ast.Call: "a call", ast.MethodCall: "a method call",
    ast.Binary: "an operator expression", ast.Unary: "an operator expression",
    ast.Logical: "an `and`/`or` expression", ast.Conditional: "a conditional expression",
    ast.RangeExpr: "a range", ast.ArrayExpr: "an array literal", ast.MapExpr: "a map literal",
    ast.FnExpr: "a function", ast.Match: "a `match`", ast.TupleExpr: "an empty tuple",
    ast.Slice: "a slice",
}


def _describe_node(node: ast.Node) -> str:
    return _NODE_WORDS.get(type(node), "this expression")


# ---------------------------------------------------------------- the driver

@dataclass
class _Snapshot:
    """The parser's stacks just before the first token of a statement (index
    `first`) in the block opened by bracket `opener` (-1: the top level)."""

    states: list
    values: list
    opener: int
    first: int


#: How many states from the top of the stack key the memo of `_Run.fits`.
_FIT_KEY_STATES = 4
#: Tokens shifted where a statement may begin that are not its first token.
_NOT_STATEMENTS = frozenset({"NEWLINE", "SEMI", "RBRACE"})


class _Run:
    """One parse: runs lark's LALR table over the tokens and recovers from errors.

    The loop is ours rather than lark's so that it can save and restore its
    stacks cheaply; lark computed the table (grammar_table.py), and the
    callbacks are `_AstBuilder`'s."""

    def __init__(self, text: str, lexed: Lexed, grammar: "_Grammar", recover: bool):
        self.text = text
        self.lexed = lexed
        self.tokens = lexed.tokens
        self.table = grammar.table
        self.grammar = grammar
        self.recovering = recover
        self.states: list[int] = []
        self.values: list = []
        self.end_state = -1
        self.diagnostics: list[Diagnostic] = []
        self.lexer_offsets = sorted(diagnostic.span.start for diagnostic in lexed.diagnostics)
        self.reported_until = -1
        self.snapshots: list[_Snapshot] = []
        self.failed_index = -1
        self.index = 0
        end = lexed.end
        self.whole = Span(0, end.end, 1, 1, end.end_line, end.end_col)

    def parse(self, start: str) -> _Item | None:
        """Runs the parser from rule `start`; None when it stops at an error
        (only without recovery)."""
        self.grammar.builder.run = self
        self.states = [self.grammar.start_states[start]]
        self.end_state = self.grammar.end_states[start]
        if self.recovering:
            self.snapshots.append(_Snapshot(list(self.states), [], -1, 0))
        stream = _items(self.lexed)
        item = next(stream)
        while True:
            self.index = item.index
            if not self.feed(item):
                if not self.recovering:
                    self.report_unexpected(item)
                    return None
                item = self.recover(item, stream)
                continue
            if item.type == "$END":
                return self.values[-1]
            if self.recovering and self.starts_statement(item):
                self.save(item.index)
            item = next(stream)

    def feed(self, item: _Item) -> bool:
        """Makes the reductions `item` calls for and shifts it (at the end of
        the file: accepts); False, with nothing changed, when it does not fit."""
        table, states, values = self.table, self.states, self.values
        action = table[states[-1]].get(item.type)
        if action is None or not (action[0] or self.fits(item.type)):
            return False
        while True:
            shift, target = table[states[-1]][item.type]
            if shift:
                states.append(target)
                values.append(item)
                return True
            size, goal, build = target
            children = values[-size:] if size else []
            if size:
                del states[-size:]
                del values[-size:]
            values.append(build(children))
            states.append(table[states[-1]][goal][1])
            if states[-1] == self.end_state:
                return True

    def fits(self, terminal: str) -> bool:
        """Whether `terminal` can come next. The table alone over-promises:
        LALR merges the lookaheads of reductions from different contexts, so
        this runs the reductions on a virtual copy of the state stack first,
        and a token that does not fit leaves the stacks as they were.

        The answer depends only on the states the reductions reach; when
        those are among the top _FIT_KEY_STATES, it is remembered."""
        key = (terminal, *self.states[-_FIT_KEY_STATES:])
        known = self.grammar.fits.get(key)
        if known is None:
            known, reached = self.simulate(terminal)
            if reached <= _FIT_KEY_STATES:
                self.grammar.fits[key] = known
        return known

    def simulate(self, terminal: str) -> tuple[bool, int]:
        """Runs the reductions for `terminal` on a virtual stack: whether it
        is then shifted (or accepted), and how many real states were read."""
        table, states = self.table, self.states
        depth, pushed, lowest = len(states), [], len(states)
        while True:
            lowest = min(lowest, depth)
            action = table[pushed[-1] if pushed else states[depth - 1]].get(terminal)
            if action is None:
                return False, len(states) - lowest + 1
            shift, target = action
            if shift:
                return True, len(states) - lowest + 1
            size = target[0]
            from_pushed = min(size, len(pushed))
            del pushed[len(pushed) - from_pushed:]
            depth -= size - from_pushed
            lowest = min(lowest, depth)
            pushed.append(table[pushed[-1] if pushed else states[depth - 1]][target[1]][1])
            if pushed[-1] == self.end_state:
                return True, len(states) - lowest + 1

    # ------------------------------------------------------ recovery

    def starts_statement(self, item: _Item) -> bool:
        """Whether the token just shifted begins a statement."""
        return ("ERRSTMT" in self.table[self.states[-2]] and item.type not in _NOT_STATEMENTS
                and len(self.snapshots) <= MAX_NESTING)

    def save(self, first: int) -> None:
        """Remembers the stacks as they were just before token `first` was shifted."""
        opener = self.lexed.enclosing[first]
        while self.snapshots and (self.snapshots[-1].opener == opener
                                  or not self.lexed.is_open(self.snapshots[-1].opener, first)):
            self.snapshots.pop()
        self.snapshots.append(_Snapshot(self.states[:-1], self.values[:-1], opener, first))

    def prune(self, index: int) -> None:
        """Drops snapshots of blocks that have closed before token `index`."""
        while len(self.snapshots) > 1 and not self.lexed.is_open(self.snapshots[-1].opener, index):
            self.snapshots.pop()

    def recover(self, item: _Item, stream) -> _Item:
        """Reports the error at `item`, skips to the end of its statement and
        puts an ERRSTMT in the statement's place; returns the token to feed
        next (the one that ends the statement)."""
        repeated = item.index == self.failed_index
        if repeated and len(self.snapshots) > 1:
            # The statement's end did not fit after the skipped statement either:
            # the enclosing block is broken too, so recover at that level.
            self.snapshots.pop()
        self.prune(item.index)
        snapshot = self.snapshots[-1]
        if not repeated and "ERRSTMT" in self.table[self.states[-1]]:
            # The token cannot begin a statement: the statements before it stay.
            snapshot = _Snapshot(self.states, self.values, self.lexed.enclosing[item.index], item.index)
        if not repeated:
            self.report_unexpected(item, self.region_start(snapshot.first))
        while not self.ends_statement(item, snapshot):
            item = next(stream)
        self.states[:] = snapshot.states
        self.values[:] = snapshot.values
        self.feed(self.error_statement(snapshot.first, item.index))
        self.failed_index = item.index
        return item

    def ends_statement(self, item: _Item, snapshot: _Snapshot) -> bool:
        if item.type == "$END":
            return True
        opener = snapshot.opener
        if opener >= 0 and self.lexed.closed_by.get(opener, item.index + 1) <= item.index:
            return True
        return item.type in ("NEWLINE", "SEMI") and self.lexed.enclosing[item.index] == opener

    def error_statement(self, first: int, stop: int) -> _Item:
        end_span = self.lexed.end if stop >= len(self.tokens) else self.tokens[stop].span
        if stop <= first:
            span = Span(end_span.start, end_span.start, end_span.line, end_span.col,
                        end_span.line, end_span.col)
        else:
            start, last = self.tokens[first].span, self.tokens[stop - 1].span
            span = Span(start.start, last.end, start.line, start.col, last.end_line, last.end_col)
        return _Item("ERRSTMT", None, span, 0)

    # ---------------------------------------------------- diagnostics

    def report(self, code: str, span: Span, message: str, since: int | None = None) -> None:
        """Records a diagnostic unless its statement (which starts at offset
        `since`) already has one: later ones are usually consequences."""
        if since is None:
            self.prune(self.index)
            since = self.region_start(self.snapshots[-1].first if self.snapshots else 0)
        if self.reported_until >= since:
            return
        lexer_error = bisect.bisect_left(self.lexer_offsets, since)
        if lexer_error < len(self.lexer_offsets) and self.lexer_offsets[lexer_error] <= span.end:
            return
        self.reported_until = max(self.reported_until, span.start)
        if len(self.diagnostics) <= MAX_DIAGNOSTICS:
            self.diagnostics.append(make(code, span, message))

    def region_start(self, first: int) -> int:
        """Where the source of the statement starting at token `first` begins:
        just after the token before it, so that an invalid character right
        before the statement counts as part of it."""
        return self.tokens[first - 1].span.end if first > 0 else 0

    def report_unexpected(self, item: _Item, since: int = 0) -> None:
        if any(self.lexed.is_open(bracket, item.index) for bracket in self.lexed.too_deep):
            return  # a consequence of the nesting the lexer reported
        expected = {symbol for symbol in self.table[self.states[-1]]
                    if symbol.isupper() and symbol != "ERRSTMT" and self.fits(symbol)}
        code, message = _syntax_error(self.lexed, item, expected)
        self.report(code, item.extent, message, since)

    def doc(self, span: Span) -> str | None:
        """The comment lines directly above a declaration that starts its line."""
        if self.text[span.start - span.col + 1:span.start].strip():
            return None
        lines, line = [], span.line - 1
        while line in self.lexed.own_line_comments:
            text = self.lexed.own_line_comments[line].text
            lines.append(text[1:] if text.startswith(" ") else text)
            line -= 1
        return "\n".join(reversed(lines)) if lines else None


# ------------------------------------------------------------ error messages

_CLOSER_OF = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE", "MAPBRACE": "RBRACE",
              "FIELD_OPEN": "FIELD_CLOSE"}
_TEXT_OF = {kind: text for text, kind in PUNCTUATION.items()} | {
    "MAPBRACE": "{", "FIELD_OPEN": "{", "FIELD_CLOSE": "}", "FIELD_SPEC": ":"}
_OPENER_TEXT = {"RPAR": "(", "RSQB": "[", "RBRACE": "{", "FIELD_CLOSE": "{"}
_ENDINGS = CLOSERS | {"$END", "NEWLINE", "SEMI"}
_VALUE_END = frozenset({"NAME", "INT", "FLOAT", "STRING", "TRUE", "FALSE", "NIL", "RPAR", "RSQB",
                        "RBRACE", "FSTRING_END"})
_WORDS = {"NAME": "a name", "INT": "a number", "FLOAT": "a number", "STRING": "a string",
          "NEWLINE": "a new line", "$END": "the end of the file", "FSTRING_START": "a string",
          "FSTRING_TEXT": "text", "FIELD_SPEC": "a format spec", "FSTRING_END": "the end of the f-string"}
#: Tokens that continue an expression.
_CONTINUATIONS = frozenset({
    "PLUS", "MINUS", "STAR", "SLASH", "DSLASH", "PERCENT", "POW", "EQEQ", "NE", "LT", "LE", "GT",
    "GE", "AMP", "PIPE", "CARET", "SHL", "SHR", "AND", "OR", "QUESTION", "DOTDOT", "DOTDOTEQ",
    "LPAR", "LSQB", "DOT", "IN", "NOT",
})
_ASSIGNMENTS = frozenset({"EQ", "PLUSEQ", "MINUSEQ", "STAREQ", "SLASHEQ", "DSLASHEQ", "PERCENTEQ", "POWEQ",
                          "AMPEQ", "PIPEEQ", "CARETEQ", "SHLEQ", "SHREQ"})
_WORD_ORDER = ["EQ", "ARROW", "LBRACE", "IN", "COLON", "NAME", "LPAR", "IF", "CATCH", "FINALLY", "COMMA",
               "NEWLINE", "SEMI", "RPAR", "RSQB", "RBRACE", "$END"]


def _syntax_error(lexed: Lexed, item: _Item, expected: set[str]) -> tuple[str, str]:
    """The code and message of an unexpected token."""
    fstring_problem = _fstring_error(lexed, item, expected)
    if fstring_problem is not None:
        return "E0014", fstring_problem
    prefix = "unexpected end of file" if item.type == "$END" else f"unexpected {_describe_token(item.node)}"
    if item.index in lexed.stray:
        return "E0005", f"{prefix}: there is no open `{_OPENER_TEXT[item.type]}` for it to close"
    opener = lexed.abandoned.get(item.index, lexed.enclosing[item.index])
    closer = _CLOSER_OF[lexed.tokens[opener].kind] if opener >= 0 else None
    if closer in expected:
        where = lexed.tokens[opener].span
        # A closer, an end of statement, or (inside brackets, where lines do
        # not end statements) a later line suggest the bracket was left open.
        later = item.extent.line > where.line and lexed.tokens[opener].kind != "LBRACE"
        if item.type in _ENDINGS or later:
            label = _bracket_label(lexed.tokens, opener)
            return "E0005", (f"{prefix}: expected `{_TEXT_OF[closer]}` to close the {label} "
                             f"opened at {where.line}:{where.col}")
    return "E0001", f"{prefix}: expected {_expected_words(expected)}"


_FIELD_ENDS = ("FIELD_CLOSE", "FIELD_SPEC")


def _fstring_error(lexed: Lexed, item: _Item, expected: set[str]) -> str | None:
    """A message for the mistakes that are particular to f-string fields."""
    tokens = lexed.tokens
    if item.type == "EQ" and item.index + 1 < len(tokens) and tokens[item.index + 1].kind in _FIELD_ENDS:
        return "Esker f-strings have no `{x=}` form: write `x={x}`"
    if item.type not in _FIELD_ENDS:
        return None
    if tokens[item.index - 1].kind == "FIELD_OPEN":
        return ("empty expression in an f-string: put an expression between `{` and `}` "
                "(write `{{` for a literal `{`)")
    if item.type == "FIELD_SPEC" and "COLON" in expected:
        return ("a `:` in an f-string field starts its format spec: put the conditional in "
                "parentheses, `{(c ? a : b)}`")
    return None


def _describe_token(token: Token) -> str:
    if token.kind == "FSTRING_END":
        return "end of the f-string"
    if token.kind == "FIELD_SPEC":
        return f"format spec `{token.text}`"
    text = token.text.split("\n")[0]
    text = text if len(text) <= 24 else text[:21] + "..."
    if token.kind == "NAME":
        return f"name `{text}`"
    if token.kind in ("INT", "FLOAT"):
        return f"number `{text}`"
    if token.kind == "STRING":
        return f"string `{text}`"
    if token.kind == "NEWLINE":
        return "end of line"
    return f"`{text}`"


def _expected_words(expected: set[str]) -> str:
    if "LET" in expected:
        return "a statement"
    if "FN" in expected or {"NOT", "NAME"} <= expected:
        return "an expression"
    if {"NAME", "INT", "LSQB"} <= expected:
        return "a pattern"
    # After an operand, every operator would fit; naming them does not help.
    after_operand = not expected.isdisjoint({"PLUS", "PIPE", "DOTDOT"})
    useful = (expected - _CONTINUATIONS if after_operand else None) or set(expected)
    if "PLUSEQ" in useful:
        useful -= _ASSIGNMENTS
    if "NEWLINE" in useful:
        useful.discard("$END")
    order = {kind: position for position, kind in enumerate(_WORD_ORDER)}
    words: list[str] = []
    for kind in sorted(useful, key=lambda kind: (order.get(kind, len(order)), kind)):
        word = _WORDS.get(kind) or f"`{kind.lower() if kind in KEYWORD_KINDS else _TEXT_OF[kind]}`"
        if word not in words:
            words.append(word)
    if not words:
        return "an operator"
    words = words[:4]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _bracket_label(tokens: list[Token], index: int) -> str:
    """What a bracket opens, for messages: "call", "block", "array" ..."""
    kind = tokens[index].kind
    before = tokens[index - 1].kind if index else None
    if kind == "LBRACE":
        if index >= 2 and tokens[index - 2].kind in ("STRUCT", "ENUM"):
            return f"{tokens[index - 2].text} body"
        return "block"
    if kind == "MAPBRACE":
        return "map"
    if kind == "FIELD_OPEN":
        return "f-string field"
    if kind == "LSQB":
        return "index" if before in _VALUE_END else "array"
    if before == "FN" or (before == "NAME" and index >= 2 and tokens[index - 2].kind == "FN"):
        return "parameter list"
    return "call" if before in _VALUE_END else "parenthesis"


# ------------------------------------------------------------------ the grammar

class _Table(dict):
    """The LALR table lark computes from vm/grammar.lark, in the form `_Run` reads:
    table[state][symbol] is (True, next state) for a shift or a goto, and
    (False, (size, goal, callback)) for a reduction. A statement may begin in
    the states where ERRSTMT can be shifted.

    A state's row is decoded from grammar_table.py when a parse first reaches
    it: a short program visits a few dozen of the table's hundreds of states."""

    def __init__(self, rows: tuple[str, ...], symbols: tuple[str, ...], actions: list[tuple]):
        super().__init__()
        self.rows, self.symbols, self.actions = rows, symbols, actions

    def __missing__(self, state: int) -> dict[str, tuple]:
        numbers = self.rows[state].split()
        row = self[state] = dict(zip(map(self.symbols.__getitem__, map(int, numbers[0::2])),
                                     map(self.actions.__getitem__, map(int, numbers[1::2]))))
        return row


@dataclass
class _Grammar:
    """The table, its callbacks, and what parses share."""

    builder: _AstBuilder
    table: _Table
    start_states: dict[str, int]
    end_states: dict[str, int]
    #: The builder holds the state of one parse at a time.
    lock: threading.Lock
    #: Memo of `_Run.fits`: (terminal, top states...) -> whether the terminal fits.
    fits: dict[tuple, bool] = field(default_factory=dict)


@functools.cache
def _grammar() -> _Grammar:
    return _load_grammar(_table_module())


def _table_module():
    """grammar_table.py, or the same table built in memory when vm/grammar.lark
    has been edited since that file was written (then lark analyses the grammar
    at every start until `python -m esker.vm.grammar_build` writes it again).
    An installation without the grammar file has only the table to go by."""
    from . import grammar_build, grammar_table

    try:
        text = grammar_build.grammar_text()
    except OSError:
        return grammar_table
    if grammar_table.GRAMMAR_CHECKSUM == grammar_build.checksum(text):
        return grammar_table
    from types import SimpleNamespace

    namespace: dict = {}
    exec(grammar_build.table_source(text), namespace)
    return SimpleNamespace(**namespace)


def _load_grammar(tables) -> _Grammar:
    """The `_Grammar` of a table in grammar_table.py's form."""
    builder = _AstBuilder()
    reductions = [_reduction(builder, tables.SYMBOLS, rule.split()) for rule in tables.RULES]
    actions = [(True, state) for state in range(len(tables.STATES))] + [(False, rule) for rule in reductions]
    return _Grammar(builder, _Table(tables.STATES, tables.SYMBOLS, actions), dict(tables.START_STATES),
                    dict(tables.END_STATES), threading.Lock())


def _reduction(builder: _AstBuilder, symbols: tuple[str, ...], fields: list[str]) -> tuple:
    """(size, goal, callback) of one of grammar_table.RULES. The callback shapes
    the rule's children as lark's tree builder does: the children at the
    splice positions (`_rule`s, built as plain lists) are spliced in first;
    then a `?rule` left with one child is that child."""
    name, size, goal, expand1, *splice = fields
    # A `_rule`'s children are a plain list that only its parent's splice reads.
    build = _as_list if name == "-" else getattr(builder, name)
    if expand1 == "1":
        build = functools.partial(_one_or_built, build)
    if splice:
        build = functools.partial(_spliced, frozenset(map(int, splice)), build)
    return int(size), symbols[int(goal)], build


def _as_list(children: list) -> list:
    return children


def _one_or_built(build, children: list):
    return children[0] if len(children) == 1 else build(children)


def _spliced(splice: frozenset[int], build, children: list):
    """A rule's children with the spliced ones' lists in their place. A
    left-recursive list rule (`_items: _items "," item`) splices its first
    child, a list it alone holds: that list is extended in place rather than
    copied, so that a list of n items is built in O(n), not O(n²)."""
    shaped: list | None = None
    for position, child in enumerate(children):
        if position in splice:
            if shaped is None:
                shaped = child
            else:
                shaped += child
        else:
            if shaped is None:
                shaped = []
            shaped.append(child)
    return build(shaped if shaped is not None else [])
