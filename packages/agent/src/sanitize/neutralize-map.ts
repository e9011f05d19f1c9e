// Odoo's own neutralization (`<module>/data/neutralize.sql`, 16.0+; odoo-facts.md §1.3) rule by
// rule, and the option of ours that carries each one. The recommended preset must cover every
// rule whose tables exist (a unit test holds it to that); rules with `option: null` concern
// tables outside the schema we support and are listed so that the gap is explicit.
import type { SanitizationOptionKey } from '@oec/shared';

export interface NeutralizeRule {
  /** The Odoo module whose neutralize.sql has the rule. */
  module: string;
  tables: readonly string[];
  /** What Odoo does. */
  odoo: string;
  /** The option that carries it here, or null when it is not carried. */
  option: SanitizationOptionKey | null;
  /** How we do it (or why not). */
  how: string;
}

export const NEUTRALIZE_MAP: readonly NeutralizeRule[] = [
  { module: 'base', tables: ['ir_mail_server'], odoo: 'every mail server inactive', option: 'disable_mail_servers', how: 'all servers but the dummy inactive' },
  {
    module: 'base',
    tables: ['ir_mail_server'],
    odoo: "dummy active server 'neutralization - disable emails' invalid:1025 (no odoo.conf fallback)",
    option: 'disable_mail_servers',
    how: 'inserted with the columns the table has, or an earlier one reused',
  },
  { module: 'base', tables: ['ir_mail_server'], odoo: 'smtp_user/smtp_pass cleared (19.0)', option: 'disable_mail_servers', how: 'plus SSL keys and Gmail/Outlook tokens' },
  { module: 'base', tables: ['ir_cron', 'ir_model_data'], odoo: 'every cron inactive except base.autovacuum_job', option: 'disable_crons', how: 'same, autovacuum found through ir_model_data' },
  { module: 'base', tables: ['ir_config_parameter'], odoo: "upsert database.is_neutralized = 'true'", option: 'disable_mail_servers', how: 'same upsert' },
  { module: 'base', tables: ['ir_act_server'], odoo: "webhook_url = 'neutralization - disable webhook' where state = 'webhook'", option: 'clear_api_keys', how: 'same' },
  { module: 'web', tables: ['ir_ui_view'], odoo: 'activate web.neutralize_banner', option: 'disable_mail_servers', how: 'when ir_ui_view exists' },
  { module: 'website', tables: ['ir_ui_view'], odoo: 'activate website.neutralize_ribbon', option: 'disable_mail_servers', how: 'with the banner' },
  { module: 'website', tables: ['website'], odoo: 'domain = NULL', option: 'update_base_url', how: 'first website gets the target URL, the others NULL' },
  { module: 'website', tables: ['website'], odoo: "cdn_activated = false, robots_txt = 'User-agent: *\\nDisallow: /'", option: 'update_base_url', how: 'same' },
  { module: 'mail', tables: ['mail_template'], odoo: 'mail_server_id = NULL on every template', option: 'disable_mail_servers', how: 'same' },
  { module: 'mail', tables: ['fetchmail_server'], odoo: 'every incoming server inactive', option: 'disable_mail_servers', how: 'plus user/password and OAuth tokens cleared' },
  {
    module: 'mail',
    tables: ['ir_config_parameter', 'mail_notification_web_push', 'mail_partner_device'],
    odoo: 'delete web push VAPID keys and mail.sfu_server_key; truncate push notifications and devices (17)',
    option: 'clear_api_keys',
    how: 'same (DELETE, so rows are counted)',
  },
  { module: 'mail', tables: ['mail_push', 'mail_push_device'], odoo: 'same on the renamed push tables (18+)', option: 'clear_api_keys', how: 'when the tables exist' },
  { module: 'payment', tables: ['payment_provider'], odoo: "state = 'disabled' where state not in ('test', 'disabled')", option: 'clear_api_keys', how: 'same' },
  { module: 'payment_*', tables: ['payment_provider'], odoo: "each provider's credential columns NULL", option: 'clear_api_keys', how: 'catalogue PAYMENT_SECRETS, those present' },
  {
    module: 'delivery',
    tables: ['delivery_carrier'],
    odoo: "prod_environment = false; active = false where delivery_type not in ('fixed', 'base_on_rule')",
    option: 'clear_api_keys',
    how: 'same, plus carrier credential columns NULL',
  },
  { module: 'iap', tables: ['iap_account'], odoo: "account_token suffixed '+disabled'", option: 'clear_api_keys', how: 'same, idempotent, within the column length' },
  {
    module: 'sms, snailmail, partner_autocomplete, website_crm_iap_reveal',
    tables: ['ir_config_parameter'],
    odoo: 'IAP endpoints pointed at the test server (16.0 initial release)',
    option: 'clear_api_keys',
    how: 'superseded, as in later Odoo, by the disabled IAP tokens',
  },
  { module: 'auth_oauth', tables: ['auth_oauth_provider'], odoo: 'enabled = false (client_secret NULL in some versions)', option: 'clear_api_keys', how: 'both' },
  {
    module: 'google_calendar',
    tables: ['google_calendar_credentials', 'res_users_settings'],
    odoo: 'calendar tokens NULL, synchronization stopped',
    option: 'clear_api_keys',
    how: 'both layouts (17.0 credentials table, later user settings)',
  },
  {
    module: 'microsoft_calendar',
    tables: ['res_users', 'microsoft_calendar_credentials', 'res_users_settings'],
    odoo: 'user tokens NULL, sync token NULL, synchronization stopped, last sync date NULL',
    option: 'clear_api_keys',
    how: 'every layout present',
  },
  {
    module: 'account_edi_proxy_client',
    tables: ['account_edi_proxy_client_user'],
    odoo: "edi_mode 'demo' (l10n_it_edi) or 'test', except l10n_my_edi",
    option: 'clear_api_keys',
    how: 'the 17.0 rule',
  },
  { module: 'account_peppol', tables: ['ir_config_parameter'], odoo: "account_peppol.edi.mode = 'test'", option: 'clear_api_keys', how: 'when the module is installed' },
  { module: 'google_recaptcha', tables: ['ir_config_parameter'], odoo: "recaptcha keys set to ''", option: 'clear_api_keys', how: 'same, and Cloudflare Turnstile keys' },
  {
    module: 'google_address_autocomplete',
    tables: ['ir_config_parameter'],
    odoo: "google_places_api_key = 'dummy' (19)",
    option: 'clear_api_keys',
    how: 'deleted by the %api_key% pattern',
  },
  { module: 'cloud_storage_google, cloud_storage_azure', tables: ['ir_config_parameter'], odoo: 'bucket/account parameters deleted', option: 'clear_api_keys', how: 'same' },
  { module: 'pos_adyen', tables: ['pos_payment_method'], odoo: 'Adyen terminals in test mode', option: 'clear_api_keys', how: 'adyen_test_mode = true, API key NULL' },
  {
    module: 'l10n_es_edi_sii, l10n_es_edi_tbai',
    tables: ['res_company'],
    odoo: 'l10n_es_sii_test_env / l10n_es_tbai_test_env = true',
    option: 'clear_api_keys',
    how: 'when the columns exist',
  },
  {
    module: 'other l10n_* EDI and pos_* terminal modules (l10n_in*, l10n_it_edi, l10n_gr_edi, …, pos_viva_com, pos_qfpay, …)',
    tables: [],
    odoo: 'module-specific test-mode switches, mostly added in 18/19',
    option: null,
    how: 'not carried: their tables and columns are outside the supported Odoo 17 schema',
  },
];
