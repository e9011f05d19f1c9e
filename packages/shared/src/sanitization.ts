// The sanitization catalogue: the 16 option keys, their categories and priorities, the four
// presets, and how a preset plus per-key overrides resolve to the effective options.
import { z } from 'zod';
import { ruleProofCheckSchema } from './sanitization-rules.js';

export const SANITIZATION_OPTIONS = [
  { key: 'disable_mail_servers', category: 'email', priority: 'HIGH', label: 'Disable mail servers' },
  { key: 'clear_mail_queue', category: 'email', priority: 'HIGH', label: 'Clear mail queue' },
  { key: 'disable_mail_templates', category: 'email', priority: 'MEDIUM', label: 'Disable mail templates' },
  { key: 'anonymize_emails', category: 'customer_data', priority: 'HIGH', label: 'Anonymize emails' },
  { key: 'anonymize_phones', category: 'customer_data', priority: 'HIGH', label: 'Anonymize phones' },
  { key: 'anonymize_addresses', category: 'customer_data', priority: 'MEDIUM', label: 'Anonymize addresses' },
  { key: 'anonymize_company_names', category: 'customer_data', priority: 'LOW', label: 'Anonymize names' },
  {
    key: 'anonymize_identity_numbers',
    category: 'customer_data',
    priority: 'HIGH',
    label: 'Anonymize identity and bank numbers',
  },
  {
    key: 'replace_sensitive_attachments',
    category: 'customer_data',
    priority: 'LOW',
    label: "Replace sensitive models' attachments, clear share tokens",
  },
  { key: 'clear_api_keys', category: 'security', priority: 'HIGH', label: 'Clear API keys' },
  { key: 'update_base_url', category: 'security', priority: 'HIGH', label: 'Update base URL' },
  { key: 'reset_passwords', category: 'security', priority: 'MEDIUM', label: 'Reset passwords' },
  { key: 'disable_2fa', category: 'security', priority: 'LOW', label: 'Disable 2FA' },
  { key: 'disable_crons', category: 'automation', priority: 'MEDIUM', label: 'Disable crons' },
  { key: 'clear_scheduled_messages', category: 'automation', priority: 'MEDIUM', label: 'Clear scheduled messages' },
  { key: 'clear_asset_bundles', category: 'required', priority: 'REQUIRED', label: 'Clear asset bundles' },
] as const;

export type SanitizationOptionKey = (typeof SANITIZATION_OPTIONS)[number]['key'];
export const SANITIZATION_KEYS = SANITIZATION_OPTIONS.map((o) => o.key) as [
  SanitizationOptionKey,
  ...SanitizationOptionKey[],
];
export const sanitizationKeySchema = z.enum(SANITIZATION_KEYS);

/**
 * The options that rewrite personal data in rows (the personal data options, and the sensitive
 * models' attachments, whose DB-stored bytes and share tokens are row values too): the COPY data
 * path's reason to exist.
 */
export const ANONYMIZING_OPTIONS: readonly SanitizationOptionKey[] = [
  'anonymize_emails',
  'anonymize_phones',
  'anonymize_addresses',
  'anonymize_company_names',
  'anonymize_identity_numbers',
  'replace_sensitive_attachments',
];

/**
 * The options that rewrite or clear values on their way from the source on the COPY data path
 * (decision 0012): the anonymizing ones, and those that clear credentials (mail server logins,
 * API keys and tokens, password hashes, TOTP secrets). With any of them (or a custom rule), the
 * controller's `auto` setting takes the COPY path.
 */
export const IN_STREAM_OPTIONS: readonly SanitizationOptionKey[] = [
  ...ANONYMIZING_OPTIONS,
  'clear_api_keys',
  'disable_mail_servers',
  'reset_passwords',
  'disable_2fa',
];

/** Always applied; turning it off is refused (400). */
export const REQUIRED_OPTIONS: readonly SanitizationOptionKey[] = ['clear_asset_bundles'];

export const PRESETS = ['recommended', 'minimal', 'full', 'none'] as const;
export type SanitizationPreset = (typeof PRESETS)[number];
export const presetSchema = z.enum(PRESETS);

export const PRESET_OPTIONS: Record<SanitizationPreset, readonly SanitizationOptionKey[]> = {
  recommended: [
    'disable_mail_servers',
    'clear_mail_queue',
    'anonymize_emails',
    'anonymize_phones',
    'anonymize_identity_numbers',
    'clear_api_keys',
    'update_base_url',
    'disable_crons',
    'clear_asset_bundles',
  ],
  minimal: ['disable_mail_servers', 'clear_mail_queue', 'clear_asset_bundles'],
  // every key; replace_sensitive_attachments only here (it needs the project's sensitive models)
  full: SANITIZATION_KEYS,
  none: ['clear_asset_bundles'],
};

export type SanitizationOptions = Record<SanitizationOptionKey, boolean>;

/** Every key present, each a boolean: what the API echoes back. */
export const sanitizationOptionsSchema = z.object(
  Object.fromEntries(SANITIZATION_KEYS.map((k) => [k, z.boolean()])) as Record<SanitizationOptionKey, z.ZodBoolean>,
);

/** Per-key overrides of a preset, as a request carries them (unknown keys refused). */
export const sanitizationOverridesSchema = sanitizationOptionsSchema.partial().strict();
export type SanitizationOverrides = z.infer<typeof sanitizationOverridesSchema>;

/** The effective options: the preset's keys, then each override applied key by key. */
export function resolveSanitization(
  preset: SanitizationPreset,
  overrides: SanitizationOverrides = {},
): SanitizationOptions {
  const enabled = new Set(PRESET_OPTIONS[preset]);
  const out = {} as SanitizationOptions;
  for (const key of SANITIZATION_KEYS) out[key] = overrides[key] ?? enabled.has(key);
  return out;
}

export function enabledOptions(options: SanitizationOptions): SanitizationOptionKey[] {
  return SANITIZATION_KEYS.filter((k) => options[k]);
}

/** Whether a request must carry `acknowledge_risks: true` (preset none, or mail servers left on). */
export function needsRiskAcknowledgement(preset: SanitizationPreset, options: SanitizationOptions): boolean {
  return preset === 'none' || !options.disable_mail_servers;
}

/** One option's outcome, as stored on the operation and shown to the user. */
export const sanitizationResultSchema = z.object({
  option_key: sanitizationKeySchema,
  success: z.boolean(),
  skipped: z.boolean(),
  warning: z.string().nullable(),
  affected_rows: z.number().int().nonnegative(),
  duration_ms: z.number().nonnegative(),
});
export type SanitizationResult = z.infer<typeof sanitizationResultSchema>;

/** One proof check: a query that shows an option's guarantee holds on the target. */
export const proofCheckSchema = z.object({
  option_key: sanitizationKeySchema,
  check: z.string(),
  passed: z.boolean(),
  violations: z.number().int().nonnegative(),
  detail: z.string().nullable(),
});
export const proofSchema = z.object({
  passed: z.boolean(),
  checks: z.array(proofCheckSchema),
  /** The project's custom rules: one check per rule applied (`passed` covers them too). */
  rule_checks: z.array(ruleProofCheckSchema).optional(),
  checked_at: z.string(),
});
export type ProofCheck = z.infer<typeof proofCheckSchema>;
export type Proof = z.infer<typeof proofSchema>;
