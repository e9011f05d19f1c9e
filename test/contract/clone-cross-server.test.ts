// A clone onto another server, driven through two fake agents: the checks of the target server
// (reachable, peer endpoint, PostgreSQL, disk), where each task runs, the tickets (the target is
// told only hashes, the source the matching secrets, new ones for every transfer attempt), the
// streams and codec chosen from the options and the agents' tools, the bounded retry of an
// interrupted transfer, and no retry where retrying cannot help.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CreateServerResponse, Environment } from '@oec/shared';
import { cloneBehaviour, connectCloneAgent, error } from './clone-agent.js';
import type { CloneAgentOptions, TaskRun } from './clone-agent.js';
import { CLONE_ENV, cloneRequest, expectError, startClone, tenant, waitEnv, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile } from './harness.js';
import type { Controller, FakeAgent, User } from './harness.js';

let ctl: Controller;
let alice: User;

controllerPerFile(CLONE_ENV, (started) => {
  ({ ctl, alice } = started);
});

const PEER = {
  peer_url: 'wss://server-b.example.com:8443',
  tls_fingerprint: 'AA:BB:CC',
  tls_certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  pg_version: '15.8',
  tools: { pg_dump: '15.8', zstd: '1.5.4' },
};

interface Pair {
  t: Tenant;
  b: FakeAgent;
  bServerId: string;
}

async function pair(opts: { b?: CloneAgentOptions; a?: CloneAgentOptions } = {}): Promise<Pair> {
  const t = await tenant(ctl, alice, { agent: { facts: { pg_version: '15.8', tools: { pg_dump: '15.8', zstd: '1.5.4' } }, ...opts.a } });
  const server = await alice.api.ok<CreateServerResponse>('POST', '/api/v1/servers', { organization_id: t.org.id, name: 'server-b' });
  const b = await connectCloneAgent(ctl.wsUrl, server.agent_token, { ...opts.b, facts: { ...PEER, ...opts.b?.facts } });
  await waitFor(async () => (await alice.api.ok<{ status: string }>('GET', `/api/v1/servers/${server.id}`)).status === 'RUNNING');
  return { t, b, bServerId: server.id };
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

const across = (p: Pair, extra: Record<string, unknown> = {}) => ({
  target: { create_new: true, environment_type: 'staging', vm_id: p.bServerId },
  sanitization_preset: 'recommended',
  ...extra,
});

const opTasks = (agent: FakeAgent, opId: string): TaskRun[] =>
  agent.tasks.filter((task) => task.fence.operation_id === opId);

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('clone to another server', () => {
  it('runs validate and send on the source, everything else on the target, with single-purpose tickets', async () => {
    const p = await pair();
    const op = await startClone(alice.api, p.t.source.id, across(p));
    expect(op.cross_server).toBe(true);
    const done = await waitOp(alice.api, op.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(opTasks(p.t.agent, op.id).map((t) => t.kind)).toEqual(['clone.validate', 'clone.send', 'clone.send']);
    expect(opTasks(p.b, op.id).map((t) => t.kind)).toEqual([
      'clone.prepare',
      'clone.receive',
      'clone.receive',
      'clone.sanitize',
      'clone.verify',
      'env.create',
    ]);
    const target = await waitEnv(alice.api, done.target_environment_id, 'RUNNING');
    expect(target.server_id).toBe(p.bServerId);

    // Each transfer: the target learns hashes only, the source the secrets that match them.
    const receives = opTasks(p.b, op.id).filter((t) => t.kind === 'clone.receive');
    const sends = opTasks(p.t.agent, op.id).filter((t) => t.kind === 'clone.send');
    for (const [i, send] of sends.entries()) {
      const sent = (send.input as { transfer: { tickets: { stream: string; ticket: string }[]; peer: { url: string; fingerprint: string }; codec: string } }).transfer;
      const announced = (receives[i]?.input as { transfer: { tickets: { stream: string; hash: string }[] } }).transfer;
      expect(sent.peer).toMatchObject({ url: PEER.peer_url, fingerprint: PEER.tls_fingerprint, server_name: 'server-b' });
      expect(sent.codec).toBe('none');
      expect(announced.tickets.map((k) => k.stream)).toEqual(sent.tickets.map((k) => k.stream));
      expect(announced.tickets.map((k) => k.hash)).toEqual(sent.tickets.map((k) => sha256(k.ticket)));
      expect(JSON.stringify(receives[i]?.input)).not.toContain(sent.tickets[0]?.ticket ?? '?');
    }
    const streams = sends.map((s) => (s.input as { transfer: { tickets: { stream: string }[] } }).transfer.tickets.map((k) => k.stream));
    expect(streams).toEqual([['addons'], ['database', 'filestore-0', 'filestore-1', 'filestore-2', 'filestore-3']]);
    const secrets = sends.flatMap((s) => (s.input as { transfer: { tickets: { ticket: string }[] } }).transfer.tickets.map((k) => k.ticket));
    expect(new Set(secrets).size).toBe(secrets.length);
    const logs = await alice.api.ok<{ items: { message: string }[] }>('GET', `/api/v1/clone-operations/${op.id}/logs`);
    expect(logs.items.map((l) => l.message).join('\n')).toMatch(/Streaming database, filestore-0.* from .* to server-b/);
  });

  it('picks zstd when both agents have it and gzip otherwise; one filestore stream without parallel_transfer', async () => {
    const p = await pair();
    const op = await startClone(alice.api, p.t.source.id, across(p, { options: { compress: true, parallel_transfer: false } }));
    expect((await waitOp(alice.api, op.id)).status).toBe('completed');
    const sends = opTasks(p.t.agent, op.id).filter((t) => t.kind === 'clone.send');
    const data = (sends[1]?.input as { transfer: { codec: string; tickets: { stream: string }[] } }).transfer;
    expect(data.codec).toBe('zstd');
    expect(data.tickets.map((k) => k.stream)).toEqual(['database', 'filestore-0']);

    const q = await pair({ b: { facts: { tools: { pg_dump: '15.8' } } } });
    const op2 = await startClone(alice.api, q.t.source.id, across(q, { options: { compress: true }, include_filestore: false }));
    expect((await waitOp(alice.api, op2.id)).status).toBe('completed');
    const data2 = (opTasks(q.t.agent, op2.id).filter((t) => t.kind === 'clone.send')[1]?.input as { transfer: { codec: string; tickets: { stream: string }[] } }).transfer;
    expect(data2.codec).toBe('gzip');
    expect(data2.tickets.map((k) => k.stream)).toEqual(['database']);
  });

  it('retries an interrupted transfer with new tickets, and succeeds', async () => {
    let failures = 1;
    const p = await pair({
      a: {
        overrides: {
          'clone.send': (task) => {
            const input = task.input as { transfer: { tickets: { stream: string }[] } };
            if (input.transfer.tickets[0]?.stream === 'database' && failures-- > 0) {
              return error('TRANSFER_FAILED', 'Connection to server-b (database) lost: closed (1006)', { step: 'restoring_database' });
            }
            return { output: { streams: input.transfer.tickets.map((k) => ({ stream: k.stream, wire_bytes: 1, raw_bytes: 1, files: 0, reused_files: 0 })) } };
          },
        },
      },
    });
    const op = await startClone(alice.api, p.t.source.id, across(p));
    const done = await waitOp(alice.api, op.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const dataSends = opTasks(p.t.agent, op.id).filter((t) => t.kind === 'clone.send').slice(1);
    expect(dataSends).toHaveLength(2);
    const tickets = dataSends.map((s) => (s.input as { transfer: { tickets: { ticket: string }[] } }).transfer.tickets[0]?.ticket);
    expect(tickets[0]).not.toBe(tickets[1]);
    const logs = await alice.api.ok<{ items: { message: string }[] }>('GET', `/api/v1/clone-operations/${op.id}/logs`);
    expect(logs.items.map((l) => l.message).join('\n')).toContain('retrying with new tickets (attempt 2 of 3)');
  });

  it('gives up after three interrupted attempts, and does not retry a full disk; cleanup runs on the target', async () => {
    const streamsOf = (task: TaskRun) => (task.input as { transfer: { tickets: { stream: string }[] } }).transfer.tickets.map((k) => k.stream);
    const ok = (task: TaskRun) => ({ output: { streams: streamsOf(task).map((stream) => ({ stream, wire_bytes: 1, raw_bytes: 1, files: 0, reused_files: 0 })) } });
    // The addons transfer goes through; every data transfer fails.
    const always = (code: string, message: string, step: string) => (task: TaskRun) =>
      streamsOf(task).includes('database') ? error(code, message, { step }) : ok(task);
    const p = await pair({ a: { overrides: { 'clone.send': always('TRANSFER_FAILED', 'No answer from server-b for 30 s', 'restoring_database') } } });
    const op = await startClone(alice.api, p.t.source.id, across(p));
    const failed = await waitOp(alice.api, op.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'TRANSFER_FAILED', step: 'restoring_database', retryable: true });
    expect(opTasks(p.t.agent, op.id).filter((t) => t.kind === 'clone.send')).toHaveLength(1 + 3);
    expect(failed.cleanup).toBe('done');
    expect(opTasks(p.b, op.id).map((t) => t.kind)).toContain('clone.cleanup');
    expect(opTasks(p.t.agent, op.id).map((t) => t.kind)).not.toContain('clone.cleanup');

    const defaults = cloneBehaviour();
    const diskFull = (task: TaskRun, agent: FakeAgent) =>
      streamsOf(task).includes('database') ? error('DISK_FULL', 'The disk of server-b is full: ENOSPC', { step: 'restoring_filestore' }) : defaults(task, agent);
    const q = await pair({ b: { overrides: { 'clone.receive': diskFull } } });
    const op2 = await startClone(alice.api, q.t.source.id, across(q));
    const full = await waitOp(alice.api, op2.id);
    // Not retried as a transfer; retryable as an operation once cleaned up (after freeing space).
    expect(full.error).toMatchObject({ code: 'DISK_FULL', step: 'restoring_filestore', retryable: true });
    expect(opTasks(q.b, op2.id).filter((t) => t.kind === 'clone.receive')).toHaveLength(2);
    // The data receiver failed before it was ready: the source was never asked to send data.
    expect(opTasks(q.t.agent, op2.id).filter((t) => t.kind === 'clone.send')).toHaveLength(1);
  });

  it('checks the target server: reachable, a peer endpoint, PostgreSQL, disk; and disk is checked there', async () => {
    const p = await pair({ b: { facts: { peer_url: null } } });
    const reason = (res: { status: number; body: unknown }) => expectError(res, 400, 'INVALID_TARGET_CONFIG');
    const noPeer = reason(await cloneRequest(alice.api, p.t.source.id, across(p)));
    expect(noPeer.details).toMatchObject({ reason: 'SERVER_UNREACHABLE', server_id: p.bServerId });
    expect(noPeer.message).toContain('does not accept cross-server transfers');

    const old = await pair({ b: { facts: { pg_version: '14.10' } } });
    const pgOld = reason(await cloneRequest(alice.api, old.t.source.id, across(old)));
    expect(pgOld.details).toMatchObject({ reason: 'PG_INCOMPATIBLE' });

    const small = await pair({ b: { facts: { disk_free_bytes: 10e6 } } });
    const disk = expectError(await cloneRequest(alice.api, small.t.source.id, across(small)), 400, 'INSUFFICIENT_DISK_SPACE');
    expect(disk.message).toBe('Target server needs 84 MB free, only 10 MB available');
    expect(disk.details).toMatchObject({ server_id: small.bServerId });

  });

  it('replaces an environment that lives on another server: a cross-server replace', async () => {
    const p = await pair();
    const created = await alice.api.ok<Environment>('POST', `/api/v1/projects/${p.t.project.id}/environments`, {
      name: 'staging-b',
      environment_type: 'staging',
      server_id: p.bServerId,
    });
    await waitEnv(alice.api, created.id, 'RUNNING');
    const op = await startClone(alice.api, p.t.source.id, {
      target: { create_new: false, environment_id: created.id, confirm_name: 'staging-b' },
      sanitization_preset: 'minimal',
    });
    expect(op.cross_server).toBe(true);
    expect((await waitOp(alice.api, op.id)).status).toBe('completed');
    const receive = opTasks(p.b, op.id).find((t) => t.kind === 'clone.receive')?.input as { donors: { environment_id: string }[]; servers: unknown };
    expect(receive.servers).toEqual({ source: expect.any(String) as string, target: 'server-b' });
    // The replaced target's own filestore may give files it already holds.
    expect(receive.donors.map((d) => d.environment_id)).toContain(created.id);
  });
});
