// Reconnect delays: exponential from `minMs`, capped at `maxMs`, with jitter so that a fleet of
// agents does not reconnect in lockstep after a controller restart.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

/** Delay before reconnect attempt `attempt` (0-based): uniform in [d/2, d], d = min·2^attempt ≤ max. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
