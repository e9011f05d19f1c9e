// A copy-on-write snapshot of a RUNNING cluster's data directory, taken with the backup API.
//
// A naive `cp -a --reflink` of a live data directory is not a backup: files are cloned one after
// the other while the server writes, and nothing tells the copy's recovery where to start or that
// torn pages must be replaced. So, in one session kept open:
//   1. a temporary physical replication slot holds the WAL from here on (a checkpoint during the
//      copy would otherwise remove the segments recovery needs; it dies with the session);
//   2. `pg_backup_start(label, fast := true)`: a checkpoint, full-page writes forced;
//   3. the data directory is cloned (reflink) without what the docs say to leave out (layout.ts);
//   4. `pg_backup_stop(false)`: its `backup_label` is written into the copy, so that recovery starts
//      at the backup's checkpoint and refuses to open before the backup's end record;
//   5. the WAL segments from the start to the stop segment are cloned, after the stop (the stop
//      switched segments, so the last one is complete).
// The copy shares blocks with the source until either side writes them; it owns every file.
import { chmod, chown, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { collect, spawnProcess } from '../../exec/run.js';
import { backupLabelStartFile, isDisposable, planDataDirCopy, walFileEndingAt, walSegmentsBetween } from './layout.js';
import { reflinkCopyArgv } from './reflink.js';

export interface SnapshotOptions {
  /** A superuser (or REPLICATION + backup rights) connection to the running source cluster. */
  source: pg.ClientConfig;
  /** The source's data directory as this process sees it (a bind mount's host path for Docker). */
  sourceDataDir: string;
  /** The new cluster's directory (cluster.ts layout): the copy becomes `<targetDir>/data`, which must not exist. */
  targetDir: string;
  /** The backup's label (shows in the copy's backup_label and the source's log). */
  label: string;
  signal: AbortSignal;
  /** Environment of the `cp` processes (the agent's childEnv); default this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface SnapshotTimings {
  /** pg_backup_start (its checkpoint) */
  startMs: number;
  /** the data directory's clone */
  copyMs: number;
  /** pg_backup_stop, backup_label */
  stopMs: number;
  /** the WAL segments' clone */
  walMs: number;
  totalMs: number;
}

export interface SnapshotResult {
  dataDir: string;
  startLsn: string;
  stopLsn: string;
  /** The WAL segments cloned into the copy's pg_wal. */
  walSegments: string[];
  timings: SnapshotTimings;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

interface SourceFacts {
  log_directory: string;
  wal_segment_size: string;
  tablespaces: string;
  system_identifier: string;
}

export async function snapshotCluster(opts: SnapshotOptions): Promise<SnapshotResult> {
  opts.signal.throwIfAborted();
  const t0 = performance.now();
  const dataDir = join(opts.targetDir, 'data');
  const client = new pg.Client({ ...opts.source, application_name: 'oec-snapshot' });
  await client.connect();
  let created = false;
  // An abort ends the session, which aborts the backup and drops the temporary slot.
  const onAbort = (): void => void client.end().catch(() => undefined);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  if (opts.signal.aborted) onAbort();
  try {
    const facts = await sourceFacts(client);
    if (Number(facts.tablespaces) > 0) throw new SnapshotError('the source cluster has tablespaces, which a snapshot does not clone');
    await assertSameCluster(opts.sourceDataDir, facts.system_identifier);
    const segmentBytes = Number(facts.wal_segment_size);
    const owner = await stat(opts.sourceDataDir);
    // Blocks are shared within one filesystem only: refuse before the backup starts.
    if ((await stat(await existingAncestor(opts.targetDir))).dev !== owner.dev) {
      throw new SnapshotError(`${opts.targetDir} is not on the filesystem of ${opts.sourceDataDir}: reflink copies stay within one filesystem`);
    }

    const slot = `oec_snapshot_${randomBytes(6).toString('hex')}`;
    await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [slot]);
    await client.query('SELECT pg_backup_start($1, true)', [opts.label]);
    const t1 = performance.now();

    await mkdir(opts.targetDir, { recursive: true });
    await mkdir(dataDir, { mode: 0o700 });
    created = true;
    await chown(dataDir, owner.uid, owner.gid);
    const plan = planDataDirCopy(await readdir(opts.sourceDataDir), facts.log_directory);
    await reflinkCopy(plan.clone.map((n) => join(opts.sourceDataDir, n)), dataDir, opts);
    for (const name of plan.empty) await emptyDir(join(dataDir, name), owner);
    await removeDisposable(dataDir);
    const t2 = performance.now();

    const stop = await client.query<{ lsn: string; labelfile: string; spcmapfile: string }>(
      'SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    const row = stop.rows[0];
    if (!row) throw new SnapshotError('pg_backup_stop returned nothing');
    await writeOwned(join(dataDir, 'backup_label'), row.labelfile, owner);
    if (row.spcmapfile) await writeOwned(join(dataDir, 'tablespace_map'), row.spcmapfile, owner);
    const t3 = performance.now();

    const startFile = backupLabelStartFile(row.labelfile);
    const timeline = parseInt(startFile.slice(0, 8), 16);
    const segments = walSegmentsBetween(startFile, walFileEndingAt(row.lsn, timeline, segmentBytes), segmentBytes);
    const walDir = join(opts.sourceDataDir, 'pg_wal');
    const present = new Set(await readdir(walDir));
    const missing = segments.filter((s) => !present.has(s));
    if (missing.length > 0) throw new SnapshotError(`WAL segments gone from the source before they were cloned: ${missing.join(', ')}`);
    const history = [...present].filter((n) => /^[0-9A-F]{8}\.history$/.test(n));
    await reflinkCopy([...segments, ...history].map((n) => join(walDir, n)), join(dataDir, 'pg_wal'), opts);
    await emptyDir(join(dataDir, 'pg_wal', 'archive_status'), owner);
    const t4 = performance.now();

    return {
      dataDir,
      startLsn: startLsnOf(row.labelfile),
      stopLsn: row.lsn,
      walSegments: segments,
      timings: { startMs: t1 - t0, copyMs: t2 - t1, stopMs: t3 - t2, walMs: t4 - t3, totalMs: t4 - t0 },
    };
  } catch (err) {
    if (created) await rm(dataDir, { recursive: true, force: true });
    opts.signal.throwIfAborted();
    throw err;
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}

async function existingAncestor(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    try {
      await stat(p);
      return p;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
    }
  }
}

async function sourceFacts(client: pg.Client): Promise<SourceFacts> {
  const { rows } = await client.query<SourceFacts>(
    `SELECT current_setting('log_directory') AS log_directory,
            (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size') AS wal_segment_size,
            (SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global'))::text AS tablespaces,
            (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier`,
  );
  const row = rows[0];
  if (!row) throw new SnapshotError('the source cluster answered no settings');
  return row;
}

/**
 * The directory we were told about is the cluster we are connected to: pg_control starts with the
 * system identifier (uint64, host byte order), which initdb makes unique per cluster.
 */
async function assertSameCluster(sourceDataDir: string, systemIdentifier: string): Promise<void> {
  const control = await readFile(join(sourceDataDir, 'global', 'pg_control'));
  const onDisk = (endianness() === 'LE' ? control.readBigUInt64LE(0) : control.readBigUInt64BE(0)).toString();
  if (onDisk !== systemIdentifier) {
    throw new SnapshotError(`${sourceDataDir} holds cluster ${onDisk}, not the connected cluster ${systemIdentifier}`);
  }
}

async function reflinkCopy(sources: string[], destDir: string, opts: Pick<SnapshotOptions, 'signal' | 'env'>): Promise<void> {
  if (sources.length === 0) return;
  const run = { signal: opts.signal, stdout: 'ignore' as const, ...(opts.env ? { env: opts.env } : {}) };
  await collect(spawnProcess('cp', 'cp', reflinkCopyArgv(sources, destDir), run));
}

async function emptyDir(path: string, owner: { uid: number; gid: number }): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  await chown(path, owner.uid, owner.gid);
}

async function writeOwned(path: string, text: string, owner: { uid: number; gid: number }): Promise<void> {
  await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  await chown(path, owner.uid, owner.gid);
}

/** Temp files and relcache init files: the server rebuilds them; the docs say to leave them out. */
async function removeDisposable(dataDir: string): Promise<void> {
  const dirs = [join(dataDir, 'global'), join(dataDir, 'base')];
  for (const db of await readdir(join(dataDir, 'base'), { withFileTypes: true }).catch(() => [])) {
    if (db.isDirectory()) dirs.push(join(dataDir, 'base', db.name));
  }
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [])) {
      if (isDisposable(name)) await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

function startLsnOf(label: string): string {
  return /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) /m.exec(label)?.[1] ?? '';
}
