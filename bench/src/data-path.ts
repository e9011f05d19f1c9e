// The clone's two data paths (decision 0012) on the same data, alternately in one process: a whole
// same-server clone with the `recommended` preset (validate → prepare → addons → data → sanitize →
// verify, as the controller runs it; sanitize-share.ts) whose plan says `data_path: 'copy'` (every
// table COPY → row transform → COPY, the masking in the stream once planTransform returns it)
// against the same clone with `data_path: 'dump_restore'` (pg_dump | pg_restore, then the
// sanitizer's UPDATEs). The source runs and holds the generator's personal data. Each run does
// both, in an order reversed every other run; every clone's proof must pass. Reports medians of
// the whole clone, the data step (prepare + data) and the sanitize step, and copy/dump ratios
// (below 1 means the COPY path is faster). Usage:
//   node bench/dist/data-path.js [--size tiny|small|large] [--runs 3]   (or BENCH_SIZE=large)
import { parseArgs } from 'node:util';
import { envSpec, makePlan, startAgentBench } from '@oec/test/clone';
import { generateSource, never, parseSize, stopBench, writeResults } from './bench-env.js';
import { CLONE_STEPS, timedClone, type CloneSample } from './sanitize-share.js';
import { median } from './timing.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, runs: { type: 'string', default: '3' } } });
const size = parseSize(values.size);
const runs = Math.max(1, Number(values.runs));

const PATHS = ['copy', 'dump_restore'] as const;
type DataPath = (typeof PATHS)[number];

const total = (s: CloneSample): number => CLONE_STEPS.reduce((n, k) => n + s.steps[k], 0);
const dataStep = (s: CloneSample): number => s.steps.prepare + s.steps.data;

interface PathSummary {
  clone_seconds: number;
  data_seconds: number;
  sanitize_seconds: number;
  sanitizer_affected_rows: number;
  /** Medians inside the sanitize task: its own total, each applied option, each phase outside them. */
  sanitizer_ms: number;
  options_ms: Record<string, number>;
  phases_ms: Record<string, number>;
}

const applied = (s: CloneSample) => s.sanitized.results.filter((r) => !r.skipped);

/** Per key, the median over the records that have it. */
function medians(records: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, median(records.flatMap((r) => (r[k] === undefined ? [] : [r[k]])))]));
}

/** The slowest entries first, those over 10 ms. */
function slowest(ms: Record<string, number>): string {
  const shown = Object.entries(ms).filter(([, v]) => v >= 10).sort((a, b) => b[1] - a[1]);
  return shown.map(([k, v]) => `${k} ${v} ms`).join(', ') || 'none over 10 ms';
}

function summarize(samples: readonly CloneSample[]): PathSummary {
  return {
    clone_seconds: median(samples.map(total)),
    data_seconds: median(samples.map(dataStep)),
    sanitize_seconds: median(samples.map((s) => s.steps.sanitize)),
    sanitizer_affected_rows: median(samples.map((s) => s.sanitized.totals.affected_rows)),
    sanitizer_ms: median(samples.map((s) => s.sanitized.totals.duration_ms)),
    options_ms: medians(samples.map((s) => Object.fromEntries(applied(s).map((r) => [r.option_key, r.duration_ms])))),
    phases_ms: medians(samples.map((s) => s.sanitized.totals.phases_ms ?? {})),
  };
}

async function main(): Promise<void> {
  const bench = await startAgentBench();
  try {
    const { spec: source, files } = await generateSource(bench, size, { personalData: true });
    const dbBytes = (await bench.runtime.inspect(source, never)).database_bytes;
    process.stdout.write(`database ${(dbBytes / 1e6).toFixed(0)} MB, filestore ${(files.bytes / 1e6).toFixed(0)} MB in ${files.count} files; ${runs} runs\n`);

    const samples: Record<DataPath, CloneSample[]> = { copy: [], dump_restore: [] };
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? PATHS : [...PATHS].reverse();
      for (const path of order) {
        const target = envSpec(`dp-${path === 'copy' ? 'c' : 'd'}${i}`);
        const plan = makePlan(source, target, { preset: 'recommended', sourceStatus: 'RUNNING', dataPath: path });
        const clone = await timedClone(bench, plan);
        if (!clone.sanitized.proof.passed) throw new Error(`run ${i} ${path}: the sanitizer's proof failed`);
        samples[path].push(clone);
        process.stdout.write(
          `run ${i + 1} ${path.padEnd(12)} clone ${total(clone).toFixed(2)} s (data ${dataStep(clone).toFixed(2)} s, sanitize ${clone.steps.sanitize.toFixed(2)} s, ${clone.sanitized.totals.affected_rows} rows)\n`,
        );
        await bench.runtime.destroy(target, never);
      }
    }
    const copy = summarize(samples.copy);
    const dump = summarize(samples.dump_restore);
    const ratio = (k: 'clone_seconds' | 'data_seconds' | 'sanitize_seconds') => copy[k] / dump[k];
    const report = {
      size,
      runs,
      date: new Date().toISOString(),
      database_bytes: dbBytes,
      filestore_bytes: files.bytes,
      filestore_files: files.count,
      median: { copy, dump_restore: dump },
      ratio_copy_over_dump: { clone: ratio('clone_seconds'), data: ratio('data_seconds'), sanitize: ratio('sanitize_seconds') },
      samples: Object.fromEntries(
        Object.entries(samples).map(([p, xs]) => [
          p,
          xs.map((c) => ({
            steps: c.steps,
            sanitizer_ms: c.sanitized.totals.duration_ms,
            affected_rows: c.sanitized.totals.affected_rows,
            options_ms: Object.fromEntries(applied(c).map((r) => [r.option_key, r.duration_ms])),
            phases_ms: c.sanitized.totals.phases_ms ?? {},
          })),
        ]),
      ),
    };
    const row = (name: string, s: PathSummary) =>
      `${name.padEnd(13)} ${s.clone_seconds.toFixed(2).padStart(8)} s ${s.data_seconds.toFixed(2).padStart(8)} s ${s.sanitize_seconds.toFixed(2).padStart(9)} s ${String(s.sanitizer_affected_rows).padStart(9)}`;
    process.stdout.write(
      [
        '',
        'path (median)     clone       data    sanitize   UPDATEd',
        row('copy', copy),
        row('dump_restore', dump),
        `copy/dump     ${report.ratio_copy_over_dump.clone.toFixed(2).padStart(8)}x ${report.ratio_copy_over_dump.data.toFixed(2).padStart(8)}x ${report.ratio_copy_over_dump.sanitize.toFixed(2).padStart(9)}x`,
        '',
        ...[copy, dump].flatMap((s, i) => [
          `${i === 0 ? 'copy' : 'dump_restore'}: sanitizer ${s.sanitizer_ms} ms`,
          `  options: ${slowest(s.options_ms)}`,
          `  outside the options: ${slowest(s.phases_ms)}`,
        ]),
        '',
      ].join('\n'),
    );
    await writeResults(`data-path-${size}`, report);
  } finally {
    await stopBench(bench);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
