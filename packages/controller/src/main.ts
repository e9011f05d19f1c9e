#!/usr/bin/env node
// The controller's command line: serve, migrate, bootstrap (first platform admin, optionally
// with a password), token (a JWT for a user), sign-in-link (a one-time dashboard link). Configuration comes from the environment (see config.ts). Logs go to
// stderr; stdout carries only each command's result (a user id, a token).
import { parseArgs } from 'node:util';
import { AppError, passwordSchema, PASSWORD_MIN_LENGTH } from '@oec/shared';
import { ConfigError, parseConfig } from './config.js';
import type { Config } from './config.js';
import { parseTtl, signToken } from './auth/jwt.js';
import { setPassword } from './auth/sessions.js';
import { createSignInLink } from './auth/sign-in-links.js';
import { createDb, createPool } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { randomIds } from './ids.js';
import { createLogger } from './logger.js';
import { bootstrapAdmin, findUserByEmail } from './services/users.js';

const USAGE = `Usage: oec-controller <command> [options]

Commands:
  serve                               apply migrations, then serve the API and the agent endpoint
  migrate                             apply pending database migrations
  bootstrap --email E [--name N] [--password P]
                                      create the first user as platform admin (prints its id);
                                      --password sets its dashboard password (at least ${PASSWORD_MIN_LENGTH} characters)
  token --user EMAIL [--ttl 12h]      print an API token (JWT) for a user; ttl: 90s, 15m, 12h, 7d (max 30d)
  sign-in-link --user EMAIL [--ttl 15m] [--base-url URL]
                                      print a one-time dashboard sign-in token (max ttl 24h), or with
                                      --base-url the link to open: URL/sign-in#link=<token>

Environment: OEC_DATABASE_URL, OEC_JWT_SECRET (required); OEC_HOST, OEC_PORT, OEC_BASE_DOMAIN,
OEC_HEARTBEAT_INTERVAL_MS, OEC_HEARTBEAT_MISSES, OEC_RATE_LIMIT_PER_MINUTE,
OEC_CLONE_RATE_LIMIT_PER_MINUTE, OEC_REPLACE_RETENTION_HOURS, OEC_CLONE_SWEEP_INTERVAL_MS, OEC_LOG_LEVEL,
OEC_OPERATION_LEASE_MS (how long an operation stays with a replica that stopped renewing its lease
before another replica resumes it; default 15000). Several replicas may serve one database.
`;

class UsageError extends Error {}

async function withDb<T>(config: Config, fn: (db: ReturnType<typeof createDb>, pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const pool = createPool(config.databaseUrl, 2);
  try {
    return await fn(createDb(pool), pool);
  } finally {
    await pool.end();
  }
}

async function serveCommand(config: Config): Promise<void> {
  // Loaded on demand: the other commands need neither the HTTP stack nor tRPC.
  const { startServer } = await import('./server.js');
  const server = await startServer(config);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      user: { type: 'string' },
      ttl: { type: 'string' },
      password: { type: 'string' },
      'base-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return;
  }
  const config = parseConfig(process.env);
  const logger = createLogger(config.logLevel);
  switch (command) {
    case 'serve':
      return serveCommand(config);
    case 'migrate':
      return withDb(config, async (_db, pool) => {
        const applied = await migrate(pool);
        logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
      });
    case 'bootstrap': {
      const email = values.email;
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError('bootstrap needs --email <address>');
      const password = values.password;
      if (password !== undefined && !passwordSchema.safeParse(password).success) {
        throw new UsageError(`--password needs at least ${PASSWORD_MIN_LENGTH} characters`);
      }
      return withDb(config, async (db, pool) => {
        await migrate(pool);
        const { user, created } = await bootstrapAdmin(db, randomIds, email, values.name);
        logger.info({ userId: user.id, email: user.email, created }, created ? 'platform admin created' : 'platform admin exists');
        if (password !== undefined) {
          await setPassword(db, user.id, password, new Date());
          logger.info({ userId: user.id }, 'dashboard password set');
        }
        process.stdout.write(`${user.id}\n`);
      });
    }
    case 'token': {
      const email = values.user;
      if (!email) throw new UsageError('token needs --user <email>');
      const ttl = parseTtl(values.ttl ?? '12h');
      if (ttl === null) throw new UsageError(`invalid --ttl ${values.ttl} (examples: 90s, 15m, 12h, 7d; at most 30d)`);
      return withDb(config, async (db) => {
        const user = await findUserByEmail(db, email);
        if (!user) throw new UsageError(`no user with email ${email}`);
        process.stdout.write(`${await signToken(config.jwtSecret, user.id, ttl)}\n`);
      });
    }
    case 'sign-in-link': {
      const email = values.user;
      if (!email) throw new UsageError('sign-in-link needs --user <email>');
      const ttl = parseTtl(values.ttl ?? '15m');
      if (ttl === null || ttl > 24 * 3600) throw new UsageError(`invalid --ttl ${values.ttl} (examples: 90s, 15m, 2h; at most 24h)`);
      const baseUrl = values['base-url']?.replace(/\/+$/, '');
      return withDb(config, async (db, pool) => {
        await migrate(pool);
        const user = await findUserByEmail(db, email);
        if (!user) throw new UsageError(`no user with email ${email}`);
        const { token } = await createSignInLink(db, { now: () => new Date() }, user.id, ttl);
        process.stdout.write(baseUrl ? `${baseUrl}/sign-in#link=${token}\n` : `${token}\n`);
      });
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof UsageError) process.stderr.write(`oec-controller: ${err.message}\n\n${USAGE}`);
    else if (err instanceof AppError) process.stderr.write(`oec-controller: ${err.message}\n`);
    else if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`oec-controller: ${err.message}\n\n${USAGE}`);
    } else process.stderr.write(`oec-controller: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof ConfigError || err instanceof UsageError ? 2 : 1);
  },
);
