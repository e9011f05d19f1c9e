// Checks of a variant's result against the source: the row count of every table, every file
// with its size.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { rowCounts, type AgentBench } from '@oec/test/clone';

/** Every file under `dir` (relative path → size). */
export async function tree(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && rel === '') return [];
      throw e;
    });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.set(r, (await lstat(join(dir, r))).size);
    }
  };
  await walk('');
  return out;
}

export function sameTree(what: string, expected: Map<string, number>, got: Map<string, number>): void {
  const wrong = [...expected].filter(([k, v]) => got.get(k) !== v).map(([k]) => k);
  const extra = [...got.keys()].filter((k) => !expected.has(k));
  if (wrong.length || extra.length || expected.size !== got.size) {
    throw new Error(`${what}: ${got.size} files instead of ${expected.size}; missing or different: ${wrong.slice(0, 3).join(', ') || 'none'}; unexpected: ${extra.slice(0, 3).join(', ') || 'none'}`);
  }
}

export async function sameRows(what: string, expected: Record<string, number>, bench: AgentBench, db: string): Promise<void> {
  const got = await rowCounts(bench.cluster, db);
  const tables = Object.keys(expected);
  const bad = tables.filter((t) => got[t] !== expected[t]);
  if (bad.length || Object.keys(got).length !== tables.length) {
    throw new Error(`${what}: ${Object.keys(got).length} tables instead of ${tables.length}; row counts differ in ${bad.slice(0, 5).map((t) => `${t} (${got[t]} vs ${expected[t]})`).join(', ') || 'none'}`);
  }
}
