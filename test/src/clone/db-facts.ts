// Facts about databases that clone tests compare: a digest of a plain dump (the source must stay
// byte-for-byte unchanged), row counts per table, config parameters.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { ClusterInfo } from '@oec/agent/postgres';
import type { EnvironmentSpec } from '@oec/shared';
import { envSpec, type AgentBench } from './agent-context.js';
import { generateOdooDatabase, type GeneratedSummary } from '../odoo/index.js';
import { clusterClientConfig, clusterPgEnv } from '../harness/pg-conn.js';

/** A client on a database of the cluster: TCP on 127.0.0.1, or its unix socket when `socketDir` is set. */
export async function withDb<T>(cluster: ClusterInfo, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clusterClientConfig(cluster, database));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * sha256 of `pg_dump --format=plain` of a database (schema and data). The `\restrict` and
 * `\unrestrict` lines carry a random key per dump (PostgreSQL 15.14+) and are left out. Connects
 * like withDb (PGHOST is the socket directory when `socketDir` is set).
 */
export function dumpDigest(cluster: ClusterInfo, database: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(join(cluster.binDir, 'pg_dump'), ['--format=plain', '--no-password', `--dbname=${database}`], {
      env: { ...process.env, ...clusterPgEnv(cluster) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const hash = createHash('sha256');
    let err = '';
    let partial = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (!/^\\(un)?restrict /.test(line)) hash.update(`${line}\n`);
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(hash.update(partial).digest('hex')) : reject(new Error(`pg_dump ${code}: ${err}`))));
  });
}

export async function rowCounts(cluster: ClusterInfo, database: string): Promise<Record<string, number>> {
  return withDb(cluster, database, async (c) => {
    const { rows } = await c.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    const out: Record<string, number> = {};
    for (const { t } of rows) {
      const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(t)}`);
      out[t] = r.rows[0]?.n ?? 0;
    }
    return out;
  });
}

export async function configParams(cluster: ClusterInfo, database: string): Promise<Record<string, string>> {
  return withDb(cluster, database, async (c) => {
    const { rows } = await c.query<{ key: string; value: string }>('SELECT key, value FROM ir_config_parameter');
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  });
}

/** Generate Odoo-shaped data into an environment's database as its own role. */
export async function seedSpec(
  cluster: ClusterInfo,
  spec: EnvironmentSpec,
  filestoreDir: string,
  opts: { seed?: number; omit?: string[] } = {},
): Promise<GeneratedSummary> {
  return withDb(cluster, spec.db_name, async (c) => {
    await c.query(`SET ROLE ${pg.escapeIdentifier(spec.db_name)}`);
    return generateOdooDatabase(c, { size: 'tiny', seed: opts.seed ?? 42, filestoreDir, modules: { omit: opts.omit ?? [] } });
  });
}

/**
 * The clone tests' running source: an environment `production` on the bench, seeded (tiny), with
 * one custom addon `shop_custom` in its project addons.
 */
export async function startSeededSource(bench: AgentBench): Promise<EnvironmentSpec> {
  const source = envSpec('production');
  const loc = await bench.runtime.create(source, new AbortController().signal);
  await seedSpec(bench.cluster, source, loc.filestore_path);
  const addon = join(loc.addons_path, 'project', 'shop-addons', 'shop_custom');
  await mkdir(addon, { recursive: true });
  await writeFile(join(addon, '__manifest__.py'), "{'name': 'Shop custom', 'version': '17.0.1.0'}\n", { mode: 0o640 });
  await bench.runtime.start(source, new AbortController().signal);
  return source;
}
