// Wires the agent together: configuration → runtime (for `local`, the owned PostgreSQL cluster is
// started here; `docker` runs one per environment) → task runner → controller connection.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileChildTracker, reapLeftovers, setChildTracker, takeLeftoverExecs } from './exec/children.js';
import { openJournal } from './tasks/journal.js';
import type { AgentConfig } from './config.js';
import { createConnection, type Connection } from './connection.js';
import { lockDataDir, type DataDirLock } from './lock.js';
import type { Logger } from './logger.js';
import { createLogger } from './logger.js';
import { stopCluster, type ClusterInfo } from './postgres/cluster.js';
import { startOwnedCluster } from './postgres/owned.js';
import { targetFromCluster, targetFromUrl, type PgTarget } from './postgres/target.js';
import { createRuntime } from './runtime/index.js';
import type { Runtime } from './runtime/runtime.js';
import { fileHooks, NO_HOOKS } from './clone/context.js';
import { createHandlers } from './tasks/handlers/index.js';
import { createTaskRunner, type TaskRunner } from './tasks/runner.js';
import { ensurePeerIdentity } from './peer/tls.js';
import { startPeerServer, type PeerServer } from './peer/server.js';
import { toolVersion } from './runtime/facts.js';
import type { MessageSink } from './tasks/types.js';

export interface AgentDeps {
  logger?: Logger;
}

export interface StopOptions {
  /** Also stop the owned PostgreSQL cluster (default: config.stopPostgresOnExit). */
  stopPostgres?: boolean;
  /** How long running tasks get to report their cancellation. */
  drainMs?: number;
}

export interface Agent {
  /** Start PostgreSQL (owned mode) and begin dialing the controller. */
  start(): Promise<void>;
  /** Stop accepting tasks, abort running ones, close the link; environments keep running. */
  stop(opts?: StopOptions): Promise<void>;
  readonly runtime: Runtime | null;
  readonly connected: boolean;
}

export function createAgent(config: AgentConfig, deps: AgentDeps = {}): Agent {
  const logger = deps.logger ?? createLogger(config.logLevel);
  let cluster: ClusterInfo | null = null;
  let runtime: Runtime | null = null;
  let runner: TaskRunner | null = null;
  let connection: Connection | null = null;
  let lock: DataDirLock | null = null;
  let peer: PeerServer | null = null;
  /** Runs while the controller is unreachable; at its end the operations' tasks are abandoned. */
  let lease: NodeJS.Timeout | undefined;

  async function postgres(): Promise<PgTarget> {
    if (config.pg.mode === 'external') return targetFromUrl(config.pg.url, config.pg.binDir);
    cluster = await startOwnedCluster({
      dataDir: config.dataDir,
      port: config.pg.port,
      ...(config.pg.binDir ? { binDir: config.pg.binDir } : {}),
    });
    logger.info({ port: cluster.port, dir: cluster.dir }, 'owned PostgreSQL cluster running');
    return targetFromCluster(cluster);
  }

  return {
    get runtime() {
      return runtime;
    },
    get connected() {
      return connection?.connected ?? false;
    },

    async start() {
      await mkdir(config.dataDir, { recursive: true, mode: 0o750 });
      lock = await lockDataDir(config.dataDir);
      // What a killed predecessor left running (its pg_dump, pg_restore, tar…) is stopped first.
      const childrenDir = join(config.dataDir, 'run', 'children');
      const reaped = await reapLeftovers(childrenDir);
      if (reaped.length > 0) logger.warn({ processes: reaped.map((r) => `${r.name} (pid ${r.pid})`) }, "stopped processes a previous agent process left running");
      const execs = takeLeftoverExecs(childrenDir);
      setChildTracker(fileChildTracker(childrenDir));
      const journal = openJournal(join(config.dataDir, 'tasks'));
      const rt = (runtime = await createRuntime(config, postgres, logger));
      if (execs.length > 0) {
        const stopped = (await rt.stopLeftoverExecs?.(execs)) ?? [];
        logger.warn({ processes: stopped.map((r) => `${r.name} in ${r.container.slice(0, 12)}`) }, "stopped container processes a previous agent process left running");
      }
      const identity = await ensurePeerIdentity(config.dataDir, config.hostname, config.childEnv);
      const endpoint = (peer = await startPeerServer({
        host: config.peer.host,
        port: config.peer.port,
        identity,
        publicUrl: config.peerUrl,
        advertiseHost: config.hostname,
        logger: logger.child({ component: 'peer' }),
      }));
      logger.info({ url: endpoint.url, fingerprint: identity.fingerprint }, 'peer endpoint listening');
      const zstd = await toolVersion('zstd', config.childEnv);
      // The runner reports through the connection, which hands it the controller's messages.
      const sink: MessageSink = { send: (message) => connection?.send(message) };
      const tasks = (runner = createTaskRunner({
        runtime: rt,
        sink,
        logger: logger.child({ component: 'tasks' }),
        journal,
        handlers: createHandlers(config.testHooksFile ? fileHooks(config.testHooksFile) : NO_HOOKS, {
          peer: endpoint,
          timeoutMs: config.peer.timeoutMs,
          env: config.childEnv,
          copy: config.copy,
          sanitizeBatch: config.sanitizeBatch,
        }),
      }));
      const conn = (connection = createConnection({
        urls: config.controllerUrls,
        token: config.token,
        logger: logger.child({ component: 'connection' }),
        reconnect: config.reconnect,
        hello: async () => {
          const facts = await rt.facts();
          return {
            facts: {
              ...facts,
              tools: { ...facts.tools, zstd },
              peer_url: endpoint.url,
              tls_fingerprint: identity.fingerprint,
              tls_certificate: identity.cert,
            },
            running_tasks: tasks.runningTaskIds(),
          };
        },
        heartbeat: async () => {
          const disk = await rt.diskUsage();
          return { disk_free_bytes: disk.free_bytes, disk_total_bytes: disk.total_bytes, running_tasks: tasks.runningTaskIds() };
        },
        onMessage: (message) => tasks.handle(message),
        onWelcome: () => {
          clearTimeout(lease);
          lease = undefined;
        },
        onDisconnect: () => {
          if (lease) return;
          lease = setTimeout(() => {
            lease = undefined;
            const reason = `the controller was unreachable for ${Math.round(config.taskLeaseMs / 1000)} s (OEC_TASK_LEASE_MS)`;
            void tasks.abandon(reason).then((ids) => {
              if (ids.length > 0) logger.warn({ tasks: ids }, 'lease expired: stopped the running tasks of operations and cleaned up');
            });
          }, config.taskLeaseMs);
          lease.unref();
        },
        onInvalidFrame: (raw) => tasks.refuseInvalid(raw),
      }));
      conn.start();
    },

    async stop(opts = {}) {
      clearTimeout(lease);
      await runner?.shutdown('agent stopping', opts.drainMs ?? 20_000);
      await connection?.close();
      await peer?.close();
      await runtime?.close();
      if (cluster && (opts.stopPostgres ?? config.stopPostgresOnExit)) {
        await stopCluster(cluster);
        logger.info('owned PostgreSQL cluster stopped');
      }
      setChildTracker(null);
      await lock?.release();
    },
  };
}
