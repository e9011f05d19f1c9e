// The local runtime with a PostgreSQL cluster per environment (OEC_LOCAL_CLUSTERS=per_environment):
// real clusters under a temp data dir, as the agent runs them.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentDbName, type EnvironmentSpec } from '@oec/shared';
import { psqlArgv } from '../commands/index.js';
import { collect } from '../exec/run.js';
import { createLogger } from '../logger.js';
import { findPgBinDir, startCluster, stopCluster } from '../postgres/cluster.js';
import { EnvironmentClusters, stopEnvironmentClusters } from './local-clusters.js';
import { LocalRuntime } from './local.js';

const signal = new AbortController().signal;
const binDir = findPgBinDir();
let dataDir = '';

function runtimeOn(dir: string): { runtime: LocalRuntime; clusters: EnvironmentClusters } {
  const logger = createLogger('silent');
  const clusters = new EnvironmentClusters({ dataDir: dir, binDir, logger });
  const runtime = new LocalRuntime({
    dataDir: dir,
    clusters,
    hostname: 'test-host',
    peerUrl: null,
    appHost: '127.0.0.1',
    childEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logger,
  });
  return { runtime, clusters };
}

function spec(name: string): EnvironmentSpec {
  const id = randomUUID();
  return { environment_id: id, db_name: environmentDbName(id), name, domain: `${name}.example.com`, odoo_version: '17.0', addons: [] };
}

/** Connect as `user` (trust on loopback: the role and the CONNECT grant decide); the error or 'ok'. */
async function connectAs(port: number, user: string, database: string): Promise<string> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, database });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function postmasterPid(envDir: string): Promise<number> {
  return Number((await readFile(join(envDir, 'postgres', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

/** Alive: gone, or at most a zombie nobody reaped yet (pg_ctl daemonizes it), has no command line. */
async function alive(pid: number): Promise<boolean> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) !== '';
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oec-local-clusters-'));
});

afterAll(async () => {
  if (!dataDir) return;
  await stopEnvironmentClusters(dataDir, binDir);
  await rm(dataDir, { recursive: true, force: true });
});

describe('LocalRuntime with a cluster per environment', () => {
  it('gives each environment its own cluster, reachable only by its own role, gone with the environment', async () => {
    const { runtime } = runtimeOn(dataDir);
    const a = spec('alpha');
    const b = spec('beta');
    try {
      const [la, lb] = await Promise.all([runtime.create(a, signal), runtime.create(b, signal)]);
      const [pa, pb] = [la.connection.port, lb.connection.port];
      expect(pa).toBeGreaterThan(0);
      expect(pb).toBeGreaterThan(0);
      expect(pa).not.toBe(pb);
      expect(runtime.locate(a).connection).toEqual({ host: '127.0.0.1', port: pa, database: a.db_name, user: a.db_name });
      const dirA = join(dataDir, 'environments', a.environment_id);
      const dirB = join(dataDir, 'environments', b.environment_id);
      expect(existsSync(join(dirA, 'postgres', 'data', 'PG_VERSION'))).toBe(true);
      expect((await readFile(join(dirA, 'postgres', 'port'), 'utf8')).trim()).toBe(String(pa));
      // As root the server (user postgres) gets through the environment's directory by its group only.
      if (process.getuid?.() === 0) expect(statSync(dirA).mode & 0o077).toBe(0o010);

      // Each database only in its own cluster; the runtime finds each by name.
      const databases = async (port: number) => {
        const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
        await c.connect();
        try {
          return (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE NOT datistemplate')).rows.map((r) => r.datname).sort();
        } finally {
          await c.end();
        }
      };
      expect(await databases(pa)).toEqual([a.db_name, 'postgres'].sort());
      expect(await databases(pb)).toEqual([b.db_name, 'postgres'].sort());
      expect(await runtime.listDatabases()).toEqual([a.db_name, b.db_name, 'postgres'].sort());
      expect(await runtime.withDatabase(b.db_name, async (c) => (await c.query<{ port: string }>('SHOW port')).rows[0]?.port)).toBe(String(pb));

      // Not reachable before start (CONNECT revoked), then by its own role only, in its own cluster.
      expect(await connectAs(pa, a.db_name, a.db_name)).toMatch(/permission denied/);
      await runtime.start(a, signal);
      expect((await runtime.appStatus(a)).healthy).toBe(true);
      expect(await connectAs(pa, a.db_name, a.db_name)).toBe('ok');
      expect(await connectAs(pb, a.db_name, b.db_name)).toMatch(/role .* does not exist/);
      expect(await connectAs(pb, a.db_name, a.db_name)).toMatch(/role .* does not exist/);
      const asApp = await collect(runtime.exec(psqlArgv({ db: a.db_name, command: 'SELECT current_user, inet_server_port()', tuplesOnly: true }), { signal, environment: a, as: 'app' }));
      expect(asApp.stdout.trim()).toBe(`${a.db_name}|${pa}`);

      // stop keeps the cluster (the next start needs it); destroy stops it and removes its files.
      await runtime.stop(a, signal);
      expect(await connectAs(pa, a.db_name, a.db_name)).toMatch(/permission denied/);
      const pid = await postmasterPid(dirA);
      expect(await alive(pid)).toBe(true);
      await runtime.destroy(a, signal);
      await runtime.destroy(a, signal);
      expect(await alive(pid)).toBe(false);
      expect(existsSync(dirA)).toBe(false);
      expect(await runtime.databaseExists(a.db_name)).toBe(false);
      expect(await runtime.inspect(a, signal)).toMatchObject({ exists: false });
      expect(await runtime.listDatabases()).toEqual([b.db_name, 'postgres'].sort());
      expect(existsSync(dirB)).toBe(true);
    } finally {
      await runtime.destroy(a, signal).catch(() => undefined);
      await runtime.destroy(b, signal).catch(() => undefined);
      await runtime.close();
    }
  });

  it("puts a clone's databases in its target's cluster: a template copied across clusters, the replace swap there", async () => {
    const { runtime } = runtimeOn(dataDir);
    const source = spec('prod');
    const target = spec('staging');
    try {
      await runtime.create(source, signal);
      await runtime.create(target, signal);
      await runtime.withDatabase(source.db_name, async (c) => {
        await c.query(`SET ROLE ${source.db_name}`);
        await c.query('CREATE TABLE partner AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 500) g');
      });
      // A stopped source's template copy, into a replace's work database beside the target's.
      const work = `${target.db_name}_n1a2b3c4`;
      const retained = `${target.db_name}_o1a2b3c4`;
      await runtime.createDatabase(work, target, { template: { db_name: source.db_name, role: source.db_name } });
      const copied = await runtime.withDatabase(work, async (c) => {
        const r = await c.query<{ n: string; owner: string; port: string }>(
          "SELECT count(*)::text AS n, (SELECT tableowner FROM pg_tables WHERE tablename = 'partner') AS owner, current_setting('port') AS port FROM partner",
        );
        return r.rows[0];
      });
      expect(copied).toEqual({ n: '500', owner: target.db_name, port: String(runtime.locate(target).connection.port) });
      expect(await connectAs(runtime.locate(target).connection.port, target.db_name, work)).toMatch(/permission denied/);
      expect(await runtime.databaseExists(work)).toBe(true);

      await runtime.swapDatabases(target.db_name, work, retained);
      expect(await runtime.withDatabase(target.db_name, async (c) => (await c.query<{ n: string }>('SELECT count(*)::text AS n FROM partner')).rows[0]?.n)).toBe('500');
      expect(await runtime.databaseExists(retained)).toBe(true);
      await runtime.dropDatabase(retained);
      expect(await runtime.databaseExists(retained)).toBe(false);
      // The source's cluster never saw the clone's databases.
      expect(await runtime.withDatabase(source.db_name, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [[work, retained]])).rowCount)).toBe(0);
    } finally {
      await runtime.destroy(source, signal).catch(() => undefined);
      await runtime.destroy(target, signal).catch(() => undefined);
      await runtime.close();
    }
  });

  it('finds the clusters again after a restart, starting those that were stopped', async () => {
    const first = runtimeOn(dataDir);
    const a = spec('kept');
    const b = spec('rebooted');
    let second: ReturnType<typeof runtimeOn> | undefined;
    try {
      await first.runtime.create(a, signal);
      const lb = await first.runtime.create(b, signal);
      await first.runtime.close();
      // A reboot stops b's cluster; a's keeps running (the agent alone restarted).
      const dirB = join(dataDir, 'environments', b.environment_id);
      await stopCluster({ dataDir: join(dirB, 'postgres', 'data'), binDir });
      second = runtimeOn(dataDir);
      expect(await second.clusters.adopt()).toBe(2);
      expect(second.runtime.locate(b).connection.port).toBe(lb.connection.port);
      expect(await connectAs(lb.connection.port, 'postgres', b.db_name)).toBe('ok');
      expect(await second.runtime.databaseExists(a.db_name)).toBe(true);
      await second.runtime.start(b, signal);
      expect((await second.runtime.appStatus(b)).healthy).toBe(true);
    } finally {
      const rt = second?.runtime ?? first.runtime;
      await rt.destroy(a, signal).catch(() => undefined);
      await rt.destroy(b, signal).catch(() => undefined);
      await second?.runtime.close();
    }
  });

  it("a copy-on-write replace's side cluster: found by its database's name, swapped in and back on the target's port, removed by name", async () => {
    const { runtime } = runtimeOn(dataDir);
    const target = spec('replaced');
    const root = join(dataDir, 'environments', target.environment_id);
    const work = `${target.db_name}_n1a2b3c4`;
    const retained = `${target.db_name}_o1a2b3c4`;
    const [t, w, r] = ['postgres', `postgres.${work}`, `postgres.${retained}`].map((n) => join(root, n)) as [string, string, string];
    const pid = async (dir: string) => Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8').catch(() => '0')).split('\n')[0]);
    try {
      await runtime.create(target, signal);
      const port = runtime.locate(target).connection.port;
      await runtime.withDatabase(target.db_name, (c) => c.query("CREATE TABLE what AS SELECT 'old'::text AS v"));
      // The second cluster a snapshot starts beside the target's (initdb here: no reflink needed).
      const side = await startCluster({ dir: w, binDir, socketDir: null });
      const admin = new pg.Client({ host: '127.0.0.1', port: side.port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${work}`);
      await admin.end();
      const what = (db: string) =>
        runtime.withDatabase(db, async (c) => (await c.query<{ v: string; port: string }>("SELECT v, current_setting('port') AS port FROM what")).rows[0]);
      await runtime.withDatabase(work, (c) => c.query("CREATE TABLE what AS SELECT 'new'::text AS v"));
      expect(await runtime.databaseExists(work)).toBe(true);
      expect(await what(work)).toEqual({ v: 'new', port: String(side.port) });
      expect(await what(target.db_name)).toEqual({ v: 'old', port: String(port) });

      await runtime.swapClusters(target, work, retained, 'in');
      await runtime.swapClusters(target, work, retained, 'in');
      expect(await what(target.db_name)).toEqual({ v: 'new', port: String(port) });
      expect(runtime.locate(target).connection.port).toBe(port);
      expect([existsSync(w), await runtime.databaseExists(work), await runtime.databaseExists(retained)]).toEqual([false, false, true]);
      // the old cluster is kept stopped, and nothing asking for its name starts it
      expect(await pid(r)).toBe(0);
      expect(await runtime.withDatabase(retained, () => Promise.resolve('reached')).catch((e: Error) => e.message)).toMatch(/no PostgreSQL cluster/);
      expect(await pid(r)).toBe(0);

      await runtime.swapClusters(target, work, retained, 'back');
      await runtime.swapClusters(target, work, retained, 'back');
      expect(await what(target.db_name)).toEqual({ v: 'old', port: String(port) });
      expect([existsSync(r), existsSync(w), await pid(w)]).toEqual([false, true, 0]);

      // in again, then the retention purge: the old cluster goes by its name, the new one serves
      await runtime.swapClusters(target, work, retained, 'in');
      await runtime.dropDatabase(retained);
      expect(existsSync(r)).toBe(false);
      expect(await what(target.db_name)).toEqual({ v: 'new', port: String(port) });

      // a running side cluster is stopped when dropped by name, and when its environment goes
      const again = await startCluster({ dir: w, binDir, socketDir: null });
      const running = await pid(w);
      expect(await alive(running)).toBe(true);
      expect(await runtime.databaseExists(work)).toBe(true);
      await runtime.dropDatabase(work);
      expect([existsSync(w), await alive(running)]).toEqual([false, false]);
      await startCluster({ dir: w, binDir, socketDir: null, port: again.port });
      const last = await pid(w);
      await runtime.destroy(target, signal);
      expect([existsSync(root), await alive(last), await alive(await pid(t))]).toEqual([false, false, false]);
    } finally {
      await runtime.destroy(target, signal).catch(() => undefined);
      await runtime.close();
    }
  });
});
