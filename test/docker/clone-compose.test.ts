// Clone through the compose harness (test/docker/docker-compose.yml): the controller, its
// PostgreSQL and two agent containers, "server A" and "server B", on one compose network, each
// agent driving the engine through its socket. A same-server clone on A, then a cross-server clone
// from A to B whose streams cross the compose network between the two agent containers. Every
// environment is deleted through the API at the end; then neither the agents' objects nor the
// harness's own containers and network may remain. Skipped without an engine, the test images or
// docker-compose (scripts/docker/engine.sh installs it).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, envObjectNames } from '@oec/agent/docker';
import type { CloneOperation, Environment } from '@oec/shared';
import {
  dockerClusterOf,
  dockerUnavailable,
  seedEnvironment,
  startComposePlatform,
  waitFor,
  waitOperation,
  projectSalt,
  type ComposePlatform,
  type ContainerCluster,
} from '../src/harness/index.js';
import { checkClone } from '../src/clone/check-clone.js';
import { dumpDigest } from '../src/clone/db-facts.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

function composeMissing(): string | null {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'docker-compose is not installed (scripts/docker/engine.sh installs it)';
  }
}

const skipReason = (await dockerUnavailable()) ?? composeMissing();
if (skipReason) console.warn(`compose harness suite skipped: ${skipReason}`);
const docker = createDockerClient();

describe.skipIf(skipReason !== null)('clone through the docker-compose harness (two agent containers)', () => {
  let h: ComposePlatform;
  let source: Environment;
  let sourceCluster: ContainerCluster;
  let summary: GeneratedSummary;
  let sourceDigest = '';
  let salt = '';

  beforeAll(async () => {
    h = await startComposePlatform();
    const created = await h.api.ok<Environment>('POST', `/projects/${h.projectRow.id}/environments`, {
      server_id: h.agents.a.server.id,
      name: 'production',
      environment_type: 'production',
    });
    source = await h.waitEnvironment(created.id, 'RUNNING');
    sourceCluster = await dockerClusterOf(source, h.agents.a);
    summary = await seedEnvironment(source, { seed: 42, cluster: sourceCluster });
    sourceDigest = await dumpDigest(sourceCluster, source.database_name);
    salt = await projectSalt(h.controllerDbUrl, h.projectRow.id);
  });

  afterAll(async () => {
    if (!h) return;
    try {
      const list = await h.api.ok<{ items: Environment[] }>('GET', `/projects/${h.projectRow.id}/environments`);
      for (const env of list.items) await h.api.del(`/environments/${env.id}`);
      await waitFor(async () => ((await h.api.ok<{ items: Environment[] }>('GET', `/projects/${h.projectRow.id}/environments`)).items.length === 0 ? true : undefined), {
        timeoutMs: 180_000,
        what: 'every environment destroyed',
      });
    } finally {
      await h.close();
      expect(await h.leftovers()).toEqual([]);
    }
  }, 400_000);

  async function clone(target: Record<string, unknown>): Promise<CloneOperation> {
    const res = await h.api.post<CloneOperation>(`/environments/${source.id}/clone`, { target, sanitization_preset: 'recommended' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return waitOperation(h.api, res.body.id, undefined, 300_000);
  }

  const check = (op: CloneOperation, agent: 'a' | 'b') =>
    checkClone({
      api: h.api,
      op,
      preset: 'recommended',
      source,
      sourceCluster,
      targetCluster: (t) => dockerClusterOf(t, h.agents[agent]),
      summary,
      salt,
      sourceDigest,
    });

  it('clones on server A: the agent container drives its engine for the new environment', async () => {
    const op = await clone({ create_new: true, environment_type: 'staging', name: 'staging-a' });
    expect(op.cross_server).toBe(false);
    const target = await check(op, 'a');
    const odoo = await docker.getContainer(envObjectNames(target.id).odoo).inspect();
    expect(odoo.Config.Labels['oec.server']).toBe(h.agents.a.label);
    expect(odoo.State.Running).toBe(true);
  });

  it('clones from server A to server B over the compose network', async () => {
    const op = await clone({ create_new: true, environment_type: 'staging', name: 'staging-b', vm_id: h.agents.b.server.id });
    expect(op.cross_server).toBe(true);
    const target = await check(op, 'b');
    expect(target.server_id).toBe(h.agents.b.server.id);
    const odoo = await docker.getContainer(envObjectNames(target.id).odoo).inspect();
    expect(odoo.Config.Labels['oec.server']).toBe(h.agents.b.label);
    // The files arrived in server B's data dir, not A's.
    expect(target.filestore_path?.startsWith(h.agents.b.dataDir)).toBe(true);
    const logs = await h.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs`);
    expect(logs.items.map((l) => l.message).join('\n')).toMatch(/from server-a to server-b/);
  });
});
