#!/usr/bin/env bash
# Reads during a login storm, measured by two load generators in turn: wrk
# (whose percentiles are corrected for coordinated omission) and oha (plain
# percentiles), to tell the service's behaviour from one client's. Each
# round, per client: GET /properties/{id} on 16 connections for 10 s alone,
# then again while wrk sends POST /auth/token on 16 connections.
#
# Run bench/run.sh first (PROPERTIES=10000 by default): this script reuses
# its database and its release binary. oha comes from crates.io:
#   cargo install oha --locked --root target/oha
#
# Settings: ROUNDS=5, CLIENTS="wrk oha", PROPERTIES=10000 (which bench
# database), PORT=18081, OHA=target/oha/bin/oha, PG_URL as in bench/run.sh,
# HASH_NICE (unset: the hashing threads keep their priority; a number:
# `renice` them to it from outside, for the priority experiment),
# READ_PATH (unset: /properties/{random seeded id}; a path such as /health
# to read something that needs no database; oha only), PERF_SCHED (set:
# record the scheduler during each storm's reads with `perf sched record`
# and print the tasks that waited longest for a CPU; needs root and perf).
# Prints one line per measurement; nothing is written elsewhere.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
ROUNDS=${ROUNDS:-5}
CLIENTS=${CLIENTS:-"wrk oha"}
PROPERTIES=${PROPERTIES:-10000}
PORT=${PORT:-18081}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
OHA=${OHA:-$ROOT/target/oha/bin/oha}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/realty
BASE=http://127.0.0.1:$PORT
export BENCH_LUA=$HERE/lua

for tool in wrk psql shuf curl python3 "$OHA" "$BIN"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (see the header of $0)" >&2; exit 1; }
done

export REALTY_PROFILE=prod REALTY_LOG=warn REALTY_BIND=127.0.0.1:$PORT
export REALTY_DATABASE_URL=$PG_URL/realty_bench_$PROPERTIES
REALTY_TOKEN_KEY=$("$BIN" keygen)
export REALTY_TOKEN_KEY
read -r MIN_ID MAX_ID < <(psql "$REALTY_DATABASE_URL" -qAtX -F ' ' -c 'SELECT min(id), max(id) FROM properties')
work=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# One measurement of reads with client $1; prints "max p99 req/s".
reads() {
  if [[ $1 == wrk ]]; then
    wrk -t2 -c16 -d10s --timeout 10s --latency -s "$HERE/lua/get_by_id.lua" "$BASE" -- "$MIN_ID" "$MAX_ID" >"$work/wrk.txt"
    python3 - "$work/wrk.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
top = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b", text)
p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", text)
rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
print(f"max {ms(*top.groups()):.1f} ms, p99 {ms(*p99.groups()):.2f} ms, {float(rate.group(1)):,.0f} req/s")
EOF
  else
    # every seeded id, shuffled: the same spread as get_by_id.lua's random ids
    if [[ -n "${READ_PATH:-}" ]]; then
      "$OHA" --no-tui -z 10s -c 16 --output-format json "$BASE$READ_PATH" >"$work/oha.json" 2>/dev/null
    else
      "$OHA" --no-tui -z 10s -c 16 --output-format json --urls-from-file "$work/urls.txt" \
        >"$work/oha.json" 2>/dev/null
    fi
    python3 - "$work/oha.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
print(f"max {s['slowest'] * 1000:.1f} ms, p99 {p['p99'] * 1000:.2f} ms, {s['requestsPerSec']:,.0f} req/s")
EOF
  fi
}

seq "$MIN_ID" "$MAX_ID" | shuf | sed "s|^|$BASE/properties/|" >"$work/urls.txt"

for round in $(seq 1 "$ROUNDS"); do
  for client in $CLIENTS; do
    "$BIN" serve >"$work/realty.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done
    if [[ -n "${HASH_NICE:-}" ]]; then
      for task in /proc/"$pid"/task/*; do
        if [[ $(cat "$task/comm") == argon2-* ]]; then renice -n "$HASH_NICE" -p "${task##*/}" >/dev/null; fi
      done
    fi
    alone=$(reads "$client")
    wrk -t2 -c16 -d14s --timeout 10s -s "$HERE/lua/login.lua" "$BASE" >"$work/logins.txt" &
    storm=$!
    sleep 2
    if [[ -n "${PERF_SCHED:-}" ]]; then
      perf sched record -a -o "$work/sched.data" -- sleep 10 >/dev/null 2>&1 &
      perf_pid=$!
    fi
    during=$(reads "$client")
    wait "$storm"
    logins=$(sed -n 's/^Requests\/sec:[[:space:]]*//p' "$work/logins.txt")
    echo "round $round, $client${HASH_NICE:+, hashing at nice $HASH_NICE}${READ_PATH:+, reading $READ_PATH}: alone: $alone | during the storm: $during | $logins logins/s"
    if [[ -n "${PERF_SCHED:-}" ]]; then
      wait "$perf_pid"
      # the header and the five tasks that waited longest for a CPU
      perf sched latency -i "$work/sched.data" -s max 2>/dev/null | sed -n '3p;5,9p' | cut -c1-110
      rm -f "$work/sched.data"
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
