// The side clusters of copy-on-write replaces (cluster-swap.ts) that this agent process holds
// open, by directory: a running one is adopted as it is, none is ever started here (a retained
// cluster must stay stopped: it still has its environment's port), and stopping or removing one
// closes its pool first. local-clusters.ts decides which directory a database name stands for.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { isRunning, stopCluster } from '../postgres/cluster.js';
import type { PgTarget } from '../postgres/target.js';

/** A cluster the runtime administers as superuser (local-clusters.ts LocalCluster). */
export interface SideCluster {
  target: PgTarget;
  pool: pg.Pool;
}

export class SideClusters {
  private readonly open = new Map<string, SideCluster>();

  /** `connect`: a superuser pool on 127.0.0.1 at a port. */
  constructor(
    private readonly binDir: string,
    private readonly connect: (port: number) => SideCluster,
  ) {}

  /** One this process just started (a snapshot). */
  add(dir: string, cluster: SideCluster): void {
    this.open.set(dir, cluster);
  }

  /** The side cluster in `dir` if its server runs; null when it is stopped (or not a cluster). */
  async running(dir: string): Promise<SideCluster | null> {
    const known = this.open.get(dir);
    if (known) return known;
    const port = readPort(dir);
    if (port === null || !(await isRunning({ dataDir: join(dir, 'data'), binDir: this.binDir }))) return null;
    const cluster = this.connect(port);
    this.open.set(dir, cluster);
    return cluster;
  }

  /** Stopped if it runs, its pool closed. */
  async stop(dir: string): Promise<void> {
    const open = this.open.get(dir);
    this.open.delete(dir);
    await open?.pool.end().catch(() => undefined);
    const dataDir = join(dir, 'data');
    if (existsSync(join(dataDir, 'PG_VERSION'))) await stopCluster({ dataDir, binDir: this.binDir });
  }

  /** Stopped, then its directory removed (also a partial one a cut snapshot left). */
  async remove(dir: string): Promise<void> {
    await this.stop(dir);
    await rm(dir, { recursive: true, force: true });
  }

  /** Release pools; never stops a cluster. */
  async close(): Promise<void> {
    const open = [...this.open.values()];
    this.open.clear();
    await Promise.all(open.map((c) => c.pool.end().catch(() => undefined)));
  }
}

/** `<dir>/port` (postgres/cluster.ts), null when absent or unreadable. */
export function readPort(clusterDir: string): number | null {
  try {
    const port = Number(readFileSync(join(clusterDir, 'port'), 'utf8').trim());
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}
