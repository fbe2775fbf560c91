"""The features that show compiled code: hover, the bytecode listing, code
lenses and register inlay hints (with the parameter-name hints beside them).

`esker/disassemble` and the `esker.showBytecode` command return the listing
of a file or of the function at a position, every instruction mapped to its
source range, so an editor can show it beside the code and highlight the
instructions of the line under the cursor. `esker/disassemble` also gives
the compiled tier's Python for the same functions (`view: "python"`).
"""

from __future__ import annotations

import os

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from . import deferred, protocol
from .analyses import Snapshot
from .server import EskerServer

ide = deferred.module("esker.vm.ide")
ide_bytecode = deferred.module("esker.vm.ide_bytecode")
ide_hints = deferred.module("esker.vm.ide_hints")

RUN, DEBUG = "esker.run", "esker.debug"


def register(server: EskerServer) -> None:
    @server.request(types.TEXT_DOCUMENT_HOVER)
    async def hover(server: EskerServer, params: types.HoverParams):
        def compute(snapshot: Snapshot):
            found = ide.hover(snapshot.facts, snapshot.document.lines.offset(params.position))
            if found is None:
                return None
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
                               range=snapshot.document.lines.range(found.span))
        return await server.query(params.text_document.uri, compute)

    @server.request(protocol.DISASSEMBLE)
    async def disassemble(server: EskerServer, params: protocol.DisassembleParams):
        if params.view not in (None, "bytecode", "python"):
            raise JsonRpcInvalidParams(f'view must be "bytecode" or "python", not {params.view!r}')
        return await listing(server, params.text_document.uri, params.position, params.range,
                             python=params.view == "python")

    @server.command_handler(protocol.SHOW_BYTECODE)
    async def show_bytecode(*arguments):
        uri, position = _command_arguments(arguments)
        return await listing(server, uri, position, None)

    @server.request(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(server: EskerServer, params: types.CodeLensParams):
        def compute(snapshot: Snapshot):
            return [lens for item in ide_bytecode.code_lenses(snapshot.facts) for lens in lenses(snapshot, item)]
        return await server.query(params.text_document.uri, compute)

    @server.request(types.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hints(server: EskerServer, params: types.InlayHintParams):
        with_names = server.options.parameter_hints

        def compute(snapshot: Snapshot):
            start, end = snapshot.document.lines.offsets(params.range)
            lines = snapshot.document.lines
            hints = [types.InlayHint(position=lines.position(hint.offset), label=hint.label,
                                     kind=types.InlayHintKind.Type, padding_left=True, tooltip=hint.tooltip)
                     for hint in ide_bytecode.register_hints(snapshot.facts, start, end)]
            if with_names:
                hints += [types.InlayHint(position=lines.position(hint.offset), label=hint.label,
                                          kind=types.InlayHintKind.Parameter, padding_right=True)
                          for hint in ide_hints.parameter_hints(snapshot.facts, start, end)]
            return sorted(hints, key=lambda hint: (hint.position.line, hint.position.character))
        return await server.query(params.text_document.uri, compute)


def _command_arguments(arguments: tuple) -> tuple[str, types.Position | None]:
    """`[uri]` or `[uri, {"line": L, "character": C}]`, validated."""
    usage = f"{protocol.SHOW_BYTECODE} expects [uri] or [uri, {{line, character}}]"
    if not arguments or not isinstance(arguments[0], str):
        raise JsonRpcInvalidParams(usage)
    if len(arguments) < 2 or arguments[1] is None:
        return arguments[0], None
    place = arguments[1]
    numbers = [place.get(key) if isinstance(place, dict) else None for key in ("line", "character")]
    if not all(isinstance(number, int) and number >= 0 for number in numbers):
        raise JsonRpcInvalidParams(usage)
    return arguments[0], types.Position(line=numbers[0], character=numbers[1])


async def listing(server: EskerServer, uri: str, position: types.Position | None,
                  within: types.Range | None, python: bool = False) -> protocol.DisassembleResult:
    roots = server.workspace_roots()

    def compute(snapshot: Snapshot) -> protocol.DisassembleResult:
        lines = snapshot.document.lines
        start = end = None
        if within is not None:
            start, end = lines.offsets(within)
        elif position is not None:
            start = end = lines.offset(position)
        return disassemble_result(snapshot, ide_bytecode.disassemble(snapshot.facts, start, end, python), roots)

    found = await server.query(uri, compute)
    if found is None:
        raise JsonRpcInvalidParams(f"{uri} is not open")
    return found


def disassemble_result(snapshot: Snapshot, found: ide_bytecode.Listing, roots: list[str]) -> protocol.DisassembleResult:
    lines = snapshot.document.lines
    functions = []
    for function in found.functions:
        instructions = [protocol.ListedInstruction(
            pc=item.pc, opname=item.opname, text=item.text, listing_line=item.listing_line,
            range=lines.range(item.span) if item.span is not None else None) for item in function.instructions]
        functions.append(protocol.ListedFunction(name=function.name, range=lines.range(function.span),
                                                 listing_start=function.listing_start,
                                                 listing_end=function.listing_end, instructions=instructions))
    missing = [protocol.MissingFunction(name=item.name, range=lines.range(item.span), reason=item.reason)
               for item in found.missing]
    listing = _relative_headers(found, snapshot.document.analysis_path, roots)
    return protocol.DisassembleResult(listing=listing, functions=functions, missing=missing, message=found.message)


def _relative_headers(found: ide_bytecode.Listing, path: str, roots: list[str]) -> str:
    """The listing with the file's path in each function header (`function f
    (PATH:1-4), ...`) relative to the workspace folder that holds it."""
    root = max((root for root in roots if path.startswith(root.rstrip(os.sep) + os.sep)), key=len, default=None)
    if root is None or not found.functions:
        return found.text
    text = found.text.split("\n")
    for function in found.functions:
        header = function.listing_start
        text[header] = text[header].replace(f"({path}:", f"({os.path.relpath(path, root)}:", 1)
    return "\n".join(text)


def lenses(snapshot: Snapshot, item: ide_bytecode.Lens) -> list[types.CodeLens]:
    document = snapshot.document
    where = document.lines.range(item.span)
    position = document.lines.position(item.span.start)
    if item.instruction_count is None:
        shown = "bytecode: not compiled (errors)"
    else:
        shown = f"bytecode: {item.instruction_count} instructions"
    found = [types.CodeLens(range=where, command=types.Command(
        title=shown, command=protocol.SHOW_BYTECODE,
        arguments=[document.uri, {"line": position.line, "character": position.character}]))]
    if item.runnable:
        found[:0] = [types.CodeLens(range=where, command=types.Command(title="▶ Run", command=RUN,
                                                                       arguments=[document.uri, item.name])),
                     types.CodeLens(range=where, command=types.Command(title="Debug", command=DEBUG,
                                                                       arguments=[document.uri, item.name]))]
    return found
