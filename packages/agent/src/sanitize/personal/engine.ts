// Masking personal data wherever the map says it is, and proving by value that none is left.
//
// Capture (once, before any option applies): the staff's own values (internal users' and the
// companies' partners, employees' work contact, internal logins) into `pg_temp.oec_pd_keep`, and
// every other value of every mapped column into `pg_temp.oec_pd_value` as a normalized key per
// class: email tokens (lower case), phone digits, identity/bank numbers (upper-case letters and
// digits), names and addresses (trimmed lower case). Private and identity columns go in whatever
// the keep set says.
//
// Apply (inside each option's savepoint): each table once, every mapped column of the option in
// one UPDATE; then, for the options masked by value (emails, phones, identity numbers), each table
// with text, varchar or JSON columns once more: every token of the class whose key is in the map
// is replaced by the same keyed pseudonym the structured columns got, so the chatter still matches
// the lead. Tokens are found by one regular expression per class and looked up by hash join —
// never one LIKE per value — so memory stays PostgreSQL's, whatever the number of values.
//
// Proof (once, after all options): every text, varchar and JSON column of every table searched for
// every captured value of the chosen classes, one query per table; a hit fails the clone with the
// table, the column and the count, never the value.
import type { ProofCheck, SanitizationOptionKey } from '@oec/shared';
import type { KeyedHash } from '../keyed-hash.js';
import { EMAIL_TOKEN_RE, fakeEmailSql, hmacHexSql, PHONE_PREFIX, PHONE_SANITIZED_PREFIX } from '../pseudonyms.js';
import { internalPartnersSql, ownAddressSelects, Stmt } from '../sql.js';
import type { ApplyContext, EstimateContext, PlanContext, SqlRunner } from '../types.js';
import { quoteIdent, type MappedColumn, type PersonalMap, type TextColumn } from './map.js';

export type KeyClass = 'email' | 'digits' | 'alnum' | 'text';

const KEEP = 'pg_temp.oec_pd_keep';
const VALUES = 'pg_temp.oec_pd_value';

/** Phone-like runs in free text: digit groups joined by one separator each. */
export const PHONE_TOKEN_RE = '\\+?[0-9]+(?:[ .()/-][0-9]+)*';
/** Identity and bank numbers in free text: spaced IBAN groups, or one run of letters and digits. */
export const ID_TOKEN_RE = '[A-Z][A-Z][0-9][0-9](?: [A-Z0-9]+)+|[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*';
/**
 * A phone number found in free text although no structured column holds it (an old value in a
 * tracking row, a number typed in a chat): the international form (`+`, 8 to 15 digits) or a
 * national one written in groups (`0461 89 13 92`), so that plain order numbers, dates and amounts
 * are never taken for one.
 */
export const FREE_PHONE_RE = '\\+[0-9]+(?:[ .()-][0-9]+)*|0[0-9]{1,4}(?:[ .-][0-9]{2,4}){2,4}';

export const CLASS_OPTION: Record<Exclude<KeyClass, 'text'>, SanitizationOptionKey> = {
  email: 'anonymize_emails',
  digits: 'anonymize_phones',
  alnum: 'anonymize_identity_numbers',
};
export const BY_VALUE_CLASSES = Object.keys(CLASS_OPTION) as Array<Exclude<KeyClass, 'text'>>;

/** Columns that an option module rewrites with rules of its own (uniqueness, derivation). */
export const OWN_RULES = new Set(['res_users.login', 'res_partner.complete_name', 'res_partner.display_name']);
/** Of those, the ones whose quoted values are left to their module too (logins stay unique). */
export const OWN_TEXT_RULES = new Set(['res_users.login']);

export function keyClass(c: Pick<MappedColumn, 'kind' | 'type'>): KeyClass | 'clear' | null {
  if (c.type !== 'text' && c.type !== 'json') return c.kind === 'free_text' || c.kind === 'json' ? null : 'clear';
  switch (c.kind) {
    case 'email':
    case 'login':
      return 'email';
    case 'phone':
      return 'digits';
    case 'identity':
    case 'bank':
    case 'vat':
      return 'alnum';
    case 'name':
    case 'address':
      return 'text';
    case 'birthdate':
    case 'ip':
    case 'private_other':
      return 'clear';
    default:
      return null;
  }
}

const q = quoteIdent;

/** SQL: the key of a whole value (or of a token) of a class. */
export function keySql(cls: KeyClass, expr: string): string {
  switch (cls) {
    case 'email':
      return `lower(${expr})`;
    case 'digits':
      return `regexp_replace(${expr}, '[^0-9]', '', 'g')`;
    case 'alnum':
      return `upper(regexp_replace(${expr}, '[^A-Za-z0-9]', '', 'g'))`;
    case 'text':
      return `lower(btrim(${expr}))`;
  }
}

/** SQL condition: the key is worth mapping (long enough, not one of our own pseudonyms). */
function keyWorthSql(cls: KeyClass, key: string): string {
  switch (cls) {
    case 'email':
      return `(${key} NOT LIKE '%@anon.invalid')`;
    case 'digits':
      return `(length(${key}) >= 7 AND NOT (${key} LIKE '155501%' AND length(${key}) = 11))`;
    case 'alnum':
      return `(length(${key}) >= 5 AND ${key} ~ '[0-9]' AND ${key} !~ '^(ID|XX00)[0-9A-F]{10,}$')`;
    case 'text':
      // nor one holding a pseudonym (a name Odoo derived from masked ones: "Company 1A2B3C, Person
      // 4D5E6F"; a partner named by its email address)
      return `(length(${key}) >= 2 AND ${key} !~ '(person|company|street|city|place) [0-9a-f]{6}' AND ${key} NOT LIKE '%@anon.invalid%')`;
  }
}

function tokenRe(cls: Exclude<KeyClass, 'text'>): string {
  return cls === 'email' ? EMAIL_TOKEN_RE : cls === 'digits' ? PHONE_TOKEN_RE : ID_TOKEN_RE;
}

function prefilter(cls: Exclude<KeyClass, 'text'>, expr: string): string {
  return cls === 'email' ? `strpos(${expr}, '@') > 0` : `${expr} ~ '[0-9]'`;
}

/** SQL: the keys of a value: every token for email, the whole value otherwise. */
function keysFrom(s: Stmt, cls: KeyClass, expr: string): string {
  if (cls === 'email') return `(SELECT ${keySql('email', 'r.m[1]')} AS k FROM regexp_matches(${expr}, ${s.v(EMAIL_TOKEN_RE)}, 'g') r(m))`;
  return `(SELECT ${keySql(cls, expr)} AS k)`;
}

// ---- pseudonyms of a key ----

function hexOf(s: Stmt, k: KeyedHash, prefix: string, key: string, n: number): string {
  return `upper(left(${hmacHexSql(s, k, prefix, key)}, ${n}))`;
}

function fiveDigits(s: Stmt, k: KeyedHash, digitsKey: string): string {
  // the same five digits as fakePhoneSql for a value with these digits
  const n32 = `('x' || left(${hmacHexSql(s, k, 'phone:', digitsKey)}, 8))::bit(32)::bigint`;
  return `lpad((${n32} % 100000)::text, 5, '0')`;
}

/** SQL: the pseudonym of `token` (its key is `key`) in class `cls`, keeping the token's shape. */
function fakeSql(s: Stmt, k: KeyedHash, cls: KeyClass, token: string, key: string, column: string): string {
  switch (cls) {
    case 'email':
      return fakeEmailSql(s, k, key);
    case 'digits':
      return `(CASE WHEN ${token} ~ '^\\+?[0-9]+$' THEN ${s.v(PHONE_SANITIZED_PREFIX)}::text ELSE ${s.v(PHONE_PREFIX)}::text END || ${fiveDigits(s, k, key)})`;
    case 'alnum':
      return `('ID' || ${hexOf(s, k, 'identity:', key, 12)})`;
    case 'text': {
      const label = labelOf(column);
      return `(${s.v(`${label} `)}::text || ${hexOf(s, k, `${label.toLowerCase()}:`, key, 6)})`;
    }
  }
}

/** What a masked name or address column says it holds: `Person 1A2B3C`, `Street 4D5E6F`, … */
export function labelOf(column: string): 'Company' | 'City' | 'Street' | 'Place' | 'Person' {
  return /company|partner_name|commercial/.test(column)
    ? 'Company'
    : /city/.test(column)
      ? 'City'
      : /street|address|location|place/.test(column)
        ? 'Street'
        : /zip|post/.test(column)
          ? 'Place'
          : 'Person';
}

// ---- capture ----

export function mapped(map: PersonalMap, enabled: ReadonlySet<SanitizationOptionKey>): MappedColumn[] {
  return map.columns.filter((c) => c.option !== null && enabled.has(c.option));
}

/** The classes whose values are collected: those of the enabled options' columns. */
function classesNeeded(cols: readonly MappedColumn[]): Set<KeyClass> {
  const out = new Set<KeyClass>();
  for (const c of cols) {
    const cls = keyClass(c);
    if (cls && cls !== 'clear') out.add(cls);
  }
  return out;
}

/** The mapped columns whose values are collected: those of the classes the options use. */
function collected(map: PersonalMap, enabled: ReadonlySet<SanitizationOptionKey>): MappedColumn[] {
  const classes = classesNeeded(mapped(map, enabled));
  return map.columns.filter((c) => {
    const cls = keyClass(c);
    return cls !== null && cls !== 'clear' && classes.has(cls);
  });
}

/** Which rows of a mapped column hold the staff's own values (null: none of them). */
function ownRowsSql(ctx: PlanContext, c: MappedColumn): string | null {
  if (c.audience === 'work') return 'true';
  if (c.table === 'res_partner') return `t.id IN (${internalPartnersSql(ctx)})`;
  if (c.table === 'res_company') return 'true';
  if (c.table === 'res_users' && ctx.schema.has('res_users', 'share')) return 't.share = false';
  return null;
}

/** SELECT (cls, v): the keys of a column's values in the rows `where`, minus those in `unless`. */
function keysSelect(s: Stmt, c: MappedColumn, cls: KeyClass, where: string, unless: string | null): string {
  return `SELECT x.cls, x.v FROM ${q(c.table)} t CROSS JOIN LATERAL (${keysLateral(s, c, cls, where, unless)}) x`;
}

/** The same keys of one row `t`: a subquery for a LATERAL join (its conditions gate the tokenizing). */
function keysLateral(s: Stmt, c: MappedColumn, cls: KeyClass, where: string, unless: string | null): string {
  const col = c.type === 'json' ? `t.${q(c.column)}::text` : `t.${q(c.column)}`;
  const notKept = unless ? ` AND NOT EXISTS (SELECT 1 FROM ${unless} kp WHERE kp.cls = ${s.v(cls)} AND kp.v = x.k)` : '';
  return (
    `SELECT ${s.v(cls)}::text AS cls, x.k AS v FROM ${keysFrom(s, cls, col)} x ` +
    `WHERE ${col} IS NOT NULL AND (${where}) AND x.k IS NOT NULL AND ${keyWorthSql(cls, 'x.k')}${notKept}`
  );
}

/** Whether everyone else's keys of a mapped column leave out the staff's own (not for private columns). */
function minusKept(c: MappedColumn): boolean {
  return !(c.audience === 'private' || c.audience === 'anyone');
}

/** Everyone else's keys in one column (or one class of a text column) of a table. */
export interface ValueSelect {
  table: string;
  /** A subquery (cls, v) over one row `t` of the table, for a LATERAL join, its parameters in `s`. */
  lateral(s: Stmt): string;
  /** Its keys leave out the staff's own (those in the keep relation). */
  minusKept: boolean;
}

/**
 * SELECT (cls, v) of every key `selects` find in `table` (all of one table), distinct, reading
 * the table once (twice when some columns leave the staff's keys out and others do not): each
 * row through every column's subquery, the staff's keys (`keepRel`, cls and v) left out by one
 * anti-join afterwards. (One SELECT per column, UNIONed, read the table once per column and
 * tokenized every row before its cheap filter: 17× slower on res_partner's 33 text columns.)
 * `range` limits the rows read (a condition on `t`, ranges.ts).
 */
export function tableValuesSql(table: string, selects: readonly ValueSelect[], s: Stmt, keepRel: string, range = 'true'): string {
  const part = (group: readonly ValueSelect[], minus: boolean): string | null => {
    if (group.length === 0) return null;
    const lateral = group.map((v) => v.lateral(s)).join(' UNION ALL ');
    const kept = minus ? ` AND NOT EXISTS (SELECT 1 FROM ${keepRel} kp WHERE kp.cls = x.cls AND kp.v = x.v)` : '';
    return `SELECT x.cls, x.v FROM ${q(table)} t CROSS JOIN LATERAL (${lateral}) x(cls, v) WHERE ${range}${kept}`;
  };
  const parts = [part(selects.filter((v) => v.minusKept), true), part(selects.filter((v) => !v.minusKept), false)].filter((p): p is string => p !== null);
  return parts.length === 1 ? `SELECT DISTINCT y.cls, y.v FROM (${parts[0]}) y` : parts.join(' UNION ');
}

/** The selects grouped by table, in first-seen order. */
export function selectsByTable(selects: readonly ValueSelect[]): Map<string, ValueSelect[]> {
  const byTable = new Map<string, ValueSelect[]>();
  for (const v of selects) byTable.set(v.table, [...(byTable.get(v.table) ?? []), v]);
  return byTable;
}

/** The staff's own keys and everyone else's, as SELECTs (for INSERTs, or CTEs when read-only). */
function captureSelects(
  ctx: PlanContext,
  map: PersonalMap,
  sKeep: Stmt,
  sValues: Stmt,
  keepRel: string,
  discover: boolean,
): { keep: string[]; values: string[] } {
  const values = [...selectsByTable(valueSelects(ctx, map, discover))].map(([table, selects]) => tableValuesSql(table, selects, sValues, keepRel));
  return { keep: keepSelects(ctx, map, sKeep), values };
}

/** The staff's own keys, as SELECTs (cls, v). */
export function keepSelects(ctx: PlanContext, map: PersonalMap, s: Stmt): string[] {
  const all = collected(map, ctx.enabled);
  const keep: string[] = all.some((c) => keyClass(c) === 'email') ? ownAddressSelects(ctx, s) : [];
  for (const c of all) {
    const where = ownRowsSql(ctx, c);
    if (where) keep.push(keysSelect(s, c, keyClass(c) as KeyClass, where, null));
  }
  return keep;
}

/** Everyone else's keys: one SELECT per collected column (and, `discover`, per searched text column and class). */
export function valueSelects(ctx: PlanContext, map: PersonalMap, discover: boolean): ValueSelect[] {
  const values: ValueSelect[] = collected(map, ctx.enabled).map((c) => ({
    table: c.table,
    lateral: (v) => keysLateral(v, c, keyClass(c) as KeyClass, 'true', null),
    minusKept: minusKept(c),
  }));
  if (!discover) return values;
  for (const c of discoveredText(ctx, map)) {
    const col = c.json ? `t.${q(c.column)}::text` : `t.${q(c.column)}`;
    const found: Array<[KeyClass, string, string]> = [];
    if (c.classes.email) found.push(['email', EMAIL_TOKEN_RE, `strpos(${col}, '@') > 0`]);
    if (c.classes.digits) found.push(['digits', FREE_PHONE_RE, `${col} ~ '[0-9] [0-9]|[+]'`]);
    for (const [cls, re, pre] of found) {
      const key = keySql(cls, 'r.m[1]');
      values.push({
        table: c.table,
        lateral: (v) =>
          `SELECT ${v.v(cls)}::text AS cls, ${key} AS v FROM regexp_matches(${col}, ${v.v(re)}, 'g') r(m) ` +
          `WHERE ${pre} AND ${keyWorthSql(cls, key)}${cls === 'digits' ? ` AND (length(${key}) BETWEEN 9 AND 11 OR (r.m[1] LIKE '+%' AND length(${key}) BETWEEN 8 AND 15))` : ''}`,
        minusKept: true,
      });
    }
  }
  return values;
}

/** A text column searched for values only free text holds, and for which classes. */
export interface DiscoveredColumn {
  table: string;
  column: string;
  json: boolean;
  classes: { email: boolean; digits: boolean };
}

/**
 * Where values only free text holds (an old address in a tracking row, one typed in a chat) are
 * looked for: every text column but Odoo's configuration's and the staff's own, for any
 * email-shaped token and any international phone number that is not the staff's own (with
 * valueSelects' `discover` in SQL; tokens.ts FreeTextKeys in the in-stream capture).
 */
export function discoveredText(ctx: PlanContext, map: PersonalMap): DiscoveredColumn[] {
  const needed = classesNeeded(mapped(map, ctx.enabled));
  const classes = { email: needed.has('email'), digits: needed.has('digits') };
  if (!classes.email && !classes.digits) return [];
  return map.textColumns
    .filter((c) => !SYSTEM_TEXT.test(c.table) && !NOT_DISCOVERED.test(`${c.table}.${c.column}`))
    .map((c) => ({ table: c.table, column: c.column, json: c.json, classes }));
}

/**
 * Text never searched for new values: message identifiers (`<…@host>` is an id, not an address)
 * and what the staff write about themselves (signatures, the company's own letterhead).
 */
const NOT_DISCOVERED = /^(\w+\.(message_id|references|in_reply_to)|res_users\.\w+|res_company\.\w+)$/;
/** Tables whose text is Odoo's configuration and code, never searched for new values. */
const SYSTEM_TEXT = /^(ir_|base_|res_lang|res_country|res_currency|mail_alias|mail_template|fetchmail_server|website$)/;

/**
 * Capture the staff's own values and every other value of the mapped columns. Everyone else's go
 * in table by table (a big table range by range, ctx.overRanges): the same set as one UNION, as
 * every INSERT skips the keys already there.
 */
export async function capturePersonal(ctx: ApplyContext, map: PersonalMap): Promise<void> {
  await ctx.query(`CREATE TEMP TABLE oec_pd_keep (cls text, v text, PRIMARY KEY (cls, v)) ON COMMIT DROP`);
  await ctx.query(`CREATE TEMP TABLE oec_pd_value (cls text, v text, PRIMARY KEY (cls, v)) ON COMMIT DROP`);
  const sKeep = new Stmt();
  const keep = keepSelects(ctx, map, sKeep);
  // the staff's own first: everyone else's are those not in it
  if (keep.length > 0) await ctx.query(`INSERT INTO ${KEEP} (cls, v) ${keep.join(' UNION ')} ON CONFLICT DO NOTHING`, sKeep.values);
  await ctx.query(`ANALYZE ${KEEP}`);
  for (const [table, selects] of selectsByTable(valueSelects(ctx, map, true))) {
    await ctx.overRanges(table, 't', async (range) => {
      const s = new Stmt();
      await ctx.query(`INSERT INTO ${VALUES} (cls, v) ${tableValuesSql(table, selects, s, KEEP, range)} ON CONFLICT DO NOTHING`, s.values);
      return 0;
    });
  }
  // temp tables have no statistics until analyzed: without them the planner may scan the map
  await ctx.query(`ANALYZE ${VALUES}`);
  await captureNamesInText(ctx, map);
}

// ---- names and street addresses inside free text (full) ----

const TEXT_WORDS = 'pg_temp.oec_pd_text';
/** The options whose names and streets are also searched inside free text, by value. */
export const TEXT_OPTIONS: ReadonlySet<SanitizationOptionKey> = new Set(['anonymize_company_names', 'anonymize_addresses']);
/** Words of a text as the lookup sees them (lower case). */
const WORD_RE = '[[:alpha:]]+';

/** The label a free-text occurrence is replaced with, or null: cities and zips alone are no one's. */
export function textLabel(column: string): string | null {
  const label = labelOf(column);
  return label === 'Person' || label === 'Company' || label === 'Street' ? label : null;
}

/**
 * Names and streets have no shape a regular expression finds in free text: each captured value
 * (not the staff's own) is indexed by its longest word, with its pattern and its pseudonym (the
 * one its column got). A text is then read word by word, each word one index probe; only the
 * values that share a word with the text are looked for as a whole (between word boundaries, in
 * any case). A value qualifies when it is at least five characters, holds a letter, and starts and
 * ends with a letter or digit.
 */
async function captureNamesInText(ctx: SqlRunner & PlanContext & { readonly key: KeyedHash }, map: PersonalMap): Promise<void> {
  const cols = mapped(map, ctx.enabled).filter((c) => TEXT_OPTIONS.has(c.option as SanitizationOptionKey) && keyClass(c) === 'text' && textLabel(c.column));
  if (cols.length === 0) return;
  await ctx.query(`CREATE TEMP TABLE oec_pd_text (opt text, v text, word text, re text, fake text, PRIMARY KEY (opt, v)) ON COMMIT DROP`);
  // people and companies first: a value both a name and a street is replaced as a name
  const ordered = [...cols].sort((a, b) => Number(textLabel(a.column) === 'Street') - Number(textLabel(b.column) === 'Street'));
  for (const c of ordered) {
    const s = new Stmt();
    const key = keySql('text', `t.${q(c.column)}`);
    const escaped = `'\\m' || regexp_replace(regexp_replace(x.k, ${s.v('([^[:alnum:][:space:]])')}, ${s.v('\\\\\\1')}, 'g'), ${s.v('[[:space:]]+')}, ${s.v('[[:space:]]+')}, 'g') || '\\M'`;
    const word = `(SELECT w.m[1] FROM regexp_matches(x.k, ${s.v(WORD_RE)}, 'g') WITH ORDINALITY w(m, o) ORDER BY length(w.m[1]) DESC, w.o LIMIT 1)`;
    await ctx.query(
      `INSERT INTO ${TEXT_WORDS} (opt, v, word, re, fake) SELECT DISTINCT ON (x.k) ${s.v(c.option)}::text, x.k, ${word}, ${escaped}, ${fakeSql(s, ctx.key, 'text', 'x.k', 'x.k', c.column)} ` +
        `FROM (SELECT DISTINCT ${key} AS k FROM ${q(c.table)} t WHERE t.${q(c.column)} IS NOT NULL) x ` +
        `WHERE length(x.k) >= 5 AND x.k ~ '[[:alpha:]]' AND x.k ~ '^[[:alnum:]](.*[[:alnum:]])?$' AND x.k !~ '["\\\\]' ` +
        `AND EXISTS (SELECT 1 FROM ${VALUES} pv WHERE pv.cls = 'text' AND pv.v = x.k) ON CONFLICT DO NOTHING`,
      s.values,
    );
  }
  await ctx.query(`CREATE INDEX ON ${TEXT_WORDS} (word, opt)`);
  await ctx.query(`ANALYZE ${TEXT_WORDS}`);
  // one value after the other, longest first, so that "Jane Doe-Smith" is not replaced as "Jane Doe";
  // a temporary function outlives the transaction (not its table): replaced on a second run
  await ctx.query(
    `CREATE OR REPLACE FUNCTION pg_temp.oec_pd_mask_text(t text, o text) RETURNS text LANGUAGE plpgsql AS $f$
     DECLARE r record;
     BEGIN
       FOR r IN SELECT DISTINCT pt.re, pt.fake, length(pt.v) AS n FROM (SELECT DISTINCT m[1] AS word FROM regexp_matches(lower(t), '${WORD_RE}', 'g') m) w
                CROSS JOIN LATERAL (SELECT x.re, x.fake, x.v FROM ${TEXT_WORDS} x WHERE x.word = w.word AND x.opt = o AND strpos(lower(t), x.v) > 0 OFFSET 0) pt ORDER BY n DESC LOOP
         t := regexp_replace(t, r.re, r.fake, 'gi');
       END LOOP;
       RETURN t;
     END $f$`,
  );
}

/** Technical text: model names, states, types, codes and tokens never quote a person. */
const TECHNICAL_TEXT = /(^|_)(model|state|type|lang|tz|uuid|token|code|ref|res_model)$/;

export function searchedForNames(c: TextColumn): boolean {
  // the names Odoo derives (complete_name) are searched too: in stream they must not carry the
  // source's names to the target; the SQL path derives them again after the names are masked
  return !SYSTEM_TEXT.test(c.table) && !OWN_TEXT_RULES.has(`${c.table}.${c.column}`) && !TECHNICAL_TEXT.test(c.column);
}

/** SQL condition: the text quotes a captured name or street of the option (as a whole, any case). */
function textHitSql(s: Stmt, option: SanitizationOptionKey, expr: string): string {
  return (
    `(${expr} ~ '[[:alpha:]]' AND EXISTS (SELECT 1 FROM regexp_matches(lower(${expr}), ${s.v(WORD_RE)}, 'g') w(m) ` +
    // OFFSET 0 keeps the lookup an index probe per word: pulled up into a semi-join, the planner
    // tests the text against every value's pattern before it compares the words
    `CROSS JOIN LATERAL (SELECT pt.v, pt.re FROM ${TEXT_WORDS} pt WHERE pt.word = w.m[1] AND pt.opt = ${s.v(option)} OFFSET 0) pt ` +
    `WHERE strpos(lower(${expr}), pt.v) > 0 AND ${expr} ~* pt.re))`
  );
}

/** Whether names or streets of the option were captured for the search in free text. */
async function hasTextValues(ctx: SqlRunner, option: SanitizationOptionKey): Promise<boolean> {
  if (!TEXT_OPTIONS.has(option)) return false;
  const { rows } = await ctx.query<{ t: string | null }>(`SELECT to_regclass('${TEXT_WORDS}')::text AS t`);
  if (!rows[0]?.t) return false;
  const hit = await ctx.query(`SELECT 1 FROM ${TEXT_WORDS} WHERE opt = $1 LIMIT 1`, [option]);
  return hit.rows.length > 0;
}

/** Read-only: `WITH oec_pd_keep AS (…), oec_pd_value AS (…)`, the same sets (the estimate). */
export function captureCte(ctx: PlanContext, map: PersonalMap, s: Stmt, discover = false): string {
  // the estimate reads structured columns only: a preview need not read every text column once
  // more per table; the in-stream masking reads them all (discover)
  const { keep, values } = captureSelects(ctx, map, s, s, 'oec_pd_keep', discover);
  const none = 'SELECT NULL::text AS cls, NULL::text AS v WHERE false';
  return (
    `WITH oec_pd_keep AS MATERIALIZED (${keep.length > 0 ? keep.join(' UNION ') : none}), ` +
    `oec_pd_value AS MATERIALIZED (${values.length > 0 ? values.join(' UNION ') : none})`
  );
}

// ---- apply ----

/** SQL: the text with every token of the class that is in the map replaced by its pseudonym. */
function rewriteSql(s: Stmt, k: KeyedHash, cls: Exclude<KeyClass, 'text'>, expr: string, column: string, rel = VALUES): string {
  const re = s.v(tokenRe(cls));
  const key = keySql(cls, 'tk.tok');
  // one index probe per token (a join would hash the whole map once per row)
  const known = `EXISTS (SELECT 1 FROM ${rel} pv WHERE pv.cls = ${s.v(cls)} AND pv.v = ${key})`;
  return (
    `(SELECT string_agg(sp.part || COALESCE(CASE WHEN ${known} THEN ${fakeSql(s, k, cls, 'tk.tok', key, column)} END, tk.tok, ''), '' ORDER BY sp.ord) ` +
    `FROM unnest(regexp_split_to_array(${expr}, ${re})) WITH ORDINALITY sp(part, ord) ` +
    `LEFT JOIN (SELECT r.m[1] AS tok, r.o FROM regexp_matches(${expr}, ${re}, 'g') WITH ORDINALITY r(m, o)) tk ON tk.o = sp.ord)`
  );
}

/** SQL condition: some token of the class in `expr` is in the map. */
function hitSql(s: Stmt, cls: Exclude<KeyClass, 'text'>, expr: string, rel = VALUES): string {
  return (
    `(${prefilter(cls, expr)} AND EXISTS (SELECT 1 FROM regexp_matches(${expr}, ${s.v(tokenRe(cls))}, 'g') r(m) ` +
    `WHERE EXISTS (SELECT 1 FROM ${rel} pv WHERE pv.cls = ${s.v(cls)} AND pv.v = ${keySql(cls, 'r.m[1]')})))`
  );
}

/** SQL condition: the whole value's key is in the map. */
function wholeHitSql(s: Stmt, cls: KeyClass, expr: string, rel = VALUES): string {
  return `EXISTS (SELECT 1 FROM ${rel} pv WHERE pv.cls = ${s.v(cls)} AND pv.v = ${keySql(cls, expr)})`;
}

export function clearValue(c: MappedColumn): string {
  if (c.nullable) return 'NULL';
  return c.type === 'number' ? '0' : c.type === 'date' ? `'1970-01-01'` : c.type === 'json' ? `'{}'` : `''`;
}

/** A column's new value where `when` holds; `set` is built after every `when` of the statement. */
interface Assignment {
  when: string;
  set: () => string;
}

function assignment(s: Stmt, k: KeyedHash, c: MappedColumn, rel = VALUES): Assignment | null {
  const cls = keyClass(c);
  const col = `t.${q(c.column)}`;
  if (cls === null) return null;
  if (cls === 'clear') {
    const cleared = clearValue(c);
    return { set: () => cleared, when: `${col} IS NOT NULL AND ${col}::text IS DISTINCT FROM ${cleared}::text` };
  }
  if (c.type === 'json') return null; // JSON holding values is rewritten by value
  if (cls === 'email') return { when: hitSql(s, 'email', col, rel), set: () => rewriteSql(s, k, 'email', col, c.column, rel) };
  const when = `${col} IS NOT NULL AND ${wholeHitSql(s, cls, col, rel)}`;
  return { when, set: () => fakeSql(s, k, cls, col, keySql(cls, col), c.column) };
}

/**
 * One UPDATE of the table's columns, issued only when a row needs it: a table without a hit is
 * read once and not written (no WAL, no statement triggers fired for nothing). A big table runs
 * it per key range (ctx.overRanges), each range probed and updated the same way.
 */
async function updateTable(ctx: ApplyContext, table: string, parts: ReadonlyArray<readonly [string, Assignment]>, s: Stmt): Promise<number> {
  if (parts.length === 0) return 0;
  const where = parts.map(([, a]) => `(${a.when})`).join(' OR ');
  // the probe binds only the conditions' values; the SETs add theirs after
  const probeValues = [...s.values];
  const sets = parts.map(([col, a]) => `${q(col)} = CASE WHEN ${a.when} THEN ${a.set()} ELSE t.${q(col)} END`);
  return ctx.overRanges(table, 't', async (range) => {
    const rows = range === 'true' ? where : `${range} AND (${where})`;
    const { rows: hit } = await ctx.query(`SELECT 1 FROM ${q(table)} t WHERE ${rows} LIMIT 1`, probeValues);
    if (hit.length === 0) return 0;
    return ctx.exec(`UPDATE ${q(table)} t SET ${sets.join(', ')} WHERE ${rows}`, s.values);
  });
}


type Parts = Map<string, Array<readonly [string, Assignment]>>;

/**
 * What an option's pass does to one column: clear it, replace its whole value (a key of the map),
 * rewrite its tokens of a class (emails, phone numbers, identity numbers) or the names and streets
 * it quotes. Both paths read this one plan: the SQL pass (tableParts) and the in-stream masking of
 * the COPY path (stream.ts), so that they write the same pseudonyms.
 */
export interface ColumnRule {
  table: string;
  column: string;
  /** The column holds JSON: rewritten as its text, then cast back. */
  json: boolean;
  rule: 'clear' | 'whole' | 'tokens' | 'names';
  /** The key class of `whole` and `tokens`. */
  cls: KeyClass | null;
  /** The map's entry, for structured columns. */
  mapped: MappedColumn | null;
}

/** The option's column rules, table by table, in the order the SQL pass sets them. */
export function columnRules(map: PersonalMap, option: SanitizationOptionKey, inText: boolean, only?: string): ColumnRule[] {
  const out: ColumnRule[] = [];
  const structured = new Set<string>();
  for (const c of map.columns) {
    if (c.option !== option || OWN_RULES.has(`${c.table}.${c.column}`) || (only && c.table !== only)) continue;
    const cls = keyClass(c);
    if (cls === null || (cls !== 'clear' && c.type === 'json')) continue; // JSON holding values is rewritten by value
    structured.add(`${c.table}.${c.column}`);
    const rule = cls === 'clear' ? 'clear' : cls === 'email' ? 'tokens' : 'whole';
    out.push({ table: c.table, column: c.column, json: false, rule, cls: cls === 'clear' ? null : cls, mapped: c });
  }
  const cls = BY_VALUE_CLASSES.find((x) => CLASS_OPTION[x] === option);
  // an account or identity number is never read as a phone number, nor the other way round
  const otherClass = new Set(map.columns.filter((c) => keyClass(c) === (cls === 'digits' ? 'alnum' : 'digits')).map((c) => `${c.table}.${c.column}`));
  if (cls) {
    for (const c of map.textColumns) {
      const ref = `${c.table}.${c.column}`;
      if (cls !== 'email' && otherClass.has(ref)) continue;
      if (structured.has(ref) || OWN_TEXT_RULES.has(ref) || (only && c.table !== only)) continue;
      out.push({ table: c.table, column: c.column, json: c.json, rule: 'tokens', cls, mapped: null });
    }
  }
  if (inText) {
    for (const c of map.textColumns) {
      const ref = `${c.table}.${c.column}`;
      if (!searchedForNames(c) || structured.has(ref) || (only && c.table !== only)) continue;
      out.push({ table: c.table, column: c.column, json: c.json, rule: 'names', cls: null, mapped: null });
    }
  }
  return out;
}

/**
 * Per table, what the option's pass sets: its mapped columns (each by its own rule) and, for an
 * option masked by value, every other text and JSON column (its tokens of the option's class).
 */
function tableParts(k: KeyedHash, map: PersonalMap, option: SanitizationOptionKey, s: Stmt, rel: string, only?: string, inText = false): Parts {
  const out: Parts = new Map();
  for (const r of columnRules(map, option, inText, only)) {
    let a: Assignment | null;
    if (r.mapped) a = assignment(s, k, r.mapped, rel);
    else {
      const col = r.json ? `t.${q(r.column)}::text` : `t.${q(r.column)}`;
      const cast = r.json ? '::jsonb' : '';
      const cls = r.cls as Exclude<KeyClass, 'text'>;
      a =
        r.rule === 'names'
          ? { when: textHitSql(s, option, col), set: () => `pg_temp.oec_pd_mask_text(${col}, ${s.v(option)})${cast}` }
          : { when: hitSql(s, cls, col, rel), set: () => `(${rewriteSql(s, k, cls, col, r.column, rel)})${cast}` };
    }
    if (!a) continue;
    const list = out.get(r.table);
    if (list) list.push([r.column, a]);
    else out.set(r.table, [[r.column, a]]);
  }
  return out;
}

/** Mask the option's columns and its values in free text and JSON: one UPDATE per table. */
export async function applyPersonal(ctx: ApplyContext, map: PersonalMap, option: SanitizationOptionKey): Promise<number> {
  let n = 0;
  for (const c of map.columns) if (c.option === option) ctx.require(c.table);
  const inText = await hasTextValues(ctx, option);
  for (const table of tableParts(ctx.key, map, option, new Stmt(), VALUES, undefined, inText).keys()) {
    const s = new Stmt(); // each statement with its own parameters
    n += await updateTable(ctx, table, tableParts(ctx.key, map, option, s, VALUES, table, inText).get(table) ?? [], s);
  }
  return n + (await derivePersonal(ctx, option));
}

/**
 * Odoo's derived columns, from their masked source: all that stays SQL of a personal option when
 * its columns were masked in stream (the COPY path), where the target holds no source value to
 * capture or search.
 */
export async function derivePersonal(ctx: ApplyContext, option: SanitizationOptionKey): Promise<number> {
  if (option === 'anonymize_emails') return deriveDomainCriterion(ctx);
  if (option === 'anonymize_phones') return deriveSanitizedPhones(ctx);
  if (option === 'anonymize_company_names') return deriveCompleteName(ctx);
  return 0;
}

/** Read-only: the rows the option's pass would change (the estimate). */
export async function countPersonal(ctx: EstimateContext, k: KeyedHash, map: PersonalMap, option: SanitizationOptionKey): Promise<number> {
  let n = 0;
  for (const table of tableParts(k, map, option, new Stmt(), 'oec_pd_value').keys()) {
    const s = new Stmt();
    const cte = captureCte(ctx, map, s);
    const parts = tableParts(k, map, option, s, 'oec_pd_value', table).get(table) ?? [];
    if (parts.length === 0) continue;
    n += await ctx.count(table, `${cte} SELECT 1 FROM ${q(table)} t WHERE ${parts.map(([, a]) => `(${a.when})`).join(' OR ')}`, s.values);
  }
  return n;
}

/** crm: Odoo derives `email_domain_criterion` from `email_normalized`; after masking, its domain. */
async function deriveDomainCriterion(ctx: ApplyContext): Promise<number> {
  let n = 0;
  for (const table of ['crm_lead']) {
    if (!ctx.schema.has(table, 'email_domain_criterion', 'email_normalized')) continue;
    n += await ctx.exec(
      `UPDATE ${q(table)} SET email_domain_criterion = 'anon.invalid' WHERE email_normalized LIKE '%@anon.invalid' ` +
        `AND email_domain_criterion IS DISTINCT FROM 'anon.invalid' AND email_domain_criterion NOT LIKE '%@anon.invalid'`,
    );
  }
  return n;
}

/**
 * Odoo derives `*_sanitized` (E.164) from the number it formats: after masking, the sanitized
 * column is the masked number's digits, so that both name the same fictional phone.
 */
/** Odoo's `*_sanitized` phone columns and the numbers each is derived from (table, column, sources). */
export const DERIVED_PHONES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['res_partner', 'phone_sanitized', ['phone', 'mobile']],
  ['crm_lead', 'phone_sanitized', ['phone', 'mobile']],
  ['hr_applicant', 'partner_phone_sanitized', ['partner_phone']],
  ['hr_applicant', 'partner_mobile_sanitized', ['partner_mobile']],
  ['hr_applicant', 'phone_sanitized', ['partner_phone', 'partner_mobile']],
  ['mailing_contact', 'phone_sanitized', ['phone', 'mobile']],
  ['event_registration', 'phone_sanitized', ['phone']],
];

async function deriveSanitizedPhones(ctx: ApplyContext): Promise<number> {
  let n = 0;
  for (const [table, target, sources] of DERIVED_PHONES) {
    const present = ctx.schema.present(table, [...sources]);
    if (!ctx.schema.has(table, target) || present.length === 0) continue;
    const fake = (c: string): string => `NULLIF(CASE WHEN ${q(c)} ~ '^\\+1 555 01[0-9]{5}$' THEN '+155501' || right(${q(c)}, 5) END, '')`;
    const derived = `COALESCE(${present.map(fake).join(', ')})`;
    n += await ctx.exec(`UPDATE ${q(table)} SET ${q(target)} = ${derived} WHERE ${derived} IS NOT NULL AND ${q(target)} IS DISTINCT FROM ${derived}`);
  }
  return n;
}

/** res_partner.complete_name as Odoo 17 computes it, for contacts whose name was masked. */
async function deriveCompleteName(ctx: ApplyContext): Promise<number> {
  if (!ctx.schema.has('res_partner', 'complete_name', 'name', 'parent_id', 'is_company')) return 0;
  const ccn = ctx.schema.has('res_partner', 'commercial_company_name') ? `NULLIF(p.commercial_company_name, ''), ` : '';
  const computed =
    `CASE WHEN p.is_company IS NOT TRUE AND p.parent_id IS NOT NULL AND COALESCE(${ccn}par.name) IS NOT NULL ` +
    `THEN COALESCE(${ccn}par.name) || ', ' || p.name ELSE p.name END`;
  return ctx.exec(
    `UPDATE res_partner p SET complete_name = ${computed} FROM res_partner p2 LEFT JOIN res_partner par ON par.id = p2.parent_id ` +
      `WHERE p2.id = p.id AND p.name ~ '^(Person|Company) [0-9A-F]{6}$' AND p.complete_name IS DISTINCT FROM ${computed}`,
  );
}

// ---- proof ----

interface ColumnHit {
  table: string;
  column: string;
  option: SanitizationOptionKey;
  count: number;
}

/** Search every text column for every captured value of the chosen classes: one query per table. */
export async function proveByValue(ctx: ApplyContext, map: PersonalMap): Promise<ProofCheck[]> {
  const classes = BY_VALUE_CLASSES.filter((c) => ctx.enabled.has(CLASS_OPTION[c]));
  const structured = mapped(map, ctx.enabled).filter((c) => !OWN_RULES.has(`${c.table}.${c.column}`));
  const hits: ColumnHit[] = [];
  let searched = 0;
  const tables = new Set([...map.textColumns.map((c) => c.table), ...structured.map((c) => c.table)]);
  const inText: SanitizationOptionKey[] = [];
  for (const option of TEXT_OPTIONS) if (ctx.enabled.has(option) && (await hasTextValues(ctx, option))) inText.push(option);
  for (const table of tables) {
    const s = new Stmt();
    const probes: Array<{ column: string; option: SanitizationOptionKey; sql: string }> = [];
    for (const c of map.textColumns.filter((x) => x.table === table)) {
      const col = c.json ? `t.${q(c.column)}::text` : `t.${q(c.column)}`;
      for (const cls of classes) probes.push({ column: c.column, option: CLASS_OPTION[cls], sql: hitSql(s, cls, col) });
      if (!searchedForNames(c)) continue;
      for (const option of inText) probes.push({ column: c.column, option, sql: textHitSql(s, option, col) });
    }
    for (const c of structured.filter((x) => x.table === table)) {
      const cls = keyClass(c);
      const col = `t.${q(c.column)}`;
      if (cls === 'clear') probes.push({ column: c.column, option: c.option as SanitizationOptionKey, sql: assignment(s, ctx.key, c)?.when ?? 'false' });
      else if (cls === 'text' || cls === 'digits' || cls === 'alnum') {
        if (c.type === 'text') probes.push({ column: c.column, option: c.option as SanitizationOptionKey, sql: wholeHitSql(s, cls, col) });
      }
    }
    if (probes.length === 0) continue;
    searched += probes.length;
    const select = probes.map((p, i) => `count(*) FILTER (WHERE ${p.sql})::int AS p${i}`).join(', ');
    // a big table counted per key range: the ranges cover every row once, the counts add up
    const counts = probes.map(() => 0);
    await ctx.overRanges(table, 't', async (range) => {
      const { rows } = await ctx.query<Record<string, number>>(`SELECT ${select} FROM ${q(table)} t WHERE ${range}`, s.values);
      const row = rows[0] ?? {};
      probes.forEach((_, i) => (counts[i] = (counts[i] ?? 0) + Number(row[`p${i}`] ?? 0)));
      return 0;
    });
    probes.forEach((p, i) => {
      const count = counts[i] ?? 0;
      if (count > 0) hits.push({ table, column: p.column, option: p.option, count });
    });
  }
  const options = new Set<SanitizationOptionKey>([...classes.map((c) => CLASS_OPTION[c]), ...structured.map((c) => c.option as SanitizationOptionKey)]);
  return [...options].map((option) => {
    const mine = hits.filter((h) => h.option === option);
    const violations = mine.reduce((sum, h) => sum + h.count, 0);
    const where = mergeHits(mine).map((h) => `${h.table}.${h.column} (${h.count})`).join(', ');
    return {
      option_key: option,
      check: `no source personal value of this option anywhere in the target (searched by value, ${searched} column probes in ${tables.size} tables)`,
      passed: violations === 0,
      violations,
      detail: violations === 0 ? null : `source values found in ${where}`,
    };
  });
}

function mergeHits(hits: readonly ColumnHit[]): ColumnHit[] {
  const by = new Map<string, ColumnHit>();
  for (const h of hits) {
    const key = `${h.table}.${h.column}`;
    const prev = by.get(key);
    if (prev) prev.count += h.count;
    else by.set(key, { ...h });
  }
  return [...by.values()];
}
