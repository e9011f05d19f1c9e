// Checks shared by the argv builders: every value that becomes an argv element is either
// validated against a strict shape here or passed after `--`, so nothing a caller supplies can
// turn into an option of the program or a libpq connection string.

/** A PostgreSQL database or role name as we derive them (lowercase, digits, underscore). */
const PG_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export class CommandArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandArgumentError';
  }
}

export function pgName(what: string, value: string): string {
  if (!PG_NAME_RE.test(value)) throw new CommandArgumentError(`${what} ${JSON.stringify(value)} is not a valid name`);
  return value;
}

export function positiveInt(what: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CommandArgumentError(`${what} must be an integer between 1 and ${max}, got ${value}`);
  }
  return value;
}

/** An absolute path without NUL or newline; starting with `/` it can never read as an option. */
export function absolutePath(what: string, value: string): string {
  if (!value.startsWith('/') || /[\0\n\r]/.test(value)) {
    throw new CommandArgumentError(`${what} must be an absolute path, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A relative path that stays inside its base directory (no `..` segment, not absolute). */
export function relativePath(what: string, value: string): string {
  const segments = value.split('/');
  if (value === '' || value.startsWith('/') || /[\0\n\r]/.test(value) || segments.includes('..')) {
    throw new CommandArgumentError(`${what} must be a relative path inside its directory, got ${JSON.stringify(value)}`);
  }
  return value;
}
