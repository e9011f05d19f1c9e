// REST middleware: bearer authentication of every /api/v1 request, and the per-user token
// bucket for mutating methods (the same limiter tRPC mutations use).
import type { MiddlewareHandler } from 'hono';
import { authenticate } from '../auth/authenticate.js';
import type { AppDeps } from '../deps.js';
import { takeToken } from '../rate-limit.js';
import type { AppEnv } from './env.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function authMiddleware(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('actor', await authenticate(deps, c.req.header('authorization')));
    await next();
  };
}

export function rateLimitMiddleware(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (MUTATING.has(c.req.method)) takeToken(deps.mutationLimiter, c.var.actor.id);
    await next();
  };
}
