// A clone operation driven through a fake agent: the tasks in order with the plan and the fence,
// step states and the never-decreasing percent, logs, the target becoming a normal RUNNING
// environment, skipped filestore steps, the one-time password, and a replace with its retained
// data purged after the retention period (0 h here).
import { describe, expect, it } from 'vitest';
import type { ClonePlan, Environment, LogsResponse, Usage } from '@oec/shared';
import { gate, kinds } from './clone-agent.js';
import type { TaskRun } from './clone-agent.js';
import { CLONE_ENV, createEnv, getOp, startClone, stepOf, tenant, waitEnv, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile, waitFor } from './harness.js';
import type { Controller, User } from './harness.js';

let ctl: Controller;
let alice: User;

controllerPerFile({ ...CLONE_ENV, OEC_REPLACE_RETENTION_HOURS: '0' }, (started) => {
  ({ ctl, alice } = started);
});

const cloneTasks = (t: Tenant, opId: string): TaskRun[] =>
  t.agent.tasks.filter((task) => (task.fence.operation_id ?? '') === opId || (task.input as { operation_id?: string }).operation_id === opId);

describe('a create_new clone through the agent', () => {
  it('runs every task in order with the plan and fence, and the target ends RUNNING like any environment', async () => {
    const t = await tenant(ctl, alice);
    const op = await startClone(alice.api, t.source.id);
    const done = await waitOp(alice.api, op.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.progress.progress_percent).toBe(100);
    expect(done.progress.steps.map((s) => s.status)).toEqual(Array(10).fill('completed'));
    expect(done.progress.eta_seconds).toBeNull();
    expect(done.cleanup).toBe('none');
    expect(done.finished_at).not.toBeNull();
    expect(done.sanitization_result.map((r) => r.option_key)).toContain('anonymize_emails');
    expect(done.proof?.passed).toBe(true);

    const tasks = cloneTasks(t, op.id);
    expect(tasks.map((task) => task.kind)).toEqual([
      'clone.validate',
      'clone.prepare',
      'clone.addons',
      'clone.data',
      'clone.sanitize',
      'clone.verify',
      'env.create',
    ]);
    for (const task of tasks) expect(task.fence).toEqual({ operation_id: op.id, attempt: 1 });
    const plan = tasks[0]?.input as ClonePlan;
    const target = await alice.api.ok<Environment>('GET', `/api/v1/environments/${op.target_environment_id}`);
    expect(plan).toMatchObject({
      operation_id: op.id,
      mode: 'create_new',
      source: { environment_id: t.source.id, db_name: t.source.database_name, status: 'RUNNING' },
      target: { environment_id: target.id, db_name: target.database_name, name: target.name, addons: t.source.addons },
      work_db: target.database_name,
      retained_db: null,
      include_filestore: true,
      sanitization: { preset: 'recommended', base_url: `https://${target.domain}` },
    });
    const { rows } = await ctl.db.query<{ s: string }>('SELECT sanitize_salt AS s FROM projects WHERE id = $1', [t.project.id]);
    expect(plan.sanitization.salt).toBe(rows[0]?.s);

    expect(target).toMatchObject({ status: 'RUNNING', type: 'staging', server_id: t.serverId, odoo_version: t.source.odoo_version });
    expect(target.name).toMatch(/^production-clone-\d{8}$/);
    expect(target.resources).toEqual(t.source.resources);
    expect(target.addons).toEqual(t.source.addons);
    expect(target.filestore_path).toBe(`/srv/oec/environments/${target.id}/filestore`);
    expect(target.connection).toMatchObject({ database: target.database_name });
    expect(done.target).toEqual({ id: target.id, name: target.name, url: target.url, status: 'RUNNING', removed: false });

    // Leases are gone: the source can be stopped, the target deleted.
    expect((await alice.api.post(`/api/v1/environments/${t.source.id}/stop`)).status).toBe(202);
    await waitEnv(alice.api, t.source.id, 'STOPPED');
    expect((await alice.api.request('DELETE', `/api/v1/environments/${target.id}`)).status).toBe(202);
  });

  it('logs controller and agent lines in order, followed with a cursor', async () => {
    const t = await tenant(ctl, alice);
    const op = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    const all = await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${op.id}/logs`);
    const messages = all.items.map((l) => l.message);
    const at = (m: string) => messages.findIndex((x) => x.startsWith(m));
    expect(at('Starting clone operation')).toBeGreaterThan(-1);
    expect(at('Pre-checks passed - ready to clone')).toBeGreaterThan(at('Starting clone operation'));
    expect(at('Starting database backup')).toBeGreaterThan(at('Pre-checks passed'));
    expect(at('Clone completed successfully')).toBe(messages.length - 1);
    expect(all.items.find((l) => l.message === 'Filestore restored')?.step).toBe('restoring_filestore');
    expect(all.items.find((l) => l.message === 'ran clone.sanitize')?.step).toBe('sanitizing');
    expect(all.next_cursor).toBe(all.items.at(-1)?.id);
    const first = await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${op.id}/logs?limit=2`);
    expect(first.items).toEqual(all.items.slice(0, 2));
    const rest = await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${op.id}/logs?after=${first.next_cursor}`);
    expect(rest.items).toEqual(all.items.slice(2));
    const none = await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${op.id}/logs?after=${all.next_cursor}`);
    expect(none).toEqual({ items: [], next_cursor: all.next_cursor });
  });

  it('reports step progress while data moves: percent never decreases, ETA from throughput', async () => {
    const hold = gate();
    const t = await tenant(ctl, alice, {
      agent: {
        overrides: {
          'clone.data': async (task, agent) => {
            const send = (step: string, fraction: number, bytes: number) =>
              agent.send({ type: 'task.progress', task_id: task.task_id, step, fraction, detail: { bytes_done: bytes, bytes_total: 1000 } });
            send('backing_up_database', 0.25, 250);
            await hold.wait;
            send('backing_up_database', 0.6, 600);
            send('restoring_database', 0.5, 500);
            send('backing_up_filestore', 1, 0);
            send('restoring_filestore', 1, 0);
            return { output: { database: { method: 'stream', bytes: 1000, tables: 3 }, filestore: null } };
          },
        },
      },
    });
    const op = await startClone(alice.api, t.source.id);
    const seen: number[] = [];
    const mid = await waitOp(alice.api, op.id, (o) => {
      seen.push(o.progress.progress_percent);
      return stepOf(o, 'backing_up_database')?.progress_percent === 25;
    });
    expect(mid.status).toBe('backing_up_database');
    expect(mid.progress.current_step).toBe('backing_up_database');
    expect(stepOf(mid, 'copying_addons')).toMatchObject({ status: 'completed', progress_percent: 100 });
    expect(stepOf(mid, 'backing_up_database')).toMatchObject({ status: 'in_progress', detail: { bytes_done: 250, bytes_total: 1000 } });
    // 18 + 22 × 0.25
    expect(mid.progress.progress_percent).toBe(23.5);
    expect(mid.progress.eta_seconds).toEqual(expect.any(Number));
    hold.open();
    const done = await waitOp(alice.api, op.id, (o) => {
      seen.push(o.progress.progress_percent);
      return o.status === 'completed';
    });
    expect(done.progress.progress_percent).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(100);
  });

  it('skips the filestore steps when include_filestore is false', async () => {
    const t = await tenant(ctl, alice);
    const op = await waitOp(alice.api, (await startClone(alice.api, t.source.id, { ...{ target: { create_new: true, environment_type: 'development' } }, include_filestore: false })).id);
    expect(op.status).toBe('completed');
    expect(op.include_filestore).toBe(false);
    const statuses = Object.fromEntries(op.progress.steps.map((s) => [s.key, s.status]));
    expect(statuses).toMatchObject({ backing_up_filestore: 'skipped', restoring_filestore: 'skipped', restoring_database: 'completed' });
    expect((cloneTasks(t, op.id).find((x) => x.kind === 'clone.data')?.input as ClonePlan).include_filestore).toBe(false);
  });

  it('shows the generated password once, to the requester, and never stores it', async () => {
    const t = await tenant(ctl, alice);
    const op = await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'staging' }, sanitization_preset: 'full' });
    await waitFor(async () => (await ctl.db.query("SELECT 1 FROM clone_operations WHERE id = $1 AND status = 'completed'", [op.id])).rows.length > 0, 'completed');
    expect((await ctl.admin.ok<{ generated_password?: string }>('GET', `/api/v1/clone-operations/${op.id}`)).generated_password).toBeUndefined();
    const first = await getOp(alice.api, op.id);
    expect(first.generated_password).toBe('Secret-Password-42');
    expect((await getOp(alice.api, op.id)).generated_password).toBeUndefined();
    const { rows } = await ctl.db.query<{ output: { generated_password: string } }>(
      `SELECT output FROM tasks WHERE operation_id = $1 AND kind = 'clone.sanitize'`,
      [op.id],
    );
    expect(rows[0]?.output.generated_password).toBe('[redacted]');
    const dump = await ctl.db.query<{ t: string }>('SELECT row_to_json(o)::text AS t FROM clone_operations o WHERE id = $1', [op.id]);
    expect(dump.rows[0]?.t).not.toContain('Secret-Password-42');
  });
});

describe('a replace through the agent', () => {
  it('keeps the target, swaps in the new data, and purges the old data after the retention period', async () => {
    const t = await tenant(ctl, alice);
    const staging = await createEnv({ ...t, api: alice.api }, { name: 'staging', environment_type: 'staging' });
    const usageBefore = await alice.api.ok<Usage>('GET', `/api/v1/organizations/${t.org.id}/usage`);
    const op = await startClone(alice.api, t.source.id, {
      target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' },
    });
    expect(op).toMatchObject({ mode: 'replace', target_environment_id: staging.id, status: 'pending' });
    const done = await waitOp(alice.api, op.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const plan = cloneTasks(t, op.id).find((x) => x.kind === 'clone.validate')?.input as ClonePlan;
    const tag = op.id.replace(/-/g, '').slice(0, 8);
    expect(plan).toMatchObject({
      mode: 'replace',
      work_db: `${staging.database_name}_n${tag}`,
      retained_db: `${staging.database_name}_o${tag}`,
      target_running: true,
      target: { environment_id: staging.id, name: 'staging', domain: staging.domain, addons: t.source.addons },
    });
    expect(kinds(t.agent)).not.toContain('clone.cleanup');
    const after = await alice.api.ok<Environment>('GET', `/api/v1/environments/${staging.id}`);
    expect(after).toMatchObject({ id: staging.id, name: 'staging', status: 'RUNNING', domain: staging.domain, addons: t.source.addons });
    expect(await alice.api.ok<Usage>('GET', `/api/v1/organizations/${t.org.id}/usage`)).toEqual(usageBefore);
    const purge = await waitFor(() => t.agent.tasks.find((x) => x.kind === 'clone.purge_retained'), 'purge task');
    expect(purge.input).toEqual({
      environment_id: staging.id,
      db_name: staging.database_name,
      retained_db: plan.retained_db,
      operation_id: op.id,
    });
    await waitFor(
      async () => (await ctl.db.query('SELECT 1 FROM clone_retained WHERE operation_id = $1 AND purged_at IS NOT NULL', [op.id])).rows.length > 0,
      'purged',
    );
  });
});
