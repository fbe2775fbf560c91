"""Esker code typed into a debugger: compiled as a function of the names a
stopped frame can see.

An expression is compiled into `fn _debug_eval(names...) { return (TEXT) }`;
where statements are allowed (the debug console), text that is no expression
is compiled as statements whose function returns the final values of those
names, so that assignments can be written back, followed by the values of the
names its own top level declares (`let`, `fn`), which the console keeps for
later entries in the same frame. Syntax errors are found by parsing the text
on its own, so they point into what the user typed, never into the wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import ast
from .analysis import analyze
from .debug_values import EvaluationError
from .diagnostics import Severity
from .modules import ModuleLoader
from .parser import parse

#: The function an expression is compiled into; its parameters are the names in scope.
EVAL_FUNCTION = "_debug_eval"
#: Lines of the wrapper before the text, to give positions in the text's own lines.
_WRAPPER_LINES = 2


@dataclass(frozen=True)
class Variable:
    """A name visible in a frame, and how to read and write it."""

    name: str
    read: Callable[[], object]
    write: Callable[[object], None]


@dataclass(frozen=True)
class Compiled:
    """Compiled text: its function, whether it is statements, and the names
    its top level declares (their values follow the variables' in the result)."""

    proto: object
    statements: bool
    declared: tuple[str, ...] = ()
    calls: bool = False


def wrap(text: str, names: list[str], statements: bool, declared: list[str] = ()) -> str:
    head = f"fn {EVAL_FUNCTION}({', '.join(names)}) {{\n"
    if statements:
        return f"{head}\n{text}\nreturn [{', '.join([*names, *declared])}]\n}}\n"
    return f"{head}return (\n{text}\n)\n}}\n"


def syntax_problem(text: str) -> str | None:
    """The first syntax error of `text` as an expression, positioned in the text; None if it has none."""
    problems = _syntax_errors(f"({text}\n)")
    return None if not problems else _located(problems[0], column_shift=1)


def _syntax_errors(text: str) -> list:
    return [item for item in parse(text, "<debugger>").diagnostics if item.severity == Severity.ERROR]


def _located(problem, column_shift: int = 0) -> str:
    column = problem.span.col - column_shift if problem.span.line == 1 else problem.span.col
    return f"{problem.span.line}:{max(column, 1)}: {problem.message}"


def _calls_in(node: ast.Node) -> bool:
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, (ast.Call, ast.MethodCall)):
            return True
        pending.extend(ast.children(item))
    return False


def compile_text(text: str, names: list[str], loader: ModuleLoader, *, statements_allowed: bool,
                 calls_allowed: bool) -> Compiled:
    """Compile Esker code typed by a user as a function of `names`.

    An expression is tried first; when the text is not one and statements
    are allowed, it is compiled as statements. Raises EvaluationError with a
    message positioned in the text.
    """
    as_statements = parse(text, "<debugger>")
    statement_errors = [item for item in as_statements.diagnostics if item.severity == Severity.ERROR]
    expression_errors = _syntax_errors(f"({text}\n)")
    if expression_errors and (statement_errors or not statements_allowed):
        # Neither form parses: the statements' error names the place best (the text as it was typed).
        if not statements_allowed and not statement_errors:
            raise EvaluationError("only an expression can be evaluated here; statements run in the debug console")
        raise EvaluationError(_located(statement_errors[0] if statement_errors else expression_errors[0]))
    statements = bool(expression_errors)
    declared = [name for name in ast.top_level_names(as_statements.program) if name not in names] \
        if statements else []
    result = analyze(wrap(text, names, statements, declared), "<debugger>", loader, compile=True)
    if result.errors:
        problem = result.errors[0]
        raise EvaluationError(f"{max(problem.span.line - _WRAPPER_LINES, 1)}:{problem.span.col}: {problem.message}")
    calls = _calls_in(result.program)
    if calls and not calls_allowed:
        raise EvaluationError("hovering does not call functions; use a watch or the console")
    return Compiled(_function_proto(result.proto), statements, tuple(declared), calls)


def _function_proto(module_proto):
    return next(proto for proto in module_proto.protos if proto.name == EVAL_FUNCTION)


# ----------------------------------------------------------------- completion

#: Esker's keywords, offered where a name can be typed.
KEYWORDS = ("and", "as", "break", "catch", "const", "continue", "else", "enum", "false", "finally", "fn", "for",
            "if", "import", "in", "let", "match", "nil", "not", "or", "return", "struct", "throw", "true", "try",
            "while", "yield")

_CLOSING = {")": "(", "]": "["}


def completion_context(text: str) -> tuple[str | None, str]:
    """What is being completed at the end of `text`: the expression before a
    `.` whose member is being typed (None for a plain name) and the part of
    the name typed so far. `xs[0].le` gives ("xs[0]", "le")."""
    end = len(text)
    start = end
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    prefix = text[start:end]
    if start == 0 or text[start - 1] != ".":
        return None, prefix
    return text[_operand_start(text, start - 1):start - 1].strip() or None, prefix


def _operand_start(text: str, end: int) -> int:
    """Where the postfix expression ending at `end` starts: names, `.`,
    balanced `(...)` and `[...]` and string literals, walking backwards."""
    index = end
    while index:
        char = text[index - 1]
        if char.isalnum() or char in "_.":
            index -= 1
        elif char in _CLOSING:
            depth, opening = 0, _CLOSING[char]
            while index:
                index -= 1
                depth += {char: 1, opening: -1}.get(text[index], 0)
                if depth == 0:
                    break
        elif char == '"':
            index -= 1
            while index and not (text[index - 1] == '"' and (index < 2 or text[index - 2] != "\\")):
                index -= 1
            index = max(index - 1, 0)
        else:
            break
    return index
