-- POST /properties, authenticated, a small body with one room.
-- The token comes from $BENCH_TOKEN. The city is not one the seed uses, so
-- the first page of each seeded city (what list_city.lua and the pgbench
-- scripts read) does not move.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

wrk.method = "POST"
wrk.path = "/properties"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
wrk.body = '{"name":"Bench flat","property_type":"apartment","city":"Benchville",' ..
  '"rooms":[{"name":"Living room","kind":"living_room","area_m2":21.5,"floor":1}]}'
