"""Compile-time diagnostics: the one registry of codes, and the record type.

Every diagnostic the front-end can report has a stable code listed in `CODES`
with its severity and a short explanation; `docs/diagnostics.md` is generated
from this table (`python -m esker.vm.diagnostics > docs/diagnostics.md`), so
the docs and the tools never disagree. The CLI, the language server and the
debugger all receive these same records.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .source import Span


class Severity(enum.IntEnum):
    """Ordered as LSP orders them: lower is more severe."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Tag(enum.Enum):
    """Extra facts an editor can show (greyed-out unused or unreachable code)."""

    UNNECESSARY = "unnecessary"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: Severity
    title: str
    explanation: str
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class Related:
    """Another place that explains a diagnostic (e.g. the first declaration)."""

    span: Span
    message: str
    path: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    span: Span
    message: str
    related: tuple[Related, ...] = ()
    tags: tuple[Tag, ...] = ()
    #: Machine-readable extras for quick fixes, e.g. {"suggestion": "total"}.
    data: dict = field(default_factory=dict, compare=False, hash=False)

    def format(self, path: str) -> str:
        """The `FILE:LINE:COL: SEVERITY[CODE]: MESSAGE` line of `esker check`."""
        return f"{path}:{self.span.line}:{self.span.col}: {self.severity.label}[{self.code}]: {self.message}"


def _codes(*infos: CodeInfo) -> dict[str, CodeInfo]:
    return {info.code: info for info in infos}


E, W = Severity.ERROR, Severity.WARNING
UNNECESSARY = (Tag.UNNECESSARY,)

CODES: dict[str, CodeInfo] = _codes(
    # Source text and syntax: E00xx
    CodeInfo("E0001", E, "syntax error",
             "The parser met a token that cannot continue the statement. The message names what "
             "was expected; the parser resumes at the next statement separator, so every broken "
             "statement of a file is reported in one pass."),
    CodeInfo("E0002", E, "unterminated string",
             "A string literal reaches the end of its line (or of the file) without its closing "
             "`\"`. Only triple-quoted strings (`\"\"\"…\"\"\"`, also `r\"\"\"` and `f\"\"\"`) span "
             "lines; elsewhere use `\\n` for a newline."),
    CodeInfo("E0003", E, "unknown escape sequence",
             "Inside a string only `\\n \\t \\r \\0 \\\\ \\\" \\u{HEX}` are escapes. `\\u{...}` must "
             "name a Unicode scalar value (at most 10FFFF, not a surrogate)."),
    CodeInfo("E0004", E, "malformed number",
             "A number literal is not well formed: a float needs a digit before and after the "
             "point (`0.5`, not `.5`; `1.0`, not `1.`), an exponent needs digits, `_` must stand between digits, and "
             "`0x`/`0o`/`0b` need digits of their base."),
    CodeInfo("E0005", E, "unclosed bracket",
             "A `(`, `[` or `{` is still open at the end of the file, or a closing bracket does "
             "not match the one that is open."),
    CodeInfo("E0006", E, "nesting too deep",
             "Brackets, blocks or expressions are nested deeper than the front-end supports "
             "(see the message for the limit). Split the expression or use helper functions."),
    CodeInfo("E0007", E, "invalid character",
             "A character that cannot start any token, such as a control character, a NUL byte "
             "or a stray `$`, appears outside a string or comment."),
    CodeInfo("E0008", E, "not a source file",
             "The file is not UTF-8 text (for example a binary file). Esker source is UTF-8."),
    CodeInfo("E0009", E, "chained comparison",
             "Comparison operators do not chain: write `a < b and b < c` instead of `a < b < c`."),
    CodeInfo("E0010", E, "invalid assignment target",
             "Only names, fields (`p.x`), elements (`a[i]`) and parenthesised tuples of those can "
             "be assigned; `let` and `const` bind names or tuples of names. A slice `a[i:j]` is a "
             "new value, not a view into `a`, so it cannot be assigned either."),
    CodeInfo("E0011", E, "too many errors",
             "The file has so many errors that reporting stopped; fix the first ones and check again."),
    CodeInfo("E0012", E, "invalid parameter list",
             "A rest parameter `...name` must be the last parameter, and parameters with a default "
             "come after those without one."),
    CodeInfo("E0013", E, "file too large",
             "Source files are limited to 4 MiB of text (see `MAX_SOURCE_CHARS` in vm/parser.py), "
             "which keeps every tool responsive; split a larger program into modules."),
    CodeInfo("E0014", E, "malformed f-string",
             "An f-string's replacement field is broken: a `{` not closed by `}` before the end of "
             "the f-string (or, for a one-line f-string, of the line), an empty field `{}`, a single "
             "`}` in the text (write `}}`; `{{` is a literal `{`), `{…}` nested inside a format "
             "spec, or Python syntax Esker does not have (`!r` conversions, `{x=}`). A conditional "
             "`c ? a : b` inside a field needs parentheses, since its `:` would start the spec."),
    CodeInfo("E0015", E, "invalid format spec",
             "The text after `:` in an f-string field is not a format spec: "
             "`[[fill]align][sign][#][0][width][grouping][.precision][type]`, with align one of "
             "`< > ^ =`, sign `+ - ` or a space, grouping `,` or `_`, and type one of "
             "`s d b o x X c e E f F g G %` (or none). See docs/language.md for what each part does."),
    CodeInfo("E0016", E, "import path without a name",
             "`import \"path/file.esk\"` binds the file's name without its folder and `.esk`; when "
             "that is not a valid name (`my-lib.esk`), say which name to bind: "
             "`import \"path/my-lib.esk\" as lib`. The path is a plain string literal."),
    # Names and scopes: E01xx
    CodeInfo("E0101", E, "undefined name",
             "Every name must be declared before it is read or assigned (functions, structs and "
             "enums are visible in their whole block). The message suggests a similar name in scope."),
    CodeInfo("E0102", E, "duplicate declaration",
             "A name is declared twice in the same block (parameters count as declarations of the "
             "function's body). Shadowing in an inner block is allowed."),
    CodeInfo("E0103", E, "assignment to a constant",
             "A name declared with `const` cannot be assigned again."),
    CodeInfo("E0104", E, "`break` outside a loop",
             "`break` must stand inside a `while` or `for` loop of the same function."),
    CodeInfo("E0105", E, "`continue` outside a loop",
             "`continue` must stand inside a `while` or `for` loop of the same function."),
    CodeInfo("E0106", E, "`return` outside a function",
             "`return` is only allowed inside a function body; a module ends by falling off its end."),
    CodeInfo("E0107", E, "`yield` outside a function",
             "`yield` makes the function around it a generator, so it must stand inside a function."),
    CodeInfo("E0108", E, "unknown struct field",
             "A struct pattern names a field the struct does not declare, so the pattern could "
             "never match."),
    CodeInfo("E0109", E, "unknown enum variant",
             "`Enum.Variant` names a variant the enum does not declare."),
    CodeInfo("E0110", E, "module not found",
             "`import a.b` looks for `a/b.esk` beside the importing file, then in each folder of "
             "the `ESKER_PATH` environment variable (`:` separated); `import \"path/file.esk\"` "
             "names a file relative to the importing file's folder."),
    CodeInfo("E0111", E, "circular import",
             "Modules import each other in a cycle, so one of them would see the other half-loaded. "
             "Move the shared parts into a third module."),
    CodeInfo("E0112", E, "unknown module member",
             "`module.name` names something the module does not declare at its top level."),
    CodeInfo("E0113", E, "inconsistent pattern alternatives",
             "Every alternative of `p1 | p2` must bind the same names."),
    CodeInfo("E0114", E, "imported module has syntax errors",
             "The module an `import` names does not parse, so the program cannot run. The message "
             "gives the module's first syntax error with its file, line and column; `esker check` "
             "on that file lists them all. Its members are not checked until it parses."),
    # Warnings: W01xx
    CodeInfo("W0101", W, "unused variable",
             "A local variable is declared but never read. Remove it, or start its name with `_` "
             "to say it is unused on purpose.", UNNECESSARY),
    CodeInfo("W0102", W, "unused parameter",
             "A parameter is never read. Start its name with `_` to say it is unused on purpose.",
             UNNECESSARY),
    CodeInfo("W0103", W, "unreachable code",
             "The statement follows a `return`, `break`, `continue` or `throw` in the same block, "
             "or a `try` statement that always leaves (its `finally` does, or its body and `catch` "
             "both do), so it can never run.", UNNECESSARY),
    CodeInfo("W0104", W, "wrong number of arguments",
             "A call passes more or fewer arguments than the function accepts (after defaults and "
             "rest parameters). The program still runs; the call raises `ArityError`."),
    CodeInfo("W0105", W, "non-exhaustive match",
             "A `match` over the variants of an enum misses some variants and has no `_` arm; a "
             "value of a missing variant raises `MatchError`. The quick fix adds the missing arms."),
    CodeInfo("W0106", W, "unreachable match arm",
             "An arm follows an arm that matches everything (`_` or a plain name without a guard), "
             "so it can never be chosen.", UNNECESSARY),
    CodeInfo("W0107", W, "bad struct construction",
             "A struct constructor gets an unknown or repeated field name, too many positional "
             "values, or misses a field that has no default. The program still runs; the call "
             "raises `ArityError`."),
    CodeInfo("W0108", W, "named arguments to a function",
             "Only struct constructors accept named arguments `name: value`; elsewhere the call "
             "raises `ArityError`."),
    CodeInfo("W0109", W, "`in` on a value that cannot contain",
             "`x in c` needs an array, tuple, range, map or string `c`, and a string `x` when `c` is "
             "a string. With a literal of another type (`1 in 5`, `1 in \"abc\"`) the expression "
             "raises `TypeError` when it runs."),
    CodeInfo("W0110", W, "jump out of `finally`",
             "A `return`, `break` or `continue` that leaves a `finally` block replaces whatever was "
             "leaving the `try`: a value being returned, and also an error being thrown, which is "
             "then silently lost. Move the jump after the `try` statement. (A `throw` in `finally` "
             "is not reported: replacing the error is what it says.)"),
    CodeInfo("W0111", W, "assignment to a module member",
             "A module's members are live (`counter.total` reads its current value) but only the "
             "module's own code assigns them: `mod.x = v` from another file raises `TypeError` when "
             "it runs. Give the module a function that makes the change."),
    CodeInfo("W0112", W, "unknown method",
             "A method is called on a literal (`\"abc\".lenght()`, `[1, 2].pussh(3)`) whose type has no "
             "method of that name. The program still runs; the call raises `AttributeError`. The "
             "methods of each builtin type are listed in the language reference."),
)


def make(code: str, span: Span, message: str, *, related: tuple[Related, ...] = (),
         data: dict | None = None) -> Diagnostic:
    """A diagnostic with the severity and tags its code is registered with."""
    info = CODES[code]
    return Diagnostic(code, info.severity, span, message, related, info.tags, data or {})


def render_markdown() -> str:
    """docs/diagnostics.md, generated from `CODES`."""
    lines = [
        "# Diagnostics",
        "",
        "Every diagnostic that `esker check`, `esker run` and the language server report has a",
        "stable code. Errors (`E`) stop a program from running; warnings (`W`) do not.",
        "This page is generated from `vm/diagnostics.py` by",
        "`python -m esker.vm.diagnostics > docs/diagnostics.md`.",
        "",
        "## Silencing a warning",
        "",
        "A comment `# esker: ignore[W0101]` on a line silences the warnings with that code",
        "that start on the line; several codes are separated by commas",
        "(`# esker: ignore[W0101, W0102]`), and `# esker: ignore` alone silences every",
        "warning of its line. The directive may follow other comment text",
        "(`# kept for later # esker: ignore[W0101]`). Errors cannot be silenced: a program",
        "with an error does not run. `esker check`, `esker run` and the language server",
        "leave silenced warnings out; the server offers the comment as a quick fix",
        "(\"Ignore W0101 on this line\") for each warning.",
        "",
        "## Codes",
        "",
        "| code | severity | title |",
        "|---|---|---|",
    ]
    for info in CODES.values():
        lines.append(f"| [{info.code}](#{info.code.lower()}) | {info.severity.label} | {info.title} |")
    for info in CODES.values():
        lines += ["", f"## {info.code}", "", f"**{info.severity.label}: {info.title}**", "", info.explanation]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
