-- The Esker plugin for Neovim: `require("esker").setup({...})` starts the
-- language server (esker-lsp) for `esker` buffers, defines :EskerBytecode (the
-- live bytecode view) and registers the debug adapter with nvim-dap when that
-- plugin is installed. Works on Neovim 0.7 and newer.
local M = {}

local defaults = {
  -- Command that starts the language server; nil: `python -m esker.server`
  -- when `python` is set, else `esker-lsp` from $PATH.
  cmd = nil,
  -- Command that starts the debug adapter; nil: `python -m esker.debugadapter`
  -- or `esker-dap`, as for `cmd`.
  dap_cmd = nil,
  -- A Python interpreter that has the `esker` package installed.
  python = nil,
  -- Files or folders that mark a project's root (the server's workspace).
  root_markers = { '.git', 'pyproject.toml' },
  -- Passed on to the language client.
  on_attach = nil,
  capabilities = nil,
  -- Buffer-local key for hover on Neovim < 0.10 (newer versions map K themselves); false: none.
  hover_key = 'K',
  -- Show and refresh the server's code lenses (run, debug, show bytecode).
  codelens = true,
  bytecode = {
    -- Ex command that opens the window of the bytecode view.
    split = 'vsplit',
    -- Milliseconds of quiet after an edit before the view is refreshed.
    update_delay = 300,
  },
}

M.options = vim.deepcopy(defaults)

--- The command line of an Esker tool: an explicit one, else `python -m module`, else the script.
function M.tool_command(explicit, module, script)
  if explicit then
    return type(explicit) == 'string' and { explicit } or explicit
  end
  if M.options.python then
    return { M.options.python, '-m', module }
  end
  return { script }
end

function M.server_command()
  return M.tool_command(M.options.cmd, 'esker.server', 'esker-lsp')
end

function M.adapter_command()
  return M.tool_command(M.options.dap_cmd, 'esker.debugadapter', 'esker-dap')
end

--- The command that runs a program with the `esker` command (for "Run" code lenses).
function M.run_command(file)
  if M.options.python then
    return { M.options.python, '-m', 'esker.vm', 'run', file }
  end
  return { 'esker', 'run', file }
end

--- Registers the adapter and launch configurations with nvim-dap; false when it is not installed.
function M.setup_dap()
  return require('esker.dap').register(M.adapter_command())
end

function M.setup(options)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(defaults), options or {})
  require('esker.lsp').enable(M.options, M.server_command())
  vim.api.nvim_create_user_command('EskerBytecode', function(command)
    local kind = command.args ~= '' and command.args or nil
    if kind and kind ~= 'python' and kind ~= 'bytecode' then
      vim.notify('EskerBytecode: expected "bytecode" or "python", not ' .. kind, vim.log.levels.WARN)
      return
    end
    require('esker.bytecode').open(nil, nil, kind)
  end, {
    nargs = '?',
    complete = function() return { 'bytecode', 'python' } end,
    desc = 'Show the bytecode (or the compiled Python) of the current Esker buffer beside it',
  })
  -- Data breakpoints on the expression given, or the one under the cursor.
  local function expression(command)
    return command.args ~= '' and command.args or vim.fn.expand('<cexpr>')
  end
  vim.api.nvim_create_user_command('EskerWatch', function(command)
    require('esker.dap').watch(expression(command))
  end, { nargs = '?', desc = 'Stop the debugged program when this variable, field or element changes' })
  vim.api.nvim_create_user_command('EskerUnwatch', function()
    require('esker.dap').unwatch()
  end, { desc = 'Remove the data breakpoints of the debug session' })
  vim.api.nvim_create_user_command('EskerWhoChanged', function(command)
    require('esker.dap').who_changed(expression(command))
  end, { nargs = '?', desc = 'Go back to the last write of this variable, field or element' })
  M.setup_dap()
end

return M
