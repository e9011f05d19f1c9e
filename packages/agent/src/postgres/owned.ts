// The agent's own cluster under `<data dir>/postgres` (OEC_PG_MODE=owned).
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findPgBinDir, startCluster, stopCluster, type ClusterInfo } from './cluster.js';

export interface OwnedClusterOptions {
  dataDir: string;
  port?: number;
  binDir?: string;
}

export function ownedClusterDir(dataDir: string): string {
  return join(dataDir, 'postgres');
}

/**
 * Start (initialising at first use) the cluster. As root the server runs as `postgres`, which must
 * be able to traverse the data dir (mkdtemp makes it 0700), so we add the search bit for others
 * there, and nothing more: the env dirs below keep their own modes.
 */
export async function startOwnedCluster(opts: OwnedClusterOptions): Promise<ClusterInfo> {
  await mkdir(opts.dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    const { mode } = await stat(opts.dataDir);
    if ((mode & 0o001) === 0) await chmod(opts.dataDir, (mode & 0o7777) | 0o001);
  }
  return startCluster({
    dir: ownedClusterDir(opts.dataDir),
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.binDir ? { binDir: opts.binDir } : {}),
  });
}

/**
 * Stop the owned cluster of a data dir (the agent leaves it running on exit by default, so test
 * harnesses and uninstall scripts call this). No-op when it is not running.
 */
export async function stopOwnedCluster(dataDir: string, binDir?: string): Promise<void> {
  await stopCluster({ dataDir: join(ownedClusterDir(dataDir), 'data'), binDir: binDir ?? findPgBinDir() });
}
