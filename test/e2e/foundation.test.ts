// Foundation end to end, with real processes and real PostgreSQL: bootstrap owner → token →
// organization and project → two servers whose agents connect → an environment created on
// server A by its agent → agent killed → server UNREACHABLE → agent restarted → RUNNING.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment, Server } from '@oec/shared';
import { startPlatform, waitFor, type AgentHandle, type Platform } from '../src/harness/index.js';

describe('foundation: controller, two agents, environment lifecycle', () => {
  let platform: Platform;
  let serverA: AgentHandle;
  let serverB: AgentHandle;
  let env: Environment;

  beforeAll(async () => {
    platform = await startPlatform();
    serverA = await platform.addServer('a');
    serverB = await platform.addServer('b');
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('registers both agents with their facts and shows them RUNNING', async () => {
    const list = await platform.api.ok<{ items: Server[] }>('GET', '/servers');
    const byId = new Map(list.items.map((s) => [s.id, s]));
    for (const handle of [serverA, serverB]) {
      const s = byId.get(handle.server.id);
      expect(s?.status).toBe('RUNNING');
      expect(s?.facts?.runtime).toBe('local');
      expect(s?.facts?.pg_version).toMatch(/^\d+/);
      expect(s?.disk?.total_bytes).toBeGreaterThan(0);
    }
    expect(byId.get(serverA.server.id)?.facts?.hostname).toBe('server-a');
  });

  it('creates an environment on server A whose database and filestore exist', async () => {
    const created = await platform.createEnvironment(serverA.server.id, {
      name: 'production',
      environment_type: 'production',
      addons: [{ kind: 'project', name: 'shop-addons' }],
    });
    expect(created.status).toBe('CREATING');
    env = await platform.waitEnvironment(created.id, 'RUNNING');
    expect(env.server_id).toBe(serverA.server.id);
    expect(env.domain).toMatch(/^production-[0-9a-f]{8}\.apps\.localhost$/);
    expect(env.filestore_path).toBeTruthy();
    expect(existsSync(env.filestore_path ?? '/nonexistent')).toBe(true);
    expect(env.filestore_path?.startsWith(serverA.dataDir)).toBe(true);
    expect(existsSync(join(serverB.dataDir, 'environments', env.id))).toBe(false);

    const conn = env.connection;
    expect(conn).toBeTruthy();
    const client = new pg.Client({ host: '127.0.0.1', port: conn?.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [
      env.database_name,
    ]);
    await client.end();
    expect(rows).toHaveLength(1);
  });

  it('marks the server UNREACHABLE when its agent dies and RUNNING when it comes back', async () => {
    await serverA.daemon.kill();
    await platform.waitServerStatus(serverA.server.id, 'UNREACHABLE');
    // The other server is unaffected.
    const b = await platform.api.ok<Server>('GET', `/servers/${serverB.server.id}`);
    expect(b.status).toBe('RUNNING');
    await serverA.start();
    await platform.waitServerStatus(serverA.server.id, 'RUNNING');
    // The environment survived the agent restart.
    const again = await platform.api.ok<Environment>('GET', `/environments/${env.id}`);
    expect(again.status).toBe('RUNNING');
  });

  it('stops, starts and destroys the environment through its agent', async () => {
    let res = await platform.api.post(`/environments/${env.id}/stop`);
    expect(res.status).toBeLessThan(300);
    await platform.waitEnvironment(env.id, 'STOPPED');
    res = await platform.api.post(`/environments/${env.id}/start`);
    expect(res.status).toBeLessThan(300);
    await platform.waitEnvironment(env.id, 'RUNNING');
    res = await platform.api.del(`/environments/${env.id}`);
    expect(res.status).toBe(202);
    await waitFor(async () => (await platform.api.get(`/environments/${env.id}`)).status === 404, {
      timeoutMs: 120_000,
      what: 'environment deleted',
    });
    expect(existsSync(join(serverA.dataDir, 'environments', env.id))).toBe(false);
  });
});
