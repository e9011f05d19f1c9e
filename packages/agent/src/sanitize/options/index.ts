// The option modules in catalogue order (the order results are reported and options applied).
import { SANITIZATION_KEYS } from '@oec/shared';
import type { SanitizeOption } from '../types.js';
import { clearAssetBundles } from './assets.js';
import { replaceSensitiveAttachments } from './attachments.js';
import { clearScheduledMessages, disableCrons } from './automation.js';
import { clearApiKeys } from './credentials.js';
import { anonymizeAddresses, anonymizeCompanyNames, anonymizePhones } from './customers.js';
import { anonymizeEmails } from './emails.js';
import { anonymizeIdentityNumbers } from './identity-numbers.js';
import { clearMailQueue, disableMailServers, disableMailTemplates } from './mail.js';
import { updateBaseUrl } from './urls.js';
import { disable2fa, resetPasswords } from './users.js';

const BY_KEY = {
  disable_mail_servers: disableMailServers,
  clear_mail_queue: clearMailQueue,
  disable_mail_templates: disableMailTemplates,
  anonymize_emails: anonymizeEmails,
  anonymize_phones: anonymizePhones,
  anonymize_addresses: anonymizeAddresses,
  anonymize_company_names: anonymizeCompanyNames,
  anonymize_identity_numbers: anonymizeIdentityNumbers,
  replace_sensitive_attachments: replaceSensitiveAttachments,
  clear_api_keys: clearApiKeys,
  update_base_url: updateBaseUrl,
  reset_passwords: resetPasswords,
  disable_2fa: disable2fa,
  disable_crons: disableCrons,
  clear_scheduled_messages: clearScheduledMessages,
  clear_asset_bundles: clearAssetBundles,
} satisfies Record<(typeof SANITIZATION_KEYS)[number], SanitizeOption>;

/** All 16 options, in the shared catalogue's order. */
export const SANITIZE_OPTIONS: readonly SanitizeOption[] = SANITIZATION_KEYS.map((k) => BY_KEY[k]);
