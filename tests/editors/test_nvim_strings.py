"""The Neovim syntax file on the string forms of §13.3, in headless Neovim:
raw and triple-quoted strings, and f-strings whose fields are code (with
their format specs) inside string text."""

from __future__ import annotations

import pytest

from test_nvim import NVIM, run_nvim

pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim is not installed: run editors/setup.sh")

SAMPLE = '''\
let s = f"total {n + 1:>4} {max(a, b)} {f(k: 1)} {{x}} } end"
let r = r"C:\\new" + "|"
let t = """
if "quoted" \\t # text
"""
let u = f"""
  {name:<8} {count}
"""
let w = rf"\\d{x}" + xf"q"
'''

NAMES = """
local function name_at(line, col)
  return vim.fn.synIDattr(vim.fn.synID(line, col, 1), 'name')
end
local function at(line, needle, offset)
  local text = vim.fn.getline(line)
  return name_at(line, vim.fn.stridx(text, needle) + 1 + (offset or 0))
end
return {
  prefix = at(1, 'f"'), text = at(1, 'total'), open = at(1, '{n'), name = at(1, 'n +'),
  plus = at(1, '+'), number = at(1, '1:'), spec = at(1, ':>4'), spec_width = at(1, '>4', 1),
  close = at(1, '} {max'), builtin = at(1, 'max'), named_colon = at(1, 'k:', 1), literal_brace = at(1, '{{'),
  stray = at(1, '} end'), after = at(1, 'end'),
  raw = at(2, 'new'), raw_backslash = at(2, '\\\\'), plus_after = at(2, '+'),
  triple_keyword = at(4, 'if'), triple_escape = at(4, '\\\\t'), triple_hash = at(4, '#'),
  long_spec = at(7, ':<8'), long_name = at(7, 'count'),
  raw_f_backslash = at(9, '\\\\d'), raw_f_field = at(9, 'x}'), not_prefix = at(9, 'xf'),
}
"""


def test_string_forms_are_highlighted(tmp_path):
    found = run_nvim(tmp_path, NAMES, SAMPLE)
    assert found == {
        "prefix": "eskerString", "text": "eskerFString", "open": "eskerFieldDelimiter", "name": "eskerField",
        "plus": "eskerOperator", "number": "eskerNumber", "spec": "eskerFormatSpec",
        "spec_width": "eskerFormatSpec", "close": "eskerFieldDelimiter", "builtin": "eskerBuiltin",
        "named_colon": "eskerField", "literal_brace": "eskerFieldBraces",
        "stray": "eskerBraceError", "after": "eskerFString",
        "raw": "eskerRawString", "raw_backslash": "eskerRawString", "plus_after": "eskerOperator",
        "triple_keyword": "eskerString", "triple_escape": "eskerEscape", "triple_hash": "eskerString",
        "long_spec": "eskerFormatSpec", "long_name": "eskerFieldLong",
        "raw_f_backslash": "eskerFString", "raw_f_field": "eskerField", "not_prefix": "",
    }
