"""Helpers for driving `esker-lsp` through pytest-lsp as a real editor would.

The server runs as a subprocess started with `python -m esker.server`. An
`Editor` wraps the test client: it opens and edits documents with proper
versions and incremental changes, and waits for diagnostics by awaiting
messages — pushed ones for clients without pull support, pulled ones for
clients that have it — never by sleeping.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.protocol import default_converter
import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

CLIENTS = ["visual-studio-code", "neovim"]
#: Seconds any single awaited message may take before the test fails.
PATIENCE = 30


def _record_publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)
    client.publish_event.set()


def make_client() -> LanguageClient:
    """The pytest-lsp test client, also keeping every published diagnostics
    notification in order (pytest-lsp keeps only the latest per URI)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.publish_event = asyncio.Event()
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES,
                                   types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record_publish,
                                   types.CLIENT_REGISTER_CAPABILITY: _accept_registration})
    return client


def _accept_registration(client: LanguageClient, params: types.RegistrationParams) -> None:
    client.registrations = [*getattr(client, "registrations", []), *params.registrations]


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "esker.server"], client_factory=make_client)


async def answered(awaitable):
    """`awaitable`, failing the test (instead of hanging it) after PATIENCE seconds."""
    return await asyncio.wait_for(awaitable, PATIENCE)


async def start_editor(client: LanguageClient, kind: str, folder: Path, capabilities=None) -> "Editor":
    """Initialise a session as client `kind` would, rooted at `folder`."""
    client.editor = Editor(client, kind, folder, capabilities)
    await client.editor.start()
    return client.editor


def opening(key: str, name: str, text: str, **files: str):
    """A `prepare` for `session`: write `files` (name: text) and open `name`,
    kept as `editor.docs[key]`, once its first diagnostics are in."""
    async def prepare(editor: "Editor") -> None:
        for file_name, file_text in files.items():
            editor.write(file_name, file_text)
        editor.docs[key] = editor.open(name, text)
        await editor.diagnostics(editor.docs[key])
    return prepare


def session(name: str, prepare=None, config: ClientServerConfig = SERVER, clients: list[str] = CLIENTS,
            files: dict[str, str] | None = None, capabilities=None):
    """Module-scoped `client` and `editor` fixtures: one server per client
    kind, in a folder of its own holding `files` (name: text) when the editor
    starts; `prepare(editor)` may open documents first. `capabilities(kind,
    capabilities)` may change what the client declares."""
    @pytest_lsp.fixture(config=config, scope="module", params=clients)
    async def client(lsp_client: LanguageClient, request, tmp_path_factory):
        folder = tmp_path_factory.mktemp(name)
        for file_name, text in (files or {}).items():
            (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
            (folder / file_name).write_text(text, encoding="utf-8")
        editor = await answered(start_editor(lsp_client, request.param, folder, capabilities))
        if prepare is not None:
            await answered(prepare(editor))
        yield
        await answered(lsp_client.shutdown_session())

    @pytest.fixture(scope="module")
    def editor(client: LanguageClient) -> Editor:
        return client.editor

    return client, editor


@dataclass
class Doc:
    uri: str
    path: Path
    version: int
    text: str


def position_of(text: str, needle: str, occurrence: int = 0, delta: int = 0,
                encoding: str = "utf-16") -> types.Position:
    """The LSP position of the `occurrence`-th `needle` in `text` (plus
    `delta` code points), counted in `encoding` units."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    line_start = text.rfind("\n", 0, at) + 1
    prefix = text[line_start:at]
    if encoding == "utf-8":
        units = len(prefix.encode("utf-8"))
    elif encoding == "utf-32":
        units = len(prefix)
    else:
        units = len(prefix.encode("utf-16-le")) // 2
    return types.Position(line=line, character=units)


class Editor:
    """One editor session against the server."""

    def __init__(self, client: LanguageClient, kind: str, folder: Path, adjust=None):
        self.client = client
        self.kind = kind
        self.folder = folder
        #: Documents a module's `prepare` opened, by name.
        self.docs: dict[str, Doc] = {}
        capabilities = client_capabilities(kind)
        if adjust is not None:
            capabilities = adjust(kind, capabilities)
        self.capabilities = capabilities
        general = capabilities.general
        encodings = general.position_encodings if general else None
        self.encoding = "utf-16"
        if encodings:
            self.encoding = str(getattr(encodings[0], "value", encodings[0]))
        self.pulls = capabilities.text_document is not None and capabilities.text_document.diagnostic is not None

    async def start(self, options: dict | None = None) -> types.InitializeResult:
        params = types.InitializeParams(capabilities=self.capabilities,
                                        root_uri=self.folder.as_uri(),
                                        initialization_options=options or {"debounceMs": 20})
        result = await self.client.initialize_session(params)
        self.server_capabilities = result.capabilities
        return result

    # ------------------------------------------------------------- documents

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def open(self, name: str, text: str, *, on_disk: bool = True) -> Doc:
        path = self.write(name, text) if on_disk else self.folder / name
        doc = Doc(uri=path.as_uri(), path=path, version=1, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=doc.uri, language_id="esker", version=1, text=text)))
        return doc

    def replace(self, doc: Doc, old: str, new: str, occurrence: int = 0) -> None:
        """An incremental change: the `occurrence`-th `old` becomes `new`."""
        start = position_of(doc.text, old, occurrence, encoding=self.encoding)
        end = position_of(doc.text, old, occurrence, delta=len(old), encoding=self.encoding)
        at = -1
        for _ in range(occurrence + 1):
            at = doc.text.index(old, at + 1)
        doc.text = doc.text[:at] + new + doc.text[at + len(old):]
        doc.version += 1
        change = types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
            content_changes=[change]))

    def close(self, doc: Doc) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri)))

    def at(self, doc: Doc, needle: str, occurrence: int = 0, delta: int = 0) -> types.Position:
        return position_of(doc.text, needle, occurrence, delta, self.encoding)

    def ident(self, doc: Doc) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=doc.uri)

    # ----------------------------------------------------------- diagnostics

    async def published(self, doc: Doc, version: int | None = None) -> types.PublishDiagnosticsParams:
        """The first publication for `doc` at `version` (default: its current one)."""
        wanted = doc.version if version is None else version

        async def wait() -> types.PublishDiagnosticsParams:
            while True:
                for params in self.client.published:
                    if params.uri == doc.uri and params.version == wanted:
                        return params
                self.client.publish_event.clear()
                await self.client.publish_event.wait()
        return await answered(wait())

    async def diagnostics(self, doc: Doc) -> list[types.Diagnostic]:
        """The diagnostics of the document's current version, as this client
        gets them (pulled or pushed)."""
        if self.pulls:
            report = await answered(self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=self.ident(doc))))
            return list(report.items)
        return list((await self.published(doc)).diagnostics)

    async def publication_after(self, doc: Doc, seen: int) -> list[types.Diagnostic]:
        """The diagnostics published for `doc` after the first `seen` ones."""
        async def wait() -> list[types.Diagnostic]:
            while True:
                mine = [p for p in self.client.published if p.uri == doc.uri]
                if len(mine) > seen:
                    return list(mine[seen].diagnostics)
                self.client.publish_event.clear()
                await self.client.publish_event.wait()
        return await answered(wait())

    def publications(self, doc: Doc) -> int:
        return len([p for p in self.client.published if p.uri == doc.uri])

    async def hover_text(self, doc: Doc, needle: str, occurrence: int = 0, delta: int = 0) -> str:
        found = await answered(self.client.text_document_hover_async(types.HoverParams(
            text_document=self.ident(doc), position=self.at(doc, needle, occurrence, delta))))
        return found.contents.value if found else ""


def send_now(client: LanguageClient, method: str, params, msg_id: str | None = None) -> asyncio.Future:
    """Send a request at once, in order with the notifications sent before and
    after it (the `*_async` methods send only once awaited)."""
    return asyncio.wrap_future(client.protocol.send_request(method, params, msg_id=msg_id))


def codes(diagnostics: list[types.Diagnostic]) -> list[tuple[int, int, str]]:
    """(line, character, code) of each diagnostic, 0-based as LSP has them."""
    return sorted((d.range.start.line, d.range.start.character, str(d.code)) for d in diagnostics)
