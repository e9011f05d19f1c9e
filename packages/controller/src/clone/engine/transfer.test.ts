import { describe, expect, it } from 'vitest';
import type { ServerRow } from '../../services/servers.js';
import { chooseCodec, describeTransfer, transferStreams } from './transfer.js';

const server = (zstd: string | null): ServerRow =>
  ({ facts: { tools: { zstd } } }) as unknown as ServerRow;

describe('cross-server transfer choices', () => {
  it('streams the database and 4 filestore shards (1 without parallel_transfer, none without the filestore)', () => {
    expect(transferStreams({ include_filestore: true, options: { compress: false, parallel_transfer: true } }, 'data')).toEqual([
      'database',
      'filestore-0',
      'filestore-1',
      'filestore-2',
      'filestore-3',
    ]);
    expect(transferStreams({ include_filestore: true, options: { compress: false, parallel_transfer: false } }, 'data')).toEqual(['database', 'filestore-0']);
    expect(transferStreams({ include_filestore: false, options: { compress: true, parallel_transfer: true } }, 'data')).toEqual(['database']);
    expect(transferStreams({ include_filestore: true, options: { compress: false, parallel_transfer: true } }, 'addons')).toEqual(['addons']);
  });

  it('compresses only when asked: zstd when both ends have it, gzip otherwise', () => {
    expect(chooseCodec(false, server('1.5'), server('1.5'))).toBe('none');
    expect(chooseCodec(true, server('1.5'), server('1.5'))).toBe('zstd');
    expect(chooseCodec(true, server('1.5'), server(null))).toBe('gzip');
  });

  it('sums what crossed the wire and what the target already had', () => {
    const stats = (stream: string, wire: number, raw: number, files = 0, reused = 0) => ({ stream, wire_bytes: wire, raw_bytes: raw, files, reused_files: reused });
    const line = describeTransfer({
      send: { streams: [] },
      receive: { streams: [stats('database', 300_000, 1_300_000), stats('filestore-0', 40_000, 40_000, 2, 90), stats('filestore-1', 10_000, 10_000, 1, 100)] },
    });
    expect(line).toBe('Transferred 350 kB on the wire (1.4 MB of data); filestore: 3 files received (50000 bytes), 190 already on the target');
    expect(describeTransfer({ send: { streams: [] }, receive: { streams: [stats('addons', 10_240, 10_240)] } })).toBe('Transferred 10 kB on the wire (10 kB of data)');
  });
});
