"""Navigation: definitions (into imported modules too), references,
highlights, rename with prepareRename, and document and workspace symbols."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from server_support import Editor, opening, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

GEOMETRY = """\
# The area of a w by h rectangle.
fn area(w, h) { return w * h }
struct Point {
    x
    y = 0
    fn norm(self) { return self.x + self.y }
}
enum Shape { Circle(r), Rect(w, h) }
"""

MAIN = """\
import geometry
let p = geometry.Point(1, 2)
let total = geometry.area(2, 3)
fn twice(n) {
    let doubled = n * 2
    doubled = doubled + 0
    return doubled
}
print(total, twice(total), p.norm())
"""


client, editor = session("navigation", prepare=opening("main", "main.esk", MAIN, **{"geometry.esk": GEOMETRY}))


@pytest.fixture(scope="module")
def main(editor: Editor):
    return editor.docs["main"]


def place(editor: Editor, doc, needle: str, occurrence: int = 0) -> dict:
    """The text document and position fields of a request, at `needle`."""
    return {"text_document": editor.ident(doc), "position": editor.at(doc, needle, occurrence)}


async def test_definition_of_a_local(editor: Editor, main):
    found = await editor.client.text_document_definition_async(types.DefinitionParams(
        **place(editor, main, "doubled", 2)))
    assert [(f.uri, f.range.start) for f in found] == [(main.uri, editor.at(main, "doubled"))]


async def test_definition_into_an_imported_module(editor: Editor, main):
    found = await editor.client.text_document_definition_async(types.DefinitionParams(
        **place(editor, main, "area")))
    assert len(found) == 1
    assert found[0].uri.endswith("/geometry.esk")
    assert found[0].range.start == types.Position(line=1, character=3)
    module = await editor.client.text_document_definition_async(types.DefinitionParams(
        **place(editor, main, "geometry", 1)))
    assert module[0].uri.endswith("/geometry.esk") and module[0].range.start.line == 0


async def test_references_and_highlights(editor: Editor, main):
    refs = await editor.client.text_document_references_async(types.ReferenceParams(
        context=types.ReferenceContext(include_declaration=True), **place(editor, main, "doubled")))
    assert len(refs) == 4
    marks = await editor.client.text_document_document_highlight_async(types.DocumentHighlightParams(
        **place(editor, main, "doubled", 3)))
    ordered = sorted(marks, key=lambda mark: (mark.range.start.line, mark.range.start.character))
    kinds = [(mark.range.start.line, mark.kind) for mark in ordered]
    assert kinds == [(4, types.DocumentHighlightKind.Write), (5, types.DocumentHighlightKind.Write),
                     (5, types.DocumentHighlightKind.Read), (6, types.DocumentHighlightKind.Read)]


async def test_references_across_open_files(editor: Editor, main):
    module = editor.open("geometry.esk", GEOMETRY)
    await editor.diagnostics(module)
    refs = await editor.client.text_document_references_async(types.ReferenceParams(
        context=types.ReferenceContext(include_declaration=True), **place(editor, module, "area", 1)))
    assert sorted(r.uri.rsplit("/", 1)[-1] for r in refs) == ["geometry.esk", "main.esk"]
    editor.close(module)


async def test_prepare_rename_refuses_keywords_and_builtins(editor: Editor, main):
    for needle in ("let", "print"):
        with pytest.raises(JsonRpcException) as refused:
            await editor.client.text_document_prepare_rename_async(types.PrepareRenameParams(
                **place(editor, main, needle)))
        assert "cannot be renamed" in str(refused.value)
    allowed = await editor.client.text_document_prepare_rename_async(types.PrepareRenameParams(
        **place(editor, main, "twice")))
    assert allowed.placeholder == "twice"


async def test_rename_across_files(editor: Editor, main):
    edit = await editor.client.text_document_rename_async(types.RenameParams(
        new_name="surface", **place(editor, main, "area")))
    by_file = {uri.rsplit("/", 1)[-1]: [e.range.start for e in edits] for uri, edits in edit.changes.items()}
    assert by_file == {"main.esk": [editor.at(main, "area")], "geometry.esk": [types.Position(line=1, character=3)]}
    with pytest.raises(JsonRpcException):
        await editor.client.text_document_rename_async(types.RenameParams(
            new_name="while", **place(editor, main, "twice")))


async def test_document_symbols_are_hierarchical(editor: Editor):
    module = editor.open("outline.esk", GEOMETRY)
    symbols = await editor.client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=editor.ident(module)))
    outline = {s.name: (s.kind, [c.name for c in s.children or []]) for s in symbols}
    assert outline == {"area": (types.SymbolKind.Function, []),
                       "Point": (types.SymbolKind.Struct, ["x", "y", "norm"]),
                       "Shape": (types.SymbolKind.Enum, ["Circle", "Rect"])}
    editor.close(module)


async def test_workspace_symbols_of_open_and_closed_files(editor: Editor, main):
    found = await editor.client.workspace_symbol_async(types.WorkspaceSymbolParams(query="twi"))
    assert [(s.name, s.location.uri) for s in found] == [("twice", main.uri)]
    on_disk = await editor.client.workspace_symbol_async(types.WorkspaceSymbolParams(query="norm"))
    assert ("norm", "Point", "geometry.esk") in [(s.name, s.container_name, s.location.uri.rsplit("/", 1)[-1])
                                                 for s in on_disk]


async def test_rename_refuses_a_name_that_would_change_the_program(editor: Editor, main):
    with pytest.raises(JsonRpcException) as refused:
        await editor.client.text_document_rename_async(types.RenameParams(
            new_name="n", **place(editor, main, "doubled")))
    assert "would collide with the parameter `n` declared on line 4" in str(refused.value)
    with pytest.raises(JsonRpcException) as refused:
        await editor.client.text_document_rename_async(types.RenameParams(
            new_name="twice", **place(editor, main, "total")))
    assert "`twice`" in str(refused.value)
