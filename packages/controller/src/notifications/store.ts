// The SQL of notifications: webhooks, email opt-outs, the outbox (claimed one row at a time with
// FOR UPDATE SKIP LOCKED inside the transaction that records the outcome, so a row is delivered
// by one controller at a time and marked sent only after the receiver accepted it), deliveries.
import type { Queryable } from '../db/pool.js';

export interface WebhookRow {
  id: string;
  project_id: string;
  url: string;
  secret: string;
  events: string[];
  active: boolean;
  created_at: Date;
}

export interface OutboxRow {
  id: string;
  channel: 'email' | 'webhook';
  event: string;
  operation_id: string;
  user_id: string | null;
  webhook_id: string | null;
  attempts: number;
  created_at: Date;
}

const WEBHOOK_COLUMNS = 'id, project_id, url, secret, events, active, created_at';

export async function insertWebhook(q: Queryable, w: Omit<WebhookRow, 'created_at'> & { created_by: string }): Promise<WebhookRow> {
  const { rows } = await q.query<WebhookRow>(
    `INSERT INTO webhooks (id, project_id, url, secret, events, active, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING ${WEBHOOK_COLUMNS}`,
    [w.id, w.project_id, w.url, w.secret, w.events, w.active, w.created_by],
  );
  return rows[0] as WebhookRow;
}

export async function listWebhooks(q: Queryable, projectId: string): Promise<WebhookRow[]> {
  const { rows } = await q.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
  return rows;
}

export async function loadWebhook(q: Queryable, projectId: string, id: string): Promise<WebhookRow | null> {
  const { rows } = await q.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 AND id = $2`, [projectId, id]);
  return rows[0] ?? null;
}

export async function updateWebhook(
  q: Queryable,
  id: string,
  patch: { url?: string | undefined; events?: string[] | undefined; active?: boolean | undefined },
): Promise<WebhookRow | null> {
  const { rows } = await q.query<WebhookRow>(
    `UPDATE webhooks SET url = COALESCE($2, url), events = COALESCE($3, events), active = COALESCE($4, active)
      WHERE id = $1 RETURNING ${WEBHOOK_COLUMNS}`,
    [id, patch.url ?? null, patch.events ?? null, patch.active ?? null],
  );
  return rows[0] ?? null;
}

export async function deleteWebhook(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM webhooks WHERE id = $1', [id]);
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event: string;
  operation_id: string;
  attempt: number;
  status_code: number | null;
  success: boolean;
  error: string | null;
  duration_ms: number;
  delivered_at: Date;
}

export async function listDeliveries(q: Queryable, webhookId: string, limit: number): Promise<DeliveryRow[]> {
  const { rows } = await q.query<DeliveryRow>(
    `SELECT id, webhook_id, event, operation_id, attempt, status_code, success, error, duration_ms, delivered_at
       FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`,
    [webhookId, limit],
  );
  return rows;
}

export async function insertDelivery(q: Queryable, d: Omit<DeliveryRow, 'id' | 'delivered_at'> & { outbox_id: string }): Promise<void> {
  await q.query(
    `INSERT INTO webhook_deliveries (webhook_id, outbox_id, event, operation_id, attempt, status_code, success, error, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [d.webhook_id, d.outbox_id, d.event, d.operation_id, d.attempt, d.status_code, d.success, d.error, d.duration_ms],
  );
}

export async function isOptedOut(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM notification_opt_outs WHERE user_id = $1', [userId]);
  return rows.length > 0;
}

export async function setOptOut(q: Queryable, userId: string, optOut: boolean): Promise<void> {
  if (optOut) await q.query('INSERT INTO notification_opt_outs (user_id) VALUES ($1) ON CONFLICT DO NOTHING', [userId]);
  else await q.query('DELETE FROM notification_opt_outs WHERE user_id = $1', [userId]);
}

/** The oldest due pending row, locked for this transaction; other senders skip it. */
export async function claimDue(q: Queryable): Promise<OutboxRow | null> {
  const { rows } = await q.query<OutboxRow>(
    `SELECT id, channel, event, operation_id, user_id, webhook_id, attempts, created_at
       FROM notification_outbox
      WHERE state = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at, id
      LIMIT 1
      FOR UPDATE SKIP LOCKED`,
  );
  return rows[0] ?? null;
}

export async function markDone(q: Queryable, id: string, state: 'sent' | 'skipped', note: string | null = null): Promise<void> {
  await q.query(
    `UPDATE notification_outbox SET state = $2, attempts = attempts + ($2 = 'sent')::int, sent_at = CASE WHEN $2 = 'sent' THEN now() END,
            last_error = $3 WHERE id = $1`,
    [id, state, note],
  );
}

/** A failed attempt: retried after `delayMs`, or dead after the last attempt. */
export async function markFailed(q: Queryable, id: string, error: string, delayMs: number, dead: boolean): Promise<void> {
  await q.query(
    `UPDATE notification_outbox
        SET attempts = attempts + 1, last_error = $2, state = CASE WHEN $4 THEN 'dead' ELSE 'pending' END,
            next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
      WHERE id = $1`,
    [id, error.slice(0, 1000), delayMs, dead],
  );
}
