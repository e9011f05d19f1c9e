// One SQL sanitizing run (the copy-on-write path's: personal data masked in SQL, proof by value) on
// a cached generated dataset restored into a scratch cluster; prints the sanitizer's phases and
// each option's time. Reported, never asserted.
//   node bench/dist/sanitize-profile.js --size small [--runs 1]
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { resolveSanitization } from '@oec/shared';
import { startCluster, stopCluster, clusterUrl } from '@oec/agent/postgres';
import { sanitizeDatabase } from '@oec/agent/sanitize';
import { parseSize } from './bench-env.js';
import { ensureDataset } from './dataset-cache.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: 'small' }, runs: { type: 'string', default: '1' } } });
const size = parseSize(values.size);

const dir = await mkdtemp(join(tmpdir(), 'oec-sanprof-'));
await chmod(dir, 0o755);
const cluster = await startCluster({ dir: join(dir, 'pg'), settings: process.env.PROFILE_STATEMENTS ? { log_min_duration_statement: '50' } : {} });
try {
  for (let run = 0; run < Number(values.runs); run++) {
    const admin = new pg.Client({ connectionString: clusterUrl(cluster) });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS prof');
    await admin.query('DROP ROLE IF EXISTS prof');
    await admin.query('CREATE ROLE prof LOGIN');
    await admin.query('CREATE DATABASE prof OWNER prof');
    await admin.end();
    await ensureDataset(
      size,
      { cluster, db: 'prof', role: 'prof', filestore: join(dir, 'fs') },
      () => Promise.reject(new Error(`no cached ${size} dataset: run node bench/dist/cow-all.js --size ${size} once`)),
      (l) => console.error(l),
    );
    const client = new pg.Client({ connectionString: clusterUrl(cluster, 'prof') });
    await client.connect();
    await client.query('ANALYZE');
    const t0 = performance.now();
    const out = await sanitizeDatabase(client, {
      options: resolveSanitization('recommended'),
      baseUrl: 'https://staging.example.com',
      salt: 'bench-salt',
      mode: 'create_new',
      identity: null,
      personalInStream: false,
      rules: [],
      sensitiveModels: [],
      filestore: { dir: join(dir, 'fs'), removeUnreferenced: true },
      log: (level, m) => console.error(`${level} ${m}`),
    });
    await client.end();
    console.log(JSON.stringify({ run, seconds: (performance.now() - t0) / 1000, phases: out.totals.phases_ms, options: out.results.map((r) => [r.option_key, r.duration_ms, r.affected_rows]) }, null, 1));
  }
} finally {
  if (process.env.PROFILE_STATEMENTS) console.error(`statement log: ${join(dir, 'pg', 'postgres.log')} (kept)`);
  await stopCluster(cluster);
  if (process.env.PROFILE_STATEMENTS) process.exit(0);
  await rm(dir, { recursive: true, force: true });
}
