// Two controller replicas (decision 0018) while a cross-server clone streams (slowed down by the
// source agent's test hook, so that the faults land mid-transfer). Server A's agent dials replica
// 0 first, server B's replica 1, each with both URLs.
// 1. A rolling restart: replica 0 stopped (SIGTERM) and started again, then replica 1: each hands
//    its operations over (nothing cancelled on the agents) and the other resumes them at once; the
//    clone ends COMPLETED, its data transfer ran once (the resumed runs attached to it), the
//    source is unchanged.
// 2. The replica that owns the clone SIGKILLed: the other takes the operation over once its lease
//    has run out and the clone ends COMPLETED, the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment } from '@oec/shared';
import { dumpDigest } from '../src/clone/db-facts.js';
import {
  clusterOf,
  createSeededSource,
  getOperation,
  waitFor,
  waitOperation,
  withControllerDb,
  startPlatform,
  type AgentHandle,
  type Platform,
} from '../src/harness/index.js';

/** Slow enough that the tiny dataset's streams run for a while. */
const SLOW = { transfer_bytes_per_second: 64 * 1024 };
const LEASE_MS = 5000;

describe('two controller replicas', () => {
  let platform: Platform;
  let a: AgentHandle;
  let b: AgentHandle;
  let source: Environment;
  let digest = '';

  beforeAll(async () => {
    platform = await startPlatform({ replicas: 2, controllerEnv: { OEC_OPERATION_LEASE_MS: String(LEASE_MS) } });
    a = await platform.addServer('a', {}, { replica: 0 });
    b = await platform.addServer('b', {}, { replica: 1 });
    ({ source, digest } = await createSeededSource(platform, a));
  });

  afterAll(async () => {
    await platform?.close();
  });

  const db = <T>(fn: Parameters<typeof withControllerDb<T>>[1]) => withControllerDb(platform.controllerEnv.OEC_DATABASE_URL ?? '', fn);

  async function ownerIndex(op: CloneOperation): Promise<number> {
    const owner = await db(async (c) => (await c.query<{ owner: string }>('SELECT owner FROM clone_operations WHERE id = $1', [op.id])).rows[0]?.owner);
    return platform.controllers.findIndex((d) => d.logs.some((l) => l.msg === 'controller listening' && l.replica === owner));
  }

  async function streamingClone(name: string): Promise<CloneOperation> {
    await a.setHooks(SLOW);
    const res = await platform.apis[0]?.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name, vm_id: b.server.id },
      sanitization_preset: 'recommended',
    });
    expect(res?.status, JSON.stringify(res?.body)).toBe(202);
    const op = res?.body as CloneOperation;
    await waitOperation(platform.api, op.id, (o) => (o.progress.steps.find((s) => s.key === 'backing_up_database')?.detail?.bytes_done ?? 0) > 0, 120_000);
    return op;
  }

  /** Completed, resumed (the log says so), its data sent once, the source unchanged. */
  async function expectResumedAndCompleted(op: CloneOperation, api = platform.api): Promise<void> {
    const done = await waitOperation(api, op.id, undefined, 240_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const logs = await api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${op.id}/logs`);
    expect(logs.items.filter((l) => /Resumed by controller replica/.test(l.message)).length).toBeGreaterThanOrEqual(1);
    const sends = await db(async (c) =>
      (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE operation_id = $1 AND kind = 'clone.send'`, [op.id])).rows[0]?.n,
    );
    // one for the addons, one for the data: the resumed runs attached to the running transfer
    expect(sends).toBe(2);
    expect(await dumpDigest(clusterOf(source), source.database_name)).toBe(digest);
    await api.del(`/environments/${op.target_environment_id}`);
  }

  it('a rolling restart of both replicas during a clone: it ends COMPLETED', async () => {
    const op = await streamingClone('rolling');
    const first = await ownerIndex(op);
    expect(first).toBeGreaterThanOrEqual(0);
    // the owner first: SIGTERM hands the operation over to the other replica, which resumes it at once
    await platform.restartController(first);
    const second = 1 - first;
    await waitFor(async () => ((await ownerIndex(op)) === second ? true : undefined), { timeoutMs: 60_000, what: 'the other replica to resume the clone' });
    expect((await getOperation(platform.api, op.id)).status).not.toBe('failed');
    // then the other one: the operation comes back to the first
    await platform.restartController(second);
    await waitFor(async () => ((await ownerIndex(op)) === first ? true : undefined), { timeoutMs: 60_000, what: 'the restarted replica to resume the clone' });
    await a.setHooks({});
    await expectResumedAndCompleted(op);
  });

  it('the replica running a clone SIGKILLed: the other resumes it after the lease and it ends COMPLETED', async () => {
    const op = await streamingClone('killed');
    const owner = await ownerIndex(op);
    await platform.killController(owner);
    const other = 1 - owner;
    await waitFor(async () => ((await ownerIndex(op)) === other ? true : undefined), {
      timeoutMs: LEASE_MS + 60_000,
      what: 'the surviving replica to take the clone over',
    });
    await a.setHooks({});
    // read through the survivor (the killed replica's API is gone)
    const survivor = platform.apis[other];
    if (!survivor) throw new Error('no surviving replica');
    await expectResumedAndCompleted(op, survivor);
    await platform.restartController(owner);
  });
});
