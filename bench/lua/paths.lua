-- GET of paths read from a file, one per line, picked at random per
-- request: the search and browse queries of bench/run.sh (it writes the
-- files into the run's results, paths/<label>.txt).
-- Usage: wrk ... -s paths.lua URL -- PATHS_FILE
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local paths = {}

function init(args)
  -- (No assert here: an error raised in init() leaves wrk hanging.)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  seed_random()
end

function request()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
