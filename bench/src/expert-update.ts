// The sanitization an expert writes after a hand-made copy, covering the same columns as our
// `recommended` preset: set-based, one UPDATE (or DELETE) per table, in one transaction.
//   - every column of the Odoo 17 personal data catalogue that recommended's personal options
//     mask (anonymize_emails, anonymize_phones, anonymize_identity_numbers: personalOptionFor),
//     where the database has it: emails → 'a<id>@anon.invalid', phones → '+1555<id>', identity
//     numbers and other private text → md5 prefix, private dates and numbers → NULL; contacts
//     keep staff's own values (internal users' and companies' partners, internal users' logins);
//   - the catalogue's free-text columns and the mail text columns: e-mail addresses and
//     phone-like runs replaced by regexp_replace;
//   - each UPDATE touches only the rows with something to mask (a value, or a quoted address or
//     phone number), so that the baseline is the careful expert, not a rewrite of every row;
//   - mail servers and crons off, the mail queue emptied, API keys deleted, the base URL set,
//     asset bundles deleted.
// Never the by-value proof, the personal data map, or Studio fields our sanitizer also finds: this
// is the short script an expert types, the bar our whole clone has to beat.
import pg from 'pg';
import { ODOO17_PERSONAL_FIELDS, PRESET_OPTIONS, personalOptionFor, type PersonalKind } from '@oec/shared';
import type { ClusterInfo } from '@oec/agent/postgres';
import { withDb } from '@oec/test/clone';

const EMAIL_RE = '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}';
const PHONE_RE = '\\+?[0-9][0-9 ().-]{6,18}[0-9]';
/** Mail text columns recommended's anonymize_emails rewrites by token, besides the catalogue's free text. */
const MAIL_TEXT: Record<string, readonly string[]> = {
  res_partner: ['comment'],
  mail_message: ['email_from', 'reply_to', 'body'],
  mail_template: ['email_from', 'email_to', 'email_cc', 'reply_to'],
};
/** Staff keep their own contact values (as our sanitizer does): the rows an expert leaves out. */
const KEEP_STAFF: Record<string, string> = {
  res_partner:
    'id NOT IN (SELECT partner_id FROM res_users WHERE share IS NOT TRUE AND partner_id IS NOT NULL) AND id NOT IN (SELECT partner_id FROM res_company WHERE partner_id IS NOT NULL)',
  res_users: 'share IS NOT FALSE',
};

interface Column {
  table: string;
  column: string;
  type: 'text' | 'json' | 'other';
  nullable: boolean;
}

const q = (s: string) => pg.escapeIdentifier(s);
const lit = (s: string) => pg.escapeLiteral(s);

/** The value an expert writes into a masked structured column (null: leave the column alone). */
function masked(c: Column, kind: PersonalKind, hasId: boolean): string | null {
  const col = q(c.column);
  const id = hasId ? 'id' : `abs(hashtext(${col}))`;
  if (c.type !== 'text') return c.type === 'other' && c.nullable ? 'NULL' : null;
  const value =
    kind === 'email' || kind === 'login'
      ? `'a' || ${id} || '@anon.invalid'`
      : kind === 'phone'
        ? `'+1555' || lpad((${id} % 10000000)::text, 7, '0')`
        : `left(md5(${col}), 12)`;
  return `CASE WHEN ${col} IS NULL OR ${col} = '' THEN ${col} ELSE ${value} END`;
}

/** The free-text value quotes an e-mail address or a phone-like run. */
function quotes(column: string): string {
  const col = q(column);
  return `(${col} ~ ${lit(EMAIL_RE)} OR ${col} ~ ${lit(PHONE_RE)})`;
}

function scrubbed(column: string): string {
  const col = q(column);
  return `regexp_replace(regexp_replace(${col}, ${lit(EMAIL_RE)}, 'a@anon.invalid', 'g'), ${lit(PHONE_RE)}, '+15550000000', 'g')`;
}

/** The statements, built from the columns the database has. */
export function expertStatements(columns: readonly Column[], baseUrl: string): string[] {
  const has = new Map(columns.map((c) => [`${c.table}.${c.column}`, c]));
  const tables = new Set(columns.map((c) => c.table));
  const enabled = new Set<string>(PRESET_OPTIONS.recommended);
  /** Per table: column → [new value, when the row needs it]. */
  const sets = new Map<string, Map<string, [string, string]>>();
  const set = (table: string, column: string, expr: string, needs: string) => {
    const m = sets.get(table) ?? new Map<string, [string, string]>();
    if (!m.has(column)) m.set(column, [expr, needs]);
    sets.set(table, m);
  };
  for (const [table, column, kind, audience] of ODOO17_PERSONAL_FIELDS) {
    const c = has.get(`${table}.${column}`);
    if (!c) continue;
    if (kind === 'free_text' && audience !== 'none') {
      if (c.type === 'text') set(table, column, scrubbed(column), quotes(column));
      continue;
    }
    const option = personalOptionFor(kind, audience);
    if (!option || !enabled.has(option)) continue;
    const expr = masked(c, kind, has.has(`${table}.id`));
    if (expr) set(table, column, expr, c.type === 'text' ? `${q(column)} <> ''` : `${q(column)} IS NOT NULL`);
  }
  for (const [table, cols] of Object.entries(MAIL_TEXT)) {
    for (const column of cols) if (has.get(`${table}.${column}`)?.type === 'text') set(table, column, scrubbed(column), quotes(column));
  }
  // the queue is emptied below: nothing in it to rewrite first
  sets.delete('mail_mail');
  const out: string[] = [];
  for (const [table, cols] of sets) {
    // only the rows holding something to mask, as a careful expert writes it
    const needs = `(${[...cols.values()].map(([, n]) => n).join(' OR ')})`;
    const where = KEEP_STAFF[table] ? `${KEEP_STAFF[table]} AND ${needs}` : needs;
    out.push(`UPDATE ${q(table)} SET ${[...cols].map(([c, [e]]) => `${q(c)} = ${e}`).join(', ')} WHERE ${where}`);
  }
  if (has.has('ir_mail_server.active')) out.push('UPDATE ir_mail_server SET active = false');
  if (has.has('fetchmail_server.active')) out.push('UPDATE fetchmail_server SET active = false');
  if (has.has('ir_cron.active')) out.push('UPDATE ir_cron SET active = false');
  if (tables.has('mail_mail')) out.push('DELETE FROM mail_mail');
  if (tables.has('res_users_apikeys')) out.push('DELETE FROM res_users_apikeys');
  if (has.has('ir_config_parameter.value')) {
    out.push(`UPDATE ir_config_parameter SET value = ${lit(baseUrl)} WHERE key = 'web.base.url'`);
  }
  if (has.has('ir_attachment.url')) out.push(`DELETE FROM ir_attachment WHERE url LIKE '/web/assets/%'`);
  return out;
}

/** Run the expert's sanitization on `db` in one transaction; returns the rows it changed. */
export async function expertSanitize(cluster: ClusterInfo, db: string, baseUrl = 'https://staging.example.invalid'): Promise<{ statements: string[]; rows: number }> {
  return withDb(cluster, db, async (c) => {
    const { rows } = await c.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const columns: Column[] = rows.map((r) => ({
      table: r.table_name,
      column: r.column_name,
      type: ['text', 'character varying'].includes(r.data_type) ? 'text' : ['json', 'jsonb'].includes(r.data_type) ? 'json' : 'other',
      nullable: r.is_nullable === 'YES',
    }));
    const statements = expertStatements(columns, baseUrl);
    let changed = 0;
    await c.query('BEGIN');
    try {
      for (const sql of statements) changed += (await c.query(sql)).rowCount ?? 0;
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return { statements, rows: changed };
  });
}
