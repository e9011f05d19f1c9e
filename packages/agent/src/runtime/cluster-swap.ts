// A copy-on-write replace's second cluster and the swap of cluster directories (decision 0020,
// "Replace"). Beside the target's cluster `<env>/postgres` a replace snapshots its new data into
// `<env>/postgres.<work db>`; the swap moves the target's cluster to `<env>/postgres.<retained db>`
// and the new one into `<env>/postgres`. A side directory is named after the database it stands
// for, so the names the clone already journals (work_db, retained_db) find, drop and reconcile it.
// The moves are plain renames of stopped clusters, each done only when its source is there and
// its destination is not: run again after a crash anywhere, they finish (or undo) the swap and
// never overwrite a cluster.
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';

/** `postgres.<name>`: a side cluster's directory, beside the environment's own `postgres`. */
export const SIDE_CLUSTER_PREFIX = 'postgres.';

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The side cluster directory standing for database `name` in the environment dir `envRoot`; null for a name no database has. */
export function sideClusterDir(envRoot: string, name: string): string | null {
  return DB_NAME.test(name) ? join(envRoot, `${SIDE_CLUSTER_PREFIX}${name}`) : null;
}

export interface SwapDirs {
  /** The environment's cluster, `<env>/postgres`: what its app and port serve. */
  target: string;
  /** The new cluster, `<env>/postgres.<work db>`. */
  next: string;
  /** Where the target's old cluster goes, `<env>/postgres.<retained db>`. */
  retained: string;
}

/**
 * Move the (stopped) clusters: `in` puts `next` in the target's place and the old one at
 * `retained`; `back` reverses it. The two share their middle state (the target's place empty): the
 * direction comes from the caller's journal. Returns the renames done, in order.
 */
export async function moveClusters(d: SwapDirs, direction: 'in' | 'back'): Promise<Array<[string, string]>> {
  const done: Array<[string, string]> = [];
  const move = async (from: string, to: string) => {
    await rename(from, to);
    done.push([from, to]);
  };
  if (direction === 'in') {
    if (!existsSync(d.retained)) {
      if (!existsSync(d.next)) throw new Error(`no new cluster at ${d.next} to swap in`);
      await move(d.target, d.retained);
    }
    if (!existsSync(d.target)) {
      if (!existsSync(d.next)) throw new Error(`neither ${d.target} nor ${d.next} holds a cluster: the swap cannot go on`);
      await move(d.next, d.target);
    }
  } else {
    // Nothing was swapped when the old cluster never moved aside.
    if (!existsSync(d.retained)) return done;
    if (existsSync(d.target)) {
      if (existsSync(d.next)) throw new Error(`${d.target}, ${d.next} and ${d.retained} all exist: refusing to swap back over one`);
      await move(d.target, d.next);
    }
    await move(d.retained, d.target);
  }
  return done;
}
