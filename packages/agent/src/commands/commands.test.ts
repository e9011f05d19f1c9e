import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandArgumentError, isClientTool, pgDumpArgv, pgRestoreArgv, psqlArgv, tarCreateArgv, tarExtractArgv } from './index.js';

const HOSTILE = ['x; rm -rf /', '--help', '-c', 'host=evil dbname=x', 'postgresql://evil/x', 'A', 'a b', "a'b", ''];

describe('pgDumpArgv', () => {
  it('builds the exact streaming argv', () => {
    expect(pgDumpArgv({ db: 'oec_abc', format: 'custom', lockWaitTimeoutMs: 30_000 })).toEqual([
      'pg_dump',
      '-Fc',
      '--no-password',
      '--lock-wait-timeout=30000',
      '--dbname=oec_abc',
    ]);
  });

  it('adds compression, snapshot and a parallel directory dump', () => {
    expect(
      pgDumpArgv({
        db: 'oec_abc',
        format: 'directory',
        lockWaitTimeoutMs: 5000,
        jobs: 4,
        compress: 0,
        file: '/data/dump',
        snapshot: '00000003-0000001B-1',
      }),
    ).toEqual([
      'pg_dump',
      '-Fd',
      '--no-password',
      '--lock-wait-timeout=5000',
      '--compress=0',
      '--jobs=4',
      '--snapshot=00000003-0000001B-1',
      '--file=/data/dump',
      '--dbname=oec_abc',
    ]);
  });

  it('refuses jobs with the custom format and a directory dump without a file', () => {
    expect(() => pgDumpArgv({ db: 'd', format: 'custom', lockWaitTimeoutMs: 1, jobs: 2 })).toThrow(CommandArgumentError);
    expect(() => pgDumpArgv({ db: 'd', format: 'directory', lockWaitTimeoutMs: 1 })).toThrow(CommandArgumentError);
  });

  it.each(HOSTILE)('refuses the database name %j', (db) => {
    expect(() => pgDumpArgv({ db, format: 'custom', lockWaitTimeoutMs: 1000 })).toThrow(CommandArgumentError);
  });

  it('refuses non-integer and hostile numbers, snapshots and relative files', () => {
    expect(() => pgDumpArgv({ db: 'd', format: 'custom', lockWaitTimeoutMs: 0 })).toThrow(CommandArgumentError);
    expect(() => pgDumpArgv({ db: 'd', format: 'custom', lockWaitTimeoutMs: 1.5 })).toThrow(CommandArgumentError);
    expect(() => pgDumpArgv({ db: 'd', format: 'custom', lockWaitTimeoutMs: 1, compress: 10 })).toThrow(CommandArgumentError);
    expect(() => pgDumpArgv({ db: 'd', format: 'custom', lockWaitTimeoutMs: 1, snapshot: '1; DROP' })).toThrow(CommandArgumentError);
    expect(() => pgDumpArgv({ db: 'd', format: 'custom', lockWaitTimeoutMs: 1, file: '--help' })).toThrow(CommandArgumentError);
  });
});

describe('pgDumpArgv sections', () => {
  it('dumps one section from an exported snapshot, and refuses anything else', () => {
    const argv = pgDumpArgv({ db: 'oec_s', format: 'custom', lockWaitTimeoutMs: 1000, section: 'post-data', snapshot: '00000003-0000001B-1' });
    expect(argv).toContain('--section=post-data');
    expect(argv).toContain('--snapshot=00000003-0000001B-1');
    expect(() =>
      pgDumpArgv({ db: 'oec_s', format: 'custom', lockWaitTimeoutMs: 1000, section: 'all; rm -rf /' as 'data' }),
    ).toThrow(CommandArgumentError);
  });
});

describe('pgRestoreArgv', () => {
  it('adds --verbose only when asked, for per-entry progress', () => {
    expect(pgRestoreArgv({ db: 'oec_t', role: 'oec_t', verbose: true }).at(-1)).toBe('--verbose');
    expect(pgRestoreArgv({ db: 'oec_t', role: 'oec_t' })).not.toContain('--verbose');
  });

  it('always restores with exit-on-error, no owner, no privileges, as the role', () => {
    expect(pgRestoreArgv({ db: 'oec_t', role: 'oec_t' })).toEqual([
      'pg_restore',
      '--exit-on-error',
      '--no-owner',
      '--no-privileges',
      '--no-password',
      '--role=oec_t',
      '--dbname=oec_t',
    ]);
  });

  it('restores a file in parallel, the file after --', () => {
    expect(pgRestoreArgv({ db: 'oec_t', role: 'oec_t', jobs: 2, file: '/tmp/x.dump' }).slice(-3)).toEqual([
      '--jobs=2',
      '--',
      '/tmp/x.dump',
    ]);
    expect(() => pgRestoreArgv({ db: 'oec_t', role: 'oec_t', jobs: 2 })).toThrow(CommandArgumentError);
  });

  it.each(HOSTILE)('refuses the role or database %j', (value) => {
    expect(() => pgRestoreArgv({ db: value, role: 'oec_t' })).toThrow(CommandArgumentError);
    expect(() => pgRestoreArgv({ db: 'oec_t', role: value })).toThrow(CommandArgumentError);
  });
});

describe('psqlArgv', () => {
  it('builds a scripted invocation with variables', () => {
    expect(psqlArgv({ db: 'oec_t', command: 'SELECT :x', vars: { x: "it's; --help" }, tuplesOnly: true })).toEqual([
      'psql',
      '--no-psqlrc',
      '--no-password',
      '--quiet',
      '--set=ON_ERROR_STOP=1',
      '--tuples-only',
      '--no-align',
      "--set=x=it's; --help",
      '--command=SELECT :x',
      '--dbname=oec_t',
    ]);
  });

  it('keeps a hostile command one inert element', () => {
    const argv = psqlArgv({ db: 'oec_t', command: '--help' });
    expect(argv).toContain('--command=--help');
    expect(argv).not.toContain('--help');
  });

  it('refuses hostile variable names, databases and both command and file', () => {
    expect(() => psqlArgv({ db: 'oec_t', vars: { 'a=b': '1' } })).toThrow(CommandArgumentError);
    expect(() => psqlArgv({ db: 'oec_t', vars: { '-c': '1' } })).toThrow(CommandArgumentError);
    expect(() => psqlArgv({ db: 'x; rm -rf /' })).toThrow(CommandArgumentError);
    expect(() => psqlArgv({ db: 'oec_t', command: 'x', file: '/f' })).toThrow(CommandArgumentError);
  });
});

describe('tar argv', () => {
  it('builds exact create and extract argv', () => {
    expect(tarCreateArgv({ cwd: '/data/fs', paths: ['.'] })).toEqual([
      'tar',
      '--create',
      '--file=-',
      '--format=posix',
      '--directory=/data/fs',
      '--',
      '.',
    ]);
    expect(tarExtractArgv({ cwd: '/data/t', skipOldFiles: true })).toEqual([
      'tar',
      '--extract',
      '--file=-',
      '--no-same-owner',
      '--directory=/data/t',
      '--skip-old-files',
    ]);
    expect(tarExtractArgv({ cwd: '/data/t', sameOwner: true })).toEqual([
      'tar',
      '--extract',
      '--file=-',
      '--same-owner',
      '--preserve-permissions',
      '--directory=/data/t',
    ]);
  });

  it('refuses escaping paths and relative or option-like directories', () => {
    for (const p of ['../etc', '/etc/passwd', 'a/../../b', '']) {
      expect(() => tarCreateArgv({ cwd: '/d', paths: [p] })).toThrow(CommandArgumentError);
    }
    for (const cwd of ['--help', 'rel', '-C/x', '/a\nb']) {
      expect(() => tarCreateArgv({ cwd, paths: ['.'] })).toThrow(CommandArgumentError);
      expect(() => tarExtractArgv({ cwd })).toThrow(CommandArgumentError);
    }
    expect(() => tarCreateArgv({ cwd: '/d', paths: [] })).toThrow(CommandArgumentError);
  });

  it('passes option-like and shell-like file names to the real tar as plain names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oec-tar-'));
    try {
      const src = join(dir, 'src');
      const dst = join(dir, 'dst');
      mkdirSync(src);
      mkdirSync(dst);
      const names = ['--help', '-v', 'x; rm -rf y', '--to-command=touch pwned'];
      for (const n of names) writeFileSync(join(src, n), n);
      const [tool, ...args] = tarCreateArgv({ cwd: src, paths: names });
      const archive = execFileSync(tool ?? 'tar', args);
      const [xtool, ...xargs] = tarExtractArgv({ cwd: dst });
      execFileSync(xtool ?? 'tar', xargs, { input: archive });
      expect(readdirSync(dst).sort()).toEqual([...names].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('isClientTool', () => {
  it('knows exactly the four client tools', () => {
    expect(['psql', 'pg_dump', 'pg_restore', 'tar'].every(isClientTool)).toBe(true);
    expect(isClientTool('sh')).toBe(false);
    expect(isClientTool(undefined)).toBe(false);
  });
});
