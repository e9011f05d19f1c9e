// argv of pg_dump for streaming a database out (SPEC §3: never queue behind an exclusive lock).
import { absolutePath, CommandArgumentError, pgName, positiveInt } from './validate.js';

export interface PgDumpOptions {
  db: string;
  /** `custom` streams to stdout (or `file`); `directory` needs `file` and allows `jobs`. */
  format: 'custom' | 'directory';
  /** Give up instead of waiting longer than this for a shared lock on a table. */
  lockWaitTimeoutMs: number;
  /** Parallel dump workers (directory format only). */
  jobs?: number;
  /** Compression level 0–9; 0 (no compression) is right for same-server streams. */
  compress?: number;
  /** Output file or directory; absent = stdout. */
  file?: string;
  /** Export snapshot to dump from (pg_export_snapshot of a transaction held open elsewhere). */
  snapshot?: string;
  /** Only this part of the dump: schema before data, table data, or indexes and constraints. */
  section?: 'pre-data' | 'data' | 'post-data';
}

const SNAPSHOT_RE = /^[0-9A-F]+-[0-9A-F]+-[0-9]+$/;

/**
 * The connection (host, port, user) comes from the environment (PGHOST, …) and the database is
 * one `--dbname=` element of a validated name, so it can never be read as a connection string.
 */
export function pgDumpArgv(opts: PgDumpOptions): string[] {
  const argv = ['pg_dump', opts.format === 'custom' ? '-Fc' : '-Fd', '--no-password'];
  argv.push(`--lock-wait-timeout=${positiveInt('lockWaitTimeoutMs', opts.lockWaitTimeoutMs)}`);
  if (opts.compress !== undefined) {
    if (!Number.isInteger(opts.compress) || opts.compress < 0 || opts.compress > 9) {
      throw new CommandArgumentError(`compress must be 0-9, got ${opts.compress}`);
    }
    argv.push(`--compress=${opts.compress}`);
  }
  if (opts.jobs !== undefined) {
    if (opts.format !== 'directory') throw new CommandArgumentError('pg_dump --jobs needs the directory format');
    argv.push(`--jobs=${positiveInt('jobs', opts.jobs, 64)}`);
  }
  if (opts.snapshot !== undefined) {
    if (!SNAPSHOT_RE.test(opts.snapshot)) throw new CommandArgumentError(`invalid snapshot id ${JSON.stringify(opts.snapshot)}`);
    argv.push(`--snapshot=${opts.snapshot}`);
  }
  if (opts.section !== undefined) {
    if (!['pre-data', 'data', 'post-data'].includes(opts.section)) throw new CommandArgumentError(`invalid section ${JSON.stringify(opts.section)}`);
    argv.push(`--section=${opts.section}`);
  }
  if (opts.file !== undefined) argv.push(`--file=${absolutePath('file', opts.file)}`);
  else if (opts.format === 'directory') throw new CommandArgumentError('pg_dump directory format needs a file');
  argv.push(`--dbname=${pgName('database', opts.db)}`);
  return argv;
}
