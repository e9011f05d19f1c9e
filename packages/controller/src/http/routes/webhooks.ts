// REST: /api/v1/projects/{id}/webhooks (CRUD, admin role) and …/{webhookId}/deliveries (the
// delivery log); /api/v1/notifications/preferences (the caller's clone-email opt-out).
import { Hono } from 'hono';
import {
  createWebhookResponseSchema,
  createWebhookSchema,
  listOf,
  notificationPreferencesSchema,
  updateWebhookSchema,
  webhookDeliveriesQuerySchema,
  webhookDeliverySchema,
  webhookSchema,
} from '@oec/shared';
import type { AppDeps } from '../../deps.js';
import {
  createWebhook,
  deleteWebhook,
  getPreferences,
  getWebhook,
  listProjectWebhooks,
  setPreferences,
  updateWebhook,
  webhookDeliveries,
} from '../../notifications/webhooks.js';
import type { WebhookDeps } from '../../notifications/webhooks.js';
import type { AppEnv } from '../env.js';
import { pathId, readBody, readQuery, reply } from '../validate.js';

const NF = 'PROJECT_NOT_FOUND';

/** Mounted under /api/v1/projects. */
export function webhookRoutes(deps: AppDeps, webhookAllowPrivate: boolean): Hono<AppEnv> {
  const d: WebhookDeps = { db: deps.db, logger: deps.logger, webhookAllowPrivate };
  const r = new Hono<AppEnv>();
  // An unknown webhook id answers 404 like the project would (pathId: not a UUID → 404).
  const hookId = (c: Parameters<typeof pathId>[0]) => pathId(c, NF, 'webhookId');
  r.get('/:id/webhooks', async (c) => reply(c, listOf(webhookSchema), { items: await listProjectWebhooks(d, c.var.actor, pathId(c, NF)) }));
  r.post('/:id/webhooks', async (c) => {
    const id = pathId(c, NF);
    const input = await readBody(c, createWebhookSchema);
    return reply(c, createWebhookResponseSchema, await createWebhook(d, c.var.actor, id, input), 201);
  });
  r.get('/:id/webhooks/:webhookId', async (c) => reply(c, webhookSchema, await getWebhook(d, c.var.actor, pathId(c, NF), hookId(c))));
  r.patch('/:id/webhooks/:webhookId', async (c) => {
    const [id, hook] = [pathId(c, NF), hookId(c)];
    const patch = await readBody(c, updateWebhookSchema);
    return reply(c, webhookSchema, await updateWebhook(d, c.var.actor, id, hook, patch));
  });
  r.delete('/:id/webhooks/:webhookId', async (c) => {
    await deleteWebhook(d, c.var.actor, pathId(c, NF), hookId(c));
    return c.body(null, 204);
  });
  r.get('/:id/webhooks/:webhookId/deliveries', async (c) => {
    const [id, hook] = [pathId(c, NF), hookId(c)];
    const { limit } = readQuery(c, webhookDeliveriesQuerySchema);
    return reply(c, listOf(webhookDeliverySchema), { items: await webhookDeliveries(d, c.var.actor, id, hook, limit) });
  });
  return r;
}

/** Mounted under /api/v1/notifications. */
export function notificationRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/preferences', async (c) => reply(c, notificationPreferencesSchema, await getPreferences(deps, c.var.actor)));
  r.put('/preferences', async (c) => {
    const input = await readBody(c, notificationPreferencesSchema);
    return reply(c, notificationPreferencesSchema, await setPreferences(deps, c.var.actor, input));
  });
  return r;
}
