// Failed, cancelled and retried operations through a fake agent: the error as the operation
// shows it, the percent frozen where it stopped, the cleanup task with the right keep_target
// under a new fencing attempt, the target removed (or kept FAILED), quota and leases released;
// cancel up to sanitizing and CANNOT_CANCEL after; retry (CANNOT_RETRY otherwise); busy leases;
// and clone_concurrency queueing, also against a claim of another replica that held the server's
// lock while this one waited for it.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { CloneOperation, Environment, ErrorBody, Usage } from '@oec/shared';
import { error, gate, heldBy, kinds } from './clone-agent.js';
import type { TaskRun } from './clone-agent.js';
import { CLONE_ENV, NEW_STAGING, createEnv, expectError, getOp, startClone, stepOf, tenant, waitOp } from './clone-fixtures.js';
import { controllerPerFile, waitFor } from './harness.js';
import type { Controller, User } from './harness.js';

let ctl: Controller;
let alice: User;

controllerPerFile(CLONE_ENV, (started) => {
  ({ ctl, alice } = started);
});

const usage = (orgId: string) => alice.api.ok<Usage>('GET', `/api/v1/organizations/${orgId}/usage`);
const cleanupTask = (tasks: TaskRun[], opId: string) =>
  tasks.find((t) => t.kind === 'clone.cleanup' && t.fence.operation_id === opId);

describe('failures', () => {
  it('fails at the step whose task failed, freezes the percent, cleans up and removes the target', async () => {
    const t = await tenant(ctl, alice, {
      agent: { overrides: { 'clone.addons': () => error('TRANSFER_FAILED', 'tar exited with 2', { step: 'copying_addons' }) } },
    });
    const before = await usage(t.org.id);
    const op = await startClone(alice.api, t.source.id);
    expect((await usage(t.org.id)).environments.used).toBe(before.environments.used + 1);
    const done = await waitOp(alice.api, op.id);
    expect(done.status).toBe('failed');
    expect(done.error).toEqual({
      code: 'TRANSFER_FAILED',
      step: 'copying_addons',
      message: 'tar exited with 2',
      details: { step: 'copying_addons' },
      retryable: true,
    });
    expect(done.progress.current_step).toBe('copying_addons');
    expect(stepOf(done, 'copying_addons')?.status).toBe('failed');
    expect(stepOf(done, 'creating_target')?.status).toBe('completed');
    expect(stepOf(done, 'backing_up_database')?.status).toBe('pending');
    // 10 + 8 × 0.5: the step had reported half of its work.
    expect(done.progress.progress_percent).toBe(14);
    expect(done.cleanup).toBe('done');
    // REMOVED, as the environments API's 404 says (not its last status, DESTROYING).
    expect(done.target).toMatchObject({ id: op.target_environment_id, status: 'REMOVED', removed: true });
    const cleanup = cleanupTask(t.agent.tasks, op.id);
    expect(cleanup?.fence).toEqual({ operation_id: op.id, attempt: 2 });
    expect(cleanup?.input).toMatchObject({ operation_id: op.id, mode: 'create_new', keep_target: false });
    expect((await alice.api.get(`/api/v1/environments/${op.target_environment_id}`)).status).toBe(404);
    expect(await usage(t.org.id)).toEqual(before);
    const { rows } = await ctl.db.query('SELECT 1 FROM environment_leases WHERE operation_id = $1', [op.id]);
    expect(rows).toHaveLength(0);
    const logs = await alice.api.ok<{ items: { level: string; message: string }[] }>('GET', `/api/v1/clone-operations/${op.id}/logs`);
    expect(logs.items.some((l) => l.level === 'ERROR' && l.message.includes('TRANSFER_FAILED'))).toBe(true);
    expect(logs.items.at(-1)?.message).toMatch(/^Cleanup done/);
    // Still frozen and unchanged after cleanup.
    expect((await getOp(alice.api, op.id)).progress.progress_percent).toBe(14);
  });

  it('maps a code outside the failure set to the step’s failure code', async () => {
    const t = await tenant(ctl, alice, { agent: { overrides: { 'clone.prepare': () => error('INTERNAL', 'mkdir failed') } } });
    const done = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    expect(done.error).toMatchObject({ code: 'RESTORE_FAILED', step: 'creating_target', details: { cause_code: 'INTERNAL' } });
  });

  it('keeps a create_new target FAILED (stopped) when only the app health check failed', async () => {
    const t = await tenant(ctl, alice, {
      agent: {
        overrides: {
          'clone.verify': () => error('VERIFICATION_FAILED', 'Target environment not responding', { data_ok: true, app_failed: true }),
        },
      },
    });
    const done = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    expect(done.error).toMatchObject({ code: 'VERIFICATION_FAILED', step: 'verifying' });
    expect(done.cleanup).toBe('done');
    expect(cleanupTask(t.agent.tasks, done.id)?.input).toMatchObject({ keep_target: true });
    const target = await alice.api.ok<Environment>('GET', `/api/v1/environments/${done.target_environment_id}`);
    expect(target.status).toBe('FAILED');
    expect(done.target).toMatchObject({ status: 'FAILED', removed: false });
    // Released: it can be destroyed like any failed environment.
    expect((await alice.api.request('DELETE', `/api/v1/environments/${target.id}`)).status).toBe(202);
  });

  it('fails with PROOF_FAILED when the proof did not pass, and removes the target', async () => {
    const t = await tenant(ctl, alice, {
      agent: {
        overrides: {
          'clone.sanitize': () => ({
            output: {
              results: [],
              proof: { passed: false, checks: [{ option_key: 'anonymize_emails', check: 'no customer email', passed: false, violations: 2, detail: null }], checked_at: new Date().toISOString() },
              totals: { affected_rows: 0, duration_ms: 1 },
              generated_password: null,
            },
          }),
        },
      },
    });
    const done = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    expect(done.error).toMatchObject({ code: 'PROOF_FAILED', step: 'sanitizing' });
    expect(done.proof?.passed).toBe(false);
    expect(cleanupTask(t.agent.tasks, done.id)?.input).toMatchObject({ keep_target: false });
    expect(done.target.removed).toBe(true);
  });
});

describe('cancel', () => {
  it('cancels a running step: the task is aborted, the operation cancelled, the target removed', async () => {
    const hold = gate();
    const t = await tenant(ctl, alice, { agent: { overrides: { 'clone.addons': heldBy(hold) } } });
    const op = await startClone(alice.api, t.source.id);
    await waitOp(alice.api, op.id, (o) => o.status === 'copying_addons', 'copying addons');
    const res = await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Clone operation cancelled successfully', clone_operation_id: op.id, status: 'cancelled' });
    const now = await getOp(alice.api, op.id);
    expect(now.status).toBe('cancelled');
    expect(now.error).toMatchObject({ code: 'CANCELLED', step: 'copying_addons' });
    const addons = t.agent.tasks.find((x) => x.kind === 'clone.addons');
    await t.agent.waitFor((m) => m.type === 'task.cancel' && m.task_id === addons?.task_id);
    const done = await waitOp(alice.api, op.id);
    expect(done.cleanup).toBe('done');
    expect(stepOf(done, 'copying_addons')?.status).toBe('cancelled');
    expect(cleanupTask(t.agent.tasks, op.id)?.input).toMatchObject({ keep_target: false });
    expect((await alice.api.get(`/api/v1/environments/${op.target_environment_id}`)).status).toBe(404);
    expectError(await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`), 400, 'CANNOT_CANCEL');
    hold.open();
  });

  it('refuses to cancel once sanitizing started, and a finished operation', async () => {
    const hold = gate();
    const t = await tenant(ctl, alice, {
      agent: { overrides: { 'clone.sanitize': heldBy(hold, { output: sanitized() }) } },
    });
    const op = await startClone(alice.api, t.source.id);
    await waitOp(alice.api, op.id, (o) => o.status === 'sanitizing', 'sanitizing');
    const e = expectError(await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`), 400, 'CANNOT_CANCEL');
    expect(e.message).toMatch(/sanitiz/);
    hold.open();
    expect((await waitOp(alice.api, op.id)).status).toBe('completed');
    expectError(await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`), 400, 'CANNOT_CANCEL');
  });
});

function sanitized(): unknown {
  return {
    results: [],
    proof: { passed: true, checks: [], checked_at: new Date().toISOString() },
    totals: { affected_rows: 0, duration_ms: 1 },
    generated_password: null,
  };
}

describe('retry', () => {
  it('retries a failed operation with the same configuration and a fresh target', async () => {
    let fail = true;
    const t = await tenant(ctl, alice, {
      agent: { overrides: { 'clone.data': () => (fail ? error('RESTORE_FAILED', 'pg_restore exited with 1') : 'ignore') } },
    });
    const failed = await waitOp(alice.api, (await startClone(alice.api, t.source.id, {
      target: { create_new: true, environment_type: 'development', name: 'feature-x' },
      sanitization_preset: 'minimal',
      include_filestore: false,
    })).id);
    expect(failed.status).toBe('failed');
    expectError(await alice.api.post(`/api/v1/clone-operations/${failed.id}/cancel`), 400, 'CANNOT_CANCEL');
    // The retry's data task is left unanswered: it stays running.
    fail = false;
    const res = await alice.api.post<CloneOperation>(`/api/v1/clone-operations/${failed.id}/retry`);
    expect(res.status).toBe(202);
    const retry = res.body;
    expect(retry).toMatchObject({ retry_of: failed.id, sanitization_preset: 'minimal', include_filestore: false, mode: 'create_new' });
    expect(retry.target_environment_id).not.toBe(failed.target_environment_id);
    expect(retry.target.name).toBe('feature-x');
    await waitOp(alice.api, retry.id, (o) => o.status === 'backing_up_database', 'retry moving data');
    // Running: not retryable.
    expectError(await alice.api.post(`/api/v1/clone-operations/${retry.id}/retry`), 400, 'CANNOT_RETRY');
    await alice.api.post(`/api/v1/clone-operations/${retry.id}/cancel`);
  });

  it('error.retryable is what POST …/retry answers: false while cleaning up, true after, for a transient code or not', async () => {
    for (const code of ['TRANSFER_FAILED', 'RESTORE_FAILED'] as const) {
      const hold = gate();
      const t = await tenant(ctl, alice, {
        agent: {
          overrides: {
            'clone.data': () => error(code, `${code} on purpose`),
            'clone.cleanup': heldBy(hold, { output: { removed: [], swapped_back: false } }),
          },
        },
      });
      const op = await startClone(alice.api, t.source.id);
      const cleaning = await waitOp(alice.api, op.id, (o) => o.status === 'failed', 'failed, cleanup held');
      expect(cleaning.cleanup).toBe('pending');
      expect(cleaning.error).toMatchObject({ code, retryable: false });
      const refused = expectError(await alice.api.post(`/api/v1/clone-operations/${op.id}/retry`), 400, 'CANNOT_RETRY');
      expect(refused.message).toMatch(/cleaning up/);
      expect(refused.details).toMatchObject({ status: 'failed', cleanup: 'pending' });
      hold.open();
      const done = await waitOp(alice.api, op.id);
      expect(done.error).toMatchObject({ code, retryable: true });
      // The list shows the same flag as the operation.
      const listed = await alice.api.ok<{ items: CloneOperation[] }>('GET', `/api/v1/environments/${t.source.id}/clone-operations`);
      expect(listed.items.find((o) => o.id === op.id)?.error?.retryable).toBe(true);
      const res = await alice.api.post<CloneOperation>(`/api/v1/clone-operations/${op.id}/retry`);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.retry_of).toBe(op.id);
      await waitOp(alice.api, res.body.id);
    }
  });

  it('answers CANNOT_RETRY for a completed operation', async () => {
    const t = await tenant(ctl, alice);
    const done = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    expect(done.status).toBe('completed');
    const e = expectError(await alice.api.post(`/api/v1/clone-operations/${done.id}/retry`), 400, 'CANNOT_RETRY');
    expect(e.details).toMatchObject({ status: 'completed' });
  });
});

describe('leases and concurrency', () => {
  it('answers 409 ENVIRONMENT_BUSY for stop/delete/replace of leased environments; shared source reads are fine', async () => {
    const hold = gate();
    const t = await tenant(ctl, alice, { agent: { overrides: { 'clone.validate': heldBy(hold) } } });
    const other = await createEnv(t, { name: 'other' });
    const op = await startClone(alice.api, t.source.id);
    await waitOp(alice.api, op.id, (o) => o.status === 'validating', 'validating');
    for (const res of [
      await alice.api.post<ErrorBody>(`/api/v1/environments/${t.source.id}/stop`),
      await alice.api.request<ErrorBody>('DELETE', `/api/v1/environments/${t.source.id}`),
      await alice.api.request<ErrorBody>('DELETE', `/api/v1/environments/${op.target_environment_id}`),
    ]) {
      expectError(res, 409, 'ENVIRONMENT_BUSY');
    }
    // The source may be cloned again (shared lease)…
    const second = await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'staging', name: 'second' } });
    expect(second.status).toBe('pending');
    // …but neither the running clone's target nor the leased source may be replaced.
    const intoTarget = await alice.api.post(`/api/v1/environments/${other.id}/clone`, {
      target: { create_new: false, environment_id: op.target_environment_id, confirm_name: op.target.name },
      sanitization_preset: 'recommended',
    });
    expect(expectError(intoTarget, 409, 'ENVIRONMENT_BUSY').details).toMatchObject({ lease: 'exclusive', operation_id: op.id });
    const intoSource = await alice.api.post(`/api/v1/environments/${other.id}/clone`, {
      target: { create_new: false, environment_id: t.source.id, confirm_name: 'production' },
      sanitization_preset: 'recommended',
    });
    expect(expectError(intoSource, 409, 'ENVIRONMENT_BUSY').details).toMatchObject({ lease: 'shared' });
    // A source busy with a lifecycle action cannot be cloned either.
    await ctl.db.query(`UPDATE environments SET action = 'stop' WHERE id = $1`, [other.id]);
    expectError(await alice.api.post(`/api/v1/environments/${other.id}/clone`, NEW_STAGING), 409, 'ENVIRONMENT_BUSY');
    await ctl.db.query('UPDATE environments SET action = NULL WHERE id = $1', [other.id]);
    await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`);
    await alice.api.post(`/api/v1/clone-operations/${second.id}/cancel`);
    hold.open();
    // Once both cleanups are over, no lease is left.
    await waitOp(alice.api, op.id);
    await waitOp(alice.api, second.id);
    expect((await alice.api.post(`/api/v1/environments/${t.source.id}/stop`)).status).toBe(202);
  });

  it('moves data for at most clone_concurrency operations per server; the rest wait pending', async () => {
    const holds = [gate(), gate(), gate()];
    let n = 0;
    const t = await tenant(ctl, alice, {
      agent: { overrides: { 'clone.validate': (task, agent) => heldBy(holds[n++] ?? gate())(task, agent) } },
    });
    const ops: CloneOperation[] = [];
    for (const name of ['q1', 'q2', 'q3']) {
      ops.push(await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'development', name } }));
    }
    const [a, b, c] = ops as [CloneOperation, CloneOperation, CloneOperation];
    await waitOp(alice.api, b.id, (o) => o.status === 'validating', 'second validating');
    await waitOp(alice.api, a.id, (o) => o.status === 'validating', 'first validating');
    expect((await getOp(alice.api, c.id)).status).toBe('pending');
    expect(kinds(t.agent).filter((k) => k === 'clone.validate')).toHaveLength(2);
    // One finishes (cancelled here): the third starts.
    await alice.api.post(`/api/v1/clone-operations/${a.id}/cancel`);
    await waitOp(alice.api, c.id, (o) => o.status === 'validating', 'third validating');
    // A pending operation cancels without ever reaching the agent.
    const d = await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'development', name: 'q4' } });
    expect((await getOp(alice.api, d.id)).status).toBe('pending');
    expect((await alice.api.post(`/api/v1/clone-operations/${d.id}/cancel`)).status).toBe(200);
    const cancelled = await waitOp(alice.api, d.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', cleanup: 'done', error: { code: 'CANCELLED', step: null } });
    expect(cleanupTask(t.agent.tasks, d.id)).toBeUndefined();
    expect((await alice.api.get(`/api/v1/environments/${d.target_environment_id}`)).status).toBe(404);
    // Cancelled during validating: nothing was created, so no cleanup task either.
    expect(await waitOp(alice.api, a.id)).toMatchObject({ status: 'cancelled', cleanup: 'done' });
    expect(cleanupTask(t.agent.tasks, a.id)).toBeUndefined();
    for (const op of [b, c]) await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`);
    for (const h of holds) h.open();
  });
  it("counts the claim that held a server's lock while this replica's claim waited for it: clone_concurrency is never exceeded", async () => {
    const t = await tenant(ctl, alice);
    await ctl.db.query('UPDATE servers SET clone_concurrency = 1 WHERE id = $1', [t.serverId]);
    // an earlier operation, which "another replica" claims again below
    const other = await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'development', name: 'other' } });
    expect((await waitOp(alice.api, other.id)).status).toBe('completed');
    const replica = new pg.Client({ connectionString: ctl.databaseUrl });
    await replica.connect();
    try {
      // Another replica's claim: it holds the server's row lock, as claimOperation takes it...
      await replica.query('BEGIN');
      await replica.query('SELECT id FROM servers WHERE id = $1 FOR NO KEY UPDATE', [t.serverId]);
      const op = await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'development', name: 'waits' } });
      // ...while this controller's claim of `op` waits for it
      const waiting = await waitFor(async () => {
        const { rows } = await ctl.db.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR NO KEY UPDATE OF s%'",
        );
        return rows[0]?.pid;
      }, "this controller's claim waiting for the server's lock", 120_000);
      // ...takes the server's one place, and commits
      await replica.query(
        `UPDATE clone_operations SET status = 'pre_checks', owner = 'another-replica', lease_until = now() + interval '1 hour' WHERE id = $1`,
        [other.id],
      );
      await replica.query('COMMIT');
      // the waiting claim ends (its transaction over), and it must have counted that place
      await waitFor(async () => {
        const { rows } = await ctl.db.query<{ state: string; xact: Date | null }>('SELECT state, xact_start AS xact FROM pg_stat_activity WHERE pid = $1', [waiting]);
        return rows.length === 0 || rows[0]?.xact === null ? true : undefined;
      }, 'the claim that waited finished', 120_000);
      expect((await getOp(alice.api, op.id)).status).toBe('pending');
      // the other replica's operation ends: this one starts
      await ctl.db.query(`UPDATE clone_operations SET status = 'completed', owner = NULL, lease_until = NULL WHERE id = $1`, [other.id]);
      expect((await waitOp(alice.api, op.id)).status).toBe('completed');
    } finally {
      await replica.end();
    }
  });
});
