// The typed tRPC client: queries and mutations over HTTP with the session's bearer token, the
// clone progress subscription over SSE (token in a header, FetchEventSource from @oec/shared). Any 401 ends the session
// and sends the user back to sign-in with the reason. Only the router's TYPE comes from the
// controller: no controller code reaches the browser.
import { TRPCClientError, createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@oec/controller';
import { authHeader, signOut } from './session.js';
import { FetchEventSource } from '@oec/shared';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

const fetchWithSession: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401) signOut('Your session has ended: sign in again.');
  return res;
};

export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url: '/trpc',
        EventSource: FetchEventSource as unknown as typeof EventSource,
        eventSourceOptions: () => ({ headers: authHeader() }) as EventSourceInit,
      }),
      false: httpLink({ url: '/trpc', headers: authHeader, fetch: fetchWithSession }),
    }),
  ],
});

export interface ApiErrorInfo {
  code: string;
  message: string;
  status: number | null;
  details: Record<string, unknown> | null;
}

/** The AppError code, message and details of a failed call (any error, any shape). */
export function errorInfo(err: unknown): ApiErrorInfo {
  if (err instanceof TRPCClientError) {
    const data: unknown = err.data;
    const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
    return {
      code: typeof d.appCode === 'string' ? d.appCode : 'ERROR',
      message: err.message,
      status: typeof d.httpStatus === 'number' ? d.httpStatus : null,
      details: typeof d.details === 'object' && d.details !== null ? (d.details as Record<string, unknown>) : null,
    };
  }
  return { code: 'ERROR', message: err instanceof Error ? err.message : String(err), status: null, details: null };
}
