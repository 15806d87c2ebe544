-- POST /auth/token with the right password for one seeded owner (so
-- throttling, which counts failures only, never kicks in). argon2id makes
-- this CPU bound by design.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

wrk.method = "POST"
wrk.path = "/auth/token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"owner0@loadtest.example","password":"demo-password"}'
