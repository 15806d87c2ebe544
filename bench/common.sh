# Sourced by bench/callgrind.sh, bench/instructions.sh and bench/cpu_split.sh,
# which measure on a database bench/run.sh seeded: the settings they share,
# the check of what they need, and the service's environment as
# bench/run.sh serves it (production profile, logs at warn).
#   PROPERTIES=10000   which seeded database (realty_bench_<PROPERTIES>)
#   PG_URL=postgres://postgres@127.0.0.1:5432
#   REALTY_BIN         the binary to measure (default: target/release/realty)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PROPERTIES=${PROPERTIES:-10000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
BIN=${REALTY_BIN:-$ROOT/target/release/realty}
DB_URL=$PG_URL/realty_bench_$PROPERTIES
export BENCH_LUA=$HERE/lua

# need TOOL…: stops unless every tool and the binary are there; then reads
# the seeded ids (MIN_ID, MAX_ID) and exports the service's settings for a
# listener on 127.0.0.1:$PORT.
need() {
  local tool
  for tool in "$@" psql curl; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
  done
  [[ -x "$BIN" ]] || { echo "no binary at $BIN (cargo build --release -p realty)" >&2; exit 1; }
  read -r MIN_ID MAX_ID < <(psql "$DB_URL" -qAtX -F ' ' -c 'SELECT min(id), max(id) FROM properties')
  export REALTY_PROFILE=prod REALTY_DATABASE_URL=$DB_URL REALTY_LOG=warn REALTY_BIND=127.0.0.1:$PORT
  REALTY_TOKEN_KEY=$("$BIN" keygen)
  export REALTY_TOKEN_KEY
}

# wait_ready SECONDS: until the service on $PORT answers /ready.
wait_ready() {
  local _
  for _ in $(seq 1 $(($1 * 5))); do
    curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "realty is not ready on port $PORT" >&2
  exit 1
}
