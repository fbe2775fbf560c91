"""Analysing a file unit by unit, from its previous version, gives exactly
what a full analysis of the new text gives: the same tree, spans and
diagnostics, whatever the edits (including ones that break the syntax)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from esker.vm import incremental
from esker.vm.analysis import analyze
from esker.vm.deep import call_with_deep_stack
from esker.vm.formatter import same_tree
from esker.vm.modules import ModuleLoader

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples").glob("*.esk"))]
SNIPPETS = ["", "\n", "let q = 1\n", "fn g(a) { return a }\n", "}", "{", "(", "# note\n", "x", " + 1",
            "print(undefined)\n", "struct S { a }\n", "\"", "else { }\n", ".len()", "; let w = 2", "throw 1\n",
            "x = 2\n", "fn main() { main = 1 }\n", "let print = 1\n", '"""', 'f"{x} and {y:>3}"', " in ", "try { } finally { }\n", "a[1:2]", 'f"{', "const LIMIT = 3\n", "[", "match s {\n"]
LOADER = ModuleLoader(extra_path=[])
PATH = "/project/doc.esk"
# The checker raises Python's recursion limit the first time it runs; doing
# that here, outside the property test, keeps hypothesis from warning about it.
call_with_deep_stack(lambda: incremental.analyze_file("", PATH, LOADER))


def summary(diagnostics):
    return [(d.code, d.span, d.message, d.related) for d in diagnostics]


def assert_same_as_full(text: str, previous: incremental.FileAnalysis | None) -> incremental.FileAnalysis:
    edited = call_with_deep_stack(lambda: incremental.analyze_file(text, PATH, LOADER, previous))
    full = analyze(text, PATH, LOADER)
    program = incremental.whole_program(edited)
    assert same_tree(program, full.program)
    assert [c.span for c in program.comments] == [c.span for c in full.program.comments]
    assert [node.span for node in incremental.walk(program)] == [node.span for node in incremental.walk(full.program)]
    assert summary(edited.diagnostics) == summary(full.diagnostics)
    assert edited.imports == full.imports
    return edited


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SOURCES), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 12), st.sampled_from(SNIPPETS)),
                                          min_size=1, max_size=5))
def test_edits_reanalyse_like_a_full_analysis(text: str, edits):
    previous = assert_same_as_full(text, None)
    for where, length, insert in edits:
        start = int(where * len(text))
        text = text[:start] + insert + text[start + length:]
        previous = assert_same_as_full(text, previous)


def test_an_edit_in_one_function_reuses_the_others():
    text = "fn a() { return 1 }\n\nfn b() { return 2 }\n\nfn c() { return 3 }\n"
    first = assert_same_as_full(text, None)
    edited = assert_same_as_full(text.replace("return 3", "return 33"), first)
    assert [p.unit for p in edited.units[:2]] == [p.unit for p in first.units[:2]], "untouched units are reused"
    assert edited.units[2].unit is not first.units[2].unit


def test_a_unit_is_checked_again_when_what_it_uses_changes():
    text = "fn area(w, h) { return w * h }\n\nfn use() { return area(1, 2) }\n"
    first = assert_same_as_full(text, None)
    widened = assert_same_as_full(text.replace("area(w, h)", "area(w, h, _d)"), first)
    assert [d.code for d in widened.diagnostics] == ["W0104"]
    renamed_param = assert_same_as_full(text.replace("area(w, h)", "area(w, hh)").replace("w * h", "w * hh"),
                                        first)
    assert renamed_param.units[1].unit is first.units[1].unit
    assigned = assert_same_as_full(text + "\nfn later() { area = nil }\n", widened)
    assert assigned.diagnostics == [], "a function assigned elsewhere has no known arity"


def test_a_unit_moved_by_lines_keeps_its_check():
    text = "fn a() { return 1 }\nfn b(x) { return x }\n"
    first = assert_same_as_full(text, None)
    moved = assert_same_as_full("\n\n" + text, first)
    assert moved.units[-1].unit is first.units[-1].unit and moved.units[-1].lines == 2


def test_a_syntax_error_reaching_past_the_edit():
    text = "fn a() {\n    return 1\n}\n\nfn b() { return 2 }\n\nlet c = 3\n"
    first = assert_same_as_full(text, None)
    opened = assert_same_as_full(text.replace("return 1\n}", "return (1\n}"), first)
    assert any(d.code == "E0005" for d in opened.diagnostics)
    assert_same_as_full(text, opened)


def test_a_triple_quote_closed_past_the_edited_units():
    # A triple quote typed into a field of an f-string opens a string only
    # if a closing one follows somewhere: here, units further on.
    text = ('fn show(a) {\n    print(f"{a:>8}")\n    }\n\nlet n = 1\n\n'
            'print(f"""total: {n}\n  done""")\n')
    first = assert_same_as_full(text, None)
    typed = assert_same_as_full(text.replace("{a:>8}", '{a"""b:>8}'), first)
    assert any(d.code == "E0002" for d in typed.diagnostics)
