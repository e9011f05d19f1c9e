// What the controller tells an agent at its (re)connect (agent.reconcile, decision 0017): the
// operations live on its server (running, cleanup pending, replaced data retained), those ended
// for good, the environments it knows; and what it does with the answer (the operation's log).
import { describe, expect, it } from 'vitest';
import type { AgentReconcileInput, AgentReconcileOutput, LogsResponse } from '@oec/shared';
import { cloneBehaviour, error, gate, heldBy } from './clone-agent.js';
import type { TaskRun } from './clone-agent.js';
import { CLONE_ENV, createEnv, startClone, tenant, waitOp } from './clone-fixtures.js';
import { FakeAgent } from './fake-agent.js';
import { controllerPerFile, waitFor } from './harness.js';
import type { Controller, User } from './harness.js';

let ctl: Controller;
let alice: User;

controllerPerFile(CLONE_ENV, (started) => {
  ({ ctl, alice } = started);
});

const ids = (list: AgentReconcileInput['live']) => list.map((o) => o.operation_id).sort();

describe('agent.reconcile at an agent connect', () => {
  it('names live and ended operations and known environments, and logs what the agent removed', async () => {
    let failData = false;
    const hold = gate();
    let holdValidate = false;
    const behaviour = cloneBehaviour();
    const t = await tenant(ctl, alice, {
      agent: {
        overrides: {
          'clone.data': (task, agent) => (failData ? error('RESTORE_FAILED', 'injected') : behaviour(task, agent)),
          'clone.validate': (task, agent) => (holdValidate ? heldBy(hold)(task, agent) : behaviour(task, agent)),
        },
      },
    });
    // The first connect was reconciled too, before anything existed on the server.
    await waitFor(() => (t.agent.reconciles.length === 1 ? true : undefined), 'the first reconcile');
    expect(t.agent.reconciles[0]?.input).toMatchObject({ live: [], ended: [] });

    const completed = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    expect(completed.status).toBe('completed');
    const replaced = await waitOp(
      alice.api,
      (await startClone(alice.api, t.source.id, { target: { create_new: false, environment_id: completed.target_environment_id, confirm_name: completed.target.name } })).id,
    );
    expect(replaced.status).toBe('completed');
    failData = true;
    const failed = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    expect([failed.status, failed.cleanup]).toEqual(['failed', 'done']);
    failData = false;
    holdValidate = true;
    const running = await startClone(alice.api, t.source.id);
    await waitFor(() => (t.agent.tasks.some((x) => x.fence.operation_id === running.id) ? true : undefined), 'the held clone running');
    const other = await createEnv({ ...t, api: alice.api }, { name: 'other', environment_type: 'staging' });

    // A second connection of the server's agent replaces the first: it is reconciled.
    const answer: AgentReconcileOutput = {
      removed: [{ kind: 'environment', name: `environments/${failed.target_environment_id}`, operation_id: failed.id, environment_id: failed.target_environment_id, reason: 'ended' }],
      kept: [
        { kind: 'database', name: 'oec_0123_n0123abcd', operation_id: null, environment_id: null, reason: 'unknown' },
        { kind: 'environment', name: `environments/${running.target_environment_id}`, operation_id: running.id, environment_id: running.target_environment_id, reason: 'live' },
      ],
    };
    const again = await FakeAgent.connect(ctl.wsUrl, t.agentToken, { facts: { disk_free_bytes: 50e9 }, onTask: () => 'ignore', onReconcile: () => answer });
    try {
      await waitFor(() => (again.reconciles.length === 1 ? true : undefined), 'the reconcile of the new connection');
      const input = (again.reconciles[0] as TaskRun).input as AgentReconcileInput;
      expect(again.reconciles[0]?.fence).toEqual({ operation_id: null, attempt: 0 });
      // Live: the running clone, and the replace whose old data is retained (24 h by default).
      expect(ids(input.live)).toEqual([replaced.id, running.id].sort());
      expect(input.live.find((o) => o.operation_id === running.id)).toEqual({ operation_id: running.id, attempt: 1, target_environment_id: running.target_environment_id });
      // Ended: the completed create_new, the failed one whose cleanup is done.
      expect(ids(input.ended)).toEqual([completed.id, failed.id].sort());
      expect(input.environments).toEqual(expect.arrayContaining([t.source.id, completed.target_environment_id, running.target_environment_id, other.id]));
      expect(input.environments).not.toContain(failed.target_environment_id);

      // The failed operation's log says what the agent removed.
      const logs = await waitFor(async () => {
        const res = await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${failed.id}/logs?limit=1000`);
        return res.items.some((l) => l.message.startsWith('Agent reconciliation: removed')) ? res : undefined;
      }, 'the reconciliation in the operation log');
      expect(logs.items.at(-1)?.message).toBe(`Agent reconciliation: removed what a crash left (environment environments/${failed.target_environment_id})`);
      // What stayed because its operation is live is not news for that operation's log.
      const runningLogs = await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${running.id}/logs?limit=1000`);
      expect(runningLogs.items.some((l) => l.message.startsWith('Agent reconciliation'))).toBe(false);
    } finally {
      hold.open();
      await again.close();
    }
  });
});
