#!/usr/bin/env bash
# realty's benchmark, in one command: bench/run.sh
#
# Builds the release binary (or takes REALTY_BIN), creates a fresh PostgreSQL
# database, seeds it (`realty seed --properties N`), reads it into the page
# cache (pg_prewarm), starts `realty serve` on
# it as in production (prod profile, a token key from `realty keygen`, logs at
# warn, rate limiting off: one load generator is one client) and measures,
# with wrk, throughput, p50/p99 latency and CPU per request at 1, 16 and 64
# connections of:
#   GET /properties/{id}             random seeded ids
#   GET /properties?city=…&limit=20  random seeded city
#   POST /properties                 authenticated (an admin), one room
#   PATCH /properties/{id}           authenticated (an admin), If-Match (see lua/patch.lua)
#   POST /auth/token                 right password (argon2id: CPU bound)
# and, by phase (PHASES):
#   plans     the SQL realty sends for each GET measured here, captured from
#             PostgreSQL's own log with its parameters and executed plan
#             (auto_explain) on an instance with one connection; the run
#             fails its "no sequential scan" target if a plan scans
#             properties or rooms (explain.txt, plans.json; bench/plans.py)
#   reads     the two GET routes at each concurrency
#   pgbench   right after each read point, the very statements of `plans`
#             through pgbench (-M prepared): realty's overhead over the database
#   search    every sort and every single filter of GET /properties, a
#             two-word q of common words, a rare word alone and with a common
#             one, at SEARCH_CONNECTIONS, against the city page
#   overhead  GET by id with metrics and rate limiting on (limits too high to
#             refuse anything) versus both off, alternating, ROUNDS each
#   writes, storm (reads alone versus during a login storm), login
# plus the service's peak RSS (VmHWM) per run and the seed time; then
# summary.md (tables and targets, bench/summarize.py) and plots
# (bench/plot.py, PNG files in the results).
#
# Settings (environment variables):
#   PROPERTIES=10000        properties to seed (1 to 10 rooms, 5 on average)
#   DURATION=10             seconds per measured point
#   CONNECTIONS="1 16 64"   concurrency levels
#   SEARCH_CONNECTIONS=16   concurrency of the search and overhead phases
#   ROUNDS=3                rounds of the overhead phase (on, off, on, off…)
#   STORM_CONNECTIONS=16    reads' concurrency in the login-storm comparison
#   STORM_LOGIN_CONNECTIONS=16  logins' concurrency during the storm
#   PHASES="plans reads pgbench search overhead writes storm login"  what to
#                           measure (always in this order: argon2's memory
#                           stays with the process, so the login phases come
#                           last and the RSS of the others is their own;
#                           pgbench needs plans and reads)
#   MAX_OTHER_PCT=10 ATTEMPTS=3  a read, search or pgbench point during which
#                           other processes used more than 10% of the CPU is
#                           measured again, up to 3 attempts
#   PG_URL=postgres://postgres@127.0.0.1:5432  server (a superuser: the plans
#                           phase sets log_statement and auto_explain on the
#                           bench database, and resets them)
#   PG_LOG                  that server's log file (default: from pg_lsclusters)
#   DB_NAME=realty_bench_<PROPERTIES>  dropped and created afresh
#   REUSE_DB=1              keep DB_NAME if an earlier run seeded it with
#                           PROPERTIES properties (read phases only)
#   PORT=18080              where realty listens (127.0.0.1; the plans
#                           instance uses PORT+1)
#   WRK_THREADS=2           wrk and pgbench threads (at most one per connection)
#   WARMUP=2                seconds of unrecorded load before the read runs
#   POOL_SIZE               REALTY_DB_POOL_SIZE for the service (its default if unset)
#   REALTY_BIN              a realty binary to measure instead of building
#                           one (to compare builds: bench/plot.py --compare)
#   OUT=bench/results/<UTC time>-<PROPERTIES>  where results go
#   CARGO_TARGET_DIR        as usual (default: target/)
#
# Needs: cargo, wrk, pgbench and psql (Debian: wrk, and postgresql-15 for
# PostgreSQL 15's pgbench, auto_explain and pg_prewarm), curl, python3 (plots: it
# installs matplotlib into target/bench-venv from PyPI), GNU time
# (/usr/bin/time). Everything runs on this machine, against 127.0.0.1 only,
# and every load run is bounded by DURATION.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PROPERTIES=${PROPERTIES:-10000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-"1 16 64"}
STORM_CONNECTIONS=${STORM_CONNECTIONS:-16}
STORM_LOGIN_CONNECTIONS=${STORM_LOGIN_CONNECTIONS:-16}
SEARCH_CONNECTIONS=${SEARCH_CONNECTIONS:-16}
ROUNDS=${ROUNDS:-3}
PHASES=${PHASES:-"plans reads pgbench search overhead writes storm login"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB_NAME=${DB_NAME:-realty_bench_${PROPERTIES}}
PORT=${PORT:-18080}
WRK_THREADS=${WRK_THREADS:-2}
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-${PROPERTIES}}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${REALTY_BIN:-$CARGO_TARGET_DIR/release/realty}
PG_LOG=${PG_LOG:-$(pg_lsclusters -h 2>/dev/null | awk -v port="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).port or 5432)' "$PG_URL")" '$3 == port {print $7}')}
BASE=http://127.0.0.1:$PORT
DB_URL=$PG_URL/$DB_NAME
export BENCH_LUA=$HERE/lua

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

for tool in cargo wrk pgbench psql curl python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is not installed (see the header of $0)"
done
mkdir -p "$OUT/wrk" "$OUT/pgbench"
: >"$OUT/wrk.jsonl"
: >"$OUT/pgbench.jsonl"
: >"$OUT/rss.jsonl"
: >"$OUT/cpu.jsonl"
log "results in $OUT"

# ------------------------------------------------------------ the machine
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "memory: $(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  echo "kernel: $(uname -sr)"
  echo "postgresql: $(psql "$PG_URL/postgres" -qAtc 'SHOW server_version')"
  echo "rustc: $(rustc --version)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "pgbench: $(pgbench --version)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "environment passed to realty: $(env | grep -E '^(MALLOC_|GLIBC_TUNABLES|LD_PRELOAD|TOKIO_)' | tr '\n' ' ')"
  echo "settings: PROPERTIES=$PROPERTIES DURATION=$DURATION CONNECTIONS='$CONNECTIONS' SEARCH_CONNECTIONS=$SEARCH_CONNECTIONS PHASES='$PHASES' WRK_THREADS=$WRK_THREADS POOL_SIZE=${POOL_SIZE:-default}"
  echo "realty: ${REALTY_BIN:-built from $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')}"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ------------------------------------------------------------ build
if [[ -z "${REALTY_BIN:-}" ]]; then
  log "building the release binary"
  (cd "$ROOT" && cargo build --release --locked -p realty)
fi
echo "realty version: $("$BIN" --version)" >>"$OUT/machine.txt"

# ------------------------------------------------------------ database
# REUSE_DB=1 keeps a database an earlier run seeded with as many properties
# (a million take minutes to seed); only for read phases, which change nothing.
reuse=0
if [[ "${REUSE_DB:-0}" == 1 ]] &&
  [[ "$(psql "$DB_URL" -qAtX -c 'SELECT count(*) FROM properties' 2>/dev/null || echo 0)" -ge "$PROPERTIES" ]]; then
  has_phase writes && die "REUSE_DB=1 with the writes phase would measure a changed database"
  reuse=1
  log "reusing database $DB_NAME"
else
  log "creating database $DB_NAME"
  psql "$PG_URL/postgres" -qX -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
    -c "CREATE DATABASE \"$DB_NAME\""
fi

export REALTY_PROFILE=prod
export REALTY_DATABASE_URL=$DB_URL
export REALTY_LOG=warn
export REALTY_BIND=127.0.0.1:$PORT
# One load generator is one client: the rate limit would refuse it.
export REALTY_RATE_LIMIT_PER_SEC=0
REALTY_TOKEN_KEY=$("$BIN" keygen)
export REALTY_TOKEN_KEY
if [[ -n "${POOL_SIZE:-}" ]]; then export REALTY_DB_POOL_SIZE=$POOL_SIZE; fi

ADMIN_EMAIL=bench-admin@loadtest.example
ADMIN_PASSWORD=bench-admin-password
seed_s=null analyze_s=null
if ((reuse == 0)); then
  "$BIN" migrate
  REALTY_ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN" create-admin "$ADMIN_EMAIL" >/dev/null
  log "seeding $PROPERTIES properties"
  seed_start=$(date +%s.%N)
  "$BIN" seed --properties "$PROPERTIES" | tee "$OUT/seed.txt"
  seed_end=$(date +%s.%N)
  seed_s=$(python3 -c "print(round($seed_end - $seed_start, 1))")
  log "seed took ${seed_s}s; VACUUM ANALYZE"
  analyze_start=$(date +%s.%N)
  # What autovacuum would do shortly after a bulk load; done now so every run
  # plans with the same statistics and an all-visible map.
  psql "$DB_URL" -qX -c 'VACUUM ANALYZE'
  analyze_end=$(date +%s.%N)
  analyze_s=$(python3 -c "print(round($analyze_end - $analyze_start, 1))")
fi
psql "$DB_URL" -qAtX -F ' ' -c "SELECT 'rows', (SELECT count(*) FROM properties), (SELECT count(*) FROM rooms)" \
  -c "SELECT 'size', pg_size_pretty(pg_database_size(current_database()))" >"$OUT/data.txt"
read -r _ n_properties n_rooms < <(grep '^rows' "$OUT/data.txt")
db_size=$(sed -n 's/^size //p' "$OUT/data.txt")
cat >"$OUT/seed.json" <<EOF
{"properties": $n_properties, "rooms": $n_rooms, "seed_s": $seed_s, "vacuum_analyze_s": $analyze_s, "database_size": "$db_size"}
EOF
log "$(cat "$OUT/seed.json")"

# Every table and index read once into the operating system's page cache
# (pg_prewarm's 'read' mode), so that the first phase after a seed measures
# the same warm database as a later run rather than the disk: right after a
# seed, a virtual machine here held 2.1 GB of a 4.9 GB database in its page
# cache, and pages of rare words or bounds, spread over the table, were read
# from disk (BENCHMARKS.md, "Known rare words planned once").
warm_start=$(date +%s.%N)
psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS pg_prewarm' \
  -c "SELECT sum(pg_prewarm(c.oid::regclass, 'read')) FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')" >"$OUT/prewarm.txt"
log "read $(cat "$OUT/prewarm.txt") blocks into the page cache in $(python3 -c "print(round($(date +%s.%N) - $warm_start, 1))")s"

read -r MIN_ID MAX_ID < <(psql "$DB_URL" -qAtX -F ' ' -c 'SELECT min(id), max(id) FROM properties')
MID_ID=$(((MIN_ID + MAX_ID) / 2))
OWNER_ID=$(psql "$DB_URL" -qAtX -c "SELECT id FROM users WHERE email = 'owner0@loadtest.example'")
# An instant a tenth of the way back through the seed's year of updates.
SINCE=$(psql "$DB_URL" -qAtX -c "SELECT to_char((max(updated_at) - (max(updated_at) - min(updated_at)) / 10) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM properties")

# ------------------------------------------------------------ what is read
# Every GET measured here, as label<TAB>path; the plans phase captures each
# one's SQL and plan, the read and search phases load them with paths.lua.
mkdir -p "$OUT/paths"
# Ten of the seeded cities, spelled as entered (accents, capitals, hyphens)
# so that the city-key folding is exercised.
CITIES=(Paris Lyon Saint-%C3%89tienne Marseille Nice Bordeaux Lille Nantes %C3%8Ele-de-R%C3%A9 Aix-en-Provence)
: >"$OUT/paths/list_city.txt"
for city in "${CITIES[@]}"; do echo "/properties?city=$city&limit=20" >>"$OUT/paths/list_city.txt"; done
SEARCHES=(
  "sort=-created_at" "sort=created_at" "sort=-updated_at" "sort=updated_at"
  "sort=-total_area_m2" "sort=total_area_m2" "sort=-room_count" "sort=room_count"
  "city=Paris&city=Lyon" "type=villa" "owner_id=$OWNER_ID"
  "min_rooms=8" "max_rooms=2" "min_area=150" "max_area=40" "min_bedrooms=4"
  "has=garage" "has=balcony&has=garage" "q=sunny%20park" "updated_since=$SINCE"
  # A street (one of 2,048, about 0.05 % of the properties each), alone and
  # with a common word: the words rare in real listings.
  "q=montvermont" "q=montvermont%20quiet"
)
# search-<query with = and & as _, a descending sort's "-" as desc_>
search_label() { printf 'search-%s' "$(sed 's/=-/=desc_/g' <<<"$1" | tr -c 'a-zA-Z0-9_\n' '_' | sed 's/__*/_/g; s/_$//')"; }
{
  printf 'get_by_id\t/properties/%s\n' "$MID_ID"
  for k in "${!CITIES[@]}"; do printf 'list_city_%s\t/properties?city=%s&limit=20\n' "$k" "${CITIES[k]}"; done
  for query in "${SEARCHES[@]}"; do
    label=$(search_label "$query")
    echo "/properties?$query&limit=20" >"$OUT/paths/$label.txt"
    printf '%s\t/properties?%s&limit=20\n' "$label" "$query"
  done
} >"$OUT/probes.tsv"

# ------------------------------------------------------------ the service
PID=""
# start_service [VAR=VALUE…]: realty serve on $BASE with these settings on
# top of the exported ones; waits until it is ready.
start_service() {
  log "starting realty on $BASE $*"
  env "$@" "$BIN" serve 2>>"$OUT/realty.log" &
  PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/ready" >/dev/null 2>&1 && return 0
    kill -0 "$PID" 2>/dev/null || die "realty exited (see $OUT/realty.log)"
    sleep 0.2
  done
  die "realty is not ready (see $OUT/realty.log)"
}
stop_service() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  PID=""
}
reset_logging() {
  psql "$PG_URL/postgres" -qX -c "ALTER DATABASE \"$DB_NAME\" RESET ALL" >/dev/null 2>&1 || true
}
cleanup() {
  stop_service
  reset_logging
}
trap cleanup EXIT

# ------------------------------------------------------------ plans
if has_phase plans; then
  [[ -r "$PG_LOG" ]] || die "cannot read PostgreSQL's log (PG_LOG=$PG_LOG)"
  log "plans: capturing each GET's statements and plans from $PG_LOG"
  # For new sessions of this database only; reset before anything is measured.
  psql "$PG_URL/postgres" -qX -v ON_ERROR_STOP=1 \
    -c "ALTER DATABASE \"$DB_NAME\" SET log_statement = 'all'" \
    -c "ALTER DATABASE \"$DB_NAME\" SET log_parameter_max_length = -1" \
    -c "ALTER DATABASE \"$DB_NAME\" SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE \"$DB_NAME\" SET auto_explain.log_min_duration = 0" \
    -c "ALTER DATABASE \"$DB_NAME\" SET auto_explain.log_analyze = on" \
    -c "ALTER DATABASE \"$DB_NAME\" SET auto_explain.log_buffers = on" \
    -c "ALTER DATABASE \"$DB_NAME\" SET auto_explain.log_settings = on"
  main_base=$BASE
  BASE=http://127.0.0.1:$((PORT + 1))
  start_service REALTY_BIND="127.0.0.1:$((PORT + 1))" REALTY_DB_POOL_SIZE=1
  plans_ok=0
  python3 "$HERE/plans.py" "$BASE" "$PG_LOG" "$DB_NAME" "$OUT/probes.tsv" "$OUT" || plans_ok=$?
  stop_service
  reset_logging
  BASE=$main_base
  ((plans_ok == 0)) || die "a probe failed (see $OUT/explain.txt)"
  python3 -c 'import json, sys
plans = json.load(open(sys.argv[1]))
scans = [l for l, p in plans.items() if p["seq_scan"]]
print(json.dumps({"seq_scan": bool(scans), "with_seq_scan": scans, "statements": {l: len(p["statements"]) for l, p in plans.items()}}))' \
    "$OUT/plans.json" >"$OUT/explain.json"
  if grep -q '"seq_scan": true' "$OUT/explain.json"; then
    log "WARNING: a sequential scan on properties or rooms (see $OUT/explain.txt)"
  fi
fi

# ------------------------------------------------------------ the service
start_service
rss_kib() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$PID/status"; }

# CPU accounting of each measured run, in clock ticks: the whole machine's
# busy time (/proc/stat), realty's, every postgres process's, and the load
# generator's (from /usr/bin/time). What is left of the task time is
# "other": anything else that ran on the machine meanwhile, which makes that
# run's figures suspect.
TICK=$(getconf CLK_TCK)
cpu_snapshot() {
  local busy realty pg=0 p
  # Task time (user, nice, system) and, apart, interrupt time (irq,
  # softirq: loopback TCP is mostly processed there, charged to no process).
  busy=$(awk '/^cpu / {print $2 + $3 + $4, $7 + $8}' /proc/stat)
  realty=$(awk '{print $14 + $15}' "/proc/$PID/stat")
  # With the children's times (cutime, cstime), so that backends that exit
  # meanwhile (pgbench's) are counted through the postmaster that reaps them.
  for p in $(pgrep -u postgres); do
    pg=$((pg + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$busy $realty $pg"
}
# cpu_record LABEL BEFORE AFTER TIMEFILE (the latter from /usr/bin/time -f '%e %U %S')
cpu_record() {
  local label=$1 before=$2 after=$3 timefile=$4
  python3 - "$label" "$before" "$after" "$(tail -n 1 "$timefile")" "$TICK" "$(nproc)" >>"$OUT/cpu.jsonl" <<'PY'
import json, sys
label, before, after, timing, tick, cores = sys.argv[1:]
b, a = [list(map(int, x.split())) for x in (before, after)]
elapsed, user, system = map(float, timing.split())
tick = float(tick)
busy, irq, realty, pg = [(a[i] - b[i]) / tick for i in range(4)]
loadgen = user + system
other = max(0.0, busy - realty - pg - loadgen)
print(json.dumps({"label": label, "elapsed_s": elapsed, "busy_cpu_s": round(busy, 2), "irq_cpu_s": round(irq, 2),
                  "realty_cpu_s": round(realty, 2), "postgres_cpu_s": round(pg, 2),
                  "loadgen_cpu_s": round(loadgen, 2), "other_cpu_s": round(other, 2),
                  "other_pct": round(100 * other / (elapsed * int(cores)), 1)}))
PY
}
log "idle RSS: $(rss_kib VmRSS) KiB"
echo "{\"label\":\"idle\",\"vmrss_kib\":$(rss_kib VmRSS),\"vmhwm_kib\":$(rss_kib VmHWM)}" >>"$OUT/rss.jsonl"

export BENCH_TOKEN
BENCH_TOKEN=$(curl -fs -X POST "$BASE/auth/token" -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# This machine may be shared: a read or pgbench run during which other
# processes took more than MAX_OTHER_PCT of the CPU is measured again, up to
# ATTEMPTS times in all; the last attempt is kept (its "other CPU %" is in
# the summary).
MAX_OTHER_PCT=${MAX_OTHER_PCT:-10}
ATTEMPTS=${ATTEMPTS:-3}
noisy() {
  python3 -c 'import json, sys; sys.exit(0 if json.loads(sys.argv[1])["other_pct"] > float(sys.argv[2]) else 1)' \
    "$(tail -n 1 "$OUT/cpu.jsonl")" "$MAX_OTHER_PCT"
}
# forget LABEL FILE…: drops an attempt's lines before it is measured again.
forget() {
  local label=$1 file
  shift
  for file in "$@"; do
    python3 -c 'import json, sys
path, label = sys.argv[1:]
lines = [l for l in open(path) if l.strip() and json.loads(l)["label"] != label]
open(path, "w").writelines(lines)' "$OUT/$file" "$label"
  done
}

# wrk_run LABEL SCRIPT CONNECTIONS [SCRIPT ARGS…]: one bounded wrk run. The
# service's peak RSS is reset first (clear_refs 5) and read after, so each
# run gets its own VmHWM. With RETRY=1, a noisy run is measured again.
wrk_run() {
  local label=$1 script=$2 connections=$3
  shift 3
  local threads=$((connections < WRK_THREADS ? connections : WRK_THREADS))
  local attempt before
  for attempt in $(seq 1 "$ATTEMPTS"); do
    echo 5 >"/proc/$PID/clear_refs"
    log "wrk $label (-c $connections, ${DURATION}s)"
    before=$(cpu_snapshot)
    WRK_OUT=$OUT/wrk.jsonl WRK_LABEL=$label /usr/bin/time -f '%e %U %S' -o "$OUT/wrk/$label.time" \
      wrk -t "$threads" -c "$connections" -d "${DURATION}s" \
      --timeout 10s --latency -s "$HERE/lua/$script" "$BASE" -- "$@" >"$OUT/wrk/$label.txt"
    cpu_record "$label" "$before" "$(cpu_snapshot)" "$OUT/wrk/$label.time"
    echo "{\"label\":\"$label\",\"vmrss_kib\":$(rss_kib VmRSS),\"vmhwm_kib\":$(rss_kib VmHWM)}" >>"$OUT/rss.jsonl"
    tail -n 1 "$OUT/wrk.jsonl" >&2
    if [[ "${RETRY:-0}" != 1 ]] || ((attempt == ATTEMPTS)) || ! noisy; then break; fi
    log "other processes used more than ${MAX_OTHER_PCT}% of the CPU: measuring $label again"
    forget "$label" wrk.jsonl cpu.jsonl rss.jsonl
  done
}

# pgbench_run LABEL CONNECTIONS -f FILE… [-D VAR=VALUE…]: one bounded run,
# prepared statements (as diesel-async uses), no vacuum; a noisy run is
# measured again.
pgbench_run() {
  local label=$1 connections=$2
  shift 2
  local threads=$((connections < WRK_THREADS ? connections : WRK_THREADS))
  local attempt before tps latency failed
  for attempt in $(seq 1 "$ATTEMPTS"); do
    log "pgbench $label (-c $connections, ${DURATION}s)"
    before=$(cpu_snapshot)
    /usr/bin/time -f '%e %U %S' -o "$OUT/pgbench/$label.time" \
      pgbench -n -M prepared -c "$connections" -j "$threads" -T "$DURATION" "$@" "$DB_URL" \
      >"$OUT/pgbench/$label.txt" 2>"$OUT/pgbench/$label.err" || {
      cat "$OUT/pgbench/$label.err" >&2
      die "pgbench $label failed"
    }
    cpu_record "pgbench-$label" "$before" "$(cpu_snapshot)" "$OUT/pgbench/$label.time"
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$OUT/pgbench/$label.txt")
    latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$OUT/pgbench/$label.txt")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT/pgbench/$label.txt")
    echo "{\"label\":\"$label\",\"tps\":${tps:-0},\"latency_avg_ms\":${latency:-0},\"failed\":${failed:-0}}" |
      tee -a "$OUT/pgbench.jsonl" >&2
    if ((attempt == ATTEMPTS)) || ! noisy; then break; fi
    log "other processes used more than ${MAX_OTHER_PCT}% of the CPU: measuring pgbench $label again"
    forget "$label" pgbench.jsonl
    forget "pgbench-$label" cpu.jsonl
  done
}

# warm_up SCRIPT [SCRIPT ARGS…]: WARMUP seconds at the highest concurrency,
# not recorded, so that the pool's connections are open and their
# statements prepared before anything is measured.
WARMUP=${WARMUP:-2}
warm_up() {
  local script=$1 top
  shift
  top=$(tr ' ' '\n' <<<"$CONNECTIONS" | sort -n | tail -1)
  log "warm-up $script (-c $top, ${WARMUP}s)"
  wrk -t "$((top < WRK_THREADS ? top : WRK_THREADS))" -c "$top" -d "${WARMUP}s" \
    -s "$HERE/lua/$script" "$BASE" -- "$@" >/dev/null
}

# ------------------------------------------------------------ reads and pgbench
# Each API point is followed at once by pgbench at the same concurrency on
# the statements the plans phase captured, so that both see the same machine.
pgbench_args() { # LABEL [RANDOM_VALUE MIN MAX]: -f/-D arguments for one probe
  local label=$1
  shift
  python3 "$HERE/plans.py" pgbench "$OUT/plans.json" "$label" "$OUT/pgbench/$label.sql" "$@"
  printf -- '-f\n%s\n' "$OUT/pgbench/$label.sql"
  sed 's/^/-D\n/' "$OUT/pgbench/$label.sql.args"
}
if has_phase pgbench && [[ -f "$OUT/plans.json" ]]; then
  mapfile -t find_args < <(pgbench_args get_by_id "$MID_ID" "$MIN_ID" "$MAX_ID")
  list_args=()
  for k in "${!CITIES[@]}"; do
    mapfile -t -O "${#list_args[@]}" list_args < <(pgbench_args "list_city_$k")
  done
fi
if has_phase reads; then
  warm_up get_by_id.lua "$MIN_ID" "$MAX_ID"
  for c in $CONNECTIONS; do
    RETRY=1 wrk_run "get_by_id-c$c" get_by_id.lua "$c" "$MIN_ID" "$MAX_ID"
    if [[ -n "${find_args+set}" ]]; then pgbench_run "get_by_id-c$c" "$c" "${find_args[@]}"; fi
  done
  warm_up paths.lua "$OUT/paths/list_city.txt"
  for c in $CONNECTIONS; do
    RETRY=1 wrk_run "list_city-c$c" paths.lua "$c" "$OUT/paths/list_city.txt"
    if [[ -n "${list_args+set}" ]]; then pgbench_run "list_city-c$c" "$c" "${list_args[@]}"; fi
  done
fi

# ------------------------------------------------------------ search
# Each query's first page, alone, at one concurrency; the city page again
# first, so that the comparison is made on the same minutes of the machine.
if has_phase search; then
  c=$SEARCH_CONNECTIONS
  warm_up paths.lua "$OUT/paths/list_city.txt"
  RETRY=1 wrk_run "search-base-city-c$c" paths.lua "$c" "$OUT/paths/list_city.txt"
  for query in "${SEARCHES[@]}"; do
    label=$(search_label "$query")
    RETRY=1 wrk_run "$label-c$c" paths.lua "$c" "$OUT/paths/$label.txt"
  done
fi

# ------------------------------------------------------------ overhead
# What metrics and rate limiting cost: GET by id with both on (a limit no
# client reaches, so every request is counted and checked, none refused)
# versus both off, in alternating rounds on fresh processes.
if has_phase overhead; then
  c=$SEARCH_CONNECTIONS
  stop_service
  for round in $(seq 1 "$ROUNDS"); do
    for mode in on off; do
      if [[ $mode == on ]]; then
        start_service REALTY_METRICS=true REALTY_RATE_LIMIT_PER_SEC=1000000000 REALTY_RATE_LIMIT_BURST=1000000000
      else
        start_service REALTY_METRICS=false REALTY_RATE_LIMIT_PER_SEC=0
      fi
      warm_up get_by_id.lua "$MIN_ID" "$MAX_ID"
      RETRY=1 wrk_run "overhead-$mode-r$round-c$c" get_by_id.lua "$c" "$MIN_ID" "$MAX_ID"
      stop_service
    done
  done
  start_service
fi

# ------------------------------------------------------------ writes
if has_phase writes; then
  for c in $CONNECTIONS; do
    wrk_run "create-c$c" create.lua "$c"
  done
  # Each PATCH run gets fresh properties (version 1): WRK_THREADS pools of
  # PATCH_POOL seeded properties, after the previous run's.
  PATCH_POOL=${PATCH_POOL:-64}
  next_first=$MIN_ID
  for c in $CONNECTIONS; do
    per_thread=$(((c + WRK_THREADS - 1) / WRK_THREADS))
    ((PATCH_POOL >= per_thread)) || die "PATCH_POOL=$PATCH_POOL is below the $per_thread connections per wrk thread"
    ((next_first + WRK_THREADS * PATCH_POOL - 1 <= MAX_ID)) || die "too few seeded properties for the PATCH runs"
    wrk_run "patch-c$c" patch.lua "$c" "$next_first" "$PATCH_POOL"
    next_first=$((next_first + WRK_THREADS * PATCH_POOL))
  done
fi

# ------------------------------------------------------------ login storm
if has_phase storm; then
  c=$STORM_CONNECTIONS
  RETRY=1 wrk_run "storm-reads-alone-c$c" get_by_id.lua "$c" "$MIN_ID" "$MAX_ID"
  # The logins start first and end after the reads, so the reads are
  # measured entirely inside the storm.
  log "login storm: wrk POST /auth/token -c $STORM_LOGIN_CONNECTIONS in the background"
  storm_threads=$((STORM_LOGIN_CONNECTIONS < WRK_THREADS ? STORM_LOGIN_CONNECTIONS : WRK_THREADS))
  WRK_OUT=$OUT/wrk.jsonl WRK_LABEL=storm-logins-c$STORM_LOGIN_CONNECTIONS \
    wrk -t "$storm_threads" -c "$STORM_LOGIN_CONNECTIONS" -d "$((DURATION + 4))s" --timeout 10s --latency \
    -s "$HERE/lua/login.lua" "$BASE" >"$OUT/wrk/storm-logins.txt" &
  storm_pid=$!
  sleep 2
  wrk_run "storm-reads-during-logins-c$c" get_by_id.lua "$c" "$MIN_ID" "$MAX_ID"
  wait "$storm_pid"
  echo "{\"label\":\"storm-logins-c$STORM_LOGIN_CONNECTIONS\",\"vmrss_kib\":$(rss_kib VmRSS),\"vmhwm_kib\":$(rss_kib VmHWM)}" >>"$OUT/rss.jsonl"
fi

# ------------------------------------------------------------ logins
if has_phase login; then
  for c in $CONNECTIONS; do
    wrk_run "login-c$c" login.lua "$c"
  done
fi

# ------------------------------------------------------------ report
log "stopping realty"
cleanup
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
python3 "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
"$HERE/plot.sh" "$OUT" || log "WARNING: no plots (see above)"
log "done: $OUT/summary.md"
