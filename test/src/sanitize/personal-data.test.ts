// Personal data wherever Odoo keeps it: a tiny database holding every table and column of the Odoo 17
// personal-data catalogue (plus a Studio column and a custom module's table no catalogue lists),
// values planted in every one of them and again inside free text, HTML, JSON and tracking values.
// After a sanitization, every planted value that the preset promises to mask is searched BY VALUE in
// a text dump of the whole database (every row of every table), independently of the sanitizer's
// own map; the staff's own values must still be where they were.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  estimateImpact,
  hashOdooPassword,
  loadPersonalMap,
  personalCoverage,
  pseudonymEmail,
  sanitizeDatabase,
  type SanitizeOutcome,
} from '@oec/agent/sanitize';
import { columnRef, type SanitizationPreset } from '@oec/shared';
import { verifyOdooPassword, type PersonalManifest, type PlantedValue } from '../odoo/index.js';
import { BASE_URL, dumpText, Harness, preset, SALT, type Template } from './harness.js';

let h: Harness;
let tpl: Template;
let manifest: PersonalManifest;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(11, [], true);
  if (!tpl.summary.personal) throw new Error('the generator planted no personal data');
  manifest = tpl.summary.personal;
});

afterAll(async () => {
  await h?.stop();
});

async function sanitized(name: SanitizationPreset): Promise<{ c: pg.Client; out: SanitizeOutcome }> {
  const c = await h.connect(await h.copy(tpl));
  const out = await sanitizeDatabase(c, {
    options: preset(name),
    baseUrl: BASE_URL,
    salt: SALT,
    mode: 'create_new',
    identity: null,
    passwordHash: hashOdooPassword('staging-password', 1000),
  });
  return { c, out };
}

/** Forms of a value a search must not find: as planted, lower-cased, digits only (phones). */
function forms(v: PlantedValue): string[] {
  const out = [v.value, v.value.toLowerCase()];
  if (v.kind === 'phone') out.push(v.value.replace(/[^0-9+]/g, ''));
  return out.filter((f) => f.length >= 5);
}

function leaks(dump: string, values: readonly PlantedValue[]): string[] {
  const lower = dump.toLowerCase();
  return [...new Set(values.filter((v) => forms(v).some((f) => lower.includes(f.toLowerCase()))).map((v) => `${v.table}.${v.column} (${v.kind})`))];
}

const masked = (v: PlantedValue, kinds: readonly string[]): boolean => kinds.includes(v.kind);

/** Dates and free-standing numbers are checked in their columns, not by value in the dump. */
const SEARCHABLE = ['email', 'phone', 'identity', 'bank', 'vat', 'name', 'address'];

async function valueAt(c: pg.ClientBase, v: PlantedValue): Promise<number> {
  const { rows } = await c.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${v.table}" WHERE "${v.column}"::text = $1`,
    [v.value],
  );
  return rows[0]?.n ?? 0;
}

describe('recommended', () => {
  let c: pg.Client;
  let out: SanitizeOutcome;
  let dump: string;

  beforeAll(async () => {
    ({ c, out } = await sanitized('recommended'));
    dump = await dumpText(c);
  });

  it('passes its proof, which searched every text column by value', () => {
    expect(out.proof.passed).toBe(true);
    const byValue = out.proof.checks.filter((ch) => ch.check.includes('searched by value'));
    expect(byValue.map((ch) => ch.option_key).sort()).toEqual(['anonymize_emails', 'anonymize_identity_numbers', 'anonymize_phones']);
  });

  it("leaves no external person's email or phone anywhere, free text and JSON included", () => {
    const external = manifest.planted.filter((v) => v.audience === 'external' && masked(v, ['email', 'phone']));
    expect(external.length).toBeGreaterThan(100);
    expect(external.some((v) => v.embedded)).toBe(true);
    expect(leaks(dump, external)).toEqual([]);
  });

  it('leaves no identity or bank number, and no employee private contact value', async () => {
    const identity = manifest.planted.filter((v) => v.audience === 'anyone' && SEARCHABLE.includes(v.kind));
    expect(identity.length).toBeGreaterThan(10);
    expect(leaks(dump, identity)).toEqual([]);
    const privateContact = manifest.planted.filter((v) => v.audience === 'employee_private' && masked(v, ['email', 'phone']));
    expect(privateContact.length).toBeGreaterThan(5);
    expect(leaks(dump, privateContact)).toEqual([]);
    // a private city or zip also appears in customers' addresses (kept by recommended): in its column
    const privateAddress = manifest.planted.filter((v) => v.audience === 'employee_private' && v.kind === 'address' && !v.embedded);
    expect(privateAddress.length).toBeGreaterThan(5);
    const left: string[] = [];
    for (const v of privateAddress) if ((await valueAt(c, v)) > 0) left.push(`${v.table}.${v.column}`);
    expect(left).toEqual([]);
  });

  it('masks the custom Studio column and the custom table no catalogue lists', async () => {
    const custom = manifest.planted.filter((v) => manifest.customColumns.some((cc) => cc.table === v.table && cc.column === v.column));
    expect(custom.length).toBeGreaterThan(3);
    for (const v of custom.filter((x) => masked(x, ['email', 'phone']))) expect(await valueAt(c, v), `${v.table}.${v.column}`).toBe(0);
  });

  it("keeps the staff's own values: logins, names and work contact", async () => {
    const internal = manifest.planted.filter((v) => v.audience === 'internal' && !v.embedded);
    expect(internal.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const v of internal) if ((await valueAt(c, v)) === 0) missing.push(`${v.table}.${v.column}=${v.value}`);
    expect(missing).toEqual([]);
  });

  it('lets internal users log in with their own passwords', async () => {
    const { rows } = await c.query<{ id: number; password: string }>('SELECT id, password FROM res_users');
    const hashes = new Map(rows.map((u) => [u.id, u.password]));
    for (const known of tpl.summary.knownPasswords.filter((k) => !k.share)) {
      expect(verifyOdooPassword(known.password, hashes.get(known.userId) ?? ''), known.login).toBe(true);
    }
  });

  it("keeps Odoo's derived columns consistent with their masked source", async () => {
    const leads = (await c.query<{ email_from: string | null; email_normalized: string | null; email_domain_criterion: string | null; phone: string | null; phone_sanitized: string | null }>(
      'SELECT email_from, email_normalized, email_domain_criterion, phone, phone_sanitized FROM crm_lead',
    )).rows;
    expect(leads.length).toBeGreaterThan(3);
    for (const l of leads) {
      const token = /[^\s<>"]+@[^\s<>"]+/.exec(l.email_from ?? '')?.[0]?.toLowerCase() ?? null;
      if (l.email_normalized !== null) expect(l.email_normalized).toBe(token);
      if (l.email_domain_criterion !== null) expect(l.email_domain_criterion).toMatch(/anon\.invalid$/);
      if (l.phone && l.phone_sanitized) expect(l.phone_sanitized.slice(-5)).toBe(l.phone.slice(-5));
    }
    const banks = (await c.query<{ acc_number: string; sanitized_acc_number: string | null }>('SELECT acc_number, sanitized_acc_number FROM res_partner_bank')).rows;
    for (const b of banks) if (b.sanitized_acc_number !== null) expect(b.sanitized_acc_number).toBe(b.acc_number.replace(/[^A-Za-z0-9]/g, '').toUpperCase());
  });

  it('gives a quoted address the same pseudonym as its structured column, so the chatter matches the lead', async () => {
    const quoted = manifest.planted.filter((v) => v.embedded && v.kind === 'email' && v.audience === 'external' && v.table === 'mail_message');
    expect(quoted.length).toBeGreaterThan(0);
    const bodies = (await c.query<{ s: string }>("SELECT coalesce(string_agg(coalesce(body, '') || ' ' || coalesce(email_from, ''), ' '), '') AS s FROM mail_message")).rows[0]?.s ?? '';
    const leadEmails = (await c.query<{ e: string }>('SELECT email_normalized AS e FROM crm_lead WHERE email_normalized IS NOT NULL')).rows.map((r) => r.e);
    for (const v of quoted) {
      const fake = pseudonymEmail(SALT, v.value.toLowerCase());
      expect(bodies).toContain(fake);
      if (leadEmails.includes(fake)) expect(bodies).toContain(fake);
    }
  });
});

describe('full', () => {
  let c: pg.Client;
  let out: SanitizeOutcome;

  beforeAll(async () => {
    ({ c, out } = await sanitized('full'));
  });

  it("also masks external persons' names and addresses and every employee private value, in their columns", async () => {
    expect(out.proof.passed).toBe(true);
    const planted = manifest.planted.filter(
      (v) => !v.embedded && ((v.audience === 'external' && masked(v, ['name', 'address'])) || v.audience === 'employee_private'),
    );
    expect(planted.length).toBeGreaterThan(50);
    const left: string[] = [];
    for (const v of planted) if ((await valueAt(c, v)) > 0) left.push(`${v.table}.${v.column}`);
    expect([...new Set(left)]).toEqual([]);
    const dump = await dumpText(c);
    expect(leaks(dump, manifest.planted.filter((v) => ['external', 'anyone', 'employee_private'].includes(v.audience) && masked(v, ['email', 'phone', 'identity', 'bank'])))).toEqual([]);
  });

  it("leaves no external person's name or street anywhere, free text and JSON included, and keeps the staff's", async () => {
    const quoted = manifest.planted.filter((v) => v.embedded && v.audience === 'external' && masked(v, ['name', 'address']));
    expect(quoted.length).toBeGreaterThan(5);
    const dump = await dumpText(c);
    const streetsAndNames = manifest.planted.filter(
      (v) => v.audience === 'external' && (v.kind === 'name' || (v.kind === 'address' && /street/.test(v.column))),
    );
    expect(leaks(dump, streetsAndNames)).toEqual([]);
    // a quoted name got the pseudonym of the partner's own name
    const names = (await c.query<{ s: string }>("SELECT coalesce(string_agg(record_name, ' '), '') AS s FROM mail_message")).rows[0]?.s ?? '';
    expect(names).toMatch(/Person [0-9A-F]{6}/);
    expect(out.proof.checks.some((x) => x.option_key === 'anonymize_company_names' && /searched by value/.test(x.check) && x.passed)).toBe(true);
    // the staff's own names stay where they are, in their columns and quoted
    for (const v of manifest.planted.filter((p) => p.audience === 'internal' && p.kind === 'name')) expect(dump).toContain(v.value);
  });
});

describe('the proof searches by value', () => {
  it('fails the run, naming table and column, when a source value comes back', async () => {
    const c = await h.connect(await h.copy(tpl));
    // something outside the sanitizer writes the production address back on every update
    const lead = (await c.query<{ id: number; email_from: string }>('SELECT id, email_from FROM crm_lead WHERE email_from IS NOT NULL ORDER BY id LIMIT 1')).rows[0];
    if (!lead) throw new Error('no lead');
    await c.query(`CREATE FUNCTION oec_test_restore() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        NEW.description := coalesce(NEW.description, '') || ' ' || ${c.escapeLiteral(lead.email_from)}; RETURN NEW; END $$`);
    await c.query(`CREATE TRIGGER oec_test_restore BEFORE UPDATE ON crm_lead FOR EACH ROW WHEN (NEW.id = ${lead.id}) EXECUTE FUNCTION oec_test_restore()`);
    const e = await sanitizeDatabase(c, { options: preset('recommended'), baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null }).then(
      () => null,
      (err: unknown) => err as { code: string; message: string; details?: { failed_checks?: Array<{ option_key: string; detail: string | null }> } },
    );
    expect(e?.code).toBe('PROOF_FAILED');
    const failed = e?.details?.failed_checks ?? [];
    expect(failed.map((f) => f.option_key)).toContain('anonymize_emails');
    expect(failed.find((f) => f.option_key === 'anonymize_emails')?.detail).toMatch(/crm_lead\.description \(\d+\)/);
    // the value itself is never named
    expect(JSON.stringify(e)).not.toContain(lead.email_from.toLowerCase().replace(/.*<|>.*/g, ''));
  });
});

describe('coverage of the estimate', () => {
  it('lists the custom columns as uncovered when no option masks them, and covered when one does', async () => {
    const c = await h.connect(await h.copy(tpl));
    const map = await loadPersonalMap(c, { series: '17.0' });
    const refs = (p: SanitizationPreset): string[] => personalCoverage(map, preset(p)).filter((x) => !x.covered).map(columnRef);
    const custom = manifest.customColumns.filter((cc) => cc.kind === 'email' || cc.kind === 'phone').map(columnRef);
    expect(custom).toEqual(expect.arrayContaining(['res_partner.x_studio_private_email']));
    expect(refs('minimal')).toEqual(expect.arrayContaining(custom));
    for (const ref of custom) expect(refs('recommended')).not.toContain(ref);
    // recommended keeps external persons' names: they are listed, not hidden
    expect(refs('recommended')).toEqual(expect.arrayContaining(['crm_lead.contact_name']));
    expect(refs('full')).toEqual([]);
    const sources = new Set(map.columns.map((x) => x.source));
    expect(sources).toEqual(new Set(['catalogue', 'odoo_metadata', 'name', 'sample']));
    const estimate = await estimateImpact(c, preset('recommended'));
    expect(estimate.find((x) => x.option_key === 'anonymize_identity_numbers')?.rows).toBeGreaterThan(0);
  }, 240_000);
});
