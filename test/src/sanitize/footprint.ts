// What each option may change, written from the specification (not from the sanitizer's code):
// the presets suite diffs a sanitized copy against an untouched copy column by column and
// ir_config_parameter key by key, and every difference must belong to a chosen option.
import type pg from 'pg';
import type { SanitizationOptionKey, SanitizationOptions } from '@oec/shared';

/** table → changed columns ('*' = rows may be inserted or deleted). */
type Footprint = Record<string, readonly string[]>;

export const FOOTPRINTS: Record<SanitizationOptionKey, Footprint> = {
  disable_mail_servers: { ir_mail_server: ['*'], fetchmail_server: ['*'], mail_template: ['mail_server_id'] },
  clear_mail_queue: { mail_mail: ['*'] },
  disable_mail_templates: { mail_template: ['mail_server_id', 'active'] },
  anonymize_emails: {
    res_partner: ['email', 'email_normalized', 'comment'],
    res_users: ['login'],
    mail_mail: ['email_to', 'email_cc', 'body_html', 'headers', 'failure_reason'],
    mail_message: ['email_from', 'reply_to', 'body'],
    mail_template: ['email_from', 'email_to', 'email_cc', 'reply_to'],
    mail_activity: ['note'],
  },
  anonymize_phones: { res_partner: ['phone', 'mobile', 'phone_sanitized'], mail_message: ['body'], mail_activity: ['note'] },
  anonymize_addresses: { res_partner: ['street', 'street2', 'zip', 'city', 'partner_latitude', 'partner_longitude'] },
  anonymize_company_names: {
    res_partner: ['name', 'commercial_company_name', 'company_name', 'complete_name'],
    res_partner_bank: ['acc_holder_name'],
    mail_message: ['record_name'],
    mail_activity: ['res_name'],
  },
  anonymize_identity_numbers: { res_partner: ['vat', 'company_registry'], res_partner_bank: ['acc_number', 'sanitized_acc_number'] },
  replace_sensitive_attachments: { ir_attachment: ['store_fname', 'checksum', 'file_size', 'mimetype', 'db_datas', 'index_content', 'access_token'] },
  clear_api_keys: {
    payment_provider: ['*'],
    auth_oauth_provider: ['*'],
    google_calendar_credentials: ['*'],
    res_users_settings: ['*'],
    res_users: ['oauth_access_token'],
    website: ['google_maps_api_key', 'plausible_shared_key', 'google_analytics_key'],
    res_partner: ['signup_token'],
    delivery_carrier: ['*'],
    iap_account: ['*'],
    res_users_apikeys: ['*'],
    ir_act_server: ['webhook_url'],
    mail_notification_web_push: ['*'],
    mail_partner_device: ['*'],
  },
  update_base_url: { website: ['domain', 'cdn_activated', 'robots_txt'] },
  reset_passwords: { res_users: ['password'] },
  disable_2fa: { res_users: ['totp_secret'], auth_totp_device: ['*'] },
  disable_crons: { ir_cron: ['active'] },
  clear_scheduled_messages: { mail_mail: ['*'] },
  clear_asset_bundles: { ir_attachment: ['*'] },
};

/** ir_config_parameter keys an option may add, change or delete. */
export function paramMayChange(key: string, options: SanitizationOptions, mode: 'create_new' | 'replace'): boolean {
  if (mode === 'create_new' && (key === 'database.uuid' || key === 'database.secret')) return true;
  if (options.disable_mail_servers && key === 'database.is_neutralized') return true;
  if (options.update_base_url && ['web.base.url', 'web.base.url.freeze', 'report.url'].includes(key)) return true;
  if (options.disable_2fa && key === 'auth_totp.policy') return true;
  if (options.clear_api_keys && /api_?key|secret|token|password|private_key|^mail\.(web_push|sfu)|^cloud_storage_|^recaptcha|ocn/.test(key)) {
    return !['database.secret', 'database.uuid'].includes(key);
  }
  return false;
}

/** Per table, per column: md5 of the column over all rows (ordered by id). */
export async function columnDigests(c: pg.ClientBase): Promise<Map<string, string>> {
  const { rows: cols } = await c.query<{ t: string; col: string }>(
    `SELECT table_name AS t, column_name AS col FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'ir_config_parameter' ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const r of cols) byTable.set(r.t, [...(byTable.get(r.t) ?? []), r.col]);
  const out = new Map<string, string>();
  for (const [t, columns] of byTable) {
    const exprs = columns.map((col, i) => `md5(string_agg(COALESCE("${col}"::text, '<null>'), ',' ORDER BY id)) AS c${i}`);
    const { rows } = await c.query<Record<string, string | null>>(
      `SELECT count(*)::text AS n, ${exprs.join(', ')} FROM ONLY public."${t}"`,
    );
    const row = rows[0] ?? {};
    out.set(`${t}.#rows`, row.n ?? '0');
    columns.forEach((col, i) => out.set(`${t}.${col}`, row[`c${i}`] ?? 'empty'));
  }
  return out;
}

export async function params(c: pg.ClientBase): Promise<Map<string, string>> {
  const { rows } = await c.query<{ key: string; value: string }>('SELECT key, value FROM ir_config_parameter');
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** Columns (table.column) that differ and are not covered by the footprints of `enabled`. */
export function unexpectedChanges(
  before: Map<string, string>,
  after: Map<string, string>,
  enabled: readonly SanitizationOptionKey[],
): string[] {
  const covers = (table: string, column: string): boolean =>
    enabled.some((o) => FOOTPRINTS[o][table]?.some((c) => c === '*' || (c === column && column !== '#rows')) ?? false);
  return [...before.entries()]
    .filter(([k, v]) => after.get(k) !== v)
    .map(([k]) => k)
    .filter((k) => {
      const [table = '', column = ''] = k.split('.');
      return !covers(table, column);
    });
}
