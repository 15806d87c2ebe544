-- GET /properties?city=…&limit=20, a random city among the ten that
-- `realty seed --properties N` uses (crates/bin/src/seed.rs), spelled as
-- entered (accents, capitals, hyphens) so the city-key folding is exercised.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local cities = {
  "Paris", "Lyon", "Saint-%C3%89tienne", "Marseille", "Nice",
  "Bordeaux", "Lille", "Nantes", "%C3%8Ele-de-R%C3%A9", "Aix-en-Provence",
}

function init(args)
  seed_random()
end

function request()
  return wrk.format("GET", "/properties?city=" .. cities[math.random(1, #cities)] .. "&limit=20")
end
