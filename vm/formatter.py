"""The Esker formatter: one layout for source text, with every comment kept.

`format_source` prints a file's syntax tree back as text: four-space
indentation, one statement per line, spaces around binary operators and
after commas, at most one blank line in a row. Choices the author made with
line breaks are kept where they carry meaning: a block written on one line
stays on one line, a list whose first item starts on its own line stays one
item per line, and a method chain broken before `.` stays broken. A
statement with a comment inside an expression is kept as written, so no
comment is ever lost. `esker fmt` and the language server's formatting
requests both use this module, and formatting is idempotent.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from . import ast
from .lexer import scan
from .parser import parse
from .diagnostics import Severity

INDENT = "    "

# Binding strength of each operator (higher binds tighter), as in §3.
_BINARY = {
    "|": 7, "^": 8, "&": 9, "<<": 10, ">>": 10, "+": 11, "-": 11,
    "*": 12, "/": 12, "//": 12, "%": 12, "**": 14,
    "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5, "in": 5, "not in": 5,
}
_COMPARISON = 5
_LOGICAL = {"or": 2, "and": 3}
_CONDITIONAL, _NOT, _RANGE, _PREFIX, _POWER, _POSTFIX, _PRIMARY = 1, 4, 6, 13, 14, 15, 16
# Function literals and `match` extend as far right as they can, so as an
# operand they always need parentheses.
_LOOSE = 0

_COMPOUND = (ast.If, ast.While, ast.For, ast.Try, ast.FnDecl, ast.StructDecl, ast.EnumDecl, ast.Block)


def format_source(text: str, indent: str = INDENT) -> str | None:
    """The formatted text, or None when the text has syntax errors.

    The result is checked by parsing it again: if it would not give the same
    syntax tree and comments, the text is returned unchanged. `indent` is
    one level of indentation (editors ask for their tab size).
    """
    formatted = _format(text, indent)
    return None if formatted is None else formatted[0]


def format_range(text: str, start: int, end: int, indent: str = INDENT) -> tuple[int, int, str] | None:
    """Format the top-level statements that overlap code-point offsets
    [start, end]: (start, end, replacement) of the whole lines they occupy, or
    None when there are syntax errors or nothing there changes."""
    formatted = _format(text, indent)
    if formatted is None:
        return None
    output, placed = formatted
    chosen = [item for item in placed if item.node.span.start <= end and item.node.span.end >= start]
    if not chosen:
        return None
    first, last = chosen[0], chosen[-1]
    lines = output.split("\n")
    region_start = text.rfind("\n", 0, first.node.span.start) + 1
    newline = text.find("\n", last.node.span.end)
    region_end = len(text) if newline == -1 else newline
    replacement = "\n".join(lines[first.first_line:last.last_line + 1])
    if text[region_start:region_end] == replacement:
        return None
    return region_start, region_end, replacement


def reindent_line(text: str, offset: int, indent: str = INDENT) -> tuple[int, int, str] | None:
    """The edit (start, end, new indentation) that gives the line holding
    `offset` the indentation its brackets call for, as an editor asks while
    typing (after `}` or a line break): one `indent` per bracket open before
    the line, one less when the line starts by closing one. It needs no
    parse, so it works in code still being written. None when the line
    starts inside a string or a comment, or is indented so already."""
    start = text.rfind("\n", 0, offset) + 1
    lexed = scan(text[:start])
    if lexed.ends_in != "code" or lexed.in_triple_quotes:
        return None
    depth, bracket = 0, lexed.enclosing[-1]
    while bracket >= 0:
        depth, bracket = depth + 1, lexed.enclosing[bracket]
    end = text.find("\n", start)
    line = text[start:len(text) if end == -1 else end]
    code = line.lstrip(" \t")
    if code[:1] in (")", "]", "}") and code:
        depth = max(depth - 1, 0)
    leading = len(line) - len(code)
    wanted = indent * depth
    return None if line[:leading] == wanted else (start, start + leading, wanted)


def minimal_edit(old: str, new: str) -> tuple[int, int, str] | None:
    """One replacement (start, end, text) in code points that turns `old`
    into `new`, trimmed to the part that differs; None when they are equal."""
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return prefix, len(old) - suffix, new[prefix:len(new) - suffix]


class _Placed:
    """Where a top-level statement landed in the output (0-based lines)."""

    def __init__(self, node: ast.Node, first_line: int, last_line: int):
        self.node = node
        self.first_line = first_line
        self.last_line = last_line


def _format(text: str, indent: str = INDENT) -> tuple[str, list[_Placed]] | None:
    parsed = parse(text, "<format>")
    if any(item.severity == Severity.ERROR for item in parsed.diagnostics):
        return None
    printer = _Printer(parsed.source.text, parsed.program.comments, indent)
    lines, placed = printer.top_level(parsed.program.body)
    # Line ends are LF throughout, also inside the text copied as written (a
    # multi-line string, a statement kept because of its comments): the lexer
    # reads a CRLF there as LF, so this changes no value.
    output = ("\n".join(lines) + "\n").replace("\r\n", "\n") if lines else ""
    again = parse(output, "<format>")
    if any(item.severity == Severity.ERROR for item in again.diagnostics) or \
            not same_tree(parsed.program, again.program):
        return text, []
    return output, placed


def same_tree(left: object, right: object) -> bool:
    """Whether two syntax trees are equal apart from their spans."""
    if type(left) is not type(right):
        return False
    if isinstance(left, ast.Node):
        return all(same_tree(getattr(left, f.name), getattr(right, f.name))
                   for f in dataclass_fields(left) if f.name != "span")
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_tree, left, right))
    return left == right or repr(left) == repr(right)


def _has_top_level_colon(text: str) -> bool:
    """Whether expression text holds a `:` outside every bracket, which inside
    an f-string field would start the format spec."""
    lexed = scan(text)
    return any(token.kind in ("COLON", "FIELD_SPEC") and lexed.enclosing[index] == -1
               for index, token in enumerate(lexed.tokens))


class _Lines:
    """The output lines of one sequence, and the source line printed last, so
    that one blank line stands where the source had one or more."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.last_line: int | None = None

    def add(self, text: str, first_line: int, last_line: int) -> None:
        if self.last_line is not None and first_line > self.last_line + 1:
            self.lines.append("")
        self.lines.extend(text.split("\n"))
        self.last_line = last_line


class _Printer:
    def __init__(self, text: str, comments: list[ast.Comment], indent: str = INDENT):
        self.text = text
        #: One level of indentation.
        self.indent = indent
        self.comments = sorted(comments, key=lambda comment: comment.span.start)
        #: Index of the first comment not printed yet.
        self.next = 0

    # ------------------------------------------------------------ comments

    def _comment_text(self, comment: ast.Comment) -> str:
        return "#" + comment.text.rstrip()

    def _pending(self, before: int) -> ast.Comment | None:
        if self.next < len(self.comments) and self.comments[self.next].span.start < before:
            return self.comments[self.next]
        return None

    def _trailing(self, line: int, before: int | None = None) -> str:
        """A comment that ends the source line `line` (and starts before offset
        `before`, where the next element begins), as `  # ...`."""
        if self.next < len(self.comments) and self.comments[self.next].span.line == line \
                and (before is None or self.comments[self.next].span.start < before):
            comment = self.comments[self.next]
            self.next += 1
            return "  " + self._comment_text(comment)
        return ""

    # -------------------------------------------------------------- blocks

    def top_level(self, body: list[ast.Stmt]) -> tuple[list[str], list[_Placed]]:
        placed: list[_Placed] = []
        lines = self._elements(body, 0, len(self.text), self._statement, placed)
        return lines, placed

    def _elements(self, nodes: list, depth: int, end: int, show, placed: list[_Placed] | None = None,
                  separator: str = "") -> list[str]:
        """Lines for a sequence of statements (or fields, variants, arms):
        comments between them, single blank lines where the source had any,
        and the comments left before offset `end`."""
        indent = self.indent * depth
        out = _Lines()
        for index, node in enumerate(nodes):
            following = nodes[index + 1].span.start if index + 1 < len(nodes) else None
            self._comments_before(node.span.start, indent, out)
            text = indent + self._guarded(node, depth, show) + separator + self._trailing(node.span.end_line, following)
            out.add(text, node.span.line, node.span.end_line)
            if placed is not None:
                placed.append(_Placed(node, len(out.lines) - 1 - text.count("\n"), len(out.lines) - 1))
        self._comments_before(end, indent, out)
        return out.lines

    def _comments_before(self, offset: int, indent: str, out: "_Lines") -> None:
        """The comments not printed yet that start before `offset`, each on its own line."""
        while (comment := self._pending(offset)) is not None:
            out.add(indent + self._comment_text(comment), comment.span.line, comment.span.line)
            self.next += 1

    def _guarded(self, node: ast.Node, depth: int, show) -> str:
        """`show(node, depth)`, or the node's source text when a comment inside
        it would otherwise be lost."""
        saved = self.next
        text = show(node, depth)
        if self._pending(node.span.end) is None:
            return text
        self.next = saved
        while self._pending(node.span.end) is not None:
            self.next += 1
        return self.text[node.span.start:node.span.end]

    def _block(self, block: ast.Block, depth: int, expand: bool = False) -> str:
        if not expand and self._inline_block(block):
            if not block.body:
                return "{}"
            return "{ " + self._statement(block.body[0], depth) + " }"
        header = "{" + self._trailing(block.span.line)
        lines = self._elements(block.body, depth + 1, block.span.end, self._statement)
        return "\n".join([header, *lines, self.indent * depth + "}"])

    def _inline_block(self, block: ast.Block) -> bool:
        if block.span.line != block.span.end_line or len(block.body) > 1:
            return False
        if self._pending(block.span.end) is not None:
            return False
        return not block.body or not isinstance(block.body[0], _COMPOUND)

    def _braced(self, nodes: list, depth: int, end: int, show, inline: bool, line: int) -> str:
        """`{ ... }` around struct members, enum variants or match arms."""
        if not nodes and self._pending(end) is None:
            return "{}"
        if inline and self._pending(end) is None:
            return "{ " + ", ".join(show(node, depth) for node in nodes) + " }"
        header = "{" + self._trailing(line)
        lines = self._elements(nodes, depth + 1, end, show)
        return "\n".join([header, *lines, self.indent * depth + "}"])

    # ---------------------------------------------------------- statements

    def _statement(self, node: ast.Node, depth: int) -> str:
        show = getattr(self, "_stmt_" + type(node).__name__, None)
        if show is None:
            return self.text[node.span.start:node.span.end]
        return show(node, depth)

    def _stmt_Let(self, node: ast.Let, depth: int) -> str:
        keyword = "const" if node.const else "let"
        head = f"{keyword} {self._binding(node.target)}"
        return head if node.value is None else f"{head} = {self.expr(node.value, depth)}"

    def _stmt_Assign(self, node: ast.Assign, depth: int) -> str:
        return f"{self.expr(node.target, depth)} {node.op or ''}= {self.expr(node.value, depth)}"

    def _stmt_ExprStmt(self, node: ast.ExprStmt, depth: int) -> str:
        text = self.expr(node.expr, depth)
        # A statement starting with `{` would be a block, one starting with
        # `fn` a declaration.
        return f"({text})" if text.startswith(("{", "fn (")) else text

    def _stmt_If(self, node: ast.If, depth: int, expand: bool = False) -> str:
        # An `if` with `else` spread over several lines gets every branch expanded.
        expand = expand or (node.orelse is not None and node.span.line != node.span.end_line)
        text = f"if {self.expr(node.cond, depth)} {self._block(node.then, depth, expand)}"
        if isinstance(node.orelse, ast.If):
            return f"{text} else {self._stmt_If(node.orelse, depth, expand)}"
        if node.orelse is not None:
            return f"{text} else {self._block(node.orelse, depth, expand)}"
        return text

    def _stmt_While(self, node: ast.While, depth: int) -> str:
        return f"while {self.expr(node.cond, depth)} {self._block(node.body, depth)}"

    def _stmt_For(self, node: ast.For, depth: int) -> str:
        names = self._binding(node.var)
        if node.index is not None:
            names = f"{self._binding(node.index)}, {names}"
        return f"for {names} in {self.expr(node.iterable, depth)} {self._block(node.body, depth)}"

    def _stmt_Break(self, node: ast.Break, depth: int) -> str:
        return "break"

    def _stmt_Continue(self, node: ast.Continue, depth: int) -> str:
        return "continue"

    def _stmt_Return(self, node: ast.Return, depth: int) -> str:
        return "return" if node.value is None else f"return {self.expr(node.value, depth)}"

    def _stmt_Yield(self, node: ast.Yield, depth: int) -> str:
        return "yield" if node.value is None else f"yield {self.expr(node.value, depth)}"

    def _stmt_Throw(self, node: ast.Throw, depth: int) -> str:
        return f"throw {self.expr(node.value, depth)}"

    def _stmt_Try(self, node: ast.Try, depth: int) -> str:
        text = f"try {self._block(node.body, depth)}"
        if node.handler is not None:
            catch = "catch" if node.name is None else f"catch {node.name.name}"
            text += f" {catch} {self._block(node.handler, depth)}"
        if node.finalizer is not None:
            text += f" finally {self._block(node.finalizer, depth)}"
        return text

    def _stmt_Import(self, node: ast.Import, depth: int) -> str:
        if node.path is not None:
            text = "import " + self._source(node.path)
        else:
            text = "import " + ".".join(part.name for part in node.parts)
        return text if node.alias is None else f"{text} as {node.alias.name}"

    def _stmt_Block(self, node: ast.Block, depth: int) -> str:
        return self._block(node, depth)

    def _stmt_FnDecl(self, node: ast.FnDecl, depth: int) -> str:
        return f"fn {node.name.name}({self._params(node.params, depth)}) {self._block(node.body, depth)}"

    def _stmt_StructDecl(self, node: ast.StructDecl, depth: int) -> str:
        members = sorted([*node.fields, *node.methods], key=lambda member: member.span.start)
        inline = node.span.line == node.span.end_line and not node.methods
        return f"struct {node.name.name} " + self._braced(members, depth, node.span.end, self._member,
                                                          inline, node.name.span.line)

    def _stmt_EnumDecl(self, node: ast.EnumDecl, depth: int) -> str:
        members = sorted([*node.variants, *node.methods], key=lambda member: member.span.start)
        inline = node.span.line == node.span.end_line and not node.methods
        return f"enum {node.name.name} " + self._braced(members, depth, node.span.end, self._member,
                                                        inline, node.name.span.line)

    def _member(self, node: ast.Node, depth: int) -> str:
        if isinstance(node, ast.FieldDecl):
            return node.name.name if node.default is None else \
                f"{node.name.name} = {self.expr(node.default, depth)}"
        if isinstance(node, ast.VariantDecl):
            if node.fields is None:
                return node.name.name
            return f"{node.name.name}({', '.join(item.name for item in node.fields)})"
        return self._statement(node, depth)

    def _binding(self, node: ast.Node) -> str:
        if isinstance(node, ast.BindTuple):
            items = [self._binding(item) for item in node.items]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return node.name

    def _params(self, params: list[ast.Param], depth: int) -> str:
        shown = []
        for param in params:
            text = ("..." if param.rest else "") + param.name.name
            if param.default is not None:
                text += " = " + self.expr(param.default, depth)
            shown.append(text)
        return ", ".join(shown)

    # --------------------------------------------------------- expressions

    def expr(self, node: ast.Node, depth: int, least: int = _LOOSE) -> str:
        """`node` as text, parenthesised when it binds looser than `least`."""
        text, strength = getattr(self, "_expr_" + type(node).__name__)(node, depth)
        return f"({text})" if strength < least else text

    def _source(self, node: ast.Node) -> str:
        return self.text[node.span.start:node.span.end]

    def _expr_Literal(self, node: ast.Literal, depth: int):
        if node.span.end > node.span.start:
            return self._source(node), _PRIMARY
        return ("nil" if node.value is None else repr(node.value)), _PRIMARY

    def _expr_FString(self, node: ast.FString, depth: int):
        """The prefix, quotes, literal text and specs exactly as written; the
        expression of each field formatted like any other."""
        pieces, copied = [], node.span.start
        for field in node.parts:
            if type(field) is ast.FormatField:
                pieces += [self.text[copied:field.span.start], self._field(field, depth)]
                copied = field.span.end
        pieces.append(self.text[copied:node.span.end])
        return "".join(pieces), _PRIMARY

    def _field(self, field: ast.FormatField, depth: int) -> str:
        """`{expr:spec}`. An expression that would not read back the same
        inside the braces is adjusted: one with a `:` of its own at the top
        (`c ? a : b`) is parenthesised, one starting with `{` gets spaces
        (`{{` is a literal brace), and one that would break over lines keeps
        its source text."""
        text = self.expr(field.expr, depth)
        if "\n" in text:
            end = field.spec.span.start - 1 if field.spec is not None else field.span.end - 1
            text = self.text[field.span.start + 1:end]
        elif _has_top_level_colon(text):
            text = f"({text})"
        elif text.startswith("{"):
            text = f" {text} "
        spec = "" if field.spec is None else ":" + field.spec.text
        return "{" + text + spec + "}"

    def _expr_Name(self, node: ast.Name, depth: int):
        return node.name, _PRIMARY

    def _expr_ErrorExpr(self, node: ast.ErrorExpr, depth: int):
        return self._source(node), _PRIMARY

    def _expr_Unary(self, node: ast.Unary, depth: int):
        if node.op == "not":
            return "not " + self.expr(node.operand, depth, _NOT), _NOT
        operand = self.expr(node.operand, depth, _PREFIX)
        return node.op + (" " if operand.startswith(node.op) else "") + operand, _PREFIX

    def _expr_Binary(self, node: ast.Binary, depth: int):
        strength = _BINARY[node.op]
        if node.op == "**":
            # Right-associative; a prefix operator may stand on its right.
            left, right = _POWER + 1, _PREFIX
        elif strength == _COMPARISON:
            left = right = strength + 1
        else:
            left, right = strength, strength + 1
        text = f"{self.expr(node.left, depth, left)} {node.op} {self.expr(node.right, depth, right)}"
        return text, strength

    def _expr_Logical(self, node: ast.Logical, depth: int):
        strength = _LOGICAL[node.op]
        text = f"{self.expr(node.left, depth, strength)} {node.op} {self.expr(node.right, depth, strength + 1)}"
        return text, strength

    def _expr_Conditional(self, node: ast.Conditional, depth: int):
        cond = self.expr(node.cond, depth, _CONDITIONAL + 1)
        then = self.expr(node.then, depth, _CONDITIONAL + 1)
        return f"{cond} ? {then} : {self.expr(node.orelse, depth, _CONDITIONAL)}", _CONDITIONAL

    def _expr_RangeExpr(self, node: ast.RangeExpr, depth: int):
        op = "..=" if node.inclusive else ".."
        text = f"{self.expr(node.start, depth, _RANGE + 1)}{op}{self.expr(node.end, depth, _RANGE + 1)}"
        return text, _RANGE

    def _receiver(self, node: ast.Node, depth: int) -> str:
        if isinstance(node, ast.Literal) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return f"({self._source(node)})"
        return self.expr(node, depth, _POSTFIX)

    def _dot(self, receiver: ast.Node, name: ast.Ident, depth: int) -> str:
        """`receiver.name`, broken before the `.` when the source was."""
        broken = name.span.line > receiver.span.end_line
        return self._receiver(receiver, depth) + ("\n" + self.indent * (depth + 1) if broken else "") + "." + name.name

    def _expr_Field(self, node: ast.Field, depth: int):
        return self._dot(node.obj, node.name, depth), _POSTFIX

    def _expr_MethodCall(self, node: ast.MethodCall, depth: int):
        head = self._dot(node.receiver, node.name, depth)
        return head + self._arguments(node, node.name.span.end_line, depth), _POSTFIX

    def _expr_Call(self, node: ast.Call, depth: int):
        head = self._receiver(node.callee, depth)
        return head + self._arguments(node, node.callee.span.end_line, depth), _POSTFIX

    def _arguments(self, node: ast.Call | ast.MethodCall, line: int, depth: int) -> str:
        items = sorted([*node.args, *node.kwargs], key=lambda item: item.span.start)
        return self._sequence("(", items, ")", line, node.span.end, depth)

    def _expr_Index(self, node: ast.Index, depth: int):
        return f"{self._receiver(node.obj, depth)}[{self.expr(node.index, depth)}]", _POSTFIX

    def _expr_Slice(self, node: ast.Slice, depth: int):
        start = "" if node.start is None else self.expr(node.start, depth)
        stop = "" if node.stop is None else self.expr(node.stop, depth)
        return f"{self._receiver(node.obj, depth)}[{start}:{stop}]", _POSTFIX

    def _expr_NamedArg(self, node: ast.NamedArg, depth: int):
        return f"{node.name.name}: {self.expr(node.value, depth)}", _LOOSE

    def _expr_TupleExpr(self, node: ast.TupleExpr, depth: int):
        if len(node.items) == 1:
            return f"({self.expr(node.items[0], depth)},)", _PRIMARY
        return self._sequence("(", node.items, ")", node.span.line, node.span.end, depth), _PRIMARY

    def _expr_ArrayExpr(self, node: ast.ArrayExpr, depth: int):
        return self._sequence("[", node.items, "]", node.span.line, node.span.end, depth), _PRIMARY

    def _expr_MapExpr(self, node: ast.MapExpr, depth: int):
        return self._sequence("{", node.entries, "}", node.span.line, node.span.end, depth), _PRIMARY

    def _expr_MapEntry(self, node: ast.MapEntry, depth: int):
        return f"{self.expr(node.key, depth)}: {self.expr(node.value, depth)}", _LOOSE

    def _sequence(self, opening: str, items: list, closing: str, line: int, end: int, depth: int) -> str:
        """Items between brackets: on one line, or one per line with a
        trailing comma when the source put the first item on its own line."""
        if not items or items[0].span.line == line:
            return opening + ", ".join(self.expr(item, depth) for item in items) + closing
        lines = self._elements(items, depth + 1, end, self._item, separator=",")
        return "\n".join([opening, *lines, self.indent * depth + closing])

    def _item(self, node: ast.Node, depth: int) -> str:
        return self.expr(node, depth)

    def _expr_FnExpr(self, node: ast.FnExpr, depth: int):
        head = f"fn ({self._params(node.params, depth)})"
        if node.arrow and node.body.body and isinstance(node.body.body[0], ast.Return):
            value = node.body.body[0].value
            body = self.expr(value, depth) if value is not None else "nil"
            return f"{head} => " + (f"({body})" if body.startswith("{") else body), _LOOSE
        return f"{head} {self._block(node.body, depth)}", _LOOSE

    def _expr_Match(self, node: ast.Match, depth: int):
        inline = node.span.line == node.span.end_line and not any(isinstance(arm.body, ast.Block)
                                                                   for arm in node.arms)
        arms = self._braced(node.arms, depth, node.span.end, self._arm, inline, node.subject.span.end_line)
        return f"match {self.expr(node.subject, depth)} {arms}", _LOOSE

    def _arm(self, arm: ast.MatchArm, depth: int) -> str:
        head = self.pattern(arm.pattern)
        if arm.guard is not None:
            head += f" if {self.expr(arm.guard, depth)}"
        if isinstance(arm.body, ast.Block):
            return f"{head} => {self._block(arm.body, depth)}"
        body = self.expr(arm.body, depth)
        return f"{head} => " + (f"({body})" if body.startswith("{") else body)

    # ------------------------------------------------------------ patterns

    def pattern(self, node: ast.Node) -> str:
        if isinstance(node, ast.PWildcard):
            return "_"
        if isinstance(node, ast.PBind):
            return node.name
        if isinstance(node, (ast.PLiteral, ast.PRange)):
            return self._source(node)
        if isinstance(node, ast.POr):
            return " | ".join(self.pattern(alt) for alt in node.alternatives)
        if isinstance(node, ast.PTuple):
            items = [self.pattern(item) for item in node.items]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(node, ast.PArray):
            items = [self.pattern(item) for item in node.items]
            if node.rest is not None:
                items.append("..." + (node.rest.name if isinstance(node.rest, ast.PBind) else ""))
            return "[" + ", ".join(items) + "]"
        path = ".".join(part.name for part in node.path)
        if isinstance(node, ast.PVariant):
            args = "" if node.args is None else "(" + ", ".join(self.pattern(arg) for arg in node.args) + ")"
            return f"{path}.{node.variant.name}{args}"
        fields = [f.name.name if f.pattern is None else f"{f.name.name}: {self.pattern(f.pattern)}"
                  for f in node.fields]
        return f"{path}(" + ", ".join(fields) + ")"
