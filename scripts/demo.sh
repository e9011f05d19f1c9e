#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs a local platform (controller, two
# agents on the local runtime, a seeded production environment). Extra arguments go to the demo
# (--size tiny|small|large, --dir DIR, --exit, --verbose, --runtime local|docker, --replicas N:
# N controller processes behind a round-robin front door, see README "Two controller replicas";
# --cow: server A on a loop-mounted XFS with reflink, its same-server clone instant, as root). With
# --runtime docker the Docker engine is installed and started and the images built first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for arg in "$@"; do
  if [ "$arg" = docker ] || [ "$arg" = --runtime=docker ]; then
    bash scripts/docker/engine.sh >/dev/null
    bash scripts/docker/build-images.sh
    break
  fi
done
exec node test/dist/scripts/demo.js "$@"
