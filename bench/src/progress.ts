// The controller's progress latency under load, measured by progress-load.ts
// (`measureProgressLoad`: 200 REST pollers and 50 tRPC subscribers on one running clone).
import { measureProgressLoad, type ProgressLoadResult } from './progress-load.js';

export type { ProgressLoadResult };
export type ProgressLoadOptions = Parameters<typeof measureProgressLoad>[0];

type Measure = (opts: ProgressLoadOptions) => Promise<ProgressLoadResult>;

/** measureProgressLoad (the all.js part that applies it reports "not measured" when it fails). */
export async function loadProgressLoad(): Promise<{ measure: Measure } | { missing: string }> {
  return Promise.resolve({ measure: measureProgressLoad });
}
