import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePassword, hashOdooPassword, isOdooPasswordHash, ODOO_PASSWORD_ROUNDS } from './passwords.js';

/** passlib's verification, written independently: ab64 → base64, pbkdf2-sha512, compare. */
function passlibVerify(plain: string, hash: string): boolean {
  const [, scheme, rounds, salt, checksum] = hash.split('$');
  if (scheme !== 'pbkdf2-sha512' || !rounds || !salt || !checksum) return false;
  const b64 = (s: string): Buffer => Buffer.from(s.replace(/\./g, '+'), 'base64');
  const expected = b64(checksum);
  return pbkdf2Sync(plain, b64(salt), Number(rounds), expected.length, 'sha512').equals(expected);
}

describe('hashOdooPassword', () => {
  it('produces the passlib pbkdf2_sha512 format Odoo verifies', () => {
    const hash = hashOdooPassword('correct horse', 1000);
    expect(hash).toMatch(/^\$pbkdf2-sha512\$1000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/);
    expect(isOdooPasswordHash(hash)).toBe(true);
    expect(passlibVerify('correct horse', hash)).toBe(true);
    expect(passlibVerify('wrong horse', hash)).toBe(false);
  });

  it("uses Odoo 17's round count by default and a fresh salt every time", () => {
    const a = hashOdooPassword('x');
    expect(a.startsWith(`$pbkdf2-sha512$${ODOO_PASSWORD_ROUNDS}$`)).toBe(true);
    expect(hashOdooPassword('x', 1000)).not.toBe(hashOdooPassword('x', 1000));
  });

  it('agrees with a hash passlib itself produced', () => {
    // passlib 1.7: pbkdf2_sha512.using(rounds=1000, salt=b'0123456789abcdef').hash('admin')
    const fromPasslib =
      '$pbkdf2-sha512$1000$MDEyMzQ1Njc4OWFiY2RlZg$VYpayuGgwzZdp432P4BiDOsz2R32OckUD4cZP0OnU/dRJDzvbA9NzD4JRchh6MOV7dGmpArYbuwTJVUOgj66DA';
    expect(isOdooPasswordHash(fromPasslib)).toBe(true);
    expect(passlibVerify('admin', fromPasslib)).toBe(true);
    expect(passlibVerify('Admin', fromPasslib)).toBe(false);
  });

  it('rejects hashes of another shape', () => {
    for (const bad of ['', 'admin', '$pbkdf2-sha256$1000$abc$def', '$pbkdf2-sha512$0$abc$' + 'a'.repeat(86)]) {
      expect(isOdooPasswordHash(bad), bad).toBe(false);
    }
  });
});

describe('generatePassword', () => {
  it('gives 4 groups of 5 unambiguous characters, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{5}(-[A-HJ-NP-Za-km-z2-9]{5}){3}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
