// Agent enrollment tokens. A token is `<server id>.<32 random bytes, base64url>`: the id picks
// the server row, and the sha256 of the whole token is compared in constant time with the
// stored hash. Only the hash is stored; the token is shown once, when the server is created.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidSchema } from '@oec/shared';

export function generateAgentToken(serverId: string): string {
  return `${serverId}.${randomBytes(32).toString('base64url')}`;
}

export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The server id a token claims, or null when the token is not shaped like one of ours. */
export function tokenServerId(token: string): string | null {
  const dot = token.indexOf('.');
  if (dot < 0) return null;
  const id = uuidSchema.safeParse(token.slice(0, dot));
  return id.success && /^[A-Za-z0-9_-]{43}$/.test(token.slice(dot + 1)) ? id.data : null;
}

/** Constant-time comparison of a presented token against a stored sha256 hex hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashAgentToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
