"""Completion and hover documentation for every builtin, method and
namespace member, from the runtime's one table, through the real server."""

from __future__ import annotations

import pytest
from lsprotocol import types

from esker.vm.runtime.builtins import LIBRARY

from server_support import Editor, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

client, editor = session("builtins")

PROGRAM = """\
let words = ["pear", "fig"]
let text = "a b"
let counts = {"a": 1}
print(sorted(words, nil, true), text.upper(), counts.pop("a"), words.push)
for line in io.lines("x.txt") { print(math.hypot(3, 4), sys.args) }

"""


async def complete(editor: Editor, doc, needle: str, delta: int) -> dict[str, types.CompletionItem]:
    """The items offered, with their documentation resolved as the client
    would when it shows them (clients that resolve it lazily get it then)."""
    found = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, needle, delta=delta)))
    items = {}
    for item in found.items:
        if item.documentation is None and item.data is not None:
            item = await editor.client.completion_item_resolve_async(item)
        items[item.label] = item
    return items


def documentation(item: types.CompletionItem) -> str:
    assert isinstance(item.documentation, types.MarkupContent), item.label
    assert item.documentation.kind == types.MarkupKind.Markdown
    return item.documentation.value


async def test_every_builtin_name_completes_with_its_documentation(editor: Editor):
    doc = editor.open("globals.esk", PROGRAM)
    await editor.diagnostics(doc)
    items = await complete(editor, doc, "\n\n", 1)
    for entry in LIBRARY.globals():
        item = items[entry.name]
        assert entry.summary in documentation(item)
        if entry.params is not None:
            assert item.detail == entry.signature
    assert items["sorted"].detail == "sorted(iterable[, key[, reverse]])"
    assert "```esker\nprint(sorted([3, 1, 2])" in documentation(items["sorted"])
    assert items["io"].kind == types.CompletionItemKind.Module


@pytest.mark.parametrize("type_name, needle, delta", [
    ("str", "text.upper", 5), ("array", "words.push", 6), ("map", "counts.pop", 7), ("str", '"a b"', 6),
])
async def test_methods_of_builtin_types_complete_with_their_documentation(editor: Editor, type_name, needle, delta):
    doc = editor.open(f"methods_{type_name}_{delta}.esk", PROGRAM.replace('"a b"\n', '"a b".x\n'))
    items = await complete(editor, doc, needle, delta)
    methods = LIBRARY.methods(type_name)
    assert set(methods) <= set(items)
    for name, entry in methods.items():
        assert items[name].detail == entry.signature
        assert entry.summary in documentation(items[name])


@pytest.mark.parametrize("namespace, needle, delta", [("math", "math.hypot", 5), ("io", "io.lines", 3),
                                                      ("sys", "sys.args", 4)])
async def test_namespace_members_complete_with_their_documentation(editor: Editor, namespace, needle, delta):
    doc = editor.open(f"namespace_{namespace}.esk", PROGRAM)
    items = await complete(editor, doc, needle, delta)
    members = LIBRARY.members(namespace)
    assert set(items) == set(members)
    for name, entry in members.items():
        assert entry.summary in documentation(items[name])


async def test_hover_on_builtins_shows_their_documentation(editor: Editor):
    doc = editor.open("hover.esk", PROGRAM)
    await editor.diagnostics(doc)
    shown = await editor.hover_text(doc, "sorted")
    assert shown.startswith("```esker\nsorted(iterable[, key[, reverse]])\n```")
    assert LIBRARY.lookup("sorted").summary in shown and "prints" in shown
    lines = await editor.hover_text(doc, "lines(", delta=1)
    assert "```esker\nio.lines(path)\n```" in lines and LIBRARY.lookup("io.lines").summary in lines
    assert LIBRARY.lookup("math.hypot").summary in await editor.hover_text(doc, "hypot")
    assert LIBRARY.lookup("sys.args").summary in await editor.hover_text(doc, "args")


@pytest.mark.parametrize("needle, entry", [("upper()", "str.upper"), ("pop(", "map.pop"), ("push)", "array.push")])
async def test_hover_on_a_method_of_a_builtin_type_shows_its_documentation(editor: Editor, needle, entry):
    doc = editor.open(f"hover_{entry}.esk", PROGRAM)
    await editor.diagnostics(doc)
    shown = await editor.hover_text(doc, needle, delta=1)
    assert f"```esker\n{entry}(" in shown and LIBRARY.lookup(entry).summary in shown

