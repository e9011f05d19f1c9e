// PostgreSQL's character classes and case folding in JavaScript, for the in-stream masking
// (stream.ts, names.ts): with a C/POSIX ctype only ASCII letters are letters and lower() folds
// ASCII only, as there; otherwise Unicode letters.

/** PostgreSQL's character classes and case folding, for the source's ctype. */
export class Dialect {
  readonly alpha: string;
  readonly word: string;
  readonly flags: string;
  constructor(readonly ascii: boolean) {
    this.alpha = ascii ? 'A-Za-z' : '\\p{L}';
    this.word = ascii ? 'A-Za-z0-9_' : '\\p{L}\\p{N}_';
    this.flags = ascii ? '' : 'u';
  }

  lower(s: string): string {
    return this.ascii ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase();
  }

  re(source: string, flags: string): RegExp {
    return new RegExp(source, flags + this.flags);
  }
}

/** A name's pattern as PostgreSQL's `\m…\M` with `gi`: whole words, any case. */
export function namePattern(d: Dialect, v: string): RegExp {
  const body = v
    .split(/[\t\n\v\f\r ]+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\t\\n\\v\\f\\r ]+');
  return d.re(`(?<![${d.word}])${body}(?![${d.word}])`, 'gi');
}
