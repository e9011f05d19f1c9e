// The one password of reset_passwords: generated here, shown once to the requester by the caller,
// and stored only as Odoo's password hash — passlib's pbkdf2_sha512 modular-crypt format
// `$pbkdf2-sha512$<rounds>$<salt>$<checksum>` with passlib's "ab64" base64 (`.` instead of `+`,
// no padding), 16-byte salt, 64-byte checksum. Odoo verifies any round count it finds in the hash.
import { pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';

/** Odoo 17's CryptContext default (pbkdf2_sha512__rounds=600_000). */
export const ODOO_PASSWORD_ROUNDS = 600_000;
const SALT_BYTES = 16;
const CHECKSUM_BYTES = 64;

function ab64(data: Buffer): string {
  return data.toString('base64').replace(/\+/g, '.').replace(/=+$/, '');
}

/** Hash `plain` for res_users.password (a fresh random salt each call). */
export function hashOdooPassword(plain: string, rounds = ODOO_PASSWORD_ROUNDS): string {
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`invalid pbkdf2 rounds: ${rounds}`);
  const salt = randomBytes(SALT_BYTES);
  const checksum = pbkdf2Sync(Buffer.from(plain, 'utf8'), salt, rounds, CHECKSUM_BYTES, 'sha512');
  return `$pbkdf2-sha512$${rounds}$${ab64(salt)}$${ab64(checksum)}`;
}

const HASH_RE = /^\$pbkdf2-sha512\$[1-9][0-9]*\$[A-Za-z0-9./]+\$[A-Za-z0-9./]{86}$/;

/** Whether `hash` has the shape hashOdooPassword produces (64-byte checksum). */
export function isOdooPasswordHash(hash: string): boolean {
  return HASH_RE.test(hash);
}

/** Unambiguous characters (no 0/O, 1/l/I). */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password: 4 groups of 5 characters (~113 bits), e.g. `Xk3pQ-7vHnB-…`. */
export function generatePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 5; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}
