// Unit tests without a database: the DDL loads through a plain client, omission planning, password hashes, PRNG.
import { describe, expect, it } from 'vitest';
import { hashOdooPassword, makeOdooApiKey, verifyOdooPassword } from './passwords.js';
import { keystream, Rng } from './prng.js';
import { ODOO_TABLES, odooSchemaSql, planOdooSchema } from './schema.js';
import { ODOO17_SCHEMA_SQL } from './schema-sql.js';

describe('Odoo schema DDL', () => {
  it('holds no psql meta-command, so it loads through a plain client', () => {
    expect(ODOO17_SCHEMA_SQL).not.toMatch(/^\\/m);
  });

  it('has the 31 tables', () => {
    expect(ODOO_TABLES).toHaveLength(31);
    expect(ODOO_TABLES).toContain('ir_act_server');
    const plan = planOdooSchema();
    expect(plan.omitted).toEqual([]);
    expect(plan.postData.every((s) => /ADD CONSTRAINT|INDEX/.test(s))).toBe(true);
  });

  it('omits tables, their statements and the tables inheriting from them', () => {
    const plan = planOdooSchema({ omit: ['fetchmail_server', 'ir_actions'] });
    expect(plan.omitted.sort()).toEqual(['fetchmail_server', 'ir_act_server', 'ir_actions']);
    const sql = odooSchemaSql({ omit: ['fetchmail_server', 'ir_actions'] });
    expect(sql).not.toMatch(/public\.(fetchmail_server|ir_act_server|ir_actions)\b/);
    expect(sql).toMatch(/CREATE TABLE public\.ir_cron \(/);
    expect(() => planOdooSchema({ omit: ['no_such_table'] })).toThrow(/unknown/);
  });
});

describe('Odoo password hashes', () => {
  it('matches passlib pbkdf2_sha512 byte for byte', () => {
    // passlib 1.7.4: pbkdf2_sha512.using(rounds=1000, salt=b'0123456789abcdef').hash('s3crét')
    const passlib =
      '$pbkdf2-sha512$1000$MDEyMzQ1Njc4OWFiY2RlZg$JddV6yx0aVLja6qrR351UYan3ZRHZzGQf.SFIeogFtFI/bAi2hWP40TkNDl5vbwzs7RTM/Gj/wOSi.BbiUXl/g';
    expect(hashOdooPassword('s3crét', Buffer.from('0123456789abcdef'), 1000)).toBe(passlib);
    expect(verifyOdooPassword('s3crét', passlib)).toBe(true);
    expect(verifyOdooPassword('secret', passlib)).toBe(false);
    expect(verifyOdooPassword('s3crét', 's3crét')).toBe(false);
  });

  it('API keys: index is the first 8 characters, the hash verifies the full key', () => {
    const k = makeOdooApiKey(Buffer.alloc(20, 7), Buffer.alloc(16, 1));
    expect(k.key).toMatch(/^[0-9a-f]{40}$/);
    expect(k.index).toBe(k.key.slice(0, 8));
    expect(verifyOdooPassword(k.key, k.hash)).toBe(true);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and label, and differs across seeds', () => {
    const draw = (seed: number | string, label?: string): number[] => {
      const r = label ? new Rng(seed).fork(label) : new Rng(seed);
      return Array.from({ length: 8 }, () => r.u32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42, 'a')).not.toEqual(draw(42, 'b'));
    expect(keystream(1, 'x', 64).equals(keystream(1, 'x', 64))).toBe(true);
    expect(keystream(1, 'x', 64).equals(keystream(2, 'x', 64))).toBe(false);
    const r = new Rng('s');
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 7);
      expect(n >= 3 && n <= 7).toBe(true);
    }
  });
});
