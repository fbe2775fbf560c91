"""The Neovim plugin, driven in headless Neovim: filetype, syntax and indent
for .esk files, the listing's highlighting, the nvim-dap registration, and,
with the language server, diagnostics, hover bytecode and the live
:EskerBytecode view."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from editor_support import NVIM_PLUGIN, language_server_problem

NVIM = shutil.which("nvim")
HARNESS = Path(__file__).resolve().parent / "nvim_harness.lua"
KEYWORDS = ("and as break catch const continue else enum false fn for if import in let match nil not or "
            "return struct throw true try while yield").split()

pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim is not installed: run editors/setup.sh")


def run_nvim(tmp_path: Path, scenario: str, source: str):
    """Open `source` as an .esk file in headless Neovim with the plugin on the
    runtimepath, run the Lua `scenario` and return the value it returns."""
    file = tmp_path / "sample.esk"
    file.write_text(source, encoding="utf-8")
    script = tmp_path / "scenario.lua"
    script.write_text(scenario, encoding="utf-8")
    result = tmp_path / "result.json"
    env = dict(os.environ, ESKER_NVIM_HARNESS=str(HARNESS), ESKER_NVIM_SCENARIO=str(script),
               ESKER_NVIM_RESULT=str(result),
               ESKER_NVIM_PLUGIN=str(NVIM_PLUGIN), ESKER_PYTHON=sys.executable,
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    command = [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n",
               "--cmd", "lua vim.opt.runtimepath:prepend(vim.env.ESKER_NVIM_PLUGIN)",
               "--cmd", "filetype plugin indent on", "--cmd", "syntax on",
               str(file), "-c", "lua dofile(vim.env.ESKER_NVIM_HARNESS)"]
    completed = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                               stdin=subprocess.DEVNULL)
    assert result.exists(), f"nvim exited with {completed.returncode}: {completed.stderr[-2000:]}"
    payload = json.loads(result.read_text(encoding="utf-8"))
    assert payload["ok"], payload["error"]
    return payload["value"]


SYNTAX_SAMPLE = """\
fn area(w, h = 2) {
    return w * h # the area
}
struct Point {
    x = 0xFF
}
let s = "tab\\there \\u{1F600} \\q"
let f = 2.5e-3 + 0b1010 + 0o17 + 1_000
"""

SYNTAX_NAMES = """
local function name_at(line, col)
  return vim.fn.synIDattr(vim.fn.synID(line, col, 1), 'name')
end
local keywords = {}
for index, word in ipairs(vim.fn.json_decode(vim.env.ESKER_KEYWORDS)) do
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { word })
  keywords[word] = name_at(vim.api.nvim_buf_line_count(0), 1)
end
return {
  filetype = vim.bo.filetype,
  commentstring = vim.bo.commentstring,
  indents = { vim.fn.EskerIndent(2), vim.fn.EskerIndent(3), vim.fn.EskerIndent(5) },
  names = {
    fn = name_at(1, 1), area = name_at(1, 4), number = name_at(1, 16), ['return'] = name_at(2, 5),
    comment = name_at(2, 18), struct = name_at(4, 1), point = name_at(4, 8), hex = name_at(5, 9),
    string = name_at(7, 9), escape = name_at(7, 13), unicode = name_at(7, 20), bad_escape = name_at(7, 31),
    float = name_at(8, 9), binary = name_at(8, 18), octal = name_at(8, 27), decimal = name_at(8, 34),
  },
  keywords = keywords,
}
"""


def test_esk_files_get_the_esker_filetype_syntax_and_indent(tmp_path, monkeypatch):
    monkeypatch.setenv("ESKER_KEYWORDS", json.dumps(KEYWORDS))
    found = run_nvim(tmp_path, SYNTAX_NAMES, SYNTAX_SAMPLE)
    assert found["filetype"] == "esker"
    assert found["commentstring"] == "# %s"
    assert found["indents"] == [4, 0, 4]
    assert found["names"] == {
        "fn": "eskerFn", "area": "eskerFunctionName", "number": "eskerNumber", "return": "eskerStatement",
        "comment": "eskerComment", "struct": "eskerStructure", "point": "eskerTypeName", "hex": "eskerNumber",
        "string": "eskerString", "escape": "eskerEscape", "unicode": "eskerEscape",
        "bad_escape": "eskerEscapeError", "float": "eskerFloat", "binary": "eskerNumber",
        "octal": "eskerNumber", "decimal": "eskerNumber",
    }
    assert {word for word, name in found["keywords"].items() if not name.startswith("esker")} == set()


LISTING_NAMES = """
vim.api.nvim_buf_set_lines(0, 0, -1, false, {
  'function counter (/w/c.esk:1-7), 3 instructions',
  '0 params (0 with defaults), 2 registers, 0 upvalues, 0 constants, 1 functions',
  '       0  [2:17]     LOADI        R0 0',
  '-->    1  [3:12]     CLOSURE      R1 P0 ; <fn <fn>>',
  '       2  [10:5]     JMP          → 0',
  'constants (1):',
  '(out of date: syntax error)',
})
vim.bo.filetype = 'eskerbytecode'
local function name_at(line, col)
  return vim.fn.synIDattr(vim.fn.synID(line, col, 1), 'name')
end
return {
  header = name_at(1, 1), name = name_at(1, 10), summary = name_at(2, 1), pc = name_at(3, 8),
  position = name_at(3, 11), opcode = name_at(3, 22), register = name_at(3, 35), current = name_at(4, 1),
  proto = name_at(4, 38), comment = name_at(4, 41), jump = name_at(5, 35), table = name_at(6, 1),
  note = name_at(7, 1),
}
"""


def test_the_bytecode_listing_is_highlighted(tmp_path):
    found = run_nvim(tmp_path, LISTING_NAMES, "")
    assert found == {
        "header": "eskerBytecodeHeader", "name": "eskerBytecodeFunction", "summary": "eskerBytecodeSummary",
        "pc": "eskerBytecodePc", "position": "eskerBytecodePosition", "opcode": "eskerBytecodeOpcode",
        "register": "eskerBytecodeRegister", "current": "eskerBytecodeCurrent", "proto": "eskerBytecodeProto",
        "comment": "eskerBytecodeComment", "jump": "eskerBytecodeJump", "table": "eskerBytecodeTable",
        "note": "eskerBytecodeNote",
    }


SETUP_WITHOUT_SERVER = """
local messages = {}
vim.notify = function(message) table.insert(messages, message) end
require('esker').setup({ cmd = vim.fn.json_decode(vim.env.ESKER_SERVER_COMMAND) })
vim.cmd('EskerBytecode')
local view = {}
for _, win in ipairs(vim.api.nvim_list_wins()) do
  local buf = vim.api.nvim_win_get_buf(win)
  if vim.bo[buf].filetype == 'eskerbytecode' then
    view = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  end
end
return { messages = messages, view = view, windows = #vim.api.nvim_list_wins(),
         current = vim.bo.filetype }
"""


@pytest.mark.parametrize("command, problem", [
    (["no-such-esker-lsp"], "`no-such-esker-lsp` is not an executable"),
    ([sys.executable, "-m", "esker.no_such_module"], "cannot import esker.no_such_module (ModuleNotFoundError"),
])
def test_a_server_that_cannot_start_is_reported_with_the_fix(tmp_path, monkeypatch, command, problem):
    monkeypatch.setenv("ESKER_SERVER_COMMAND", json.dumps(command))
    found = run_nvim(tmp_path, SETUP_WITHOUT_SERVER, "print(1)\n")
    (message,) = found["messages"]
    assert problem in message and "pip install" in message and "python =" in message
    assert found["windows"] == 2 and found["current"] == "esker"
    assert found["view"] == ["(esker-lsp is not attached to this buffer: see :help esker)"]


DAP_REGISTRATION = """
package.preload['dap'] = function()
  return { adapters = {}, configurations = { esker = { { name = 'mine', type = 'esker' } } } }
end
vim.notify = function() end
local esker = require('esker')
esker.setup({ python = '/opt/esker/bin/python', cmd = { 'no-such-esker-lsp' } })
esker.setup({ python = '/opt/esker/bin/python', cmd = { 'no-such-esker-lsp' } })
local dap = require('dap')
local names = {}
for _, configuration in ipairs(dap.configurations.esker) do
  table.insert(names, configuration.name)
end
return { adapter = dap.adapters.esker, names = names, first = dap.configurations.esker[2] }
"""


def test_nvim_dap_gets_the_adapter_and_launch_configurations(tmp_path):
    found = run_nvim(tmp_path, DAP_REGISTRATION, "print(1)\n")
    assert found["adapter"] == {"type": "executable", "command": "/opt/esker/bin/python",
                                "args": ["-m", "esker.debugadapter"]}
    assert found["names"][0] == "mine"
    assert len(found["names"]) == len(set(found["names"])) == 4
    assert found["first"]["type"] == "esker" and found["first"]["request"] == "launch"
    assert found["first"]["program"] == "${file}"


def test_without_nvim_dap_nothing_is_registered(tmp_path):
    found = run_nvim(tmp_path, "return require('esker').setup_dap()", "print(1)\n")
    assert found is False


SESSION_SAMPLE = """\
fn add(a, b) {
    return a + b
}
print(add(1, 2))
print(missing)
"""

SESSION = r"""
local timeout = 30000
require('esker').setup({ cmd = { vim.env.ESKER_PYTHON, '-m', 'esker.server' } })
local source = vim.api.nvim_get_current_buf()
local found = {}

vim.wait(timeout, function() return #vim.diagnostic.get(source) > 0 end, 20)
found.diagnostics = {}
for _, diagnostic in ipairs(vim.diagnostic.get(source)) do
  table.insert(found.diagnostics, { line = diagnostic.lnum, message = diagnostic.message })
end

vim.api.nvim_win_set_cursor(0, { 2, 13 })
local client = require('esker.lsp').client_for(source)
local position = vim.lsp.util.make_position_params(0, client.offset_encoding)
local hovers = vim.lsp.buf_request_sync(source, 'textDocument/hover', position, timeout)
found.hover = {}
for _, response in pairs(hovers or {}) do
  local contents = response.result and response.result.contents
  if contents then
    table.insert(found.hover, contents.value or vim.inspect(contents))
  end
end

local function view_buffer()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local buf = vim.api.nvim_win_get_buf(win)
    if vim.bo[buf].filetype == 'eskerbytecode' then
      return buf
    end
  end
end
local function listing()
  return table.concat(vim.api.nvim_buf_get_lines(view_buffer(), 0, -1, false), '\n')
end

vim.wait(timeout, function() return #vim.lsp.codelens.get(source) > 0 end, 20)
found.lenses = {}
for _, lens in ipairs(vim.lsp.codelens.get(source)) do
  table.insert(found.lenses, lens.command and lens.command.command)
end

vim.cmd('EskerBytecode')
vim.wait(timeout, function() return listing():find('ADD') ~= nil end, 20)
found.listing = listing()
local namespace = vim.api.nvim_create_namespace('esker-bytecode')
found.highlighted = {}
for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(view_buffer(), namespace, 0, -1, {})) do
  table.insert(found.highlighted, vim.api.nvim_buf_get_lines(view_buffer(), mark[2], mark[2] + 1, false)[1])
end

vim.api.nvim_buf_set_lines(source, 1, 2, false, { '    return a * b' })
vim.cmd('doautocmd TextChanged')
vim.wait(timeout, function() return listing():find('MUL') ~= nil end, 20)
found.edited = listing()

local view_window = vim.fn.bufwinid(view_buffer())
vim.api.nvim_set_current_win(view_window)
local lines = vim.api.nvim_buf_get_lines(view_buffer(), 0, -1, false)
for index, line in ipairs(lines) do
  if line:find('MUL') then
    vim.api.nvim_win_set_cursor(view_window, { index, 0 })
  end
end
vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<CR>', true, false, true), 'x', false)
found.jumped = { buffer_is_source = vim.api.nvim_get_current_buf() == source,
                 cursor = vim.api.nvim_win_get_cursor(0) }

vim.cmd('EskerBytecode python')
vim.wait(timeout, function() return listing():find('def ') ~= nil end, 20)
found.python = listing()
vim.api.nvim_set_current_win(vim.fn.bufwinid(view_buffer()))
vim.api.nvim_feedkeys('p', 'x', false)
vim.wait(timeout, function() return listing():find('MUL') ~= nil end, 20)
found.switched_back = listing()
return found
"""


def test_server_session_diagnostics_hover_and_live_bytecode_view(tmp_path):
    problem = language_server_problem(SESSION_SAMPLE, {"line": 1, "character": 13})
    if problem is not None:
        pytest.skip(f"the language server is not working yet: {problem}")
    found = run_nvim(tmp_path, SESSION, SESSION_SAMPLE)
    assert [d["line"] for d in found["diagnostics"]] == [4], found["diagnostics"]
    assert "missing" in found["diagnostics"][0]["message"]
    assert found["hover"] and "ADD" in found["hover"][0], found["hover"]
    assert "esker.showBytecode" in found["lenses"], found["lenses"]
    assert "ADD" in found["listing"]
    assert any("ADD" in line for line in found["highlighted"]), found["highlighted"]
    assert "MUL" in found["edited"] and "ADD" not in found["edited"]
    assert found["jumped"]["buffer_is_source"]
    assert found["jumped"]["cursor"][0] == 2
    assert "def " in found["python"] and "# 0" in found["python"] and "MUL" not in found["python"]
    assert "MUL" in found["switched_back"]


# Starts esker-lsp for the sample buffer (`source`) and waits until it is attached.
WITH_SERVER = r"""
local timeout = 30000
require('esker').setup({ cmd = { vim.env.ESKER_PYTHON, '-m', 'esker.server' } })
local source = vim.api.nvim_get_current_buf()
vim.wait(timeout, function() return require('esker.lsp').client_for(source) ~= nil end, 20)
"""

VIEW_LINES = WITH_SERVER + r"""
local ok, failure = pcall(vim.cmd, 'EskerBytecode')
local function view_lines()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local buf = vim.api.nvim_win_get_buf(win)
    if vim.bo[buf].filetype == 'eskerbytecode' then
      return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    end
  end
  return {}
end
vim.wait(timeout, function() return #view_lines() > 1 end, 20)
return { ok = ok, failure = failure and tostring(failure), lines = view_lines() }
"""


def server_ready():
    problem = language_server_problem(SESSION_SAMPLE, {"line": 1, "character": 13})
    if problem is not None:
        pytest.skip(f"the language server is not working yet: {problem}")


def test_bytecode_view_of_a_file_where_nothing_compiles_says_why(tmp_path):
    server_ready()
    found = run_nvim(tmp_path, VIEW_LINES, "let total = (1 +\n")
    assert found["ok"], found["failure"]
    assert found["lines"][0] == "(This file has errors: only the functions without errors are compiled.)"
    assert found["lines"][1].startswith("(not compiled: <module> — ")
    assert "line 2: unexpected end of file" in found["lines"][1]
    assert len(found["lines"]) == 2


def test_bytecode_view_names_the_functions_that_do_not_compile(tmp_path):
    server_ready()
    source = "fn area(w, h) {\n    return w * h\n}\nfn perimeter(w, h) {\n    return 2 * (w + hight)\n}\n"
    found = run_nvim(tmp_path, VIEW_LINES, source)
    assert "(not compiled: perimeter — line 5: undefined name `hight`)" in found["lines"]
    # The notes, a blank line, then the listing; headers name the file relative to the root folder.
    blank = found["lines"].index("")
    assert all(line.startswith("(") for line in found["lines"][:blank])
    assert found["lines"][blank + 1].startswith("function area (sample.esk:1-3)")


FOLLOW_SAMPLE = """\
fn scale(v) {
    let doubled = v * 2
    return doubled + 1
}
print(scale(3))
"""

FOLLOW = WITH_SERVER + r"""
local source_window = vim.api.nvim_get_current_win()
vim.api.nvim_win_set_cursor(source_window, { 2, 4 })
vim.cmd('EskerBytecode')
local view
vim.wait(timeout, function()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local buf = vim.api.nvim_win_get_buf(win)
    if vim.bo[buf].filetype == 'eskerbytecode' and #vim.api.nvim_buf_get_lines(buf, 0, -1, false) > 2 then
      view = buf
      return true
    end
  end
end, 20)
local namespace = vim.api.nvim_create_namespace('esker-bytecode')
local function highlighted()
  local found = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(view, namespace, 0, -1, {})) do
    table.insert(found, vim.api.nvim_buf_get_lines(view, mark[2], mark[2] + 1, false)[1])
  end
  return found
end
local result = { at_line_2 = highlighted() }
vim.api.nvim_win_set_cursor(source_window, { 3, 4 })
vim.cmd('doautocmd CursorMoved')
result.at_line_3 = highlighted()

-- The other direction: a double click on an instruction (the mouse puts the cursor on it first).
local view_window = vim.fn.bufwinid(view)
vim.api.nvim_set_current_win(view_window)
for index, line in ipairs(vim.api.nvim_buf_get_lines(view, 0, -1, false)) do
  if line:find('%[5:%d+%]') then
    vim.api.nvim_win_set_cursor(view_window, { index, 0 })
    break
  end
end
for _, map in ipairs(vim.api.nvim_buf_get_keymap(view, 'n')) do
  if map.lhs == '<2-LeftMouse>' then
    map.callback()
  end
end
result.clicked = { in_source = vim.api.nvim_get_current_win() == source_window,
                   cursor = vim.api.nvim_win_get_cursor(0) }
return result
"""


def test_bytecode_view_follows_the_cursor_and_a_click_goes_to_the_source(tmp_path):
    server_ready()
    found = run_nvim(tmp_path, FOLLOW, FOLLOW_SAMPLE)
    assert found["at_line_2"] and all("[2:" in line for line in found["at_line_2"]), found["at_line_2"]
    assert any("MULK" in line for line in found["at_line_2"])
    assert found["at_line_3"] and all("[3:" in line for line in found["at_line_3"]), found["at_line_3"]
    assert found["clicked"]["in_source"] and found["clicked"]["cursor"][0] == 5


NVIM_FEATURES = "return { version = tostring(vim.version().major .. '.' .. vim.version().minor), " \
    "inlay_hints = vim.lsp.inlay_hint ~= nil, semantic_tokens = vim.lsp.semantic_tokens ~= nil }"


@pytest.fixture(scope="module")
def nvim_features(tmp_path_factory):
    return run_nvim(tmp_path_factory.mktemp("features"), NVIM_FEATURES, "")


INLAY_HINTS = WITH_SERVER + r"""
vim.lsp.inlay_hint.enable(true, { bufnr = source })
local hints = {}
vim.wait(timeout, function()
  hints = vim.lsp.inlay_hint.get({ bufnr = source })
  return #hints > 0
end, 20)
local labels = {}
for _, item in ipairs(hints) do
  local label = item.inlay_hint.label
  if type(label) == 'table' then
    label = label[1].value
  end
  table.insert(labels, { line = item.inlay_hint.position.line, label = label })
end
return labels
"""


def test_register_inlay_hints_show_in_neovim(tmp_path, nvim_features):
    if not nvim_features["inlay_hints"]:
        pytest.skip(f"Neovim {nvim_features['version']} has no inlay hints (they came in 0.10)")
    server_ready()
    found = run_nvim(tmp_path, INLAY_HINTS, FOLLOW_SAMPLE)
    assert {"line": 1, "label": "‹r1›"} in found, found


SEMANTIC_TOKENS = WITH_SERVER + r"""
local tokens = {}
vim.wait(timeout, function()
  tokens = vim.lsp.semantic_tokens.get_at_pos(source, 1, 8) or {}
  return #tokens > 0
end, 20)
local types = {}
for _, token in ipairs(tokens) do
  table.insert(types, token.type)
end
return types
"""


def test_semantic_tokens_show_in_neovim(tmp_path, nvim_features):
    if not nvim_features["semantic_tokens"]:
        pytest.skip(f"Neovim {nvim_features['version']} has no semantic tokens (they came in 0.9)")
    server_ready()
    found = run_nvim(tmp_path, SEMANTIC_TOKENS, FOLLOW_SAMPLE)
    assert "variable" in found, found


DATA_BREAKPOINTS = """
local sent = {}
local answers = {
  dataBreakpointInfo = function(arguments)
    if arguments.name == 'nothing' then
      return { dataId = vim.NIL, description = 'there is no variable nothing here' }
    end
    return { dataId = '1:' .. arguments.name, description = 'when `' .. arguments.name .. '` changes' }
  end,
  setDataBreakpoints = function(arguments)
    local states = {}
    for _ in ipairs(arguments.breakpoints) do table.insert(states, { verified = true }) end
    return { breakpoints = states }
  end,
  whoChangedThis = function() return {} end,
}
local session = { id = 7, current_frame = { id = 3 } }
function session:request(command, arguments, callback)
  table.insert(sent, { command = command, arguments = arguments })
  callback(nil, answers[command](arguments))
end
package.preload['dap'] = function()
  return { adapters = {}, configurations = {}, session = function() return session end }
end
local notes = {}
vim.notify = function(message) table.insert(notes, message) end
require('esker').setup({ cmd = { 'no-such-esker-lsp' } })
vim.api.nvim_win_set_cursor(0, { 2, 4 })
vim.cmd('EskerWatch')
vim.cmd('EskerWatch p.x')
vim.cmd('EskerWatch nothing')
vim.cmd('EskerWhoChanged total')
vim.cmd('EskerUnwatch')
return { sent = sent, notes = notes }
"""


def test_data_breakpoint_commands_ask_the_stopped_session(tmp_path):
    found = run_nvim(tmp_path, DATA_BREAKPOINTS, "let total = 0\ntotal = total + 1\nprint(total)\n")
    sent = [(item["command"], item["arguments"]) for item in found["sent"]]
    assert sent[0] == ("dataBreakpointInfo", {"name": "total", "frameId": 3})  # the word under the cursor
    assert sent[1] == ("setDataBreakpoints", {"breakpoints": [{"dataId": "1:total", "accessType": "write"}]})
    assert sent[3] == ("setDataBreakpoints", {"breakpoints": [{"dataId": "1:total", "accessType": "write"},
                                                              {"dataId": "1:p.x", "accessType": "write"}]})
    assert sent[4][0] == "dataBreakpointInfo" and sent[5] == ("whoChangedThis", {"name": "total", "frameId": 3})
    assert sent[6][0] == "setDataBreakpoints" and not sent[6][1]["breakpoints"]
    assert any("cannot watch nothing: there is no variable nothing here" in note for note in found["notes"])
