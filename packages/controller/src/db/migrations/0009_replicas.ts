// Controller replicas (issue 14, decision 0018): several controllers share one database. Each
// replica has a row it heartbeats; an operation is driven by the replica that owns it until
// its lease runs out; a task row remembers the replica that created it (so a starting replica
// recovers only the work of dead ones), carries its frame sealed (so whichever replica holds the
// agent's connection, or takes the operation over, can send it again) and the agent's result
// sealed (so the one-time secrets of an output survive a relay); an environment's lifecycle
// action remembers its replica; a server remembers which replica holds its agent's connection;
// one-time secrets live sealed in the database instead of one process's memory.
// `oec.replica` is the session setting each replica's pool sets (db/pool.ts).
export const id = '0009_replicas';

export const sql = `
CREATE TABLE controller_replicas (
  id text PRIMARY KEY,
  hostname text NOT NULL,
  pid integer NOT NULL,
  url text,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE clone_operations
  ADD COLUMN owner text,
  ADD COLUMN lease_until timestamptz;
CREATE INDEX clone_operations_lease_idx ON clone_operations (lease_until)
  WHERE status NOT IN ('completed', 'failed', 'cancelled') OR cleanup = 'pending';

ALTER TABLE tasks
  ADD COLUMN owner text,
  ADD COLUMN frame_sealed text,
  ADD COLUMN result_sealed text;
ALTER TABLE tasks ALTER COLUMN owner SET DEFAULT current_setting('oec.replica', true);

-- Added first, defaulted after: rows claimed before this migration belong to no live replica.
ALTER TABLE environments ADD COLUMN action_owner text;
ALTER TABLE environments ALTER COLUMN action_owner SET DEFAULT current_setting('oec.replica', true);

ALTER TABLE servers ADD COLUMN connected_replica text;

CREATE TABLE clone_secrets (
  operation_id uuid PRIMARY KEY REFERENCES clone_operations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  sealed text NOT NULL,
  expires_at timestamptz NOT NULL
);
`;
