#!/usr/bin/env bash
# Draws a run's plots (or compares runs): bench/plot.sh RESULTS_DIR
#                                         bench/plot.sh --compare OUT.png NAME=DIR NAME=DIR…
#                                         bench/plot.sh --ratios OUT.png BUILD=DIR BUILD=DIR…
# Installs its pinned matplotlib into target/bench-venv (PyPI) on first use,
# then runs bench/plot.py with it; see there for what is drawn.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV=$(dirname "$HERE")/target/bench-venv
MATPLOTLIB=3.9.2
if ! "$VENV/bin/python" -c "import matplotlib; assert matplotlib.__version__ == '$MATPLOTLIB'" 2>/dev/null; then
  echo "installing matplotlib $MATPLOTLIB into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "matplotlib==$MATPLOTLIB"
fi
exec "$VENV/bin/python" "$HERE/plot.py" "$@"
