import { describe, expect, it } from 'vitest';
import { backupLabelStartFile, parseLsn, planDataDirCopy, walFileEndingAt, walSegmentsBetween } from './layout.js';

const MB16 = 16 * 1024 * 1024;

describe('planDataDirCopy', () => {
  const names = [
    'PG_VERSION', 'base', 'global', 'pg_wal', 'pg_xact', 'pg_replslot', 'pg_stat_tmp', 'pg_subtrans', 'pg_tblspc',
    'postmaster.pid', 'postmaster.opts', 'backup_label', 'standby.signal', 'postgresql.auto.conf', 'log', 'pgsql_tmp1',
  ];

  it('clones the cluster files, recreates the runtime directories empty, skips the server lock and signals', () => {
    const plan = planDataDirCopy(names, 'log');
    expect(plan.clone).toEqual(['PG_VERSION', 'base', 'global', 'pg_xact', 'postgresql.auto.conf']);
    expect(plan.empty).toContain('pg_wal');
    expect(plan.empty).toContain('pg_replslot');
    expect(plan.empty).toContain('log');
  });

  it('clones a log directory outside the data directory not at all, and one named like a path by its first part', () => {
    expect(planDataDirCopy(['base', 'log'], '/var/log/postgresql').clone).toEqual(['base', 'log']);
    expect(planDataDirCopy(['base', 'logs'], './logs/pg').clone).toEqual(['base']);
  });
});

describe('WAL segments', () => {
  it('lists every segment from start to stop, across a log id', () => {
    expect(walSegmentsBetween('0000000100000000000000FE', '000000010000000100000001', MB16)).toEqual([
      '0000000100000000000000FE',
      '0000000100000000000000FF',
      '000000010000000100000000',
      '000000010000000100000001',
    ]);
  });

  it('refuses a stop before the start or on another timeline', () => {
    expect(() => walSegmentsBetween('000000010000000000000003', '000000010000000000000002', MB16)).toThrow(/precedes/);
    expect(() => walSegmentsBetween('000000010000000000000003', '000000020000000000000004', MB16)).toThrow(/timeline/);
  });

  it('puts an end on a segment boundary in the segment before it', () => {
    expect(walFileEndingAt('0/3000000', 1, MB16)).toBe('000000010000000000000002');
    expect(walFileEndingAt('0/3000028', 1, MB16)).toBe('000000010000000000000003');
    expect(walFileEndingAt('1/28', 2, MB16)).toBe('000000020000000100000000');
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
  });

  it('reads the start file from a backup label', () => {
    const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\n';
    expect(backupLabelStartFile(label)).toBe('000000010000000000000002');
    expect(() => backupLabelStartFile('nothing')).toThrow(/START WAL/);
  });
});
