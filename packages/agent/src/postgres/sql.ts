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
