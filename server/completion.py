"""Completion: the items `esker.vm.ide` finds, as the client can take them.

Call snippets: for a client that supports snippets, a function, method,
constructor or builtin is inserted with its parentheses and a placeholder
for each parameter it needs (`area(${1:w})`), unless a `(` already follows
the cursor. Documentation is sent with each item, or, for a client that
resolves it lazily (`completionItem/resolve` with `documentation` among its
resolve properties), left out of the list and sent when an item is resolved:
the server keeps the documentation of the last list it answered.
"""

from __future__ import annotations

import re

from lsprotocol import types

from . import deferred
from .analyses import Snapshot
from .server import EskerServer

ide = deferred.module("esker.vm.ide")

KINDS = {"variable": types.CompletionItemKind.Variable, "constant": types.CompletionItemKind.Constant,
         "parameter": types.CompletionItemKind.Variable, "function": types.CompletionItemKind.Function,
         "struct": types.CompletionItemKind.Struct, "enum": types.CompletionItemKind.Enum,
         "field": types.CompletionItemKind.Field, "method": types.CompletionItemKind.Method,
         "variant": types.CompletionItemKind.EnumMember, "module": types.CompletionItemKind.Module,
         "builtin": types.CompletionItemKind.Function, "keyword": types.CompletionItemKind.Keyword}


#: The rest of the word at the cursor, then a `(`: the call is written already.
_CALL_FOLLOWS = re.compile(r"\w*\(")


class Answered:
    """The documentation of the last completion list, for `completionItem/resolve`."""

    def __init__(self) -> None:
        self.serial = 0
        self.documentation: list[str | None] = []

    def keep(self, documentation: list[str | None]) -> int:
        self.serial += 1
        self.documentation = documentation
        return self.serial

    def lookup(self, data: object) -> str | None:
        if not isinstance(data, dict) or data.get("list") != self.serial:
            return None
        number = data.get("item")
        return self.documentation[number] if isinstance(number, int) and 0 <= number < len(self.documentation) \
            else None


def register(server: EskerServer) -> None:
    answered = Answered()

    @server.request(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=["."], resolve_provider=True))
    async def completion(server: EskerServer, params: types.CompletionParams):
        snippets, lazy = _client_takes(server.client_capabilities)

        def compute(snapshot: Snapshot):
            offset = snapshot.document.lines.offset(params.position)
            found = ide.complete(snapshot.facts, offset)
            call_follows = _CALL_FOLLOWS.match(snapshot.document.text, offset) is not None
            return found, [_item(number, item, snippets and not call_follows, lazy)
                           for number, item in enumerate(found.items)]
        found, items = await server.query(params.text_document.uri, compute)
        if lazy:
            serial = answered.keep([item.documentation for item in found.items])
            for number, item in enumerate(items):
                item.data = {"list": serial, "item": number}
        return types.CompletionList(is_incomplete=found.incomplete, items=items)

    @server.request(types.COMPLETION_ITEM_RESOLVE)
    async def resolve(server: EskerServer, item: types.CompletionItem):
        if item.documentation is None:
            documentation = answered.lookup(item.data)
            if documentation:
                item.documentation = _markdown(documentation)
        return item


def _client_takes(capabilities: types.ClientCapabilities) -> tuple[bool, bool]:
    """Whether the client takes snippets, and resolves documentation lazily."""
    text_document = capabilities.text_document
    completion = text_document.completion if text_document else None
    item = completion.completion_item if completion else None
    if item is None:
        return False, False
    resolved = item.resolve_support.properties if item.resolve_support else []
    return bool(item.snippet_support), "documentation" in resolved


def _item(number: int, item: ide.Completion, snippets: bool, lazy: bool) -> types.CompletionItem:
    found = types.CompletionItem(label=item.label, kind=KINDS.get(item.kind), detail=item.detail or None,
                                 documentation=_markdown(item.documentation) if item.documentation and not lazy
                                 else None, sort_text=f"{number:05d}")
    if snippets and item.parameters is not None:
        found.insert_text = _call_snippet(item.label, item.parameters)
        found.insert_text_format = types.InsertTextFormat.Snippet
    return found


def _call_snippet(name: str, parameters: tuple[str, ...]) -> str:
    """`name(${1:a}, ${2:b})$0`: each placeholder selected in turn."""
    placeholders = ", ".join(f"${{{number}:{_escaped(param)}}}" for number, param in enumerate(parameters, 1))
    return f"{_escaped(name)}({placeholders})$0"


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _markdown(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
