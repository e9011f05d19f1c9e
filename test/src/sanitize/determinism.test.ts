// Pseudonyms are deterministic: the same real value gives the same fake on every row and every
// run with the same salt, another salt gives other fakes, unique logins stay unique (even twins
// that differ only by case), and sanitizing an already sanitized database changes nothing.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymEmail, sanitizeDatabase, type SanitizeOutcome, type SanitizeProgress } from '@oec/agent/sanitize';
import type { SanitizationOptions } from '@oec/shared';
import { customerIds } from './guarantees.js';
import { BASE_URL, columnDigest, Harness, preset, rows, SALT, tableDigests, type Template } from './harness.js';

let h: Harness;
let tpl: Template;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(7);
});

afterAll(async () => {
  await h?.stop();
});

const ANON = preset('none', {
  anonymize_emails: true,
  anonymize_phones: true,
  anonymize_addresses: true,
  anonymize_company_names: true,
});

async function sanitized(salt: string, options: SanitizationOptions = ANON): Promise<{ c: pg.Client; out: SanitizeOutcome }> {
  const c = await h.connect(await h.copy(tpl));
  const out = await sanitizeDatabase(c, { options, baseUrl: BASE_URL, salt, mode: 'create_new', identity: null });
  return { c, out };
}

const PII: Array<[string, string[]]> = [
  ['res_partner', ['email', 'email_normalized', 'phone', 'mobile', 'phone_sanitized', 'street', 'city', 'name', 'commercial_company_name', 'complete_name', 'comment']],
  ['res_users', ['login']],
  ['mail_message', ['email_from', 'body']],
  ['mail_mail', ['email_to', 'body_html']],
];

async function piiDigests(c: pg.ClientBase): Promise<string[]> {
  const out: string[] = [];
  for (const [t, cols] of PII) out.push(await columnDigest(c, t, cols));
  return out;
}

describe('deterministic pseudonyms', () => {
  it('gives partners sharing an email the same pseudonym', async () => {
    expect(tpl.summary.duplicateEmails.length).toBeGreaterThan(0);
    const { c } = await sanitized(SALT);
    const pristine = await h.connect(await h.copy(tpl));
    for (const email of tpl.summary.duplicateEmails) {
      const ids = (await rows<{ id: number }>(pristine, 'SELECT id FROM res_partner WHERE email = $1', [email])).map((r) => r.id);
      expect(ids.length).toBeGreaterThan(1);
      const fakes = await rows<{ email: string }>(c, 'SELECT DISTINCT email FROM res_partner WHERE id = ANY($1)', [ids]);
      expect(fakes).toEqual([{ email: pseudonymEmail(SALT, email.toLowerCase()) }]);
    }
  });

  it('gives the same result for the same salt and another for another salt', async () => {
    const a = await piiDigests((await sanitized(SALT)).c);
    const b = await piiDigests((await sanitized(SALT)).c);
    const other = await piiDigests((await sanitized('another-project-salt-0000')).c);
    expect(b).toEqual(a);
    PII.forEach(([table], i) => {
      if (table !== 'mail_mail') expect(other[i], table).not.toBe(a[i]);
    });
  });

  it('rewrites the same address to the same pseudonym in messages as on the contact', async () => {
    const { c } = await sanitized(SALT);
    const pristine = await h.connect(await h.copy(tpl));
    const [sample] = await rows<{ id: number; email: string }>(
      pristine,
      `SELECT p.id, p.email FROM res_partner p JOIN mail_message m ON m.author_id = p.id
        WHERE p.id = ANY($1) AND p.email IS NOT NULL AND m.email_from LIKE '%' || p.email || '%' LIMIT 1`,
      [customerIds(tpl.summary)],
    );
    expect(sample).toBeDefined();
    const fake = pseudonymEmail(SALT, sample?.email.toLowerCase() ?? '');
    const senders = await rows<{ email_from: string }>(c, 'SELECT DISTINCT email_from FROM mail_message WHERE author_id = $1 AND email_from IS NOT NULL', [sample?.id]);
    expect(senders.length).toBeGreaterThan(0);
    for (const s of senders) expect(s.email_from).toContain(`<${fake}>`);
  });

  it('is idempotent: a second run changes nothing and proves the same', async () => {
    const { c } = await sanitized(SALT);
    const first = await piiDigests(c);
    const again = await sanitizeDatabase(c, { options: ANON, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null });
    expect(again.results.map((r) => [r.option_key, r.affected_rows])).toEqual([
      ['anonymize_emails', 0],
      ['anonymize_phones', 0],
      ['anonymize_addresses', 0],
      ['anonymize_company_names', 0],
      ['clear_asset_bundles', 0],
    ]);
    expect(again.proof.passed).toBe(true);
    expect(await piiDigests(c)).toEqual(first);
  });
});

describe('unique logins', () => {
  it('keeps logins unique when two portal users differ only by case', async () => {
    const db = await h.copy(tpl);
    const c = await h.connect(db);
    const [portal] = await rows<{ id: number; login: string; partner_id: number }>(
      c,
      "SELECT id, login, partner_id FROM res_users WHERE share AND login LIKE '%@%' ORDER BY id LIMIT 1",
    );
    if (!portal) throw new Error('no portal user');
    // a twin account whose login differs only by case (Odoo does not lowercase logins)
    await c.query(
      `INSERT INTO res_users (company_id, partner_id, active, login, share, notification_type)
       VALUES (1, $1, true, upper($2), true, 'email')`,
      [portal.partner_id, portal.login],
    );
    const out = await sanitizeDatabase(c, { options: ANON, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null });
    expect(out.proof.passed).toBe(true);
    const logins = await rows<{ login: string }>(c, 'SELECT login FROM res_users WHERE partner_id = $1 ORDER BY id', [portal.partner_id]);
    expect(logins).toHaveLength(2);
    expect(logins[0]?.login).toBe(pseudonymEmail(SALT, portal.login.toLowerCase()));
    expect(logins[1]?.login).toMatch(/^u[0-9a-f]{20}@anon\.invalid$/);
    expect(logins[1]?.login).not.toBe(logins[0]?.login);
    const dupes = await rows(c, 'SELECT login FROM res_users GROUP BY login, website_id HAVING count(*) > 1');
    expect(dupes).toEqual([]);
  });
});

describe("the company's own addresses", () => {
  it('keeps a mail alias in messages although a customer contact repeats it, and still masks the customer', async () => {
    const c = await h.connect(await h.copy(tpl));
    const [alias] = await rows<{ a: string }>(c, 'SELECT alias_full_name AS a FROM mail_alias WHERE alias_full_name IS NOT NULL ORDER BY id LIMIT 1');
    const [one, two] = customerIds(tpl.summary);
    const [real] = await rows<{ email: string }>(c, "SELECT email FROM res_partner WHERE id = $1 AND email LIKE '%@%'", [two]);
    if (!alias || one === undefined || !real) throw new Error('no alias or customer address in the template');
    // a customer contact that writes to the company through its alias, quoted next to a customer's own address
    await c.query('UPDATE res_partner SET email = $1 WHERE id = $2', [alias.a, one]);
    const body = `<p>Write to <a href="mailto:${alias.a}">${alias.a}</a> or to ${real.email}</p>`;
    const [msg] = await rows<{ id: number }>(c, 'UPDATE mail_message SET body = $1 WHERE id = (SELECT min(id) FROM mail_message) RETURNING id', [body]);
    const out = await sanitizeDatabase(c, { options: ANON, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null });
    expect(out.proof.passed).toBe(true);
    const [after] = await rows<{ body: string }>(c, 'SELECT body FROM mail_message WHERE id = $1', [msg?.id]);
    expect(after?.body).toContain(`mailto:${alias.a}`);
    expect(after?.body.toLowerCase()).not.toContain(real.email.toLowerCase());
    expect(after?.body).toContain(pseudonymEmail(SALT, real.email.toLowerCase()));
    const [contact] = await rows<{ email: string }>(c, 'SELECT email FROM res_partner WHERE id = $1', [one]);
    expect(contact?.email).toMatch(/@anon\.invalid$/);
  });
});

describe('big tables in key ranges', () => {
  it('gives the same database, counts and proof as one statement per table, reporting rows as it goes', async () => {
    const whole = await sanitized(SALT);
    const c = await h.connect(await h.copy(tpl));
    await c.query('ANALYZE');
    const seen: SanitizeProgress[] = [];
    // every table of more than 20 rows split into ranges of about 20 rows
    const out = await sanitizeDatabase(c, {
      options: ANON,
      baseUrl: BASE_URL,
      salt: SALT,
      mode: 'create_new',
      identity: null,
      batch: { rows: 20, minTableRows: 0 },
      progress: (p) => seen.push(p),
    });
    expect(out.proof.passed).toBe(true);
    // ir_config_parameter holds this run's new identity (database.uuid, secret): random per run
    const digests = async (x: pg.ClientBase): Promise<Record<string, string>> => ({ ...(await tableDigests(x)), ir_config_parameter: '' });
    expect(await digests(c)).toEqual(await digests(whole.c));
    expect(out.results.map((r) => [r.option_key, r.affected_rows])).toEqual(whole.out.results.map((r) => [r.option_key, r.affected_rows]));
    expect(out.proof.checks.map((k) => [k.check, k.violations])).toEqual(whole.out.proof.checks.map((k) => [k.check, k.violations]));
    // mail_message was reported range by range: the capture, the options and the proof by value
    const mid = seen.filter((p) => p.table === 'mail_message' && (p.table_rows_done ?? 0) > 0 && (p.table_rows_done ?? 0) < (p.table_rows_total ?? 0));
    expect([...new Set(mid.map((p) => p.option))]).toEqual(expect.arrayContaining(['capture', 'anonymize_emails', 'anonymize_phones', 'proof']));
    const fractions = seen.map((p) => p.fraction);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1] ?? 0);
    expect(fractions.at(-1)).toBe(1);
    expect(seen.at(-1)?.rows_done).toBe(seen.at(-1)?.rows_total);
  });
});
