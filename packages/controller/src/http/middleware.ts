// REST middleware: bearer authentication of every /api/v1 request, and the per-user token
// bucket for mutating methods (the same limiter tRPC mutations use).
import type { MiddlewareHandler } from 'hono';
import { AppError, ErrorCode } from '@oec/shared';
import { authenticate } from '../auth/authenticate.js';
import type { AppDeps } from '../deps.js';
import type { RateLimiter } from '../rate-limit.js';
import type { AppEnv } from './env.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function authMiddleware(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('actor', await authenticate(deps, c.req.header('authorization')));
    await next();
  };
}

/** Throws RATE_LIMIT_EXCEEDED (with `retry_after_seconds` in details) when the bucket is empty. */
export function takeToken(limiter: RateLimiter, userId: string): void {
  const decision = limiter.take(userId);
  if (!decision.allowed) {
    throw new AppError(
      ErrorCode.RATE_LIMIT_EXCEEDED,
      `Too many requests: retry in ${decision.retryAfterSeconds} s`,
      { retry_after_seconds: decision.retryAfterSeconds },
    );
  }
}

export function retryAfter(err: AppError): string | null {
  const s = err.details?.retry_after_seconds;
  return err.code === ErrorCode.RATE_LIMIT_EXCEEDED && typeof s === 'number' ? String(s) : null;
}

export function rateLimitMiddleware(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (MUTATING.has(c.req.method)) takeToken(deps.mutationLimiter, c.var.actor.id);
    await next();
  };
}
