// The generator against a private PostgreSQL cluster: determinism (same seed → same rows and files,
// other seed → other data), filestore integrity, omitted tables, passwords and the facts the
// summary reports for sanitizer tests.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUrl, startCluster, stopCluster, type ClusterInfo } from '@oec/agent/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recreateDatabase, withClient } from './db.js';
import { listFilestore, sha1Hex, type StoredFile } from './filestore.js';
import { generateOdooDatabase, type GeneratedSummary } from './generate.js';
import { verifyOdooPassword } from './passwords.js';
import { loadOdooSchema, ODOO_TABLES } from './schema.js';

const OMIT = ['fetchmail_server', 'payment_provider', 'auth_totp_device'];

let dir = '';
let cluster: ClusterInfo | undefined;
const runs: Record<string, { url: string; fs: string; summary: GeneratedSummary }> = {};

async function tableDigests(url: string, tables: readonly string[]): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const { rows } = await c.query<{ h: string | null }>(`SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS h FROM ONLY public.${t} t`);
      out[t] = rows[0]?.h ?? 'empty';
    }
    return out;
  });
}

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (c) => (await c.query<T>(sql, params)).rows);
}

const byName = (m: Map<string, StoredFile>): [string, StoredFile][] => [...m.entries()];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oec-odoo-gen-'));
  await chmod(dir, 0o711); // the server runs as `postgres` and must traverse into <dir>/pg
  cluster = await startCluster({ dir: join(dir, 'pg') });
  const plan: [string, number, string[]][] = [['a', 42, []], ['b', 42, []], ['c', 7, []], ['d', 42, OMIT]];
  for (const [name, seed, omit] of plan) {
    const url = await recreateDatabase(clusterUrl(cluster, `odoo_${name}`));
    const fs = join(dir, 'filestore', `odoo_${name}`);
    const summary = await generateOdooDatabase(url, { size: 'tiny', seed, filestoreDir: fs, modules: { omit } });
    runs[name] = { url, fs, summary };
  }
});

afterAll(async () => {
  if (cluster) await stopCluster(cluster);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (name: string): { url: string; fs: string; summary: GeneratedSummary } => {
  const r = runs[name];
  if (!r) throw new Error(`no run ${name}`);
  return r;
};

describe('generateOdooDatabase (tiny)', () => {
  it('is fast and fills every table', () => {
    const { summary } = run('a');
    expect(summary.durationMs).toBeLessThan(15_000);
    expect(summary.tables).toHaveLength(31);
    for (const t of ODOO_TABLES) if (t !== 'ir_actions') expect(summary.rowCounts[t], t).toBeGreaterThan(0);
    expect(summary.rowCounts.res_partner).toBeGreaterThanOrEqual(300);
    expect(summary.files.count).toBeGreaterThan(100);
  });

  it('same seed → identical rows, summaries and files', async () => {
    const a = run('a');
    const b = run('b');
    expect(await tableDigests(b.url, ODOO_TABLES)).toEqual(await tableDigests(a.url, ODOO_TABLES));
    expect({ ...b.summary, durationMs: 0 }).toEqual({ ...a.summary, durationMs: 0 });
    const fa = await listFilestore(a.fs);
    expect(fa.size).toBe(a.summary.files.count);
    expect(byName(await listFilestore(b.fs))).toEqual(byName(fa));
  });

  it('another seed → other data and other files', async () => {
    const a = await tableDigests(run('a').url, ['res_partner', 'res_users', 'mail_message', 'ir_attachment']);
    const c = await tableDigests(run('c').url, ['res_partner', 'res_users', 'mail_message', 'ir_attachment']);
    for (const t of Object.keys(a)) expect(c[t], t).not.toBe(a[t]);
    const fa = new Set((await listFilestore(run('a').fs)).keys());
    const fc = [...(await listFilestore(run('c').fs)).keys()];
    expect(fc.filter((f) => fa.has(f)).length).toBeLessThan(fc.length / 2);
  });

  it('every stored attachment has its file, with sha1 = checksum and size = file_size', async () => {
    const { url, fs, summary } = run('a');
    const files = await listFilestore(fs);
    const rows = await query<{ store_fname: string; checksum: string; file_size: number }>(
      url, 'SELECT store_fname, checksum, file_size FROM ir_attachment WHERE store_fname IS NOT NULL');
    expect(rows.length).toBe(summary.attachments.inFilestore);
    for (const r of rows) {
      expect(files.get(r.store_fname), r.store_fname).toEqual({ sha1: r.checksum, size: r.file_size });
      expect(r.store_fname).toBe(`${r.checksum.slice(0, 2)}/${r.checksum}`);
    }
    expect(new Set(rows.map((r) => r.store_fname)).size).toBe(files.size);
    const shared = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM (SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL GROUP BY 1 HAVING count(*) > 1) s');
    expect(shared[0]?.n).toBe(summary.attachments.sharedFiles);
    expect(summary.attachments.sharedFiles).toBeGreaterThan(0);
    const db = await query<{ db_datas: Buffer; checksum: string; file_size: number }>(
      url, 'SELECT db_datas, checksum, file_size FROM ir_attachment WHERE db_datas IS NOT NULL');
    expect(db.length).toBe(summary.attachments.dbDatas);
    for (const r of db) expect({ sha1: sha1Hex(r.db_datas), size: r.db_datas.length }).toEqual({ sha1: r.checksum, size: r.file_size });
  });

  it('asset bundles are recognisable and have files', async () => {
    const { url, summary } = run('a');
    const rows = await query<{ public: boolean; create_uid: number; type: string; store_fname: string | null; mimetype: string }>(
      url, "SELECT public, create_uid, type, store_fname, mimetype FROM ir_attachment WHERE res_model = 'ir.ui.view' AND url LIKE '/web/assets/%'");
    expect(rows.length).toBe(summary.attachments.assets);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r).toMatchObject({ public: true, create_uid: 1, type: 'binary' });
      expect(r.store_fname).not.toBeNull();
      expect(['application/javascript', 'text/css']).toContain(r.mimetype);
    }
  });

  it('known passwords and API keys verify; wrong ones do not', async () => {
    const { url, summary } = run('a');
    expect(summary.knownPasswords.map((k) => k.login)).toContain('admin');
    expect(summary.knownPasswords.some((k) => k.share)).toBe(true);
    for (const k of summary.knownPasswords) {
      const [row] = await query<{ password: string }>(url, 'SELECT password FROM res_users WHERE login = $1', [k.login]);
      expect(row?.password).toMatch(/^\$pbkdf2-sha512\$25000\$/);
      expect(verifyOdooPassword(k.password, row?.password ?? '')).toBe(true);
      expect(verifyOdooPassword(`${k.password}x`, row?.password ?? '')).toBe(false);
    }
    expect(summary.apiKeys.length).toBeGreaterThan(0);
    for (const k of summary.apiKeys) {
      const rows = await query<{ key: string }>(url, 'SELECT key FROM res_users_apikeys WHERE index = $1 AND user_id = $2', [k.key.slice(0, 8), k.userId]);
      expect(rows.some((r) => verifyOdooPassword(k.key, r.key))).toBe(true);
    }
  });

  it('reports internal and customer partners, e-mails and the mail queue as the data has them', async () => {
    const { url, summary } = run('a');
    const internal = await query<{ id: number }>(url, 'SELECT DISTINCT partner_id AS id FROM res_users WHERE NOT share ORDER BY 1');
    expect(summary.internalPartnerIds).toEqual(internal.map((r) => r.id));
    const customers = await query<{ id: number; email: string | null }>(
      url, 'SELECT id, email FROM res_partner WHERE id <> ALL($1) ORDER BY id', [summary.internalPartnerIds]);
    expect(summary.customerPartnerIds).toEqual(customers.map((r) => r.id));
    expect(summary.customerEmails).toBe(customers.filter((r) => r.email !== null).length);
    expect(customers.some((r) => r.email === null)).toBe(true);
    expect(summary.duplicateEmails.length).toBeGreaterThan(0);
    for (const e of summary.duplicateEmails) expect(customers.filter((r) => r.email === e).length).toBeGreaterThan(1);
    const internalEmails = new Set((await query<{ email: string }>(url, 'SELECT email FROM res_partner WHERE id = ANY($1) AND email IS NOT NULL', [summary.internalPartnerIds])).map((r) => r.email));
    expect(customers.some((r) => r.email !== null && internalEmails.has(r.email))).toBe(false);
    const [queue] = await query<{ outgoing: number; scheduled: number }>(url,
      "SELECT count(*) FILTER (WHERE state = 'outgoing')::int AS outgoing, count(*) FILTER (WHERE state = 'outgoing' AND scheduled_date > now())::int AS scheduled FROM mail_mail");
    expect(queue).toEqual(summary.mail);
    expect(summary.mail.scheduled).toBeGreaterThan(0);
    const [vac] = await query<{ res_id: number }>(url, "SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'autovacuum_job' AND model = 'ir.cron'");
    expect(vac?.res_id).toBe(summary.autovacuumCronId);
  });

  it('sequences continue after the generated ids', async () => {
    await withClient(run('a').url, async (c) => {
      await c.query('BEGIN');
      const { rows } = await c.query<{ id: number }>("INSERT INTO res_partner (name, type) VALUES ('New', 'contact') RETURNING id");
      expect(rows[0]?.id).toBeGreaterThan(Math.max(...run('a').summary.customerPartnerIds));
      await c.query("INSERT INTO ir_act_server (name, type, binding_type, model_id, usage, state) VALUES ('{}', 'ir.actions.server', 'action', 1, 'ir_actions_server', 'code')");
      await c.query('ROLLBACK');
    });
  });

  it('omitted tables are absent, their modules uninstalled, the rest still generated', async () => {
    const { url, summary } = run('d');
    expect(summary.omittedTables.sort()).toEqual([...OMIT].sort());
    const present = await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
    expect(present.map((r) => r.t).sort()).toEqual(ODOO_TABLES.filter((t) => !OMIT.includes(t)).sort());
    const mods = await query<{ name: string; state: string }>(url, "SELECT name, state FROM ir_module_module WHERE name IN ('auth_totp', 'payment', 'payment_stripe', 'mail', 'auth_oauth')");
    expect(Object.fromEntries(mods.map((m) => [m.name, m.state]))).toEqual({
      auth_totp: 'uninstalled', payment: 'uninstalled', payment_stripe: 'uninstalled', mail: 'installed', auth_oauth: 'installed',
    });
    expect(summary.installedModules).not.toContain('payment');
    expect(summary.rowCounts.res_partner).toBe(run('a').summary.rowCounts.res_partner);
    expect(await query(url, "SELECT 1 FROM ir_cron WHERE cron_name LIKE '%Fetchmail%'")).toHaveLength(0);
  });

  it('refuses a database that already has Odoo tables; loadOdooSchema loads on its own', async () => {
    await expect(generateOdooDatabase(run('a').url, { size: 'tiny', seed: 1, filestoreDir: join(dir, 'x') })).rejects.toThrow(/already/);
    if (!cluster) throw new Error('no cluster');
    const url = await recreateDatabase(clusterUrl(cluster, 'odoo_schema_only'));
    const plan = await withClient(url, (c) => loadOdooSchema(c, { omit: ['website'] }));
    const present = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(present[0]?.n).toBe(30);
    expect(plan.omitted).toEqual(['website']);
  });
});
