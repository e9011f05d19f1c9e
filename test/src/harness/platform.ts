// A whole platform on one machine for end-to-end suites and the demo: a PostgreSQL cluster for
// the controller's state, the controller process (or `replicas` of them on their own ports against
// that one database), a bootstrapped owner with a token, an organization and project, and any
// number of servers, each with its own agent process, data directory and PostgreSQL cluster.
//
// Replicas (decision 0018): the first one starts alone (migrations) and is bootstrapped, the others
// start after it. Each agent dials the replica `addServer(…, { replica })` names first and the
// others after a lost link, so the agents of two servers can sit on different replicas; `apis[i]`
// is a REST client of replica i; `killController(i)` SIGKILLs it and `restartController(i)` starts
// it again on the same port.
//
// On a network topology (netns.ts) the controller listens on the control bridge's root-side
// address and an agent can run inside a server's namespace, where agent-to-agent traffic crosses
// the data bridge. Close the platform before the topology (processes first, then the links).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAppsUnder, stopEnvironmentClusters } from '@oec/agent';
import { clusterUrl, findPgBinDir, startCluster, stopCluster, stopOwnedCluster, type ClusterInfo } from '@oec/agent/postgres';
import type { CreateServerResponse, Environment, Organization, Project, Quota, Server, StepKey } from '@oec/shared';
import { createApi, type Api } from './api.js';
import { unmountAllUnder } from './disk.js';
import type { NetServer, Topology } from './netns.js';
import { packageMain, runCli, spawnDaemon, type Daemon } from './processes.js';
import { waitEnvironmentStatus } from './operations.js';
import { waitFor } from './wait.js';

export interface PlatformOptions {
  /** Root folder; default a fresh temp dir under the project-named prefix. */
  dir?: string;
  echo?: boolean;
  controllerEnv?: Record<string, string>;
  ownerEmail?: string;
  /** Listen on the topology's control address (OEC_HOST) instead of 127.0.0.1; the API client uses it too. */
  topology?: Topology;
  /** Controller processes against the one controller database (default 1). */
  replicas?: number;
  /** The organization's quota (default 16 CPU, 32 GB RAM, 500 GB disk, 10 environments). */
  quota?: Quota;
}

export interface AddServerOptions {
  /**
   * Run the agent inside this server's namespace (`ip netns exec`), dialing the controller over the
   * control network, with OEC_PEER_LISTEN=<dataIp>:7443 and OEC_PEER_URL=wss://<dataIp>:7443.
   */
  netServer?: NetServer;
  /** The controller replica the agent dials first, the others after it (index into Platform.controllers; default 0). */
  replica?: number;
  /** The server's clone_concurrency (default: the product's). */
  cloneConcurrency?: number;
}

/** Port agents in a namespace serve peer (agent-to-agent) traffic on, on their data address. */
export const PEER_PORT = 7443;

/** What an agent's OEC_TEST_HOOKS_FILE may say (packages/agent/src/clone/context.ts). */
export interface AgentHooks {
  faults?: string[];
  step_delay_ms?: number;
  transfer_bytes_per_second?: number;
  /** Hold the operation whose target has this name at this step, until the entry is gone. */
  hold?: { target: string; step: StepKey }[];
  /** Where a held task writes `<operation id>.<step>.held`. */
  hold_dir?: string;
}

export interface AgentHandle {
  server: Server;
  token: string;
  dataDir: string;
  daemon: Daemon;
  /** The namespace the agent runs in (undefined: this process's namespace). */
  netServer?: NetServer;
  /** Fail or slow down clone steps on this agent (its OEC_TEST_HOOKS_FILE); {} clears. */
  setHooks(hooks: AgentHooks): Promise<void>;
  /** The controller replica the agent dials. */
  replica: number;
  /**
   * Start (again) the agent process for this server; `replica` moves it to another replica, `env`
   * changes its environment from this start on (an operator changing the agent's settings).
   */
  start(opts?: { replica?: number; env?: Record<string, string> }): Promise<void>;
}

export interface Platform {
  dir: string;
  /** Replica 0's base URL (urls[0]). */
  url: string;
  /** Replica 0's REST client (apis[0]). */
  api: Api;
  /** Each replica's base URL and REST client (the owner's token). */
  urls: string[];
  apis: Api[];
  ownerToken: string;
  org: Organization;
  project: Project;
  /** Replica 0's process (controllers[0]). */
  readonly controller: Daemon;
  /** Each replica's current process (restartController replaces it). */
  controllers: Daemon[];
  /** Replica 0's environment (the others' differ only in OEC_PORT). */
  controllerEnv: Record<string, string>;
  /** SIGKILL replica i (a crash); its agents lose their connection. */
  killController(i: number): Promise<void>;
  /** Start replica i again on its port (stopping it first if it runs); resolves once it listens. */
  restartController(i: number, env?: Record<string, string>): Promise<Daemon>;
  agents: Map<string, AgentHandle>;
  topology?: Topology;
  tokenFor(email: string): Promise<string>;
  /**
   * The data dir addServer(name) will give its agent: prepare it (e.g. mountSmallDisk on
   * agentEnvironmentsDir(dir)) before addServer starts the agent.
   */
  agentDataDir(name: string): string;
  addServer(name: string, agentEnv?: Record<string, string>, opts?: AddServerOptions): Promise<AgentHandle>;
  waitServerStatus(serverId: string, status: Server['status'], timeoutMs?: number): Promise<Server>;
  createEnvironment(serverId: string, body: Record<string, unknown>): Promise<Environment>;
  waitEnvironment(envId: string, status: Environment['status'], timeoutMs?: number): Promise<Environment>;
  close(): Promise<void>;
}

/** OEC_TEST_ECHO=1: every daemon's log lines on stderr (debugging a suite). */
const ECHO = process.env.OEC_TEST_ECHO === '1';

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'oec-e2e-')));
  await mkdir(dir, { recursive: true });
  // Server binaries run as the postgres user, which must be able to traverse our folder.
  await chmod(dir, 0o755);
  const daemons: Daemon[] = [];
  let cluster: ClusterInfo | undefined;
  try {
    cluster = await startCluster({ dir: join(dir, 'controller-pg') });
    const controllerEnv: Record<string, string> = {
      OEC_DATABASE_URL: clusterUrl(cluster),
      OEC_JWT_SECRET: randomBytes(32).toString('hex'),
      OEC_HOST: opts.topology?.controllerHost ?? '127.0.0.1',
      OEC_PORT: '0',
      OEC_BASE_DOMAIN: 'apps.localhost',
      OEC_HEARTBEAT_INTERVAL_MS: '1000',
      OEC_HEARTBEAT_MISSES: '3',
      OEC_LOG_LEVEL: 'info',
      ...opts.controllerEnv,
    };
    const controllerMain = packageMain('@oec/controller');
    const replicas = opts.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`replicas must be a positive integer, not ${replicas}`);
    const controllers: Daemon[] = [];
    const urls: string[] = [];
    /** Replica i's port once it listened: a restart takes the same one, so its agents find it again. */
    const ports: string[] = [];
    const replicaName = (i: number) => (i === 0 ? 'controller' : `controller-${i + 1}`);
    async function spawnController(i: number, extraEnv: Record<string, string> = {}): Promise<Daemon> {
      // Replicas after the first take a port of their own even when the first one's is fixed.
      const port = ports[i] ?? (i === 0 ? controllerEnv.OEC_PORT ?? '0' : '0');
      const d = spawnDaemon(controllerMain, {
        name: replicaName(i),
        args: ['serve'],
        env: { ...controllerEnv, OEC_PORT: port, ...extraEnv },
        echo: opts.echo ?? ECHO,
      });
      daemons.push(d);
      controllers[i] = d;
      // An exit ends the wait at once (waitForLog would poll on until its timeout).
      const exited = d.exited.then((code) => {
        throw new Error(`${replicaName(i)} exited ${code ?? 'on a signal'}:\n${d.output.slice(-20).join('\n')}`);
      });
      exited.catch(() => undefined); // it rejects at every later exit too (a kill, close)
      const listening = await Promise.race([d.waitForLog('controller listening'), exited]);
      const url = String(listening.url);
      urls[i] = url;
      ports[i] = new URL(url).port;
      return d;
    }
    await spawnController(0);
    const url = urls[0] ?? '';

    const ownerEmail = opts.ownerEmail ?? 'owner@example.com';
    await runCli(controllerMain, ['bootstrap', '--email', ownerEmail], controllerEnv);
    const tokenFor = (email: string) => runCli(controllerMain, ['token', '--user', email], controllerEnv);
    const ownerToken = await tokenFor(ownerEmail);
    const api = createApi(url, ownerToken);
    // The others start once the first has migrated the database and the owner exists.
    await Promise.all(Array.from({ length: replicas - 1 }, (_, k) => spawnController(k + 1)));
    const apis = urls.map((u, i) => (i === 0 ? api : createApi(u, ownerToken)));
    const org = await api.ok<Organization>('POST', '/organizations', {
      name: 'Acme',
      quota: opts.quota ?? { cpu: 16, ram_gb: 32, disk_gb: 500, environments: 10 },
    });
    const project = await api.ok<Project>('POST', '/projects', { organization_id: org.id, name: 'shop' });
    const agents = new Map<string, AgentHandle>();

    const platform: Platform = {
      dir,
      url,
      api,
      urls,
      apis,
      ownerToken,
      org,
      project,
      get controller() {
        return controllers[0] as Daemon;
      },
      controllers,
      controllerEnv,
      async killController(i) {
        const d = controllers[i];
        if (!d) throw new Error(`no controller replica ${i} (replicas: ${replicas})`);
        await d.kill();
      },
      async restartController(i, env = {}) {
        const d = controllers[i];
        if (!d) throw new Error(`no controller replica ${i} (replicas: ${replicas})`);
        await d.stop();
        return spawnController(i, env);
      },
      agents,
      ...(opts.topology ? { topology: opts.topology } : {}),
      tokenFor,
      agentDataDir: (name) => join(dir, `agent-${name}`),
      async addServer(name, agentEnv = {}, serverOpts = {}) {
        const { netServer, cloneConcurrency } = serverOpts;
        const replicaOf = (i: number): number => {
          if (!Number.isInteger(i) || i < 0 || i >= replicas) throw new Error(`no controller replica ${i} (replicas: ${replicas})`);
          return i;
        };
        const created = await api.ok<CreateServerResponse>('POST', '/servers', {
          organization_id: org.id,
          name,
          ...(cloneConcurrency !== undefined ? { clone_concurrency: cloneConcurrency } : {}),
        });
        const { agent_token: token, ...server } = created;
        const dataDir = platform.agentDataDir(name);
        const peerEnv: Record<string, string> = netServer
          ? { OEC_PEER_LISTEN: `${netServer.dataIp}:${PEER_PORT}`, OEC_PEER_URL: `wss://${netServer.dataIp}:${PEER_PORT}` }
          : {};
        const hooksFile = join(dir, `hooks-${name}.json`);
        let settings = agentEnv;
        const handle: AgentHandle = {
          server,
          token,
          dataDir,
          daemon: undefined as unknown as Daemon,
          replica: replicaOf(serverOpts.replica ?? 0),
          ...(netServer ? { netServer } : {}),
          async setHooks(hooks) {
            await writeFile(hooksFile, JSON.stringify(hooks));
          },
          async start(startOpts = {}) {
            if (startOpts.replica !== undefined) handle.replica = replicaOf(startOpts.replica);
            if (startOpts.env) settings = { ...settings, ...startOpts.env };
            // Its replica first, then the others: after a lost link the agent tries the next one
            // (decision 0018), as it would behind a load balancer.
            const order = urls.map((_, k) => urls[(handle.replica + k) % urls.length] ?? url);
            const daemon = spawnDaemon(packageMain('@oec/agent'), {
              name: `agent-${name}`,
              env: {
                OEC_CONTROLLER_URL: order.map((u) => `${u.replace(/^http/, 'ws')}/agent/ws`).join(','),
                OEC_AGENT_TOKEN: token,
                OEC_DATA_DIR: dataDir,
                OEC_PG_MODE: 'owned',
                OEC_HOSTNAME: `server-${name}`,
                OEC_TEST_HOOKS_FILE: hooksFile,
                OEC_LOG_LEVEL: 'info',
                ...peerEnv,
                ...settings,
              },
              echo: opts.echo ?? ECHO,
              ...(netServer ? { prefix: netServer.execPrefix } : {}),
            });
            daemons.push(daemon);
            handle.daemon = daemon;
            await daemon.waitForLog('agent connected', 120_000);
          },
        };
        await handle.start();
        agents.set(server.id, handle);
        await platform.waitServerStatus(server.id, 'RUNNING');
        return handle;
      },
      async waitServerStatus(serverId, status, timeoutMs = 60_000) {
        return waitFor(
          async () => {
            const s = await api.ok<Server>('GET', `/servers/${serverId}`);
            return s.status === status ? s : undefined;
          },
          { timeoutMs, what: `server ${serverId} ${status}` },
        );
      },
      async createEnvironment(serverId, body) {
        return api.ok<Environment>('POST', `/projects/${project.id}/environments`, { server_id: serverId, ...body });
      },
      waitEnvironment: (envId, status, timeoutMs = 120_000) => waitEnvironmentStatus(api, envId, status, timeoutMs),
      async close() {
        for (const d of daemons.reverse()) await d.stop();
        for (const a of agents.values()) {
          await stopAppsUnder(a.dataDir).catch(() => undefined);
          await stopOwnedCluster(a.dataDir).catch(() => undefined);
          // OEC_LOCAL_CLUSTERS=per_environment: a cluster in each environment's directory
          await stopEnvironmentClusters(a.dataDir, findPgBinDir()).catch(() => undefined);
        }
        if (cluster) await stopCluster(cluster);
        // Small disks a suite mounted under an agent's data dir (disk.ts) would make rm fail.
        for (const a of agents.values()) await unmountAllUnder(a.dataDir);
        if (!opts.dir) await rm(dir, { recursive: true, force: true });
      },
    };
    return platform;
  } catch (e) {
    for (const d of daemons.reverse()) await d.stop().catch(() => undefined);
    if (cluster) await stopCluster(cluster).catch(() => undefined);
    if (!opts.dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
