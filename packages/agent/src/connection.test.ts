import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, type ServerFacts } from '@oec/shared';
import { createConnection, type Connection, type TaskMessage } from './connection.js';
import { createLogger } from './logger.js';
import { FakeController } from './testing/fake-controller.js';

const facts: ServerFacts = {
  hostname: 'agent-test',
  runtime: 'local',
  agent_version: '0.1.0',
  disk_total_bytes: 100,
  disk_free_bytes: 50,
  pg_version: '15.18',
  tools: { pg_dump: '15.18' },
  bufferutil: false,
  peer_url: null,
  tls_fingerprint: null,
  tls_certificate: null,
};

let controller: FakeController | undefined;
let connection: Connection | undefined;
afterEach(async () => {
  await connection?.close();
  await controller?.close();
  connection = undefined;
  controller = undefined;
});

function connect(ctl: FakeController, received: TaskMessage[] = [], invalid: string[] = [], urls = [ctl.url]): Connection {
  connection = createConnection({
    urls,
    token: 'tok-secret',
    logger: createLogger('silent'),
    reconnect: { minMs: 20, maxMs: 300 },
    welcomeTimeoutMs: 2000,
    hello: async () => ({ facts, running_tasks: ['11111111-1111-4111-8111-111111111111'] }),
    heartbeat: async () => ({ disk_free_bytes: 50, disk_total_bytes: 100, running_tasks: [] }),
    onMessage: (m) => {
      received.push(m);
      if (m.type === 'task.run') connection?.send({ type: 'task.result', task_id: m.task_id, ok: true, output: { ok: true } });
    },
    onInvalidFrame: (raw) => invalid.push(raw),
  });
  connection.start();
  return connection;
}

describe('controller connection', () => {
  it('authenticates, says hello with the protocol version and facts, then heartbeats', async () => {
    const ctl = (controller = await FakeController.start({ heartbeatIntervalMs: 100 }));
    const conn = connect(ctl);
    await ctl.until(() => ctl.frames('heartbeat').length >= 2, 'two heartbeats');
    expect(ctl.current?.authorization).toBe('Bearer tok-secret');
    expect(ctl.frames()[0]).toEqual({
      type: 'hello',
      protocol_version: 1,
      facts,
      running_tasks: ['11111111-1111-4111-8111-111111111111'],
    });
    expect(ctl.frames('heartbeat')[0]).toEqual({ type: 'heartbeat', disk_free_bytes: 50, disk_total_bytes: 100, running_tasks: [] });
    await ctl.until(() => conn.connected, 'connected');
  });

  it('tries the controller replicas in turn: a dead first URL does not keep it from the second', async () => {
    const ctl = (controller = await FakeController.start());
    const dead = await FakeController.start();
    const deadUrl = dead.url;
    await dead.close();
    const conn = connect(ctl, [], [], [deadUrl, ctl.url]);
    await ctl.until(() => ctl.frames('hello').length === 1, 'hello on the second replica');
    await ctl.until(() => conn.connected, 'connected');
  });

  it('reconnects after the controller drops the socket, and runs tasks on the new link', async () => {
    const ctl = (controller = await FakeController.start());
    const received: TaskMessage[] = [];
    connect(ctl, received);
    await ctl.until(() => ctl.frames('hello').length === 1, 'hello');
    ctl.current?.socket.terminate();
    await ctl.until(() => ctl.frames('hello').length === 2, 'hello after reconnect');
    const taskId = randomUUID();
    const run = { type: 'task.run', task_id: taskId, kind: 'env.inspect', fence: { operation_id: null, attempt: 0 }, input: {} };
    ctl.send(run);
    await ctl.until(() => ctl.frames('task.result').length === 1, 'result');
    expect(ctl.frames('task.result')[0]).toMatchObject({ task_id: taskId, ok: true });
    expect(received).toEqual([run]);
  });

  it('keeps a result produced while disconnected and sends it after the next welcome', async () => {
    const ctl = (controller = await FakeController.start());
    const conn = connect(ctl);
    await ctl.until(() => conn.connected, 'connected');
    const closed = new Promise((r) => ctl.current?.socket.once('close', r));
    ctl.current?.socket.close(1012, 'restarting');
    await closed;
    await ctl.until(() => !conn.connected, 'agent noticed');
    const taskId = randomUUID();
    conn.send({ type: 'task.result', task_id: taskId, ok: true, output: { ok: true } });
    conn.send({ type: 'task.progress', task_id: taskId, fraction: 0.5, detail: {} });
    await ctl.until(() => ctl.frames('task.result').length === 1, 'flushed result');
    const second = ctl.links[1]?.frames.map((f) => f.type);
    expect(second?.slice(0, 2)).toEqual(['hello', 'task.result']);
    expect(ctl.frames('task.progress')).toEqual([]);
  });

  it('ignores bad frames and reports them, staying connected', async () => {
    const ctl = (controller = await FakeController.start());
    const invalid: string[] = [];
    const received: TaskMessage[] = [];
    const conn = connect(ctl, received, invalid);
    await ctl.until(() => conn.connected, 'connected');
    ctl.send('{not json');
    ctl.send({ type: 'task.run', task_id: 'x' });
    ctl.send({ type: 'task.cancel', task_id: randomUUID(), reason: 'r' });
    await ctl.until(() => received.length === 1, 'the valid frame');
    expect(invalid).toHaveLength(2);
    expect(ctl.links).toHaveLength(1);
  });

  it('retries after an UNAUTHORIZED close', async () => {
    const ctl = (controller = await FakeController.start());
    connect(ctl);
    await ctl.until(() => ctl.frames('hello').length === 1, 'hello');
    ctl.current?.socket.close(CloseCode.UNAUTHORIZED, 'bad token');
    await ctl.until(() => ctl.frames('hello').length === 2, 'hello after retry');
  });

  it('gives up on a link that is never welcomed and dials again', async () => {
    const ctl = (controller = await FakeController.start({ welcome: false }));
    connect(ctl);
    await ctl.until(() => ctl.frames('hello').length >= 2, 'a second hello');
  });

  it('drops a controller that went silent and dials again', async () => {
    const ctl = (controller = await FakeController.start({ heartbeatIntervalMs: 50, autoPong: false }));
    connect(ctl);
    await ctl.until(() => ctl.frames('hello').length >= 2, 'hello on a second connection');
    expect(ctl.links.length).toBeGreaterThanOrEqual(2);
  });
});
