// The security suite's walk of every route: the REST routes the Hono app actually registered
// (app.routes, so an undocumented route cannot escape) and every procedure of the tRPC router,
// each asked without a token (401), with refused tokens (401), by another organization on
// organization A's objects (404), by a viewer and a developer lacking the permission (403).
// Inputs are valid (built from each route's zod schema), so an answer is about who asks.
import { createApp, appRouter, ROUTES } from '@oec/controller';
import type { AppDeps, RouteDoc } from '@oec/controller';
import { ErrorCode, ROLE_PERMISSIONS } from '@oec/shared';
import type { Permission } from '@oec/shared';
import type { z } from 'zod';
import { callProcedure, restAnswer, validInput } from './security-fixtures.js';
import type { Answer, ProcedureType, Samples } from './security-fixtures.js';
import type { Client } from './harness.js';

/**
 * The only routes that answer without a token. A new one makes the walk fail until it is
 * listed here with the reason it may be public.
 */
export const PUBLIC_ROUTES: ReadonlyMap<string, string> = new Map([
  ['GET /healthz', 'liveness probe: { ok: true }, no data'],
  ['GET /api/v1/openapi.json', 'the API description, no data'],
  ['POST /api/v1/auth/login', 'sign-in: email and password in, a token out'],
  ['POST /api/v1/auth/link', 'sign-in: a one-time link token in, a token out'],
  // Tokens are stateless: signing out is the client dropping its copy; the dashboard calls it
  // without one. It reads nothing and changes nothing.
  ['POST /api/v1/auth/logout', 'sign-out: answers 204, reads and changes nothing'],
]);
export const PUBLIC_PROCEDURES: ReadonlyMap<string, string> = new Map([['health', 'liveness probe, no data']]);
/**
 * Handlers registered for every method (middleware): their paths are known; a new one fails the
 * walk (it could answer a request no route below covers).
 */
export const MIDDLEWARE_PATHS: ReadonlyMap<string, string> = new Map([
  ['/*', 'request log, body limit, and last the dashboard’s static files (HTML and scripts, no data)'],
  ['/api/v1/*', 'bearer authentication and the mutation rate limit'],
  ['/api/v1/admin/*', 'platform administrators only'],
  ['/trpc/*', 'the tRPC router, walked procedure by procedure'],
]);

export interface WalkTarget {
  /** `GET /api/v1/projects/:id` or `trpc projects.get`. */
  name: string;
  /** Platform administrators' routes answer 403 to everyone else, before looking anything up. */
  adminOnly: boolean;
  isPublic: boolean;
  /** The OpenAPI document says it may answer PERMISSION_DENIED (REST only). */
  documents403: boolean | null;
  mutation: boolean;
  call(authorization: string | null): Promise<Answer>;
  /** The request as text (does it name an object of organization A?). */
  describe: string;
}

/** A type, not an interface: Object.values of it is string[]. */
export type WalkIds = {
  organization: string;
  project: string;
  server: string;
  environment: string;
  operation: string;
  webhook: string;
};

function samples(ids: WalkIds): Samples {
  return {
    organization_id: ids.organization,
    project_id: ids.project,
    environment_id: ids.environment,
    server_id: ids.server,
    name: 'sec-walk',
    environment_type: 'staging',
    email: 'walk@example.com',
    role: 'viewer',
    url: 'https://hooks.example.com/walk',
    // Only platform admins set quotas: asking for one makes creating an organization a privilege.
    quota: { cpu: 1, ram_gb: 1, disk_gb: 1, environments: 1 },
    target: { create_new: true, environment_type: 'staging' },
    sanitization_preset: 'recommended',
    password: 'walk password 1234',
    rules: [],
    token: 'w'.repeat(32),
  };
}

/** The id a `:id` stands for, from the path segment before it. */
function idFor(collection: string, ids: WalkIds): string {
  const byCollection: Record<string, string> = {
    organizations: ids.organization,
    projects: ids.project,
    servers: ids.server,
    environments: ids.environment,
    'clone-operations': ids.operation,
  };
  const id = byCollection[collection];
  if (!id) throw new Error(`security suite: no id for /${collection}/:id; add one`);
  return id;
}

function docOf(method: string, path: string): RouteDoc | undefined {
  const openapi = path.replace(/^\/api\/v1/, '').replace(/:(\w+)/g, '{$1}');
  return ROUTES.find((r) => r.method === method.toLowerCase() && r.path === openapi);
}

/** The REST routes the app registered, and the paths of its middleware. */
export function restRoutes(): { routes: { method: string; path: string }[]; middleware: string[] } {
  // Building the app only registers routes; nothing reads these deps until a request comes.
  const deps = { settings: { jwtSecret: 'x'.repeat(32), baseDomain: 'apps.localhost', replaceRetentionHours: 24 } } as unknown as AppDeps;
  const all = createApp(deps).routes;
  const routes = all.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
  const seen = new Set<string>();
  return {
    routes: routes.filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`)),
    middleware: [...new Set(all.filter((r) => r.method === 'ALL').map((r) => r.path))],
  };
}

export function restTargets(ids: WalkIds, anon: Client): WalkTarget[] {
  const s = samples(ids);
  return restRoutes().routes.map(({ method, path }) => {
    const name = `${method} ${path}`;
    const doc = docOf(method, path);
    const url = path.replace(/\/([\w-]+)\/:id/g, (_m, c: string) => `/${c}/${idFor(c, ids)}`).replace(':webhookId', ids.webhook);
    const body = doc?.body ? validInput(doc.body, s, name) : undefined;
    const query = doc?.query ? (validInput(doc.query, s, name) as Record<string, unknown>) : {};
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const full = `${url}${qs ? `?${qs}` : ''}`;
    return {
      name,
      adminOnly: path.startsWith('/api/v1/admin/'),
      isPublic: PUBLIC_ROUTES.has(name),
      documents403: doc ? (doc.errors ?? []).includes(ErrorCode.PERMISSION_DENIED) : null,
      mutation: method !== 'GET',
      describe: `${full} ${JSON.stringify(body ?? null)}`,
      call: async (authorization) =>
        restAnswer(await anon.request(method, full, { ...(body === undefined ? {} : { body }), ...(authorization === null ? {} : { authorization }) })),
    };
  });
}

interface ProcedureDef {
  _def: { type: ProcedureType; inputs: z.ZodTypeAny[] };
}

export function procedureTargets(baseUrl: string, ids: WalkIds): WalkTarget[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
  return Object.entries(procedures).map(([path, proc]) => {
    const name = `trpc ${path}`;
    const namespace = path.split('.')[0] ?? '';
    const collection = namespace === 'clones' ? 'clone-operations' : namespace;
    const s: Samples = { ...samples(ids), ...(['health'].includes(namespace) ? {} : { id: idFor(collection, ids) }) };
    const schema = proc._def.inputs[0];
    const input = schema ? validInput(schema, s, name) : undefined;
    return {
      name,
      adminOnly: path.startsWith('clones.admin.'),
      isPublic: PUBLIC_PROCEDURES.has(path),
      documents403: null,
      mutation: proc._def.type === 'mutation',
      describe: `${path} ${JSON.stringify(input ?? null)}`,
      call: (authorization) => callProcedure(baseUrl, path, proc._def.type, input, authorization),
    };
  });
}

/** A failure line when the answer is not what `expect` says. */
export type Check = (t: WalkTarget, a: Answer) => string | null;

const show = (t: WalkTarget, a: Answer, want: string) => `${t.name}: want ${want}, got ${a.status} ${a.code ?? ''}`;

export const unauthenticated: Check = (t, a) => (a.status === 401 && a.code === ErrorCode.UNAUTHENTICATED ? null : show(t, a, '401 UNAUTHENTICATED'));

/** Another organization's caller: 404 on A's objects, 403 on admin routes, no A id in any answer. */
export function otherOrganization(idsOfA: string[]): Check {
  return (t, a) => {
    if (t.adminOnly) return a.status === 403 && a.code === ErrorCode.PERMISSION_DENIED ? null : show(t, a, '403 PERMISSION_DENIED');
    if (idsOfA.some((id) => t.describe.includes(id))) {
      return a.status === 404 && (a.code ?? '').endsWith('NOT_FOUND') ? null : show(t, a, '404 *_NOT_FOUND');
    }
    if (a.status >= 500) return show(t, a, 'no 5xx');
    const leaked = idsOfA.filter((id) => a.text.includes(id));
    return leaked.length ? `${t.name}: answers organization A's ${leaked.join(', ')}` : null;
  };
}

/** 403 exactly where expected; never a 5xx (but an agent's 503 SERVER_UNREACHABLE). */
export function roleCheck(expected403: (t: WalkTarget) => boolean): Check {
  return (t, a) => {
    const denied = a.status === 403 && a.code === ErrorCode.PERMISSION_DENIED;
    if (expected403(t) !== denied) return show(t, a, expected403(t) ? '403 PERMISSION_DENIED' : 'anything but 403');
    if (a.status >= 500 && a.code !== ErrorCode.SERVER_UNREACHABLE) return show(t, a, 'no 5xx');
    return null;
  };
}

/** Whether `role` holds the permission a 403 named (a 403 naming none is role-independent). */
export function roleHolds(role: keyof typeof ROLE_PERMISSIONS, denial: Answer): boolean {
  const p = denial.details?.permission;
  return typeof p === 'string' && ROLE_PERMISSIONS[role].includes(p as Permission);
}
