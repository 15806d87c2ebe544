#!/usr/bin/env bash
# cgpath.sh LABEL PATH: instructions per request of GET PATH under callgrind
label=$1; path=$2; BIN=${BIN:-/work/main/target/release/realty}; out=/tmp/cgp/$label; rm -rf $out; mkdir -p $out
export REALTY_PROFILE=prod REALTY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/realty_bench_1000000 REALTY_LOG=warn REALTY_BIND=127.0.0.1:18082 REALTY_RATE_LIMIT_PER_SEC=0
export REALTY_TOKEN_KEY=$($BIN keygen)
valgrind --tool=callgrind --callgrind-out-file=$out/cg $BIN serve 2>/dev/null &
pid=$!
for i in $(seq 1 120); do curl -fs 127.0.0.1:18082/ready >/dev/null 2>&1 && break; sleep 1; done
wrk -t1 -c1 -d4s "http://127.0.0.1:18082$path" >/dev/null
callgrind_control -z $pid >/dev/null
wrk -t1 -c1 -d10s "http://127.0.0.1:18082$path" > $out/wrk.txt
callgrind_control -d $pid >/dev/null
kill -INT $pid; wait $pid
n=$(awk '/requests in/ {print $1}' $out/wrk.txt)
tot=$(callgrind_annotate $out/cg.1 | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
bytes=$(curl -s "http://127.0.0.1:18082$path" | wc -c)
echo "$label: $n requests, $((tot / n)) instructions a request"
