-- PATCH /properties/{id} with If-Match, authenticated as the seeded
-- properties' owner (token in $BENCH_TOKEN).
--
-- No two requests in flight ever target the same property, so no 412 is
-- expected: each thread owns a disjoint pool of `pool` properties, starting
-- at `first` (all at version 1, as seeded), and takes the next one that has
-- no request in flight (pool >= c/t guarantees one is free). The answer to
-- a property's PATCH (its ETag) gives the If-Match of its next one. Each
-- request carries its property id in `x-request-id`, which the service
-- echoes, so a response is matched to its property whatever its status. A
-- 412 (or any non-2xx) is still counted by wrk and reported as non_2xx;
-- after a 412 the version is re-learnt from the problem's detail ("… the
-- current version is N").
-- Usage: wrk ... -s patch.lua URL -- first pool
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local ids, versions, busy, next_index, sent = {}, {}, {}, 1, 0

function init(args)
  local first = tonumber(args[1]) or 1
  local pool = tonumber(args[2]) or 256
  local base = first + (thread_index - 1) * pool
  for i = 0, pool - 1 do
    ids[#ids + 1] = base + i
    versions[base + i] = 1
  end
end

local auth = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")

function request()
  local id = ids[next_index]
  for _ = 1, #ids do
    if not busy[id] then break end
    next_index = next_index % #ids + 1
    id = ids[next_index]
  end
  next_index = next_index % #ids + 1
  busy[id] = true
  sent = sent + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = auth,
    ["If-Match"] = '"' .. versions[id] .. '"',
    ["x-request-id"] = "bench-patch-" .. id,
  }
  -- A different name each time: a PATCH that changes nothing writes nothing.
  return wrk.format("PATCH", "/properties/" .. id, headers, '{"name":"Patched ' .. sent .. '"}')
end

function response(status, headers, body)
  local request_id = headers["x-request-id"] or headers["X-Request-Id"] or ""
  local id = tonumber(string.match(request_id, "^bench%-patch%-(%d+)$"))
  if not id then return end
  busy[id] = nil
  local etag = headers["etag"] or headers["ETag"]
  if status == 200 and etag then
    versions[id] = tonumber(string.match(etag, "(%d+)"))
  elseif status == 412 then
    versions[id] = tonumber(string.match(body, "current version is (%d+)")) or versions[id]
  end
end
