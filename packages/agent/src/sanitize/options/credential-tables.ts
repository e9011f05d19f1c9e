// The tables clear_api_keys updates in place: for each, the credential columns set to NULL and
// the "live mode" flags switched off (with the condition under which a row still has to change).
import type { Stmt } from '../sql.js';
import { CARRIER_SECRETS, LOCAL_DELIVERY_TYPES, PAYMENT_SECRETS } from './credentials-catalogue.js';

export interface Flag {
  column: string;
  /** Other columns the condition reads. */
  reads?: readonly string[];
  /** The row still has to change (SQL over the row). */
  needs: (s: Stmt) => string;
  /** The new value (SQL). */
  set: (s: Stmt) => string;
}

export interface CredentialTable {
  table: string;
  /** Warn in the result when the table is missing (modules the catalogue names explicitly). */
  warn: boolean;
  secrets: readonly string[];
  secretCheck: string;
  flags: readonly Flag[];
  flagCheck?: string;
}

const isNotTrue = (column: string): Flag => ({ column, needs: () => `"${column}" IS NOT TRUE`, set: () => 'true' });
const isNotFalse = (column: string): Flag => ({ column, needs: () => `"${column}" IS NOT FALSE`, set: () => 'false' });
const notNull = (column: string): Flag => ({ column, needs: () => `"${column}" IS NOT NULL`, set: () => 'NULL' });
const ediMode = (s: Stmt): string =>
  `CASE WHEN proxy_type = ${s.v('l10n_it_edi')} THEN ${s.v('demo')} ELSE ${s.v('test')} END`;

export const CREDENTIAL_TABLES: readonly CredentialTable[] = [
  {
    table: 'payment_provider',
    warn: true,
    secrets: PAYMENT_SECRETS,
    secretCheck: 'no payment provider credential left',
    flags: [
      {
        column: 'state',
        needs: (s) => `state NOT IN (${s.v('test')}, ${s.v('disabled')})`,
        set: (s) => s.v('disabled'),
      },
    ],
    flagCheck: 'no live payment provider',
  },
  {
    table: 'auth_oauth_provider',
    warn: true,
    secrets: ['client_secret'],
    secretCheck: 'no OAuth client secret left',
    flags: [isNotFalse('enabled')],
    flagCheck: 'no enabled OAuth provider',
  },
  {
    table: 'google_calendar_credentials',
    warn: true,
    secrets: ['calendar_rtoken', 'calendar_token', 'calendar_sync_token'],
    secretCheck: 'no Google Calendar token left',
    flags: [isNotTrue('synchronization_stopped')],
    flagCheck: 'Google Calendar synchronization stopped',
  },
  {
    table: 'microsoft_calendar_credentials',
    warn: false,
    secrets: ['calendar_sync_token'],
    secretCheck: 'no Outlook Calendar token left',
    flags: [isNotTrue('synchronization_stopped'), notNull('last_sync_date')],
    flagCheck: 'Outlook Calendar synchronization stopped',
  },
  {
    table: 'res_users_settings',
    warn: false,
    secrets: ['google_calendar_rtoken', 'google_calendar_token', 'google_calendar_sync_token', 'microsoft_calendar_sync_token'],
    secretCheck: 'no calendar token left in user settings',
    flags: [isNotTrue('google_synchronization_stopped'), isNotTrue('microsoft_synchronization_stopped'), notNull('microsoft_last_sync_date')],
    flagCheck: 'calendar synchronization stopped in user settings',
  },
  {
    table: 'res_users',
    warn: false,
    secrets: ['oauth_access_token', 'microsoft_calendar_token', 'microsoft_calendar_rtoken'],
    secretCheck: 'no OAuth or calendar token left on users',
    flags: [],
  },
  {
    table: 'website',
    warn: false,
    // Analytics ids are not secret, but a staging site must not report into production's property.
    secrets: ['google_maps_api_key', 'plausible_shared_key', 'google_analytics_key'],
    secretCheck: 'no website API or analytics key left',
    flags: [],
  },
  {
    table: 'res_partner',
    warn: false,
    secrets: ['signup_token'],
    secretCheck: 'no signup token left',
    flags: [],
  },
  {
    table: 'delivery_carrier',
    warn: true,
    secrets: CARRIER_SECRETS,
    secretCheck: 'no shipping carrier credential left',
    flags: [
      isNotFalse('prod_environment'),
      {
        column: 'active',
        reads: ['delivery_type'],
        needs: (s) => `active IS NOT FALSE AND delivery_type <> ALL(${s.list(LOCAL_DELIVERY_TYPES)})`,
        set: () => 'false',
      },
    ],
    flagCheck: 'no shipping carrier in production mode',
  },
  {
    table: 'pos_payment_method',
    warn: false,
    secrets: ['adyen_api_key'],
    secretCheck: 'no payment terminal credential left',
    flags: [
      {
        column: 'adyen_test_mode',
        reads: ['use_payment_terminal'],
        needs: (s) => `adyen_test_mode IS NOT TRUE AND use_payment_terminal = ${s.v('adyen')}`,
        set: () => 'true',
      },
    ],
    flagCheck: 'payment terminals in test mode',
  },
  {
    table: 'account_edi_proxy_client_user',
    warn: false,
    secrets: [],
    secretCheck: '',
    flags: [
      {
        column: 'edi_mode',
        reads: ['proxy_type'],
        needs: (s) => `proxy_type IS DISTINCT FROM ${s.v('l10n_my_edi')} AND edi_mode IS DISTINCT FROM (${ediMode(s)})`,
        set: ediMode,
      },
    ],
    flagCheck: 'e-invoicing proxies in test mode',
  },
  {
    table: 'res_company',
    warn: false,
    secrets: [],
    secretCheck: '',
    flags: [isNotTrue('l10n_es_sii_test_env'), isNotTrue('l10n_es_tbai_test_env')],
    flagCheck: 'tax-authority connectors in test mode',
  },
];

/** Web push tables, children first (17: mail_*_web_push/device; 18: mail_push/_device). */
export const PUSH_TABLES = ['mail_notification_web_push', 'mail_partner_device', 'mail_push', 'mail_push_device'] as const;
