#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, then static checks,
# unit and contract tests, and the end-to-end suites with real processes and PostgreSQL.
# Prints the time of each stage.
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
stage static-checks bash -c 'pnpm -s typecheck && pnpm -s lint'
stage unit-and-contract pnpm -s exec vitest run --project unit --project contract
stage e2e-local pnpm -s exec vitest run --project e2e
