// clear_api_keys: credentials and live integrations. Catalogued credential columns are set to
// NULL, live modes are switched off (payment providers disabled, carriers out of production,
// OAuth providers disabled, calendar sync stopped, EDI proxies in test/demo mode), IAP tokens get
// Odoo's `+disabled` suffix, user API keys and web push subscriptions are deleted, webhooks are
// neutralized, and secret system parameters are deleted (or blanked) — never those on the
// allow-list. The capture step keeps every source credential value so the proof can show that
// none of them is left in any catalogued place.
import { countViolations, plural, setParam, Stmt, summarize } from '../sql.js';
import type { ApplyContext, CheckSpec, EstimateContext, PlanContext, SanitizeOption } from '../types.js';
import { CREDENTIAL_TABLES, PUSH_TABLES, type CredentialTable, type Flag } from './credential-tables.js';
import {
  BLANKED_PARAMS,
  CREDENTIAL_LIKE_COLUMN,
  DELETED_PARAMS,
  IAP_DISABLED_SUFFIX,
  NEUTRAL_WEBHOOK,
  NEVER_DELETE_PARAMS,
  PAYMENT_SECRETS,
  SECRET_PARAM_PATTERNS,
} from './credentials-catalogue.js';

const q = (c: string): string => `"${c}"`;

function secretsOf(ctx: PlanContext, t: CredentialTable): string[] {
  return ctx.schema.present(t.table, t.secrets);
}

function flagsOf(ctx: PlanContext, t: CredentialTable): Flag[] {
  return t.flags.filter((f) => ctx.schema.has(t.table, f.column, ...(f.reads ?? [])));
}

function secretsWhere(cols: readonly string[]): string {
  return cols.map((c) => `${q(c)} IS NOT NULL`).join(' OR ');
}

function tableWhere(ctx: PlanContext, s: Stmt, t: CredentialTable): string | null {
  const parts = [secretsWhere(secretsOf(ctx, t)), ...flagsOf(ctx, t).map((f) => `(${f.needs(s)})`)].filter((x) => x !== '');
  return parts.length > 0 ? parts.join(' OR ') : null;
}

function paramsToDeleteWhere(s: Stmt): string {
  return (
    `(key ILIKE ANY(${s.list(SECRET_PARAM_PATTERNS)}) OR key = ANY(${s.list(DELETED_PARAMS)})) ` +
    `AND key <> ALL(${s.list(NEVER_DELETE_PARAMS)}) AND key <> ALL(${s.list(BLANKED_PARAMS)})`
  );
}

function paramsToBlankWhere(s: Stmt): string {
  return `key = ANY(${s.list(BLANKED_PARAMS)}) AND value <> ''`;
}

function iapWhere(s: Stmt): string {
  return `account_token IS NOT NULL AND account_token NOT LIKE ${s.v(`%${IAP_DISABLED_SUFFIX}`)}`;
}

function webhookWhere(s: Stmt): string {
  return `state = ${s.v('webhook')} AND webhook_url IS DISTINCT FROM ${s.v(NEUTRAL_WEBHOOK)}`;
}

const HAS = {
  iap: (ctx: PlanContext) => ctx.schema.has('iap_account', 'account_token'),
  apikeys: (ctx: PlanContext) => ctx.schema.hasTable('res_users_apikeys'),
  webhook: (ctx: PlanContext) => ctx.schema.has('ir_act_server', 'state', 'webhook_url'),
  params: (ctx: PlanContext) => ctx.schema.has('ir_config_parameter', 'key', 'value'),
};

/** Every credential value present now (one row per value), for capture and api_keys_found. */
function credentialValuesSql(ctx: PlanContext, s: Stmt): string {
  const selects: string[] = [];
  for (const t of CREDENTIAL_TABLES) {
    for (const c of secretsOf(ctx, t)) {
      selects.push(`SELECT ${q(c)}::text AS value FROM ${t.table} WHERE ${q(c)} IS NOT NULL AND ${q(c)}::text <> ''`);
    }
  }
  if (HAS.apikeys(ctx) && ctx.schema.has('res_users_apikeys', 'key')) selects.push('SELECT key::text FROM res_users_apikeys WHERE key IS NOT NULL');
  if (HAS.iap(ctx)) selects.push(`SELECT account_token::text FROM iap_account WHERE ${iapWhere(s)}`);
  if (HAS.webhook(ctx)) selects.push(`SELECT webhook_url::text FROM ir_act_server WHERE ${webhookWhere(s)} AND webhook_url <> ''`);
  if (HAS.params(ctx)) {
    selects.push(`SELECT value FROM ir_config_parameter WHERE ((${paramsToDeleteWhere(s)}) OR (${paramsToBlankWhere(s)})) AND value <> ''`);
  }
  return selects.length > 0 ? selects.join(' UNION ALL ') : 'SELECT NULL::text AS value WHERE false';
}

/** Values in catalogued places now (after sanitizing they should be NULL, '' or neutral). */
function currentCredentialPlacesSql(ctx: PlanContext, s: Stmt): string {
  const selects: string[] = [];
  for (const t of CREDENTIAL_TABLES) for (const c of secretsOf(ctx, t)) selects.push(`SELECT ${q(c)}::text AS value FROM ${t.table}`);
  if (HAS.apikeys(ctx) && ctx.schema.has('res_users_apikeys', 'key')) selects.push('SELECT key::text FROM res_users_apikeys');
  if (HAS.iap(ctx)) selects.push('SELECT account_token::text FROM iap_account');
  if (HAS.webhook(ctx)) selects.push('SELECT webhook_url::text FROM ir_act_server');
  if (HAS.params(ctx)) {
    selects.push(
      `SELECT value FROM ir_config_parameter WHERE (key ILIKE ANY(${s.list(SECRET_PARAM_PATTERNS)}) OR key = ANY(${s.list(DELETED_PARAMS)}) ` +
        `OR key = ANY(${s.list(BLANKED_PARAMS)})) AND key <> ALL(${s.list(NEVER_DELETE_PARAMS)})`,
    );
  }
  return selects.length > 0 ? selects.join(' UNION ALL ') : 'SELECT NULL::text AS value WHERE false';
}

async function moduleInstalled(ctx: { query: ApplyContext['query']; schema: PlanContext['schema'] }, name: string): Promise<boolean> {
  if (!ctx.schema.has('ir_module_module', 'name', 'state')) return false;
  const s = new Stmt();
  const { rows } = await ctx.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ir_module_module WHERE name = ${s.v(name)} AND state = ANY(${s.list(['installed', 'to upgrade', 'to remove'])})) AS ok`,
    s.values,
  );
  return rows[0]?.ok === true;
}

function uncataloguedWarning(ctx: PlanContext): string | null {
  const known = new Set<string>(PAYMENT_SECRETS);
  const odd = ctx.schema.columns('payment_provider').filter((c) => CREDENTIAL_LIKE_COLUMN.test(c) && !known.has(c));
  return odd.length > 0 ? `payment_provider columns look like credentials but are not catalogued (left as is): ${odd.join(', ')}` : null;
}

async function applyTables(ctx: ApplyContext): Promise<number> {
  let n = 0;
  for (const t of CREDENTIAL_TABLES) {
    if (!(t.warn ? ctx.require(t.table) : ctx.schema.hasTable(t.table))) continue;
    const s = new Stmt();
    const where = tableWhere(ctx, s, t);
    if (!where) continue;
    const sets = [
      ...secretsOf(ctx, t).map((c) => `${q(c)} = NULL`),
      ...flagsOf(ctx, t).map((f) => `${q(f.column)} = CASE WHEN ${f.needs(s)} THEN ${f.set(s)} ELSE ${q(f.column)} END`),
    ];
    n += await ctx.exec(`UPDATE ${t.table} SET ${sets.join(', ')} WHERE ${where}`, s.values);
  }
  return n;
}

async function applyOthers(ctx: ApplyContext): Promise<number> {
  let n = 0;
  if (ctx.require('res_users_apikeys')) n += await ctx.exec('DELETE FROM res_users_apikeys');
  if (ctx.require('iap_account', 'account_token')) {
    const s = new Stmt();
    const max = ctx.schema.column('iap_account', 'account_token')?.maxLength ?? null;
    const base = `regexp_replace(account_token, '[+].*$', '')`;
    const cut = max !== null ? `left(${base}, ${s.v(Math.max(max - IAP_DISABLED_SUFFIX.length, 0))}::int)` : base;
    n += await ctx.exec(`UPDATE iap_account SET account_token = ${cut} || ${s.v(IAP_DISABLED_SUFFIX)}::text WHERE ${iapWhere(s)}`, s.values);
  }
  if (ctx.require('ir_act_server', 'state', 'webhook_url')) {
    const s = new Stmt();
    n += await ctx.exec(`UPDATE ir_act_server SET webhook_url = ${s.v(NEUTRAL_WEBHOOK)} WHERE ${webhookWhere(s)}`, s.values);
  }
  for (const t of PUSH_TABLES) {
    if (t === 'mail_partner_device' ? ctx.require(t) : ctx.schema.hasTable(t)) n += await ctx.exec(`DELETE FROM ${t}`);
  }
  if (ctx.require('ir_config_parameter', 'key', 'value')) {
    const b = new Stmt();
    n += await ctx.exec(`UPDATE ir_config_parameter SET value = '' WHERE ${paramsToBlankWhere(b)}`, b.values);
    const d = new Stmt();
    n += await ctx.exec(`DELETE FROM ir_config_parameter WHERE ${paramsToDeleteWhere(d)}`, d.values);
    if (await moduleInstalled(ctx, 'account_peppol')) n += await setParam(ctx, 'account_peppol.edi.mode', 'test');
  }
  return n;
}

export const clearApiKeys: SanitizeOption = {
  key: 'clear_api_keys',
  async capture(ctx) {
    const s = new Stmt();
    await ctx.query(
      `CREATE TEMP TABLE oec_src_credential ON COMMIT DROP AS SELECT DISTINCT value FROM (${credentialValuesSql(ctx, s)}) v`,
      s.values,
    );
    if (HAS.params(ctx)) {
      const k = new Stmt();
      await ctx.query(
        `CREATE TEMP TABLE oec_kept_param ON COMMIT DROP AS SELECT key FROM ir_config_parameter WHERE key = ANY(${k.list(NEVER_DELETE_PARAMS)})`,
        k.values,
      );
    }
  },
  async apply(ctx) {
    const odd = uncataloguedWarning(ctx);
    if (odd) ctx.warn(odd);
    return (await applyTables(ctx)) + (await applyOthers(ctx));
  },
  proof(ctx) {
    const checks: CheckSpec[] = [];
    for (const t of CREDENTIAL_TABLES) {
      const secrets = secretsOf(ctx, t);
      if (secrets.length > 0) {
        checks.push({ check: t.secretCheck, requires: [[t.table]], rows: { table: t.table, where: () => secretsWhere(secrets) } });
      }
      const flags = flagsOf(ctx, t);
      if (flags.length > 0 && t.flagCheck) {
        checks.push({
          check: t.flagCheck,
          requires: [[t.table]],
          rows: { table: t.table, where: (s) => flags.map((f) => `(${f.needs(s)})`).join(' OR ') },
        });
      }
    }
    checks.push({ check: 'every IAP account token disabled', requires: [['iap_account', 'account_token']], rows: { table: 'iap_account', where: iapWhere } });
    checks.push({ check: 'no user API key left', requires: [['res_users_apikeys']], rows: { table: 'res_users_apikeys' } });
    checks.push({ check: 'no live webhook', requires: [['ir_act_server', 'state', 'webhook_url']], rows: { table: 'ir_act_server', where: webhookWhere } });
    for (const t of PUSH_TABLES) {
      if (ctx.schema.hasTable(t)) checks.push({ check: `no web push subscription left (${t})`, requires: [[t]], rows: { table: t } });
    }
    checks.push({
      check: 'no credential system parameter left',
      requires: [['ir_config_parameter', 'key', 'value']],
      rows: { table: 'ir_config_parameter', where: (s) => `(${paramsToDeleteWhere(s)}) OR (${paramsToBlankWhere(s)})` },
    });
    checks.push({
      check: 'allow-listed parameters kept',
      requires: [['ir_config_parameter', 'key', 'value']],
      sql: countViolations('pg_temp.oec_kept_param k WHERE NOT EXISTS (SELECT 1 FROM ir_config_parameter c WHERE c.key = k.key)'),
    });
    const v = new Stmt();
    checks.push({
      check: 'no source credential value left',
      requires: [],
      sql: countViolations(`(${currentCredentialPlacesSql(ctx, v)}) cur JOIN pg_temp.oec_src_credential src ON src.value = cur.value`),
      values: v.values,
    });
    return checks;
  },
  async estimate(ctx) {
    const parts: Array<[number, string]> = [];
    let rows = 0;
    const add = (n: number, text: string): void => {
      rows += n;
      parts.push([n, text]);
    };
    for (const t of CREDENTIAL_TABLES) {
      if (!ctx.schema.hasTable(t.table)) continue;
      const s = new Stmt();
      const where = tableWhere(ctx, s, t);
      if (where) add(await ctx.count(t.table, `SELECT 1 FROM ${t.table} WHERE ${where}`, s.values), `${t.table}`);
    }
    if (HAS.apikeys(ctx)) add(await ctx.count('res_users_apikeys', 'SELECT 1 FROM res_users_apikeys'), 'user API keys');
    if (HAS.iap(ctx)) {
      const s = new Stmt();
      add(await ctx.count('iap_account', `SELECT 1 FROM iap_account WHERE ${iapWhere(s)}`, s.values), 'IAP accounts');
    }
    if (HAS.webhook(ctx)) {
      const s = new Stmt();
      add(await ctx.count('ir_act_server', `SELECT 1 FROM ir_act_server WHERE ${webhookWhere(s)}`, s.values), 'webhooks');
    }
    for (const t of PUSH_TABLES) if (ctx.schema.hasTable(t)) add(await ctx.count(t, `SELECT 1 FROM ${t}`), t);
    if (HAS.params(ctx)) {
      const b = new Stmt();
      const d = new Stmt();
      const params =
        (await ctx.count('ir_config_parameter', `SELECT 1 FROM ir_config_parameter WHERE ${paramsToBlankWhere(b)}`, b.values)) +
        (await ctx.count('ir_config_parameter', `SELECT 1 FROM ir_config_parameter WHERE ${paramsToDeleteWhere(d)}`, d.values)) +
        ((await moduleInstalled(ctx, 'account_peppol')) ? 1 : 0);
      add(params, 'system parameters');
    }
    const found = await countApiKeysIn(ctx);
    const detail = summarize(parts.map(([n, text]) => [n, `${text}: ${n}`]));
    return { rows, summary: `${plural(found, 'credential')} found; ${rows} rows will be cleared or disabled (${detail})` };
  },
};

/** How many credential values the catalogue finds (the estimate's `api_keys_found`). */
export async function countApiKeysIn(ctx: Pick<EstimateContext, 'query' | 'schema' | 'enabled'>): Promise<number> {
  const s = new Stmt();
  const { rows } = await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${credentialValuesSql(ctx, s)}) v`, s.values);
  return rows[0]?.n ?? 0;
}
