// Controller configuration: parsed once from the environment with zod. Nothing else in the
// controller reads process.env; everything receives the parsed Config (or a slice of it).
import { z } from 'zod';
import { domainSchema } from '@oec/shared';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  OEC_DATABASE_URL: z
    .string({ required_error: 'is required (postgresql://user@host:port/db)' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  OEC_JWT_SECRET: z
    .string({ required_error: 'is required (at least 32 characters)' })
    .min(32, 'must be at least 32 characters'),
  OEC_HOST: z.string().min(1).default('127.0.0.1'),
  OEC_PORT: int(0, 65535).default(8080),
  OEC_BASE_DOMAIN: domainSchema.default('apps.localhost'),
  OEC_HEARTBEAT_INTERVAL_MS: int(10, 3_600_000).default(5000),
  OEC_HEARTBEAT_MISSES: int(1, 100).default(3),
  OEC_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(60),
  OEC_CLONE_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(10),
  OEC_REPLACE_RETENTION_HOURS: z.coerce.number().min(0).max(8760).default(24),
  OEC_CLONE_SWEEP_INTERVAL_MS: int(10, 3_600_000).default(5000),
  OEC_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  OEC_CLONE_DATA_PATH: z.enum(['dump_restore', 'copy', 'auto']).default('auto'),
  OEC_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  OEC_SMTP_FROM: z.string().min(3).default('OEC <noreply@oec.localhost>'),
  OEC_PUBLIC_URL: z.string().url().optional(),
  OEC_WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1']).default('0'),
  OEC_NOTIFY_INTERVAL_MS: int(10, 3_600_000).default(2000),
  OEC_NOTIFY_RETRY_BASE_MS: int(10, 3_600_000).default(5000),
  OEC_NOTIFY_MAX_ATTEMPTS: int(1, 100).default(10),
  OEC_OPERATION_LEASE_MS: int(100, 3_600_000).default(15_000),
});

export interface Config {
  databaseUrl: string;
  jwtSecret: string;
  host: string;
  port: number;
  baseDomain: string;
  heartbeatIntervalMs: number;
  heartbeatMisses: number;
  rateLimitPerMinute: number;
  cloneRateLimitPerMinute: number;
  /** How long a replace keeps the target's old data before dropping it. */
  replaceRetentionHours: number;
  /** Period of the clone sweeper: pending operations, deferred cleanups, due purges. */
  cloneSweepIntervalMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** How clones carry the database (decision 0012). */
  cloneDataPath: 'dump_restore' | 'copy' | 'auto';
  /** Clone-ended emails and webhooks (notifications/). */
  notifications: NotificationSettings;
  /**
   * How long `serve` waits for another controller's lock on the database to go away before it
   * refuses to start (decision 0015); covers a restart right after a SIGKILL.
   */
  /** How long an operation stays leased to a replica that stopped renewing it (decision 0018). */
  operationLeaseMs: number;
}

export interface NotificationSettings {
  /** nodemailer transport URL; null: no email (logged once at startup). Holds credentials: never logged. */
  smtpUrl: string | null;
  smtpFrom: string;
  /** Base of the dashboard links in emails. */
  publicUrl: string | null;
  /** Let webhooks reach loopback, link-local and private addresses (tests, labs). */
  webhookAllowPrivate: boolean;
  intervalMs: number;
  retryBaseMs: number;
  maxAttempts: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid controller configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the controller's environment; throws ConfigError listing every problem. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", so `OEC_PORT= oec-controller serve` takes the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  return {
    databaseUrl: c.OEC_DATABASE_URL,
    jwtSecret: c.OEC_JWT_SECRET,
    host: c.OEC_HOST,
    port: c.OEC_PORT,
    baseDomain: c.OEC_BASE_DOMAIN,
    heartbeatIntervalMs: c.OEC_HEARTBEAT_INTERVAL_MS,
    heartbeatMisses: c.OEC_HEARTBEAT_MISSES,
    rateLimitPerMinute: c.OEC_RATE_LIMIT_PER_MINUTE,
    cloneRateLimitPerMinute: c.OEC_CLONE_RATE_LIMIT_PER_MINUTE,
    replaceRetentionHours: c.OEC_REPLACE_RETENTION_HOURS,
    cloneSweepIntervalMs: c.OEC_CLONE_SWEEP_INTERVAL_MS,
    logLevel: c.OEC_LOG_LEVEL,
    cloneDataPath: c.OEC_CLONE_DATA_PATH,
    notifications: {
      smtpUrl: c.OEC_SMTP_URL ?? null,
      smtpFrom: c.OEC_SMTP_FROM,
      publicUrl: c.OEC_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
      webhookAllowPrivate: c.OEC_WEBHOOK_ALLOW_PRIVATE === '1',
      intervalMs: c.OEC_NOTIFY_INTERVAL_MS,
      retryBaseMs: c.OEC_NOTIFY_RETRY_BASE_MS,
      maxAttempts: c.OEC_NOTIFY_MAX_ATTEMPTS,
    },
    operationLeaseMs: c.OEC_OPERATION_LEASE_MS,
  };
}
