// When things are not as expected: modules that are not installed (tables missing) skip their
// options with a warning and the run succeeds; a missing column met at run time (SQLSTATE 42703)
// skips the option; a failed proof, an SQL error and an abort each roll the whole run back and
// leave the database exactly as it was.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateImpact, hashOdooPassword, PERSONAL_OPTIONS, sanitizeDatabase } from '@oec/agent/sanitize';
import { AppError, ErrorCode } from '@oec/shared';
import { BASE_URL, Harness, preset, SALT, tableDigests, type Template } from './harness.js';

let h: Harness;
let tpl: Template;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(42);
});

afterAll(async () => {
  await h?.stop();
});

const params = (options = preset('recommended')) =>
  ({ options, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null }) as const;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e: unknown = await p.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

async function fresh(): Promise<pg.Client> {
  return h.connect(await h.copy(tpl));
}

describe('modules not installed', () => {
  const OMIT = ['fetchmail_server', 'payment_provider', 'ir_cron', 'mail_template', 'website', 'auth_totp_device'];

  it('skips the options whose tables are missing, with warnings, and succeeds', async () => {
    const t = await h.template(42, OMIT);
    expect(t.summary.omittedTables).toEqual(expect.arrayContaining(OMIT));
    const c = await h.connect(await h.copy(t));
    const options = preset('full');
    const estimate = await estimateImpact(c, options);
    const out = await sanitizeDatabase(c, { ...params(options), passwordHash: hashOdooPassword('pw', 1000) });
    const result = (k: string) => out.results.find((r) => r.option_key === k);
    expect(out.results).toHaveLength(16);
    expect(out.results.every((r) => r.success)).toBe(true);
    expect(result('disable_crons')).toMatchObject({ skipped: true, affected_rows: 0, warning: 'table ir_cron not present (module not installed)' });
    expect(result('disable_mail_templates')).toMatchObject({ skipped: true, warning: 'table mail_template not present (module not installed)' });
    // partly present: applied, with the missing part named
    expect(result('disable_mail_servers')?.skipped).toBe(false);
    expect(result('disable_mail_servers')?.warning).toContain('table fetchmail_server not present (module not installed)');
    expect(result('clear_api_keys')?.warning).toContain('table payment_provider not present (module not installed)');
    expect(result('update_base_url')?.warning).toContain('table website not present (module not installed)');
    expect(result('disable_2fa')).toMatchObject({ skipped: false, warning: 'table auth_totp_device not present (module not installed)' });
    expect(out.proof.passed).toBe(true);
    const skippedCheck = out.proof.checks.find((ch) => ch.option_key === 'disable_crons');
    expect(skippedCheck).toMatchObject({ passed: true, check: 'disable_crons skipped' });
    // exact for the options with fixed tables; the personal data options' counts are a preview
    const fixed = estimate.filter((e) => !PERSONAL_OPTIONS.has(e.option_key)).map((e) => [e.option_key, e.rows]);
    expect(fixed).toEqual(out.results.filter((r) => !PERSONAL_OPTIONS.has(r.option_key)).map((r) => [r.option_key, r.affected_rows]));
  });

  it('skips an option when a column turns out missing at run time (SQLSTATE 42703)', async () => {
    const c = await fresh();
    // a customisation whose trigger reads a column this schema lacks
    await c.query(`CREATE FUNCTION touch_crons() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM NEW.no_such_column; RETURN NEW; END $$`);
    await c.query('CREATE TRIGGER touch_crons BEFORE UPDATE ON ir_cron FOR EACH ROW EXECUTE FUNCTION touch_crons()');
    const before = await c.query('SELECT id, active FROM ir_cron ORDER BY id');
    const out = await sanitizeDatabase(c, params());
    const crons = out.results.find((r) => r.option_key === 'disable_crons');
    expect(crons).toMatchObject({ success: true, skipped: true, affected_rows: 0 });
    expect(crons?.warning).toMatch(/no_such_column/);
    expect(out.results.filter((r) => r.option_key !== 'disable_crons').every((r) => !r.skipped)).toBe(true);
    expect((await c.query('SELECT id, active FROM ir_cron ORDER BY id')).rows).toEqual(before.rows);
    expect(out.proof.passed).toBe(true);
  });
});

describe('all or nothing', () => {
  it('fails with PROOF_FAILED and changes nothing when a guarantee does not hold', async () => {
    const c = await fresh();
    // something outside the sanitizer puts a live server back whenever servers are updated
    await c.query(`CREATE FUNCTION revive() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication, smtp_encryption, active)
        VALUES ('revived', 'smtp.example.com', 587, 'login', 'starttls', true);
        RETURN NULL; END $$`);
    await c.query('CREATE TRIGGER revive AFTER UPDATE ON ir_mail_server FOR EACH STATEMENT EXECUTE FUNCTION revive()');
    const before = await tableDigests(c);
    const e = await rejection(sanitizeDatabase(c, params()));
    expect(e.code).toBe(ErrorCode.PROOF_FAILED);
    const failed = e.details?.failed_checks as Array<{ check: string; option_key: string; violations: number }>;
    expect(failed).toEqual([
      expect.objectContaining({ option_key: 'disable_mail_servers', check: 'no active mail server but the dummy', violations: 2 }),
    ]);
    expect(await tableDigests(c)).toEqual(before);
  });

  it('fails with SANITIZATION_FAILED naming the option and changes nothing on an SQL error', async () => {
    const c = await fresh();
    await c.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'partners are read-only'; END $$`);
    await c.query('CREATE TRIGGER refuse BEFORE UPDATE ON res_partner FOR EACH ROW EXECUTE FUNCTION refuse()');
    const before = await tableDigests(c);
    const e = await rejection(sanitizeDatabase(c, params()));
    expect(e.code).toBe(ErrorCode.SANITIZATION_FAILED);
    expect(e.message).toContain('anonymize_emails');
    expect(e.message).toContain('partners are read-only');
    expect(e.details).toMatchObject({ option_key: 'anonymize_emails', sqlstate: 'P0001' });
    expect(await tableDigests(c)).toEqual(before);
  });

  it('fails with CANCELLED and changes nothing when aborted mid-run', async () => {
    const c = await fresh();
    const before = await tableDigests(c);
    const ac = new AbortController();
    const e = await rejection(
      sanitizeDatabase(c, {
        ...params(),
        signal: ac.signal,
        log: (_level, message) => {
          if (message.startsWith('anonymize_emails')) ac.abort();
        },
      }),
    );
    expect(e.code).toBe(ErrorCode.CANCELLED);
    expect(await tableDigests(c)).toEqual(before);
    // the connection is usable again (no transaction left open)
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('refuses reset_passwords without a password hash, before touching anything', async () => {
    const c = await fresh();
    const e = await rejection(sanitizeDatabase(c, params(preset('full'))));
    expect(e.code).toBe(ErrorCode.SANITIZATION_FAILED);
    expect(e.message).toMatch(/passwordHash/);
    expect(c.getTransactionStatus?.() ?? 'I').toBe('I');
  });
});
