// The agent's configuration, parsed once from the environment (and, for the systemd install, an
// optional JSON file named by OEC_AGENT_CONFIG whose keys mirror the variables; the environment
// wins). Nothing else in the agent reads process.env.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { copyTuning, DEFAULT_AGENT_MEMORY_MB, DEFAULT_SPLIT_MB, MAX_COPY_JOBS, MIN_AGENT_MEMORY_MB, type CopyTuning } from './clone/copy/tuning.js';
import { DEFAULT_BATCH, type BatchOptions } from './sanitize/index.js';
import { OFFICIAL_ODOO, type DockerImages, type OdooImageContract } from './runtime/docker/objects.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const urlWithProtocols = (protocols: string[], example: string) =>
  z
    .string()
    .url(`must be a URL such as ${example}`)
    .refine((s) => protocols.includes(new URL(s).protocol), `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((s) => ['true', '1', 'yes'].includes(s));

// An image reference (repository[:tag][@digest]); `{version}` is allowed where the Odoo version goes.
const dockerImage = z.string().regex(/^[a-z0-9][a-z0-9._/:@{}-]*$/, 'must be an image reference such as odoo:{version} or registry.example.com/postgres:15');

const absolutePath = z.string().regex(/^\/[A-Za-z0-9/._-]*$/, 'must be an absolute path');

const envSchema = z
  .object({
    // One URL, or several separated by commas: the controller replicas (decision 0018), tried in
    // turn, the next one first after a lost link.
    OEC_CONTROLLER_URL: z
      .string()
      .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
      .pipe(z.array(urlWithProtocols(['ws:', 'wss:'], 'ws://127.0.0.1:8080/agent/ws')).min(1, 'must name at least one URL')),
    OEC_AGENT_TOKEN: z.string().min(1, 'is required (the server enrollment token)'),
    OEC_DATA_DIR: z.string().min(1, 'is required (the directory the agent owns)'),
    OEC_RUNTIME: z.enum(['local', 'docker']).default('local'),
    // The docker runtime: the engine's unix socket, the images of an environment's containers
    // (`{version}` in the Odoo image becomes the environment's Odoo version) and the value of the
    // `oec.server` label that marks this agent's objects on a shared engine.
    OEC_DOCKER_SOCKET: z.string().startsWith('/', 'must be an absolute path').default('/var/run/docker.sock'),
    OEC_DOCKER_POSTGRES_IMAGE: dockerImage.optional(),
    OEC_DOCKER_ODOO_IMAGE: dockerImage.optional(),
    OEC_DOCKER_SERVER_LABEL: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be 1-63 letters, digits, dot, dash or underscore').optional(),
    // uid:gid that owns an environment's filestore and sessions for the Odoo container (the
    // official image runs as odoo, 101:101).
    OEC_DOCKER_ODOO_USER: z.string().regex(/^\d+:\d+$/, 'must be uid:gid, e.g. 101:101').default('101:101'),
    // The Odoo image's contract, the official image's by default.
    OEC_DOCKER_ODOO_DATA_DIR: absolutePath.default(OFFICIAL_ODOO.dataDir),
    OEC_DOCKER_ODOO_ADDONS_DIR: absolutePath.default(OFFICIAL_ODOO.addonsDir),
    OEC_DOCKER_ODOO_PORT: z.coerce.number().int().min(1).max(65535).default(OFFICIAL_ODOO.port),
    OEC_DOCKER_ODOO_HEALTH_PATH: z.string().regex(/^\/[A-Za-z0-9/._~-]*$/, 'must be a URL path such as /web/database/selector').default(OFFICIAL_ODOO.healthPath),
    // Words separated by spaces, run as argv (no shell) inside the Odoo container.
    OEC_DOCKER_ODOO_VERSION_COMMAND: z
      .string()
      .regex(/^[A-Za-z0-9/._=-]+( [A-Za-z0-9/._=-]+)*$/, 'must be a command and its arguments separated by single spaces, e.g. odoo-bin --version')
      .default(OFFICIAL_ODOO.versionCommand.join(' ')),
    // An environment's PostgreSQL data and Odoo data dir as bind mounts under OEC_DATA_DIR instead
    // of named volumes: on a data root that clones files (XFS with reflink, btrfs), same-server
    // clones are copy-on-write (decision 0020).
    OEC_DOCKER_DATA_ON_ROOT: booleanString.default('false'),
    // The local runtime: every environment's database in the agent's one cluster (`shared`), or
    // one cluster per environment under its directory (`per_environment`, runtime/local-clusters.ts).
    OEC_LOCAL_CLUSTERS: z.enum(['shared', 'per_environment']).default('shared'),
    OEC_PG_MODE: z.enum(['owned', 'external']).default('owned'),
    OEC_PG_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgresql://postgres:secret@127.0.0.1:5432/postgres').optional(),
    OEC_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    OEC_PG_BIN_DIR: z.string().startsWith('/', 'must be an absolute path').optional(),
    OEC_PG_STOP_ON_EXIT: booleanString.default('false'),
    OEC_HOSTNAME: z.string().min(1).optional(),
    OEC_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    OEC_PEER_URL: urlWithProtocols(['wss:', 'https:'], 'wss://server-a.example.com:8443').optional(),
    // The peer endpoint (TLS WebSocket) on which other agents push cross-server clone streams.
    OEC_PEER_LISTEN: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:8443')
      .default('127.0.0.1:0'),
    OEC_PEER_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    OEC_APP_HOST: z.string().regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or IP address').default('127.0.0.1'),
    // COPY streams a clone runs at once (0: one per core, 2 to 8, fewer on a small memory) and the
    // table size above which a table is copied in block ranges side by side (clone/copy/tuning.ts).
    OEC_COPY_JOBS: z.coerce.number().int().min(0).max(MAX_COPY_JOBS).default(0),
    OEC_COPY_SPLIT_MB: z.coerce.number().int().min(16).max(1_048_576).default(DEFAULT_SPLIT_MB),
    // What the agent may hold in memory, in MB (decision 0019): the COPY streams' buffers and the
    // in-stream masking's memo, patterns, batches and captured values get shares of it (tuning.ts).
    OEC_AGENT_MEMORY_MB: z.coerce
      .number({ message: 'must be a number of MB, e.g. 256' })
      .int('must be a whole number of MB')
      .min(MIN_AGENT_MEMORY_MB, `must be at least ${MIN_AGENT_MEMORY_MB} (MB)`)
      .max(1_048_576, 'must be at most 1048576 (MB)')
      .default(DEFAULT_AGENT_MEMORY_MB),
    // Sanitizing: a table over SPLIT_ROWS rows is worked on in key ranges of about BATCH_ROWS rows,
    // with progress after each (sanitize/ranges.ts).
    OEC_SANITIZE_BATCH_ROWS: z.coerce.number().int().min(100).max(10_000_000).default(DEFAULT_BATCH.rows),
    OEC_SANITIZE_SPLIT_ROWS: z.coerce.number().int().min(0).max(1_000_000_000).default(DEFAULT_BATCH.minTableRows),
    OEC_RECONNECT_MIN_MS: z.coerce.number().int().min(1).max(60_000).default(250),
    OEC_RECONNECT_MAX_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
    OEC_TASK_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
    // Test hook for end-to-end suites (off unless set): a JSON file, re-read at every clone step,
    // naming steps to fail or slow down:
    // {"faults": ["sanitizing", "verifying:start"], "step_delay_ms": 2000}.
    OEC_TEST_HOOKS_FILE: z.string().startsWith('/', 'must be an absolute path').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.OEC_PG_MODE === 'external' && !v.OEC_PG_URL) {
      ctx.addIssue({ code: 'custom', path: ['OEC_PG_URL'], message: 'is required when OEC_PG_MODE=external' });
    }
    if (v.OEC_LOCAL_CLUSTERS === 'per_environment' && v.OEC_RUNTIME !== 'local') {
      ctx.addIssue({ code: 'custom', path: ['OEC_LOCAL_CLUSTERS'], message: 'applies to OEC_RUNTIME=local only (docker gives every environment its own PostgreSQL)' });
    }
    if (v.OEC_LOCAL_CLUSTERS === 'per_environment' && v.OEC_PG_MODE === 'external') {
      ctx.addIssue({ code: 'custom', path: ['OEC_LOCAL_CLUSTERS'], message: 'per_environment needs OEC_PG_MODE=owned (the agent runs the clusters itself)' });
    }
    if (v.OEC_RUNTIME === 'docker') {
      for (const key of ['OEC_DOCKER_POSTGRES_IMAGE', 'OEC_DOCKER_ODOO_IMAGE'] as const) {
        if (!v[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when OEC_RUNTIME=docker' });
      }
    }
    if (v.OEC_RECONNECT_MIN_MS > v.OEC_RECONNECT_MAX_MS) {
      ctx.addIssue({ code: 'custom', path: ['OEC_RECONNECT_MIN_MS'], message: 'must not exceed OEC_RECONNECT_MAX_MS' });
    }
  });

export type PgConfig = { mode: 'owned'; port: number; binDir: string | null } | { mode: 'external'; url: string; binDir: string | null };

export interface DockerConfig {
  socket: string;
  images: DockerImages;
  /** The `oec.server` label of every object this agent creates, lists and removes. */
  serverLabel: string;
  odooUser: { uid: number; gid: number };
  odoo: OdooImageContract;
  /** OEC_DOCKER_DATA_ON_ROOT: environments' data as bind mounts under the data dir. */
  dataOnRoot: boolean;
}

export interface AgentConfig {
  /** The controller replicas' agent endpoints, tried in turn. */
  controllerUrls: string[];
  /** Secret: never log it (the logger redacts `token`). */
  token: string;
  dataDir: string;
  runtime: 'local' | 'docker';
  /** Set when runtime is docker (which then needs no PostgreSQL of the agent's own). */
  docker: DockerConfig | null;
  pg: PgConfig;
  /**
   * The local runtime's clusters: `shared` (every environment in the agent's cluster) or
   * `per_environment` (a cluster each, under its directory; needs `pg.mode` owned).
   */
  localClusters: 'shared' | 'per_environment';
  /** Stop the owned cluster when the agent exits (off: environments outlive agent restarts). */
  stopPostgresOnExit: boolean;
  hostname: string;
  logLevel: LogLevelName;
  /** Advertised peer URL; null = `wss://<listen host>:<bound port>`. */
  peerUrl: string | null;
  peer: {
    host: string;
    port: number;
    /** A peer silent this long (no frame, no pong) fails the stream. */
    timeoutMs: number;
  };
  appHost: string;
  /** OEC_AGENT_MEMORY_MB: what the agent may hold in memory; `copy` carries its shares. */
  memoryMb: number;
  /** The COPY data path's parallelism and memory (OEC_COPY_JOBS, OEC_COPY_SPLIT_MB, OEC_AGENT_MEMORY_MB). */
  copy: CopyTuning;
  /** How sanitizing splits big tables into key ranges (OEC_SANITIZE_BATCH_ROWS, OEC_SANITIZE_SPLIT_ROWS). */
  sanitizeBatch: BatchOptions;
  reconnect: { minMs: number; maxMs: number };
  /**
   * OEC_TASK_LEASE_MS: how long the agent keeps running an operation's tasks without its
   * controller; past it they are stopped (AGENT_LOST) and what they built on this server undone.
   */
  taskLeaseMs: number;
  /**
   * The only variables child processes inherit (PATH, HOME, locale, TZ, TMPDIR): the token and
   * anything else in the agent's environment never reach pg_dump, tar or an app process.
   */
  childEnv: Record<string, string>;
  /** OEC_TEST_HOOKS_FILE (end-to-end fault injection); null in production. */
  testHooksFile: string | null;
}

const CHILD_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid agent configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type RawEnv = Record<string, string | undefined>;

/** Parse configuration variables (blank values count as unset). Throws ConfigError. */
export function parseConfig(env: RawEnv): AgentConfig {
  const input: RawEnv = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('OEC_') && v !== undefined && v.trim() !== '') input[k] = v.trim();
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`));
  }
  const v = parsed.data;
  const binDir = v.OEC_PG_BIN_DIR ?? null;
  return {
    controllerUrls: v.OEC_CONTROLLER_URL,
    token: v.OEC_AGENT_TOKEN,
    dataDir: resolve(v.OEC_DATA_DIR),
    runtime: v.OEC_RUNTIME,
    docker:
      v.OEC_RUNTIME === 'docker' && v.OEC_DOCKER_POSTGRES_IMAGE && v.OEC_DOCKER_ODOO_IMAGE
        ? {
            socket: v.OEC_DOCKER_SOCKET,
            images: { postgres: v.OEC_DOCKER_POSTGRES_IMAGE, odoo: v.OEC_DOCKER_ODOO_IMAGE },
            serverLabel: v.OEC_DOCKER_SERVER_LABEL ?? (v.OEC_HOSTNAME ?? hostname()).replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63),
            odooUser: uidGid(v.OEC_DOCKER_ODOO_USER),
            odoo: {
              dataDir: v.OEC_DOCKER_ODOO_DATA_DIR,
              addonsDir: v.OEC_DOCKER_ODOO_ADDONS_DIR,
              port: v.OEC_DOCKER_ODOO_PORT,
              healthPath: v.OEC_DOCKER_ODOO_HEALTH_PATH,
              versionCommand: v.OEC_DOCKER_ODOO_VERSION_COMMAND.split(' '),
            },
            dataOnRoot: v.OEC_DOCKER_DATA_ON_ROOT,
          }
        : null,
    pg: v.OEC_PG_URL && v.OEC_PG_MODE === 'external' ? { mode: 'external', url: v.OEC_PG_URL, binDir } : { mode: 'owned', port: v.OEC_PG_PORT, binDir },
    localClusters: v.OEC_LOCAL_CLUSTERS,
    stopPostgresOnExit: v.OEC_PG_STOP_ON_EXIT,
    hostname: v.OEC_HOSTNAME ?? hostname(),
    logLevel: v.OEC_LOG_LEVEL,
    peerUrl: v.OEC_PEER_URL ?? null,
    peer: { ...splitHostPort(v.OEC_PEER_LISTEN), timeoutMs: v.OEC_PEER_TIMEOUT_MS },
    memoryMb: v.OEC_AGENT_MEMORY_MB,
    copy: copyTuning({ jobs: v.OEC_COPY_JOBS, splitMb: v.OEC_COPY_SPLIT_MB, memoryMb: v.OEC_AGENT_MEMORY_MB }),
    sanitizeBatch: { rows: v.OEC_SANITIZE_BATCH_ROWS, minTableRows: v.OEC_SANITIZE_SPLIT_ROWS },
    appHost: v.OEC_APP_HOST,
    reconnect: { minMs: v.OEC_RECONNECT_MIN_MS, maxMs: v.OEC_RECONNECT_MAX_MS },
    taskLeaseMs: v.OEC_TASK_LEASE_MS,
    childEnv: childEnv(env),
    testHooksFile: v.OEC_TEST_HOOKS_FILE ?? null,
  };
}

function uidGid(s: string): { uid: number; gid: number } {
  const [uid, gid] = s.split(':').map(Number);
  return { uid: uid ?? 0, gid: gid ?? 0 };
}

function splitHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(s.slice(i + 1)) };
}

function childEnv(env: RawEnv): Record<string, string> {
  const out: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin:/bin' };
  for (const key of CHILD_ENV_KEYS) {
    const value = env[key];
    if (value) out[key] = value;
  }
  return out;
}

const fileSchema = z.record(z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** Read the optional OEC_AGENT_CONFIG JSON file, merge the environment over it, and parse. */
export function loadConfig(env: RawEnv): AgentConfig {
  const file = env.OEC_AGENT_CONFIG?.trim();
  let fromFile: RawEnv = {};
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError([`OEC_AGENT_CONFIG: cannot read ${file}: ${(e as Error).message}`]);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw new ConfigError([`OEC_AGENT_CONFIG: ${file} must be a JSON object of strings, numbers or booleans`]);
    fromFile = parsed.data;
  }
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  return parseConfig({ ...fromFile, ...fromEnv });
}

/** What is safe to log about a configuration (no token, no database password). */
export function describeConfig(c: AgentConfig): Record<string, unknown> {
  return {
    controllerUrls: c.controllerUrls,
    dataDir: c.dataDir,
    runtime: c.runtime,
    ...(c.docker
      ? { docker: { socket: c.docker.socket, images: c.docker.images, serverLabel: c.docker.serverLabel, dataOnRoot: c.docker.dataOnRoot } }
      : { pgMode: c.pg.mode, localClusters: c.localClusters, ...(c.pg.mode === 'owned' ? { pgPort: c.pg.port } : { pgHost: new URL(c.pg.url).host }) }),
    hostname: c.hostname,
    peerUrl: c.peerUrl,
    peerListen: `${c.peer.host}:${c.peer.port}`,
    appHost: c.appHost,
    memoryMb: c.memoryMb,
    copyJobs: c.copy.jobs,
  };
}
