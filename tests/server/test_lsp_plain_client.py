"""A client that declares neither snippets nor lazy documentation (the
capabilities of VS Code and Neovim with those two taken out): completion
inserts plain names and carries its documentation in the list."""

from __future__ import annotations

import attrs
import pytest
from lsprotocol import types

from server_support import Editor, session

pytestmark = pytest.mark.asyncio(loop_scope="module")


def without_snippets(kind: str, capabilities: types.ClientCapabilities) -> types.ClientCapabilities:
    item = attrs.evolve(capabilities.text_document.completion.completion_item, snippet_support=False,
                        resolve_support=None)
    completion = attrs.evolve(capabilities.text_document.completion, completion_item=item)
    return attrs.evolve(capabilities, text_document=attrs.evolve(capabilities.text_document, completion=completion))


client, editor = session("plain", capabilities=without_snippets)


async def test_completion_without_snippets_inserts_names_and_carries_documentation(editor: Editor):
    doc = editor.open("plain.esk", "# Adds one.\nfn inc(n) { return n + 1 }\nprint(inc(1))\n\n")
    await editor.diagnostics(doc)
    found = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, "\n\n", delta=1)))
    items = {item.label: item for item in found.items}
    assert items["inc"].insert_text is None and items["inc"].insert_text_format is None
    assert items["inc"].documentation.value == "Adds one."
    assert items["inc"].data is None
