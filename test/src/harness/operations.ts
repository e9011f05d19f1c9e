// Following clone operations through the REST API, as a client (or the demo) would.
import type { CloneOperation } from '@oec/shared';
import type { Api } from './api.js';
import { waitFor } from './wait.js';

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export async function getOperation(api: Api, id: string): Promise<CloneOperation> {
  return api.ok<CloneOperation>('GET', `/clone-operations/${id}`);
}

/** Poll until the operation satisfies `until` (default: terminal with cleanup finished). */
export async function waitOperation(
  api: Api,
  id: string,
  until: (op: CloneOperation) => boolean = (op) => TERMINAL.has(op.status) && op.cleanup !== 'pending',
  timeoutMs = 180_000,
): Promise<CloneOperation> {
  return waitFor(
    async () => {
      const op = await getOperation(api, id);
      return until(op) ? op : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `clone operation ${id}` },
  );
}

/** The step that is in progress (the first one, when steps overlap). */
export function currentStep(op: CloneOperation): string | null {
  return op.progress.steps.find((s) => s.status === 'in_progress')?.key ?? null;
}
