// The controller↔agent protocol: one schema per message, one discriminated union per direction.
// JSON text frames carry control messages; binary frames are reserved for agent↔agent data.
// The agent authenticates the WebSocket upgrade with `Authorization: Bearer <server token>`.
import { z } from 'zod';
import { errorCodeSchema } from './errors.js';
import { serverFactsSchema } from './api/servers.js';
import { logLevelSchema, stepDetailSchema } from './api/clone.js';
import { taskKindSchema } from './tasks.js';
import { stepKeySchema } from './steps.js';

export const PROTOCOL_VERSION = 1;

/** Application close codes (4000–4999), listed once. */
export const CloseCode = {
  UNAUTHORIZED: 4001,
  PROTOCOL_MISMATCH: 4002,
  REPLACED: 4003,
  BAD_MESSAGE: 4004,
  HEARTBEAT_TIMEOUT: 4005,
  SERVER_DELETED: 4006,
  TICKET_REFUSED: 4010,
  /** Peer stream: the other side reported an error (sent as an `error` frame first). */
  PEER_FAILED: 4011,
  /** Peer stream: no frame or pong for the idle timeout (link cut, peer frozen). */
  PEER_TIMEOUT: 4012,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Fencing token: a task belongs to one attempt of one operation; agents drop superseded ones. */
export const fenceSchema = z.object({ operation_id: z.string().uuid().nullable(), attempt: z.number().int().min(0) });
export type Fence = z.infer<typeof fenceSchema>;

export const taskErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.record(z.unknown()).nullable(),
  retryable: z.boolean(),
});
export type TaskError = z.infer<typeof taskErrorSchema>;

// agent → controller
export const helloMessage = z.object({
  type: z.literal('hello'),
  protocol_version: z.number().int(),
  facts: serverFactsSchema,
  running_tasks: z.array(z.string()),
});
export const heartbeatMessage = z.object({
  type: z.literal('heartbeat'),
  disk_free_bytes: z.number().nonnegative(),
  disk_total_bytes: z.number().nonnegative(),
  running_tasks: z.array(z.string()),
});
export const taskAcceptedMessage = z.object({ type: z.literal('task.accepted'), task_id: z.string().uuid() });
export const taskProgressMessage = z.object({
  type: z.literal('task.progress'),
  task_id: z.string().uuid(),
  /** Set when one task carries several clone steps (a dump streaming into a restore). */
  step: stepKeySchema.optional(),
  fraction: z.number().min(0).max(1),
  detail: stepDetailSchema.partial(),
});
export const taskLogMessage = z.object({
  type: z.literal('task.log'),
  task_id: z.string().uuid(),
  ts: z.string(),
  step: stepKeySchema.optional(),
  level: logLevelSchema,
  message: z.string().max(8000),
});
export const taskResultMessage = z.object({
  type: z.literal('task.result'),
  task_id: z.string().uuid(),
  ok: z.boolean(),
  output: z.unknown().optional(),
  error: taskErrorSchema.optional(),
});

export const agentMessageSchema = z.discriminatedUnion('type', [
  helloMessage,
  heartbeatMessage,
  taskAcceptedMessage,
  taskProgressMessage,
  taskLogMessage,
  taskResultMessage,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

// controller → agent
export const welcomeMessage = z.object({
  type: z.literal('welcome'),
  protocol_version: z.number().int(),
  server_id: z.string().uuid(),
  heartbeat_interval_ms: z.number().int().positive(),
});
export const taskRunMessage = z.object({
  type: z.literal('task.run'),
  task_id: z.string().uuid(),
  kind: taskKindSchema,
  fence: fenceSchema,
  input: z.unknown(),
});
export const taskCancelMessage = z.object({
  type: z.literal('task.cancel'),
  task_id: z.string().uuid(),
  reason: z.string(),
});

export const controllerMessageSchema = z.discriminatedUnion('type', [welcomeMessage, taskRunMessage, taskCancelMessage]);
export type ControllerMessage = z.infer<typeof controllerMessageSchema>;

/** Parse one text frame; returns null for anything that is not a valid message. */
export function parseFrame<T>(schema: z.ZodType<T>, raw: string): T | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
