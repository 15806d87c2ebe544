#!/usr/bin/env bash
# realty's benchmark, in one command: bench/run.sh
#
# Builds the release binary, creates a fresh PostgreSQL database, seeds it
# (`realty seed --properties N`), starts `realty serve` on it as in
# production (prod profile, a token key from `realty keygen`, logs at warn)
# and measures, with wrk, throughput and p50/p99 latency at 1, 16 and 64
# connections of:
#   GET /properties/{id}             random seeded ids
#   GET /properties?city=…&limit=20  random seeded city
#   POST /properties                 authenticated, one room
#   PATCH /properties/{id}           authenticated, If-Match (see lua/patch.lua)
#   POST /auth/token                 right password (argon2id: CPU bound)
# the same SQL as the two GET routes directly through pgbench (the ratio
# API req/s ÷ pgbench tps is the API's overhead over the database), reads
# alone versus reads during a login storm, the service's peak RSS (VmHWM)
# per run, the seed time, and EXPLAIN (ANALYZE) of the GET routes' SQL.
#
# Settings (environment variables):
#   PROPERTIES=10000        properties to seed (4 rooms each)
#   DURATION=10             seconds per measured point
#   CONNECTIONS="1 16 64"   concurrency levels
#   STORM_CONNECTIONS=16    reads' concurrency in the login-storm comparison
#   STORM_LOGIN_CONNECTIONS=16  logins' concurrency during the storm
#   PHASES="reads pgbench writes storm login"  what to measure (always in
#                           this order: argon2's memory stays with the
#                           process, so the login phases come last and the
#                           RSS of the others is their own; pgbench runs
#                           right after each read point, and needs reads)
#   MAX_OTHER_PCT=10 ATTEMPTS=3  a read or pgbench point during which other
#                           processes used more than 10% of the CPU is
#                           measured again, up to 3 attempts
#   PG_URL=postgres://postgres@127.0.0.1:5432  server (a role that may CREATE DATABASE)
#   DB_NAME=realty_bench_<PROPERTIES>  dropped and created afresh
#   PORT=18080              where realty listens (127.0.0.1)
#   WRK_THREADS=2           wrk and pgbench threads (at most one per connection)
#   WARMUP=2                seconds of unrecorded load before the read runs
#   POOL_SIZE               REALTY_DB_POOL_SIZE for the service (its default if unset)
#   OUT=bench/results/<UTC time>-<PROPERTIES>  where results go
#   CARGO_TARGET_DIR        as usual (default: target/)
#
# Needs: cargo, wrk, pgbench and psql (Debian: wrk, and postgresql-15 for
# PostgreSQL 15's pgbench; postgresql-client-common's wrapper picks it),
# curl, python3, GNU time (/usr/bin/time). Everything runs on this machine, against
# 127.0.0.1 only, and every load run is bounded by DURATION.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PROPERTIES=${PROPERTIES:-10000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-"1 16 64"}
STORM_CONNECTIONS=${STORM_CONNECTIONS:-16}
STORM_LOGIN_CONNECTIONS=${STORM_LOGIN_CONNECTIONS:-16}
PHASES=${PHASES:-"reads pgbench writes storm login"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB_NAME=${DB_NAME:-realty_bench_${PROPERTIES}}
PORT=${PORT:-18080}
WRK_THREADS=${WRK_THREADS:-2}
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-${PROPERTIES}}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$CARGO_TARGET_DIR/release/realty
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
  echo "settings: PROPERTIES=$PROPERTIES DURATION=$DURATION CONNECTIONS='$CONNECTIONS' PHASES='$PHASES' WRK_THREADS=$WRK_THREADS POOL_SIZE=${POOL_SIZE:-default}"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ------------------------------------------------------------ build
log "building the release binary"
(cd "$ROOT" && cargo build --release --locked -p realty)

# ------------------------------------------------------------ database
log "creating database $DB_NAME"
psql "$PG_URL/postgres" -qX -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DB_NAME\""

export REALTY_PROFILE=prod
export REALTY_DATABASE_URL=$DB_URL
export REALTY_LOG=warn
export REALTY_BIND=127.0.0.1:$PORT
REALTY_TOKEN_KEY=$("$BIN" keygen)
export REALTY_TOKEN_KEY
if [[ -n "${POOL_SIZE:-}" ]]; then export REALTY_DB_POOL_SIZE=$POOL_SIZE; fi

"$BIN" migrate
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
psql "$DB_URL" -qAtX -F ' ' -c "SELECT 'rows', (SELECT count(*) FROM properties), (SELECT count(*) FROM rooms)" \
  -c "SELECT 'size', pg_size_pretty(pg_database_size(current_database()))" >"$OUT/data.txt"
read -r _ n_properties n_rooms < <(grep '^rows' "$OUT/data.txt")
db_size=$(sed -n 's/^size //p' "$OUT/data.txt")
cat >"$OUT/seed.json" <<EOF
{"properties": $n_properties, "rooms": $n_rooms, "seed_s": $seed_s, "vacuum_analyze_s": $analyze_s, "database_size": "$db_size"}
EOF
log "$(cat "$OUT/seed.json")"

# The seeded ids, and each seeded city's key with the ids of its first page
# (what the list route returns; the pgbench list scripts bind them).
read -r MIN_ID MAX_ID < <(psql "$DB_URL" -qAtX -F ' ' -c 'SELECT min(id), max(id) FROM properties')
mapfile -t CITY_KEYS < <(psql "$DB_URL" -qAtX -c 'SELECT city_key FROM properties GROUP BY city_key ORDER BY city_key')
declare -a CITY_IDS
for k in "${!CITY_KEYS[@]}"; do
  CITY_IDS[k]=$(psql "$DB_URL" -qAtX -v key="${CITY_KEYS[k]}" <<'EOF'
SELECT '{' || string_agg(id::text, ',' ORDER BY id DESC) || '}'
FROM (SELECT id FROM properties WHERE city_key = :'key' ORDER BY id DESC LIMIT 20) AS page;
EOF
  )
done

# ------------------------------------------------------------ plans
log "EXPLAIN (ANALYZE, BUFFERS) of the GET routes' statements"
mid_id=$(((MIN_ID + MAX_ID) / 2))
psql "$DB_URL" -qX -v id="$mid_id" -v city="${CITY_KEYS[0]}" -v ids="${CITY_IDS[0]}" \
  -f "$HERE/sql/explain.sql" >"$OUT/explain.txt"
if grep -Eq 'Seq Scan on (properties|rooms)' "$OUT/explain.txt"; then
  log "WARNING: a sequential scan on properties or rooms (see $OUT/explain.txt)"
  echo '{"seq_scan": true}' >"$OUT/explain.json"
else
  echo '{"seq_scan": false}' >"$OUT/explain.json"
fi

# ------------------------------------------------------------ the service
log "starting realty on $BASE"
"$BIN" serve 2>"$OUT/realty.log" &
PID=$!
cleanup() {
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "$BASE/ready" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || die "realty exited (see $OUT/realty.log)"
  sleep 0.2
done
curl -fs "$BASE/ready" >/dev/null || die "realty is not ready (see $OUT/realty.log)"
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
  -d '{"email":"loadtest@example.com","password":"demo-password"}' |
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
# the same SQL, so that both see the same machine.
list_args=()
for k in "${!CITY_KEYS[@]}"; do
  sed "s/@K@/$k/g" "$HERE/sql/list.sql.in" >"$OUT/pgbench/list_$k.sql"
  list_args+=(-f "$OUT/pgbench/list_$k.sql" -D "city_$k=${CITY_KEYS[k]}" -D "ids_$k=${CITY_IDS[k]}")
done
if has_phase reads; then
  warm_up get_by_id.lua "$MIN_ID" "$MAX_ID"
  for c in $CONNECTIONS; do
    RETRY=1 wrk_run "get_by_id-c$c" get_by_id.lua "$c" "$MIN_ID" "$MAX_ID"
    if has_phase pgbench; then
      pgbench_run "get_by_id-c$c" "$c" -f "$HERE/sql/find.sql" -D "min_id=$MIN_ID" -D "max_id=$MAX_ID"
    fi
  done
  warm_up list_city.lua
  for c in $CONNECTIONS; do
    RETRY=1 wrk_run "list_city-c$c" list_city.lua "$c"
    if has_phase pgbench; then
      pgbench_run "list_city-c$c" "$c" "${list_args[@]}"
    fi
  done
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
log "done: $OUT/summary.md"
