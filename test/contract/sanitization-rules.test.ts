// Custom sanitization rules of a project: GET/PUT /projects/{id}/sanitization-rules (PUT replaces
// the list; organization admins), validation that names the field (identifiers, the function
// catalogue, the filter's operators — never raw SQL), literals that look like SQL kept as data,
// the rules frozen in the clone plan, counted in the estimate and reported per rule, and the
// coverage gate counting a rule's column as covered.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sanitizationRulesResponseSchema } from '@oec/shared';
import type { ClonePlan, CloneOperation, Estimate, Member, Project, SanitizationRulesResponse } from '@oec/shared';
import { oecRunner } from '../src/harness/oec-cli.js';
import { CLONE_ENV, NEW_STAGING, cloneRequest, expectError, getOp, tenant, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile, seedOrganization } from './harness.js';
import type { Client, Controller, User } from './harness.js';

let ctl: Controller;
let alice: User;
let t: Tenant;
let viewer: Client;
let developer: Client;
let bob: Client;
let bobProjectId: string;

const INJECTION = "x'; DROP TABLE res_partner; --";

controllerPerFile(CLONE_ENV, async (started) => {
  ctl = started.ctl;
  alice = started.alice;
  t = await tenant(ctl, alice);
  const v = await alice.api.ok<Member>('POST', `/api/v1/organizations/${t.org.id}/members`, { email: 'viewer@example.com', role: 'viewer' });
  viewer = ctl.as(await ctl.tokenFor(v.user_id));
  const d = await alice.api.ok<Member>('POST', `/api/v1/organizations/${t.org.id}/members`, { email: 'dev@example.com', role: 'developer' });
  developer = ctl.as(await ctl.tokenFor(d.user_id));
  const bobUser = await ctl.createUser('bob@example.com');
  bob = bobUser.api;
  bobProjectId = (await seedOrganization(ctl, bobUser, 'rules-beta')).project.id;
});

const path = (projectId: string) => `/api/v1/projects/${projectId}/sanitization-rules`;

const RULES = [
  { table: 'res_partner', column: 'x_studio_nickname', function: 'fake_name' },
  { table: 'res_partner', column: 'email', function: 'keep_domain_email', filter: [{ column: 'customer_rank', op: '>', value: 0 }, { column: 'email', op: 'like', value: '%@example.com' }] },
  { table: 'res_partner', column: 'ref', function: 'constant', value: INJECTION },
  { table: 'x_missing_audit', function: 'truncate_table' },
  { table: 'res_users', column: 'signature', function: 'null', filter: [{ column: 'id', op: 'in', value: [2, 3] }, { column: 'login', op: '!=', value: INJECTION }, { column: 'share', op: 'is_not_null' }] },
];

describe('GET/PUT /projects/{id}/sanitization-rules', () => {
  it('starts empty, replaces the whole list, answers it back and clears it', async () => {
    expect(await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).toEqual({ project_id: t.project.id, rules: [], sensitive_models: [], updated_at: null });
    const put = await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: RULES });
    expect(put.rules).toEqual(RULES);
    expect(put.updated_at).not.toBeNull();
    expect((await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).rules).toEqual(RULES);
    // PUT replaces: the second list is all there is
    const one = await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: [RULES[0]] });
    expect(one.rules).toEqual([RULES[0]]);
    expect((await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: [] })).rules).toEqual([]);
  });

  it('keeps a literal that looks like SQL as data (constant value, filter values)', async () => {
    const put = await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: RULES });
    expect(put.rules[2]).toMatchObject({ value: INJECTION });
    const { rows } = await ctl.db.query<{ r: unknown }>('SELECT sanitization_rules AS r FROM projects WHERE id = $1', [t.project.id]);
    expect(rows[0]?.r).toEqual(RULES);
    // the controller's own tables are untouched
    expect((await ctl.db.query("SELECT to_regclass('public.projects') IS NOT NULL AS ok")).rows[0]).toEqual({ ok: true });
  });

  it('lets organization admins write, members read, and answers 404 to other organizations and 401 without a token', async () => {
    await alice.api.ok('PUT', path(t.project.id), { rules: [RULES[0]] });
    expect((await viewer.ok<SanitizationRulesResponse>('GET', path(t.project.id))).rules).toEqual([RULES[0]]);
    expectError(await viewer.request('PUT', path(t.project.id), { body: { rules: [] } }), 403, 'PERMISSION_DENIED');
    expectError(await developer.request('PUT', path(t.project.id), { body: { rules: [] } }), 403, 'PERMISSION_DENIED');
    expectError(await bob.get(path(t.project.id)), 404, 'PROJECT_NOT_FOUND');
    expectError(await bob.request('PUT', path(t.project.id), { body: { rules: [] } }), 404, 'PROJECT_NOT_FOUND');
    expectError(await alice.api.get(path(bobProjectId)), 404, 'PROJECT_NOT_FOUND');
    expectError(await alice.api.get(path('00000000-0000-4000-8000-000000000000')), 404, 'PROJECT_NOT_FOUND');
    expectError(await alice.api.get('/api/v1/projects/not-a-uuid/sanitization-rules'), 404, 'PROJECT_NOT_FOUND');
    expectError(await ctl.as(null).get(path(t.project.id)), 401, 'UNAUTHENTICATED');
    expect((await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).rules).toEqual([RULES[0]]);
  });

  it('refuses bad rules with 400 VALIDATION_ERROR naming the field, and keeps the stored list', async () => {
    await alice.api.ok('PUT', path(t.project.id), { rules: [RULES[0]] });
    const ok = { table: 'res_partner', column: 'email', function: 'null' };
    const cases: Array<[unknown, string]> = [
      [{ ...ok, function: 'drop_table' }, 'rules.0.function'],
      [{ ...ok, table: 'res_partner; DROP TABLE res_partner; --' }, 'rules.0.table'],
      [{ ...ok, table: 'public.res_partner' }, 'rules.0.table'],
      [{ ...ok, column: '"email"' }, 'rules.0.column'],
      [{ ...ok, column: 'email) OR (1=1' }, 'rules.0.column'],
      [{ ...ok, column: 'Email' }, 'rules.0.column'],
      [{ ...ok, table: 'x'.repeat(64) }, 'rules.0.table'],
      [{ table: 'res_partner', function: 'null' }, 'rules.0.column'],
      [{ table: 'res_partner', column: 'email', function: 'truncate_table' }, 'rules.0.column'],
      [{ ...ok, function: 'constant' }, 'rules.0.value'],
      [{ ...ok, value: 'x' }, 'rules.0.value'],
      [{ ...ok, sql: 'DELETE FROM res_partner' }, 'rules.0'],
      [{ ...ok, filter: [{ column: 'id', op: 'OR 1=1 --', value: 1 }] }, 'rules.0.filter.0.op'],
      [{ ...ok, filter: [{ column: 'id; DROP TABLE res_partner', op: '=', value: 1 }] }, 'rules.0.filter.0.column'],
      [{ ...ok, filter: [{ column: 'id', op: '=', value: { raw: 'true' } }] }, 'rules.0.filter.0.value'],
      [{ ...ok, filter: [{ column: 'id', op: 'in', value: [] }] }, 'rules.0.filter.0.value'],
      [{ ...ok, filter: [{ column: 'id', op: 'like', value: 3 }] }, 'rules.0.filter.0.value'],
      [{ ...ok, filter: [{ column: 'id', op: 'is_null', value: 'x' }] }, 'rules.0.filter.0'],
      [{ ...ok, filter: [{ column: 'id', op: '=', value: 1, sql: 'OR 1=1' }] }, 'rules.0.filter.0'],
    ];
    for (const [rule, field] of cases) {
      const e = expectError(await alice.api.request('PUT', path(t.project.id), { body: { rules: [rule] } }), 400, 'VALIDATION_ERROR');
      const fields = (e.details?.fields ?? []) as Array<{ path: string }>;
      expect(fields.map((f) => f.path), JSON.stringify(rule)).toContain(field);
    }
    const many = Array.from({ length: 201 }, () => ok);
    const e = expectError(await alice.api.request('PUT', path(t.project.id), { body: { rules: many } }), 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(e.details)).toContain('rules');
    expectError(await alice.api.request('PUT', path(t.project.id), { body: [ok] }), 400, 'VALIDATION_ERROR');
    expectError(await alice.api.request('PUT', path(t.project.id), { body: { rules: [ok], extra: 1 } }), 400, 'VALIDATION_ERROR');
    expect((await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).rules).toEqual([RULES[0]]);
  });
});

describe('sensitive models', () => {
  it('are replaced when given (duplicates dropped), kept when omitted, and cleared with []', async () => {
    const put = await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: [], sensitive_models: ['hr.employee', 'res.partner', 'hr.employee'] });
    expect(put.sensitive_models).toEqual(['hr.employee', 'res.partner']);
    const kept = await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: [RULES[0]] });
    expect(kept).toMatchObject({ rules: [RULES[0]], sensitive_models: ['hr.employee', 'res.partner'] });
    expect((await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).sensitive_models).toEqual(['hr.employee', 'res.partner']);
    expect((await alice.api.ok<SanitizationRulesResponse>('PUT', path(t.project.id), { rules: [RULES[0]], sensitive_models: [] })).sensitive_models).toEqual([]);
  });

  it('refuses a bad model name or too many with 400 VALIDATION_ERROR naming the field, and keeps the stored list', async () => {
    await alice.api.ok('PUT', path(t.project.id), { rules: [], sensitive_models: ['res.partner'] });
    for (const bad of ['Res.Partner', "res.partner'; DROP TABLE ir_attachment; --", 'res..partner', '', 'hr.employee.']) {
      const e = expectError(await alice.api.request('PUT', path(t.project.id), { body: { rules: [], sensitive_models: ['hr.employee', bad] } }), 400, 'VALIDATION_ERROR');
      expect(JSON.stringify(e.details), bad).toContain('sensitive_models');
    }
    expectError(await alice.api.request('PUT', path(t.project.id), { body: { rules: [], sensitive_models: 'res.partner' } }), 400, 'VALIDATION_ERROR');
    const many = Array.from({ length: 101 }, (_, i) => `x_model_${i}`);
    expectError(await alice.api.request('PUT', path(t.project.id), { body: { rules: [], sensitive_models: many } }), 400, 'VALIDATION_ERROR');
    expectError(await developer.request('PUT', path(t.project.id), { body: { rules: [], sensitive_models: [] } }), 403, 'PERMISSION_DENIED');
    expect((await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).sensitive_models).toEqual(['res.partner']);
    await alice.api.ok('PUT', path(t.project.id), { rules: [], sensitive_models: [] });
  });
});

describe('custom rules in a clone', () => {
  it('are counted in the estimate, frozen in the plan, and reported per rule (a missing table skipped)', async () => {
    await alice.api.ok('PUT', path(t.project.id), { rules: RULES, sensitive_models: ['hr.employee'] });
    const est = await alice.api.ok<Estimate>('POST', `/api/v1/environments/${t.source.id}/clone/estimate`, NEW_STAGING);
    expect(est.rule_impact).toHaveLength(RULES.length);
    expect(est.rule_impact[0]).toMatchObject({ rule_index: 0, table: 'res_partner', column: 'x_studio_nickname', function: 'fake_name', rows: 3 });
    const estimateTask = t.agent.tasks.filter((x) => x.kind === 'clone.estimate').at(-1);
    expect(estimateTask?.input).toMatchObject({ custom_rules: RULES, sensitive_models: ['hr.employee'] });
    // the rule on x_studio_nickname covers the column no chosen option covers
    expect(est.personal_data.uncovered).toEqual([]);

    const res = await cloneRequest(alice.api, t.source.id, NEW_STAGING);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    // changing the rules and models afterwards does not change this clone's
    await alice.api.ok('PUT', path(t.project.id), { rules: [], sensitive_models: [] });
    const done = await waitOp(alice.api, res.body.id, (op: CloneOperation) => op.status === 'completed');
    const sanitizeTask = t.agent.tasks.filter((x) => x.kind === 'clone.sanitize').at(-1);
    expect((sanitizeTask?.input as ClonePlan).custom_rules).toEqual(RULES);
    expect((sanitizeTask?.input as ClonePlan).sensitive_models).toEqual(['hr.employee']);
    expect(done.sanitization_rule_results).toHaveLength(RULES.length);
    expect(done.sanitization_rule_results[3]).toMatchObject({ table: 'x_missing_audit', skipped: true, reason: 'table x_missing_audit not present', affected_rows: 0 });
    expect(done.sanitization_rule_results[0]).toMatchObject({ skipped: false, affected_rows: 5 });
    expect((await getOp(alice.api, res.body.id)).sanitization_rule_results).toEqual(done.sanitization_rule_results);
  });

  it('lets a strict project clone once a rule covers the uncovered column', async () => {
    await alice.api.ok<Project>('PATCH', `/api/v1/projects/${t.project.id}`, { sanitization_strict: true, personal_data_kept: [] });
    await alice.api.ok('PUT', path(t.project.id), { rules: [] });
    const refused = expectError(await cloneRequest(alice.api, t.source.id, NEW_STAGING), 400, 'INVALID_TARGET_CONFIG');
    expect(refused.details?.columns).toEqual(['res_partner.x_studio_nickname']);
    await alice.api.ok('PUT', path(t.project.id), { rules: [{ table: 'res_partner', column: 'x_studio_nickname', function: 'null' }] });
    const res = await cloneRequest(alice.api, t.source.id, NEW_STAGING);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitOp(alice.api, res.body.id, (op: CloneOperation) => op.status === 'completed');
    await alice.api.ok<Project>('PATCH', `/api/v1/projects/${t.project.id}`, { sanitization_strict: false });
  });
});

describe('oec rules', () => {
  it('sets the rules from a file, lists them, and exits 2 naming the field of a bad rule', async () => {
    const oec = oecRunner({ OEC_URL: ctl.url, OEC_TOKEN: alice.token });
    const dir = await mkdtemp(join(tmpdir(), 'oec-rules-'));
    const file = join(dir, 'rules.json');
    await writeFile(file, JSON.stringify({ rules: RULES.slice(0, 3) }));
    const set = await oec(['rules', 'set', t.project.name, '--file', file]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.lines[0]).toBe(`Saved 3 custom sanitization rules for ${t.project.name}`);
    const get = await oec(['rules', 'get', t.project.id]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.lines[0]).toMatch(/^#\s+TABLE\s+COLUMN\s+FUNCTION\s+FILTER$/);
    expect(get.lines[1]).toMatch(/^0\s+res_partner\s+x_studio_nickname\s+fake_name\s+-$/);
    expect(get.lines[2]).toContain('customer_rank > 0 AND email like "%@example.com"');
    const json = await oec(['--json', 'rules', 'get', t.project.name]);
    expect(sanitizationRulesResponseSchema.parse(JSON.parse(json.stdout)).rules).toEqual(RULES.slice(0, 3));

    await writeFile(file, JSON.stringify([{ table: 'res_partner; DROP TABLE res_partner', column: 'email', function: 'null' }]));
    const bad = await oec(['rules', 'set', t.project.name, '--file', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^oec: VALIDATION_ERROR: .*rules\.0\.table/);
    await writeFile(file, 'not json');
    expect((await oec(['rules', 'set', t.project.name, '--file', file])).code).toBe(2);
    expect((await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).rules).toEqual(RULES.slice(0, 3));

    // the sensitive models alone: the stored rules are kept
    const models = await oec(['rules', 'set', t.project.name, '--sensitive-models', 'hr.employee, res.partner']);
    expect(models.code, models.stderr).toBe(0);
    expect(models.lines.at(-1)).toBe('Sensitive models: hr.employee, res.partner');
    expect(await alice.api.ok<SanitizationRulesResponse>('GET', path(t.project.id))).toMatchObject({ rules: RULES.slice(0, 3), sensitive_models: ['hr.employee', 'res.partner'] });
    const badModel = await oec(['rules', 'set', t.project.name, '--sensitive-models', 'Hr.Employee']);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/^oec: VALIDATION_ERROR: .*sensitive_models\.0/);
    expect((await oec(['rules', 'set', t.project.name])).code).toBe(2);
    await alice.api.ok('PUT', path(t.project.id), { rules: [], sensitive_models: [] });
  });
});
