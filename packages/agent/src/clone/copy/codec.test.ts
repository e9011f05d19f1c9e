import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { composeTransforms, decodeField, decodeRow, encodeField, encodeRow, RowSplitter, RowTransformStream, rowTransformStream, type RowTransform } from './codec.js';

/** A small deterministic PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'Z', '0', ' ', '\\', '\t', '\n', '\r', '\b', '\f', '\v', 'N', '.', 'x', '7', 'é', 'ß', '€', '日本', '😀', '\u0001', '\u007f', '"', "'", ',', '\\N', '\\.'];

function randomString(r: () => number): string {
  const len = Math.floor(r() * 12);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

function randomValue(r: () => number): string | null {
  return r() < 0.15 ? null : randomString(r);
}

function chunked(buf: Buffer, r: () => number): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const n = 1 + Math.floor(r() * 9);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('COPY text fields', () => {
  it('decodes every escape PostgreSQL writes or accepts', () => {
    const f = (s: string) => decodeField(Buffer.from(s, 'utf8'));
    expect(f('\\N')).toBeNull();
    expect(f('')).toBe('');
    expect(f('\\\\N')).toBe('\\N');
    expect(f('a\\tb\\nc\\rd\\be\\ff\\vg\\\\h')).toBe('a\tb\nc\rd\be\ff\vg\\h');
    expect(f('\\101\\1\\12\\0')).toBe('A\u0001\n\u0000');
    expect(f('\\1018')).toBe('A8'); // at most three octal digits
    expect(f('\\x41\\x4a\\x4Ag\\xz')).toBe('AJJgxz'); // one or two hex digits; none = plain x
    expect(f('\\x7\\x')).toBe('\u0007x');
    expect(f('\\q\\.\\"')).toBe('q."'); // any other character stands for itself
    expect(f('\\303\\251')).toBe('é'); // escaped bytes form UTF-8 together
    expect(f('\\xc3\\xa9t\\xc3\\xa9')).toBe('été');
    expect(f('trailing\\')).toBe('trailing\\');
    expect(f('日本😀')).toBe('日本😀');
  });

  it('encodes as COPY TO does', () => {
    expect(encodeField(null)).toBe('\\N');
    expect(encodeField('\\N')).toBe('\\\\N');
    expect(encodeField('a\tb\nc\rd\be\ff\vg\\h')).toBe('a\\tb\\nc\\rd\\be\\ff\\vg\\\\h');
    expect(encodeField('plain é 😀')).toBe('plain é 😀');
  });

  it('round-trips random strings and NULLs (property)', () => {
    const r = rng(1);
    for (let n = 0; n < 20_000; n++) {
      const v = randomValue(r);
      expect(decodeField(Buffer.from(encodeField(v), 'utf8'))).toBe(v);
    }
  });

  it('round-trips random rows', () => {
    const r = rng(2);
    for (let n = 0; n < 2000; n++) {
      const row = Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomValue(r));
      const line = Buffer.from(encodeRow(row), 'utf8');
      expect(line[line.length - 1]).toBe(0x0a);
      expect(decodeRow(line.subarray(0, line.length - 1))).toEqual(row);
    }
  });
});

describe('RowSplitter', () => {
  it('gives whole rows whatever the chunking, multi-byte characters split too', () => {
    const r = rng(3);
    for (let n = 0; n < 300; n++) {
      const rows = Array.from({ length: Math.floor(r() * 8) }, () => Array.from({ length: 3 }, () => randomValue(r)));
      const data = Buffer.from(rows.map(encodeRow).join(''), 'utf8');
      const splitter = new RowSplitter();
      const got: (string | null)[][] = [];
      for (const c of chunked(data, r)) splitter.push(c, (row) => got.push(decodeRow(row)));
      expect(splitter.end()).toBeNull();
      expect(got).toEqual(rows);
    }
  });

  it('keeps a last row without newline for end()', () => {
    const s = new RowSplitter();
    const rows: string[] = [];
    s.push(Buffer.from('a\tb\nc'), (row) => rows.push(row.toString()));
    s.push(Buffer.from('d'), (row) => rows.push(row.toString()));
    expect(rows).toEqual(['a\tb']);
    expect(s.end()?.toString()).toBe('cd');
  });
});

async function run(stream: RowTransformStream, chunks: Buffer[]): Promise<Buffer> {
  return buffer(Readable.from(chunks).pipe(stream));
}

describe('RowTransformStream', () => {
  it('rewrites only the fields it reads and passes the others byte for byte (property)', async () => {
    const r = rng(4);
    for (let n = 0; n < 200; n++) {
      const width = 1 + Math.floor(r() * 5);
      const cols = [...new Set(Array.from({ length: 1 + Math.floor(r() * width) }, () => Math.floor(r() * width)))];
      const rows = Array.from({ length: Math.floor(r() * 20) }, () => Array.from({ length: width }, () => randomValue(r)));
      const seen: (string | null)[][] = [];
      const t: RowTransform = {
        columns: cols,
        map: (values) => {
          seen.push([...values]);
          return values.map((v) => (v === null ? 'was null' : v.toUpperCase() + '\t\\\n'));
        },
      };
      const data = Buffer.from(rows.map(encodeRow).join(''), 'utf8');
      const stream = new RowTransformStream(t, width);
      const out = await run(stream, chunked(data, r));
      expect(stream.rows).toBe(rows.length);
      expect(seen).toEqual(rows.map((row) => cols.map((c) => row[c])));
      const expected = rows.map((row) => row.map((v, i) => (cols.includes(i) ? (v === null ? 'was null' : v.toUpperCase() + '\t\\\n') : v)));
      expect(out.toString('utf8')).toBe(expected.map(encodeRow).join(''));
    }
  });

  it('keeps the raw bytes of untouched fields (escapes not normalised)', async () => {
    const stream = new RowTransformStream({ columns: [1], map: () => ['x'] }, 3);
    const out = await run(stream, [Buffer.from('\\101\\x41\tb\t\\q\n')]);
    expect(out.toString()).toBe('\\101\\x41\tx\t\\q\n');
  });

  it('can set NULL and refuses short rows and bad column indexes', async () => {
    const stream = new RowTransformStream({ columns: [0], map: () => [null] }, 2);
    expect((await run(stream, [Buffer.from('a\tb\n')])).toString()).toBe('\\N\tb\n');
    await expect(run(new RowTransformStream({ columns: [2], map: (v) => v }, 3), [Buffer.from('a\tb\n')])).rejects.toThrow(/fields/);
    expect(() => new RowTransformStream({ columns: [3], map: (v) => v }, 3)).toThrow(RangeError);
  });

  it('leaves out the rows its map returns null for, split across chunks too', async () => {
    const stream = new RowTransformStream({ columns: [0], map: ([k]) => (k === 'secret' ? null : [k!]) }, 2);
    const out = await run(stream, [Buffer.from('keep\t1\nsec'), Buffer.from('ret\t2\nkeep\t3\n')]);
    expect(out.toString()).toBe('keep\t1\nkeep\t3\n');
    expect(stream.rows).toBe(3);
    expect(stream.dropped).toBe(1);
  });

  it('composes transforms in order over the union of their columns', () => {
    const upper: RowTransform = { columns: [2, 0], map: ([c, a]) => [c!.toUpperCase(), a!.toUpperCase()] };
    const suffix: RowTransform = { columns: [0], map: ([a]) => [`${a!}!`] };
    const drop: RowTransform = { columns: [1], map: ([b]) => (b === 'x' ? null : [b!]) };
    const all = composeTransforms([upper, null, suffix, drop])!;
    expect(all.columns).toEqual([0, 1, 2]);
    expect(all.map(['a', 'b', 'c'])).toEqual(['A!', 'b', 'C']);
    expect(all.map(['a', 'x', 'c'])).toBeNull();
    expect(composeTransforms([null, suffix])).toBe(suffix);
    expect(composeTransforms([])).toBeNull();
  });

  it('is skipped when there is nothing to transform', () => {
    expect(rowTransformStream(null, 3)).toBeNull();
    expect(rowTransformStream({ columns: [], map: (v) => v }, 3)).toBeNull();
  });

  it('carries a large table in big chunks', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => [String(i), `user${i}@example.com`, i % 7 === 0 ? null : `Ñame ${i}\n2nd line`]);
    const data = Buffer.from(rows.map(encodeRow).join(''), 'utf8');
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 65_536) chunks.push(data.subarray(i, i + 65_536));
    const stream = new RowTransformStream({ columns: [1], map: ([e]) => [e ? e.replace(/@.*/, '@masked.invalid') : e!] }, 3);
    const out = (await run(stream, chunks)).toString('utf8');
    expect(stream.rows).toBe(rows.length);
    expect(out).toBe(rows.map((r) => encodeRow([r[0]!, r[1]!.replace(/@.*/, '@masked.invalid'), r[2]!])).join(''));
  });
});
