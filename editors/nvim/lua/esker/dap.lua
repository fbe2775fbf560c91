-- nvim-dap integration: the `esker` adapter (esker-dap over stdio) and launch
-- configurations for Esker files, registered only when nvim-dap is installed;
-- and data breakpoints, which nvim-dap has no commands for: `watch`,
-- `unwatch` and `who_changed` ask the stopped session directly.
local M = {}

--- The data ids watched in each session (by session id): setDataBreakpoints replaces them all.
local watched = {}

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

--- The stopped Esker session, or nil after saying why there is none.
local function stopped_session()
  local ok, dap = pcall(require, 'dap')
  local session = ok and dap.session() or nil
  if session == nil or session.current_frame == nil then
    vim.notify('Esker: no debug session is stopped', vim.log.levels.WARN)
    return nil
  end
  return session
end

local function problem(err)
  return type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)
end

local function set_watches(session, ids)
  watched[session.id] = ids
  local specs = {}
  for _, id in ipairs(ids) do
    table.insert(specs, { dataId = id, accessType = 'write' })
  end
  session:request('setDataBreakpoints', { breakpoints = specs }, function(err, result)
    if err then
      vim.notify('Esker: ' .. problem(err), vim.log.levels.ERROR)
      return
    end
    for _, breakpoint in ipairs(result.breakpoints or {}) do
      if not breakpoint.verified then
        vim.notify('Esker: data breakpoint not set: ' .. (breakpoint.message or '?'), vim.log.levels.WARN)
      end
    end
  end)
end

--- Stops the program after each write that changes `expression` (a variable, `a.field`,
--- `a[index]`), in the stopped session's current frame; adds to the data breakpoints set so far.
function M.watch(expression)
  local session = stopped_session()
  if session == nil then
    return
  end
  local arguments = { name = expression, frameId = session.current_frame.id }
  session:request('dataBreakpointInfo', arguments, function(err, info)
    if err or info.dataId == vim.NIL or info.dataId == nil then
      vim.notify('Esker: cannot watch ' .. expression .. ': ' .. (err and problem(err) or info.description),
        vim.log.levels.WARN)
      return
    end
    local ids = vim.list_extend({}, watched[session.id] or {})
    table.insert(ids, info.dataId)
    set_watches(session, ids)
    vim.notify('Esker: stopping ' .. info.description)
  end)
end

--- Removes every data breakpoint of the stopped session.
function M.unwatch()
  local session = stopped_session()
  if session ~= nil then
    set_watches(session, {})
  end
end

--- "Who changed this?": goes back in the recorded history to the last write of `expression`.
function M.who_changed(expression)
  local session = stopped_session()
  if session == nil then
    return
  end
  session:request('whoChangedThis', { name = expression, frameId = session.current_frame.id }, function(err)
    if err then
      vim.notify('Esker: ' .. problem(err), vim.log.levels.WARN)
    end
  end)
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
