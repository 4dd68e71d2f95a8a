-- Headless Neovim as a second real LSP client of `heatlens serve` (driven by test_nvim.py).
-- Env: HEATLENS_SERVER (JSON argv), HEATLENS_ROOT, HEATLENS_HOT_LINE, HEATLENS_DEF_LINE (0-based).
local function out(key, value) io.stdout:write('RESULT ' .. key .. ' ' .. vim.fn.json_encode(value) .. '\n') end
local function fail(msg) io.stdout:write('NVIM_PROBE FAIL: ' .. msg .. '\n'); vim.cmd('cquit 1') end

local bufnr = vim.api.nvim_get_current_buf()
vim.bo[bufnr].filetype = 'python'
out('nvim', tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch)

local heat = {}
local cfg = {
  name = 'heatlens',
  cmd = vim.fn.json_decode(os.getenv('HEATLENS_SERVER')),
  root_dir = os.getenv('HEATLENS_ROOT'),
  handlers = {
    ['heatlens/heat'] = function(_, params) table.insert(heat, params) end,
    ['heatlens/state'] = function() end,
  },
}
local client_id
if vim.lsp.start then
  client_id = vim.lsp.start(cfg, { bufnr = bufnr })
else
  client_id = vim.lsp.start_client(cfg)
  vim.lsp.buf_attach_client(bufnr, client_id)
end
if not client_id then return fail('client did not start') end
local ok = vim.wait(20000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end, 50)
if not ok then return fail('server did not initialize') end

local uri = vim.uri_from_bufnr(bufnr)
local tdi = { uri = uri }
local function request(method, params, timeout)
  local res = vim.lsp.buf_request_sync(bufnr, method, params, timeout or 10000)
  for _, r in pairs(res or {}) do
    if r.err then return nil, r.err end
    return r.result
  end
  return nil, 'no response to ' .. method
end

local lenses = request('textDocument/codeLens', { textDocument = tdi })
out('lenses_before', lenses)

local summary, err = request('workspace/executeCommand', { command = 'heatlens.profileFile', arguments = { uri } }, 180000)
if not summary then return fail('profile failed: ' .. vim.inspect(err)) end
out('summary', summary)

lenses = request('textDocument/codeLens', { textDocument = tdi })
-- function lenses come as ranges; their titles by codeLens/resolve, as vim.lsp.codelens does on screen
for i, lens in ipairs(lenses or {}) do
  if lens.command == nil then lenses[i] = request('codeLens/resolve', lens) end
end
out('lenses', lenses)
local def_line = tonumber(os.getenv('HEATLENS_DEF_LINE'))
local hot_line = tonumber(os.getenv('HEATLENS_HOT_LINE'))
local hover = request('textDocument/hover', { textDocument = tdi, position = { line = hot_line, character = 9 } })
out('hover', hover)
local hints = request('textDocument/inlayHint', { textDocument = tdi,
  range = { start = { line = 0, character = 0 }, ['end'] = { line = 200, character = 0 } } })
out('hints', hints)
vim.wait(3000, function() return #heat > 0 end, 50)
out('heat_count', #heat)

vim.lsp.stop_client(client_id)
vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
io.stdout:write('NVIM_PROBE DONE\n')
vim.cmd('qall!')
