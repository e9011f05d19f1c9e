// The controller's progress latency under load, measured by progress-load.ts (written apart:
// `measureProgressLoad`, 200 REST pollers and 50 tRPC subscribers on one running clone) and
// loaded here dynamically, so that all.js still runs, reporting "not measured", without it.
export interface ProgressLoadResult {
  rest_requests: number;
  rest_p50_ms: number;
  rest_p99_ms: number;
  trpc_subscribers: number;
  trpc_events: number;
  trpc_p50_ms: number;
  trpc_p99_ms: number;
}

export interface ProgressLoadOptions {
  baseUrl: string;
  token: string;
  operationId: string;
  pollers: number;
  subscribers: number;
  signal: AbortSignal;
}

type Measure = (opts: ProgressLoadOptions) => Promise<ProgressLoadResult>;

/** The module's path, in a variable: the build does not require it to exist. */
const MODULE = './progress-load.js';

/** measureProgressLoad, or why it is not there. */
export async function loadProgressLoad(): Promise<{ measure: Measure } | { missing: string }> {
  try {
    const mod: unknown = await import(MODULE);
    const fn = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>).measureProgressLoad : undefined;
    if (typeof fn !== 'function') return { missing: `${MODULE} exports no measureProgressLoad` };
    return { measure: fn as Measure };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && e instanceof Error && e.message.includes('progress-load')) return { missing: `${MODULE} is not built (bench/src/progress-load.ts absent)` };
    return { missing: `${MODULE} failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
}
