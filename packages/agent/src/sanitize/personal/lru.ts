// A bounded memo: at most `limit` entries, the least recently used goes first (a Map keeps
// insertion order; a hit moves its entry to the end). The in-stream masking memoizes pseudonyms
// with it (a value repeated across rows costs one HMAC) within the agent's memory budget
// (decision 0019): past the bound a value's pseudonym is computed again, the same one.

export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`an LRU holds at least one entry, not ${limit}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit;
  }

  set(key: string, value: V): void {
    if (this.map.delete(key)) {
      this.map.set(key, value);
      return;
    }
    if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }
}
