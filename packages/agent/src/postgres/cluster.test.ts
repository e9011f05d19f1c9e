import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterUrl, isRunning, startCluster, stopCluster, type ClusterInfo } from './cluster.js';

describe('startCluster', () => {
  let info: ClusterInfo | undefined;
  let dir = '';
  afterAll(async () => {
    if (info) await stopCluster(info);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('initialises, serves queries, stops and restarts on the same port', async () => {
    dir = await mkdtemp(join(tmpdir(), 'oec-cluster-test-'));
    info = await startCluster({ dir });
    const client = new pg.Client({ connectionString: clusterUrl(info) });
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    await client.end();
    expect(rows[0]?.v).toMatch(/^\d+/);
    await stopCluster(info);
    expect(await isRunning(info)).toBe(false);
    const again = await startCluster({ dir });
    expect(again.port).toBe(info.port);
    expect(await isRunning(again)).toBe(true);
  });
});
