// Same-server clone end to end, with real processes and PostgreSQL, on generated Odoo data:
// each preset into a new environment, a replace, and a schema without some Odoo tables. Each
// option's guarantee is checked with the sanitizer suite's own queries, the options not chosen
// must leave their columns untouched, and the source must stay byte-for-byte unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment, SanitizationPreset } from '@oec/shared';
import {
  clusterOf,
  createSeededSource,
  platformProjectSalt,
  seedEnvironment,
  startPlatform,
  waitOperation,
  type AgentHandle,
  type Platform,
} from '../src/harness/index.js';
import { checkClone as checkClonedEnvironment } from '../src/clone/check-clone.js';
import { configParams, dumpDigest, rowCounts } from '../src/clone/db-facts.js';
import { SENSITIVE_MODELS } from '../src/sanitize/guarantees.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

describe('same-server clone, end to end', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let summary: GeneratedSummary;
  let sourceDigest = '';
  let salt = '';

  beforeAll(async () => {
    platform = await startPlatform();
    a = await platform.addServer('a');
    ({ source, summary, digest: sourceDigest } = await createSeededSource(platform, a));
    salt = await platformProjectSalt(platform);
    // the full preset replaces these models' attachments (the guarantee checks the same list)
    await platform.api.ok('PUT', `/projects/${platform.project.id}/sanitization-rules`, { rules: [], sensitive_models: SENSITIVE_MODELS });
  });

  afterAll(async () => {
    await platform?.close();
  });

  async function clone(body: Record<string, unknown>, envId = source.id): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${envId}/clone`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(['pending', 'pre_checks']).toContain(res.body.status);
    expect(Object.keys(res.body.sanitization_options)).toHaveLength(16);
    return waitOperation(platform.api, res.body.id);
  }

  async function checkClone(op: CloneOperation, preset: SanitizationPreset): Promise<void> {
    const cluster = clusterOf(source);
    await checkClonedEnvironment({ api: platform.api, op, preset, source, sourceCluster: cluster, targetCluster: () => cluster, summary, salt, sourceDigest });
  }

  for (const preset of ['recommended', 'minimal', 'full', 'none'] as const) {
    it(`clones into a new environment with the ${preset} preset`, async () => {
      const op = await clone({
        target: { create_new: true, environment_type: 'staging', name: `stage-${preset}` },
        sanitization_preset: preset,
        acknowledge_risks: preset === 'none',
      });
      await checkClone(op, preset);
    });
  }

  it('replaces an existing environment: source data in, the target keeps its id, domain and identity', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'staging', environment_type: 'staging' });
    const staging = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(staging, { seed: 7 });
    const cluster = clusterOf(staging);
    const identity = await configParams(cluster, staging.database_name);
    const op = await clone({
      target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' },
      sanitization_preset: 'recommended',
    });
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    expect(op.target_environment_id).toBe(staging.id);
    const after = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
    expect([after.status, after.domain, after.database_name]).toEqual(['RUNNING', staging.domain, staging.database_name]);
    const params = await configParams(cluster, staging.database_name);
    expect(params['database.uuid']).toBe(identity['database.uuid']);
    expect(params['database.secret']).toBe(identity['database.secret']);
    const counts = await rowCounts(cluster, staging.database_name);
    expect(counts.res_partner).toBe((await rowCounts(cluster, source.database_name)).res_partner);
    expect(await dumpDigest(cluster, source.database_name)).toBe(sourceDigest);
  });

  it('clones a database without some Odoo modules: their options are skipped with a warning', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'lean', environment_type: 'development' });
    const lean = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(lean, { seed: 3, omit: ['fetchmail_server', 'payment_provider', 'auth_totp_device', 'google_calendar_credentials'] });
    const op = await clone({ target: { create_new: true, environment_type: 'development' }, sanitization_preset: 'full' }, lean.id);
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const warnings = op.sanitization_result.filter((r) => r.warning).map((r) => r.warning ?? '');
    expect(warnings.join(' ')).toMatch(/fetchmail_server|payment_provider|auth_totp_device/);
    expect(op.sanitization_result.every((r) => r.success)).toBe(true);
  });
});
