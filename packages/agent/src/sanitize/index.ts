// Public surface of the sanitizer: run it on a restored target, estimate it on a source, the
// password helpers for reset_passwords, and the catalogue tables (neutralize map, options).
export { sanitizeDatabase, optionsToRun, PERSONAL_OPTIONS } from './sanitize.js';
export { loadPersonalMap, personalCoverage, type PersonalMap, type MappedColumn } from './personal/map.js';
export { estimateImpact, countApiKeys, personalColumns, estimateRules } from './estimate.js';
export { hashOdooPassword, generatePassword, isOdooPasswordHash, ODOO_PASSWORD_ROUNDS } from './passwords.js';
export { NEUTRALIZE_MAP, type NeutralizeRule } from './neutralize-map.js';
export { SANITIZE_OPTIONS } from './options/index.js';
export { IDENTITY_PARAMS } from './identity.js';
export { NEVER_DELETE_PARAMS, SECRET_PARAM_PATTERNS } from './options/credentials-catalogue.js';
export { pseudonymEmail, pseudonymPhone, pseudonymLabel, ANON_DOMAIN } from './pseudonyms.js';
export type { BatchOptions, SanitizeParams, SanitizeOutcome, ImpactEstimate, EstimateOptions, SanitizeLogLevel, ApplyContext, CheckSpec, TableRows } from './types.js';
// The proof runner on its own (its suite counts the passes and compares them with one query per check).
export { runProof, passSql, type PlannedCheck } from './proof.js';
export { SchemaInfo } from './schema-info.js';
export { ProgressMeter, type SanitizeProgress, type ProgressUnit } from './progress.js';
export { DEFAULT_BATCH, keyRanges, type KeyRange } from './ranges.js';
export { Stmt } from './stmt.js';
export { prepareStreamCredentials, type CredentialStream } from './options/credentials-stream.js';
// The capture's search of free text, in SQL and in JavaScript (their suite compares the two).
export { valueSelects, tableValuesSql } from './personal/engine.js';
export { FreeTextKeys } from './personal/tokens.js';
export { Dialect } from './personal/dialect.js';
export { DEFAULT_MASKING_BUDGET, prepareStreamMasking, type MaskingBudget, type SnapshotSessions, type StreamMasker, type MaskingTransform, type StreamLeak } from './personal/stream.js';
// Custom rules: the masking functions in JavaScript (the in-stream path), equal to their SQL.
export {
  ruleMask,
  maskValue,
  pseudonymEmailValue,
  pseudonymPhoneValue,
  fakeNameValue,
  fakeAddressValue,
  hashValue,
  keepDomainEmailValue,
  sqlTrim,
  RULE_OUTPUT_RE,
  type MaskFn,
} from './rules/functions.js';
export { keyedHash } from './pseudonyms.js';
export type { KeyedHash } from './keyed-hash.js';
export { maskSelect } from './rules/sql.js';
export { prepareRuleStream, describeAfterLoad, type RuleStream, type RuleRowTransform, type StreamRuleCount } from './rules/stream.js';
// replace_sensitive_attachments: the placeholders (the in-stream path writes the same values).
export { IMAGE_PLACEHOLDER, TEXT_PLACEHOLDER, PLACEHOLDERS, placeholderFor, STORE_FNAME_RE, type Placeholder } from './attachments/placeholders.js';
export { attachmentStream, type AttachmentStream, type AttachmentTransform } from './attachments/stream.js';
