// The personalData option against a private PostgreSQL cluster: every catalogued table and column
// exists and holds data, every manifest value is where the manifest says, derived columns agree
// with their source, audiences are disjoint, and without the option nothing changes.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUrl, startCluster, stopCluster, type ClusterInfo } from '@oec/agent/postgres';
import { ODOO17_PERSONAL_FIELDS } from '@oec/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recreateDatabase, withClient } from './db.js';
import { generateOdooDatabase, type GeneratedSummary } from './generate.js';
import { ODOO17_PERSONAL_COLUMNS, ODOO17_PERSONAL_TABLES } from './personal-catalogue-facts.js';
import { e164, emailDomainCriterion, normalizeEmail, sanitizeAccount } from './personal-fake.js';
import { ODOO17_PERSONAL_TABLE_COLUMNS } from './personal-schema-sql.js';
import type { PersonalManifest } from './personal.js';
import { ODOO_TABLES } from './schema.js';

let dir = '';
let cluster: ClusterInfo | undefined;
const runs: Record<string, { url: string; summary: GeneratedSummary }> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oec-odoo-pii-'));
  await chmod(dir, 0o711); // the server runs as `postgres` and must traverse into <dir>/pg
  cluster = await startCluster({ dir: join(dir, 'pg') });
  const plan: [string, boolean][] = [['on', true], ['on2', true], ['off', false], ['plain', false]];
  for (const [name, personalData] of plan) {
    const url = await recreateDatabase(clusterUrl(cluster, `pii_${name}`));
    const opts = { size: 'tiny' as const, seed: 42, filestoreDir: join(dir, 'filestore', name), modules: { omit: [] } };
    // 'plain' is generated exactly as before the option existed
    const summary = await generateOdooDatabase(url, name === 'plain' ? opts : { ...opts, personalData });
    runs[name] = { url, summary };
  }
});

afterAll(async () => {
  if (cluster) await stopCluster(cluster);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (name: string): { url: string; summary: GeneratedSummary } => {
  const r = runs[name];
  if (!r) throw new Error(`no run ${name}`);
  return r;
};

const manifest = (): PersonalManifest => {
  const m = run('on').summary.personal;
  if (!m) throw new Error('no manifest');
  return m;
};

async function query<T extends object>(sql: string, params: unknown[] = [], name = 'on'): Promise<T[]> {
  return withClient(run(name).url, async (c) => (await c.query<T>(sql, params)).rows);
}

describe('generateOdooDatabase({ personalData: true })', () => {
  it('creates every catalogued table and column, each holding at least one value', async () => {
    const tables = await query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
    const present = new Set(tables.map((r) => r.t));
    for (const t of [...ODOO17_PERSONAL_TABLES, 'ir_model_fields', 'x_customer_feedback']) expect(present.has(t), t).toBe(true);
    expect(ODOO17_PERSONAL_TABLES).toHaveLength(47);
    expect(ODOO17_PERSONAL_COLUMNS).toHaveLength(183);
    // the catalogue is shared's; the fixture's DDL facts give every catalogued column its type
    expect(ODOO17_PERSONAL_COLUMNS.map((c) => [c.table, c.column, c.kind, c.audience, c.module])).toEqual(ODOO17_PERSONAL_FIELDS.map((f) => [...f]));
    const untyped = ODOO17_PERSONAL_COLUMNS.filter((c) => !ODOO17_PERSONAL_TABLE_COLUMNS[c.table]?.some(([name]) => name === c.column));
    expect(untyped.map((c) => `${c.table}.${c.column}`)).toEqual([]);
    const empty: string[] = [];
    for (const c of ODOO17_PERSONAL_COLUMNS) {
      const [r] = await query<{ n: number }>(`SELECT count("${c.column}")::int AS n FROM public.${c.table}`);
      if ((r?.n ?? 0) === 0) empty.push(`${c.table}.${c.column}`);
    }
    expect(empty).toEqual([]);
    for (const t of ODOO17_PERSONAL_TABLES) expect(run('on').summary.rowCounts[t] ?? 0, t).toBeGreaterThanOrEqual(5);
  });

  it('finds every manifest value at its place', async () => {
    const m = manifest();
    expect(m.planted.length).toBeGreaterThan(500);
    const missing: string[] = [];
    await withClient(run('on').url, async (c) => {
      for (const p of m.planted) {
        const cond = p.embedded ? `strpos("${p.column}"::text, $1) > 0` : `"${p.column}"::text = $1`;
        const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${p.table} WHERE ${cond}`, [p.value]);
        if ((rows[0]?.n ?? 0) === 0) missing.push(`${p.table}.${p.column} ${p.value}`);
      }
    });
    expect(missing).toEqual([]);
    for (const t of m.tables) expect(run('on').summary.tables, t).toContain(t);
  });

  it('covers every audience and kind, with disjoint kept and masked values', () => {
    const m = manifest();
    const audiences = new Set(m.planted.map((p) => p.audience));
    expect([...audiences].sort()).toEqual(['anyone', 'employee_private', 'external', 'internal']);
    expect(new Set(m.planted.map((p) => p.kind))).toEqual(new Set(['email', 'phone', 'name', 'address', 'vat', 'bank', 'identity', 'birthdate', 'ip']));
    const kept = new Set(m.planted.filter((p) => p.audience === 'internal').map((p) => p.value.toLowerCase()));
    const masked = m.planted.filter((p) => p.audience !== 'internal' && kept.has(p.value.toLowerCase()));
    expect(masked).toEqual([]);
    for (const p of m.planted) {
      expect(p.value).not.toMatch(/anon\.invalid|\+1 ?555 ?01/);
      if (p.kind === 'email' && !p.table.startsWith('privacy_log')) expect(p.value, `${p.table}.${p.column}`).toMatch(/@/);
    }
    // embedded values in text, HTML, JSON and tracking values
    const embedded = new Set(m.planted.filter((p) => p.embedded).map((p) => `${p.table}.${p.column}`));
    for (const col of ['crm_lead.description', 'mail_message.body', 'mail_message.email_from', 'mail_message.reply_to', 'bus_bus.message', 'event_registration.registration_properties', 'hr_applicant.applicant_properties', 'hr_employee.employee_properties', 'hr_employee.notes', 'survey_user_input_line.value_char_box', 'sms_sms.body', 'mail_activity.note', 'rating_rating.feedback', 'chatbot_message.user_raw_answer', 'res_partner.comment', 'x_customer_feedback.x_notes']) {
      expect(embedded.has(col), col).toBe(true);
    }
    expect(m.planted.some((p) => p.table === 'mail_tracking_value' && p.column === 'old_value_char' && p.kind === 'email')).toBe(true);
    expect(m.customColumns).toEqual(expect.arrayContaining([
      { table: 'res_partner', column: 'x_studio_private_email', kind: 'email' }, { table: 'crm_lead', column: 'x_studio_whatsapp', kind: 'phone' },
      { table: 'x_customer_feedback', column: 'x_email', kind: 'email' },
    ]));
  });

  it('keeps staff work contacts equal to their partners and staff logins unchanged', async () => {
    const bad = await query<{ id: number }>(
      `SELECT e.id FROM hr_employee e JOIN res_partner p ON p.id = e.work_contact_id
        WHERE e.name <> p.name OR e.work_email IS DISTINCT FROM p.email OR e.work_phone IS DISTINCT FROM p.phone
           OR e.mobile_phone IS DISTINCT FROM COALESCE(p.mobile, p.phone)`,
    );
    expect(bad).toEqual([]);
    const [n] = await query<{ n: number }>('SELECT count(*)::int AS n FROM hr_employee e JOIN res_users u ON u.id = e.user_id AND NOT u.share');
    expect(n?.n).toBe(run('on').summary.internalUserIds.length - 1);
    const logins = async (name: string): Promise<unknown[]> => query('SELECT id, login, partner_id FROM res_users ORDER BY id', [], name);
    expect(await logins('on')).toEqual(await logins('off'));
  });

  it('derives columns as Odoo computes them', async () => {
    const leads = await query<{ email_from: string; email_normalized: string; email_domain_criterion: string; phone: string | null; mobile: string | null; phone_sanitized: string }>(
      'SELECT email_from, email_normalized, email_domain_criterion, phone, mobile, phone_sanitized FROM crm_lead',
    );
    expect(leads.length).toBeGreaterThanOrEqual(5);
    for (const l of leads) {
      expect(l.email_normalized).toBe(normalizeEmail(l.email_from));
      expect(l.email_domain_criterion).toBe(emailDomainCriterion(l.email_normalized));
      expect(l.phone_sanitized).toBe(e164(l.phone ?? l.mobile ?? ''));
      expect(l.phone_sanitized).toMatch(/^\+\d{9,14}$/);
    }
    expect(leads.some((l) => l.email_domain_criterion.startsWith('@'))).toBe(true);
    expect(leads.some((l) => /@(gmail|hotmail|yahoo|outlook)\.com$/.test(l.email_domain_criterion))).toBe(true);
    const apps = await query<Record<string, string | null>>('SELECT * FROM hr_applicant');
    for (const a of apps) {
      expect(a.email_normalized).toBe(normalizeEmail(a.email_from ?? ''));
      expect(a.partner_phone_sanitized).toBe(a.partner_phone ? e164(a.partner_phone) : null);
      expect(a.partner_mobile_sanitized).toBe(a.partner_mobile ? e164(a.partner_mobile) : null);
      expect(a.phone_sanitized).toBe(a.partner_mobile_sanitized ?? a.partner_phone_sanitized);
    }
    for (const t of ['mailing_contact', 'mail_gateway_allowed']) {
      for (const r of await query<{ email: string; email_normalized: string }>(`SELECT email, email_normalized FROM ${t}`)) expect(r.email_normalized).toBe(normalizeEmail(r.email));
    }
    const banks = await query<{ acc_number: string; sanitized_acc_number: string }>('SELECT acc_number, sanitized_acc_number FROM res_partner_bank');
    for (const b of banks) expect(b.sanitized_acc_number).toBe(sanitizeAccount(b.acc_number));
    const partners = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM res_partner c JOIN res_partner p ON p.id = c.parent_id WHERE c.complete_name <> p.name || ', ' || c.name`,
    );
    expect(partners[0]?.n).toBe(0);
    const mailNamed = await query<{ n: number }>("SELECT count(*)::int AS n FROM res_partner WHERE name = email AND name LIKE '%@%'");
    expect(mailNamed[0]?.n).toBeGreaterThanOrEqual(1);
    const tracked = await query<{ name: string }>(
      'SELECT f.name FROM mail_tracking_value t JOIN ir_model_fields f ON f.id = t.field_id JOIN mail_message m ON m.id = t.mail_message_id WHERE m.model = $1',
      ['crm.lead'],
    );
    expect(new Set(tracked.map((r) => r.name))).toEqual(new Set(['email_from', 'phone', 'description']));
  });

  it('registers catalogued fields in ir_model_fields and the custom ones as manual', async () => {
    const manual = await query<{ model: string; name: string }>("SELECT model, name FROM ir_model_fields WHERE state = 'manual' ORDER BY model, name");
    expect(manual.map((r) => `${r.model}.${r.name}`)).toEqual([
      'crm.lead.x_studio_whatsapp', 'res.partner.x_studio_private_email',
      'x_customer_feedback.x_email', 'x_customer_feedback.x_name', 'x_customer_feedback.x_notes', 'x_customer_feedback.x_phone',
    ]);
    const [base] = await query<{ n: number }>("SELECT count(*)::int AS n FROM ir_model_fields WHERE state = 'base'");
    expect(base?.n).toBeGreaterThanOrEqual(183);
    const xml = await query<{ module: string }>(
      "SELECT d.module FROM ir_model_data d JOIN ir_model_fields f ON f.id = d.res_id WHERE d.model = 'ir.model.fields' AND d.name = 'field_hr_employee__private_email'",
    );
    expect(xml).toEqual([{ module: 'hr' }]);
  });

  it('is deterministic', () => {
    expect({ ...run('on2').summary, durationMs: 0 }).toEqual({ ...run('on').summary, durationMs: 0 });
  });

  it('changes nothing when off', async () => {
    const off = run('off').summary;
    expect(off.personal).toBeUndefined();
    expect('personal' in off).toBe(false);
    expect({ ...off, durationMs: 0 }).toEqual({ ...run('plain').summary, durationMs: 0 });
    expect(off.tables).toEqual([...ODOO_TABLES]);
    const tables = await query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", [], 'off');
    expect(tables.map((r) => r.t)).toEqual([...ODOO_TABLES].sort());
    // the base data is the same with the option on (it only adds rows and columns)
    const digest = async (name: string): Promise<unknown[]> => query('SELECT md5(string_agg(login, \',\' ORDER BY id)) AS h FROM res_users', [], name);
    expect(await digest('on')).toEqual(await digest('off'));
  });
});
