"""The editor features: thin handlers over `esker.vm.ide`.

Each handler finds the document's current snapshot, asks `ide` on a worker
thread, and converts the plain-data answer to LSP types through `convert`.
No language knowledge lives here.
"""

from __future__ import annotations

from lsprotocol import types

from . import builtin_docs, bytecode, completion, convert, deferred, outlines, tokens
from .protocol import Encoded, RequestFailed
from .analyses import Snapshot
from .server import EskerServer, register_lifecycle

formatter = deferred.module("esker.vm.formatter")
ide = deferred.module("esker.vm.ide")
refactor = deferred.module("esker.vm.refactor")

SYMBOL_KINDS = outlines.SYMBOL_KINDS

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


async def index_of_path(server: EskerServer, path: str) -> ide.FileIndex | None:
    """A file's index: its open document's current one, else the
    workspace index's (analysed again if the file changed)."""
    document = server.store.by_path(path)
    if document is not None:
        snapshot = await server.analyses.current(document.uri)
        return snapshot.facts if snapshot is not None else None
    entry = await server.run(lambda: server.workspace_index.refresh(path))
    return entry.index if entry is not None else None


async def related_indexes(server: EskerServer, snapshot: Snapshot, offset: int) -> list[ide.FileIndex]:
    """The other files that may use the name at `offset`: the file that
    declares it and every file that imports that one, open or not."""
    home = ide.declaring_file(snapshot.facts, offset)
    if home is None:
        return []
    return await importer_indexes(server, home, include_home=True, skip=snapshot.facts.path)


async def importer_indexes(server: EskerServer, home: str, include_home: bool, skip: str) -> list[ide.FileIndex]:
    """The indexes of the files that import `home` (and of `home` itself),
    open or not, but `skip`'s."""
    await server.indexed()
    paths = server.workspace_index.importers([home], direct=True) | ({home} if include_home else set())
    paths |= {document.path for uri in server.analyses.importers(home, direct=True)
              if (document := server.store.get(uri)) is not None and document.path}
    paths.discard(skip)
    found = []
    for path in sorted(paths):
        index = await index_of_path(server, path)
        if index is not None:
            found.append(index)
    return found


def text_edit(lines: convert.LineIndex, edit: ide.Edit) -> types.TextEdit:
    return types.TextEdit(range=lines.range(edit.span), new_text=edit.new_text)


# --------------------------------------------------------------- navigation

def register_navigation(server: EskerServer) -> None:
    # `ide`'s functions are looked up when called: the module is imported
    # once the server has answered `initialize`.
    for method, find in ((types.TEXT_DOCUMENT_DEFINITION, builtin_docs.definition),
                         (types.TEXT_DOCUMENT_DECLARATION, lambda index, at: ide.declaration(index, at)),
                         (types.TEXT_DOCUMENT_TYPE_DEFINITION, lambda index, at: ide.type_definition(index, at)),
                         (types.TEXT_DOCUMENT_IMPLEMENTATION, lambda index, at: ide.implementations(index, at))):
        register_locations(server, method, find)

    @server.request(types.TEXT_DOCUMENT_REFERENCES)
    async def references(server: EskerServer, params: types.ReferenceParams):
        others = await others_for(server, params.text_document.uri, params.position)

        def compute(snapshot: Snapshot):
            places = ide.references(snapshot.facts, offset_of(snapshot, params.position),
                                    params.context.include_declaration, others)
            return [found for place in places if (found := location(server, snapshot, place))]
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions(resolve_provider=False))
    async def document_links(server: EskerServer, params: types.DocumentLinkParams):
        def compute(snapshot: Snapshot):
            return [types.DocumentLink(range=snapshot.document.lines.range(link.span),
                                       target=convert.path_to_uri(link.path), tooltip=link.path)
                    for link in ide.document_links(snapshot.facts)]
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
        others = await others_for(server, params.text_document.uri, params.position)

        def compute(snapshot: Snapshot):
            found = ide.rename(snapshot.facts, offset_of(snapshot, params.position), params.new_name, others)
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
        indexes = await all_indexes(server)

        def compute() -> list[types.WorkspaceSymbol]:
            outlines = [(index.path, ide.document_symbols(index)) for index in indexes]
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

    register_call_hierarchy(server)


def register_locations(server: EskerServer, method: str, find) -> None:
    """A request answered with the places `find(index, offset)` gives."""
    @server.request(method)
    async def locations(server: EskerServer, params):
        def compute(snapshot: Snapshot):
            places = find(snapshot.facts, offset_of(snapshot, params.position))
            return [found for place in places if (found := location(server, snapshot, place))]
        return await server.query(params.text_document.uri, compute)


async def others_for(server: EskerServer, uri: str, position: types.Position) -> list[ide.FileIndex]:
    """The indexes of the other files a cross-file answer about the name at
    `position` must look at."""
    snapshot = await server.analyses.current(uri)
    if snapshot is None:
        return []
    return await related_indexes(server, snapshot, offset_of(snapshot, position))


async def all_indexes(server: EskerServer) -> list[ide.FileIndex]:
    """The open documents' indexes and those of the other indexed files."""
    await server.indexed()
    found = []
    for document in server.store.all():
        snapshot = await server.analyses.current(document.uri)
        if snapshot is not None:
            found.append(snapshot.facts)
    open_paths = {index.path for index in found}
    for path in server.workspace_index.paths():
        if path not in open_paths:
            index = await index_of_path(server, path)
            if index is not None:
                found.append(index)
    return found


# ------------------------------------------------------------- call hierarchy

def register_call_hierarchy(server: EskerServer) -> None:
    @server.request(types.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY)
    async def prepare(server: EskerServer, params: types.CallHierarchyPrepareParams):
        def compute(snapshot: Snapshot):
            found = ide.call_item(snapshot.facts, offset_of(snapshot, params.position))
            return [call_item(server, found)] if found is not None else None
        return await server.query(params.text_document.uri, compute)

    @server.request(types.CALL_HIERARCHY_INCOMING_CALLS)
    async def incoming(server: EskerServer, params: types.CallHierarchyIncomingCallsParams):
        found = await item_place(server, params.item)
        if found is None:
            return None
        index, offset = found
        others = await importer_indexes(server, index.path, include_home=False, skip=index.path)

        def compute():
            return [types.CallHierarchyIncomingCall(
                from_=call_item(server, caller), from_ranges=[_range(server, where.path, span) for span in spans])
                for where, caller, spans in ide.incoming_calls(index, offset, others)]
        return await server.run(compute)

    @server.request(types.CALL_HIERARCHY_OUTGOING_CALLS)
    async def outgoing(server: EskerServer, params: types.CallHierarchyOutgoingCallsParams):
        found = await item_place(server, params.item)
        if found is None:
            return None
        index, offset = found

        def compute():
            return [types.CallHierarchyOutgoingCall(
                to=call_item(server, target), from_ranges=[_range(server, index.path, span) for span in spans])
                for target, spans in ide.outgoing_calls(index, offset)]
        return await server.run(compute)


def call_item(server: EskerServer, item: ide.CallItem) -> types.CallHierarchyItem:
    kinds = {"function": types.SymbolKind.Function, "method": types.SymbolKind.Method,
             "module": types.SymbolKind.Module}
    return types.CallHierarchyItem(name=item.name, kind=kinds.get(item.kind, types.SymbolKind.Function),
                                   uri=convert.path_to_uri(item.path), range=_range(server, item.path, item.span),
                                   selection_range=_range(server, item.path, item.selection),
                                   detail=item.detail or None)


def _range(server: EskerServer, path: str, span) -> types.Range:
    lines = server.lines_of(path)
    return lines.range(span) if lines is not None else types.Range(
        start=types.Position(line=span.line - 1, character=span.col - 1),
        end=types.Position(line=span.end_line - 1, character=span.end_col - 1))


async def item_place(server: EskerServer, item: types.CallHierarchyItem) -> tuple[ide.FileIndex, int] | None:
    """The index of the file of a call hierarchy item, and the offset of its name."""
    path = convert.uri_to_path(item.uri)
    index = await index_of_path(server, path) if path else None
    if index is None:
        return None
    document = server.store.by_path(index.path)
    lines = document.lines if document is not None else convert.LineIndex(index.text, server.store.encoding)
    return index, lines.offset(item.selection_range.start)


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
    completion.register(server)

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
            formatted = formatter.format_source(text, indent_unit(params.options))
            change = formatter.minimal_edit(text, formatted) if formatted is not None else None
            return [edit_between(snapshot, change)] if change else []
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    async def range_formatting(server: EskerServer, params: types.DocumentRangeFormattingParams):
        def compute(snapshot: Snapshot):
            start, end = snapshot.document.lines.offsets(params.range)
            change = formatter.format_range(snapshot.document.text, start, end, indent_unit(params.options))
            return [edit_between(snapshot, change)] if change else []
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_ON_TYPE_FORMATTING, types.DocumentOnTypeFormattingOptions(
        first_trigger_character="}", more_trigger_character=["\n"]))
    async def on_type_formatting(server: EskerServer, params: types.DocumentOnTypeFormattingParams):
        def compute(snapshot: Snapshot):
            change = formatter.reindent_line(snapshot.document.text, offset_of(snapshot, params.position),
                                             indent_unit(params.options))
            return [edit_between(snapshot, change)] if change else []
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[
        types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorExtract, types.CodeActionKind.RefactorInline,
        types.CodeActionKind.RefactorRewrite, types.CodeActionKind.SourceOrganizeImports]))
    async def code_action(server: EskerServer, params: types.CodeActionParams):
        only = [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None

        def compute(snapshot: Snapshot):
            start, end = snapshot.document.lines.offsets(params.range)
            return [code_action_of(server, snapshot, action)
                    for action in refactor.code_actions(snapshot.facts, start, end, only)]
        return await server.query(params.text_document.uri, compute)


def indent_unit(options: types.FormattingOptions) -> str:
    """One level of indentation as the editor asks: `tabSize` spaces, or a tab."""
    return " " * max(1, min(options.tab_size, 16)) if options.insert_spaces else "\t"


def edit_between(snapshot: Snapshot, change: tuple[int, int, str]) -> types.TextEdit:
    start, end, text = change
    lines = snapshot.document.lines
    return types.TextEdit(range=types.Range(start=lines.position(start), end=lines.position(end)), new_text=text)


def code_action_of(server: EskerServer, snapshot: Snapshot, action: refactor.Action) -> types.CodeAction:
    document = snapshot.document
    diagnostics = None
    if action.diagnostic is not None:
        diagnostics = [convert.diagnostic(action.diagnostic, document.lines, document.uri, server.docs_url,
                                          server.lines_of)]
    return types.CodeAction(title=action.title, kind=action.kind, diagnostics=diagnostics,
                            is_preferred=action.preferred or None,
                            edit=workspace_edit(server, snapshot, action.changes))


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
