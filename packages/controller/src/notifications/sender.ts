// The notification sender: a background loop in the controller that drains the outbox. Each row
// is claimed (FOR UPDATE SKIP LOCKED) in a transaction that stays open while it is delivered and
// then records the outcome — sent, skipped (opted out, no SMTP, webhook gone) or a retry with
// exponential backoff — so a controller killed before a delivery leaves the row pending and the
// next one sends it once. Deliveries never touch the clone: a failure only delays the row.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import nodemailer from 'nodemailer';
import type { NotificationSettings } from '../config.js';
import type { Clock } from '../clock.js';
import { toCloneOperation } from '../clone/request/view.js';
import { loadOperation } from '../clone/store/operations.js';
import type { Db, Queryable } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { cloneEndedEmail } from './email.js';
import { checkWebhookUrl, guardedLookup } from './ssrf.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { claimDue, insertDelivery, isOptedOut, markDone, markFailed } from './store.js';
import type { OutboxRow, WebhookRow } from './store.js';

const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 3_600_000;

export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
  };
}

export interface NotifierDeps {
  db: Db;
  logger: Logger;
  clock: Clock;
  settings: NotificationSettings;
  /** null: no SMTP configured, emails are skipped. */
  mailer: Mailer | null;
}

export interface Notifier {
  start(): void;
  stop(): void;
  /** Resolves when the round in progress (if any) has finished. */
  settle(): Promise<void>;
}

type Outcome = { ok: true; skipped?: string } | { ok: false; error: string };

interface HttpAnswer {
  status: number | null;
  error: string | null;
}

function post(url: URL, body: string, headers: Record<string, string>, allowPrivate: boolean): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        lookup: guardedLookup(allowPrivate),
        timeout: WEBHOOK_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? null, error: null }));
        res.on('error', (err) => resolve({ status: res.statusCode ?? null, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ status: null, error: err.message }));
    req.end(body);
  });
}

export function createNotifier(d: NotifierDeps): Notifier {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = true;

  async function operationView(q: Queryable, operationId: string) {
    const row = await loadOperation(q, operationId);
    if (!row) return null;
    return { row, op: toCloneOperation(row, d.clock.now(), null) };
  }

  async function email(q: Queryable, o: OutboxRow): Promise<Outcome> {
    if (!d.mailer) return { ok: true, skipped: 'no SMTP configured' };
    if (!o.user_id || (await isOptedOut(q, o.user_id))) return { ok: true, skipped: 'opted out' };
    const { rows } = await q.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [o.user_id]);
    const to = rows[0]?.email;
    const view = await operationView(q, o.operation_id);
    if (!to || !view) return { ok: true, skipped: 'user or operation gone' };
    const src = await q.query<{ name: string }>('SELECT name FROM environments WHERE id = $1', [view.row.source_environment_id]);
    const content = cloneEndedEmail(view.op, src.rows[0]?.name ?? view.row.source_environment_id, d.settings.publicUrl);
    try {
      await d.mailer.send({ to, ...content });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `SMTP: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async function webhook(q: Queryable, o: OutboxRow): Promise<Outcome> {
    const { rows } = await q.query<WebhookRow>('SELECT id, project_id, url, secret, events, active, created_at FROM webhooks WHERE id = $1', [o.webhook_id]);
    const hook = rows[0];
    if (!hook || !hook.active) return { ok: true, skipped: 'webhook deleted or inactive' };
    const view = await operationView(q, o.operation_id);
    if (!view) return { ok: true, skipped: 'operation gone' };
    const delivery = `${o.id}`;
    const body = JSON.stringify({ id: delivery, event: o.event, created_at: o.created_at.toISOString(), operation: view.op });
    const timestamp = Math.floor(d.clock.now().getTime() / 1000);
    const started = performance.now();
    let answer: HttpAnswer;
    try {
      const url = checkWebhookUrl(hook.url, d.settings.webhookAllowPrivate);
      answer = await post(url, body, {
        'user-agent': 'oec-webhooks/1',
        'x-oec-event': o.event,
        'x-oec-delivery': delivery,
        [SIGNATURE_HEADER]: signatureHeader(hook.secret, timestamp, body),
      }, d.settings.webhookAllowPrivate);
    } catch (err) {
      answer = { status: null, error: err instanceof Error ? err.message : String(err) };
    }
    const success = answer.status !== null && answer.status >= 200 && answer.status < 300;
    const error = success ? null : (answer.error ?? `HTTP ${answer.status}`);
    await insertDelivery(q, {
      webhook_id: hook.id,
      outbox_id: o.id,
      event: o.event,
      operation_id: o.operation_id,
      attempt: o.attempts + 1,
      status_code: answer.status,
      success,
      error,
      duration_ms: Math.round(performance.now() - started),
    });
    return success ? { ok: true } : { ok: false, error: `webhook: ${error}` };
  }

  /** Claim, deliver and record one due row; false when none is due. */
  async function one(): Promise<boolean> {
    return d.db.tx(async (q) => {
      const o = await claimDue(q);
      if (!o) return false;
      const outcome = o.channel === 'email' ? await email(q, o) : await webhook(q, o);
      if (outcome.ok) {
        await markDone(q, o.id, outcome.skipped ? 'skipped' : 'sent', outcome.skipped ?? null);
        d.logger.info({ outbox: o.id, channel: o.channel, event: o.event, operationId: o.operation_id, skipped: outcome.skipped }, 'notification delivered');
      } else {
        const attempt = o.attempts + 1;
        const dead = attempt >= d.settings.maxAttempts;
        const delay = Math.min(MAX_BACKOFF_MS, d.settings.retryBaseMs * 2 ** (attempt - 1));
        await markFailed(q, o.id, outcome.error, delay, dead);
        d.logger.warn({ outbox: o.id, channel: o.channel, attempt, dead, retryInMs: dead ? null : delay, error: outcome.error }, 'notification attempt failed');
      }
      return true;
    });
  }

  async function drainOnce(): Promise<void> {
    try {
      while (await one()) {
        // keep going while rows are due
      }
    } catch (err) {
      d.logger.error({ err }, 'notification sender failed; next round retries');
    }
  }

  function tick(): void {
    running ??= drainOnce().finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(tick, d.settings.intervalMs);
    });
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      if (!d.mailer) d.logger.info('OEC_SMTP_URL is not set: clone emails are not sent (webhooks are)');
      tick();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    async settle() {
      if (running) await running;
    },
  };
}
