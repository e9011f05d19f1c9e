// Cross-server clone end to end: two agents in their own network namespaces (their own data dirs
// and PostgreSQL clusters), so the data crosses a real veth link from server A to server B. Each
// preset into a new environment and a replace give the same results as on one server; a
// re-clone sends only the files B lacks (from the transfer's byte counters); killing B's agent,
// cutting the link and filling B's disk mid-transfer each fail at the right step with everything
// removed from B, the source untouched, and a retry succeeds once the fault is gone.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment, SanitizationPreset } from '@oec/shared';
import {
  agentCluster,
  agentEnvironmentsDir,
  clusterOf,
  createSeededSource,
  createTopology,
  fillDisk,
  mountSmallDisk,
  netnsUnavailableReason,
  seedEnvironment,
  cancelOperation,
  startPlatform,
  waitFor,
  waitOperation,
  platformProjectSalt,
  type AgentHandle,
  type Platform,
  type Topology,
} from '../src/harness/index.js';
import { checkClone } from '../src/clone/check-clone.js';
import { SENSITIVE_MODELS } from '../src/sanitize/guarantees.js';
import { configParams, dumpDigest, rowCounts, withDb } from '../src/clone/db-facts.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

const unavailable = netnsUnavailableReason();
if (unavailable) process.stderr.write(`cross-server suite skipped: ${unavailable}\n`);

/** Slow enough that a fault surely lands while the streams are in flight (tiny data: ~6 MB). */
const SLOW = { transfer_bytes_per_second: 100_000 };

describe.skipIf(unavailable !== null)('cross-server clone over a network link, end to end', () => {
  let topology: Topology;
  let platform: Platform;
  let a: AgentHandle;
  let b: AgentHandle;
  let source: Environment;
  let summary: GeneratedSummary;
  let sourceDigest = '';
  let salt = '';

  beforeAll(async () => {
    topology = await createTopology(2);
    platform = await startPlatform({ topology });
    // B's environments live on a small disk of their own, so a test can fill it.
    await mountSmallDisk(agentEnvironmentsDir(platform.agentDataDir('b')), 256);
    const agentEnv = { OEC_PEER_TIMEOUT_MS: '5000' };
    a = await platform.addServer('a', agentEnv, { netServer: topology.servers[0] });
    b = await platform.addServer('b', agentEnv, { netServer: topology.servers[1] });
    ({ source, summary, digest: sourceDigest } = await createSeededSource(platform, a, { throughAgentSocket: true }));
    salt = await platformProjectSalt(platform);
    // the full preset replaces these models' attachments; their files must not cross the wire
    await platform.api.ok('PUT', `/projects/${platform.project.id}/sanitization-rules`, { rules: [], sensitive_models: SENSITIVE_MODELS });
  });

  beforeEach(async () => {
    await a?.setHooks({});
    await b?.setHooks({});
  });

  afterAll(async () => {
    await platform?.close();
    await topology?.close();
  });

  async function start(body: Record<string, unknown>): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.cross_server).toBe(true);
    return res.body;
  }

  const toB = (extra: Record<string, unknown> = {}) => ({
    target: { create_new: true, environment_type: 'staging', vm_id: b.server.id, ...extra },
    sanitization_preset: 'recommended',
  });

  async function logs(op: CloneOperation): Promise<string[]> {
    const res = await platform.api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${op.id}/logs`);
    return res.items.map((l) => l.message);
  }

  /** The filestore counters of the data transfer's summary line. */
  async function filestoreCounters(op: CloneOperation): Promise<{ received: number; bytes: number; reused: number }> {
    const line = (await logs(op)).find((m) => m.includes('filestore:')) ?? '';
    const m = /filestore: (\d+) files received \((\d+) bytes\), (\d+) already on the target/.exec(line);
    if (!m) throw new Error(`no filestore counters in the log: ${line}`);
    return { received: Number(m[1]), bytes: Number(m[2]), reused: Number(m[3]) };
  }

  /** Nothing of a removed create_new target is left on B; the source on A is as it was. */
  async function expectNoTrace(op: CloneOperation): Promise<void> {
    expect(op.cleanup).toBe('done');
    expect((await platform.api.get(`/environments/${op.target_environment_id}`)).status).toBe(404);
    const dbs = await withDb(await agentCluster(b), 'postgres', async (c) =>
      (await c.query<{ d: string }>("SELECT datname AS d FROM pg_database WHERE datname LIKE 'oec_%'")).rows.map((r) => r.d),
    );
    expect(dbs.some((d) => d.includes(op.target_environment_id.replace(/-/g, '')))).toBe(false);
    expect(existsSync(join(b.dataDir, 'environments', op.target_environment_id))).toBe(false);
    expect(await dumpDigest(clusterOf(source, a), source.database_name)).toBe(sourceDigest);
    // Nothing of the transfer lingers on A either: no pg_dump, no session holding the snapshot.
    await waitFor(
      () =>
        withDb(clusterOf(source, a), 'postgres', async (c) => {
          const { rows } = await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = $1 AND pid <> pg_backend_pid() AND (application_name = 'pg_dump' OR state LIKE 'idle in transaction%')`,
            [source.database_name],
          );
          return rows[0]?.n === 0 ? true : undefined;
        }),
      { timeoutMs: 60_000, what: 'the source server to let go of the transfer' },
    );
  }

  /** Delete an environment and wait until it is gone (its quota is free again). */
  async function remove(envId: string): Promise<void> {
    await platform.api.del(`/environments/${envId}`);
    await waitFor(async () => ((await platform.api.get(`/environments/${envId}`)).status === 404 ? true : undefined), {
      timeoutMs: 120_000,
      what: `environment ${envId} removed`,
    });
  }

  /** Retry a failed operation: it completes; its target is then removed again. */
  async function retry(op: CloneOperation): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/clone-operations/${op.id}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await waitOperation(platform.api, res.body.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    await remove(done.target_environment_id);
    return done;
  }

  /** New attachments (rows and content-addressed files) in the source; returns their bytes. */
  async function addAttachments(sizes: number[]): Promise<number> {
    await withDb(clusterOf(source, a), source.database_name, async (c) => {
      for (const size of sizes) {
        const content = randomBytes(size);
        const sha = createHash('sha1').update(content).digest('hex');
        await mkdir(join(source.filestore_path ?? '', sha.slice(0, 2)), { recursive: true });
        await writeFile(join(source.filestore_path ?? '', sha.slice(0, 2), sha), content);
        await c.query('CREATE TEMP TABLE extra AS SELECT * FROM ir_attachment WHERE store_fname IS NOT NULL ORDER BY id LIMIT 1');
        await c.query(`UPDATE extra SET id = nextval('ir_attachment_id_seq'), store_fname = $1, checksum = $2, file_size = $3, name = $4`, [
          `${sha.slice(0, 2)}/${sha}`,
          sha,
          size,
          `new-${sha.slice(0, 8)}.bin`,
        ]);
        await c.query('INSERT INTO ir_attachment SELECT * FROM extra');
        await c.query('DROP TABLE extra');
      }
    });
    sourceDigest = await dumpDigest(clusterOf(source, a), source.database_name);
    return sizes.reduce((n, x) => n + x, 0);
  }

  /** Start a slowed-down clone to B and cut B's data link once its streams flow; `until` runs cut. */
  async function cutMidTransfer<T>(until: (op: CloneOperation) => Promise<T>): Promise<{ op: CloneOperation; result: T }> {
    await a.setHooks(SLOW);
    const op = await start(toB());
    await streaming(op);
    const netB = b.netServer;
    if (!netB) throw new Error('server B is not in a namespace');
    await netB.cutDataLink();
    try {
      return { op, result: await until(op) };
    } finally {
      await netB.restoreDataLink();
      await a.setHooks({});
    }
  }

  /** Wait until the data streams are flowing (bytes sent and a stream received on B). */
  function streaming(op: CloneOperation): Promise<CloneOperation> {
    return waitOperation(
      platform.api,
      op.id,
      (o) => (o.progress.steps.find((s) => s.key === 'backing_up_filestore')?.detail?.bytes_done ?? 0) > 0 || o.status === 'failed',
      120_000,
    );
  }

  for (const preset of ['recommended', 'minimal', 'full', 'none'] as const) {
    it(`clones into a new environment on server B with the ${preset} preset`, async () => {
      const op = await waitOperation(
        platform.api,
        (
          await start({
            target: { create_new: true, environment_type: 'staging', name: `b-${preset}`, vm_id: b.server.id },
            sanitization_preset: preset,
            acknowledge_risks: preset === 'none',
            options: { compress: preset === 'recommended' },
          })
        ).id,
      );
      const target = await checkClone({
        api: platform.api,
        op,
        preset: preset satisfies SanitizationPreset,
        source,
        sourceCluster: clusterOf(source, a),
        targetCluster: (t) => clusterOf(t, b),
        summary,
        salt,
        sourceDigest,
      });
      expect(target.server_id).toBe(b.server.id);
      expect(target.filestore_path?.startsWith(b.dataDir)).toBe(true);
      // b-recommended stays: later tests count on B holding its files.
      if (preset !== 'recommended') await remove(target.id);
    });
  }

  it('replaces an environment on server B: source data in, the target keeps its id, domain and identity', async () => {
    const created = await platform.createEnvironment(b.server.id, { name: 'staging', environment_type: 'staging' });
    const staging = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(staging, { seed: 7, agent: b });
    const cluster = clusterOf(staging, b);
    const identity = await configParams(cluster, staging.database_name);
    const op = await waitOperation(
      platform.api,
      (await start({ target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' }, sanitization_preset: 'recommended' })).id,
    );
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const after = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
    expect([after.status, after.domain, after.database_name, after.server_id]).toEqual(['RUNNING', staging.domain, staging.database_name, b.server.id]);
    const params = await configParams(cluster, staging.database_name);
    expect(params['database.uuid']).toBe(identity['database.uuid']);
    expect(params['database.secret']).toBe(identity['database.secret']);
    expect((await rowCounts(cluster, staging.database_name)).res_partner).toBe((await rowCounts(clusterOf(source, a), source.database_name)).res_partner);
    expect(await dumpDigest(clusterOf(source, a), source.database_name)).toBe(sourceDigest);
  });

  it('re-clones sending only the files server B does not hold yet', async () => {
    // Five new attachments in the source since the clones above.
    const added = await addAttachments(Array.from({ length: 5 }, (_, i) => 20_000 + i * 1000));
    const filesInSource = (await Promise.all((await readdir(source.filestore_path ?? '')).filter((d) => /^[0-9a-f]{2}$/.test(d)).map((d) => readdir(join(source.filestore_path ?? '', d))))).flat().length;

    const op = await waitOperation(platform.api, (await start(toB({ name: 'b-again' }))).id);
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    expect(await filestoreCounters(op)).toEqual({ received: 5, bytes: added, reused: filesInSource - 5 });
    const first = await platform.api.ok<{ items: CloneOperation[] }>('GET', `/environments/${source.id}/clone-operations`);
    const earlier = first.items.find((o) => o.target.name === 'b-recommended');
    if (!earlier) throw new Error('the first clone to B is not listed');
    expect((await filestoreCounters(earlier)).received).toBe(filesInSource - 5);
  });

  it('fails at the restoring step when B’s agent dies mid-stream, cleans up once it is back, and a retry succeeds', async () => {
    await a.setHooks(SLOW);
    const op = await start(toB());
    await streaming(op);
    await b.daemon.kill();
    const failed = await waitOperation(platform.api, op.id, (o) => o.status === 'failed', 120_000);
    expect(['TRANSFER_FAILED', 'AGENT_LOST'], JSON.stringify(failed.error)).toContain(failed.error?.code);
    expect(['restoring_database', 'restoring_filestore']).toContain(failed.error?.step);
    expect(failed.progress.steps.find((s) => s.key === failed.error?.step)?.status).toBe('failed');
    expect(failed.cleanup).toBe('pending');
    await b.start();
    await expectNoTrace(await waitOperation(platform.api, op.id));
    await a.setHooks({});
    await retry(failed);
  });

  it('cancels mid-transfer: both agents stop, B keeps nothing', async () => {
    await a.setHooks(SLOW);
    const op = await start(toB());
    await streaming(op);
    const done = await cancelOperation(platform.api, op.id);
    expect(done.status).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    await expectNoTrace(done);
  });

  it('recovers from a brief link cut: the transfer is retried with new tickets and the clone completes', async () => {
    // The link comes back as soon as the controller gave up on the first attempt.
    const { op } = await cutMidTransfer((o) =>
      waitFor(async () => ((await logs(o)).some((m) => m.includes('retrying with new tickets')) ? true : undefined), {
        timeoutMs: 120_000,
        what: 'a transfer retry',
      }),
    );
    const done = await waitOperation(platform.api, op.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.progress.steps.map((s) => s.status)).toEqual(Array(10).fill('completed'));
    await remove(done.target_environment_id);
  });

  it('fails with TRANSFER_FAILED when the link is cut and stays cut (after bounded retries), and a retry succeeds once it is back', async () => {
    const { result: failed } = await cutMidTransfer((o) => waitOperation(platform.api, o.id, undefined, 180_000));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'TRANSFER_FAILED', retryable: true });
    expect(['restoring_database', 'restoring_filestore']).toContain(failed.error?.step);
    expect((await logs(failed)).filter((m) => m.includes('retrying with new tickets'))).toHaveLength(2);
    await expectNoTrace(failed);
    await retry(failed);
  });

  it('fails with DISK_FULL at restoring_filestore when B’s disk fills mid-transfer, and a retry succeeds once there is room', async () => {
    // Files B holds already are linked, not written: the source gets 8 MB that B has never seen.
    await addAttachments(Array.from({ length: 8 }, () => 1024 * 1024));
    const ballast = await fillDisk(agentEnvironmentsDir(b.dataDir), 2 * 1024 * 1024);
    let failed: CloneOperation;
    try {
      failed = await waitOperation(platform.api, (await start(toB())).id);
    } finally {
      await ballast.remove();
    }
    expect(failed.status).toBe('failed');
    // Not retried as a transfer; retryable as an operation once cleaned up (after freeing space).
    expect(failed.cleanup).toBe('done');
    expect(failed.error).toMatchObject({ code: 'DISK_FULL', step: 'restoring_filestore', retryable: true });
    expect(failed.error?.message).toMatch(/disk of b is full/i);
    expect((await logs(failed)).some((m) => m.includes('retrying'))).toBe(false);
    await expectNoTrace(failed);
    await retry(failed);
  });
});
