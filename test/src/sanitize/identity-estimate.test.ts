// What surrounds the options: the database identity (create_new regenerates database.uuid and
// database.secret even with preset none; replace puts the replaced database's identity back, and
// regenerates the two where it had none),
// and the read-only estimate (planner estimates for big tables, the API keys it finds, no writes).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countApiKeys, estimateImpact, PERSONAL_OPTIONS, sanitizeDatabase } from '@oec/agent/sanitize';
import { BASE_URL, Harness, preset, rows, SALT, tableDigests, type Template } from './harness.js';

let h: Harness;
let tpl: Template;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(42);
});

afterAll(async () => {
  await h?.stop();
});

async function paramMap(c: pg.ClientBase): Promise<Record<string, string>> {
  return Object.fromEntries((await rows<{ key: string; value: string }>(c, 'SELECT key, value FROM ir_config_parameter')).map((r) => [r.key, r.value]));
}

const IDENTITY = {
  'database.uuid': '0b6f3d9e-1c2a-11ef-9a51-0242ac120002',
  'database.secret': '5f1e8c0e-4a0d-4c55-9d0a-8f5ad3e2b7c1',
  'database.enterprise_code': 'M24TARGETCODE',
  'web.base.url': 'https://staging-x.apps.example.com',
  'web.base.url.freeze': 'True',
  'report.url': 'http://localhost:8069',
};

describe('identity', () => {
  it('gives a create_new target a new database.uuid and database.secret, even with preset none', async () => {
    const c = await h.connect(await h.copy(tpl));
    const before = await paramMap(c);
    const out = await sanitizeDatabase(c, { options: preset('none'), baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null });
    const after = await paramMap(c);
    expect(after['database.uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(after['database.uuid']).not.toBe(before['database.uuid']);
    expect(after['database.secret']).not.toBe(before['database.secret']);
    expect(after['database.enterprise_code']).toBe(before['database.enterprise_code']);
    const { ['database.uuid']: _u, ['database.secret']: _s, ...rest } = after;
    const { ['database.uuid']: _bu, ['database.secret']: _bs, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(out.proof.checks.filter((ch) => ch.check.endsWith('regenerated'))).toEqual([
      expect.objectContaining({ check: 'database.uuid regenerated', passed: true }),
      expect.objectContaining({ check: 'database.secret regenerated', passed: true }),
    ]);
  });

  it('puts the replaced database identity back exactly (replace, preset none)', async () => {
    const c = await h.connect(await h.copy(tpl));
    await c.query("DELETE FROM ir_config_parameter WHERE key = 'database.enterprise_code'");
    const out = await sanitizeDatabase(c, { options: preset('none'), baseUrl: BASE_URL, salt: SALT, mode: 'replace', identity: IDENTITY });
    const after = await paramMap(c);
    for (const [k, v] of Object.entries(IDENTITY)) expect(after[k], k).toBe(v);
    expect(out.proof.checks).toContainEqual(expect.objectContaining({ check: 'identity parameters of the replaced database restored', passed: true }));
  });

  it('gives a replace a new database.uuid and database.secret where the replaced database had none (never initialised by Odoo)', async () => {
    const c = await h.connect(await h.copy(tpl));
    const before = await paramMap(c);
    const kept = { 'web.base.url': 'https://staging-x.apps.example.com' };
    const out = await sanitizeDatabase(c, { options: preset('none'), baseUrl: BASE_URL, salt: SALT, mode: 'replace', identity: kept });
    const after = await paramMap(c);
    expect(after['database.uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(after['database.uuid']).not.toBe(before['database.uuid']);
    expect(after['database.secret']).not.toBe(before['database.secret']);
    expect(after['web.base.url']).toBe(kept['web.base.url']);
    expect(out.proof.checks.filter((ch) => ch.check.endsWith('regenerated') || ch.check.startsWith('identity'))).toEqual([
      expect.objectContaining({ check: 'database.uuid regenerated', passed: true }),
      expect.objectContaining({ check: 'database.secret regenerated', passed: true }),
      expect.objectContaining({ check: 'identity parameters of the replaced database restored', passed: true }),
    ]);
  });

  it('lets update_base_url have the last word on the URLs (replace, preset recommended)', async () => {
    const c = await h.connect(await h.copy(tpl));
    const identity = { ...IDENTITY, 'web.base.url': 'https://old-staging.example.com', 'report.url': 'https://old-staging.example.com' };
    const out = await sanitizeDatabase(c, { options: preset('recommended'), baseUrl: BASE_URL, salt: SALT, mode: 'replace', identity });
    const after = await paramMap(c);
    expect(after['web.base.url']).toBe(BASE_URL);
    expect(after['report.url']).toBe(BASE_URL);
    expect(after['database.uuid']).toBe(IDENTITY['database.uuid']);
    expect(after['database.secret']).toBe(IDENTITY['database.secret']);
    expect(after['database.enterprise_code']).toBe(IDENTITY['database.enterprise_code']);
    expect(out.proof.passed).toBe(true);
  });
});

describe('estimate', () => {
  it('uses the planner for tables over a million rows and says so', async () => {
    const c = await h.connect(await h.copy(tpl));
    // make mail_message look huge to the planner
    await c.query("UPDATE pg_class SET reltuples = 5e6, relpages = 50000 WHERE relname = 'mail_message' AND relkind = 'r'");
    const before = await tableDigests(c);
    const estimate = await estimateImpact(c, preset('recommended'), { statementTimeoutMs: 30_000 });
    const emails = estimate.find((e) => e.option_key === 'anonymize_emails');
    expect(emails?.approximate).toBe(true);
    expect(emails?.summary).toMatch(/^~\d+ customer emails will be anonymized/);
    // the personal data options' by-value counts are previews (approximate) whatever the sizes
    expect(estimate.filter((e) => e.option_key !== 'anonymize_emails' && !PERSONAL_OPTIONS.has(e.option_key)).every((e) => !e.approximate)).toBe(true);
    expect(await tableDigests(c)).toEqual(before);
  });

  it('counts the API keys found, and finds none once cleared', async () => {
    const c = await h.connect(await h.copy(tpl));
    const found = await countApiKeys(c);
    expect(found).toBeGreaterThan(20);
    const estimate = await estimateImpact(c, preset('recommended'));
    expect(estimate.find((e) => e.option_key === 'clear_api_keys')?.summary).toContain(`${found} credentials found`);
    await sanitizeDatabase(c, { options: preset('recommended'), baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null });
    expect(await countApiKeys(c)).toBe(0);
    const again = await estimateImpact(c, preset('recommended'));
    for (const key of ['clear_mail_queue', 'anonymize_emails', 'anonymize_phones', 'clear_api_keys', 'disable_crons', 'clear_asset_bundles']) {
      expect(again.find((e) => e.option_key === key)?.rows, key).toBe(0);
    }
  });

  it('falls back to the planner, or says so, when a count hits the statement timeout', async () => {
    const db = await h.copy(tpl);
    const c = await h.connect(db);
    const other = await h.connect(db);
    // another session holds mail_mail exclusively: every query on it waits past the timeout
    await other.query('BEGIN');
    await other.query('LOCK TABLE mail_mail IN ACCESS EXCLUSIVE MODE');
    try {
      const estimate = await estimateImpact(c, preset('minimal'), { statementTimeoutMs: 300 });
      expect(estimate.find((e) => e.option_key === 'clear_mail_queue')).toEqual({
        option_key: 'clear_mail_queue',
        rows: 0,
        approximate: true,
        summary: 'not counted within the time limit',
      });
      const servers = estimate.find((e) => e.option_key === 'disable_mail_servers');
      expect(servers?.approximate).toBe(false);
      expect(servers?.rows).toBeGreaterThan(0);
    } finally {
      await other.query('ROLLBACK');
    }
    expect(c.getTransactionStatus()).toBe('I');
  });
});
