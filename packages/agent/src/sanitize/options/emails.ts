// anonymize_emails: customers' email addresses become deterministic pseudonyms
// (`u<20 hex of HMAC(salt, address)>@anon.invalid`) everywhere the sanitizer looks: the contact,
// portal logins equal to such an address, the recipients, headers and bodies of queued mail,
// message senders, reply-to and bodies, contact notes, SMTP failure reasons and template
// addresses (EMAIL_TEXT_COLUMNS). Internal users (res_users.share = false) and the companies' own
// partners keep theirs, and their addresses are never rewritten elsewhere; nor are the company's mail
// aliases and mail accounts (ownAddressSelects), wherever a customer record repeats one.
// The capture step stores the real customer addresses (`pg_temp.oec_email_map`, dropped at
// commit) so that the proof can show none of them is left.
import { ANON_DOMAIN, EMAIL_TOKEN_RE, fakeEmailSql } from '../pseudonyms.js';
import {
  captureInternalPartners,
  countViolations,
  internalPartnersRef,
  isCustomer,
  ownAddressSelects,
  plural,
  Stmt,
  summarize,
} from '../sql.js';
import type { ApplyContext, CheckSpec, PlanContext, SanitizeOption } from '../types.js';

/**
 * Free-text columns rewritten token by token: address headers, and the HTML bodies and notes
 * where customers' addresses are quoted (`<a href="mailto:…">`); everything else in them is kept.
 */
export const EMAIL_TEXT_COLUMNS = {
  res_partner: ['comment'],
  mail_mail: ['email_to', 'email_cc', 'body_html', 'headers', 'failure_reason'],
  mail_message: ['email_from', 'reply_to', 'body'],
  mail_template: ['email_from', 'email_to', 'email_cc', 'reply_to'],
} as const satisfies Record<string, readonly string[]>;
type TextTable = keyof typeof EMAIL_TEXT_COLUMNS;
const TEXT_TABLES = Object.keys(EMAIL_TEXT_COLUMNS) as TextTable[];

const MAP = 'pg_temp.oec_email_map';

function anonLike(s: Stmt): string {
  return s.v(`%${ANON_DOMAIN}`);
}

/** Real customer addresses (lowercased tokens, token-less values, email_normalized) + internal flag. */
function customerAddressesSql(ctx: PlanContext, s: Stmt, internal: string): string {
  const re = s.v(EMAIL_TOKEN_RE);
  const cust = isCustomer('p', internal);
  const branches = [
    `SELECT lower(m.t[1]) AS addr, NOT (${cust}) AS internal FROM res_partner p, regexp_matches(p.email, ${re}, 'g') AS m(t)`,
    `SELECT lower(btrim(p.email)), false FROM res_partner p WHERE ${cust} AND btrim(p.email) <> '' AND p.email !~ ${re}`,
  ];
  if (ctx.schema.has('res_partner', 'email_normalized')) {
    branches.push(
      `SELECT lower(btrim(p.email_normalized)), NOT (${cust}) FROM res_partner p WHERE btrim(p.email_normalized) <> ''`,
    );
  }
  // The company's aliases and mail accounts are its own wherever a customer record repeats one.
  for (const own of ownAddressSelects(ctx, s)) branches.push(`SELECT o.v, true FROM (${own}) o`);
  return (
    `SELECT a.addr, bool_or(a.internal) AS internal FROM (${branches.join(' UNION ALL ')}) a ` +
    `WHERE a.addr NOT LIKE ${anonLike(s)} GROUP BY a.addr HAVING bool_or(NOT a.internal)`
  );
}

/** The partner's email needs a pseudonym: a real token, or a non-empty value without any token. */
function emailNeedsSql(s: Stmt): string {
  const re = s.v(EMAIL_TOKEN_RE);
  return (
    `((p.email ~ ${re} AND EXISTS (SELECT 1 FROM regexp_matches(p.email, ${re}, 'g') r(t) ` +
    `WHERE lower(r.t[1]) NOT LIKE ${anonLike(s)})) OR (p.email !~ ${re} AND btrim(p.email) <> ''))`
  );
}

function normNeedsSql(ctx: PlanContext, s: Stmt): string | null {
  if (!ctx.schema.has('res_partner', 'email_normalized')) return null;
  return `(btrim(p.email_normalized) <> '' AND lower(btrim(p.email_normalized)) NOT LIKE ${anonLike(s)})`;
}

function partnerNeedsSql(ctx: PlanContext, s: Stmt, internal: string): string {
  const norm = normNeedsSql(ctx, s);
  return `${isCustomer('p', internal)} AND (${emailNeedsSql(s)}${norm ? ` OR ${norm}` : ''})`;
}

/**
 * ids of the rows of a text table quoting at least one customer address of the map. Set-based
 * (every token of every row, then one hash join with the map) so that it stays linear on large
 * message tables; `strpos` skips the regex on text without any `@`.
 */
function textHitsSql(ctx: PlanContext, s: Stmt, table: TextTable, map: string, estimating: boolean, range = 'true'): string {
  const re = s.v(EMAIL_TOKEN_RE);
  // rows that clear_mail_queue, when it runs first, will have deleted
  const gone =
    estimating && table === 'mail_mail' && ctx.enabled.has('clear_mail_queue') && ctx.schema.has('mail_mail', 'state')
      ? ` AND t.state IS DISTINCT FROM ${s.v('outgoing')}`
      : '';
  const tokens = textColumns(ctx, table).map(
    (c) =>
      `SELECT t.id, r.m[1] AS tok FROM ${table} t CROSS JOIN LATERAL regexp_matches(t.${c}, ${re}, 'g') r(m) ` +
      `WHERE strpos(t.${c}, '@') > 0${gone}${range === 'true' ? '' : ` AND ${range}`}`,
  );
  return `SELECT DISTINCT x.id FROM (${tokens.join(' UNION ALL ')}) x JOIN ${map} mp ON mp.addr = lower(x.tok) AND NOT mp.internal WHERE ${mapHasTokensSql(s, map)}`;
}

/**
 * Whether some customer address of the map has the shape of a token (the lower-cased token a
 * text's address would have to be to match it). Uncorrelated, so PostgreSQL evaluates it once and
 * skips the scan of every text when it is false: after the in-stream or in-place masking the map
 * holds only what that masking left, often nothing but values without any address in them.
 */
function mapHasTokensSql(s: Stmt, map: string): string {
  return `EXISTS (SELECT 1 FROM ${map} mt WHERE NOT mt.internal AND mt.addr ~ ${s.v(`^(${EMAIL_TOKEN_RE})$`)})`;
}

/** The column with every mapped customer token replaced by its pseudonym, the rest kept as is. */
function textRewriteSql(s: Stmt, col: string): string {
  const re = s.v(EMAIL_TOKEN_RE);
  return (
    `CASE WHEN strpos(t.${col}, '@') > 0 THEN (SELECT string_agg(sp.part || COALESCE(mp.fake, tk.tok, ''), '' ORDER BY sp.ord) ` +
    `FROM unnest(regexp_split_to_array(t.${col}, ${re})) WITH ORDINALITY sp(part, ord) ` +
    `LEFT JOIN (SELECT r.m[1] AS tok, r.o FROM regexp_matches(t.${col}, ${re}, 'g') WITH ORDINALITY r(m, o)) tk ON tk.o = sp.ord ` +
    `LEFT JOIN ${MAP} mp ON mp.addr = lower(tk.tok) AND NOT mp.internal) ELSE t.${col} END`
  );
}

function textColumns(ctx: PlanContext, table: TextTable): string[] {
  return ctx.schema.present(table, EMAIL_TEXT_COLUMNS[table]);
}

/** Non-internal users whose login is a customer address (one row per user: addr is unique). */
function loginHitsSql(map: string): string {
  return (
    `SELECT u.id FROM res_users u JOIN ${map} mp ON mp.addr = lower(btrim(u.login)) AND NOT mp.internal ` +
    'WHERE u.share IS DISTINCT FROM false'
  );
}

/** Customer partners still holding a source address (token, whole value or email_normalized). */
function partnerHitsSql(ctx: PlanContext, s: Stmt, internal: string): string {
  const re = s.v(EMAIL_TOKEN_RE);
  const cust = isCustomer('p', internal);
  const parts = [
    `SELECT p.id FROM res_partner p CROSS JOIN LATERAL regexp_matches(p.email, ${re}, 'g') r(m) JOIN ${MAP} mp ON mp.addr = lower(r.m[1]) WHERE ${cust}`,
    `SELECT p.id FROM res_partner p JOIN ${MAP} mp ON mp.addr = lower(btrim(p.email)) WHERE ${cust}`,
  ];
  if (ctx.schema.has('res_partner', 'email_normalized')) {
    parts.push(`SELECT p.id FROM res_partner p JOIN ${MAP} mp ON mp.addr = lower(btrim(p.email_normalized)) WHERE ${cust}`);
  }
  return parts.join(' UNION ');
}

async function anonymizePartners(ctx: ApplyContext): Promise<number> {
  const s = new Stmt();
  const re = s.v(EMAIL_TOKEN_RE);
  const internal = internalPartnersRef(ctx, true);
  const tokens =
    `(SELECT string_agg(CASE WHEN lower(r.t[1]) LIKE ${anonLike(s)} THEN lower(r.t[1]) ` +
    `ELSE ${fakeEmailSql(s, ctx.key, 'lower(r.t[1])')} END, ',' ORDER BY r.o) ` +
    `FROM regexp_matches(p.email, ${re}, 'g') WITH ORDINALITY r(t, o))`;
  const newEmail = `CASE WHEN ${emailNeedsSql(s)} THEN (CASE WHEN p.email ~ ${re} THEN ${tokens} ELSE ${fakeEmailSql(s, ctx.key, 'lower(btrim(p.email))')} END) ELSE p.email END`;
  const sets = [`email = ${newEmail}`];
  const norm = normNeedsSql(ctx, s);
  if (norm) {
    sets.push(`email_normalized = CASE WHEN ${norm} THEN ${fakeEmailSql(s, ctx.key, 'lower(btrim(p.email_normalized))')} ELSE p.email_normalized END`);
  }
  return ctx.exec(`UPDATE res_partner p SET ${sets.join(', ')} WHERE ${partnerNeedsSql(ctx, s, internal)}`, s.values);
}

/** Portal (share) users whose login is a customer address; a case-only twin gets a suffixed hash. */
async function anonymizeLogins(ctx: ApplyContext): Promise<number> {
  if (!ctx.schema.has('res_users', 'login', 'share')) return 0;
  const s = new Stmt();
  const twin = fakeEmailSql(s, ctx.key, `mp.addr || '#' || u2.id::text`);
  return ctx.exec(
    `UPDATE res_users u SET login = n.login FROM (` +
      `SELECT u2.id, CASE WHEN row_number() OVER (PARTITION BY mp.addr ORDER BY u2.id) = 1 THEN mp.fake ELSE ${twin} END AS login ` +
      `FROM res_users u2 JOIN ${MAP} mp ON mp.addr = lower(btrim(u2.login)) AND NOT mp.internal ` +
      `WHERE u2.share IS DISTINCT FROM false) n WHERE u.id = n.id`,
    s.values,
  );
}

async function rewriteText(ctx: ApplyContext, table: TextTable): Promise<number> {
  if (!ctx.schema.hasTable(table)) return 0;
  const cols = textColumns(ctx, table);
  if (cols.length === 0) return 0;
  // a big table in key ranges, each range's hits found and rewritten in one statement
  return ctx.overRanges(table, 't', (range) => {
    const s = new Stmt();
    const sets = cols.map((c) => `${c} = ${textRewriteSql(s, c)}`);
    return ctx.exec(`UPDATE ${table} t SET ${sets.join(', ')} WHERE ${mapHasTokensSql(s, MAP)} AND ${range} AND t.id IN (${textHitsSql(ctx, s, table, MAP, false, range)})`, s.values);
  });
}

export const anonymizeEmails: SanitizeOption = {
  key: 'anonymize_emails',
  scans: ['res_partner', 'res_users', ...TEXT_TABLES],
  async capture(ctx) {
    if (!ctx.schema.has('res_partner', 'email')) return;
    await captureInternalPartners(ctx);
    const s = new Stmt();
    await ctx.query(
      'CREATE TEMP TABLE oec_email_map (addr text PRIMARY KEY, fake text NOT NULL, internal boolean NOT NULL) ON COMMIT DROP',
    );
    const addresses = customerAddressesSql(ctx, s, internalPartnersRef(ctx, true));
    await ctx.query(
      `INSERT INTO ${MAP} (addr, fake, internal) SELECT x.addr, ${fakeEmailSql(s, ctx.key, 'x.addr')}, x.internal FROM (${addresses}) x`,
      s.values,
    );
  },
  async apply(ctx) {
    if (!ctx.require('res_partner', 'email')) return 0;
    let n = await anonymizePartners(ctx);
    n += await anonymizeLogins(ctx);
    for (const t of TEXT_TABLES) n += await rewriteText(ctx, t);
    return n;
  },
  proof(ctx) {
    const internal = internalPartnersRef(ctx, true);
    const checks: CheckSpec[] = [];
    checks.push({
      check: 'no customer email outside the pseudonym domain',
      requires: [['res_partner', 'email']],
      rows: { table: 'res_partner', alias: 'p', where: (s) => partnerNeedsSql(ctx, s, internal) },
    });
    const b = new Stmt();
    checks.push({
      check: 'no source customer email left on customer contacts',
      requires: [['res_partner', 'email']],
      sql: countViolations(`(${partnerHitsSql(ctx, b, internal)}) v`),
      values: b.values,
    });
    checks.push({
      check: 'no customer address left as a portal login',
      requires: [['res_users', 'login', 'share'], ['res_partner', 'email']],
      sql: countViolations(`(${loginHitsSql(MAP)}) v`),
    });
    const uniq = ctx.schema.has('res_users', 'website_id') ? 'login, website_id' : 'login';
    checks.push({
      check: 'user logins stay unique',
      requires: [['res_users', 'login']],
      sql: `SELECT count(*)::int AS violations FROM (SELECT 1 FROM res_users GROUP BY ${uniq} HAVING count(*) > 1) d`,
    });
    const label: Record<TextTable, string> = {
      res_partner: 'no source customer email in contact notes',
      mail_mail: 'no source customer email in queued mail',
      mail_message: 'no source customer email in messages',
      mail_template: 'no source customer email in mail templates',
    };
    for (const t of TEXT_TABLES) {
      const cols = textColumns(ctx, t);
      if (cols.length === 0) continue;
      const s = new Stmt();
      checks.push({
        check: label[t],
        requires: [[t], ['res_partner', 'email']],
        sql: countViolations(`(${textHitsSql(ctx, s, t, MAP, false)}) v`),
        values: s.values,
      });
    }
    return checks;
  },
  async estimate(ctx) {
    if (!ctx.require('res_partner', 'email')) return { rows: 0, summary: 'no contacts table' };
    const internal = internalPartnersRef(ctx, false);
    const p = new Stmt();
    const partners = await ctx.count('res_partner', `SELECT 1 FROM res_partner p WHERE ${partnerNeedsSql(ctx, p, internal)}`, p.values);
    const withMap = (s: Stmt, select: string): string =>
      `WITH oec_email_map AS MATERIALIZED (${customerAddressesSql(ctx, s, internal)}) ${select}`;
    // Counts that need the address map: one exact statement computing the map once; the
    // planner's estimates instead when a table is over 1M rows or the statement timed out.
    const counted: Array<[string, (s: Stmt) => string]> = [];
    if (ctx.require('res_users', 'login', 'share')) counted.push(['res_users', () => loginHitsSql('oec_email_map')]);
    for (const t of TEXT_TABLES) {
      if (ctx.require(t) && textColumns(ctx, t).length > 0) counted.push([t, (s) => textHitsSql(ctx, s, t, 'oec_email_map', true)]);
    }
    let n: Record<string, number> | null = null;
    if (counted.length > 0 && !counted.some(([t]) => ctx.isBig(t))) {
      const s = new Stmt();
      const cols = counted.map(([t, sql]) => `(SELECT count(*) FROM (${sql(s)}) v)::int AS ${t}`);
      n = await ctx.exactOrNull(async () => (await ctx.query<Record<string, number>>(withMap(s, `SELECT ${cols.join(', ')}`), s.values)).rows[0] ?? {});
    }
    if (n === null) {
      n = {};
      for (const [t, sql] of counted) {
        const s = new Stmt();
        n[t] = await ctx.plan(withMap(s, sql(s)), s.values);
      }
    }
    const logins = n.res_users ?? 0;
    const text: Record<TextTable, number> = {
      res_partner: n.res_partner ?? 0,
      mail_mail: n.mail_mail ?? 0,
      mail_message: n.mail_message ?? 0,
      mail_template: n.mail_template ?? 0,
    };
    return {
      rows: partners + logins + text.res_partner + text.mail_mail + text.mail_message + text.mail_template,
      summary: summarize(
        [
          [partners, `${plural(partners, 'customer email')} will be anonymized`],
          [logins, `${plural(logins, 'portal login')} renamed`],
          [text.res_partner, `${plural(text.res_partner, 'contact note')} rewritten`],
          [text.mail_mail, `${plural(text.mail_mail, 'queued mail')} rewritten`],
          [text.mail_message, `${plural(text.mail_message, 'message')} rewritten`],
          [text.mail_template, `${plural(text.mail_template, 'template')} rewritten`],
        ],
        'no customer email to anonymize',
      ),
    };
  },
};
