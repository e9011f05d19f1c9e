// Deterministic randomness for the Odoo test data generator: a seeded sfc32 PRNG with named
// sub-streams (so each table's data depends only on the seed and its own label) and a fast
// pseudo-random byte stream (AES-128-CTR keystream) for binary file contents.
import { createCipheriv, createHash } from 'node:crypto';

/** 32 bytes derived from the seed and a label; the root of every stream. */
export function seedBytes(seed: number | string, label: string): Buffer {
  return createHash('sha256').update(`oec-odoo-seed:${String(seed)}:${label}`).digest();
}

/** sfc32 (Small Fast Counting, 32-bit state words) with helpers for picking test values. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(
    readonly seed: number | string,
    readonly label = 'root',
  ) {
    const k = seedBytes(seed, label);
    this.a = k.readUInt32LE(0);
    this.b = k.readUInt32LE(4);
    this.c = k.readUInt32LE(8);
    this.d = k.readUInt32LE(12) | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** An independent stream for a sub-task, stable whatever the parent has drawn. */
  fork(label: string): Rng {
    return new Rng(this.seed, `${this.label}/${label}`);
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('Rng.pick on an empty array');
    return item;
  }

  /** Integer whose logarithm is uniform in [log min, log max]: many small values, a few large. */
  logUniform(min: number, max: number): number {
    return Math.round(Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min))));
  }

  /** n random bytes (small amounts; use keystream() for file contents). */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** n lowercase hex characters. */
  hex(n: number): string {
    return this.bytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n);
  }

  /** A version-4-shaped UUID string. */
  uuid(): string {
    const h = this.bytes(16);
    h[6] = ((h[6] ?? 0) & 0x0f) | 0x40;
    h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
    const s = h.toString('hex');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** n characters of [A-Za-z0-9]. */
  token(n: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.u32() % alphabet.length] ?? 'x';
    return s;
  }
}

/** n pseudo-random bytes, identical for the same (seed, label): AES-128-CTR over zeros. */
export function keystream(seed: number | string, label: string, n: number): Buffer {
  const k = seedBytes(seed, `bytes:${label}`);
  const cipher = createCipheriv('aes-128-ctr', k.subarray(0, 16), k.subarray(16, 32));
  return Buffer.concat([cipher.update(Buffer.alloc(n)), cipher.final()]);
}
