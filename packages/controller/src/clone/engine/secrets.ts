// The generated password of reset_passwords: shown once, to the requester, in the first read of
// the completed operation, and forgotten when read, when the operation fails, or after
// MAX_AGE_MS. Any replica may serve that read, so the controller keeps it in the database,
// sealed (db/seal.ts: never readable from a dump, never in a task row or a log); the in-memory
// variant serves single-process tests.
import type { Clock } from '../../clock.js';
import type { Queryable } from '../../db/pool.js';
import type { Sealer } from '../../db/seal.js';

export interface OneTimeSecrets {
  put(operationId: string, userId: string, secret: string): Promise<void>;
  /** The secret when `userId` is its owner (and forget it), else null. */
  take(operationId: string, userId: string): Promise<string | null>;
  drop(operationId: string): Promise<void>;
}

const MAX_AGE_MS = 24 * 3600_000;

export function createStoredSecrets(db: Queryable, sealer: Sealer, clock: Clock): OneTimeSecrets {
  return {
    async put(operationId, userId, secret) {
      const expires = new Date(clock.now().getTime() + MAX_AGE_MS);
      await db.query('DELETE FROM clone_secrets WHERE expires_at < $1', [clock.now()]);
      await db.query(
        `INSERT INTO clone_secrets (operation_id, user_id, sealed, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (operation_id) DO UPDATE SET user_id = EXCLUDED.user_id, sealed = EXCLUDED.sealed, expires_at = EXCLUDED.expires_at`,
        [operationId, userId, sealer.seal(secret), expires],
      );
    },
    async take(operationId, userId) {
      const { rows } = await db.query<{ sealed: string }>(
        'DELETE FROM clone_secrets WHERE operation_id = $1 AND user_id = $2 AND expires_at > $3 RETURNING sealed',
        [operationId, userId, clock.now()],
      );
      return rows[0] ? sealer.open(rows[0].sealed) : null;
    },
    async drop(operationId) {
      await db.query('DELETE FROM clone_secrets WHERE operation_id = $1', [operationId]);
    },
  };
}

export function createOneTimeSecrets(clock: Clock): OneTimeSecrets {
  const entries = new Map<string, { userId: string; secret: string; at: number }>();
  const prune = (now: number) => {
    for (const [id, e] of entries) if (now - e.at > MAX_AGE_MS) entries.delete(id);
  };
  return {
    put(operationId, userId, secret) {
      const now = clock.now().getTime();
      prune(now);
      entries.set(operationId, { userId, secret, at: now });
      return Promise.resolve();
    },
    take(operationId, userId) {
      const e = entries.get(operationId);
      if (!e || e.userId !== userId) return Promise.resolve(null);
      entries.delete(operationId);
      return Promise.resolve(clock.now().getTime() - e.at > MAX_AGE_MS ? null : e.secret);
    },
    drop(operationId) {
      entries.delete(operationId);
      return Promise.resolve();
    },
  };
}
