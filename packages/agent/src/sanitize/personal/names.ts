// The names and streets the in-stream masking looks for in free text (the options of TEXT_OPTIONS),
// indexed by their longest word as on the SQL path (engine.ts). Kept small (decision 0019): an
// entry is its lower-cased value and its label; its patterns are compiled when a text holds its
// longest word (an LRU of them) and its pseudonym is computed when written (memoized by the
// caller), the same ones the capture used to hold for every entry.
import type pg from 'pg';
import type { SanitizationOptionKey } from '@oec/shared';
import { sqlTrim as btrim } from '../pseudonyms.js';
import type { PlanContext } from '../types.js';
import { forEachBatch } from './batches.js';
import { namePattern, type Dialect } from './dialect.js';
import { keyClass, labelOf, mapped, textLabel } from './engine.js';
import type { KeySet } from './key-set.js';
import { Lru } from './lru.js';
import { quoteIdent, type PersonalMap } from './map.js';

/** A name found in a text: its value, its patterns and its pseudonym. */
export interface NameEntry {
  v: string;
  /** Every occurrence (global: for replace). */
  re: RegExp;
  /** Whether it occurs (not global: `test` keeps no state). */
  found: RegExp;
  fake: string;
}

interface Patterns {
  re: RegExp;
  found: RegExp;
}

/** An entry's or a word's slots and headers beyond its characters (V8, 64-bit). */
const ENTRY_BYTES = 64;

/** Compiled patterns kept when the caller names no budget. */
export const DEFAULT_PATTERN_CACHE = 4096;

export class NameIndex {
  private readonly values: string[] = [];
  private readonly labels: string[] = [];
  /** `option \0 longest word` → entry ids. */
  private readonly byWord = new Map<string, number[]>();
  private readonly withEntries = new Set<SanitizationOptionKey>();
  private readonly patterns: Lru<Patterns>;
  private readonly wordRe: RegExp;
  private bytes = 0;

  constructor(
    private readonly d: Dialect,
    private readonly fake: (label: string, v: string) => string,
    patternCache = DEFAULT_PATTERN_CACHE,
  ) {
    this.patterns = new Lru<Patterns>(patternCache);
    this.wordRe = d.re(`[${d.alpha}]+`, 'g');
  }

  get size(): number {
    return this.values.length;
  }

  /** About what the entries take (two bytes a character, the slots around them): for the budget. */
  get byteSize(): number {
    return this.bytes;
  }

  /** Whether the option has a name to look for. */
  has(option: SanitizationOptionKey): boolean {
    return this.withEntries.has(option);
  }

  /** Add a value (lower-cased, trimmed) under its longest word; the caller adds each once per option. */
  add(option: SanitizationOptionKey, v: string, label: string): void {
    let word = '';
    for (const w of v.match(this.wordRe) ?? []) if (w.length > word.length) word = w;
    const id = this.values.length;
    this.values.push(v);
    this.labels.push(label);
    this.withEntries.add(option);
    const key = `${option}\u0000${word}`;
    const list = this.byWord.get(key);
    this.bytes += 2 * v.length + ENTRY_BYTES;
    if (list) list.push(id);
    else {
      this.byWord.set(key, [id]);
      this.bytes += 2 * key.length + ENTRY_BYTES;
    }
  }

  /** The option's names the text holds (as a substring, any case), longest first. */
  candidates(option: SanitizationOptionKey, value: string): NameEntry[] {
    const lower = this.d.lower(value);
    const out = new Map<string, number>();
    for (const w of new Set(lower.match(this.wordRe) ?? [])) {
      for (const id of this.byWord.get(`${option}\u0000${w}`) ?? []) {
        const v = this.values[id] as string;
        if (lower.includes(v)) out.set(v, id);
      }
    }
    return [...out.entries()].sort((a, b) => b[0].length - a[0].length).map(([v, id]) => ({ v, ...this.patternsOf(v), fake: this.fake(this.labels[id] as string, v) }));
  }

  private patternsOf(v: string): Patterns {
    const hit = this.patterns.get(v);
    if (hit) return hit;
    const re = namePattern(this.d, v);
    const p = { re, found: new RegExp(re.source, re.flags.replace('g', '')) };
    this.patterns.set(v, p);
    return p;
  }
}

/**
 * The names and streets of the options searched in free text (as the SQL path): each column's
 * distinct values, read in batches of `batchRows`, that are captured text keys (`values`).
 */
export async function captureNames(
  client: pg.ClientBase,
  map: PersonalMap,
  ctx: PlanContext,
  values: KeySet,
  inText: ReadonlySet<SanitizationOptionKey>,
  index: NameIndex,
  d: Dialect,
  batchRows: number,
  checkBudget: () => void,
): Promise<void> {
  // per option, the values already indexed (the index's own strings: only the set's slots)
  const seen = new Map<SanitizationOptionKey, Set<string>>();
  const cols = mapped(map, ctx.enabled).filter((c) => inText.has(c.option as SanitizationOptionKey) && keyClass(c) === 'text' && textLabel(c.column));
  cols.sort((a, b) => Number(textLabel(a.column) === 'Street') - Number(textLabel(b.column) === 'Street'));
  const alpha = d.re(`[${d.alpha}]`, '');
  const alnumEnds = d.re(`^[${d.word.replace('_', '')}]([\\s\\S]*[${d.word.replace('_', '')}])?$`, '');
  for (const c of cols) {
    const col = quoteIdent(c.column);
    const option = c.option as SanitizationOptionKey;
    const label = labelOf(c.column);
    let done = seen.get(option);
    if (!done) seen.set(option, (done = new Set<string>()));
    const known = done;
    await forEachBatch<{ v: string }>(client, `SELECT DISTINCT ${col}::text AS v FROM ${quoteIdent(c.table)} WHERE ${col} IS NOT NULL`, [], batchRows, (rows) => {
      for (const r of rows) {
        const v = d.lower(btrim(r.v));
        if (v.length < 5 || !alpha.test(v) || !alnumEnds.test(v) || /["\\]/.test(v) || !values.has(v) || known.has(v)) continue;
        known.add(v);
        index.add(option, v, label);
      }
      checkBudget();
    });
  }
}
