// The controller lock (decision 0015) on a real cluster: a second holder of the same database is
// refused after its wait, another database is independent, a lost session is taken again, and a
// holder whose session was killed while another controller waited learns it lost the lock, and
// a PostgreSQL restart costs the lock only for as long as PostgreSQL is down.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, stopCluster } from '@oec/agent/postgres';
import { ControllerLockError, createControllerLock, createLogger } from '@oec/controller';
import type { ControllerLock, ControllerLockOptions } from '@oec/controller';
import { startPostgres, waitFor } from './harness.js';
import type { Postgres } from './harness.js';

let postgres: Postgres;
const locks: ControllerLock[] = [];
const logger = createLogger(process.env.OEC_TEST_LOG_LEVEL ?? 'silent');

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  for (const l of locks) await l.release();
  await postgres?.close();
});

function lock(databaseUrl: string, o: Partial<ControllerLockOptions> = {}): ControllerLock {
  const l = createControllerLock({ databaseUrl, logger, waitMs: 300, retryMs: 100, ...o });
  locks.push(l);
  return l;
}

async function terminate(databaseUrl: string, pid: number): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await c.end();
  }
}

describe('controller lock', () => {
  it('refuses a second holder of the same database after its wait, not one of another database', async () => {
    const url = await postgres.createDatabase();
    const first = lock(url);
    await first.acquire();
    const started = Date.now();
    const err = await lock(url).acquire().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerLockError);
    expect((err as Error).message).toMatch(/^another controller is running against this database \(database "contract_\d+_\d+" on /);
    expect((err as Error).message).toContain(`PostgreSQL session ${first.backendPid()}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);

    await lock(await postgres.createDatabase()).acquire();
    await first.release();
    await lock(url).acquire();
  });

  it('takes the lock again when its session is killed and nobody else wants it', async () => {
    const url = await postgres.createDatabase();
    const l = lock(url);
    await l.acquire();
    const pid = l.backendPid() as number;
    await terminate(url, pid);
    await waitFor(() => (l.backendPid() ?? pid) !== pid, 'the lock taken again on a new session');
    expect(await lock(url).acquire().then(() => 'acquired', (e: unknown) => e)).toBeInstanceOf(ControllerLockError);
  });

  it('lets a waiting controller in when the holder is killed, and tells the old holder it lost', async () => {
    const url = await postgres.createDatabase();
    const taken: ControllerLockError[] = [];
    // The first retries slowly, so the second, waiting, takes the lock first.
    const first = lock(url, { retryMs: 1500, onTaken: (e) => taken.push(e) });
    await first.acquire();
    const second = lock(url, { waitMs: 20_000 });
    const acquiring = second.acquire();
    await new Promise((r) => setTimeout(r, 300));
    await terminate(url, first.backendPid() as number);
    await acquiring;
    const reported = await waitFor(() => taken[0], 'the first holder to learn another controller took the lock');
    expect(reported.message).toMatch(/^another controller is running against this database/);
    expect(reported.message).toContain(`PostgreSQL session ${second.backendPid()}`);
    expect(first.backendPid()).toBeNull();
  });

  it('takes the lock again once a restarted PostgreSQL is back, and keeps it against newcomers', async () => {
    const url = await postgres.createDatabase();
    const taken: ControllerLockError[] = [];
    const l = lock(url, { onTaken: (e) => taken.push(e) });
    await l.acquire();
    const before = l.backendPid();
    await stopCluster(postgres.cluster);
    await waitFor(() => l.backendPid() === null, 'the lost session noticed');
    await new Promise((r) => setTimeout(r, 1000));
    await startCluster({ dir: postgres.cluster.dir });
    const after = await waitFor(() => l.backendPid() ?? undefined, 'the lock taken again after the restart', 60_000);
    expect(after).not.toBe(before);
    expect(await lock(url).acquire().then(() => 'acquired', (e: unknown) => e)).toBeInstanceOf(ControllerLockError);
    expect(taken).toEqual([]);
  });
});
