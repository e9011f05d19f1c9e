// argv of GNU tar streaming a directory tree to stdout and back. Paths come after `--` and must
// stay inside the base directory; the base directory is absolute, so neither reads as an option.
import { absolutePath, CommandArgumentError, relativePath } from './validate.js';

export interface TarCreateOptions {
  /** Directory the paths are relative to (`-C`). */
  cwd: string;
  /** Entries to archive, relative to cwd; `.` for everything. */
  paths: string[];
}

export interface TarExtractOptions {
  /** Directory to extract into (`-C`); must exist. */
  cwd: string;
  /** Keep files that already exist (content-addressed files are never rewritten). */
  skipOldFiles?: boolean;
}

export function tarCreateArgv(opts: TarCreateOptions): string[] {
  if (opts.paths.length === 0) throw new CommandArgumentError('tar needs at least one path');
  const paths = opts.paths.map((p) => relativePath('tar path', p));
  return ['tar', '--create', '--file=-', '--format=posix', `--directory=${absolutePath('cwd', opts.cwd)}`, '--', ...paths];
}

/**
 * Extraction never restores owners (we run as root; archives may come from another server) and
 * GNU tar already refuses members with `..` or a leading `/`.
 */
export function tarExtractArgv(opts: TarExtractOptions): string[] {
  const argv = ['tar', '--extract', '--file=-', '--no-same-owner', `--directory=${absolutePath('cwd', opts.cwd)}`];
  if (opts.skipOldFiles) argv.push('--skip-old-files');
  return argv;
}
