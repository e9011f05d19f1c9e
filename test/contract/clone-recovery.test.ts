// Durability: a controller restart resumes the operations that were running (decision 0017: a
// clean stop releases their leases, the restarted controller takes them over under the same
// attempt and attaches to the agent's task by id) and runs the operations that were still
// pending; an agent that disconnects mid-task and does not come back within the grace period
// fails its operation, whose cleanup waits for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation } from '@oec/shared';
import { connectCloneAgent } from './clone-agent.js';
import { CLONE_ENV, getOp, startClone, tenant, waitOp } from './clone-fixtures.js';
import { startController, startPostgres, waitFor } from './harness.js';
import type { FakeAgent } from './harness.js';
import type { Client, Controller, Postgres } from './harness.js';

let postgres: Postgres;
const controllers: Controller[] = [];
const agents: FakeAgent[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  for (const a of agents) await a.close().catch(() => undefined);
  for (const c of controllers) await c.close().catch(() => undefined);
  await postgres?.close();
});

async function start(reuse?: Controller, options = {}): Promise<Controller> {
  const ctl = await startController(postgres, CLONE_ENV, options, reuse ? { databaseUrl: reuse.databaseUrl, secret: reuse.secret } : undefined);
  controllers.push(ctl);
  return ctl;
}

describe('controller restart', () => {
  it('resumes running operations on the restarted controller (same attempt, same task, steps not redone) and runs pending ones', async () => {
    const first = await start();
    const alice = await first.createUser('alice@example.com');
    const t = await tenant(first, alice, { agent: { overrides: { 'clone.data': () => 'ignore' } } });
    const running: CloneOperation[] = [];
    for (const name of ['r1', 'r2']) running.push(await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'staging', name } }));
    for (const op of running) await waitOp(alice.api, op.id, (o) => o.status === 'backing_up_database', 'moving data');
    const pending = await startClone(alice.api, t.source.id, { target: { create_new: true, environment_type: 'staging', name: 'p1' } });
    expect((await getOp(alice.api, pending.id)).status).toBe('pending');
    const dataTasks = new Map(running.map((op) => [op.id, t.agent.tasks.find((x) => x.kind === 'clone.data' && x.fence.operation_id === op.id)]));

    // A clean stop hands the operations over: nothing is cancelled on the agent, the leases are released.
    await first.close();
    await t.agent.closed;
    const cancels = t.agent.received.filter((m) => m.type === 'task.cancel');
    expect(cancels).toEqual([]);

    const second = await start(first);
    const api: Client = second.as(alice.token);
    // No agent yet: the operations are still running (resumed, waiting for their agent), nothing failed.
    for (const op of running) expect((await getOp(api, op.id)).status).toBe('backing_up_database');
    expect((await getOp(api, pending.id)).status).toBe('pending');

    const agent = await connectCloneAgent(second.wsUrl, t.agentToken);
    agents.push(agent);
    for (const op of running) {
      const done = await waitOp(api, op.id);
      expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'completed' });
      const mine = agent.tasks.filter((x) => x.fence.operation_id === op.id);
      // The resumed run attached to the data task by id, under the same attempt...
      const data = mine.find((x) => x.kind === 'clone.data');
      expect(data?.task_id).toBe(dataTasks.get(op.id)?.task_id);
      expect(data?.fence.attempt).toBe(1);
      // ...and did not redo the steps before it.
      expect(mine.map((x) => x.kind)).not.toContain('clone.prepare');
      expect(mine.map((x) => x.kind)).not.toContain('clone.validate');
      expect(mine.map((x) => x.kind)).toContain('clone.sanitize');
      const logs = await api.ok<{ items: { message: string }[] }>('GET', `/api/v1/clone-operations/${op.id}/logs`);
      expect(logs.items.some((l) => /Resumed by controller replica/.test(l.message))).toBe(true);
    }
    expect((await waitOp(api, pending.id)).status).toBe('completed');
  });
});

describe('agent lost mid-task', () => {
  it('fails the operation with AGENT_LOST after the grace period; cleanup runs when the agent returns', async () => {
    const ctl = await start(undefined, { agentGraceMs: 300 });
    const alice = await ctl.createUser('alice@example.com');
    const t = await tenant(ctl, alice, { agent: { overrides: { 'clone.addons': () => 'ignore' } } });
    const op = await startClone(alice.api, t.source.id);
    await waitOp(alice.api, op.id, (o) => o.status === 'copying_addons', 'copying addons');
    await t.agent.terminate();
    const failed = await waitOp(alice.api, op.id, (o) => o.status === 'failed', 'failed');
    expect(failed.error).toMatchObject({ code: 'AGENT_LOST', step: 'copying_addons' });
    expect(failed.cleanup).toBe('pending');
    expect((await alice.api.get(`/api/v1/environments/${op.target_environment_id}`)).status).toBe(200);

    const back = await connectCloneAgent(ctl.wsUrl, t.agentToken);
    agents.push(back);
    const done = await waitOp(alice.api, op.id);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'failed', cleanup: 'done' });
    await waitFor(() => back.tasks.find((x) => x.kind === 'clone.cleanup'), 'cleanup task');
    expect((await alice.api.get(`/api/v1/environments/${op.target_environment_id}`)).status).toBe(404);
  });
});
