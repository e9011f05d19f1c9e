#!/usr/bin/env bash
# The scrub's table rewrite on a snapshot, measured (decision 0020): on a loop-mounted XFS with
# reflink, a 1M-row partner-like table (3 indexes) after a masking UPDATE, rewritten by
#   A. VACUUM (FULL, ANALYZE)                                   — what cow/scrub.ts runs
#   B. INSERT … SELECT into a fresh table, indexes built after, swap, ANALYZE
# and C. instead of UPDATE + rewrite: one masked INSERT … SELECT into a fresh table,
#     D. instead of UPDATE + rewrite: ALTER TABLE … ALTER COLUMN … TYPE … USING <mask> (one rewrite
#        of the same table: oid, foreign keys and grants kept, indexes rebuilt).
# Prints psql's \timing lines per statement; run as root: bash bench/scripts/cow-rewrite.sh [rounds]
set -euo pipefail
ROUNDS=${1:-3}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
W=$(mktemp -d /tmp/oec-cow-rewrite.XXXXXX); chmod 755 "$W"
DEV=''
cleanup() {
  su postgres -c "$BIN/pg_ctl -D $W/mnt/pg/data -m fast stop" >/dev/null 2>&1 || true
  mountpoint -q "$W/mnt" && umount "$W/mnt"
  [ -n "$DEV" ] && losetup -d "$DEV"
  rm -rf "$W"
}
trap cleanup EXIT
truncate -s 3G "$W/img"
DEV=$(losetup -f --show "$W/img")
mkfs.xfs -f -q -m reflink=1 "$DEV"; mkdir "$W/mnt"; mount "$DEV" "$W/mnt"; chmod 755 "$W/mnt"
mkdir "$W/mnt/pg"; chown postgres "$W/mnt/pg"
su postgres -c "$BIN/initdb -D $W/mnt/pg/data -U postgres --auth=trust" >/dev/null
PORT=$((20000 + RANDOM % 20000))
su postgres -c "$BIN/pg_ctl -D $W/mnt/pg/data -l $W/mnt/pg/log -o '-p $PORT -k $W/mnt/pg -c max_wal_size=2GB' -w start" >/dev/null
P=(psql -X -q -h "$W/mnt/pg" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
MASK="UPDATE t SET name = 'Partner ' || id, email = 'partner' || id || '@example.com', phone = NULL, street = NULL"
setup() {
  "${P[@]}" <<'SQL'
DROP TABLE IF EXISTS t, t_new CASCADE;
CREATE TABLE t (id serial PRIMARY KEY, name text, email text, phone text, street text, city text, company_id int,
                active bool DEFAULT true, create_date timestamp DEFAULT now());
INSERT INTO t (name, email, phone, street, city, company_id)
  SELECT 'name ' || g, 'user' || g || '@example.org', '+32 4' || g, g || ' Main street', 'City ' || (g % 1000), g % 10
  FROM generate_series(1, 1000000) g;
CREATE INDEX t_email ON t (email); CREATE INDEX t_company ON t (company_id);
VACUUM ANALYZE t; CHECKPOINT;
SQL
}
swap() { # $1: the SELECT list
  cat <<SQL
\\timing on
BEGIN;
CREATE TABLE t_new (LIKE t INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO t_new SELECT $1 FROM t;
ALTER TABLE t_new ADD PRIMARY KEY (id);
CREATE INDEX t_new_email ON t_new (email); CREATE INDEX t_new_company ON t_new (company_id);
ALTER SEQUENCE t_id_seq OWNED BY t_new.id;
DROP TABLE t; ALTER TABLE t_new RENAME TO t;
ANALYZE t;
COMMIT;
SQL
}
total() { grep -o 'Time: [0-9.]*' | awk '{s += $2} END {printf "%.0f ms\n", s}'; }
for i in $(seq "$ROUNDS"); do
  echo "== round $i"
  setup; echo -n "A. UPDATE: "; "${P[@]}" -c '\timing on' -c "$MASK" | total
  echo -n "A. VACUUM (FULL, ANALYZE): "; "${P[@]}" -c '\timing on' -c 'VACUUM (FULL, ANALYZE) t' | total
  setup; echo -n "B. UPDATE: "; "${P[@]}" -c '\timing on' -c "$MASK" | total
  echo -n "B. INSERT … SELECT + indexes + swap: "; swap '*' | "${P[@]}" -f - | total
  setup; echo -n "C. masked INSERT … SELECT + indexes + swap: "
  swap "id, 'Partner ' || id, 'partner' || id || '@example.com', NULL, NULL, city, company_id, active, create_date" | "${P[@]}" -f - | total
  setup; echo -n "D. masked ALTER TABLE … TYPE … USING, ANALYZE: "
  "${P[@]}" -c '\timing on' -c "ALTER TABLE t ALTER COLUMN name TYPE text USING 'Partner ' || id,
      ALTER COLUMN email TYPE text USING 'partner' || id || '@example.com',
      ALTER COLUMN phone TYPE text USING NULL, ALTER COLUMN street TYPE text USING NULL" -c 'ANALYZE t' | total
done
