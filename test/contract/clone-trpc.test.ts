// tRPC parity of the clone API (same data as REST, same error codes in data.appCode) and the
// live progress subscription over SSE: through @trpc/client's httpSubscriptionLink (auth by
// connection parameters, as a browser's EventSource would) and as a raw SSE stream.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import type { CloneOperation, Estimate, LogsResponse } from '@oec/shared';
import { gate } from './clone-agent.js';
import { CLONE_ENV, NEW_STAGING, getOp, startClone, tenant, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { startController, startPostgres, trpcClient, waitFor } from './harness.js';
import type { Client, Controller, Postgres } from './harness.js';
import { readSse } from '@oec/shared';

let postgres: Postgres;
let ctl: Controller;
let alice: { id: string; email: string; token: string; api: Client };
let t: Tenant;
const hold = gate();

const trpc = (token: string | null) => trpcClient(ctl.url, token);

beforeAll(async () => {
  postgres = await startPostgres();
  ctl = await startController(postgres, CLONE_ENV);
  alice = await ctl.createUser('alice@example.com');
  let first = true;
  t = await tenant(ctl, alice, {
    agent: {
      overrides: {
        // The first operation's data step waits for the test; later ones run straight through.
        'clone.data': async (task, agent) => {
          const held = first;
          first = false;
          agent.send({ type: 'task.progress', task_id: task.task_id, step: 'backing_up_database', fraction: 0.3, detail: {} });
          if (held) await hold.wait;
          return { output: { database: { method: 'stream', bytes: 1, tables: 1 }, filestore: null } };
        },
      },
    },
  });
});

afterAll(async () => {
  hold.open();
  await ctl?.close();
  await postgres?.close();
});

describe('tRPC parity', () => {
  it('clones, reads, lists, logs and estimates with the same data as REST', async () => {
    const client = trpc(alice.token);
    const op = await client.clones.clone.mutate({ environment_id: t.source.id, sanitization_preset: 'recommended', target: { create_new: true, environment_type: 'staging' } });
    expect(op).toMatchObject({ status: 'pending', source_environment_id: t.source.id, requested_by: alice.id });
    await waitOp(alice.api, op.id, (o) => o.status === 'backing_up_database', 'held in the data step');
    const viaTrpc = await client.clones.get.query({ id: op.id });
    const viaRest = await getOp(alice.api, op.id);
    const { elapsed_seconds: _a, eta_seconds: _b, ...p1 } = viaTrpc.progress;
    const { elapsed_seconds: _c, eta_seconds: _d, ...p2 } = viaRest.progress;
    expect({ ...viaTrpc, progress: p1 }).toEqual({ ...viaRest, progress: p2 });
    expect(await client.clones.listByProject.query({ project_id: t.project.id })).toEqual(
      await alice.api.ok('GET', `/api/v1/projects/${t.project.id}/clone-operations`),
    );
    expect((await client.clones.listByEnvironment.query({ environment_id: t.source.id, status: 'backing_up_database' })).items.map((o) => o.id)).toEqual([op.id]);
    expect(await client.clones.logs.query({ id: op.id, limit: 3 })).toEqual(
      await alice.api.ok<LogsResponse>('GET', `/api/v1/clone-operations/${op.id}/logs?limit=3`),
    );
    const est = await client.clones.estimate.query({ environment_id: t.source.id, sanitization_preset: 'recommended', target: { create_new: true, environment_type: 'staging' } });
    expect(est).toEqual(await alice.api.ok<Estimate>('POST', `/api/v1/environments/${t.source.id}/clone/estimate`, NEW_STAGING));
  });

  it('maps errors to the same codes, with the reason in data.details', async () => {
    const client = trpc(alice.token);
    const appCode = async (p: Promise<unknown>) => {
      const err = await p.then(() => null, (e: unknown) => e);
      if (!(err instanceof TRPCClientError)) throw new Error(`expected a TRPCClientError, got ${String(err)}`);
      return err.data as { appCode: string; httpStatus: number; details: Record<string, unknown> | null };
    };
    expect(await appCode(client.clones.get.query({ id: randomUUID() }))).toMatchObject({ appCode: 'CLONE_NOT_FOUND', httpStatus: 404 });
    const bad = await appCode(
      client.clones.clone.mutate({ environment_id: t.source.id, target: { create_new: true, environment_type: 'staging', name: 'production' } }),
    );
    expect(bad).toMatchObject({ appCode: 'INVALID_TARGET_CONFIG', httpStatus: 400, details: { reason: 'NAME_TAKEN' } });
    expect(await appCode(client.clones.admin.list.query())).toMatchObject({ appCode: 'PERMISSION_DENIED', httpStatus: 403 });
    const admin = await ctl.tokenFor(ctl.adminId);
    expect((await trpc(admin).clones.admin.list.query({ limit: 5 })).items.length).toBeGreaterThan(0);
  });
});

describe('progress subscription', () => {
  it('yields the operation as it changes until it has finished (httpSubscriptionLink)', async () => {
    const client = trpc(alice.token);
    const ops = await client.clones.listByEnvironment.query({ environment_id: t.source.id, status: 'backing_up_database' });
    const id = ops.items[0]?.id ?? '';
    const seen: CloneOperation[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      client.clones.progress.subscribe({ id }, { onData: (op) => seen.push(op), onComplete: resolve, onError: reject });
    });
    await waitFor(() => seen.length > 0, 'first update');
    expect(seen[0]?.status).toBe('backing_up_database');
    hold.open();
    await ended;
    const last = seen.at(-1);
    expect(last).toMatchObject({ id, status: 'completed', cleanup: 'none' });
    expect(last?.progress.progress_percent).toBe(100);
    const percents = seen.map((o) => o.progress.progress_percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(new Set(seen.map((o) => o.status)).size).toBeGreaterThan(1);
  });

  it('fans one operation out to 50 concurrent subscribers: each sees the burst\'s last progress and the final event', async () => {
    const held = gate();
    const burst = 200;
    const fan = await tenant(ctl, alice, {
      agent: {
        overrides: {
          // A burst of progress faster than any write interval, then the data step waits.
          'clone.data': async (task, agent) => {
            for (let i = 1; i <= burst; i++) {
              agent.send({ type: 'task.progress', task_id: task.task_id, step: 'backing_up_database', fraction: i / (2 * burst), detail: { items_done: i } });
            }
            await held.wait;
            return { output: { database: { method: 'stream', bytes: 1, tables: 1 }, filestore: null } };
          },
        },
      },
    });
    const op = await startClone(alice.api, fan.source.id);
    await waitOp(alice.api, op.id, (o) => o.status === 'backing_up_database', 'held in the data step');
    const subscribers = Array.from({ length: 50 }, () => {
      const seen: CloneOperation[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        trpc(alice.token).clones.progress.subscribe({ id: op.id }, { onData: (o) => seen.push(o), onComplete: resolve, onError: reject });
      });
      return { seen, ended };
    });
    // Every subscriber gets the latest state of the burst (the coalesced write or memory).
    await waitFor(
      () => subscribers.every((s) => s.seen.at(-1)?.progress.steps.find((st) => st.key === 'backing_up_database')?.detail.items_done === burst),
      'the burst\'s last progress at every subscriber',
    );
    held.open();
    await Promise.all(subscribers.map((s) => s.ended));
    for (const s of subscribers) {
      expect(s.seen.at(-1)).toMatchObject({ id: op.id, status: 'completed', cleanup: 'none' });
      const percents = s.seen.map((o) => o.progress.progress_percent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
    }
    // The row holds the final state.
    expect((await getOp(alice.api, op.id)).progress.progress_percent).toBe(100);
  });

  it('serves a raw SSE stream with the Authorization header, and refuses without it', async () => {
    const op = await waitOp(alice.api, (await startClone(alice.api, t.source.id)).id);
    const url = `${ctl.url}/trpc/clones.progress?input=${encodeURIComponent(JSON.stringify({ id: op.id }))}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${alice.token}`, accept: 'text/event-stream' } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = [];
    for await (const ev of readSse(res.body as ReadableStream<Uint8Array>)) events.push(ev);
    expect(events.map((e) => e.event)).toEqual(['connected', 'message', 'return']);
    expect(JSON.parse(events[1]?.data ?? '{}')).toMatchObject({ id: op.id, status: 'completed' });

    const anon = await fetch(url, { headers: { accept: 'text/event-stream' } });
    const refused = [];
    for await (const ev of readSse(anon.body as ReadableStream<Uint8Array>)) refused.push(ev);
    const error = refused.find((e) => e.event === 'serialized-error');
    expect(JSON.parse(error?.data ?? '{}')).toMatchObject({ data: { appCode: 'UNAUTHENTICATED' } });
  });
});
