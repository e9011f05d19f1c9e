import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentDbName, type EnvironmentSpec } from '@oec/shared';
import { collect } from '../exec/run.js';
import { createLogger } from '../logger.js';
import { psqlArgv, tarCreateArgv } from '../commands/index.js';
import { stopCluster, type ClusterInfo } from '../postgres/cluster.js';
import { startOwnedCluster } from '../postgres/owned.js';
import { targetFromCluster } from '../postgres/target.js';
import { LocalRuntime } from './local.js';

let dataDir = '';
let cluster: ClusterInfo | undefined;
let runtime: LocalRuntime;
let admin: pg.Client;
const signal = new AbortController().signal;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oec-local-runtime-'));
  cluster = await startOwnedCluster({ dataDir });
  runtime = new LocalRuntime({
    dataDir,
    pg: targetFromCluster(cluster),
    hostname: 'test-host',
    peerUrl: null,
    appHost: '127.0.0.1',
    childEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logger: createLogger('silent'),
  });
  admin = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query('CREATE ROLE oec_probe LOGIN');
});

afterAll(async () => {
  await admin?.end();
  await runtime?.close();
  if (cluster) await stopCluster(cluster);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function spec(): EnvironmentSpec {
  const id = randomUUID();
  return {
    environment_id: id,
    db_name: environmentDbName(id),
    name: 'staging',
    domain: 'staging.example.com',
    odoo_version: '17.0',
    addons: [
      { kind: 'platform', name: 'odoo-enterprise', repository_url: null, ref: null },
      { kind: 'project', name: 'custom_addons', repository_url: 'https://git.example.com/x.git', ref: 'main' },
    ],
  };
}

/** Try to connect as `user`; returns the error message or 'ok'. */
async function connectAs(user: string, database: string): Promise<string> {
  const c = new pg.Client({ host: '127.0.0.1', port: cluster?.port, user, database });
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

describe('LocalRuntime', () => {
  it('reports facts', async () => {
    const facts = await runtime.facts();
    expect(facts).toMatchObject({ hostname: 'test-host', runtime: 'local', peer_url: null, tls_fingerprint: null });
    expect(facts.pg_version).toMatch(/^\d+\.\d+/);
    expect(facts.tools.pg_dump).toMatch(/^\d+\.\d+/);
    expect(facts.tools.tar).toMatch(/^\d+\.\d+/);
    expect(facts.disk_total_bytes).toBeGreaterThan(0);
    expect(typeof facts.bufferutil).toBe('boolean');
  });

  it('runs an environment through create, start, stop and destroy, each idempotent', async () => {
    const s = spec();
    const layout = join(dataDir, 'environments', s.environment_id);

    // create
    const location = await runtime.create(s, signal);
    expect(location).toEqual({
      db_name: s.db_name,
      filestore_path: join(layout, 'filestore', s.db_name),
      addons_path: join(layout, 'addons'),
      connection: { host: '127.0.0.1', port: cluster?.port, database: s.db_name, user: s.db_name },
    });
    expect(await runtime.create(s, signal)).toEqual(location);
    const { rows } = await admin.query<{ owner: string; inherit: boolean; login: boolean }>(
      `SELECT pg_get_userbyid(d.datdba) AS owner, r.rolinherit AS inherit, r.rolcanlogin AS login
         FROM pg_database d JOIN pg_roles r ON r.rolname = $1 WHERE d.datname = $1`,
      [s.db_name],
    );
    expect(rows).toEqual([{ owner: s.db_name, inherit: true, login: true }]);
    for (const dir of ['sessions', `filestore/${s.db_name}`, 'addons/platform/odoo-enterprise', 'addons/project/custom_addons']) {
      expect(statSync(join(layout, dir)).isDirectory()).toBe(true);
    }
    const source = JSON.parse(await readFile(join(layout, 'addons/project/custom_addons/.source.json'), 'utf8')) as unknown;
    expect(source).toMatchObject({ kind: 'project', ref: 'main' });
    expect(statSync(join(layout, 'secrets.json')).mode & 0o777).toBe(0o600);
    // Nobody but superusers may connect before start: neither PUBLIC nor the owner role.
    expect(await connectAs('oec_probe', s.db_name)).toMatch(/permission denied/);
    expect(await connectAs(s.db_name, s.db_name)).toMatch(/permission denied/);

    // start
    await runtime.start(s, signal);
    const status = await runtime.appStatus(s);
    expect(status).toMatchObject({ running: true, healthy: true });
    const page = await fetch(`${status.url}/web/database/selector`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(s.db_name);
    const info = (await (await fetch(`${status.url}/web/webclient/version_info`)).json()) as { result: { server_version: string } };
    expect(info.result.server_version).toBe('17.0');
    expect(await runtime.appVersion(s, signal)).toBe('17.0');
    expect(statSync(join(layout, 'odoo.conf')).mode & 0o777).toBe(0o600);
    expect(await connectAs(s.db_name, s.db_name)).toBe('ok');
    expect(await connectAs('oec_probe', s.db_name)).toMatch(/permission denied/);
    const pid = (JSON.parse(await readFile(join(layout, 'app.json'), 'utf8')) as { pid: number }).pid;
    await runtime.start(s, signal);
    expect((JSON.parse(await readFile(join(layout, 'app.json'), 'utf8')) as { pid: number }).pid).toBe(pid);
    // create re-run on a started environment leaves it reachable
    await runtime.create(s, signal);
    expect((await runtime.appStatus(s)).healthy).toBe(true);

    // stop
    await runtime.stop(s, signal);
    expect(await runtime.appStatus(s)).toEqual({ running: false, url: null, healthy: false });
    // Gone, or at most a zombie not yet reaped by this (parent) process: no command line left.
    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).toBe('');
    expect(await fetch(`${status.url}/web/database/selector`).then(() => 'answered', () => 'refused')).toBe('refused');
    expect(await connectAs(s.db_name, s.db_name)).toMatch(/permission denied/);
    await runtime.stop(s, signal);

    // restart after stop works
    await runtime.start(s, signal);
    expect((await runtime.appStatus(s)).healthy).toBe(true);

    // destroy
    await runtime.destroy(s, signal);
    await runtime.destroy(s, signal);
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1', [
      s.db_name,
    ]);
    expect(left.rowCount).toBe(0);
    expect(existsSync(layout)).toBe(false);
    expect(await runtime.inspect(s, signal)).toEqual({
      exists: false,
      database_bytes: 0,
      filestore_bytes: 0,
      filestore_files: 0,
      addons_bytes: 0,
    });
  });

  it('refuses to start an environment that was never created', async () => {
    await expect(runtime.start(spec(), signal)).rejects.toMatchObject({ code: 'ENVIRONMENT_NOT_FOUND' });
  });

  it('inspects sizes and runs client tools with the connection in the environment', async () => {
    const s = spec();
    await runtime.create(s, signal);
    const q = (argv: string[], as: 'admin' | 'app' = 'admin') => collect(runtime.exec(argv, { signal, environment: s, as }));
    await q(psqlArgv({ db: s.db_name, command: 'CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g' }));
    const whoami = await q(psqlArgv({ db: s.db_name, command: 'SELECT current_user', tuplesOnly: true }));
    expect(whoami.stdout.trim()).toBe('postgres');
    const sizes = await runtime.inspect(s, signal);
    expect(sizes.exists).toBe(true);
    expect(sizes.database_bytes).toBeGreaterThan(1_000_000);
    expect(sizes.addons_bytes).toBeGreaterThan(0);
    const tar = runtime.exec(tarCreateArgv({ cwd: join(dataDir, 'environments', s.environment_id), paths: ['addons'] }), { signal });
    const archive = await collect(tar);
    expect(archive.stdout.length).toBeGreaterThan(1024);
    expect(() => runtime.exec(['sh', '-c', 'id'], { signal })).toThrow(/not a client tool/);
    // As the app role (CONNECT only once started).
    await runtime.start(s, signal);
    const asApp = await q(psqlArgv({ db: s.db_name, command: 'SELECT current_user', tuplesOnly: true }), 'app');
    expect(asApp.stdout.trim()).toBe(s.db_name);
    await runtime.destroy(s, signal);
  });
});
