// The controller's progress reads under load, on a whole platform (controller, one agent, real
// PostgreSQL): a same-server clone (recommended preset, running source with generated data) with
// `--pollers` REST pollers and `--subscribers` tRPC subscribers on its operation
// (progress-load.ts), and the same clone without them, alternately. Prints the latencies, the
// clone time loaded/unloaded, and what the controller's database did per clone (row updates of
// clone_operations, transactions). Usage:
//   node bench/dist/progress-bench.js [--size tiny|small] [--runs 1] [--pollers 200] [--subscribers 50]
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { CloneOperation } from '@oec/shared';
import { seedEnvironment, startPlatform, waitOperation, type Platform } from '@oec/test/harness';
import { parseSize, writeResults } from './bench-env.js';
import { measureProgressLoad, type ProgressLoadResult } from './progress-load.js';
import { median } from './timing.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    runs: { type: 'string', default: '1' },
    pollers: { type: 'string', default: '200' },
    subscribers: { type: 'string', default: '50' },
  },
});
const size = parseSize(values.size);
if (size === 'large') throw new Error('progress-bench runs on tiny or small data');
const runs = Math.max(1, Number(values.runs));
const pollers = Number(values.pollers);
const subscribers = Number(values.subscribers);

/** What the controller's PostgreSQL did meanwhile (from its statistics views). */
interface DbCounters {
  operation_row_updates: number;
  transactions: number;
}

async function dbCounters(url: string): Promise<DbCounters> {
  // Statistics reach the views up to a second after the transactions that made them.
  await new Promise((r) => setTimeout(r, 1500));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ upd: string; xacts: string }>(
      `SELECT (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'clone_operations') AS upd,
              (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()) AS xacts`,
    );
    return { operation_row_updates: Number(rows[0]?.upd ?? 0), transactions: Number(rows[0]?.xacts ?? 0) };
  } finally {
    await client.end();
  }
}

interface CloneRun {
  loaded: boolean;
  seconds: number;
  load: ProgressLoadResult | null;
  db: DbCounters;
}

async function cloneOnce(platform: Platform, sourceId: string, name: string, loaded: boolean): Promise<CloneRun> {
  const dbUrl = platform.controllerEnv.OEC_DATABASE_URL ?? '';
  const before = await dbCounters(dbUrl);
  const start = performance.now();
  const op = await platform.api.ok<CloneOperation>('POST', `/environments/${sourceId}/clone`, {
    target: { create_new: true, environment_type: 'staging', name },
    sanitization_preset: 'recommended',
  });
  const ac = new AbortController();
  const load = loaded
    ? measureProgressLoad({ baseUrl: platform.url, token: platform.ownerToken, operationId: op.id, pollers, subscribers, signal: ac.signal })
    : null;
  try {
    const done = await waitOperation(platform.api, op.id, (o) => o.status === 'completed' || o.status === 'failed' || o.status === 'cancelled', 600_000);
    if (done.status !== 'completed') throw new Error(`clone ${name} ended ${done.status}: ${JSON.stringify(done.error)}`);
  } finally {
    ac.abort();
  }
  const seconds = (performance.now() - start) / 1000;
  const result = load ? await load : null;
  const after = await dbCounters(dbUrl);
  return {
    loaded,
    seconds,
    load: result,
    db: {
      operation_row_updates: after.operation_row_updates - before.operation_row_updates,
      transactions: after.transactions - before.transactions,
    },
  };
}

async function main(): Promise<void> {
  const platform = await startPlatform();
  try {
    const a = await platform.addServer('a');
    const created = await platform.createEnvironment(a.server.id, { name: 'production', environment_type: 'production' });
    const source = await platform.waitEnvironment(created.id, 'RUNNING');
    process.stdout.write(`seeding a ${size} source …\n`);
    await seedEnvironment(source, { size, seed: 42 });

    const samples: CloneRun[] = [];
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const loaded of order) {
        const run = await cloneOnce(platform, source.id, `pb-${i}-${loaded ? 'l' : 'u'}`, loaded);
        samples.push(run);
        const l = run.load;
        process.stdout.write(
          `run ${i + 1} ${loaded ? 'loaded  ' : 'unloaded'} clone ${run.seconds.toFixed(2)} s, ${run.db.operation_row_updates} operation row updates, ${run.db.transactions} transactions` +
            (l ? `; REST ${l.rest_requests} GETs p50 ${l.rest_p50_ms} ms p99 ${l.rest_p99_ms} ms; tRPC ${l.trpc_events} events p50 ${l.trpc_p50_ms} ms p99 ${l.trpc_p99_ms} ms` : '') +
            '\n',
        );
      }
    }
    const loadedRuns = samples.filter((s) => s.loaded);
    const unloadedRuns = samples.filter((s) => !s.loaded);
    const loads = loadedRuns.flatMap((s) => (s.load ? [s.load] : []));
    const m = (f: (l: ProgressLoadResult) => number) => median(loads.map(f));
    const ratio = median(loadedRuns.map((s) => s.seconds)) / median(unloadedRuns.map((s) => s.seconds));
    const report = {
      size,
      runs,
      pollers,
      subscribers,
      date: new Date().toISOString(),
      median: {
        rest_p50_ms: m((l) => l.rest_p50_ms),
        rest_p99_ms: m((l) => l.rest_p99_ms),
        trpc_p50_ms: m((l) => l.trpc_p50_ms),
        trpc_p99_ms: m((l) => l.trpc_p99_ms),
        clone_seconds_loaded: median(loadedRuns.map((s) => s.seconds)),
        clone_seconds_unloaded: median(unloadedRuns.map((s) => s.seconds)),
      },
      clone_ratio_loaded_over_unloaded: ratio,
      samples,
    };
    process.stdout.write(
      [
        '',
        `${pollers} REST pollers + ${subscribers} tRPC subscribers, ${size}, ${runs} run(s), medians:`,
        `  REST GET   p50 ${report.median.rest_p50_ms} ms  p99 ${report.median.rest_p99_ms} ms`,
        `  tRPC event p50 ${report.median.trpc_p50_ms} ms  p99 ${report.median.trpc_p99_ms} ms`,
        `  clone ${report.median.clone_seconds_loaded.toFixed(2)} s loaded / ${report.median.clone_seconds_unloaded.toFixed(2)} s unloaded = ${ratio.toFixed(2)}x`,
        '',
      ].join('\n'),
    );
    await writeResults(`progress-${size}`, report);
  } finally {
    await platform.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
