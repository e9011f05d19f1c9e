import { describe, expect, it } from 'vitest';
import { AppError } from '@oec/shared';
import { assertQuota, findShortfall, formatAmount, usageReport } from './quota.js';

const limits = { cpu: 16, ram_gb: 32, disk_gb: 500, environments: 10 };
const used = { cpu: 15, ram_gb: 30, disk_gb: 100, environments: 9 };

describe('findShortfall', () => {
  it('accepts a demand that fits exactly', () => {
    expect(findShortfall(limits, used, { cpu: 1, ram_gb: 2, disk_gb: 400, environments: 1 })).toBeNull();
  });

  it('names the first resource short and the missing amount', () => {
    expect(findShortfall(limits, used, { cpu: 1, ram_gb: 4, disk_gb: 10, environments: 1 })).toEqual({
      resource: 'ram_gb',
      requested: 4,
      available: 2,
      missing: 2,
      used: 30,
      limit: 32,
    });
    expect(findShortfall(limits, used, { environments: 2 })?.resource).toBe('environments');
  });

  it('is not fooled by floating point', () => {
    expect(findShortfall({ ...limits, cpu: 0.3 }, { ...used, cpu: 0.1 }, { cpu: 0.2 })).toBeNull();
  });

  it('treats over-used limits as nothing available', () => {
    expect(findShortfall(limits, { ...used, cpu: 20 }, { cpu: 1 })).toMatchObject({ available: 0, missing: 1 });
  });
});

describe('assertQuota', () => {
  it('throws QUOTA_EXCEEDED with a readable message and details', () => {
    let err: unknown;
    try {
      assertQuota(limits, used, { cpu: 1, ram_gb: 4 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const app = err as AppError;
    expect(app.code).toBe('QUOTA_EXCEEDED');
    expect(app.message).toBe('Insufficient quota - need 2 GB RAM more (requested 4 GB RAM, 2 GB RAM available of 32 GB RAM)');
    expect(app.details).toMatchObject({ resource: 'ram_gb', requested: 4, available: 2 });
  });
});

describe('usageReport', () => {
  it('reports used, limit and percent per resource', () => {
    expect(usageReport('o', limits, used)).toEqual({
      organization_id: 'o',
      cpu: { used: 15, limit: 16, percent: 93.8 },
      ram_gb: { used: 30, limit: 32, percent: 93.8 },
      disk_gb: { used: 100, limit: 500, percent: 20 },
      environments: { used: 9, limit: 10, percent: 90 },
    });
  });

  it('formats amounts for messages', () => {
    expect(formatAmount('environments', 1)).toBe('1 environment');
    expect(formatAmount('cpu', 0.5)).toBe('0.5 CPU');
  });
});
