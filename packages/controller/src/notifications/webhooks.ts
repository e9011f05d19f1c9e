// Webhooks of a project: list, create (the secret answered once), read, update, delete, and the
// delivery log. Organization owners and admins only (organization.projects.manage); another
// organization's project answers 404 like an unknown one. URLs pass the SSRF guard.
import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode, Permission } from '@oec/shared';
import type { CreateWebhookResponse, NotificationPreferences, Webhook, WebhookDelivery, WebhookEvent } from '@oec/shared';
import type { Actor } from '../auth/permissions.js';
import { requirePermission } from '../auth/permissions.js';
import { iso } from '../db/pool.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { loadOwned } from '../services/access.js';
import { checkWebhookUrl } from './ssrf.js';
import { newWebhookSecret } from './signature.js';
import * as store from './store.js';
import type { DeliveryRow, WebhookRow } from './store.js';

export interface WebhookDeps {
  db: Db;
  logger: Logger;
  webhookAllowPrivate: boolean;
}

function toWebhook(r: WebhookRow): Webhook {
  return { id: r.id, project_id: r.project_id, url: r.url, events: r.events as WebhookEvent[], active: r.active, created_at: iso(r.created_at) };
}

function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: Number(r.id),
    webhook_id: r.webhook_id,
    event: r.event as WebhookEvent,
    operation_id: r.operation_id,
    attempt: r.attempt,
    status_code: r.status_code,
    success: r.success,
    error: r.error,
    duration_ms: r.duration_ms,
    delivered_at: iso(r.delivered_at),
  };
}

async function projectAdmin(d: WebhookDeps, actor: Actor, projectId: string): Promise<void> {
  const { access } = await loadOwned<{ id: string; organization_id: string }>(
    d.db,
    actor,
    'SELECT id, organization_id FROM projects WHERE id = $1',
    projectId,
    'PROJECT_NOT_FOUND',
  );
  requirePermission(access, Permission.PROJECTS_MANAGE);
}

const webhookNotFound = (id: string) => new AppError(ErrorCode.NOT_FOUND, 'Webhook not found', { id });

async function owned(d: WebhookDeps, actor: Actor, projectId: string, id: string): Promise<WebhookRow> {
  await projectAdmin(d, actor, projectId);
  const row = await store.loadWebhook(d.db, projectId, id);
  if (!row) throw webhookNotFound(id);
  return row;
}

export async function listProjectWebhooks(d: WebhookDeps, actor: Actor, projectId: string): Promise<Webhook[]> {
  await projectAdmin(d, actor, projectId);
  return (await store.listWebhooks(d.db, projectId)).map(toWebhook);
}

export async function createWebhook(
  d: WebhookDeps,
  actor: Actor,
  projectId: string,
  input: { url: string; events: WebhookEvent[]; active: boolean },
): Promise<CreateWebhookResponse> {
  await projectAdmin(d, actor, projectId);
  checkWebhookUrl(input.url, d.webhookAllowPrivate);
  const secret = newWebhookSecret();
  const row = await store.insertWebhook(d.db, {
    id: randomUUID(),
    project_id: projectId,
    url: input.url,
    secret,
    events: [...new Set(input.events)],
    active: input.active,
    created_by: actor.id,
  });
  d.logger.info({ webhookId: row.id, projectId, by: actor.id }, 'webhook created');
  return { ...toWebhook(row), secret };
}

export async function getWebhook(d: WebhookDeps, actor: Actor, projectId: string, id: string): Promise<Webhook> {
  return toWebhook(await owned(d, actor, projectId, id));
}

export async function updateWebhook(
  d: WebhookDeps,
  actor: Actor,
  projectId: string,
  id: string,
  patch: { url?: string | undefined; events?: WebhookEvent[] | undefined; active?: boolean | undefined },
): Promise<Webhook> {
  await owned(d, actor, projectId, id);
  if (patch.url !== undefined) checkWebhookUrl(patch.url, d.webhookAllowPrivate);
  const row = await store.updateWebhook(d.db, id, { ...patch, ...(patch.events ? { events: [...new Set(patch.events)] } : {}) });
  if (!row) throw webhookNotFound(id);
  return toWebhook(row);
}

export async function deleteWebhook(d: WebhookDeps, actor: Actor, projectId: string, id: string): Promise<void> {
  await owned(d, actor, projectId, id);
  await store.deleteWebhook(d.db, id);
  d.logger.info({ webhookId: id, projectId, by: actor.id }, 'webhook deleted');
}

export async function webhookDeliveries(d: WebhookDeps, actor: Actor, projectId: string, id: string, limit: number): Promise<WebhookDelivery[]> {
  await owned(d, actor, projectId, id);
  return (await store.listDeliveries(d.db, id, limit)).map(toDelivery);
}

export async function getPreferences(d: Pick<WebhookDeps, 'db'>, actor: Actor): Promise<NotificationPreferences> {
  return { clone_emails: !(await store.isOptedOut(d.db, actor.id)) };
}

export async function setPreferences(d: Pick<WebhookDeps, 'db'>, actor: Actor, p: NotificationPreferences): Promise<NotificationPreferences> {
  await store.setOptOut(d.db, actor.id, !p.clone_emails);
  return getPreferences(d, actor);
}
