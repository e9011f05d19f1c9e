// Engine calls the `docker` runtime makes, each idempotent: ensure a network, volume or container
// exists (created with our labels when missing), remove one if present, find a container's address,
// read its last log lines, run a one-off container, and remove every object carrying given labels
// (tests prove with it that nothing remains).
import type Docker from 'dockerode';
import { AppError, ErrorCode } from '@oec/shared';
import { LABEL, labelFilters } from './objects.js';

/** The Engine answers 404 for a missing object, 304 for "already started/stopped". */
export function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'statusCode' in e && typeof e.statusCode === 'number' ? e.statusCode : undefined;
}

async function ignoring<T>(codes: number[], p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    const status = statusOf(e);
    if (status !== undefined && codes.includes(status)) return undefined;
    throw e;
  }
}

export async function ensureNetwork(docker: Docker, name: string, labels: Record<string, string>): Promise<void> {
  if (await ignoring([404], docker.getNetwork(name).inspect())) return;
  // 409: created concurrently by a re-run.
  await ignoring([409], docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true }));
}

export async function ensureVolume(docker: Docker, name: string, labels: Record<string, string>): Promise<void> {
  if (await ignoring([404], docker.getVolume(name).inspect())) return;
  await docker.createVolume({ Name: name, Labels: labels });
}

export async function inspectContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  return (await ignoring([404], docker.getContainer(name).inspect())) ?? null;
}

/** Create the container unless one with that name exists; start it unless running. */
export async function ensureRunning(docker: Docker, body: Docker.ContainerCreateOptions & { name: string }): Promise<Docker.ContainerInspectInfo> {
  const container = docker.getContainer(body.name);
  if (!(await inspectContainer(docker, body.name))) {
    await ensureImage(docker, body.Image ?? '');
    await ignoring([409], docker.createContainer(body));
  }
  await ignoring([304], container.start());
  return container.inspect();
}

/**
 * The image is on this engine, pulled from its registry when missing. A failed pull names the
 * image and the registry's answer: a typo in the configured reference must not read as an engine
 * fault.
 */
export async function ensureImage(docker: Docker, image: string): Promise<void> {
  if (await ignoring([404], docker.getImage(image).inspect())) return;
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  } catch (e) {
    throw new Error(`image ${image} is not on this server and could not be pulled: ${(e as Error).message}`);
  }
}

/** Start an existing container; already running is fine. */
export async function startContainer(docker: Docker, name: string): Promise<void> {
  await ignoring([304], docker.getContainer(name).start());
}

/** Stop an existing container (with `graceSeconds`), keeping it; already stopped is fine. */
export async function stopContainer(docker: Docker, name: string, graceSeconds = 10): Promise<void> {
  await ignoring([304], docker.getContainer(name).stop({ t: graceSeconds }));
}

/** Stop (with `graceSeconds`) and remove a container with its anonymous volumes; gone is fine. */
export async function removeContainer(docker: Docker, name: string, graceSeconds = 10): Promise<void> {
  const container = docker.getContainer(name);
  await ignoring([304, 404], container.stop({ t: graceSeconds }));
  await ignoring([404, 409], container.remove({ force: true, v: true }));
}

export async function removeVolume(docker: Docker, name: string): Promise<void> {
  await ignoring([404], docker.getVolume(name).remove());
}

export async function removeNetwork(docker: Docker, name: string): Promise<void> {
  await ignoring([404], docker.getNetwork(name).remove());
}

/** The container's address on `network`, or null when it is not running there. */
export function containerIp(info: Docker.ContainerInspectInfo | null, network: string): string | null {
  if (!info?.State.Running) return null;
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  return ip ? ip : null;
}

export interface CleanupCounts {
  containers: number;
  volumes: number;
  networks: number;
}

/** Remove every container, volume and network carrying all of `labels` (containers first). */
export async function cleanupAll(docker: Docker, labels: Record<string, string>): Promise<CleanupCounts> {
  if (Object.keys(labels).length === 0) throw new Error('cleanupAll needs at least one label');
  const filters = labelFilters(labels);
  const containers = await docker.listContainers({ all: true, filters });
  for (const c of containers) await ignoring([404, 409], docker.getContainer(c.Id).remove({ force: true, v: true }));
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? []) await ignoring([404], docker.getVolume(v.Name).remove());
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await ignoring([404], docker.getNetwork(n.Id).remove());
  return { containers: containers.length, volumes: (Volumes ?? []).length, networks: networks.length };
}

/** What carries all of `labels`, for asserting that nothing is left. */
export async function listLabelled(docker: Docker, labels: Record<string, string>): Promise<string[]> {
  const filters = labelFilters(labels);
  const [containers, volumes, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listVolumes({ filters }),
    docker.listNetworks({ filters }),
  ]);
  return [
    ...containers.map((c) => `container ${c.Names[0] ?? c.Id}`),
    ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`),
    ...networks.map((n) => `network ${n.Name}`),
  ];
}

/** The last log lines of a container, one line, `|`-separated (for a failure's message). */
export async function logTail(docker: Docker, container: string): Promise<string> {
  try {
    const logs = await docker.getContainer(container).logs({ stdout: true, stderr: true, tail: 5 });
    return demuxLogs(logs).trim().split('\n').join(' | ');
  } catch {
    return '(no logs)';
  }
}

/** Run `argv` in a throwaway container of `image` (no network), labelled for `server`, returning its stdout. */
export async function runOnce(docker: Docker, server: string, image: string, argv: string[], signal: AbortSignal): Promise<string> {
  await ensureImage(docker, image);
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: [argv[0] ?? ''],
    Cmd: argv.slice(1),
    Labels: { [LABEL.server]: server, [LABEL.role]: 'one-off' },
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
