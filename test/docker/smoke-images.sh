#!/usr/bin/env bash
# Checks the contract the DockerRuntime will rely on, with the images build-images.sh made:
# oec/postgres:15 initialises its volume with POSTGRES_USER/PASSWORD/DB and keeps it across a
# restart; oec/odoo-standin:17.0 reads HOST/USER/PASSWORD (odoo.conf wins), answers `odoo-bin
# --version`, and serves /web/database/selector 200 while its database answers, 503 after.
# Every object is labelled oec.test=true and removed at exit. Needs curl on the host.
#
#   test/docker/smoke-images.sh
set -euo pipefail

id=oec-smoke-$$
labels=(--label oec.test=true --label "oec.environment=$id")
say() { echo "smoke-images: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
cleanup() {
  docker rm -f -v "$id-db" "$id-odoo" >/dev/null 2>&1 || true
  docker volume rm "$id-data" >/dev/null 2>&1 || true
  docker network rm "$id" >/dev/null 2>&1 || true
}
trap cleanup EXIT

status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$1:8069/web/database/selector" || true; }
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
until_status() {
  local want=$1 ip=$2 got=
  for _ in $(seq 1 60); do
    got=$(status "$ip")
    [ "$got" = "$want" ] && return 0
    sleep 0.5
  done
  fail "health URL answered $got, expected $want"
}

t=$SECONDS
docker network create "${labels[@]}" "$id" >/dev/null
docker volume create "${labels[@]}" "$id-data" >/dev/null
docker run -d --name "$id-db" --network "$id" --network-alias db "${labels[@]}" \
  -e POSTGRES_USER=odoo -e POSTGRES_PASSWORD='s3cret pw' -e POSTGRES_DB=envdb \
  -v "$id-data:/var/lib/postgresql/data" oec/postgres:15 >/dev/null
docker run -d --name "$id-odoo" --network "$id" "${labels[@]}" \
  -e HOST=db -e USER=odoo -e PASSWORD='s3cret pw' oec/odoo-standin:17.0 odoo -d envdb >/dev/null

[ "$(docker exec "$id-odoo" odoo-bin --version)" = 'Odoo Server 17.0' ] || fail 'odoo-bin --version'
ip=$(ip_of "$id-odoo")
until_status 200 "$ip"
say "database initialised and app healthy"

# Password auth over TCP is enforced; the volume survives a restart without a second initdb.
if docker exec -e PGPASSWORD=wrong "$id-db" psql -h 127.0.0.1 -U odoo -d envdb -c 'SELECT 1' >/dev/null 2>&1; then
  fail 'a wrong password was accepted'
fi
docker exec "$id-db" psql -U odoo -d envdb -qc 'CREATE TABLE marker (id int)'
docker restart "$id-db" >/dev/null
until_status 200 "$ip"
docker exec "$id-db" psql -U odoo -d envdb -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'" | grep -qx 1 ||
  fail 'data lost across a restart'
[ "$(docker logs "$id-db" 2>&1 | grep -c 'initialised')" = 1 ] || fail 'initdb ran twice'
say "volume kept across a restart"

docker stop "$id-db" >/dev/null
until_status 503 "$ip"
say "503 while the database is down"

# odoo.conf wins over the environment, as in the official image.
docker rm -f -v "$id-odoo" >/dev/null
docker run -d --name "$id-odoo" --network "$id" "${labels[@]}" -e HOST=db \
  --entrypoint /bin/bash oec/odoo-standin:17.0 -c \
  'printf "[options]\ndb_host = nowhere.invalid\n" > /tmp/odoo.conf && ODOO_RC=/tmp/odoo.conf exec /entrypoint.sh odoo' >/dev/null
args=
for _ in $(seq 1 20); do
  args=$(docker exec "$id-odoo" ps -o args= -p 1 || true)
  case $args in *odoo*) break ;; esac
  sleep 0.5
done
case $args in *'--db_host nowhere.invalid'*) ;; *) fail "odoo.conf did not win over HOST: $args" ;; esac
say "odoo.conf wins over HOST"

say "all checks passed in $((SECONDS - t))s"
