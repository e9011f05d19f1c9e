// The coverage gate of a clone request: the estimate lists the source's columns that look like
// personal data and that the chosen options leave as they are; a strict project refuses such a
// clone before anything starts (400 INVALID_TARGET_CONFIG, reason UNCOVERED_PERSONAL_DATA, the
// columns in the details) until an option covers them or the project marks them as kept.
import { describe, expect, it } from 'vitest';
import type { CloneOperation, Estimate, Member, Project } from '@oec/shared';
import { CLONE_ENV, NEW_STAGING, cloneRequest, expectError, tenant } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile } from './harness.js';
import type { Client, User } from './harness.js';

let alice: User;
let t: Tenant;
let viewer: Client;

controllerPerFile(CLONE_ENV, async (started) => {
  alice = started.alice;
  t = await tenant(started.ctl, alice);
  const v = await alice.api.ok<Member>('POST', `/api/v1/organizations/${t.org.id}/members`, { email: 'viewer@example.com', role: 'viewer' });
  viewer = started.ctl.as(await started.ctl.tokenFor(v.user_id));
});

const FULL = { ...NEW_STAGING, sanitization_preset: 'full' };

describe('personal data coverage', () => {
  it('shows in the estimate which personal columns the chosen options leave as they are', async () => {
    const est = await alice.api.ok<Estimate>('POST', `/api/v1/environments/${t.source.id}/clone/estimate`, NEW_STAGING);
    expect(est.personal_data.columns).toHaveLength(2);
    expect(est.personal_data.uncovered.map((c) => `${c.table}.${c.column}`)).toEqual(['res_partner.x_studio_nickname']);
    expect(est.personal_data.summary).toBe('1 column looks like personal data and will be copied as it is: res_partner.x_studio_nickname');
    const full = await alice.api.ok<Estimate>('POST', `/api/v1/environments/${t.source.id}/clone/estimate`, FULL);
    expect(full.personal_data.uncovered).toEqual([]);
  });

  it('lets admins set strict mode and kept columns, refuses others and malformed column names', async () => {
    const project = await alice.api.ok<Project>('GET', `/api/v1/projects/${t.project.id}`);
    expect(project).toMatchObject({ sanitization_strict: false, personal_data_kept: [] });
    expectError(await viewer.request('PATCH', `/api/v1/projects/${t.project.id}`, { body: { sanitization_strict: true } }), 403, 'PERMISSION_DENIED');
    for (const bad of ['res_partner', 'res_partner.x; DROP TABLE projects', '"res_partner".email', 'a.b.c']) {
      const e = expectError(await alice.api.request('PATCH', `/api/v1/projects/${t.project.id}`, { body: { personal_data_kept: [bad] } }), 400, 'VALIDATION_ERROR');
      expect(JSON.stringify(e.details)).toContain('personal_data_kept');
    }
    expectError(await alice.api.request('PATCH', `/api/v1/projects/${t.project.id}`, { body: { unknown_setting: true } }), 400, 'VALIDATION_ERROR');
    const strict = await alice.api.ok<Project>('PATCH', `/api/v1/projects/${t.project.id}`, { sanitization_strict: true });
    expect(strict).toMatchObject({ sanitization_strict: true, personal_data_kept: [] });
  });

  it('refuses a strict project’s clone that leaves a personal column uncovered, and accepts it once covered or kept', async () => {
    await alice.api.ok<Project>('PATCH', `/api/v1/projects/${t.project.id}`, { sanitization_strict: true, personal_data_kept: [] });
    const refused = expectError(await cloneRequest(alice.api, t.source.id, NEW_STAGING), 400, 'INVALID_TARGET_CONFIG');
    expect(refused.details?.reason).toBe('UNCOVERED_PERSONAL_DATA');
    expect(refused.details?.columns).toEqual(['res_partner.x_studio_nickname']);
    expect(refused.message).toContain('res_partner.x_studio_nickname');
    // nothing was created: no operation, no target
    const ops = await alice.api.ok<{ items: CloneOperation[] }>('GET', `/api/v1/environments/${t.source.id}/clone-operations`);
    expect(ops.items).toEqual([]);

    const kept = await alice.api.ok<Project>('PATCH', `/api/v1/projects/${t.project.id}`, { personal_data_kept: ['res_partner.x_studio_nickname'] });
    expect(kept.personal_data_kept).toEqual(['res_partner.x_studio_nickname']);
    const est = await alice.api.ok<Estimate>('POST', `/api/v1/environments/${t.source.id}/clone/estimate`, NEW_STAGING);
    expect(est.personal_data).toMatchObject({ uncovered: [], kept: ['res_partner.x_studio_nickname'] });
    const res = await cloneRequest(alice.api, t.source.id, NEW_STAGING);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });
});
