// Request arbitraries for every REST route (ROUTES, the list the OpenAPI document is built from)
// and every tRPC procedure (the router's own record): path ids real or random, bodies and queries
// valid-ish or mutated from the zod schemas, raw malformed bodies and bodies over the 1 MiB limit.
import fc from 'fast-check';
import type { z } from 'zod';
import { ROUTES, appRouter } from '@oec/controller';
import type { RouteDoc } from '@oec/controller';
import { HOSTILE, mutated, validish } from './zod-arbitrary.js';
import type { IdPool } from './zod-arbitrary.js';
import type { FuzzRequest } from './run.js';
import type { World } from './world.js';

const BODY_LIMIT = 1024 * 1024;

/** Bodies no schema can read: malformed JSON, JSON of the wrong shape, NUL, a BOM, deep nesting. */
const rawBody = fc.constantFrom(
  '',
  '{',
  '{"a":',
  'null',
  '[]',
  '"x"',
  '1',
  'true',
  '{"a":1}{',
  '\u0000',
  '\uFEFF{}',
  'NaN',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`,
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
);

/** A body past the limit (or just under it), as JSON around a long string, sent with or without a length. */
const hugeBody = fc.record({
  size: fc.constantFrom(BODY_LIMIT + 1, BODY_LIMIT + 1, BODY_LIMIT + 4096, 3 * BODY_LIMIT, BODY_LIMIT - 64),
  chunked: fc.boolean(),
  ch: fc.constantFrom('x', 'é', '😀'),
}).map(({ size, chunked, ch }) => {
  const pad = ch.repeat(Math.ceil(size / Buffer.byteLength(ch)));
  return { body: JSON.stringify({ name: pad, pad }), chunked };
});

function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ZZ%'; // a lone surrogate cannot be encoded: send broken percent-encoding instead
  }
}

export interface Tokens {
  alice: string;
  admin: string;
  /** A token for `/auth/password` (limited per user). */
  passwordUser: fc.Arbitrary<string>;
}

export function tokensOf(w: World, adminToken: string): Tokens {
  return { alice: w.alice.token, admin: adminToken, passwordUser: fc.constantFrom(...w.passwordUsers.map((u) => u.token)) };
}

function authHeader(t: Tokens, route: { path: string; auth?: boolean; admin: boolean }): fc.Arbitrary<Record<string, string>> {
  const main = route.path === '/auth/password' ? t.passwordUser : fc.constant(route.admin ? t.admin : t.alice);
  return fc
    .oneof(
      { arbitrary: main, weight: 14 },
      { arbitrary: fc.constant(route.admin ? t.alice : t.admin), weight: 3 },
      { arbitrary: fc.constantFrom<string | null>(null, 'not-a-jwt', `${t.alice.slice(0, -3)}abc`), weight: 1 },
    )
    .map((token): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token}` }));
}

/** A random client address on 127/8, so sign-in's per-address bucket does not hide its schema. */
const loopback = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([a, b, c]) => `127.${a}.${b}.${c}`);

/** Real ids for uuid fields by their key (tRPC inputs and REST bodies alike). */
export function idPool(w: World, target: string): IdPool {
  return (path) => {
    const key = path[path.length - 1] ?? '';
    if (key === 'organization_id') return w.orgs;
    if (key === 'project_id') return w.projects;
    if (key === 'server_id') return w.servers;
    if (key === 'environment_id') return path[0] === 'target' ? w.expendable : target.includes('clones') ? w.sources : w.environments;
    if (key === 'id') {
      if (target.includes('organizations')) return w.orgs;
      if (target.includes('projects')) return w.projects;
      if (target.includes('servers')) return w.servers;
      if (/environments\.(start|stop|destroy)/.test(target)) return w.expendable;
      if (target.includes('environments')) return w.environments;
      if (target.includes('clones')) return w.operations;
    }
    return [];
  };
}

/** Real ids for a REST path's `{id}` (and `{webhookId}`). */
function pathIds(w: World, r: RouteDoc, param: string): readonly string[] {
  if (param === 'webhookId') return w.webhooks;
  const p = r.path;
  if (p.startsWith('/organizations')) return w.orgs;
  if (p.startsWith('/projects')) return w.projects;
  if (p.startsWith('/servers')) return w.servers;
  if (p.startsWith('/environments/{id}/clone')) return w.sources;
  if (p.startsWith('/environments')) return r.method === 'get' ? w.environments : w.expendable;
  if (p.includes('clone-operations')) return w.operations;
  return [];
}

function pathParam(real: readonly string[]): fc.Arbitrary<string> {
  const random = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }).map(encodeSegment), fc.constantFrom(...HOSTILE).map(encodeSegment));
  return real.length === 0 ? random : fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 5 }, { arbitrary: random, weight: 2 });
}

/** Query values are strings: numbers and booleans as text, anything else as JSON. */
function toQuery(v: unknown): string {
  if (typeof v !== 'object' || v === null) return '';
  const parts = Object.entries(v).map(([k, x]) => `${encodeSegment(k)}=${encodeSegment(typeof x === 'string' ? x : JSON.stringify(x) ?? '')}`);
  // Past 16 KB Node's HTTP parser answers 431 itself, before the app: keep URLs under it.
  return parts.length ? `?${parts.join('&')}`.slice(0, 8000) : '';
}

/**
 * `refusal`: bodies meant to be refused (mutated, raw, huge), so that most batches of them are
 * refused whole and their snapshot is compared; `any` adds valid-ish bodies that reach the services.
 */
export type Mix = 'refusal' | 'any';

type Body = { body: string; chunked?: boolean };

function bodyOf(schema: z.ZodTypeAny, ids: IdPool, mix: Mix): fc.Arbitrary<Body> {
  const json = (v: unknown): Body => ({ body: JSON.stringify(v) ?? '' });
  const refusals: fc.WeightedArbitrary<Body>[] = [
    { arbitrary: mutated(schema, [], { ids }).map(json), weight: 16 },
    { arbitrary: rawBody.map((body) => ({ body })), weight: 3 },
    { arbitrary: hugeBody, weight: 1 },
  ];
  return mix === 'any' ? fc.oneof({ arbitrary: validish(schema, [], { ids }).map(json), weight: 12 }, ...refusals) : fc.oneof(...refusals);
}

export function restRequest(w: World, t: Tokens, r: RouteDoc, mix: Mix): fc.Arbitrary<FuzzRequest> {
  const admin = r.path.startsWith('/admin') || r.path === '/organizations';
  const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const ids = idPool(w, r.path.includes('clone') ? 'clones' : r.path);
  // A refusal batch aims body-less writes (start, cancel, delete …) at ids that do not exist.
  const bodyless = mix === 'refusal' && !r.body && r.method !== 'get';
  const path = fc
    .tuple(...params.map((p) => pathParam(bodyless ? [] : pathIds(w, r, p))))
    .map((values) => params.reduce((acc, p, i) => acc.replace(`{${p}}`, values[i] ?? ''), r.path));
  const query = r.query
    ? (mix === 'any' ? fc.oneof(validish(r.query, [], { ids }), mutated(r.query, [], { ids })) : mutated(r.query, [], { ids })).map(toQuery)
    : fc.constant('');
  const body = r.body ? bodyOf(r.body, ids, mix).map((b): { body?: string; chunked?: boolean } => b) : fc.constantFrom<{ body?: string }>({}, {}, { body: '{"unexpected":true}' });
  const headers = r.auth === false ? fc.constant<Record<string, string>>({}) : authHeader(t, { ...r, admin });
  const signIn = r.path === '/auth/login' || r.path === '/auth/link';
  return fc.record({ path, query, body, headers, localAddress: signIn ? loopback : fc.constant(undefined) }).map((x) => ({
    target: `${r.method.toUpperCase()} ${r.path}`,
    method: r.method.toUpperCase(),
    // Tokens are stateless: logout answers 204 and writes nothing; an estimate is read-only.
    readOnly: r.method === 'get' || r.path === '/auth/logout' || r.path.endsWith('/clone/estimate'),
    path: `/api/v1${x.path}${x.query}`,
    headers: x.body.body === undefined ? x.headers : { ...x.headers, 'content-type': 'application/json' },
    ...x.body,
    ...(x.localAddress ? { localAddress: x.localAddress } : {}),
  }));
}

export function restRequests(w: World, t: Tokens, mix: Mix): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...ROUTES.map((r) => restRequest(w, t, r, mix)));
}

interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  inputs: z.ZodTypeAny[];
}

function isZod(x: unknown): x is z.ZodTypeAny {
  return typeof x === 'object' && x !== null && '_def' in x && 'safeParse' in x;
}

function procedureDef(p: unknown): ProcedureDef | null {
  if ((typeof p !== 'object' && typeof p !== 'function') || p === null || !('_def' in p)) return null;
  const d: unknown = p._def;
  if (typeof d !== 'object' || d === null || !('type' in d) || !('inputs' in d) || !Array.isArray(d.inputs)) return null;
  const type = d.type === 'query' || d.type === 'mutation' || d.type === 'subscription' ? d.type : null;
  return type ? { type, inputs: d.inputs.filter(isZod) } : null;
}

/** Every procedure of the router (a flat record at run time, keyed by dotted path) with its zod input. */
export function procedures(): [string, ProcedureDef][] {
  const entries: [string, unknown][] = Object.entries(appRouter._def.procedures);
  return entries.flatMap(([name, p]): [string, ProcedureDef][] => {
    const d = procedureDef(p);
    return d ? [[name, d]] : [];
  });
}

/** GET with `?input=` for queries and subscriptions (inputs kept under 8 KB: a URL, not a body), POST for mutations. */
export function trpcRequest(w: World, t: Tokens, name: string, p: ProcedureDef, mix: Mix): fc.Arbitrary<FuzzRequest> {
  const schema = p.inputs[0];
  const ids = idPool(w, name);
  const admin = name.startsWith('clones.admin');
  const headers = authHeader(t, { path: name, admin });
  const input: fc.Arbitrary<{ body?: string; chunked?: boolean }> = schema ? bodyOf(schema, ids, mix) : fc.constantFrom({}, { body: '{"unexpected":true}' }, { body: 'null' });
  return fc.record({ input, headers }).map(({ input: i, headers: h }) => {
    if (p.type === 'mutation') {
      return { target: `trpc ${name}`, readOnly: false, method: 'POST', path: `/trpc/${name}`, headers: { ...h, 'content-type': 'application/json' }, ...i };
    }
    const q = i.body === undefined ? '' : `?input=${encodeSegment(i.body)}`;
    // Past 16 KB Node's HTTP parser answers 431 itself, before the app: a long input goes without.
    return { target: `trpc ${name}`, readOnly: true, method: 'GET', path: `/trpc/${name}${q.length > 8000 ? '' : q}`, headers: h };
  });
}

export function trpcRequests(w: World, t: Tokens, mix: Mix): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...procedures().map(([name, p]) => trpcRequest(w, t, name, p, mix)));
}
