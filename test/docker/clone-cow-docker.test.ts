// Instant same-server clones on the `docker` runtime (decision 0020, "Docker runtime"): an agent
// with OEC_RUNTIME=docker and OEC_DOCKER_DATA_ON_ROOT=true whose data root is a loop-mounted XFS
// made with reflink, so every environment's PostgreSQL data directory is a bind mount on a
// filesystem that clones files. The server reports copy-on-write, the estimate says so, and a
// create_new clone of the running source is a backup-API snapshot of its container's cluster,
// reflinked into the target's bind directory and started in the target's own container: the same
// guarantees as every path (checkClone), only the target's database and role in its cluster, every
// file of its data directory its own (one link, an inode of its own), and no planted personal value
// in its base/, global/ or pg_wal/ (a byte scan). Skipped, with the reason, without an engine and
// the test images, or where a loop XFS cannot be made (root, losetup, mkfs.xfs).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, envObjectNames } from '@oec/agent/docker';
import type { CloneOperation, Environment, Estimate, Server } from '@oec/shared';
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
    const target = await checkClone({
      api: platform.api,
      op,
      preset: 'recommended',
      source,
      sourceCluster,
      targetCluster: (t) => dockerClusterOf(t, a),
      summary,
      salt,
      sourceDigest: digest,
    });

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
});
