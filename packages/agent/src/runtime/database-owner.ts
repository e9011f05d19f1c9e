// Which environment a database belongs to, by its name, for runtimes that give every environment
// its own PostgreSQL (docker/, local-clusters.ts): a method given only a database name reaches the
// server of the environment it serves.

export interface DatabaseOwner {
  environmentId: string;
  /** The environment's database name. */
  dbName: string;
}

/**
 * Which environment's server holds the database `name`: the environment whose db_name it is,
 * or whose db_name plus `_<suffix>` it is (the replace work and retained databases,
 * `<db>_n<tag>` and `<db>_o<tag>`). Longest match wins; null when no environment claims it.
 */
export function ownerOf<T extends DatabaseOwner>(name: string, candidates: readonly T[]): T | null {
  let best: T | null = null;
  for (const c of candidates) {
    if (name !== c.dbName && !name.startsWith(`${c.dbName}_`)) continue;
    if (!best || c.dbName.length > best.dbName.length) best = c;
  }
  return best;
}
