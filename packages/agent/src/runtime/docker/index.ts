// The `docker` runtime: each environment is a bridge network, a PostgreSQL container (data on a
// named volume, or with OEC_DOCKER_DATA_ON_ROOT a bind mount under the environment's directory,
// the environment's database and role inside) and an Odoo container, all labelled
// with this server and the environment, driven through the Engine API (dockerode, never the CLI).
// The environment's files stay on the agent's disk exactly where envLayout puts them and are
// bind-mounted into the Odoo container, so locate() gives host paths and the clone steps (links,
// tar, transfers) work on them unchanged. See docs/decisions/0008-docker-runtime.md.
//
// DockerRuntime composes this folder: objects.ts (names, labels, create bodies), engine.ts
// (idempotent Engine calls), databases.ts (the PostgreSQL containers), odoo.ts (the Odoo
// containers), images.ts (each environment's images), client-tools.ts (exec), secrets.ts.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type pg from 'pg';
import { AppError, ErrorCode, type EnvironmentLocation, type EnvironmentRef, type EnvironmentSizes, type EnvironmentSpec, type ServerFacts } from '@oec/shared';
import { killLeftoverExecs } from '../../docker/exec.js';
import type { ExecRecord } from '../../exec/children.js';
import type { ExecHandle } from '../../exec/run.js';
import type { Logger } from '../../logger.js';
import { prepareSnapshotStart, snapshotCluster } from '../../postgres/cow/index.js';
import { moveClusters, sideClusterDir } from '../cluster-swap.js';
import { convertBeforeStart, sameFilesystem } from '../subvolume.js';
import { adoptClusterCopy } from '../cow-identity.js';
import { bufferutilLoaded, parseToolVersion, serverFacts, toolVersion } from '../facts.js';
import { filesystemUsage, treeSize } from '../fs-usage.js';
import { envLayout, envLocation, writeEnvironmentFiles, type EnvLayout } from '../layout.js';
import * as sql from '../local-db.js';
import type { AppStatus, AppTrial, ClusterClone, CreateOptions, DiskUsage, ExecOptions, Runtime } from '../runtime.js';
import { execClientTool } from './client-tools.js';
import { DockerDatabases } from './databases.js';
import { containerIp, ensureNetwork, ensureRunning, ensureVolume, inspectContainer, removeContainer, removeNetwork, removeVolume, startContainer, stopContainer } from './engine.js';
import { EnvImages } from './images.js';
import { envLabels, envObjectNames, hostDataDirs, LABEL, labelFilters, PG_PORT, postgresCreateBody, sideDbContainerName, SUPERUSER, type DockerImages, type OdooImageContract } from './objects.js';
import { dataHostDir as odooDataHostDir, OdooContainers } from './odoo.js';
import { ensureSecrets, readSecrets } from './secrets.js';

export interface DockerRuntimeOptions {
  docker: Docker;
  dataDir: string;
  /** The `oec.server` label value of every object this agent creates, lists and removes. */
  server: string;
  hostname: string;
  peerUrl: string | null;
  /** The PostgreSQL image, and the Odoo image (`{version}` becomes the environment's series). */
  images: DockerImages;
  /** Mount paths, port, health URL and version command of the Odoo image (default: the official image's). */
  odoo?: OdooImageContract;
  /** Owner of the filestore and sessions directories, as the Odoo container's user (default 101:101). */
  odooUser?: { uid: number; gid: number };
  /** The only environment variables host processes (tar) get. */
  childEnv: Record<string, string>;
  logger: Logger;
  appHealthTimeoutMs?: number;
  /** Seconds the engine waits between SIGTERM and SIGKILL when stopping Odoo. */
  appStopGraceSeconds?: number;
  dbReadyTimeoutMs?: number;
  /**
   * OEC_DOCKER_DATA_ON_ROOT: an environment's PostgreSQL data directory and Odoo data dir are bind
   * mounts of directories under its own (`<env>/postgres/data`, `<env>/odoo-data`) instead of named
   * volumes, so they live on the agent's data root: where a filesystem that clones files (XFS with
   * reflink, btrfs) makes same-server clones copy-on-write (cloneCluster, decision 0020).
   */
  dataOnRoot?: boolean;
}

/** Without OEC_DOCKER_DATA_ON_ROOT its clusters live in Docker volumes, outside the agent's data root. */
const DOCKER_NO_COW = "the Docker runtime's clusters live in Docker volumes outside the data root (OEC_DOCKER_DATA_ON_ROOT=true puts them under it)";

export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;
  private readonly dbs: DockerDatabases;
  private readonly images: EnvImages;
  private readonly odoo: OdooContainers;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.docker = opts.docker;
    this.dbs = new DockerDatabases({
      docker: opts.docker,
      server: opts.server,
      dataDir: opts.dataDir,
      logger: opts.logger,
      readyTimeoutMs: opts.dbReadyTimeoutMs ?? 90_000,
    });
    this.images = new EnvImages({ docker: opts.docker, dataDir: opts.dataDir, server: opts.server, images: opts.images, logger: opts.logger });
    this.odoo = new OdooContainers({
      docker: opts.docker,
      dataDir: opts.dataDir,
      server: opts.server,
      images: this.images,
      ...(opts.odoo ? { contract: opts.odoo } : {}),
      ...(opts.odooUser ? { user: opts.odooUser } : {}),
      ...(opts.appHealthTimeoutMs !== undefined ? { healthTimeoutMs: opts.appHealthTimeoutMs } : {}),
    });
  }

  /**
   * `pg_version` is that of the configured PostgreSQL image: what a new environment here, such as
   * a cross-server clone's target, will run (a running environment's server otherwise). The tools
   * run inside those containers, so they report the same version.
   */
  async facts(): Promise<ServerFacts> {
    const [disk, imagePg, tar, bufferutil] = await Promise.all([
      this.diskUsage(),
      this.images.postgresVersion(),
      toolVersion('tar', this.opts.childEnv),
      bufferutilLoaded(),
    ]);
    const pgVersion = imagePg ?? (await this.dbs.clientFacts().catch(() => null))?.pgVersion ?? null;
    const v = pgVersion ? parseToolVersion(`(PostgreSQL) ${pgVersion}`) : null;
    const tools = { pg_dump: v, pg_restore: v, psql: v, tar };
    return serverFacts({ hostname: this.opts.hostname, runtime: this.kind, disk, pgVersion, tools, bufferutil, peerUrl: this.opts.peerUrl, cowRoot: this.opts.dataDir, ...(this.opts.dataOnRoot ? { cowReplace: true } : { cowUnsupported: DOCKER_NO_COW }) });
  }

  /**
   * Free and total space of the Docker data root (volumes live there), else of the data dir; of the
   * data dir with OEC_DOCKER_DATA_ON_ROOT (the environments' data lives there).
   */
  async diskUsage(): Promise<DiskUsage> {
    if (this.opts.dataOnRoot) return filesystemUsage(this.opts.dataDir);
    const info = (await this.docker.info()) as { DockerRootDir?: string };
    return filesystemUsage(info.DockerRootDir ?? this.opts.dataDir).catch(() => filesystemUsage(this.opts.dataDir));
  }

  locate(ref: EnvironmentRef): EnvironmentLocation {
    return envLocation(this.layout(ref), ref, { host: envObjectNames(ref.environment_id).db, port: PG_PORT });
  }

  async create(spec: EnvironmentSpec, signal: AbortSignal, opts: CreateOptions = {}): Promise<EnvironmentLocation> {
    const layout = this.layout(spec);
    await writeEnvironmentFiles(layout, spec);
    const secrets = await ensureSecrets(layout.secrets);
    const images = await this.images.ensure(spec, opts.like);
    signal.throwIfAborted();

    const names = envObjectNames(spec.environment_id);
    const labels = envLabels(this.opts.server, spec.environment_id);
    await ensureNetwork(this.docker, names.network, labels);
    const onRoot = this.opts.dataOnRoot ? hostDataDirs(layout) : null;
    if (onRoot) {
      // Made by the agent (root), given to the image's postgres user by its entrypoint (mode 0700).
      await mkdir(onRoot.pgdata, { recursive: true, mode: 0o700 });
      await mkdir(onRoot.odooData, { recursive: true, mode: 0o700 });
    } else {
      await ensureVolume(this.docker, names.pgdata, labels);
      await ensureVolume(this.docker, names.odooData, labels);
    }
    await ensureRunning(
      this.docker,
      postgresCreateBody({
        server: this.opts.server,
        environmentId: spec.environment_id,
        dbName: spec.db_name,
        image: images.postgres,
        superuserPassword: secrets.superuser_password,
        ...(onRoot ? { dataHostDir: onRoot.pgdata } : {}),
      }) as Docker.ContainerCreateOptions & { name: string },
    );
    await this.dbs.withEnvironmentPool(spec.environment_id, signal, async (db) => {
      await sql.ensureRole(db, spec.db_name, secrets.password);
      await sql.ensureDatabase(db, spec.db_name, spec.db_name);
      await sql.revokePublicConnect(db, spec.db_name);
      // Re-running create on a started environment must not cut its app off.
      if (!(await this.odoo.running(spec))) await sql.revokeRoleConnect(db, spec.db_name, spec.db_name);
    });
    return this.locate(spec);
  }

  async start(ref: EnvironmentRef, signal: AbortSignal): Promise<void> {
    const layout = this.layout(ref);
    const names = envObjectNames(ref.environment_id);
    if (!(await inspectContainer(this.docker, names.db))) {
      throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, `environment ${ref.environment_id} has no PostgreSQL container on this server`);
    }
    await this.dbs.withEnvironmentPool(ref.environment_id, signal, async (db) => {
      if (!(await sql.databaseExists(db, ref.db_name))) {
        throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, `database ${ref.db_name} does not exist on this server`);
      }
      await sql.grantRoleConnect(db, ref.db_name, ref.db_name);
    });
    const url = await this.odoo.url(ref);
    if (url && (await this.odoo.healthy(url))) return;
    await this.applyPendingSettings(ref, signal);
    // Recreated on every start: it is stateless, and a replace renames the addons directory the
    // old container had bind-mounted (a bind follows the directory, not its path).
    await removeContainer(this.docker, names.odoo, this.stopGraceSeconds);
    await convertBeforeStart(layout.filestore, ref.environment_id, this.opts.logger, { env: this.opts.childEnv });
    const odooData = odooDataHostDir(layout);
    await this.odoo.giveDirectories([layout.filestoreRoot, layout.sessions, ...(odooData ? [odooData] : [])]);
    await ensureRunning(this.docker, await this.odoo.body(ref, { dbName: ref.db_name, addons: layout.addons }));
    const outcome = await this.odoo.waitHealthy(names.odoo, names.network, signal);
    if (outcome.healthy) return;
    await removeContainer(this.docker, names.odoo, 2);
    signal.throwIfAborted();
    throw new AppError(ErrorCode.TASK_FAILED, `Odoo container ${outcome.detail}`);
  }

  /**
   * A second Odoo container on the environment's network, serving `candidate.db_name` (owned by
   * the environment's role, which may now connect to it: the proof has passed) with the candidate
   * addons and the shared filestore root (Odoo reads `filestore/<candidate db>`); no routing
   * labels, Odoo's data dir on a tmpfs. Removed before returning, whatever happened.
   */
  async trialApp(ref: EnvironmentRef, candidate: { db_name: string; addons_path: string }, signal: AbortSignal): Promise<AppTrial> {
    const layout = this.layout(ref);
    const names = envObjectNames(ref.environment_id);
    // a copy-on-write replace's candidate is in its side cluster's container
    const at = await this.dbs.locate(candidate.db_name);
    if (!at) throw new Error(`no PostgreSQL container of this server holds database ${candidate.db_name}`);
    await this.dbs.withAdminAt(at, signal, (db) => sql.grantRoleConnect(db, candidate.db_name, ref.db_name));
    await this.odoo.giveDirectories([join(layout.filestoreRoot, candidate.db_name)]);
    await removeContainer(this.docker, names.odooTrial, 2);
    try {
      const trial = { role: ref.db_name, ...(at.side ? { dbHost: at.side.container } : {}) };
      await ensureRunning(this.docker, await this.odoo.body(ref, { dbName: candidate.db_name, addons: candidate.addons_path, trial }));
      const outcome = await this.odoo.waitHealthy(names.odooTrial, names.network, signal);
      if (!outcome.healthy) return { healthy: false, version: null, detail: `Odoo container ${outcome.detail}` };
      return { healthy: true, version: await this.odoo.versionIn(names.odooTrial, signal), detail: outcome.detail };
    } finally {
      await removeContainer(this.docker, names.odooTrial, 2);
    }
  }

  async stop(ref: EnvironmentRef, signal: AbortSignal): Promise<void> {
    await removeContainer(this.docker, envObjectNames(ref.environment_id).odoo, this.stopGraceSeconds);
    if (!(await this.dbs.running(ref.environment_id))) return;
    await this.dbs.withEnvironmentPool(ref.environment_id, signal, async (db) => {
      if ((await sql.databaseExists(db, ref.db_name)) && (await sql.roleExists(db, ref.db_name))) {
        await sql.revokeRoleConnect(db, ref.db_name, ref.db_name);
        await sql.terminateRoleBackends(db, ref.db_name, ref.db_name);
      }
    });
  }

  /** Everything goes: the database dies with its container and volume, the role with it. */
  async destroy(ref: EnvironmentRef, _signal: AbortSignal): Promise<void> {
    const names = envObjectNames(ref.environment_id);
    await removeContainer(this.docker, names.odoo, this.stopGraceSeconds);
    await removeContainer(this.docker, names.odooTrial, 2);
    await removeContainer(this.docker, names.db, 30);
    // a copy-on-write replace's side clusters (their files go with the environment's directory)
    const sides = await this.docker.listContainers({ all: true, filters: labelFilters(envLabels(this.opts.server, ref.environment_id, { [LABEL.role]: 'db-side' })) });
    for (const side of sides) await removeContainer(this.docker, side.Id, 30);
    await removeVolume(this.docker, names.pgdata);
    await removeVolume(this.docker, names.odooData);
    await removeNetwork(this.docker, names.network);
    await rm(this.layout(ref).root, { recursive: true, force: true });
  }

  async inspect(ref: EnvironmentRef, signal: AbortSignal): Promise<EnvironmentSizes> {
    const layout = this.layout(ref);
    const cow = this.opts.dataOnRoot ? await this.cowLimits(ref) : {};
    const db = (await this.dbs.running(ref.environment_id))
      ? await this.dbs.withEnvironmentPool(ref.environment_id, signal, async (c) =>
          (await sql.databaseExists(c, ref.db_name)) ? { exists: true, bytes: await sql.databaseSize(c, ref.db_name) } : null,
        )
      : null;
    const [filestore, addons] = await Promise.all([treeSize(layout.filestore, signal), treeSize(layout.addons, signal)]);
    return {
      exists: db !== null,
      database_bytes: db?.bytes ?? 0,
      filestore_bytes: filestore.bytes,
      filestore_files: filestore.files,
      addons_bytes: addons.bytes,
      ...cow,
    };
  }

  /**
   * What keeps an environment out of copy-on-write clones on this server although it clones files
   * (OEC_DOCKER_DATA_ON_ROOT): one created before that setting keeps its data in a Docker volume.
   * A snapshot can still read it where Docker's root is on the data root's filesystem; a replace
   * cannot swap clusters into it, which needs its data in `<env>/postgres/data`.
   */
  private async cowLimits(ref: EnvironmentRef): Promise<Pick<EnvironmentSizes, 'cow_source_unavailable' | 'cow_replace_unavailable'>> {
    const mount = await this.dbs.dataMount(ref.environment_id);
    const pgdata = hostDataDirs(this.layout(ref)).pgdata;
    if (!mount || (mount.type === 'bind' && mount.source === pgdata)) return { cow_source_unavailable: null, cow_replace_unavailable: null };
    const where = mount.type === 'volume' ? `the Docker volume ${mount.volume ?? mount.source}` : mount.source;
    const readable = await sameFilesystem(mount.source, this.opts.dataDir).catch(() => false);
    return {
      cow_source_unavailable: readable ? null : `PostgreSQL data is in ${where}, not on the data root's filesystem (created before OEC_DOCKER_DATA_ON_ROOT)`,
      cow_replace_unavailable: `PostgreSQL data is in ${where}, not in ${pgdata} where a copy-on-write replace swaps clusters (created before OEC_DOCKER_DATA_ON_ROOT)`,
    };
  }

  /** A copy-on-write replace swaps clusters only into an environment whose data is in its bind directory. */
  private async assertSwappable(ref: EnvironmentRef): Promise<void> {
    const reason = (await this.cowLimits(ref)).cow_replace_unavailable;
    if (reason) throw new AppError(ErrorCode.RESTORE_FAILED, `No copy-on-write replace of ${ref.db_name}: its ${reason}`);
  }

  async appStatus(ref: EnvironmentRef): Promise<AppStatus> {
    const url = await this.odoo.url(ref);
    if (!url) return { running: false, url: null, healthy: false };
    return { running: true, url, healthy: await this.odoo.healthy(url) };
  }

  /** The version command in the running Odoo container, else in a one-off container of its image. */
  async appVersion(ref: EnvironmentRef, signal: AbortSignal): Promise<string> {
    if (await this.odoo.running(ref)) return this.odoo.versionIn(envObjectNames(ref.environment_id).odoo, signal);
    return this.odoo.versionOfImage(ref, signal);
  }

  /** Client tools: PostgreSQL's inside the environment's PostgreSQL container, tar on the host (client-tools.ts). */
  exec(argv: readonly string[], opts: ExecOptions): ExecHandle {
    return execClientTool(this.opts, argv, opts);
  }

  withDatabase<T>(database: string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    return this.dbs.withDatabase(database, fn);
  }

  databaseExists(name: string): Promise<boolean> {
    return this.dbs.databaseExists(name);
  }

  createDatabase(name: string, owner: EnvironmentRef, opts: { template?: { db_name: string; role: string } }): Promise<void> {
    return this.dbs.createDatabase(name, owner, opts, (argv, o) => this.exec(argv, o));
  }

  listDatabases(): Promise<string[]> {
    return this.dbs.listDatabases();
  }

  dropDatabase(name: string): Promise<void> {
    return this.dbs.dropDatabase(name);
  }

  /**
   * Same-server copy-on-write (decision 0020), with OEC_DOCKER_DATA_ON_ROOT: the source's running
   * cluster is snapshotted through the backup API (a superuser session on its container, as every
   * other call) while its data directory is reflinked from the host path behind its mount into the
   * target's bind directory; the target's empty container makes way and is created again on the
   * copy, which starts with the snapshot settings in its postgresql.auto.conf (sanitize resets
   * them), recovers to the backup's end, then gets the target's identity (cow-identity.ts),
   * including the target's superuser password in place of the source container's. With `beside`
   * (a replace) the copy goes to the side directory `<env>/postgres.<workDb>` and runs in a
   * container of its own on the environment's network (sideDbContainerName), while the target's
   * container keeps serving; swapClusters puts it in the target's place.
   */
  async cloneCluster(source: EnvironmentRef, target: EnvironmentRef, workDb: string, signal: AbortSignal, opts: { beside?: boolean } = {}): Promise<ClusterClone> {
    if (!this.opts.dataOnRoot) throw new AppError(ErrorCode.RESTORE_FAILED, `No copy-on-write clone here: ${DOCKER_NO_COW}`);
    const from = envObjectNames(source.environment_id);
    const to = envObjectNames(target.environment_id);
    const sourceInfo = await inspectContainer(this.docker, from.db);
    const sourceHost = containerIp(sourceInfo, from.network);
    const sourceDataDir = await this.dbs.dataHostPath(source.environment_id);
    if (!sourceHost || !sourceDataDir) throw new Error(`environment ${source.environment_id} has no running PostgreSQL container on this server`);
    const targetInfo = await inspectContainer(this.docker, to.db);
    if (!targetInfo) throw new Error(`environment ${target.environment_id} has no PostgreSQL container on this server`);
    const layout = this.layout(target);
    const sourceSecrets = readSecrets(this.layout(source).secrets);
    const targetSecrets = readSecrets(layout.secrets);
    const side = opts.beside ? sideClusterDir(layout.root, workDb) : null;
    if (opts.beside && !side) throw new Error(`invalid database name ${workDb}`);
    const clusterDir = side ?? hostDataDirs(layout).clusterDir;
    const container = side ? sideDbContainerName(target.environment_id, workDb) : to.db;
    if (side) {
      // A replace: the target keeps serving; a leftover of an earlier attempt goes first.
      await this.assertSwappable(target);
      await this.dbs.removeSide(workDb);
    } else {
      // The target's own cluster (create_new: an empty database) makes way for the copy.
      await removeContainer(this.docker, to.db, 30);
      await rm(hostDataDirs(layout).pgdata, { recursive: true, force: true });
    }
    const snapshot = await snapshotCluster({
      source: { host: sourceHost, port: PG_PORT, user: SUPERUSER, password: sourceSecrets.superuser_password, database: 'postgres', connectionTimeoutMillis: 10_000 },
      sourceDataDir,
      targetDir: clusterDir,
      label: `oec clone of ${source.environment_id} into ${target.environment_id}`,
      signal,
      env: this.opts.childEnv,
    });
    await prepareSnapshotStart(snapshot.dataDir);
    signal.throwIfAborted();
    const t0 = performance.now();
    await ensureRunning(
      this.docker,
      postgresCreateBody({
        server: this.opts.server,
        environmentId: target.environment_id,
        dbName: target.db_name,
        image: targetInfo.Config.Image,
        superuserPassword: targetSecrets.superuser_password,
        dataHostDir: join(clusterDir, 'data'),
        ...(side ? { side: { database: workDb } } : {}),
      }) as Docker.ContainerCreateOptions & { name: string },
    );
    let recoveryMs = 0;
    let t1 = 0;
    // Sessions wait for the copy: it refuses connections until recovery reached the backup's end.
    const on = <T>(database: string, password: string, fn: (db: pg.ClientBase) => Promise<T>) =>
      this.dbs.withPassword(target.environment_id, database, password, signal, fn, container);
    const facts = await on('postgres', sourceSecrets.superuser_password, async (admin) => {
      const { rows } = await admin.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
      if (rows[0]?.recovering !== false) throw new Error('the copy started but is still in recovery');
      t1 = performance.now();
      recoveryMs = t1 - t0;
      return adoptClusterCopy({
        admin,
        onDatabase: (database, fn) => on(database, targetSecrets.superuser_password, fn),
        source: source.db_name,
        role: target.db_name,
        password: targetSecrets.password,
        workDb,
        superuser: { name: SUPERUSER, password: targetSecrets.superuser_password },
      });
    });
    const { startMs, copyMs, stopMs, walMs } = snapshot.timings;
    return {
      ...facts,
      timings: {
        backup_start_ms: startMs,
        reflink_copy_ms: copyMs,
        backup_stop_ms: stopMs,
        wal_ms: walMs,
        recovery_ms: recoveryMs,
        identity_ms: Math.round(performance.now() - t1),
      },
    };
  }

  /**
   * A copy-on-write replace's swap (`in`) or its undo (`back`), idempotent (cluster-swap.ts): the
   * environment's PostgreSQL container stops, the side containers go (a retained cluster stays
   * stopped, its files only), the directories move, and the environment's container starts again
   * on what is now in its bind directory; `in` renames the database `next` to the target's.
   */
  async swapClusters(ref: EnvironmentRef, next: string, retained: string, direction: 'in' | 'back'): Promise<void> {
    if (!this.opts.dataOnRoot) throw new Error(`No swap of clusters here: ${DOCKER_NO_COW}`);
    const layout = this.layout(ref);
    const dirs = { target: hostDataDirs(layout).clusterDir, next: sideClusterDir(layout.root, next), retained: sideClusterDir(layout.root, retained) };
    if (!dirs.next || !dirs.retained) throw new Error(`invalid database names ${next}, ${retained}`);
    await this.assertSwappable(ref);
    const db = envObjectNames(ref.environment_id).db;
    // A data directory moves only while no server runs on it.
    await stopContainer(this.docker, db, 30);
    for (const name of [next, retained]) await removeContainer(this.docker, sideDbContainerName(ref.environment_id, name), 30);
    const moved = await moveClusters({ target: dirs.target, next: dirs.next, retained: dirs.retained }, direction);
    if (moved.length > 0) this.opts.logger.info({ environment_id: ref.environment_id, moved, direction }, 'environment clusters swapped');
    await startContainer(this.docker, db);
    if (direction !== 'in') return;
    await this.dbs.withEnvironmentPool(ref.environment_id, new AbortController().signal, async (admin) => {
      if (await sql.databaseExists(admin, next)) await sql.renameIdleDatabase(admin, next, ref.db_name);
    });
  }

  swapDatabases(current: string, next: string, retained: string): Promise<void> {
    return this.dbs.swapDatabases(current, next, retained);
  }

  stopLeftoverExecs(records: readonly ExecRecord[]): Promise<ExecRecord[]> {
    return killLeftoverExecs(this.docker, records);
  }

  async close(): Promise<void> {
    await this.dbs.close();
  }

  /**
   * Settings changed by ALTER SYSTEM that only a server start applies (a copy-on-write clone's
   * `max_logical_replication_workers`, reset by its sanitize step) take effect now, while no app
   * serves the environment: its PostgreSQL container restarts, and the next session waits for it.
   */
  private async applyPendingSettings(ref: EnvironmentRef, signal: AbortSignal): Promise<void> {
    const pending = await this.dbs.withEnvironmentPool(ref.environment_id, signal, async (db) => {
      const { rows } = await db.query<{ name: string }>('SELECT name FROM pg_settings WHERE pending_restart ORDER BY name');
      return rows.map((r) => r.name);
    });
    if (pending.length === 0) return;
    this.opts.logger.info({ environment_id: ref.environment_id, settings: pending }, 'restarting PostgreSQL to apply its pending settings');
    await this.docker.getContainer(envObjectNames(ref.environment_id).db).restart({ t: 30 });
    await this.dbs.withEnvironmentPool(ref.environment_id, signal, (db) => db.query('SELECT 1'));
  }

  private get stopGraceSeconds(): number {
    return this.opts.appStopGraceSeconds ?? 10;
  }

  private layout(ref: EnvironmentRef): EnvLayout {
    return envLayout(this.opts.dataDir, ref);
  }
}
