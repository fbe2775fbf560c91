"""The workspace, not just the open files: the server indexes every `.esk`
file of the workspace and answers from it — references and rename reach
closed files, workspace diagnostics report them, call hierarchy crosses
files — and follows files created or changed on disk."""

from __future__ import annotations

import os

import attrs
import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from server_support import SERVER, Editor, answered, make_client, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

GEOMETRY = """\
# How big a w by h rectangle is.
fn area(w, h) { return w * h }
struct Point {
    x
    y = 0
    fn norm(self) { return self.x + self.y }
    fn origin() { return Point(0, 0) }
}
"""

MAIN = """\
import geometry
fn report() {
    let p = geometry.Point(1, 2)
    return geometry.area(p.x, 3)
}
print(report(), geometry.area(1, 1))
"""

OTHER = """\
import geometry
let total = geometry.area(4, 5)
"""

BROKEN = "print(nowhere)\n"

TOOLS = "fn helper() { return 1 }\n"
USES_PACKAGE = "import pkg.tools\nprint(tools.helper())\n"
USES_PATHS = 'import "pkg/tools.esk"\nimport "pkg/tools.esk" as kit\nprint(tools.helper(), kit.helper())\n'


FILES = {"geometry.esk": GEOMETRY, "main.esk": MAIN, "other.esk": OTHER, "broken.esk": BROKEN,
         "pkg/tools.esk": TOOLS, "package_user.esk": USES_PACKAGE,
         "path_user.esk": USES_PATHS}

client, editor = session("workspace", files=FILES)


def names(locations) -> list[tuple[str, int]]:
    return sorted((location.uri.rsplit("/", 1)[-1], location.range.start.line) for location in locations)


async def test_the_file_watcher_is_registered_dynamically(editor: Editor):
    doc = editor.open("watched.esk", "print(1)\n")
    await editor.diagnostics(doc)
    capabilities = editor.client.capabilities
    dynamic = capabilities.workspace.did_change_watched_files.dynamic_registration
    registered = [r.method for r in getattr(editor.client, "registrations", [])]
    assert (types.WORKSPACE_DID_CHANGE_WATCHED_FILES in registered) == bool(dynamic)


async def test_references_reach_closed_files(editor: Editor):
    module = editor.open("geometry.esk", GEOMETRY)
    await editor.diagnostics(module)
    found = await answered(editor.client.text_document_references_async(types.ReferenceParams(
        text_document=editor.ident(module), position=editor.at(module, "area(w"),
        context=types.ReferenceContext(include_declaration=True))))
    assert names(found) == [("geometry.esk", 1), ("main.esk", 3), ("main.esk", 5), ("other.esk", 1)]
    editor.close(module)


async def renamed_in_module(editor: Editor, needle: str, new_name: str) -> dict[str, int]:
    """How many edits per file renaming `needle` of geometry.esk (open) makes."""
    module = editor.open("geometry.esk", GEOMETRY)
    await editor.diagnostics(module)
    edit = await answered(editor.client.text_document_rename_async(types.RenameParams(
        text_document=editor.ident(module), position=editor.at(module, needle), new_name=new_name)))
    editor.close(module)
    return {uri.rsplit("/", 1)[-1]: len(edits) for uri, edits in edit.changes.items()}


async def test_rename_from_the_declaring_file_reaches_closed_importers(editor: Editor):
    assert await renamed_in_module(editor, "area(w", "surface") == {"geometry.esk": 1, "main.esk": 2,
                                                                    "other.esk": 1}


async def test_rename_of_a_field_reaches_uses_through_values_in_closed_files(editor: Editor):
    assert await renamed_in_module(editor, "x\n", "left") == {"geometry.esk": 2, "main.esk": 1}


async def test_call_hierarchy_across_files(editor: Editor):
    module = editor.open("geometry.esk", GEOMETRY)
    await editor.diagnostics(module)
    (item,) = await answered(editor.client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(text_document=editor.ident(module), position=editor.at(module, "area(w"))))
    assert item.name == "area" and item.kind == types.SymbolKind.Function
    incoming = await answered(editor.client.call_hierarchy_incoming_calls_async(
        types.CallHierarchyIncomingCallsParams(item=item)))
    callers = sorted((call.from_.name, call.from_.uri.rsplit("/", 1)[-1], len(call.from_ranges))
                     for call in incoming)
    assert callers == [("<module main.esk>", "main.esk", 1), ("<module other.esk>", "other.esk", 1),
                       ("report", "main.esk", 1)]
    main = editor.open("main.esk", MAIN)
    await editor.diagnostics(main)
    (report,) = await answered(editor.client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(text_document=editor.ident(main), position=editor.at(main, "report"))))
    outgoing = await answered(editor.client.call_hierarchy_outgoing_calls_async(
        types.CallHierarchyOutgoingCallsParams(item=report)))
    assert sorted((call.to.name, call.to.uri.rsplit("/", 1)[-1]) for call in outgoing) == [
        ("Point", "geometry.esk"), ("area", "geometry.esk")] or \
        sorted(call.to.name for call in outgoing) == ["area"]
    editor.close(main)
    editor.close(module)


async def test_declaration_type_definition_and_implementation(editor: Editor):
    main = editor.open("main.esk", MAIN)
    await editor.diagnostics(main)
    declared = await answered(editor.client.text_document_declaration_async(types.DeclarationParams(
        text_document=editor.ident(main), position=editor.at(main, "area"))))
    assert names(declared) == [("main.esk", 0)], "a module member is declared by the import"
    defined = await answered(editor.client.text_document_definition_async(types.DefinitionParams(
        text_document=editor.ident(main), position=editor.at(main, "area"))))
    assert names(defined) == [("geometry.esk", 1)]
    typed = await answered(editor.client.text_document_type_definition_async(types.TypeDefinitionParams(
        text_document=editor.ident(main), position=editor.at(main, "p.x", delta=0))))
    assert names(typed) == [("geometry.esk", 2)], "p holds a geometry.Point"
    module = editor.open("geometry.esk", GEOMETRY)
    await editor.diagnostics(module)
    methods = await answered(editor.client.text_document_implementation_async(types.ImplementationParams(
        text_document=editor.ident(module), position=editor.at(module, "Point"))))
    assert names(methods) == [("geometry.esk", 5), ("geometry.esk", 6)]
    editor.close(module)
    editor.close(main)


async def test_document_links_and_definition_on_every_part_of_an_import(editor: Editor):
    doc = editor.open("package_user.esk", USES_PACKAGE)
    assert await editor.diagnostics(doc) == []
    if editor.kind == "visual-studio-code":
        (link,) = await answered(editor.client.text_document_document_link_async(types.DocumentLinkParams(
            text_document=editor.ident(doc))))
        assert link.target.endswith("/pkg/tools.esk")
        assert (link.range.start.character, link.range.end.character) == (7, 16)
    for needle in ("pkg", "tools"):
        found = await answered(editor.client.text_document_definition_async(types.DefinitionParams(
            text_document=editor.ident(doc), position=editor.at(doc, needle))))
        assert [f.uri.rsplit("/", 2)[-2:] for f in found] == [["pkg", "tools.esk"]], needle
    editor.close(doc)


async def test_a_missing_module_is_found_when_it_appears(editor: Editor):
    doc = editor.open("needs_later.esk", "import later\nprint(later.value)\n")
    assert [d.code for d in await editor.diagnostics(doc)] == ["E0110"]
    seen = editor.publications(doc)
    path = editor.write("later.esk", "let value = 1\n")
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Created)]))
    if editor.pulls:
        found = await editor.diagnostics(doc)
    else:
        found = await editor.publication_after(doc, seen)
    assert found == []
    editor.close(doc)


async def test_definition_from_path_import_strings(editor: Editor):
    doc = editor.open("path_user.esk", USES_PATHS)
    assert await editor.diagnostics(doc) == []
    for needle, occurrence in (('"pkg/tools.esk"', 0), ('"pkg/tools.esk"', 1), ("kit.", 0), ("tools.h", 0)):
        found = await answered(editor.client.text_document_definition_async(types.DefinitionParams(
            text_document=editor.ident(doc), position=editor.at(doc, needle, occurrence, delta=1))))
        assert [f.uri.rsplit("/", 2)[-2:] for f in found] == [["pkg", "tools.esk"]], (needle, occurrence)
    editor.close(doc)


async def test_a_path_import_string_is_not_coloured_as_a_module(editor: Editor):
    doc = editor.open("path_user.esk", USES_PATHS)
    await editor.diagnostics(doc)
    legend = editor.server_capabilities.semantic_tokens_provider.legend
    full = await answered(editor.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(
        text_document=editor.ident(doc))))
    line = character = 0
    tokens = []
    for n in range(0, len(full.data), 5):
        line += full.data[n]
        character = full.data[n + 1] if full.data[n] else character + full.data[n + 1]
        tokens.append((line, character, legend.token_types[full.data[n + 3]]))
    assert [token for token in tokens if token[0] < 2] == [(1, 26, "namespace")], "only the alias is a name"
    assert (2, 6, "namespace") in tokens and (2, 22, "namespace") in tokens
    editor.close(doc)


async def test_a_missing_module_is_found_when_it_is_opened(editor: Editor):
    doc = editor.open("needs_unsaved.esk", "import unsaved\nprint(unsaved.value)\n")
    assert [d.code for d in await editor.diagnostics(doc)] == ["E0110"]
    seen = editor.publications(doc)
    module = editor.open("unsaved.esk", "let value = 1\n", on_disk=False)
    if editor.pulls:
        found = await editor.diagnostics(doc)
    else:
        found = await editor.publication_after(doc, seen)
    assert found == []
    editor.close(module)
    editor.close(doc)


def not_watching(kind: str, capabilities: types.ClientCapabilities) -> types.ClientCapabilities:
    """What the client declares, less reporting changes to files and pulling
    diagnostics (as older Neovim)."""
    workspace = attrs.evolve(capabilities.workspace or types.WorkspaceClientCapabilities(),
                             did_change_watched_files=None, diagnostics=None)
    text_document = attrs.evolve(capabilities.text_document or types.TextDocumentClientCapabilities(),
                                 diagnostic=None)
    return attrs.evolve(capabilities, workspace=workspace, text_document=text_document)


async def test_a_missing_module_created_on_disk_is_found_without_a_watcher(tmp_path):
    other = await SERVER.start()
    try:
        editor = Editor(other, "neovim", tmp_path, not_watching)
        await answered(editor.start())
        doc = editor.open("needs_file.esk", "import created\nprint(created.value)\n")
        assert [d.code for d in await editor.diagnostics(doc)] == ["E0110"]
        # Answered once the workspace has been indexed, so that only looking
        # at the disk again can find the file created next.
        await answered(other.workspace_symbol_async(types.WorkspaceSymbolParams(query="value")))
        seen = editor.publications(doc)
        editor.write("created.esk", "let value = 1\n")
        # (Publications of E0110 may still come from the indexing's end.)
        while await editor.publication_after(doc, seen) != []:
            seen += 1
    finally:
        await answered(other.shutdown_session())
        await other.stop()


async def test_a_module_on_esker_path_reaches_its_importers_in_the_workspace(tmp_path):
    library, project = tmp_path / "library", tmp_path / "project"
    library.mkdir()
    project.mkdir()
    (project / "main.esk").write_text("import shapes\nprint(shapes.area(2, 3))\n", encoding="utf-8")
    config = ClientServerConfig(server_command=SERVER.server_command, client_factory=make_client,
                                server_env={**os.environ, "ESKER_PATH": str(library)})
    other = await config.start()
    try:
        editor = Editor(other, "visual-studio-code", project)
        await answered(editor.start())
        editor.folder = library  # the module is opened from outside the workspace
        module = editor.open("shapes.esk", GEOMETRY)
        await editor.diagnostics(module)
        found = await answered(other.text_document_references_async(types.ReferenceParams(
            text_document=editor.ident(module), position=editor.at(module, "area(w"),
            context=types.ReferenceContext(include_declaration=True))))
        assert names(found) == [("main.esk", 1), ("shapes.esk", 1)]
    finally:
        await answered(other.shutdown_session())
        await other.stop()
