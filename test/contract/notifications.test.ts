// Clone-ended notifications against a controller with a fake agent: one email per ended
// operation (completed, failed, cancelled) to the requester through a real SMTP sink, with the
// summary or the failed step and a dashboard link; per-user opt-out; webhooks per project (CRUD
// for admins only, secret shown once, SSRF guard) signed with HMAC-SHA256 and retried after
// 500s, with a delivery log; outbox rows left pending by a stopped controller sent once by the
// next one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneOperationSchema, createWebhookResponseSchema, listOf, webhookDeliverySchema, webhookPayloadSchema, webhookSchema } from '@oec/shared';
import type { CreateWebhookResponse, Member } from '@oec/shared';
import { startSmtpSink } from '../src/harness/smtp-sink.js';
import type { SmtpSink } from '../src/harness/smtp-sink.js';
import { startWebhookSink } from '../src/harness/webhook-sink.js';
import type { WebhookSink } from '../src/harness/webhook-sink.js';
import { error, gate, heldBy } from './clone-agent.js';
import { CLONE_ENV, expectError, startClone, tenant, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile, startController, waitFor } from './harness.js';
import type { Controller, Postgres, User } from './harness.js';

const env: Record<string, string> = {
  ...CLONE_ENV,
  OEC_NOTIFY_INTERVAL_MS: '100',
  OEC_NOTIFY_RETRY_BASE_MS: '100',
  OEC_WEBHOOK_ALLOW_PRIVATE: '1',
  OEC_PUBLIC_URL: 'https://dashboard.example.com',
};
let smtp: SmtpSink;
let hooks: WebhookSink;
let postgres: Postgres;
let ctl: Controller;
let alice: User;
let t: Tenant;
let webhook: CreateWebhookResponse;

beforeAll(async () => {
  smtp = await startSmtpSink();
  hooks = await startWebhookSink();
  env.OEC_SMTP_URL = smtp.url;
});
afterAll(async () => {
  await smtp?.close();
  await hooks?.close();
});

controllerPerFile(env, async (started) => {
  ({ postgres, ctl, alice } = started);
  t = await tenant(ctl, alice);
});

const mailsFor = (opId: string) => smtp.mails.filter((m) => m.text.includes(`/clone-operations/${opId}`));
const hooksFor = (opId: string) => hooks.requests.filter((r) => r.body.includes(`"id":"${opId}"`) || r.body.includes(opId));

async function outboxSettled(opId: string): Promise<void> {
  await waitFor(async () => {
    const { rows } = await ctl.db.query("SELECT 1 FROM notification_outbox WHERE operation_id = $1 AND state = 'pending'", [opId]);
    return rows.length === 0;
  }, `outbox of ${opId} settled`);
}

describe('webhooks API', () => {
  it('creates a webhook for admins only, answers the secret once, lists, updates and deletes it', async () => {
    const base = `/api/v1/projects/${t.project.id}/webhooks`;
    const res = await alice.api.post(base, { url: hooks.url });
    expect(res.status).toBe(201);
    webhook = createWebhookResponseSchema.parse(res.body);
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(webhook.events).toEqual(['clone.completed', 'clone.failed', 'clone.cancelled']);
    hooks.secret = webhook.secret;

    const list = listOf(webhookSchema).parse((await alice.api.get(base)).body);
    expect(list.items.map((w) => w.id)).toEqual([webhook.id]);
    expect(JSON.stringify(list)).not.toContain(webhook.secret);
    expect(JSON.stringify((await alice.api.get(`${base}/${webhook.id}`)).body)).not.toContain(webhook.secret);

    const dev = await alice.api.ok<Member>('POST', `/api/v1/organizations/${t.org.id}/members`, { email: 'dev@example.com', role: 'developer' });
    const devApi = ctl.as(await ctl.tokenFor(dev.user_id));
    expectError(await devApi.get(base), 403, 'PERMISSION_DENIED');
    expectError(await devApi.post(base, { url: hooks.url }), 403, 'PERMISSION_DENIED');
    const stranger = await ctl.createUser('stranger@example.com');
    expectError(await stranger.api.get(base), 404, 'PROJECT_NOT_FOUND');
    expectError(await alice.api.post(base, { url: 'ftp://example.com/x' }), 400, 'VALIDATION_ERROR');
    expectError(await alice.api.post(base, { url: hooks.url, events: ['clone.exploded'] }), 400, 'VALIDATION_ERROR');

    const extra = createWebhookResponseSchema.parse((await alice.api.post(base, { url: 'https://example.com/hook', events: ['clone.failed'] })).body);
    const patched = await alice.api.request('PATCH', `${base}/${extra.id}`, { body: { active: false } });
    expect(patched.status).toBe(200);
    expect(webhookSchema.parse(patched.body).active).toBe(false);
    expect((await alice.api.request('DELETE', `${base}/${extra.id}`)).status).toBe(204);
    expectError(await alice.api.get(`${base}/${extra.id}`), 404, 'NOT_FOUND');
  });

  it('refuses loopback, link-local and private URLs unless OEC_WEBHOOK_ALLOW_PRIVATE=1', async () => {
    const strict = await startController(postgres, {});
    try {
      const owner = await strict.createUser('owner@example.com');
      const org = await strict.admin.ok<{ id: string }>('POST', '/api/v1/organizations', { name: 'strict', quota: { cpu: 1, ram_gb: 1, disk_gb: 1, environments: 1 } });
      await strict.admin.ok('POST', `/api/v1/organizations/${org.id}/members`, { email: owner.email, role: 'owner' });
      const project = await owner.api.ok<{ id: string }>('POST', '/api/v1/projects', { organization_id: org.id, name: 'p' });
      const base = `/api/v1/projects/${project.id}/webhooks`;
      for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://169.254.169.254/latest', 'http://10.1.2.3/', 'http://192.168.1.1/', 'http://[::1]/', 'http://[fd00::1]/', 'http://[::ffff:127.0.0.1]/']) {
        const e = expectError(await owner.api.post(base, { url }), 400, 'VALIDATION_ERROR');
        expect(e.message, url).toMatch(/loopback, link-local or private/);
      }
      expect((await owner.api.post(base, { url: 'https://hooks.example.com/oec' })).status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('clone-ended notifications', () => {
  it('a completed clone: one email with the summary and link; the webhook retried after two 500s, signed', async () => {
    hooks.plan.push(500, 500);
    const op = await startClone(alice.api, t.source.id);
    const done = await waitOp(alice.api, op.id);
    expect(done.status).toBe('completed');
    await waitFor(() => mailsFor(op.id).length === 1 && hooksFor(op.id).filter((r) => r.answered === 200).length === 1, 'email and webhook');
    await outboxSettled(op.id);

    const [mail] = mailsFor(op.id);
    expect(mail?.to).toEqual(['alice@example.com']);
    expect(mail?.subject).toBe(`[OEC] Clone completed: production -> ${done.target.name}`);
    expect(mail?.text).toContain('Source:    production');
    expect(mail?.text).toContain(`Target:    ${done.target.name} (new environment)`);
    expect(mail?.text).toMatch(/Duration: {2}\d+ s/);
    expect(mail?.text).toContain('Sanitization applied: recommended preset');
    expect(mail?.text).toMatch(/ok Anonymize emails: \d+ records/);
    expect(mail?.text).toMatch(/Total records affected: \d+/);
    expect(mail?.text).toContain(`Operation: https://dashboard.example.com/clone-operations/${op.id}`);

    const got = hooksFor(op.id);
    expect(got.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(got.every((r) => r.signatureValid === true)).toBe(true);
    expect(new Set(got.map((r) => r.headers['x-oec-delivery'])).size).toBe(1);
    expect(got[0]?.headers['x-oec-event']).toBe('clone.completed');
    const payload = webhookPayloadSchema.parse(JSON.parse(got[2]?.body ?? ''));
    expect(payload.event).toBe('clone.completed');
    expect(cloneOperationSchema.parse(payload.operation)).toMatchObject({ id: op.id, status: 'completed' });
    expect(payload.operation.generated_password ?? null).toBeNull();

    const log = listOf(webhookDeliverySchema).parse(
      (await alice.api.get(`/api/v1/projects/${t.project.id}/webhooks/${webhook.id}/deliveries`)).body,
    );
    const mine = log.items.filter((d) => d.operation_id === op.id);
    expect(mine.map((d) => [d.attempt, d.status_code, d.success])).toEqual([
      [3, 200, true],
      [2, 500, false],
      [1, 500, false],
    ]);
  });

  it('a failed and a cancelled clone: each one email with the step and error, and its webhook event', async () => {
    const f = await tenant(ctl, alice, { agent: { overrides: { 'clone.data': () => error('RESTORE_FAILED', 'pg_restore exited with 1') } } });
    const failed = await waitOp(alice.api, (await startClone(alice.api, f.source.id)).id);
    expect(failed.status).toBe('failed');
    await waitFor(() => mailsFor(failed.id).length === 1, 'failure email');
    const mail = mailsFor(failed.id)[0];
    expect(mail?.subject).toBe(`[OEC] Clone failed: production -> ${failed.target.name}`);
    expect(mail?.text).toMatch(/Stopped at step \d+\/10: (Backing Up|Restoring) Database/);
    expect(mail?.text).toContain('Error: RESTORE_FAILED: pg_restore exited with 1');

    const hold = gate();
    const h = await tenant(ctl, alice, { agent: { overrides: { 'clone.data': heldBy(hold) } } });
    await alice.api.ok('POST', `/api/v1/projects/${h.project.id}/webhooks`, { url: hooks.url, events: ['clone.cancelled'] }).then((w) => {
      hooks.secret = (w as CreateWebhookResponse).secret;
    });
    const running = await startClone(alice.api, h.source.id);
    await waitOp(alice.api, running.id, (o) => o.status === 'backing_up_database' || o.status === 'restoring_database', 'data step');
    await alice.api.ok('POST', `/api/v1/clone-operations/${running.id}/cancel`, {});
    hold.open();
    await waitOp(alice.api, running.id);
    await waitFor(() => mailsFor(running.id).length === 1 && hooksFor(running.id).length === 1, 'cancel email and webhook');
    expect(mailsFor(running.id)[0]?.subject).toMatch(/^\[OEC\] Clone cancelled: /);
    expect(mailsFor(running.id)[0]?.text).toContain('Error: CANCELLED: ');
    const hook = hooksFor(running.id)[0];
    expect(hook?.headers['x-oec-event']).toBe('clone.cancelled');
    expect(hook?.signatureValid).toBe(true);
    hooks.secret = webhook.secret;
  });

  it('sends nothing to a user who opted out', async () => {
    const prefs = await alice.api.request('PUT', '/api/v1/notifications/preferences', { body: { clone_emails: false } });
    expect(prefs.body).toEqual({ clone_emails: false });
    try {
      const op = await startClone(alice.api, t.source.id);
      await waitOp(alice.api, op.id);
      await outboxSettled(op.id);
      const { rows } = await ctl.db.query("SELECT state, last_error FROM notification_outbox WHERE operation_id = $1 AND channel = 'email'", [op.id]);
      expect(rows).toEqual([{ state: 'skipped', last_error: 'opted out' }]);
      expect(mailsFor(op.id)).toHaveLength(0);
    } finally {
      await alice.api.request('PUT', '/api/v1/notifications/preferences', { body: { clone_emails: true } });
    }
    expect((await alice.api.get('/api/v1/notifications/preferences')).body).toEqual({ clone_emails: true });
  });

  it('an email still pending when the controller stops is sent exactly once by the next controller', async () => {
    smtp.refusing = true;
    const op = await startClone(alice.api, t.source.id);
    await waitOp(alice.api, op.id);
    await waitFor(() => smtp.refused >= 2, 'two refused attempts');
    const { rows } = await ctl.db.query<{ state: string; attempts: number }>("SELECT state, attempts FROM notification_outbox WHERE operation_id = $1 AND channel = 'email'", [op.id]);
    expect(rows[0]?.state).toBe('pending');
    const reuse = { databaseUrl: ctl.databaseUrl, secret: ctl.secret };
    // Stop the controller (its pool closes with the file's teardown) and start the next one.
    await ctl.server.close();
    smtp.refusing = false;
    const next = await startController(postgres, env, {}, reuse);
    try {
      await waitFor(() => mailsFor(op.id).length === 1, 'the mail after the restart');
      await outboxSettled(op.id);
      await new Promise((r) => setTimeout(r, 500));
      expect(mailsFor(op.id)).toHaveLength(1);
      // Every ended operation of this file got exactly one email (the opted-out one none).
      const { rows: ended } = await next.db.query<{ id: string }>(
        "SELECT o.id FROM clone_operations o WHERE o.status IN ('completed', 'failed', 'cancelled') AND NOT EXISTS (SELECT 1 FROM notification_outbox n WHERE n.operation_id = o.id AND n.state = 'skipped')",
      );
      expect(ended.length).toBeGreaterThanOrEqual(4);
      for (const { id } of ended) expect(mailsFor(id), id).toHaveLength(1);
    } finally {
      await next.close();
    }
  });
});
