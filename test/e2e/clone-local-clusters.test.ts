// Same-server clones when the local runtime gives every environment its own PostgreSQL cluster
// (OEC_LOCAL_CLUSTERS=per_environment, the ground copy-on-write clones stand on, issue 19): into a
// new environment, whose database lands in its new cluster only, and a replace, whose work and
// retained databases live and swap in the target's cluster. Same checks as the shared-cluster
// suite (clone-presets.test.ts): every step, the proof, the guarantees, the source unchanged. And
// a restarted agent starts the clusters a reboot (or anything) stopped.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopCluster } from '@oec/agent/postgres';
import type { CloneOperation, Environment } from '@oec/shared';
import {
  clusterOf,
  createSeededSource,
  platformProjectSalt,
  seedEnvironment,
  startPlatform,
  waitFor,
  waitOperation,
  type AgentHandle,
  type Platform,
} from '../src/harness/index.js';
import { checkClone } from '../src/clone/check-clone.js';
import { configParams, dumpDigest, rowCounts, withDb } from '../src/clone/db-facts.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

describe('same-server clone with a PostgreSQL cluster per environment', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let summary: GeneratedSummary;
  let sourceDigest = '';
  let salt = '';

  beforeAll(async () => {
    platform = await startPlatform();
    a = await platform.addServer('a', { OEC_LOCAL_CLUSTERS: 'per_environment' });
    ({ source, summary, digest: sourceDigest } = await createSeededSource(platform, a));
    salt = await platformProjectSalt(platform);
  });

  afterAll(async () => {
    await platform?.close();
  });

  async function clone(body: Record<string, unknown>): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return waitOperation(platform.api, res.body.id);
  }

  /** The databases of a cluster (superuser), templates aside. */
  async function databases(env: Environment): Promise<string[]> {
    return withDb(clusterOf(env, a), 'postgres', async (db) =>
      (await db.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE NOT datistemplate ORDER BY 1')).rows.map((r) => r.d),
    );
  }

  it('clones into a new environment: its database in its own new cluster only, the proof passing', async () => {
    const op = await clone({ target: { create_new: true, environment_type: 'staging', name: 'stage' }, sanitization_preset: 'recommended' });
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const target = await checkClone({
      api: platform.api,
      op,
      preset: 'recommended',
      source,
      sourceCluster: clusterOf(source, a),
      targetCluster: (t) => clusterOf(t, a),
      summary,
      salt,
      sourceDigest,
    });
    expect(target.connection?.port).not.toBe(source.connection?.port);
    expect(await databases(target)).toEqual([target.database_name, 'postgres'].sort());
    expect(await databases(source)).toEqual([source.database_name, 'postgres'].sort());
  });

  it('replaces an environment: the new data swapped in inside its cluster, its identity kept, the source untouched', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'staging', environment_type: 'staging' });
    const staging = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(staging, { seed: 7 });
    const cluster = clusterOf(staging, a);
    const identity = await configParams(cluster, staging.database_name);
    const op = await clone({ target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' }, sanitization_preset: 'recommended' });
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    expect(op.proof?.passed).toBe(true);
    const after = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
    expect([after.status, after.connection?.port]).toEqual(['RUNNING', staging.connection?.port]);
    const params = await configParams(cluster, staging.database_name);
    expect(params['database.uuid']).toBe(identity['database.uuid']);
    expect(params['database.secret']).toBe(identity['database.secret']);
    const counts = await rowCounts(cluster, staging.database_name);
    expect(counts.res_partner).toBe((await rowCounts(clusterOf(source, a), source.database_name)).res_partner);
    // The replace's databases (work, then retained) were in the target's cluster, never the source's.
    expect((await databases(staging)).every((d) => d === 'postgres' || d.startsWith(staging.database_name))).toBe(true);
    expect(await databases(source)).toEqual([source.database_name, 'postgres'].sort());
    expect(await dumpDigest(clusterOf(source, a), source.database_name)).toBe(sourceDigest);
  });

  it('copies a stopped source into the new cluster (the template copy, streamed across clusters); a deleted environment takes its cluster along', async () => {
    expect((await platform.api.post(`/environments/${source.id}/stop`)).status).toBeLessThan(300);
    await platform.waitEnvironment(source.id, 'STOPPED');
    const op = await clone({ target: { create_new: true, environment_type: 'development', name: 'dev' }, sanitization_preset: 'none', acknowledge_risks: true });
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const logs = await platform.api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${op.id}/logs`);
    expect(logs.items.map((l) => l.message).join('\n')).toMatch(/template copy/);
    const target = await checkClone({
      api: platform.api,
      op,
      preset: 'none',
      source,
      sourceCluster: clusterOf(source, a),
      targetCluster: (t) => clusterOf(t, a),
      summary,
      salt,
      sourceDigest,
    });
    const own = clusterOf(target, a);
    const pid = Number((await readFile(join(own.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect((await platform.api.del(`/environments/${target.id}`)).status).toBe(202);
    await waitFor(async () => (await platform.api.get(`/environments/${target.id}`)).status === 404, { timeoutMs: 60_000, what: 'environment deleted' });
    expect(existsSync(join(a.dataDir, 'environments', target.id))).toBe(false);
    // Gone, or at most a zombie nobody reaped yet: no command line left.
    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).toBe('');
    expect((await platform.api.post(`/environments/${source.id}/start`)).status).toBeLessThan(300);
    await platform.waitEnvironment(source.id, 'RUNNING');
  });

  it('a restarted agent starts the environment clusters that stopped while it was down, on their ports', async () => {
    const cluster = clusterOf(source, a);
    await a.daemon.kill();
    await stopCluster(cluster);
    await expect(databases(source)).rejects.toThrow();
    await a.start();
    expect(await databases(source)).toEqual([source.database_name, 'postgres'].sort());
    expect(await dumpDigest(clusterOf(source, a), source.database_name)).toBe(sourceDigest);
    const after = await platform.api.ok<Environment>('GET', `/environments/${source.id}`);
    expect(after.connection?.port).toBe(source.connection?.port);
  });
});
