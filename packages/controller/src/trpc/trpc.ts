// tRPC foundation: the request context (built by a pure function from the app's deps and the
// request), the base procedures (public, authed, admin), and the error mapping: every AppError
// becomes the TRPCError of its HTTP status, with the AppError code in `data.appCode` and its
// details in `data.details`; zod input errors become VALIDATION_ERROR with the field list.
import { TRPCError, initTRPC } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { ZodError } from 'zod';
import { AppError, ErrorCode, fieldErrors, isAppError, validationError } from '@oec/shared';
import type { ErrorCode as ErrorCodeType } from '@oec/shared';
import { authenticate } from '../auth/authenticate.js';
import type { AppDeps } from '../deps.js';
import { retryAfter, takeToken } from '../rate-limit.js';
import { assertStorable } from '../text-safety.js';

export type TrpcContext = {
  deps: AppDeps;
  authorization: string | null;
  /** Response headers (Retry-After on 429). */
  resHeaders: Headers;
};

/**
 * The Authorization header, or (EventSource cannot send headers) the `authorization` or
 * `token` connection parameter of a subscription over SSE.
 */
export function createTrpcContext(
  deps: AppDeps,
  req: Request,
  resHeaders: Headers = new Headers(),
  connectionParams: Partial<Record<string, string>> | null = null,
): TrpcContext {
  const param = connectionParams?.authorization ?? (connectionParams?.token ? `Bearer ${connectionParams.token}` : null);
  return { deps, authorization: req.headers.get('authorization') ?? param, resHeaders };
}

const TRPC_CODE_BY_STATUS: Record<AppError['http'], TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
};

export function toTRPCError(err: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODE_BY_STATUS[err.http], message: err.message, cause: err });
}

interface AppErrorData {
  appCode: ErrorCodeType;
  details: Record<string, unknown> | null;
}

function describe(
  cause: unknown,
  code: TRPC_ERROR_CODE_KEY,
  httpStatus: number,
  message: string,
): AppErrorData & { message: string } {
  if (isAppError(cause)) return { appCode: cause.code, details: cause.details ?? null, message: cause.message };
  if (cause instanceof ZodError && httpStatus < 500) {
    const e = validationError(cause, 'Input');
    return { appCode: ErrorCode.VALIDATION_ERROR, details: { fields: fieldErrors(cause) }, message: e.message };
  }
  if (code === 'NOT_FOUND') return { appCode: ErrorCode.NOT_FOUND, details: null, message };
  if (code === 'UNAUTHORIZED') return { appCode: ErrorCode.UNAUTHENTICATED, details: null, message };
  if (code === 'FORBIDDEN') return { appCode: ErrorCode.PERMISSION_DENIED, details: null, message };
  // tRPC's own refusals of a malformed call (parse error, bad method, wrong content type …).
  if (httpStatus < 500) return { appCode: ErrorCode.VALIDATION_ERROR, details: null, message };
  // Anything else is a bug: never echo its message.
  return { appCode: ErrorCode.INTERNAL, details: null, message: 'Internal server error' };
}

const t = initTRPC.context<TrpcContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const { message, ...data } = describe(error.cause, error.code, shape.data.httpStatus, shape.message);
    return { ...shape, message, data: { ...shape.data, ...data } };
  },
});

/** Turn AppErrors thrown anywhere below into TRPCErrors of the right code (with Retry-After on 429). */
const appErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && isAppError(result.error.cause)) {
    const after = retryAfter(result.error.cause);
    if (after) ctx.resHeaders.set('Retry-After', after);
    throw toTRPCError(result.error.cause);
  }
  return result;
});

/**
 * A subscription's stream with its AppErrors turned into the TRPCErrors of their status: thrown
 * while streaming, they do not pass through the middleware above (and would go out as 500s).
 */
export async function* appErrorStream<T>(stream: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (err) {
    throw isAppError(err) ? toTRPCError(err) : err;
  }
}

export const router = t.router;
export const publicProcedure = t.procedure.use(appErrors);

export const authedProcedure = publicProcedure.use(async ({ ctx, type, next, getRawInput }) => {
  const actor = await authenticate(ctx.deps, ctx.authorization);
  if (type === 'mutation') {
    try {
      takeToken(ctx.deps.mutationLimiter, actor.id);
    } catch (err) {
      const after = err instanceof AppError ? retryAfter(err) : null;
      if (after) ctx.resHeaders.set('Retry-After', after);
      throw err;
    }
  }
  assertStorable(await getRawInput());
  return next({ ctx: { actor } });
});

export const adminProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (!ctx.actor.isPlatformAdmin) throw new AppError(ErrorCode.PERMISSION_DENIED, 'Platform administrators only');
  return next();
});
