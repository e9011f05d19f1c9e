// Generated datasets cached on disk: generating `large` takes minutes, so the first run keeps a
// `pg_dump -Fc` of the generated database and a copy of its filestore, keyed by size, seed, the
// personal data option and a hash of the generator's built code; later runs restore from it into
// the fresh source environment (as that environment's role, like the generator writes).
// The cache lives in bench/.cache/ (gitignored) or BENCH_CACHE_DIR.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterInfo } from '@oec/agent/postgres';
import type { BenchSize } from './bench-env.js';
import { proc } from './raw-pipeline.js';

/** What the generator was asked for: every cached dataset is this, at one size. */
export const DATASET_SEED = 42;

export interface DatasetMeta {
  size: BenchSize;
  seed: number;
  personal_data: true;
  generator_hash: string;
  files: { count: number; bytes: number };
  created_at: string;
}

/** Where a database and filestore go: a database owned by `role` on `cluster`, and its filestore. */
export interface DatasetTarget {
  cluster: ClusterInfo;
  db: string;
  role: string;
  filestore: string;
}

/** libpq environment of a cluster, as its superuser (unix socket when it has one). */
export function pgEnvOf(cluster: ClusterInfo): NodeJS.ProcessEnv {
  return { PGHOST: cluster.socketDir || '127.0.0.1', PGPORT: String(cluster.port), PGUSER: cluster.superuser };
}

const run = (file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> => proc(file, args, env, 'none').done;

/** sha256 of every built file of the generator (test/dist/src/odoo), so a changed generator misses the cache. */
async function generatorHash(): Promise<string> {
  const root = join(dirname(fileURLToPath(import.meta.resolve('@oec/test'))), 'odoo');
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.js')) hash.update(p.slice(root.length)).update(await readFile(p));
    }
  };
  await walk(root);
  return hash.digest('hex').slice(0, 16);
}

function cacheRoot(): string {
  return process.env.BENCH_CACHE_DIR ?? join(process.cwd(), 'bench', '.cache', 'datasets');
}

/**
 * Fill `target` with the `size` dataset: restored from the cache when it holds one, else made by
 * `generate` (which fills the target and returns its file facts) and then saved to the cache.
 */
export async function ensureDataset(
  size: BenchSize,
  target: DatasetTarget,
  generate: () => Promise<{ count: number; bytes: number }>,
  log: (line: string) => void,
): Promise<DatasetMeta & { from_cache: boolean }> {
  const { key, dir, meta } = await cachedDataset(size);
  if (meta) {
    log(`restoring the ${size} dataset from the cache (${dir}) …`);
    await restoreDataset(dir, target);
    return { ...meta, from_cache: true };
  }
  log(`generating the ${size} dataset (not cached yet: ${key}) …`);
  const files = await generate();
  const made: DatasetMeta = { size, seed: DATASET_SEED, personal_data: true, generator_hash: key, files, created_at: new Date().toISOString() };
  log(`saving it to the cache (${dir}) …`);
  await saveDataset(dir, target, made);
  return { ...made, from_cache: false };
}

/** The cache's folder for the `size` dataset of this generator, and its facts when it is there. */
async function cachedDataset(size: BenchSize): Promise<{ key: string; dir: string; meta: DatasetMeta | null }> {
  const key = `${size}-seed${DATASET_SEED}-personal-${await generatorHash()}`;
  const dir = join(cacheRoot(), key);
  const meta = await readFile(join(dir, 'meta.json'), 'utf8').then((t) => JSON.parse(t) as DatasetMeta, () => null);
  return { key, dir, meta };
}

/** The cached `size` dataset's filestore folder (read it, never write to it); fails when not cached. */
export async function cachedFilestore(size: BenchSize): Promise<string> {
  const { dir, meta } = await cachedDataset(size);
  if (!meta) throw new Error(`no cached ${size} dataset in ${dir}: run node bench/dist/dataset.js --size ${size} once`);
  return join(dir, 'filestore');
}

/** pg_dump -Fc and a copy of the filestore into a temporary folder, renamed into place when whole. */
async function saveDataset(dir: string, source: DatasetTarget, meta: DatasetMeta): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const bin = source.cluster.binDir;
    await run(join(bin, 'pg_dump'), ['-Fc', '--no-owner', '--no-acl', `--file=${join(tmp, 'db.dump')}`, `--dbname=${source.db}`], pgEnvOf(source.cluster));
    await run('cp', ['-a', '--', source.filestore, join(tmp, 'filestore')]);
    await writeFile(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Restore as the target's role (objects owned by it, as if it had made them) and copy the files in. */
async function restoreDataset(dir: string, target: DatasetTarget): Promise<void> {
  const bin = target.cluster.binDir;
  await run(
    join(bin, 'pg_restore'),
    ['--no-owner', '--no-acl', `--role=${target.role}`, '--jobs=2', '--exit-on-error', `--dbname=${target.db}`, join(dir, 'db.dump')],
    pgEnvOf(target.cluster),
  );
  await mkdir(target.filestore, { recursive: true });
  await run('cp', ['-a', '--', `${join(dir, 'filestore')}/.`, target.filestore]);
}
