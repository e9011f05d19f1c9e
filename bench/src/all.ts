// One command for every target of issue 15, on one generated dataset (cached: dataset-cache.ts),
// each measure over several runs with ours and the baseline alternating, medians compared:
//   same-server (product.ts: a real controller and agent, clones requested over REST, preset
//   recommended, timed to `completed`) against the expert's dump | restore + cp -al + UPDATE,
//   pgcopydb + the same, and (stopped source) createdb -T + cp -al (expert.ts); the sanitizing
//   step's share; the agent's peak RSS; the controller's progress latency under 200 REST pollers
//   + 50 tRPC subscribers during one more clone (progress.ts);
//   cross-server (cross-all.ts, two agent benches in this process): the whole clone against the
//   hand pipeline, the streams alone against their raw pipes, a re-clone after 5 % changed.
// Prints one table (all-report.ts) and writes bench/results/all-<size>.json with the machine and
// every sample. Usage:
//   node bench/dist/all.js --size tiny|small|large [--runs 3]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { withDb, envSpec } from '@oec/test/clone';
import { startLink } from './agent-link.js';
import { crossRows, formatTable, machine, sameServerRows, type SameServerSamples } from './all-report.js';
import { fillSource, never, parseSize, writeResults } from './bench-env.js';
import { runCross, sourceFacts, type CrossResult } from './cross-all.js';
import { ensureDataset } from './dataset-cache.js';
import { pgcopydbUnavailable, type ExpertRun } from './expert.js';
import { productClone, setSourceStatus, startProduct, type Product, type ProductClone } from './product.js';
import { loadProgressLoad, type ProgressLoadResult } from './progress.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, runs: { type: 'string', default: '3' } } });
const size = parseSize(values.size);
const runs = Math.max(1, Number(values.runs) || 1);
const log = (line: string) => void process.stdout.write(`${line}\n`);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

interface SameServerDetail {
  database_bytes: number;
  dataset: Product['dataset'];
  samples: SameServerSamples;
  clones: { running: ProductClone[]; stopped: ProductClone[]; stopped_recommended: ProductClone[]; loaded: ProductClone | null };
  expert_updated_rows: number[];
  /** The expert's UPDATE as it ran (first run). */
  expert_update_sql: string[];
}

async function sameServer(): Promise<SameServerDetail> {
  const p = await startProduct(size, log);
  try {
    const db = p.source.database_name;
    const database_bytes = await withDb(p.cluster, db, async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]?.n ?? 0));
    log(`source: database ${(database_bytes / 1e6).toFixed(0)} MB, filestore ${(p.dataset.files.bytes / 1e6).toFixed(0)} MB in ${p.dataset.files.count} files; ${runs} runs`);
    const s: SameServerSamples = {
      ours_running: [], expert_dump: [], pgcopydb: [], pgcopydb_missing: await pgcopydbUnavailable(),
      ours_stopped: [], ours_stopped_recommended: [], expert_template: [], sanitize_share: [], agent_peak_rss_bytes: [], progress: { missing: 'not run' },
    };
    const clones: SameServerDetail['clones'] = { running: [], stopped: [], stopped_recommended: [], loaded: null };
    const updated: number[] = [];
    let sql: string[] = [];
    const jobs = cpus().length;
    const ours = async (name: string, into: ProductClone[], samples: number[], preset: 'recommended' | 'none' = 'recommended') => {
      const c = await productClone(p, name, undefined, preset);
      into.push(c);
      samples.push(c.seconds);
      if (c.agent_peak_rss_bytes !== null) s.agent_peak_rss_bytes.push(c.agent_peak_rss_bytes);
      return c.seconds;
    };
    const expert = async (name: string, fn: () => Promise<ExpertRun>, samples: number[]) => {
      try {
        const r = await fn();
        samples.push(r.seconds);
        if (r.updated_rows) updated.push(r.updated_rows);
        if (sql.length === 0) sql = r.sql;
        return r.seconds;
      } finally {
        await p.expert.drop(name);
      }
    };
    for (let i = 0; i < runs; i++) {
      const steps: Array<[string, () => Promise<number>]> = [
        ['ours', () => ours(`run-${i}`, clones.running, s.ours_running)],
        ['expert dump', () => expert(`expert_${i}`, () => p.expert.dump(`expert_${i}`), s.expert_dump)],
        ['pgcopydb', async () => {
          if (s.pgcopydb_missing) return NaN;
          try {
            return await expert(`pgcopydb_${i}`, () => p.expert.pgcopydb(`pgcopydb_${i}`, jobs), s.pgcopydb);
          } catch (e) {
            s.pgcopydb_missing = `pgcopydb failed: ${message(e).slice(0, 300)}`;
            return NaN;
          }
        }],
      ];
      for (const [name, fn] of i % 2 === 0 ? steps : [...steps].reverse()) log(`  same-server run ${i + 1}/${runs} ${name.padEnd(12)} ${(await fn()).toFixed(2)} s`);
    }
    for (const c of clones.running) {
      const sanitizing = c.steps.sanitizing;
      if (sanitizing != null && c.operation_seconds) s.sanitize_share.push(sanitizing / c.operation_seconds);
    }
    await setSourceStatus(p, 'STOPPED');
    for (let i = 0; i < runs; i++) {
      const steps: Array<[string, () => Promise<number>]> = [
        ['ours stopped', () => ours(`stopped-${i}`, clones.stopped, s.ours_stopped, 'none')],
        ['ours stopped recommended', () => ours(`stopped-r${i}`, clones.stopped_recommended, s.ours_stopped_recommended)],
        ['template', () => expert(`template_${i}`, () => p.expert.template(`template_${i}`), s.expert_template)],
      ];
      for (const [name, fn] of i % 2 === 0 ? steps : [...steps].reverse()) log(`  stopped run ${i + 1}/${runs} ${name.padEnd(12)} ${(await fn()).toFixed(2)} s`);
    }
    await setSourceStatus(p, 'RUNNING');
    s.progress = await underLoad(p, clones);
    return { database_bytes, dataset: p.dataset, samples: s, clones, expert_updated_rows: updated, expert_update_sql: sql };
  } finally {
    await p.close();
  }
}

/** One more clone (not a timed sample) with 200 REST pollers and 50 tRPC subscribers on its progress. */
async function underLoad(p: Product, clones: SameServerDetail['clones']): Promise<SameServerSamples['progress']> {
  const loader = await loadProgressLoad();
  if ('missing' in loader) return loader;
  const ac = new AbortController();
  let load: Promise<{ ok: ProgressLoadResult } | { error: string }> = Promise.resolve({ error: 'the clone never started' });
  log('  a clone under the progress load …');
  const clone = await productClone(p, 'loaded', (operationId) => {
    load = loader
      .measure({ baseUrl: p.platform.url, token: p.platform.ownerToken, operationId, pollers: 200, subscribers: 50, signal: ac.signal })
      .then((ok) => ({ ok }), (e: unknown) => ({ error: message(e) }));
  }).finally(() => ac.abort());
  clones.loaded = clone;
  const r = await load;
  return 'ok' in r ? { result: r.ok, loaded_clone_seconds: clone.seconds } : { missing: `progress load failed: ${r.error}` };
}

async function crossServer(): Promise<CrossResult> {
  const link = await startLink();
  try {
    const a = link.a.bench;
    const spec = envSpec('production');
    const loc = await a.runtime.create(spec, never);
    await ensureDataset(size, { cluster: a.cluster, db: spec.db_name, role: spec.db_name, filestore: loc.filestore_path }, () => fillSource(a, spec, loc, size, true), log);
    await withDb(a.cluster, spec.db_name, async (c) => void (await c.query('VACUUM ANALYZE')));
    await a.runtime.start(spec, never);
    return await runCross(link, await sourceFacts(link, spec), runs, log);
  } finally {
    await link.close();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const machineBefore = machine();
  log(`all.js --size ${size} --runs ${runs}: ${machineBefore.cpus} × ${machineBefore.model}, load ${machineBefore.load_average.map((x) => x.toFixed(2)).join(' ')}`);
  log('same-server (controller + agent processes) …');
  const same = await sameServer().catch((e: unknown) => ({ error: message(e) }));
  if ('error' in same) log(`same-server part failed: ${same.error}`);
  log('cross-server (two agent benches in this process) …');
  const cross = await crossServer().catch((e: unknown) => ({ error: message(e) }));
  if ('error' in cross) log(`cross-server part failed: ${cross.error}`);
  const rows = [...sameServerRows('error' in same ? same : same.samples), ...crossRows(cross, size)];
  const table = formatTable(rows);
  log(`\n${table}\n`);
  await writeResults(`all-${size}`, {
    size,
    runs,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    machine: { before: machineBefore, after: machine() },
    rows,
    same_server: same,
    cross_server: cross,
  });
  log(`results: bench/results/all-${size}.json`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
