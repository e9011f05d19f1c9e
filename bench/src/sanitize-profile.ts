// One sanitizing run on a cached generated dataset restored into a scratch cluster; prints the
// sanitizer's phases and each option's time. Reported, never asserted. `--in-place`: as the
// copy-on-write path sanitizes (the rows masked in place by the in-stream sanitizers, then the SQL
// pass for the rest, then the scrub's rewrite); without it, the SQL path (UPDATE, proof by value in SQL).
//   node [--cpu-prof] bench/dist/sanitize-profile.js --size small [--runs 1] [--in-place]
// PROFILE_STATEMENTS=1 keeps PostgreSQL's log of statements over 50 ms; PROFILE_FPW_OFF=1 runs the
// scratch cluster with full_page_writes off (what the WAL's full-page images cost the writes);
// PROFILE_WAL_MINIMAL=1 with wal_level minimal (what WAL costs the rewrite and the index builds).
import { execFile } from 'node:child_process';
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { resolveSanitization } from '@oec/shared';
import { startCluster, stopCluster, clusterUrl } from '@oec/agent/postgres';
import { copyTuning, maskSnapshot, type TaskContext } from '@oec/agent';
import { scrubSnapshot, type ClusterInfo, type TableName } from '@oec/agent/postgres';
import { sanitizeDatabase } from '@oec/agent/sanitize';
import type { ClonePlan } from '@oec/shared';
import { mountLoopXfs } from '@oec/test/harness';
import { parseSize } from './bench-env.js';
import { ensureDataset } from './dataset-cache.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: 'small' }, runs: { type: 'string', default: '1' }, 'in-place': { type: 'boolean', default: false } } });
const size = parseSize(values.size);

const dir = await mkdtemp(join(tmpdir(), 'oec-sanprof-'));
await chmod(dir, 0o755);
// PROFILE_LOOP_XFS=buffered|direct|shared: the cluster on a loop-mounted XFS, as cow-all's clones
// are (shared: its data files reflinked from a copy kept beside them, before each run)
const loop = process.env.PROFILE_LOOP_XFS ? await mountLoopXfs(dir, 16 * 1024, join(dir, 'pg'), { directIo: process.env.PROFILE_LOOP_XFS === 'direct' }) : null;
const cluster = await startCluster({ dir: join(dir, 'pg'), settings: { ...(values['in-place'] ? { wal_recycle: 'off' } : {}), ...(process.env.PROFILE_STATEMENTS ? { log_min_duration_statement: '50' } : {}), ...(process.env.PROFILE_FPW_OFF ? { full_page_writes: 'off' } : {}), ...(process.env.PROFILE_WAL_MINIMAL ? { wal_level: 'minimal', max_wal_senders: '0' } : {}) } });
try {
  for (let run = 0; run < Number(values.runs); run++) {
    const admin = new pg.Client({ connectionString: clusterUrl(cluster) });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS prof');
    await admin.query('DROP ROLE IF EXISTS prof');
    await admin.query('CREATE ROLE prof LOGIN');
    await admin.query('CREATE DATABASE prof OWNER prof');
    await admin.end();
    await ensureDataset(
      size,
      { cluster, db: 'prof', role: 'prof', filestore: join(dir, 'fs') },
      () => Promise.reject(new Error(`no cached ${size} dataset: run node bench/dist/cow-all.js --size ${size} once`)),
      (l) => console.error(l),
    );
    if (process.env.PROFILE_LOOP_XFS === 'shared') {
      // the data files' blocks shared with a reflink copy kept beside them, as a copy-on-write
      // clone's are with production's: every first write to a block copies it
      await stopCluster(cluster);
      await rm(join(dir, 'pg', 'shared'), { recursive: true, force: true });
      await promisify(execFile)('cp', ['-a', '--reflink=always', join(dir, 'pg', 'data'), join(dir, 'pg', 'shared')]);
      await startCluster({ dir: join(dir, 'pg'), port: cluster.port });
    }
    const client = new pg.Client({ connectionString: clusterUrl(cluster, 'prof') });
    await client.connect();
    await client.query('ANALYZE');
    const t0 = performance.now();
    const inPlace = values['in-place'] ? await maskInPlaceOf(cluster, 'prof') : null;
    const t1 = performance.now();
    const out = await sanitizeDatabase(client, {
      options: resolveSanitization('recommended'),
      baseUrl: 'https://staging.example.com',
      salt: 'bench-salt',
      mode: 'create_new',
      identity: null,
      personalInStream: inPlace !== null,
      rules: [],
      sensitiveModels: [],
      filestore: { dir: join(dir, 'fs'), removeUnreferenced: true },
      log: (level, m) => console.error(`${level} ${m}`),
    });
    // as the copy-on-write path ends sanitizing: the tables written rewritten, the old WAL purged
    const t2 = performance.now();
    if (inPlace) {
      // as the product's scrub: a second session rewrites tables beside this one
      const second = new pg.Client({ connectionString: clusterUrl(cluster, 'prof') });
      await second.connect();
      try {
        await scrubSnapshot(client, [...new Map([...inPlace.tables, ...out.written_tables].map((t) => [`${t.schema}.${t.name}`, t])).values()], [], [second]);
      } finally {
        await second.end();
      }
    }
    const scrubSeconds = inPlace ? (performance.now() - t2) / 1000 : null;
    await client.end();
    console.log(JSON.stringify({ run, seconds: (performance.now() - t0) / 1000, in_place_seconds: inPlace ? (t1 - t0) / 1000 : null, scrub_seconds: scrubSeconds, in_place: inPlace?.summary ?? null, phases: out.totals.phases_ms, options: out.results.map((r) => [r.option_key, r.duration_ms, r.affected_rows]) }, null, 1));
  }
} finally {
  if (process.env.PROFILE_STATEMENTS) console.error(`statement log: ${join(dir, 'pg', 'postgres.log')} (kept)`);
  await stopCluster(cluster);
  if (!process.env.PROFILE_STATEMENTS) await loop?.close();
  if (!process.env.PROFILE_STATEMENTS) await rm(dir, { recursive: true, force: true });
}

/** The copy-on-write path's in-place pass on `db`, with the task context it needs and nothing more. */
async function maskInPlaceOf(cluster: ClusterInfo, db: string): Promise<{ summary: unknown; tables: TableName[] }> {
  const withDatabase = async <T>(name: string, fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: clusterUrl(cluster, name) });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const ctx = {
    signal: new AbortController().signal,
    runtime: { withDatabase },
    log: (_level: string, m: string) => console.error(m),
    progress: () => undefined,
  } as unknown as TaskContext;
  const plan = {
    work_db: db,
    source: { db_name: db },
    sanitization: { options: resolveSanitization('recommended'), salt: 'bench-salt' },
    custom_rules: [],
    sensitive_models: [],
  } as unknown as ClonePlan;
  const { result } = await maskSnapshot(plan, ctx, copyTuning());
  return { summary: { ...result, written: result.written.length }, tables: result.written };
}
