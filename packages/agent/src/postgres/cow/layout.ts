// What of a running cluster's data directory a snapshot clones, what it recreates empty and what
// it leaves out (PostgreSQL 15 docs, "Making a Base Backup Using the Low Level API"), and which
// WAL segments it needs. Pure functions: the copy itself is in snapshot.ts.

/** Directories whose contents are recreated at startup or belong to the running server only. */
export const EMPTY_DIRS = [
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
  'pg_tblspc',
] as const;

/**
 * Top-level files never cloned: the running server's lock and options, backup and recovery
 * leftovers (the copy gets its own backup_label; a signal file would make it a standby).
 */
export const SKIPPED_FILES = [
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'tablespace_map.old',
  'recovery.signal',
  'standby.signal',
  'current_logfiles',
] as const;

export interface DataDirPlan {
  /** Top-level entries to clone as they are. */
  clone: string[];
  /** Directories to create empty (mode 0700). */
  empty: string[];
}

/**
 * Split a data directory's top-level names. `logDir` is the server's `log_directory` when it lies
 * inside the data directory: the source's logs may quote statements with personal values, so the
 * copy starts without them (an empty directory of the same name).
 */
export function planDataDirCopy(names: readonly string[], logDir: string | null): DataDirPlan {
  const empty = new Set<string>(EMPTY_DIRS);
  const skipped = new Set<string>(SKIPPED_FILES);
  const log = logDir && !logDir.startsWith('/') ? logDir.replace(/^\.\//, '').split('/')[0] : undefined;
  if (log) empty.add(log);
  const clone = names.filter((n) => !empty.has(n) && !skipped.has(n) && !n.startsWith('pgsql_tmp')).sort();
  return { clone, empty: [...empty].sort() };
}

/** Names inside the clone to delete after the copy: temp files and relcache init files. */
export function isDisposable(name: string): boolean {
  return name.startsWith('pgsql_tmp') || name === 'pg_internal.init';
}

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;

export interface WalSegment {
  timeline: number;
  segno: bigint;
}

export function parseWalFileName(name: string, segmentBytes: number): WalSegment | null {
  const m = SEGMENT.exec(name);
  if (!m) return null;
  const perId = 0x1_0000_0000n / BigInt(segmentBytes);
  return { timeline: parseInt(m[1]!, 16), segno: BigInt(`0x${m[2]}`) * perId + BigInt(`0x${m[3]}`) };
}

export function walFileName(seg: WalSegment, segmentBytes: number): string {
  const perId = 0x1_0000_0000n / BigInt(segmentBytes);
  const hex = (n: bigint | number): string => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(seg.timeline)}${hex(seg.segno / perId)}${hex(seg.segno % perId)}`;
}

/**
 * Every segment from the backup's start file to its stop file, both included, on the start's
 * timeline: what recovery replays from the backup's checkpoint to its end record.
 */
export function walSegmentsBetween(startFile: string, stopFile: string, segmentBytes: number): string[] {
  const start = parseWalFileName(startFile, segmentBytes);
  const stop = parseWalFileName(stopFile, segmentBytes);
  if (!start || !stop) throw new Error(`not WAL segment names: ${startFile}, ${stopFile}`);
  if (stop.timeline !== start.timeline) throw new Error(`the backup crossed a timeline switch (${startFile} → ${stopFile})`);
  if (stop.segno < start.segno) throw new Error(`the backup's stop segment ${stopFile} precedes its start ${startFile}`);
  const out: string[] = [];
  for (let s = start.segno; s <= stop.segno; s++) out.push(walFileName({ timeline: start.timeline, segno: s }, segmentBytes));
  return out;
}

/** `START WAL LOCATION: 0/2000028 (file 000000010000000000000002)` → the file name. */
export function backupLabelStartFile(label: string): string {
  const m = /^START WAL LOCATION: [0-9A-F]+\/[0-9A-F]+ \(file ([0-9A-F]{24})\)$/m.exec(label);
  if (!m?.[1]) throw new Error('backup_label without a START WAL LOCATION line');
  return m[1];
}

/** `16/B374D848` → its byte position. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new Error(`not an LSN: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/**
 * The segment holding the WAL that ends at `lsn` (PostgreSQL's XLByteToPrevSeg): an end exactly on
 * a segment boundary belongs to the segment before it.
 */
export function walFileEndingAt(lsn: string, timeline: number, segmentBytes: number): string {
  const pos = parseLsn(lsn);
  if (pos === 0n) throw new Error('LSN 0/0 ends no segment');
  return walFileName({ timeline, segno: (pos - 1n) / BigInt(segmentBytes) }, segmentBytes);
}
