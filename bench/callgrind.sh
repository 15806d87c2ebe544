#!/usr/bin/env bash
# What metrics and rate limiting cost a request, in instructions: the same
# GET /properties/{id} load on realty under valgrind's callgrind, once with
# both on (limits nobody reaches) and once with both off. Instructions do
# not depend on what else the machine does, so one run of each settles what
# throughput rounds on a shared virtual machine cannot (their noise is
# larger than the difference). Kernel work is not counted: neither setting
# makes a system call of its own.
#
# Usage: bench/callgrind.sh            (after bench/run.sh seeded the database)
#   PROPERTIES=10000     which seeded database (realty_bench_<PROPERTIES>)
#   PG_URL=postgres://postgres@127.0.0.1:5432
#   DURATION=10          seconds of load in each setting (about 150 requests a
#                        second under callgrind)
#   REALTY_BIN           the binary to measure (default: target/release/realty)
#   OUT=bench/results/<UTC time>-callgrind-<PROPERTIES>
#
# Needs valgrind (callgrind_control, callgrind_annotate), wrk, psql, curl.
# Writes each setting's callgrind profile (callgrind_annotate reads it) and
# summary.txt: requests, instructions in all, and instructions per request.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DURATION=${DURATION:-10}
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-callgrind-${PROPERTIES}}
PORT=${PORT:-18081}
need valgrind callgrind_control callgrind_annotate wrk
mkdir -p "$OUT"

load() {
  wrk -t1 -c1 -d"$1"s -s "$BENCH_LUA/get_by_id.lua" "http://127.0.0.1:$PORT" -- "$MIN_ID" "$MAX_ID"
}

# measure NAME VAR=VALUE…: one setting, under callgrind; the count starts
# after a warm-up (connections opened, caches filled) and stops before exit.
measure() {
  local name=$1 pid requests
  shift
  env "$@" valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.callgrind" \
    "$BIN" serve 2>"$OUT/$name.valgrind.log" &
  pid=$!
  wait_ready 120
  load 5 >/dev/null
  callgrind_control --zero "$pid" >/dev/null
  load "$DURATION" >"$OUT/$name.wrk.txt"
  callgrind_control --dump="$name" "$pid" >/dev/null
  kill -INT "$pid"
  wait "$pid" || true
  requests=$(awk '/requests in/ {print $1}' "$OUT/$name.wrk.txt")
  # The dump asked for above is the file with the suffix .1.
  instructions=$(callgrind_annotate "$OUT/$name.callgrind.1" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  echo "$name $requests $instructions" | awk '{printf "%s: %d requests, %d instructions, %.0f a request\n", $1, $2, $3, $3 / $2}' |
    tee -a "$OUT/summary.txt"
  rm -f "$OUT/$name.callgrind"
}

: >"$OUT/summary.txt"
measure on REALTY_METRICS=true REALTY_RATE_LIMIT_PER_SEC=1000000000 REALTY_RATE_LIMIT_BURST=1000000000
measure off REALTY_METRICS=false REALTY_RATE_LIMIT_PER_SEC=0
awk '{per[NR] = $6} END {printf "metrics and rate limiting: %.0f instructions a request, %.1f %%\n", per[1] - per[2], 100 * (per[1] - per[2]) / per[2]}' \
  "$OUT/summary.txt" | tee -a "$OUT/summary.txt"
