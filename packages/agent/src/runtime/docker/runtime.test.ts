// DockerRuntime against a real engine (skipped, with the reason printed, when none answers or the
// images are missing: scripts/docker/engine.sh and scripts/docker/build-images.sh provide both),
// and the pure builders of its objects (always run). Every object the suite creates carries a
// server label of its own; afterwards nothing carrying it may remain.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentSpec } from '@oec/shared';
import { createDockerClient, engineVersion } from '../../docker/client.js';
import { collect, ExecError } from '../../exec/run.js';
import { createLogger } from '../../logger.js';
import { DockerRuntime, type DockerRuntimeOptions } from './index.js';
import { cleanupAll, ensureImage, listLabelled } from './engine.js';
import { ownerOf } from '../database-owner.js';
import { envObjectNames, hostDataDirs, LABEL, odooCreateBody, odooImage, OFFICIAL_ODOO, postgresCreateBody, sideDbContainerName, traefikLabels, type OdooContainerOptions } from './objects.js';
import { envLayout } from '../layout.js';
import { testEnvironmentSpec } from '../../testing/env-spec.js';
import { dockerSkipReason, TEST_IMAGES, TEST_ODOO_USER } from '../../testing/docker-images.js';

const docker = createDockerClient();
const version = await engineVersion(docker);
const skipReason = await dockerSkipReason(docker);
if (skipReason) console.warn(`DockerRuntime tests skipped: ${skipReason}`);

const SERVER = `oec-test-${randomBytes(4).toString('hex')}`;
const signal = new AbortController().signal;

const spec = (name = 'staging'): EnvironmentSpec => testEnvironmentSpec(name);

describe.skipIf(skipReason !== null)(`DockerRuntime (engine ${version ?? 'absent'})`, () => {
  let dataDir = '';
  let runtime: DockerRuntime;
  const psql = (s: EnvironmentSpec, query: string, as: 'admin' | 'app' = 'admin') =>
    collect(runtime.exec(['psql', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', query], { signal, environment: s, as })).then((r) => r.stdout.trim());

  /** A runtime of this suite's server on its data dir; `extra` overrides options. */
  const makeRuntime = (extra: Partial<DockerRuntimeOptions> = {}): DockerRuntime =>
    new DockerRuntime({
      docker,
      dataDir,
      server: SERVER,
      hostname: 'test-host',
      peerUrl: null,
      images: TEST_IMAGES,
      odooUser: TEST_ODOO_USER,
      childEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      logger: createLogger('silent'),
      ...extra,
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'oec-docker-runtime-'));
    runtime = makeRuntime();
  });

  afterAll(async () => {
    await runtime?.close();
    await cleanupAll(docker, { [LABEL.server]: SERVER });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('runs an environment through create, start, exec, databases, stop and destroy, each idempotent', async () => {
    const s = spec();
    const names = envObjectNames(s.environment_id);
    // Before any environment exists, the server reports the PostgreSQL its environments will run
    // (the configured image's), read in a one-off container that is gone again.
    expect((await runtime.facts()).pg_version).toMatch(/^15\.\d+/);
    expect(await listLabelled(docker, { [LABEL.server]: SERVER })).toEqual([]);
    const location = await runtime.create(s, signal);
    await runtime.create(s, signal);
    expect(location.filestore_path).toBe(join(dataDir, 'environments', s.environment_id, 'filestore', s.db_name));
    expect((await listLabelled(docker, { [LABEL.environment]: s.environment_id })).sort()).toEqual(
      [`container /${names.db}`, `network ${names.network}`, `volume ${names.odooData}`, `volume ${names.pgdata}`].sort(),
    );
    expect(await runtime.databaseExists(s.db_name)).toBe(true);
    expect((await runtime.inspect(s, signal)).exists).toBe(true);
    // Nobody but the superuser may connect before start (SPEC §3).
    await expect(psql(s, 'SELECT 1', 'app')).rejects.toThrow(ExecError);
    // Not running: the version command runs in a one-off container of the image.
    expect(await runtime.appVersion(s, signal)).toBe('17.0');

    await runtime.start(s, signal);
    await runtime.start(s, signal);
    const status = await runtime.appStatus(s);
    expect(status).toMatchObject({ running: true, healthy: true });
    expect(await runtime.appVersion(s, signal)).toBe('17.0');
    // The Odoo user (101, as in the official image) owns the directories it writes into.
    const filestoreDir = runtime.locate(s).filestore_path;
    expect(await stat(filestoreDir)).toMatchObject({ uid: TEST_ODOO_USER.uid, gid: TEST_ODOO_USER.gid });
    const odoo = await docker.getContainer(names.odoo).inspect();
    expect(odoo.Config.Image).toBe('oec/odoo-standin:17.0');
    expect(odoo.Config.Labels).toMatchObject({
      [LABEL.server]: SERVER,
      [LABEL.environment]: s.environment_id,
      'traefik.enable': 'true',
      [`traefik.http.routers.${names.odoo}.rule`]: `Host(\`${s.domain}\`)`,
    });

    expect(await psql(s, 'SELECT current_user', 'app')).toBe(s.db_name);
    expect(await psql(s, 'SELECT current_database()')).toBe(s.db_name);
    await runtime.withDatabase(s.db_name, async (c) => {
      await c.query('CREATE TABLE marker (v text)');
      await c.query("INSERT INTO marker VALUES ('old')");
    });
    const dump = await collect(runtime.exec(['pg_dump', '--no-password', '--schema-only', `--dbname=${s.db_name}`], { signal, environment: s, stdout: 'pipe', nice: 10 }));
    expect(dump.stdout).toContain('CREATE TABLE public.marker');

    // The replace shape: a database beside the current one, owned by the role, nobody connected.
    const next = `${s.db_name}_ntest`;
    const retained = `${s.db_name}_otest`;
    await runtime.createDatabase(next, s, {});
    await runtime.createDatabase(next, s, {});
    await runtime.withDatabase(next, async (c) => {
      await c.query('CREATE TABLE marker (v text)');
      await c.query("INSERT INTO marker VALUES ('new')");
    });
    // `postgres` belongs to no environment: its container is never guessed.
    await expect(runtime.withDatabase('postgres', async () => null)).rejects.toThrow(/no PostgreSQL container/);
    const owner = await runtime.withDatabase(next, (c) =>
      c.query<{ owner: string; connect: boolean }>(
        'SELECT datdba::regrole::text AS owner, has_database_privilege($1, datname, $2) AS connect FROM pg_database WHERE datname = $3',
        [s.db_name, 'CONNECT', next],
      ),
    );
    expect(owner.rows[0]).toEqual({ owner: s.db_name, connect: false });

    // The new database in an unrouted trial instance, beside the live app; gone afterwards.
    const candidate = { db_name: next, addons_path: runtime.locate(s).addons_path };
    expect(await runtime.trialApp(s, candidate, signal)).toMatchObject({ healthy: true, version: '17.0' });
    // An instance that never answers its health URL (here: a path the stand-in does not serve).
    const strict = makeRuntime({ odoo: { ...OFFICIAL_ODOO, healthPath: '/web/not-served' }, appHealthTimeoutMs: 3000 });
    const failed = await strict.trialApp(s, candidate, signal);
    await strict.close();
    expect(failed).toMatchObject({ healthy: false, version: null, detail: expect.stringContaining('did not become healthy within 3000 ms') as string });
    expect(await listLabelled(docker, { [LABEL.server]: SERVER, [LABEL.role]: 'odoo-trial' })).toEqual([]);
    expect((await runtime.appStatus(s)).healthy).toBe(true);

    await runtime.stop(s, signal);
    await runtime.swapDatabases(s.db_name, next, retained);
    expect(await runtime.withDatabase(s.db_name, (c) => c.query<{ v: string }>('SELECT v FROM marker')).then((r) => r.rows)).toEqual([{ v: 'new' }]);
    expect(await runtime.withDatabase(retained, (c) => c.query<{ v: string }>('SELECT v FROM marker')).then((r) => r.rows)).toEqual([{ v: 'old' }]);
    await runtime.dropDatabase(retained);
    await runtime.dropDatabase(retained);
    expect(await runtime.databaseExists(retained)).toBe(false);

    await runtime.start(s, signal);
    expect(await runtime.appStatus(s)).toMatchObject({ running: true, healthy: true });
    await runtime.stop(s, signal);
    await runtime.stop(s, signal);
    expect(await runtime.appStatus(s)).toEqual({ running: false, url: null, healthy: false });
    await expect(psql(s, 'SELECT 1', 'app')).rejects.toThrow(ExecError);

    await runtime.destroy(s, signal);
    await runtime.destroy(s, signal);
    expect(await listLabelled(docker, { [LABEL.environment]: s.environment_id })).toEqual([]);
    expect(existsSync(join(dataDir, 'environments', s.environment_id))).toBe(false);
    expect(await runtime.databaseExists(s.db_name)).toBe(false);
  }, 300_000);

  it('pulls a missing image, and names it when the pull fails', async () => {
    // A registry that refuses at once (nothing listens on port 1): no network wait.
    const image = '127.0.0.1:1/oec-missing:1';
    await expect(ensureImage(docker, image)).rejects.toThrow(`image ${image} is not on this server and could not be pulled`);
    await expect(ensureImage(docker, TEST_IMAGES.postgres)).resolves.toBeUndefined();
  });

  it('copies a database from another environment’s container (createDatabase with a template)', async () => {
    const a = spec('source');
    const b = spec('target');
    await Promise.all([runtime.create(a, signal), runtime.create(b, signal)]);
    await runtime.withDatabase(a.db_name, async (c) => {
      await c.query(`SET ROLE ${a.db_name}`);
      await c.query('CREATE TABLE partner (id serial PRIMARY KEY, name text)');
      await c.query("INSERT INTO partner (name) SELECT 'p' || g FROM generate_series(1, 500) g");
    });
    const work = `${b.db_name}_ncopy`;
    await runtime.createDatabase(work, b, { template: { db_name: a.db_name, role: a.db_name } });
    const copied = await runtime.withDatabase(work, (c) =>
      c.query<{ n: string; owner: string }>("SELECT count(*)::text AS n, (SELECT tableowner FROM pg_tables WHERE tablename = 'partner') AS owner FROM partner"),
    );
    expect(copied.rows[0]).toEqual({ n: '500', owner: b.db_name });
    const facts = await runtime.facts();
    expect(facts).toMatchObject({ runtime: 'docker', hostname: 'test-host' });
    expect(facts.pg_version).toMatch(/^15\./);
    expect(facts.disk_total_bytes).toBeGreaterThan(0);
    await Promise.all([runtime.destroy(a, signal), runtime.destroy(b, signal)]);
    expect(await listLabelled(docker, { [LABEL.server]: SERVER })).toEqual([]);
  }, 300_000);
});

describe('docker runtime objects', () => {
  const id = '0b5a3c1e-7f2d-4e8a-9c61-2d4f8e9a1b3c';
  const slug = '0b5a3c1e7f2d4e8a9c612d4f8e9a1b3c';
  /** The environment's directories under a data root at /srv/oec. */
  const rootLayout = envLayout('/srv/oec', { environment_id: id, db_name: `oec_${slug}` });
  /** Its Odoo container's body (the files from rootLayout), with `over`. */
  const odooOnRoot = (over: Partial<OdooContainerOptions> = {}) =>
    odooCreateBody({
      server: 's1',
      environmentId: id,
      dbName: `oec_${slug}`,
      domain: 'shop.example.com',
      image: 'odoo:17.0',
      password: 'cd'.repeat(16),
      filestoreRoot: rootLayout.filestoreRoot,
      sessions: rootLayout.sessions,
      addons: rootLayout.addons,
      ...over,
    });

  it('names every object after the environment id only', () => {
    expect(envObjectNames(id)).toEqual({
      network: `oec-${slug}`,
      db: `oec-${slug}-db`,
      odoo: `oec-${slug}-odoo`,
      pgdata: `oec-${slug}-pgdata`,
      odooData: `oec-${slug}-odoo-data`,
      odooTrial: `oec-${slug}-odoo-trial`,
    });
    expect(() => envObjectNames('../../etc')).toThrow();
  });

  it('labels the containers and routes the domain to Odoo', () => {
    const pgBody = postgresCreateBody({ server: 's1', environmentId: id, dbName: `oec_${slug}`, image: 'pg:15', superuserPassword: 'ab'.repeat(16) });
    expect(pgBody.Labels).toEqual({ 'oec.server': 's1', 'oec.environment': id, 'oec.role': 'db', 'oec.db': `oec_${slug}` });
    expect(pgBody.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: `oec-${slug}-pgdata`, Target: '/var/lib/postgresql/data' }]);
    const odoo = odooCreateBody({
      server: 's1',
      environmentId: id,
      dbName: `oec_${slug}`,
      domain: 'shop.example.com',
      image: 'odoo:17.0',
      password: 'cd'.repeat(16),
      filestoreRoot: '/data/environments/x/filestore',
      sessions: '/data/environments/x/sessions',
      addons: '/data/environments/x/addons',
    });
    expect(odoo.Cmd).toEqual(['odoo', '--database', `oec_${slug}`, '--db-filter', `^oec_${slug}$`]);
    expect(odoo.Env).toContain(`HOST=oec-${slug}-db`);
    expect(odoo.Labels).toMatchObject({
      'traefik.enable': 'true',
      [`traefik.http.routers.oec-${slug}-odoo.rule`]: 'Host(`shop.example.com`)',
      [`traefik.http.services.oec-${slug}-odoo.loadbalancer.server.port`]: '8069',
    });
    expect(odoo.HostConfig?.Mounts?.map((m) => `${m.Source}:${m.Target}`)).toEqual([
      `oec-${slug}-odoo-data:/var/lib/odoo`,
      '/data/environments/x/filestore:/var/lib/odoo/filestore',
      '/data/environments/x/sessions:/var/lib/odoo/sessions',
      '/data/environments/x/addons:/mnt/extra-addons',
    ]);
    // Another image's layout, from configuration.
    const custom = odooCreateBody({
      server: 's1',
      environmentId: id,
      dbName: `oec_${slug}`,
      domain: 'shop.example.com',
      image: 'registry.example.com/odoo:17.0',
      password: 'cd'.repeat(16),
      filestoreRoot: '/data/x/filestore',
      sessions: '/data/x/sessions',
      addons: '/data/x/addons',
      contract: { dataDir: '/opt/odoo/data', addonsDir: '/opt/odoo/custom', port: 8080, healthPath: '/web/health', versionCommand: ['odoo', '--version'] },
    });
    expect(custom.HostConfig?.Mounts?.map((m) => m.Target)).toEqual(['/opt/odoo/data', '/opt/odoo/data/filestore', '/opt/odoo/data/sessions', '/opt/odoo/custom']);
    expect(custom.Labels?.[`traefik.http.services.oec-${slug}-odoo.loadbalancer.server.port`]).toBe('8080');
  });

  it('with the data on the data root (OEC_DOCKER_DATA_ON_ROOT): bind mounts under the environment directory, no volumes', () => {
    const layout = rootLayout;
    const dirs = hostDataDirs(layout);
    expect(dirs).toEqual({
      clusterDir: `/srv/oec/environments/${id}/postgres`,
      pgdata: `/srv/oec/environments/${id}/postgres/data`,
      odooData: `/srv/oec/environments/${id}/odoo-data`,
    });
    const pgBody = postgresCreateBody({ server: 's1', environmentId: id, dbName: `oec_${slug}`, image: 'pg:15', superuserPassword: 'ab'.repeat(16), dataHostDir: dirs.pgdata });
    expect(pgBody.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: dirs.pgdata, Target: '/var/lib/postgresql/data' }]);
    // the secrets file stays outside every container: only directories below the environment's are mounted
    expect(pgBody.HostConfig?.Mounts?.some((m) => m.Source === layout.root)).toBe(false);
    const odoo = odooOnRoot({ dataHostDir: dirs.odooData });
    expect(odoo.HostConfig?.Mounts?.map((m) => `${m.Type} ${m.Source}:${m.Target}`)).toEqual([
      `bind ${dirs.odooData}:/var/lib/odoo`,
      `bind ${layout.filestoreRoot}:/var/lib/odoo/filestore`,
      `bind ${layout.sessions}:/var/lib/odoo/sessions`,
      `bind ${layout.addons}:/mnt/extra-addons`,
    ]);
    // the trial instance keeps its tmpfs data dir
    const trial = odooOnRoot({ dbName: `oec_${slug}_n1`, dataHostDir: dirs.odooData, trial: { role: `oec_${slug}` } });
    expect(trial.HostConfig?.Mounts?.[0]).toEqual({ Type: 'tmpfs', Source: '', Target: '/var/lib/odoo' });
    expect(trial.Env).toContain(`HOST=${envObjectNames(id).db}`);
  });

  it("gives a copy-on-write replace's side cluster a container of its own, which a trial reaches by name", () => {
    const work = `oec_${slug}_n1a2b3c4d`;
    const sideDir = `/srv/oec/environments/${id}/postgres.${work}/data`;
    const side = postgresCreateBody({ server: 's1', environmentId: id, dbName: `oec_${slug}`, image: 'pg:15', superuserPassword: 'ab'.repeat(16), dataHostDir: sideDir, side: { database: work } });
    const name = sideDbContainerName(id, work);
    expect(side.name).toBe(name);
    // one DNS label, distinct from the environment's own container and from another database's side
    expect(name).toMatch(/^[a-z0-9-]{1,63}$/);
    expect(name).not.toBe(envObjectNames(id).db);
    expect(sideDbContainerName(id, `oec_${slug}_o1a2b3c4d`)).not.toBe(name);
    expect(side.Labels).toMatchObject({ [LABEL.role]: 'db-side', [LABEL.db]: work, [LABEL.environment]: id });
    expect(side.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: sideDir, Target: '/var/lib/postgresql/data' }]);
    expect(side.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
    expect(side.HostConfig?.NetworkMode).toBe(envObjectNames(id).network);
    expect(() => postgresCreateBody({ server: 's1', environmentId: id, dbName: `oec_${slug}`, image: 'pg:15', superuserPassword: 'x', side: { database: work } })).toThrow(/under the data root/);
    const trial = odooOnRoot({ dbName: work, trial: { role: `oec_${slug}`, dbHost: name } });
    expect(trial.Env).toContain(`HOST=${name}`);
  });

  it("puts the environment's Odoo series into the image reference", () => {
    expect(odooImage('odoo:{version}', '17.0')).toBe('odoo:17.0');
    expect(odooImage('registry.example.com/odoo-enterprise:{version}-2026', '16.0')).toBe('registry.example.com/odoo-enterprise:16.0-2026');
    expect(odooImage('odoo:17.0', '16.0')).toBe('odoo:17.0');
    expect(() => odooImage('odoo:{version}', '17.0 --privileged')).toThrow(/invalid Odoo version/);
  });

  it('refuses a domain that could break out of the routing rule', () => {
    expect(() => traefikLabels(id, 'a.example.com`) || Host(`evil.com')).toThrow(/invalid domain/);
    expect(() => traefikLabels(id, 'A.example.com')).toThrow(/invalid domain/);
  });

  it('finds the container of a database: its own, or a replace work or retained database', () => {
    const envs = [
      { environmentId: 'a', dbName: 'oec_aaaa' },
      { environmentId: 'b', dbName: 'oec_aaaa_b' },
      { environmentId: 'c', dbName: 'oec_cccc' },
    ];
    expect(ownerOf('oec_aaaa', envs)?.environmentId).toBe('a');
    expect(ownerOf('oec_aaaa_n1a2b3', envs)?.environmentId).toBe('a');
    expect(ownerOf('oec_aaaa_b_o1a2b3', envs)?.environmentId).toBe('b');
    expect(ownerOf('oec_cccc_o9', envs)?.environmentId).toBe('c');
    expect(ownerOf('oec_ccccx', envs)).toBeNull();
    expect(ownerOf('postgres', envs)).toBeNull();
  });
});
