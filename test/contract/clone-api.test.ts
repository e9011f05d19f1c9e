// The clone request contract: the 202 body, and every refusal of the seed's error table that
// applies to same-server clones, each with its status, code and details (INVALID_TARGET_CONFIG
// with each reason), in the documented order of checks; the estimate; CLONE_NOT_FOUND.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SANITIZATION_KEYS } from '@oec/shared';
import type { CloneOperation, CreateServerResponse, Environment, Estimate, Member } from '@oec/shared';
import { CLONE_ENV, NEW_STAGING, cloneRequest, createEnv, expectError, tenant, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile, startController, waitFor } from './harness.js';
import type { Client, Controller, Postgres, User } from './harness.js';

let postgres: Postgres;
let ctl: Controller;
let alice: User;
let bob: User;
let t: Tenant;
let viewer: Client;

controllerPerFile(CLONE_ENV, async (started) => {
  ({ postgres, ctl, alice } = started);
  bob = await ctl.createUser('bob@example.com');
  t = await tenant(ctl, alice);
  const v = await alice.api.ok<Member>('POST', `/api/v1/organizations/${t.org.id}/members`, { email: 'viewer@example.com', role: 'viewer' });
  viewer = ctl.as(await ctl.tokenFor(v.user_id));
});

const reason = (res: { status: number; body: unknown }, r: string) => {
  const e = expectError(res, 400, 'INVALID_TARGET_CONFIG');
  expect(e.details?.reason).toBe(r);
  return e;
};

describe('POST /environments/{id}/clone', () => {
  it('answers 202 with the pending operation and the target row already CREATING', async () => {
    const res = await cloneRequest(alice.api, t.source.id);
    expect(res.status).toBe(202);
    const op = res.body;
    expect(op).toMatchObject({
      source_environment_id: t.source.id,
      mode: 'create_new',
      cross_server: false,
      status: 'pending',
      sanitization_preset: 'recommended',
      include_filestore: true,
      options: { compress: false, parallel_transfer: true },
      error: null,
      cleanup: 'none',
      retry_of: null,
      requested_by: alice.id,
      finished_at: null,
      duration_seconds: null,
      proof: null,
      sanitization_result: [],
      target: { id: op.target_environment_id, status: 'CREATING', removed: false },
    });
    expect(op.progress).toMatchObject({ current_step: 'pre_checks', progress_percent: 0 });
    expect(op.progress.steps.map((s) => [s.key, s.status])).toEqual([
      ['pre_checks', 'pending'],
      ['validating', 'pending'],
      ['creating_target', 'pending'],
      ['copying_addons', 'pending'],
      ['backing_up_database', 'pending'],
      ['backing_up_filestore', 'pending'],
      ['restoring_database', 'pending'],
      ['restoring_filestore', 'pending'],
      ['sanitizing', 'pending'],
      ['verifying', 'pending'],
    ]);
    expect(op.progress.steps[0]).toMatchObject({ name: 'Pre-Checks', progress_percent: 0, started_at: null, duration_seconds: null });
    expect(Object.keys(op.sanitization_options).sort()).toEqual([...SANITIZATION_KEYS].sort());
    expect(op.sanitization_options).toMatchObject({ anonymize_emails: true, clear_asset_bundles: true, reset_passwords: false });
    expect(op.target.name).toMatch(/^production-clone-\d{8}$/);
    const target = await alice.api.ok<Environment>('GET', `/api/v1/environments/${op.target_environment_id}`);
    expect(target).toMatchObject({ status: 'CREATING', name: op.target.name, type: 'staging', server_id: t.serverId });
    expect(op.target.url).toBe(target.url);
    expect((await waitOp(alice.api, op.id)).status).toBe('completed');
    // The next suggestion is de-duplicated.
    const next = await cloneRequest(alice.api, t.source.id);
    expect(next.body.target.name).toBe(`${op.target.name}-2`);
    await waitOp(alice.api, next.body.id);
  });

  it('gives concurrent requests distinct suggested names', async () => {
    const results = await Promise.all([1, 2, 3].map(() => cloneRequest(alice.api, t.source.id)));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(results.map((r) => r.body.target.name)).size).toBe(3);
    for (const r of results) await waitOp(alice.api, r.body.id);
  });

  it('echoes overrides key by key and applies an explicit name and domain', async () => {
    const res = await cloneRequest(alice.api, t.source.id, {
      target: { create_new: true, environment_type: 'development', name: 'dev-one', domain: 'Dev-One.Example.com' },
      sanitization_preset: 'minimal',
      sanitization_options: { anonymize_phones: true, disable_crons: true },
      include_filestore: false,
      options: { compress: true },
    });
    expect(res.status).toBe(202);
    expect(res.body.target).toMatchObject({ name: 'dev-one', url: 'https://dev-one.example.com' });
    expect(res.body.sanitization_options).toMatchObject({ disable_mail_servers: true, anonymize_phones: true, disable_crons: true, anonymize_emails: false });
    expect(res.body.options).toEqual({ compress: true, parallel_transfer: true });
    await waitOp(alice.api, res.body.id);
  });

  it('answers 404 ENVIRONMENT_NOT_FOUND for unknown, malformed and other organizations’ sources', async () => {
    expectError(await cloneRequest(alice.api, randomUUID()), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await cloneRequest(alice.api, 'nope'), 404, 'ENVIRONMENT_NOT_FOUND');
    expectError(await cloneRequest(bob.api, t.source.id), 404, 'ENVIRONMENT_NOT_FOUND');
    const replaceForeign = await cloneRequest(bob.api, (await tenant(ctl, bob)).source.id, {
      target: { create_new: false, environment_id: t.source.id, confirm_name: 'production' },
      sanitization_preset: 'none',
      acknowledge_risks: true,
    });
    expectError(replaceForeign, 404, 'ENVIRONMENT_NOT_FOUND');
  });

  it('answers 403 PERMISSION_DENIED naming the permission of the mode', async () => {
    let e = expectError(await cloneRequest(viewer, t.source.id), 403, 'PERMISSION_DENIED');
    expect(e.details).toMatchObject({ permission: 'project.environments.create', role: 'viewer' });
    e = expectError(
      await cloneRequest(viewer, t.source.id, { target: { create_new: false, environment_id: t.source.id, confirm_name: 'x' } }),
      403,
      'PERMISSION_DENIED',
    );
    expect(e.details).toMatchObject({ permission: 'project.environments.update' });
    // …while a viewer may read the operations.
    expect((await viewer.get(`/api/v1/environments/${t.source.id}/clone-operations`)).status).toBe(200);
  });

  it('answers 400 INVALID_SOURCE_STATUS naming the status', async () => {
    const env = await createEnv(t, { name: 'deploying' });
    await ctl.db.query(`UPDATE environments SET status = 'DEPLOYING' WHERE id = $1`, [env.id]);
    const e = expectError(await cloneRequest(alice.api, env.id), 400, 'INVALID_SOURCE_STATUS');
    expect(e.message).toMatch(/DEPLOYING/);
    expect(e.details).toMatchObject({ status: 'DEPLOYING' });
  });

  it('answers 400 INVALID_TARGET_CONFIG with the reason of each bad target', async () => {
    const newTarget = (extra: Record<string, unknown>, body: Record<string, unknown> = { sanitization_preset: 'recommended' }) =>
      cloneRequest(alice.api, t.source.id, { target: { create_new: true, environment_type: 'staging', ...extra }, ...body });
    reason(await newTarget({ name: 'Bad Name!' }), 'INVALID_NAME');
    reason(await newTarget({ name: 'production' }), 'NAME_TAKEN');
    reason(await newTarget({ domain: 'not a domain' }), 'INVALID_DOMAIN');
    reason(await newTarget({ domain: t.source.domain }), 'DOMAIN_TAKEN');
    reason(await newTarget({ environment_type: 'production' }, {}), 'PRESET_REQUIRED');
    reason(await newTarget({}, { sanitization_options: { clear_asset_bundles: false } }), 'REQUIRED_OPTION');
    reason(await newTarget({}, { sanitization_preset: 'none' }), 'RISK_NOT_ACKNOWLEDGED');
    reason(await newTarget({}, { sanitization_preset: 'recommended', sanitization_options: { disable_mail_servers: false } }), 'RISK_NOT_ACKNOWLEDGED');
    const ok = await newTarget({}, { sanitization_preset: 'none', acknowledge_risks: true });
    expect(ok.status).toBe(202);
    await waitOp(alice.api, ok.body.id);

    const replace = (environmentId: string, confirm: string, body: Record<string, unknown> = { sanitization_preset: 'recommended' }) =>
      cloneRequest(alice.api, t.source.id, { target: { create_new: false, environment_id: environmentId, confirm_name: confirm }, ...body });
    const staging = await createEnv(t, { name: 'staging', environment_type: 'staging' });
    reason(await replace(t.source.id, 'production'), 'SAME_AS_SOURCE');
    reason(await replace(staging.id, 'Staging'), 'CONFIRMATION_MISMATCH');
    const old = await createEnv(t, { name: 'old-odoo', odoo_version: '16.0' });
    const e = reason(await replace(old.id, 'old-odoo'), 'ODOO_VERSION_MISMATCH');
    expect(e.details).toMatchObject({ source_odoo_version: '17.0', target_odoo_version: '16.0' });
    const elsewhere = await alice.api.ok<{ id: string }>('POST', '/api/v1/projects', { organization_id: t.org.id, name: 'elsewhere' });
    const foreign = await createEnv({ ...t, project: { ...t.project, id: elsewhere.id } }, { name: 'foreign' });
    reason(await replace(foreign.id, 'foreign'), 'OTHER_PROJECT');
    const prod = await createEnv(t, { name: 'prod-two', environment_type: 'production' });
    reason(await replace(prod.id, 'prod-two', {}), 'PRESET_REQUIRED');

    // vm_id: the source's server or another of the organization, which must be reachable.
    const other = await alice.api.ok<CreateServerResponse>('POST', '/api/v1/servers', { organization_id: t.org.id, name: 'other' });
    const otherServer = reason(await newTarget({ vm_id: other.id }), 'SERVER_UNREACHABLE');
    expect(otherServer.message).toBe('Target server other is not reachable (it must be RUNNING with its agent connected)');
    expect(otherServer.details).toMatchObject({ server_id: other.id, status: 'PENDING' });
    expectError(await newTarget({ vm_id: randomUUID() }), 404, 'SERVER_NOT_FOUND');
    const bobServer = await bob.api.ok<{ items: { id: string }[] }>('GET', '/api/v1/servers');
    expectError(await newTarget({ vm_id: bobServer.items[0]?.id }), 404, 'SERVER_NOT_FOUND');
    const same = await newTarget({ vm_id: t.serverId, name: 'same-server' });
    expect(same.status).toBe(202);
    await waitOp(alice.api, same.body.id);
  });

  it('answers SERVER_UNREACHABLE (400 INVALID_TARGET_CONFIG) when the agent is not connected', async () => {
    const u = await tenant(ctl, alice);
    await u.agent.close();
    await waitFor(async () => (await alice.api.ok<{ status: string }>('GET', `/api/v1/servers/${u.serverId}`)).status === 'UNREACHABLE', 'unreachable');
    const e = reason(await cloneRequest(alice.api, u.source.id), 'SERVER_UNREACHABLE');
    expect(e.details).toMatchObject({ server_id: u.serverId });
  });

  it('answers 400 INSUFFICIENT_DISK_SPACE with the sizes', async () => {
    const big = await tenant(ctl, alice, { agent: { sizes: { database_bytes: 40e9, filestore_bytes: 10e9, filestore_files: 1 } } });
    const e = expectError(await cloneRequest(alice.api, big.source.id), 400, 'INSUFFICIENT_DISK_SPACE');
    expect(e.message).toBe('Target server needs 60 GB free, only 50 GB available');
    expect(e.details).toMatchObject({ required_bytes: 60e9, available_bytes: 50e9 });
    // Without the filestore it fits: database + 20 %.
    const res = await cloneRequest(alice.api, big.source.id, { ...NEW_STAGING, include_filestore: false });
    expect(res.status).toBe(202);
    await waitOp(alice.api, res.body.id);
  });

  it('answers 400 QUOTA_EXCEEDED naming the resource and the missing amount', async () => {
    const small = await tenant(ctl, alice, { quota: { cpu: 8, ram_gb: 3, disk_gb: 100, environments: 5 } });
    const e = expectError(await cloneRequest(alice.api, small.source.id), 400, 'QUOTA_EXCEEDED');
    expect(e.message).toMatch(/^Insufficient quota - need 1 GB RAM/);
    expect(e.details).toMatchObject({ resource: 'ram_gb', requested: 2, available: 1 });
    // Replace needs no new quota.
    await ctl.db.query('UPDATE organizations SET quota_ram_gb = 4 WHERE id = $1', [small.org.id]);
    const staging = await createEnv(small, { name: 'staging', resources: { cpu: 1, ram_gb: 2, disk_gb: 10 } });
    await ctl.db.query('UPDATE organizations SET quota_ram_gb = 3 WHERE id = $1', [small.org.id]);
    const res = await cloneRequest(alice.api, small.source.id, {
      target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' },
    });
    expect(res.status).toBe(202);
    await waitOp(alice.api, res.body.id);
  });

  it('answers 400 VALIDATION_ERROR for malformed bodies', async () => {
    for (const body of [
      {},
      { target: { create_new: true } },
      { ...NEW_STAGING, colour: 'blue' },
      { ...NEW_STAGING, sanitization_preset: 'paranoid' },
      { ...NEW_STAGING, sanitization_options: { wipe_everything: true } },
      { target: { create_new: false, environment_id: 'x', confirm_name: 'y' } },
    ]) {
      expectError(await cloneRequest(alice.api, t.source.id, body), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('POST /environments/{id}/clone/estimate', () => {
  it('answers sizes, per-option impact, duration, size and the verdicts without creating anything', async () => {
    const before = await ctl.db.query('SELECT COUNT(*)::int AS n FROM clone_operations');
    const res = await alice.api.post<Estimate>(`/api/v1/environments/${t.source.id}/clone/estimate`, NEW_STAGING);
    expect(res.status).toBe(200);
    const est = res.body;
    expect(est).toMatchObject({
      source_environment_id: t.source.id,
      database_bytes: 50e6,
      filestore_bytes: 20e6,
      filestore_files: 120,
      required_bytes: 84e6,
      estimated_size_bytes: 70e6,
      // 30 + 50 MB / 10 MB/s + 20 MB linked at 500 MB/s + 30 (recommended), rounded up
      estimated_duration_seconds: 66,
      sanitization_preset: 'recommended',
      total_records: 9 * 7, // the nine options recommended enables, 7 rows each (the fake agent)
      api_keys_found: 3,
      quota: { ok: true, message: 'Quota available' },
      disk: { ok: true, free_bytes: 50e9 },
    });
    expect(est.impact.map((i) => i.option_key)).toContain('anonymize_emails');
    expect(est.impact[0]).toMatchObject({ rows: 7, approximate: false });
    const estimateTask = t.agent.tasks.filter((x) => x.kind === 'clone.estimate').at(-1);
    expect(estimateTask?.input).toMatchObject({ environment_id: t.source.id, db_name: t.source.database_name, options: est.sanitization_options });
    expect((await ctl.db.query('SELECT COUNT(*)::int AS n FROM clone_operations')).rows).toEqual(before.rows);
  });

  it('gives failing verdicts instead of refusing', async () => {
    const small = await tenant(ctl, alice, {
      quota: { cpu: 8, ram_gb: 3, disk_gb: 100, environments: 5 },
      agent: { sizes: { database_bytes: 40e9, filestore_bytes: 10e9, filestore_files: 1 } },
    });
    const est = await alice.api.ok<Estimate>('POST', `/api/v1/environments/${small.source.id}/clone/estimate`, NEW_STAGING);
    expect(est.quota).toEqual({ ok: false, message: 'Insufficient quota - need 1 GB RAM' });
    expect(est.disk).toMatchObject({ ok: false, message: 'Target server needs 60 GB free, only 50 GB available' });
  });
});

describe('operations that do not exist or are not yours', () => {
  it('answers 404 CLONE_NOT_FOUND', async () => {
    const op = (await cloneRequest(alice.api, t.source.id)).body as CloneOperation;
    for (const id of [randomUUID(), 'nope']) {
      expectError(await alice.api.get(`/api/v1/clone-operations/${id}`), 404, 'CLONE_NOT_FOUND');
      expectError(await alice.api.get(`/api/v1/clone-operations/${id}/logs`), 404, 'CLONE_NOT_FOUND');
      expectError(await alice.api.post(`/api/v1/clone-operations/${id}/cancel`), 404, 'CLONE_NOT_FOUND');
      expectError(await alice.api.post(`/api/v1/clone-operations/${id}/retry`), 404, 'CLONE_NOT_FOUND');
    }
    expectError(await bob.api.get(`/api/v1/clone-operations/${op.id}`), 404, 'CLONE_NOT_FOUND');
    expectError(await bob.api.post(`/api/v1/clone-operations/${op.id}/cancel`), 404, 'CLONE_NOT_FOUND');
    expectError(await viewer.post(`/api/v1/clone-operations/${op.id}/cancel`), 403, 'PERMISSION_DENIED');
    expectError(await bob.api.get(`/api/v1/projects/${t.project.id}/clone-operations`), 404, 'PROJECT_NOT_FOUND');
    await waitOp(alice.api, op.id);
  });

  it('lists a project’s and an environment’s operations for members, and all of them for admins', async () => {
    const asViewer = await viewer.get<{ items: CloneOperation[] }>(`/api/v1/projects/${t.project.id}/clone-operations`);
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.items.length).toBeGreaterThan(3);
    expect(asViewer.body.items.every((o) => o.source_environment_id === t.source.id)).toBe(true);
    const completed = await alice.api.ok<{ items: CloneOperation[] }>('GET', `/api/v1/projects/${t.project.id}/clone-operations?status=completed&limit=2`);
    expect(completed.items).toHaveLength(2);
    expect(completed.items.every((o) => o.status === 'completed')).toBe(true);
    const target = completed.items[0]?.target_environment_id ?? '';
    const byTarget = await alice.api.ok<{ items: CloneOperation[] }>('GET', `/api/v1/environments/${target}/clone-operations`);
    expect(byTarget.items.map((o) => o.target_environment_id)).toEqual([target]);
    expectError(await alice.api.get('/api/v1/admin/clone-operations'), 403, 'PERMISSION_DENIED');
    const all = await ctl.admin.ok<{ items: CloneOperation[] }>('GET', '/api/v1/admin/clone-operations?status=completed');
    expect(all.items.length).toBeGreaterThanOrEqual(completed.items.length);
    expectError(await ctl.admin.get('/api/v1/admin/clone-operations?status=nope'), 400, 'VALIDATION_ERROR');
  });
});

describe('rate limit', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a user’s clone requests exceed the limit', async () => {
    const limited = await startController(postgres, { ...CLONE_ENV, OEC_CLONE_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const carol = await limited.createUser('carol@example.com');
      const c = await tenant(limited, carol);
      for (let i = 0; i < 2; i++) expect((await cloneRequest(carol.api, c.source.id)).status).toBe(202);
      const res = await cloneRequest(carol.api, c.source.id);
      const e = expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(e.details).toEqual({ retry_after_seconds: Number(res.headers.get('retry-after')) });
      // Other users have their own bucket; refusals before the agent is asked do not count.
      expectError(await cloneRequest(limited.admin, randomUUID()), 404, 'ENVIRONMENT_NOT_FOUND');
      expect((await cloneRequest(limited.admin, c.source.id)).status).toBe(202);
      await c.agent.close();
    } finally {
      await limited.close();
    }
  });
});
