"""The Neovim plugin out of the box, in headless Neovim with the real
server: completion (the LSP omnifunc before 0.11, the built-in completion
after), inlay hints where the version shows them, and the server found in
the project's virtual environment."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from test_nvim import NVIM, WITH_SERVER, run_nvim, server_ready

pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim is not installed: run editors/setup.sh")

SAMPLE = """\
fn area(width, height) {
    return width * height
}
print(area(3, 4))
ar
"""

# On 0.7–0.10 the omnifunc is what CTRL-X CTRL-O calls; it asks the server
# and turns the answer into complete() items (only in insert mode, which a
# headless scenario is not in), as done here with the same conversion.
COMPLETION = WITH_SERVER + r"""
local found = { omnifunc = vim.bo[source].omnifunc }
if vim.lsp.completion and vim.lsp.completion.enable then
  found.builtin = true
  return found
end
vim.api.nvim_win_set_cursor(0, { 5, 2 })
local client = require('esker.lsp').client_for(source)
local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
found.words = {}
for _, response in pairs(vim.lsp.buf_request_sync(source, 'textDocument/completion', params, timeout) or {}) do
  for _, item in ipairs(vim.lsp.util.text_document_completion_list_to_complete_items(response.result, 'ar')) do
    table.insert(found.words, item.word)
  end
end
return found
"""


def test_completion_works_out_of_the_box(tmp_path):
    server_ready()
    found = run_nvim(tmp_path, COMPLETION, SAMPLE)
    if found.get("builtin"):
        return  # Neovim 0.11+: the built-in completion is enabled instead.
    assert found["omnifunc"] == "v:lua.vim.lsp.omnifunc"
    assert "area" in found["words"], found


KEEPS_OMNIFUNC = r"""
local source = vim.api.nvim_get_current_buf()
vim.bo[source].omnifunc = 'syntaxcomplete#Complete'
local timeout = 30000
require('esker').setup({ cmd = { vim.env.ESKER_PYTHON, '-m', 'esker.server' } })
vim.wait(timeout, function() return require('esker.lsp').client_for(source) ~= nil end, 20)
return vim.bo[source].omnifunc
"""


def test_an_omnifunc_the_user_set_is_kept(tmp_path):
    server_ready()
    found = run_nvim(tmp_path, KEEPS_OMNIFUNC, SAMPLE)
    assert found in ("syntaxcomplete#Complete",)


INLAY_HINTS = WITH_SERVER + r"""
if not vim.lsp.inlay_hint then
  return { supported = false }
end
local hints = {}
vim.wait(timeout, function()
  hints = vim.lsp.inlay_hint.get({ bufnr = source })
  return #hints > 1
end, 20)
local labels = {}
for _, item in ipairs(hints) do
  local label = item.inlay_hint.label
  table.insert(labels, type(label) == 'table' and label[1].value or label)
end
return { supported = true, enabled = vim.lsp.inlay_hint.is_enabled({ bufnr = source }), labels = labels }
"""


def test_inlay_hints_are_shown_where_neovim_supports_them(tmp_path):
    server_ready()
    found = run_nvim(tmp_path, INLAY_HINTS, SAMPLE)
    if not found["supported"]:
        pytest.skip("this Neovim has no inlay hints (they came in 0.10)")
    assert found["enabled"]
    assert "width:" in found["labels"] and "‹r0›" in found["labels"], found


VENV_SERVER = r"""
local timeout = 30000
require('esker').setup({})
local source = vim.api.nvim_get_current_buf()
vim.wait(timeout, function() return require('esker.lsp').client_for(source) ~= nil end, 20)
local client = require('esker.lsp').client_for(source)
return { command = require('esker').server_command(), attached = client ~= nil,
         run = require('esker').run_command('x.esk') }
"""


def test_the_server_is_found_in_the_projects_virtual_environment(tmp_path, monkeypatch):
    server_ready()
    scripts = tmp_path / ".venv" / "bin"
    scripts.mkdir(parents=True)
    for name, module in (("esker-lsp", "esker.server"), ("esker", "esker.vm")):
        script = scripts / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n', encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    # Nothing on $PATH provides the tools.
    path = [folder for folder in os.environ.get("PATH", "").split(os.pathsep)
            if not (os.path.exists(os.path.join(folder, "esker-lsp")) or os.path.exists(os.path.join(folder, "esker")))]
    monkeypatch.setenv("PATH", os.pathsep.join(path))
    found = run_nvim(tmp_path, VENV_SERVER, SAMPLE)
    assert found["command"] == [str(scripts / "esker-lsp")]
    assert found["attached"]
    assert found["run"] == [str(scripts / "esker"), "run", "x.esk"]
