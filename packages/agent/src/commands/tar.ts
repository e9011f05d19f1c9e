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
  /**
   * Keep the archive's owners and modes: only for an archive this agent made from its own
   * environment (same-server addons), never for data from another server.
   */
  sameOwner?: boolean;
}

export function tarCreateArgv(opts: TarCreateOptions): string[] {
  if (opts.paths.length === 0) throw new CommandArgumentError('tar needs at least one path');
  const paths = opts.paths.map((p) => relativePath('tar path', p));
  return ['tar', '--create', '--file=-', '--format=posix', `--directory=${absolutePath('cwd', opts.cwd)}`, '--', ...paths];
}

/**
 * Extraction restores owners only when asked (same-server copies of our own archive); GNU tar
 * already refuses members with `..` or a leading `/`.
 */
export function tarExtractArgv(opts: TarExtractOptions): string[] {
  const owner = opts.sameOwner ? ['--same-owner', '--preserve-permissions'] : ['--no-same-owner'];
  const argv = ['tar', '--extract', '--file=-', ...owner, `--directory=${absolutePath('cwd', opts.cwd)}`];
  if (opts.skipOldFiles) argv.push('--skip-old-files');
  return argv;
}
