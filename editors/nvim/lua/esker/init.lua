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
  -- Completion as you type (Neovim 0.11+), else the LSP omnifunc for CTRL-X CTRL-O.
  completion = true,
  -- Show the server's inlay hints (Neovim 0.10+).
  inlay_hints = true,
  -- Among the inlay hints, the names of parameters before the arguments of calls.
  parameter_hints = true,
  bytecode = {
    -- Ex command that opens the window of the bytecode view.
    split = 'vsplit',
    -- Milliseconds of quiet after an edit before the view is refreshed.
    update_delay = 300,
  },
}

M.options = vim.deepcopy(defaults)

--- Folders of a project that hold a virtual environment, in the order they are tried.
local VENV_FOLDERS = { '.venv', 'venv' }

--- `script` in a project's virtual environment: `.venv` or `venv` in the
--- current file's folder or one above it, else in the working folder or one
--- above it; nil when there is none.
local function venv_program(script)
  local program = vim.fn.has('win32') == 1 and ('Scripts/' .. script .. '.exe') or ('bin/' .. script)
  local file = vim.api.nvim_buf_get_name(0)
  local starts = { file ~= '' and vim.fn.fnamemodify(file, ':p:h') or nil, vim.loop.cwd() }
  for _, start in pairs(starts) do
    local dir = start
    while true do
      for _, venv in ipairs(VENV_FOLDERS) do
        local candidate = dir .. '/' .. venv .. '/' .. program
        if vim.fn.executable(candidate) == 1 then
          return candidate
        end
      end
      local parent = vim.fn.fnamemodify(dir, ':h')
      if parent == dir then
        break
      end
      dir = parent
    end
  end
  return nil
end

--- The command line of an Esker tool: an explicit one, else `python -m
--- module`, else the script on $PATH, else the script in the project's
--- virtual environment (as the VS Code extension looks for it).
function M.tool_command(explicit, module, script)
  if explicit then
    return type(explicit) == 'string' and { explicit } or explicit
  end
  if M.options.python then
    return { M.options.python, '-m', module }
  end
  if vim.fn.executable(script) == 0 then
    local found = venv_program(script)
    if found then
      return { found }
    end
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
  local command = M.tool_command(nil, 'esker.vm', 'esker')
  return vim.list_extend(vim.deepcopy(command), { 'run', file })
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
