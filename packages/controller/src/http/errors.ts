// The one error mapping of the REST API: AppError → its HTTP status and `{error:{code,message,
// details}}`; anything else is a bug and answers a bare 500 (logged, never echoed).
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isAppError } from '@oec/shared';
import type { Logger } from '../logger.js';
import { retryAfter } from '../rate-limit.js';

export function errorHandler(logger: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (isAppError(err)) {
      if (err.http >= 500) logger.warn({ code: err.code, path: c.req.path }, err.message);
      const after = retryAfter(err);
      return c.json(err.toBody(), err.http, after ? { 'Retry-After': after } : {});
    }
    if (err instanceof HTTPException && err.status < 500) return err.getResponse();
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.text('Internal Server Error', 500);
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } }, 404);
