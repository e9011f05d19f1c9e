// Each option's guarantee, checked on the sanitized database with queries of our own (not the
// sanitizer's proof), against the untouched copy and the generator's summary where needed.
import type pg from 'pg';
import { expect } from 'vitest';
import { PLACEHOLDERS, pseudonymEmail, pseudonymPhone } from '@oec/agent/sanitize';
import type { SanitizationOptionKey } from '@oec/shared';
import type { GeneratedSummary } from '../odoo/index.js';
import { rows, scalar } from './harness.js';

export interface GuaranteeContext {
  c: pg.ClientBase;
  pristine: pg.ClientBase;
  summary: GeneratedSummary;
  passwordHash: string;
  affected: (key: SanitizationOptionKey) => number;
  /** The salt and target URL the sanitizer was given. */
  salt: string;
  baseUrl: string;
  /** The sensitive models the sanitizer was given (default SENSITIVE_MODELS). */
  sensitiveModels?: readonly string[];
}

/** The sensitive models the suites give the sanitizer: partners have avatars, documents, DB-stored images. */
export const SENSITIVE_MODELS: readonly string[] = ['res.partner'];

/** Attachments of `models` holding content (not URLs): the rows replace_sensitive_attachments replaces. */
function sensitiveSql(models: readonly string[]): [string, unknown[]] {
  return [`ir_attachment WHERE res_model = ANY($1::text[]) AND type <> 'url'`, [models]];
}

const ANON_EMAIL = /^u[0-9a-f]{20}@anon\.invalid$/;
const ANON_PHONE = /^\+1 555 01[0-9]{5}$/;

async function count(c: pg.ClientBase, sql: string, values: unknown[] = []): Promise<number> {
  return scalar<number>(c, `SELECT count(*)::int AS v FROM ${sql}`, values);
}

/**
 * Customers as the sanitizer defines them: partners of neither an internal user nor a company
 * (the generator's customerPartnerIds include the companies' own partners).
 */
export function customerIds(summary: GeneratedSummary): number[] {
  const own = new Set(summary.companyPartnerIds);
  return summary.customerPartnerIds.filter((id) => !own.has(id));
}

export function ownIds(summary: GeneratedSummary): number[] {
  return [...summary.internalPartnerIds, ...summary.companyPartnerIds];
}

async function partners(c: pg.ClientBase, ids: readonly number[]): Promise<Map<number, Record<string, string | null>>> {
  const r = await rows<Record<string, string | null> & { id: number }>(c, 'SELECT * FROM res_partner WHERE id = ANY($1) ORDER BY id', [ids]);
  return new Map(r.map((p) => [p.id, p]));
}

export const GUARANTEES: Record<SanitizationOptionKey, (g: GuaranteeContext) => Promise<void>> = {
  async disable_mail_servers({ c }) {
    const active = await rows<{ smtp_host: string; smtp_port: number; smtp_encryption: string }>(
      c,
      'SELECT smtp_host, smtp_port, smtp_encryption FROM ir_mail_server WHERE active',
    );
    expect(active).toEqual([{ smtp_host: 'invalid', smtp_port: 1025, smtp_encryption: 'none' }]);
    expect(await count(c, 'ir_mail_server WHERE smtp_user IS NOT NULL OR smtp_pass IS NOT NULL')).toBe(0);
    expect(await count(c, 'fetchmail_server WHERE active OR "user" IS NOT NULL OR password IS NOT NULL OR google_gmail_refresh_token IS NOT NULL')).toBe(0);
    expect(await count(c, 'mail_template WHERE mail_server_id IS NOT NULL')).toBe(0);
    expect(await scalar(c, "SELECT value AS v FROM ir_config_parameter WHERE key = 'database.is_neutralized'")).toBe('true');
  },
  async clear_mail_queue({ c, pristine, affected }) {
    expect(await count(c, "mail_mail WHERE state = 'outgoing'")).toBe(0);
    const outgoing = await count(pristine, "mail_mail WHERE state = 'outgoing'");
    expect(outgoing).toBeGreaterThan(0);
    expect(affected('clear_mail_queue')).toBe(outgoing);
  },
  async disable_mail_templates({ c }) {
    expect(await count(c, 'mail_template WHERE active IS NOT FALSE OR mail_server_id IS NOT NULL')).toBe(0);
  },
  async anonymize_emails({ c, pristine, summary, salt }) {
    const before = await partners(pristine, [...customerIds(summary), ...ownIds(summary)]);
    const after = await partners(c, [...customerIds(summary), ...ownIds(summary)]);
    let anonymized = 0;
    for (const id of customerIds(summary)) {
      const b = before.get(id)?.email ?? null;
      const a = after.get(id)?.email ?? null;
      if (b === null) expect(a).toBeNull();
      else {
        expect(a).toMatch(ANON_EMAIL);
        expect(a).toBe(pseudonymEmail(salt, b.trim().toLowerCase()));
        anonymized++;
      }
    }
    expect(anonymized).toBe(summary.customerEmails - summary.companyPartnerIds.length);
    for (const id of ownIds(summary)) expect(after.get(id)?.email).toBe(before.get(id)?.email);
    // internal users keep their login; portal logins that were their email follow the pseudonym
    const users = async (db: pg.ClientBase): Promise<Map<number, string>> =>
      new Map((await rows<{ id: number; login: string }>(db, 'SELECT id, login FROM res_users')).map((u) => [u.id, u.login]));
    const [ub, ua] = [await users(pristine), await users(c)];
    for (const id of summary.internalUserIds) expect(ua.get(id)).toBe(ub.get(id));
    for (const id of summary.portalUserIds) {
      const login = ub.get(id) ?? '';
      expect(ua.get(id)).toBe(login.includes('@') ? pseudonymEmail(salt, login.toLowerCase()) : login);
    }
    expect(await count(c, '(SELECT login, website_id FROM res_users GROUP BY 1, 2 HAVING count(*) > 1) d')).toBe(0);
  },
  async anonymize_phones({ c, pristine, summary, salt }) {
    const before = await partners(pristine, customerIds(summary));
    const after = await partners(c, customerIds(summary));
    const source = new Set<string>();
    for (const p of before.values()) for (const col of ['phone', 'mobile', 'phone_sanitized']) if (p[col]) source.add(p[col]);
    for (const [id, a] of after) {
      for (const col of ['phone', 'mobile']) {
        const b = before.get(id)?.[col] ?? null;
        expect(a[col] ?? null).toBe(b === null ? null : pseudonymPhone(salt, b));
        if (a[col]) expect(a[col]).toMatch(ANON_PHONE);
      }
      for (const col of ['phone', 'mobile', 'phone_sanitized']) expect(source.has(a[col] ?? '')).toBe(false);
    }
    const own = await partners(c, ownIds(summary));
    const ownBefore = await partners(pristine, ownIds(summary));
    for (const [id, p] of own) expect([p.phone, p.mobile]).toEqual([ownBefore.get(id)?.phone, ownBefore.get(id)?.mobile]);
  },
  async anonymize_addresses({ c, pristine, summary }) {
    const after = await partners(c, customerIds(summary));
    for (const p of after.values()) {
      if (p.street !== null) expect(p.street).toMatch(/^Street [0-9A-F]{6}$/);
      if (p.city !== null) expect(p.city).toMatch(/^City [0-9A-F]{6}$/);
      expect([p.street2, p.zip, p.partner_latitude, p.partner_longitude]).toEqual([null, null, null, null]);
    }
    const own = await partners(c, ownIds(summary));
    const ownBefore = await partners(pristine, ownIds(summary));
    for (const [id, p] of own) expect([p.street, p.zip, p.city]).toEqual([ownBefore.get(id)?.street, ownBefore.get(id)?.zip, ownBefore.get(id)?.city]);
  },
  async anonymize_identity_numbers({ c, pristine }) {
    const before = await rows<{ acc_number: string }>(pristine, 'SELECT acc_number FROM res_partner_bank WHERE acc_number IS NOT NULL');
    const after = await rows<{ acc_number: string; sanitized_acc_number: string | null }>(c, 'SELECT acc_number, sanitized_acc_number FROM res_partner_bank');
    const source = new Set(before.map((r) => r.acc_number));
    for (const a of after) {
      expect(source.has(a.acc_number)).toBe(false);
      if (a.sanitized_acc_number !== null) expect(a.sanitized_acc_number).toBe(a.acc_number.replace(/[^A-Za-z0-9]/g, '').toUpperCase());
    }
  },
  async anonymize_company_names({ c, pristine, summary }) {
    const own = new Set(summary.companyPartnerIds);
    const before = await partners(pristine, summary.customerPartnerIds);
    const after = await partners(c, summary.customerPartnerIds);
    const sourceNames = new Set([...before.values()].filter((p) => p.is_company && !own.has(Number(p.id))).map((p) => p.name));
    expect(sourceNames.size).toBeGreaterThan(0);
    for (const [id, a] of after) {
      if (own.has(id)) expect(a.name).toBe(before.get(id)?.name);
      else if (a.is_company) expect(a.name).toMatch(/^Company [0-9A-F]{6}$/);
      for (const col of ['commercial_company_name', 'company_name']) if (!own.has(Number(a.commercial_partner_id))) expect(sourceNames.has(a[col] ?? null)).toBe(false);
      const prefix = (a.complete_name ?? '').split(', ')[0] ?? '';
      if (!own.has(Number(a.commercial_partner_id))) expect(sourceNames.has(prefix)).toBe(false);
    }
  },
  async clear_api_keys({ c }) {
    expect(await count(c, "payment_provider WHERE state = 'enabled'")).toBe(0);
    expect(await count(c, 'payment_provider WHERE stripe_secret_key IS NOT NULL OR stripe_publishable_key IS NOT NULL OR stripe_webhook_secret IS NOT NULL')).toBe(0);
    expect(await count(c, "iap_account WHERE account_token NOT LIKE '%+disabled'")).toBe(0);
    expect(await count(c, 'res_users_apikeys')).toBe(0);
    expect(await count(c, 'auth_oauth_provider WHERE enabled')).toBe(0);
    expect(await count(c, 'google_calendar_credentials WHERE calendar_token IS NOT NULL OR calendar_rtoken IS NOT NULL OR NOT synchronization_stopped')).toBe(0);
    expect(await count(c, 'res_users WHERE oauth_access_token IS NOT NULL')).toBe(0);
    expect(await count(c, "ir_act_server WHERE state = 'webhook' AND webhook_url <> 'neutralization - disable webhook'")).toBe(0);
    expect(await count(c, "delivery_carrier WHERE prod_environment OR (active AND delivery_type NOT IN ('fixed', 'base_on_rule'))")).toBe(0);
    expect(await count(c, "delivery_carrier WHERE active AND delivery_type IN ('fixed', 'base_on_rule')")).toBe(2);
    expect(await count(c, 'mail_partner_device')).toBe(0);
    expect(await count(c, 'website WHERE google_maps_api_key IS NOT NULL OR plausible_shared_key IS NOT NULL OR google_analytics_key IS NOT NULL')).toBe(0);
    const p = new Map((await rows<{ key: string; value: string }>(c, 'SELECT key, value FROM ir_config_parameter')).map((r) => [r.key, r.value]));
    for (const gone of [
      'mail.web_push_vapid_private_key', 'mail.sfu_server_key', 'cloud_storage_google_account_info', 'google_calendar_client_secret',
      'web_map.token_map_box', 'acme_shipping.api_key', 'crm_sync.access_token', 'bank_feed.client_secret', 'warehouse_webhook_secret',
    ]) expect(p.has(gone), gone).toBe(false);
    expect(p.get('recaptcha_private_key')).toBe('');
    for (const kept of ['database.secret', 'database.uuid', 'database.enterprise_code', 'web.base.url', 'iap.endpoint', 'sale.default_confirmation_template']) {
      expect(p.has(kept), kept).toBe(true);
    }
  },
  async update_base_url({ c, baseUrl }) {
    const p = new Map((await rows<{ key: string; value: string }>(c, 'SELECT key, value FROM ir_config_parameter')).map((r) => [r.key, r.value]));
    expect([p.get('web.base.url'), p.get('web.base.url.freeze'), p.get('report.url')]).toEqual([baseUrl, 'True', baseUrl]);
    expect(await rows(c, 'SELECT id, domain, cdn_activated, robots_txt FROM website ORDER BY id')).toEqual([
      { id: 1, domain: baseUrl, cdn_activated: false, robots_txt: 'User-agent: *\nDisallow: /' },
      { id: 2, domain: null, cdn_activated: false, robots_txt: 'User-agent: *\nDisallow: /' },
    ]);
  },
  async reset_passwords({ c, passwordHash }) {
    expect(await count(c, 'res_users WHERE password IS DISTINCT FROM $1', [passwordHash])).toBe(0);
  },
  async disable_2fa({ c }) {
    expect(await count(c, 'res_users WHERE totp_secret IS NOT NULL')).toBe(0);
    expect(await count(c, 'auth_totp_device')).toBe(0);
  },
  async disable_crons({ c, summary }) {
    expect(await rows(c, 'SELECT id FROM ir_cron WHERE active')).toEqual([{ id: summary.autovacuumCronId }]);
  },
  async clear_scheduled_messages({ c }) {
    expect(await count(c, "mail_mail WHERE scheduled_date > (now() AT TIME ZONE 'UTC')")).toBe(0);
  },
  async replace_sensitive_attachments({ c, pristine, affected, sensitiveModels = SENSITIVE_MODELS }) {
    const [sensitive, values] = sensitiveSql(sensitiveModels);
    const content = await rows<{ id: number; store_fname: string | null; checksum: string | null; file_size: number; mimetype: string | null; db_datas: Buffer | null; index_content: string | null }>(
      c,
      `SELECT id, store_fname, checksum, file_size, mimetype, db_datas, index_content FROM ${sensitive} ORDER BY id`,
      values,
    );
    const before = await rows<{ id: number; mimetype: string | null }>(pristine, `SELECT id, mimetype FROM ${sensitive} ORDER BY id`, values);
    // same rows, same ids (references stay valid); each holds its placeholder and nothing else
    expect(content.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(before.length).toBeGreaterThan(0);
    for (const [i, r] of content.entries()) {
      const p = before[i]?.mimetype?.startsWith('image/') ? PLACEHOLDERS[0] : PLACEHOLDERS[1];
      expect({ ...r, id: 0 }).toEqual({ id: 0, store_fname: p?.storeFname, checksum: p?.checksum, file_size: p?.size, mimetype: p?.mimetype, db_datas: null, index_content: null });
    }
    expect(await count(c, 'ir_attachment WHERE access_token IS NOT NULL')).toBe(0);
    const tokensElsewhere = await count(pristine, `ir_attachment WHERE access_token IS NOT NULL AND NOT (res_model = ANY($1::text[]) AND type <> 'url')`, values);
    // the SQL pass rewrote every such row, or (COPY path) they arrived rewritten and it found none
    expect([before.length + tokensElsewhere, 0]).toContain(affected('replace_sensitive_attachments'));
  },
  async clear_asset_bundles({ c, pristine, affected }) {
    expect(await count(c, "ir_attachment WHERE res_model = 'ir.ui.view' AND url LIKE '/web/assets/%'")).toBe(0);
    const before = await count(pristine, 'ir_attachment');
    expect(await count(c, 'ir_attachment')).toBe(before - affected('clear_asset_bundles'));
    expect(affected('clear_asset_bundles')).toBe(await count(pristine, "ir_attachment WHERE url LIKE '/web/assets/%'"));
  },
};
