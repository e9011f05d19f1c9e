// Where the `local` runtime's databases live (OEC_LOCAL_CLUSTERS), behind one interface so that
// LocalRuntime never asks which mode it runs in:
// - `shared` (SharedCluster): every environment's database and role in the agent's one cluster;
// - `per_environment` (EnvironmentClusters): each environment its own cluster in `<env dir>/postgres`
//   (initdb and the server as the `postgres` user, a free port kept in `postgres/port`), so that a
//   whole data directory sits on the agent's data root, next to the filestore (copy-on-write
//   clones, issue 19). A database given only by name belongs to the cluster of the environment it
//   serves (its db_name, or `<db_name>_<suffix>`: database-owner.ts, as under docker). The files
//   are the only state: a restarted agent finds every cluster again (adopt) and starts those a
//   reboot stopped; clusters outlive the agent, like the environments' apps.
//   A copy-on-write replace adds a side cluster, `<env dir>/postgres.<database>` (cluster-swap.ts):
//   its new data while it is prepared, the target's old cluster once swapped. A side cluster is
//   never started by adopt: a running one is used where its database is asked for (holding), a
//   stopped one (retained) stays stopped; the clone's cleanup, the retention purge and the
//   agent's reconciliation remove them (stopped first) by the database name they stand for.
import { chmod, chown, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { environmentSpecSchema, type EnvironmentRef } from '@oec/shared';
import type { Logger } from '../logger.js';
import { freePort, serverRunAs, startCluster, stopCluster } from '../postgres/cluster.js';
import { snapshotCluster, startSnapshot } from '../postgres/cow/index.js';
import { targetFromCluster, type PgTarget } from '../postgres/target.js';
import { moveClusters, SIDE_CLUSTER_PREFIX, sideClusterDir } from './cluster-swap.js';
import { ownerOf, type DatabaseOwner } from './database-owner.js';
import { toolVersion } from './facts.js';
import { readPort, SideClusters } from './local-side-clusters.js';
import { envLayout, environmentsDir } from './layout.js';
import * as sql from './local-db.js';

/** A cluster the runtime administers as superuser. */
export interface LocalCluster {
  /** Its superuser connection (client tools get it as PG* variables). */
  target: PgTarget;
  pool: pg.Pool;
}

export interface LocalClusters {
  /** Where the client tools matching the servers live; null = from PATH. */
  readonly binDir: string | null;
  /**
   * The cluster an environment's database is in; pure. Null: it has none yet (or, without an
   * environment, there is no cluster of the agent's own).
   */
  targetOf(ref?: EnvironmentRef): PgTarget | null;
  /** The environment's cluster, initialised and started where it has none yet (env.create). */
  ensure(ref: EnvironmentRef, signal: AbortSignal): Promise<LocalCluster>;
  /** The environment's cluster (started again if it was stopped); null when it has none. */
  find(ref: EnvironmentRef): Promise<LocalCluster | null>;
  /** The cluster holding database `name`, by the environment it serves; null when none claims it. */
  holding(name: string): Promise<LocalCluster | null>;
  /** Every cluster (the reconciliation's inventory of databases, facts). */
  all(): Promise<LocalCluster[]>;
  /** The environment's database and role go (destroy, after stop): dropped, or with its cluster. */
  release(ref: EnvironmentRef): Promise<void>;
  /** The PostgreSQL version environments get here (facts), null when unknown. */
  serverVersion(): Promise<string | null>;
  /**
   * Copy-on-write: a snapshot of `source`'s running cluster (backup API + reflink, started with
   * recovery) becomes `target`'s cluster on the target's port (create_new) or, with `beside`, a
   * second cluster beside the target's, `<env>/postgres.<beside>`, on a port of its own (a
   * replace's new data; `beside` is its work database). Returns the copy and the phases' ms. Only
   * where each environment has a cluster of its own.
   */
  cloneFrom?(source: EnvironmentRef, target: EnvironmentRef, signal: AbortSignal, beside?: string): Promise<{ cluster: LocalCluster; timings: Record<string, number> }>;
  /**
   * A copy-on-write replace's swap (`in`) or its undo (`back`), idempotent (cluster-swap.ts): every
   * cluster of the environment stopped, the directories moved, the target's cluster started on its
   * port; `in` renames the database `next` to the target's. The caller journals the direction.
   */
  swapClusters?(target: EnvironmentRef, next: string, retained: string, direction: 'in' | 'back'): Promise<void>;
  /** A side cluster standing for database `name` exists (running or not, even partly written). */
  hasSide?(name: string): Promise<boolean>;
  /** Stop and remove the side cluster standing for database `name`; false when there is none. */
  removeSide?(name: string): Promise<boolean>;
  /** Backends of this cluster are processes of this machine (the agent may renice them). */
  readonly onThisMachine: boolean;
  /** Release pools; never stops a cluster. */
  close(): Promise<void>;
}

function openPool(t: PgTarget, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    host: t.host,
    port: t.port,
    user: t.user,
    ...(t.password !== null ? { password: t.password } : {}),
    database: t.database,
    max: 4,
    connectionTimeoutMillis: 15_000,
    application_name: 'oec-agent',
  });
  pool.on('error', (err) => logger.warn({ err: err.message, port: t.port }, 'idle PostgreSQL connection failed'));
  return pool;
}

/** OEC_LOCAL_CLUSTERS=shared: the agent's cluster (owned or external) holds every environment. */
export class SharedCluster implements LocalClusters {
  private readonly cluster: LocalCluster;
  readonly onThisMachine: boolean;
  readonly binDir: string | null;

  constructor(target: PgTarget, logger: Logger) {
    this.cluster = { target, pool: openPool(target, logger) };
    this.binDir = target.binDir;
    const host = target.host;
    this.onThisMachine = host.startsWith('/') || host === '127.0.0.1' || host === 'localhost' || host === '::1';
  }

  targetOf(): PgTarget {
    return this.cluster.target;
  }

  ensure(): Promise<LocalCluster> {
    return Promise.resolve(this.cluster);
  }

  find(): Promise<LocalCluster> {
    return Promise.resolve(this.cluster);
  }

  holding(): Promise<LocalCluster> {
    return Promise.resolve(this.cluster);
  }

  all(): Promise<LocalCluster[]> {
    return Promise.resolve([this.cluster]);
  }

  serverVersion(): Promise<string | null> {
    return sql.serverVersion(this.cluster.pool).catch(() => null);
  }

  async release(ref: EnvironmentRef): Promise<void> {
    await sql.dropDatabase(this.cluster.pool, ref.db_name);
    await sql.dropRole(this.cluster.pool, ref.db_name);
  }

  async close(): Promise<void> {
    await this.cluster.pool.end();
  }
}

export interface EnvironmentClustersOptions {
  dataDir: string;
  /** initdb, pg_ctl, postgres and the client tools. */
  binDir: string;
  logger: Logger;
}

const START_ATTEMPTS = 3;

/** OEC_LOCAL_CLUSTERS=per_environment: one cluster in each environment's directory. */
export class EnvironmentClusters implements LocalClusters {
  readonly onThisMachine = true;
  /** Clusters this process started or found running, by environment id. */
  private readonly open = new Map<string, Promise<LocalCluster>>();
  /** Side clusters (a replace's) this process started or found running. */
  private readonly sides: SideClusters;
  /** An environment's db_name never changes: read once from its environment.json. */
  private readonly dbNames = new Map<string, string>();

  readonly binDir: string;

  constructor(private readonly opts: EnvironmentClustersOptions) {
    this.binDir = opts.binDir;
    this.sides = new SideClusters(opts.binDir, (port) => {
      const target = this.target(port);
      return { target, pool: openPool(target, opts.logger) };
    });
  }

  targetOf(ref?: EnvironmentRef): PgTarget | null {
    if (!ref) return null;
    const port = readPort(this.dir(ref));
    return port === null ? null : this.target(port);
  }

  ensure(ref: EnvironmentRef, signal: AbortSignal): Promise<LocalCluster> {
    signal.throwIfAborted();
    return this.started(ref);
  }

  async find(ref: EnvironmentRef): Promise<LocalCluster | null> {
    if (!this.open.has(ref.environment_id) && !initialised(this.dir(ref))) return null;
    return this.started(ref);
  }

  /** A side cluster named for `name` holds it when running (a stopped one holds nothing reachable). */
  async holding(name: string): Promise<LocalCluster | null> {
    const side = await this.sideOf(name);
    if (side) return this.sides.running(side);
    const owner = ownerOf(name, await this.inventory());
    return owner ? this.find({ environment_id: owner.environmentId, db_name: owner.dbName }) : null;
  }

  async hasSide(name: string): Promise<boolean> {
    return (await this.sideOf(name)) !== null;
  }

  async removeSide(name: string): Promise<boolean> {
    const side = await this.sideOf(name);
    if (!side) return false;
    await this.sides.remove(side);
    return true;
  }

  async swapClusters(ref: EnvironmentRef, next: string, retained: string, direction: 'in' | 'back'): Promise<void> {
    const root = envLayout(this.opts.dataDir, ref).root;
    const dirs = { target: this.dir(ref), next: sideClusterDir(root, next), retained: sideClusterDir(root, retained) };
    if (!dirs.next || !dirs.retained) throw new Error(`invalid database names ${next}, ${retained}`);
    // The target's port: its cluster's, kept by the old cluster wherever it is.
    const port = readPort(dirs.retained) ?? readPort(dirs.target);
    // A data directory moves only while no server runs on it.
    await this.stopMain(ref);
    for (const dir of [dirs.next, dirs.retained]) await this.sides.stop(dir);
    const moved = await moveClusters({ target: dirs.target, next: dirs.next, retained: dirs.retained }, direction);
    if (moved.length > 0) this.opts.logger.info({ environment_id: ref.environment_id, moved, direction }, 'environment clusters swapped');
    if (!initialised(dirs.target)) throw new Error(`no cluster at ${dirs.target} after the swap`);
    if (port !== null) await writeFile(join(dirs.target, 'port'), String(port));
    const cluster = await this.started(ref);
    if (direction === 'in' && (await sql.databaseExists(cluster.pool, next))) await sql.renameIdleDatabase(cluster.pool, next, ref.db_name);
  }

  async all(): Promise<LocalCluster[]> {
    const found = await Promise.all((await this.inventory()).map((o) => this.find({ environment_id: o.environmentId, db_name: o.dbName })));
    return found.filter((c): c is LocalCluster => c !== null);
  }

  /**
   * Start every environment's cluster that is not running (after a reboot, or a predecessor's
   * crash; a running one is adopted as it is). Returns how many run.
   */
  async adopt(): Promise<number> {
    const root = environmentsDir(this.opts.dataDir);
    for (const o of await this.environments()) {
      // A replace's side clusters: never started here (a retained one must stay stopped); a running
      // one is used by its operation, and the clone's cleanup or the reconciliation removes them.
      const sides = (await readdir(join(root, o.environmentId)).catch(() => [] as string[])).filter((n) => n.startsWith(SIDE_CLUSTER_PREFIX));
      if (sides.length > 0) this.opts.logger.info({ environment_id: o.environmentId, sides }, 'side clusters of a copy-on-write replace found, left as they are');
    }
    let running = 0;
    for (const o of await this.inventory()) {
      try {
        await this.find({ environment_id: o.environmentId, db_name: o.dbName });
        running++;
      } catch (e) {
        // One broken cluster must not keep the agent (and every other environment) down.
        this.opts.logger.error({ environment_id: o.environmentId, err: (e as Error).message }, 'environment cluster does not start');
      }
    }
    return running;
  }

  /** The version of the server binaries every new cluster runs (no cluster needs to run). */
  serverVersion(): Promise<string | null> {
    return toolVersion(join(this.opts.binDir, 'postgres'), {});
  }

  async cloneFrom(
    source: EnvironmentRef,
    target: EnvironmentRef,
    signal: AbortSignal,
    beside?: string,
  ): Promise<{ cluster: LocalCluster; timings: Record<string, number> }> {
    const from = await this.find(source);
    if (!from) throw new Error(`environment ${source.environment_id} has no PostgreSQL cluster on this server`);
    const side = beside === undefined ? null : sideClusterDir(envLayout(this.opts.dataDir, target).root, beside);
    if (beside !== undefined && !side) throw new Error(`invalid database name ${beside}`);
    const dir = side ?? this.dir(target);
    if (side) {
      // A replace: the target keeps serving; a leftover of an earlier attempt goes first.
      await this.sides.remove(side);
    } else {
      // The target's own cluster (create_new: an empty database) makes way for the copy, on its port.
      await this.stopMain(target);
      await rm(join(dir, 'data'), { recursive: true, force: true });
    }
    const t = from.target;
    const snapshot = await snapshotCluster({
      source: { host: t.host, port: t.port, user: t.user, database: 'postgres', ...(t.password !== null ? { password: t.password } : {}) },
      sourceDataDir: join(this.dir(source), 'data'),
      targetDir: dir,
      label: `oec clone of ${source.environment_id} into ${target.environment_id}`,
      signal,
    });
    const port = side ? await freePort() : readPort(dir);
    const started = await startSnapshot({ dir, binDir: this.opts.binDir, socketDir: socketDirFor(dir), signal, ...(port !== null ? { port } : {}) });
    const { startMs, copyMs, stopMs, walMs } = snapshot.timings;
    const timings = { backup_start_ms: startMs, reflink_copy_ms: copyMs, backup_stop_ms: stopMs, wal_ms: walMs, recovery_ms: started.startMs };
    let cluster: LocalCluster | null;
    if (side) {
      const copy = targetFromCluster(started.cluster);
      cluster = { target: copy, pool: openPool(copy, this.opts.logger) };
      this.sides.add(side, cluster);
    } else {
      cluster = await this.find(target);
    }
    if (!cluster) throw new Error(`the copy of environment ${source.environment_id} did not start`);
    return { cluster, timings };
  }

  /** The role and databases go with the cluster: stopped here (side clusters too), its files with the env dir. */
  async release(ref: EnvironmentRef): Promise<void> {
    await this.stopMain(ref);
    const root = envLayout(this.opts.dataDir, ref).root;
    for (const n of await readdir(root).catch(() => [] as string[])) {
      if (n.startsWith(SIDE_CLUSTER_PREFIX)) await this.sides.stop(join(root, n));
    }
  }

  async close(): Promise<void> {
    const clusters = await Promise.all([...this.open.values()].map((p) => p.catch(() => null)));
    this.open.clear();
    await Promise.all([...clusters.flatMap((c) => (c ? [c.pool.end()] : [])), this.sides.close()]);
  }

  /** The environment's own cluster stopped, its pool closed. */
  private async stopMain(ref: EnvironmentRef): Promise<void> {
    const opening = this.open.get(ref.environment_id);
    this.open.delete(ref.environment_id);
    if (opening) await (await opening.catch(() => null))?.pool.end();
    const dataDir = join(this.dir(ref), 'data');
    if (existsSync(join(dataDir, 'PG_VERSION'))) await stopCluster({ dataDir, binDir: this.opts.binDir });
  }

  /** The side cluster directory standing for database `name`, when one exists. */
  private async sideOf(name: string): Promise<string | null> {
    for (const o of await this.environments()) {
      if (!name.startsWith(`${o.dbName}_`)) continue;
      const dir = sideClusterDir(join(environmentsDir(this.opts.dataDir), o.environmentId), name);
      if (dir && existsSync(dir)) return dir;
    }
    return null;
  }

  private dir(ref: EnvironmentRef): string {
    return envLayout(this.opts.dataDir, ref).cluster;
  }

  private target(port: number): PgTarget {
    return { host: '127.0.0.1', port, user: 'postgres', password: null, database: 'postgres', binDir: this.opts.binDir };
  }

  /** One start at a time per environment; a failed one is forgotten, so the next call tries again. */
  private started(ref: EnvironmentRef): Promise<LocalCluster> {
    const id = ref.environment_id;
    let opening = this.open.get(id);
    if (!opening) {
      opening = this.start(ref);
      this.open.set(id, opening);
      opening.catch(() => {
        if (this.open.get(id) === opening) this.open.delete(id);
      });
    }
    return opening;
  }

  private async start(ref: EnvironmentRef): Promise<LocalCluster> {
    const layout = envLayout(this.opts.dataDir, ref);
    await letServerThrough([this.opts.dataDir, environmentsDir(this.opts.dataDir), layout.root]);
    for (let attempt = 1; ; attempt++) {
      try {
        // The port kept in `postgres/port` (chosen at first start); a new one after a clash.
        const info = await startCluster({
          dir: layout.cluster,
          binDir: this.opts.binDir,
          socketDir: socketDirFor(layout.cluster),
          ...(attempt > 1 ? { port: await freePort() } : {}),
        });
        this.opts.logger.debug({ environment_id: ref.environment_id, port: info.port }, 'environment cluster running');
        const target = targetFromCluster(info);
        return { target, pool: openPool(target, this.opts.logger) };
      } catch (e) {
        // Another process took the port between choosing and binding it: choose again.
        const log = await readFile(join(layout.cluster, 'postgres.log'), 'utf8').catch(() => '');
        if (attempt >= START_ATTEMPTS || !/Address already in use/.test(log.slice(-2000))) throw e;
        this.opts.logger.warn({ environment_id: ref.environment_id }, 'environment cluster port taken, choosing another');
      }
    }
  }

  /** The environments of this server with a cluster, and the database name each serves. */
  private async inventory(): Promise<DatabaseOwner[]> {
    const root = environmentsDir(this.opts.dataDir);
    return (await this.environments()).filter((o) => initialised(join(root, o.environmentId, 'postgres')));
  }

  /** Every environment of this server (cluster or not: one may be mid-swap), with its database name. */
  private async environments(): Promise<DatabaseOwner[]> {
    const root = environmentsDir(this.opts.dataDir);
    const ids = await readdir(root).catch(() => [] as string[]);
    const out: DatabaseOwner[] = [];
    for (const id of ids) {
      let dbName = this.dbNames.get(id);
      if (!dbName) {
        const meta = environmentSpecSchema.safeParse(JSON.parse(await readFile(join(root, id, 'environment.json'), 'utf8').catch(() => '{}')));
        if (!meta.success || meta.data.environment_id !== id) continue;
        dbName = meta.data.db_name;
        this.dbNames.set(id, dbName);
      }
      out.push({ environmentId: id, dbName });
    }
    return out;
  }
}

/** A unix socket path holds at most 107 bytes (`<dir>/.s.PGSQL.<port>`): beyond, TCP only. */
const SOCKET_PATH_MAX = 107;

/** `<cluster>/socket` when its socket's path fits, else none (the agent and apps use TCP anyway). */
export function socketDirFor(clusterDir: string): string | null {
  const dir = join(clusterDir, 'socket');
  return Buffer.byteLength(join(dir, '.s.PGSQL.65535')) <= SOCKET_PATH_MAX ? dir : null;
}

function initialised(clusterDir: string): boolean {
  return existsSync(join(clusterDir, 'data', 'PG_VERSION'));
}

/**
 * As root the server runs as `postgres`, which must traverse the data dir, `environments/` and the
 * environment's directory (0700, root's). The data dir gets the search bit for others, as for the
 * agent's own cluster (postgres/owned.ts); the two below get the `postgres` group and its search
 * bit only, so no other user gets through to an environment's files.
 */
async function letServerThrough([dataDir, ...below]: string[]): Promise<void> {
  const runAs = serverRunAs();
  if (!runAs || !dataDir) return;
  const top = await stat(dataDir);
  if ((top.mode & 0o001) === 0) await chmod(dataDir, (top.mode & 0o7777) | 0o001);
  for (const dir of below) {
    const s = await stat(dir);
    if (s.gid !== runAs.gid && s.uid !== runAs.uid) await chown(dir, s.uid, runAs.gid);
    if ((s.mode & 0o010) === 0) await chmod(dir, (s.mode & 0o7777) | 0o010);
  }
}

/** Stop every environment cluster under a data dir, side clusters too (test harnesses, uninstall). */
export async function stopEnvironmentClusters(dataDir: string, binDir: string): Promise<void> {
  const root = environmentsDir(dataDir);
  for (const id of await readdir(root).catch(() => [] as string[])) {
    const clusters = (await readdir(join(root, id)).catch(() => [] as string[])).filter((n) => n === 'postgres' || n.startsWith(SIDE_CLUSTER_PREFIX));
    for (const n of clusters) {
      const data = join(root, id, n, 'data');
      if (existsSync(join(data, 'PG_VERSION'))) await stopCluster({ dataDir: data, binDir }).catch(() => undefined);
    }
  }
}
