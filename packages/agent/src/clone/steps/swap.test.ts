// The replace swap's journal with a recording runtime: a copy-on-write replace swaps clusters
// (never database names), in or back as the journal says, and its cleanup drops the second
// cluster by the work database's name; the other paths still swap database names.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSanitization, type ClonePlan, type EnvironmentRef } from '@oec/shared';
import { createLogger } from '../../logger.js';
import { envLayout, envLocation } from '../../runtime/layout.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { TaskContext } from '../../tasks/types.js';
import { clonePaths } from '../context.js';
import { cleanup } from './cleanup.js';
import { readJournal, swap, swapBack, writeJournal } from './swap.js';

const OP = 'a1b2c3d4-0000-4000-8000-000000000001';
const SRC = { environment_id: '11111111-1111-4111-8111-111111111111', db_name: 'oec_11111111111141118111111111111111' };
const DST = { environment_id: '22222222-2222-4222-8222-222222222222', db_name: 'oec_22222222222242228222222222222222' };

function plan(dataPath: ClonePlan['data_path']): ClonePlan {
  return {
    operation_id: OP,
    mode: 'replace',
    source: { ...SRC, status: 'RUNNING' },
    target: { ...DST, name: 'staging', domain: 'staging.example.com', odoo_version: '17.0', addons: [] },
    work_db: `${DST.db_name}_na1b2c3d4`,
    retained_db: `${DST.db_name}_oa1b2c3d4`,
    target_running: true,
    include_filestore: true,
    compress: false,
    servers: null,
    donors: [],
    data_path: dataPath,
    sanitization: { preset: 'recommended', options: resolveSanitization('recommended'), base_url: 'https://staging.example.com', salt: 's'.repeat(32) },
  };
}

let dataDir = '';
let calls: string[];

function ctx(): TaskContext {
  const runtime: Partial<Runtime> = {
    kind: 'local',
    locate: (ref: EnvironmentRef) => envLocation(envLayout(dataDir, ref), ref, { host: '127.0.0.1', port: 5432 }),
    stop: async () => void calls.push('stop'),
    start: async () => void calls.push('start'),
    appStatus: async () => ({ running: false, url: null, healthy: false }),
    databaseExists: async (name) => (calls.push(`exists ${name}`), true),
    dropDatabase: async (name) => void calls.push(`drop ${name}`),
    swapDatabases: async (current, next, retained) => void calls.push(`swapDatabases ${current} ${next} ${retained}`),
    swapClusters: async (_t, next, retained, direction) => void calls.push(`swapClusters ${direction} ${next} ${retained}`),
  };
  return {
    taskId: '00000000-0000-4000-8000-00000000000f',
    kind: 'clone.verify',
    signal: new AbortController().signal,
    fence: { operation_id: OP, attempt: 1 },
    runtime: runtime as Runtime,
    logger: createLogger('silent'),
    progress: () => undefined,
    log: () => undefined,
  };
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oec-swap-'));
  await mkdir(envLayout(dataDir, DST).root, { recursive: true });
  calls = [];
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the replace swap', () => {
  it('copy-on-write: swaps the clusters in, then back as the journal says, the filestore with them', async () => {
    const p = plan('cow');
    const c = ctx();
    const paths = clonePaths(c, p);
    await mkdir(paths.targetFilestore, { recursive: true });
    await writeFile(join(paths.targetFilestore, 'old'), 'old');
    await mkdir(paths.workFilestore, { recursive: true });
    await writeFile(join(paths.workFilestore, 'new'), 'new');
    await writeJournal(paths.journal, { state: 'prepared' });
    expect(await swapBack(p, c)).toBe(false);
    expect(calls).toEqual([]);

    await swap(p, c);
    expect(calls).toEqual(['stop', `swapClusters in ${p.work_db} ${p.retained_db}`]);
    expect(await readJournal(paths.journal)).toBe('swapped');
    expect(await readdir(paths.targetFilestore)).toEqual(['new']);
    expect(await readdir(paths.retainedFilestore ?? '')).toEqual(['old']);

    calls = [];
    expect(await swapBack(p, c)).toBe(true);
    expect(calls).toEqual(['stop', `swapClusters back ${p.work_db} ${p.retained_db}`]);
    expect(await readJournal(paths.journal)).toBe('swapped_back');
    expect(await readdir(paths.targetFilestore)).toEqual(['old']);
  });

  it("copy-on-write: a killed swap ('swapping') is undone by the cleanup, which drops the second cluster by name", async () => {
    const p = plan('cow');
    const c = ctx();
    await writeJournal(clonePaths(c, p).journal, { state: 'swapping' });
    const out = await cleanup({ ...p, keep_target: false }, c);
    expect(out.swapped_back).toBe(true);
    expect(calls).toEqual(['stop', `swapClusters back ${p.work_db} ${p.retained_db}`, `exists ${p.work_db}`, `drop ${p.work_db}`, 'start']);
  });

  it('the other paths swap database names in one cluster', async () => {
    const p = plan('copy');
    const c = ctx();
    await swap(p, c);
    expect(calls).toEqual(['stop', `exists ${p.work_db}`, `swapDatabases ${DST.db_name} ${p.work_db} ${p.retained_db}`]);
  });
});
