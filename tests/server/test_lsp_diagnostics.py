"""Diagnostics as you type: pushed after a debounce or pulled, versioned,
never stale, cleared on close, and re-checked when an imported file changes."""

from __future__ import annotations

import pytest
from lsprotocol import types

from server_support import Editor, codes, session

pytestmark = pytest.mark.asyncio(loop_scope="module")


client, editor = session("diagnostics")


async def test_diagnostics_match_esker_check(editor: Editor):
    doc = editor.open("check.esk", "let x = 1\nlet x = 2\nprint(totl)\nfn f(a) { let tmp = 1\n return 1 }\n")
    found = await editor.diagnostics(doc)
    assert codes(found) == [(1, 4, "E0102"), (2, 6, "E0101"), (3, 5, "W0102"), (3, 14, "W0101")]
    duplicate = next(d for d in found if d.code == "E0102")
    assert duplicate.severity == types.DiagnosticSeverity.Error and duplicate.source == "esker"
    assert duplicate.related_information[0].location.range.start == types.Position(line=0, character=4)
    assert duplicate.related_information[0].location.uri == doc.uri
    unused = next(d for d in found if d.code == "W0101")
    assert list(unused.tags) == [types.DiagnosticTag.Unnecessary]
    assert unused.severity == types.DiagnosticSeverity.Warning
    assert duplicate.code_description.href.endswith("#e0102")


async def test_diagnostics_follow_incremental_edits(editor: Editor):
    doc = editor.open("edits.esk", "let total = 0\nprint(totl)\n")
    assert codes(await editor.diagnostics(doc)) == [(1, 6, "E0101")]
    editor.replace(doc, "totl", "total")
    assert await editor.diagnostics(doc) == []
    editor.replace(doc, "print(total)", "print(total +* 2)")
    assert [d.code for d in await editor.diagnostics(doc)] == ["E0001"]


async def test_only_the_latest_of_rapid_changes_is_reported(editor: Editor):
    if editor.pulls:
        pytest.skip("pull clients ask for the version they have")
    doc = editor.open("rapid.esk", "let a = 0\n")
    await editor.published(doc)
    for number in range(30):
        editor.replace(doc, f"a = {number}", f"a = {number + 1}")
    final = await editor.published(doc)
    assert final.version == 31
    later = [p.version for p in editor.client.published if p.uri == doc.uri][1:]
    assert later == [31], "no diagnostics for an outdated version may be published"


async def test_closing_clears_pushed_diagnostics(editor: Editor):
    if editor.pulls:
        pytest.skip("pull clients drop diagnostics of closed documents themselves")
    doc = editor.open("closing.esk", "print(nothing_here)\n")
    assert len((await editor.published(doc)).diagnostics) == 1
    seen = editor.publications(doc)
    editor.close(doc)
    assert await editor.publication_after(doc, seen) == []


async def test_pull_reports_unchanged_results(editor: Editor):
    doc = editor.open("pull.esk", "print(1)\n")
    first = await editor.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=editor.ident(doc)))
    again = await editor.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=editor.ident(doc), previous_result_id=first.result_id))
    assert first.kind == "full" and again.kind == "unchanged"


async def test_importers_are_rechecked_when_a_module_changes(editor: Editor):
    editor.write("shapes.esk", "fn area(w, h) { return w * h }\n")
    main = editor.open("main.esk", "import shapes\nprint(shapes.area(2, 3))\n")
    assert await editor.diagnostics(main) == []
    seen = editor.publications(main)
    module = editor.open("shapes.esk", "fn area(w, h) { return w * h }\n")
    await editor.diagnostics(module)
    if not editor.pulls:
        # Opening the module re-checks its importer too.
        assert await editor.publication_after(main, seen) == []
    seen = editor.publications(main)
    editor.replace(module, "area", "surface")
    if editor.pulls:
        found = await editor.diagnostics(main)
    else:
        found = await editor.publication_after(main, seen)
    assert [d.code for d in found] == ["E0112"], "the open buffer, not the file on disk, is imported"


async def test_a_syntax_error_in_an_imported_module_points_into_that_module(editor: Editor):
    editor.write("broken_counter.esk", "let total = 0\nfn bump() {\n    total +=\n}\n")
    main = editor.open("uses_broken.esk", "import broken_counter\nbroken_counter.bump()\nprint(broken_counter.total)\n")
    found = await editor.diagnostics(main)
    assert codes(found) == [(0, 7, "E0114")]
    assert "broken_counter.esk:4:1: error[E0001]" in found[0].message
    (related,) = found[0].related_information
    assert related.location.uri.endswith("/broken_counter.esk")
    assert related.location.range.start == types.Position(line=3, character=0)


async def test_unknown_methods_of_literals_are_shown_with_a_quick_fix(editor: Editor):
    doc = editor.open("literals.esk", 'print("abc".lenght())\nprint([1, 2].pussh(3))\nprint({"a": 1}.kes())\n')
    found = await editor.diagnostics(doc)
    assert codes(found) == [(0, 12, "W0112"), (1, 13, "W0112"), (2, 15, "W0112")]
    assert [d.message for d in found] == ["`str` has no method `lenght`",
                                          "`array` has no method `pussh`; did you mean `push`?",
                                          "`map` has no method `kes`; did you mean `keys`?"]
    assert {d.severity for d in found} == {types.DiagnosticSeverity.Warning}
    actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=editor.ident(doc), range=found[1].range,
        context=types.CodeActionContext(diagnostics=[found[1]])))
    fix = next(action for action in actions if action.title == "Change to `push`")
    assert [edit.new_text for edit in fix.edit.changes[doc.uri]] == ["push"]
