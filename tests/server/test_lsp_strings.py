"""The string forms of §13.3 through the real server: the fields of an
f-string are code (completion, hover, definition, rename, semantic tokens),
its literal text is a string, and multi-line strings fold."""

from __future__ import annotations

import pytest
from lsprotocol import types

from server_support import Editor, opening, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAM = """\
let total = 3
let names = ["a", "b"]
print(f"sum {total} of {names.len():>4}")
let report = f\"\"\"
  total: {total * 2}
  names: {names}
\"\"\"
let raw = r"C:\\new"
print(report, raw)
"""

client, editor = session("strings", prepare=opening("program", "program.esk", PROGRAM))


@pytest.fixture(scope="module")
def program(editor: Editor):
    return editor.docs["program"]


async def test_a_program_with_every_string_form_has_no_diagnostics(editor: Editor, program):
    assert await editor.diagnostics(program) == []


async def test_completion_inside_a_field(editor: Editor):
    doc = editor.open("typing.esk", 'let total = 3\nlet names = ["a"]\nprint(f"{to} {names.}")\n')
    await editor.diagnostics(doc)
    found = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, "to}", delta=2)))
    assert "total" in {item.label for item in found.items}
    members = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, "names.}", delta=6)))
    assert "push" in {item.label for item in members.items}
    text = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, "{to}", delta=0)))
    assert text is None or list(text.items if hasattr(text, "items") else text) == []
    editor.close(doc)


async def test_definition_and_rename_of_a_name_inside_fields(editor: Editor, program):
    place = {"text_document": editor.ident(program), "position": editor.at(program, "total}")}
    (target,) = await editor.client.text_document_definition_async(types.DefinitionParams(**place))
    assert target.range.start == editor.at(program, "total")
    edit = await editor.client.text_document_rename_async(types.RenameParams(new_name="sum_", **place))
    starts = sorted((e.range.start.line, e.range.start.character) for e in edit.changes[program.uri])
    assert starts == [(0, 4), (2, 13), (4, 10)]


async def test_hover_inside_a_field(editor: Editor, program):
    assert "total" in await editor.hover_text(program, "total * 2")
    assert "MULK" in await editor.hover_text(program, "* 2")


async def test_semantic_tokens_inside_f_strings(editor: Editor, program):
    legend = editor.server_capabilities.semantic_tokens_provider.legend
    full = await editor.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(
        text_document=editor.ident(program)))
    line = character = 0
    tokens = []
    for n in range(0, len(full.data), 5):
        delta_line, delta_start, length, kind, _ = full.data[n:n + 5]
        line += delta_line
        character = character + delta_start if delta_line == 0 else delta_start
        tokens.append((line, character, length, legend.token_types[kind]))
    assert (2, 6, 6, "string") in tokens      # f"sum
    assert (2, 13, 5, "variable") in tokens   # total, as code
    assert (2, 19, 4, "string") in tokens     # " of "
    assert (4, 10, 5, "variable") in tokens   # total, inside the multi-line f-string
    assert (4, 0, 9, "string") in tokens      # "  total: " on its own line
    assert (5, 0, 9, "string") in tokens


async def test_multi_line_strings_fold(editor: Editor, program):
    folds = await editor.client.text_document_folding_range_async(types.FoldingRangeParams(
        text_document=editor.ident(program)))
    assert (3, 5) in {(fold.start_line, fold.end_line) for fold in folds}
