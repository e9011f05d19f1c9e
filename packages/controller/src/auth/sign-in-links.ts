// One-time sign-in links: a random token handed to a user once (CLI, demo), stored only as its
// sha256, valid for a short time and exchanged at most once for an API token (the UPDATE …
// WHERE used_at IS NULL makes two concurrent exchanges of one token yield one winner).
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/pool.js';

export const DEFAULT_LINK_TTL_SECONDS = 15 * 60;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSignInLink(
  db: Queryable,
  clock: Clock,
  userId: string,
  ttlSeconds = DEFAULT_LINK_TTL_SECONDS,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await db.query('DELETE FROM sign_in_links WHERE expires_at < $1', [now]);
  await db.query('INSERT INTO sign_in_links (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    tokenHash(token),
    userId,
    now,
    expiresAt,
  ]);
  return { token, expiresAt };
}

/** The link's user id when the token is known, unexpired and unused (it is used from now on); else null. */
export async function consumeSignInLink(db: Queryable, clock: Clock, token: string): Promise<string | null> {
  const now = clock.now();
  const { rows } = await db.query<{ user_id: string }>(
    `UPDATE sign_in_links SET used_at = $2
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
      RETURNING user_id`,
    [tokenHash(token), now],
  );
  return rows[0]?.user_id ?? null;
}
