-- Starts esker-lsp for `esker` buffers with whatever the running Neovim
-- offers: vim.lsp.config/enable (0.11+), vim.lsp.start (0.8+) or
-- vim.lsp.start_client (0.7). Also wires the server's code-lens commands
-- (run, debug, show bytecode) to the editor, and turns on completion and
-- inlay hints where the version has them (semantic highlighting, 0.9+,
-- Neovim starts by itself).
local M = {}

local codelens_group = vim.api.nvim_create_augroup('EskerCodeLens', { clear = true })

--- The nearest folder above `file` holding one of `markers`, else the file's own folder.
local function find_root(file, markers)
  local start = file ~= '' and vim.fn.fnamemodify(file, ':p:h') or vim.loop.cwd()
  local dir = start
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local function show_codelenses(client, bufnr)
  local capabilities = client.server_capabilities or {}
  if not capabilities.codeLensProvider then
    return
  end
  -- Neovim 0.12 refreshes lenses by itself once enabled; older versions need the events.
  if vim.lsp.codelens.enable then
    vim.lsp.codelens.enable(true, { bufnr = bufnr })
    return
  end
  vim.api.nvim_clear_autocmds({ group = codelens_group, buffer = bufnr })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'CursorHold', 'InsertLeave' }, {
    group = codelens_group,
    buffer = bufnr,
    callback = function()
      vim.lsp.codelens.refresh()
    end,
  })
  vim.lsp.codelens.refresh()
end

--- Completion without setup: Neovim 0.11's built-in completion (offered as
--- you type), else the LSP omnifunc (CTRL-X CTRL-O) unless one is set already.
local function enable_completion(client, bufnr)
  if vim.lsp.completion and vim.lsp.completion.enable then
    vim.lsp.completion.enable(true, client.id, bufnr, { autotrigger = true })
  elseif vim.bo[bufnr].omnifunc == '' then
    vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
  end
end

--- Inlay hints (registers, parameter names) where Neovim shows them (0.10+).
local function show_inlay_hints(client, bufnr)
  if vim.lsp.inlay_hint and vim.lsp.inlay_hint.enable and (client.server_capabilities or {}).inlayHintProvider then
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  end
end

local function attach_handler(options)
  return function(client, bufnr)
    if options.hover_key and vim.fn.has('nvim-0.10') == 0 then
      vim.keymap.set('n', options.hover_key, vim.lsp.buf.hover, { buffer = bufnr, desc = 'Esker: hover' })
    end
    if options.completion then
      enable_completion(client, bufnr)
    end
    if options.inlay_hints then
      show_inlay_hints(client, bufnr)
    end
    if options.codelens then
      show_codelenses(client, bufnr)
    end
    if options.on_attach then
      options.on_attach(client, bufnr)
    end
  end
end

--- Commands the server's code lenses name. Their arguments are the document's
--- URI and, for esker.showBytecode, a function's position, else its name.
local function register_commands()
  vim.lsp.commands['esker.showBytecode'] = function(command)
    require('esker.bytecode').open(vim.uri_to_bufnr(command.arguments[1]), command.arguments[2])
  end
  vim.lsp.commands['esker.run'] = function(command)
    vim.cmd('botright split')
    vim.fn.termopen(require('esker').run_command(vim.uri_to_fname(command.arguments[1])))
  end
  vim.lsp.commands['esker.debug'] = function(command)
    if not require('esker.dap').launch(vim.uri_to_fname(command.arguments[1]), false) then
      vim.notify('Esker: debugging needs the nvim-dap plugin', vim.log.levels.WARN)
    end
  end
end

-- Neovim 0.7 has no vim.lsp.start: keep one client per root folder and attach buffers to it.
local clients_by_root = {}

local function start_client_0_7(config, bufnr)
  local id = clients_by_root[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    clients_by_root[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

local function start(config, options, bufnr)
  local buffer_config = vim.tbl_extend('force', config, {
    root_dir = find_root(vim.api.nvim_buf_get_name(bufnr), options.root_markers),
  })
  -- Neovim 0.8.0's vim.lsp.start attaches the current buffer whatever `bufnr` says.
  vim.api.nvim_buf_call(bufnr, function()
    if vim.lsp.start then
      vim.lsp.start(buffer_config, { bufnr = bufnr })
    else
      start_client_0_7(buffer_config, bufnr)
    end
  end)
end

--- Why `cmd` cannot start the server: a missing program, or a Python that lacks the module.
local function start_problem(cmd)
  if vim.fn.executable(cmd[1]) == 0 then
    return ('`%s` is not an executable'):format(cmd[1])
  end
  if cmd[2] == '-m' and cmd[3] then
    local output = vim.fn.system({ cmd[1], '-c', 'import ' .. cmd[3] })
    if vim.v.shell_error ~= 0 then
      local lines = vim.split(vim.trim(output), '\n', { plain = true })
      return ('`%s` cannot import %s (%s)'):format(cmd[1], cmd[3], lines[#lines])
    end
  end
  return nil
end

--- Starts the server `cmd` (a list) for every `esker` buffer, now and later.
function M.enable(options, cmd)
  local problem = start_problem(cmd)
  if problem then
    vim.notify(
      ('Esker: cannot start the language server: %s. Install the `esker` Python package (`pip install -e .` '
        .. 'in the Esker sources) and put its `bin` folder on $PATH, or pass '
        .. '`python = "/path/to/venv/bin/python"` (or `cmd = {...}`) to require("esker").setup().'):format(problem),
      vim.log.levels.ERROR
    )
    return false
  end
  register_commands()
  local config = {
    name = 'esker',
    cmd = cmd,
    filetypes = { 'esker' },
    capabilities = options.capabilities,
    init_options = { parameterHints = options.parameter_hints },
    on_attach = attach_handler(options),
  }
  if vim.fn.has('nvim-0.11') == 1 then
    config.root_markers = options.root_markers
    vim.lsp.config('esker', config)
    vim.lsp.enable('esker')
    -- enable() attaches the buffers already open only once Neovim has started up.
    if vim.v.vim_did_enter == 1 then
      return true
    end
  else
    vim.api.nvim_create_autocmd('FileType', {
      group = vim.api.nvim_create_augroup('EskerLsp', { clear = true }),
      pattern = 'esker',
      callback = function(event)
        start(config, options, event.buf)
      end,
    })
  end
  -- Buffers opened before setup() ran (e.g. when the plugin is loaded on filetype).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'esker' then
      start(config, options, bufnr)
    end
  end
  return true
end

--- The Esker language client attached to `bufnr`, if any.
function M.client_for(bufnr)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr, name = 'esker' })
    or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(clients) do
    if client.name == 'esker' then
      return client
    end
  end
  return nil
end

--- Sends a request as `client` (Neovim 0.11 made the client's functions methods).
function M.request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

return M
