// Quoting for the few SQL statements that cannot take parameters (CREATE ROLE, CREATE DATABASE,
// GRANT …): identifiers are always double-quoted. Only names derived from ids (validated by the
// shared schemas) ever reach these helpers; values go through query parameters wherever the
// statement allows them.

/** `"name"` with embedded quotes doubled; refuses NUL, which PostgreSQL cannot store. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error('invalid SQL identifier');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'value'` with quotes doubled (E'' form when backslashes are present); refuses NUL. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('invalid SQL literal');
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** How often a backend of the agent checks that the agent is still there, during a statement. */
export const CLIENT_CHECK_INTERVAL_MS = 2000;

/**
 * Make a session's backend stop its statement when the agent dies (PostgreSQL 14+:
 * `client_connection_check_interval`): a killed agent's CREATE INDEX, UPDATE or COPY does not run
 * on for minutes with nobody to read its result. Older servers ignore it.
 */
export async function stopWithClient(client: { query(text: string): Promise<unknown> }): Promise<void> {
  await client.query(
    `SELECT set_config('client_connection_check_interval', '${CLIENT_CHECK_INTERVAL_MS}', false)
      WHERE current_setting('server_version_num')::int >= 140000`,
  );
}
