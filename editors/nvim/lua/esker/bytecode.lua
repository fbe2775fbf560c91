-- The live bytecode view: :EskerBytecode lists what the current Esker buffer
-- compiles to (the server's `esker/disassemble` request) in a split beside
-- it, with notes on top saying what is not compiled and why. It refreshes
-- the listing as the buffer changes, highlights (and scrolls to) the
-- instructions compiled from the cursor's line, and <CR> or a double click
-- on an instruction jumps to the source it came from.
-- `p` in the view (or :EskerBytecode python) switches to the Python the
-- compiled tier generates, and back.
local M = {}

local namespace = vim.api.nvim_create_namespace('esker-bytecode')
vim.cmd('highlight default link EskerBytecodeCurrent Visual')

-- Open views by source buffer: { buf = the view's buffer, result = the listing
-- shown, note = why it may be out of date, missing = what the newest version
-- leaves out, offset = the view line where the listing starts (0-based),
-- timer = the refresh debounce, python = whether it shows the compiled
-- tier's Python instead of bytecode }.
local views = {}

-- JSON null arrives as vim.NIL: treat it as absent.
local function present(value)
  if value == nil or value == vim.NIL then
    return nil
  end
  return value
end

local function no_listing(message)
  return { listing = '', functions = {}, missing = {}, message = message }
end

--- The result with every field present, whatever the server sent (docs/language-server.md).
local function complete(result)
  return {
    listing = present(result.listing) or '',
    functions = present(result.functions) or {},
    missing = present(result.missing) or {},
    message = present(result.message),
  }
end

--- Takes a new result; while the buffer does not compile, keeps the last listing that did.
local function accept(view, result)
  local shown = view.result
  view.missing = result.missing
  if #result.functions == 0 and shown and #shown.functions > 0 then
    view.note = 'out of date: ' .. (result.message or 'nothing compiled')
  else
    view.result = result
    view.note = result.message
  end
end

--- Notes (in parentheses, as the listing's syntax expects) on top, a blank line, then the listing.
local function render(view)
  local notes = {}
  if view.note then
    table.insert(notes, '(' .. view.note .. ')')
  end
  for _, item in ipairs(view.missing) do
    table.insert(notes, ('(not compiled: %s — %s)'):format(item.name, item.reason))
  end
  local lines = vim.split(view.result.listing, '\n', { plain = true })
  if lines[#lines] == '' then
    table.remove(lines)
  end
  view.offset = 0
  if #notes > 0 then
    view.offset = #lines > 0 and #notes + 1 or #notes
    if #lines > 0 then
      table.insert(notes, '')
    end
    lines = vim.list_extend(notes, lines)
  end
  vim.bo[view.buf].modifiable = true
  vim.api.nvim_buf_set_lines(view.buf, 0, -1, false, lines)
  vim.bo[view.buf].modifiable = false
end

--- The window showing `src` where the cursor is, preferring the current one.
local function source_window(src)
  if vim.api.nvim_get_current_buf() == src then
    return vim.api.nvim_get_current_win()
  end
  local win = vim.fn.bufwinid(src)
  return win ~= -1 and win or nil
end

--- Highlights the instructions compiled from the cursor's line and, unless
--- `keep_scroll` is set, scrolls the first into view.
local function highlight(src, keep_scroll)
  local view = views[src]
  local win = source_window(src)
  if not view or not view.result or not win then
    return
  end
  local line = vim.api.nvim_win_get_cursor(win)[1] - 1
  vim.api.nvim_buf_clear_namespace(view.buf, namespace, 0, -1)
  local first
  for _, listed in ipairs(view.result.functions) do
    for _, instruction in ipairs(listed.instructions) do
      local range = present(instruction.range)
      if range and range.start.line == line then
        local line_in_view = instruction.listingLine + view.offset
        vim.api.nvim_buf_add_highlight(view.buf, namespace, 'EskerBytecodeCurrent', line_in_view, 0, -1)
        first = math.min(first or line_in_view, line_in_view)
      end
    end
  end
  local view_win = vim.fn.bufwinid(view.buf)
  if first and view_win ~= -1 and not keep_scroll then
    vim.api.nvim_win_call(view_win, function()
      if first + 1 < vim.fn.line('w0') or first + 1 > vim.fn.line('w$') then
        vim.api.nvim_win_set_cursor(view_win, { first + 1, 0 })
        vim.cmd('normal! zz')
      end
    end)
  end
end

local function before(a, b)
  return a.line < b.line or (a.line == b.line and a.character <= b.character)
end

--- The function whose source holds `position` most closely (nested functions start later).
local function innermost_function(functions, position)
  local found
  for _, listed in ipairs(functions) do
    local range = listed.range
    if before(range.start, position) and before(position, range['end'])
      and (not found or before(found.range.start, range.start)) then
      found = listed
    end
  end
  return found
end

--- Scrolls the view so that the section of the function at `position` is at the top.
local function reveal_function(view, position)
  local listed = innermost_function(view.result.functions, position)
  local win = vim.fn.bufwinid(view.buf)
  if listed and win ~= -1 then
    vim.api.nvim_win_set_cursor(win, { listed.listingStart + view.offset + 1, 0 })
    vim.api.nvim_win_call(win, function()
      vim.cmd('normal! zt')
    end)
  end
end

local function refresh(src)
  local view = views[src]
  local function show(result)
    if views[src] ~= view or not vim.api.nvim_buf_is_valid(view.buf) then
      return
    end
    accept(view, result)
    render(view)
    local revealing = view.reveal
    if revealing then
      reveal_function(view, revealing)
      view.reveal = nil
    end
    highlight(src, revealing ~= nil)
  end
  local lsp = require('esker.lsp')
  local client = lsp.client_for(src)
  if not client then
    show(no_listing('esker-lsp is not attached to this buffer: see :help esker'))
    return
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(src) }, view = view.python and 'python' or 'bytecode' }
  lsp.request(client, 'esker/disassemble', params, function(err, result)
    vim.schedule(function()
      if err then
        show(no_listing('the language server could not list this file: ' .. (err.message or vim.inspect(err))))
      else
        show(present(result) and complete(result) or no_listing('the language server has not opened this file'))
      end
    end)
  end, src)
end

local function refresh_later(src)
  local view = views[src]
  view.timer = view.timer or vim.loop.new_timer()
  view.timer:stop()
  view.timer:start(require('esker').options.bytecode.update_delay, 0, vim.schedule_wrap(function()
    if views[src] == view then
      refresh(src)
    end
  end))
end

--- The source position of the instruction on a listing line, or of the function whose header it is.
local function source_position(functions, line)
  local enclosing
  for _, listed in ipairs(functions) do
    for _, instruction in ipairs(listed.instructions) do
      local range = present(instruction.range)
      if instruction.listingLine == line and range then
        return range.start
      end
    end
    -- Sections of nested functions may lie inside their parent's: the innermost one starts last.
    if listed.listingStart <= line and line < listed.listingEnd
      and (not enclosing or listed.listingStart > enclosing.listingStart) then
      enclosing = listed
    end
  end
  return enclosing and enclosing.range.start
end

local function jump_to_source(src)
  local view = views[src]
  local listing_line = view and vim.api.nvim_win_get_cursor(0)[1] - 1 - view.offset
  local position = view and view.result and source_position(view.result.functions, listing_line)
  if not position then
    return
  end
  local win = vim.fn.bufwinid(src)
  if win == -1 then
    vim.cmd('leftabove vsplit')
    vim.api.nvim_win_set_buf(0, src)
  else
    vim.api.nvim_set_current_win(win)
  end
  -- A listing that is out of date may point past the end of the buffer.
  local line = math.min(position.line + 1, vim.api.nvim_buf_line_count(src))
  -- Server columns count UTF-16 code units; the cursor counts bytes.
  local line_text = vim.api.nvim_buf_get_lines(src, line - 1, line, false)[1] or ''
  local ok, column = pcall(vim.str_byteindex, line_text, position.character, true)
  vim.api.nvim_win_set_cursor(0, { line, ok and column or 0 })
end

--- Forgets `src`'s view and wipes its buffer, unless that buffer is being wiped already.
local function close(src, view_wiped)
  local view = views[src]
  if not view then
    return
  end
  views[src] = nil
  if view.timer then
    view.timer:stop()
    view.timer:close()
  end
  vim.api.nvim_clear_autocmds({ group = view.group })
  if not view_wiped and vim.api.nvim_buf_is_valid(view.buf) then
    vim.api.nvim_buf_delete(view.buf, { force = true })
  end
end

local function create_view(src)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'eskerbytecode'
  pcall(vim.api.nvim_buf_set_name, buf, 'esker-bytecode://' .. vim.api.nvim_buf_get_name(src))
  for _, key in ipairs({ '<CR>', '<2-LeftMouse>' }) do
    vim.keymap.set('n', key, function()
      jump_to_source(src)
    end, { buffer = buf, desc = 'Esker: go to the source of this instruction' })
  end
  vim.keymap.set('n', 'p', function()
    M.open(src, nil, views[src].python and 'bytecode' or 'python')
  end, { buffer = buf, desc = 'Esker: switch between bytecode and the compiled Python' })

  local view = { buf = buf, missing = {}, offset = 0,
    group = vim.api.nvim_create_augroup('EskerBytecode' .. src, { clear = true }) }
  local function on(events, target, callback)
    vim.api.nvim_create_autocmd(events, { group = view.group, buffer = target, callback = callback })
  end
  on({ 'TextChanged', 'TextChangedI' }, src, function()
    refresh_later(src)
  end)
  on({ 'CursorMoved', 'CursorMovedI', 'BufEnter' }, src, function()
    highlight(src)
  end)
  on('BufWipeout', src, function()
    close(src)
  end)
  on('BufWipeout', buf, function()
    close(src, true)
  end)
  return view
end

local function show_window(buf)
  local source_win = vim.api.nvim_get_current_win()
  vim.cmd(require('esker').options.bytecode.split)
  vim.api.nvim_win_set_buf(0, buf)
  vim.wo.wrap = false
  vim.api.nvim_set_current_win(source_win)
end

--- Opens (or refreshes) the bytecode view of buffer `src` (default: the current
--- one), scrolled to the function at `position` (an LSP position) if given;
--- `kind` 'python' shows the compiled tier's Python, 'bytecode' the bytecode
--- (nil: what the view showed last, bytecode at first).
function M.open(src, position, kind)
  if src == nil or src == 0 then
    src = vim.api.nvim_get_current_buf()
  end
  if vim.bo[src].filetype ~= 'esker' then
    vim.notify('EskerBytecode: this is not an Esker buffer', vim.log.levels.WARN)
    return
  end
  if not views[src] then
    views[src] = create_view(src)
  end
  if vim.fn.bufwinid(views[src].buf) == -1 then
    show_window(views[src].buf)
  end
  if kind == 'python' or kind == 'bytecode' then
    views[src].python = kind == 'python'
  end
  views[src].reveal = present(position)
  refresh(src)
end

return M
