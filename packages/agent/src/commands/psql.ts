// argv of psql for scripted SQL: no psqlrc, stop at the first error, values passed as variables.
import { absolutePath, CommandArgumentError, pgName } from './validate.js';

export interface PsqlOptions {
  db: string;
  /** One SQL command (`--command`); the SQL is code, values belong in `vars`. */
  command?: string;
  /** A script file (`--file`); absent with no command = read the script from stdin. */
  file?: string;
  /** psql variables (`--set=name=value`), used in SQL as :'name' (quoted by psql). */
  vars?: Record<string, string>;
  /** Unaligned, tuples-only output: easy to parse. */
  tuplesOnly?: boolean;
  /** Run the script in one transaction. */
  singleTransaction?: boolean;
}

const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function psqlArgv(opts: PsqlOptions): string[] {
  const argv = ['psql', '--no-psqlrc', '--no-password', '--quiet', '--set=ON_ERROR_STOP=1'];
  if (opts.tuplesOnly) argv.push('--tuples-only', '--no-align');
  if (opts.singleTransaction) argv.push('--single-transaction');
  for (const [name, value] of Object.entries(opts.vars ?? {})) {
    if (!VAR_NAME_RE.test(name)) throw new CommandArgumentError(`invalid psql variable name ${JSON.stringify(name)}`);
    if (/[\0]/.test(value)) throw new CommandArgumentError(`psql variable ${name} contains NUL`);
    argv.push(`--set=${name}=${value}`);
  }
  if (opts.command !== undefined && opts.file !== undefined) {
    throw new CommandArgumentError('psql takes a command or a file, not both');
  }
  if (opts.command !== undefined) argv.push(`--command=${opts.command}`);
  if (opts.file !== undefined) argv.push(`--file=${absolutePath('file', opts.file)}`);
  argv.push(`--dbname=${pgName('database', opts.db)}`);
  return argv;
}
