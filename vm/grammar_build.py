"""Builds the parser's LALR(1) table from vm/grammar.lark with lark and writes it
out as vm/grammar_table.py, so that starting the parser costs no grammar
analysis and no import of lark.

    python -m esker.vm.grammar_build          # after editing vm/grammar.lark
    python -m esker.vm.grammar_build --check  # exit 1 if grammar_table.py is out of date

lark numbers its states in an order that depends on Python's string hashing,
so the table is renumbered canonically (breadth first from the start states,
symbols in name order): the same grammar always gives the same file. The
parser also uses `table_source` directly, in memory, when grammar.lark no
longer matches the checksum recorded in the file (a grammar being edited).
"""

from __future__ import annotations

import os
import sys
import zlib

GRAMMAR_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grammar.lark")
TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grammar_table.py")
#: The rules the parser can start from, in the order their start states are numbered.
STARTS = ("program", "expression")


def grammar_text() -> str:
    """vm/grammar.lark as the table is built from it (line ends normalised)."""
    with open(GRAMMAR_PATH, "rb") as handle:
        return handle.read().decode("utf-8").replace("\r\n", "\n")


def checksum(text: str) -> int:
    """What grammar_table.py records of the grammar it was built from."""
    return zlib.crc32(text.encode("utf-8"))


def table_source(text: str) -> str:
    """The Python source of grammar_table.py for grammar `text`."""
    symbols, rules, states, start_states, end_states = _analyse(text)
    lines = [
        '"""The LALR(1) table of vm/grammar.lark, written by `python -m esker.vm.grammar_build`;',
        "do not edit (a test fails when it is out of date with the grammar).",
        "",
        "SYMBOLS: the grammar's terminal and rule names. RULES: per rule, the parser",
        "callback's name (`-`: none, for a `_rule`, whose children are spliced into",
        "its parent, or a `?rule` of one child, which is that child), the number of",
        "children, the index of the rule's name in SYMBOLS, 1 if one child stands for",
        "the rule itself (a `?rule`), then the positions of the children to splice.",
        "STATES: per state, pairs `symbol action`, where an action below len(STATES)",
        "shifts to (or, after a rule, goes to) that state and any other reduces by",
        "rule `action - len(STATES)`. Both are strings, which Python compiles fast.",
        '"""',
        "",
        f"GRAMMAR_CHECKSUM = {checksum(text)}",
        f"START_STATES = {start_states!r}",
        f"END_STATES = {end_states!r}",
        "SYMBOLS = (",
        *_wrapped(symbols),
        ")",
        "RULES = (",
        *(f"    {rule!r}," for rule in rules),
        ")",
        "STATES = (",
        *(f"    {row!r}," for row in states),
        ")",
    ]
    return "\n".join(lines) + "\n"


def _wrapped(names: list[str], width: int = 100) -> list[str]:
    lines, line = [], "   "
    for name in names:
        item = f" {name!r},"
        if len(line) + len(item) > width:
            lines.append(line)
            line = "   "
        line += item
    return lines + [line]


def _analyse(text: str):
    """lark's table for `text`, renumbered canonically, in the form grammar_table.py stores."""
    from lark import Lark
    from lark.lexer import Lexer
    from lark.parsers.lalr_analysis import Shift

    class TokenStream(Lexer):
        """An LALR parser needs a lexer; the parser feeds esker.vm.lexer's tokens itself."""

        __future_interface__ = 2

        def __init__(self, lexer_conf):
            self.lexer_conf = lexer_conf

        def lex(self, lexer_state, parser_state):
            raise NotImplementedError("the table is only read, never run by lark")

    lark = Lark(text, parser="lalr", lexer=TokenStream, start=list(STARTS), keep_all_tokens=True, strict=True)
    confs = {start: lark.parse_interactive(None, start).parser_state.parse_conf for start in STARTS}
    actions = confs[STARTS[0]].states
    numbers = _canonical_numbers(actions, [confs[start].start_state for start in STARTS], Shift)
    symbols = sorted({str(symbol) for row in actions.values() for symbol in row} | {r.origin.name for r in lark.rules})
    index = {symbol: position for position, symbol in enumerate(symbols)}
    rule_number = {rule: position for position, rule in enumerate(lark.rules)}
    rules = [_rule_entry(rule, index) for rule in lark.rules]
    states = [""] * len(numbers)
    for old, new in numbers.items():
        row = sorted((index[str(symbol)], numbers[arg] if action is Shift else len(numbers) + rule_number[arg])
                     for symbol, (action, arg) in actions[old].items())
        states[new] = " ".join(f"{symbol} {code}" for symbol, code in row)
    return (symbols, rules, states, {start: numbers[confs[start].start_state] for start in STARTS},
            {start: numbers[confs[start].end_state] for start in STARTS})


def _canonical_numbers(actions: dict, starts: list[int], shift) -> dict[int, int]:
    """lark's state numbers -> numbers in breadth-first order from `starts`,
    following shifts and gotos in symbol-name order."""
    numbers: dict[int, int] = {}
    queue = []
    for state in starts:
        if state not in numbers:
            numbers[state] = len(numbers)
            queue.append(state)
    while queue:
        state = queue.pop(0)
        for symbol, (action, arg) in sorted(actions[state].items(), key=lambda entry: str(entry[0])):
            if action is shift and arg not in numbers:
                numbers[arg] = len(numbers)
                queue.append(arg)
    if len(numbers) != len(actions):
        raise ValueError("the LALR table has states no start state reaches")
    return numbers


def _rule_entry(rule, index: dict[str, int]) -> str:
    """How lark shapes a rule's children (parse_tree_builder's rules, for an
    LALR parser keeping all tokens, without placeholders): a `?rule` with one
    child is that child, and a child that is a `_rule` is spliced into its parent."""
    if rule.options.empty_indices:
        raise ValueError(f"rule {rule}: `[...]` placeholders are not supported; write `(...)?`")
    name = str(rule.alias or rule.origin.name)
    expand1 = bool(rule.options.expand1 and not rule.alias)
    splice = tuple(position for position, symbol in enumerate(rule.expansion)
                   if not symbol.is_term and symbol.name.startswith("_"))
    # No callback for a `_rule` (its children go to its parent) or a `?rule` of one child (it is that child).
    calls = not (name.startswith("_") and not rule.alias) and not (expand1 and len(rule.expansion) == 1 and not splice)
    return " ".join([name if calls else "-", str(len(rule.expansion)), str(index[rule.origin.name]),
                     str(int(expand1)), *map(str, splice)])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m esker.vm.grammar_build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if the table is out of date")
    args = parser.parse_args(argv)
    source = table_source(grammar_text())
    try:
        with open(TABLE_PATH, encoding="utf-8") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    if current == source:
        return 0
    if args.check:
        print(f"{TABLE_PATH} is out of date: run `python -m esker.vm.grammar_build`", file=sys.stderr)
        return 1
    temporary = f"{TABLE_PATH}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(source)
    os.replace(temporary, TABLE_PATH)
    print(f"wrote {TABLE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
