"""Editing help: completion, signature help, formatting through the shared
formatter, and the quick fixes."""

from __future__ import annotations

import pytest
from lsprotocol import types

from server_support import Editor, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHAPES = "enum Shape { Circle(r), Rect(w, h), Dot }\nfn area(w, h = w) { return w * h }\n"


async def write_shapes(editor: Editor) -> None:
    editor.write("shapes.esk", SHAPES)


client, editor = session("editing", prepare=write_shapes)


async def complete(editor: Editor, doc, needle: str, delta: int) -> dict[str, types.CompletionItem]:
    found = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, needle, delta=delta)))
    return {item.label: item for item in found.items}


async def test_completion_of_names_keywords_and_builtins(editor: Editor):
    doc = editor.open("names.esk", "let count = 1\nfn go(limit) {\n    let step = 2\n    \n}\n")
    items = await complete(editor, doc, "    \n", 4)
    assert {"count", "go", "limit", "step", "while", "return", "print", "len"} <= set(items)
    assert items["len"].detail == "len(x)"
    assert items["while"].kind == types.CompletionItemKind.Keyword
    assert items["step"].kind == types.CompletionItemKind.Variable


async def test_completion_after_a_dot(editor: Editor):
    text = ("import shapes\nstruct Point {\n    x\n    y\n    fn norm(self) { return self.x }\n}\n"
            "let p = Point(1, 2)\nprint(p.x, Shape.Dot, shapes.area(1))\nenum Shape { Circle(r), Dot }\n")
    doc = editor.open("members.esk", text)
    assert {"x", "y", "norm"} <= set(await complete(editor, doc, "p.x", 2))
    assert set(await complete(editor, doc, "Shape.Dot", 6)) == {"Circle", "Dot"}
    module = await complete(editor, doc, "shapes.area", 7)
    assert {"area", "Shape"} <= set(module)
    assert module["area"].detail == "fn area(w, h = …)"
    assert await complete(editor, doc, "self.x", 5) and "norm" in await complete(editor, doc, "self.x", 5)


async def test_no_completion_inside_strings_and_comments(editor: Editor):
    doc = editor.open("quiet.esk", 'let s = "text here" # note\n')
    assert await complete(editor, doc, "text", 2) == {}
    assert await complete(editor, doc, "note", 2) == {}


async def test_signature_help(editor: Editor):
    doc = editor.open("calls.esk", "fn area(w, h = w) { return w * h }\nprint(area(2, 3))\n")
    found = await editor.client.text_document_signature_help_async(types.SignatureHelpParams(
        text_document=editor.ident(doc), position=editor.at(doc, "3)")))
    signature = found.signatures[0]
    assert signature.label == "area(w, h = w)"
    assert found.active_parameter == 1
    start, end = signature.parameters[1].label
    assert signature.label[start:end] == "h = w"


async def test_formatting_uses_the_shared_formatter(editor: Editor):
    doc = editor.open("messy.esk", "fn  f( a,b ){\nreturn a+b # sum\n}\nlet   x=[1,2 ,3]\n")
    edits = await editor.client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=editor.ident(doc), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert apply(doc.text, edits, editor) == "fn f(a, b) {\n    return a + b  # sum\n}\nlet x = [1, 2, 3]\n"
    broken = editor.open("broken.esk", "let = \n")
    assert not await editor.client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=editor.ident(broken), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))


async def test_range_formatting_touches_only_the_selected_statements(editor: Editor):
    doc = editor.open("ranged.esk", "let  a=1\nlet  b=2\nlet  c=3\n")
    edits = await editor.client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
        text_document=editor.ident(doc), options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        range=types.Range(start=editor.at(doc, "b"), end=editor.at(doc, "2"))))
    assert apply(doc.text, edits, editor) == "let  a=1\nlet b = 2\nlet  c=3\n"


async def test_quick_fixes(editor: Editor):
    text = ("enum Shape { Circle(r), Rect(w, h), Dot }\nlet total = 0\nfn f(s) {\n    let tmp = 1\n"
            "    return match s {\n        Shape.Dot => totl\n    }\n}\n")
    doc = editor.open("fixes.esk", text)
    diagnostics = await editor.diagnostics(doc)
    actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=editor.ident(doc), range=types.Range(start=types.Position(line=0, character=0),
                                                          end=types.Position(line=8, character=0)),
        context=types.CodeActionContext(diagnostics=diagnostics)))
    by_title = {action.title: action for action in actions}
    assert set(by_title) == {"Change to `total`", "Prefix `tmp` with `_` to mark it unused",
                             "Add the missing match arms", "Ignore W0101 on this line", "Ignore W0105 on this line"}
    fixed = apply(doc.text, by_title["Add the missing match arms"].edit.changes[doc.uri], editor)
    assert "        Shape.Dot => totl\n        Shape.Circle(_) => nil\n        Shape.Rect(_, _) => nil\n" in fixed
    assert "let _tmp = 1" in apply(doc.text, by_title["Prefix `tmp` with `_` to mark it unused"].edit.changes[doc.uri],
                                   editor)


def apply(text: str, edits, editor: Editor) -> str:
    """The text after the edits (ranges in the editor's encoding)."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        line = lines[position.line]
        encoded = line.encode("utf-8" if editor.encoding == "utf-8" else "utf-16-le")
        width = 1 if editor.encoding == "utf-8" else 2
        column = len(encoded[:position.character * width].decode("utf-8" if width == 1 else "utf-16-le"))
        return sum(len(item) + 1 for item in lines[:position.line]) + column

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text
