// In-stream masking: the personal data options applied to rows on their way from the source to the
// target (the COPY data path, decision 0012), so that the target never holds a production value —
// not in a dead tuple, not in its WAL.
//
// Before the first row: the personal data map and the source's values are read from the source,
// read-only, in the copy's snapshot (the same capture as the SQL path's, as CTEs: no temp table,
// no function on production), in batches, into memory: one set of 64-bit hashes of keys per class
// (key-set.ts: a collision masks more, never less), and the names and streets that `full` also
// looks for in free text, indexed by their longest word (names.ts). The rest it holds (memoized
// pseudonyms, compiled patterns, rows read at a time) is bounded by the agent's memory budget
// (decision 0019). Then each table's rows pass through the same column rules as the SQL pass
// (`columnRules`), option after option in the order the SQL path runs them, with the same keyed
// pseudonyms (pseudonyms.ts): a clone made on this path and one made on the SQL path hold the
// same values (a test compares every table).
//
// After the rules, every text field of the row is searched for the source's values once more (the
// proof by value, on what is about to be written); `leaks()` names the table, column and count.
//
// Regular expressions follow PostgreSQL's in the source's locale class: with a C/POSIX ctype, only
// ASCII letters are letters and lower() folds ASCII only, as there; otherwise Unicode letters.
import type pg from 'pg';
import { AppError, drainQueue, ErrorCode, type QueueRunner, type SanitizationOptionKey, type SanitizationOptions } from '@oec/shared';
import type { KeyedHash } from '../keyed-hash.js';
import { ANON_DOMAIN, hmacHex, keyedHash, PHONE_PREFIX, PHONE_SANITIZED_PREFIX, sqlTrim as btrim } from '../pseudonyms.js';
import { SchemaInfo } from '../schema-info.js';
import { internalPartnersSql, Stmt } from '../sql.js';
import type { PlanContext } from '../types.js';
import {
  BY_VALUE_CLASSES,
  keepSelects,
  CLASS_OPTION,
  DERIVED_PHONES,
  clearValue,
  columnRules,
  discoveredText,
  type DiscoveredColumn,
  keyClass,
  labelOf,
  mapped,
  OWN_RULES,
  searchedForNames,
  TEXT_OPTIONS,
  type ColumnRule,
  type KeyClass,
  selectsByTable,
  tableValuesSql,
  valueSelects,
  type ValueSelect,
} from './engine.js';
import { DEFAULT_BATCH_ROWS, forEachBatch } from './batches.js';
import { Dialect } from './dialect.js';
import { KeySet } from './key-set.js';
import { Lru } from './lru.js';
import { FreeTextKeys, tokenScanner, type TokenClass, type TokenScanner } from './tokens.js';
import { loadPersonalMap, quoteIdent, type PersonalMap } from './map.js';
import { captureNames, DEFAULT_PATTERN_CACHE, NameIndex } from './names.js';

/** The shape of the COPY path's row transform (clone/copy/codec.ts), without depending on it. */
export interface MaskingTransform {
  columns: readonly number[];
  map(values: (string | null)[]): (string | null)[];
}

/** More read-only sessions in the caller's snapshot, for reading the source's values in parallel. */
export interface SnapshotSessions {
  /** Sessions that may be open at once. */
  jobs: number;
  /** Run `fn` in a new session whose transaction imports the snapshot; rolled back after. */
  run<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
}

export interface StreamMaskParams {
  options: SanitizationOptions;
  /** The personal options in the order the SQL path applies them. */
  order: readonly SanitizationOptionKey[];
  salt: string;
  odooSeries?: string | null;
  sessions?: SnapshotSessions;
  /** What it may hold in memory (the agent's budget, decision 0019); defaults when absent. */
  budget?: MaskingBudget;
}

/** Memoized pseudonyms when the caller names no budget (decision 0019: the agent's derives it). */
export const DEFAULT_MEMO_ENTRIES = 50_000;

/** What the masking holds in memory besides the captured values' hashes (decision 0019). */
export interface MaskingBudget {
  /** Pseudonyms memoized (an LRU): past it a pseudonym is computed again, the same one. */
  memoEntries: number;
  /** Compiled patterns of names and streets kept (an LRU). */
  patternEntries: number;
  /** Rows read at a time, per session, while capturing the source's values. */
  batchRows: number;
  /** Bytes the captured values' hashes and the names indexed may take: past it, the step fails. */
  capturedBytes: number;
}

export const DEFAULT_MASKING_BUDGET: MaskingBudget = { memoEntries: DEFAULT_MEMO_ENTRIES, patternEntries: DEFAULT_PATTERN_CACHE, batchRows: DEFAULT_BATCH_ROWS, capturedBytes: 64 * 1024 * 1024 };

export interface StreamLeak {
  table: string;
  column: string;
  option: SanitizationOptionKey;
  count: number;
}

export interface StreamMasker {
  readonly map: PersonalMap;
  /** The transform of a table's rows (its COPY columns in order), or null when nothing to do. */
  transformFor(table: string, columns: readonly string[]): MaskingTransform | null;
  /** Fields rewritten so far, per option. */
  masked(): Record<string, number>;
  /** Source values found in rows after masking (table, column, count; never the value). */
  leaks(): StreamLeak[];
  /** What the capture holds: distinct values (their hashes), its bytes, names indexed. */
  captured(): { values: number; bytes: number; names: number };
}

/** One step of a row's masking: reads some fields, may set them; true when it changed one. */
interface RowStep {
  option: SanitizationOptionKey;
  reads: number[];
  run(get: (at: number) => string | null, set: (at: number, v: string | null) => void): boolean;
  /**
   * A column rule's search (cleanBit): when the step leaves its field as it was, the field holds
   * no known key of that search, and the proof need not search it again while nothing sets it.
   */
  clean?: number;
}

/**
 * The proof's searches a column rule has already run on a field it left unchanged: its tokens of
 * a class (`tokens`) or its whole value as a key of a class (`whole`), one bit each. The rule and
 * the proof search with the same scanner and the same test of a key (mayBeKnown, then the set),
 * so on the same value they find the same: a field counts as clean only when the rule found no
 * known key in it (`found`), and only until a later step sets it.
 */
function cleanBit(rule: ColumnRule['rule'], cls: KeyClass | null): number {
  if (cls === null || (rule !== 'tokens' && rule !== 'whole')) return 0;
  return 1 << ((rule === 'tokens' ? 0 : 4) + KEY_CLASSES.indexOf(cls));
}

const KEY_CLASSES: readonly KeyClass[] = ['email', 'digits', 'alnum', 'text'];

/** Pseudonyms memoized per source value (an LRU of `memoEntries`): a value repeated across rows costs one HMAC. */
class Pseudonyms {
  private readonly memo: Lru<string>;

  constructor(
    private readonly k: KeyedHash,
    memoEntries = DEFAULT_MEMO_ENTRIES,
  ) {
    this.memo = new Lru<string>(memoEntries);
  }

  private hex(text: string): string {
    const hit = this.memo.get(text);
    if (hit !== undefined) return hit;
    const h = hmacHex(this.k, text);
    this.memo.set(text, h);
    return h;
  }

  email(key: string): string {
    return `u${this.hex(`email:${key}`).slice(0, 20)}${ANON_DOMAIN}`;
  }

  phone(token: string, digitsKey: string): string {
    const n = parseInt(this.hex(`phone:${digitsKey}`).slice(0, 8), 16) % 100000;
    return `${/^\+?[0-9]+$/.test(token) ? PHONE_SANITIZED_PREFIX : PHONE_PREFIX}${String(n).padStart(5, '0')}`;
  }

  identity(key: string): string {
    return `ID${this.hex(`identity:${key}`).slice(0, 12).toUpperCase()}`;
  }

  label(label: string, key: string): string {
    return `${label} ${this.hex(`${label.toLowerCase()}:${key}`).slice(0, 6).toUpperCase()}`;
  }
}

/** One proof search of a field: `clean`, the searches a rule already ran on this value (cleanBit). */
interface Probe {
  at: number;
  run(v: string, clean: number, hit: (option: SanitizationOptionKey) => void): void;
}

class Masker implements StreamMasker {
  private readonly counts: Record<string, number> = {};
  private readonly hits = new Map<string, StreamLeak>();
  private readonly tokens: Record<TokenClass, TokenScanner>;
  /** Set when a known key was found (known()): a step that found none left its field clean. */
  private found = false;

  constructor(
    readonly map: PersonalMap,
    private readonly d: Dialect,
    private readonly order: readonly SanitizationOptionKey[],
    private readonly keys: Map<KeyClass, KeySet>,
    private readonly names: NameIndex,
    private readonly inText: ReadonlySet<SanitizationOptionKey>,
    private readonly internal: ReadonlySet<string>,
    private readonly fakes: Pseudonyms,
  ) {
    this.tokens = { email: tokenScanner('email', d), digits: tokenScanner('digits', d), alnum: tokenScanner('alnum', d) };
  }

  private key(cls: KeyClass, s: string): string {
    switch (cls) {
      case 'email':
        return this.d.lower(s);
      case 'digits':
        return s.replace(/[^0-9]/g, '');
      case 'alnum':
        return s.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
      case 'text':
        return this.d.lower(btrim(s));
    }
  }

  private known(cls: KeyClass, key: string): boolean {
    const yes = this.keys.get(cls)?.has(key) ?? false;
    if (yes) this.found = true;
    return yes;
  }

  private fake(cls: KeyClass, token: string, key: string, column: string): string {
    switch (cls) {
      case 'email':
        return this.fakes.email(key);
      case 'digits':
        return this.fakes.phone(token, key);
      case 'alnum':
        return this.fakes.identity(key);
      case 'text':
        return this.fakes.label(labelOf(column), key);
    }
  }

  private rewriteTokens(cls: TokenClass, value: string, column: string): string {
    return this.tokens[cls].replace(value, (tok) => {
      if (!this.mayBeKnown(cls, tok)) return tok;
      const key = this.key(cls, tok);
      return this.known(cls, key) ? this.fake(cls, tok, key, column) : tok;
    });
  }

  private rewriteNames(option: SanitizationOptionKey, value: string): string {
    let t = value;
    for (const e of this.names.candidates(option, value)) t = t.replace(e.re, e.fake);
    return t;
  }

  private apply(r: ColumnRule, option: SanitizationOptionKey, value: string | null): string | null {
    if (value === null) return null;
    switch (r.rule) {
      case 'clear': {
        const cleared = clearLiteral(r);
        return value === cleared ? value : cleared;
      }
      case 'whole': {
        const cls = r.cls as KeyClass;
        const key = this.key(cls, value);
        return this.known(cls, key) ? this.fake(cls, value, key, r.column) : value;
      }
      case 'tokens':
        return this.rewriteTokens(r.cls as TokenClass, value, r.column);
      case 'names':
        return this.rewriteNames(option, value);
    }
  }

  transformFor(table: string, columns: readonly string[]): MaskingTransform | null {
    const index = new Map(columns.map((c, i) => [c, i]));
    const steps: RowStep[] = [];
    for (const option of this.order) {
      // an option module's own rule runs before the map's columns, as in the SQL pass
      const own = option === 'anonymize_emails' ? this.loginRule(table, index) : option === 'anonymize_company_names' ? this.companyRule(table, index) : null;
      if (own) steps.push(own);
      for (const rule of columnRules(this.map, option, this.inText.has(option), table)) {
        const at = index.get(rule.column);
        if (at === undefined) continue;
        steps.push({
          option,
          reads: [at],
          clean: cleanBit(rule.rule, rule.cls),
          run: (get, set) => {
            const before = get(at);
            const after = this.apply(rule, option, before);
            if (after === before) return false;
            set(at, after);
            return true;
          },
        });
      }
      if (option === 'anonymize_phones') steps.push(...derivedPhoneSteps(table, index));
    }
    const probes = this.probesFor(table, index);
    const used = [...new Set([...steps.flatMap((s) => s.reads), ...probes.map((p) => p.at)])].sort((a, b) => a - b);
    if (used.length === 0) return null;
    const slot = new Map(used.map((at, i) => [at, i]));
    // per field: the searches a rule ran on its current value and found nothing in (cleanBit)
    const clean = new Array<number>(used.length).fill(0);
    // each clean step's field and each probe's, as slots (looked up once, not per row)
    const stepSlot = steps.map((st) => (st.clean ? (slot.get(st.reads[0] as number) as number) : -1));
    const probeSlot = probes.map((p) => slot.get(p.at) as number);
    return {
      columns: used,
      map: (values) => {
        clean.fill(0);
        const get = (at: number): string | null => values[slot.get(at) as number] ?? null;
        const set = (at: number, v: string | null): void => {
          const i = slot.get(at) as number;
          values[i] = v;
          clean[i] = 0;
        };
        steps.forEach((st, k) => {
          this.found = false;
          if (st.run(get, set)) this.counts[st.option] = (this.counts[st.option] ?? 0) + 1;
          else if (st.clean && !this.found) clean[stepSlot[k] as number]! |= st.clean;
        });
        probes.forEach((p, k) => {
          const i = probeSlot[k] as number;
          const v = values[i] ?? null;
          if (v !== null) p.run(v, clean[i] as number, (option) => this.hit(table, columns[p.at] as string, option));
        });
        return values;
      },
    };
  }

  /**
   * Portal users' logins that are a customer's address: the address's pseudonym, as the emails
   * option's own rule writes it after a restore (a case-only twin of a login already seen gets the
   * pseudonym of `address#id`); internal users (`share = false`) keep theirs.
   */
  private loginRule(table: string, index: Map<string, number>): RowStep | null {
    if (table !== 'res_users') return null;
    const [login, share, id] = ['login', 'share', 'id'].map((c) => index.get(c));
    if (login === undefined || share === undefined || id === undefined) return null;
    const seen = new Set<string>();
    return {
      option: 'anonymize_emails',
      reads: [login, share, id],
      run: (get, set) => {
        const value = get(login);
        if (value === null || get(share) === 'f') return false;
        const addr = this.d.lower(btrim(value));
        if (!this.known('email', addr)) return false;
        set(login, seen.has(addr) ? this.fakes.email(`${addr}#${get(id) ?? ''}`) : this.fakes.email(addr));
        seen.add(addr);
        return true;
      },
    };
  }

  /**
   * Customer companies' names, as the company names option's own rule writes them: `Company` and
   * the keyed hash of the trimmed, lower-cased name; the commercial company name of a customer's
   * contact and `company_name` alike; a derived name equal to the name, or starting with the
   * commercial company name and a comma, follows.
   */
  private companyRule(table: string, index: Map<string, number>): RowStep | null {
    if (table !== 'res_partner') return null;
    const at = (c: string): number | undefined => index.get(c);
    const [id, isCompany, name] = [at('id'), at('is_company'), at('name')];
    if (id === undefined || isCompany === undefined || name === undefined) return null;
    const ccn = at('commercial_partner_id') !== undefined ? at('commercial_company_name') : undefined;
    const cpid = at('commercial_partner_id');
    const companyName = at('company_name');
    const derived = ['complete_name', 'display_name'].map(at).filter((x): x is number => x !== undefined);
    const reads = [id, isCompany, name, ...[ccn, cpid, companyName].filter((x): x is number => x !== undefined), ...derived];
    const anon = /^Company [0-9A-F]{6}$/;
    const fake = (v: string): string => this.fakes.label('Company', this.d.lower(btrim(v)));
    const needs = (v: string | null): v is string => v !== null && btrim(v) !== '' && !anon.test(v);
    return {
      option: 'anonymize_company_names',
      reads,
      run: (get, set) => {
        if (this.internal.has(get(id) ?? '')) return false;
        const n = get(name);
        const nameNeeds = get(isCompany) === 't' && needs(n);
        const c = ccn === undefined ? null : get(ccn);
        const ccnNeeds = ccn !== undefined && cpid !== undefined && needs(c) && !this.internal.has(get(cpid) ?? '');
        const cn = companyName === undefined ? null : get(companyName);
        const cnNeeds = companyName !== undefined && needs(cn);
        if (!nameNeeds && !ccnNeeds && !cnNeeds) return false;
        for (const d of derived) {
          const v = get(d);
          if (v === null) continue;
          if (nameNeeds && v === n) set(d, fake(n));
          else if (ccnNeeds && v.startsWith(`${c}, `)) set(d, fake(c) + v.slice(c.length));
        }
        if (nameNeeds) set(name, fake(n));
        if (ccnNeeds && ccn !== undefined) set(ccn, fake(c));
        if (cnNeeds && companyName !== undefined) set(companyName, fake(cn));
        return true;
      },
    };
  }

  /**
   * The proof's searches of a table: every text column for every captured class of the options,
   * each value read once per class with a cheap test first (a known email has an `@`, a known
   * phone or identity number digits: keyWorthSql), so most text is never tokenized.
   */
  private probesFor(table: string, index: Map<string, number>): Probe[] {
    const out: Probe[] = [];
    const enabled = new Set(this.order);
    const classes = BY_VALUE_CLASSES.filter((c) => enabled.has(CLASS_OPTION[c]) && (this.keys.get(c)?.size ?? 0) > 0);
    const tokenBits = classes.map((cls) => cleanBit('tokens', cls));
    for (const c of this.map.textColumns) {
      const at = index.get(c.column);
      if (c.table !== table || at === undefined) continue;
      const names = searchedForNames(c) ? [...this.inText] : [];
      if (classes.length === 0 && names.length === 0) continue;
      out.push({
        at,
        run: (v, clean, hit) => {
          const hasAt = v.includes('@');
          const digit = /[0-9]/.test(v);
          classes.forEach((cls, k) => {
            if ((cls === 'email' ? !hasAt : !digit) || (clean & (tokenBits[k] as number)) !== 0) return;
            if (this.anyKnownToken(cls, v)) hit(CLASS_OPTION[cls]);
          });
          for (const option of names) if (this.names.candidates(option, v).some((e) => e.found.test(v))) hit(option);
        },
      });
    }
    for (const c of mapped(this.map, enabled)) {
      const at = index.get(c.column);
      const cls = keyClass(c);
      if (c.table !== table || at === undefined || c.type !== 'text' || OWN_RULES.has(`${c.table}.${c.column}`)) continue;
      if (cls !== 'digits' && cls !== 'alnum' && cls !== 'text') continue;
      const option = c.option as SanitizationOptionKey;
      const bit = cleanBit('whole', cls);
      out.push({ at, run: (v, clean, hit) => ((clean & bit) === 0 && this.known(cls, this.key(cls, v)) ? hit(option) : undefined) });
    }
    return out;
  }

  /** Whether some token of the class in `v` is a known key. */
  private anyKnownToken(cls: TokenClass, v: string): boolean {
    return this.tokens[cls].some(v, (tok) => this.mayBeKnown(cls, tok) && this.known(cls, this.key(cls, tok)));
  }

  /**
   * A cheap necessary condition for a token's key to be known (keyWorthSql: what a key holds); the
   * scanner's tokens all hold their class's anchor (an identity number's digit among them).
   */
  private mayBeKnown(cls: TokenClass, tok: string): boolean {
    if (cls === 'email') return true;
    return tok.length >= (cls === 'digits' ? 7 : 5);
  }

  private hit(table: string, column: string, option: SanitizationOptionKey): void {
    const k = `${table}.${column}.${option}`;
    const h = this.hits.get(k);
    if (h) h.count++;
    else this.hits.set(k, { table, column, option, count: 1 });
  }

  captured(): { values: number; bytes: number; names: number } {
    let values = 0;
    let bytes = 0;
    for (const set of this.keys.values()) {
      values += set.size;
      bytes += set.byteSize;
    }
    return { values, bytes, names: this.names.size };
  }

  masked(): Record<string, number> {
    return { ...this.counts };
  }

  leaks(): StreamLeak[] {
    return [...this.hits.values()];
  }
}

/**
 * Odoo's `*_sanitized` phone columns derived from the masked numbers, as the SQL pass derives them
 * after the phones option (engine.ts deriveSanitizedPhones): the first source column holding a
 * pseudonym `+1 555 01xxxxx` gives `+155501xxxxx`. Done here, the UPDATE after the load finds
 * nothing to change. Not counted: the option's count is of the values it masked.
 */
const PHONE_PSEUDONYM = /^\+1 555 01[0-9]{5}$/;

function derivedPhoneSteps(table: string, index: ReadonlyMap<string, number>): RowStep[] {
  const steps: RowStep[] = [];
  for (const [t, target, sources] of DERIVED_PHONES) {
    const at = index.get(target);
    const from = sources.map((c) => index.get(c)).filter((x): x is number => x !== undefined);
    if (t !== table || at === undefined || from.length === 0) continue;
    steps.push({
      option: 'anonymize_phones',
      reads: [at, ...from],
      run: (get, set) => {
        for (const f of from) {
          const v = get(f);
          if (v === null || !PHONE_PSEUDONYM.test(v)) continue;
          const derived = `${PHONE_SANITIZED_PREFIX}${v.slice(-5)}`;
          if (get(at) !== derived) set(at, derived);
          return false;
        }
        return false;
      },
    });
  }
  return steps;
}

/** The cleared value as COPY writes it (null for SQL NULL). */
function clearLiteral(r: ColumnRule): string | null {
  const sql = clearValue(r.mapped as NonNullable<ColumnRule['mapped']>);
  return sql === 'NULL' ? null : sql.replace(/^'|'$/g, '');
}

/** The source's personal values take more memory than the agent's budget gives the capture. */
export class CaptureOverBudgetError extends AppError {
  constructor(bytes: number) {
    super(
      ErrorCode.SANITIZATION_FAILED,
      `the source's personal values take more than ${Math.round(bytes / 1024 / 1024)} MB, the in-stream masking's share of the agent's memory budget: raise OEC_AGENT_MEMORY_MB on this server's agent`,
    );
  }
}

/**
 * Read the map and the source's values (read-only, in the caller's transaction) and return the
 * masker, or null when no personal option is chosen.
 */
export async function prepareStreamMasking(client: pg.ClientBase, p: StreamMaskParams): Promise<StreamMasker | null> {
  const order = p.order.filter((o) => p.options[o]);
  if (order.length === 0) return null;
  const schema = await SchemaInfo.load(client);
  const ctx: PlanContext = { schema, enabled: new Set(order) };
  const map = await loadPersonalMap(client, { series: p.odooSeries ?? null });
  const ctype = await client.query<{ c: string }>('SELECT datctype AS c FROM pg_database WHERE datname = current_database()');
  const d = new Dialect(/^(C|POSIX)$/i.test(ctype.rows[0]?.c ?? 'C'));
  const budget = p.budget ?? DEFAULT_MASKING_BUDGET;
  // the captured values as 64-bit hashes (key-set.ts: a collision masks more, never less)
  const keys = new Map<KeyClass, KeySet>();
  const fakes = new Pseudonyms(keyedHash(p.salt), budget.memoEntries);
  const names = new NameIndex(d, (label, v) => fakes.label(label, v), budget.patternEntries);
  // the capture grows with the source: past its share of the budget the step fails (never a value
  // left out: a value not captured would not be masked)
  const checkBudget = (): void => {
    let bytes = names.byteSize;
    for (const set of keys.values()) bytes += set.byteSize;
    if (bytes > budget.capturedBytes) throw new CaptureOverBudgetError(budget.capturedBytes);
  };
  const add = (rows: ReadonlyArray<{ cls: KeyClass; v: string | null }>): void => {
    for (const r of rows) {
      if (r.v === null) continue;
      let set = keys.get(r.cls);
      if (!set) keys.set(r.cls, (set = new KeySet()));
      set.add(r.v);
    }
    checkBudget();
  };
  await captureValues(client, ctx, map, d, p.sessions ?? null, budget.batchRows, add);
  const inText = new Set(order.filter((o) => TEXT_OPTIONS.has(o)));
  await captureNames(client, map, ctx, keys.get('text') ?? new KeySet(), inText, names, d, budget.batchRows, checkBudget);
  for (const o of inText) if (!names.has(o)) inText.delete(o);
  const own = await client.query<{ id: string }>(`SELECT id::text AS id FROM (${internalPartnersSql(ctx)}) x WHERE id IS NOT NULL`);
  return new Masker(map, d, order, keys, names, inText, new Set(own.rows.map((r) => r.id)), fakes);
}

/**
 * The source's values, as the SQL path captures them: the staff's own keys first (one query),
 * then everyone else's, table by table (largest first) on `sessions.jobs` sessions in the
 * same snapshot, minus the staff's own keys, in two parts that may run on two sessions at once:
 * those of the mapped columns by one query per table (passed the staff's keys as arrays), and
 * those only free text holds by reading the table's text columns through FreeTextKeys here
 * (PostgreSQL's `regexp_matches` over every mail body was most of the capture's time; the
 * expressions and keys are the same).
 */
async function captureValues(
  client: pg.ClientBase,
  ctx: PlanContext,
  map: PersonalMap,
  d: Dialect,
  sessions: SnapshotSessions | null,
  batchRows: number,
  add: (rows: ReadonlyArray<{ cls: KeyClass; v: string | null }>) => void,
): Promise<void> {
  const sk = new Stmt();
  const keep = keepSelects(ctx, map, sk);
  const kept = keep.length > 0 ? (await client.query<{ cls: string; v: string }>(`SELECT DISTINCT cls, v FROM (${keep.join(' UNION ')}) k WHERE v IS NOT NULL`, sk.values)).rows : [];
  const byTable = selectsByTable(valueSelects(ctx, map, false));
  const freeText = new Map<string, DiscoveredColumn[]>();
  for (const c of discoveredText(ctx, map)) freeText.set(c.table, [...(freeText.get(c.table) ?? []), c]);
  const tables = [...new Set([...byTable.keys(), ...freeText.keys()])];
  const sizes = await client.query<{ t: string; b: string }>('SELECT t, coalesce(pg_table_size(to_regclass(quote_ident(t))), 0)::text AS b FROM unnest($1::text[]) t', [tables]);
  const keptKeys = new Set(kept.map((r) => `${r.cls}\u0000${r.v}`));
  const mappedKeys = async (c: pg.ClientBase, t: string, selects: readonly ValueSelect[]): Promise<void> => {
    const s = new Stmt();
    const keepRel = `(SELECT k.cls, k.v FROM unnest(${s.list(kept.map((r) => r.cls))}, ${s.list(kept.map((r) => r.v))}) AS k(cls, v))`;
    const values = tableValuesSql(t, selects, s, 'oec_pd_keep');
    await forEachBatch<{ cls: KeyClass; v: string | null }>(c, `WITH oec_pd_keep AS MATERIALIZED ${keepRel} ${values}`, s.values, batchRows, add);
  };
  // a table's two parts are separate work: mail_message's mapped columns (regular expressions in
  // PostgreSQL) and its bodies (read here) go on two sessions at once
  const queue = sizes.rows
    .sort((a, b) => Number(b.b) - Number(a.b) || a.t.localeCompare(b.t))
    .flatMap(({ t }): Array<(c: pg.ClientBase) => Promise<void>> => {
      const selects = byTable.get(t);
      const columns = freeText.get(t);
      return [
        ...(selects ? [(c: pg.ClientBase) => mappedKeys(c, t, selects)] : []),
        ...(columns ? [(c: pg.ClientBase) => discoverFreeText(c, t, columns, new FreeTextKeys(d), keptKeys, batchRows, add)] : []),
      ];
    });
  // this session takes part too, with up to jobs - 1 more; every session has ended before this returns
  const jobs = Math.max(1, Math.min(sessions?.jobs ?? 1, queue.length));
  const runners: Array<QueueRunner<pg.ClientBase>> = [(loop) => loop(client)];
  if (sessions) for (let i = 1; i < jobs; i++) runners.push((loop) => sessions.run(loop));
  await drainQueue(queue, runners, (c, part) => part(c));
}

/**
 * The keys only free text holds in `table`'s `columns` (FreeTextKeys), minus the staff's own
 * (`kept`: `cls NUL key`), to `add` one batch of rows at a time.
 */
async function discoverFreeText(
  client: pg.ClientBase,
  table: string,
  columns: readonly DiscoveredColumn[],
  keys: FreeTextKeys,
  kept: ReadonlySet<string>,
  batchRows: number,
  add: (rows: ReadonlyArray<{ cls: KeyClass; v: string | null }>) => void,
): Promise<void> {
  const list = columns.map((c, i) => `t.${quoteIdent(c.column)}::text AS c${i}`).join(', ');
  const any = columns.map((c) => `t.${quoteIdent(c.column)} IS NOT NULL`).join(' OR ');
  await forEachBatch<Record<string, string | null>>(client, `SELECT ${list} FROM ${quoteIdent(table)} t WHERE ${any}`, [], batchRows, (rows) => {
    const found: Array<{ cls: KeyClass; v: string }> = [];
    const seen = new Set<string>();
    for (const row of rows) {
      columns.forEach((c, i) => {
        const v = row[`c${i}`];
        if (v === null || v === undefined) return;
        keys.each(v, c.classes, (cls, key) => {
          const k = `${cls}\u0000${key}`;
          if (kept.has(k) || seen.has(k)) return;
          seen.add(k);
          found.push({ cls, v: key });
        });
      });
    }
    add(found);
  });
}
