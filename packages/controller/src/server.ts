// startServer(config): takes the controller lock (decision 0015: one controller per database),
// then wires the pool, migrations, startup recovery, the agent hub and the HTTP server (REST,
// tRPC and the agents' WebSocket upgrade). Returns the bound URL, close() and `fatal`.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createAgentHub } from './agents/hub.js';
import { createApp } from './app.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { createCloneEvents } from './clone/engine/events.js';
import { recoverCloneOperations } from './clone/engine/recovery.js';
import { createCloneEngine } from './clone/engine/scheduler.js';
import { createOneTimeSecrets } from './clone/engine/secrets.js';
import type { Config } from './config.js';
import { createControllerLock } from './db/controller-lock.js';
import type { ControllerLockError } from './db/controller-lock.js';
import { migrate } from './db/migrate.js';
import { createDb, createPool } from './db/pool.js';
import type { AppDeps } from './deps.js';
import { randomIds } from './ids.js';
import { createNotifier, smtpMailer } from './notifications/sender.js';
import type { IdGenerator } from './ids.js';
import { createJobs } from './jobs.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { createRateLimiter } from './rate-limit.js';
import { recoverInterrupted } from './services/recovery.js';

export interface StartServerOptions {
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Override the agents' reconnection grace period (default heartbeat interval × misses). */
  agentGraceMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /**
   * Settles when the controller must stop on its own: another controller took the database's
   * lock while this one's lock session was lost. Scheduling has stopped already; call close().
   */
  fatal: Promise<ControllerLockError>;
}

export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  // Before anything reads or writes operations: recovery below fails every running one.
  let onTaken: (err: ControllerLockError) => void = () => undefined;
  const fatal = new Promise<ControllerLockError>((resolve) => (onTaken = resolve));
  const lock = createControllerLock({
    databaseUrl: config.databaseUrl,
    logger,
    waitMs: config.singletonWaitMs,
    onTaken: (err) => onTaken(err),
  });
  await lock.acquire();
  const pool = createPool(config.databaseUrl);
  pool.on('error', (err) => logger.error({ err }, 'idle database connection failed'));
  const db = createDb(pool);
  try {
    const applied = await migrate(pool);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const recovered = await recoverInterrupted(db);
    if (recovered.tasks || recovered.environments) logger.warn(recovered, 'recovered work interrupted by a restart');
    const clones = await recoverCloneOperations(db, clock);
    if (clones) logger.warn({ operations: clones }, 'clone operations interrupted by a restart ended failed; cleanup follows');
  } catch (err) {
    await pool.end();
    await lock.release();
    throw err;
  }

  // The engine needs the hub and the hub tells the engine about (re)connected agents.
  let agentReady: (serverId: string) => void = () => undefined;
  const hub = createAgentHub({
    db,
    logger,
    clock,
    ids,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatMisses: config.heartbeatMisses,
    ...(options.agentGraceMs !== undefined ? { graceMs: options.agentGraceMs } : {}),
    onAgentReady: (serverId) => agentReady(serverId),
  });
  const jobs = createJobs(logger);
  const settings = {
    jwtSecret: config.jwtSecret,
    baseDomain: config.baseDomain,
    replaceRetentionHours: config.replaceRetentionHours,
    webhookAllowPrivate: config.notifications.webhookAllowPrivate,
    cloneDataPath: config.cloneDataPath,
  };
  const n = config.notifications;
  const notifier = createNotifier({ db, logger, clock, settings: n, mailer: n.smtpUrl ? smtpMailer(n.smtpUrl, n.smtpFrom) : null });
  const clones = createCloneEngine({
    deps: { db, hub, clock, logger, settings },
    events: createCloneEvents(),
    secrets: createOneTimeSecrets(clock),
    sweepIntervalMs: config.cloneSweepIntervalMs,
  });
  agentReady = (serverId) => clones.agentReady(serverId);
  void fatal.then(() => {
    clones.stop();
    notifier.stop();
  });
  const deps: AppDeps = {
    db,
    hub,
    clock,
    ids,
    jobs,
    logger,
    settings,
    mutationLimiter: createRateLimiter({ perMinute: config.rateLimitPerMinute, clock }),
    cloneLimiter: createRateLimiter({ perMinute: config.cloneRateLimitPerMinute, clock }),
    clones,
  };
  const app = createApp(deps);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s as Server));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await hub.close();
    await db.close();
    await lock.release();
    throw err;
  });
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, port }, 'controller listening');
  clones.start();
  notifier.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    fatal,
    close: () =>
      (closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        clones.stop();
        notifier.stop();
        await hub.close();
        await clones.drain();
        await jobs.drain();
        await notifier.settle();
        server.closeAllConnections();
        await httpClosed;
        await db.close();
        // Last: until every run has ended, no other controller may recover them.
        await lock.release();
        logger.info('controller stopped');
      })()),
  };
}
