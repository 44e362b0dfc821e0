-- POST /api/events with fresh, valid events: each request EVENTS lines (env EVENTS, default 1),
-- each event its own id, each thread its own synthetic person (999 range, modulus 11), each
-- residence change of a person at its own second (a tie would be an error).
local counter = 0
local thread_no = 0
local threads = {}
local per_request = tonumber(os.getenv("EVENTS") or "1")

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

local function nhs(n)
  local body = string.format("999%06d", 200000 + n)
  for k = 0, 50 do
    local b = string.format("999%06d", 200000 + n * 50 + k)
    local sum = 0
    for i = 1, 9 do
      sum = sum + tonumber(b:sub(i, i)) * (11 - i)
    end
    local check = 11 - sum % 11
    if check == 11 then return b .. "0" end
    if check ~= 10 then return b .. tostring(check) end
  end
  return body .. "0"
end

local person
local token = os.getenv("TOKEN")
local run = os.getenv("RUN") or "r"
-- Each run its own stretch of time (a residence change of a person at an instant already taken
-- would be a tie, an error).
local base = 1800000000 + tonumber(os.getenv("RUN_NO") or "0") * 100000000

function init(args)
  person = nhs(thread_no)
end

function request()
  local lines = {}
  for _ = 1, per_request do
    counter = counter + 1
    local t = base + counter
    local at = os.date("!%Y-%m-%dT%H:%M:%SZ", t)
    lines[#lines + 1] = string.format(
      '{"id":"bench-%s-%d-%d","kind":"residence_changed","at":"%s","person":"%s","residence":"own_home"}',
      run, thread_no, counter, at, person)
  end
  return wrk.format("POST", "/api/events", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/x-ndjson",
  }, table.concat(lines, "\n"))
end

local non_201 = 0
function response(status, headers, body)
  if status ~= 201 then
    non_201 = non_201 + 1
    if non_201 < 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end
