#!/usr/bin/env bash
# Instructions a request, for one build: GET /properties/{id} (random seeded
# ids) and the city page (GET /properties?city=Paris&limit=20), each at one
# connection on realty under valgrind's callgrind. Instructions do not move
# with what else the machine does, so one run of a build settles a
# difference that throughput rounds on a shared virtual machine cannot;
# the kernel's work (the sockets, the scheduler) is not counted.
#
# Usage: bench/instructions.sh        (after bench/run.sh seeded the database)
#   PROPERTIES=10000     which seeded database (realty_bench_<PROPERTIES>)
#   PG_URL=postgres://postgres@127.0.0.1:5432
#   DURATION=8           seconds of counted load per route (after 4 s uncounted)
#   REALTY_BIN           the binary to measure (default: target/release/realty;
#                        built with CARGO_PROFILE_RELEASE_DEBUG=line-tables-only,
#                        callgrind_annotate names the source lines)
#   OUT=bench/results/<UTC time>-instructions-<PROPERTIES>
#
# Needs valgrind (callgrind_control, callgrind_annotate), wrk, psql, curl.
# Writes each route's callgrind profile (by_id.callgrind, page.callgrind:
# `callgrind_annotate --inclusive=yes` ranks where a request goes) and
# summary.txt: requests and instructions a request.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DURATION=${DURATION:-8}
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-instructions-${PROPERTIES}}
PORT=${PORT:-18082}
need valgrind callgrind_control callgrind_annotate wrk
# As bench/run.sh serves: rate limiting off.
export REALTY_RATE_LIMIT_PER_SEC=0
mkdir -p "$OUT"
echo "/properties?city=Paris&limit=20" >"$OUT/page-paths.txt"

by_id() { wrk -t1 -c1 -d"$1"s -s "$BENCH_LUA/get_by_id.lua" "http://127.0.0.1:$PORT" -- "$MIN_ID" "$MAX_ID"; }
page() { wrk -t1 -c1 -d"$1"s -s "$BENCH_LUA/paths.lua" "http://127.0.0.1:$PORT" -- "$OUT/page-paths.txt"; }

valgrind --tool=callgrind --callgrind-out-file="$OUT/all.callgrind" "$BIN" serve 2>"$OUT/valgrind.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
wait_ready 120
: >"$OUT/summary.txt"
for route in by_id page; do
  # Uncounted first: connections opened, statements prepared, caches filled.
  "$route" 4 >/dev/null
  callgrind_control --zero "$pid" >/dev/null
  "$route" "$DURATION" >"$OUT/$route.wrk.txt"
  callgrind_control --dump="$route" "$pid" >/dev/null
  # Each dump asked for is the next numbered file.
  dump=$(ls -t "$OUT"/all.callgrind.* | head -1)
  mv "$dump" "$OUT/$route.callgrind"
  requests=$(awk '/requests in/ {print $1}' "$OUT/$route.wrk.txt")
  instructions=$(callgrind_annotate "$OUT/$route.callgrind" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  echo "$route $requests $instructions" |
    awk '{printf "%s: %d requests, %.0f instructions a request\n", $1, $2, $3 / $2}' | tee -a "$OUT/summary.txt"
done
kill -INT "$pid"
wait "$pid" || true
trap - EXIT
rm -f "$OUT/all.callgrind"
