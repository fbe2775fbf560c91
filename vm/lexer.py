"""The Esker lexer: source text to tokens, comments and lexical diagnostics.

Besides cutting the text into tokens it applies the layout rules of the
language reference (§1): it keeps only the newlines that end a statement,
drops a newline before `else`, `catch` or a line starting with `.`, and tells
a block `{` (kind LBRACE) from a map `{` (kind MAPBRACE), so the grammar sees
neither question. It also records how brackets nest, which the parser uses for
error recovery and for messages such as "expected `)` to close the call opened
at 3:10"; and when a line inside `( )` or `[ ]` starts with a keyword that only
begins statements (`let`, `return` ...), it ends those brackets there, taking
them for a mistake, so that one unclosed bracket does not swallow the file.

Strings (§1, §13.3): plain `"…"`, raw `r"…"` (no escapes) and triple-quoted
(multi-line) forms are one STRING token each, with the decoded value. An f-string
is cut up as Python 3.12 does: FSTRING_START, then FSTRING_TEXT for each run of
literal text, and for each replacement field FIELD_OPEN, the expression's own
tokens, an optional FIELD_SPEC (`:` and the spec) and FIELD_CLOSE, then
FSTRING_END. A field is a bracket like `(`, so the expression inside may hold
brackets, strings and nested f-strings; it ends at the first `:` or `}` at its
own level.
"""

from __future__ import annotations

import contextlib
import gc
import re
from dataclasses import dataclass, field

from . import ast
from .diagnostics import Diagnostic, make
from .source import Span, lone_returns_as_newlines

#: Longest source text the front-end accepts (in code points); longer text gets E0013.
MAX_SOURCE_CHARS = 4 * 1024 * 1024
#: Most brackets and blocks open at once; the bracket past this gets E0006.
MAX_NESTING = 200
#: Diagnostics shown before the rest are summarised by one E0011.
MAX_DIAGNOSTICS = 100

KEYWORDS = frozenset(
    "and as break catch const continue else enum false finally fn for if import in let match nil not "
    "or return struct throw true try while yield".split()
)
#: Token kinds of keywords: the keyword in capitals (`let` -> LET).
KEYWORD_KINDS = frozenset(word.upper() for word in KEYWORDS)

PUNCTUATION = {
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "//": "DSLASH", "%": "PERCENT",
    "**": "POW", "==": "EQEQ", "!=": "NE", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE",
    "=": "EQ", "+=": "PLUSEQ", "-=": "MINUSEQ", "*=": "STAREQ", "/=": "SLASHEQ",
    "//=": "DSLASHEQ", "%=": "PERCENTEQ", "**=": "POWEQ", "&=": "AMPEQ", "|=": "PIPEEQ",
    "^=": "CARETEQ", "<<=": "SHLEQ", ">>=": "SHREQ", "&": "AMP", "|": "PIPE", "^": "CARET", "~": "TILDE",
    "<<": "SHL", ">>": "SHR", "(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB",
    "{": "LBRACE", "}": "RBRACE", ",": "COMMA", ".": "DOT", ":": "COLON", ";": "SEMI",
    "=>": "ARROW", "?": "QUESTION", "..": "DOTDOT", "..=": "DOTDOTEQ", "...": "ELLIPSIS",
}

LITERAL_KINDS = frozenset({"INT", "FLOAT", "STRING"})
#: A newline after one of these ends the statement (§1); after anything else it is layout.
_ENDS_EXPRESSION = LITERAL_KINDS | {"FSTRING_END", "NAME", "TRUE", "FALSE", "NIL", "RETURN", "BREAK",
                                    "CONTINUE", "YIELD", "RPAR", "RSQB", "RBRACE"}
#: A `{` after one of these (or at the start of a statement) opens a block, elsewhere a map.
_BLOCK_BRACE_AFTER = LITERAL_KINDS | {"FSTRING_END", "NAME", "TRUE", "FALSE", "NIL", "RPAR", "RSQB",
                                      "RBRACE", "ELSE", "TRY", "CATCH", "FINALLY", "ARROW"}
_STATEMENT_START_AFTER = frozenset({None, "NEWLINE", "SEMI", "LBRACE"})
#: Keywords that only begin statements, so never stand inside an expression's brackets.
_STATEMENT_ONLY = frozenset({"LET", "CONST", "STRUCT", "ENUM", "IMPORT", "IF", "ELSE", "WHILE",
                             "FOR", "RETURN", "BREAK", "CONTINUE", "THROW", "TRY", "CATCH",
                             "FINALLY", "YIELD"})
#: A newline just before one of these is not a separator.
_CONTINUES_LINE = frozenset({"ELSE", "CATCH", "FINALLY", "DOT"})
_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE", "MAPBRACE": "RBRACE",
            "FIELD_OPEN": "FIELD_CLOSE"}
CLOSERS = frozenset(_OPENERS.values())
#: Brackets that a line starting a statement does not end (see close_abandoned_brackets).
_KEPT_OPEN = frozenset({"LBRACE", "FIELD_OPEN"})

_MASTER = re.compile(r"""
    (?P<space>[ \t\r\f]+)
  | (?P<newline>\n)
  | (?P<comment>\#(?:[^\r\n]|\r(?!\n))*)
  | (?P<string>(?:rf|fr|r|f)?")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]|\.[0-9])
  | (?P<punct>\.\.\.|\.\.=|\.\.|//=|\*\*=|<<=|>>=|\*\*|//|==|!=|<=|>=|<<|>>|\+=|-=|\*=|/=|%=|&=|\|=|\^=|=>
               |[-+*/%<>=&|^~()\[\]{},.:;?])
  | (?P<invalid>(?:[^\t\n\r\f\x20-\x7e]|[$`@'\\!])+)
""", re.VERBOSE)

_NUMBER = re.compile(r"""
    0(?P<base>[xXoObB])(?P<digits>[0-9A-Za-z_]*)
  | (?P<int>[0-9][0-9_]*)?(?:\.(?P<frac>[0-9][0-9_]*))?(?:[eE](?P<exp>[+-]?[0-9_]*))?(?P<junk>[A-Za-z0-9_]*)
""", re.VERBOSE)
_DIGIT_GROUPS = {
    "x": re.compile(r"[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*"),
    "o": re.compile(r"[0-7]+(?:_[0-7]+)*"),
    "b": re.compile(r"[01]+(?:_[01]+)*"),
    "d": re.compile(r"[0-9]+(?:_[0-9]+)*"),
}
_BASES = {"x": 16, "o": 8, "b": 2}
#: Decimal literals longer than this are refused rather than converted slowly.
_MAX_DECIMAL_DIGITS = 100_000
_DECIMAL_CHUNK = 4000

_PLAIN_STRING = re.compile(r'"([^"\\\n]*)"')
#: Runs of string text without anything special: for strings, and for f-strings (braces).
_STRING_CHUNK = re.compile(r'[^"\\\n]*')
_FSTRING_CHUNK = re.compile(r'[^"\\\n{}]*')
#: A format spec runs to the `}` that ends its field.
_SPEC_CHUNK = re.compile(r'[^"\n{}]*')
#: Python's conversions (`{x!r}`), which Esker does not have.
_CONVERSION = re.compile(r"!([rsa])\s*(?=[:}])")
#: A string that closes on its line (backslashes escape the next character).
_CLOSED_STRING = re.compile(r'"(?:[^"\\\n]|\\[^\n])*"')
#: What a `{` inside a format spec spans, for the diagnostic.
_NESTED_SPEC_FIELD = re.compile(r'\{[^}"\n]*\}?')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"'}
_UNICODE_ESCAPE = re.compile(r"u\{([0-9a-fA-F]{1,6})\}")


@dataclass(frozen=True)
class Token:
    """One token. `kind` is the grammar's terminal name (NAME, INT, LET, PLUS,
    LBRACE for a block `{`, MAPBRACE for a map `{`, NEWLINE ...); `value` is
    the decoded literal for INT, FLOAT and STRING tokens, else None."""

    kind: str
    text: str
    value: object
    span: Span


@dataclass
class Lexed:
    """Everything the lexer learns about a text.

    `enclosing[i]` is the index of the innermost bracket open just before
    token i (-1 at the top level); its last entry describes the end of the
    file. `closed_by` maps an opening bracket's index to the index of the token
    that closed it (a mismatched closer may close several at once); `stray`
    holds closers that matched no open bracket. `abandoned` maps a NEWLINE
    that ended brackets left open (see `_Scanner.close_abandoned_brackets`) to
    the innermost of them. `too_deep` lists the brackets reported for nesting
    deeper than MAX_NESTING. `own_line_comments` maps a line number to the
    comment that is alone on that line. `ends_in` says what the end of the
    text is inside: "code", "string" (an unterminated string or f-string
    text) or "comment"; `in_triple_quotes` whether it ends inside a
    triple-quoted string or f-string (its text or a field), which more
    lines could still close.
    """

    tokens: list[Token]
    comments: list[ast.Comment]
    diagnostics: list[Diagnostic]
    end: Span
    enclosing: list[int] = field(default_factory=list)
    closed_by: dict[int, int] = field(default_factory=dict)
    stray: set[int] = field(default_factory=set)
    abandoned: dict[int, int] = field(default_factory=dict)
    too_deep: list[int] = field(default_factory=list)
    own_line_comments: dict[int, ast.Comment] = field(default_factory=dict)
    ends_in: str = "code"
    in_triple_quotes: bool = False

    def is_open(self, opener: int, index: int) -> bool:
        """True when bracket `opener` (-1: the top level) is still open at token `index`."""
        return opener < 0 or (opener < index and self.closed_by.get(opener, index) >= index)


def tokenize(text: str) -> tuple[list[Token], list[ast.Comment], list[Diagnostic]]:
    """Tokens (only significant NEWLINEs, no end-of-file token), comments and
    lexical diagnostics of `text`, in source order."""
    with gc_paused():
        lexed = scan(text)
    return lexed.tokens, lexed.comments, cap_diagnostics(lexed.diagnostics)


@contextlib.contextmanager
def gc_paused():
    """Pauses Python's cycle collector: the front-end allocates many small
    objects that all stay alive, so its repeated scans of them only cost time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scan(text: str) -> Lexed:
    """The full lexer result, as the parser needs it."""
    text = lone_returns_as_newlines(text)
    if len(text) > MAX_SOURCE_CHARS:
        start = Span(0, 0, 1, 1, 1, 1)
        message = (f"the file is too large: {len(text):,} characters, the limit is "
                   f"{MAX_SOURCE_CHARS:,}; split it into modules")
        return Lexed([], [], [make("E0013", start, message)], start, [-1])
    return _Scanner(text).run()


def cap_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sorts diagnostics by position and keeps the first MAX_DIAGNOSTICS, then one E0011."""
    ordered = sorted(diagnostics, key=lambda diagnostic: diagnostic.span.start)
    if len(ordered) <= MAX_DIAGNOSTICS:
        return ordered
    rest = ordered[MAX_DIAGNOSTICS]
    message = f"too many errors: stopped after the first {MAX_DIAGNOSTICS}"
    return ordered[:MAX_DIAGNOSTICS] + [make("E0011", rest.span, message)]


@dataclass
class _FString:
    """An f-string being scanned: its FSTRING_START token, its closing quote,
    whether it is raw, and the position in `_Scanner.brackets` of its open
    replacement field (-1 while scanning its literal text)."""

    opening: Token
    quote: str
    raw: bool
    field: int = -1


def _describe_character(char: str) -> str:
    """A character as messages show it: `$` or U+0000."""
    return f"`{char}`" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


class _Scanner:
    """One pass over the text; `run` returns the Lexed result."""

    def __init__(self, text: str):
        self.text = text
        self.line = 1
        self.line_start = 0
        self.line_has_code = False
        self.tokens: list[Token] = []
        self.comments: list[ast.Comment] = []
        self.diagnostics: list[Diagnostic] = []
        self.enclosing: list[int] = []
        self.closed_by: dict[int, int] = {}
        self.stray: set[int] = set()
        self.abandoned: dict[int, int] = {}
        self.too_deep_brackets: list[int] = []
        self.own_line_comments: dict[int, ast.Comment] = {}
        # Open brackets as (token index, kind); and whether the nesting limit was reported.
        self.brackets: list[tuple[int, str]] = []
        self.too_deep = False
        self.pending_newline: Span | None = None
        self.last_newline: Span | None = None
        self.fstrings: list[_FString] = []
        self.ends_in = "code"
        self.in_triple_quotes = False

    # ------------------------------------------------------------ main loop

    def run(self) -> Lexed:
        text, pos, end = self.text, 0, len(self.text)
        fstrings = self.fstrings
        while pos < end:
            if fstrings and fstrings[-1].field < 0:
                pos = self.fstring_text(pos)
                continue
            match = _MASTER.match(text, pos)
            group = match.lastgroup
            if group == "space":
                pos = match.end()
            elif group == "newline":
                if fstrings and len(fstrings[-1].quote) == 1:
                    self.abandon_fstring(pos, "the end of the line")
                    continue
                self.newline(pos)
                pos += 1
            elif group == "comment":
                self.comment(pos, match.end())
                pos = match.end()
            elif group == "name":
                word = match.group()
                self.emit(word.upper() if word in KEYWORDS else "NAME", pos, match.end())
                pos = match.end()
            elif group == "number":
                pos = self.number(pos)
            elif group == "string":
                pos = self.string(pos)
            elif group == "punct":
                if match.group() == ":" and self.at_field_level():
                    pos = self.format_spec(pos)
                    continue
                self.punctuation(match.group(), pos)
                pos = match.end()
            else:
                pos = self.invalid(pos, match.end())
        while fstrings:
            if fstrings[-1].field < 0:
                self.fstring_text(end)
            else:
                self.abandon_fstring(end, "the end of the file")
        if self.comments and self.comments[-1].span.end == end:
            self.ends_in = "comment"
        self.flush_newline(None)
        self.enclosing.append(self.innermost())
        end_span = self.span(end, end)
        return Lexed(self.tokens, self.comments, self.diagnostics, end_span, self.enclosing,
                     self.closed_by, self.stray, self.abandoned, self.too_deep_brackets,
                     self.own_line_comments, self.ends_in, self.in_triple_quotes)

    def innermost(self) -> int:
        """The token index of the innermost open bracket, or -1."""
        return self.brackets[-1][0] if self.brackets else -1

    def span(self, start: int, end: int) -> Span:
        """Span of text on the current line."""
        col = start - self.line_start + 1
        return Span(start, end, self.line, col, self.line, col + end - start)

    def report(self, code: str, start: int, end: int, message: str) -> None:
        self.report_at(code, self.span(start, end), message)

    def report_at(self, code: str, span: Span, message: str) -> None:
        # Only the first ones can be shown (see cap_diagnostics); the rest would cost time.
        if len(self.diagnostics) <= MAX_DIAGNOSTICS:
            self.diagnostics.append(make(code, span, message))

    def emit(self, kind: str, start: int, end: int, value: object = None,
             first: tuple[int, int] | None = None) -> None:
        """Appends a token. `first` is the (line, column) where a token that
        spans lines began; the scanner is then already on its last line."""
        if kind in _STATEMENT_ONLY and not self.line_has_code:
            self.close_abandoned_brackets()
        if self.pending_newline is not None:
            self.flush_newline(kind)
        self.enclosing.append(self.innermost())
        end_col = end - self.line_start + 1
        line, col = first if first is not None else (self.line, end_col - (end - start))
        span = Span(start, end, line, col, self.line, end_col)
        self.tokens.append(Token(kind, self.text[start:end], value, span))
        self.line_has_code = True

    # -------------------------------------------------------------- layout

    def newline(self, pos: int) -> None:
        self.last_newline = self.span(pos, pos + 1)
        if self.pending_newline is None and self.newline_counts():
            self.pending_newline = self.last_newline
        self.line += 1
        self.line_start = pos + 1
        self.line_has_code = False

    def newline_counts(self) -> bool:
        in_block = not self.brackets or self.brackets[-1][1] == "LBRACE"
        return in_block and bool(self.tokens) and self.tokens[-1].kind in _ENDS_EXPRESSION

    def flush_newline(self, next_kind: str | None) -> None:
        """Emits the newline that ended the previous line unless `next_kind` continues it."""
        newline, self.pending_newline = self.pending_newline, None
        if newline is not None and next_kind not in _CONTINUES_LINE:
            self.enclosing.append(self.innermost())
            self.tokens.append(Token("NEWLINE", "\n", None, newline))

    def comment(self, start: int, end: int) -> None:
        node = ast.Comment(self.span(start, end), self.text[start + 1:end])
        self.comments.append(node)
        if not self.line_has_code:
            self.own_line_comments[self.line] = node

    # ------------------------------------------------------------ brackets

    def close_abandoned_brackets(self) -> None:
        """A line that starts with a keyword such as `let` cannot continue an
        expression, so brackets other than blocks that are still open were left
        open by mistake: end them at the previous line's newline, which then
        ends the statement, so that the parser can report the one unclosed
        bracket and go on with the lines after it."""
        depth = len(self.brackets)
        while depth and self.brackets[depth - 1][1] not in _KEPT_OPEN:
            depth -= 1
        if depth == len(self.brackets) or self.last_newline is None:
            return
        self.pending_newline = None
        self.enclosing.append(self.brackets[depth - 1][0] if depth else -1)
        self.tokens.append(Token("NEWLINE", "\n", None, self.last_newline))
        for opener, _ in self.brackets[depth:]:
            self.closed_by[opener] = len(self.tokens) - 1
        self.abandoned[len(self.tokens) - 1] = self.brackets[-1][0]
        del self.brackets[depth:]
        if len(self.brackets) < MAX_NESTING:
            self.too_deep = False

    def punctuation(self, text: str, start: int) -> None:
        kind = PUNCTUATION[text]
        if kind == "LBRACE":
            self.flush_newline(kind)
            if not self.brace_opens_block():
                kind = "MAPBRACE"
        if kind in _OPENERS:
            self.open_bracket(kind, start)
        elif kind in CLOSERS:
            self.close_bracket(kind, start)
        else:
            self.emit(kind, start, start + len(text))

    def brace_opens_block(self) -> bool:
        previous = self.tokens[-1].kind if self.tokens else None
        return previous in _STATEMENT_START_AFTER or previous in _BLOCK_BRACE_AFTER

    def open_bracket(self, kind: str, start: int) -> None:
        if len(self.brackets) >= MAX_NESTING and not self.too_deep:
            self.too_deep = True
            self.too_deep_brackets.append(len(self.tokens))
            self.report("E0006", start, start + 1,
                        f"brackets and blocks are nested too deeply here (the limit is {MAX_NESTING})")
        self.emit(kind, start, start + 1)
        self.brackets.append((len(self.tokens) - 1, kind))

    def close_bracket(self, kind: str, start: int) -> None:
        """Closes the innermost bracket that `kind` matches, and any left open
        inside it. Inside an f-string's replacement field only brackets opened
        in the field can match, and a `}` that matches none of them ends the field."""
        fstring = self.fstrings[-1] if self.fstrings and self.fstrings[-1].field >= 0 else None
        floor = fstring.field + 1 if fstring is not None else 0
        depth = len(self.brackets)
        while depth > floor and _OPENERS[self.brackets[depth - 1][1]] != kind:
            depth -= 1
        if depth == floor and fstring is not None and kind == "RBRACE":
            self.close_field(start, start + 1)
            return
        self.emit(kind, start, start + 1)
        if depth == floor:
            self.stray.add(len(self.tokens) - 1)
            return
        self.close_brackets_from(depth)

    def close_brackets_from(self, depth: int) -> None:
        """Records that the token just emitted closes the brackets from
        `brackets[depth - 1]` up."""
        index = len(self.tokens) - 1
        for opener, _ in self.brackets[depth - 1:]:
            self.closed_by[opener] = index
        del self.brackets[depth - 1:]
        if len(self.brackets) < MAX_NESTING:
            self.too_deep = False

    # ------------------------------------------------------------ literals

    def number(self, start: int) -> int:
        match = _NUMBER.match(self.text, start)
        end = match.end()
        literal = match.group()
        if match.group("base"):
            kind, value, problem = "INT", *self.based_integer(match)
        else:
            kind, value, problem = self.decimal(match)
            if kind == "INT" and not problem and self.bare_point(end):
                # `1.` as in Python or C: a float whose fraction was left out.
                end += 1
                literal = self.text[start:end]
                kind, value, problem = "FLOAT", float(value), \
                    f"a float needs a digit after the point (`{literal}0`)"
        if problem:
            self.report("E0004", start, end, f"malformed number `{literal}`: {problem}")
        self.emit(kind, start, end, value)
        return end

    def bare_point(self, pos: int) -> bool:
        """Whether an integer literal ending at `pos` is followed by a `.` that
        starts neither a range (`1..2`) nor a member name (`1.x`, an
        AttributeError at run time, not a lexical error)."""
        if self.text[pos:pos + 1] != ".":
            return False
        following = self.text[pos + 1:pos + 2]
        return following != "." and not (following.isalnum() or following == "_")

    @staticmethod
    def based_integer(match: re.Match) -> tuple[int, str | None]:
        base = match.group("base").lower()
        digits = match.group("digits")
        if not digits:
            return 0, f"`0{base}` needs digits after it"
        if not _DIGIT_GROUPS[base].fullmatch(digits):
            return 0, f"`{digits}` are not base-{_BASES[base]} digits separated by single `_`"
        return int(digits.replace("_", ""), _BASES[base]), None

    def decimal(self, match: re.Match) -> tuple[str, int | float, str | None]:
        whole, fraction, exponent, junk = match.group("int", "frac", "exp", "junk")
        is_float = fraction is not None or exponent is not None
        kind = "FLOAT" if is_float else "INT"
        if whole is None:
            return kind, _float_or_zero(match.group()), "a float needs a digit before the point (`0.5`)"
        if junk:
            return kind, 0, f"`{junk}` cannot follow a number"
        groups = [whole] + ([fraction] if fraction is not None else [])
        if exponent is not None:
            groups.append(exponent.lstrip("+-"))
            if not groups[-1]:
                return kind, 0.0, "the exponent needs digits"
        if not all(_DIGIT_GROUPS["d"].fullmatch(group) for group in groups):
            return kind, 0, "`_` must stand between digits"
        if is_float:
            return kind, float(match.group().replace("_", "")), None
        return self.decimal_integer(whole.replace("_", ""))

    @staticmethod
    def decimal_integer(digits: str) -> tuple[str, int, str | None]:
        if len(digits) > _MAX_DECIMAL_DIGITS:
            return "INT", 0, f"more than {_MAX_DECIMAL_DIGITS:,} digits"
        # int() refuses very long decimal strings; convert them piece by piece.
        value = 0
        for chunk_start in range(0, len(digits), _DECIMAL_CHUNK):
            chunk = digits[chunk_start:chunk_start + _DECIMAL_CHUNK]
            value = value * 10 ** len(chunk) + int(chunk)
        return "INT", value, None

    # ------------------------------------------------------------- strings

    def string(self, start: int) -> int:
        """A string literal of any form (plain, raw, triple-quoted, formatted);
        returns the offset after it, or after the opening of an f-string."""
        text = self.text
        quote_at = text.index('"', start)
        prefix = text[start:quote_at]
        quote = '"""' if text.startswith('"""', quote_at) else '"'
        if self.fstrings and not prefix and text.startswith(self.fstrings[-1].quote, quote_at) \
                and not self.string_closes(quote_at, quote):
            # In a field, a quote that opens no complete string ends the f-string instead.
            self.end_field_at_quote(quote_at)
            return quote_at
        if "f" in prefix:
            return self.fstring_start(start, quote_at, quote, "r" in prefix)
        if start == quote_at and quote == '"':
            plain = _PLAIN_STRING.match(text, start)
            if plain:
                self.emit("STRING", start, plain.end(), plain.group(1))
                return plain.end()
        first = (self.line, start - self.line_start + 1)
        pos = self.after_opening(quote_at, quote)
        pos, parts, stop = self.string_body(pos, quote, "r" in prefix, formatted=False)
        end = pos + len(quote) if stop == "end" else pos
        if stop != "end":
            self.unterminated(Span(start, quote_at + 1, *first, first[0], first[1] + quote_at + 1 - start),
                              quote, pos)
        self.emit("STRING", start, end, "".join(parts), first)
        return end

    def string_closes(self, quote_at: int, quote: str) -> bool:
        """Whether a string opened by `quote` at `quote_at` is closed (on its
        line, or anywhere for a triple quote)."""
        if len(quote) == 3:
            return self.text.find('"""', quote_at + 3) >= 0
        return _CLOSED_STRING.match(self.text, quote_at) is not None

    def after_opening(self, quote_at: int, quote: str) -> int:
        """The offset after an opening quote; a triple quote drops the newline right after it."""
        pos = quote_at + len(quote)
        if len(quote) == 3:
            newline = 2 if self.text.startswith("\r\n", pos) else 1 if self.text.startswith("\n", pos) else 0
            if newline:
                pos += newline
                self.line += 1
                self.line_start = pos
        return pos

    def string_body(self, pos: int, quote: str, raw: bool, formatted: bool) -> tuple[int, list[str], str]:
        """Scans string text from `pos`: (where it stopped, the decoded parts,
        why). It stops at the closing quote ("end"), at the `{` of a replacement
        field ("field", f-strings only), or where the string is unterminated
        ("newline", "eof"). Triple-quoted strings keep their newlines (CRLF as LF)."""
        text, parts = self.text, []
        chunk = _FSTRING_CHUNK if formatted else _STRING_CHUNK
        triple = len(quote) == 3
        while True:
            chunk_end = chunk.match(text, pos).end()
            parts.append(text[pos:chunk_end])
            pos = chunk_end
            char = text[pos:pos + 1]
            if char == '"':
                if text.startswith(quote, pos):
                    return pos, parts, "end"
                parts.append(char)
                pos += 1
            elif char == "{" or char == "}":
                if text.startswith(char, pos + 1):
                    parts.append(char)
                    pos += 2
                elif char == "{":
                    return pos, parts, "field"
                else:
                    self.report("E0014", pos, pos + 1,
                                "a single `}` is not allowed in an f-string: write `}}` for a literal brace")
                    parts.append(char)
                    pos += 1
            elif char == "\\":
                pos = self.string_backslash(pos, parts, raw, triple)
            elif char == "\n" and triple:
                if text[pos - 1:pos] == "\r":  # a CRLF line end in the source, not a `\r` escape
                    parts[-1] = parts[-1][:-1]
                parts.append(char)
                pos += 1
                self.line += 1
                self.line_start = pos
                self.line_has_code = True
            else:
                return pos, parts, "newline" if char else "eof"

    def string_backslash(self, pos: int, parts: list[str], raw: bool, triple: bool) -> int:
        """A backslash in string text: literal in raw strings, an escape
        elsewhere; before a newline it joins the lines of a triple-quoted string
        and leaves a one-line string unterminated."""
        following = self.text[pos + 1:pos + 2]
        if raw:
            parts.append("\\")
            return pos + 1
        if triple and (following == "\n" or self.text.startswith("\r\n", pos + 1)):
            pos += 3 if following == "\r" else 2
            self.line += 1
            self.line_start = pos
            return pos
        if following in ("", "\n"):
            return pos + 1  # a backslash at the end of the line still belongs to the string
        return self.escape(pos, parts)

    def unterminated(self, opening: Span, quote: str, stop: int) -> None:
        if len(quote) == 3:
            message = 'unterminated string: the `"""` opened here is never closed'
        else:
            message = ('unterminated string: close it with `"` on the same line (use `\\n` for a newline, '
                       'or `"""` for a string of several lines)')
        self.report_at("E0002", opening, message)
        if stop == len(self.text):
            self.ends_in = "string"
            self.in_triple_quotes = len(quote) == 3

    def escape(self, pos: int, parts: list[str]) -> int:
        """Decodes the escape at the backslash `pos` into `parts`; returns the offset after it."""
        char = self.text[pos + 1]
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
            return pos + 2
        unicode = _UNICODE_ESCAPE.match(self.text, pos + 1) if char == "u" else None
        if unicode:
            code = int(unicode.group(1), 16)
            if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                parts.append(chr(code))
                return unicode.end()
            self.report("E0003", pos, unicode.end(),
                        f"`\\{unicode.group()}` is not a Unicode scalar value")
            return unicode.end()
        if char == "u":
            message = "`\\u` needs hex digits in braces, like `\\u{1F600}`"
        else:
            message = f"unknown escape sequence `\\{char}` (write `\\\\` for a backslash)"
        self.report("E0003", pos, pos + 2, message)
        parts.append(char)
        return pos + 2

    # ------------------------------------------------------------- f-strings

    def fstring_start(self, start: int, quote_at: int, quote: str, raw: bool) -> int:
        self.emit("FSTRING_START", start, quote_at + len(quote))
        self.fstrings.append(_FString(self.tokens[-1], quote, raw))
        return self.after_opening(quote_at, quote)

    def fstring_text(self, pos: int) -> int:
        """The literal text of the innermost f-string from `pos` to its next
        field (whose `{` it opens) or to its end."""
        fstring = self.fstrings[-1]
        first, start = (self.line, pos - self.line_start + 1), pos
        pos, parts, stop = self.string_body(pos, fstring.quote, fstring.raw, formatted=True)
        if pos > start:
            self.emit("FSTRING_TEXT", start, pos, "".join(parts), first)
        if stop == "field":
            self.open_bracket("FIELD_OPEN", pos)
            fstring.field = len(self.brackets) - 1
            return pos + 1
        self.fstrings.pop()
        if stop == "end":
            self.emit("FSTRING_END", pos, pos + len(fstring.quote))
            return pos + len(fstring.quote)
        self.unterminated(fstring.opening.span, fstring.quote, pos)
        self.emit("FSTRING_END", pos, pos)
        return pos

    def at_field_level(self) -> bool:
        """Whether the innermost open bracket is an f-string's replacement field."""
        return bool(self.fstrings) and self.fstrings[-1].field == len(self.brackets) - 1

    def format_spec(self, start: int) -> int:
        """`:` and the format spec after it (FIELD_SPEC, the spec as its value),
        up to the `}` that ends the field. Nothing in a spec is an escape."""
        text, pos, parts = self.text, start + 1, []
        quote = self.fstrings[-1].quote
        while True:
            chunk_end = _SPEC_CHUNK.match(text, pos).end()
            parts.append(text[pos:chunk_end])
            pos = chunk_end
            if text.startswith('"', pos) and not text.startswith(quote, pos):
                parts.append('"')
                pos += 1
            elif text.startswith("{", pos):
                pos = self.nested_field_in_spec(pos)
            else:
                break
        self.emit("FIELD_SPEC", start, pos, "".join(parts))
        if pos == len(text):
            self.ends_in = "string"  # a spec is text, not code
        return pos

    def nested_field_in_spec(self, start: int) -> int:
        """Reports a `{…}` inside a format spec and skips it."""
        close = _NESTED_SPEC_FIELD.match(self.text, start).end()
        self.report("E0014", start, close,
                    "a format spec cannot contain `{…}`: specs are fixed text (to pad to a computed "
                    "width, use `pad_left` or `pad_right`)")
        return close

    def close_field(self, start: int, end: int) -> None:
        """Emits the FIELD_CLOSE of the innermost f-string's field (zero-width
        when the field was left open) and returns to its literal text."""
        fstring = self.fstrings[-1]
        self.emit("FIELD_CLOSE", start, end)
        self.close_brackets_from(fstring.field + 1)
        fstring.field = -1

    def unclosed_field(self, where: str) -> None:
        fstring = self.fstrings[-1]
        opener = self.tokens[self.brackets[fstring.field][0]]
        self.report_at("E0014", opener.span,
                       f"this `{{` of an f-string is not closed: expected `}}` before {where}")

    def end_field_at_quote(self, quote_at: int) -> None:
        """A quote that ends the f-string while a field is open: the field ends there."""
        self.unclosed_field("the closing quote")
        self.close_field(quote_at, quote_at)

    def abandon_fstring(self, pos: int, where: str) -> None:
        """Ends the innermost f-string, whose field is open, at `pos` (the end
        of a line it cannot cross, or of the file)."""
        self.unclosed_field(where)
        self.close_field(pos, pos)
        if pos == len(self.text) and len(self.fstrings[-1].quote) == 3:
            self.in_triple_quotes = True
        self.fstrings.pop()
        self.emit("FSTRING_END", pos, pos)

    def invalid(self, start: int, end: int) -> int:
        """Reports invalid characters; returns the offset to go on from."""
        conversion = _CONVERSION.match(self.text, start) if self.fstrings else None
        if conversion is not None:
            letter = conversion.group(1)
            self.report("E0014", start, start + 2,
                        f"Esker f-strings have no `!{letter}` conversion: write "
                        f"`{{{'repr' if letter == 'r' else 'str'}(value)}}` instead")
            return conversion.end()
        shown = _describe_character(self.text[start])
        more = "" if end - start == 1 else f" (and {end - start - 1} more)"
        self.report("E0007", start, end, f"invalid character {shown}{more}")
        return end


def _float_or_zero(text: str) -> float:
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return 0.0
