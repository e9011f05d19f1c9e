#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs a local platform (controller, two
# agents on the local runtime, a seeded production environment). Extra arguments go to the demo
# (--size tiny|small|large, --dir DIR, --exit, --verbose).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node test/dist/scripts/demo.js "$@"
