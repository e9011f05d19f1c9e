// The hub's task API against a fake database and a real WebSocket client: results, progress
// and log callbacks, agent errors, cancellation (cancelTask and AbortSignal), bad input, and
// shutdown. Liveness and reconnection are covered by the contract tests with PostgreSQL.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { QueryResult, QueryResultRow } from 'pg';
import { AppError, PROTOCOL_VERSION, controllerMessageSchema, parseFrame } from '@oec/shared';
import type { ControllerMessage } from '@oec/shared';
import type { Queryable } from '../db/pool.js';
import { silentLogger } from '../logger.js';
import { createAgentHub } from './hub.js';
import type { AgentHubServer } from './hub.js';
import { generateAgentToken, hashAgentToken } from './tokens.js';
import { localBus } from '../db/bus.js';
import { createSealer } from '../db/seal.js';

const SERVER_ID = '5b0c2d4e-6f70-4a81-92a3-b4c5d6e7f809';
const ENV = { environment_id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', db_name: 'oec_0f1e2d3c4b5a49788695a4b3c2d1e0f9' };
const FENCE = { operation_id: null, attempt: 0 };

function fakeDb(token: string): Queryable & { log: { text: string; values: unknown[] }[] } {
  const log: { text: string; values: unknown[] }[] = [];
  return {
    log,
    async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<QueryResult<R>> {
      log.push({ text, values });
      const rows = text.startsWith('SELECT agent_token_hash') && values[0] === SERVER_ID ? [{ agent_token_hash: hashAgentToken(token) }] : [];
      return { command: '', rowCount: 1, oid: 0, fields: [], rows: rows as unknown as R[] };
    },
  };
}

let seq = 0;
const ids = { uuid: () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}` };

/** A hub on `db` whose bus delivers nothing (this replica: `replica`). */
const hubOptions = (db: Queryable, replica: string) => ({
  db,
  logger: silentLogger(),
  clock: { now: () => new Date() },
  ids,
  heartbeatIntervalMs: 60_000,
  heartbeatMisses: 3,
  bus: localBus(replica),
  sealer: createSealer('a-test-secret-of-at-least-32-characters!'),
  replicaTtlMs: 15_000,
});

describe('agent hub tasks', () => {
  let token: string;
  let db: ReturnType<typeof fakeDb>;
  let hub: AgentHubServer;
  let http: Server;
  let agent: WebSocket;
  let received: ControllerMessage[];

  beforeEach(async () => {
    token = generateAgentToken(SERVER_ID);
    db = fakeDb(token);
    hub = createAgentHub(hubOptions(db, 'local'));
    http = createServer();
    http.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    agent = new WebSocket(`ws://127.0.0.1:${port}/agent/ws`, { headers: { authorization: `Bearer ${token}` } });
    received = [];
    agent.on('message', (data: Buffer) => {
      const msg = parseFrame(controllerMessageSchema, data.toString());
      if (msg) received.push(msg);
    });
    await new Promise((r) => agent.once('open', r));
    agent.send(
      JSON.stringify({
        type: 'hello',
        protocol_version: PROTOCOL_VERSION,
        running_tasks: [],
        facts: {
          hostname: 'h',
          runtime: 'local',
          agent_version: '1',
          disk_total_bytes: 2,
          disk_free_bytes: 1,
          pg_version: null,
          tools: {},
          bufferutil: false,
          peer_url: null,
          tls_fingerprint: null,
        },
      }),
    );
    await waitMessage('welcome');
  });

  afterEach(async () => {
    agent.terminate();
    await hub.close();
    await new Promise((r) => http.close(r));
  });

  async function waitMessage<T extends ControllerMessage['type']>(type: T, nth = 0): Promise<Extract<ControllerMessage, { type: T }>> {
    for (;;) {
      const found = received.filter((m): m is Extract<ControllerMessage, { type: T }> => m.type === type)[nth];
      if (found) return found;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  const send = (msg: object) => agent.send(JSON.stringify(msg));

  it('sends task.run, reports progress and logs, and resolves with the parsed output', async () => {
    const progress: number[] = [];
    const logs: string[] = [];
    const result = hub.runTask(SERVER_ID, 'env.inspect', ENV, {
      fence: FENCE,
      onProgress: (p) => progress.push(p.fraction),
      onLog: (l) => logs.push(`${l.level} ${l.message}`),
    });
    const run = await waitMessage('task.run');
    expect(run).toMatchObject({ kind: 'env.inspect', fence: FENCE, input: ENV });
    send({ type: 'task.accepted', task_id: run.task_id });
    send({ type: 'task.progress', task_id: run.task_id, fraction: 0.25, detail: {} });
    send({ type: 'task.log', task_id: run.task_id, ts: new Date().toISOString(), level: 'WARNING', message: 'slow disk' });
    const output = { exists: true, database_bytes: 10, filestore_bytes: 20, filestore_files: 3, addons_bytes: 0, extra: 'dropped' };
    send({ type: 'task.result', task_id: run.task_id, ok: true, output });
    await expect(result).resolves.toEqual({ exists: true, database_bytes: 10, filestore_bytes: 20, filestore_files: 3, addons_bytes: 0 });
    expect(progress).toEqual([0.25]);
    expect(logs).toEqual(['WARNING slow disk']);
    const writes = db.log.map((q) => q.text.split(/\s+/).slice(0, 3).join(' '));
    expect(writes).toEqual(expect.arrayContaining(['INSERT INTO tasks', 'INSERT INTO task_logs', 'UPDATE tasks SET']));
  });

  it('rejects with the agent’s error as an AppError', async () => {
    const result = hub.runTask(SERVER_ID, 'env.start', ENV, { fence: FENCE });
    const run = await waitMessage('task.run');
    send({
      type: 'task.result',
      task_id: run.task_id,
      ok: false,
      error: { code: 'DISK_FULL', message: 'full', details: { free: 0 }, retryable: false },
    });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'DISK_FULL', message: 'full', details: { free: 0 } });
  });

  it('cancels with cancelTask and with an AbortSignal, telling the agent', async () => {
    let taskId = '';
    const first = hub.runTask(SERVER_ID, 'env.stop', ENV, { fence: FENCE, onCreated: (id) => (taskId = id) });
    await waitMessage('task.run');
    expect(hub.cancelTask(taskId, 'operator asked')).toBe(true);
    expect(hub.cancelTask(taskId)).toBe(false);
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await waitMessage('task.cancel')).toEqual({ type: 'task.cancel', task_id: taskId, reason: 'operator asked' });

    const controller = new AbortController();
    const second = hub.runTask(SERVER_ID, 'env.stop', ENV, { fence: FENCE, signal: controller.signal });
    const run = await waitMessage('task.run', 1);
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await waitMessage('task.cancel', 1)).task_id).toBe(run.task_id);
    // A late result for a cancelled task is ignored.
    send({ type: 'task.result', task_id: run.task_id, ok: true, output: { ok: true } });
  });

  it('refuses input that does not match the task catalogue', async () => {
    await expect(hub.runTask(SERVER_ID, 'env.start', { environment_id: 'x', db_name: 'DROP TABLE' }, { fence: FENCE })).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });

  it('fails tasks in flight with AGENT_LOST when the controller shuts down', async () => {
    const outcome = hub.runTask(SERVER_ID, 'env.start', ENV, { fence: FENCE }).catch((e: unknown) => e);
    await waitMessage('task.run');
    await hub.close();
    expect(await outcome).toMatchObject({ code: 'AGENT_LOST', message: 'controller shutting down' });
  });
});

describe('an agent connected to another replica', () => {
  it('is confirmed from the database before the other replica’s notice arrives', async () => {
    // replica B's bus delivers nothing; the servers table says the agent is held by replica A
    let held = false;
    const db: Queryable = {
      async query<R extends QueryResultRow>(text: string): Promise<QueryResult<R>> {
        const rows = held && text.includes('connected_replica AS replica') ? [{ id: SERVER_ID, replica: 'replica-a' }] : [];
        return { command: '', rowCount: rows.length, oid: 0, fields: [], rows: rows as unknown as R[] };
      },
    };
    const hub = createAgentHub(hubOptions(db, 'replica-b'));
    try {
      expect(await hub.confirmConnected(SERVER_ID)).toBe(false);
      held = true;
      expect(hub.isConnected(SERVER_ID)).toBe(false);
      expect(await hub.confirmConnected(SERVER_ID)).toBe(true);
      expect(hub.isConnected(SERVER_ID)).toBe(true);
    } finally {
      await hub.close();
    }
  });
});
