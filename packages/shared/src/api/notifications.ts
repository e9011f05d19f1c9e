// Notifications: per-project webhooks (created with a secret shown once), their delivery log,
// the payload they receive, and a user's email preference.
import { z } from 'zod';
import { cloneOperationSchema } from './clone.js';
import { timestampSchema } from './common.js';

export const WEBHOOK_EVENTS = ['clone.completed', 'clone.failed', 'clone.cancelled'] as const;
export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

export const createWebhookSchema = z
  .object({
    url: z.string().url().max(2000).refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
    events: z.array(webhookEventSchema).min(1).default([...WEBHOOK_EVENTS]),
    active: z.boolean().default(true),
  })
  .strict();
export type CreateWebhook = z.input<typeof createWebhookSchema>;

export const updateWebhookSchema = z
  .object({
    url: z.string().url().max(2000).refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL').optional(),
    events: z.array(webhookEventSchema).min(1).optional(),
    active: z.boolean().optional(),
  })
  .strict();
export type UpdateWebhook = z.input<typeof updateWebhookSchema>;

export const webhookSchema = z.object({
  id: z.string().uuid(),
  project_id: z.string().uuid(),
  url: z.string(),
  events: z.array(webhookEventSchema),
  active: z.boolean(),
  created_at: timestampSchema,
});
export type Webhook = z.infer<typeof webhookSchema>;

/** The create answer carries the signing secret; it is never shown again. */
export const createWebhookResponseSchema = webhookSchema.extend({ secret: z.string() });
export type CreateWebhookResponse = z.infer<typeof createWebhookResponseSchema>;

export const webhookDeliverySchema = z.object({
  id: z.number().int(),
  webhook_id: z.string().uuid(),
  event: webhookEventSchema,
  operation_id: z.string().uuid(),
  attempt: z.number().int(),
  /** HTTP status of the receiver's answer; null when no answer came (refused, timeout). */
  status_code: z.number().int().nullable(),
  success: z.boolean(),
  error: z.string().nullable(),
  duration_ms: z.number(),
  delivered_at: timestampSchema,
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/**
 * The POST body a webhook receives. Headers: `X-OEC-Event`, `X-OEC-Delivery` (stable across
 * retries) and `X-OEC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 */
export const webhookPayloadSchema = z.object({
  id: z.string(),
  event: webhookEventSchema,
  created_at: timestampSchema,
  operation: cloneOperationSchema,
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export const notificationPreferencesSchema = z
  .object({
    /** Email me when one of my clone operations ends (completed, failed, cancelled). */
    clone_emails: z.boolean(),
  })
  .strict();
export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;

/** `GET …/webhooks/{id}/deliveries?limit=`: the newest deliveries first. */
export const webhookDeliveriesQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
