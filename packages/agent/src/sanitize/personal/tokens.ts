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

import { EMAIL_TOKEN_RE } from '../pseudonyms.js';
import type { Dialect } from './dialect.js';
import { FREE_PHONE_RE, ID_TOKEN_RE, PHONE_TOKEN_RE, type KeyClass } from './engine.js';

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
  /** `hard` of the ASCII code units, looked up (it runs for each character scanned back). */
  private readonly hardAscii: Uint8Array;
  private readonly hardOther: (code: number) => boolean;

  constructor(private readonly s: TokenSyntax) {
    this.holds = new RegExp(s.anchor.source);
    this.hardAscii = Uint8Array.from({ length: 128 }, (_, c) => (s.hard(c) ? 1 : 0));
    this.hardOther = s.hard;
  }

  /**
   * Calls `fn(start, end)` for every match of the expression in `v` that holds an anchor, in
   * order, until it returns true.
   */
  scan(v: string, fn: (start: number, end: number) => boolean | void): void {
    const { re, anchor } = this.s;
    const { hardAscii, hardOther } = this;
    let from = 0; // where the plain scan's state is known: 0, or the end of a match
    anchor.lastIndex = 0;
    for (let a = anchor.exec(v); a !== null; a = anchor.exec(v)) {
      // no anchor lies in [from, at): a match ending by `at` holds none, one spanning it holds it
      const at = a.index;
      let start = at;
      while (start > from) {
        const c = v.charCodeAt(start - 1);
        if (c < 128 ? hardAscii[c] === 1 : hardOther(c)) break;
        start--;
      }
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
        if (passed && (m.index <= at || this.holds.test(m[0])) && fn(m.index, end) === true) return;
        if (passed) break;
      }
      if (!passed) return; // no match past the anchor: none further on either
      anchor.lastIndex = from;
    }
  }

  /** The [start, end) of every match of the expression in `v` that holds an anchor, in order. */
  matches(v: string): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.scan(v, (start, end) => {
      out.push([start, end]);
    });
    return out;
  }

  /** `v` with each anchored token replaced by `fn(token)` (`v` itself when none changed). */
  replace(v: string, fn: (token: string) => string): string {
    let out = '';
    let last = 0;
    let changed = false;
    this.scan(v, (start, end) => {
      const token = v.slice(start, end);
      const next = fn(token);
      if (next === token) return;
      out += v.slice(last, start) + next;
      last = end;
      changed = true;
    });
    return changed ? out + v.slice(last) : v;
  }

  /** Whether some anchored token of `v` satisfies `test`. */
  some(v: string, test: (token: string) => boolean): boolean {
    let found = false;
    this.scan(v, (start, end) => (found = test(v.slice(start, end))));
    return found;
  }
}

/** A `hard` test: the code unit is one of `chars`. */
function oneOf(chars: string): (code: number) => boolean {
  const set = new Set([...chars].map((c) => c.charCodeAt(0)));
  return (code) => set.has(code);
}

/** A `hard` test: the code unit is none of `chars`. */
function noneOf(chars: string): (code: number) => boolean {
  const inside = oneOf(chars);
  return (code) => !inside(code);
}

export type TokenClass = Exclude<KeyClass, 'text'>;

/** PostgreSQL's bracket syntax to JavaScript's: `[:space:]` inside a bracket, a leading `]`. */
function jsPattern(pg: string): string {
  return pg.replace(/\[\^\]\[:space:\]/g, '[^\\]\\t\\n\\v\\f\\r ').replace(/\[\]/g, '\\[]');
}

const TOKEN_RES: Record<TokenClass, string> = {
  email: jsPattern(EMAIL_TOKEN_RE),
  digits: PHONE_TOKEN_RE.replace('/', '\\/'),
  alnum: ID_TOKEN_RE,
};

const DIGIT = /[0-9]/g;
/** A phone number holds only digits, `+` and these separators. */
const PHONE_CHARS = '+0123456789 .()/-';

/**
 * What each class's tokens hold: an e-mail address an `@` and none of its delimiters; a phone
 * number a digit and only digits, `+` and its separators; an identity number that can be known
 * (stream.ts mayBeKnown) a digit, and only letters, digits, `.`, `-` and spaces.
 */
const TOKEN_PARTS: Record<TokenClass, { anchor: RegExp; hard: (code: number) => boolean }> = {
  email: { anchor: /@/g, hard: oneOf(']\t\n\v\f\r <>,;:"\'()[') },
  digits: { anchor: DIGIT, hard: noneOf(PHONE_CHARS) },
  alnum: { anchor: DIGIT, hard: noneOf('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-') },
};

/** A class's token expression, as the plain global scan runs it (the SQL pass's, in JavaScript). */
export function tokenPattern(cls: TokenClass, d: Dialect): RegExp {
  return d.re(TOKEN_RES[cls], 'g');
}

/** A class's tokens that hold its anchor, found without scanning the text between. */
export function tokenScanner(cls: TokenClass, d: Dialect): TokenScanner {
  const { anchor, hard } = TOKEN_PARTS[cls];
  return new TokenScanner({ re: tokenPattern(cls, d), anchor: new RegExp(anchor.source, 'g'), hard });
}

/** Where the capture looks for values only free text holds, and which classes (engine.ts discoveredText). */
export interface FreeTextClasses {
  email: boolean;
  digits: boolean;
}

/**
 * The keys of the values only free text holds, as the SQL capture's `regexp_matches` finds them
 * (engine.ts valueSelects, `discover`): e-mail-shaped tokens, lower-cased, not our pseudonyms; and
 * international or grouped national phone numbers (FREE_PHONE_RE) in text that has a `+` or two
 * digits around a space, as their digits, of a phone number's length. Same expressions, same
 * keys, in this process: PostgreSQL's regular expressions over every mail body were most of the
 * capture's time.
 */
export class FreeTextKeys {
  private readonly email: TokenScanner;
  private readonly phone = new TokenScanner({ re: new RegExp(FREE_PHONE_RE, 'g'), anchor: new RegExp(DIGIT.source, 'g'), hard: noneOf(PHONE_CHARS) });

  constructor(private readonly d: Dialect) {
    this.email = tokenScanner('email', d);
  }

  /** Each key `v` holds of the classes asked for, to `out` (a key may come more than once). */
  each(v: string, classes: FreeTextClasses, out: (cls: 'email' | 'digits', key: string) => void): void {
    if (classes.email && v.includes('@')) {
      this.email.scan(v, (start, end) => {
        const key = this.d.lower(v.slice(start, end));
        if (!key.endsWith('@anon.invalid')) out('email', key);
      });
    }
    if (classes.digits && PHONE_GATE.test(v)) {
      this.phone.scan(v, (start, end) => {
        const token = v.slice(start, end);
        const key = token.replace(/[^0-9]/g, '');
        const n = key.length;
        if (n < 7 || (n === 11 && key.startsWith('155501'))) return;
        if ((n >= 9 && n <= 11) || (token.startsWith('+') && n >= 8 && n <= 15)) out('digits', key);
      });
    }
  }
}

/** Text searched for phone numbers at all (the SQL capture's `~ '[0-9] [0-9]|[+]'`). */
const PHONE_GATE = /[0-9] [0-9]|[+]/;
