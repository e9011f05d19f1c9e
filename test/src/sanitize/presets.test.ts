// Each preset on a generated tiny Odoo database: every chosen option's guarantee holds (checked
// with our own queries), nothing outside the chosen options changes (column-by-column diff with
// an untouched copy of the same data), users still log in, the proof passed, and the read-only
// estimate predicted exactly the rows each option then touched.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateImpact, generatePassword, hashOdooPassword, PERSONAL_OPTIONS, sanitizeDatabase, type ImpactEstimate, type SanitizeOutcome } from '@oec/agent/sanitize';
import { enabledOptions, SANITIZATION_KEYS, type SanitizationOptions, type SanitizationPreset } from '@oec/shared';
import { verifyOdooPassword } from '../odoo/index.js';
import { columnDigests, paramMayChange, params, unexpectedChanges } from './footprint.js';
import { customerIds, GUARANTEES, ownIds, SENSITIVE_MODELS } from './guarantees.js';
import { BASE_URL, dumpText, emailTokens, Harness, preset, SALT, type Template } from './harness.js';

let h: Harness;
let tpl: Template;
let pristine: pg.Client;
let beforeColumns: Map<string, string>;
let beforeParams: Map<string, string>;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(42);
  pristine = await h.connect(await h.copy(tpl));
  beforeColumns = await columnDigests(pristine);
  beforeParams = await params(pristine);
});

afterAll(async () => {
  await h?.stop();
});

const PRESETS: SanitizationPreset[] = ['recommended', 'minimal', 'full', 'none'];

describe.each(PRESETS)('preset %s', (name) => {
  let c: pg.Client;
  let options: SanitizationOptions;
  let estimate: ImpactEstimate[];
  let out: SanitizeOutcome;
  let filestore: string;
  const password = generatePassword();
  const passwordHash = hashOdooPassword(password, 2000);

  beforeAll(async () => {
    c = await h.connect(await h.copy(tpl));
    options = preset(name);
    filestore = await mkdtemp(join(tmpdir(), 'oec-presets-fs-'));
    estimate = await estimateImpact(c, options, { sensitiveModels: SENSITIVE_MODELS });
    out = await sanitizeDatabase(c, { options, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash, sensitiveModels: SENSITIVE_MODELS, filestore: { dir: filestore, removeUnreferenced: true } });
  });

  afterAll(async () => {
    await rm(filestore, { recursive: true, force: true });
  });

  it('reports each chosen option once, in catalogue order, successful, and a passed proof', () => {
    const keys = enabledOptions(options);
    expect(out.results.map((r) => r.option_key)).toEqual(keys);
    expect(keys.at(-1)).toBe('clear_asset_bundles');
    for (const r of out.results) {
      expect(r.success).toBe(true);
      expect(r.skipped).toBe(false);
      expect(r.warning, r.option_key).toBeNull();
    }
    expect(out.proof.passed).toBe(true);
    expect(out.proof.checks.every((ch) => ch.passed)).toBe(true);
    expect(new Set(out.proof.checks.map((ch) => ch.option_key))).toEqual(new Set(keys));
    expect(out.totals.affected_rows).toBe(out.results.reduce((n, r) => n + r.affected_rows, 0));
  });

  it('estimated the rows each option touched: exactly, or as a preview for the personal data options', () => {
    expect(estimate.map((e) => e.option_key)).toEqual(out.results.map((r) => r.option_key));
    for (const e of estimate) {
      const actual = out.results.find((r) => r.option_key === e.option_key)?.affected_rows ?? -1;
      // only the personal data options add a by-value pass over rows their own pass may also touch
      if (!PERSONAL_OPTIONS.has(e.option_key)) expect(e.approximate, e.option_key).toBe(false);
      if (e.approximate) {
        // a preview: something to mask is announced exactly when something was masked
        expect(e.summary.startsWith('~'), e.option_key).toBe(true);
        expect([e.option_key, e.rows > 0]).toEqual([e.option_key, actual > 0]);
      } else {
        expect([e.option_key, e.rows]).toEqual([e.option_key, actual]);
      }
    }
  });

  it("holds every chosen option's guarantee", async () => {
    const affected = (k: string): number => out.results.find((r) => r.option_key === k)?.affected_rows ?? -1;
    for (const key of enabledOptions(options)) {
      await GUARANTEES[key]({ c, pristine, summary: tpl.summary, passwordHash, affected, salt: SALT, baseUrl: BASE_URL });
    }
  });

  it('leaves everything outside the chosen options untouched', async () => {
    expect(unexpectedChanges(beforeColumns, await columnDigests(c), enabledOptions(options))).toEqual([]);
    const after = await params(c);
    const changed = [...new Set([...beforeParams.keys(), ...after.keys()])].filter((k) => beforeParams.get(k) !== after.get(k));
    expect(changed.filter((k) => !paramMayChange(k, options, 'create_new'))).toEqual([]);
    // database.uuid / database.secret are always new for create_new, even with preset none
    expect(changed).toEqual(expect.arrayContaining(['database.uuid', 'database.secret']));
  });

  it('lets users log in: with their own password, or the one generated password', async () => {
    const hashes = new Map(
      (await c.query<{ id: number; password: string | null }>('SELECT id, password FROM res_users')).rows.map((u) => [u.id, u.password ?? '']),
    );
    expect(tpl.summary.knownPasswords.some((k) => !k.share)).toBe(true);
    for (const known of tpl.summary.knownPasswords) {
      const hash = hashes.get(known.userId) ?? '';
      if (options.reset_passwords) {
        expect(verifyOdooPassword(password, hash)).toBe(true);
        expect(verifyOdooPassword(known.password, hash)).toBe(false);
      } else {
        expect(verifyOdooPassword(known.password, hash), known.login).toBe(true);
      }
    }
  });
});

it('covers all 16 options across the presets', () => {
  expect(new Set(PRESETS.flatMap((p) => enabledOptions(preset(p))))).toEqual(new Set(SANITIZATION_KEYS));
});

describe.each(['recommended', 'full'] as const)('no leak with preset %s', (name) => {
  it('leaves no source credential value and no customer email anywhere in the database', async () => {
    // Credentials found independently of the sanitizer's catalogue: every value of a column or
    // parameter whose name says key/secret/token/password. Not counted: password hashes and 2FA
    // secrets (reset_passwords / disable_2fa, not in recommended), IAP tokens (kept with Odoo's
    // `+disabled` suffix, by specification) and attachment share tokens (links into data the copy
    // holds anyway).
    const { rows: cols } = await pristine.query<{ t: string; col: string }>(
      `SELECT table_name AS t, column_name AS col FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('character varying', 'text')
          AND column_name ~ '(key|secret|token|pass|password)$|_(key|secret|token)_|^keys$'
          AND NOT (table_name, column_name) IN (('res_users', 'password'), ('ir_config_parameter', 'key'),
                                                ('iap_account', 'account_token'), ('ir_attachment', 'access_token'))
          AND (${name === 'full'} OR NOT (table_name, column_name) IN (('auth_totp_device', 'key'), ('res_users', 'totp_secret')))`,
    );
    const secrets = new Set<string>();
    for (const { t, col } of cols) {
      const { rows: v } = await pristine.query<{ v: string }>(`SELECT DISTINCT "${col}"::text AS v FROM "${t}" WHERE length("${col}"::text) >= 8`);
      for (const r of v) secrets.add(r.v);
    }
    const { rows: p } = await pristine.query<{ v: string }>(
      `SELECT value AS v FROM ir_config_parameter WHERE key ~ '(key|secret|token|password)' AND key NOT IN ('database.secret', 'database.uuid') AND length(value) >= 8`,
    );
    for (const r of p) secrets.add(r.v);
    expect(secrets.size).toBeGreaterThan(30);

    const { rows: e } = await pristine.query<{ v: string }>('SELECT DISTINCT lower(email) AS v FROM res_partner WHERE id = ANY($1) AND email IS NOT NULL', [
      customerIds(tpl.summary),
    ]);
    // an address that is also one of our own (a mail alias, an own partner's) is not a customer's
    const { rows: ours } = await pristine.query<{ v: string }>(
      `SELECT lower(alias_full_name) AS v FROM mail_alias WHERE alias_full_name IS NOT NULL
       UNION SELECT lower(email) FROM res_partner WHERE id = ANY($1) AND email IS NOT NULL`,
      [ownIds(tpl.summary)],
    );
    const own = new Set(ours.map((r) => r.v));
    const emails = new Set(e.map((r) => r.v).filter((v) => !own.has(v)));
    expect(emails.size).toBeGreaterThan(100);

    const c = await h.connect(await h.copy(tpl));
    const passwordHash = hashOdooPassword(generatePassword(), 2000);
    await sanitizeDatabase(c, { options: preset(name), baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash });
    const dump = await dumpText(c);
    expect([...secrets].filter((s) => dump.includes(s))).toEqual([]);
    expect([...emailTokens(dump)].filter((t) => emails.has(t))).toEqual([]);
  });
});
