// Following clone operations through the REST API, as a client (or the demo) would.
import type { CloneOperation, Environment } from '@oec/shared';
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

/** Poll an environment until it has `status` (FAILED, unless awaited, ends the wait at once). */
export function waitEnvironmentStatus(api: Api, envId: string, status: Environment['status'], timeoutMs: number): Promise<Environment> {
  return waitFor(
    async () => {
      const e = await api.ok<Environment>('GET', `/environments/${envId}`);
      if (e.status === 'FAILED' && status !== 'FAILED') throw new Error(`environment ${envId} FAILED`);
      return e.status === status ? e : undefined;
    },
    { timeoutMs, what: `environment ${envId} ${status}` },
  );
}

/** Cancel an operation (the API must accept: 200), then wait until it has ended and cleaned up. */
export async function cancelOperation(api: Api, id: string): Promise<CloneOperation> {
  const res = await api.post<{ status: string; clone_operation_id: string }>(`/clone-operations/${id}/cancel`);
  if (res.status !== 200 || res.body.status !== 'cancelled' || res.body.clone_operation_id !== id) {
    throw new Error(`cancel of ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return waitOperation(api, id);
}
