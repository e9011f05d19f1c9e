// Contract-test harness: one PostgreSQL cluster per test file (a database per controller), the
// controller started in-process from its built package on port 0, a small REST client, and a
// fake agent speaking the shared wire protocol over a plain `ws` client.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { clusterUrl, startCluster, stopCluster } from '@oec/agent/postgres';
import type { ClusterInfo } from '@oec/agent/postgres';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { TRPCClient } from '@trpc/client';
import { parseConfig, signToken, startServer } from '@oec/controller';
import type { AppRouter, RunningServer, StartServerOptions } from '@oec/controller';
import { FetchEventSource } from '@oec/shared';
import type { CreateServerResponse, Organization, Project } from '@oec/shared';

// ---- waiting ---------------------------------------------------------------------------------

/** Poll until `probe` returns something other than undefined/false; never assert on time. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- PostgreSQL --------------------------------------------------------------------------------

export interface Postgres {
  cluster: ClusterInfo;
  /** Create a fresh database and return its URL. */
  createDatabase(): Promise<string>;
  close(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const dir = await mkdtemp(join(tmpdir(), 'oec-'));
  // The cluster owns the temp dir itself (startCluster hands it to the postgres user).
  const cluster = await startCluster({ dir, settings: { fsync: 'off' } });
  let n = 0;
  return {
    cluster,
    async createDatabase() {
      const name = `contract_${process.pid}_${++n}`;
      const admin = new pg.Client({ connectionString: clusterUrl(cluster) });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return clusterUrl(cluster, name);
    },
    async close() {
      await stopCluster(cluster).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---- HTTP ----------------------------------------------------------------------------------------

export interface Res<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (malformed JSON and friends). */
  raw?: string;
  /** Overrides the client's token; null sends no Authorization header. */
  token?: string | null;
  /** A literal Authorization header value. */
  authorization?: string;
}

export interface Client {
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<Res<T>>;
  get<T = unknown>(path: string): Promise<Res<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<Res<T>>;
  /** POST/GET that must succeed (2xx); returns the body. */
  ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * A tRPC client of the controller at `baseUrl` with `token`: queries and mutations over HTTP
 * (bearer header), subscriptions over SSE authenticated by connection parameters, as the
 * dashboard's EventSource does.
 */
export function trpcClient(baseUrl: string, token: string | null): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          connectionParams: () => (token ? { token } : {}),
          EventSource: FetchEventSource as unknown as typeof EventSource,
        }),
        false: httpLink({ url: `${baseUrl}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) }),
      }),
    ],
  });
}

export function client(baseUrl: string, token: string | null): Client {
  const c: Client = {
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const bearer = opts.token === undefined ? token : opts.token;
      if (opts.authorization !== undefined) headers.authorization = opts.authorization;
      else if (bearer) headers.authorization = `Bearer ${bearer}`;
      const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, headers: res.headers, body: body as never };
    },
    get: <T>(path: string) => c.request<T>('GET', path),
    post: <T>(path: string, body?: unknown) => c.request<T>('POST', path, { body: body ?? {} }),
    async ok<T>(method: string, path: string, body?: unknown) {
      const res = await c.request<T>(method, path, body === undefined ? {} : { body });
      if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
  return c;
}

// ---- controller ----------------------------------------------------------------------------------

export interface Controller {
  server: RunningServer;
  /** The controller's database and JWT secret (to start another controller on them). */
  databaseUrl: string;
  url: string;
  wsUrl: string;
  secret: string;
  /** Direct access to the controller's database (assertions, fixtures). */
  db: pg.Pool;
  adminId: string;
  admin: Client;
  /** A user (created directly in the database) and a client with its token. */
  createUser(email: string): Promise<{ id: string; email: string; token: string; api: Client }>;
  tokenFor(userId: string, ttlSeconds?: number): Promise<string>;
  as(token: string | null): Client;
  close(): Promise<void>;
}

/** A user created directly in the database, with a client on its token. */
export type User = Awaited<ReturnType<Controller['createUser']>>;

export interface FileController {
  postgres: Postgres;
  ctl: Controller;
  /** alice@example.com, signed up. */
  alice: User;
}

/**
 * A test file's PostgreSQL cluster and controller with alice signed up, started before the file's
 * tests and closed after them; `ready` receives them (the file's own setup goes there too).
 */
export function controllerPerFile(env: Record<string, string>, ready: (started: FileController) => Promise<void> | void): void {
  let postgres: Postgres | undefined;
  let ctl: Controller | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
    ctl = await startController(postgres, env);
    await ready({ postgres, ctl, alice: await ctl.createUser('alice@example.com') });
  });
  afterAll(async () => {
    await ctl?.close();
    await postgres?.close();
  });
}

export async function startController(
  postgres: Postgres,
  env: Record<string, string> = {},
  options: StartServerOptions = {},
  /** Start on an existing controller's database and secret (a restart). */
  reuse?: { databaseUrl: string; secret: string },
): Promise<Controller> {
  const databaseUrl = reuse?.databaseUrl ?? (await postgres.createDatabase());
  const secret = reuse?.secret ?? randomBytes(32).toString('hex');
  const config = parseConfig({
    OEC_DATABASE_URL: databaseUrl,
    OEC_JWT_SECRET: secret,
    OEC_PORT: '0',
    OEC_LOG_LEVEL: process.env.OEC_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const server = await startServer(config, options);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  const tokenFor = (userId: string, ttl = 3600) => signToken(secret, userId, ttl);
  const createUser = async (email: string, admin = false) => {
    const id = randomUUID();
    await db.query('INSERT INTO users (id, email, name, is_platform_admin) VALUES ($1, $2, $3, $4)', [id, email, email, admin]);
    const token = await tokenFor(id);
    return { id, email, token, api: client(server.url, token) };
  };
  const admin = reuse
    ? await (async () => {
        const { rows } = await db.query<{ id: string }>("SELECT id FROM users WHERE email = 'admin@example.com'");
        const id = rows[0]?.id ?? '';
        return { id, api: client(server.url, await tokenFor(id)) };
      })()
    : await createUser('admin@example.com', true);
  return {
    server,
    databaseUrl,
    url: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/agent/ws`,
    secret,
    db,
    adminId: admin.id,
    admin: admin.api,
    createUser: (email) => createUser(email),
    tokenFor,
    as: (token) => client(server.url, token),
    async close() {
      await server.close();
      await db.end();
    },
  };
}

/**
 * An organization with a quota (created by the platform admin, who alone sets quotas) owned by
 * `owner`, a project in it and a server, both created by the owner.
 */
export async function seedOrganization(
  ctl: Controller,
  owner: { email: string; api: Client },
  name: string,
  quota = { cpu: 4, ram_gb: 8, disk_gb: 100, environments: 5 },
): Promise<{ org: Organization; project: Project; server: CreateServerResponse }> {
  const org = await ctl.admin.ok<Organization>('POST', '/api/v1/organizations', { name, quota });
  await ctl.admin.ok('POST', `/api/v1/organizations/${org.id}/members`, { email: owner.email, role: 'owner' });
  const project = await owner.api.ok<Project>('POST', '/api/v1/projects', { organization_id: org.id, name: `${name}-project` });
  const server = await owner.api.ok<CreateServerResponse>('POST', '/api/v1/servers', { organization_id: org.id, name: `${name}-server` });
  return { org: { ...org, role: 'owner' }, project, server };
}

export { FakeAgent } from './fake-agent.js';
export type { FakeAgentOptions, TaskReply } from './fake-agent.js';
