// Clone failures end to end: cancel at each cancellable step, a fault injected in each step (the
// agent's test hooks), a failed replace, retry. Each must leave no trace of the operation, keep the
// source byte-for-byte unchanged and a replace target running on its old data. CI runs a sample of
// the steps; OEC_FULL_MATRIX=1 runs them all.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment, StepKey } from '@oec/shared';
import { dumpDigest, withDb } from '../src/clone/db-facts.js';
import {
  cancelOperation,
  clusterOf,
  createSeededSource,
  seedEnvironment,
  startPlatform,
  waitOperation,
  type AgentHandle,
  type Platform,
} from '../src/harness/index.js';

const FULL = process.env.OEC_FULL_MATRIX === '1';
const CANCEL_STEPS: StepKey[] = FULL
  ? ['validating', 'creating_target', 'copying_addons', 'backing_up_database', 'backing_up_filestore', 'restoring_filestore']
  : ['validating', 'copying_addons', 'backing_up_database'];
const FAULT_STEPS: Array<[StepKey, string]> = (
  [
    ['validating', 'SOURCE_UNREACHABLE'],
    ['creating_target', 'RESTORE_FAILED'],
    ['copying_addons', 'TRANSFER_FAILED'],
    ['backing_up_database', 'SOURCE_UNREACHABLE'],
    ['backing_up_filestore', 'SOURCE_UNREACHABLE'],
    ['restoring_database', 'RESTORE_FAILED'],
    ['restoring_filestore', 'RESTORE_FAILED'],
    ['sanitizing', 'SANITIZATION_FAILED'],
    ['verifying', 'VERIFICATION_FAILED'],
  ] as Array<[StepKey, string]>
).filter(([step]) => FULL || ['creating_target', 'restoring_database', 'sanitizing', 'verifying'].includes(step));

describe('clone failures, cancel and retry, end to end', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let sourceDigest = '';

  beforeAll(async () => {
    platform = await startPlatform();
    a = await platform.addServer('a');
    ({ source, digest: sourceDigest } = await createSeededSource(platform, a));
  });

  beforeEach(async () => {
    await a.setHooks({});
  });

  afterAll(async () => {
    await platform?.close();
  });

  async function start(body: Record<string, unknown> = {}): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging' },
      sanitization_preset: 'recommended',
      ...body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  }

  /** Nothing of a removed create_new target is left: no row, no database, no directory. */
  async function expectNoTrace(op: CloneOperation): Promise<void> {
    expect(op.cleanup).toBe('done');
    // The operation says what the environments API says: the target is gone.
    expect(op.target).toMatchObject({ status: 'REMOVED', removed: true });
    expect((await platform.api.get(`/environments/${op.target_environment_id}`)).status).toBe(404);
    const dbs = await withDb(clusterOf(source), 'postgres', async (c) =>
      (await c.query<{ d: string }>("SELECT datname AS d FROM pg_database WHERE datname LIKE 'oec_%'")).rows.map((r) => r.d),
    );
    expect(dbs.some((d) => d.includes(op.target_environment_id.replace(/-/g, '')))).toBe(false);
    expect(existsSync(join(a.dataDir, 'environments', op.target_environment_id))).toBe(false);
    expect(await dumpDigest(clusterOf(source), source.database_name)).toBe(sourceDigest);
  }

  for (const step of CANCEL_STEPS) {
    it(`cancels at ${step} and rolls back`, async () => {
      await a.setHooks({ step_delay_ms: 1500 });
      const op = await start();
      await waitOperation(platform.api, op.id, (o) => o.progress.steps.find((s) => s.key === step)?.status === 'in_progress', 120_000);
      const done = await cancelOperation(platform.api, op.id);
      expect(done.status).toBe('cancelled');
      expect(done.error?.code).toBe('CANCELLED');
      await expectNoTrace(done);
    });
  }

  it('refuses to cancel once sanitizing has started (CANNOT_CANCEL), and the clone completes', async () => {
    await a.setHooks({ step_delay_ms: 1500 });
    const op = await start();
    await waitOperation(platform.api, op.id, (o) => o.progress.steps.find((s) => s.key === 'sanitizing')?.status === 'in_progress', 120_000);
    const res = await platform.api.post<{ error: { code: string } }>(`/clone-operations/${op.id}/cancel`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('CANNOT_CANCEL');
    expect((await waitOperation(platform.api, op.id)).status).toBe('completed');
    const again = await platform.api.post<{ error: { code: string } }>(`/clone-operations/${op.id}/cancel`);
    expect(again.body.error.code).toBe('CANNOT_CANCEL');
    await platform.api.del(`/environments/${op.target_environment_id}`);
  });

  for (const [step, code] of FAULT_STEPS) {
    it(`fails cleanly on a fault in ${step} (${code}) and cleans up`, async () => {
      await a.setHooks({ faults: [step] });
      const op = await waitOperation(platform.api, (await start()).id);
      expect(op.status).toBe('failed');
      expect(op.error).toMatchObject({ code, step });
      const failed = op.progress.steps.find((s) => s.key === step);
      expect(failed?.status).toBe('failed');
      const logs = await platform.api.ok<{ items: Array<{ level: string }> }>('GET', `/clone-operations/${op.id}/logs`);
      expect(logs.items.some((l) => l.level === 'ERROR')).toBe(true);
      await expectNoTrace(op);
    });
  }

  it('retries a failed clone with the same configuration once the fault is gone', async () => {
    await a.setHooks({ faults: ['sanitizing'] });
    const failed = await waitOperation(platform.api, (await start({ sanitization_preset: 'minimal' })).id);
    expect(failed.status).toBe('failed');
    // SANITIZATION_FAILED is not transient, yet retried once the cause is gone: the flag says so.
    expect(failed.error).toMatchObject({ code: 'SANITIZATION_FAILED', retryable: true });
    await a.setHooks({});
    const res = await platform.api.post<CloneOperation>(`/clone-operations/${failed.id}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.retry_of).toBe(failed.id);
    const retried = await waitOperation(platform.api, res.body.id);
    expect(retried.status, JSON.stringify(retried.error)).toBe('completed');
    expect(retried.sanitization_preset).toBe('minimal');
    const cannot = await platform.api.post<{ error: { code: string } }>(`/clone-operations/${retried.id}/retry`);
    expect(cannot.body.error.code).toBe('CANNOT_RETRY');
    await platform.api.del(`/environments/${retried.target_environment_id}`);
  });

  it('a failed replace leaves the target running with its old data', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'staging', environment_type: 'staging' });
    const staging = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(staging, { seed: 11 });
    const digest = await dumpDigest(clusterOf(staging), staging.database_name);
    for (const fault of ['restoring_database', 'verifying']) {
      await a.setHooks({ faults: [fault] });
      const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
        target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' },
        sanitization_preset: 'recommended',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const op = await waitOperation(platform.api, res.body.id);
      expect(op.status).toBe('failed');
      expect(op.cleanup).toBe('done');
      const after = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
      expect(after.status).toBe('RUNNING');
      // The operation shows the replace target as it is: RUNNING on its old data.
      expect(op.target).toMatchObject({ id: staging.id, status: 'RUNNING', removed: false });
      expect(await dumpDigest(clusterOf(staging), staging.database_name)).toBe(digest);
    }
    expect(await dumpDigest(clusterOf(source), source.database_name)).toBe(sourceDigest);
  });
});
