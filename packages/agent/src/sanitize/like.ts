// PostgreSQL's LIKE patterns in JavaScript, for the in-stream sanitizers that must select the same
// rows as SQL's `LIKE` / `ILIKE` (custom rules' filters, clear_api_keys' secret parameters): `%`
// is any run of characters, `_` any one character, a backslash makes the next one literal (LIKE's
// default escape). Matched over code points, anchored at both ends.

/**
 * The RegExp matching what `value LIKE pattern` (ILIKE with `insensitive`) matches. A pattern
 * ending in a lone backslash is refused, as PostgreSQL refuses it.
 */
export function likeRegExp(pattern: string, insensitive = false): RegExp {
  let re = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\') {
      const next = chars[++i];
      if (next === undefined) throw new Error('LIKE pattern must not end with escape character');
      re += escapeRe(next);
    } else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, insensitive ? 'iu' : 'u');
}

/** One character as a literal of a `u` regular expression (which refuses escapes like `\-`). */
function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
