#!/usr/bin/env bash
# Where the machine's CPU goes while realty serves one route at 16
# connections: a system-wide `perf record` (cpu-clock, 999 Hz), split by
# process and by kernel or user space. It shows what bench/run.sh's CPU
# accounting cannot: how much of realty's and PostgreSQL's time per
# request is the kernel's (loopback TCP, waking the other side, switching
# tasks), which no change to realty's own code removes.
#
# Usage: bench/cpu_split.sh          (after bench/run.sh seeded the database)
#   ROUTE=by_id          by_id (GET /properties/{id}) or page (the city page)
#   PROPERTIES=10000 PG_URL=postgres://postgres@127.0.0.1:5432
#   CONNECTIONS=16 DURATION=10 REALTY_BIN (default target/release/realty)
#   OUT=bench/results/<UTC time>-cpu-split-<ROUTE>-<PROPERTIES>
#
# Needs perf (Debian: linux-perf; as root, or kernel.perf_event_paranoid
# low enough), wrk, psql, curl. Writes wrk.txt, split.txt (perf report
# --sort comm,dso: the share of all samples of each process in each object;
# [kernel.kallsyms] is its kernel time; a sample taken while the kernel
# handles loopback traffic in a softirq counts for the process it
# interrupted) and proc.txt (user and system time per request of realty and
# of PostgreSQL's processes from /proc, as bench/run.sh accounts them).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROUTE=${ROUTE:-by_id}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-10}
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-cpu-split-${ROUTE}-${PROPERTIES}}
PORT=${PORT:-18083}
need perf wrk
# As bench/run.sh serves: rate limiting off.
export REALTY_RATE_LIMIT_PER_SEC=0
mkdir -p "$OUT"
echo "/properties?city=Paris&limit=20" >"$OUT/page-paths.txt"
case $ROUTE in
  by_id) load=(-s "$BENCH_LUA/get_by_id.lua" "http://127.0.0.1:$PORT" -- "$MIN_ID" "$MAX_ID") ;;
  page) load=(-s "$BENCH_LUA/paths.lua" "http://127.0.0.1:$PORT" -- "$OUT/page-paths.txt") ;;
  *) echo "ROUTE is by_id or page" >&2; exit 1 ;;
esac

"$BIN" serve 2>"$OUT/realty.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_ready 20
wrk -t2 -c"$CONNECTIONS" -d3s "${load[@]}" >/dev/null
# The profile covers the middle of the measured run.
perf record -F 999 -e cpu-clock -a -o "$OUT/perf.data" -- sleep $((DURATION - 2)) 2>"$OUT/perf.log" &
perf_pid=$!
# utime and stime, in clock ticks, of realty and of every postgres process.
cpu_ticks() {
  awk '{print $14, $15}' "/proc/$pid/stat"
  for p in $(pgrep -u postgres); do awk '{print $14 + $16, $15 + $17}' "/proc/$p/stat" 2>/dev/null; done |
    awk '{u += $1; s += $2} END {print u, s}'
}
before=$(cpu_ticks)
wrk -t2 -c"$CONNECTIONS" -d"$DURATION"s --latency "${load[@]}" >"$OUT/wrk.txt"
after=$(cpu_ticks)
wait "$perf_pid" || true
requests=$(awk '/requests in/ {print $1}' "$OUT/wrk.txt")
python3 - "$before" "$after" "$requests" "$(getconf CLK_TCK)" >"$OUT/proc.txt" <<'PY'
import sys
before, after = (list(map(int, s.split())) for s in sys.argv[1:3])
requests, tick = int(sys.argv[3]), int(sys.argv[4])
us = [(a - b) * 1e6 / tick / requests for a, b in zip(after, before)]
print(f"realty: user {us[0]:.0f} µs, system {us[1]:.0f} µs a request")
print(f"PostgreSQL: user {us[2]:.0f} µs, system {us[3]:.0f} µs a request")
print(f"realty's system time alone: {us[1] / (us[2] + us[3]):.2f} of PostgreSQL's CPU")
PY
perf report -i "$OUT/perf.data" --sort comm,dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | sed 's/  */ /g' |
  head -20 >"$OUT/split.txt"
rm -f "$OUT/perf.data"
grep 'Requests/sec' "$OUT/wrk.txt"
cat "$OUT/proc.txt" "$OUT/split.txt"
