// Reading requests with the shared schemas: JSON bodies (not JSON → 400 VALIDATION_ERROR),
// path ids (not a UUID → 404 of the resource, as an unknown id would) and query strings;
// and answering with a response validated against its schema.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { AppError, ErrorCode, uuidSchema, validationError } from '@oec/shared';
import { notFound } from '../auth/permissions.js';
import type { NotFoundCode } from '../auth/permissions.js';
import { assertStorable } from '../text-safety.js';

export async function readBody<S extends z.ZodTypeAny>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError(ErrorCode.VALIDATION_ERROR, 'Request body is not valid JSON', {
      fields: [{ path: '(body)', message: text.trim() === '' ? 'a JSON body is required' : 'body is not valid JSON' }],
    });
  }
  assertStorable(json);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error, 'Request body');
  return parsed.data as z.output<S>;
}

export function readQuery<S extends z.ZodTypeAny>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error, 'Query string');
  return parsed.data as z.output<S>;
}

export function pathId(c: Context, code: NotFoundCode, name = 'id'): string {
  const raw = c.req.param(name) ?? '';
  const parsed = uuidSchema.safeParse(raw);
  if (!parsed.success) throw notFound(code, raw.slice(0, 100));
  return parsed.data;
}

export function reply<S extends z.ZodTypeAny>(c: Context, schema: S, value: z.input<S>, status: ContentfulStatusCode = 200): Response {
  return c.json(schema.parse(value) as object, status);
}
