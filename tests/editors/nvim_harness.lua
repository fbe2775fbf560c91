-- Runs one scenario inside headless Neovim: executes the Lua file named by
-- $ESKER_NVIM_SCENARIO, writes what it returns (or the error it raised) as
-- JSON to $ESKER_NVIM_RESULT, and quits.
local payload
local ok, value = xpcall(function()
  return dofile(vim.env.ESKER_NVIM_SCENARIO)
end, debug.traceback)
if ok then
  payload = { ok = true, value = value }
else
  payload = { ok = false, error = value }
end
vim.fn.writefile({ vim.fn.json_encode(payload) }, vim.env.ESKER_NVIM_RESULT)
vim.cmd('qall!')
