// A digest of the controller's database: per user table, its row count and the md5 of its rows
// (as text, sorted), so two snapshots are equal exactly when no row was added, removed or changed.
// One exclusion, by rows and not by table: `tasks` of the read-only kinds (env.inspect,
// clone.estimate) and their `task_logs`. A clone or estimate request measures its source through
// the agent while it is checked, and the task journal records every agent task, also one asked
// for a request that a later check refuses; those rows say that a measurement ran, they change
// nothing the API serves. So do `agent.reconcile` rows (sent at every agent connect; the fake agent
// finds nothing to remove). Of `controller_replicas` only the ids count, and of `clone_operations`
// everything but `lease_until`: a replica's heartbeat moves both every few seconds (its own row,
// the leases of the operations it runs) whatever the requests do. Everything else (rate limits,
// live progress) lives in memory, not here.
import type pg from 'pg';

export type Snapshot = Record<string, string>;

const READ_ONLY = "('env.inspect', 'clone.estimate', 'agent.reconcile')";
const ROWS: Record<string, string> = {
  tasks: `SELECT t FROM tasks t WHERE kind NOT IN ${READ_ONLY}`,
  task_logs: `SELECT l FROM task_logs l JOIN tasks t ON t.id = l.task_id WHERE t.kind NOT IN ${READ_ONLY}`,
  controller_replicas: 'SELECT r.id FROM controller_replicas r',
  clone_operations: `SELECT to_jsonb(o) - 'lease_until' FROM clone_operations o`,
};

export async function userTables(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  return rows.map((r) => r.name);
}

/** One query over every table: `{ table: "count:md5" }`. */
export async function snapshot(db: pg.Pool, tables: readonly string[]): Promise<Snapshot> {
  const parts = tables.map((name) => {
    const rows = ROWS[name] ?? `SELECT t FROM ${name} t`;
    return `SELECT '${name}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(r.t::text, ',' ORDER BY r.t::text)), '') AS digest FROM (${rows}) r(t)`;
  });
  const { rows } = await db.query<{ name: string; digest: string }>(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.name, r.digest]));
}

/** Tables whose digest differs. */
export function changed(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
