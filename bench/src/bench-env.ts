// An agent bench with the generated source environment on it, its teardown, and where results go.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { stopAppsUnder } from '@oec/agent';
import { clusterUrl, stopCluster } from '@oec/agent/postgres';
import type { EnvironmentLocation, EnvironmentSpec } from '@oec/shared';
import { generateOdooDatabase } from '@oec/test';
import { envSpec, type AgentBench } from '@oec/test/clone';

export type BenchSize = 'tiny' | 'small' | 'large' | 'xlarge';

const SIZES: readonly BenchSize[] = ['tiny', 'small', 'large', 'xlarge'];

/** The data size: `--size`, else the BENCH_SIZE environment variable, else small; anything else is an error. */
export function parseSize(value: string | undefined): BenchSize {
  const size = value ?? process.env.BENCH_SIZE ?? 'small';
  const known = SIZES.find((s) => s === size);
  if (!known) throw new Error(`unknown size "${size}" (--size or BENCH_SIZE: ${SIZES.join(', ')})`);
  return known;
}

/** A signal that never aborts. */
export const never: AbortSignal = new AbortController().signal;

export interface GeneratedSource {
  spec: EnvironmentSpec;
  loc: EnvironmentLocation;
  files: { count: number; bytes: number };
}

/**
 * The `production` environment on the bench, filled with a generated Odoo database and filestore;
 * `personalData` also plants personal data in every catalogued table (the generator's option).
 */
export async function generateSource(bench: AgentBench, size: BenchSize, opts: { personalData?: boolean } = {}): Promise<GeneratedSource> {
  const spec = envSpec('production');
  const loc = await bench.runtime.create(spec, never);
  process.stdout.write(`generating a ${size} Odoo database and filestore${opts.personalData ? ' with personal data' : ''} …\n`);
  const files = await fillSource(bench, spec, loc, size, opts.personalData ?? false);
  return { spec, loc, files };
}

/** Fill an environment of the bench with the generator's data (seed 42), as its own role. */
export async function fillSource(bench: AgentBench, spec: EnvironmentSpec, loc: EnvironmentLocation, size: BenchSize, personalData: boolean): Promise<GeneratedSource['files']> {
  const client = new pg.Client({ connectionString: clusterUrl(bench.cluster, spec.db_name) });
  await client.connect();
  try {
    await client.query(`SET ROLE ${pg.escapeIdentifier(spec.db_name)}`);
    const summary = await generateOdooDatabase(client, { size, seed: 42, filestoreDir: loc.filestore_path, personalData });
    return summary.files;
  } finally {
    await client.end();
  }
}

/** Stop everything the bench runs and remove its directory; teardown failures are ignored. */
export async function stopBench(bench: AgentBench): Promise<void> {
  await bench.runtime.close().catch(() => undefined);
  await stopAppsUnder(bench.dir).catch(() => undefined);
  await stopCluster(bench.cluster).catch(() => undefined);
  await rm(bench.dir, { recursive: true, force: true });
}

/** Write a report to bench/results/<name>.json (below the current directory). */
export async function writeResults(name: string, report: unknown): Promise<void> {
  const outDir = join(process.cwd(), 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
}
