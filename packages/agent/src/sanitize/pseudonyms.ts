// Deterministic pseudonyms: HMAC-SHA256 keyed by the project's salt, computed inside PostgreSQL so
// that real values never leave the database. PostgreSQL has sha256() but no hmac() without
// pgcrypto, so the HMAC is spelled out: H((K ^ opad) || H((K ^ ipad) || m)) with K = sha256(salt),
// the two padded keys passing as bytea parameters (the salt itself never appears in SQL text).
// Each kind of value hashes under its own prefix ("email:", "phone:", …) so that the same text in
// two roles gives unrelated fakes. The Node functions below compute the same values (tests, docs).
import { createHash, createHmac } from 'node:crypto';
import type { KeyedHash } from './keyed-hash.js';
import type { Stmt } from './sql.js';

const BLOCK = 64;

export function keyedHash(salt: string): KeyedHash {
  if (salt.length === 0) throw new Error('sanitization salt is empty');
  const key = createHash('sha256').update(salt, 'utf8').digest();
  const padded = Buffer.alloc(BLOCK);
  key.copy(padded);
  const ipad = Buffer.alloc(BLOCK);
  const opad = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    ipad[i] = (padded[i] ?? 0) ^ 0x36;
    opad[i] = (padded[i] ?? 0) ^ 0x5c;
  }
  return { ipad, opad, key };
}

/** The pseudonym domain: `.invalid` is reserved (RFC 2606), so nothing is ever delivered there. */
export const ANON_DOMAIN = '@anon.invalid';
/** What a generated email looks like (for idempotence and proofs). */
export const ANON_EMAIL_RE = '^u[0-9a-f]{20}@anon\\.invalid$';
/** Fake phone numbers: +1 555 01xxxxx is in the range reserved for fiction. */
export const PHONE_PREFIX = '+1 555 01';
export const PHONE_SANITIZED_PREFIX = '+155501';
export const ANON_PHONE_RE = '^\\+1 555 01[0-9]{5}$';
export const ANON_PHONE_SANITIZED_RE = '^\\+155501[0-9]{5}$';
export const ANON_STREET_RE = '^Street [0-9A-F]{6}$';
export const ANON_CITY_RE = '^City [0-9A-F]{6}$';
export const ANON_COMPANY_RE = '^Company [0-9A-F]{6}$';

/**
 * Email-like tokens inside free text ("Name" <a@b.c>, d@e.f): runs of characters other than
 * space, brackets, quotes and separators around one `@`.
 */
export const EMAIL_TOKEN_RE = `[^][:space:]<>,;:"'()[]+@[^][:space:]<>,;:"'()[]+`;

/** SQL: lowercase hex HMAC of `prefix || expr` (expr is SQL text). */
export function hmacHexSql(s: Stmt, k: KeyedHash, prefix: string, expr: string): string {
  return (
    `encode(sha256(${s.v(k.opad)}::bytea || sha256(${s.v(k.ipad)}::bytea || ` +
    `convert_to(${s.v(prefix)}::text || (${expr}), 'UTF8'))), 'hex')`
  );
}

/** SQL: the pseudonym email of an (already normalized) address expression. */
export function fakeEmailSql(s: Stmt, k: KeyedHash, expr: string): string {
  return `('u' || left(${hmacHexSql(s, k, 'email:', expr)}, 20) || ${s.v(ANON_DOMAIN)}::text)`;
}

/** SQL: what a phone number hashes on: its digits, or the trimmed text when it has none. */
export function phoneKeySql(expr: string): string {
  return `COALESCE(NULLIF(regexp_replace(${expr}, '[^0-9]', '', 'g'), ''), lower(btrim(${expr})))`;
}

function fiveDigitsSql(s: Stmt, k: KeyedHash, expr: string): string {
  const n32 = `('x' || left(${hmacHexSql(s, k, 'phone:', phoneKeySql(expr))}, 8))::bit(32)::bigint`;
  return `lpad((${n32} % 100000)::text, 5, '0')`;
}

export function fakePhoneSql(s: Stmt, k: KeyedHash, expr: string): string {
  return `(${s.v(PHONE_PREFIX)}::text || ${fiveDigitsSql(s, k, expr)})`;
}

export function fakePhoneSanitizedSql(s: Stmt, k: KeyedHash, expr: string): string {
  return `(${s.v(PHONE_SANITIZED_PREFIX)}::text || ${fiveDigitsSql(s, k, expr)})`;
}

/** SQL: `<label> <6 upper hex>` keyed on the trimmed, lowercased value. */
export function fakeLabelSql(s: Stmt, k: KeyedHash, label: 'Street' | 'City' | 'Company', expr: string): string {
  const prefix = `${label.toLowerCase()}:`;
  return `(${s.v(`${label} `)}::text || upper(left(${hmacHexSql(s, k, prefix, `lower(btrim(${expr}))`)}, 6)))`;
}

// ---- The same functions in Node (tests and documentation of the formats) ----

/** Lowercase hex HMAC-SHA256 of `text` under the project's key: what hmacHexSql computes. */
export function hmacHex(k: KeyedHash, text: string): string {
  return createHmac('sha256', k.key).update(text, 'utf8').digest('hex');
}

/** PostgreSQL's btrim(x): leading and trailing spaces (only U+0020). */
export function sqlTrim(value: string): string {
  return value.replace(/^ +| +$/g, '');
}

/** The pseudonym of a normalized (lowercase, trimmed) address. */
export function pseudonymEmail(salt: string, address: string): string {
  return `u${hmacHex(keyedHash(salt), `email:${address}`).slice(0, 20)}${ANON_DOMAIN}`;
}

export function pseudonymPhone(salt: string, phone: string): string {
  const digits = phone.replace(/[^0-9]/g, '');
  const keyText = digits.length > 0 ? digits : phone.trim().toLowerCase();
  const n = parseInt(hmacHex(keyedHash(salt), `phone:${keyText}`).slice(0, 8), 16) % 100000;
  return `${PHONE_PREFIX}${String(n).padStart(5, '0')}`;
}

export function pseudonymLabel(salt: string, label: 'Street' | 'City' | 'Company', value: string): string {
  const hex = hmacHex(keyedHash(salt), `${label.toLowerCase()}:${value.trim().toLowerCase()}`);
  return `${label} ${hex.slice(0, 6).toUpperCase()}`;
}
