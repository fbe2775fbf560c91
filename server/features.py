"""The editor features: thin handlers over `esker.vm.ide`.

Each handler finds the document's current snapshot, asks `ide` on a worker
thread, and converts the plain-data answer to LSP types through `convert`.
No language knowledge lives here.
"""

from __future__ import annotations

from lsprotocol import types

from esker.vm import formatter, ide
from esker.vm.incremental import analyze_file
from esker.vm.modules import ModuleLoader, ModuleReadError

from . import bytecode, convert, outlines, tokens
from .protocol import Encoded, RequestFailed
from .analyses import Snapshot
from .server import EskerServer, register_lifecycle

SYMBOL_KINDS = outlines.SYMBOL_KINDS

COMPLETION_KINDS = {"variable": types.CompletionItemKind.Variable, "constant": types.CompletionItemKind.Constant,
                    "parameter": types.CompletionItemKind.Variable, "function": types.CompletionItemKind.Function,
                    "struct": types.CompletionItemKind.Struct, "enum": types.CompletionItemKind.Enum,
                    "field": types.CompletionItemKind.Field, "method": types.CompletionItemKind.Method,
                    "variant": types.CompletionItemKind.EnumMember, "module": types.CompletionItemKind.Module,
                    "builtin": types.CompletionItemKind.Function, "keyword": types.CompletionItemKind.Keyword}

HIGHLIGHT_KINDS = {"read": types.DocumentHighlightKind.Read, "write": types.DocumentHighlightKind.Write}


def create_server() -> EskerServer:
    server = EskerServer()
    register_lifecycle(server)
    register_navigation(server)
    register_editing(server)
    register_display(server)
    bytecode.register(server)
    return server


# ------------------------------------------------------------------ helpers

def offset_of(snapshot: Snapshot, position: types.Position) -> int:
    return snapshot.document.lines.offset(position)


def location(server: EskerServer, snapshot: Snapshot, place: ide.Location) -> types.Location | None:
    """An LSP location for a place in this document or in another file."""
    if place.path is None:
        return types.Location(uri=snapshot.document.uri, range=snapshot.document.lines.range(place.span))
    lines = server.lines_of(place.path)
    if lines is None:
        return None
    return types.Location(uri=convert.path_to_uri(place.path), range=lines.range(place.span))


async def open_indexes(server: EskerServer, except_uri: str) -> list[ide.FileIndex]:
    """The indexes of the other open documents, at their current versions."""
    found = []
    for document in server.store.all():
        if document.uri != except_uri:
            snapshot = await server.analyses.current(document.uri)
            if snapshot is not None:
                found.append(snapshot.facts)
    return found


def disk_index(server: EskerServer, path: str) -> ide.FileIndex | None:
    """A file that is not open, analysed from the disk (open buffers still
    stand in for the modules it imports)."""
    loader = ModuleLoader(overrides=server.store.overrides())
    try:
        return ide.FileIndex(analyze_file(loader.read(path), path, loader), loader)
    except ModuleReadError:
        return None


def text_edit(lines: convert.LineIndex, edit: ide.Edit) -> types.TextEdit:
    return types.TextEdit(range=lines.range(edit.span), new_text=edit.new_text)


# --------------------------------------------------------------- navigation

def register_navigation(server: EskerServer) -> None:
    @server.request(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(server: EskerServer, params: types.DefinitionParams):
        def compute(snapshot: Snapshot):
            places = ide.definition(snapshot.facts, offset_of(snapshot, params.position))
            return [found for place in places if (found := location(server, snapshot, place))]
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_REFERENCES)
    async def references(server: EskerServer, params: types.ReferenceParams):
        others = await open_indexes(server, params.text_document.uri)

        def compute(snapshot: Snapshot):
            places = ide.references(snapshot.facts, offset_of(snapshot, params.position),
                                    params.context.include_declaration, others)
            return [found for place in places if (found := location(server, snapshot, place))]
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    async def highlight(server: EskerServer, params: types.DocumentHighlightParams):
        def compute(snapshot: Snapshot):
            marks = ide.highlights(snapshot.facts, offset_of(snapshot, params.position))
            return [types.DocumentHighlight(range=snapshot.document.lines.range(mark.span),
                                            kind=HIGHLIGHT_KINDS[mark.kind]) for mark in marks]
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(server: EskerServer, params: types.PrepareRenameParams):
        def compute(snapshot: Snapshot):
            found = ide.prepare_rename(snapshot.facts, offset_of(snapshot, params.position))
            if isinstance(found, ide.RenameRefusal):
                raise RequestFailed(found.message)
            return types.PrepareRenamePlaceholder(range=snapshot.document.lines.range(found),
                                                  placeholder=snapshot.document.text[found.start:found.end])
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(server: EskerServer, params: types.RenameParams):
        others = await open_indexes(server, params.text_document.uri)

        def compute(snapshot: Snapshot):
            offset = offset_of(snapshot, params.position)
            home = ide.declaring_file(snapshot.facts, offset)
            if home is not None and home != snapshot.facts.path and all(o.path != home for o in others):
                extra = disk_index(server, home)
                others.extend([extra] if extra else [])
            found = ide.rename(snapshot.facts, offset, params.new_name, others)
            if isinstance(found, ide.RenameRefusal):
                raise RequestFailed(found.message)
            return workspace_edit(server, snapshot, found)
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbols(server: EskerServer, params: types.DocumentSymbolParams):
        def compute(snapshot: Snapshot):
            return Encoded(outlines.document_symbols_json(snapshot.analysis.units, snapshot.document.lines.encoding))
        return await server.query(params.text_document.uri, compute)

    @server.request(types.WORKSPACE_SYMBOL)
    async def workspace_symbols(server: EskerServer, params: types.WorkspaceSymbolParams):
        indexes = await open_indexes(server, "")

        def compute() -> list[types.WorkspaceSymbol]:
            outlines = [(index.path, ide.document_symbols(index)) for index in indexes]
            outlines += server.outlines.on_disk(server.workspace_roots(), {index.path for index in indexes})
            found = []
            for entry in ide.workspace_symbols(outlines, params.query):
                lines = server.lines_of(entry.path)
                if lines is not None:
                    found.append(types.WorkspaceSymbol(
                        name=entry.item.name, kind=SYMBOL_KINDS[entry.item.kind], container_name=entry.container,
                        location=types.Location(uri=convert.path_to_uri(entry.path),
                                                range=lines.range(entry.item.selection))))
            return found
        return await server.run(compute)


def workspace_edit(server: EskerServer, snapshot: Snapshot, files: list[ide.FileEdits]) -> types.WorkspaceEdit:
    changes = {}
    for item in files:
        uri = snapshot.document.uri if item.path is None else convert.path_to_uri(item.path)
        lines = snapshot.document.lines if item.path is None else server.lines_of(item.path)
        if lines is not None:
            changes[uri] = [text_edit(lines, edit) for edit in item.edits]
    return types.WorkspaceEdit(changes=changes)


# ------------------------------------------------------------------ editing

def register_editing(server: EskerServer) -> None:
    @server.request(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["."]))
    async def completion(server: EskerServer, params: types.CompletionParams):
        def compute(snapshot: Snapshot):
            found = ide.complete(snapshot.facts, offset_of(snapshot, params.position))
            items = [types.CompletionItem(
                label=item.label, kind=COMPLETION_KINDS.get(item.kind), detail=item.detail or None,
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=item.documentation)
                if item.documentation else None, sort_text=f"{number:05d}") for number, item in enumerate(found.items)]
            return types.CompletionList(is_incomplete=found.incomplete, items=items)
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_SIGNATURE_HELP,
                    types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[")"]))
    async def signature_help(server: EskerServer, params: types.SignatureHelpParams):
        def compute(snapshot: Snapshot):
            found = ide.signature_help(snapshot.facts, offset_of(snapshot, params.position))
            if found is None:
                return None
            units = snapshot.document.lines.encoding.units
            parameters = [types.ParameterInformation(label=(units(found.label[:start]), units(found.label[:end])))
                          for start, end in found.parameters]
            signature = types.SignatureInformation(label=found.label, documentation=found.documentation,
                                                   parameters=parameters)
            return types.SignatureHelp(signatures=[signature], active_signature=0,
                                       active_parameter=found.active_parameter)
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_FORMATTING)
    async def formatting(server: EskerServer, params: types.DocumentFormattingParams):
        def compute(snapshot: Snapshot):
            text = snapshot.document.text
            formatted = formatter.format_source(text)
            change = formatter.minimal_edit(text, formatted) if formatted is not None else None
            return [edit_between(snapshot, change)] if change else []
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    async def range_formatting(server: EskerServer, params: types.DocumentRangeFormattingParams):
        def compute(snapshot: Snapshot):
            start, end = snapshot.document.lines.offsets(params.range)
            change = formatter.format_range(snapshot.document.text, start, end)
            return [edit_between(snapshot, change)] if change else []
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(server: EskerServer, params: types.CodeActionParams):
        def compute(snapshot: Snapshot):
            start, end = snapshot.document.lines.offsets(params.range)
            return [quick_fix(server, snapshot, fix) for fix in ide.quick_fixes(snapshot.facts, start, end)]
        return await server.query(params.text_document.uri, compute)


def edit_between(snapshot: Snapshot, change: tuple[int, int, str]) -> types.TextEdit:
    start, end, text = change
    lines = snapshot.document.lines
    return types.TextEdit(range=types.Range(start=lines.position(start), end=lines.position(end)), new_text=text)


def quick_fix(server: EskerServer, snapshot: Snapshot, fix: ide.QuickFix) -> types.CodeAction:
    document = snapshot.document
    diagnostic = convert.diagnostic(fix.diagnostic, document.lines, document.uri, server.docs_url, server.lines_of)
    edits = [text_edit(document.lines, edit) for edit in fix.edits]
    return types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                            is_preferred=fix.preferred or None,
                            edit=types.WorkspaceEdit(changes={document.uri: edits}))


# ------------------------------------------------------------------ display

def register_display(server: EskerServer) -> None:
    @server.request(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                    types.SemanticTokensRegistrationOptions(legend=tokens.LEGEND, range=True,
                                                            full=types.SemanticTokensFullDelta(delta=True)))
    async def tokens_full(server: EskerServer, params: types.SemanticTokensParams):
        found = await server.query(params.text_document.uri, semantic_data)
        if found is None:
            return None
        data, data_json = found
        result_id = server.remember_tokens(params.text_document.uri, data)
        return tokens.as_json(data_json, result_id)

    @server.request(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA)
    async def tokens_delta(server: EskerServer, params: types.SemanticTokensDeltaParams):
        uri = params.text_document.uri
        found = await server.query(uri, semantic_data)
        if found is None:
            return None
        data, data_json = found
        previous = server.semantic_tokens.get(uri)
        result_id = server.remember_tokens(uri, data)
        if previous is None or previous[0] != params.previous_result_id:
            return tokens.as_json(data_json, result_id)
        return types.SemanticTokensDelta(edits=tokens.token_edits(previous[1], data), result_id=result_id)

    @server.request(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE)
    async def tokens_range(server: EskerServer, params: types.SemanticTokensRangeParams):
        def compute(snapshot: Snapshot):
            start, end = snapshot.document.lines.offsets(params.range)
            units = snapshot.analysis.units_between(start, end)
            return tokens.as_json(tokens.encoded_json(units, snapshot.document.lines.encoding))
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding(server: EskerServer, params: types.FoldingRangeParams):
        # Blocks have no kind: `region` is for `#region` markers, which editors treat apart.
        kinds = {"comment": types.FoldingRangeKind.Comment, "imports": types.FoldingRangeKind.Imports,
                 "block": None}

        def compute(snapshot: Snapshot):
            return [types.FoldingRange(start_line=fold.start_line - 1, end_line=fold.end_line - 1,
                                       kind=kinds[fold.kind]) for fold in ide.folding_ranges(snapshot.facts)]
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_SELECTION_RANGE)
    async def selection(server: EskerServer, params: types.SelectionRangeParams):
        def compute(snapshot: Snapshot):
            offsets = [offset_of(snapshot, position) for position in params.positions]
            return [nested_selection(snapshot.document.lines, spans)
                    for spans in ide.selection_ranges(snapshot.facts, offsets)]
        return await server.query(params.text_document.uri, compute)


def semantic_data(snapshot: Snapshot) -> tuple[list[int], str]:
    """The LSP integer encoding of the document's semantic tokens, as a list
    (kept for the next delta request) and as JSON text."""
    units, encoding = snapshot.analysis.units, snapshot.document.lines.encoding
    return tokens.encoded(units, encoding), tokens.encoded_json(units, encoding)


def nested_selection(lines: convert.LineIndex, spans) -> types.SelectionRange:
    parent = None
    for span in reversed(spans):
        parent = types.SelectionRange(range=lines.range(span), parent=parent)
    return parent
