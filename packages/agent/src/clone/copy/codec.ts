// The text format of PostgreSQL's COPY (TO STDOUT / FROM STDIN, default options): one row per
// line ended by `\n`, fields separated by a tab, NULL written `\N`, and inside a field a
// backslash escapes: `\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, octal `\ooo` (1–3 digits), hex
// `\xhh` (1–2 digits), and `\c` for any other character c. A raw tab or newline byte is therefore
// always a separator, never data, and neither byte can occur inside a multi-byte UTF-8 sequence:
// rows and fields are cut on bytes, and text is decoded only for the fields a transform reads.
import { Transform, type TransformCallback } from 'node:stream';

const TAB = 0x09;
const NL = 0x0a;
const BACKSLASH = 0x5c;

/** What a transform sees of the table whose rows it rewrites. */
export interface CopyTable {
  schema: string;
  name: string;
  /** The copied columns, in COPY order (generated and dropped columns excluded). */
  columns: string[];
}

/**
 * Rewrites some fields of every row of one table. `columns` are the indexes (into
 * `CopyTable.columns`) it reads; `map` gets their decoded values in that order (null = SQL NULL)
 * and returns the new values in the same order (it may return the array it was given, changed),
 * or null to leave the row out of the copy (a row a sanitizer deletes never reaches the target).
 * Fields it does not list are passed on byte for byte, never decoded.
 */
export interface RowTransform {
  columns: readonly number[];
  map(values: (string | null)[]): (string | null)[] | null;
}

/**
 * Called once per table, before its rows flow; null (or a transform with no columns) means the
 * rows are copied as raw bytes without being parsed. May be async (it runs once per table).
 */
export type RowTransformFactory = (table: CopyTable) => RowTransform | null | Promise<RowTransform | null>;

/** The value of one field (the bytes between separators); null for `\N`. */
export function decodeField(buf: Buffer, start = 0, end = buf.length): string | null {
  if (end - start === 2 && buf[start] === BACKSLASH && buf[start + 1] === 0x4e) return null;
  const first = buf.indexOf(BACKSLASH, start);
  if (first < 0 || first >= end) return buf.toString('utf8', start, end);
  // Escapes can spell any byte (octal/hex), so unescape to bytes and decode the whole once.
  const out = Buffer.allocUnsafe(end - start);
  let n = buf.copy(out, 0, start, first);
  let i = first;
  while (i < end) {
    const b = buf[i]!;
    if (b !== BACKSLASH || i + 1 >= end) {
      out[n++] = b;
      i++;
      continue;
    }
    const c = buf[i + 1]!;
    i += 2;
    switch (c) {
      case 0x62: out[n++] = 0x08; break; // b
      case 0x66: out[n++] = 0x0c; break; // f
      case 0x6e: out[n++] = 0x0a; break; // n
      case 0x72: out[n++] = 0x0d; break; // r
      case 0x74: out[n++] = 0x09; break; // t
      case 0x76: out[n++] = 0x0b; break; // v
      case 0x78: { // x: one or two hex digits; without any, a plain 'x'
        let v = 0;
        let digits = 0;
        while (digits < 2 && i < end && hexValue(buf[i]!) >= 0) {
          v = v * 16 + hexValue(buf[i]!);
          i++;
          digits++;
        }
        out[n++] = digits > 0 ? v : 0x78;
        break;
      }
      default:
        if (c >= 0x30 && c <= 0x37) {
          let v = c - 0x30;
          let digits = 1;
          while (digits < 3 && i < end && buf[i]! >= 0x30 && buf[i]! <= 0x37) {
            v = v * 8 + (buf[i]! - 0x30);
            i++;
            digits++;
          }
          out[n++] = v & 0xff;
        } else {
          out[n++] = c;
        }
    }
  }
  return out.toString('utf8', 0, n);
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

const NEEDS_ESCAPE = /[\\\t\n\r\b\f\v]/;
const ESCAPES = /[\\\t\n\r\b\f\v]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** One field as COPY text (what COPY TO would have written for this value). */
export function encodeField(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (c) => ESCAPED[c]!) : value;
}

/** Parse a whole row (without its newline) into its values. */
export function decodeRow(row: Buffer): (string | null)[] {
  const values: (string | null)[] = [];
  let start = 0;
  for (;;) {
    const tab = row.indexOf(TAB, start);
    if (tab < 0) {
      values.push(decodeField(row, start, row.length));
      return values;
    }
    values.push(decodeField(row, start, tab));
    start = tab + 1;
  }
}

/** A row of values as one COPY text line, newline included. */
export function encodeRow(values: readonly (string | null)[]): string {
  return `${values.map(encodeField).join('\t')}\n`;
}

/**
 * Cuts a byte stream into whole rows: `push` returns the complete rows of the bytes so far (each
 * without its newline, sharing memory with the input where it can) and keeps the partial last row
 * for the next chunk; `end` returns what is left (a last row without newline) or null.
 */
export class RowSplitter {
  private rest: Buffer | null = null;

  push(chunk: Buffer, onRow: (row: Buffer) => void): void {
    const data = chunk;
    let start = 0;
    if (this.rest) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return;
      }
      onRow(Buffer.concat([this.rest, chunk.subarray(0, nl)]));
      this.rest = null;
      start = nl + 1;
    }
    for (;;) {
      const nl = data.indexOf(NL, start);
      if (nl < 0) break;
      onRow(data.subarray(start, nl));
      start = nl + 1;
    }
    if (start < data.length) this.rest = Buffer.from(data.subarray(start));
  }

  end(): Buffer | null {
    const r = this.rest;
    this.rest = null;
    return r;
  }
}

/** A stream stage's buffer when the caller names none (the agent's budget sets it: tuning.ts). */
export const DEFAULT_STREAM_BUFFER = 1024 * 1024;

/**
 * The transform stream of one table: COPY text in, COPY text out with the transform's fields
 * rewritten. Counts the rows and bytes that passed (`rows` is exact only when rows were parsed).
 */
export class RowTransformStream extends Transform {
  rows = 0;
  /** Rows the transform left out. */
  dropped = 0;
  private readonly splitter = new RowSplitter();
  private readonly wanted: readonly number[];
  private readonly last: number;
  private out: Buffer[] = [];
  private outBytes = 0;

  constructor(
    private readonly transform: RowTransform,
    private readonly width: number,
    highWaterMark = DEFAULT_STREAM_BUFFER,
  ) {
    super({ highWaterMark });
    for (const c of transform.columns) {
      if (!Number.isInteger(c) || c < 0 || c >= width) throw new RangeError(`transform column ${c} is not one of the table's ${width} columns`);
    }
    this.wanted = transform.columns;
    this.last = Math.max(...transform.columns);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.splitter.push(chunk, (row) => this.row(row));
      this.flushOut();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      const rest = this.splitter.end();
      if (rest && rest.length > 0) this.row(rest);
      this.flushOut();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private row(row: Buffer): void {
    this.rows++;
    // Field boundaries up to the last column the transform reads; the tail is copied as it is.
    const starts: number[] = [];
    const ends: number[] = [];
    let start = 0;
    for (let i = 0; i <= this.last; i++) {
      const tab = row.indexOf(TAB, start);
      const end = tab < 0 ? row.length : tab;
      if (tab < 0 && i < this.last) throw new Error(`COPY row has ${i + 1} fields, the table ${this.width}`);
      starts.push(start);
      ends.push(end);
      start = end + 1;
    }
    const values = this.wanted.map((c) => decodeField(row, starts[c], ends[c]));
    const mapped = this.transform.map(values);
    if (mapped === null) {
      this.dropped++;
      return;
    }
    if (mapped.length !== this.wanted.length) throw new Error(`a row transform returned ${mapped.length} values for ${this.wanted.length} columns`);
    const replaced = new Map<number, string>();
    this.wanted.forEach((c, k) => replaced.set(c, encodeField(mapped[k] ?? null)));
    let pos = 0;
    for (let i = 0; i <= this.last; i++) {
      const r = replaced.get(i);
      if (r === undefined) continue;
      if (starts[i]! > pos) this.emit_(row.subarray(pos, starts[i]));
      this.emit_(Buffer.from(r, 'utf8'));
      pos = ends[i]!;
    }
    if (pos < row.length) this.emit_(row.subarray(pos));
    this.emit_(NEWLINE);
  }

  private emit_(b: Buffer): void {
    this.out.push(b);
    this.outBytes += b.length;
  }

  private flushOut(): void {
    if (this.outBytes === 0) return;
    // Row slices share the input chunk's memory; one concatenation per chunk copies them once.
    this.push(Buffer.concat(this.out, this.outBytes));
    this.out = [];
    this.outBytes = 0;
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Several transforms of one table as one, applied in order: each reads (and may rewrite) what the
 * previous ones wrote; a row one of them leaves out is left out. Null when none is given.
 */
export function composeTransforms(list: readonly (RowTransform | null)[]): RowTransform | null {
  const parts = list.filter((t): t is RowTransform => t !== null && t.columns.length > 0);
  if (parts.length <= 1) return parts[0] ?? null;
  const columns = [...new Set(parts.flatMap((t) => [...t.columns]))].sort((a, b) => a - b);
  const slot = new Map(columns.map((c, i) => [c, i]));
  const picks = parts.map((t) => t.columns.map((c) => slot.get(c)!));
  return {
    columns,
    map(values) {
      const row = [...values];
      for (let k = 0; k < parts.length; k++) {
        const at = picks[k]!;
        const out = parts[k]!.map(at.map((i) => row[i] ?? null));
        if (out === null) return null;
        at.forEach((i, j) => (row[i] = out[j] ?? null));
      }
      return row;
    },
  };
}

/** The stream a table's rows pass through: the transform's, or null for a raw pass-through. */
export function rowTransformStream(transform: RowTransform | null, width: number, highWaterMark = DEFAULT_STREAM_BUFFER): RowTransformStream | null {
  if (!transform || transform.columns.length === 0) return null;
  return new RowTransformStream(transform, width, highWaterMark);
}
