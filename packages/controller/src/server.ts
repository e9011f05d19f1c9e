// startServer(config): one controller replica (decision 0018: several may serve one database).
// Wires the pool (tagged with the replica's id), migrations, the replica's row, recovery of
// dead replicas' work, the bus (LISTEN/NOTIFY), the agent hub and the HTTP server (REST, tRPC
// and the agents' WebSocket upgrade). Returns the bound URL and close().
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createAgentHub } from './agents/hub.js';
import { createApp } from './app.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { createCloneEvents } from './clone/engine/events.js';
import { createCloneEngine } from './clone/engine/scheduler.js';
import { createStoredSecrets } from './clone/engine/secrets.js';
import type { Config } from './config.js';
import { createBus } from './db/bus.js';
import { createSealer } from './db/seal.js';
import { migrate } from './db/migrate.js';
import { createDb, createPool, newReplicaId } from './db/pool.js';
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
  /** How often progress watchers re-read without a change event (default 2 s; tests raise it to prove the events). */
  feedFallbackMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** This replica's id (decision 0018): operations it drives carry it as their owner. */
  replicaId: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const replica = { id: newReplicaId(hostname(), process.pid, randomBytes(3).toString('hex')), leaseMs: config.operationLeaseMs };
  const pool = createPool(config.databaseUrl, 10, replica.id);
  pool.on('error', (err) => logger.error({ err }, 'idle database connection failed'));
  const db = createDb(pool);
  const bus = createBus({ databaseUrl: config.databaseUrl, db, replicaId: replica.id, logger });
  const sealer = createSealer(config.jwtSecret);
  try {
    // Several replicas may start at once: migrations take their own advisory lock.
    const applied = await migrate(pool);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    await db.query(
      `INSERT INTO controller_replicas (id, hostname, pid) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [replica.id, hostname(), process.pid],
    );
    const recovered = await recoverInterrupted(db, replica.leaseMs);
    if (recovered.tasks || recovered.environments) logger.warn(recovered, 'recovered work interrupted by a restart');
    await bus.start();
  } catch (err) {
    await bus.close();
    await pool.end();
    throw err;
  }

  // The engine needs the hub and the hub tells the engine about (re)connected agents.
  let agentReady: (serverId: string, local: boolean) => void = () => undefined;
  const hub = createAgentHub({
    db,
    logger,
    clock,
    ids,
    bus,
    sealer,
    replicaTtlMs: replica.leaseMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatMisses: config.heartbeatMisses,
    ...(options.agentGraceMs !== undefined ? { graceMs: options.agentGraceMs } : {}),
    onAgentReady: (serverId, local) => agentReady(serverId, local),
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
    deps: { db, hub, clock, logger, settings, replica },
    events: createCloneEvents(bus),
    secrets: createStoredSecrets(db, sealer, clock),
    sweepIntervalMs: config.cloneSweepIntervalMs,
    bus,
    ...(options.feedFallbackMs !== undefined ? { feedFallbackMs: options.feedFallbackMs } : {}),
  });
  agentReady = (serverId, local) => clones.agentReady(serverId, local);
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
    await bus.close();
    await db.close();
    throw err;
  });
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, port, replica: replica.id }, 'controller listening');
  clones.start();
  notifier.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    replicaId: replica.id,
    close: () =>
      (closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Runs are detached, not cancelled: their agents go on and another replica resumes them.
        clones.stop();
        notifier.stop();
        await hub.close();
        await clones.drain();
        await jobs.drain();
        await notifier.settle();
        server.closeAllConnections();
        await httpClosed;
        await bus.close();
        await db.close();
        logger.info('controller stopped');
      })()),
  };
}
