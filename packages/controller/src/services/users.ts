// Users as the CLI manages them: bootstrapping the first platform admin, finding by email.
import { AppError, ErrorCode } from '@oec/shared';
import type { Db } from '../db/pool.js';
import type { IdGenerator } from '../ids.js';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  is_platform_admin: boolean;
}

export async function findUserByEmail(db: Pick<Db, 'query'>, email: string): Promise<UserRecord | null> {
  const { rows } = await db.query<UserRecord>(
    'SELECT id, email, name, is_platform_admin FROM users WHERE lower(email) = lower($1)',
    [email.trim()],
  );
  return rows[0] ?? null;
}

/**
 * Create the first user as platform admin. Idempotent for the same email (returns the existing
 * user); refused once any other user exists, so it cannot be used to mint new admins later.
 */
export async function bootstrapAdmin(
  db: Db,
  ids: IdGenerator,
  email: string,
  name?: string,
): Promise<{ user: UserRecord; created: boolean }> {
  const normalized = email.trim().toLowerCase();
  return db.tx(async (q) => {
    // Serializes concurrent bootstraps: the first one wins.
    await q.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const existing = await findUserByEmail(q, normalized);
    if (existing?.is_platform_admin) return { user: existing, created: false };
    const { rows } = await q.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM users');
    if ((rows[0]?.n ?? 0) > 0) {
      throw new AppError(ErrorCode.CONFLICT, 'Users exist already: bootstrap only creates the first user');
    }
    const user: UserRecord = {
      id: ids.uuid(),
      email: normalized,
      name: name?.trim() || (normalized.split('@')[0] ?? normalized),
      is_platform_admin: true,
    };
    await q.query('INSERT INTO users (id, email, name, is_platform_admin) VALUES ($1, $2, $3, true)', [
      user.id,
      user.email,
      user.name,
    ]);
    return { user, created: true };
  });
}
