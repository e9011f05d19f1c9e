// Small database helpers for the generator's callers: connect from a URL or reuse a client, and
// (re)create an empty database next to the one a URL names.
import pg from 'pg';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The database name a connection URL points at. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Run `fn` with a connected client: the one given, or a new one for a URL (closed afterwards). */
export async function withClient<T>(target: pg.ClientBase | string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (typeof target !== 'string') return fn(target);
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Drop (if it exists, disconnecting its sessions) and create the database `url` names, empty,
 * from template0. Connects to the server's `postgres` database to do so. Returns `url`.
 */
export async function recreateDatabase(url: string): Promise<string> {
  const name = databaseOf(url);
  if (!name || name === 'postgres') throw new Error(`refusing to recreate database ${JSON.stringify(name)}`);
  await withClient(withDatabase(url, 'postgres'), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  });
  return url;
}
