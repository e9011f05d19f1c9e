import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesystemName, probeReflink, reflinkCopyArgv } from './reflink.js';
import { maskedRewriteSql, rewriteTableSql } from './scrub.js';
import { settingsLines } from './start.js';

describe('reflinkCopyArgv', () => {
  it('clones into a target directory, never falling back to a byte copy', () => {
    expect(reflinkCopyArgv(['/a/base', '/a/global'], '/b/data')).toEqual([
      '--reflink=always', '--archive', '--target-directory=/b/data', '--', '/a/base', '/a/global',
    ]);
  });

  it('keeps names that look like options as operands', () => {
    const argv = reflinkCopyArgv(['--remove-destination', '-rf'], '-x');
    expect(argv.slice(2)).toEqual(['--target-directory=-x', '--', '--remove-destination', '-rf']);
  });
});

describe('settingsLines', () => {
  it('writes name = value lines', () => {
    expect(settingsLines({ archive_mode: "'off'", max_logical_replication_workers: '0' })).toBe(
      "archive_mode = 'off'\nmax_logical_replication_workers = 0\n",
    );
  });

  it('refuses a value or name that would add a line, a comment or an unterminated quote', () => {
    expect(() => settingsLines({ port: "5432\narchive_command = 'rm -rf /'" })).toThrow(/invalid value/);
    expect(() => settingsLines({ port: "'5432' # x" })).toThrow(/invalid value/);
    expect(() => settingsLines({ port: "'a'b'" })).toThrow(/invalid value/);
    expect(() => settingsLines({ 'port = 1\nfsync': 'off' })).toThrow(/invalid setting name/);
  });
});

describe('rewriteTableSql', () => {
  it('quotes the schema and table', () => {
    expect(rewriteTableSql({ schema: 'public', name: 'res_partner' })).toBe('VACUUM (FULL, ANALYZE) "public"."res_partner"');
    expect(rewriteTableSql({ schema: 'pg_catalog', name: 'pg_statistic' }, false)).toBe('VACUUM (FULL) "pg_catalog"."pg_statistic"');
    expect(rewriteTableSql({ schema: 's', name: 'x"; DROP TABLE y; --' })).toBe('VACUUM (FULL, ANALYZE) "s"."x""; DROP TABLE y; --"');
  });
});

describe('probeReflink', () => {
  it('names the filesystem and answers without throwing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oec-probe-'));
    try {
      const probe = await probeReflink(dir);
      expect(typeof probe.available).toBe('boolean');
      expect(probe.filesystem).toBeTruthy();
      expect(probe.reason).toContain(probe.filesystem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a directory it cannot stat', async () => {
    const probe = await probeReflink('/nonexistent/oec');
    expect(probe).toMatchObject({ available: false });
    expect(probe.filesystem).toBeUndefined();
    expect(filesystemName(0x58465342)).toBe('xfs');
  });
});

describe('maskedRewriteSql', () => {
  it('rewrites the table once, each column to its own type through its mask', () => {
    expect(
      maskedRewriteSql({ schema: 'public', name: 'res_partner' }, [
        { name: 'email', type: 'character varying', using: `'p' || id || '@example.com'` },
        { name: 'phone', type: 'character varying(64)', using: 'NULL' },
      ]),
    ).toBe(
      `ALTER TABLE "public"."res_partner" ALTER COLUMN "email" TYPE character varying USING 'p' || id || '@example.com', ` +
        `ALTER COLUMN "phone" TYPE character varying(64) USING NULL`,
    );
  });

  it('quotes names and refuses a type that is not a type name', () => {
    const sql = maskedRewriteSql({ schema: 's', name: 't' }, [{ name: 'a"; DROP TABLE x; --', type: 'text', using: 'NULL' }]);
    expect(sql).toContain('ALTER COLUMN "a""; DROP TABLE x; --" TYPE text');
    expect(() => maskedRewriteSql({ schema: 's', name: 't' }, [{ name: 'a', type: 'text USING 1; DROP TABLE x; --', using: 'NULL' }])).toThrow(/type/);
    expect(() => maskedRewriteSql({ schema: 's', name: 't' }, [])).toThrow(/no column/);
  });
});
