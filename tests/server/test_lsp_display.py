"""What the server shows: hover with the compiled instructions, the bytecode
listing (custom request and command), code lenses, register inlay hints,
semantic tokens, folding and selection ranges."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from server_support import Editor, opening, send_now, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAM = """\
# Adds two numbers.
fn add(x, y) {
    let sum = x + y
    return sum
}
fn count(limit) {
    let total = 0
    for i in 0..limit {
        total += i
    }
    return total
}
fn main() {
    let double = fn (v) => v * 2
    print(add(1, 2), count(3), double(4))
}
main()
"""


client, editor = session("display", prepare=opening("program", "program.esk", PROGRAM))


@pytest.fixture(scope="module")
def program(editor: Editor):
    return editor.docs["program"]


def code_lines(hover: str) -> list[str]:
    """The instruction lines of a hover's bytecode block."""
    if "**Bytecode" not in hover:
        return []
    block = hover.split("**Bytecode", 1)[1].split("```\n", 1)[1].split("\n```", 1)[0]
    rows = [line.replace("-->", "").replace(">>", "").split() for line in block.splitlines()]
    return [row[2] for row in rows if row and row[0].isdigit()]


@pytest.mark.parametrize("needle, delta, opcodes", [
    ("x + y", 2, ["ADD"]),
    ("total += i", 6, ["ADD"]),
    ("0..limit", 3, ["MOVE", "FORPREP", "JMP", "FORLOOP", "JMP"]),
    ("v * 2", 2, ["MULK", "RETURN"]),
    ("return sum", 0, ["RETURN"]),
])
async def test_hover_shows_the_instructions_of_the_code_under_the_cursor(editor: Editor, program, needle, delta,
                                                                        opcodes):
    shown = await editor.hover_text(program, needle, delta=delta)
    assert code_lines(shown) == opcodes


async def test_hover_on_a_call_shows_the_call(editor: Editor, program):
    shown = await editor.hover_text(program, "add(1, 2)", delta=3)
    assert "CALL" in code_lines(shown)
    assert "fn add(x, y)" in shown and "Adds two numbers." in shown


async def test_hover_on_a_function_name_shows_its_listing(editor: Editor, program):
    shown = await editor.hover_text(program, "count(limit)")
    assert "**Bytecode of `count`**" in shown
    assert "function count" in shown and "FORPREP" in shown or "LT" in shown or "JMP" in shown
    assert "Parameters: `limit`" in shown


async def test_hover_works_while_other_functions_have_errors(editor: Editor):
    doc = editor.open("partly.esk", "fn good(a) { return a * 3 }\nfn bad() { return missing }\nprint(good(1) +)\n")
    assert any(d.code == "E0001" for d in await editor.diagnostics(doc))
    shown = await editor.hover_text(doc, "a * 3", delta=2)
    assert code_lines(shown) == ["MULK", "RETURN"]
    assert "not compiled" in await editor.hover_text(doc, "bad")


async def test_disassemble_request_maps_instructions_to_source(editor: Editor, program):
    result = await send_now(editor.client, "esker/disassemble", {"textDocument": {"uri": program.uri}})
    names = [f.name for f in result.functions]
    assert names[0] == "<module>" and {"add", "count", "main", "<fn>"} <= set(names)
    listing = result.listing.split("\n")
    add = next(f for f in result.functions if f.name == "add")
    assert listing[add.listingStart].startswith("function add")
    first = add.instructions[0]
    assert first.opname == "ADD" and "ADD" in listing[first.listingLine].split()
    assert (first.range.start.line, first.range.start.character) == (2, editor.at(program, "x + y").character)


async def test_disassemble_one_function_at_a_position(editor: Editor, program):
    position = editor.at(program, "v * 2")
    result = await send_now(editor.client, "esker/disassemble", {
        "textDocument": {"uri": program.uri}, "position": {"line": position.line, "character": position.character}})
    assert [f.name for f in result.functions] == ["<fn>"]
    whole = await send_now(editor.client, "esker/disassemble", {
        "textDocument": {"uri": program.uri}, "position": {"line": 13, "character": 0}})
    assert [f.name for f in whole.functions] == ["main", "<fn>"]


async def test_disassemble_shows_the_compiled_tiers_python(editor: Editor, program):
    result = await send_now(editor.client, "esker/disassemble", {
        "textDocument": {"uri": program.uri}, "position": {"line": 1, "character": 4}, "view": "python"})
    add = result.functions[0]
    listing = result.listing.split("\n")
    assert add.name == "add" and listing[add.listingStart].startswith("# add")
    assert "def add_" in listing[add.listingStart + 1]
    first = add.instructions[0]
    assert first.pc == 0 and first.opname == "ADD" and listing[first.listingLine].rstrip().endswith("# 0")
    assert (first.range.start.line, first.range.start.character) == (2, editor.at(program, "x + y").character)
    with pytest.raises(JsonRpcException):
        await send_now(editor.client, "esker/disassemble", {"textDocument": {"uri": program.uri}, "view": "jit"})


async def test_show_bytecode_command(editor: Editor, program):
    found = await editor.client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="esker.showBytecode", arguments=[program.uri, {"line": 1, "character": 4}]))
    assert [f["name"] for f in found["functions"]] == ["add"]
    with pytest.raises(JsonRpcException):
        await editor.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="esker.showBytecode", arguments=[42]))


async def test_code_lenses(editor: Editor, program):
    lenses = await editor.client.text_document_code_lens_async(types.CodeLensParams(
        text_document=editor.ident(program)))
    titles = [(lens.range.start.line, lens.command.title, lens.command.command) for lens in lenses]
    assert (1, "bytecode: 2 instructions", "esker.showBytecode") in titles
    assert (12, "▶ Run", "esker.run") in titles and (12, "Debug", "esker.debug") in titles
    assert not any(line == 1 and command == "esker.run" for line, _, command in titles), "add needs arguments"


async def test_inlay_hints_show_registers(editor: Editor, program):
    hints = await editor.client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=editor.ident(program),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=17, character=0))))
    shown = {(hint.position.line, hint.position.character): hint.label for hint in hints}
    assert shown[(1, 8)] == "‹r0›" and shown[(1, 11)] == "‹r1›"
    assert shown[(2, 11)].startswith("‹r")


async def test_semantic_tokens_full_and_delta(editor: Editor):
    doc = editor.open("tokens.esk", "const LIMIT = 3\nfn f(a) { return a + LIMIT }\nprint(f(1))\n")
    await editor.diagnostics(doc)
    legend = editor.server_capabilities.semantic_tokens_provider.legend
    full = await editor.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(
        text_document=editor.ident(doc)))
    tokens = [list(full.data[n:n + 5]) for n in range(0, len(full.data), 5)]
    assert len(tokens) == 7
    first = tokens[0]
    assert first[:3] == [0, 6, 5] and legend.token_types[first[3]] == "variable"
    assert {legend.token_modifiers[bit] for bit in range(3) if first[4] >> bit & 1} == {"declaration", "readonly"}
    assert legend.token_types[tokens[5][3]] == "function" and tokens[5][4] == 1 << 2, "print is a builtin"
    editor.replace(doc, "print(f(1))", "print(f(1), f(2))")
    delta = await editor.client.text_document_semantic_tokens_full_delta_async(types.SemanticTokensDeltaParams(
        text_document=editor.ident(doc), previous_result_id=full.result_id))
    (edit,) = delta.edits
    assert (edit.start, edit.delete_count, list(edit.data)) == (35, 0, [0, 6, 1, tokens[6][3], 0])


async def test_semantic_tokens_for_a_range(editor: Editor):
    text = "fn f(a) {\n    return a\n}\n\nfn g(b) {\n    return b\n}\n\nprint(f(1), g(2))\n"
    doc = editor.open("ranged_tokens.esk", text)
    await editor.diagnostics(doc)
    assert editor.server_capabilities.semantic_tokens_provider.range
    full = await editor.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(
        text_document=editor.ident(doc)))
    ranged = await editor.client.text_document_semantic_tokens_range_async(types.SemanticTokensRangeParams(
        text_document=editor.ident(doc), range=types.Range(start=types.Position(line=4, character=0),
                                                          end=types.Position(line=6, character=0))))

    def absolute(data):
        line = character = 0
        found = []
        for n in range(0, len(data), 5):
            line += data[n]
            character = data[n + 1] if data[n] else character + data[n + 1]
            found.append((line, character, data[n + 2]))
        return found

    assert absolute(ranged.data) == [token for token in absolute(full.data) if 4 <= token[0] <= 6]
    assert absolute(ranged.data) == [(4, 3, 1), (4, 5, 1), (5, 11, 1)]


async def test_folding_and_selection_ranges(editor: Editor, program):
    folds = await editor.client.text_document_folding_range_async(types.FoldingRangeParams(
        text_document=editor.ident(program)))
    blocks = {(fold.start_line, fold.end_line): fold.kind for fold in folds}
    assert (5, 10) in blocks and blocks[(5, 10)] is None, "a block is not a #region"
    (selection,) = await editor.client.text_document_selection_range_async(types.SelectionRangeParams(
        text_document=editor.ident(program), positions=[editor.at(program, "x + y")]))
    widths = []
    while selection is not None:
        widths.append((selection.range.start.line, selection.range.end.line))
        selection = selection.parent
    assert widths[0] == (2, 2) and widths[-1] == (0, 17)
