// The replicas' message bus: PostgreSQL LISTEN/NOTIFY on one channel. Each replica listens on a
// dedicated connection (reconnected with backoff after a database restart) and publishes through
// the pool; a message is JSON `{ from, type, ... }` and reaches every replica but its sender.
// NOTIFY is delivered only to sessions listening at that moment and carries at most ~8 kB: the
// bus carries ids and small events, the rows stay the truth, and every receiver re-reads what it
// needs (and resynchronizes after a reconnect through `onReconnect`).
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { Queryable } from './pool.js';

export const BUS_CHANNEL = 'oec_bus';
/** NOTIFY's payload limit is 8000 bytes; stay below with room for the envelope. */
const MAX_PAYLOAD = 7800;

export type BusMessage = { type: string } & Record<string, unknown>;
export type BusHandler = (msg: BusMessage & { from: string }) => void;

export interface Bus {
  readonly replicaId: string;
  /** Send to every other replica; false when the message is too big (the caller falls back to rows). */
  publish(msg: BusMessage): Promise<boolean>;
  on(type: string, fn: BusHandler): () => void;
  /** Called after the listening connection came back (messages may have been missed). */
  onReconnect(fn: () => void): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface BusOptions {
  databaseUrl: string;
  db: Queryable;
  replicaId: string;
  logger: Logger;
}

export function createBus(o: BusOptions): Bus {
  const log = o.logger.child({ component: 'bus' });
  const handlers = new Map<string, Set<BusHandler>>();
  const reconnects: (() => void)[] = [];
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  function deliver(payload: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as BusMessage & { from?: unknown };
    if (typeof m.type !== 'string' || typeof m.from !== 'string' || m.from === o.replicaId) return;
    for (const fn of [...(handlers.get(m.type) ?? [])]) {
      try {
        fn(m as BusMessage & { from: string });
      } catch (err) {
        log.error({ err, type: m.type }, 'bus handler failed');
      }
    }
  }

  async function connect(first: boolean): Promise<void> {
    const c = new pg.Client({ connectionString: o.databaseUrl, application_name: `oec-controller ${o.replicaId} bus` });
    c.on('notification', (n) => {
      if (n.channel === BUS_CHANNEL && n.payload) deliver(n.payload);
    });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'bus connection failed; listening again');
      lost(c);
    });
    c.on('end', () => lost(c));
    await c.connect();
    await c.query(`LISTEN ${BUS_CHANNEL}`);
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    failures = 0;
    if (!first) {
      log.info('bus listening again');
      for (const fn of reconnects) fn();
    }
  }

  function lost(c: pg.Client): void {
    if (client !== c) return;
    client = undefined;
    c.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (closed || retry) return;
    const delay = Math.min(5000, 250 * 2 ** Math.min(failures, 5));
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      connect(false).catch((err: unknown) => {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'bus reconnect failed');
        schedule();
      });
    }, delay);
    retry.unref();
  }

  return {
    replicaId: o.replicaId,
    async publish(msg) {
      const payload = JSON.stringify({ ...msg, from: o.replicaId });
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) return false;
      await o.db.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, payload]);
      return true;
    },
    on(type, fn) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    onReconnect: (fn) => void reconnects.push(fn),
    start: () => connect(true),
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

/** A bus for a single process (tests, tools): nothing to send to, nothing arrives. */
export function localBus(replicaId = 'local'): Bus {
  return {
    replicaId,
    publish: () => Promise.resolve(true),
    on: () => () => undefined,
    onReconnect: () => undefined,
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
