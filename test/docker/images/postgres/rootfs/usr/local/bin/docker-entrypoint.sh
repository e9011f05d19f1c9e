#!/bin/bash
# Entrypoint of oec/postgres:15, a subset of the official postgres image's contract:
#   POSTGRES_PASSWORD            superuser password (required unless POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER                superuser name (default postgres)
#   POSTGRES_DB                  database created on first start (default: POSTGRES_USER)
#   POSTGRES_HOST_AUTH_METHOD    auth for TCP clients (default scram-sha-256)
#   POSTGRES_INITDB_ARGS         extra initdb arguments
# The data directory is initialised on first start only; later starts keep whatever is there.
# Runs as root just long enough to own the volume, then re-executes itself as postgres.
set -Eeuo pipefail

first=${1:-}
if [ "$first" = postgres ] || [ "${first#-}" != "$first" ]; then
  [ "$first" = postgres ] || set -- postgres "$@"

  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 00700 "$PGDATA"
    chmod 03775 /var/run/postgresql
    # Only a fresh or foreign-owned directory is chowned: a restored volume keeps its files as they are.
    if [ "$(stat -c %u "$PGDATA")" != "$(id -u postgres)" ]; then chown -R postgres:postgres "$PGDATA"; fi
    chown postgres:postgres /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
  fi

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    user=${POSTGRES_USER:-postgres}
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
      echo "postgres: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
      exit 1
    fi
    pwfile=$(mktemp)
    trap 'rm -f "$pwfile"' EXIT
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    pwargs=()
    [ -z "${POSTGRES_PASSWORD:-}" ] || pwargs=(--pwfile="$pwfile")
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, like the official image
    initdb --username="$user" --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust \
      --auth-host="$auth" "${pwargs[@]}" ${POSTGRES_INITDB_ARGS:-} >/dev/null
    rm -f "$pwfile"
    trap - EXIT
    {
      echo "listen_addresses = '*'"
      echo "unix_socket_directories = '/var/run/postgresql'"
    } >>"$PGDATA/postgresql.auto.conf"
    echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"

    db=${POSTGRES_DB:-$user}
    if [ "$db" != postgres ]; then
      # A private socket directory: nobody can connect before the database exists.
      boot=$(mktemp -d)
      pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k $boot" -w start >/dev/null
      # Through stdin: psql interpolates :"db" (quoted as an identifier) only there, not in -c.
      psql -X -q -v ON_ERROR_STOP=1 -h "$boot" -U "$user" -d postgres --set db="$db" \
        <<<'CREATE DATABASE :"db";' >/dev/null
      pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
      rmdir "$boot"
    fi
    echo "postgres: initialised $PGDATA (superuser $user, auth $auth)" >&2
  fi
fi

exec "$@"
