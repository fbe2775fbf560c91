"""A document's outline as its `textDocument/documentSymbol` answer.

The outline of a big file has thousands of entries, so it is built from
per-unit pieces of JSON text (see `document_symbols_json`).
"""

from __future__ import annotations

import json

from typing import TYPE_CHECKING

from lsprotocol import types

from . import deferred
from .convert import Encoding

if TYPE_CHECKING:
    from esker.vm.incremental import Placed, Unit
    from esker.vm.source import Span

ide = deferred.module("esker.vm.ide")

SYMBOL_KINDS = {"variable": types.SymbolKind.Variable, "constant": types.SymbolKind.Constant,
                "parameter": types.SymbolKind.Variable, "function": types.SymbolKind.Function,
                "struct": types.SymbolKind.Struct, "enum": types.SymbolKind.Enum,
                "field": types.SymbolKind.Field, "method": types.SymbolKind.Method,
                "variant": types.SymbolKind.EnumMember, "module": types.SymbolKind.Module,
                "builtin": types.SymbolKind.Function}


def document_symbols_json(units: list[Placed], encoding: Encoding) -> str:
    """The `textDocument/documentSymbol` answer for these units, as JSON text.

    Each unit keeps its symbols encoded with its line numbers left open
    (`%d`), so a version costs one string formatting per unit: an outline of
    thousands of entries is far quicker to send this way than through
    objects and cattrs."""
    pieces = []
    for place in units:
        template, lines = _unit_template(place.unit, encoding)
        if not template:
            continue
        base = place.line - 1
        # The unit's piece as last filled in: most units keep their lines.
        key = ("lsp-outline-at", encoding)
        last = place.unit.cache.get(key)
        if last is None or last[0] != base:
            last = place.unit.cache[key] = (base, template % tuple(base + line for line in lines))
        pieces.append(last[1])
    return "[" + ",".join(pieces) + "]"


def _unit_template(unit: Unit, encoding: Encoding) -> tuple[str, tuple[int, ...]]:
    key = ("lsp-outline", encoding)
    found = unit.cache.get(key)
    if found is None:
        texts = unit.text.split("\n")
        lines: list[int] = []
        parts = [_item_json(item, unit, texts, encoding, lines) for item in ide.unit_outline(unit)]
        found = unit.cache[key] = (",".join(parts), tuple(lines))
    return found


def _item_json(item: ide.OutlineItem, unit: Unit, texts: list[str], encoding: Encoding, lines: list[int]) -> str:
    fields = ['"name":' + _quoted(item.name), f'"kind":{SYMBOL_KINDS[item.kind].value}']
    if item.detail:
        fields.append('"detail":' + _quoted(item.detail))
    fields.append('"range":' + _range_json(item.span, unit, texts, encoding, lines))
    fields.append('"selectionRange":' + _range_json(item.selection, unit, texts, encoding, lines))
    if item.children:
        children = [_item_json(child, unit, texts, encoding, lines) for child in item.children]
        fields.append('"children":[' + ",".join(children) + "]")
    return "{" + ",".join(fields) + "}"


def _range_json(span: Span, unit: Unit, texts: list[str], encoding: Encoding, lines: list[int]) -> str:
    ends = []
    for line, col in ((span.line, span.col), (span.end_line, span.end_col)):
        relative = line - unit.parsed.line
        text = texts[relative] if relative < len(texts) else ""
        lines.append(relative)
        ends.append('{"line":%d,"character":' + str(encoding.units(text[:col - 1])) + "}")
    return '{"start":' + ends[0] + ',"end":' + ends[1] + "}"


def _quoted(text: str) -> str:
    """A JSON string that is also safe inside a %-template."""
    return json.dumps(text).replace("%", "%%")
