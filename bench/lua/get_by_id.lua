-- GET /properties/{id} with a uniformly random id in MIN_ID..MAX_ID (the
-- seeded properties).
-- Usage: wrk ... -s get_by_id.lua URL -- MIN_ID MAX_ID
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local min_id, max_id

function init(args)
  min_id = tonumber(args[1]) or 1
  max_id = tonumber(args[2]) or 10000
  seed_random()
end

function request()
  return wrk.format("GET", "/properties/" .. math.random(min_id, max_id))
end
