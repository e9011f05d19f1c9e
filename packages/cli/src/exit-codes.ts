// The CLI's exit codes (a script's contract) and how API statuses map onto them.
export const Exit = {
  OK: 0,
  /** The operation failed or was cancelled (or the controller could not be reached). */
  FAILED: 1,
  /** Usage error, or the API refused the input (400). */
  USAGE: 2,
  /** 401 / 403. */
  AUTH: 3,
  /** 404. */
  NOT_FOUND: 4,
  /** 429 rate limited, 409 busy. */
  BUSY: 5,
} as const;
export type Exit = (typeof Exit)[keyof typeof Exit];

export function exitForStatus(status: number): Exit {
  if (status === 400) return Exit.USAGE;
  if (status === 401 || status === 403) return Exit.AUTH;
  if (status === 404) return Exit.NOT_FOUND;
  if (status === 409 || status === 429 || status === 503) return Exit.BUSY;
  return Exit.FAILED;
}

/** An error that ends the command with a code and a one-line message on stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: Exit,
    readonly code: string,
    message: string,
    /** The API error's details, when the error came from the API. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
