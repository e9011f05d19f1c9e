// Two controller replicas on one database (decision 0017), in one process: the agent is
// connected to replica A only, the clones are requested on (and run by) replica B, so every task
// travels B → bus → A → agent and every answer back. A cancel received by A reaches B's run; the
// one-time password of a clone run by B is shown once through A.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation } from '@oec/shared';
import { gate } from './clone-agent.js';
import { getOp, startClone, tenant, waitOp } from './clone-fixtures.js';
import { startController, startPostgres, trpcClient, waitFor } from './harness.js';
import type { Client, Controller, Postgres, User } from './harness.js';
import type { Tenant } from './clone-fixtures.js';

let postgres: Postgres;
let a: Controller;
let b: Controller;
let alice: User;
let onB: Client;
let t: Tenant;
/** Its agent never answers clone.data. */
let held: Tenant;
/** Its agent reports progress in clone.data, then waits for `paced` to open. */
let watched: Tenant;
const paced = gate();


// A sweeps rarely: only B's own kick starts the clones requested on B.
const A_ENV = { OEC_CLONE_SWEEP_INTERVAL_MS: '3600000', OEC_RATE_LIMIT_PER_MINUTE: '100000', OEC_CLONE_RATE_LIMIT_PER_MINUTE: '100000' };
const B_ENV = { OEC_RATE_LIMIT_PER_MINUTE: '100000', OEC_CLONE_RATE_LIMIT_PER_MINUTE: '100000' };

beforeAll(async () => {
  postgres = await startPostgres();
  // A's progress watchers never re-read on their own: only change events (from B, over the bus) wake them
  a = await startController(postgres, A_ENV, { feedFallbackMs: 3_600_000 });
  b = await startController(postgres, B_ENV, {}, { databaseUrl: a.databaseUrl, secret: a.secret });
  alice = await a.createUser('alice@example.com');
  // the agent dials replica A only
  t = await tenant(a, alice);
  held = await tenant(a, alice, { agent: { overrides: { 'clone.data': () => 'ignore' } } });
  watched = await tenant(a, alice, {
    agent: {
      overrides: {
        'clone.data': async (task, agent) => {
          agent.send({ type: 'task.progress', task_id: task.task_id, step: 'backing_up_database', fraction: 0.5, detail: { items_done: 7 } });
          await paced.wait;
          return { output: { database: { method: 'stream', bytes: 1000, tables: 1 }, filestore: null } };
        },
      },
    },
  });
  onB = b.as(alice.token);
});

afterAll(async () => {
  await t?.agent.close().catch(() => undefined);
  await held?.agent.close().catch(() => undefined);
  await watched?.agent.close().catch(() => undefined);
  await b?.close();
  await a?.close();
  await postgres?.close();
});

async function ownerOf(op: CloneOperation): Promise<string | null> {
  const { rows } = await a.db.query<{ owner: string | null }>('SELECT owner FROM clone_operations WHERE id = $1', [op.id]);
  return rows[0]?.owner ?? null;
}

describe('two controller replicas', () => {
  it('runs a clone on the replica that does not hold the agent: its tasks are relayed both ways', async () => {
    const op = await startClone(onB, t.source.id, { target: { create_new: true, environment_type: 'staging', name: 'relayed' }, sanitization_preset: 'full' });
    // waited on in the database: the first read of the completed operation would take the password
    const status = async () => (await a.db.query<{ status: string }>('SELECT status FROM clone_operations WHERE id = $1', [op.id])).rows[0]?.status;
    await waitFor(async () => ['completed', 'failed', 'cancelled'].includes((await status()) ?? ''), 'finished');
    expect(await status()).toBe('completed');
    expect(await ownerOf(op)).toBe(b.server.replicaId);
    const { rows } = await a.db.query<{ kind: string; owner: string; status: string }>(
      'SELECT kind, owner, status FROM tasks WHERE operation_id = $1 ORDER BY created_at',
      [op.id],
    );
    expect(rows.length).toBeGreaterThanOrEqual(6);
    // every task was created (and awaited) by B and reached the agent through A
    expect(rows.every((r) => r.owner === b.server.replicaId && r.status === 'succeeded')).toBe(true);
    expect(t.agent.tasks.filter((x) => x.fence.operation_id === op.id).map((x) => x.kind)).toEqual(rows.map((r) => r.kind));
    // the generated password (in the relayed, sealed result) is shown once, through the other replica
    expect((await getOp(alice.api, op.id)).generated_password).toBe('Secret-Password-42');
    expect((await getOp(onB, op.id)).generated_password).toBeUndefined();
    const raw = await a.db.query<{ t: string }>(
      `SELECT string_agg(row_to_json(x)::text, '') AS t FROM (SELECT * FROM tasks WHERE operation_id = $1) x`,
      [op.id],
    );
    expect(raw.rows[0]?.t).not.toContain('Secret-Password-42');
  });

  it('cancels, through replica A, a clone replica B runs: the agent gets task.cancel and the cleanup runs', async () => {
    const op = await startClone(onB, held.source.id, { target: { create_new: true, environment_type: 'staging', name: 'held' } });
    await waitOp(onB, op.id, (o) => o.status === 'backing_up_database', 'moving data');
    expect(await ownerOf(op)).toBe(b.server.replicaId);
    const data = await waitFor(() => held.agent.tasks.find((x) => x.kind === 'clone.data' && x.fence.operation_id === op.id), 'data task');
    const res = await alice.api.post(`/api/v1/clone-operations/${op.id}/cancel`, {});
    expect(res.status).toBe(200);
    await waitFor(() => held.agent.received.find((m) => m.type === 'task.cancel' && m.task_id === data.task_id), 'task.cancel relayed to the agent');
    const done = await waitOp(alice.api, op.id, (o) => o.cleanup === 'done', 'cleaned up');
    expect(done.status).toBe('cancelled');
    expect((await alice.api.get(`/api/v1/environments/${op.target_environment_id}`)).status).toBe(404);
  });

  it('shows an agent connected to A as connected on B', async () => {
    const server = await onB.ok<{ status: string }>('GET', `/api/v1/servers/${t.serverId}`);
    expect(server.status).toBe('RUNNING');
    const { rows } = await a.db.query<{ connected_replica: string }>('SELECT connected_replica FROM servers WHERE id = $1', [t.serverId]);
    expect(rows[0]?.connected_replica).toBe(a.server.replicaId);
  });

  it("serves on replica A the progress subscription of a clone B runs: B's changes reach A over the bus", async () => {
    const op = await startClone(onB, watched.source.id, { target: { create_new: true, environment_type: 'staging', name: 'watched' } });
    const seen: CloneOperation[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      trpcClient(a.url, alice.token).clones.progress.subscribe({ id: op.id }, { onData: (o) => seen.push(o), onComplete: resolve, onError: reject });
    });
    const items = (o: CloneOperation | undefined) => o?.progress.steps.find((s) => s.key === 'backing_up_database')?.detail.items_done;
    // A's watcher re-reads only when an event wakes it: B's progress write of the data step did
    await waitFor(() => items(seen.at(-1)) === 7 || undefined, 'the data step progress, run by B, on A');
    expect(await ownerOf(op)).toBe(b.server.replicaId);
    paced.open();
    await ended;
    expect(seen.at(-1)).toMatchObject({ id: op.id, status: 'completed' });
  });
});
