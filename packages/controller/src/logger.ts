// The controller's structured logger (pino). Logs go to stderr so that stdout stays free for
// command output (`token` prints only the token). Secrets are redacted by path: tokens,
// passwords and authorization headers never reach a log line.
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'token',
  'agent_token',
  'password',
  'generated_password',
  '*.generated_password',
  '*.*.generated_password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.token',
  '*.agent_token',
  '*.password',
  '*.authorization',
  '*.jwtSecret',
  'config.jwtSecret',
  'config.databaseUrl',
  'databaseUrl',
];

export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 2, sync: true })): Logger {
  return pino(
    { level, base: { service: 'controller' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination,
  );
}

/** A logger that drops everything (unit tests, commands whose output is stdout only). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
