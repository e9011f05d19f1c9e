// The databases of the `docker` runtime: one PostgreSQL container per environment, reached by the
// agent as superuser over the container's bridge address (the engine runs without NAT; the agent
// on the host routes to its bridges). A method given only a database name finds its container by
// the `oec.db` label of this server's PostgreSQL containers (ownerOf: the environment's db_name or
// `<db_name>_<suffix>`, the replace work and retained databases); no state is kept in memory, so
// an agent restart loses nothing. Same SQL as the local runtime (local-db.ts).
// A copy-on-write replace adds a side cluster (cluster-swap.ts), `<env>/postgres.<work db>`, in a
// container of its own (sideDbContainerName): a database name that has a side directory is that
// cluster's, reached in its container while it runs, and dropping it removes container and files.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import pg from 'pg';
import type { EnvironmentRef } from '@oec/shared';
import { pgDumpArgv, pgRestoreArgv } from '../../commands/index.js';
import { pipe, type ExecHandle } from '../../exec/run.js';
import type { Logger } from '../../logger.js';
import { transferOwnership } from '../../postgres/ownership.js';
import { quoteIdent, stopWithClient } from '../../postgres/sql.js';
import { sideClusterDir } from '../cluster-swap.js';
import { containerIp, inspectContainer, removeContainer, startContainer } from './engine.js';
import { envObjectNames, LABEL, labelFilters, PG_PORT, PGDATA, sideDbContainerName, SUPERUSER, type DbContainerRef } from './objects.js';
import { readSecrets } from './secrets.js';
import { ownerOf } from '../database-owner.js';
import { environmentsDir } from '../layout.js';
import * as sql from '../local-db.js';
import type { ExecOptions } from '../runtime.js';

export interface DockerDatabasesOptions {
  docker: Docker;
  server: string;
  dataDir: string;
  logger: Logger;
  /** How long a connection waits for a (re)starting PostgreSQL container. */
  readyTimeoutMs: number;
}

type Exec = (argv: readonly string[], opts: ExecOptions) => ExecHandle;

/** A copy-on-write replace's side cluster: its directory and its container's name. */
export interface SideCluster {
  dir: string;
  container: string;
}

/** Where a database is (DockerDatabases.locate). */
export interface DatabaseLocation {
  environmentId: string;
  side: SideCluster | null;
}
type Db = Pick<pg.Pool, 'query'>;

const RETRY_MS = 250;

export class DockerDatabases {
  constructor(private readonly opts: DockerDatabasesOptions) {}

  async running(environmentId: string): Promise<boolean> {
    return (await inspectContainer(this.opts.docker, envObjectNames(environmentId).db))?.State.Running ?? false;
  }

  /** A superuser session on the environment's admin database (`postgres`). */
  withEnvironmentPool<T>(environmentId: string, signal: AbortSignal, fn: (db: Db) => Promise<T>): Promise<T> {
    return this.session(environmentId, 'postgres', signal, fn);
  }

  /**
   * A superuser session authenticating with `password` rather than the environment's own: a
   * copy-on-write copy carries the source container's superuser hash until it gets the target's.
   */
  withPassword<T>(environmentId: string, database: string, password: string, signal: AbortSignal, fn: (db: pg.ClientBase) => Promise<T>, container?: string): Promise<T> {
    return this.session(environmentId, database, signal, fn, password, container);
  }

  /**
   * Where database `name` is: the environment whose PostgreSQL claims it by name, and the side
   * cluster standing for it (a copy-on-write replace's work or retained database: its directory
   * beside the environment's cluster, its container's name) when there is one; null when no
   * environment of this server claims it. One listing of the containers.
   */
  async locate(name: string): Promise<DatabaseLocation | null> {
    const owner = await this.owner(name);
    if (!owner) return null;
    return { environmentId: owner.environmentId, side: owner.dbName === name ? null : await this.sideOf(owner.environmentId, name) };
  }

  /** Remove the side cluster standing for `name`, container (stopped first) and files, if there is one. */
  async removeSide(name: string): Promise<void> {
    const side = (await this.locate(name))?.side;
    if (side) await this.removeSideCluster(side);
  }

  /** A superuser session on the admin database of the cluster at `at` (a side cluster's, or its environment's). */
  withAdminAt<T>(at: DatabaseLocation, signal: AbortSignal, fn: (db: pg.ClientBase) => Promise<T>): Promise<T> {
    return this.session(at.environmentId, 'postgres', signal, fn, undefined, at.side?.container);
  }

  /** The host path behind the environment's PostgreSQL data directory (a bind mount's, or a volume's mount point). */
  async dataHostPath(environmentId: string): Promise<string | null> {
    return (await this.dataMount(environmentId))?.source ?? null;
  }

  /** The mount behind the environment's PostgreSQL data directory; null without a container. */
  async dataMount(environmentId: string): Promise<{ type: string; source: string; volume: string | null } | null> {
    const info = await inspectContainer(this.opts.docker, envObjectNames(environmentId).db);
    const mount = info?.Mounts.find((m) => m.Destination === PGDATA);
    return mount ? { type: mount.Type, source: mount.Source, volume: mount.Name ?? null } : null;
  }

  /** This server's PostgreSQL containers and the database name each was created for. */
  async containers(): Promise<DbContainerRef[]> {
    const list = await this.opts.docker.listContainers({
      all: true,
      filters: labelFilters({ [LABEL.server]: this.opts.server, [LABEL.role]: 'db' }),
    });
    const out: DbContainerRef[] = [];
    for (const c of list) {
      const environmentId = c.Labels[LABEL.environment];
      const dbName = c.Labels[LABEL.db];
      if (environmentId && dbName) out.push({ environmentId, dbName });
    }
    return out;
  }

  async owner(database: string): Promise<DbContainerRef | null> {
    return ownerOf(database, await this.containers());
  }

  async withDatabase<T>(database: string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const at = await this.locate(database);
    if (!at) throw new Error(`no PostgreSQL container of this server holds database ${database}`);
    return this.session(at.environmentId, database, new AbortController().signal, fn, undefined, at.side?.container);
  }

  /** The databases of every PostgreSQL container of this server (stopped ones are skipped). */
  async listDatabases(): Promise<string[]> {
    const out: string[] = [];
    for (const c of await this.containers()) {
      if (!(await this.running(c.environmentId))) continue;
      out.push(...(await this.withEnvironmentPool(c.environmentId, new AbortController().signal, (db) => sql.listDatabases(db))));
    }
    return out;
  }

  /** A side cluster stands for the database it is named after, running or not. */
  async databaseExists(name: string): Promise<boolean> {
    const at = await this.locate(name);
    if (!at) return false;
    if (at.side) return true;
    return this.withEnvironmentPool(at.environmentId, new AbortController().signal, (db) => sql.databaseExists(db, name));
  }

  /**
   * Same contract as the local runtime. A template in the owner's own container is copied with
   * CREATE DATABASE … TEMPLATE; one in another environment's container (the usual case: every
   * environment has its own PostgreSQL) is streamed pg_dump | pg_restore between the two
   * containers, restored as the owner's role, so its objects belong to it as with a template.
   */
  async createDatabase(name: string, owner: EnvironmentRef, opts: { template?: { db_name: string; role: string } }, exec: Exec): Promise<void> {
    const role = owner.db_name;
    const signal = new AbortController().signal;
    const template = opts.template;
    const from = template ? await this.owner(template.db_name) : null;
    if (template && !from) throw new Error(`no PostgreSQL container of this server holds database ${template.db_name}`);
    if (template && from && from.environmentId === owner.environment_id) {
      await this.withEnvironmentPool(owner.environment_id, signal, async (db) => {
        if (!(await sql.databaseExists(db, name))) {
          await db.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(role)} TEMPLATE ${quoteIdent(template.db_name)}`);
        }
      });
      if (template.role !== role) await this.session(owner.environment_id, name, signal, (c) => transferOwnership(c, template.role, role));
    } else {
      await this.withEnvironmentPool(owner.environment_id, signal, async (db) => {
        // A stream copy cut short leaves a partial database: a re-run starts it over.
        if (template) await sql.dropDatabase(db, name);
        await sql.ensureDatabase(db, name, role);
      });
      if (template && from) {
        const dump = exec(pgDumpArgv({ db: template.db_name, format: 'custom', lockWaitTimeoutMs: 60_000, compress: 0 }), {
          signal,
          environment: { environment_id: from.environmentId, db_name: template.db_name },
          stdout: 'pipe',
        });
        const restore = exec(pgRestoreArgv({ db: name, role }), {
          signal,
          environment: { environment_id: owner.environment_id, db_name: name },
          stdin: 'pipe',
          stdout: 'ignore',
        });
        await pipe(dump, restore);
      }
    }
    await this.withEnvironmentPool(owner.environment_id, signal, async (db) => {
      await sql.revokePublicConnect(db, name);
      await sql.revokeRoleConnect(db, name, role);
    });
  }

  /** A side cluster named after `name` is removed, whatever database it holds now. */
  async dropDatabase(name: string): Promise<void> {
    const at = await this.locate(name);
    if (at?.side) return this.removeSideCluster(at.side);
    if (!at || !(await this.running(at.environmentId))) return;
    await this.withEnvironmentPool(at.environmentId, new AbortController().signal, (db) => sql.dropDatabase(db, name));
  }

  async swapDatabases(current: string, next: string, retained: string): Promise<void> {
    const owners = await Promise.all([current, next, retained].map((n) => this.owner(n)));
    const owner = owners[0];
    if (!owner || owners.some((o) => o?.environmentId !== owner.environmentId)) {
      throw new Error(`databases ${current}, ${next} and ${retained} are not in one environment's PostgreSQL`);
    }
    await this.session(owner.environmentId, 'postgres', new AbortController().signal, (client) =>
      sql.swapDatabaseNames(client, current, next, retained),
    );
  }

  /** The server version of one running PostgreSQL container of this server (null when none runs). */
  async clientFacts(): Promise<{ pgVersion: string } | null> {
    for (const c of await this.containers()) {
      if (!(await this.running(c.environmentId))) continue;
      const version = await this.withEnvironmentPool(c.environmentId, AbortSignal.timeout(10_000), (db) => sql.serverVersion(db));
      return { pgVersion: version };
    }
    return null;
  }

  async close(): Promise<void> {
    // Sessions are per call; nothing is pooled.
  }

  private async sideOf(environmentId: string, name: string): Promise<SideCluster | null> {
    const dir = sideClusterDir(join(environmentsDir(this.opts.dataDir), environmentId), name);
    if (!dir) return null;
    const container = sideDbContainerName(environmentId, name);
    if (!existsSync(dir) && !(await inspectContainer(this.opts.docker, container))) return null;
    return { dir, container };
  }

  private async removeSideCluster(side: SideCluster): Promise<void> {
    await removeContainer(this.opts.docker, side.container, 30);
    await rm(side.dir, { recursive: true, force: true });
  }

  /**
   * A superuser client on `database` in the environment's container, closed after `fn`. Waits
   * (up to readyTimeoutMs) for a container that is starting or initialising its data directory.
   */
  private async session<T>(
    environmentId: string,
    database: string,
    signal: AbortSignal,
    fn: (client: pg.ClientBase) => Promise<T>,
    password?: string,
    container?: string,
  ): Promise<T> {
    const names = envObjectNames(environmentId);
    const client = await this.connect(password ?? this.superuserPassword(environmentId), container ?? names.db, names.network, database, signal, container === undefined);
    client.on('error', (err) => this.opts.logger.warn({ err: err.message, database }, 'PostgreSQL session failed'));
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** `start`: a stopped container is started (an environment's; a side cluster's never is). */
  private async connect(password: string, container: string, network: string, database: string, signal: AbortSignal, start: boolean): Promise<pg.Client> {
    const deadline = Date.now() + this.opts.readyTimeoutMs;
    let last: unknown = null;
    for (;;) {
      signal.throwIfAborted();
      const info = await inspectContainer(this.opts.docker, container);
      if (!info) throw new Error(`PostgreSQL container ${container} does not exist`);
      if (!start && !info.State.Running && !info.State.Restarting) throw new Error(`PostgreSQL container ${container} is stopped`);
      if (!info.State.Running && !info.State.Restarting) await startContainer(this.opts.docker, container);
      const host = containerIp(info, network);
      if (host) {
        const client = new pg.Client({
          host,
          port: PG_PORT,
          user: SUPERUSER,
          password,
          database,
          connectionTimeoutMillis: 5_000,
          application_name: 'oec-agent',
        });
        try {
          await client.connect();
          await stopWithClient(client);
          return client;
        } catch (e) {
          last = e;
          await client.end().catch(() => undefined);
          // A missing database or a wrong password will not fix itself by waiting.
          const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
          if (code === '3D000' || code === '28P01') throw e;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL in ${container} did not accept connections within ${this.opts.readyTimeoutMs} ms: ${String((last as Error | null)?.message ?? 'no address')}`);
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private superuserPassword(environmentId: string): string {
    return readSecrets(join(environmentsDir(this.opts.dataDir), environmentId, 'secrets.json')).superuser_password;
  }
}
