// PostgreSQL's LIKE patterns in JavaScript, for the in-stream sanitizers that must select the same
// rows as the SQL path's `LIKE` / `ILIKE`: `%` is any run of characters, `_` any one character,
// and a backslash makes the next character literal (LIKE's default escape).

/** The RegExp matching what `value LIKE pattern` (or ILIKE, `insensitive`) matches. */
export function likeToRegExp(pattern: string, insensitive = false): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, insensitive ? 'iu' : 'u');
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}
