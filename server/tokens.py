"""Semantic tokens in the protocol's encoding, built from per-unit pieces.

LSP encodes each token relative to the one before it, so a unit's tokens,
once encoded, stay the same wherever the unit moves: only the first token of
each unit is encoded again. Each unit keeps its encoded tokens (per position
encoding) while it is unchanged, so a full request costs a few list copies
per unit and a range request only looks at the units it covers.
"""

from __future__ import annotations

import json

from typing import TYPE_CHECKING

from lsprotocol import types


from . import deferred
from .convert import Encoding
from .protocol import Encoded

if TYPE_CHECKING:
    from esker.vm.incremental import Placed, Unit

ide = deferred.module("esker.vm.ide")

#: LSP token types and modifiers, indexed by position in the legend.
TOKEN_TYPES = {"variable": "variable", "constant": "variable", "parameter": "parameter",
               "function": "function", "struct": "struct", "enum": "enum", "field": "property",
               "method": "method", "variant": "enumMember", "module": "namespace", "builtin": "function",
               "string": "string"}
LEGEND_TYPES = sorted(set(TOKEN_TYPES.values()))
LEGEND_MODIFIERS = ["declaration", "readonly", "defaultLibrary"]
LEGEND = types.SemanticTokensLegend(token_types=LEGEND_TYPES, token_modifiers=LEGEND_MODIFIERS)


class _Encoded:
    """A unit's tokens, each relative to the one before it; the first is
    relative to the unit's first line. `last` is the last token's (line in
    the unit, character), to encode what follows; `rest` is the JSON text of
    the data after the first token's position."""

    __slots__ = ("data", "first", "last", "rest")

    def __init__(self, data: list[int], first: tuple[int, int], last: tuple[int, int]):
        self.data = data
        self.first = first
        self.last = last
        self.rest = ",".join(map(str, data[2:]))


def encoded(units: list[Placed], encoding: Encoding) -> list[int]:
    """The LSP data of the tokens of `units` (consecutive units of a document)."""
    data: list[int] = []
    for place, piece, start in _pieces(units, encoding):
        data += start
        data += piece.data[2:]
    return data


def encoded_json(units: list[Placed], encoding: Encoding) -> str:
    """`encoded(units, encoding)` as JSON text, from each unit's own."""
    parts = []
    for _, piece, start in _pieces(units, encoding):
        parts.append(f"{start[0]},{start[1]},{piece.rest}")
    return "[" + ",".join(parts) + "]"


def _pieces(units: list[Placed], encoding: Encoding):
    """Each unit with tokens, its encoding, and its first token's position
    relative to the last token before it."""
    line = character = 0
    for place in units:
        piece = _unit_encoded(place.unit, encoding)
        if not piece.data:
            continue
        first_line = place.line - 1 + piece.first[0]
        delta = first_line - line
        yield place, piece, [delta, piece.first[1] - character if delta == 0 else piece.first[1]]
        line, character = place.line - 1 + piece.last[0], piece.last[1]


def _unit_encoded(unit: Unit, encoding: Encoding) -> _Encoded:
    key = ("lsp-tokens", encoding)
    found = unit.cache.get(key)
    if found is None:
        found = unit.cache[key] = _encode(unit, encoding)
    return found


def _encode(unit: Unit, encoding: Encoding) -> _Encoded:
    lines = unit.text.split("\n")
    data: list[int] = []
    first = last = (0, 0)
    previous_line = previous_start = 0
    for number, token in enumerate(ide.unit_tokens(unit)):
        line = token.span.line - unit.parsed.line
        text = lines[line] if line < len(lines) else ""
        start = encoding.units(text[:token.span.col - 1])
        length = encoding.units(unit.text[token.span.start - unit.start:token.span.end - unit.start])
        delta_line = line - previous_line
        delta_start = start - previous_start if delta_line == 0 else start
        modifiers = sum(1 << LEGEND_MODIFIERS.index(name) for name in token.modifiers)
        data += [delta_line, delta_start, length, LEGEND_TYPES.index(TOKEN_TYPES[token.kind]), modifiers]
        if number == 0:
            first = (line, start)
        previous_line, previous_start = line, start
        last = (line, start)
    return _Encoded(data, first, last)


def as_json(data_json: str, result_id: str | None = None) -> Encoded:
    """A `SemanticTokens` answer for data already in JSON (see `protocol.Encoded`)."""
    if result_id is None:
        return Encoded('{"data":' + data_json + "}")
    return Encoded('{"resultId":' + json.dumps(result_id) + ',"data":' + data_json + "}")


def token_edits(old: list[int], new: list[int]) -> list[types.SemanticTokensEdit]:
    """One edit turning `old` into `new`, over the whole tokens (five
    integers each) between their common beginning and common end."""
    prefix = _common(old, new, len(old) // 5, len(new) // 5, from_end=False)
    if prefix * 5 == len(old) == len(new):
        return []
    suffix = _common(old, new, len(old) // 5 - prefix, len(new) // 5 - prefix, from_end=True)
    old_count, new_count = len(old) // 5, len(new) // 5
    return [types.SemanticTokensEdit(start=prefix * 5, delete_count=(old_count - prefix - suffix) * 5,
                                     data=new[prefix * 5:(new_count - suffix) * 5])]


def _common(old: list[int], new: list[int], old_room: int, new_room: int, from_end: bool) -> int:
    """How many whole tokens `old` and `new` share at their start (or end),
    at most the room left in each; found by halving with list comparisons."""
    low, high = 0, min(old_room, new_room)
    while low < high:
        middle = (low + high + 1) // 2
        if from_end:
            same = old[len(old) - middle * 5:] == new[len(new) - middle * 5:]
        else:
            same = old[:middle * 5] == new[:middle * 5]
        if same:
            low = middle
        else:
            high = middle - 1
    return low
