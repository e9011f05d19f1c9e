// Environment leases: a clone holds a shared lease on its source (other clones may read it too,
// nothing may change it) and an exclusive one on its target, from the request's transaction
// until its cleanup ends. Lifecycle actions check them through environment rows (assertIdle).
import { AppError, ErrorCode } from '@oec/shared';
import type { Queryable } from '../../db/pool.js';
import type { EnvironmentRow } from '../../services/environment-rows.js';

export type LeaseMode = 'shared' | 'exclusive';

export function busyError(env: EnvironmentRow, why: string): AppError {
  return new AppError(ErrorCode.ENVIRONMENT_BUSY, `Environment ${env.name} is busy (${why}); try again when it finishes`, {
    environment_id: env.id,
    status: env.status,
    action: env.action,
    lease: env.lease_mode,
    operation_id: env.lease_operation_id,
  });
}

/** 409 unless the environment could take a lease of `mode` (a shared one coexists with shared ones). */
export function assertLeasable(env: EnvironmentRow, mode: LeaseMode): void {
  if (env.lease_mode === 'exclusive' || (env.lease_mode !== null && mode === 'exclusive')) {
    throw busyError(env, 'a clone operation is using it');
  }
  if (env.action !== null) throw busyError(env, `${env.action} in progress`);
}

export async function takeLeases(
  q: Queryable,
  operationId: string,
  leases: readonly { environmentId: string; mode: LeaseMode }[],
): Promise<void> {
  for (const l of leases) {
    await q.query('INSERT INTO environment_leases (environment_id, operation_id, mode) VALUES ($1, $2, $3)', [
      l.environmentId,
      operationId,
      l.mode,
    ]);
  }
}

export async function releaseLeases(q: Queryable, operationId: string): Promise<void> {
  await q.query('DELETE FROM environment_leases WHERE operation_id = $1', [operationId]);
}
