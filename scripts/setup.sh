#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine with Node.js 20 and builds it:
# PostgreSQL 15 server binaries (no cluster is started: tests and the demo start their own),
# chromium (the dashboard's browser tests), pnpm 10, the workspace dependencies; the build
# includes the dashboard. Safe to run again: each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() { [ "$(id -u)" = 0 ] || { echo "setup: run as root (or install $1 yourself)" >&2; exit 1; }; }

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v pg_dump >/dev/null; then
  need_root postgresql-15
  echo "setup: installing PostgreSQL 15"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
  # The package starts a cluster on 5432; we never use it, and it only costs memory.
  if command -v pg_ctlcluster >/dev/null; then pg_ctlcluster 15 main stop 2>/dev/null || true; fi
fi
if ! id postgres >/dev/null 2>&1; then
  need_root "a postgres user"; useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi
# tar and zstd for clone streams, openssl for each agent's peer certificate, ip (iproute2) for the
# cross-server suite's network namespaces, mkfs.xfs (xfsprogs) for the copy-on-write suite's
# loop-mounted XFS with reflink (filefrag, from e2fsprogs, shows its shared blocks), mkfs.btrfs and
# btrfs (btrfs-progs) for the suites whose filestores are btrfs subvolumes, snapshotted whole.
for pair in tar:tar zstd:zstd openssl:openssl ip:iproute2 mkfs.xfs:xfsprogs filefrag:e2fsprogs mkfs.btrfs:btrfs-progs; do
  tool=${pair%%:*} package=${pair#*:}
  if ! command -v "$tool" >/dev/null; then
    need_root "$package"; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  fi
done

# Debian's chromium for the dashboard's browser suite (driven by playwright-core; no browser
# download).
if ! command -v chromium >/dev/null; then
  need_root chromium
  echo "setup: installing chromium"
  apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v pnpm >/dev/null || [ "$(pnpm --version | cut -d. -f1)" != 10 ]; then
  echo "setup: installing pnpm 10"
  npm install -g pnpm@10 >/dev/null 2>&1
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm -s build
