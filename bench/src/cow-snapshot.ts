// Copy-on-write snapshot timings (decision 0020) at a chosen size, while a writer commits on the
// source: a cluster on a loop-mounted XFS with reflink, a table of `--rows` rows (~200 MB per
// million), then `--runs` snapshots (backup start, reflink clone, backup stop, WAL, start with
// recovery, first count(*)), printed as medians. Root only; everything is removed at the end.
//   node bench/dist/cow-snapshot.js [--rows 2000000] [--runs 3] [--fsync]
// (--fsync: the copy's recovery fsyncs every file, PostgreSQL's default, instead of one syncfs.)
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { clusterUrl, snapshotCluster, startCluster, startSnapshot, stopCluster, type ClusterInfo } from '@oec/agent/postgres';
import { loopXfsUnavailable, mountLoopXfs, type LoopXfs } from '@oec/test/harness';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, runs: { type: 'string', default: '3' }, fsync: { type: 'boolean', default: false } } });
const rows = Number(values.rows);
const runs = Number(values.runs);

async function sql(info: ClusterInfo, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: clusterUrl(info) });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

const median = (xs: number[]): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN);

async function main(): Promise<void> {
  const why = loopXfsUnavailable();
  if (why) throw new Error(`cow-snapshot: ${why}`);
  const base = await mkdtemp(join(tmpdir(), 'oec-cow-bench-'));
  await chmod(base, 0o755);
  let xfs: LoopXfs | undefined;
  const clusters: ClusterInfo[] = [];
  try {
    xfs = await mountLoopXfs(base, Math.max(2048, Math.ceil((rows / 1e6) * 200 * 4)));
    const source = await startCluster({ dir: join(xfs.dir, 'source'), settings: { max_wal_size: "'2GB'" } });
    clusters.push(source);
    await sql(source, `CREATE TABLE t (id bigserial PRIMARY KEY, name text, email text, note text)`);
    await sql(source, `INSERT INTO t (name, email, note) SELECT 'name ' || g, 'user' || g || '@example.org', repeat('x', 120) FROM generate_series(1, ${rows}) g`);
    await sql(source, `CREATE INDEX t_email ON t (email)`);
    await sql(source, `VACUUM ANALYZE t`);
    await sql(source, 'CHECKPOINT');
    const size = (await sql(source, `SELECT pg_size_pretty(pg_database_size('postgres')) AS s`)).rows[0] as { s: string };

    let writing = true;
    let commits = 0;
    const writer = (async () => {
      const c = new pg.Client({ connectionString: clusterUrl(source) });
      await c.connect();
      while (writing) {
        await c.query(`INSERT INTO t (name, email, note) SELECT 'w', 'w@example.org', 'w' FROM generate_series(1, 10)`);
        commits++;
      }
      await c.end();
    })();
    const parts: Record<string, number[]> = { start: [], copy: [], stop: [], wal: [], snapshot: [], recovery: [], firstCount: [], total: [] }; // total: request to the copy's first count(*) answered
    const t0 = performance.now();
    try {
      for (let i = 0; i < runs; i++) {
        const dir = join(xfs.dir, `copy${i}`);
        const a = performance.now();
        const snap = await snapshotCluster({
          source: { connectionString: clusterUrl(source) },
          sourceDataDir: source.dataDir,
          targetDir: dir,
          label: `bench ${i}`,
          signal: AbortSignal.timeout(600_000),
        });
        const started = await startSnapshot({
          dir,
          signal: AbortSignal.timeout(600_000),
          ...(values.fsync ? { settings: { recovery_init_sync_method: "'fsync'" } } : {}),
        });
        clusters.push(started.cluster);
        const b = performance.now();
        await sql(started.cluster, 'SELECT count(*) FROM t');
        const c = performance.now();
        parts.start!.push(snap.timings.startMs);
        parts.copy!.push(snap.timings.copyMs);
        parts.stop!.push(snap.timings.stopMs);
        parts.wal!.push(snap.timings.walMs);
        parts.snapshot!.push(snap.timings.totalMs);
        parts.recovery!.push(started.startMs);
        parts.firstCount!.push(c - b);
        parts.total!.push(c - a);
        await stopCluster(started.cluster);
      }
    } finally {
      writing = false;
      await writer;
    }
    const tps = Math.round((commits / ((performance.now() - t0) / 1000)) * 10) / 10;
    console.log(`cow-snapshot: database ${size.s}, ${runs} runs, writer ${tps} commits/s (10 rows each); medians in ms:`);
    for (const [k, v] of Object.entries(parts)) console.log(`  ${k.padEnd(10)} ${median(v)}   (${v.map(Math.round).join(', ')})`);
  } finally {
    for (const c of clusters.reverse()) await stopCluster(c).catch(() => undefined);
    await xfs?.close();
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
