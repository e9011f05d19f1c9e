// Which replica drives an operation (decision 0018): `owner` and `lease_until` on the row. The
// owner renews the lease of everything it runs or cleans up every heartbeat; every write of a run
// is guarded by `owner` as well as by `attempt`, so a replica that lost its lease (it stalled
// past it, another took over) can no longer move the operation. An expired lease is taken over
// by any replica: a running operation is resumed, a pending cleanup is run.
import type { StepState } from '@oec/shared';
import type { Db, Queryable } from '../../db/pool.js';
import { NOT_RUNNING_SQL, TERMINAL_SQL } from './operation-row.js';

export interface Replica {
  id: string;
  leaseMs: number;
}

const LEASE = `now() + make_interval(secs => $2::double precision / 1000)`;

/**
 * pending → pre_checks under this replica's lease, unless a cancel came first or a server it
 * involves already runs its clone_concurrency. The servers' rows are locked first, and counted in a
 * statement of its own: under READ COMMITTED a statement sees the snapshot it started with, so a
 * count in the statement that waited for the lock would miss the claim that held it, and two
 * replicas could exceed the limit together. The start time is read after the count too: one read
 * before waiting could precede the end of the operation whose place this one takes. FOR NO KEY
 * UPDATE: it queues claims behind each other but not the foreign key checks (KEY SHARE) of every
 * task row inserted for those servers meanwhile, which FOR UPDATE did, closing a deadlock with
 * clone requests.
 */
export async function claimOperation(db: Db, id: string, stepsAt: (now: Date) => StepState[], clock: () => Date, me: Replica): Promise<boolean> {
  return db.tx(async (q) => {
    await q.query(
      `SELECT s.id FROM servers s, clone_operations o
        WHERE o.id = $1 AND s.id IN (o.server_id, o.source_server_id)
        ORDER BY s.id FOR NO KEY UPDATE OF s`,
      [id],
    );
    const { rows } = await q.query<{ full: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM servers i, clone_operations o
          WHERE o.id = $1 AND i.id IN (o.server_id, o.source_server_id)
            AND (SELECT COUNT(*) FROM clone_operations r
                  WHERE (r.server_id = i.id OR r.source_server_id = i.id) AND r.status NOT IN ${NOT_RUNNING_SQL})
                >= i.clone_concurrency) AS full`,
      [id],
    );
    if (rows[0]?.full !== false) return false;
    const now = clock();
    const { rowCount } = await q.query(
      `UPDATE clone_operations
          SET status = 'pre_checks', steps = $3, run_started_at = $4, updated_at = $4, owner = $5, lease_until = ${LEASE}
        WHERE id = $1 AND status = 'pending' AND cancel_requested_at IS NULL`,
      [id, me.leaseMs, JSON.stringify(stepsAt(now)), now, me.id],
    );
    return (rowCount ?? 0) > 0;
  });
}

/** Renew the leases of `ids`; returns the ids this replica still owns (the others were lost). */
export async function renewLeases(q: Queryable, me: Replica, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await q.query<{ id: string }>(
    `UPDATE clone_operations SET lease_until = ${LEASE}
      WHERE owner = $1 AND id = ANY($3::uuid[]) AND (status NOT IN ${TERMINAL_SQL} OR cleanup = 'pending')
      RETURNING id`,
    [me.id, me.leaseMs, ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Let another replica take `ids` at once (a clean stop: the work goes on elsewhere). */
export async function releaseLeases(q: Queryable, me: Replica, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query(`UPDATE clone_operations SET lease_until = now() WHERE owner = $1 AND id = ANY($2::uuid[])`, [me.id, ids]);
}

/** Running operations nobody holds a lease on (their replica died or stopped). */
export async function orphanedRuns(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM clone_operations
      WHERE status NOT IN ${NOT_RUNNING_SQL} AND (lease_until IS NULL OR lease_until < now())
      ORDER BY started_at, id LIMIT 100`,
  );
  return rows.map((r) => r.id);
}

/** Take over a running operation whose lease expired; false when another replica was faster. */
export async function takeOver(q: Queryable, id: string, me: Replica): Promise<{ previous: string | null } | null> {
  const { rows } = await q.query<{ previous: string | null }>(
    `UPDATE clone_operations o SET owner = $3, lease_until = ${LEASE}, updated_at = now()
       FROM (SELECT id, owner AS previous FROM clone_operations WHERE id = $1 FOR UPDATE) p
      WHERE o.id = p.id AND o.status NOT IN ${NOT_RUNNING_SQL} AND (o.lease_until IS NULL OR o.lease_until < now())
      RETURNING p.previous`,
    [id, me.leaseMs, me.id],
  );
  return rows[0] ?? null;
}

/** Take the cleanup of a finished operation (nobody else holds it); false otherwise. */
export async function claimCleanup(q: Queryable, id: string, me: Replica): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE clone_operations SET owner = $3, lease_until = ${LEASE}
      WHERE id = $1 AND cleanup = 'pending' AND (owner IS NULL OR owner = $3 OR lease_until IS NULL OR lease_until < now())`,
    [id, me.leaseMs, me.id],
  );
  return (rowCount ?? 0) > 0;
}
