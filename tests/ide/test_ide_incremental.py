"""Re-analysing an edited document from its previous parse gives exactly
what a full analysis of the new text gives."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from esker.vm import ide
from esker.vm.analysis import analyze
from esker.vm.formatter import same_tree
from esker.vm.modules import ModuleLoader

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples").glob("*.esk"))]
SNIPPETS = ["", "\n", "let q = 1\n", "fn g(a) { return a }\n", "}", "{", "(", "# note\n", "x", " + 1",
            "print(undefined)\n", "struct S { a }\n", "\"", "else { }\n", ".len()", "; let w = 2"]
LOADER = ModuleLoader(extra_path=[])
# The checker raises Python's recursion limit the first time it runs; doing
# that here, outside the property test, keeps hypothesis from warning about it.
ide.analyze_edited("", "/project/warm.esk", LOADER)


def summary(analysis):
    return [(d.code, d.span, d.message, d.related) for d in analysis.diagnostics]


def assert_same_as_full(text: str, previous: ide.ParsedText) -> ide.ParsedText:
    edited, parsed = ide.analyze_edited(text, "/project/doc.esk", LOADER, previous)
    full = analyze(text, "/project/doc.esk", LOADER)
    assert same_tree(edited.program, full.program)
    assert [c.span for c in edited.program.comments] == [c.span for c in full.program.comments]
    spans = [node.span for node in ide.walk(edited.program)]
    assert spans == [node.span for node in ide.walk(full.program)]
    assert summary(edited) == summary(full)
    return parsed


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(SOURCES), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 12), st.sampled_from(SNIPPETS)),
                                          min_size=1, max_size=4))
def test_edits_reanalyse_like_a_full_analysis(text: str, edits):
    _, previous = ide.analyze_edited(text, "/project/doc.esk", LOADER)
    for where, length, insert in edits:
        start = int(where * len(text))
        text = text[:start] + insert + text[start + length:]
        previous = assert_same_as_full(text, previous)


def test_an_edit_in_one_function_reuses_the_others():
    text = "fn a() { return 1 }\n\nfn b() { return 2 }\n\nfn c() { return 3 }\n"
    first, parsed = ide.analyze_edited(text, "/project/doc.esk", LOADER)
    edited = text.replace("return 3", "return 33")
    again, _ = ide.analyze_edited(edited, "/project/doc.esk", LOADER, parsed)
    assert again.program.body[0] is first.program.body[0], "a statement before the edit is reused as it is"
    assert_same_as_full(edited, parsed)
