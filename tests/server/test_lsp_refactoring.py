"""Code actions through the client: `context.only` is honoured; organise
imports, extract and inline a local, function to closure and back, and a
missing struct field's default each give the edit a user expects (and are
not offered where they would change what the program computes)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from server_support import Editor, answered, session
from test_lsp_editing import apply

pytestmark = pytest.mark.asyncio(loop_scope="module")

FILES = {"zeta.esk": "fn z() { return 26 }\n", "alpha.esk": "fn a() { return 1 }\n",
         "unused_one.esk": "let nothing = 0\n", "noisy.esk": 'print("loading noisy")\nfn n() { return 0 }\n'}

client, editor = session("refactoring", files=FILES)


async def actions(editor: Editor, doc, start: types.Position, end: types.Position | None = None,
                  only: list[str] | None = None) -> dict[str, types.CodeAction]:
    diagnostics = await editor.diagnostics(doc)
    found = await answered(editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=editor.ident(doc), range=types.Range(start=start, end=end or start),
        context=types.CodeActionContext(diagnostics=diagnostics, only=only))))
    return {action.title: action for action in found or []}


def edited(editor: Editor, doc, action: types.CodeAction) -> str:
    return apply(doc.text, action.edit.changes[doc.uri], editor)


async def test_only_the_kinds_asked_for(editor: Editor):
    doc = editor.open("kinds.esk", "import zeta\nimport alpha\nfn f(unused) {\n    return 1\n}\nprint(f(2))\n")
    everything = await actions(editor, doc, editor.at(doc, "unused"))
    assert {action.kind for action in everything.values()} >= {"quickfix", "source.organizeImports"}
    fixes = await actions(editor, doc, editor.at(doc, "unused"), only=["quickfix"])
    assert fixes and {action.kind for action in fixes.values()} == {"quickfix"}
    source = await actions(editor, doc, editor.at(doc, "unused"), only=["source"])
    assert list(source) == ["Organize imports"]
    assert await actions(editor, doc, editor.at(doc, "unused"), only=["refactor.inline"]) == {}


async def test_organize_imports_sorts_and_drops_the_unused(editor: Editor):
    doc = editor.open("imports.esk", "import zeta\nimport unused_one\nimport alpha\nprint(zeta.z(), alpha.a())\n")
    found = await actions(editor, doc, editor.at(doc, "print"), only=["source.organizeImports"])
    assert edited(editor, doc, found["Organize imports"]) == \
        "import alpha\nimport zeta\nprint(zeta.z(), alpha.a())\n"


async def test_organize_imports_keeps_modules_that_run_code_where_they_are(editor: Editor):
    doc = editor.open("noisy_imports.esk", "import zeta\nimport noisy\nimport unused_one\nprint(zeta.z())\n")
    found = await actions(editor, doc, editor.at(doc, "print"), only=["source.organizeImports"])
    assert edited(editor, doc, found["Organize imports"]) == "import zeta\nimport noisy\nprint(zeta.z())\n"


async def test_extract_a_local(editor: Editor):
    doc = editor.open("extract.esk", "fn area(width, height) {\n    return width * height + 1\n}\nprint(area(2, 3))\n")
    found = await actions(editor, doc, editor.at(doc, "width * height"),
                          editor.at(doc, "width * height", delta=len("width * height")), only=["refactor"])
    action = found["Extract `width * height` into a local variable"]
    assert action.kind == "refactor.extract"
    assert edited(editor, doc, action) == ("fn area(width, height) {\n    let value = width * height\n"
                                           "    return value + 1\n}\nprint(area(2, 3))\n")


async def test_no_extract_that_would_reorder_effects(editor: Editor):
    doc = editor.open("effects.esk", "let log = []\nfn f(x) {\n    log.push(x)\n    return x\n}\n"
                                     "print(f(1) + f(2), log)\n")
    found = await actions(editor, doc, editor.at(doc, "f(2)"), editor.at(doc, "f(2)", delta=4), only=["refactor"])
    assert not any("Extract" in title for title in found)


async def test_inline_a_local(editor: Editor):
    doc = editor.open("inline.esk", "fn f(a, b) {\n    let total = a + b\n    return total * 2\n}\nprint(f(1, 2))\n")
    found = await actions(editor, doc, editor.at(doc, "total"), only=["refactor.inline"])
    assert edited(editor, doc, found["Inline `total`"]) == "fn f(a, b) {\n    return (a + b) * 2\n}\nprint(f(1, 2))\n"


async def test_function_to_closure_and_back(editor: Editor):
    doc = editor.open("closures.esk", "fn main() {\n    fn twice(x) { return x * 2 }\n    print(twice(4))\n}\nmain()\n")
    found = await actions(editor, doc, editor.at(doc, "twice"), only=["refactor.rewrite"])
    as_closure = edited(editor, doc, found["Convert `twice` to a closure"])
    assert as_closure == "fn main() {\n    let twice = fn (x) { return x * 2 }\n    print(twice(4))\n}\nmain()\n"
    back = editor.open("closures_back.esk", as_closure)
    found = await actions(editor, back, editor.at(back, "twice"), only=["refactor.rewrite"])
    assert edited(editor, back, found["Convert `twice` to a function"]) == doc.text
    early = editor.open("early.esk", "fn main() {\n    print(twice(4))\n    fn twice(x) { return x * 2 }\n}\nmain()\n")
    assert await actions(editor, early, editor.at(early, "twice", 1), only=["refactor.rewrite"]) == {}, \
        "a let is not visible before it"


async def test_a_missing_fields_default(editor: Editor):
    doc = editor.open("fields.esk", "struct P {\n    x\n    y\n}\nprint(P(1))\n")
    found = await actions(editor, doc, editor.at(doc, "P(1)"), only=["quickfix"])
    action = found["Give `y` a default (nil) in `P`"]
    assert [d.code for d in action.diagnostics] == ["W0107"]
    assert edited(editor, doc, action) == "struct P {\n    x\n    y = nil\n}\nprint(P(1))\n"
