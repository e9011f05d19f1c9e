// SQL building blocks shared by the option modules. Identifiers are constants written in this
// folder; every value, even a constant state name, travels as a bind parameter through `Stmt`.
import { Stmt } from './stmt.js';
import type { ApplyContext, PlanContext } from './types.js';

export { Stmt } from './stmt.js';

/** Odoo stores naive UTC timestamps. */
export const NOW_UTC = "(now() AT TIME ZONE 'UTC')";

/**
 * The organisation's own partners: those of internal users (`res_users.share = false`, archived
 * ones included) and the companies' own partners. Every other partner is a customer (contacts,
 * customer companies, portal and public users). The companies' partners count as own although
 * no user is linked to them: their address, email and phone are the company's letterhead,
 * mirrored in res_company's stored fields, report footers and mail aliases, not customer data.
 * The result has one column, `id`.
 */
export function internalPartnersSql(ctx: PlanContext): string {
  const parts: string[] = [];
  if (ctx.schema.has('res_users', 'partner_id', 'share')) {
    parts.push('SELECT partner_id AS id FROM res_users WHERE share = false AND partner_id IS NOT NULL');
  }
  if (ctx.schema.has('res_company', 'partner_id')) {
    parts.push('SELECT partner_id AS id FROM res_company WHERE partner_id IS NOT NULL');
  }
  return parts.length > 0 ? parts.join(' UNION ') : 'SELECT NULL::integer AS id WHERE false';
}

/**
 * The organisation's own addresses outside the partners: mail aliases, outgoing and incoming mail
 * accounts. SELECTs of (cls = 'email', v = the lower-cased, trimmed value), one per column the
 * database has. The personal data masking keeps them, and anonymize_emails counts them as
 * internal, so both leave the company's own addresses alone wherever a customer record repeats one.
 */
export function ownAddressSelects(ctx: PlanContext, s: Stmt): string[] {
  const columns: ReadonlyArray<readonly [string, string]> = [
    ['mail_alias', 'alias_full_name'],
    ['ir_mail_server', 'smtp_user'],
    ['ir_mail_server', 'from_filter'],
    ['fetchmail_server', 'user'],
  ];
  // Constants of this list, quoted as identifiers ("user" is a keyword).
  return columns
    .filter(([table, column]) => ctx.schema.has(table, column))
    .map(([table, column]) => `SELECT ${s.v('email')}::text AS cls, lower(btrim("${column}"::text)) AS v FROM "${table}" WHERE "${column}"::text LIKE '%@%'`);
}

/** The captured own partners (inside the run) or, read-only, the live subquery. */
export function internalPartnersRef(ctx: PlanContext, captured: boolean): string {
  return captured ? 'pg_temp.oec_internal_partner' : `(${internalPartnersSql(ctx)})`;
}

/** `alias` is a customer: not in the own-partner set `ref`. */
export function isCustomer(alias: string, ref: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${ref} oec_i WHERE oec_i.id = ${alias}.id)`;
}

/** Capture the own partners once per run (several options use them); idempotent. */
export async function captureInternalPartners(ctx: ApplyContext): Promise<void> {
  await ctx.query('CREATE TEMP TABLE IF NOT EXISTS oec_internal_partner (id integer PRIMARY KEY) ON COMMIT DROP');
  await ctx.query(`INSERT INTO pg_temp.oec_internal_partner (id) ${internalPartnersSql(ctx)} ON CONFLICT DO NOTHING`);
}

/** Upsert one ir_config_parameter (no reliance on the unique constraint being present). */
export async function setParam(ctx: ApplyContext, key: string, value: string): Promise<number> {
  const u = new Stmt();
  const stamp = ctx.schema.has('ir_config_parameter', 'write_date') ? `, write_date = ${NOW_UTC}` : '';
  const updated = await ctx.exec(
    `UPDATE ir_config_parameter SET value = ${u.v(value)}${stamp} WHERE key = ${u.v(key)}`,
    u.values,
  );
  if (updated > 0) return updated;
  const i = new Stmt();
  const cols = ['key', 'value'];
  const vals = [i.v(key), i.v(value)];
  for (const c of ctx.schema.present('ir_config_parameter', ['create_date', 'write_date'])) {
    cols.push(c);
    vals.push(NOW_UTC);
  }
  if (ctx.schema.has('ir_config_parameter', 'type')) {
    cols.push('type');
    vals.push(i.v('str'));
  }
  return ctx.exec(`INSERT INTO ir_config_parameter (${cols.join(', ')}) VALUES (${vals.join(', ')})`, i.values);
}

/** `SELECT <n> AS violations` helpers for proof queries. */
export function countViolations(from: string): string {
  return `SELECT count(*)::int AS violations FROM ${from}`;
}

/** "N things" with a simple plural. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A summary from labelled counts, leaving out the zeros. */
export function summarize(parts: ReadonlyArray<readonly [number, string]>, nothing = 'nothing to change'): string {
  const shown = parts.filter(([n]) => n > 0).map(([, text]) => text);
  return shown.length > 0 ? shown.join(', ') : nothing;
}
