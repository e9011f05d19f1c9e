// ir_module_module (installed modules consistent with the tables present: a module whose tables
// were omitted is listed as 'uninstalled') and ir_config_parameter (URLs, database identity and
// licence keys, captcha/cloud/web-push keys and custom secrets, attachment storage location).
import type { GenContext } from '../context.js';
import { companyDomain, pastTs, tr } from '../fake.js';
import { insertRows, type Row } from '../insert.js';

const MAIL_TABLES = ['mail_message', 'mail_mail'];

/** [module, tables it needs, installed when they exist]. Order gives the ids. */
const MODULES: readonly (readonly [string, readonly string[], boolean])[] = [
  ['base', [], true], ['web', [], true], ['base_setup', [], true], ['bus', [], true], ['web_tour', [], true],
  ['mail', MAIL_TABLES, true], ['contacts', MAIL_TABLES, true], ['portal', MAIL_TABLES, true],
  ['auth_signup', [], true], ['phone_validation', [], true], ['product', [], true], ['account', [], true],
  ['sale', MAIL_TABLES, true], ['calendar', MAIL_TABLES, true], ['google_account', [], true],
  ['auth_totp', ['auth_totp_device'], true], ['auth_totp_portal', ['auth_totp_device'], true],
  ['auth_oauth', ['auth_oauth_provider'], true], ['iap', ['iap_account'], true], ['iap_mail', ['iap_account'], true],
  ['google_calendar', ['google_calendar_credentials'], true], ['payment', ['payment_provider'], true],
  ['payment_stripe', ['payment_provider'], true], ['payment_custom', ['payment_provider'], true],
  ['delivery', ['delivery_carrier'], true], ['website', ['website'], true], ['website_sale', ['website'], true],
  ['theme_default', ['website'], true], ['google_recaptcha', [], true], ['mail_bot', MAIL_TABLES, true],
  ['payment_paypal', [], false], ['payment_adyen', [], false], ['microsoft_calendar', [], false],
  ['sms', [], false], ['account_peppol', [], false], ['pos_adyen', [], false], ['l10n_es_edi_sii', [], false],
];

export async function writeModules(ctx: GenContext): Promise<void> {
  if (!ctx.has('ir_module_module')) return;
  const rng = ctx.rng.fork('modules');
  const rows: Row[] = MODULES.map(([name, tables, wanted], i) => {
    const installed = wanted && tables.every((t) => ctx.has(t));
    ctx.moduleIds.set(name, i + 1);
    ctx.xmlids.push(['base', `module_${name}`, 'ir.module.module', i + 1]);
    const created = pastTs(rng);
    return {
      id: i + 1, create_uid: 1, create_date: created, write_date: created, write_uid: 1, website: 'https://www.odoo.com',
      summary: tr(`${name} module`), name, author: 'Odoo S.A.', icon: `/${name}/static/description/icon.png`,
      state: installed ? 'installed' : 'uninstalled', latest_version: installed ? '17.0.1.0' : null,
      shortdesc: tr(name.replace(/_/g, ' ')), category_id: null, description: null, application: false, demo: false,
      web: name.startsWith('web'), license: 'LGPL-3', sequence: 100, auto_install: false, to_buy: false,
      maintainer: null, published_version: null, url: null, contributors: null, menus_by_module: null,
      reports_by_module: null, views_by_module: null, module_type: 'official', imported: false,
    };
  });
  await insertRows(ctx.client, 'ir_module_module', rows);
}

/** The names of the modules marked installed. */
export function installedModules(ctx: GenContext): string[] {
  return MODULES.filter(([, tables, wanted]) => wanted && tables.every((t) => ctx.has(t))).map(([name]) => name);
}

export async function writeConfigParameters(ctx: GenContext): Promise<void> {
  if (!ctx.has('ir_config_parameter')) return;
  const rng = ctx.rng.fork('params');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  const params: [string, string][] = [
    ['web.base.url', `https://erp.${domain}`],
    ['web.base.url.freeze', 'True'],
    ['report.url', 'http://localhost:8069'],
    ['database.uuid', rng.uuid()],
    ['database.secret', rng.uuid()],
    ['database.create_date', '2022-01-03 08:00:00'],
    ['database.enterprise_code', `M${rng.int(10, 99)}${rng.hex(10).toUpperCase()}`],
    ['database.expiration_date', '2025-01-03 08:00:00'],
    ['database.expiration_reason', 'renewal'],
    ['base.login_cooldown_after', '10'],
    ['base.login_cooldown_duration', '60'],
    ['mail.catchall.domain', domain],
    ['mail.catchall.alias', 'catchall'],
    ['mail.bounce.alias', 'bounce'],
    ['mail.default.from', 'notifications'],
    ['mail.web_push_vapid_private_key', rng.token(43)],
    ['mail.web_push_vapid_public_key', `B${rng.token(86)}`],
    ['mail.sfu_server_key', rng.token(32)],
    ['recaptcha_public_key', `6Le${rng.token(37)}`],
    ['recaptcha_private_key', `6Le${rng.token(37)}`],
    ['cloud_storage_google_bucket_name', `${domain.split('.')[0] ?? 'acme'}-odoo-attachments`],
    ['cloud_storage_google_account_info', JSON.stringify({ type: 'service_account', private_key_id: rng.hex(40) })],
    ['google_calendar_client_id', `${rng.int(100000, 999999)}-${rng.token(24)}.apps.googleusercontent.com`],
    ['google_calendar_client_secret', `GOCSPX-${rng.token(28)}`],
    ['iap.endpoint', 'https://iap.odoo.com'],
    ['web_map.token_map_box', `pk.${rng.token(60)}`],
    ['acme_shipping.api_key', rng.token(32)],
    ['crm_sync.access_token', rng.token(40)],
    ['bank_feed.client_secret', rng.token(48)],
    ['warehouse_webhook_secret', rng.hex(32)],
    ['sale.default_confirmation_template', '12'],
    ['ir_attachment.location', 'file'],
  ];
  await insertRows(
    ctx.client,
    'ir_config_parameter',
    params.map(([key, value], i) => ({ id: i + 1, create_uid: 1, write_uid: 1, key, value, create_date: pastTs(rng), write_date: pastTs(rng, 30) })),
  );
}
