// Same-server clone end to end on the `docker` runtime: a real controller and an agent process with
// OEC_RUNTIME=docker, whose environments are containers on the local engine (PostgreSQL on a named
// volume, the Odoo stand-in with the filestore bind-mounted). A new environment from a running
// source, a replace, a cancel, and a fault (the target's PostgreSQL container killed mid-restore)
// that must end FAILED with the target's containers, volumes and network gone. Skipped, with the
// reason, when no engine answers or the test images are missing (scripts/docker/engine.sh,
// scripts/docker/build-images.sh; scripts/test.sh runs both). After the suite nothing carrying its
// server label may remain.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDockerClient, envObjectNames, LABEL } from '@oec/agent/docker';
import type { CloneOperation, Environment } from '@oec/shared';
import {
  dockerAgentEnv,
  dockerClusterOf,
  deleteDockerEnvironments,
  dockerSuiteLabel,
  dockerUnavailable,
  environmentObjects,
  seedEnvironment,
  cancelOperation,
  startPlatform,
  waitOperation,
  projectSalt,
  type AgentHandle,
  type ContainerCluster,
  type Platform,
} from '../src/harness/index.js';
import { checkClone } from '../src/clone/check-clone.js';
import { configParams, dumpDigest, rowCounts } from '../src/clone/db-facts.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

const skipReason = await dockerUnavailable();
if (skipReason) console.warn(`Docker clone suite skipped: ${skipReason}`);

const LABEL_VALUE = dockerSuiteLabel('same');
const docker = createDockerClient();

describe.skipIf(skipReason !== null)('same-server clone on the docker runtime, end to end', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let sourceCluster: ContainerCluster;
  let summary: GeneratedSummary;
  let sourceDigest = '';
  let salt = '';

  beforeAll(async () => {
    platform = await startPlatform();
    a = await platform.addServer('a', dockerAgentEnv(LABEL_VALUE));
    const created = await platform.createEnvironment(a.server.id, { name: 'production', environment_type: 'production' });
    source = await platform.waitEnvironment(created.id, 'RUNNING', 180_000);
    sourceCluster = await dockerClusterOf(source, a);
    summary = await seedEnvironment(source, { seed: 42, cluster: sourceCluster });
    sourceDigest = await dumpDigest(sourceCluster, source.database_name);
    salt = await projectSalt(platform.controllerEnv.OEC_DATABASE_URL ?? '', platform.project.id);
  });

  beforeEach(async () => {
    await a?.setHooks({});
  });

  afterAll(async () => {
    let left: string[] = [];
    try {
      // Environments deleted through the API take every object with them.
      left = await deleteDockerEnvironments(platform, LABEL_VALUE);
    } finally {
      await platform?.close();
    }
    expect(left).toEqual([]);
  }, 300_000);

  async function start(body: Record<string, unknown>): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  }

  /** A removed create_new target: no row, and no container, volume, network or directory of it. */
  async function expectNoTrace(op: CloneOperation): Promise<void> {
    expect(op.cleanup).toBe('done');
    expect((await platform.api.get(`/environments/${op.target_environment_id}`)).status).toBe(404);
    expect(await environmentObjects(LABEL_VALUE, op.target_environment_id)).toEqual([]);
    expect(existsSync(join(a.dataDir, 'environments', op.target_environment_id))).toBe(false);
    expect(await dumpDigest(sourceCluster, source.database_name)).toBe(sourceDigest);
  }

  it('clones a running source into a new environment: its own containers, sanitized, served by Odoo', async () => {
    const op = await waitOperation(
      platform.api,
      (await start({ target: { create_new: true, environment_type: 'staging', name: 'staging' }, sanitization_preset: 'recommended' })).id,
    );
    const target = await checkClone({
      api: platform.api,
      op,
      preset: 'recommended',
      source,
      sourceCluster,
      targetCluster: (t) => dockerClusterOf(t, a),
      summary,
      salt,
      sourceDigest,
    });
    const names = envObjectNames(target.id);
    const odoo = await docker.getContainer(names.odoo).inspect();
    expect(odoo.State.Running).toBe(true);
    expect(odoo.Config.Labels).toMatchObject({
      [LABEL.server]: LABEL_VALUE,
      [LABEL.environment]: target.id,
      [`traefik.http.routers.${names.odoo}.rule`]: `Host(\`${target.domain}\`)`,
    });
    const db = await docker.getContainer(names.db).inspect();
    expect(db.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')).toMatchObject({ Type: 'volume', Name: names.pgdata });
    // The verify step ran the version command inside the target's Odoo container.
    const logs = await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs`);
    expect(logs.items.map((l) => l.message)).toContain('Clone verification passed: Odoo 17.0 answers its health URL');
  });

  it('replaces an existing environment: source data in, its id, domain, identity and containers kept', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'preprod', environment_type: 'staging' });
    const staging = await platform.waitEnvironment(created.id, 'RUNNING', 180_000);
    const before = await dockerClusterOf(staging, a);
    await seedEnvironment(staging, { seed: 7, cluster: before });
    const identity = await configParams(before, staging.database_name);
    const pgdataBefore = (await docker.getContainer(envObjectNames(staging.id).db).inspect()).Id;

    const op = await waitOperation(
      platform.api,
      (await start({ target: { create_new: false, environment_id: staging.id, confirm_name: 'preprod' }, sanitization_preset: 'recommended' })).id,
    );
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const after = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
    expect([after.status, after.domain, after.database_name]).toEqual(['RUNNING', staging.domain, staging.database_name]);
    const cluster = await dockerClusterOf(staging, a);
    // The database was swapped inside the environment's own PostgreSQL container.
    expect((await docker.getContainer(envObjectNames(staging.id).db).inspect()).Id).toBe(pgdataBefore);
    const params = await configParams(cluster, staging.database_name);
    expect(params['database.uuid']).toBe(identity['database.uuid']);
    expect(params['database.secret']).toBe(identity['database.secret']);
    expect((await rowCounts(cluster, staging.database_name)).res_partner).toBe((await rowCounts(sourceCluster, source.database_name)).res_partner);
    const odoo = await docker.getContainer(envObjectNames(staging.id).odoo).inspect();
    expect(odoo.State.Running).toBe(true);
    expect(await dumpDigest(sourceCluster, source.database_name)).toBe(sourceDigest);
  });

  it('cancels mid-restore and removes the new target with all its objects', async () => {
    await a.setHooks({ transfer_bytes_per_second: 64 * 1024 });
    const op = await start({ target: { create_new: true, environment_type: 'staging' }, sanitization_preset: 'recommended' });
    await waitOperation(platform.api, op.id, (o) => (o.progress.steps.find((s) => s.key === 'backing_up_database')?.detail.bytes_done ?? 0) > 0, 180_000);
    expect(await environmentObjects(LABEL_VALUE, op.target_environment_id)).not.toEqual([]);
    const done = await cancelOperation(platform.api, op.id);
    expect(done.status).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    await expectNoTrace(done);
  });

  it("fails when the target's PostgreSQL container is killed mid-restore, and removes the target's objects", async () => {
    await a.setHooks({ transfer_bytes_per_second: 64 * 1024 });
    const op = await start({ target: { create_new: true, environment_type: 'staging' }, sanitization_preset: 'recommended' });
    await waitOperation(platform.api, op.id, (o) => (o.progress.steps.find((s) => s.key === 'backing_up_database')?.detail.bytes_done ?? 0) > 0, 180_000);
    await docker.getContainer(envObjectNames(op.target_environment_id).db).kill();
    const done = await waitOperation(platform.api, op.id);
    expect(done.status).toBe('failed');
    expect(['backing_up_database', 'restoring_database']).toContain(done.error?.step);
    expect(done.error?.message).toMatch(/pg_restore|restore|connection|terminat/i);
    await expectNoTrace(done);
    // The source kept serving throughout.
    const status = await docker.getContainer(envObjectNames(source.id).odoo).inspect();
    expect(status.State.Running).toBe(true);
  });
});
