// The database's identity, handled on every run whatever the options: a create_new target gets a
// new database.uuid and database.secret (it is a different database: Odoo's license server,
// sessions and signed tokens must not take it for the source); a replace target gets back the
// identity parameters of the database it replaces, exactly as they were, and a new database.uuid
// and database.secret where that database had none (it was not an Odoo database yet: the copy
// must not keep the source's either). It runs after the
// capture and before the options, so update_base_url, when chosen, has the last word on the URLs.
import { randomUUID } from 'node:crypto';
import { countViolations, setParam, Stmt } from './sql.js';
import type { ApplyContext, CheckSpec } from './types.js';
import { urlParams } from './options/urls.js';

export const IDENTITY_PARAMS = [
  'database.uuid',
  'database.secret',
  'database.enterprise_code',
  'web.base.url',
  'web.base.url.freeze',
  'report.url',
] as const;

const REGENERATED = ['database.uuid', 'database.secret'] as const;

export async function captureIdentity(ctx: ApplyContext): Promise<void> {
  if (!ctx.schema.has('ir_config_parameter', 'key', 'value')) return;
  const s = new Stmt();
  await ctx.query(
    `CREATE TEMP TABLE oec_src_identity ON COMMIT DROP AS SELECT key, value FROM ir_config_parameter WHERE key = ANY(${s.list(IDENTITY_PARAMS)})`,
    s.values,
  );
}

/**
 * The keys this run gives new values: both on a new database; on a replace, those the replaced
 * database did not have (the copy must not keep the source's).
 */
function regeneratedKeys(ctx: ApplyContext): string[] {
  if (ctx.params.mode === 'create_new') return [...REGENERATED];
  const kept = ctx.params.identity ?? {};
  return REGENERATED.filter((key) => !Object.hasOwn(kept, key));
}

/** Writes the identity; returns the keys written (for the log). */
export async function applyIdentity(ctx: ApplyContext): Promise<string[]> {
  if (!ctx.schema.has('ir_config_parameter', 'key', 'value')) return [];
  const written: string[] = [];
  const entries: Array<[string, string]> = [
    ...regeneratedKeys(ctx).map((key): [string, string] => [key, randomUUID()]),
    ...(ctx.params.mode === 'create_new' ? [] : Object.entries(ctx.params.identity ?? {})),
  ];
  for (const [key, value] of entries) {
    await setParam(ctx, key, value);
    written.push(key);
  }
  return written;
}

/** What the identity parameters must hold after the whole run (replace). */
export function expectedIdentity(ctx: ApplyContext): Array<[string, string]> {
  const expected = new Map(Object.entries(ctx.params.identity ?? {}));
  if (ctx.enabled.has('update_base_url')) for (const [k, v] of urlParams(ctx.params.baseUrl)) if (expected.has(k)) expected.set(k, v);
  return [...expected.entries()];
}

export function identityChecks(ctx: ApplyContext): CheckSpec[] {
  const regenerated = regeneratedKeys(ctx).map((key): CheckSpec => {
    const s = new Stmt();
    const k = s.v(key);
    return {
      check: `${key} regenerated`,
      requires: [['ir_config_parameter', 'key', 'value']],
      sql:
        `SELECT ((NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = ${k}))::int + ` +
        `(SELECT count(*) FROM ir_config_parameter c JOIN pg_temp.oec_src_identity o ON o.key = c.key ` +
        `WHERE c.key = ${k} AND c.value = o.value))::int AS violations`,
      values: s.values,
    };
  });
  if (ctx.params.mode === 'create_new') return regenerated;
  const expected = expectedIdentity(ctx);
  const s = new Stmt();
  return [
    ...regenerated,
    {
      check: 'identity parameters of the replaced database restored',
      requires: [['ir_config_parameter', 'key', 'value']],
      sql: countViolations(
        `unnest(${s.list(expected.map(([k]) => k))}, ${s.list(expected.map(([, v]) => v))}) e(key, value) ` +
          `LEFT JOIN ir_config_parameter c ON c.key = e.key WHERE c.value IS DISTINCT FROM e.value`,
      ),
      values: s.values,
    },
  ];
}
