// The `local` runtime: an environment is a database (and its own role) in a PostgreSQL cluster
// the agent administers, directories under `<data>/environments/<env id>`, and a local app
// process standing in for Odoo. Development, demo and fast tests (SPEC §1). Which cluster holds
// which database (the agent's one, or one per environment: OEC_LOCAL_CLUSTERS) is
// local-clusters.ts's business; this file asks it and never which mode it runs in.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import {
  AppError,
  ErrorCode,
  environmentSpecSchema,
  type EnvironmentLocation,
  type EnvironmentRef,
  type EnvironmentSizes,
  type EnvironmentSpec,
  type ServerFacts,
} from '@oec/shared';
import { CommandArgumentError, isClientTool, pgDumpArgv, pgRestoreArgv, renderPgOptions, type ClientTool } from '../commands/index.js';
import { pipe, spawnProcess, type ExecHandle } from '../exec/run.js';
import type { Logger } from '../logger.js';
import { freePort } from '../postgres/cluster.js';
import { transferOwnership } from '../postgres/ownership.js';
import { quoteIdent, stopWithClient } from '../postgres/sql.js';
import { pgEnv, type PgTarget } from '../postgres/target.js';
import { appUrl, appVersion, defaultAppEntry, probeHealth, runningApp, startApp, stopApp } from './app-process.js';
import { adoptClusterCopy } from './cow-identity.js';
import { bufferutilLoaded, serverFacts, toolVersions } from './facts.js';
import { filesystemUsage, isMissing, treeSize } from './fs-usage.js';
import { envLayout, envLocation, writeAtomic, writeEnvironmentFiles, type EnvLayout } from './layout.js';
import { SharedCluster, type LocalCluster, type LocalClusters } from './local-clusters.js';
import * as sql from './local-db.js';
import { renderOdooConf } from './odoo-conf.js';
import type { AppStatus, AppTrial, ClusterClone, DiskUsage, ExecOptions, Runtime } from './runtime.js';
import { convertBeforeStart } from './subvolume.js';

interface LocalRuntimeBaseOptions {
  dataDir: string;
  hostname: string;
  peerUrl: string | null;
  /** Interface the app processes listen on. */
  appHost: string;
  /** The only environment variables child processes get (config.childEnv). */
  childEnv: Record<string, string>;
  logger: Logger;
  /** The stand-in app's script (default: the compiled local-app.js). */
  appEntry?: string;
  appHealthTimeoutMs?: number;
  appStopGraceMs?: number;
}

/** `pg`: every environment in that one cluster; `clusters`: where each environment's database lives. */
export type LocalRuntimeOptions = LocalRuntimeBaseOptions & ({ pg: PgTarget } | { clusters: LocalClusters });

const secretsSchema = z.object({ password: z.string().regex(/^[0-9a-f]{32,}$/) });
const START_ATTEMPTS = 3;

const SHARED_CLUSTER_NO_COW =
  "environments share the agent's one PostgreSQL cluster (OEC_LOCAL_CLUSTERS=shared), and a copy-on-write clone copies a whole cluster";

/** The niceness of a copy's source sessions, as of its pg_dump. */
const SOURCE_NICENESS = 10;

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private readonly clusters: LocalClusters;

  constructor(private readonly opts: LocalRuntimeOptions) {
    this.clusters = 'clusters' in opts ? opts.clusters : new SharedCluster(opts.pg, opts.logger);
  }

  async facts(): Promise<ServerFacts> {
    const [disk, pgVersion, tools, bufferutil] = await Promise.all([
      this.diskUsage(),
      this.clusters.serverVersion(),
      toolVersions((t) => this.resolveTool(t), this.opts.childEnv),
      bufferutilLoaded(),
    ]);
    return serverFacts({
      hostname: this.opts.hostname,
      runtime: this.kind,
      disk,
      pgVersion,
      tools,
      bufferutil,
      peerUrl: this.opts.peerUrl,
      ...(this.clusters.cloneFrom ? { cowReplace: this.clusters.swapClusters !== undefined } : { cowUnsupported: SHARED_CLUSTER_NO_COW }),
    });
  }

  diskUsage(): Promise<DiskUsage> {
    return filesystemUsage(this.opts.dataDir);
  }

  /** An environment without a cluster yet (per environment, before create) has port 0. */
  locate(ref: EnvironmentRef): EnvironmentLocation {
    const t = this.clusters.targetOf(ref);
    return envLocation(this.layout(ref), ref, { host: t?.host ?? '127.0.0.1', port: t?.port ?? 0 });
  }

  async create(spec: EnvironmentSpec, signal: AbortSignal): Promise<EnvironmentLocation> {
    const layout = this.layout(spec);
    await writeEnvironmentFiles(layout, spec);
    signal.throwIfAborted();
    const password = await this.ensurePassword(layout);
    const { pool } = await this.clusters.ensure(spec, signal);
    await sql.ensureRole(pool, spec.db_name, password);
    await sql.ensureDatabase(pool, spec.db_name, spec.db_name);
    await sql.revokePublicConnect(pool, spec.db_name);
    // Re-running create on a started environment must not cut its app off.
    if (!(await runningApp(layout))) await sql.revokeRoleConnect(pool, spec.db_name, spec.db_name);
    return this.locate(spec);
  }

  async start(ref: EnvironmentRef, signal: AbortSignal): Promise<void> {
    const layout = this.layout(ref);
    const cluster = await this.clusters.find(ref);
    if (!cluster || !(await sql.databaseExists(cluster.pool, ref.db_name))) {
      throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, `database ${ref.db_name} does not exist on this server`);
    }
    await sql.grantRoleConnect(cluster.pool, ref.db_name, ref.db_name);
    const running = await runningApp(layout);
    if (running && (await probeHealth(appUrl(running)))) return;
    if (running) await stopApp(layout, this.stopGraceMs);
    await convertBeforeStart(layout.filestore, ref.environment_id, this.opts.logger, { env: this.opts.childEnv });
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      const port = await freePort();
      await this.writeConf(layout, ref, port);
      try {
        await startApp(layout, {
          entry: this.appEntry,
          host: this.opts.appHost,
          port,
          env: this.opts.childEnv,
          signal,
          healthTimeoutMs: this.opts.appHealthTimeoutMs ?? 60_000,
        });
        return;
      } catch (e) {
        // A port taken between choosing and binding it makes the app exit: try another one.
        const portTaken = e instanceof AppError && e.message.includes('EADDRINUSE');
        if (attempt >= START_ATTEMPTS || signal.aborted || !portTaken) throw e;
        this.opts.logger.warn({ environment_id: ref.environment_id, err: e.message }, 'app failed to start, retrying');
      }
    }
  }

  async stop(ref: EnvironmentRef, _signal: AbortSignal): Promise<void> {
    const layout = this.layout(ref);
    await stopApp(layout, this.stopGraceMs);
    // The environment's cluster keeps running (per environment): the next start needs it.
    const cluster = await this.clusters.find(ref);
    if (!cluster) return;
    const pool = cluster.pool;
    if ((await sql.databaseExists(pool, ref.db_name)) && (await sql.roleExists(pool, ref.db_name))) {
      await sql.revokeRoleConnect(pool, ref.db_name, ref.db_name);
      await sql.terminateRoleBackends(pool, ref.db_name, ref.db_name);
    }
  }

  async destroy(ref: EnvironmentRef, signal: AbortSignal): Promise<void> {
    await this.stop(ref, signal);
    await this.clusters.release(ref);
    await rm(this.layout(ref).root, { recursive: true, force: true });
  }

  async inspect(ref: EnvironmentRef, signal: AbortSignal): Promise<EnvironmentSizes> {
    const layout = this.layout(ref);
    const pool = (await this.clusters.find(ref))?.pool;
    const exists = pool ? await sql.databaseExists(pool, ref.db_name) : false;
    const [databaseBytes, filestore, addons] = await Promise.all([
      pool && exists ? sql.databaseSize(pool, ref.db_name) : 0,
      treeSize(layout.filestore, signal),
      treeSize(layout.addons, signal),
    ]);
    return {
      exists,
      database_bytes: databaseBytes,
      filestore_bytes: filestore.bytes,
      filestore_files: filestore.files,
      addons_bytes: addons.bytes,
    };
  }

  async appStatus(ref: EnvironmentRef): Promise<AppStatus> {
    const running = await runningApp(this.layout(ref));
    if (!running) return { running: false, url: null, healthy: false };
    const url = appUrl(running);
    return { running: true, url, healthy: await probeHealth(url) };
  }

  /** No second app instance here: the replace's swap is health-checked live and swapped back on failure. */
  trialApp(): Promise<AppTrial | null> {
    return Promise.resolve(null);
  }

  appVersion(ref: EnvironmentRef, signal: AbortSignal): Promise<string> {
    return appVersion(this.layout(ref), this.appEntry, this.opts.childEnv, signal);
  }

  /** The PostgreSQL tools reach the cluster of `opts.environment` (or the agent's own, if it has one). */
  exec(argv: readonly string[], opts: ExecOptions): ExecHandle {
    const [tool, ...args] = argv;
    if (!isClientTool(tool)) throw new CommandArgumentError(`refusing to run ${JSON.stringify(tool)}: not a client tool`);
    const target = this.clusters.targetOf(opts.environment);
    if (!target && tool !== 'tar') {
      throw new CommandArgumentError(`${tool} needs an environment with a PostgreSQL cluster on this server`);
    }
    const database = opts.environment?.db_name ?? target?.database ?? 'postgres';
    const connection = !target
      ? {}
      : opts.as === 'app' && opts.environment
        ? pgEnv(target, database, opts.environment.db_name, this.readPassword(this.layout(opts.environment)))
        : pgEnv(target, database);
    const { environment: _e, as: _a, ...spawnOpts } = opts;
    return this.spawnTool([tool, ...args], connection, spawnOpts);
  }

  /**
   * A cluster on this machine (loopback or a socket): its backend is a process this agent may
   * renice (as root, or as the cluster's owner). Niceness 10, as pg_dump runs on the source.
   */
  async lowerSessionPriority(client: pg.ClientBase): Promise<boolean> {
    if (!this.clusters.onThisMachine) return false;
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    if (!pid) return false;
    try {
      // never raise a process's priority: a cluster started niced stays as nice as it was
      setPriority(pid, Math.max(getPriority(pid), SOURCE_NICENESS));
      return true;
    } catch {
      return false;
    }
  }

  async withDatabase<T>(database: string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const t = (await this.holding(database)).target;
    const client = new pg.Client({
      host: t.host,
      port: t.port,
      user: t.user,
      ...(t.password !== null ? { password: t.password } : {}),
      database,
      connectionTimeoutMillis: 15_000,
      application_name: 'oec-agent',
    });
    await client.connect();
    client.on('error', (err) => this.opts.logger.warn({ err: err.message, database }, 'PostgreSQL session failed'));
    try {
      await stopWithClient(client);
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A replace's side cluster (local-clusters.ts) stands for the database it is named after, running or not. */
  async databaseExists(name: string): Promise<boolean> {
    if (await this.clusters.hasSide?.(name)) return true;
    const cluster = await this.clusters.holding(name);
    return cluster ? sql.databaseExists(cluster.pool, name) : false;
  }

  async listDatabases(): Promise<string[]> {
    const lists = await Promise.all((await this.clusters.all()).map((c) => sql.listDatabases(c.pool)));
    return [...new Set(lists.flat())].sort();
  }

  /**
   * In the owner's cluster. A template there is copied with CREATE DATABASE … TEMPLATE; one in
   * another cluster (per environment, a clone's stopped source) is streamed pg_dump | pg_restore
   * as the owner's role, so its objects belong to it as with a template.
   */
  async createDatabase(name: string, owner: EnvironmentRef, opts: { template?: { db_name: string; role: string } }): Promise<void> {
    const role = owner.db_name;
    const cluster = await this.clusters.find(owner);
    if (!cluster) throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, `environment ${owner.environment_id} has no database cluster on this server`);
    const { pool } = cluster;
    const template = opts.template;
    const from = template ? await this.holding(template.db_name) : null;
    if (template && from && sameCluster(from, cluster)) {
      if (!(await sql.databaseExists(pool, name))) {
        await pool.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(role)} TEMPLATE ${quoteIdent(template.db_name)}`);
      }
      if (template.role !== role) await this.withDatabase(name, (c) => transferOwnership(c, template.role, role));
    } else if (template && from) {
      // A stream copy cut short leaves a partial database: a re-run starts it over.
      await sql.dropDatabase(pool, name);
      await sql.ensureDatabase(pool, name, role);
      const signal = new AbortController().signal;
      const dumpArgv = pgDumpArgv({ db: template.db_name, format: 'custom', lockWaitTimeoutMs: 60_000, compress: 0 });
      const dump = this.spawnTool(dumpArgv, pgEnv(from.target, template.db_name), { signal, stdout: 'pipe' });
      const restore = this.spawnTool(pgRestoreArgv({ db: name, role }), pgEnv(cluster.target, name), { signal, stdin: 'pipe', stdout: 'ignore' });
      await pipe(dump, restore);
    } else {
      await sql.ensureDatabase(pool, name, role);
    }
    await sql.revokePublicConnect(pool, name);
    await sql.revokeRoleConnect(pool, name, role);
  }

  /** A side cluster named after `name` is stopped and removed, whatever database it holds now. */
  async dropDatabase(name: string): Promise<void> {
    if (await this.clusters.removeSide?.(name)) return;
    const cluster = await this.clusters.holding(name);
    if (cluster) await sql.dropDatabase(cluster.pool, name);
  }

  /**
   * The snapshot (local-clusters.ts cloneFrom) replaces the target's cluster, or with `beside` (a
   * replace) becomes a second cluster next to it, named after `workDb`; then the copy gets
   * the target's identity: only the source's database stays, renamed `workDb`, its objects given to
   * the target's role (created with the target's password), the source's role dropped and
   * pg_authid rewritten so that its password hash is not left in the copy's files.
   */
  async cloneCluster(source: EnvironmentRef, target: EnvironmentRef, workDb: string, signal: AbortSignal, opts: { beside?: boolean } = {}): Promise<ClusterClone> {
    if (!this.clusters.cloneFrom) throw new AppError(ErrorCode.RESTORE_FAILED, `No copy-on-write clone here: ${SHARED_CLUSTER_NO_COW}`);
    const password = await this.ensurePassword(this.layout(target));
    const { cluster, timings } = await this.clusters.cloneFrom(source, target, signal, opts.beside ? workDb : undefined);
    const t0 = performance.now();
    const facts = await adoptClusterCopy({
      admin: cluster.pool,
      onDatabase: (database, fn) => this.withDatabase(database, fn),
      source: source.db_name,
      role: target.db_name,
      password,
      workDb,
    });
    return { ...facts, timings: { ...timings, identity_ms: Math.round(performance.now() - t0) } };
  }

  async swapClusters(target: EnvironmentRef, next: string, retained: string, direction: 'in' | 'back'): Promise<void> {
    if (!this.clusters.swapClusters) throw new Error(`No swap of clusters here: ${SHARED_CLUSTER_NO_COW}`);
    await this.clusters.swapClusters(target, next, retained, direction);
  }

  async swapDatabases(current: string, next: string, retained: string): Promise<void> {
    const [a, b, c] = await Promise.all([current, next, retained].map((n) => this.clusters.holding(n)));
    if (!a || !b || !c || !sameCluster(a, b) || !sameCluster(a, c)) {
      throw new Error(`databases ${current}, ${next} and ${retained} are not in one PostgreSQL cluster of this server`);
    }
    const client = await a.pool.connect();
    try {
      await sql.swapDatabaseNames(client, current, next, retained);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.clusters.close();
  }

  private async holding(database: string): Promise<LocalCluster> {
    const cluster = await this.clusters.holding(database);
    if (!cluster) throw new Error(`no PostgreSQL cluster of this server holds database ${database}`);
    return cluster;
  }

  /** A client tool with the connection in its environment (never in argv) and the only variables children get. */
  private spawnTool(argv: readonly string[], connection: NodeJS.ProcessEnv, opts: Omit<ExecOptions, 'environment' | 'as'>): ExecHandle {
    const [tool, ...args] = argv;
    if (!isClientTool(tool)) throw new CommandArgumentError(`refusing to run ${JSON.stringify(tool)}: not a client tool`);
    const { pgOptions, ...spawnOpts } = opts;
    const settings = pgOptions ? { PGOPTIONS: renderPgOptions(pgOptions) } : {};
    return spawnProcess(tool, this.resolveTool(tool), args, { ...spawnOpts, env: { ...this.opts.childEnv, ...connection, ...settings } });
  }

  private get appEntry(): string {
    return this.opts.appEntry ?? defaultAppEntry();
  }

  private get stopGraceMs(): number {
    return this.opts.appStopGraceMs ?? 10_000;
  }

  private layout(ref: EnvironmentRef): EnvLayout {
    return envLayout(this.opts.dataDir, ref);
  }

  private resolveTool(tool: ClientTool): string {
    return tool !== 'tar' && this.clusters.binDir ? join(this.clusters.binDir, tool) : tool;
  }

  /** The role's password, generated once and kept in the env dir (0600). */
  private async ensurePassword(layout: EnvLayout): Promise<string> {
    try {
      return secretsSchema.parse(JSON.parse(await readFile(layout.secrets, 'utf8'))).password;
    } catch (e) {
      if (!isMissing(e)) this.opts.logger.warn({ file: layout.secrets }, 'unreadable secrets file, generating a new password');
    }
    const password = randomBytes(24).toString('hex');
    await writeAtomic(layout.secrets, JSON.stringify({ password }), 0o600);
    return password;
  }

  private readPassword(layout: EnvLayout): string {
    return secretsSchema.parse(JSON.parse(readFileSync(layout.secrets, 'utf8'))).password;
  }

  private async writeConf(layout: EnvLayout, ref: EnvironmentRef, port: number): Promise<void> {
    const meta = environmentSpecSchema.safeParse(JSON.parse(await readFile(layout.meta, 'utf8').catch(() => '{}')));
    const addonDirs = await listAddonDirs(layout.addons);
    const db = this.clusters.targetOf(ref);
    if (!db) throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, `environment ${ref.environment_id} has no database cluster on this server`);
    const conf = renderOdooConf({
      db_host: db.host,
      db_port: db.port,
      db_user: ref.db_name,
      db_password: this.readPassword(layout),
      db_name: ref.db_name,
      dbfilter: `^${ref.db_name}$`,
      list_db: false,
      data_dir: layout.root,
      addons_path: addonDirs.join(','),
      http_interface: this.opts.appHost,
      http_port: port,
      oec_odoo_version: meta.success ? meta.data.odoo_version : '17.0',
    });
    await writeAtomic(layout.conf, conf, 0o600);
  }
}

/** `<addons>/<kind>/<name>` directories: each is one entry of Odoo's addons_path. */
async function listAddonDirs(addons: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const kind of (await readdir(addons, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory())) {
    const names = await readdir(join(addons, kind.name), { withFileTypes: true });
    for (const n of names) if (n.isDirectory()) dirs.push(join(addons, kind.name, n.name));
  }
  return dirs.sort();
}

function sameCluster(a: LocalCluster, b: LocalCluster): boolean {
  return a.target.host === b.target.host && a.target.port === b.target.port;
}
