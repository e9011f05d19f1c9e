// The OpenAPI 3.1 document of the REST API, generated from the shared zod schemas by
// @asteasolutions/zod-to-openapi (no hand-written copy): every route of ROUTES with its path
// parameters, query, body, success answer, error answers ({error:{code,message,details}} under
// each status, codes listed) and the bearer scheme.
import { extendZodWithOpenApi, OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_META, ErrorCode, errorBodySchema } from '@oec/shared';
import { ROUTES } from './routes.js';
import type { RouteDoc } from './routes.js';

extendZodWithOpenApi(z);

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

function errorCodes(r: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>(r.errors ?? []);
  if (r.auth !== false) codes.add(ErrorCode.UNAUTHENTICATED);
  if (r.body || r.query) codes.add(ErrorCode.VALIDATION_ERROR);
  if (r.auth !== false && MUTATING.has(r.method)) codes.add(ErrorCode.RATE_LIMIT_EXCEEDED);
  return [...codes];
}

function errorResponses(r: RouteDoc, errorRef: z.ZodTypeAny): Record<string, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(r)) {
    const status = ERROR_META[code].http;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, ResponseConfig> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `Error: ${codes.join(', ')}`,
      content: { 'application/json': { schema: errorRef } },
      ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } } : {}),
    };
  }
  return out;
}

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An API token (HS256 JWT) from `oec-controller token --user EMAIL`',
  });
  const errorRef = registry.register('Error', errorBodySchema);
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const paramsSchema = params.length ? z.object(Object.fromEntries(params.map((p) => [p, z.string().uuid()]))) : undefined;
    registry.registerPath({
      method: r.method,
      path: `/api/v1${r.path}`,
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      security: r.auth === false ? [] : [{ bearerAuth: [] }],
      request: {
        ...(paramsSchema ? { params: paramsSchema } : {}),
        ...(r.query ? { query: r.query } : {}),
        ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      },
      responses: {
        [String(r.status)]: r.response
          ? { description: 'Success', content: { 'application/json': { schema: r.response } } }
          : { description: 'Success (no body)' },
        ...errorResponses(r, errorRef),
      },
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  cached = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'OEC control plane API',
      version: '1.0.0',
      description:
        'REST API of the OEC controller. Every endpoint but this document needs `Authorization: Bearer <JWT>`. ' +
        'Errors are `{"error":{"code","message","details"}}` with the status of their code.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
  });
  return cached;
}
