// Where Odoo keeps personal data, and which sanitization option masks each kind of it.
//
// The catalogue below is the project's own record of the personal columns of an Odoo 17 install
// with 167 modules (47 tables, 183 columns). It is one of four sources of the per-clone personal
// data map that the agent computes from the source's schema: this catalogue, Odoo's own field
// metadata (`ir_model_fields`, custom and Studio fields), column-name patterns, and a bounded
// sample of values. Decision 0009 writes the rule down.
import { z } from 'zod';
import { sanitizationKeySchema, type SanitizationOptionKey } from './sanitization.js';

export const PERSONAL_KINDS = [
  'email',
  'phone',
  'name',
  'address',
  'vat',
  'bank',
  'login',
  'ip',
  'birthdate',
  'identity',
  'free_text',
  'json',
  'private_other',
  'credential',
  'other',
] as const;
export type PersonalKind = (typeof PERSONAL_KINDS)[number];
export const personalKindSchema = z.enum(PERSONAL_KINDS);

/**
 * Whose value a column holds:
 * - `contact`: anyone's (customers, leads, applicants, attendees, visitors… and staff): masked
 *   unless the value is a staff member's own (internal users' and the companies' partners,
 *   employees' work contact), so staff keep their sign-in and recognise each other;
 * - `private`: an employee's private data: always masked;
 * - `anyone`: identity and bank numbers: always masked, whoever they belong to;
 * - `work`: staff work data (employee name, work email and phones): kept on purpose;
 * - `none`: not personal (credentials have options of their own; websites, time zones…).
 */
export const AUDIENCES = ['contact', 'private', 'anyone', 'work', 'none'] as const;
export type Audience = (typeof AUDIENCES)[number];
export const audienceSchema = z.enum(AUDIENCES);

export type OdooPersonalField = readonly [table: string, column: string, kind: PersonalKind, audience: Audience, module: string];

/** Odoo 17.0: every column holding personal data in an install with 167 modules. */
export const ODOO17_PERSONAL_FIELDS: readonly OdooPersonalField[] = [
  ['account_bank_statement_line', 'account_number', 'bank', 'anyone', 'account'],
  ['account_bank_statement_line', 'partner_name', 'name', 'contact', 'account'],
  ['account_move', 'invoice_partner_display_name', 'name', 'contact', 'account'],
  ['account_move', 'invoice_source_email', 'email', 'contact', 'account'],
  ['account_move', 'narration', 'free_text', 'contact', 'account'],
  ['auth_totp_device', 'key', 'credential', 'none', 'auth_totp'],
  ['bus_bus', 'message', 'json', 'contact', 'bus'],
  ['calendar_attendee', 'common_name', 'name', 'contact', 'calendar'],
  ['calendar_event', 'description', 'free_text', 'contact', 'calendar'],
  ['calendar_event', 'location', 'address', 'contact', 'calendar'],
  ['chatbot_message', 'user_raw_answer', 'free_text', 'contact', 'im_livechat'],
  ['crm_lead', 'city', 'address', 'contact', 'crm'],
  ['crm_lead', 'contact_name', 'name', 'contact', 'crm'],
  ['crm_lead', 'description', 'free_text', 'contact', 'crm'],
  ['crm_lead', 'email_cc', 'email', 'contact', 'crm'],
  ['crm_lead', 'email_domain_criterion', 'email', 'contact', 'crm'],
  ['crm_lead', 'email_from', 'email', 'contact', 'crm'],
  ['crm_lead', 'email_normalized', 'email', 'contact', 'crm'],
  ['crm_lead', 'mobile', 'phone', 'contact', 'crm'],
  ['crm_lead', 'name', 'name', 'contact', 'crm'],
  ['crm_lead', 'partner_name', 'name', 'contact', 'crm'],
  ['crm_lead', 'phone', 'phone', 'contact', 'crm'],
  ['crm_lead', 'phone_sanitized', 'phone', 'contact', 'crm'],
  ['crm_lead', 'street', 'address', 'contact', 'crm'],
  ['crm_lead', 'street2', 'address', 'contact', 'crm'],
  ['crm_lead', 'website', 'other', 'none', 'crm'],
  ['crm_lead', 'zip', 'address', 'contact', 'crm'],
  ['discuss_channel', 'anonymous_name', 'name', 'contact', 'im_livechat'],
  ['discuss_channel', 'name', 'name', 'contact', 'mail'],
  ['event_event', 'description', 'json', 'contact', 'event'],
  ['event_registration', 'barcode', 'other', 'none', 'event'],
  ['event_registration', 'company_name', 'name', 'contact', 'event'],
  ['event_registration', 'email', 'email', 'contact', 'event'],
  ['event_registration', 'name', 'name', 'contact', 'event'],
  ['event_registration', 'phone', 'phone', 'contact', 'event'],
  ['event_registration', 'registration_properties', 'json', 'contact', 'event'],
  ['fleet_vehicle', 'license_plate', 'identity', 'anyone', 'fleet'],
  ['fleet_vehicle', 'name', 'free_text', 'contact', 'fleet'],
  ['fleet_vehicle', 'vin_sn', 'identity', 'anyone', 'fleet'],
  ['forum_post', 'content', 'free_text', 'contact', 'website_forum'],
  ['hr_applicant', 'applicant_properties', 'json', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'description', 'free_text', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'email_cc', 'email', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'email_from', 'email', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'email_normalized', 'email', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'linkedin_profile', 'identity', 'anyone', 'hr_recruitment'],
  ['hr_applicant', 'partner_mobile', 'phone', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'partner_mobile_sanitized', 'phone', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'partner_name', 'name', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'partner_phone', 'phone', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'partner_phone_sanitized', 'phone', 'contact', 'hr_recruitment'],
  ['hr_applicant', 'phone_sanitized', 'phone', 'contact', 'hr_recruitment'],
  ['hr_employee', 'additional_note', 'free_text', 'private', 'hr'],
  ['hr_employee', 'barcode', 'identity', 'private', 'hr'],
  ['hr_employee', 'birthday', 'birthdate', 'private', 'hr'],
  ['hr_employee', 'certificate', 'private_other', 'private', 'hr'],
  ['hr_employee', 'children', 'private_other', 'private', 'hr'],
  ['hr_employee', 'country_of_birth', 'private_other', 'private', 'hr'],
  ['hr_employee', 'departure_description', 'free_text', 'private', 'hr'],
  ['hr_employee', 'emergency_contact', 'name', 'private', 'hr'],
  ['hr_employee', 'emergency_phone', 'phone', 'private', 'hr'],
  ['hr_employee', 'employee_properties', 'json', 'private', 'hr'],
  ['hr_employee', 'gender', 'private_other', 'private', 'hr'],
  ['hr_employee', 'identification_id', 'identity', 'private', 'hr'],
  ['hr_employee', 'job_title', 'private_other', 'none', 'hr'],
  ['hr_employee', 'km_home_work', 'private_other', 'private', 'hr'],
  ['hr_employee', 'marital', 'private_other', 'private', 'hr'],
  ['hr_employee', 'mobile_phone', 'phone', 'work', 'hr'],
  ['hr_employee', 'mobility_card', 'identity', 'private', 'hr_fleet'],
  ['hr_employee', 'name', 'name', 'work', 'hr'],
  ['hr_employee', 'notes', 'free_text', 'private', 'hr'],
  ['hr_employee', 'passport_id', 'identity', 'private', 'hr'],
  ['hr_employee', 'permit_no', 'identity', 'private', 'hr'],
  ['hr_employee', 'pin', 'credential', 'none', 'hr'],
  ['hr_employee', 'place_of_birth', 'address', 'private', 'hr'],
  ['hr_employee', 'private_car_plate', 'identity', 'private', 'hr'],
  ['hr_employee', 'private_city', 'address', 'private', 'hr'],
  ['hr_employee', 'private_country_id', 'address', 'private', 'hr'],
  ['hr_employee', 'private_email', 'email', 'private', 'hr'],
  ['hr_employee', 'private_phone', 'phone', 'private', 'hr'],
  ['hr_employee', 'private_state_id', 'address', 'private', 'hr'],
  ['hr_employee', 'private_street', 'address', 'private', 'hr'],
  ['hr_employee', 'private_street2', 'address', 'private', 'hr'],
  ['hr_employee', 'private_zip', 'address', 'private', 'hr'],
  ['hr_employee', 'sinid', 'identity', 'private', 'hr'],
  ['hr_employee', 'spouse_birthdate', 'birthdate', 'private', 'hr'],
  ['hr_employee', 'spouse_complete_name', 'name', 'private', 'hr'],
  ['hr_employee', 'ssnid', 'identity', 'private', 'hr'],
  ['hr_employee', 'study_field', 'private_other', 'private', 'hr'],
  ['hr_employee', 'study_school', 'private_other', 'private', 'hr'],
  ['hr_employee', 'visa_expire', 'private_other', 'private', 'hr'],
  ['hr_employee', 'visa_no', 'identity', 'private', 'hr'],
  ['hr_employee', 'work_email', 'email', 'work', 'hr'],
  ['hr_employee', 'work_permit_expiration_date', 'private_other', 'private', 'hr'],
  ['hr_employee', 'work_phone', 'phone', 'work', 'hr'],
  ['hr_leave', 'private_name', 'free_text', 'contact', 'hr_holidays'],
  ['hr_leave_allocation', 'private_name', 'free_text', 'contact', 'hr_holidays'],
  ['link_tracker_click', 'ip', 'ip', 'contact', 'link_tracker'],
  ['mail_activity', 'note', 'free_text', 'contact', 'mail'],
  ['mail_activity', 'res_name', 'name', 'contact', 'mail'],
  ['mail_blacklist', 'email', 'email', 'contact', 'mail'],
  ['mail_gateway_allowed', 'email', 'email', 'contact', 'mail'],
  ['mail_gateway_allowed', 'email_normalized', 'email', 'contact', 'mail'],
  ['mail_guest', 'access_token', 'credential', 'none', 'mail'],
  ['mail_guest', 'name', 'name', 'contact', 'mail'],
  ['mail_guest', 'timezone', 'other', 'none', 'mail'],
  ['mail_mail', 'body_html', 'free_text', 'contact', 'mail'],
  ['mail_mail', 'email_cc', 'email', 'contact', 'mail'],
  ['mail_mail', 'email_to', 'email', 'contact', 'mail'],
  ['mail_message', 'body', 'free_text', 'contact', 'mail'],
  ['mail_message', 'email_from', 'email', 'contact', 'mail'],
  ['mail_message', 'record_name', 'name', 'contact', 'mail'],
  ['mail_message', 'reply_to', 'email', 'contact', 'mail'],
  ['mail_message', 'subject', 'free_text', 'contact', 'mail'],
  ['mail_partner_device', 'endpoint', 'credential', 'none', 'mail'],
  ['mail_partner_device', 'keys', 'credential', 'none', 'mail'],
  ['mail_tracking_value', 'new_value_char', 'free_text', 'contact', 'mail'],
  ['mail_tracking_value', 'new_value_text', 'free_text', 'contact', 'mail'],
  ['mail_tracking_value', 'old_value_char', 'free_text', 'contact', 'mail'],
  ['mail_tracking_value', 'old_value_text', 'free_text', 'contact', 'mail'],
  ['mailing_contact', 'company_name', 'name', 'contact', 'mass_mailing'],
  ['mailing_contact', 'email', 'email', 'contact', 'mass_mailing'],
  ['mailing_contact', 'email_normalized', 'email', 'contact', 'mass_mailing'],
  ['mailing_contact', 'name', 'name', 'contact', 'mass_mailing'],
  ['mailing_trace', 'email', 'email', 'contact', 'mass_mailing'],
  ['maintenance_request', 'email_cc', 'email', 'contact', 'maintenance'],
  ['payment_transaction', 'partner_address', 'address', 'contact', 'payment'],
  ['payment_transaction', 'partner_city', 'address', 'contact', 'payment'],
  ['payment_transaction', 'partner_email', 'email', 'contact', 'payment'],
  ['payment_transaction', 'partner_name', 'name', 'contact', 'payment'],
  ['payment_transaction', 'partner_phone', 'phone', 'contact', 'payment'],
  ['payment_transaction', 'partner_zip', 'address', 'contact', 'payment'],
  ['phone_blacklist', 'number', 'phone', 'contact', 'phone_validation'],
  ['pos_order', 'cashier', 'name', 'work', 'pos_hr'],
  ['privacy_log', 'anonymized_email', 'email', 'contact', 'privacy_lookup'],
  ['privacy_log', 'anonymized_name', 'name', 'contact', 'privacy_lookup'],
  ['project_task', 'email_cc', 'email', 'contact', 'project'],
  ['project_update', 'email_cc', 'email', 'contact', 'project'],
  ['rating_rating', 'feedback', 'free_text', 'contact', 'rating'],
  ['res_partner', 'city', 'address', 'contact', 'base'],
  ['res_partner', 'comment', 'free_text', 'contact', 'base'],
  ['res_partner', 'commercial_company_name', 'name', 'contact', 'base'],
  ['res_partner', 'company_name', 'name', 'contact', 'base'],
  ['res_partner', 'company_registry', 'vat', 'contact', 'base'],
  ['res_partner', 'complete_name', 'name', 'contact', 'base'],
  ['res_partner', 'email', 'email', 'contact', 'base'],
  ['res_partner', 'email_normalized', 'email', 'contact', 'mail'],
  ['res_partner', 'function', 'other', 'none', 'base'],
  ['res_partner', 'mobile', 'phone', 'contact', 'base'],
  ['res_partner', 'name', 'name', 'contact', 'base'],
  ['res_partner', 'partner_latitude', 'address', 'contact', 'base'],
  ['res_partner', 'partner_longitude', 'address', 'contact', 'base'],
  ['res_partner', 'phone', 'phone', 'contact', 'base'],
  ['res_partner', 'phone_sanitized', 'phone', 'contact', 'sms'],
  ['res_partner', 'signup_token', 'credential', 'none', 'auth_signup'],
  ['res_partner', 'street', 'address', 'contact', 'base'],
  ['res_partner', 'street2', 'address', 'contact', 'base'],
  ['res_partner', 'vat', 'vat', 'contact', 'base'],
  ['res_partner', 'website', 'other', 'none', 'base'],
  ['res_partner', 'zip', 'address', 'contact', 'base'],
  ['res_partner_bank', 'acc_holder_name', 'name', 'contact', 'base'],
  ['res_partner_bank', 'acc_number', 'bank', 'anyone', 'base'],
  ['res_partner_bank', 'sanitized_acc_number', 'bank', 'anyone', 'base'],
  ['res_users', 'login', 'login', 'contact', 'base'],
  ['res_users', 'password', 'credential', 'none', 'base'],
  ['res_users', 'signature', 'free_text', 'contact', 'base'],
  ['res_users', 'totp_secret', 'credential', 'none', 'auth_totp'],
  ['res_users_apikeys', 'key', 'credential', 'none', 'base'],
  ['resource_resource', 'name', 'name', 'work', 'resource'],
  ['sale_order', 'note', 'free_text', 'contact', 'sale'],
  ['sale_order', 'signed_by', 'name', 'contact', 'sale'],
  ['sms_sms', 'body', 'free_text', 'contact', 'sms'],
  ['sms_sms', 'number', 'phone', 'contact', 'sms'],
  ['snailmail_letter', 'city', 'address', 'contact', 'snailmail'],
  ['snailmail_letter', 'street', 'address', 'contact', 'snailmail'],
  ['snailmail_letter', 'street2', 'address', 'contact', 'snailmail'],
  ['snailmail_letter', 'zip', 'address', 'contact', 'snailmail'],
  ['survey_user_input', 'email', 'email', 'contact', 'survey'],
  ['survey_user_input', 'nickname', 'name', 'contact', 'survey'],
  ['survey_user_input_line', 'value_char_box', 'free_text', 'contact', 'survey'],
  ['survey_user_input_line', 'value_text_box', 'free_text', 'contact', 'survey'],
  ['website_visitor', 'access_token', 'credential', 'none', 'website'],
  ['website_visitor', 'timezone', 'other', 'none', 'website'],
];

/** The catalogue of each Odoo major series; a series without one uses the nearest older one. */
export const ODOO_PERSONAL_CATALOGUES: Readonly<Record<string, readonly OdooPersonalField[]>> = {
  '17.0': ODOO17_PERSONAL_FIELDS,
};

export function personalCatalogue(series: string | null | undefined): readonly OdooPersonalField[] {
  const known = Object.keys(ODOO_PERSONAL_CATALOGUES).sort((a, b) => parseFloat(a) - parseFloat(b));
  const wanted = parseFloat(series ?? '');
  const older = known.filter((k) => !Number.isNaN(wanted) && parseFloat(k) <= wanted);
  const pick = older.at(-1) ?? known.at(-1) ?? '17.0';
  return ODOO_PERSONAL_CATALOGUES[pick] ?? ODOO17_PERSONAL_FIELDS;
}

/**
 * Column-name patterns that give personal data away in custom modules and Studio fields
 * (`x_studio_private_email`, `x_whatsapp`, …), tried in order on columns no catalogue lists.
 */
export const PERSONAL_NAME_PATTERNS: ReadonlyArray<readonly [RegExp, PersonalKind]> = [
  [/(^|_)(e_?mail|email_\w+|\w+_email)($|_)/, 'email'],
  [/(^|_)(phone|mobile|gsm|whatsapp|fax|tel|telephone|cellphone)($|_)/, 'phone'],
  [/(^|_)(iban|acc_number|account_number|bank_account|bic_account)($|_)/, 'bank'],
  [/(^|_)(passport|ssn|ssnid|sinid|national_id|identification|id_card|permit_no|visa_no|license_plate|car_plate|tax_id)($|_)/, 'identity'],
  [/(^|_)(vat|vat_number)($|_)/, 'vat'],
  [/(^|_)(birthday|birthdate|birth_date|date_of_birth|dob)($|_)/, 'birthdate'],
  [/(^|_)(street|street2|address|city|zip|zipcode|postcode|postal_code)($|_)/, 'address'],
  [/(^|_)(ip|ip_address|remote_addr)($|_)/, 'ip'],
  [/(^|_)(first_?name|last_?name|full_?name|surname|contact_name|partner_name|maiden_name)($|_)/, 'name'],
];

/** Kind of a column named `column`, from the patterns alone (null when none matches). */
export function kindFromName(column: string): PersonalKind | null {
  const name = column.toLowerCase();
  for (const [re, kind] of PERSONAL_NAME_PATTERNS) if (re.test(name)) return kind;
  return null;
}

/**
 * The option that masks a column of this kind and audience; null when no option does (work
 * contact kept on purpose, credentials handled by the security options, not personal).
 * Free text and JSON are masked by value: every personal value that an enabled option masks in
 * a structured column is replaced wherever it is quoted (see `byValueOptions`).
 */
export function personalOptionFor(kind: PersonalKind, audience: Audience): SanitizationOptionKey | null {
  if (audience === 'none' || audience === 'work') return null;
  switch (kind) {
    case 'email':
    case 'login':
      return 'anonymize_emails';
    case 'phone':
      return 'anonymize_phones';
    case 'identity':
    case 'bank':
    case 'vat':
    case 'private_other':
      return 'anonymize_identity_numbers';
    case 'name':
      return audience === 'private' ? 'anonymize_identity_numbers' : 'anonymize_company_names';
    case 'address':
    case 'ip':
    case 'birthdate':
      return audience === 'private' ? 'anonymize_identity_numbers' : 'anonymize_addresses';
    case 'free_text':
    case 'json':
    case 'credential':
    case 'other':
      return null;
  }
}

/** The options whose values are searched and replaced inside free text and JSON. */
export const BY_VALUE_OPTIONS: readonly SanitizationOptionKey[] = [
  'anonymize_emails',
  'anonymize_phones',
  'anonymize_identity_numbers',
];

/** How a column was recognised as personal. */
export const PERSONAL_SOURCES = ['catalogue', 'odoo_metadata', 'name', 'sample'] as const;
export const personalSourceSchema = z.enum(PERSONAL_SOURCES);

export const personalColumnSchema = z.object({
  table: z.string(),
  column: z.string(),
  kind: personalKindSchema,
  audience: audienceSchema,
  source: personalSourceSchema,
  /** The option that masks it (null: by value in free text, or kept on purpose). */
  option_key: sanitizationKeySchema.nullable(),
  /** Masked by the chosen options (directly, or by value for free text and JSON). */
  covered: z.boolean(),
});
export type PersonalColumn = z.infer<typeof personalColumnSchema>;

/** The estimate's view of the personal data map: what will be masked and what will not. */
export const personalCoverageSchema = z.object({
  /** Columns recognised as personal (credentials and non-personal columns left out). */
  columns: z.array(personalColumnSchema),
  /** Personal columns that no chosen option covers: copied as they are. */
  uncovered: z.array(personalColumnSchema),
  /** Columns the project marked as kept (`personal_data_kept`), not counted as uncovered. */
  kept: z.array(z.string()),
  /** "3 columns look like personal data and will be copied as they are: …" */
  summary: z.string(),
});
export type PersonalCoverage = z.infer<typeof personalCoverageSchema>;

/** `table.column`, as projects list kept columns and errors name them. */
export function columnRef(c: { table: string; column: string }): string {
  return `${c.table}.${c.column}`;
}

/** The coverage summary line shown in the estimate, the dashboard and the CLI. */
export function coverageSummary(uncovered: readonly { table: string; column: string }[]): string {
  if (uncovered.length === 0) return 'every column that looks like personal data is covered by the chosen options';
  const names = uncovered.slice(0, 8).map(columnRef).join(', ');
  const more = uncovered.length > 8 ? `, and ${uncovered.length - 8} more` : '';
  const n = uncovered.length;
  return `${n} column${n === 1 ? '' : 's'} look${n === 1 ? 's' : ''} like personal data and will be copied as ${n === 1 ? 'it is' : 'they are'}: ${names}${more}`;
}
