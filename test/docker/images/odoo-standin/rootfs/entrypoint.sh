#!/bin/bash
# The official odoo image's entrypoint, minus wait-for-psql (the stand-in serves 503 until its
# database answers, which is what a health check wants to see): database settings come from
# HOST/PORT/USER/PASSWORD (or the legacy link variables), except where odoo.conf sets them.
set -e

if [ -v PASSWORD_FILE ]; then PASSWORD="$(<"$PASSWORD_FILE")"; fi
: "${HOST:=${DB_PORT_5432_TCP_ADDR:=db}}"
: "${PORT:=${DB_PORT_5432_TCP_PORT:=5432}}"
: "${USER:=${DB_ENV_POSTGRES_USER:=${POSTGRES_USER:=odoo}}}"
: "${PASSWORD:=${DB_ENV_POSTGRES_PASSWORD:=${POSTGRES_PASSWORD:=odoo}}}"

DB_ARGS=()
check_config() {
  local param=$1 value=$2 line
  line=$(grep -E "^\s*\b${param}\b\s*=" "$ODOO_RC" | tail -n 1 || true)
  if [ -n "$line" ]; then value=$(printf '%s' "${line#*=}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e 's/["\r]//g'); fi
  DB_ARGS+=("--${param}" "${value}")
}
check_config db_host "$HOST"
check_config db_port "$PORT"
check_config db_user "$USER"
check_config db_password "$PASSWORD"

case "${1:-}" in
  -- | odoo)
    shift
    exec odoo "$@" "${DB_ARGS[@]}"
    ;;
  -*)
    exec odoo "$@" "${DB_ARGS[@]}"
    ;;
  *)
    exec "$@"
    ;;
esac
