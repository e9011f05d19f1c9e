#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock, for the Docker suites.
#
# Installs Debian's docker.io (with debootstrap, which build-images.sh needs, and docker-compose,
# which drives the compose harness) when missing, then
# starts dockerd in the background when `docker info` fails. Safe to run again: every step is
# skipped when already done.
#
# Storage driver vfs by default: it works on any filesystem, including hosts whose root is itself
# an overlay (which overlay2 cannot stack on). It costs a full copy of the image per container
# (1.5-2.5 s per container create for our 255 MB images on 2 cores). Where overlay mounts work,
# OEC_DOCKER_STORAGE_DRIVER=overlay2 avoids the copies; it only applies when this script starts
# the engine, and images built under one driver are invisible under the other.
# --iptables=false: the suites reach containers by their bridge IP or from inside their network,
# so no port publishing or NAT is needed, and the host's firewall is left alone.
#
#   scripts/docker/engine.sh            install if needed, start if needed, print the server version
#
# Environment: OEC_DOCKER_STATE (default /var/lib/oec-docker-engine) holds dockerd.log/dockerd.pid;
# OEC_DOCKER_WAIT seconds to wait for the engine (default 120); OEC_DOCKER_STORAGE_DRIVER (vfs).
set -euo pipefail

STATE=${OEC_DOCKER_STATE:-/var/lib/oec-docker-engine}
WAIT=${OEC_DOCKER_WAIT:-120}
DRIVER=${OEC_DOCKER_STORAGE_DRIVER:-vfs}
LOG=$STATE/dockerd.log
PIDFILE=$STATE/dockerd.pid
SOCK=/var/run/docker.sock

say() { echo "engine: $*" >&2; }
need_root() { [ "$(id -u)" = 0 ] || { say "run as root (needed to $1)"; exit 1; }; }
# A client in /usr/local/bin may be newer than Debian's daemon; both negotiate the API version.
engine_answers() { timeout 10 docker -H "unix://$SOCK" info >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# The compose harness (test/docker/docker-compose.yml) is driven with Debian's docker-compose.
command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  need_root "install ${missing[*]}"
  # docker.io pulls in containerd, runc and tini; the suggested extras (aufs, zfs, btrfs) stay out.
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  say "installing $pkgs"
  apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  # On a systemd host the package starts docker.service, which then answers below; elsewhere
  # (containers, minimal VMs) nothing starts it, so this script does.
fi

if engine_answers; then
  say "already running"
else
  need_root "start dockerd"
  mkdir -p "$STATE"
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    say "dockerd (pid $pid) is starting; waiting"
  elif other=$(pidof dockerd 2>/dev/null || pgrep -x dockerd 2>/dev/null); then
    # Someone else's engine (a system service) that does not answer yet: never start a second one.
    pid=${other%% *}
    say "a dockerd this script did not start (pid $pid) is running; waiting for it"
  else
    # A stale pid file from a killed daemon would make dockerd refuse to start.
    rm -f /var/run/docker.pid
    say "starting dockerd with storage driver $DRIVER (log: $LOG)"
    start=$(date +%s.%N)
    # setsid: the daemon must outlive this shell and the job that ran it.
    setsid dockerd --host="unix://$SOCK" --storage-driver="$DRIVER" --iptables=false --ip6tables=false \
      --pidfile=/var/run/docker.pid >>"$LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
  fi
  deadline=$((SECONDS + WAIT))
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "dockerd exited; last lines of $LOG:"; tail -n 30 "$LOG" >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      say "no answer after ${WAIT}s; last lines of $LOG:"; tail -n 30 "$LOG" >&2; exit 1
    fi
    sleep 1
  done
  if [ -n "${start:-}" ]; then
    say "started in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')s"
  fi
fi

docker -H "unix://$SOCK" version --format '{{.Server.Version}}'
