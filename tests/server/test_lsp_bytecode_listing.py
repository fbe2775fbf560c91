"""The shape of the `esker/disassemble` answer in every case the bytecode
views meet (docs/language-server.md): everything compiles, some functions
do, nothing does, the cursor is in code that does not compile; and function
headers that name the file relative to the workspace."""

from __future__ import annotations

import pytest

from server_support import Editor, send_now, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

FIELDS = ["functions", "listing", "message", "missing"]

client, editor = session("listing")


async def disassemble(editor: Editor, name: str, text: str, position: dict | None = None):
    doc = editor.open(name, text)
    await editor.diagnostics(doc)
    params = {"textDocument": {"uri": doc.uri}}
    if position is not None:
        params["position"] = position
    result = await send_now(editor.client, "esker/disassemble", params)
    # Every field is sent, null or empty included.
    assert sorted(result._fields) == FIELDS
    return result


async def test_a_file_that_compiles_is_listed_whole_with_nothing_missing(editor: Editor):
    result = await disassemble(editor, "good.esk", "fn add(a, b) {\n    return a + b\n}\nprint(add(1, 2))\n")
    assert [f.name for f in result.functions] == ["<module>", "add"]
    assert result.missing == [] and result.message is None


async def test_a_file_where_nothing_compiles_has_empty_functions_and_says_why(editor: Editor):
    result = await disassemble(editor, "broken.esk", "let x = (\n")
    assert result.listing == "" and result.functions == []
    (module,) = result.missing
    assert module.name == "<module>" and "(line 2: unexpected end of file" in module.reason
    assert "errors" in result.message


async def test_functions_that_do_not_compile_are_named_with_their_first_error(editor: Editor):
    text = ("fn good() { return 1 }\n"
            "fn bad() {\n    return nowhere\n}\n"
            "let twice = fn (v) { return v * 2 } + oops\n"
            "print(good())\n")
    result = await disassemble(editor, "partly.esk", text)
    assert [f.name for f in result.functions] == ["good"]
    missing = {item.name: item for item in result.missing}
    assert list(missing) == ["<module>", "bad", "<fn> at line 5"]
    assert missing["bad"].reason == "line 3: undefined name `nowhere`"
    assert (missing["bad"].range.start.line, missing["bad"].range.end.line) == (1, 3)
    assert "oops" in missing["<fn> at line 5"].reason and "statement around it" in missing["<fn> at line 5"].reason
    assert "only the functions without errors" in result.message


async def test_the_function_at_a_position_that_does_not_compile_is_the_one_missing(editor: Editor):
    text = "fn good() { return 1 }\nfn bad() {\n    return nowhere\n}\n"
    result = await disassemble(editor, "at.esk", text, {"line": 2, "character": 6})
    assert result.listing == "" and result.functions == []
    assert [item.name for item in result.missing] == ["bad"]
    listed = await disassemble(editor, "at2.esk", text, {"line": 0, "character": 4})
    assert [f.name for f in listed.functions] == ["good"] and listed.missing == []


async def test_function_headers_name_the_file_relative_to_the_workspace(editor: Editor):
    result = await disassemble(editor, "lib/tools.esk", "fn one() { return 1 }\n")
    headers = [line for line in result.listing.split("\n") if line.startswith("function ")]
    assert headers and all(f"({'lib/tools.esk'}:" in line for line in headers), headers
    assert str(editor.folder) not in result.listing
