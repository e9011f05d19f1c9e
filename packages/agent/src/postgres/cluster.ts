// A private PostgreSQL cluster driven with the system's binaries (initdb, pg_ctl).
//
// Used by the agent when it is configured to own its cluster, by the test harness (one cluster per
// suite) and by the demo. initdb and postgres refuse to run as root, so when we are root every
// server-side binary is spawned with the uid/gid of the `postgres` system user on directories it
// owns. Client tools (psql, pg_dump, pg_restore) run as the caller. The cluster listens on
// 127.0.0.1 and on a unix socket in its own directory, never on a fixed port.
import { execFileSync, spawn } from 'node:child_process';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ClusterOptions {
  /** Directory holding `data/` and `socket/`; created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one at first start and remembers it. */
  port?: number;
  /** Superuser role name (default `postgres`). */
  superuser?: string;
  /** Directory with initdb/pg_ctl/postgres; default: the newest under /usr/lib/postgresql. */
  binDir?: string;
  /** Extra `postgresql.conf` lines written at init. */
  settings?: Record<string, string | number>;
  /** Where the unix socket goes (default `<dir>/socket`); null: none, TCP only. */
  socketDir?: string | null;
}

export interface ClusterInfo {
  dir: string;
  dataDir: string;
  /** '' when the cluster has no unix socket. */
  socketDir: string;
  port: number;
  superuser: string;
  binDir: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const DEFAULT_SETTINGS: Record<string, string | number> = {
  listen_addresses: "'127.0.0.1'",
  max_connections: 100,
  shared_buffers: "'128MB'",
  fsync: 'on',
  log_min_messages: 'warning',
  logging_collector: 'off',
};

/** The directory of the newest installed PostgreSQL major's binaries. */
export function findPgBinDir(): string {
  const root = '/usr/lib/postgresql';
  let majors: number[] = [];
  try {
    majors = execFileSync('ls', [root], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    majors = [];
  }
  const best = majors.sort((a, b) => b - a)[0];
  if (best === undefined || !existsSync(join(root, String(best), 'bin', 'initdb'))) {
    throw new Error(`No PostgreSQL server binaries under ${root} (install postgresql-15)`);
  }
  return join(root, String(best), 'bin');
}

/** uid/gid to spawn server binaries with: the `postgres` user when we are root, else ourselves. */
export function serverRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim();
  const [, , uid, gid] = line.split(':');
  if (!uid || !gid) throw new Error('running as root but no `postgres` system user exists');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function run(cmd: string, args: string[], runAs: RunAs | undefined, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C.UTF-8', ...env },
      ...(runAs ?? {}),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.trim()}`)),
    );
  });
}

async function chownTree(path: string, runAs: RunAs | undefined): Promise<void> {
  if (runAs) await chown(path, runAs.uid, runAs.gid);
}

/**
 * Initialise (if needed) and start a cluster. Idempotent: an already running cluster is reused.
 * The chosen port is persisted in `<dir>/port` so restarts keep their address.
 */
export async function startCluster(opts: ClusterOptions): Promise<ClusterInfo> {
  const binDir = opts.binDir ?? findPgBinDir();
  const superuser = opts.superuser ?? 'postgres';
  const runAs = serverRunAs();
  const dataDir = join(opts.dir, 'data');
  const socketDir = opts.socketDir === null ? '' : (opts.socketDir ?? join(opts.dir, 'socket'));
  await mkdir(opts.dir, { recursive: true });
  await chownTree(opts.dir, runAs);
  if (socketDir) {
    await mkdir(socketDir, { recursive: true });
    await chownTree(socketDir, runAs);
  }

  const portFile = join(opts.dir, 'port');
  let port = opts.port ?? 0;
  if (!port && existsSync(portFile)) port = Number((await readFile(portFile, 'utf8')).trim());
  if (!port) port = await freePort();
  await writeFile(portFile, String(port));

  if (runAs) await assertTraversable(opts.dir, runAs);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chownTree(dataDir, runAs);
    await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', superuser, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-instructions'],
      runAs,
    );
    const settings = { ...DEFAULT_SETTINGS, ...(opts.settings ?? {}) };
    const conf = Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n');
    const confPath = join(dataDir, 'postgresql.auto.conf');
    await writeFile(confPath, `${conf}\n`);
    await chownTree(confPath, runAs);
  }

  const info: ClusterInfo = { dir: opts.dir, dataDir, socketDir, port, superuser, binDir };
  if (await isRunning(info)) return info;
  const logFile = join(opts.dir, 'postgres.log');
  if (!existsSync(logFile)) {
    await writeFile(logFile, '');
    await chownTree(logFile, runAs);
  }
  await run(
    join(binDir, 'pg_ctl'),
    // pg_ctl hands -o to a shell: '' is an empty socket directory list.
    ['-D', dataDir, '-l', logFile, '-w', '-t', '120', '-o', `-p ${port} -k ${socketDir || "''"}`, 'start'],
    runAs,
  );
  return info;
}

/** initdb/postgres run as `postgres`: every ancestor of the cluster dir must let it through. */
async function assertTraversable(dir: string, runAs: RunAs): Promise<void> {
  try {
    await run('test', ['-x', dir], runAs);
  } catch {
    throw new Error(
      `the postgres user cannot reach ${dir}: give every parent directory o+x (e.g. chmod 755 on a mkdtemp folder)`,
    );
  }
}

/** True when the postmaster of this cluster is alive. */
export async function isRunning(info: Pick<ClusterInfo, 'dataDir' | 'binDir'>): Promise<boolean> {
  if (!existsSync(join(info.dataDir, 'postmaster.pid'))) return false;
  try {
    await run(join(info.binDir, 'pg_ctl'), ['-D', info.dataDir, 'status'], serverRunAs());
    return true;
  } catch {
    return false;
  }
}

/** Stop the cluster (fast mode: disconnects clients, no data loss). No-op when not running. */
export async function stopCluster(info: Pick<ClusterInfo, 'dataDir' | 'binDir'>): Promise<void> {
  if (!(await isRunning(info))) return;
  await run(join(info.binDir, 'pg_ctl'), ['-D', info.dataDir, '-m', 'fast', '-w', '-t', '120', 'stop'], serverRunAs());
}

/** A libpq connection URL for a database of the cluster, over TCP on 127.0.0.1. */
export function clusterUrl(info: Pick<ClusterInfo, 'port' | 'superuser'>, database = 'postgres'): string {
  return `postgresql://${encodeURIComponent(info.superuser)}@127.0.0.1:${info.port}/${encodeURIComponent(database)}`;
}
