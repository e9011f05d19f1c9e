// Copy-on-write snapshots of a running cluster on a loop-mounted XFS with reflink: the reflink
// probe, a snapshot taken while a writer commits rows (the copy equals the source at one point in
// time, amcheck clean), and the scrub after masking (no planted value left in the copy's base/ or
// pg_wal/). Needs root, losetup and mkfs.xfs; skips with the reason otherwise.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterUrl,
  maskedRewriteSql,
  probeReflink,
  scrubSnapshot,
  snapshotCluster,
  startCluster,
  startSnapshot,
  stopCluster,
  type ClusterInfo,
  type SnapshotTimings,
} from '@oec/agent/postgres';
import { findBinary, runFile } from '../harness/exec-file.js';
import { loopXfsUnavailable, mountLoopXfs, type LoopXfs } from '../harness/xfs.js';

const unavailable = loopXfsUnavailable() ?? (findBinary('filefrag') ? null : 'needs filefrag (e2fsprogs)');
if (unavailable) console.warn(`copy-on-write suite skipped: ${unavailable}`);

const TAG = `PLANTED${randomBytes(6).toString('hex')}`;
const PARTNERS = 2000;

async function withClient<T>(info: ClusterInfo, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl(info) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Commits batches of 50 rows until stopped: ids are contiguous, each batch all or nothing. */
function startWriter(info: ClusterInfo): { stop(): Promise<number> } {
  let running = true;
  let batches = 0;
  const done = withClient(info, async (c) => {
    while (running) {
      await c.query(`INSERT INTO events (payload) SELECT 'event ' || g || ' ' || md5(random()::text) FROM generate_series(1, 50) g`);
      batches++;
    }
  });
  return {
    async stop() {
      running = false;
      await done;
      return batches;
    },
  };
}

/** Files under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const bytes = Buffer.from(needle);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(bytes)) found.push(path);
  }
  return found;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe.skipIf(unavailable !== null)('copy-on-write snapshot on a loop-mounted XFS', () => {
  let base = '';
  let xfs: LoopXfs | undefined;
  let source: ClusterInfo | undefined;
  const copies: ClusterInfo[] = [];
  let partnerFile = '';

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'oec-cow-'));
    await chmod(base, 0o755);
    xfs = await mountLoopXfs(base, 1024);
    source = await startCluster({ dir: join(xfs.dir, 'source') });
    await withClient(source, async (c) => {
      await c.query('CREATE TABLE events (id bigserial PRIMARY KEY, payload text NOT NULL)');
      await c.query('CREATE INDEX events_payload ON events (payload)');
      await c.query(`CREATE TABLE partner (id serial PRIMARY KEY, name text, email text UNIQUE, note text)`);
      await c.query(
        `INSERT INTO partner (name, email, note)
         SELECT $1 || '-name-' || g, $1 || '-mail-' || g || '@example.org', repeat('n', 100) FROM generate_series(1, $2::int) g`,
        [TAG, PARTNERS],
      );
      // Masked by a rewrite of its own (maskedRewriteSql), referenced by a foreign key it keeps.
      await c.query(`CREATE TABLE contact (id serial PRIMARY KEY, email varchar(120) UNIQUE, phone text)`);
      await c.query(`CREATE TABLE ticket (id serial PRIMARY KEY, contact_id int REFERENCES contact)`);
      await c.query(
        `INSERT INTO contact (email, phone) SELECT $1 || '-contact-' || g || '@example.org', $1 || '-phone-' || g FROM generate_series(1, $2::int) g`,
        [TAG, PARTNERS],
      );
      await c.query(`INSERT INTO ticket (contact_id) SELECT g FROM generate_series(1, $1::int) g`, [PARTNERS]);
      await c.query('ALTER TABLE contact ALTER COLUMN email SET STATISTICS 10, ALTER COLUMN phone SET STATISTICS 10');
      await c.query('ANALYZE contact');
      // A small statistics target keeps the histograms short, so pg_statistic stores them as they
      // are: a longer array is pglz-compressed, and a byte scan cannot see compressed values.
      await c.query('ALTER TABLE partner ALTER COLUMN name SET STATISTICS 10, ALTER COLUMN email SET STATISTICS 10');
      await c.query('ANALYZE partner');
      const file = await c.query<{ path: string }>(`SELECT pg_relation_filepath('partner') AS path`);
      partnerFile = file.rows[0]!.path;
      await c.query('CHECKPOINT');
    });
  });

  afterAll(async () => {
    for (const copy of copies) await stopCluster(copy).catch(() => undefined);
    if (source) await stopCluster(source).catch(() => undefined);
    await xfs?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('probes reflink: available on the XFS, not on the temp directory', async () => {
    const onXfs = await probeReflink(xfs!.dir);
    expect(onXfs).toMatchObject({ available: true, filesystem: 'xfs' });
    const elsewhere = await probeReflink(base);
    expect(elsewhere.available).toBe(false);
    expect(elsewhere.reason).toMatch(/cannot clone|FICLONE/);
  });

  it('snapshots a cluster under a writer: the copy equals the source at one point, amcheck clean', async () => {
    const writer = startWriter(source!);
    const timings: SnapshotTimings[] = [];
    const starts: number[] = [];
    try {
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 3; i++) {
        const dir = join(xfs!.dir, `copy${i}`);
        const snap = await snapshotCluster({
          source: { connectionString: clusterUrl(source!) },
          sourceDataDir: source!.dataDir,
          targetDir: dir,
          label: `oec test ${i}`,
          signal: AbortSignal.timeout(60_000),
        });
        timings.push(snap.timings);
        expect(snap.walSegments.length).toBeGreaterThan(0);
        // Reflinked: the copy's file of a table nobody writes shares the source's blocks.
        const extents = await runFile('filefrag', ['-v', join(snap.dataDir, partnerFile)], 30_000);
        expect(extents).toMatch(/\bshared\b/);
        const started = await startSnapshot({ dir, signal: AbortSignal.timeout(60_000) });
        copies.push(started.cluster);
        starts.push(started.startMs);
      }
    } finally {
      const batches = await writer.stop();
      expect(batches).toBeGreaterThan(0);
    }
    const sum = (upTo: string | null) =>
      `SELECT count(*)::int AS n, coalesce(max(id), 0)::text AS max,
              md5(string_agg(id || ':' || payload, ',' ORDER BY id)) AS digest FROM events ${upTo ? 'WHERE id <= $1' : ''}`;
    let previous = 0;
    for (const copy of copies) {
      // Recovery consumed the backup's label.
      expect(existsSync(join(copy.dataDir, 'backup_label.old'))).toBe(true);
      expect(existsSync(join(copy.dataDir, 'backup_label'))).toBe(false);
      const got = await withClient(copy, (c) => c.query<{ n: number; max: string; digest: string }>(sum(null)));
      const row = got.rows[0]!;
      // The copy has whole batches, contiguous from 1: a committed prefix of the source.
      expect(row.n).toBeGreaterThan(0);
      expect(String(row.n)).toBe(row.max);
      expect(row.n % 50).toBe(0);
      // Later snapshots saw more committed batches: the writer ran through them.
      expect(row.n).toBeGreaterThan(previous);
      previous = row.n;
      const want = await withClient(source!, (c) => c.query<{ digest: string }>(sum('x'), [row.max]));
      expect(row.digest).toBe(want.rows[0]!.digest);
      // The copy writes on its own: its sequence continues past what it holds.
      await withClient(copy, (c) => c.query(`INSERT INTO events (payload) VALUES ('copy')`));
      const amcheck = await runFile(
        join(copy.binDir, 'pg_amcheck'),
        ['-h', '127.0.0.1', '-p', String(copy.port), '-U', copy.superuser, '--all', '--install-missing', '--heapallindexed'],
        60_000,
      );
      expect(amcheck.trim()).toBe('');
      const settings = await withClient(copy, (c) =>
        c.query<{ archive: string; recycle: string; slots: number }>(
          `SELECT current_setting('archive_mode') AS archive, current_setting('wal_recycle') AS recycle,
                  (SELECT count(*)::int FROM pg_replication_slots) AS slots`,
        ),
      );
      expect(settings.rows[0]).toEqual({ archive: 'off', recycle: 'off', slots: 0 });
      const log = await readFile(join(copy.dir, 'postgres.log'), 'utf8');
      expect(log).not.toMatch(/ERROR|FATAL|PANIC/);
    }
    // Each copy is a cluster of its own, with its own files (the source's stay as they were).
    expect(new Set(copies.map((c) => c.port)).size).toBe(copies.length);
    const pick = (k: keyof SnapshotTimings) => Math.round(median(timings.map((t) => t[k])));
    console.log(
      `snapshot medians of ${timings.length} (ms): backup start ${pick('startMs')}, reflink copy ${pick('copyMs')}, ` +
        `backup stop ${pick('stopMs')}, WAL ${pick('walMs')}, total ${pick('totalMs')}; start + recovery ${Math.round(median(starts))}`,
    );
  });

  it('a cancelled or refused snapshot leaves no copy, no backup and no slot on the source', async () => {
    const outcomes: string[] = [];
    for (const ms of [1, 100, 250]) {
      const dir = join(xfs!.dir, `cancelled${ms}`);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), ms);
      const attempt = snapshotCluster({
        source: { connectionString: clusterUrl(source!) },
        sourceDataDir: source!.dataDir,
        targetDir: dir,
        label: 'oec cancelled',
        signal: controller.signal,
      });
      // Fast enough to finish before the abort on some runs: then the copy is whole.
      const outcome = await attempt.then(
        () => 'done',
        (err: unknown) => (controller.signal.aborted ? 'aborted' : String(err)),
      );
      expect(['done', 'aborted']).toContain(outcome);
      outcomes.push(`${ms} ms: ${outcome}`);
      if (outcome === 'aborted') expect(existsSync(join(dir, 'data'))).toBe(false);
      else await rm(join(dir, 'data'), { recursive: true, force: true });
    }
    // A target on another filesystem is refused before the backup starts.
    const elsewhere = snapshotCluster({
      source: { connectionString: clusterUrl(source!) },
      sourceDataDir: source!.dataDir,
      targetDir: join(base, 'elsewhere'),
      label: 'oec elsewhere',
      signal: AbortSignal.timeout(60_000),
    });
    await expect(elsewhere).rejects.toThrow(/not on the filesystem/);
    expect(existsSync(join(base, 'elsewhere'))).toBe(false);
    // The backend of an ended session exits just after the client's end: poll briefly.
    let left: { slots: number; backups: number } | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await withClient(source!, (c) =>
        c.query<{ slots: number; backups: number }>(
          `SELECT (SELECT count(*)::int FROM pg_replication_slots) AS slots,
                  (SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'oec-snapshot') AS backups`,
        ),
      );
      left = r.rows[0];
      if (left?.slots === 0 && left.backups === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(left).toEqual({ slots: 0, backups: 0 });
    console.log(`cancelled snapshots: ${outcomes.join(', ')}`);
  });

  it('scrubs a masked table: no planted value left in the copy’s base/ or pg_wal/', async () => {
    const copy = copies[0];
    expect(copy).toBeDefined();
    const scan = async () => [
      ...(await filesContaining(join(copy!.dataDir, 'base'), TAG)),
      ...(await filesContaining(join(copy!.dataDir, 'pg_wal'), TAG)),
    ];
    const before = await withClient(copy!, async (c) => {
      const r = await c.query(`UPDATE partner SET name = 'Partner ' || id, email = 'partner' || id || '@example.com'`);
      expect(r.rowCount).toBe(PARTNERS);
      await c.query('CHECKPOINT');
      return scan();
    });
    // Masked, yet still on disk: dead tuples, index keys, statistics, WAL.
    expect(before.length).toBeGreaterThan(0);
    if (process.env.OEC_COW_DEBUG) console.log('before the scrub', before);
    const contact = { schema: 'public', name: 'contact' };
    const oid = async () =>
      withClient(copy!, (c) => c.query<{ oid: string }>(`SELECT 'contact'::regclass::oid::text AS oid`)).then((r) => r.rows[0]!.oid);
    const contactOid = await oid();
    await withClient(copy!, (c) =>
      c.query(
        maskedRewriteSql(contact, [
          { name: 'email', type: 'character varying(120)', using: `'contact' || id || '@example.com'` },
          { name: 'phone', type: 'text', using: 'NULL' },
        ]),
      ),
    );
    const result = await withClient(copy!, (c) => scrubSnapshot(c, [{ schema: 'public', name: 'partner' }], [contact]));
    expect(result.walSegments.length).toBeGreaterThan(0);
    expect(await scan()).toEqual([]);
    // The masked rows are all there, and the source still holds its own values.
    const counts = await withClient(copy!, (c) =>
      c.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner WHERE email LIKE 'partner%@example.com'`),
    );
    expect(counts.rows[0]!.n).toBe(PARTNERS);
    // The rewritten table is the same table: its oid, its foreign key from ticket, its unique index.
    expect(await oid()).toBe(contactOid);
    const kept2 = await withClient(copy!, (c) =>
      c.query<{ fks: number; masked: number }>(
        `SELECT (SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'ticket'::regclass AND contype = 'f') AS fks,
                (SELECT count(*)::int FROM contact WHERE email LIKE 'contact%@example.com' AND phone IS NULL) AS masked`,
      ),
    );
    expect(kept2.rows[0]).toEqual({ fks: 1, masked: PARTNERS });
    const kept = await withClient(source!, (c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner WHERE name LIKE $1`, [`${TAG}%`]));
    expect(kept.rows[0]!.n).toBe(PARTNERS);
  });
});
