"""`workspace/diagnostic`: the errors of every file of the workspace, open or
not, with result ids so unchanged files are answered `unchanged`; a setting
limits it to open files. Also the pull-diagnostics reopen case."""

from __future__ import annotations

import attrs
import pytest
from lsprotocol import types

from server_support import SERVER, Editor, answered, session

pytestmark = pytest.mark.asyncio(loop_scope="module")

FILES = {"good.esk": "print(1)\n", "broken.esk": "print(nowhere)\n", "deep/also.esk": "let x = y\n"}


def pulling(kind: str, capabilities: types.ClientCapabilities) -> types.ClientCapabilities:
    """The client's capabilities with pull diagnostics, workspace ones included
    (as recent VS Code and Neovim have them)."""
    text_document = attrs.evolve(capabilities.text_document or types.TextDocumentClientCapabilities(),
                                 diagnostic=types.DiagnosticClientCapabilities(related_document_support=True))
    workspace = attrs.evolve(capabilities.workspace or types.WorkspaceClientCapabilities(),
                             diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=False))
    return attrs.evolve(capabilities, text_document=text_document, workspace=workspace)


client, editor = session("workspace_diagnostics", files=FILES, capabilities=pulling)


def by_file(report: types.WorkspaceDiagnosticReport) -> dict[str, object]:
    return {item.uri.rsplit("/", 1)[-1]: item for item in report.items}


async def test_closed_files_are_reported(editor: Editor):
    doc = editor.open("opened.esk", "print(missing_here)\n")
    assert [d.code for d in await editor.diagnostics(doc)] == ["E0101"]
    report = await answered(editor.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])))
    found = by_file(report)
    assert {name: [d.code for d in item.items] for name, item in found.items()} == {
        "opened.esk": ["E0101"], "good.esk": [], "broken.esk": ["E0101"], "also.esk": ["E0101"]}
    assert found["opened.esk"].version == doc.version and found["broken.esk"].version is None
    again = await answered(editor.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[types.PreviousResultId(uri=item.uri, value=item.result_id) for item in report.items])))
    assert {item.kind for item in again.items} == {"unchanged"}
    editor.close(doc)


async def test_a_file_changed_on_disk_is_reported_again(editor: Editor):
    path = editor.write("good.esk", "print(now_broken)\n")
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)]))
    report = await answered(editor.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])))
    assert [d.code for d in by_file(report)["good.esk"].items] == ["E0101"]


async def test_reopened_with_new_text_gets_a_full_report(editor: Editor):
    doc = editor.open("reopen.esk", "print(1)\n")
    first = await answered(editor.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=editor.ident(doc))))
    editor.close(doc)
    doc = editor.open("reopen.esk", "print(gone)\n")
    again = await answered(editor.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=editor.ident(doc), previous_result_id=first.result_id)))
    assert again.kind == "full" and [d.code for d in again.items] == ["E0101"]
    editor.close(doc)


async def test_a_setting_limits_workspace_diagnostics_to_open_files(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    other = await SERVER.start()
    try:
        limited = Editor(other, "visual-studio-code", tmp_path, pulling)
        await answered(limited.start({"debounceMs": 20, "diagnosticScope": "openFiles"}))
        doc = limited.open("opened.esk", "print(1)\n")
        await limited.diagnostics(doc)
        report = await answered(other.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])))
        assert list(by_file(report)) == ["opened.esk"]
        await other.shutdown_session()
    finally:
        await other.stop()
