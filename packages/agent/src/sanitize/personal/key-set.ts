// The source's captured personal values as a compact set of 64-bit hashes (issue 15, decision
// 0019): the in-stream masking asks, for every token of every text field, whether it is a captured
// value; a Set of the strings themselves costs 100-250 bytes a value (500k values: ~100 MB), this
// costs 16-32 bytes a value (open addressing over a Uint32Array, load factor at most 1/2).
//
// Why a false positive is safe: `has` answers true for every key added (no false negative: a key's
// hash is stored, and the same string hashes the same). It may answer true for a key never added
// (two strings with the same 64-bit hash, about n / 2^64 per lookup): every caller treats "known"
// as "mask it" (a pseudonym written where the value stays) or "a leak" (the proof fails the clone),
// so a collision can only mask more or fail a clone, never let a captured value through. A value
// crafted to collide can at worst make a clone fail its proof; it learns nothing of the values.
//
// The hash is two 32-bit multiplicative hashes of the UTF-16 code units (cyrb53's mixing, kept to
// 64 bits): not cryptographic, not needed to be (above), and no allocation per lookup.

/** Bytes of one slot: two 32-bit halves of the hash. */
const SLOT_BYTES = 8;
const MIN_SLOTS = 16;

/** The 64-bit hash of `s` as [high, low]; never [0, 0] (the empty slot). */
export function hash64(s: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hi = h2 >>> 0;
  const lo = h1 >>> 0;
  return hi === 0 && lo === 0 ? [0, 1] : [hi, lo];
}

/** A set of strings kept as their 64-bit hashes (see above: false positives only, never negatives). */
export class KeySet {
  private slots = new Uint32Array(MIN_SLOTS * 2);
  private count = 0;

  /** Distinct hashes held (the distinct keys added, but for collisions). */
  get size(): number {
    return this.count;
  }

  /** Bytes of the table (what this set costs beyond its object). */
  get byteSize(): number {
    return this.slots.byteLength;
  }

  add(key: string): this {
    const [hi, lo] = hash64(key);
    if ((this.count + 1) * 2 > this.slots.length / 2) this.grow();
    if (this.place(this.slots, hi, lo)) this.count++;
    return this;
  }

  has(key: string): boolean {
    const [hi, lo] = hash64(key);
    const s = this.slots;
    const mask = s.length / 2 - 1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const h = s[2 * i] as number;
      const l = s[2 * i + 1] as number;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
    }
  }

  /** Insert into `s` (linear probing); false when already there. */
  private place(s: Uint32Array, hi: number, lo: number): boolean {
    const mask = s.length / 2 - 1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const h = s[2 * i] as number;
      const l = s[2 * i + 1] as number;
      if (h === 0 && l === 0) {
        s[2 * i] = hi;
        s[2 * i + 1] = lo;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    const next = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i] as number;
      const lo = old[i + 1] as number;
      if (hi !== 0 || lo !== 0) this.place(next, hi, lo);
    }
    this.slots = next;
  }
}

/** Bytes of a KeySet holding `n` keys (the smallest power of two of slots at least 2n). */
export function keySetBytes(n: number): number {
  let slots = MIN_SLOTS;
  while (n * 2 > slots) slots *= 2;
  return slots * SLOT_BYTES;
}
