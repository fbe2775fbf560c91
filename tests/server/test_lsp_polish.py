"""Polish where users notice, through the real server: hover bytecode on
keywords, line breaks as LSP defines them."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from lsprotocol import types

from esker.server.convert import uri_to_path as convert_uri
from esker.vm.runtime.builtins import LIBRARY

from server_support import Editor, answered, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

client, editor = session("polish")

#: A body holding every statement and expression the hover explains.
BODY = """\
let k = limit * 2
if k > 3 {
    k = 1
}
while k < 10 {
    k += 1
}
let r = match k {
    1 => k * 2
    _ => 0
}
let f = fn (v) { return v + k }
return f(r)
"""


def indented(text: str, depth: int) -> str:
    return "".join("    " * depth + line + "\n" for line in text.splitlines())


#: The places a function body can be: a function, a method, a closure, a closure in a match arm.
PLACES = {
    "function": "fn area(limit) {\n" + indented(BODY, 1) + "}\nprint(area(1))\n",
    "method": "struct Box {\n    limit\n    fn area(self) {\n        let limit = self.limit\n"
              + indented(BODY, 2) + "    }\n}\nprint(Box(1).area())\n",
    "closure": "let area = fn (limit) {\n" + indented(BODY, 1) + "}\nprint(area(1))\n",
    "arm": "fn pick(n) {\n    return match n {\n        _ => fn (limit) {\n" + indented(BODY, 3)
           + "        }\n    }\n}\nprint(pick(1)(2))\n",
    "top level": "let limit = 1\n" + BODY.replace("return f(r)", "print(f(r))"),
}

KEYWORDS = [("let k", "MULK"), ("if k", "GTI"), ("while k", "LTI"), ("match k", "EQI"), ("return f", "TAILCALL"),
            ("let r", "EQI")]


def instructions(hover: str, title: str) -> list[str]:
    """The opcodes of the hover's code block titled `title`."""
    assert title in hover, hover
    block = hover.split(title, 1)[1].split("```\n", 1)[1].split("\n```", 1)[0]
    rows = [line.replace(">>", "").split() for line in block.splitlines()]
    return [row[2] for row in rows if len(row) > 2 and row[0].isdigit() and row[1].startswith("[")]


@pytest.mark.parametrize("place", list(PLACES))
async def test_hover_on_a_keyword_shows_the_code_of_its_statement(editor: Editor, place):
    doc = editor.open(f"keywords_{place}.esk", PLACES[place])
    assert not [d for d in await editor.diagnostics(doc) if d.severity == types.DiagnosticSeverity.Error]
    for needle, opcode in KEYWORDS:
        if needle not in PLACES[place]:
            continue
        word = needle.split()[0]
        shown = await editor.hover_text(doc, needle, delta=1)
        assert opcode in instructions(shown, f"**Bytecode of this `{word}`"), (needle, shown)
    loop = instructions(await editor.hover_text(doc, "while k"), "**Bytecode of this `while`")
    assert "ADDI" not in loop and loop.count("JMP") == 2, "the loop's own code, not its body's"
    branch = instructions(await editor.hover_text(doc, "if k"), "**Bytecode of this `if`")
    assert "LOADI" not in branch
    declared = instructions(await editor.hover_text(doc, "let k"), "**Bytecode of this `let`")
    assert "RETURN0" not in declared and "RETURN" not in declared


@pytest.mark.parametrize("place", list(PLACES))
async def test_hover_on_a_closures_fn_shows_closure_and_its_listing(editor: Editor, place):
    doc = editor.open(f"closure_{place}.esk", PLACES[place])
    await editor.diagnostics(doc)
    shown = await editor.hover_text(doc, "fn (v)", delta=1)
    assert instructions(shown, "**Bytecode of this closure in") == ["CLOSURE"]
    # At the top level `k` is a module member, not an upvalue.
    read = "GETGLOBAL" if place == "top level" else "GETUPVAL"
    assert instructions(shown, "**Bytecode of the closure") == [read, "ADD", "RETURN"]


def insert(editor: Editor, doc, line: int, character: int, text: str) -> None:
    """Insert `text` at an LSP position (the helpers' positions count `\\n` only)."""
    doc.version += 1
    at = types.Position(line=line, character=character)
    editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)]))


async def test_a_lone_carriage_return_is_a_line_break(editor: Editor):
    doc = editor.open("returns.esk", "fn f(a) {\r    let tmp = 1\r\n    return a\r}\rprint(f(1), totl)\r")

    async def found():
        return sorted((d.range.start.line, d.range.start.character, d.code) for d in await editor.diagnostics(doc))
    assert await found() == [(1, 8, "W0101"), (4, 12, "E0101")]
    # A `\n` typed after a lone `\r` joins them into one line break.
    insert(editor, doc, 4, 0, "\n")
    assert await found() == [(1, 8, "W0101"), (4, 12, "E0101")]
    insert(editor, doc, 4, 0, "\r")
    assert await found() == [(1, 8, "W0101"), (5, 12, "E0101")]


# ---------------------------------------------------------------- completion

GEOMETRY = "struct Point {\n    x\n    y = 0\n    fn norm(self, scale) { return self.x * scale }\n    fn origin() { return Point(0) }\n}\n"


async def complete(editor: Editor, doc, needle: str, delta: int) -> dict[str, types.CompletionItem]:
    found = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, needle, delta=delta)))
    return {item.label: item for item in found.items}


async def test_completion_knows_values_built_by_module_qualified_constructors(editor: Editor):
    editor.write("geometry.esk", GEOMETRY)
    doc = editor.open("shapes_user.esk", "import geometry\nlet p = geometry.Point(3, 4)\nprint(p.x)\n")
    await editor.diagnostics(doc)
    assert set(await complete(editor, doc, "p.x", 2)) == {"x", "y", "norm"}


async def test_call_snippets_have_placeholders_for_the_parameters_needed(editor: Editor):
    editor.write("geometry.esk", GEOMETRY)
    doc = editor.open("snippets.esk", "import geometry\nfn area(w, h = w) { return w * h }\n"
                                      "let p = geometry.Point(3)\nprint(p.norm(2), area(1), len(\"\"))\n"
                                      "let method = p.norm\nlet make = geometry.Point\n\n")
    await editor.diagnostics(doc)
    names = await complete(editor, doc, "\n\n", 1)
    assert names["area"].insert_text == "area(${1:w})$0"
    assert names["area"].insert_text_format == types.InsertTextFormat.Snippet
    assert names["sorted"].insert_text == "sorted(${1:iterable})$0"
    assert names["clock"].insert_text == "clock()$0"
    assert names["p"].insert_text is None and names["while"].insert_text is None
    members = await complete(editor, doc, "p.norm\n", 2)
    assert members["norm"].insert_text == "norm(${1:scale})$0"
    module = await complete(editor, doc, "geometry.Point\n", 9)
    assert module["Point"].insert_text == "Point(${1:x})$0"
    # Where a `(` follows already, only the name is inserted.
    assert (await complete(editor, doc, "area(1)", 2))["area"].insert_text is None


async def test_completion_documentation_is_resolved_when_the_client_asks(editor: Editor):
    doc = editor.open("resolving.esk", "# Adds one.\nfn inc(n) { return n + 1 }\nprint(inc(1))\n\n")
    await editor.diagnostics(doc)
    found = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=editor.ident(doc), position=editor.at(doc, "\n\n", delta=1)))
    item = next(item for item in found.items if item.label == "inc")
    lazy = "documentation" in editor.capabilities.text_document.completion.completion_item.resolve_support.properties
    assert (item.documentation is None) == lazy
    resolved = await editor.client.completion_item_resolve_async(item)
    assert resolved.documentation.value == "Adds one."
    assert LIBRARY.lookup("len").summary in (await editor.client.completion_item_resolve_async(
        next(item for item in found.items if item.label == "len"))).documentation.value


# -------------------------------------------------------------- inlay hints

CALLS = """\
struct Point {
    x
    y = 0
    fn scaled(self, factor) { return Point(self.x * factor, self.y * factor) }
}
enum Shape { Circle(r), Dot }
fn area(w, h = w, ...rest) { return w * h }
let h = 2
let p = Point(3, 4)
print(area(3, h, 5), p.scaled(2), Shape.Circle(1), len([1]))
"""


async def parameter_hints(editor: Editor, doc) -> list[tuple[int, int, str]]:
    hints = await editor.client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=editor.ident(doc), range=types.Range(start=types.Position(line=0, character=0),
                                                           end=types.Position(line=10, character=0))))
    return [(hint.position.line, hint.position.character, hint.label) for hint in hints
            if hint.kind == types.InlayHintKind.Parameter]


async def test_parameter_names_are_shown_at_call_sites_and_can_be_turned_off(editor: Editor):
    doc = editor.open("calls.esk", CALLS)
    await editor.diagnostics(doc)
    def at(needle: str, label: str, delta: int = 0) -> tuple[int, int, str]:
        position = editor.at(doc, needle, delta=delta)
        return position.line, position.character, label
    assert await parameter_hints(editor, doc) == [
        at("self.x * factor", "x:"), at("self.y * factor", "y:"), at("3, 4", "x:"), at("4)", "y:"),
        at("3, h", "w:"),  # not `h` (spelled as its parameter), nor the rest parameter's `5`
        at("2), Shape", "factor:"), at("1), len", "r:")]  # and no builtin's
    refreshed = asyncio.Event()
    if types.WORKSPACE_INLAY_HINT_REFRESH not in editor.client.protocol.fm.features:
        editor.client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)(lambda params: editor.client.refreshed.set())
    editor.client.refreshed = refreshed
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"esker": {"parameterHints": False}}))
    assert await parameter_hints(editor, doc) == []
    workspace = editor.capabilities.workspace
    if workspace.inlay_hint and workspace.inlay_hint.refresh_support:
        await answered(refreshed.wait())
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"esker": {"parameterHints": True}}))
    assert len(await parameter_hints(editor, doc)) == 7
    # A parameter renamed in its declaration renames the hints of calls left alone.
    editor.replace(doc, "fn area(w,", "fn area(width,")
    await editor.diagnostics(doc)
    assert at("3, h", "width:") in await parameter_hints(editor, doc)


# --------------------------------------------------------------- formatting

def applied(text: str, edits: list[types.TextEdit]) -> str:
    """`text` with `edits` (on distinct lines, positions in code points of ASCII text) applied."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = edit.range.start, edit.range.end
        assert start.line == end.line
        line = lines[start.line]
        lines[start.line] = line[:start.character] + edit.new_text + line[end.character:]
    return "\n".join(lines)


async def on_type(editor: Editor, doc, line: int, character: int, typed: str, tab_size: int = 4,
                  spaces: bool = True) -> list[types.TextEdit]:
    return await editor.client.text_document_on_type_formatting_async(types.DocumentOnTypeFormattingParams(
        text_document=editor.ident(doc), position=types.Position(line=line, character=character), ch=typed,
        options=types.FormattingOptions(tab_size=tab_size, insert_spaces=spaces)))


async def test_on_type_formatting_reindents_after_a_brace_and_a_line_break(editor: Editor):
    assert editor.server_capabilities.document_on_type_formatting_provider.first_trigger_character == "}"
    text = "fn f(a) {\n    if a {\n        print(a)\n            }\n  \n}\n"
    doc = editor.open("typing.esk", text)
    await editor.diagnostics(doc)
    # `}` typed at the end of line 3: the line goes to the depth of its `{`.
    assert applied(text, await on_type(editor, doc, 3, 13, "}")).split("\n")[3] == "    }"
    # A line break typed before line 4: the new line gets the depth of the open block.
    assert applied(text, await on_type(editor, doc, 4, 2, "\n")).split("\n")[4] == "    "
    assert applied(text, await on_type(editor, doc, 4, 2, "\n", tab_size=2)).split("\n")[4] == "  "
    assert applied(text, await on_type(editor, doc, 4, 2, "\n", spaces=False)).split("\n")[4] == "\t"
    # Inside code still being written, and never inside a string.
    broken = "fn g() {\n    let xs = [\n1,\n    let s = \"\"\"\n  kept\n"
    unfinished = editor.open("unfinished.esk", broken)
    assert applied(broken, await on_type(editor, unfinished, 2, 0, "\n")).split("\n")[2] == "        1,"
    assert not await on_type(editor, unfinished, 4, 0, "\n")


async def test_formatting_honours_the_tab_size(editor: Editor):
    doc = editor.open("tabs.esk", "fn f(a) {\n    if a {\n        return 1\n    }\n    return 2\n}\n")
    await editor.diagnostics(doc)
    edits = await editor.client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=editor.ident(doc), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1
    lines = doc.text.split("\n")
    start, end = edits[0].range.start, edits[0].range.end
    before = "\n".join(lines[:start.line] + [lines[start.line][:start.character]])
    after = "\n".join([lines[end.line][end.character:]] + lines[end.line + 1:])
    formatted = before + edits[0].new_text + after
    assert formatted == "fn f(a) {\n  if a {\n    return 1\n  }\n  return 2\n}\n"
    edits = await editor.client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
        text_document=editor.ident(doc), range=types.Range(start=types.Position(line=0, character=0),
                                                           end=types.Position(line=1, character=0)),
        options=types.FormattingOptions(tab_size=4, insert_spaces=False)))
    assert "\treturn 2" in edits[0].new_text


# ------------------------------------------------------------- suppressions

async def test_an_ignore_comment_silences_a_warning_and_is_offered_as_a_fix(editor: Editor):
    text = "fn f(a) {\n    let tmp = 1\n    let kept = 2  # esker: ignore[W0102]\n    return a\n}\nprint(f(1))\n"
    doc = editor.open("ignoring.esk", text)
    found = sorted((d.range.start.line, d.code) for d in await editor.diagnostics(doc))
    assert found == [(1, "W0101"), (2, "W0101")]
    actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=editor.ident(doc), range=types.Range(start=editor.at(doc, "tmp"), end=editor.at(doc, "tmp")),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix])))
    ignore = next(action for action in actions if action.title == "Ignore W0101 on this line")
    assert ignore.kind == types.CodeActionKind.QuickFix and ignore.diagnostics[0].code == "W0101"
    (edit,) = ignore.edit.changes[doc.uri]
    assert (edit.range.start.line, edit.new_text) == (1, "  # esker: ignore[W0101]")
    editor.replace(doc, "let tmp = 1", "let tmp = 1  # esker: ignore[W0101]")
    assert sorted((d.range.start.line, d.code) for d in await editor.diagnostics(doc)) == [(2, "W0101")]
    # A line that has a directive gets the code added to it.
    actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=editor.ident(doc), range=types.Range(start=editor.at(doc, "kept"), end=editor.at(doc, "kept")),
        context=types.CodeActionContext(diagnostics=[])))
    (edit,) = next(action for action in actions if action.title == "Ignore W0101 on this line").edit.changes[doc.uri]
    assert edit.new_text == "W0102, W0101"
    editor.replace(doc, "[W0102]", "[W0102, W0101]")
    assert await editor.diagnostics(doc) == []
    # Errors are never silenced.
    editor.replace(doc, "print(f(1))", "print(f(nope))  # esker: ignore")
    assert [d.code for d in await editor.diagnostics(doc)] == ["E0101"]


# ------------------------------------------------------------------ builtins

@pytest.mark.parametrize("needle, delta, heading", [
    ("len(", 0, "### `len(x)`"), ("sqrt", 0, "#### `math.sqrt(x)`"), ("push", 0, "#### `array.push(x)`"),
    ("math.", 0, "### The `math` namespace")])
async def test_definition_of_a_builtin_opens_a_read_only_reference(editor: Editor, needle, delta, heading):
    doc = editor.open("builtin_defs.esk", "let xs = [1]\nxs.push(2)\nprint(len(xs), math.sqrt(4))\n")
    await editor.diagnostics(doc)
    found = await editor.client.text_document_definition_async(types.DefinitionParams(
        text_document=editor.ident(doc), position=editor.at(doc, needle, delta=delta)))
    (place,) = found
    path = Path(convert_uri(place.uri))
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[place.range.start.line] == heading
    entry = LIBRARY.lookup(heading.split("`")[1].split("(")[0])
    assert entry.summary in "\n".join(lines[place.range.start.line:place.range.start.line + 4])
