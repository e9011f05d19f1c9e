// argv of pg_restore into a target database, run as the target's own role (SPEC §3).
import { absolutePath, CommandArgumentError, pgName, positiveInt } from './validate.js';

export interface PgRestoreOptions {
  db: string;
  /** The environment's role: every restored object is created by (and owned by) it. */
  role: string;
  /** Parallel restore workers; needs a seekable archive `file` (not stdin). */
  jobs?: number;
  /** Archive to read; absent = stdin. */
  file?: string;
  /** `--verbose`: one stderr line per archive entry, which drives progress. */
  verbose?: boolean;
}

/**
 * `--exit-on-error --no-owner --no-privileges` are not options: SPEC §3 requires them on every
 * restore (a half-restored database must fail loudly; ownership and grants come from our role).
 */
export function pgRestoreArgv(opts: PgRestoreOptions): string[] {
  const argv = [
    'pg_restore',
    '--exit-on-error',
    '--no-owner',
    '--no-privileges',
    '--no-password',
    `--role=${pgName('role', opts.role)}`,
    `--dbname=${pgName('database', opts.db)}`,
  ];
  if (opts.jobs !== undefined) {
    if (opts.file === undefined) throw new CommandArgumentError('pg_restore --jobs needs an archive file, not stdin');
    argv.push(`--jobs=${positiveInt('jobs', opts.jobs, 64)}`);
  }
  if (opts.verbose) argv.push('--verbose');
  if (opts.file !== undefined) argv.push('--', absolutePath('file', opts.file));
  return argv;
}

/**
 * argv of pg_restore turning an archive read from stdin into the SQL script it would run, on
 * stdout (the COPY path's post-data section, run in parallel sessions by clone/copy/post-data.ts).
 * The script sets the role itself (`--role`): what it creates is the role's.
 */
export function pgRestoreScriptArgv(opts: { role: string }): string[] {
  return ['pg_restore', '--no-owner', '--no-privileges', `--role=${pgName('role', opts.role)}`, '--file=-'];
}
