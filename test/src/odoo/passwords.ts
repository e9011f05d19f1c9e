// Odoo password and API-key hashes: passlib's pbkdf2_sha512 modular-crypt format,
// `$pbkdf2-sha512$<rounds>$<salt>$<checksum>` with passlib's "ab64" base64 (`.` for `+`, no `=`).
// res_users.password holds such a hash; res_users_apikeys.key / auth_totp_device.key hold one of the
// full key, whose first 8 characters are stored in clear in `index`.
import { pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/** Rounds the generator uses for user passwords (passlib's pbkdf2_sha512 default). */
export const PASSWORD_ROUNDS = 25000;
/** Rounds Odoo's KEY_CRYPT_CONTEXT uses for API keys and trusted-device keys. */
export const API_KEY_ROUNDS = 6000;
const CHECKSUM_BYTES = 64;

/** passlib's adapted base64: standard alphabet with `.` instead of `+`, no padding. */
export function ab64Encode(data: Buffer): string {
  return data.toString('base64').replace(/\+/g, '.').replace(/=+$/, '');
}

export function ab64Decode(text: string): Buffer {
  const b64 = text.replace(/\./g, '+');
  return Buffer.from(b64 + '='.repeat((4 - (b64.length % 4)) % 4), 'base64');
}

/** Hash `plain` as passlib pbkdf2_sha512 with the given salt (16 random bytes in passlib). */
export function hashOdooPassword(plain: string, salt: Buffer, rounds = PASSWORD_ROUNDS): string {
  const checksum = pbkdf2Sync(Buffer.from(plain, 'utf8'), salt, rounds, CHECKSUM_BYTES, 'sha512');
  return `$pbkdf2-sha512$${rounds}$${ab64Encode(salt)}$${ab64Encode(checksum)}`;
}

/** True when `hash` is a passlib pbkdf2_sha512 hash of `plain` (what Odoo checks at login). */
export function verifyOdooPassword(plain: string, hash: string): boolean {
  const m = /^\$pbkdf2-sha512\$(\d+)\$([A-Za-z0-9./]*)\$([A-Za-z0-9./]+)$/.exec(hash);
  if (!m?.[1] || m[2] === undefined || !m[3]) return false;
  const rounds = Number(m[1]);
  if (!Number.isSafeInteger(rounds) || rounds < 1) return false;
  const expected = ab64Decode(m[3]);
  if (expected.length === 0) return false;
  const actual = pbkdf2Sync(Buffer.from(plain, 'utf8'), ab64Decode(m[2]), rounds, expected.length, 'sha512');
  return timingSafeEqual(actual, expected);
}

/** An Odoo API key as shown once to the user: 40 hex characters; `index` is its first 8. */
export interface OdooApiKey {
  key: string;
  index: string;
  hash: string;
}

/** Build an API key (or trusted-device key) row's values from 20 random bytes and a salt. */
export function makeOdooApiKey(raw: Buffer, salt: Buffer): OdooApiKey {
  const key = raw.toString('hex');
  return { key, index: key.slice(0, 8), hash: hashOdooPassword(key, salt, API_KEY_ROUNDS) };
}
