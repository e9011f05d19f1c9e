#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, then static checks,
# unit and contract tests, the end-to-end suites with real processes and PostgreSQL, and the
# Docker suites (the engine installed and started, the test images built, while the static checks
# run). Prints the time of each stage. OEC_SKIP_DOCKER=1 leaves the engine alone (the Docker
# suites then say why they skip); CI never sets it.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "::: $name"
  "$@"
  echo "::: $name took $((SECONDS - start)) s"
}

stage install bash scripts/setup.sh

docker_pid=""
docker_log=$(mktemp)
trap 'rm -f "$docker_log"' EXIT
if [ "${OEC_SKIP_DOCKER:-}" != 1 ]; then
  (bash scripts/docker/engine.sh && bash scripts/docker/build-images.sh) >"$docker_log" 2>&1 &
  docker_pid=$!
fi
# The engine and images, started above beside the static checks.
docker_ready() {
  [ -n "$docker_pid" ] || { echo "OEC_SKIP_DOCKER=1: engine and images not prepared"; return 0; }
  local rc=0
  wait "$docker_pid" || rc=$?
  cat "$docker_log"
  return "$rc"
}

stage static-checks bash -c 'pnpm -s typecheck && pnpm -s lint && pnpm -s depcheck'
stage docker-engine-and-images docker_ready
stage unit-and-contract pnpm -s exec vitest run --project unit --project contract
stage e2e-local pnpm -s exec vitest run --project e2e
stage e2e-faults pnpm -s test:faults
stage e2e-browser pnpm -s exec vitest run --project browser
stage e2e-docker pnpm -s exec vitest run --project docker
