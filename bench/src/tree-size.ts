// The size of a filestore, as the validating step and the agent's `inspect` measure it
// (runtime/fs-usage.ts treeSize: one lstat per file, sixteen at once) against the same walk with
// one lstat after the other (what treeSize did before), alternating, on a cached dataset's
// filestore (or `--dir`). Prints medians and the ratio (baseline / ours: above 1, ours is faster).
//
//   node bench/dist/tree-size.js --size xlarge [--runs 5] [--dir <a folder>]
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { treeSize, type TreeSize } from '@oec/agent';
import { parseSize, writeResults } from './bench-env.js';
import { cachedFilestore } from './dataset-cache.js';
import { median } from './timing.js';

/** The baseline: the same walk, each lstat awaited before the next. */
async function oneAtATime(dir: string): Promise<TreeSize> {
  const total: TreeSize = { bytes: 0, files: 0 };
  const seen = new Set<string>();
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for await (const entry of await opendir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) {
        const st = await lstat(path);
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1 && seen.has(key)) continue;
        if (st.nlink > 1) seen.add(key);
        total.bytes += st.size;
        total.files += 1;
      }
    }
  }
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string' }, runs: { type: 'string', default: '5' }, dir: { type: 'string' } } });
  const dir = values.dir ?? (await cachedFilestore(parseSize(values.size)));
  const runs = Math.max(1, Number(values.runs));
  const times = { ours: [] as number[], baseline: [] as number[] };
  let counted: TreeSize | null = null;
  for (let i = 0; i < runs; i++) {
    for (const which of i % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const)) {
      const t0 = performance.now();
      const size = which === 'ours' ? await treeSize(dir) : await oneAtATime(dir);
      times[which].push(performance.now() - t0);
      if (counted && (counted.files !== size.files || counted.bytes !== size.bytes)) throw new Error(`the two walks disagree: ${JSON.stringify([counted, size])}`);
      counted = size;
    }
  }
  const ours = median(times.ours);
  const baseline = median(times.baseline);
  const report = { dir, runs, files: counted?.files, bytes: counted?.bytes, median_ms: { ours: Math.round(ours), baseline: Math.round(baseline) }, ratio: Math.round((baseline / ours) * 100) / 100 };
  process.stdout.write(
    `${report.files} files: treeSize ${report.median_ms.ours} ms, one lstat at a time ${report.median_ms.baseline} ms (medians of ${runs}): ${report.ratio}× faster\n`,
  );
  await writeResults('tree-size', report);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
