#!/usr/bin/env bash
# Install the oec agent as a systemd service on a server.
#
#   install.sh --controller-url wss://ctl.example.com/agent/ws --token-file /root/oec-token \
#              [--data-dir /var/lib/oec-agent] [--peer-listen 0.0.0.0:8443] [--peer-url wss://this-host:8443]
#              [--pg-mode owned|external] [--pg-url postgresql://…]
#              [--runtime local|docker] [--local-clusters shared|per_environment]
#              [--postgres-image IMAGE] [--odoo-image IMAGE]
#              [--docker-socket /var/run/docker.sock] [--server-label LABEL] [--odoo-user UID:GID]
#              [--docker-data-on-root] [--root DIR] [--no-start]
#
# --runtime docker runs each environment as containers on this server's Docker engine: it needs
# --postgres-image (e.g. postgres:15) and --odoo-image (`{version}` becomes the environment's Odoo
# series, e.g. odoo:{version}); the unit then starts after docker.service. --docker-data-on-root
# keeps each environment's PostgreSQL data and Odoo data dir as bind mounts under the data dir
# instead of Docker volumes (OEC_DOCKER_DATA_ON_ROOT): on a data dir that clones files (below),
# same-server clones on the docker runtime are copy-on-write too.
#
# --local-clusters per_environment (runtime local) gives each environment a PostgreSQL cluster of
# its own under the data dir. Put the data dir on a filesystem that clones files and same-server
# clones become instant copy-on-write snapshots (README "Instant clones"), e.g. before installing:
#   mkfs.xfs -m reflink=1 /dev/sdX && mount /dev/sdX /var/lib/oec-agent   (and in /etc/fstab)
# or btrfs (mkfs.btrfs /dev/sdX; with btrfs-progs installed, every environment's filestore is then
# a subvolume, which a clone snapshots whole at any number of files: decision 0022).
# The agent probes it itself (a real FICLONE) and reports it in the server's facts.
#
# Writes /etc/oec-agent/agent.json (0600; keys mirror the OEC_* variables, read through
# OEC_AGENT_CONFIG) and /etc/systemd/system/oec-agent.service, then enables and starts the unit.
# The token is read from a file or from OEC_AGENT_TOKEN, never from the command line (it would
# show in `ps` and in shell history), and never printed. --root installs into another tree
# (packaging, tests) and implies --no-start.
set -euo pipefail

AGENT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT=/
START=1
CONTROLLER_URL=""
TOKEN_FILE=""
DATA_DIR=/var/lib/oec-agent
PEER_URL=""
PEER_LISTEN=""
PG_MODE=owned
PG_URL=""
RUNTIME=local
LOCAL_CLUSTERS=shared
POSTGRES_IMAGE=""
ODOO_IMAGE=""
DOCKER_SOCKET=""
SERVER_LABEL=""
ODOO_USER=""
DATA_ON_ROOT=""

die() { echo "install.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --controller-url) CONTROLLER_URL=${2:?}; shift 2 ;;
    --token-file) TOKEN_FILE=${2:?}; shift 2 ;;
    --data-dir) DATA_DIR=${2:?}; shift 2 ;;
    --peer-url) PEER_URL=${2:?}; shift 2 ;;
    --peer-listen) PEER_LISTEN=${2:?}; shift 2 ;;
    --pg-mode) PG_MODE=${2:?}; shift 2 ;;
    --pg-url) PG_URL=${2:?}; shift 2 ;;
    --runtime) RUNTIME=${2:?}; shift 2 ;;
    --local-clusters) LOCAL_CLUSTERS=${2:?}; shift 2 ;;
    --postgres-image) POSTGRES_IMAGE=${2:?}; shift 2 ;;
    --odoo-image) ODOO_IMAGE=${2:?}; shift 2 ;;
    --docker-socket) DOCKER_SOCKET=${2:?}; shift 2 ;;
    --server-label) SERVER_LABEL=${2:?}; shift 2 ;;
    --odoo-user) ODOO_USER=${2:?}; shift 2 ;;
    --docker-data-on-root) DATA_ON_ROOT=true; shift ;;
    --root) ROOT=${2:?}; START=0; shift 2 ;;
    --no-start) START=0; shift ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

[[ -n "$CONTROLLER_URL" ]] || die "--controller-url is required"
[[ "$CONTROLLER_URL" =~ ^wss?:// ]] || die "--controller-url must start with ws:// or wss://"
[[ "$DATA_DIR" = /* ]] || die "--data-dir must be an absolute path"
[[ "$PG_MODE" = owned || "$PG_MODE" = external ]] || die "--pg-mode must be owned or external"
[[ "$PG_MODE" = owned || -n "$PG_URL" ]] || die "--pg-url is required with --pg-mode external"
[[ "$RUNTIME" = local || "$RUNTIME" = docker ]] || die "--runtime must be local or docker"
[[ "$LOCAL_CLUSTERS" = shared || "$LOCAL_CLUSTERS" = per_environment ]] || die "--local-clusters must be shared or per_environment"
[[ "$LOCAL_CLUSTERS" = shared || "$RUNTIME" = local ]] || die "--local-clusters needs --runtime local"
if [[ "$RUNTIME" = docker ]]; then
  [[ -n "$POSTGRES_IMAGE" && -n "$ODOO_IMAGE" ]] || die "--runtime docker needs --postgres-image and --odoo-image"
else
  [[ -z "$POSTGRES_IMAGE$ODOO_IMAGE$DOCKER_SOCKET$SERVER_LABEL$ODOO_USER$DATA_ON_ROOT" ]] || die "docker options need --runtime docker"
fi
if [[ -n "$TOKEN_FILE" ]]; then
  [[ -r "$TOKEN_FILE" ]] || die "cannot read $TOKEN_FILE"
  TOKEN=$(tr -d '\r\n' < "$TOKEN_FILE")
else
  TOKEN=${OEC_AGENT_TOKEN:-}
fi
[[ -n "$TOKEN" ]] || die "no token: pass --token-file or set OEC_AGENT_TOKEN"
NODE=$(command -v node) || die "node (>= 20) is required"
[[ -f "$AGENT_DIR/dist/main.js" ]] || die "$AGENT_DIR/dist/main.js missing: run pnpm install && pnpm build first"

CONF_DIR="${ROOT%/}/etc/oec-agent"
UNIT="${ROOT%/}/etc/systemd/system/oec-agent.service"
install -d -m 0700 "$CONF_DIR"
install -d -m 0755 "$(dirname "$UNIT")"
install -d -m 0750 "${ROOT%/}${DATA_DIR}"

# Values reach node through the environment, never through string interpolation into code.
umask 077
OEC_I_URL="$CONTROLLER_URL" OEC_I_TOKEN="$TOKEN" OEC_I_DATA="$DATA_DIR" OEC_I_PEER="$PEER_URL" OEC_I_PEER_LISTEN="$PEER_LISTEN" \
OEC_I_PG_MODE="$PG_MODE" OEC_I_PG_URL="$PG_URL" OEC_I_RUNTIME="$RUNTIME" OEC_I_CLUSTERS="$LOCAL_CLUSTERS" OEC_I_PG_IMAGE="$POSTGRES_IMAGE" \
OEC_I_ODOO_IMAGE="$ODOO_IMAGE" OEC_I_SOCKET="$DOCKER_SOCKET" OEC_I_LABEL="$SERVER_LABEL" OEC_I_ODOO_USER="$ODOO_USER" OEC_I_DATA_ON_ROOT="$DATA_ON_ROOT" "$NODE" -e '
  const e = process.env;
  const conf = { OEC_CONTROLLER_URL: e.OEC_I_URL, OEC_AGENT_TOKEN: e.OEC_I_TOKEN, OEC_DATA_DIR: e.OEC_I_DATA, OEC_RUNTIME: e.OEC_I_RUNTIME };
  if (e.OEC_I_RUNTIME === "local") conf.OEC_PG_MODE = e.OEC_I_PG_MODE;
  if (e.OEC_I_CLUSTERS !== "shared") conf.OEC_LOCAL_CLUSTERS = e.OEC_I_CLUSTERS;
  const optional = { OEC_PEER_URL: e.OEC_I_PEER, OEC_PEER_LISTEN: e.OEC_I_PEER_LISTEN, OEC_PG_URL: e.OEC_I_PG_URL,
    OEC_DOCKER_POSTGRES_IMAGE: e.OEC_I_PG_IMAGE, OEC_DOCKER_ODOO_IMAGE: e.OEC_I_ODOO_IMAGE, OEC_DOCKER_SOCKET: e.OEC_I_SOCKET,
    OEC_DOCKER_SERVER_LABEL: e.OEC_I_LABEL, OEC_DOCKER_ODOO_USER: e.OEC_I_ODOO_USER, OEC_DOCKER_DATA_ON_ROOT: e.OEC_I_DATA_ON_ROOT };
  for (const [k, v] of Object.entries(optional)) if (v) conf[k] = v;
  process.stdout.write(JSON.stringify(conf, null, 2) + "\n");
' > "$CONF_DIR/agent.json.tmp"
chmod 0600 "$CONF_DIR/agent.json.tmp"
mv "$CONF_DIR/agent.json.tmp" "$CONF_DIR/agent.json"
umask 022

# KillMode=process: stopping or restarting the agent must not kill what it started and what
# environments need (the owned PostgreSQL cluster, app processes); they outlive the agent.
# Under the docker runtime the environments are containers the engine keeps; the agent waits for it.
AFTER=network-online.target
WANTS=network-online.target
if [[ "$RUNTIME" = docker ]]; then AFTER="$AFTER docker.service"; WANTS="$WANTS docker.service"; fi
cat > "$UNIT" <<UNIT
[Unit]
Description=oec agent (environment lifecycle and clones for the Odoo hosting control plane)
After=$AFTER
Wants=$WANTS

[Service]
Type=simple
Environment=OEC_AGENT_CONFIG=/etc/oec-agent/agent.json
ExecStart=$NODE $AGENT_DIR/dist/main.js
Restart=always
RestartSec=2
KillMode=process
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target
UNIT

echo "installed $UNIT and $CONF_DIR/agent.json (runtime $RUNTIME, data dir $DATA_DIR)"
if [[ "$START" = 1 ]]; then
  command -v systemctl >/dev/null || die "systemctl not found; start it with: OEC_AGENT_CONFIG=/etc/oec-agent/agent.json $NODE $AGENT_DIR/dist/main.js"
  systemctl daemon-reload
  systemctl enable --now oec-agent.service
  echo "oec-agent.service enabled and started"
fi
