#!/usr/bin/env bash
# Set-up for the benchmarks only (bench/README.md), after scripts/setup.sh: Debian's pgcopydb, the
# baseline `node bench/dist/all.js` compares our same-server clone with. Not needed by the tests
# or the product; all.js reports "not measured" in its row when pgcopydb is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pgcopydb >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "bench-setup: run as root (or install pgcopydb yourself)" >&2; exit 1; }
  echo "bench-setup: installing pgcopydb"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgcopydb >/dev/null
fi
pgcopydb --version 2>/dev/null | head -1 || true
