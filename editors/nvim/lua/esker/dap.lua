-- nvim-dap integration: the `esker` adapter (esker-dap over stdio) and launch
-- configurations for Esker files, registered only when nvim-dap is installed.
local M = {}

local unpack = table.unpack or unpack

local function for_current_file(name, extra)
  local base = { type = 'esker', request = 'launch', name = name, program = '${file}', cwd = '${fileDirname}' }
  return vim.tbl_extend('force', base, extra)
end

--- The launch configurations offered for `esker` buffers.
function M.configurations()
  return {
    for_current_file('Esker: run current file', { stopOnEntry = false }),
    for_current_file('Esker: run current file with arguments', {
      args = function()
        return vim.split(vim.fn.input('Arguments: '), ' ', { trimempty = true })
      end,
    }),
    for_current_file('Esker: stop on entry', { stopOnEntry = true }),
  }
end

--- Registers the adapter started by `command` (a list) and the configurations
--- the user has not defined already; false when nvim-dap is not installed.
function M.register(command)
  local ok, dap = pcall(require, 'dap')
  if not ok then
    return false
  end
  dap.adapters.esker = { type = 'executable', command = command[1], args = { unpack(command, 2) } }
  local existing = dap.configurations.esker or {}
  local names = {}
  for _, configuration in ipairs(existing) do
    names[configuration.name] = true
  end
  for _, configuration in ipairs(M.configurations()) do
    if not names[configuration.name] then
      table.insert(existing, configuration)
    end
  end
  dap.configurations.esker = existing
  return true
end

--- Starts a session on `file` (a path): debugging, or just running it when `no_debug` is set.
function M.launch(file, no_debug)
  local ok, dap = pcall(require, 'dap')
  if not ok then
    return false
  end
  dap.run({
    type = 'esker',
    request = 'launch',
    name = (no_debug and 'Run ' or 'Debug ') .. vim.fn.fnamemodify(file, ':t'),
    program = file,
    cwd = vim.fn.fnamemodify(file, ':h'),
    noDebug = no_debug,
  })
  return true
end

return M
