// API bearer tokens: HS256 JWTs signed with the configured secret, `sub` = user id. Tokens
// must carry `exp`, and one expiring more than MAX_TOKEN_TTL_SECONDS ahead is refused, so a
// leaked token cannot live forever.
import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { AppError, ErrorCode, uuidSchema } from '@oec/shared';

export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const CLOCK_TOLERANCE_SECONDS = 30;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** The verification key, imported once per secret (not again on every request). */
const verifyKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
function verifyKey(secret: string): Promise<webcrypto.CryptoKey> {
  let k = verifyKeys.get(secret);
  if (!k) {
    k = webcrypto.subtle.importKey('raw', key(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    verifyKeys.set(secret, k);
  }
  return k;
}

/** `90`, `90s`, `15m`, `12h`, `7d` → seconds; null when malformed or out of range. */
export function parseTtl(text: string): number | null {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ''] ?? 1;
  const seconds = n * unit;
  return seconds > 0 && seconds <= MAX_TOKEN_TTL_SECONDS ? seconds : null;
}

export async function signToken(secret: string, userId: string, ttlSeconds: number, now = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(key(secret));
}

function unauthenticated(message: string): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, message);
}

/**
 * Tokens whose signature was verified, per secret: the subject and expiry of each (at most
 * VERIFIED_MAX, oldest dropped first). A poller sends the same token every second; its signature
 * cannot change, so it is checked once and the expiry on every use. The user behind it is still
 * looked up on every request (authenticate.ts), so a deleted user's token stops at once.
 */
const VERIFIED_MAX = 1024;
const verified = new Map<string, Map<string, { sub: string; exp: number }>>();

function expired(exp: number, nowSeconds: number): boolean {
  return exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS;
}

/** Verify a token and return its subject (a user id). Throws UNAUTHENTICATED. */
export async function verifyToken(secret: string, token: string, now = new Date()): Promise<string> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let known = verified.get(secret);
  const hit = known?.get(token);
  if (hit) {
    if (expired(hit.exp, nowSeconds)) throw unauthenticated('Token has expired');
    return hit.sub;
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await verifyKey(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'Token has expired' : 'Invalid bearer token');
  }
  if (payload.exp === undefined || payload.exp - nowSeconds > MAX_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw unauthenticated('Token lifetime is too long');
  }
  const sub = uuidSchema.safeParse(payload.sub);
  if (!sub.success) throw unauthenticated('Invalid bearer token');
  // A token with a not-before time is checked every time (it is valid only from then on).
  if (payload.nbf === undefined) {
    if (!known) verified.set(secret, (known = new Map<string, { sub: string; exp: number }>()));
    if (known.size >= VERIFIED_MAX) known.delete(known.keys().next().value ?? '');
    known.set(token, { sub: sub.data, exp: payload.exp });
  }
  return sub.data;
}

/** The token of an `Authorization: Bearer <token>` header. Throws UNAUTHENTICATED. */
export function bearerToken(header: string | null | undefined): string {
  if (!header) throw unauthenticated('Missing Authorization header (expected "Bearer <token>")');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw unauthenticated('Malformed Authorization header (expected "Bearer <token>")');
  return m[1];
}
