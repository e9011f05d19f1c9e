// The free-text tokens of a class (stream.ts: e-mail addresses, phone-like digit runs, identity
// numbers), found without running the class's regular expression over the whole text. Every token
// that can matter holds an anchor character (an e-mail address an `@`; a phone number or an
// identity number a digit), and no token holds a "hard" character (a delimiter of the class): a
// global scan of the expression is therefore in the same state right after a hard character as
// the scan from the text's start (no match spans it, none starts on it). So for each anchor the
// scan restarts after the nearest hard character before it (or where the previous match ended)
// and runs until it passes the anchor. A mail body of prose with one address at its end costs a
// search for `@` and one short scan, where the plain scan matched (and called back for) every word.
// The matches are exactly the plain scan's that hold an anchor (tokens.test.ts).

/** How one class's tokens are scanned. */
export interface TokenSyntax {
  /** The class's expression (global). */
  re: RegExp;
  /** One anchor character (global; ASCII). */
  anchor: RegExp;
  /** Whether a UTF-16 code unit is one no match holds. */
  hard: (code: number) => boolean;
}

export class TokenScanner {
  private readonly holds: RegExp;

  constructor(private readonly s: TokenSyntax) {
    this.holds = new RegExp(s.anchor.source);
  }

  /** The [start, end) of every match of the expression in `v` that holds an anchor, in order. */
  *matches(v: string): Generator<[number, number]> {
    const { re, anchor, hard } = this.s;
    let from = 0; // where the plain scan's state is known: 0, or the end of a match
    anchor.lastIndex = 0;
    for (let a = anchor.exec(v); a !== null; a = anchor.exec(v)) {
      const at = a.index;
      let start = at;
      while (start > from && !hard(v.charCodeAt(start - 1))) start--;
      re.lastIndex = start;
      let passed = false;
      for (let m = re.exec(v); m !== null; m = re.exec(v)) {
        const end = m.index + m[0].length;
        if (end === m.index) {
          re.lastIndex++;
          continue;
        }
        from = end;
        passed = end > at;
        if (this.holds.test(m[0])) yield [m.index, end];
        if (passed) break;
      }
      if (!passed) return; // no match past the anchor: none further on either
      anchor.lastIndex = from;
    }
  }

  /** `v` with each anchored token replaced by `fn(token)` (`v` itself when none changed). */
  replace(v: string, fn: (token: string) => string): string {
    let out = '';
    let last = 0;
    let changed = false;
    for (const [start, end] of this.matches(v)) {
      const token = v.slice(start, end);
      const next = fn(token);
      if (next === token) continue;
      out += v.slice(last, start) + next;
      last = end;
      changed = true;
    }
    return changed ? out + v.slice(last) : v;
  }

  /** Whether some anchored token of `v` satisfies `test`. */
  some(v: string, test: (token: string) => boolean): boolean {
    for (const [start, end] of this.matches(v)) if (test(v.slice(start, end))) return true;
    return false;
  }
}

/** A `hard` test: the code unit is one of `chars`. */
export function oneOf(chars: string): (code: number) => boolean {
  const set = new Set([...chars].map((c) => c.charCodeAt(0)));
  return (code) => set.has(code);
}

/** A `hard` test: the code unit is none of `chars` (ASCII ranges spelled out). */
export function noneOf(chars: string): (code: number) => boolean {
  const inside = oneOf(chars);
  return (code) => !inside(code);
}
