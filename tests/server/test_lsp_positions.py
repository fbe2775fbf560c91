"""Positions in the client's encoding: UTF-16 for VS Code, UTF-8 for Neovim
(which offers it first), with tabs, accents, CJK and emoji before the names."""

from __future__ import annotations

import pytest
from lsprotocol import types

from server_support import Editor, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = 'let s = "😀 naïve 名前"; print(s, missng)\n\tlet t = "é"; print(t, s)  # ok 👍\n'


client, editor = session("positions")


async def test_the_encoding_is_negotiated(editor: Editor):
    expected = "utf-8" if editor.kind == "neovim" else "utf-16"
    assert editor.encoding == expected
    doc = editor.open("negotiated.esk", "print(1)\n")
    await editor.diagnostics(doc)


async def test_diagnostic_ranges_count_in_client_units(editor: Editor):
    doc = editor.open("units.esk", TEXT)
    (found,) = await editor.diagnostics(doc)
    assert found.range == types.Range(start=editor.at(doc, "missng"), end=editor.at(doc, "missng", delta=6))
    units = {"utf-16": 32, "utf-8": 39}[editor.encoding]  # 31 code points before it
    assert found.range.start.character == units


async def test_incremental_edits_after_wide_characters(editor: Editor):
    doc = editor.open("edit.esk", TEXT)
    await editor.diagnostics(doc)
    editor.replace(doc, "missng", "s")
    assert await editor.diagnostics(doc) == []
    editor.replace(doc, "print(t, s)", "print(t, s, u)")
    (found,) = await editor.diagnostics(doc)
    assert found.range.start == editor.at(doc, "u)")


async def test_hover_and_rename_ranges(editor: Editor):
    doc = editor.open("rename.esk", TEXT.replace("missng", "s"))
    await editor.diagnostics(doc)
    hovered = await editor.client.text_document_hover_async(types.HoverParams(
        text_document=editor.ident(doc), position=editor.at(doc, "s)", 1)))
    assert hovered.range == types.Range(start=editor.at(doc, "s)", 1), end=editor.at(doc, "s)", 1, delta=1))
    edit = await editor.client.text_document_rename_async(types.RenameParams(
        text_document=editor.ident(doc), position=editor.at(doc, "s, s"), new_name="greeting"))
    starts = sorted((e.range.start.line, e.range.start.character) for e in edit.changes[doc.uri])
    expected = [editor.at(doc, "s ="), editor.at(doc, "s, s"), editor.at(doc, "s, s", delta=3),
                editor.at(doc, "s)", 1)]
    assert starts == sorted((p.line, p.character) for p in expected)
