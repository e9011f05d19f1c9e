// The security suite (issue 14), one controller for all of it: every REST route and tRPC
// procedure walked without a token, with refused tokens (expired, tampered, `alg: none`, wrong
// secret, an agent's), as another organization and as roles lacking the permission; an agent
// speaking for another server; metacharacters in what users name and write; and at the end a
// scan of every log the suite produced for the secrets it used. Prints one summary line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { CloneOperation, CreateWebhookResponse, Member } from '@oec/shared';
import { connectCloneAgent } from './clone-agent.js';
import { CLONE_ENV, createEnv, startClone, waitOp } from './clone-fixtures.js';
import { client, seedOrganization, startController, startPostgres } from './harness.js';
import type { Postgres } from './harness.js';
import { captureLogs, Secrets } from './security-fixtures.js';
import type { Answer, Suite } from './security-fixtures.js';
import {
  MIDDLEWARE_PATHS,
  otherOrganization,
  procedureTargets,
  PUBLIC_PROCEDURES,
  PUBLIC_ROUTES,
  restRoutes,
  restTargets,
  roleCheck,
  roleHolds,
  unauthenticated,
} from './security-routes.js';
import type { Check, WalkIds, WalkTarget } from './security-routes.js';
import { registerAgentChecks } from './security-agents.js';
import { registerInputChecks } from './security-inputs.js';


let postgres: Postgres;
const s = { count: { cases: 0 }, secrets: new Secrets() } as Suite;
let viewerToken: string;
let developerToken: string;
let webhookId: string;

beforeAll(async () => {
  postgres = await startPostgres();
  s.logs = captureLogs();
  s.ctl = await startController(postgres, CLONE_ENV, { logger: s.logs.logger });
  s.secrets.add('the JWT secret', s.ctl.secret);
  s.alice = await s.ctl.createUser('alice@example.com');
  s.bob = await s.ctl.createUser('bob@example.com');
  const quota = { cpu: 64, ram_gb: 256, disk_gb: 10000, environments: 100 };
  const a = await seedOrganization(s.ctl, s.alice, 'alpha', quota);
  const b = await seedOrganization(s.ctl, s.bob, 'beta', quota);
  ({ org: s.orgA, project: s.projectA, server: s.serverA } = a);
  ({ project: s.projectB, server: s.serverB } = b);
  const member = async (email: string, role: string) => {
    const m = await s.alice.api.ok<Member>('POST', `/api/v1/organizations/${s.orgA.id}/members`, { email, role });
    return s.ctl.tokenFor(m.user_id);
  };
  viewerToken = await member('viewer@example.com', 'viewer');
  developerToken = await member('dev@example.com', 'developer');
  for (const [what, token] of [
    ['alice’s token', s.alice.token],
    ['bob’s token', s.bob.token],
    ['a viewer’s token', viewerToken],
    ['a developer’s token', developerToken],
    ['server A’s agent token', s.serverA.agent_token],
    ['server B’s agent token', s.serverB.agent_token],
  ] as const) {
    s.secrets.add(what, token);
  }
  s.agentA = await connectCloneAgent(s.ctl.wsUrl, s.serverA.agent_token);
  s.envA = await createEnv({ project: s.projectA, serverId: s.serverA.id, api: s.alice.api }, { name: 'production', environment_type: 'production' });
  s.opA = await waitOp(s.alice.api, (await startClone(s.alice.api, s.envA.id)).id);
  s.secrets.add('a clone’s generated password', s.opA.generated_password);
  const hook = await s.alice.api.ok<CreateWebhookResponse>('POST', `/api/v1/projects/${s.projectA.id}/webhooks`, { url: 'https://hooks.example.com/a' });
  webhookId = hook.id;
  s.secrets.add('a webhook’s signing secret', hook.secret);
});

afterAll(async () => {
  await s.agentA?.close().catch(() => undefined);
  await s.ctl?.close();
  await postgres?.close();
});

const idsOfA = (): WalkIds => ({
  organization: s.orgA.id,
  project: s.projectA.id,
  server: s.serverA.id,
  environment: s.envA.id,
  operation: s.opA.id,
  webhook: webhookId,
});

let targets: WalkTarget[] = [];
const walked = { rest: 0, trpc: 0 };

/** Ask every (non-public) target with `authorization`; the failures of `check`. */
async function walk(authorization: string | null, check: Check, only: (t: WalkTarget) => boolean = (t) => !t.isPublic): Promise<string[]> {
  const failures: string[] = [];
  for (const t of targets.filter(only)) {
    s.count.cases++;
    const failure = check(t, await t.call(authorization));
    if (failure) failures.push(failure);
  }
  return failures;
}

describe('every route', () => {
  beforeAll(() => {
    const anon = client(s.ctl.url, null);
    const rest = restTargets(idsOfA(), anon);
    const trpc = procedureTargets(s.ctl.url, idsOfA());
    walked.rest = rest.length;
    walked.trpc = trpc.length;
    targets = [...rest, ...trpc];
  });

  it('is known: the public routes and middleware are the allow-listed ones, every REST route is documented', () => {
    const { routes, middleware } = restRoutes();
    expect(routes.length).toBeGreaterThan(40);
    expect(middleware.filter((p) => !MIDDLEWARE_PATHS.has(p))).toEqual([]);
    for (const name of [...PUBLIC_ROUTES.keys()]) expect(targets.map((t) => t.name)).toContain(name);
    for (const path of [...PUBLIC_PROCEDURES.keys()]) expect(targets.map((t) => t.name)).toContain(`trpc ${path}`);
    expect(targets.filter((t) => t.name.startsWith('trpc ')).length).toBeGreaterThan(25);
    expect(targets.filter((t) => t.documents403 === null && !t.isPublic && !t.name.startsWith('trpc ')).map((t) => t.name)).toEqual([]);
  });

  it('answers 401 without a token, and the public ones answer without one (never a 5xx)', async () => {
    expect(await walk(null, unauthenticated)).toEqual([]);
    const publicFailures = await walk(null, (t, a) => (a.status >= 500 ? `${t.name}: ${a.status}` : null), (t) => t.isPublic);
    expect(publicFailures).toEqual([]);
    // The dashboard's files are public; an unknown path is its index or a 404, never data.
    const page = await fetch(`${s.ctl.url}/some/page`);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/json/);
  });

  it('answers 401 to expired, tampered, `alg: none`, wrong-secret, wrong-algorithm, unbounded and agent tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(s.ctl.secret);
    const signed = (claims: { sub?: string; iat?: number; exp?: number; nbf?: number }, secret = key, alg = 'HS256') => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg, typ: 'JWT' });
      if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
      if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
      if (claims.nbf !== undefined) jwt = jwt.setNotBefore(claims.nbf);
      return jwt.sign(secret);
    };
    const sub = s.alice.id;
    const [header, , signature] = s.alice.token.split('.');
    const tamperedPayload = Buffer.from(JSON.stringify({ sub: s.ctl.adminId, iat: now, exp: now + 3600 })).toString('base64url');
    const bad: Record<string, string> = {
      expired: await signed({ sub, iat: now - 7200, exp: now - 3600 }),
      tampered: `${header}.${tamperedPayload}.${signature}`,
      'alg none': new UnsecuredJWT({}).setSubject(sub).setIssuedAt(now).setExpirationTime(now + 3600).encode(),
      'wrong secret': await signed({ sub, iat: now, exp: now + 3600 }, new TextEncoder().encode(`${s.ctl.secret}x`)),
      'HS512 with the secret': await signed({ sub, iat: now, exp: now + 3600 }, key, 'HS512'),
      'no expiry': await signed({ sub, iat: now }),
      'a year long': await signed({ sub, iat: now, exp: now + 365 * 86400 }),
      'not yet valid': await signed({ sub, iat: now, exp: now + 7200, nbf: now + 3600 }),
      'subject not a user id': await signed({ sub: 'alice@example.com', iat: now, exp: now + 3600 }),
      'server A’s agent token': s.serverA.agent_token,
    };
    const failures: string[] = [];
    for (const [what, token] of Object.entries(bad)) {
      s.secrets.add(`a refused token (${what})`, token);
      for (const f of await walk(`Bearer ${token}`, unauthenticated)) failures.push(`${what}: ${f}`);
    }
    expect(failures).toEqual([]);
    // The same header without the scheme, and a valid token in a wrong scheme, are refused too.
    expect(await walk(s.alice.token, unauthenticated, (t) => !t.isPublic && t.name.includes('organizations'))).toEqual([]);
    expect(await walk(`Basic ${s.alice.token}`, unauthenticated, (t) => !t.isPublic && t.name.includes('organizations'))).toEqual([]);
  });

  it('answers 404 to another organization on organization A’s objects, 403 on the platform admins’ routes', async () => {
    const ids: string[] = Object.values(idsOfA());
    expect(await walk(`Bearer ${s.bob.token}`, otherOrganization(ids))).toEqual([]);
  });

  let viewerDenials: Map<string, Answer>;
  it('answers 403 to a viewer wherever a permission beyond reading is needed', async () => {
    viewerDenials = new Map();
    const failures = await walk(
      `Bearer ${viewerToken}`,
      (t, a) => {
        if (a.status === 403) viewerDenials.set(t.name, a);
        // REST: exactly the routes documenting PERMISSION_DENIED; tRPC: the admins', every mutation,
        // and the clone estimate (a read-only query that needs the clone permission, as in REST).
        return roleCheck((x) => x.adminOnly || (x.documents403 ?? (x.mutation || x.name === 'trpc clones.estimate')))(t, a);
      },
    );
    expect(failures).toEqual([]);
  });

  it('answers 403 to a developer where the developer role lacks the permission the viewer was denied', async () => {
    // Last: a developer may clone, start and stop; what it may do changes organization A.
    const denied = (t: WalkTarget) => viewerDenials.has(t.name);
    const failures = await walk(
      `Bearer ${developerToken}`,
      roleCheck((t) => t.adminOnly || !roleHolds('developer', viewerDenials.get(t.name) as Answer)),
      (t) => !t.isPublic && denied(t),
    );
    expect(failures).toEqual([]);
  });
});

registerAgentChecks(() => s);
registerInputChecks(() => s);

describe('logs', () => {
  it('hold none of the tokens, passwords, API keys, tickets and secrets the suite used', async () => {
    // Every operation's log through the API, and every agent task's record.
    const ops = await s.ctl.admin.ok<{ items: CloneOperation[] }>('GET', '/api/v1/admin/clone-operations?limit=100');
    const operationLogs: string[] = [];
    for (const op of ops.items) operationLogs.push(JSON.stringify(await s.ctl.admin.ok('GET', `/api/v1/clone-operations/${op.id}/logs`)));
    const { rows } = await s.ctl.db.query<{ t: string }>('SELECT row_to_json(tasks)::text AS t FROM tasks');
    const sources = {
      controller: s.logs.text(),
      'operation logs': operationLogs.join('\n'),
      'agent tasks': rows.map((r) => r.t).join('\n'),
    };
    const leaks = Object.entries(sources).flatMap(([where, text]) => s.secrets.leakedIn(text).map((what) => `${what} in the ${where}`));
    const bytes = Object.values(sources).reduce((n, t) => n + t.length, 0);
    expect(sources.controller.length).toBeGreaterThan(10_000);
    expect(leaks).toEqual([]);
    console.log(
      `security suite: ${walked.rest} REST routes and ${walked.trpc} tRPC procedures walked, ${s.count.cases} cases, ` +
        `${s.secrets.size} secrets looked for in ${Math.round(bytes / 1024)} KiB of logs (${ops.items.length} operations), leaked secrets = ${leaks.length}`,
    );
  });
});
