// Dashboard sign-in contract: email + password (scrypt), one-time sign-in links, setting one's
// password, rate limits per email, no other API route opened, the dashboard served at / with the
// API untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createSignInLink } from '@oec/controller';
import type { AuthUser, ErrorBody, InviteLink, Organization, Session } from '@oec/shared';
import { client, startController, startPostgres } from './harness.js';
import type { Controller, Postgres, User } from './harness.js';

let postgres: Postgres;
let ctl: Controller;
let bob: User;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  postgres = await startPostgres();
  ctl = await startController(postgres);
  bob = await ctl.createUser('bob@example.com');
});
afterAll(async () => {
  await ctl?.close();
  await postgres?.close();
});

function code(body: unknown): string | undefined {
  return (body as ErrorBody | null)?.error?.code;
}

describe('dashboard sign-in', () => {
  it('lets a user without a password set one, then sign in with it; wrong passwords are 401', async () => {
    const me = await bob.api.ok<AuthUser>('GET', '/api/v1/auth/me');
    expect(me).toMatchObject({ email: 'bob@example.com', has_password: false });
    const short = await bob.api.post('/api/v1/auth/password', { password: 'short' });
    expect([short.status, code(short.body)]).toEqual([400, 'VALIDATION_ERROR']);
    const set = await bob.api.post<AuthUser>('/api/v1/auth/password', { password: PASSWORD });
    expect([set.status, set.body.has_password]).toEqual([200, true]);
    const { rows } = await ctl.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [bob.id]);
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(rows[0]?.password_hash).not.toContain(PASSWORD);

    const anon = client(ctl.url, null);
    const ok = await anon.post<Session>('/api/v1/auth/login', { email: 'Bob@Example.com', password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: bob.id, has_password: true });
    expect((await client(ctl.url, ok.body.token).get('/api/v1/organizations')).status).toBe(200);

    for (const body of [
      { email: 'bob@example.com', password: 'wrong password!' },
      { email: 'nobody@example.com', password: PASSWORD },
    ]) {
      const res = await anon.post('/api/v1/auth/login', body);
      expect([res.status, code(res.body)]).toEqual([401, 'UNAUTHENTICATED']);
      expect(JSON.stringify(res.body)).toContain('Invalid email or password');
    }
    // Changing it needs the current one.
    const change = await bob.api.post('/api/v1/auth/password', { password: 'another long one' });
    expect([change.status, code(change.body)]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('rate limits attempts per email (429 with Retry-After)', async () => {
    const anon = client(ctl.url, null);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await anon.post('/api/v1/auth/login', { email: 'carol@example.com', password: `guess ${i}` })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await anon.post('/api/v1/auth/login', { email: 'carol@example.com', password: 'x' });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('exchanges a sign-in link once for a token; unknown and used links are 401', async () => {
    const pool = new pg.Pool({ connectionString: ctl.databaseUrl, max: 1 });
    const { token } = await createSignInLink({ query: (t, v) => pool.query(t, v) }, { now: () => new Date() }, bob.id, 60);
    await pool.end();
    const anon = client(ctl.url, null);
    const first = await anon.post<Session>('/api/v1/auth/link', { token });
    expect([first.status, first.body.user.email]).toEqual([200, 'bob@example.com']);
    const again = await anon.post('/api/v1/auth/link', { token });
    expect([again.status, code(again.body)]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await anon.post('/api/v1/auth/link', { token: 'x'.repeat(43) });
    expect(unknown.status).toBe(401);
    const { rows } = await ctl.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sign_in_links WHERE token_hash = $1', [token]);
    expect(rows[0]?.n).toBe(0);
  });

  it('invites a member without a password by a one-time link; admins only, never for one with a password', async () => {
    const org = await ctl.admin.ok<Organization>('POST', '/api/v1/organizations', { name: 'Invites' });
    await ctl.admin.ok('POST', `/api/v1/organizations/${org.id}/members`, { email: 'dora@example.com', role: 'developer' });
    await ctl.admin.ok('POST', `/api/v1/organizations/${org.id}/members`, { email: 'bob@example.com', role: 'viewer' });
    const invite = await ctl.admin.post<InviteLink>('/api/v1/auth/invite', { organization_id: org.id, email: 'Dora@example.com' });
    expect([invite.status, invite.body.email]).toEqual([200, 'dora@example.com']);
    const anon = client(ctl.url, null);
    const session = await anon.post<Session>('/api/v1/auth/link', { token: invite.body.token });
    expect([session.status, session.body.user.email, session.body.user.has_password]).toEqual([200, 'dora@example.com', false]);
    const dora = client(ctl.url, session.body.token);
    expect((await dora.post<AuthUser>('/api/v1/auth/password', { password: 'dora has a password' })).status).toBe(200);
    expect((await anon.post('/api/v1/auth/login', { email: 'dora@example.com', password: 'dora has a password' })).status).toBe(200);

    const again = await ctl.admin.post('/api/v1/auth/invite', { organization_id: org.id, email: 'dora@example.com' });
    expect([again.status, code(again.body)]).toEqual([409, 'CONFLICT']);
    const notMember = await ctl.admin.post('/api/v1/auth/invite', { organization_id: org.id, email: 'nobody@example.com' });
    expect([notMember.status, code(notMember.body)]).toEqual([404, 'USER_NOT_FOUND']);
    // bob is a viewer there: no members.manage.
    const byViewer = await bob.api.post('/api/v1/auth/invite', { organization_id: org.id, email: 'dora@example.com' });
    expect([byViewer.status, code(byViewer.body)]).toEqual([403, 'PERMISSION_DENIED']);
    expect((await anon.post('/api/v1/auth/invite', { organization_id: org.id, email: 'dora@example.com' })).status).toBe(401);
  });

  it('keeps every other route authenticated; logout is a 204', async () => {
    const anon = client(ctl.url, null);
    expect((await anon.get('/api/v1/auth/me')).status).toBe(401);
    expect((await anon.post('/api/v1/auth/password', { password: PASSWORD })).status).toBe(401);
    expect((await anon.get('/api/v1/organizations')).status).toBe(401);
    expect((await anon.request('POST', '/api/v1/auth/logout')).status).toBe(204);
    const missing = await anon.get('/api/v1/nothing-here');
    expect(missing.status).toBe(401);
  });
});
