// The credential columns cleared in stream (the COPY data path, decision 0012): what
// clear_api_keys, disable_mail_servers, reset_passwords and disable_2fa clear or delete is never
// written to the target — secrets become NULL, API keys, trusted devices and web push
// subscriptions are left out, secret system parameters are left out or blanked, IAP tokens get
// their disabled suffix and webhooks the neutral URL, exactly as the SQL of those options would
// leave them. The flags (live modes off, servers inactive, the dummy mail server, …) stay SQL
// after the load: they are not secrets, and that SQL then finds no credential left to clear.
//
// database.secret (signing key of sessions and tokens) is written as a fresh random value on every
// COPY-path clone: the identity step after the load always writes the target's own (new, or the
// replaced database's), so the source's never needs to be on the target's disk.
//
// Every value read from a catalogued place is remembered; `leaks()` names the places where a
// written value equals one of them (the stream's half of "no source credential value left").
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { SanitizationOptionKey, SanitizationOptions } from '@oec/shared';
import { likeRegExp } from '../like.js';
import { SchemaInfo } from '../schema-info.js';
import { CREDENTIAL_TABLES, PUSH_TABLES } from './credential-tables.js';
import { BLANKED_PARAMS, DELETED_PARAMS, IAP_DISABLED_SUFFIX, NEUTRAL_WEBHOOK, NEVER_DELETE_PARAMS, SECRET_PARAM_PATTERNS } from './credentials-catalogue.js';
import { DUMMY_SERVER, FETCHMAIL_SECRETS, MAIL_SERVER_SECRETS } from './mail.js';
import { TOTP_POLICY_PARAM } from './users.js';

/** The shape of the COPY path's row transform (clone/copy/codec.ts), without depending on it. */
export interface CredentialTransform {
  columns: readonly number[];
  map(values: (string | null)[]): (string | null)[] | null;
}

export interface CredentialLeak {
  table: string;
  column: string;
  option: SanitizationOptionKey;
  count: number;
}

export interface CredentialStream {
  readonly label: string;
  transformFor(table: string, columns: readonly string[]): CredentialTransform | null;
  counts(): Record<string, number>;
  leaks(): CredentialLeak[];
}

type Row = Map<string, string | null>;

/** What one option does to one table's row: 'drop', or the new values of the fields it sets. */
interface TableRule {
  option: SanitizationOptionKey;
  /** Columns it reads or writes (all must exist, else the rule is not applied). */
  reads: readonly string[];
  /** Columns holding a credential: remembered on the way in, checked on the way out. */
  secrets: readonly string[];
  /** The row's secrets are source credentials to remember (default: every row). */
  captured?: (row: Row) => boolean;
  /** The written row's secrets are a catalogued place to check (default: every row). */
  placed?: (row: Row) => boolean;
  apply(row: Row): 'drop' | Record<string, string | null> | null;
}

const nullAll =
  (cols: readonly string[]) =>
  (row: Row): Record<string, string | null> | null => {
    const set = cols.filter((c) => row.get(c) !== null);
    return set.length > 0 ? Object.fromEntries(set.map((c) => [c, null])) : null;
  };

const PARAM_SECRET_RES = SECRET_PARAM_PATTERNS.map((p) => likeRegExp(p, true));
const PARAM_DELETED = new Set<string>(DELETED_PARAMS);
const PARAM_BLANKED = new Set<string>(BLANKED_PARAMS);
const PARAM_KEPT = new Set<string>(NEVER_DELETE_PARAMS);

/** The rows of ir_config_parameter that clear_api_keys deletes (as paramsToDeleteWhere). */
export function isDeletedParam(key: string): boolean {
  return (PARAM_SECRET_RES.some((re) => re.test(key)) || PARAM_DELETED.has(key)) && !PARAM_KEPT.has(key) && !PARAM_BLANKED.has(key);
}

/** The parameters whose value is a credential: deleted or blanked (currentCredentialPlacesSql). */
function isCataloguedParam(key: string): boolean {
  return isDeletedParam(key) || PARAM_BLANKED.has(key);
}

function credentialRules(schema: SchemaInfo, on: (k: SanitizationOptionKey) => boolean): Map<string, TableRule[]> {
  const rules = new Map<string, TableRule[]>();
  const add = (table: string, rule: TableRule): void => {
    if (!on(rule.option) || !schema.has(table, ...rule.reads)) return;
    rules.set(table, [...(rules.get(table) ?? []), rule]);
  };
  const dropAll = (option: SanitizationOptionKey): TableRule => ({ option, reads: [], secrets: [], apply: () => 'drop' });
  for (const t of CREDENTIAL_TABLES) {
    const secrets = schema.present(t.table, t.secrets);
    if (secrets.length > 0) add(t.table, { option: 'clear_api_keys', reads: secrets, secrets, apply: nullAll(secrets) });
  }
  add('res_users_apikeys', dropAll('clear_api_keys'));
  for (const t of PUSH_TABLES) add(t, dropAll('clear_api_keys'));
  const iapMax = schema.column('iap_account', 'account_token')?.maxLength ?? null;
  add('iap_account', {
    option: 'clear_api_keys',
    reads: ['account_token'],
    secrets: ['account_token'],
    captured: (row) => !(row.get('account_token') ?? '').endsWith(IAP_DISABLED_SUFFIX),
    apply: (row) => {
      const token = row.get('account_token');
      if (token == null || token.endsWith(IAP_DISABLED_SUFFIX)) return null;
      const base = token.replace(/[+][\s\S]*$/, '');
      const cut = iapMax !== null ? [...base].slice(0, Math.max(iapMax - IAP_DISABLED_SUFFIX.length, 0)).join('') : base;
      return { account_token: cut + IAP_DISABLED_SUFFIX };
    },
  });
  add('ir_act_server', {
    option: 'clear_api_keys',
    reads: ['state', 'webhook_url'],
    secrets: ['webhook_url'],
    captured: (row) => row.get('state') === 'webhook',
    apply: (row) => (row.get('state') === 'webhook' && row.get('webhook_url') !== NEUTRAL_WEBHOOK ? { webhook_url: NEUTRAL_WEBHOOK } : null),
  });
  add('ir_config_parameter', {
    option: 'clear_api_keys',
    reads: ['key', 'value'],
    secrets: ['value'],
    captured: (row) => isCataloguedParam(row.get('key') ?? ''),
    placed: (row) => isCataloguedParam(row.get('key') ?? ''),
    apply: (row) => {
      const key = row.get('key') ?? '';
      if (PARAM_BLANKED.has(key)) return row.get('value') !== '' && row.get('value') !== null ? { value: '' } : null;
      return isDeletedParam(key) ? 'drop' : null;
    },
  });
  const mailSecrets = schema.present('ir_mail_server', MAIL_SERVER_SECRETS);
  if (mailSecrets.length > 0) {
    const clear = nullAll(mailSecrets);
    const hasHost = schema.has('ir_mail_server', 'smtp_host');
    const isDummy = (row: Row): boolean => row.get('name') === DUMMY_SERVER.name && (!hasHost || row.get('smtp_host') === DUMMY_SERVER.smtp_host);
    add('ir_mail_server', {
      option: 'disable_mail_servers',
      reads: ['name', ...(hasHost ? ['smtp_host'] : []), ...mailSecrets],
      secrets: mailSecrets,
      // Odoo's dummy server (one a previous neutralization left) keeps its fields, as in SQL.
      captured: (row) => !isDummy(row),
      placed: (row) => !isDummy(row),
      apply: (row) => (isDummy(row) ? null : clear(row)),
    });
  }
  const fetchSecrets = schema.present('fetchmail_server', FETCHMAIL_SECRETS);
  if (fetchSecrets.length > 0) add('fetchmail_server', { option: 'disable_mail_servers', reads: fetchSecrets, secrets: fetchSecrets, apply: nullAll(fetchSecrets) });
  // The new hash is written after the load (the password is generated by the sanitizing step).
  add('res_users', { option: 'reset_passwords', reads: ['password'], secrets: ['password'], apply: nullAll(['password']) });
  add('res_users', { option: 'disable_2fa', reads: ['totp_secret'], secrets: ['totp_secret'], apply: nullAll(['totp_secret']) });
  add('auth_totp_device', dropAll('disable_2fa'));
  add('ir_config_parameter', { option: 'disable_2fa', reads: ['key'], secrets: [], apply: (row) => (row.get('key') === TOTP_POLICY_PARAM ? 'drop' : null) });
  return rules;
}

/** Identity: the source's database.secret never reaches the target (see the header). */
function identityRule(schema: SchemaInfo): TableRule | null {
  if (!schema.has('ir_config_parameter', 'key', 'value')) return null;
  return {
    option: 'clear_asset_bundles',
    reads: ['key', 'value'],
    secrets: ['value'],
    captured: (row) => row.get('key') === 'database.secret',
    placed: (row) => row.get('key') === 'database.secret',
    apply: (row) => (row.get('key') === 'database.secret' ? { value: randomUUID() } : null),
  };
}

class Stream implements CredentialStream {
  private readonly count: Record<string, number> = {};
  private readonly seen = new Set<string>();
  /** Written values of catalogued places: value → where. */
  private readonly written = new Map<string, { table: string; column: string; option: SanitizationOptionKey; n: number }>();

  constructor(
    readonly label: string,
    private readonly rules: ReadonlyMap<string, readonly TableRule[]>,
  ) {}

  transformFor(table: string, columns: readonly string[]): CredentialTransform | null {
    const rules = (this.rules.get(table) ?? []).filter((r) => r.reads.every((c) => columns.includes(c)));
    if (rules.length === 0) return null;
    const names = [...new Set(rules.flatMap((r) => [...r.reads, ...r.secrets]))];
    // A rule that only leaves rows out reads nothing, but a transform without columns is skipped.
    if (names.length === 0 && columns[0] !== undefined) names.push(columns[0]);
    const at = names.map((c) => columns.indexOf(c));
    return {
      columns: at,
      map: (values) => {
        const row: Row = new Map(names.map((c, i) => [c, values[i] ?? null]));
        for (const r of rules) if (r.captured?.(row) ?? true) for (const c of r.secrets) this.remember(row.get(c) ?? null);
        for (const r of rules) {
          const out = r.apply(row);
          if (out === null) continue;
          this.count[r.option] = (this.count[r.option] ?? 0) + 1;
          if (out === 'drop') return null;
          for (const [c, v] of Object.entries(out)) row.set(c, v);
        }
        for (const r of rules) if (r.placed?.(row) ?? true) for (const c of r.secrets) this.note(table, c, r.option, row.get(c) ?? null);
        return names.map((c) => row.get(c) ?? null);
      },
    };
  }

  counts(): Record<string, number> {
    return { ...this.count };
  }

  leaks(): CredentialLeak[] {
    const out = new Map<string, CredentialLeak>();
    for (const [v, w] of this.written) {
      if (!this.seen.has(v)) continue;
      const key = `${w.table}.${w.column}`;
      const l = out.get(key) ?? { table: w.table, column: w.column, option: w.option, count: 0 };
      l.count += w.n;
      out.set(key, l);
    }
    return [...out.values()];
  }

  private remember(v: string | null): void {
    if (v !== null && v !== '' && v !== NEUTRAL_WEBHOOK) this.seen.add(v);
  }

  private note(table: string, column: string, option: SanitizationOptionKey, v: string | null): void {
    if (v === null || v === '' || v === NEUTRAL_WEBHOOK) return;
    const w = this.written.get(v);
    if (w) w.n++;
    else this.written.set(v, { table, column, option, n: 1 });
  }
}

/** The credential part of the in-stream sanitizer, read from the source's catalog (read-only). */
export async function prepareStreamCredentials(client: pg.ClientBase, options: SanitizationOptions): Promise<CredentialStream> {
  return credentialStream(await SchemaInfo.load(client), options);
}

/** The credential part for a schema (the source's, or a literal one in unit tests). */
export function credentialStream(schema: SchemaInfo, options: SanitizationOptions): CredentialStream {
  const rules = credentialRules(schema, (k) => options[k] === true);
  const identity = identityRule(schema);
  if (identity) rules.set('ir_config_parameter', [...(rules.get('ir_config_parameter') ?? []), identity]);
  const places = [...rules.entries()].map(([t, rs]) => `${t} (${[...new Set(rs.map((r) => r.option))].join(', ')})`);
  return new Stream(`credentials cleared in ${rules.size} tables: ${places.join('; ')}`, rules);
}
