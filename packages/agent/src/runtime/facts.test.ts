import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverFactsSchema } from '@oec/shared';
import { serverFacts } from './facts.js';

const base = {
  hostname: 'h',
  runtime: 'local' as const,
  pgVersion: '15.8',
  tools: { pg_dump: '15.8' },
  bufferutil: false,
  peerUrl: null,
};

describe('serverFacts', () => {
  it('reports the FICLONE probe of the data root, and old facts without it still parse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oec-facts-'));
    try {
      const facts = await serverFacts({ ...base, disk: { total_bytes: 2, free_bytes: 1, path: dir } });
      expect(typeof facts.cow?.available).toBe('boolean');
      expect(facts.cow?.reason).toContain(facts.cow?.filesystem);
      expect(facts.cow?.filesystem).toBeTruthy();
      expect(serverFactsSchema.parse(facts)).toEqual(facts);
      const { cow: _cow, ...old } = facts;
      expect(serverFactsSchema.parse(old).cow).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('probes the given root over the measured one, and never throws for a missing one', async () => {
    const facts = await serverFacts({ ...base, disk: { total_bytes: 2, free_bytes: 1, path: tmpdir() }, cowRoot: '/nonexistent/oec' });
    expect(facts.cow).toMatchObject({ available: false });
    expect(facts.cow?.reason).toContain('/nonexistent/oec');
    expect((await serverFacts({ ...base, disk: { total_bytes: 2, free_bytes: 1 } })).cow).toBeNull();
  });
});
