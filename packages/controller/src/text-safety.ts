// PostgreSQL text and jsonb cannot hold NUL characters or unpaired UTF-16 surrogates; a
// request carrying one would fail deep in a query (a 500). Every request body and tRPC input is
// checked once at the edge, and refused as VALIDATION_ERROR naming the field. Nesting deeper
// than MAX_DEPTH is refused too (no schema of ours nests beyond a few levels).
import { AppError, ErrorCode } from '@oec/shared';

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const MAX_DEPTH = 32;

interface Problem {
  path: string;
  message: string;
}

interface Frame {
  value: unknown;
  path: readonly string[];
}

/** The first value PostgreSQL could not store (or too deep a nesting), or null. Iterative. */
export function findUnstorable(root: unknown): Problem | null {
  const stack: Frame[] = [{ value: root, path: [] }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value, path } = frame;
    const where = () => path.join('.') || '(body)';
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return { path: where(), message: 'must not contain NUL characters or unpaired surrogates' };
    } else if (typeof value === 'object' && value !== null) {
      if (path.length >= MAX_DEPTH) return { path: where(), message: `nested more than ${MAX_DEPTH} levels deep` };
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as readonly [string, unknown];
        if (UNSTORABLE.test(k)) return { path: [...path, '(key)'].join('.'), message: 'keys must not contain NUL characters or unpaired surrogates' };
        stack.push({ value: v, path: [...path, k] });
      }
    }
  }
  return null;
}

export function assertStorable(value: unknown): void {
  const problem = findUnstorable(value);
  if (problem) {
    throw new AppError(ErrorCode.VALIDATION_ERROR, `Request is invalid: ${problem.path}: ${problem.message}`, {
      fields: [problem],
    });
  }
}
