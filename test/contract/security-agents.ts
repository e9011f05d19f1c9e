// The security suite's agent checks: an agent's token opens no other server's connection, and a
// connected agent cannot answer, log or report progress for another server's task; the ticket
// secrets of a cross-server transfer go to the source only (the target gets their sha256) and are
// stored nowhere. The peer endpoint's own refusals (single use, stream and operation scope,
// expiry, replay) are tested against the real server in packages/agent/src/peer/server.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CreateServerResponse, Environment } from '@oec/shared';
import { connectCloneAgent } from './clone-agent.js';
import type { TaskRun } from './clone-agent.js';
import { createEnv, startClone, waitOp } from './clone-fixtures.js';
import { defaultOutput } from './fake-agent.js';
import { FakeAgent, waitFor } from './harness.js';
import type { Suite } from './security-fixtures.js';

const PEER = {
  peer_url: 'wss://server-b.example.com:8443',
  tls_fingerprint: 'AA:BB:CC',
  tls_certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

export function registerAgentChecks(suite: () => Suite): void {
  describe('agents', () => {
    it('refuses server A’s secret presented for server B', async () => {
      const s = suite();
      const secretA = s.serverA.agent_token.slice(s.serverA.agent_token.indexOf('.') + 1);
      const spoof = await FakeAgent.connect(s.ctl.wsUrl, `${s.serverB.id}.${secretA}`);
      s.count.cases++;
      expect(spoof.refusedStatus).toBe(401);
    });

    it('ignores frames an agent sends for another server’s task', async () => {
      const s = suite();
      // Server B's agent holds its env.create; server A's agent answers it in its place.
      const agentB = await FakeAgent.connect(s.ctl.wsUrl, s.serverB.agent_token, { onTask: () => 'ignore' });
      try {
        const created = await s.bob.api.ok<Environment>('POST', `/api/v1/projects/${s.projectB.id}/environments`, {
          name: 'held',
          environment_type: 'staging',
          server_id: s.serverB.id,
        });
        const task = await waitFor(() => agentB.tasks[0], 'server B’s task');
        const id = task.task_id;
        s.agentA.send({ type: 'task.accepted', task_id: id });
        s.agentA.send({ type: 'task.progress', task_id: id, fraction: 1, detail: { message: 'spoofed progress' } });
        s.agentA.send({ type: 'task.log', task_id: id, ts: new Date().toISOString(), level: 'INFO', message: 'spoofed log' });
        s.agentA.send({ type: 'task.result', task_id: id, ok: false, error: { code: 'INTERNAL', message: 'spoofed failure', details: null, retryable: false } });
        // Frames of one socket are handled in order: once A's next task is done, the spoofs were seen.
        await createEnv({ project: s.projectA, serverId: s.serverA.id, api: s.alice.api }, { name: 'after-spoof' });
        s.count.cases += 4;
        const held = await s.bob.api.ok<Environment>('GET', `/api/v1/environments/${created.id}`);
        expect(held.status).toBe('CREATING');
        const { rows } = await s.ctl.db.query<{ status: string; t: string }>('SELECT status, row_to_json(tasks)::text AS t FROM tasks WHERE id = $1', [id]);
        expect(['queued', 'running']).toContain(rows[0]?.status);
        expect(rows[0]?.t).not.toMatch(/spoofed/);
        expect(s.logs.text()).not.toMatch(/spoofed/);
        // Its own agent's answer still counts (and it answers what follows).
        agentB.onTask = (next) => ({ output: defaultOutput(next) });
        agentB.reply(id, { output: defaultOutput(task) });
        await waitFor(async () => (await s.bob.api.ok<Environment>('GET', `/api/v1/environments/${created.id}`)).status === 'RUNNING', 'B’s environment RUNNING');
      } finally {
        await agentB.close();
      }
    });

    it('hands ticket secrets to the source only, the target their hashes, and stores none', async () => {
      const s = suite();
      const server = await s.alice.api.ok<CreateServerResponse>('POST', '/api/v1/servers', { organization_id: s.orgA.id, name: 'server-a2' });
      s.secrets.add('server A2’s agent token', server.agent_token);
      const a2 = await connectCloneAgent(s.ctl.wsUrl, server.agent_token, { facts: PEER });
      try {
        await waitFor(async () => (await s.alice.api.ok<{ status: string }>('GET', `/api/v1/servers/${server.id}`)).status === 'RUNNING', 'server A2');
        const op = await waitOp(
          s.alice.api,
          (await startClone(s.alice.api, s.envA.id, { target: { create_new: true, environment_type: 'staging', vm_id: server.id }, sanitization_preset: 'recommended' })).id,
        );
        expect(op.status).toBe('completed');
        type Tickets = { transfer: { tickets: { stream: string; ticket?: string; hash?: string }[] } };
        const of = (tasks: TaskRun[], kind: string) => tasks.filter((t) => t.kind === kind && t.fence.operation_id === op.id).flatMap((t) => (t.input as Tickets).transfer.tickets);
        const sent = of(s.agentA.tasks, 'clone.send');
        const announced = of(a2.tasks, 'clone.receive');
        expect(sent.length).toBeGreaterThan(0);
        const sha = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');
        for (const t of sent) {
          s.secrets.add(`a transfer ticket (${t.stream})`, t.ticket);
          expect(announced).toContainEqual(expect.objectContaining({ stream: t.stream, hash: sha(t.ticket ?? '') }));
        }
        expect(JSON.stringify(announced)).not.toMatch(new RegExp(sent.map((t) => t.ticket).join('|')));
        expect(new Set(sent.map((t) => t.ticket)).size).toBe(sent.length);
        s.count.cases += 3;
      } finally {
        await a2.close();
      }
    });
  });
}
