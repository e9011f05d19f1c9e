// The OpenAPI document: served without a token at /api/v1/openapi.json, valid OpenAPI 3.1
// (swagger-parser), and complete — every method and path the Hono app serves under /api/v1
// (found by walking app.routes) is in it, with the bearer scheme and error answers.
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { describe, expect, it } from 'vitest';
import { createApp } from '@oec/controller';
import type { AppDeps } from '@oec/controller';
import { controllerPerFile } from './harness.js';
import type { Controller } from './harness.js';

let ctl: Controller;
controllerPerFile({}, (started) => {
  ctl = started.ctl;
});

async function fetchDocument(): Promise<OpenAPIV3_1.Document> {
  const res = await fetch(`${ctl.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as OpenAPIV3_1.Document;
}

/** Every METHOD /path the app routes under /api/v1 (Hono `:param` → OpenAPI `{param}`), middleware left out. */
function servedRoutes(): string[] {
  // Building the app only registers routes; nothing reads these deps until a request comes.
  const deps = { settings: { jwtSecret: 'x'.repeat(32), baseDomain: 'apps.localhost', replaceRetentionHours: 24 } } as unknown as AppDeps;
  const app = createApp(deps);
  const routes = app.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/'))
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '')}`);
  return [...new Set(routes)].sort();
}

describe('GET /api/v1/openapi.json', () => {
  it('is public and validates as OpenAPI 3.1', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    const validated = await SwaggerParser.validate(structuredClone(doc) as never);
    expect(validated.info.title).toBe('OEC control plane API');
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents every REST route the app serves', async () => {
    const doc = await fetchDocument();
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
        .map((m) => `${m} ${path}`),
    );
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('carries request and response schemas, error codes and the bearer requirement', async () => {
    const doc = await fetchDocument();
    const clone = doc.paths?.['/api/v1/environments/{id}/clone']?.post;
    expect(clone?.security).toEqual([{ bearerAuth: [] }]);
    expect(clone?.requestBody).toBeDefined();
    expect(Object.keys(clone?.responses ?? {}).sort()).toEqual(['202', '400', '401', '403', '404', '409', '429']);
    expect((clone?.responses?.['400'] as OpenAPIV3_1.ResponseObject).description).toContain('INVALID_TARGET_CONFIG');
    expect(doc.paths?.['/api/v1/openapi.json']?.get?.security).toEqual([]);
    expect(doc.components?.schemas?.Error).toBeDefined();
    const op = (clone?.responses?.['202'] as OpenAPIV3_1.ResponseObject).content?.['application/json']?.schema as OpenAPIV3_1.SchemaObject;
    expect(Object.keys(op.properties ?? {})).toEqual(expect.arrayContaining(['id', 'status', 'progress', 'sanitization_result', 'error']));
  });
});
