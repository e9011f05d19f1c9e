// Instant clones against the hand pipelines (issue 19): the product on an agent whose data root is
// a loop-mounted XFS with reflink and a PostgreSQL cluster per environment (product.ts `cowMiB`),
// the cached or generated dataset. In one run, alternating, `--runs` times each:
//   ours:     a same-server clone over REST, preset `recommended`, running source, request →
//             completed (it takes the copy-on-write path: the bench fails if it did not);
//   expert:   createdb; pg_dump -Fc -Z0 | pg_restore; cp -al; the expert's UPDATE (expert.ts);
//   template: createdb -T src; cp -al, on the stopped source (nothing to sanitize), after the others.
// Prints medians and ratios (ours / baseline: below 1 we are faster) and our database + filestore
// steps (what must not grow with the data), and writes bench/results/cow-<size>.json. Several sizes
// (`--size small,large,xlarge`) run one after the other, each on a product of its own, and end with
// one table of all of them: the ratio to the expert's pipeline per size and how much the data steps
// grew from the first size listed (issue 19's targets: ≤ 0.4× on large, data steps within +20 %),
// also written to bench/results/cow-all.json.
//
// `--fs btrfs` puts the data root on a loop btrfs instead: environments' filestores are subvolumes,
// which the clone snapshots whole rather than file by file (decision 0022).
//
//   node bench/dist/cow-all.js --size small[,large,xlarge] [--runs 3] [--fs xfs|btrfs]
import { parseArgs } from 'node:util';
import type { CloneOperation } from '@oec/shared';
import { parseSize, writeResults, type BenchSize } from './bench-env.js';
import { productClone, setSourceStatus, startProduct, type ProductClone } from './product.js';
import { median } from './timing.js';

const DATA_STEPS = ['backing_up_database', 'restoring_database', 'backing_up_filestore', 'restoring_filestore'];

/**
 * The data steps' span: from the first one's start to the last one's end. On the streaming paths
 * they overlap (the span is about the longest); on the copy-on-write path the filestore follows the
 * database's snapshot (the span is about their sum).
 */
function dataSeconds(c: ProductClone): number {
  const times = DATA_STEPS.flatMap((k) => (c.step_times[k] ? [c.step_times[k]] : []));
  if (times.length === 0) return 0;
  const start = Math.min(...times.map((t) => t.started_ms));
  const end = Math.max(...times.map((t) => t.started_ms + t.seconds * 1000));
  return (end - start) / 1000;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

type Log = (line: string) => void;
type SizeReport = Awaited<ReturnType<typeof measure>>;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string' }, runs: { type: 'string', default: '3' }, fs: { type: 'string', default: 'xfs' } } });
  if (values.fs !== 'xfs' && values.fs !== 'btrfs') throw new Error(`--fs must be xfs or btrfs, not ${values.fs}`);
  const fs = values.fs;
  const sizes = (values.size ?? process.env.BENCH_SIZE ?? 'small').split(',').map((s) => parseSize(s.trim()));
  const runs = Math.max(1, Number(values.runs));
  const log: Log = (line) => void process.stdout.write(`${line}\n`);
  const reports: SizeReport[] = [];
  log(`data root: a loop ${fs}`);
  for (const size of sizes) reports.push(await measure(size, runs, fs, log));
  if (reports.length < 2) return;
  const first = reports[0]!;
  const growth = (r: SizeReport) => round((r.medians.ours_data_steps / first.medians.ours_data_steps - 1) * 100, 0);
  log('');
  log(`| size | ours, request → completed | data steps (vs ${first.size}) | sanitizing | expert pipeline + UPDATE | ours / expert | TEMPLATE + cp -al | ours / TEMPLATE |`);
  log('|---|---|---|---|---|---|---|---|');
  for (const r of reports) {
    const g = growth(r);
    log(
      `| ${r.size} | ${r.medians.ours} s | ${r.medians.ours_data_steps} s (${g >= 0 ? '+' : ''}${g} %) | ${r.medians.ours_sanitizing} s | ${r.medians.expert} s | ` +
        `${r.ratios.vs_expert}× | ${r.medians.template} s | ${r.ratios.vs_template}× |`,
    );
  }
  log(`targets: ours / expert ≤ 0.4× on large; data steps within +20 % of ${first.size}'s at every size`);
  await writeResults(fs === 'xfs' ? 'cow-all' : `cow-all-${fs}`, { filesystem: fs, sizes, runs, data_steps_growth_percent: Object.fromEntries(reports.map((r) => [r.size, growth(r)])), reports });
}

/** One size, on a product of its own: ours, the expert's pipeline and TEMPLATE, `runs` times each. */
async function measure(size: BenchSize, runs: number, fs: 'xfs' | 'btrfs', log: Log) {
  const image = { tiny: 4096, small: 8192, large: 40960, xlarge: 102400 }[size];
  const p = await startProduct(size, log, { cowMiB: image, cowFs: fs });
  try {
    const ours: ProductClone[] = [];
    const expert: number[] = [];
    const template: number[] = [];
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ['ours', 'expert'] : ['expert', 'ours'];
      for (const which of order) {
        if (which === 'ours') {
          const c = await productClone(p, `cow-${i}`);
          const logs = await p.platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${c.operation_id}/logs?limit=1000`);
          const op = await p.platform.api.ok<CloneOperation>('GET', `/clone-operations/${c.operation_id}`);
          if (op.status !== 'completed') throw new Error(`our clone ended ${op.status}: ${JSON.stringify(op.error)}`);
          if (!logs.items.some((l) => l.message.startsWith('Copy-on-write snapshot of'))) throw new Error('our clone did not take the copy-on-write path');
          ours.push(c);
          log(`ours   ${i + 1}/${runs}: ${round(c.seconds)} s (data steps ${round(dataSeconds(c))} s, sanitizing ${c.steps.sanitizing ?? '?'} s)`);
          // where the sanitizing step's time went, as its log says
          for (const l of logs.items) if (/^(In place:|Copy rewritten|Copy-on-write snapshot|sanitization committed|Filestore)/.test(l.message)) log(`         ${l.message}`);
        } else {
          const x = await p.expert.dump(`expert_${i}`);
          await p.expert.drop(`expert_${i}`);
          expert.push(x.seconds);
          log(`expert ${i + 1}/${runs}: ${round(x.seconds)} s (UPDATE ${x.updated_rows} rows)`);
        }
      }
    }
    await setSourceStatus(p, 'STOPPED');
    for (let i = 0; i < runs; i++) {
      const t = await p.expert.template(`template_${i}`);
      await p.expert.drop(`template_${i}`);
      template.push(t.seconds);
    }
    await setSourceStatus(p, 'RUNNING');
    const oursMedian = median(ours.map((c) => c.seconds));
    const report = {
      size,
      runs,
      dataset: p.dataset,
      ours_seconds: ours.map((c) => c.seconds),
      ours_data_steps_seconds: ours.map(dataSeconds),
      ours_sanitizing_seconds: ours.map((c) => c.steps.sanitizing ?? null),
      ours_steps: ours.map((c) => c.steps),
      expert_seconds: expert,
      template_seconds: template,
      medians: {
        ours: round(oursMedian),
        ours_data_steps: round(median(ours.map(dataSeconds))),
        ours_sanitizing: round(median(ours.map((c) => c.steps.sanitizing ?? 0))),
        expert: round(median(expert)),
        template: round(median(template)),
      },
      ratios: { vs_expert: round(oursMedian / median(expert)), vs_template: round(oursMedian / median(template)) },
    };
    log('');
    log(`| ${size} | ours (copy-on-write, request → completed) | expert: pg_dump -Z0 | pg_restore; cp -al; UPDATE | TEMPLATE + cp -al (stopped) |`);
    log('|---|---|---|---|');
    log(`| median s | ${report.medians.ours} (data steps ${report.medians.ours_data_steps}, sanitizing ${report.medians.ours_sanitizing}) | ${report.medians.expert} | ${report.medians.template} |`);
    log(`| ours / baseline | | ${report.ratios.vs_expert}× (target ≤ 0.4× on large) | ${report.ratios.vs_template}× |`);
    await writeResults(fs === 'xfs' ? `cow-${size}` : `cow-${fs}-${size}`, { filesystem: fs, ...report });
    return report;
  } finally {
    await p.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
