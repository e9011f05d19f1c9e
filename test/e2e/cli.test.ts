// The `oec` CLI end to end on a real platform (controller, agent, PostgreSQL clusters, generated
// Odoo data), run as `node packages/cli/dist/main.js` without a TTY: a create_new clone and a
// replace followed line by line with their exit codes, --json parsed with the shared schemas;
// and their notifications: the webhook sink answers 500 twice then 200 and checks signatures;
// the SMTP sink refuses until the controller is killed (SIGKILL) after both operations ended,
// and the restarted controller delivers exactly one email per operation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneOperationSchema, environmentSchema, listOf, STEPS } from '@oec/shared';
import type { CloneOperation, CreateWebhookResponse } from '@oec/shared';
import {
  createSeededSource,
  oecRunner,
  packageMain,
  spawnDaemon,
  startPlatform,
  startSmtpSink,
  startWebhookSink,
  waitFor,
  type AgentHandle,
  type Daemon,
  type OecRunner,
  type Platform,
  type SmtpSink,
  type WebhookSink,
} from '../src/harness/index.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('oec CLI end to end', () => {
  let platform: Platform;
  let a: AgentHandle;
  let smtp: SmtpSink;
  let hooks: WebhookSink;
  let oec: OecRunner;
  let restarted: Daemon | undefined;
  const ops: CloneOperation[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink();
    smtp.refusing = true;
    hooks = await startWebhookSink([500, 500]);
    platform = await startPlatform({
      controllerEnv: {
        OEC_SMTP_URL: smtp.url,
        OEC_PUBLIC_URL: 'https://dashboard.example.com',
        OEC_WEBHOOK_ALLOW_PRIVATE: '1',
        OEC_NOTIFY_INTERVAL_MS: '200',
        OEC_NOTIFY_RETRY_BASE_MS: '200',
      },
    });
    a = await platform.addServer('a');
    await createSeededSource(platform, a);
    const hook = await platform.api.ok<CreateWebhookResponse>('POST', `/projects/${platform.project.id}/webhooks`, { url: hooks.url });
    hooks.secret = hook.secret;
    oec = oecRunner();
  });

  afterAll(async () => {
    await restarted?.stop();
    await platform?.close();
    await smtp?.close();
    await hooks?.close();
  });

  it('logs in and lists the environments and servers by name', async () => {
    const login = await oec(['login', '--url', platform.url, '--token', platform.ownerToken]);
    expect(login.code, login.stderr).toBe(0);
    const envs = await oec(['envs']);
    expect(envs.code).toBe(0);
    expect(envs.lines[0]).toMatch(/^NAME\s+TYPE\s+STATUS\s+URL\s+ID$/);
    expect(envs.lines[1]).toMatch(/^production\s+production\s+RUNNING\s+/);
    const json = await oec(['--json', 'envs']);
    expect(listOf(environmentSchema).parse(JSON.parse(json.stdout)).items.map((e) => e.name)).toEqual(['production']);
    const servers = await oec(['servers']);
    expect(servers.lines[1]).toMatch(new RegExp(`^a\\s+RUNNING\\s+\\d+\\s+${a.server.id}$`));
  });

  it('clones production into a new environment, one line per step, exit 0', async () => {
    const res = await oec(['clone', 'production', '--name', 'cli-stage', '--server', 'a']);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stderr).toBe('');
    const [requested, what, ...rest] = res.lines;
    expect(requested).toMatch(new RegExp(`^Clone requested: operation ${UUID.source}$`));
    expect(what).toBe('production → cli-stage (create_new, preset recommended)');
    STEPS.forEach((s, i) => expect(rest[i]).toMatch(new RegExp(`^\\[${i + 1}/10\\] ${s.name}: completed \\(\\d\\d:\\d\\d\\)$`)));
    const summary = rest.slice(10);
    expect(summary[0]).toMatch(/^Clone completed in \d\d:\d\d: cli-stage is RUNNING at https:\/\/cli-stage-/);
    expect(summary[1]).toBe('Sanitization (recommended):');
    expect(summary.some((l) => /^ {2}ok {3}Anonymize emails\s+[1-9]\d* records$/.test(l))).toBe(true);
    expect(summary.some((l) => /^ {2}ok {3}Disable mail servers\s+[1-9]\d* records$/.test(l))).toBe(true);
    expect(summary.at(-2)).toMatch(/^Total records affected: [1-9]\d*$/);
    expect(summary.at(-1)).toMatch(/^Proof: passed \(\d+ checks\)$/);

    const id = UUID.exec(requested ?? '')?.[0] ?? '';
    const status = await oec(['--json', 'status', id]);
    expect(status.code).toBe(0);
    const op = cloneOperationSchema.parse(JSON.parse(status.stdout));
    expect(op).toMatchObject({ status: 'completed', target: { name: 'cli-stage', status: 'RUNNING' } });
    ops.push(op);
  });

  it('replaces it with --replace/--confirm, and refuses bad input with exit codes 2, 3 and 4', async () => {
    expect((await oec(['clone', 'nope', '--name', 'x'])).code).toBe(4);
    const raw = await oec(['clone', 'production', '--name', 'raw', '--preset', 'none']);
    expect(raw.code).toBe(2);
    expect(raw.stderr).toMatch(/^oec: INVALID_TARGET_CONFIG: /);
    const anon = await oec(['servers'], { OEC_TOKEN: 'not-a-token' });
    expect(anon.code).toBe(3);
    expect(anon.stderr).toMatch(/^oec: UNAUTHENTICATED: /);

    const res = await oec(['--json', 'clone', 'production', '--replace', 'cli-stage', '--confirm', 'cli-stage', '--preset', 'minimal']);
    expect(res.code, res.stderr).toBe(0);
    const op = cloneOperationSchema.parse(JSON.parse(res.stdout));
    expect(op).toMatchObject({ mode: 'replace', status: 'completed', sanitization_preset: 'minimal', target: { name: 'cli-stage', status: 'RUNNING' } });
    ops.push(op);
  });

  it('delivers each webhook after two 500s with a valid signature', async () => {
    const forOp = (id: string) => hooks.requests.filter((r) => r.body.includes(`"id":"${id}"`));
    await waitFor(() => ops.every((op) => forOp(op.id).some((r) => r.answered === 200)), { timeoutMs: 30_000, what: 'webhooks delivered' });
    expect(forOp(ops[0]?.id ?? '').map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(forOp(ops[1]?.id ?? '').map((r) => r.answered)).toEqual([200]);
    expect(hooks.requests.every((r) => r.signatureValid === true)).toBe(true);
    expect(hooks.requests.every((r) => r.headers['x-oec-event'] === 'clone.completed')).toBe(true);
  });

  it('sends exactly one email per operation although the controller was killed before sending it', async () => {
    // Both operations ended; the relay refused every attempt so far, so no mail was sent yet.
    await waitFor(() => smtp.refused >= 2, { timeoutMs: 30_000, what: 'refused email attempts' });
    expect(smtp.mails).toHaveLength(0);
    await platform.controller.kill();
    smtp.refusing = false;
    restarted = spawnDaemon(packageMain('@oec/controller'), { name: 'controller-restarted', args: ['serve'], env: platform.controllerEnv });
    await restarted.waitForLog('controller listening');
    await waitFor(() => smtp.mails.length >= 2, { timeoutMs: 30_000, what: 'two emails' });
    await new Promise((r) => setTimeout(r, 1500));
    for (const op of ops) {
      const mails = smtp.mails.filter((m) => m.text.includes(`https://dashboard.example.com/clone-operations/${op.id}`));
      expect(mails, op.id).toHaveLength(1);
      expect(mails[0]?.to).toEqual(['owner@example.com']);
      expect(mails[0]?.subject).toBe('[OEC] Clone completed: production -> cli-stage');
      expect(mails[0]?.text).toMatch(/Total records affected: [1-9]\d*/);
    }
    expect(smtp.mails).toHaveLength(2);
  });
});
