"""The parser's table, generated from vm/grammar.lark into vm/grammar_table.py.

The parser reads the generated file so that it starts without analysing the
grammar or importing lark; these tests fail when the file no longer matches
the grammar, and check the in-memory table the parser falls back on then.
"""

from __future__ import annotations

import os
import subprocess
import sys

from esker.vm import grammar_build, grammar_table, parser

PROGRAM = "fn f(x, y = 2) { return x + y }\nlet (a, b) = (f(1), [1, 2][0])\nprint(f\"{a:>4} {b}\")\n"


def test_the_generated_table_matches_the_grammar():
    with open(grammar_build.TABLE_PATH, encoding="utf-8") as handle:
        written = handle.read()
    assert written == grammar_build.table_source(grammar_build.grammar_text()), (
        "vm/grammar_table.py is out of date with vm/grammar.lark: run `python -m esker.vm.grammar_build`")
    assert grammar_build.main(["--check"]) == 0


def test_the_table_does_not_depend_on_string_hashing():
    outputs = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", "from esker.vm import grammar_build as g; "
                                   "print(g.table_source(g.grammar_text()), end='')"],
            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_an_edited_grammar_is_analysed_in_memory(monkeypatch):
    expected = repr(parser.parse(PROGRAM).program)
    monkeypatch.setattr(grammar_table, "GRAMMAR_CHECKSUM", grammar_table.GRAMMAR_CHECKSUM ^ 1)
    parser._grammar.cache_clear()
    try:
        tables = parser._table_module()
        assert tables is not grammar_table
        assert tables.STATES == grammar_table.STATES
        assert repr(parser.parse(PROGRAM).program) == expected
    finally:
        parser._grammar.cache_clear()


def test_without_the_grammar_file_the_generated_table_is_used(monkeypatch, tmp_path):
    monkeypatch.setattr(grammar_build, "GRAMMAR_PATH", str(tmp_path / "missing.lark"))
    assert parser._table_module() is grammar_table
