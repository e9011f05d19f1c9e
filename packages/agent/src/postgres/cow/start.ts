// Start a snapshot (snapshot.ts) as a cluster of its own: its own port and socket, no archiving,
// no replication slot or subscription worker carried over from the source, and WAL segments
// removed rather than recycled while the clone is sanitized (scrub.ts). The backup_label makes the
// server recover from the backup's checkpoint and refuse to open before the backup's end record:
// when `pg_ctl -w` returns, the copy is consistent and out of recovery.
import { appendFile, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { clusterUrl, startCluster, type ClusterInfo } from '../cluster.js';

/**
 * Settings the copy starts with (appended to its postgresql.auto.conf, so they win over the
 * source's). `wal_recycle = off`: a recycled segment keeps its old bytes under a new name until
 * overwritten, so segments written before the scrub must be unlinked. No logical replication
 * worker: a subscription copied from the source would otherwise connect to its publisher and
 * consume the source's slot; the clone drops or disables subscriptions before turning them back on.
 */
export const SNAPSHOT_SETTINGS: Readonly<Record<string, string>> = {
  archive_mode: "'off'",
  wal_recycle: "'off'",
  max_logical_replication_workers: '0',
  primary_conninfo: "''",
  primary_slot_name: "''",
};

/**
 * PostgreSQL 14+: recovery starts by syncing the data directory; file by file it grew with the
 * size of the copy (0.5 s at 0.5 GB, 1.3–1.9 s at 1.5 GB), one syncfs(2) of the filesystem stayed
 * at 0.5 s (decision 0020). It also writes out other dirty data of that filesystem, which the
 * kernel would write within seconds anyway.
 */
export const SNAPSHOT_SETTINGS_14: Readonly<Record<string, string>> = {
  recovery_init_sync_method: "'syncfs'",
};

export interface StartSnapshotOptions {
  /** The directory the snapshot was taken into (its data directory is `<dir>/data`). */
  dir: string;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  binDir?: string;
  /** Where its unix socket goes (default `<dir>/socket`); null: none, TCP only. */
  socketDir?: string | null;
  /** More settings, as postgresql.conf literals (`"'on'"`, `'10'`); names are checked. */
  settings?: Record<string, string>;
  signal: AbortSignal;
}

export interface StartedSnapshot {
  cluster: ClusterInfo;
  /** From `pg_ctl start` to accepting connections (recovery included). */
  startMs: number;
}

/** `name = value` lines; a setting name is an identifier, a value one line without a comment. */
export function settingsLines(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!/^[a-z_][a-z0-9_.]*$/.test(name)) throw new Error(`invalid setting name: ${JSON.stringify(name)}`);
      if (/[\n\r#]/.test(value) || !/^('([^'\\]|'')*'|[A-Za-z0-9_.+-]+)$/.test(value)) {
        throw new Error(`invalid value for ${name}: ${JSON.stringify(value)}`);
      }
      return `${name} = ${value}\n`;
    })
    .join('');
}

/**
 * What a snapshot's data directory needs before any server starts on it, whoever starts it (this
 * process's binaries, or a container of the Docker runtime): no replication slot of the source's,
 * and the start settings in its postgresql.auto.conf, where `ALTER SYSTEM RESET` takes them back
 * once the clone is sanitized (settings given on a command line would outlive that reset).
 */
export async function prepareSnapshotStart(dataDir: string, settings?: Record<string, string>): Promise<void> {
  // The snapshot leaves pg_replslot empty already; a re-run after a failed start makes sure again.
  for (const name of await readdir(join(dataDir, 'pg_replslot')).catch(() => [])) {
    await rm(join(dataDir, 'pg_replslot', name), { recursive: true, force: true });
  }
  const major = parseInt(await readFile(join(dataDir, 'PG_VERSION'), 'utf8'), 10);
  const lines = settingsLines({ ...SNAPSHOT_SETTINGS, ...(major >= 14 ? SNAPSHOT_SETTINGS_14 : {}), ...(settings ?? {}) });
  await appendFile(join(dataDir, 'postgresql.auto.conf'), `# oec: copy-on-write snapshot\n${lines}`);
}

export async function startSnapshot(opts: StartSnapshotOptions): Promise<StartedSnapshot> {
  opts.signal.throwIfAborted();
  await prepareSnapshotStart(join(opts.dir, 'data'), opts.settings);
  opts.signal.throwIfAborted();
  const t0 = performance.now();
  const cluster = await startCluster({
    dir: opts.dir,
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.binDir ? { binDir: opts.binDir } : {}),
    ...(opts.socketDir !== undefined ? { socketDir: opts.socketDir } : {}),
  });
  const startMs = performance.now() - t0;
  const client = new pg.Client({ connectionString: clusterUrl(cluster) });
  await client.connect();
  try {
    const { rows } = await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
    if (rows[0]?.recovering !== false) throw new Error('the snapshot started but is still in recovery');
  } finally {
    await client.end();
  }
  return { cluster, startMs };
}
