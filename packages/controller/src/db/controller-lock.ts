// The controller's singleton lock (decision 0015): a PostgreSQL session advisory lock held on a
// dedicated connection for the controller's whole life. Startup recovery fails every operation
// that was running, so a second controller on the same database must never get past it while
// the first is alive: acquire() waits a bounded time for a holder to go away (a SIGKILLed
// controller's session ends when its socket closes) and then refuses. When the connection drops
// later (PostgreSQL restarted) the lock is taken again; if another controller got it meanwhile,
// onTaken is called once and the controller must stop driving operations.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from '../logger.js';

export const CONTROLLER_LOCK_NAME = 'oec.controller.singleton';

/** The lock's key: the first 8 bytes of sha256(CONTROLLER_LOCK_NAME) as a signed bigint (text). */
export const CONTROLLER_LOCK_KEY = BigInt.asIntN(
  64,
  BigInt(`0x${createHash('sha256').update(CONTROLLER_LOCK_NAME).digest('hex').slice(0, 16)}`),
).toString();

export class ControllerLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControllerLockError';
  }
}

/** The PostgreSQL session holding the lock, as pg_locks and pg_stat_activity show it. */
export interface LockHolder {
  pid: number;
  application_name: string | null;
  client: string | null;
  backend_start: Date | null;
}

export interface ControllerLockOptions {
  databaseUrl: string;
  logger: Logger;
  /** How long acquire() waits for another holder to go away before refusing. */
  waitMs: number;
  /** Pause between attempts (default 500 ms). */
  retryMs?: number;
  /** Called once when the lock was lost and another controller holds it now. */
  onTaken?: (err: ControllerLockError) => void;
}

export interface ControllerLock {
  /** Take the lock, waiting up to waitMs; throws ControllerLockError when another controller keeps it. */
  acquire(): Promise<void>;
  /** End the lock's session (releasing the lock); no re-acquiring after this. */
  release(): Promise<void>;
  /** The backend pid of the session holding our lock (null when not held). */
  backendPid(): number | null;
}

const HOLDER_SQL = `SELECT l.pid, a.application_name, host(a.client_addr) AS client, a.backend_start
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid::bigint = ($1::bigint >> 32) & 4294967295 AND l.objid::bigint = $1::bigint & 4294967295`;

/** Where the database is, for messages: host, port and name, never the URL's password or query. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const name = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
    return `database "${name}" on ${host}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return 'the configured database';
  }
}

function describeHolder(h: LockHolder | null): string {
  if (!h) return 'the holder has just gone';
  const parts = [`PostgreSQL session ${h.pid}`];
  if (h.application_name) parts.push(`application "${h.application_name}"`);
  if (h.client) parts.push(`from ${h.client}`);
  if (h.backend_start) parts.push(`connected since ${h.backend_start.toISOString()}`);
  return parts.join(', ');
}

/** The refusal; waitedMs null: the lock was lost while running and another controller took it. */
export function takenMessage(databaseUrl: string, holder: LockHolder | null, waitedMs: number | null): string {
  const who = `another controller is running against this database (${describeDatabase(databaseUrl)}; ${describeHolder(holder)})`;
  if (waitedMs === null) {
    return `${who}: it took the controller lock while this controller's lock session was lost; this controller stops so that two never drive the same operations (decision 0015).`;
  }
  return (
    `${who}: waited ${Math.round(waitedMs / 1000)} s for it to exit. Stop it first: two controllers on one database would ` +
    `fail each other's operations (decision 0015). A session left by a vanished host can be ended with pg_terminate_backend(pid).`
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export function createControllerLock(o: ControllerLockOptions): ControllerLock {
  const retryMs = o.retryMs ?? 500;
  const log = o.logger.child({ component: 'controller-lock' });
  // Who this controller is, for the other one's message (application_name is at most 63 bytes).
  const appName = `oec-controller ${hostname()} pid ${process.pid}`.slice(0, 63);
  let held: { client: pg.Client; pid: number; backendStart: Date | null } | null = null;
  let releasing = false;
  let recovering = false;

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: o.databaseUrl, application_name: appName, keepAlive: true });
    // Until it holds the lock, a failing client is reported by the query that uses it.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async function tryLock(client: pg.Client): Promise<boolean> {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [CONTROLLER_LOCK_KEY]);
    return rows[0]?.ok === true;
  }

  async function holderOf(client: pg.Client): Promise<LockHolder | null> {
    const { rows } = await client.query<LockHolder>(HOLDER_SQL, [CONTROLLER_LOCK_KEY]);
    return rows[0] ?? null;
  }

  async function hold(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ pid: number; backend_start: Date | null }>(
      'SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()',
    );
    held = { client, pid: rows[0]?.pid ?? 0, backendStart: rows[0]?.backend_start ?? null };
    const onLost = (err?: Error) => void lost(client, err);
    client.removeAllListeners('error');
    client.on('error', onLost);
    client.on('end', () => onLost());
  }

  async function lost(client: pg.Client, err?: Error): Promise<void> {
    if (releasing || recovering || held?.client !== client) return;
    const old = held;
    held = null;
    recovering = true;
    log.warn({ err: err?.message }, 'lost the database session holding the controller lock; taking the lock again');
    try {
      for (let n = 1; !releasing; n++) {
        await sleep(retryMs);
        let next: pg.Client | undefined;
        try {
          next = await connect();
          const got = await tryLock(next);
          // release() ran meanwhile: this session must not outlive the controller's close().
          if (releasing) {
            await next.end().catch(() => undefined);
            return;
          }
          if (got) {
            await hold(next);
            log.info({ attempts: n }, 'controller lock taken again');
            return;
          }
          const holder = await holderOf(next);
          // Our old session may outlive its socket on the server side: end it and try again.
          if (holder && holder.pid === old.pid && holder.backend_start?.getTime() === old.backendStart?.getTime()) {
            await next.query('SELECT pg_terminate_backend($1)', [holder.pid]);
          } else if (holder) {
            await next.end().catch(() => undefined);
            const taken = new ControllerLockError(takenMessage(o.databaseUrl, holder, null));
            log.error({ holder }, taken.message);
            o.onTaken?.(taken);
            return;
          }
          await next.end().catch(() => undefined);
        } catch (e) {
          await next?.end().catch(() => undefined);
          log.debug({ err: e instanceof Error ? e.message : String(e), attempts: n }, 'controller lock: database not reachable yet');
        }
      }
    } finally {
      recovering = false;
    }
  }

  return {
    async acquire() {
      const started = Date.now();
      const client = await connect();
      let warned = false;
      try {
        for (;;) {
          if (await tryLock(client)) {
            await hold(client);
            if (warned) log.info({ waited_ms: Date.now() - started }, 'controller lock taken: the other controller is gone');
            return;
          }
          const holder = await holderOf(client);
          const waited = Date.now() - started;
          if (waited >= o.waitMs) throw new ControllerLockError(takenMessage(o.databaseUrl, holder, waited));
          if (!warned) {
            log.warn({ holder, wait_ms: o.waitMs }, 'another controller holds this database: waiting for it to exit');
            warned = true;
          }
          await sleep(Math.min(retryMs, o.waitMs - waited));
        }
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
    },
    async release() {
      releasing = true;
      const h = held;
      held = null;
      await h?.client.end().catch(() => undefined);
    },
    backendPid: () => held?.pid ?? null,
  };
}
