// The generated password of reset_passwords: shown once, to the requester, in the first read of
// the completed operation; kept only in this process's memory (never in the database, never in
// a task row) and forgotten when read, when the operation fails, or after MAX_AGE_MS.
import type { Clock } from '../../clock.js';

export interface OneTimeSecrets {
  put(operationId: string, userId: string, secret: string): void;
  /** The secret when `userId` is its owner (and forget it), else null. */
  take(operationId: string, userId: string): string | null;
  drop(operationId: string): void;
}

const MAX_AGE_MS = 24 * 3600_000;

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
    },
    take(operationId, userId) {
      const e = entries.get(operationId);
      if (!e || e.userId !== userId) return null;
      entries.delete(operationId);
      return clock.now().getTime() - e.at > MAX_AGE_MS ? null : e.secret;
    },
    drop(operationId) {
      entries.delete(operationId);
    },
  };
}
