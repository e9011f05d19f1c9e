// The agent hub through a fake agent: upgrade authentication, hello/welcome and RUNNING, protocol
// mismatch, UNREACHABLE on socket drop / missed heartbeats / unanswered pings, replacement by a
// newer connection, task resend after a reconnect, AGENT_LOST after the grace period, and
// garbage frames.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '@oec/shared';
import type { CreateServerResponse, Environment, Organization, Project, Server } from '@oec/shared';
import { FakeAgent, startController, startPostgres, waitFor } from './harness.js';
import type { Controller, Postgres } from './harness.js';

let postgres: Postgres;
/** Heartbeat sweeps effectively off: only a closing socket can make a server UNREACHABLE. */
let slow: Controller;
/** Heartbeat 100 ms × 3: silent agents are dropped quickly. */
let fast: Controller;
/** Like slow, but tasks give up on a vanished agent after 200 ms. */
let impatient: Controller;
const agents: FakeAgent[] = [];

async function connect(ctl: Controller, token: string | null, opts: Parameters<typeof FakeAgent.connect>[2] = {}) {
  const agent = await FakeAgent.connect(ctl.wsUrl, token, opts);
  agents.push(agent);
  return agent;
}

async function setup(ctl: Controller): Promise<{ org: Organization; project: Project; server: CreateServerResponse }> {
  const org = await ctl.admin.ok<Organization>('POST', '/api/v1/organizations', { name: `org-${randomUUID().slice(0, 6)}` });
  const project = await ctl.admin.ok<Project>('POST', '/api/v1/projects', { organization_id: org.id, name: 'p' });
  const server = await ctl.admin.ok<CreateServerResponse>('POST', '/api/v1/servers', { organization_id: org.id, name: 's' });
  return { org, project, server };
}

const serverOf = (ctl: Controller, id: string) => ctl.admin.ok<Server>('GET', `/api/v1/servers/${id}`);

function waitServer(ctl: Controller, id: string, status: Server['status']): Promise<Server> {
  return waitFor(async () => {
    const s = await serverOf(ctl, id);
    return s.status === status ? s : undefined;
  }, `server ${status}`);
}

function waitEnv(ctl: Controller, id: string, status: Environment['status']): Promise<Environment> {
  return waitFor(async () => {
    const e = await ctl.admin.ok<Environment>('GET', `/api/v1/environments/${id}`);
    return e.status === status ? e : undefined;
  }, `environment ${status}`);
}

beforeAll(async () => {
  postgres = await startPostgres();
  const quiet = { OEC_HEARTBEAT_INTERVAL_MS: '60000', OEC_RATE_LIMIT_PER_MINUTE: '100000' };
  slow = await startController(postgres, quiet, { agentGraceMs: 60_000 });
  impatient = await startController(postgres, quiet, { agentGraceMs: 200 });
  fast = await startController(postgres, { OEC_HEARTBEAT_INTERVAL_MS: '100', OEC_HEARTBEAT_MISSES: '3' });
});

afterAll(async () => {
  for (const a of agents) await a.close().catch(() => undefined);
  for (const c of [slow, impatient, fast]) await c?.close();
  await postgres?.close();
});

describe('agent authentication', () => {
  it('refuses the upgrade with 401 for a missing, malformed, unknown or wrong token, and 404 off the agent path', async () => {
    const { server } = await setup(slow);
    const secret = server.agent_token.slice(server.agent_token.indexOf('.') + 1);
    for (const token of [
      null,
      'garbage',
      `${server.id}.${'A'.repeat(43)}`,
      `${randomUUID()}.${secret}`,
      `${server.agent_token}x`,
    ]) {
      const agent = await connect(slow, token);
      expect(agent.refusedStatus).toBe(401);
      expect(agent.welcomed).toBe(false);
    }
    const offPath = await FakeAgent.connect(`${slow.url.replace(/^http/, 'ws')}/elsewhere`, server.agent_token);
    expect(offPath.refusedStatus).toBe(404);
    expect((await serverOf(slow, server.id)).status).toBe('PENDING');
  });
});

describe('registration', () => {
  it('marks the server RUNNING on hello, stores its facts and answers welcome', async () => {
    const { server } = await setup(slow);
    expect(server.status).toBe('PENDING');
    const agent = await connect(slow, server.agent_token, { facts: { hostname: 'db-1', disk_total_bytes: 500e9, disk_free_bytes: 200e9 } });
    expect(agent.received[0]).toEqual({
      type: 'welcome',
      protocol_version: PROTOCOL_VERSION,
      server_id: server.id,
      heartbeat_interval_ms: 60_000,
    });
    const s = await serverOf(slow, server.id);
    expect(s.status).toBe('RUNNING');
    expect(s.facts).toMatchObject({ hostname: 'db-1', runtime: 'local', pg_version: '15.8' });
    // An agent older than copy-on-write clones reports no `cow`.
    expect(s.facts?.cow).toBeUndefined();
    expect(s.last_seen_at).not.toBeNull();
    // Heartbeats keep free/total disk current.
    await waitFor(async () => (await serverOf(slow, server.id)).disk?.free_bytes === 50e9, 'disk from heartbeat');
    expect((await serverOf(slow, server.id)).disk).toEqual({ free_bytes: 50e9, total_bytes: 100e9 });
  });

  it('stores the copy-on-write probe an agent reports', async () => {
    const { server } = await setup(slow);
    const cow = { available: true, filesystem: 'xfs', reason: 'xfs clones files (FICLONE)' };
    await connect(slow, server.agent_token, { facts: { cow } });
    expect((await serverOf(slow, server.id)).facts?.cow).toEqual(cow);
  });

  it('closes PROTOCOL_MISMATCH when the first frame is not a hello of our protocol version', async () => {
    const { server } = await setup(slow);
    const old = await connect(slow, server.agent_token, { protocolVersion: PROTOCOL_VERSION + 1 });
    expect((await old.closed).code).toBe(CloseCode.PROTOCOL_MISMATCH);
    const rude = await connect(slow, server.agent_token, { hello: false });
    rude.send({ type: 'heartbeat', disk_free_bytes: 1, disk_total_bytes: 2, running_tasks: [] });
    expect((await rude.closed).code).toBe(CloseCode.PROTOCOL_MISMATCH);
    expect((await serverOf(slow, server.id)).status).toBe('PENDING');
  });

  it('replaces an older connection of the same server (REPLACED) and stays RUNNING', async () => {
    const { project, server } = await setup(slow);
    const first = await connect(slow, server.agent_token);
    const second = await connect(slow, server.agent_token);
    expect((await first.closed).code).toBe(CloseCode.REPLACED);
    // Tasks go to the newer connection; the old one closing did not mark the server UNREACHABLE.
    const env = await slow.admin.ok<Environment>('POST', `/api/v1/projects/${project.id}/environments`, {
      name: 'after-replace',
      environment_type: 'staging',
      server_id: server.id,
    });
    await waitEnv(slow, env.id, 'RUNNING');
    expect(second.tasks.map((t) => t.kind)).toEqual(['env.create', 'env.start']);
    expect(first.tasks).toEqual([]);
    expect((await serverOf(slow, server.id)).status).toBe('RUNNING');
  });
});

describe('liveness', () => {
  it('marks the server UNREACHABLE as soon as the socket drops, RUNNING again on reconnect', async () => {
    const { server } = await setup(slow);
    const agent = await connect(slow, server.agent_token);
    expect((await serverOf(slow, server.id)).status).toBe('RUNNING');
    await agent.terminate();
    await waitServer(slow, server.id, 'UNREACHABLE');
    await connect(slow, server.agent_token);
    await waitServer(slow, server.id, 'RUNNING');
  });

  it('marks the server UNREACHABLE after missed heartbeats and closes HEARTBEAT_TIMEOUT', async () => {
    const { server } = await setup(fast);
    const agent = await connect(fast, server.agent_token, { heartbeatMs: null });
    expect(agent.welcomed).toBe(true);
    await waitServer(fast, server.id, 'UNREACHABLE');
    expect((await agent.closed).code).toBe(CloseCode.HEARTBEAT_TIMEOUT);
  });

  it('terminates a socket that stops answering pings', async () => {
    const { server } = await setup(fast);
    const agent = await connect(fast, server.agent_token, { autoPong: false, heartbeatMs: 20 });
    expect((await agent.closed).code).toBe(1006);
    await waitServer(fast, server.id, 'UNREACHABLE');
  });

  it('ignores garbage frames, then closes BAD_MESSAGE when they keep coming', async () => {
    const { server } = await setup(slow);
    const agent = await connect(slow, server.agent_token);
    agent.sendRaw('{not json');
    agent.send({ type: 'task.result', task_id: randomUUID(), ok: true, output: {} });
    agent.send({ type: 'no.such.type' });
    expect((await serverOf(slow, server.id)).status).toBe('RUNNING');
    for (let i = 0; i < 10; i++) agent.sendRaw(`garbage ${i}`);
    expect((await agent.closed).code).toBe(CloseCode.BAD_MESSAGE);
    await waitServer(slow, server.id, 'UNREACHABLE');
  });
});

describe('tasks across disconnects', () => {
  it('resends task.run to the agent when it reconnects, and the task completes', async () => {
    const { project, server } = await setup(slow);
    const first = await connect(slow, server.agent_token, { onTask: () => 'ignore' });
    const env = await slow.admin.ok<Environment>('POST', `/api/v1/projects/${project.id}/environments`, {
      name: 'resilient',
      environment_type: 'staging',
      server_id: server.id,
    });
    const sent = await waitFor(() => first.tasks[0], 'env.create sent');
    await first.terminate();
    await waitServer(slow, server.id, 'UNREACHABLE');
    const second = await connect(slow, server.agent_token);
    await waitEnv(slow, env.id, 'RUNNING');
    expect(second.tasks[0]).toMatchObject({ type: 'task.run', task_id: sent.task_id, kind: 'env.create' });
    const { rows } = await slow.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [sent.task_id]);
    expect(rows[0]?.status).toBe('succeeded');
  });

  it('fails the task with AGENT_LOST when the agent does not come back within the grace period', async () => {
    const { project, server } = await setup(impatient);
    const agent = await connect(impatient, server.agent_token, { onTask: () => 'ignore' });
    const env = await impatient.admin.ok<Environment>('POST', `/api/v1/projects/${project.id}/environments`, {
      name: 'orphan',
      environment_type: 'staging',
      server_id: server.id,
    });
    const sent = await waitFor(() => agent.tasks[0], 'env.create sent');
    await agent.terminate();
    await waitEnv(impatient, env.id, 'FAILED');
    const { rows } = await impatient.db.query<{ status: string; error: { code: string } }>(
      'SELECT status, error FROM tasks WHERE id = $1',
      [sent.task_id],
    );
    expect(rows[0]).toMatchObject({ status: 'failed', error: { code: 'AGENT_LOST' } });
  });

  it('fails a task whose output does not match its schema (TASK_FAILED)', async () => {
    const { project, server } = await setup(slow);
    await connect(slow, server.agent_token, { onTask: () => ({ output: { db_name: 42 } }) });
    const env = await slow.admin.ok<Environment>('POST', `/api/v1/projects/${project.id}/environments`, {
      name: 'malformed',
      environment_type: 'staging',
      server_id: server.id,
    });
    await waitEnv(slow, env.id, 'FAILED');
    const { rows } = await slow.db.query<{ last_error: { code: string } }>('SELECT last_error FROM environments WHERE id = $1', [env.id]);
    expect(rows[0]?.last_error.code).toBe('TASK_FAILED');
  });
});
