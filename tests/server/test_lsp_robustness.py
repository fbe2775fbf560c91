"""Never down: handler failures are logged and answered with errors, bad
parameters are refused, cancelled requests are answered as cancelled, and
big, binary or fast-changing documents leave the server responsive."""

from __future__ import annotations

import asyncio
import sys

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig

from server_support import PATIENCE, SERVER, Editor, answered, make_client, send_now, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The real server, with one feature broken on purpose from outside the code
# under test, to see how a failing handler is answered.
FAULTY = ("import esker.vm.ide as ide\n"
          "def broken(*args): raise RuntimeError('injected fault')\n"
          "ide.folding_ranges = broken\n"
          "from esker.server.__main__ import main\n"
          "main([])\n")
FAULTY_SERVER = ClientServerConfig(server_command=[sys.executable, "-c", FAULTY], client_factory=make_client)

client, editor = session("robustness", config=FAULTY_SERVER, clients=["visual-studio-code"])


def big_program(lines: int) -> str:
    chunk = "fn step_{n}(a, b) {{\n    let total = a * b + {n}\n    return total\n}}\nprint(step_{n}(1, 2))\n"
    return "".join(chunk.format(n=n) for n in range(lines // 5))


async def test_a_failing_handler_is_answered_and_logged(editor: Editor):
    doc = editor.open("fault.esk", "fn f() {\n    return 1\n}\n")
    with pytest.raises(JsonRpcException) as failed:
        await editor.client.text_document_folding_range_async(types.FoldingRangeParams(
            text_document=editor.ident(doc)))
    assert failed.value.code == -32603
    assert any("injected fault" in message.message for message in editor.client.log_messages)
    assert "fn f()" in await editor.hover_text(doc, "f()")


async def test_invalid_parameters_are_refused(editor: Editor):
    with pytest.raises(JsonRpcException) as refused:
        await editor.client.protocol.send_request_async("esker/disassemble", {"textDocument": 5})
    assert refused.value.code == -32602
    with pytest.raises(JsonRpcException):
        await editor.client.protocol.send_request_async("esker/unknown", {})
    doc = editor.open("after.esk", "print(1)\n")
    assert await editor.diagnostics(doc) == []


async def test_a_cancelled_request_is_answered_as_cancelled(editor: Editor):
    doc = editor.open("cancel.esk", big_program(5000))
    pending = send_now(editor.client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
        text_document=editor.ident(doc), position=types.Position(line=1, character=9)), msg_id="to-cancel")
    editor.client.cancel_request(types.CancelParams(id="to-cancel"))
    with pytest.raises(JsonRpcRequestCancelled):
        await answered(pending)
    assert "total" in await editor.hover_text(doc, "total")


async def test_a_large_file_is_served(editor: Editor):
    doc = editor.open("large.esk", big_program(5000))
    assert await editor.diagnostics(doc) == []
    assert "fn step_999(a, b)" in await editor.hover_text(doc, "step_999", 1)
    items = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, "    return total", 999, delta=11)))
    assert "step_0" in {item.label for item in items.items}


async def test_a_one_megabyte_line(editor: Editor):
    doc = editor.open("long_line.esk", 'let s = "' + "😀ab" * 250_000 + '"; print(s, nope)\n')
    (found,) = await editor.diagnostics(doc)
    assert found.range.start == editor.at(doc, "nope")
    assert "let s" in await editor.hover_text(doc, "s, nope")


async def test_binary_content(editor: Editor):
    noise = "".join(chr(code) for code in range(0, 0x250)) + "\x00\x01\ufffe\U0001f600"
    doc = editor.open("binary.esk", noise * 20)
    found = await editor.diagnostics(doc)
    assert found and all(d.severity == types.DiagnosticSeverity.Error for d in found)
    symbols = await editor.client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=editor.ident(doc)))
    assert symbols is not None


async def test_a_document_changing_faster_than_the_server_analyses(editor: Editor):
    doc = editor.open("typing.esk", "let n = 0\n")
    await editor.diagnostics(doc)
    answers = []
    for number in range(100):
        editor.replace(doc, f"n = {number}", f"n = {number + 1}")
        answers.append(send_now(editor.client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
            text_document=editor.ident(doc), position=editor.at(doc, "n ="))))
    settled = await asyncio.wait_for(asyncio.gather(*answers, return_exceptions=True), PATIENCE)
    for answer in settled:
        assert not isinstance(answer, Exception) or getattr(answer, "code", None) == -32801
    final = await editor.published(doc)
    assert final.version == 101 and not final.diagnostics
    assert "let n" in await editor.hover_text(doc, "n =")


async def test_slow_documents_do_not_hold_up_others(editor: Editor):
    slow = editor.open("slow.esk", "let a = [" + "1, " * 60_000 + "1]\n")
    quick = editor.open("quick.esk", "print(missing)\n")
    assert [d.code for d in await editor.diagnostics(quick)] == ["E0101"]
    assert "print(...)" in await editor.hover_text(quick, "print")
    editor.close(slow)


async def test_invalid_options_are_reported_and_replaced_by_defaults(tmp_path):
    other = await SERVER.start()
    try:
        await other.initialize_session(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri(),
            initialization_options={"debounceMs": "soon"}))
        session = Editor(other, "visual-studio-code", tmp_path)
        doc = session.open("options.esk", "print(nope)\n")
        assert [d.code for d in await session.diagnostics(doc)] == ["E0101"]
        assert any("invalid initializationOptions" in message.message for message in other.messages)
        await other.shutdown_session()
    finally:
        await other.stop()
