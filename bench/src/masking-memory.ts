// What the in-stream masking holds in the agent's memory (issue 15, "Bounded resources"; decision
// 0019): on a generated dataset, the capture of the source's values (prepareStreamMasking) and then
// every public table's rows through its transform, as the COPY path runs them (without a target:
// rows are counted and dropped), in a process that does nothing else. Reports the heap and external
// memory (typed arrays, Buffers) after a full GC before and after each phase, the process's peak
// RSS, and what the capture holds.
//
//   node bench/dist/masking-memory.js --size large --dir /tmp/mm [--preset recommended]
//        [--module /path/to/agent/dist/sanitize/index.js] [--memory-mb 256] [--generate-only]
//
// The first run with a `--dir` starts a cluster there and generates the dataset (once: later runs
// reuse it); `--module` measures another build of the sanitizer (e.g. an older commit's dist).
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { copyTuning, rowTransformStream } from '@oec/agent';
import { clusterUrl, startCluster, stopCluster, type ClusterInfo } from '@oec/agent/postgres';
import type * as Sanitize from '@oec/agent/sanitize';
import { resolveSanitization, type SanitizationPreset } from '@oec/shared';
import { generateOdooDatabase } from '@oec/test';
import { parseSize } from './bench-env.js';

const SALT = 'bench-masking-memory';
const DB = 'masking_source';
const MB = 1024 * 1024;

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  g();
  g();
};
/** The JavaScript heap and the memory outside it (typed arrays, Buffers), after a full GC. */
const heap = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
const mb = (n: number): string => (n / MB).toFixed(1);

async function ensureDataset(cluster: ClusterInfo, size: ReturnType<typeof parseSize>, dir: string): Promise<void> {
  const admin = new pg.Client({ connectionString: clusterUrl(cluster) });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  if (exists) return;
  process.stdout.write(`generating a ${size} dataset with personal data …\n`);
  const c = new pg.Client({ connectionString: clusterUrl(cluster, DB) });
  await c.connect();
  await generateOdooDatabase(c, { size, seed: 42, filestoreDir: `${dir}/filestore`, personalData: true });
  await c.query('VACUUM ANALYZE');
  await c.end();
}

async function measure(url: string, sanitize: typeof Sanitize, presetName: SanitizationPreset, budget: Sanitize.MaskingBudget | undefined): Promise<void> {
  const options = resolveSanitization(presetName, {});
  const order = sanitize
    .optionsToRun(options)
    .map((o) => o.key)
    .filter((k) => sanitize.PERSONAL_OPTIONS.has(k));
  const source = new pg.Client({ connectionString: url });
  await source.connect();
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const snapshot = (await source.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
  const sessions: Sanitize.SnapshotSessions = {
    jobs: 2,
    run: async (fn) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
        return await fn(c);
      } finally {
        await c.end();
      }
    },
  };
  const h0 = heap();
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  const masker = await sanitize.prepareStreamMasking(source, { options, order, salt: SALT, sessions, ...(budget ? { budget } : {}) });
  if (!masker) throw new Error('nothing to mask');
  const captureSeconds = (Date.now() - t0) / 1000;
  const h1 = heap();
  const peakAfterCapture = peakRss();
  const tables = await source.query<{ t: string; cols: string[] }>(
    `SELECT c.relname AS t, array_agg(a.attname::text ORDER BY a.attnum) AS cols FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped GROUP BY c.oid, c.relname ORDER BY pg_table_size(c.oid) DESC`,
  );
  let rows = 0;
  const t1 = Date.now();
  for (const { t, cols } of tables.rows) {
    const transform = rowTransformStream(masker.transformFor(t, cols), cols.length);
    if (!transform) continue;
    const copy = source.query(copyStreams.to(`COPY ${pg.escapeIdentifier(t)} (${cols.map((c) => pg.escapeIdentifier(c)).join(', ')}) TO STDOUT`));
    const drop = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const b of chunk) if (b === 10) rows++;
        done();
      },
    });
    await pipeline(copy, transform, drop);
  }
  const streamSeconds = (Date.now() - t1) / 1000;
  const h2 = heap();
  await source.query('ROLLBACK');
  await source.end();
  const captured = 'captured' in masker && typeof masker.captured === 'function' ? masker.captured() : null;
  const report = {
    preset: presetName,
    budget: budget ?? 'default',
    capture_s: captureSeconds,
    stream_s: streamSeconds,
    rows_masked_tables: rows,
    leaks: masker.leaks().length,
    heap_and_external_mb: { before: mb(h0), after_capture: mb(h1), after_stream: mb(h2), held_by_capture: mb(h1 - h0), held_after_stream: mb(h2 - h0) },
    rss_mb: { before: mb(rss0), peak_after_capture: mb(peakAfterCapture), peak: mb(peakRss()) },
    captured,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { size: { type: 'string' }, dir: { type: 'string' }, preset: { type: 'string', default: 'recommended' }, module: { type: 'string' }, 'memory-mb': { type: 'string' }, stop: { type: 'boolean', default: false }, 'generate-only': { type: 'boolean', default: false } },
  });
  const size = parseSize(values.size);
  const dir = values.dir ?? `/tmp/oec-masking-memory-${size}`;
  const cluster = await startCluster({ dir: `${dir}/pg`, settings: { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' } });
  try {
    await ensureDataset(cluster, size, dir);
    // measured in a process of its own: the generator's memory is not the masking's
    if (values['generate-only']) return;
    if (values.module && !existsSync(values.module)) throw new Error(`no module at ${values.module}`);
    const sanitize = (await import(values.module ?? '@oec/agent/sanitize')) as typeof Sanitize;
    const budget = values['memory-mb'] ? copyTuning({ jobs: 2, memoryMb: Number(values['memory-mb']) }).masking : undefined;
    await measure(clusterUrl(cluster, DB), sanitize, values.preset as SanitizationPreset, budget);
  } finally {
    if (values.stop) await stopCluster(cluster);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
