import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEnvironmentSchema } from '@oec/shared';
import { strictDeep } from './strict.js';

const SERVER = '3d9f1f4e-8c44-4d0a-9a53-5b7f5b7c2f10';

describe('strictDeep', () => {
  const schema = strictDeep(createEnvironmentSchema);
  const valid = { name: 'staging', environment_type: 'staging', server_id: SERVER };

  it('keeps defaults, transforms and checks of the original', () => {
    const out = schema.parse({ ...valid, domain: ' Staging.Example.COM ' });
    expect(out.domain).toBe('staging.example.com');
    expect(out.resources).toEqual({ cpu: 1, ram_gb: 2, disk_gb: 10 });
    expect(out.odoo_version).toBe('17.0');
    expect(schema.safeParse({ ...valid, name: 'Bad Name' }).success).toBe(false);
    expect(schema.safeParse({ ...valid, addons: new Array(21).fill({ kind: 'extra', name: 'x' }) }).success).toBe(
      false,
    );
  });

  it('refuses unknown keys at the top level and inside nested objects and arrays', () => {
    const top = schema.safeParse({ ...valid, colour: 'blue' });
    expect(top.success).toBe(false);
    expect(top.error?.issues[0]?.code).toBe('unrecognized_keys');
    const nested = schema.safeParse({ ...valid, resources: { cpu: 1, ram_gb: 1, disk_gb: 1, gpu: 1 } });
    expect(nested.error?.issues[0]?.path).toEqual(['resources']);
    const inArray = schema.safeParse({ ...valid, addons: [{ kind: 'extra', name: 'a', url: 'x' }] });
    expect(inArray.error?.issues[0]?.path).toEqual(['addons', 0]);
  });

  it('handles effects and nullable wrappers', () => {
    const s = strictDeep(z.object({ a: z.object({ b: z.number() }).nullable() }).refine(() => true));
    expect(s.safeParse({ a: { b: 1, c: 2 } }).success).toBe(false);
    expect(s.safeParse({ a: null }).success).toBe(true);
  });
});
