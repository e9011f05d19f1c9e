// The masking functions of custom sanitization rules in plain JavaScript: pure (no I/O), one
// value in, one value out, the same output as the SQL that rules/sql.ts builds for the same
// project salt (a test compares both on a real PostgreSQL). The in-stream (COPY) path applies
// rules with these; the SQL path runs rules/sql.ts.
//
// Every function hashes like the built-in options, so a value masked by a rule and by an option
// gets the same pseudonym:
// - pseudonym_email  = anonymize_emails' keyed pseudonym of the trimmed, lower-cased address
// - pseudonym_phone  = anonymize_phones' `+1 555 01xxxxx`, keyed on the digits
// - fake_name        = the personal data map's `Person XXXXXX` (key `person:` + trimmed lower case)
// - fake_address     = anonymize_addresses' `Street XXXXXX`
// - hash             = HMAC-SHA256 hex (64) of `hash:` + the value as it is
// - keep_domain_email= the pseudonym_email local part, `@`, the original domain (`anon.invalid`
//                      when the value has none)
// - constant / null  = the rule's value / NULL, whatever the input
//
// NULL stays NULL and a blank value (only spaces) stays as it is for every value function, and a
// value already in the function's own pseudonym form is kept (so that a rule after an option on
// the same column does not hash the option's pseudonym again). "Trim" is PostgreSQL's btrim():
// spaces only, not tabs or newlines; "lower case" is PostgreSQL's lower() under the database's
// collation, which equals String.prototype.toLowerCase() for the C.UTF-8 and en_US.UTF-8 locales
// our clusters use (a database with the C collation lower-cases ASCII letters only).
import type { RuleFunction, SanitizationRule } from '@oec/shared';
import type { KeyedHash } from '../keyed-hash.js';
import { ANON_DOMAIN, ANON_EMAIL_RE, ANON_PHONE_RE, ANON_STREET_RE, hmacHex, keyedHash, PHONE_PREFIX, sqlTrim } from '../pseudonyms.js';

/** What a fake name looks like (`Person` + 6 upper-case hex digits). */
export const ANON_PERSON_RE = '^Person [0-9A-F]{6}$';
/** A value whose local part is already a pseudonym (keep_domain_email). */
export const ANON_LOCAL_RE = '^u[0-9a-f]{20}@';
/** The output of `hash`. */
export const HASH_RE = '^[0-9a-f]{64}$';

/** The pseudonym form of each value function, kept as it is when met again (hash: none). */
export const RULE_OUTPUT_RE: Partial<Record<RuleFunction, string>> = {
  pseudonym_email: ANON_EMAIL_RE,
  pseudonym_phone: ANON_PHONE_RE,
  fake_name: ANON_PERSON_RE,
  fake_address: ANON_STREET_RE,
  keep_domain_email: ANON_LOCAL_RE,
};

/** A masking function of one value; `null` in, `null` out unless the function says otherwise. */
export type MaskFn = (value: string | null) => string | null;

export { sqlTrim };

/** null, blank, or already in the function's own form: kept as it is. */
function kept(value: string | null, form: string | undefined): value is null {
  return value === null || sqlTrim(value) === '' || (form !== undefined && new RegExp(form).test(value));
}

function emailLocal(k: KeyedHash, value: string): string {
  return `u${hmacHex(k, `email:${sqlTrim(value).toLowerCase()}`).slice(0, 20)}`;
}

export function pseudonymEmailValue(k: KeyedHash, value: string | null): string | null {
  if (kept(value, ANON_EMAIL_RE)) return value;
  return `${emailLocal(k, value)}${ANON_DOMAIN}`;
}

export function pseudonymPhoneValue(k: KeyedHash, value: string | null): string | null {
  if (kept(value, ANON_PHONE_RE)) return value;
  const digits = value.replace(/[^0-9]/g, '');
  const keyText = digits.length > 0 ? digits : sqlTrim(value).toLowerCase();
  const n = parseInt(hmacHex(k, `phone:${keyText}`).slice(0, 8), 16) % 100000;
  return `${PHONE_PREFIX}${String(n).padStart(5, '0')}`;
}

function label(k: KeyedHash, name: 'Person' | 'Street', value: string): string {
  return `${name} ${hmacHex(k, `${name.toLowerCase()}:${sqlTrim(value).toLowerCase()}`).slice(0, 6).toUpperCase()}`;
}

export function fakeNameValue(k: KeyedHash, value: string | null): string | null {
  return kept(value, ANON_PERSON_RE) ? value : label(k, 'Person', value);
}

export function fakeAddressValue(k: KeyedHash, value: string | null): string | null {
  return kept(value, ANON_STREET_RE) ? value : label(k, 'Street', value);
}

export function hashValue(k: KeyedHash, value: string | null): string | null {
  // never kept for its shape: a 64-hex value may well be a real token
  return kept(value, undefined) ? value : hmacHex(k, `hash:${value}`);
}

export function keepDomainEmailValue(k: KeyedHash, value: string | null): string | null {
  if (kept(value, ANON_LOCAL_RE)) return value;
  const trimmed = sqlTrim(value);
  const at = trimmed.lastIndexOf('@');
  const domain = at >= 0 ? trimmed.slice(at + 1) : '';
  return `${emailLocal(k, value)}@${domain !== '' ? domain : ANON_DOMAIN.slice(1)}`;
}

/**
 * The masking function of a rule, keyed by the project's salt: what the rule writes in place of
 * `value` in a row its filter selects. truncate_table has none (its rows are not copied at all).
 */
export function ruleMask(rule: Pick<SanitizationRule, 'function' | 'value'>, salt: string): MaskFn | null {
  const k = keyedHash(salt);
  switch (rule.function) {
    case 'pseudonym_email':
      return (v) => pseudonymEmailValue(k, v);
    case 'pseudonym_phone':
      return (v) => pseudonymPhoneValue(k, v);
    case 'fake_name':
      return (v) => fakeNameValue(k, v);
    case 'fake_address':
      return (v) => fakeAddressValue(k, v);
    case 'hash':
      return (v) => hashValue(k, v);
    case 'keep_domain_email':
      return (v) => keepDomainEmailValue(k, v);
    case 'constant': {
      const value = rule.value ?? '';
      return () => value;
    }
    case 'null':
      return () => null;
    case 'truncate_table':
      return null;
  }
}

/** One value through one function (convenience over ruleMask; builds the key every call). */
export function maskValue(fn: Exclude<RuleFunction, 'truncate_table'>, salt: string, value: string | null, constant?: string): string | null {
  return (ruleMask({ function: fn, ...(constant !== undefined ? { value: constant } : {}) }, salt) as MaskFn)(value);
}
