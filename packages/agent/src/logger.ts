// Structured JSON logs (pino) on stdout. Secrets are redacted by field name wherever they appear
// in the first levels of a log object; code must still never put a token into a message string.
import { pino, type Logger } from 'pino';
import type { LogLevelName } from './config.js';

export type { Logger };

const SECRET_KEYS = ['token', 'password', 'authorization', 'agent_token', 'db_password', 'PGPASSWORD'];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'headers.authorization',
  'req.headers.authorization',
];

export function createLogger(level: LogLevelName = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'oec-agent', pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
