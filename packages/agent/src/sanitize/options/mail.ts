// Outgoing and incoming mail: disable_mail_servers, clear_mail_queue, disable_mail_templates.
//
// disable_mail_servers also carries Odoo's own neutralization markers (database.is_neutralized,
// the web banner) and mail_template.mail_server_id = NULL, so that the recommended preset covers
// what `odoo-bin neutralize` does for base, web and mail.
import { NOW_UTC, plural, setParam, Stmt, summarize } from '../sql.js';
import type { ApplyContext, CheckSpec, EstimateContext, PlanContext, SanitizeOption } from '../types.js';

/** Odoo's dummy server: active, so that no odoo.conf / --smtp fallback is ever used. */
export const DUMMY_SERVER = {
  name: 'neutralization - disable emails',
  smtp_host: 'invalid',
  smtp_port: 1025,
  smtp_encryption: 'none',
  smtp_authentication: 'login',
} as const;

/** Credential columns of ir_mail_server (those present are cleared). */
export const MAIL_SERVER_SECRETS = [
  'smtp_user',
  'smtp_pass',
  'smtp_ssl_certificate',
  'smtp_ssl_private_key',
  'google_gmail_authorization_code',
  'google_gmail_refresh_token',
  'google_gmail_access_token',
  'google_gmail_access_token_expiration',
  'microsoft_outlook_refresh_token',
  'microsoft_outlook_access_token',
  'microsoft_outlook_access_token_expiration',
] as const;

/** Credential columns of fetchmail_server (incoming mail). */
export const FETCHMAIL_SECRETS = [
  'user',
  'password',
  'google_gmail_authorization_code',
  'google_gmail_refresh_token',
  'google_gmail_access_token',
  'google_gmail_access_token_expiration',
  'microsoft_outlook_refresh_token',
  'microsoft_outlook_access_token',
  'microsoft_outlook_access_token_expiration',
] as const;

export const NEUTRALIZED_PARAM = 'database.is_neutralized';
/** Views Odoo's neutralization activates (web banner, website ribbon). */
export const BANNER_VIEW = 'web.neutralize_banner';
export const RIBBON_VIEW = 'website.neutralize_ribbon';

function quoted(col: string): string {
  return `"${col}"`;
}

/** The predicate "this row is the kept dummy server": the lowest id with the dummy's name/host. */
function dummyIdSql(ctx: PlanContext, s: Stmt): string {
  const host = ctx.schema.has('ir_mail_server', 'smtp_host') ? ` AND smtp_host = ${s.v(DUMMY_SERVER.smtp_host)}` : '';
  return `(SELECT min(id) FROM ir_mail_server WHERE name = ${s.v(DUMMY_SERVER.name)}${host})`;
}

/** The predicate used by the proof for "this active server is the dummy". */
function isDummySql(ctx: PlanContext, s: Stmt): string {
  return ctx.schema.has('ir_mail_server', 'smtp_host')
    ? `smtp_host = ${s.v(DUMMY_SERVER.smtp_host)}`
    : `name = ${s.v(DUMMY_SERVER.name)}`;
}

async function disableOutgoing(ctx: ApplyContext): Promise<number> {
  if (!ctx.require('ir_mail_server', 'name', 'active')) return 0;
  const secrets = ctx.schema.present('ir_mail_server', MAIL_SERVER_SECRETS);
  const sets = ['active = false', ...secrets.map((c) => `${quoted(c)} = NULL`)];
  const s = new Stmt();
  let n = await ctx.exec(
    `UPDATE ir_mail_server SET ${sets.join(', ')} WHERE id IS DISTINCT FROM ${dummyIdSql(ctx, s)}`,
    s.values,
  );
  // Reuse a dummy left by an earlier neutralization, else insert one (only existing columns:
  // schema-altering modules turn some of them into non-stored fields).
  const d = new Stmt();
  const fields: Array<[string, unknown]> = Object.entries(DUMMY_SERVER).filter(([c]) =>
    ctx.schema.has('ir_mail_server', c),
  );
  const reuse = await ctx.exec(
    `UPDATE ir_mail_server SET active = true${fields.map(([c, v]) => `, ${quoted(c)} = ${d.v(v)}`).join('')}` +
      `${secrets.map((c) => `, ${quoted(c)} = NULL`).join('')} WHERE id = ${dummyIdSql(ctx, d)}`,
    d.values,
  );
  if (reuse > 0) return n + reuse;
  const i = new Stmt();
  const cols = [...fields.map(([c]) => c), 'active'];
  const vals = [...fields.map(([, v]) => i.v(v)), 'true'];
  for (const c of ctx.schema.present('ir_mail_server', ['create_date', 'write_date'])) {
    cols.push(c);
    vals.push(NOW_UTC);
  }
  n += await ctx.exec(`INSERT INTO ir_mail_server (${cols.map(quoted).join(', ')}) VALUES (${vals.join(', ')})`, i.values);
  return n;
}

async function disableIncoming(ctx: ApplyContext): Promise<number> {
  if (!ctx.require('fetchmail_server', 'active')) return 0;
  const secrets = ctx.schema.present('fetchmail_server', FETCHMAIL_SECRETS);
  return ctx.exec(`UPDATE fetchmail_server SET ${['active = false', ...secrets.map((c) => `${quoted(c)} = NULL`)].join(', ')}`);
}

async function detachTemplates(ctx: ApplyContext): Promise<number> {
  if (!ctx.require('mail_template', 'mail_server_id')) return 0;
  return ctx.exec('UPDATE mail_template SET mail_server_id = NULL WHERE mail_server_id IS NOT NULL');
}

function bannerViewsSql(s: Stmt): string {
  return `key = ANY(${s.list([BANNER_VIEW, RIBBON_VIEW])}) AND active IS NOT TRUE`;
}

async function markNeutralized(ctx: ApplyContext): Promise<number> {
  let n = 0;
  if (ctx.require('ir_config_parameter', 'key', 'value')) n += await setParam(ctx, NEUTRALIZED_PARAM, 'true');
  // ir_ui_view is not part of every schema (the project's test DDL has none): silently optional.
  if (ctx.schema.has('ir_ui_view', 'key', 'active')) {
    const s = new Stmt();
    n += await ctx.exec(`UPDATE ir_ui_view SET active = true WHERE ${bannerViewsSql(s)}`, s.values);
  }
  return n;
}

export const disableMailServers: SanitizeOption = {
  key: 'disable_mail_servers',
  async apply(ctx) {
    return (await disableOutgoing(ctx)) + (await disableIncoming(ctx)) + (await detachTemplates(ctx)) + (await markNeutralized(ctx));
  },
  proof(ctx) {
    const checks: CheckSpec[] = [];
    checks.push({
      check: 'no active mail server but the dummy',
      requires: [['ir_mail_server', 'active']],
      rows: { table: 'ir_mail_server', where: (s) => `active IS TRUE AND NOT (${isDummySql(ctx, s)})` },
    });
    checks.push({
      check: 'the dummy mail server blocks the configuration fallback',
      requires: [['ir_mail_server', 'active']],
      rows: { table: 'ir_mail_server', where: (s) => `active IS TRUE AND ${isDummySql(ctx, s)}`, mustExist: true },
    });
    const smtp = ctx.schema.present('ir_mail_server', MAIL_SERVER_SECRETS);
    if (smtp.length > 0) {
      checks.push({
        check: 'no SMTP credential left',
        requires: [['ir_mail_server']],
        rows: { table: 'ir_mail_server', where: () => smtp.map((c) => `${quoted(c)} IS NOT NULL`).join(' OR ') },
      });
    }
    checks.push({
      check: 'no active incoming mail server',
      requires: [['fetchmail_server', 'active']],
      rows: { table: 'fetchmail_server', where: () => 'active IS TRUE' },
    });
    const imap = ctx.schema.present('fetchmail_server', FETCHMAIL_SECRETS);
    if (imap.length > 0) {
      checks.push({
        check: 'no IMAP/POP credential left',
        requires: [['fetchmail_server']],
        rows: { table: 'fetchmail_server', where: () => imap.map((c) => `${quoted(c)} IS NOT NULL`).join(' OR ') },
      });
    }
    checks.push({
      check: 'no mail template bound to a mail server',
      requires: [['mail_template', 'mail_server_id']],
      rows: { table: 'mail_template', where: () => 'mail_server_id IS NOT NULL' },
    });
    checks.push({
      check: 'database marked as neutralized',
      requires: [['ir_config_parameter', 'key', 'value']],
      rows: { table: 'ir_config_parameter', where: (s) => `key = ${s.v(NEUTRALIZED_PARAM)} AND value = ${s.v('true')}`, mustExist: true },
    });
    if (ctx.schema.has('ir_ui_view', 'key', 'active')) {
      checks.push({
        check: 'neutralization banner shown',
        requires: [['ir_ui_view', 'key', 'active']],
        rows: { table: 'ir_ui_view', where: (s) => `key = ${s.v(BANNER_VIEW)} AND active IS NOT TRUE` },
      });
    }
    return checks;
  },
  async estimate(ctx) {
    let servers = 0;
    let dummy = 0;
    if (ctx.require('ir_mail_server', 'name', 'active')) {
      const s = new Stmt();
      servers = await ctx.count('ir_mail_server', `SELECT 1 FROM ir_mail_server WHERE id IS DISTINCT FROM ${dummyIdSql(ctx, s)}`, s.values);
      dummy = 1;
    }
    const incoming = ctx.require('fetchmail_server', 'active') ? await ctx.count('fetchmail_server', 'SELECT 1 FROM fetchmail_server') : 0;
    const templates = ctx.require('mail_template', 'mail_server_id')
      ? await ctx.count('mail_template', 'SELECT 1 FROM mail_template WHERE mail_server_id IS NOT NULL')
      : 0;
    let markers = ctx.require('ir_config_parameter', 'key', 'value') ? 1 : 0;
    if (ctx.require('ir_ui_view', 'key', 'active')) {
      const s = new Stmt();
      markers += await ctx.count('ir_ui_view', `SELECT 1 FROM ir_ui_view WHERE ${bannerViewsSql(s)}`, s.values);
    }
    return {
      rows: servers + dummy + incoming + templates + markers,
      summary: summarize([
        [servers, `${plural(servers, 'outgoing mail server')} disabled and their credentials cleared`],
        [dummy, 'the dummy "invalid" server installed'],
        [incoming, `${plural(incoming, 'incoming mail server')} disabled`],
        [templates, `${plural(templates, 'mail template')} detached from their server`],
      ]),
    };
  },
};

export const clearMailQueue: SanitizeOption = {
  key: 'clear_mail_queue',
  async apply(ctx) {
    if (!ctx.require('mail_mail', 'state')) return 0;
    const s = new Stmt();
    return ctx.exec(`DELETE FROM mail_mail WHERE state = ${s.v('outgoing')}`, s.values);
  },
  proof() {
    return [{ check: 'no queued outbound mail', requires: [['mail_mail', 'state']], rows: { table: 'mail_mail', where: (s) => `state = ${s.v('outgoing')}` } }];
  },
  async estimate(ctx: EstimateContext) {
    if (!ctx.require('mail_mail', 'state')) return { rows: 0, summary: 'no mail queue (mail not installed)' };
    const s = new Stmt();
    const n = await ctx.count('mail_mail', `SELECT 1 FROM mail_mail WHERE state = ${s.v('outgoing')}`, s.values);
    return { rows: n, summary: `${plural(n, 'queued outbound email')} will be deleted` };
  },
};

/** Templates still to change (after disable_mail_servers, when it runs, detached them). */
function templatesToDisableSql(ctx: PlanContext, afterServers: boolean): string {
  const conds: string[] = [];
  if (ctx.schema.has('mail_template', 'active')) conds.push('active IS NOT FALSE');
  if (ctx.schema.has('mail_template', 'mail_server_id') && !afterServers) conds.push('mail_server_id IS NOT NULL');
  return conds.length > 0 ? conds.join(' OR ') : 'false';
}

export const disableMailTemplates: SanitizeOption = {
  key: 'disable_mail_templates',
  async apply(ctx) {
    if (!ctx.require('mail_template')) return 0;
    const sets = ctx.schema.present('mail_template', ['mail_server_id', 'active']).map((c) =>
      c === 'active' ? 'active = false' : 'mail_server_id = NULL',
    );
    if (sets.length === 0) {
      ctx.warn('mail_template has neither mail_server_id nor active');
      return 0;
    }
    if (!ctx.schema.has('mail_template', 'active')) ctx.warn('column mail_template.active not present: templates only detached');
    return ctx.exec(`UPDATE mail_template SET ${sets.join(', ')} WHERE ${templatesToDisableSql(ctx, false)}`);
  },
  proof() {
    return [
      { check: 'no active mail template', requires: [['mail_template', 'active']], rows: { table: 'mail_template', where: () => 'active IS NOT FALSE' } },
      {
        check: 'no mail template bound to a mail server',
        requires: [['mail_template', 'mail_server_id']],
        rows: { table: 'mail_template', where: () => 'mail_server_id IS NOT NULL' },
      },
    ];
  },
  async estimate(ctx) {
    if (!ctx.require('mail_template')) return { rows: 0, summary: 'no mail templates (mail not installed)' };
    const after = ctx.enabled.has('disable_mail_servers');
    const n = await ctx.count('mail_template', `SELECT 1 FROM mail_template WHERE ${templatesToDisableSql(ctx, after)}`);
    return { rows: n, summary: `${plural(n, 'mail template')} will be deactivated` };
  },
};
