// API bearer tokens: HS256 JWTs signed with the configured secret, `sub` = user id. Tokens
// must carry `exp`, and one expiring more than MAX_TOKEN_TTL_SECONDS ahead is refused, so a
// leaked token cannot live forever.
import { SignJWT, jwtVerify } from 'jose';
import { AppError, ErrorCode, uuidSchema } from '@oec/shared';

export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const CLOCK_TOLERANCE_SECONDS = 30;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
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

/** Verify a token and return its subject (a user id). Throws UNAUTHENTICATED. */
export async function verifyToken(secret: string, token: string, now = new Date()): Promise<string> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'Token has expired' : 'Invalid bearer token');
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (payload.exp === undefined || payload.exp - nowSeconds > MAX_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw unauthenticated('Token lifetime is too long');
  }
  const sub = uuidSchema.safeParse(payload.sub);
  if (!sub.success) throw unauthenticated('Invalid bearer token');
  return sub.data;
}

/** The token of an `Authorization: Bearer <token>` header. Throws UNAUTHENTICATED. */
export function bearerToken(header: string | null | undefined): string {
  if (!header) throw unauthenticated('Missing Authorization header (expected "Bearer <token>")');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw unauthenticated('Malformed Authorization header (expected "Bearer <token>")');
  return m[1];
}
