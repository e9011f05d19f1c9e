// Generate a size's dataset into the cache (dataset-cache.ts) without running a bench: a scratch
// cluster, the generator (seed 42, personal data) as the database's own role, then pg_dump and a
// copy of the filestore. The benches restore it from there. Nothing is done when it is cached.
//   node bench/dist/dataset.js --size xlarge
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { clusterUrl, startCluster, stopCluster } from '@oec/agent/postgres';
import { generateOdooDatabase } from '@oec/test';
import { parseSize } from './bench-env.js';
import { DATASET_SEED, ensureDataset } from './dataset-cache.js';

const { values } = parseArgs({ options: { size: { type: 'string' } } });
const size = parseSize(values.size);
const dir = await mkdtemp(join(tmpdir(), 'oec-dataset-'));
await chmod(dir, 0o755);
const cluster = await startCluster({ dir: join(dir, 'pg') });
const filestore = join(dir, 'filestore');
try {
  const admin = new pg.Client({ connectionString: clusterUrl(cluster) });
  await admin.connect();
  await admin.query('CREATE ROLE dataset LOGIN');
  await admin.query('CREATE DATABASE dataset OWNER dataset');
  await admin.end();
  const t0 = performance.now();
  const meta = await ensureDataset(
    size,
    { cluster, db: 'dataset', role: 'dataset', filestore },
    async () => {
      const client = new pg.Client({ connectionString: clusterUrl(cluster, 'dataset') });
      await client.connect();
      try {
        await client.query('SET ROLE dataset');
        return (await generateOdooDatabase(client, { size, seed: DATASET_SEED, filestoreDir: filestore, personalData: true })).files;
      } finally {
        await client.end();
      }
    },
    (line) => console.log(line),
  );
  console.log(`${size}: ${meta.from_cache ? 'already cached' : 'generated and cached'} in ${Math.round((performance.now() - t0) / 1000)} s (${meta.files.count} files, ${meta.files.bytes} bytes)`);
} finally {
  await stopCluster(cluster);
  await rm(dir, { recursive: true, force: true });
}
