#!/usr/bin/env bash
# Renders /docs in headless Chromium with the network closed to everything
# but the service itself, and checks that Swagger UI drew every operation and
# its Authorize button: the UI's assets must come from the binary.
# Usage: scripts/swagger-ui-check.sh [screenshot.png]
set -euo pipefail
cd "$(dirname "$0")/.."
screenshot="${1:-target/swagger-ui.png}"

if ! command -v chromium >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cargo build -q -p realty
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
REALTY_DATABASE_URL="sqlite://$work/realty.db" REALTY_BIND="127.0.0.1:$port" REALTY_LOG=warn \
    target/debug/realty serve >"$work/realty.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

# The flags keep Chromium from reaching out on its own; the proxy settings
# send any request for another host nowhere, so a CDN asset would not load.
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="127.0.0.1"
    --user-data-dir="$work/chrome" --virtual-time-budget=8000)
dom="$("${chrome[@]}" --dump-dom "http://127.0.0.1:$port/docs" 2>/dev/null)"
"${chrome[@]}" --window-size=1280,900 --screenshot="$screenshot" "http://127.0.0.1:$port/docs" >/dev/null 2>&1

operations=$(grep -o 'opblock-summary-path"' <<<"$dom" | wc -l)
echo "Swagger UI rendered $operations operations; screenshot: $screenshot"
grep -q 'btn authorize' <<<"$dom" || { echo "no Authorize button" >&2; exit 1; }
[ "$operations" -ge 25 ] || { echo "expected every operation (25), got $operations" >&2; exit 1; }
