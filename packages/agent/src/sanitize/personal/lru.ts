// A bounded memo: at most `limit` entries, the least recently used going first — approximately:
// two generations of half the limit each. Entries go into the young one; when it is full it
// becomes the old one and the previous old one is dropped whole; a hit in the old one moves the
// entry to the young one. A hit in the young one is one Map lookup (a strict LRU's move to the
// end, delete and set again, took 9 % of the stream's CPU on `large`). The in-stream masking
// memoizes pseudonyms with it (a value repeated across rows costs one HMAC) within the agent's
// memory budget (decision 0019): past the bound a value's pseudonym is computed again, the same one.

export class Lru<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  /** Entries per generation; with a limit of one there is no old generation. */
  private readonly half: number;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`an LRU holds at least one entry, not ${limit}`);
    this.half = Math.max(1, Math.floor(limit / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: string): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged === undefined) return undefined;
    this.old.delete(key);
    this.add(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.has(key)) {
      this.young.set(key, value);
      return;
    }
    this.old.delete(key);
    this.add(key, value);
  }

  private add(key: string, value: V): void {
    if (this.young.size >= this.half) {
      this.old = this.limit >= 2 ? this.young : new Map<string, V>();
      this.young = new Map<string, V>();
    }
    this.young.set(key, value);
  }
}
