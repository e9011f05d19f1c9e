// Rate limiting of mutations: a per-user token bucket shared by REST and tRPC; an empty bucket
// answers 429 RATE_LIMIT_EXCEEDED with Retry-After (seconds). Reads are not limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody, Organization } from '@oec/shared';
import { startController, startPostgres } from './harness.js';
import type { Client, Controller, Postgres, Res } from './harness.js';

let postgres: Postgres;
let ctl: Controller;

beforeAll(async () => {
  postgres = await startPostgres();
  ctl = await startController(postgres, { OEC_RATE_LIMIT_PER_MINUTE: '3' });
});

afterAll(async () => {
  await ctl?.close();
  await postgres?.close();
});

/** Mutate until refused (a bucket of 3 per minute refills one token every 20 s). */
async function exhaust(mutate: () => Promise<Res>): Promise<{ accepted: number; refused: Res }> {
  for (let accepted = 0; accepted < 50; accepted++) {
    const res = await mutate();
    if (res.status === 429) return { accepted, refused: res };
    expect(res.status).toBeLessThan(300);
  }
  throw new Error('never rate limited');
}

describe('rate limiting', () => {
  let alice: Client;
  let aliceToken: string;

  beforeAll(async () => {
    ({ api: alice, token: aliceToken } = await ctl.createUser('alice@example.com'));
  });

  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a user’s mutations exceed the limit', async () => {
    const { accepted, refused } = await exhaust(() => alice.post('/api/v1/organizations', { name: 'o' }));
    expect(accepted).toBeGreaterThanOrEqual(3);
    const body = refused.body as ErrorBody;
    expect(body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(body.error.details).toEqual({ retry_after_seconds: retryAfter });
    // Reads still work, and other users have their own bucket.
    expect((await alice.get('/api/v1/organizations')).status).toBe(200);
    const bob = (await ctl.createUser('bob@example.com')).api;
    expect((await bob.post('/api/v1/organizations', { name: 'b' })).status).toBe(201);
  });

  it('limits tRPC mutations with the same bucket', async () => {
    const trpcCreate = () =>
      ctl.as(aliceToken).request<{ error: { data: { appCode: string } } }>('POST', '/trpc/organizations.create', {
        body: { name: 'via-trpc' },
      });
    const res = await trpcCreate();
    expect(res.status).toBe(429);
    expect(res.body.error.data.appCode).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // tRPC queries are not limited.
    const list = await ctl.as(aliceToken).request<{ result: { data: { items: Organization[] } } }>('GET', '/trpc/organizations.list');
    expect(list.status).toBe(200);
  });

  it('limits a fresh user over tRPC too', async () => {
    const { token } = await ctl.createUser('carol@example.com');
    const { accepted, refused } = await exhaust(() =>
      ctl.as(token).request('POST', '/trpc/organizations.create', { body: { name: 'c' } }),
    );
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
