// Load on the controller's progress reads of one operation, as its users apply it: `pollers` REST
// clients each GET /clone-operations/{id} in a loop the way `oec clone` follows an operation
// (fetch with a bearer token, the answer parsed with the shared schema, then the CLI's default
// 1 s pause), and `subscribers` dashboard clients on the tRPC progress subscription (the web's
// httpSubscriptionLink over @oec/shared's FetchEventSource), until `signal` aborts.
//
// REST latency: from sending a GET to its parsed answer, every request.
// tRPC latency: for each event that shows a step started later than any step seen before, the
// receipt time minus that step's `started_at` — the controller stamps it (its clock, this
// machine) when it processes the agent's report or starts the step, so the sample covers the
// controller's handling, its writes and reads, and the fan-out to the subscriber. Events that
// carry no new step start (percent, details) have no controller stamp and give no sample.
import { setMaxListeners } from 'node:events';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { AppRouter } from '@oec/controller';
import { cloneOperationSchema, FetchEventSource } from '@oec/shared';
import type { CloneOperation } from '@oec/shared';

export interface ProgressLoadResult {
  rest_requests: number;
  rest_p50_ms: number;
  rest_p99_ms: number;
  trpc_subscribers: number;
  trpc_events: number;
  trpc_p50_ms: number;
  trpc_p99_ms: number;
}

/** `oec`'s default pause between two reads of an operation (OEC_POLL_MS). */
const POLL_MS = 1000;

/** The p-th percentile (0–100) of the samples, NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

async function poller(baseUrl: string, token: string, id: string, signal: AbortSignal, samples: number[]): Promise<void> {
  // Spread the pollers over one interval, as independent users would be.
  await pause(Math.random() * POLL_MS, signal);
  while (!signal.aborted) {
    const start = performance.now();
    try {
      const res = await fetch(`${baseUrl}/api/v1/clone-operations/${id}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal,
      });
      const body: unknown = await res.json();
      if (!res.ok) throw new Error(`GET /clone-operations/${id}: HTTP ${res.status}`);
      cloneOperationSchema.parse(body);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    samples.push(performance.now() - start);
    await pause(POLL_MS, signal);
  }
}

/** The latest step start an operation shows (ms since the epoch), or -Infinity. */
function latestStart(op: CloneOperation): number {
  let latest = -Infinity;
  for (const s of op.progress.steps) if (s.started_at) latest = Math.max(latest, Date.parse(s.started_at));
  return latest;
}

function subscriber(baseUrl: string, token: string, id: string, signal: AbortSignal, samples: number[]): Promise<number> {
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          EventSource: FetchEventSource as unknown as typeof EventSource,
          eventSourceOptions: () => ({ headers: { authorization: `Bearer ${token}` } }) as EventSourceInit,
        }),
        false: httpLink({ url: `${baseUrl}/trpc`, headers: { authorization: `Bearer ${token}` } }),
      }),
    ],
  });
  return new Promise((resolve, reject) => {
    let events = 0;
    let seen = -Infinity;
    const sub = client.clones.progress.subscribe(
      { id },
      {
        onData(op) {
          const now = Date.now();
          events++;
          const started = latestStart(op);
          // The first event is the state at subscription time, not a change.
          if (events > 1 && started > seen) samples.push(now - started);
          seen = Math.max(seen, started);
        },
        onError(err) {
          signal.removeEventListener('abort', stop);
          if (signal.aborted) resolve(events);
          else reject(err);
        },
        onComplete: () => stop(),
      },
    );
    function stop() {
      signal.removeEventListener('abort', stop);
      sub.unsubscribe();
      resolve(events);
    }
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop);
  });
}

export async function measureProgressLoad(opts: {
  baseUrl: string;
  token: string;
  operationId: string;
  pollers: number;
  subscribers: number;
  signal: AbortSignal;
}): Promise<ProgressLoadResult> {
  const rest: number[] = [];
  const trpc: number[] = [];
  const { baseUrl, token, operationId: id, signal } = opts;
  // Every client listens for the one abort.
  setMaxListeners(0, signal);
  const polling = Array.from({ length: opts.pollers }, () => poller(baseUrl, token, id, signal, rest));
  const subscribed = Array.from({ length: opts.subscribers }, () => subscriber(baseUrl, token, id, signal, trpc));
  const [events] = await Promise.all([Promise.all(subscribed), Promise.all(polling)]);
  return {
    rest_requests: rest.length,
    rest_p50_ms: round(percentile(rest, 50)),
    rest_p99_ms: round(percentile(rest, 99)),
    trpc_subscribers: opts.subscribers,
    trpc_events: events.reduce((n, e) => n + e, 0),
    trpc_p50_ms: round(percentile(trpc, 50)),
    trpc_p99_ms: round(percentile(trpc, 99)),
  };
}
