import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { AppError } from '@oec/shared';
import { bearerToken, parseTtl, signToken, verifyToken } from './jwt.js';

const SECRET = 'x'.repeat(40);
const USER = '0b7f3c1e-4a8e-4c59-9d1c-2f8a6e0b1c2d';
const NOW = new Date('2026-01-01T00:00:00Z');

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  return err instanceof AppError ? `${err.code}: ${err.message}` : `not an AppError: ${String(err)}`;
}

describe('verifyToken', () => {
  it('accepts a token it signed and returns the subject', async () => {
    const token = await signToken(SECRET, USER, 3600, NOW);
    await expect(verifyToken(SECRET, token, NOW)).resolves.toBe(USER);
  });

  it('refuses another secret, an expired token, garbage and alg none', async () => {
    const token = await signToken(SECRET, USER, 3600, NOW);
    expect(await codeOf(verifyToken('y'.repeat(40), token, NOW))).toMatch(/^UNAUTHENTICATED: Invalid/);
    const later = new Date(NOW.getTime() + 2 * 3600_000);
    expect(await codeOf(verifyToken(SECRET, token, later))).toBe('UNAUTHENTICATED: Token has expired');
    expect(await codeOf(verifyToken(SECRET, 'not.a.jwt', NOW))).toMatch(/^UNAUTHENTICATED/);
    const [, body] = token.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${body}.`;
    expect(await codeOf(verifyToken(SECRET, none, NOW))).toMatch(/^UNAUTHENTICATED/);
  });

  it('requires exp, a uuid subject and a bounded lifetime', async () => {
    const k = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(USER).sign(k);
    expect(await codeOf(verifyToken(SECRET, noExp, NOW))).toMatch(/^UNAUTHENTICATED/);
    const badSub = await signToken(SECRET, 'alice', 3600, NOW);
    expect(await codeOf(verifyToken(SECRET, badSub, NOW))).toMatch(/^UNAUTHENTICATED/);
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(USER)
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 365 * 86400)
      .sign(k);
    expect(await codeOf(verifyToken(SECRET, forever, NOW))).toBe('UNAUTHENTICATED: Token lifetime is too long');
  });

  it('checks a token it has verified before again for expiry, and never takes another signature for it', async () => {
    const token = await signToken(SECRET, USER, 600, NOW);
    await expect(verifyToken(SECRET, token, NOW)).resolves.toBe(USER);
    await expect(verifyToken(SECRET, token, NOW)).resolves.toBe(USER);
    expect(await codeOf(verifyToken(SECRET, token, new Date(NOW.getTime() + 3600_000)))).toBe('UNAUTHENTICATED: Token has expired');
    expect(await codeOf(verifyToken('y'.repeat(40), token, NOW))).toMatch(/^UNAUTHENTICATED: Invalid/);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    expect(await codeOf(verifyToken(SECRET, forged, NOW))).toMatch(/^UNAUTHENTICATED: Invalid/);
  });
});

describe('bearerToken', () => {
  it('extracts the token and refuses other schemes', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(() => bearerToken(undefined)).toThrow(/Missing/);
    expect(() => bearerToken('Basic dXNlcjpwdw==')).toThrow(/Malformed/);
    expect(() => bearerToken('Bearer a b')).toThrow(/Malformed/);
  });
});

describe('parseTtl', () => {
  it('reads seconds, minutes, hours and days within bounds', () => {
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('12h')).toBe(43200);
    expect(parseTtl('7d')).toBe(604800);
    expect(parseTtl('0')).toBeNull();
    expect(parseTtl('31d')).toBeNull();
    expect(parseTtl('12 hours')).toBeNull();
  });
});
