// Instant same-server clones on the `docker` runtime (decision 0020, "Docker runtime"): an agent
// with OEC_RUNTIME=docker and OEC_DOCKER_DATA_ON_ROOT=true whose data root is a loop-mounted XFS
// made with reflink, so every environment's PostgreSQL data directory is a bind mount on a
// filesystem that clones files. The server reports copy-on-write, the estimate says so, and a
// create_new clone of the running source is a backup-API snapshot of its container's cluster,
// reflinked into the target's bind directory and started in the target's own container: the same
// guarantees as every path (checkClone), only the target's database and role in its cluster, every
// file of its data directory its own (one link, an inode of its own), and no planted personal value
// in its base/, global/ or pg_wal/ (a byte scan). A replace snapshots into a second cluster in a
// container of its own beside the target's, which serves its old data until the clusters are
// swapped (cancelled, or its agent SIGKILLed: container and files go; completed: the target's container on the new
// cluster, its identity kept, the old cluster retained as files; failing after the swap: swapped
// back). An environment made before OEC_DOCKER_DATA_ON_ROOT (a Docker volume) streams, as a
// replace target and as a source, and the estimate says why. Skipped, with the reason, without an engine and
// the test images, or where a loop XFS cannot be made (root, losetup, mkfs.xfs).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, envObjectNames } from '@oec/agent/docker';
import { idSlug, type CloneOperation, type Environment, type Estimate, type Server } from '@oec/shared';
import {
  dockerAgentEnv,
  dockerClusterOf,
  deleteDockerEnvironments,
  dockerSuiteLabel,
  dockerUnavailable,
  environmentObjects,
  loopXfsUnavailable,
  mountLoopXfs,
  projectSalt,
  seedEnvironment,
  startPlatform,
  waitFor,
  waitOperation,
  type AgentHandle,
  type ContainerCluster,
  type LoopXfs,
  type Platform,
} from '../src/harness/index.js';
import { checkClone } from '../src/clone/check-clone.js';
import { filesHolding, plantCustomer, type PlantedCustomer } from '../src/clone/planted.js';
import { dumpDigest, withDb } from '../src/clone/db-facts.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

const skipReason = (await dockerUnavailable()) ?? loopXfsUnavailable();
if (skipReason) console.warn(`Docker copy-on-write clone suite skipped: ${skipReason}`);

const LABEL_VALUE = dockerSuiteLabel('cow');
const docker = createDockerClient();

/** Every regular file under `dir`, relative path → its stat. */
async function filesUnder(dir: string): Promise<Map<string, { ino: number; dev: number; nlink: number }>> {
  const out = new Map<string, { ino: number; dev: number; nlink: number }>();
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), join(rel, e.name));
      else if (e.isFile()) {
        const s = await stat(join(d, e.name));
        out.set(join(rel, e.name), { ino: s.ino, dev: s.dev, nlink: s.nlink });
      }
    }
  };
  await walk(dir, '');
  return out;
}

describe.skipIf(skipReason !== null)('copy-on-write clones on the docker runtime, data root on a reflink XFS', () => {
  let platform: Platform;
  let xfs: LoopXfs;
  let base = '';
  let a: AgentHandle;
  let source: Environment;
  let sourceCluster: ContainerCluster;
  let summary: GeneratedSummary;
  let salt = '';
  let planted: PlantedCustomer;
  /** The first test's copy, replaced by the replace tests. */
  let staging: Environment;
  /** An environment made before OEC_DOCKER_DATA_ON_ROOT (its data in a Docker volume). */
  let legacy: Environment;
  /** Every guarantee of a `recommended` clone of the source (checkClone), on the target's container. */
  const checked = (op: CloneOperation, sourceDigest: string): Promise<Environment> =>
    checkClone({ api: platform.api, op, preset: 'recommended', source, sourceCluster, targetCluster: (t) => dockerClusterOf(t, a), summary, salt, sourceDigest });
  const pgdataOf = (envId: string): string => join(platform.agentDataDir('a'), 'environments', envId, 'postgres', 'data');

  beforeAll(async () => {
    platform = await startPlatform();
    base = await mkdtemp(join(tmpdir(), 'oec-cow-docker-'));
    xfs = await mountLoopXfs(base, 2048, platform.agentDataDir('a'));
    a = await platform.addServer('a', { ...dockerAgentEnv(LABEL_VALUE), OEC_DOCKER_DATA_ON_ROOT: 'true' });
    const created = await platform.createEnvironment(a.server.id, { name: 'production', environment_type: 'production' });
    source = await platform.waitEnvironment(created.id, 'RUNNING', 180_000);
    sourceCluster = await dockerClusterOf(source, a);
    summary = await seedEnvironment(source, { seed: 42, cluster: sourceCluster });
    salt = await projectSalt(platform.controllerEnv.OEC_DATABASE_URL ?? '', platform.project.id);
    // a customer only the source knows, quoted in the chatter: masked by `recommended`
    await withDb(sourceCluster, source.database_name, async (db) => {
      planted = await plantCustomer(db, randomBytes(5).toString('hex'));
      await db.query('CHECKPOINT');
    });
  }, 300_000);

  afterAll(async () => {
    let left: string[] = [];
    try {
      left = await deleteDockerEnvironments(platform, LABEL_VALUE);
    } finally {
      await platform?.close();
      await xfs?.close();
      if (base) await rm(base, { recursive: true, force: true });
    }
    expect(left).toEqual([]);
  }, 300_000);

  it('reports copy-on-write, keeps the data in bind mounts under the data root, and clones copy-on-write with every guarantee', async () => {
    const server = await platform.api.ok<Server>('GET', `/servers/${a.server.id}`);
    expect(server.facts?.cow).toMatchObject({ available: true, filesystem: 'xfs' });
    const est = await platform.api.post<Estimate>(`/environments/${source.id}/clone/estimate`, {
      target: { create_new: true, environment_type: 'staging', name: 'estimate' },
      sanitization_preset: 'recommended',
    });
    expect(est.status, JSON.stringify(est.body)).toBe(200);
    expect(est.body.data_path?.kind, est.body.data_path?.reason).toBe('copy_on_write');
    const sourceDb = await docker.getContainer(envObjectNames(source.id).db).inspect();
    expect(sourceDb.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')).toMatchObject({ Type: 'bind', Source: pgdataOf(source.id) });

    const digest = await dumpDigest(sourceCluster, source.database_name);
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name: 'stage-cow' },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await waitOperation(platform.api, res.body.id);
    const logs = (await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs?limit=1000`)).items.map((l) => l.message);
    expect(op.status, `${JSON.stringify(op.error)}\n${logs.join('\n')}`).toBe('completed');
    expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(true);
    expect(logs.some((m) => /^Copy rewritten: \d+ tables/.test(m)), logs.join('\n')).toBe(true);
    const target = await checked(op, digest);
    staging = target;

    // its own container on its own bind directory, serving only its database and role
    const names = envObjectNames(target.id);
    const db = await docker.getContainer(names.db).inspect();
    expect(db.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')).toMatchObject({ Type: 'bind', Source: pgdataOf(target.id) });
    expect((await docker.getContainer(names.odoo).inspect()).State.Running).toBe(true);
    const targetCluster = await dockerClusterOf(target, a);
    const dbs = await withDb(targetCluster, 'postgres', async (c) => (await c.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE NOT datistemplate ORDER BY 1')).rows.map((r) => r.d));
    expect(dbs).toEqual([target.database_name, 'postgres'].sort());
    const roles = await withDb(targetCluster, 'postgres', async (c) => (await c.query<{ r: string }>("SELECT rolname AS r FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1")).rows.map((r) => r.r));
    expect(roles).toEqual([target.database_name, 'postgres'].sort());
    // the clone's start settings were in the copy's postgresql.auto.conf, not on the container's
    // command line, so the sanitize step's ALTER SYSTEM RESET took them back: wal_recycle at once,
    // the logical workers (a postmaster setting) when start() restarted the container before Odoo
    expect(db.Config.Cmd).toEqual(['postgres']);
    const settings = await withDb(targetCluster, 'postgres', async (c) =>
      (await c.query<{ name: string; setting: string; pending_restart: boolean }>("SELECT name, setting, pending_restart FROM pg_settings WHERE name IN ('wal_recycle', 'max_logical_replication_workers') ORDER BY 1")).rows,
    );
    expect(settings).toEqual([
      { name: 'max_logical_replication_workers', setting: '4', pending_restart: false },
      { name: 'wal_recycle', setting: 'on', pending_restart: false },
    ]);
    // the source keeps no backup session or slot
    const left = await withDb(sourceCluster, 'postgres', async (c) => ({
      slots: (await c.query('SELECT slot_name FROM pg_replication_slots')).rows,
      snapshots: (await c.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'oec-snapshot'")).rows,
    }));
    expect(left).toEqual({ slots: [], snapshots: [] });

    // every file of the copy is its own: one link, an inode no file of the source has
    await withDb(targetCluster, 'postgres', (c) => c.query('CHECKPOINT'));
    await withDb(sourceCluster, 'postgres', (c) => c.query('CHECKPOINT'));
    const sourceFiles = await filesUnder(pgdataOf(source.id));
    const targetFiles = await filesUnder(pgdataOf(target.id));
    expect(targetFiles.size).toBeGreaterThan(100);
    const sourceInodes = new Set([...sourceFiles.values()].map((f) => `${f.dev}:${f.ino}`));
    expect([...targetFiles].filter(([, f]) => f.nlink !== 1).map(([p]) => p)).toEqual([]);
    expect([...targetFiles].filter(([, f]) => sourceInodes.has(`${f.dev}:${f.ino}`)).map(([p]) => p)).toEqual([]);
    expect(targetFiles.has('PG_VERSION') && sourceFiles.has('PG_VERSION')).toBe(true);

    // the planted customer is in the source's files (the scan finds it there) and in none of the copy's
    const needles = [planted.email, planted.phone];
    expect((await filesHolding(join(pgdataOf(source.id), 'base'), needles)).length).toBeGreaterThan(0);
    for (const dir of ['base', 'pg_wal', 'global']) expect(await filesHolding(join(pgdataOf(target.id), dir), needles)).toEqual([]);
  }, 300_000);

  it('cancelled once the copy stands (unsanitized, in its own container): its container and files go, the source untouched', async () => {
    const digest = await dumpDigest(sourceCluster, source.database_name);
    const holds = join(platform.dir, 'holds');
    await mkdir(holds, { recursive: true });
    await a.setHooks({ hold: [{ target: 'stage-cow-cancel', step: 'restoring_database' }], hold_dir: holds });
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name: 'stage-cow-cancel' },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitFor(() => existsSync(join(holds, `${res.body.id}.restoring_database.held`)), { timeoutMs: 120_000, what: 'the clone held once its copy stands' });
    const targetId = res.body.target_environment_id;
    expect(existsSync(join(pgdataOf(targetId), 'backup_label.old'))).toBe(true);
    expect((await docker.getContainer(envObjectNames(targetId).db).inspect()).State.Running).toBe(true);
    expect((await platform.api.post(`/clone-operations/${res.body.id}/cancel`)).status).toBe(200);
    const op = await waitOperation(platform.api, res.body.id);
    await a.setHooks({});
    expect(op.status).toBe('cancelled');
    expect(op.cleanup).toBe('done');
    expect(await environmentObjects(LABEL_VALUE, targetId)).toEqual([]);
    expect(existsSync(join(platform.agentDataDir('a'), 'environments', targetId))).toBe(false);
    const left = await withDb(sourceCluster, 'postgres', async (c) => (await c.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots')).rows);
    expect(left).toEqual([]);
    expect(await dumpDigest(sourceCluster, source.database_name)).toBe(digest);
  }, 180_000);

  describe('replace', () => {
    const rootOf = () => join(platform.agentDataDir('a'), 'environments', staging.id);
    const sideClusters = async () => (await readdir(rootOf())).filter((n) => n.startsWith('postgres.')).sort();
    /** The side cluster containers of the staging environment (a replace's second cluster). */
    const sideContainers = async () =>
      (await docker.listContainers({ all: true, filters: { label: [`oec.environment=${staging.id}`, 'oec.role=db-side'] } })).map((c) => ({ name: c.Names[0], running: c.State === 'running' }));
    const replaceBody = () => ({ target: { create_new: false, environment_id: staging.id, confirm_name: staging.name }, sanitization_preset: 'recommended' });
    const logsOf = async (op: CloneOperation) =>
      (await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs?limit=1000`)).items.map((l) => l.message);

    /** What the staging environment serves: its Odoo container runs, on the data of its own container. */
    async function served(): Promise<{ odoo: boolean; marker: string | null; digest: string }> {
      const env = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
      const cluster = await dockerClusterOf(env, a);
      const marker = await withDb(cluster, env.database_name, async (db) => {
        const there = (await db.query<{ t: string | null }>("SELECT to_regclass('oec_old_marker')::text AS t")).rows[0]?.t;
        return there ? ((await db.query<{ v: string }>('SELECT v FROM oec_old_marker')).rows[0]?.v ?? null) : null;
      });
      const odoo = (await docker.getContainer(envObjectNames(staging.id).odoo).inspect().catch(() => null))?.State.Running ?? false;
      return { odoo, marker, digest: await dumpDigest(cluster, env.database_name) };
    }

    beforeAll(async () => {
      await withDb(await dockerClusterOf(staging, a), staging.database_name, (db) => db.query("CREATE TABLE oec_old_marker AS SELECT 'old data'::text AS v"));
    });

    it('the estimate says a replace is instant too, into a second cluster swapped in', async () => {
      const server = await platform.api.ok<Server>('GET', `/servers/${a.server.id}`);
      expect(server.facts?.cow).toMatchObject({ available: true, replace: true });
      const res = await platform.api.post<Estimate>(`/environments/${source.id}/clone/estimate`, replaceBody());
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data_path?.kind, res.body.data_path?.reason).toBe('copy_on_write');
      expect(res.body.data_path?.reason).toMatch(/second cluster beside the target's/);
    });

    /** A replace held once its second cluster stands, running in its side container; the target serves as before. */
    async function heldReplace(before: Awaited<ReturnType<typeof served>>): Promise<CloneOperation> {
      const holds = join(platform.dir, 'holds');
      await mkdir(holds, { recursive: true });
      await a.setHooks({ hold: [{ target: staging.name, step: 'restoring_database' }], hold_dir: holds });
      const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, replaceBody());
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await waitFor(() => existsSync(join(holds, `${res.body.id}.restoring_database.held`)), { timeoutMs: 120_000, what: 'the replace held' });
      const work = `${staging.database_name}_n${idSlug(res.body.id).slice(0, 8)}`;
      expect(await sideClusters()).toEqual([`postgres.${work}`]);
      expect(existsSync(join(rootOf(), `postgres.${work}`, 'data', 'PG_VERSION'))).toBe(true);
      const sides = await sideContainers();
      expect(sides.map((c) => c.running)).toEqual([true]);
      expect(sides[0]?.name).toMatch(/-db-side-[0-9a-f]{12}$/);
      expect(await served()).toEqual(before);
      return res.body;
    }

    /** Cleaned up: no side container or directory, the target serving its old data, the source as it was. */
    async function expectTargetIntact(op: CloneOperation, before: Awaited<ReturnType<typeof served>>, digest: string): Promise<void> {
      expect(op.cleanup).toBe('done');
      expect(await sideContainers()).toEqual([]);
      expect(await sideClusters()).toEqual([]);
      await waitFor(async () => (await served()).odoo, { timeoutMs: 120_000, what: 'the target serving again' });
      expect(await served()).toEqual(before);
      expect(await dumpDigest(sourceCluster, source.database_name)).toBe(digest);
    }

    it('cancelled once its second cluster stands in a container of its own: container and files go, the target serves its old data throughout', async () => {
      const digest = await dumpDigest(sourceCluster, source.database_name);
      const before = await served();
      expect(before).toMatchObject({ odoo: true, marker: 'old data' });
      const held = await heldReplace(before);
      expect((await platform.api.post(`/clone-operations/${held.id}/cancel`)).status).toBe(200);
      const op = await waitOperation(platform.api, held.id);
      await a.setHooks({});
      expect(op.status).toBe('cancelled');
      await expectTargetIntact(op, before, digest);
    }, 300_000);

    it('its agent SIGKILLed once the second cluster stands: the restarted agent finds the side container by its name and removes it, the target intact', async () => {
      const digest = await dumpDigest(sourceCluster, source.database_name);
      const before = await served();
      const held = await heldReplace(before);
      await a.daemon.kill();
      await a.setHooks({});
      // the side container outlives its agent (the engine runs it); nothing of it is in the new agent's memory
      expect((await sideContainers()).map((c) => c.running)).toEqual([true]);
      await a.start();
      const op = await waitOperation(platform.api, held.id);
      expect(op.status).toBe('failed');
      expect(op.error).toMatchObject({ code: 'AGENT_LOST', retryable: true });
      await expectTargetIntact(op, before, digest);
    }, 300_000);

    it('completes: the second cluster swapped into the target\'s container, its identity kept, the old cluster retained stopped, no planted value in its files', async () => {
      const digest = await dumpDigest(sourceCluster, source.database_name);
      const identity = await withDb(await dockerClusterOf(staging, a), staging.database_name, async (db) =>
        (await db.query<{ key: string; value: string }>("SELECT key, value FROM ir_config_parameter WHERE key IN ('database.uuid', 'database.secret') ORDER BY key")).rows,
      );
      const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, replaceBody());
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const op = await waitOperation(platform.api, res.body.id);
      const logs = await logsOf(op);
      expect(op.status, `${JSON.stringify(op.error)}\n${logs.join('\n')}`).toBe('completed');
      expect(op.mode).toBe('replace');
      expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(true);
      expect(logs.some((m) => /^Copy rewritten: \d+ tables/.test(m)), logs.join('\n')).toBe(true);
      const target = await checked(op, digest);
      expect(await served()).toMatchObject({ odoo: true, marker: null });
      const cluster = await dockerClusterOf(target, a);
      expect(
        await withDb(cluster, target.database_name, async (db) =>
          (await db.query<{ key: string; value: string }>("SELECT key, value FROM ir_config_parameter WHERE key IN ('database.uuid', 'database.secret') ORDER BY key")).rows,
        ),
      ).toEqual(identity);
      const dbs = await withDb(cluster, 'postgres', async (c) => (await c.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE NOT datistemplate ORDER BY 1')).rows.map((r) => r.d));
      expect(dbs).toEqual([target.database_name, 'postgres'].sort());
      // the environment's own container, on its own bind directory, now on the new cluster
      const db = await docker.getContainer(envObjectNames(target.id).db).inspect();
      expect(db.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')).toMatchObject({ Type: 'bind', Source: pgdataOf(target.id) });
      // the old cluster retained beside it, files only (no container: it stays stopped)
      const retained = `${staging.database_name}_o${idSlug(op.id).slice(0, 8)}`;
      expect(await sideClusters()).toEqual([`postgres.${retained}`]);
      expect(existsSync(join(rootOf(), `postgres.${retained}`, 'data', 'PG_VERSION'))).toBe(true);
      expect(await sideContainers()).toEqual([]);
      const needles = [planted.email, planted.phone];
      await withDb(cluster, 'postgres', (c) => c.query('CHECKPOINT'));
      for (const dir of ['base', 'pg_wal', 'global']) expect(await filesHolding(join(pgdataOf(target.id), dir), needles)).toEqual([]);
    }, 300_000);

    it('failing after the swap of clusters: swapped back, the target on its old cluster in its container, the new one gone', async () => {
      const before = await served();
      const kept = await sideClusters();
      // the fault fires once the new cluster was swapped in and came up healthy: cleanup swaps back
      await a.setHooks({ faults: ['verifying'] });
      const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, replaceBody());
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const op = await waitOperation(platform.api, res.body.id);
      await a.setHooks({});
      expect(op.status).toBe('failed');
      const logs = await logsOf(op);
      expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(true);
      expect(logs.some((m) => m.startsWith('Swapped the new data into')), logs.join('\n')).toBe(true);
      expect(op.cleanup).toBe('done');
      // only what the earlier replace retained is beside it, and no side container
      expect(await sideClusters()).toEqual(kept);
      expect(await sideContainers()).toEqual([]);
      await waitFor(async () => (await served()).odoo, { timeoutMs: 120_000, what: 'the target serving again' });
      expect(await served()).toEqual(before);
    }, 300_000);
  });

  it('an environment made before OEC_DOCKER_DATA_ON_ROOT keeps its data in a Docker volume: a replace into it and a clone of it stream, and the estimate says why', async () => {
    // the environment is made while the setting is off; the operator turns it on afterwards
    const restart = async (onRoot: 'true' | 'false') => {
      await a.daemon.stop();
      await a.start({ env: { OEC_DOCKER_DATA_ON_ROOT: onRoot } });
      await platform.waitServerStatus(a.server.id, 'RUNNING');
    };
    await restart('false');
    try {
      const created = await platform.createEnvironment(a.server.id, { name: 'legacy', environment_type: 'staging' });
      legacy = await platform.waitEnvironment(created.id, 'RUNNING', 180_000);
    } finally {
      await restart('true');
    }
    const mount = (await docker.getContainer(envObjectNames(legacy.id).db).inspect()).Mounts.find((m) => m.Destination === '/var/lib/postgresql/data');
    expect(mount?.Type).toBe('volume');
    const server = await platform.api.ok<Server>('GET', `/servers/${a.server.id}`);
    expect(server.facts?.cow).toMatchObject({ available: true, replace: true });

    const into = { target: { create_new: false, environment_id: legacy.id, confirm_name: legacy.name }, sanitization_preset: 'recommended' };
    const est = await platform.api.post<Estimate>(`/environments/${source.id}/clone/estimate`, into);
    expect(est.status, JSON.stringify(est.body)).toBe(200);
    expect(est.body.data_path?.kind).toBe('copy');
    expect(est.body.data_path?.reason).toMatch(/not an instant clone: the target's PostgreSQL data is in the Docker volume \S+, not in \S+ where a copy-on-write replace swaps clusters/);
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, into);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await waitOperation(platform.api, res.body.id);
    const logs = (await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs?limit=1000`)).items.map((l) => l.message);
    expect(op.status, `${JSON.stringify(op.error)}\n${logs.join('\n')}`).toBe('completed');
    expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(false);
    // still on its volume, now with the source's (masked) data
    const after = await platform.api.ok<Environment>('GET', `/environments/${legacy.id}`);
    const cluster = await dockerClusterOf(after, a);
    const partners = await withDb(cluster, after.database_name, async (db) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM res_partner')).rows[0]?.n));
    expect(partners).toBeGreaterThan(0);
    expect((await docker.getContainer(envObjectNames(legacy.id).db).inspect()).Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')?.Type).toBe('volume');

    // a clone of it: Docker's root is not on the data root's filesystem here, so no snapshot can read it
    const from = await platform.api.post<Estimate>(`/environments/${legacy.id}/clone/estimate`, {
      target: { create_new: true, environment_type: 'development', name: 'from-legacy' },
      sanitization_preset: 'recommended',
    });
    expect(from.status, JSON.stringify(from.body)).toBe(200);
    expect(from.body.data_path?.kind).toBe('copy');
    expect(from.body.data_path?.reason).toMatch(/not an instant clone: the source's PostgreSQL data is in the Docker volume \S+, not on the data root's filesystem/);
  }, 300_000);
});