// The Odoo containers of the `docker` runtime: the environment's app and its trial twin, their
// create bodies (images, secrets, bind-mounted files), the health poll, the version command, and
// the directories handed to the container's user.
import { existsSync } from 'node:fs';
import { lchown, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { AppError, ErrorCode, environmentSpecSchema, type EnvironmentRef, type EnvironmentSpec } from '@oec/shared';
import { dockerExec } from '../../docker/exec.js';
import { collect } from '../../exec/run.js';
import { probeHealth } from '../app-process.js';
import { envLayout, type EnvLayout } from '../layout.js';
import { containerIp, inspectContainer, logTail, runOnce } from './engine.js';
import type { EnvImages } from './images.js';
import { envObjectNames, hostDataDirs, odooCreateBody, OFFICIAL_ODOO, type OdooImageContract } from './objects.js';
import { readSecrets } from './secrets.js';

export interface OdooContainersOptions {
  docker: Docker;
  dataDir: string;
  server: string;
  images: EnvImages;
  /** Mount paths, port, health URL and version command of the Odoo image (default: the official image's). */
  contract?: OdooImageContract;
  /** Owner of the filestore and sessions directories, as the Odoo container's user (default 101:101). */
  user?: { uid: number; gid: number };
  /** How long a new container has to answer its health URL (default 60 s). */
  healthTimeoutMs?: number;
}

/**
 * Odoo's data dir on the host, where the environment was made with OEC_DOCKER_DATA_ON_ROOT (its
 * directory exists); null: it has its volume. Turning the setting on or off later moves nothing.
 */
export function dataHostDir(layout: Pick<EnvLayout, 'root' | 'cluster'>): string | null {
  const dir = hostDataDirs(layout).odooData;
  return existsSync(dir) ? dir : null;
}

export class OdooContainers {
  readonly contract: OdooImageContract;
  readonly user: { uid: number; gid: number };

  constructor(private readonly opts: OdooContainersOptions) {
    this.contract = opts.contract ?? OFFICIAL_ODOO;
    this.user = opts.user ?? { uid: 101, gid: 101 };
  }

  /** The environment's Odoo container (or its trial twin) serving `serve.dbName` with `serve.addons`. */
  async body(ref: EnvironmentRef, serve: { dbName: string; addons: string; trial?: { role: string; dbHost?: string } }): Promise<Docker.ContainerCreateOptions & { name: string }> {
    const layout = envLayout(this.opts.dataDir, ref);
    const meta = await this.meta(ref);
    const odooData = dataHostDir(layout);
    return odooCreateBody({
      server: this.opts.server,
      environmentId: ref.environment_id,
      dbName: serve.dbName,
      domain: meta.domain,
      image: (await this.opts.images.of(ref, meta)).odoo,
      password: readSecrets(layout.secrets).password,
      filestoreRoot: layout.filestoreRoot,
      sessions: layout.sessions,
      addons: serve.addons,
      contract: this.contract,
      ...(serve.trial ? { trial: serve.trial } : {}),
      ...(odooData ? { dataHostDir: odooData } : {}),
    }) as Docker.ContainerCreateOptions & { name: string };
  }

  /** Poll the container's health URL until it answers 200, the container dies, or the timeout. */
  async waitHealthy(container: string, network: string, signal: AbortSignal): Promise<{ healthy: boolean; detail: string }> {
    const timeoutMs = this.opts.healthTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await inspectContainer(this.opts.docker, container);
      const ip = containerIp(info, network);
      const url = `http://${ip}:${this.contract.port}`;
      if (ip && (await this.healthy(url))) return { healthy: true, detail: url };
      const died = info !== null && !info.State.Running && !info.State.Restarting;
      if (died || signal.aborted || Date.now() > deadline) {
        const why = died ? `exited with code ${info.State.ExitCode}` : `did not become healthy within ${timeoutMs} ms`;
        return { healthy: false, detail: `${why}: ${await logTail(this.opts.docker, container)}` };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  healthy(baseUrl: string): Promise<boolean> {
    return probeHealth(baseUrl, 5000, this.contract.healthPath);
  }

  async running(ref: EnvironmentRef): Promise<boolean> {
    return (await inspectContainer(this.opts.docker, envObjectNames(ref.environment_id).odoo))?.State.Running ?? false;
  }

  /** The environment's app URL on its network, null when its container has no address. */
  async url(ref: EnvironmentRef): Promise<string | null> {
    const names = envObjectNames(ref.environment_id);
    const ip = containerIp(await inspectContainer(this.opts.docker, names.odoo), names.network);
    return ip ? `http://${ip}:${this.contract.port}` : null;
  }

  /** The version command in the running container `container`. */
  async versionIn(container: string, signal: AbortSignal): Promise<string> {
    const { stdout } = await collect(dockerExec(this.opts.docker.getContainer(container), this.contract.versionCommand, { signal }));
    return parseOdooVersion(stdout);
  }

  /** The version command in a one-off container of the environment's Odoo image. */
  async versionOfImage(ref: EnvironmentRef, signal: AbortSignal): Promise<string> {
    const image = (await this.opts.images.of(ref, await this.meta(ref))).odoo;
    return parseOdooVersion(await runOnce(this.opts.docker, this.opts.server, image, this.contract.versionCommand, signal));
  }

  /**
   * Hand every directory under `roots` to the Odoo container's user, so it can add attachments and
   * sessions (and garbage-collect files) in what the agent, as root, created or cloned. Files keep
   * their owner: Odoo only reads them, and hard-linked donor files are shared with other
   * environments. Only directories are walked (a filestore has a few hundred), never file contents.
   */
  async giveDirectories(roots: string[]): Promise<void> {
    const owner = this.user;
    const walk = async (dir: string): Promise<void> => {
      await lchown(dir, owner.uid, owner.gid);
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name));
    };
    for (const root of roots) if (existsSync(root)) await walk(root);
  }

  private async meta(ref: EnvironmentRef): Promise<EnvironmentSpec> {
    return environmentSpecSchema.parse(JSON.parse(await readFile(envLayout(this.opts.dataDir, ref).meta, 'utf8')));
  }
}

/** `Odoo Server 17.0` → `17.0`. */
function parseOdooVersion(stdout: string): string {
  const match = /^Odoo Server (\S+)/m.exec(stdout);
  if (!match?.[1]) throw new AppError(ErrorCode.TASK_FAILED, `unexpected version output: ${stdout.trim().slice(0, 200)}`);
  return match[1];
}
