// Names and domains users choose, and the names we derive from ids (never from user input).
import { z } from 'zod';

/** Environment names: lowercase, digits and dashes, 2–40 characters, starting with a letter. */
export const ENVIRONMENT_NAME_RE = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
export const environmentNameSchema = z
  .string()
  .regex(ENVIRONMENT_NAME_RE, 'must be 2-40 characters of a-z, 0-9 and "-", start with a letter and not end with "-"');

/** A DNS host name: labels of a-z0-9 and inner dashes, at least two labels, 253 characters at most. */
const DOMAIN_RE = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
export const domainSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().regex(DOMAIN_RE, 'must be a valid domain name such as staging.example.com'));

export const uuidSchema = z.string().uuid();

/** Short, stable name fragment derived from an id: used for databases, roles and paths. */
export function idSlug(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

/** PostgreSQL database (and role) name of an environment: derived from its id only. */
export function environmentDbName(environmentId: string): string {
  return `oec_${idSlug(environmentId)}`;
}

/** `{source}-clone-{YYYYMMDD}` as the seed suggests, trimmed so it stays a valid name. */
export function suggestedCloneName(source: string, now: Date): string {
  const stamp = now.toISOString().slice(0, 10).replace(/-/g, '');
  const suffix = `-clone-${stamp}`;
  return `${source.slice(0, 40 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** `name`, `name-2`, `name-3`, … the first not in `taken`, kept within the name length limit. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, 40 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * A PostgreSQL table or column name as Odoo writes them: lower case letters, digits and `_`,
 * starting with a letter or `_`, at most 63 characters. Never quoted, never schema-qualified:
 * anything else (spaces, quotes, dots, semicolons) is refused before it can reach SQL.
 */
export const SQL_IDENTIFIER_RE = /^[a-z_][a-z0-9_]{0,62}$/;
export const sqlIdentifierSchema = z
  .string()
  .regex(SQL_IDENTIFIER_RE, 'must be a table or column name: a-z, 0-9 and "_", starting with a letter or "_", at most 63 characters');
