import { describe, expect, it } from 'vitest';
import { domainSchema, environmentDbName, environmentNameSchema, suggestedCloneName, uniqueName } from './identifiers.js';

describe('identifiers', () => {
  it('accepts and refuses environment names per the documented pattern', () => {
    for (const ok of ['ab', 'production', 'staging-2', 'a'.repeat(40)]) {
      expect(environmentNameSchema.safeParse(ok).success).toBe(true);
    }
    for (const bad of ['a', 'Prod', '-x', 'x-', '2nd', 'a'.repeat(41), 'a b', "x'; drop"]) {
      expect(environmentNameSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('validates domains and lowercases them', () => {
    expect(domainSchema.parse('Staging.MyCompany.com')).toBe('staging.mycompany.com');
    for (const bad of ['localhost', 'a..b.com', '-a.com', 'a b.com', 'x.com/evil']) {
      expect(domainSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('derives database names from ids only', () => {
    expect(environmentDbName('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('oec_0f8fad5bd9cb469fa16570867728950e');
  });

  it('suggests {source}-clone-{YYYYMMDD} and de-duplicates with -2, -3', () => {
    const name = suggestedCloneName('production', new Date('2024-12-11T10:00:00Z'));
    expect(name).toBe('production-clone-20241211');
    expect(uniqueName(name, new Set([name]))).toBe('production-clone-20241211-2');
    expect(uniqueName(name, new Set([name, `${name}-2`]))).toBe('production-clone-20241211-3');
    const long = suggestedCloneName('a'.repeat(40), new Date('2024-12-11T00:00:00Z'));
    expect(environmentNameSchema.safeParse(long).success).toBe(true);
  });
});
