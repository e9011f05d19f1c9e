// The `docker` runtime: each environment is a bridge network, a PostgreSQL container (data on a
// named volume, the environment's database and role inside) and an Odoo container, all labelled
// with this server and the environment, driven through the Engine API (dockerode, never the CLI).
// The environment's files stay on the agent's disk exactly where envLayout puts them and are
// bind-mounted into the Odoo container, so locate() gives host paths and the clone steps (links,
// tar, transfers) work on them unchanged. See docs/decisions/0008-docker-runtime.md.
import { existsSync } from 'node:fs';
import { lchown, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type pg from 'pg';
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
import { CommandArgumentError, isClientTool } from '../commands/index.js';
import { dockerExec } from '../docker/exec.js';
import { collect, spawnProcess, type ExecHandle } from '../exec/run.js';
import type { Logger } from '../logger.js';
import { probeHealth } from './app-process.js';
import { DockerDatabases } from './docker-databases.js';
import { ensureImage, ensureNetwork, ensureRunning, ensureVolume, containerIp, inspectContainer, removeContainer, removeNetwork, removeVolume } from './docker-engine.js';
import {
  envLabels,
  envObjectNames,
  LABEL,
  odooCreateBody,
  odooImage,
  OFFICIAL_ODOO,
  PG_PORT,
  postgresCreateBody,
  SUPERUSER,
  type DockerImages,
  type OdooImageContract,
} from './docker-objects.js';
import { ensureSecrets, readSecrets } from './docker-secrets.js';
import { AGENT_VERSION, bufferutilLoaded, parseToolVersion, toolVersion } from './facts.js';
import { filesystemUsage, isMissing, treeSize } from './fs-usage.js';
import { envLayout, writeAtomic, writeEnvironmentFiles, type EnvLayout } from './layout.js';
import * as sql from './local-db.js';
import { renderPgOptions } from './local.js';
import type { AppStatus, AppTrial, CreateOptions, DiskUsage, ExecOptions, Runtime } from './runtime.js';

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
}

export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;
  private readonly dbs: DockerDatabases;
  private pgImageVersion: Promise<string | null> | undefined;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.docker = opts.docker;
    this.dbs = new DockerDatabases({
      docker: opts.docker,
      server: opts.server,
      dataDir: opts.dataDir,
      logger: opts.logger,
      readyTimeoutMs: opts.dbReadyTimeoutMs ?? 90_000,
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
      this.imagePgVersion(),
      toolVersion('tar', this.opts.childEnv),
      bufferutilLoaded(),
    ]);
    const pgVersion = imagePg ?? (await this.dbs.clientFacts().catch(() => null))?.pgVersion ?? null;
    const v = pgVersion ? parseToolVersion(`(PostgreSQL) ${pgVersion}`) : null;
    return {
      hostname: this.opts.hostname,
      runtime: this.kind,
      agent_version: AGENT_VERSION,
      disk_total_bytes: disk.total_bytes,
      disk_free_bytes: disk.free_bytes,
      pg_version: pgVersion,
      tools: { pg_dump: v, pg_restore: v, psql: v, tar },
      bufferutil,
      peer_url: this.opts.peerUrl,
      tls_fingerprint: null,
      tls_certificate: null,
    };
  }

  /** `postgres --version` in a one-off container of the configured image, once per agent run. */
  private imagePgVersion(): Promise<string | null> {
    this.pgImageVersion ??= this.runOnce(this.opts.images.postgres, ['postgres', '--version'], AbortSignal.timeout(120_000)).then(
      (out) => parseToolVersion(out),
      (e: unknown) => {
        this.opts.logger.warn({ image: this.opts.images.postgres, err: (e as Error).message }, 'cannot read the PostgreSQL image version');
        this.pgImageVersion = undefined;
        return null;
      },
    );
    return this.pgImageVersion;
  }

  /** Free and total space of the Docker data root (volumes live there), else of the data dir. */
  async diskUsage(): Promise<DiskUsage> {
    const info = (await this.docker.info()) as { DockerRootDir?: string };
    return filesystemUsage(info.DockerRootDir ?? this.opts.dataDir).catch(() => filesystemUsage(this.opts.dataDir));
  }

  locate(ref: EnvironmentRef): EnvironmentLocation {
    const layout = this.layout(ref);
    return {
      db_name: ref.db_name,
      filestore_path: layout.filestore,
      addons_path: layout.addons,
      connection: { host: envObjectNames(ref.environment_id).db, port: PG_PORT, database: ref.db_name, user: ref.db_name },
    };
  }

  async create(spec: EnvironmentSpec, signal: AbortSignal, opts: CreateOptions = {}): Promise<EnvironmentLocation> {
    const layout = this.layout(spec);
    await writeEnvironmentFiles(layout, spec);
    const secrets = await ensureSecrets(layout.secrets);
    const images = await this.ensureEnvImages(spec, opts.like);
    signal.throwIfAborted();

    const names = envObjectNames(spec.environment_id);
    const labels = envLabels(this.opts.server, spec.environment_id);
    await ensureNetwork(this.docker, names.network, labels);
    await ensureVolume(this.docker, names.pgdata, labels);
    await ensureVolume(this.docker, names.odooData, labels);
    await ensureRunning(
      this.docker,
      postgresCreateBody({
        server: this.opts.server,
        environmentId: spec.environment_id,
        dbName: spec.db_name,
        image: images.postgres,
        superuserPassword: secrets.superuser_password,
      }) as Docker.ContainerCreateOptions & { name: string },
    );
    await this.dbs.withEnvironmentPool(spec.environment_id, signal, async (db) => {
      await sql.ensureRole(db, spec.db_name, secrets.password);
      await sql.ensureDatabase(db, spec.db_name, spec.db_name);
      await sql.revokePublicConnect(db, spec.db_name);
      // Re-running create on a started environment must not cut its app off.
      if (!(await this.odooRunning(spec))) await sql.revokeRoleConnect(db, spec.db_name, spec.db_name);
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
    const url = await this.odooUrl(ref);
    if (url && (await this.healthy(url))) return;
    // Recreated on every start: it is stateless, and a replace renames the addons directory the
    // old container had bind-mounted (a bind follows the directory, not its path).
    await removeContainer(this.docker, names.odoo, this.stopGraceSeconds);
    await giveDirectories([layout.filestoreRoot, layout.sessions], this.odooUser);
    await ensureRunning(this.docker, await this.odooBody(ref, { dbName: ref.db_name, addons: layout.addons }));
    const outcome = await this.waitHealthy(names.odoo, names.network, signal);
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
    await this.dbs.withEnvironmentPool(ref.environment_id, signal, (db) => sql.grantRoleConnect(db, candidate.db_name, ref.db_name));
    await giveDirectories([join(layout.filestoreRoot, candidate.db_name)], this.odooUser);
    await removeContainer(this.docker, names.odooTrial, 2);
    try {
      await ensureRunning(this.docker, await this.odooBody(ref, { dbName: candidate.db_name, addons: candidate.addons_path, trial: { role: ref.db_name } }));
      const outcome = await this.waitHealthy(names.odooTrial, names.network, signal);
      if (!outcome.healthy) return { healthy: false, version: null, detail: `Odoo container ${outcome.detail}` };
      const stdout = (await collect(dockerExec(this.docker.getContainer(names.odooTrial), this.odoo.versionCommand, { signal }))).stdout;
      return { healthy: true, version: parseOdooVersion(stdout), detail: outcome.detail };
    } finally {
      await removeContainer(this.docker, names.odooTrial, 2);
    }
  }

  /** The environment's Odoo container (or its trial twin) serving `serve.dbName` with `serve.addons`. */
  private async odooBody(
    ref: EnvironmentRef,
    serve: { dbName: string; addons: string; trial?: { role: string } },
  ): Promise<Docker.ContainerCreateOptions & { name: string }> {
    const layout = this.layout(ref);
    const meta = await this.meta(ref);
    return odooCreateBody({
      server: this.opts.server,
      environmentId: ref.environment_id,
      dbName: serve.dbName,
      domain: meta.domain,
      image: (await this.envImages(ref, meta)).odoo,
      password: readSecrets(layout.secrets).password,
      filestoreRoot: layout.filestoreRoot,
      sessions: layout.sessions,
      addons: serve.addons,
      contract: this.odoo,
      ...(serve.trial ? { trial: serve.trial } : {}),
    }) as Docker.ContainerCreateOptions & { name: string };
  }

  /** Poll the container's health URL until it answers 200, the container dies, or the timeout. */
  private async waitHealthy(container: string, network: string, signal: AbortSignal): Promise<{ healthy: boolean; detail: string }> {
    const timeoutMs = this.opts.appHealthTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await inspectContainer(this.docker, container);
      const ip = containerIp(info, network);
      const url = `http://${ip}:${this.odoo.port}`;
      if (ip && (await this.healthy(url))) return { healthy: true, detail: url };
      const died = info !== null && !info.State.Running && !info.State.Restarting;
      if (died || signal.aborted || Date.now() > deadline) {
        const why = died ? `exited with code ${info.State.ExitCode}` : `did not become healthy within ${timeoutMs} ms`;
        return { healthy: false, detail: `${why}: ${await this.logTail(container)}` };
      }
      await new Promise((r) => setTimeout(r, 250));
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
    await removeVolume(this.docker, names.pgdata);
    await removeVolume(this.docker, names.odooData);
    await removeNetwork(this.docker, names.network);
    await rm(this.layout(ref).root, { recursive: true, force: true });
  }

  async inspect(ref: EnvironmentRef, signal: AbortSignal): Promise<EnvironmentSizes> {
    const layout = this.layout(ref);
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
    };
  }

  async appStatus(ref: EnvironmentRef): Promise<AppStatus> {
    const url = await this.odooUrl(ref);
    if (!url) return { running: false, url: null, healthy: false };
    return { running: true, url, healthy: await this.healthy(url) };
  }

  /** The version command in the running Odoo container, else in a one-off container of its image. */
  async appVersion(ref: EnvironmentRef, signal: AbortSignal): Promise<string> {
    const names = envObjectNames(ref.environment_id);
    const argv = this.odoo.versionCommand;
    let stdout: string;
    if (await this.odooRunning(ref)) {
      stdout = (await collect(dockerExec(this.docker.getContainer(names.odoo), argv, { signal }))).stdout;
    } else {
      stdout = await this.runOnce((await this.envImages(ref, await this.meta(ref))).odoo, argv, signal);
    }
    return parseOdooVersion(stdout);
  }

  /**
   * PostgreSQL client tools run inside the environment's PostgreSQL container (matching its server,
   * connecting over its loopback with the password in the exec's environment, never in argv); tar
   * runs on the host, where the files are.
   */
  exec(argv: readonly string[], opts: ExecOptions): ExecHandle {
    const [tool, ...args] = argv;
    if (!isClientTool(tool)) throw new CommandArgumentError(`refusing to run ${JSON.stringify(tool)}: not a client tool`);
    const { environment, as, pgOptions, nice, ...rest } = opts;
    if (tool === 'tar') return spawnProcess(tool, tool, args, { ...rest, ...(nice !== undefined ? { nice } : {}), env: this.opts.childEnv });
    if (!environment) throw new CommandArgumentError(`${tool} needs an environment under the docker runtime`);
    const secrets = readSecrets(this.layout(environment).secrets);
    const app = as === 'app';
    const env: Record<string, string> = {
      PGHOST: '127.0.0.1',
      PGPORT: String(PG_PORT),
      PGUSER: app ? environment.db_name : SUPERUSER,
      PGPASSWORD: app ? secrets.password : secrets.superuser_password,
      PGDATABASE: environment.db_name,
      PGCONNECT_TIMEOUT: '15',
      PGAPPNAME: 'oec-agent',
      ...(pgOptions ? { PGOPTIONS: renderPgOptions(pgOptions) } : {}),
    };
    // Niceness inside the container: `nice` is in every image that has the kill helper's tools.
    const command = nice !== undefined ? ['nice', '-n', String(nice), tool, ...args] : [tool, ...args];
    const container = this.docker.getContainer(envObjectNames(environment.environment_id).db);
    const handle = dockerExec(container, command, { ...rest, env, user: 'postgres' });
    // Named after the tool, not `nice`: callers tell which side of a pipe failed by the name.
    return { ...handle, name: tool };
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

  dropDatabase(name: string): Promise<void> {
    return this.dbs.dropDatabase(name);
  }

  swapDatabases(current: string, next: string, retained: string): Promise<void> {
    return this.dbs.swapDatabases(current, next, retained);
  }

  async close(): Promise<void> {
    await this.dbs.close();
  }

  private get odooUser(): { uid: number; gid: number } {
    return this.opts.odooUser ?? { uid: 101, gid: 101 };
  }

  private get odoo(): OdooImageContract {
    return this.opts.odoo ?? OFFICIAL_ODOO;
  }

  private healthy(baseUrl: string): Promise<boolean> {
    return probeHealth(baseUrl, 5000, this.odoo.healthPath);
  }

  private get stopGraceSeconds(): number {
    return this.opts.appStopGraceSeconds ?? 10;
  }

  private layout(ref: EnvironmentRef): EnvLayout {
    return envLayout(this.opts.dataDir, ref);
  }

  /**
   * The images an environment runs, fixed at its creation in `<env>/images.json`: those of the
   * environment it was made like (a clone's source on this server), else this server's configured
   * ones. Changing the configuration later never swaps an existing environment's images.
   */
  private async ensureEnvImages(spec: EnvironmentSpec, like: EnvironmentRef | undefined): Promise<DockerImages> {
    const own = await readImages(this.imagesFile(spec));
    if (own) return own;
    const inherited = like ? await readImages(this.imagesFile(like)) : null;
    const images = inherited ?? this.configuredImages(spec.odoo_version);
    await writeAtomic(this.imagesFile(spec), `${JSON.stringify(images, null, 2)}\n`, 0o644);
    return images;
  }

  /** The recorded images, or the configured ones for an environment made before they were recorded. */
  private async envImages(ref: EnvironmentRef, meta: EnvironmentSpec): Promise<DockerImages> {
    return (await readImages(this.imagesFile(ref))) ?? this.configuredImages(meta.odoo_version);
  }

  /** This server's configured images for an environment of Odoo `odooVersion`. */
  private configuredImages(odooVersion: string): DockerImages {
    return { postgres: this.opts.images.postgres, odoo: odooImage(this.opts.images.odoo, odooVersion) };
  }

  private imagesFile(ref: EnvironmentRef): string {
    return join(this.layout(ref).root, 'images.json');
  }

  private async meta(ref: EnvironmentRef): Promise<EnvironmentSpec> {
    return environmentSpecSchema.parse(JSON.parse(await readFile(this.layout(ref).meta, 'utf8')));
  }

  private async odooRunning(ref: EnvironmentRef): Promise<boolean> {
    return (await inspectContainer(this.docker, envObjectNames(ref.environment_id).odoo))?.State.Running ?? false;
  }

  private async odooUrl(ref: EnvironmentRef): Promise<string | null> {
    const names = envObjectNames(ref.environment_id);
    const ip = containerIp(await inspectContainer(this.docker, names.odoo), names.network);
    return ip ? `http://${ip}:${this.odoo.port}` : null;
  }

  private async logTail(container: string): Promise<string> {
    try {
      const logs = await this.docker.getContainer(container).logs({ stdout: true, stderr: true, tail: 5 });
      return demuxLogs(logs).trim().split('\n').join(' | ');
    } catch {
      return '(no logs)';
    }
  }

  /** Run `argv` in a throwaway container of `image` (no network), returning its stdout. */
  private async runOnce(image: string, argv: string[], signal: AbortSignal): Promise<string> {
    await ensureImage(this.docker, image);
    const container = await this.docker.createContainer({
      Image: image,
      Entrypoint: [argv[0] ?? ''],
      Cmd: argv.slice(1),
      Labels: { [LABEL.server]: this.opts.server, [LABEL.role]: 'one-off' },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
      const done = container.wait();
      const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      const result = (await Promise.race([done, aborted])) as { StatusCode: number };
      const text = demuxLogs(await container.logs({ stdout: true, stderr: false, follow: false }));
      if (result.StatusCode !== 0) throw new AppError(ErrorCode.TASK_FAILED, `${argv.join(' ')} exited with code ${result.StatusCode}`);
      return text;
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }
}

const imagesSchema = z.object({ postgres: z.string().min(1), odoo: z.string().min(1) });

async function readImages(path: string): Promise<DockerImages | null> {
  try {
    return imagesSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

/**
 * Hand every directory under `roots` to the Odoo container's user, so it can add attachments and
 * sessions (and garbage-collect files) in what the agent, as root, created or cloned. Files keep
 * their owner: Odoo only reads them, and hard-linked donor files are shared with other
 * environments. Only directories are walked (a filestore has a few hundred), never file contents.
 */
async function giveDirectories(roots: string[], owner: { uid: number; gid: number }): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    await lchown(dir, owner.uid, owner.gid);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  for (const root of roots) if (existsSync(root)) await walk(root);
}

/** `Odoo Server 17.0` → `17.0`. */
function parseOdooVersion(stdout: string): string {
  const match = /^Odoo Server (\S+)/m.exec(stdout);
  if (!match?.[1]) throw new AppError(ErrorCode.TASK_FAILED, `unexpected version output: ${stdout.trim().slice(0, 200)}`);
  return match[1];
}

/** The payload of multiplexed log frames (8-byte header: stream, 0, 0, 0, size). */
function demuxLogs(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.toString('utf8', i + 8, i + 8 + size);
    i += 8 + size;
  }
  return out;
}
