// Instant same-server clones (issue 19, decision 0020): an agent whose data root is a loop-mounted
// XFS made with reflink, a PostgreSQL cluster per environment. The server reports that it clones
// files, the estimate says the clone will be copy-on-write, and the clone is: the source's running
// cluster snapshotted with the backup API and cloned, sanitized in SQL, the masked tables
// rewritten and the old WAL removed. Checked: the same guarantees as every other path
// (checkClone), a copy consistent with one point of a source a writer keeps inserting into, a
// clean pg_amcheck, filestore files of their own, and no planted personal value in the target's
// files (a byte scan of its base/ and pg_wal/). On a server whose data root cannot clone files the
// same request streams, and the estimate says why. A replace takes the same path into a second
// cluster beside the target's, which serves its old data until the swap of clusters; a cancel or a
// killed agent before it leaves no second cluster and the target as it was.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idSlug, type CloneOperation, type Environment, type Estimate, type LogEntry, type Server } from '@oec/shared';
import {
  clusterOf,
  createSeededSource,
  loopXfsUnavailable,
  mountLoopXfs,
  platformProjectSalt,
  seedEnvironment,
  startPlatform,
  waitFor,
  waitOperation,
  type AgentHandle,
  type LoopXfs,
  type Platform,
} from '../src/harness/index.js';
import { runFile } from '../src/harness/exec-file.js';
import { checkClone } from '../src/clone/check-clone.js';
import { filesHolding, plantCustomer, type PlantedCustomer } from '../src/clone/planted.js';
import { configParams, dumpDigest, withDb } from '../src/clone/db-facts.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

const unavailable = loopXfsUnavailable();
const PER_ENVIRONMENT = { OEC_LOCAL_CLUSTERS: 'per_environment' };

describe.skipIf(unavailable !== null)(`copy-on-write clones on a reflink XFS${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let platform: Platform;
  let xfs: LoopXfs;
  let base: string;
  let a: AgentHandle;
  let source: Environment;
  let summary: GeneratedSummary;
  let salt = '';
  // a customer only the source knows, quoted in the chatter: masked by `recommended`
  let planted: PlantedCustomer;

  beforeAll(async () => {
    platform = await startPlatform();
    base = await mkdtemp(join(tmpdir(), 'oec-cow-'));
    xfs = await mountLoopXfs(base, 3072, platform.agentDataDir('a'));
    a = await platform.addServer('a', PER_ENVIRONMENT);
    ({ source, summary } = await createSeededSource(platform, a));
    salt = await platformProjectSalt(platform);
    await withDb(clusterOf(source, a), source.database_name, async (db) => {
      planted = await plantCustomer(db, randomBytes(5).toString('hex'));
      await db.query('CREATE TABLE oec_writer (id bigserial PRIMARY KEY, v text NOT NULL)');
      await db.query('CHECKPOINT');
    });
  });

  afterAll(async () => {
    await platform?.close();
    await xfs?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  async function clone(from: Environment, name: string): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${from.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return waitOperation(platform.api, res.body.id);
  }

  async function estimate(from: Environment): Promise<Estimate> {
    const res = await platform.api.post<Estimate>(`/environments/${from.id}/clone/estimate`, {
      target: { create_new: true, environment_type: 'staging', name: 'estimate' },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  async function logsOf(op: CloneOperation): Promise<string[]> {
    const logs = await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs?limit=1000`);
    return logs.items.map((l) => l.message);
  }

  it('the server says it clones files, and the estimate says the clone will be instant', async () => {
    const server = await platform.api.ok<Server>('GET', `/servers/${a.server.id}`);
    expect(server.facts?.cow).toMatchObject({ available: true, filesystem: 'xfs' });
    const est = await estimate(source);
    expect(est.data_path?.kind, est.data_path?.reason).toBe('copy_on_write');
  });

  it('clones copy-on-write with every guarantee of the other paths', async () => {
    const digest = await dumpDigest(clusterOf(source, a), source.database_name);
    const op = await clone(source, 'stage-cow');
    const logs = await logsOf(op);
    expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(true);
    expect(logs.some((m) => /^Copy rewritten: \d+ tables/.test(m)), logs.join('\n')).toBe(true);
    // the sanitizing step lasts until the rewrite is done (its time is the step's, not a gap after
    // it); its duration is rounded to a tenth of a second
    const entries = await platform.api.ok<{ items: LogEntry[] }>('GET', `/clone-operations/${op.id}/logs?limit=1000`);
    const rewritten = entries.items.find((l) => l.message.startsWith('Copy rewritten:'))!;
    const step = op.progress.steps.find((s) => s.key === 'sanitizing')!;
    expect(Date.parse(step.started_at!) + step.duration_seconds! * 1000 + 60).toBeGreaterThanOrEqual(Date.parse(rewritten.ts));
    const target = await checkClone({
      api: platform.api,
      op,
      preset: 'recommended',
      source,
      sourceCluster: clusterOf(source, a),
      targetCluster: (t) => clusterOf(t, a),
      summary,
      salt,
      sourceDigest: digest,
    });
    // the target's own cluster, holding only its database
    expect(target.connection?.port).not.toBe(source.connection?.port);
    const dbs = await withDb(clusterOf(target, a), 'postgres', async (db) => (await db.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE NOT datistemplate ORDER BY 1')).rows.map((r) => r.d));
    expect(dbs).toEqual([target.database_name, 'postgres'].sort());
    const roles = await withDb(clusterOf(target, a), 'postgres', async (db) => (await db.query<{ r: string }>("SELECT rolname AS r FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1")).rows.map((r) => r.r));
    expect(roles).toEqual([target.database_name, 'postgres'].sort());
  });

  it('under a writer: a consistent copy, pg_amcheck clean, files of its own, no planted value in its files', async () => {
    const sourceCluster = clusterOf(source, a);
    let writing = true;
    let written = 0;
    const writer = withDb(sourceCluster, source.database_name, async (db) => {
      while (writing) {
        await db.query(`INSERT INTO oec_writer (v) SELECT md5(random()::text) FROM generate_series(1, 20)`);
        written += 20;
      }
    });
    let op: CloneOperation;
    try {
      op = await clone(source, 'stage-cow-writer');
    } finally {
      writing = false;
      await writer;
    }
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    expect(written).toBeGreaterThan(0);
    const target = await platform.api.ok<Environment>('GET', `/environments/${op.target_environment_id}`);
    const targetCluster = clusterOf(target, a);

    // one point in time: the copy holds exactly the source's first rows, every one of them whole
    const copied = await withDb(targetCluster, target.database_name, async (db) =>
      (await db.query<{ n: number; max: string | null; h: string | null }>('SELECT count(*)::int AS n, max(id)::text AS max, md5(string_agg(id || v, \',\' ORDER BY id)) AS h FROM oec_writer')).rows[0],
    );
    const prefix = await withDb(sourceCluster, source.database_name, async (db) =>
      (await db.query<{ n: number; h: string | null }>('SELECT count(*)::int AS n, md5(string_agg(id || v, \',\' ORDER BY id)) AS h FROM oec_writer WHERE id <= $1', [copied?.max ?? 0])).rows[0],
    );
    expect(copied?.n).toBe(prefix?.n);
    expect(copied?.h).toBe(prefix?.h);
    // (the later clones need not search its many rows of hex for personal values)
    await withDb(sourceCluster, source.database_name, (db) => db.query('DROP TABLE oec_writer'));

    // pg_amcheck of every table and index of the copy, heap against indexes
    const amcheck = await runFile(
      join(sourceCluster.binDir, 'pg_amcheck'),
      ['--install-missing', '--heapallindexed', '--host', '127.0.0.1', '--port', String(targetCluster.port), '--username', 'postgres', '--database', target.database_name],
      300_000,
    );
    expect(amcheck.trim()).toBe('');

    // the filestore: files of its own (not hard links to production's), with production's contents
    // and mode (a clone's inode is its own: no read-only mode needed to keep production's safe)
    const filestore = join(platform.agentDataDir('a'), 'environments', target.id, 'filestore', target.database_name);
    const sourceFilestore = join(platform.agentDataDir('a'), 'environments', source.id, 'filestore', source.database_name);
    const dirs = (await readdir(filestore)).slice(0, 3);
    let checked = 0;
    for (const d of dirs) {
      for (const f of (await readdir(join(filestore, d))).slice(0, 3)) {
        const [copy, original] = [await stat(join(filestore, d, f)), await stat(join(sourceFilestore, d, f))];
        expect(copy.nlink).toBe(1);
        expect(copy.ino).not.toBe(original.ino);
        expect(copy.mode).toBe(original.mode);
        expect(await readFile(join(filestore, d, f))).toEqual(await readFile(join(sourceFilestore, d, f)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);

    // the planted customer is in the source's files (the scan finds it there) and in none of the copy's
    const needles = [planted.email, planted.phone];
    const sourceData = join(platform.agentDataDir('a'), 'environments', source.id, 'postgres', 'data');
    await withDb(sourceCluster, 'postgres', (db) => db.query('CHECKPOINT'));
    expect((await filesHolding(join(sourceData, 'base'), needles)).length).toBeGreaterThan(0);
    const targetData = join(platform.agentDataDir('a'), 'environments', target.id, 'postgres', 'data');
    await withDb(targetCluster, 'postgres', (db) => db.query('CHECKPOINT'));
    expect(await filesHolding(join(targetData, 'base'), needles)).toEqual([]);
    expect(await filesHolding(join(targetData, 'pg_wal'), needles)).toEqual([]);
    expect(await filesHolding(join(targetData, 'global'), needles)).toEqual([]);
  });

  /** Processes whose command line names `dir` (a postmaster started on a cluster under it). */
  async function processesUnder(dir: string): Promise<string[]> {
    const found: string[] = [];
    for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes(dir)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
    }
    return found;
  }

  /** A clone held once its copy stands, started and not yet sanitized (the agent's `hold` hook). */
  async function heldClone(name: string): Promise<CloneOperation> {
    const holds = join(platform.dir, 'holds');
    await mkdir(holds, { recursive: true });
    await a.setHooks({ hold: [{ target: name, step: 'restoring_database' }], hold_dir: holds });
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitFor(() => existsSync(join(holds, `${res.body.id}.restoring_database.held`)), { timeoutMs: 120_000, what: `${name} held` });
    return res.body;
  }

  /** Nothing of the operation's target left, the source as it was, no backup or slot left on it. */
  async function expectNoTrace(op: CloneOperation, digest: string): Promise<void> {
    expect(op.cleanup).toBe('done');
    const dir = join(platform.agentDataDir('a'), 'environments', op.target_environment_id);
    await waitFor(async () => (await processesUnder(dir)).length === 0, { timeoutMs: 30_000, what: "the target cluster's processes gone" });
    expect(existsSync(dir)).toBe(false);
    const src = clusterOf(source, a);
    const left = await withDb(src, 'postgres', async (db) => ({
      slots: (await db.query('SELECT slot_name FROM pg_replication_slots')).rows,
      snapshots: (await db.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'oec-snapshot'")).rows,
    }));
    expect(left).toEqual({ slots: [], snapshots: [] });
    expect(await dumpDigest(src, source.database_name)).toBe(digest);
  }

  it('cancelled once the copy stands (unsanitized): its cluster and files go, the source untouched', async () => {
    const digest = await dumpDigest(clusterOf(source, a), source.database_name);
    const held = await heldClone('stage-cow-cancel');
    const dir = join(platform.agentDataDir('a'), 'environments', held.target_environment_id, 'postgres', 'data');
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    const res = await platform.api.post(`/clone-operations/${held.id}/cancel`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const op = await waitOperation(platform.api, held.id);
    await a.setHooks({});
    expect(op.status).toBe('cancelled');
    await expectNoTrace(op, digest);
  });

  it('its agent SIGKILLed once the copy stands: the operation fails, cleanup removes the copy, the source untouched', async () => {
    const digest = await dumpDigest(clusterOf(source, a), source.database_name);
    const held = await heldClone('stage-cow-killed');
    await a.daemon.kill();
    await a.setHooks({});
    await a.start();
    const op = await waitOperation(platform.api, held.id);
    expect(op.status).toBe('failed');
    expect(op.error).toMatchObject({ code: 'AGENT_LOST', retryable: true });
    await expectNoTrace(op, digest);
    // and the same clone again succeeds, copy-on-write
    const retry = await platform.api.post<CloneOperation>(`/clone-operations/${op.id}/retry`, {});
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    const done = await waitOperation(platform.api, retry.body.id).catch(async (e: unknown) => {
      const logs = await logsOf(retry.body);
      throw new Error(`${(e as Error).message}\n${logs.join('\n')}`);
    });
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect((await logsOf(done)).some((m) => m.startsWith('Copy-on-write snapshot of'))).toBe(true);
  });

  describe('replace', () => {
    let staging: Environment;
    let oldIdentity: Record<string, string> = {};
    const replaceBody = () => ({ target: { create_new: false, environment_id: staging.id, confirm_name: staging.name }, sanitization_preset: 'recommended' });
    const rootOf = () => join(platform.agentDataDir('a'), 'environments', staging.id);
    const sideClusters = async () => (await readdir(rootOf())).filter((n) => n.startsWith('postgres.')).sort();

    beforeAll(async () => {
      const created = await platform.createEnvironment(a.server.id, { name: 'staging-cow', environment_type: 'staging' });
      staging = await platform.waitEnvironment(created.id, 'RUNNING');
      await seedEnvironment(staging, { seed: 7 });
      await withDb(clusterOf(staging, a), staging.database_name, (db) => db.query("CREATE TABLE oec_old_marker AS SELECT 'old data'::text AS v"));
      oldIdentity = await configParams(clusterOf(staging, a), staging.database_name);
    });

    /** What the target serves: its app answers its health URL, on the data of its own cluster and port. */
    async function served(): Promise<{ healthy: boolean; port: number | undefined; marker: string | null; digest: string }> {
      const state = JSON.parse(await readFile(join(rootOf(), 'app.json'), 'utf8')) as { port: number };
      const res = await fetch(`http://127.0.0.1:${state.port}/web/database/selector`).catch(() => null);
      const env = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
      const cluster = clusterOf(env, a);
      const marker = await withDb(cluster, env.database_name, async (db) => {
        const there = (await db.query<{ t: string | null }>("SELECT to_regclass('oec_old_marker')::text AS t")).rows[0]?.t;
        return there ? ((await db.query<{ v: string }>('SELECT v FROM oec_old_marker')).rows[0]?.v ?? null) : null;
      });
      return { healthy: res?.status === 200, port: env.connection?.port, marker, digest: await dumpDigest(cluster, env.database_name) };
    }

    /** The replace held once its second cluster stands, started, not sanitized. */
    async function heldReplace(): Promise<CloneOperation> {
      const holds = join(platform.dir, 'holds');
      await mkdir(holds, { recursive: true });
      await a.setHooks({ hold: [{ target: staging.name, step: 'restoring_database' }], hold_dir: holds });
      const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, replaceBody());
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await waitFor(() => existsSync(join(holds, `${res.body.id}.restoring_database.held`)), { timeoutMs: 120_000, what: 'the replace held' });
      return res.body;
    }

    /** The second cluster stands and runs beside the target's, which still serves its old data. */
    async function expectBeside(op: CloneOperation, before: Awaited<ReturnType<typeof served>>): Promise<void> {
      const work = `${staging.database_name}_n${idSlug(op.id).slice(0, 8)}`;
      expect(await sideClusters()).toEqual([`postgres.${work}`]);
      expect(existsSync(join(rootOf(), `postgres.${work}`, 'data', 'PG_VERSION'))).toBe(true);
      expect((await processesUnder(join(rootOf(), `postgres.${work}`))).length).toBeGreaterThan(0);
      expect(await served()).toEqual(before);
    }

    /** No second cluster (no directory, no postmaster), the target as it was, the source untouched. */
    async function expectTargetIntact(op: CloneOperation, before: Awaited<ReturnType<typeof served>>, digest: string): Promise<void> {
      expect(op.cleanup).toBe('done');
      await waitFor(async () => (await processesUnder(join(rootOf(), 'postgres.'))).length === 0, { timeoutMs: 30_000, what: 'no second cluster running' });
      expect(await sideClusters()).toEqual([]);
      await waitFor(async () => (await served()).healthy, { timeoutMs: 60_000, what: 'the target healthy again' });
      expect(await served()).toEqual(before);
      expect((await platform.api.ok<Environment>('GET', `/environments/${staging.id}`)).status).toBe('RUNNING');
      const src = clusterOf(source, a);
      const left = await withDb(src, 'postgres', async (db) => ({
        slots: (await db.query('SELECT slot_name FROM pg_replication_slots')).rows,
        snapshots: (await db.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'oec-snapshot'")).rows,
      }));
      expect(left).toEqual({ slots: [], snapshots: [] });
      expect(await dumpDigest(src, source.database_name)).toBe(digest);
    }

    it('the estimate of a replace says it will be instant, into a second cluster swapped in', async () => {
      const res = await platform.api.post<Estimate>(`/environments/${source.id}/clone/estimate`, replaceBody());
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data_path?.kind, res.body.data_path?.reason).toBe('copy_on_write');
      expect(res.body.data_path?.reason).toMatch(/second cluster beside the target's/);
    });

    it('cancelled once its second cluster stands: the cluster goes, the target serves its old data throughout', async () => {
      const digest = await dumpDigest(clusterOf(source, a), source.database_name);
      const before = await served();
      expect(before).toMatchObject({ healthy: true, marker: 'old data' });
      const held = await heldReplace();
      await expectBeside(held, before);
      const res = await platform.api.post(`/clone-operations/${held.id}/cancel`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const op = await waitOperation(platform.api, held.id);
      await a.setHooks({});
      expect(op.status).toBe('cancelled');
      await expectTargetIntact(op, before, digest);
    });

    it('its agent SIGKILLed once the second cluster stands: cleanup removes it, the target intact; the retry swaps the clusters', async () => {
      const digest = await dumpDigest(clusterOf(source, a), source.database_name);
      const before = await served();
      const held = await heldReplace();
      await expectBeside(held, before);
      await a.daemon.kill();
      await a.setHooks({});
      await a.start();
      const op = await waitOperation(platform.api, held.id);
      expect(op.status).toBe('failed');
      expect(op.error).toMatchObject({ code: 'AGENT_LOST', retryable: true });
      await expectTargetIntact(op, before, digest);

      const retry = await platform.api.post<CloneOperation>(`/clone-operations/${op.id}/retry`, {});
      expect(retry.status, JSON.stringify(retry.body)).toBe(202);
      const done = await waitOperation(platform.api, retry.body.id).catch(async (e: unknown) => {
        throw new Error(`${(e as Error).message}\n${(await logsOf(retry.body)).join('\n')}`);
      });
      expect(done.status, JSON.stringify(done.error)).toBe('completed');
      expect(done.mode).toBe('replace');
      const logs = await logsOf(done);
      expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(true);
      expect(logs.some((m) => /^Copy rewritten: \d+ tables/.test(m)), logs.join('\n')).toBe(true);
      // every guarantee of a clone, on the target's cluster at its port, its identity kept
      const target = await checkClone({
        api: platform.api,
        op: done,
        preset: 'recommended',
        source,
        sourceCluster: clusterOf(source, a),
        targetCluster: (t) => clusterOf(t, a),
        summary,
        salt,
        sourceDigest: digest,
      });
      expect(target.connection?.port).toBe(before.port);
      const now = await served();
      expect(now).toMatchObject({ healthy: true, port: before.port, marker: null });
      const params = await configParams(clusterOf(target, a), target.database_name);
      expect([params['database.uuid'], params['database.secret']]).toEqual([oldIdentity['database.uuid'], oldIdentity['database.secret']]);
      const targetCluster = clusterOf(target, a);
      const dbs = await withDb(targetCluster, 'postgres', async (db) => (await db.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE NOT datistemplate ORDER BY 1')).rows.map((r) => r.d));
      expect(dbs).toEqual([target.database_name, 'postgres'].sort());
      // the old cluster retained beside it, stopped; no other
      const retained = `${staging.database_name}_o${idSlug(done.id).slice(0, 8)}`;
      expect(await sideClusters()).toEqual([`postgres.${retained}`]);
      expect(existsSync(join(rootOf(), `postgres.${retained}`, 'data', 'PG_VERSION'))).toBe(true);
      expect(await processesUnder(join(rootOf(), 'postgres.'))).toEqual([]);
      expect(existsSync(join(rootOf(), 'filestore', retained))).toBe(true);
      // filestore files of its own, and no planted value in the new cluster's files
      const filestore = join(rootOf(), 'filestore', target.database_name);
      let checked = 0;
      for (const d of (await readdir(filestore)).slice(0, 3)) {
        for (const f of (await readdir(join(filestore, d))).slice(0, 3)) {
          expect((await stat(join(filestore, d, f))).nlink).toBe(1);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
      const needles = [planted.email, planted.phone];
      await withDb(targetCluster, 'postgres', (db) => db.query('CHECKPOINT'));
      const data = join(rootOf(), 'postgres', 'data');
      expect(await filesHolding(join(data, 'base'), needles)).toEqual([]);
      expect(await filesHolding(join(data, 'pg_wal'), needles)).toEqual([]);
    });

    it('failing after the swap of clusters: swapped back, the target on its old cluster and port, the new one gone', async () => {
      const digest = await dumpDigest(clusterOf(source, a), source.database_name);
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
      await waitFor(async () => (await processesUnder(join(rootOf(), 'postgres.'))).length === 0, { timeoutMs: 30_000, what: 'no second cluster running' });
      // only what an earlier replace retained is beside it
      expect(await sideClusters()).toEqual(kept);
      await waitFor(async () => (await served()).healthy, { timeoutMs: 60_000, what: 'the target healthy again' });
      expect(await served()).toEqual(before);
      expect(await dumpDigest(clusterOf(source, a), source.database_name)).toBe(digest);
    });
  });

  it('on a server whose data root cannot clone files, the same request streams, and the estimate says why', async () => {
    const b = await platform.addServer('b', PER_ENVIRONMENT);
    const server = await platform.api.ok<Server>('GET', `/servers/${b.server.id}`);
    expect(server.facts?.cow?.available).toBe(false);
    const created = await platform.createEnvironment(b.server.id, { name: 'production-b', environment_type: 'production' });
    const other = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(other, { seed: 7 });
    const est = await estimate(other);
    expect(est.data_path?.kind).toBe('copy');
    expect(est.data_path?.reason).toMatch(/not an instant clone: .*cannot clone files|not an instant clone: .*FICLONE/);
    const op = await clone(other, 'stage-streamed');
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const logs = await logsOf(op);
    expect(logs.some((m) => m.startsWith('Copy-on-write'))).toBe(false);
    expect(logs.some((m) => m.startsWith('Copying the database table by table')), logs.join('\n')).toBe(true);
  });
});
