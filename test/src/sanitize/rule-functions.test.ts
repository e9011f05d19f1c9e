// Custom sanitization rules (agent/src/sanitize/rules/): the JavaScript masking functions give,
// value for value, what their SQL writes in PostgreSQL (the in-stream path and the SQL path must
// agree), and the same pseudonyms as the built-in options for the same input.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyedHash, maskSelect, maskValue, pseudonymEmail, pseudonymLabel, pseudonymPhone, ruleMask } from '@oec/agent/sanitize';
import { RULE_FUNCTIONS, type RuleFunction } from '@oec/shared';
import { Harness } from './harness.js';

const SALT = 'rules-test-salt-0123456789';
const CONSTANT = "x'; DROP TABLE res_partner; --";
const INPUTS: (string | null)[] = [
  null,
  '',
  '   ',
  'Alice@Example.COM',
  '  bob.smith@example.org  ',
  'Name <carol@example.net>',
  'no-at-sign',
  'x@',
  'a@b@c.example',
  '\tTabbed@Example.com',
  '+32 470 12 34 56',
  '(555) 123-4567',
  'ext. only',
  'Élodie Dupont',
  'ÉLODIE DUPONT',
  'Rue de la Loi 16, 1000 Bruxelles',
  CONSTANT,
  'ünïcödé ✓ 東京',
  'u0123456789abcdef0123@anon.invalid',
  'u0123456789abcdef0123@kept.example',
  '+1 555 0112345',
  'Person ABC123',
  'Street 00FF00',
  'f'.repeat(64),
];

let h: Harness;
let client: pg.Client;

beforeAll(async () => {
  h = await Harness.start();
  client = await h.connect('postgres');
});

afterAll(async () => {
  await h?.stop();
});

async function sqlMask(fn: Exclude<RuleFunction, 'truncate_table'>, value: string | null): Promise<string | null> {
  const q = maskSelect(fn, keyedHash(SALT), value, CONSTANT);
  const { rows } = await client.query<{ out: string | null }>(q.text, q.values);
  return rows[0]?.out ?? null;
}

describe('custom rule functions: JavaScript equals SQL', () => {
  for (const fn of RULE_FUNCTIONS) {
    if (fn === 'truncate_table') continue;
    it(`${fn}`, async () => {
      const mask = ruleMask({ function: fn, ...(fn === 'constant' ? { value: CONSTANT } : {}) }, SALT);
      expect(mask).not.toBeNull();
      for (const input of INPUTS) {
        const js = mask?.(input) ?? null;
        const sql = await sqlMask(fn, input);
        expect({ input, js }).toEqual({ input, js: sql });
      }
    });
  }

  it('truncate_table has no value function', () => {
    expect(ruleMask({ function: 'truncate_table' }, SALT)).toBeNull();
  });
});

describe('custom rule functions: the built-in options’ pseudonyms', () => {
  it('pseudonym_email, pseudonym_phone and fake_address equal anonymize_emails/_phones/_addresses for the same input', () => {
    expect(maskValue('pseudonym_email', SALT, ' Alice@Example.COM ')).toBe(pseudonymEmail(SALT, 'alice@example.com'));
    expect(maskValue('pseudonym_phone', SALT, '+32 470 12 34 56')).toBe(pseudonymPhone(SALT, '+32 470 12 34 56'));
    expect(maskValue('fake_address', SALT, 'Rue de la Loi 16')).toBe(pseudonymLabel(SALT, 'Street', 'Rue de la Loi 16'));
  });

  it('keep_domain_email keeps the domain and takes pseudonym_email’s local part', () => {
    const full = maskValue('pseudonym_email', SALT, 'Bob@Example.org') as string;
    expect(maskValue('keep_domain_email', SALT, 'Bob@Example.org')).toBe(`${full.split('@')[0]}@Example.org`);
    expect(maskValue('keep_domain_email', SALT, 'nobody')).toMatch(/^u[0-9a-f]{20}@anon\.invalid$/);
  });

  it('is keyed: another salt gives other values; null stays null', () => {
    expect(maskValue('hash', SALT, 'secret')).not.toBe(maskValue('hash', 'another-salt-0123456789', 'secret'));
    expect(maskValue('hash', SALT, 'secret')).toMatch(/^[0-9a-f]{64}$/);
    for (const fn of ['pseudonym_email', 'pseudonym_phone', 'fake_name', 'fake_address', 'hash', 'keep_domain_email', 'null'] as const) {
      expect(maskValue(fn, SALT, null)).toBeNull();
    }
    expect(maskValue('constant', SALT, null, 'x')).toBe('x');
  });
});
