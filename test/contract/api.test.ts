// REST and tRPC contract of the controller: authentication (401), permissions (403), hiding
// other organizations' objects (404), body validation (400 with field errors), tRPC parity, and
// a fuzz pass asserting that no malformed input answers a 5xx.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from '@oec/controller';
import { signToken } from '@oec/controller';
import type { CreateServerResponse, Environment, ErrorBody, Member, Organization, Project, Usage } from '@oec/shared';
import { FakeAgent, seedOrganization, startController, startPostgres, waitFor } from './harness.js';
import type { Client, Controller, Postgres } from './harness.js';

let postgres: Postgres;
let ctl: Controller;
let alice: Client;
let aliceToken: string;
let viewerToken: string;
let bob: Client;
let viewer: Client;
let developer: Client;
let orgA: Organization;
let projectA: Project;
let serverA: CreateServerResponse;
let projectB: Project;
let serverB: CreateServerResponse;
let envA: Environment;
let agentA: FakeAgent;

const envBody = (serverId: string, extra: Record<string, unknown> = {}) => ({
  name: 'staging',
  environment_type: 'staging',
  server_id: serverId,
  ...extra,
});

function expectError(res: { status: number; body: unknown }, status: number, code: string): ErrorBody['error'] {
  expect({ status: res.status, code: (res.body as ErrorBody | null)?.error?.code }).toEqual({ status, code });
  return (res.body as ErrorBody).error;
}

beforeAll(async () => {
  postgres = await startPostgres();
  ctl = await startController(postgres, { OEC_RATE_LIMIT_PER_MINUTE: '100000' });
  const aliceUser = await ctl.createUser('alice@example.com');
  const bobUser = await ctl.createUser('bob@example.com');
  ({ api: alice, token: aliceToken } = aliceUser);
  bob = bobUser.api;
  ({ org: orgA, project: projectA, server: serverA } = await seedOrganization(ctl, aliceUser, 'alpha'));
  ({ project: projectB, server: serverB } = await seedOrganization(ctl, bobUser, 'beta'));
  const v = await alice.ok<Member>('POST', `/api/v1/organizations/${orgA.id}/members`, { email: 'Viewer@Example.com', role: 'viewer' });
  viewerToken = await ctl.tokenFor(v.user_id);
  viewer = ctl.as(viewerToken);
  const d = await alice.ok<Member>('POST', `/api/v1/organizations/${orgA.id}/members`, { email: 'dev@example.com', role: 'developer' });
  developer = ctl.as(await ctl.tokenFor(d.user_id));
  agentA = await FakeAgent.connect(ctl.wsUrl, serverA.agent_token);
  const created = await alice.ok<Environment>('POST', `/api/v1/projects/${projectA.id}/environments`, envBody(serverA.id));
  envA = await waitFor(async () => {
    const e = await alice.ok<Environment>('GET', `/api/v1/environments/${created.id}`);
    return e.status === 'RUNNING' ? e : undefined;
  }, 'environment RUNNING');
});

afterAll(async () => {
  await agentA?.close();
  await ctl?.close();
  await postgres?.close();
});

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED without a token, with a malformed header, a wrong secret, an expired token, an unknown user', async () => {
    const anon = ctl.as(null);
    expectError(await anon.get('/api/v1/organizations'), 401, 'UNAUTHENTICATED');
    expectError(await anon.request('GET', '/api/v1/organizations', { authorization: 'Token abc' }), 401, 'UNAUTHENTICATED');
    expectError(await anon.request('GET', '/api/v1/organizations', { authorization: 'Bearer' }), 401, 'UNAUTHENTICATED');
    expectError(await anon.request('GET', '/api/v1/organizations', { token: 'not.a.jwt' }), 401, 'UNAUTHENTICATED');
    const wrongSecret = await signToken('w'.repeat(64), ctl.adminId, 600);
    expectError(await anon.request('GET', '/api/v1/organizations', { token: wrongSecret }), 401, 'UNAUTHENTICATED');
    const expired = await signToken(ctl.secret, ctl.adminId, 60, new Date(Date.now() - 3_600_000));
    const e = expectError(await anon.request('GET', '/api/v1/organizations', { token: expired }), 401, 'UNAUTHENTICATED');
    expect(e.message).toMatch(/expired/);
    const ghost = await signToken(ctl.secret, randomUUID(), 600);
    expectError(await anon.request('GET', '/api/v1/organizations', { token: ghost }), 401, 'UNAUTHENTICATED');
    // Mutations are refused before their body is even read.
    expectError(await anon.request('POST', '/api/v1/organizations', { raw: '{' }), 401, 'UNAUTHENTICATED');
  });
});

describe('permissions', () => {
  it('answers 403 PERMISSION_DENIED to a viewer creating an environment', async () => {
    const e = expectError(
      await viewer.post(`/api/v1/projects/${projectA.id}/environments`, envBody(serverA.id, { name: 'viewer-env' })),
      403,
      'PERMISSION_DENIED',
    );
    expect(e.details).toMatchObject({ permission: 'project.environments.create' });
    // …but a viewer can read.
    expect((await viewer.get(`/api/v1/environments/${envA.id}`)).status).toBe(200);
  });

  it('answers 403 to developers managing servers or members and to viewers stopping environments', async () => {
    expectError(await developer.post('/api/v1/servers', { organization_id: orgA.id, name: 'x' }), 403, 'PERMISSION_DENIED');
    expectError(
      await developer.post(`/api/v1/organizations/${orgA.id}/members`, { email: 'z@example.com', role: 'viewer' }),
      403,
      'PERMISSION_DENIED',
    );
    expectError(await viewer.post(`/api/v1/environments/${envA.id}/stop`), 403, 'PERMISSION_DENIED');
    expectError(await developer.request('DELETE', `/api/v1/environments/${envA.id}`), 403, 'PERMISSION_DENIED');
  });

  it('shows database connections to owners and admins only', async () => {
    const asOwner = await alice.ok<Environment>('GET', `/api/v1/environments/${envA.id}`);
    expect(asOwner.connection).toMatchObject({ database: envA.database_name });
    const asDev = await developer.ok<Environment>('GET', `/api/v1/environments/${envA.id}`);
    expect(asDev).not.toHaveProperty('connection');
    const asAdmin = await ctl.admin.ok<Environment>('GET', `/api/v1/environments/${envA.id}`);
    expect(asAdmin.connection).toBeTruthy();
  });

  it('lets platform admins see every organization, and users only theirs', async () => {
    const mine = await bob.ok<{ items: Organization[] }>('GET', '/api/v1/organizations');
    expect(mine.items.map((o) => o.name)).toEqual(['beta']);
    expect(mine.items[0]?.role).toBe('owner');
    const all = await ctl.admin.ok<{ items: Organization[] }>('GET', '/api/v1/organizations');
    expect(all.items.map((o) => o.name)).toEqual(expect.arrayContaining(['alpha', 'beta']));
    expect((await ctl.admin.get(`/api/v1/projects/${projectA.id}`)).status).toBe(200);
  });

  it('lets anyone create an organization (as its owner) but only platform admins set quotas', async () => {
    const carol = (await ctl.createUser('carol@example.com')).api;
    const e = expectError(await carol.post('/api/v1/organizations', { name: 'c', quota: { cpu: 100, ram_gb: 1, disk_gb: 1, environments: 1 } }), 403, 'PERMISSION_DENIED');
    expect(e.details).toEqual({ field: 'quota' });
    const res = await carol.post<Organization>('/api/v1/organizations', { name: 'carol inc' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'carol inc', role: 'owner', quota: { cpu: 16, ram_gb: 32, disk_gb: 500, environments: 10 } });
  });

  it('keeps the owner role in the hands of owners', async () => {
    const admin = await alice.ok<Member>('POST', `/api/v1/organizations/${orgA.id}/members`, { email: 'adm@example.com', role: 'admin' });
    const asAdmin = ctl.as(await ctl.tokenFor(admin.user_id));
    expectError(
      await asAdmin.post(`/api/v1/organizations/${orgA.id}/members`, { email: 'adm2@example.com', role: 'owner' }),
      403,
      'PERMISSION_DENIED',
    );
    const members = await asAdmin.ok<{ items: Member[] }>('GET', `/api/v1/organizations/${orgA.id}/members`);
    expect(members.items.map((m) => [m.email, m.role])).toContainEqual(['viewer@example.com', 'viewer']);
  });
});

describe('other organizations and unknown ids answer 404', () => {
  it('uses the resource code for unknown and malformed ids', async () => {
    expectError(await alice.get(`/api/v1/environments/${randomUUID()}`), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await alice.get('/api/v1/environments/not-a-uuid'), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await alice.get(`/api/v1/servers/${randomUUID()}`), 404, 'SERVER_NOT_FOUND');
    expectError(await alice.get('/api/v1/servers/123'), 404, 'SERVER_NOT_FOUND');
    expectError(await alice.get(`/api/v1/projects/${randomUUID()}`), 404, 'PROJECT_NOT_FOUND');
    expectError(await alice.get(`/api/v1/organizations/${randomUUID()}/usage`), 404, 'ORGANIZATION_NOT_FOUND');
    expectError(await alice.post('/api/v1/environments/nope/start'), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await alice.get('/api/v1/nowhere'), 404, 'NOT_FOUND');
  });

  it('hides another organization’s environment, server, project and organization', async () => {
    expectError(await bob.get(`/api/v1/environments/${envA.id}`), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await bob.request('DELETE', `/api/v1/environments/${envA.id}`), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await bob.post(`/api/v1/environments/${envA.id}/stop`), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await bob.get(`/api/v1/servers/${serverA.id}`), 404, 'SERVER_NOT_FOUND');
    expectError(await bob.get(`/api/v1/projects/${projectA.id}`), 404, 'PROJECT_NOT_FOUND');
    expectError(await bob.get(`/api/v1/projects/${projectA.id}/environments`), 404, 'PROJECT_NOT_FOUND');
    expectError(await bob.get(`/api/v1/organizations/${orgA.id}`), 404, 'ORGANIZATION_NOT_FOUND');
    expectError(await bob.post('/api/v1/projects', { organization_id: orgA.id, name: 'p' }), 404, 'ORGANIZATION_NOT_FOUND');
    // Using another organization's server for one's own environment.
    expectError(await bob.post(`/api/v1/projects/${projectB.id}/environments`, envBody(serverA.id)), 404, 'SERVER_NOT_FOUND');
    const servers = await bob.ok<{ items: { id: string }[] }>('GET', '/api/v1/servers');
    expect(servers.items.map((s) => s.id)).toEqual([serverB.id]);
  });
});

describe('validation', () => {
  const url = () => `/api/v1/projects/${projectA.id}/environments`;

  it('answers 400 VALIDATION_ERROR for bodies that are not JSON', async () => {
    for (const raw of ['', '{', 'name=staging', '{"name": "a",}']) {
      const e = expectError(await alice.request('POST', url(), { raw }), 400, 'VALIDATION_ERROR');
      expect(e.details?.fields).toEqual([{ path: '(body)', message: expect.any(String) as string }]);
    }
  });

  it('names the field and the problem', async () => {
    let e = expectError(await alice.post(url(), envBody(serverA.id, { name: 'Bad Name!' })), 400, 'VALIDATION_ERROR');
    expect(e.details?.fields).toEqual([{ path: 'name', message: expect.stringMatching(/a-z, 0-9/) as string }]);
    expect(e.message).toMatch(/^Request body is invalid: name: /);
    e = expectError(await alice.post(url(), envBody(serverA.id, { resources: { cpu: 'two', ram_gb: 1, disk_gb: 1 } })), 400, 'VALIDATION_ERROR');
    expect(e.details?.fields).toEqual([{ path: 'resources.cpu', message: 'Expected number, received string' }]);
    e = expectError(await alice.post(url(), { name: 'ok-name' }), 400, 'VALIDATION_ERROR');
    expect((e.details?.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['environment_type', 'server_id']);
    e = expectError(await alice.post(url(), envBody(serverA.id, { domain: 'not a domain' })), 400, 'VALIDATION_ERROR');
    expect(e.details?.fields).toEqual([{ path: 'domain', message: expect.stringMatching(/valid domain/) as string }]);
    expectError(await alice.post(url(), []), 400, 'VALIDATION_ERROR');
    expectError(await alice.post(url(), null), 400, 'VALIDATION_ERROR');
  });

  it('refuses unknown keys, at the top level and nested', async () => {
    let e = expectError(await alice.post(url(), envBody(serverA.id, { colour: 'blue' })), 400, 'VALIDATION_ERROR');
    expect(e.details?.fields).toEqual([{ path: '(body)', message: expect.stringMatching(/colour/) as string }]);
    e = expectError(await alice.post(url(), envBody(serverA.id, { resources: { cpu: 1, ram_gb: 1, disk_gb: 1, gpu: 1 } })), 400, 'VALIDATION_ERROR');
    expect(e.details?.fields).toEqual([{ path: 'resources', message: expect.stringMatching(/gpu/) as string }]);
  });

  it('refuses strings PostgreSQL cannot store (NUL, unpaired surrogates) as VALIDATION_ERROR', async () => {
    let e = expectError(await alice.request('POST', '/api/v1/organizations', { raw: '{"name":"a\\u0000b"}' }), 400, 'VALIDATION_ERROR');
    expect(e.details?.fields).toEqual([{ path: 'name', message: expect.stringMatching(/NUL/) as string }]);
    e = expectError(
      await alice.post(url(), envBody(serverA.id, { name: 'surrogates', addons: [{ kind: 'extra', name: 'a', ref: '\ud800' }] })),
      400,
      'VALIDATION_ERROR',
    );
    expect(e.details?.fields).toEqual([{ path: 'addons.0.ref', message: expect.any(String) as string }]);
    const trpc = await ctl.as(aliceToken).request<{ error: { data: { appCode: string; httpStatus: number } } }>('POST', '/trpc/organizations.create', {
      raw: '{"name":"a\\u0000b"}',
    });
    expect(trpc.status).toBe(400);
    expect(trpc.body.error.data.appCode).toBe('VALIDATION_ERROR');
  });

  it('validates query strings', async () => {
    expectError(await alice.get('/api/v1/projects?organization_id=nope'), 400, 'VALIDATION_ERROR');
    const list = await alice.ok<{ items: Project[] }>('GET', `/api/v1/projects?organization_id=${orgA.id}`);
    expect(list.items.map((p) => p.id)).toEqual([projectA.id]);
  });
});

describe('members and usage', () => {
  it('creates missing users when adding members and reports usage against quota', async () => {
    const m = await alice.ok<Member>('POST', `/api/v1/organizations/${orgA.id}/members`, { email: 'new.person@example.com', role: 'developer' });
    expect(m).toMatchObject({ email: 'new.person@example.com', role: 'developer', active: true });
    const usage = await alice.ok<Usage>('GET', `/api/v1/organizations/${orgA.id}/usage`);
    expect(usage).toEqual({
      organization_id: orgA.id,
      cpu: { used: 1, limit: 4, percent: 25 },
      ram_gb: { used: 2, limit: 8, percent: 25 },
      disk_gb: { used: 10, limit: 100, percent: 10 },
      environments: { used: 1, limit: 5, percent: 20 },
    });
  });
});

describe('tRPC parity', () => {
  const trpc = (token: string | null) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${ctl.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
    });

  it('answers queries and mutations with the same data as REST', async () => {
    const client = trpc(aliceToken);
    const viaTrpc = await client.organizations.list.query();
    const viaRest = await alice.ok<{ items: Organization[] }>('GET', '/api/v1/organizations');
    expect(viaTrpc).toEqual(viaRest);
    expect(await client.environments.get.query({ id: envA.id })).toEqual(await alice.ok('GET', `/api/v1/environments/${envA.id}`));
    const project = await client.projects.create.mutate({ organization_id: orgA.id, name: 'via-trpc' });
    expect(await alice.ok('GET', `/api/v1/projects/${project.id}`)).toEqual(project);
    expect(await client.organizations.usage.query({ id: orgA.id })).toEqual(await alice.ok('GET', `/api/v1/organizations/${orgA.id}/usage`));
  });

  it('maps errors to HTTP statuses with the AppError code in data.appCode', async () => {
    type TrpcError = { error: { message: string; data: { appCode: string; httpStatus: number; details: { fields?: unknown } | null } } };
    const get = (path: string, input: unknown, token: string | null) =>
      ctl
        .as(token)
        .request<TrpcError>('GET', `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`);

    let res = await get('environments.get', { id: randomUUID() }, aliceToken);
    expect(res.status).toBe(404);
    expect(res.body.error.data.appCode).toBe('ENVIRONMENT_NOT_FOUND');
    res = await get('organizations.list', undefined, null);
    expect(res.status).toBe(401);
    expect(res.body.error.data.appCode).toBe('UNAUTHENTICATED');
    res = await get('environments.get', { id: 'nope' }, aliceToken);
    expect(res.status).toBe(400);
    expect(res.body.error.data.appCode).toBe('VALIDATION_ERROR');
    expect(res.body.error.data.details?.fields).toEqual([{ path: 'id', message: 'Invalid uuid' }]);

    const mutation = await ctl.as(viewerToken).request<TrpcError>('POST', '/trpc/environments.create', {
      body: { project_id: projectA.id, ...envBody(serverA.id, { name: 'via-viewer' }) },
    });
    expect(mutation.status).toBe(403);
    expect(mutation.body.error.data.appCode).toBe('PERMISSION_DENIED');
    const bad = await ctl.as(aliceToken).request<TrpcError>('POST', '/trpc/projects.create', { raw: '{not json' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data.appCode).toBe('VALIDATION_ERROR');
  });
});

describe('fuzz: no input answers a 5xx', () => {
  it('survives malformed ids, bodies and methods on every route', async () => {
    const ids = [randomUUID(), 'x', "' OR 1=1 --", '%00', 'a'.repeat(2000), '00000000-0000-0000-0000-000000000000', envA.id];
    const bodies: (string | undefined)[] = [
      undefined,
      '',
      'null',
      '[]',
      '123',
      '"str"',
      '{',
      '{"name":{}}',
      '{"name":"a","environment_type":"nope","server_id":"x"}',
      JSON.stringify({ organization_id: 'x'.repeat(100), name: '\u0000\u202e', quota: { cpu: -1 } }),
      JSON.stringify({ email: 'not-an-email', role: 'god' }),
      // PostgreSQL cannot store NUL or lone surrogates, in text or in jsonb.
      '{"name":"nul \\u0000 inside"}',
      JSON.stringify({ organization_id: randomUUID(), name: 'lone \ud800 surrogate' }),
      JSON.stringify(envBody(randomUUID(), { addons: [{ kind: 'extra', name: 'a', repository_url: '\udc00', ref: 'x\u0000' }] })),
      JSON.stringify({ name: 'x'.repeat(100_000) }),
      `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      JSON.stringify(envBody(randomUUID(), { resources: { cpu: 1e308, ram_gb: 'NaN', disk_gb: null } })),
    ];
    const routes = [
      ['POST', '/api/v1/organizations'],
      ['GET', '/api/v1/organizations/:id'],
      ['GET', '/api/v1/organizations/:id/members'],
      ['POST', '/api/v1/organizations/:id/members'],
      ['GET', '/api/v1/organizations/:id/usage'],
      ['POST', '/api/v1/projects'],
      ['GET', '/api/v1/projects?organization_id=:id'],
      ['GET', '/api/v1/projects/:id'],
      ['GET', '/api/v1/projects/:id/environments'],
      ['POST', '/api/v1/projects/:id/environments'],
      ['POST', '/api/v1/servers'],
      ['GET', '/api/v1/servers?organization_id=:id'],
      ['GET', '/api/v1/servers/:id'],
      ['GET', '/api/v1/environments/:id'],
      ['PUT', '/api/v1/environments/:id'],
      ['PATCH', '/api/v1/environments/:id'],
      ['POST', '/api/v1/environments/:id/start'],
      ['POST', '/api/v1/environments/:id/stop'],
      ['POST', '/api/v1/environments/:id/clone'],
      ['POST', '/api/v1/environments/:id/clone/estimate'],
      ['GET', '/api/v1/environments/:id/clone-operations?status=:id'],
      ['GET', '/api/v1/projects/:id/clone-operations?limit=:id'],
      ['GET', '/api/v1/clone-operations/:id'],
      ['GET', '/api/v1/clone-operations/:id/logs?after=:id'],
      ['POST', '/api/v1/clone-operations/:id/cancel'],
      ['POST', '/api/v1/clone-operations/:id/retry'],
      ['GET', '/api/v1/admin/clone-operations?status=:id'],
      ['POST', '/trpc/clones.clone'],
      ['GET', '/trpc/clones.get?input=:id'],
      ['POST', '/trpc/environments.create'],
      ['POST', '/trpc/organizations.create'],
      ['GET', '/trpc/environments.get?input=:id'],
    ] as const;
    const failures: string[] = [];
    for (const [method, template] of routes) {
      for (const id of ids) {
        const path = template.replace(':id', encodeURIComponent(id).replace(/%25/g, '%'));
        for (const raw of method === 'GET' ? [undefined] : bodies) {
          // Bob (another organization) only needs to try the ids that exist.
          for (const who of id === envA.id ? [alice, bob] : [alice]) {
            const res = await who.request(method, path, raw === undefined ? {} : { raw });
            // 503 SERVER_UNREACHABLE is a real answer (the fake agent may blip under load); any other 5xx is a bug.
            const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
            const unreachable = res.status === 503 && code === 'SERVER_UNREACHABLE';
            if (res.status >= 500 && !unreachable) failures.push(`${method} ${path.slice(0, 80)} ${String(raw).slice(0, 40)} → ${res.status}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // The environment the fuzz could have touched is still there and consistent.
    const env = await alice.ok<Environment>('GET', `/api/v1/environments/${envA.id}`);
    expect(env.id).toBe(envA.id);
  });
});
