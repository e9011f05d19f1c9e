// Canary values for the byte scan of a clone's target (issue 13): unique, greppable personal data
// planted by SQL in a seeded source (customer partners' emails, phones, VAT numbers, bank account
// numbers, and message bodies quoting the emails; credentials: a mail server's login and
// password, a secret system parameter, a user API key and the database's signing secret), and a scan of raw files (a database's
// `base/<oid>/`, a cluster's `pg_wal/`) for their bytes. PostgreSQL keeps short text uncompressed
// in heap pages and WAL records, so a value that ever reached the target's disk is found there
// unless its pages were rewritten since.
import { randomBytes, randomInt } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { ClusterInfo } from '@oec/agent/postgres';
import type { SanitizationRule } from '@oec/shared';
import { clusterClientConfig } from '../harness/pg-conn.js';

export type CanaryKind = 'email' | 'phone' | 'vat' | 'bank' | 'credential' | 'rule';

export interface Canary {
  kind: CanaryKind;
  value: string;
}

export interface PlantedCanaries {
  canaries: Canary[];
  partnerIds: number[];
  messageIds: number[];
}

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

async function withDb<T>(cluster: ClusterInfo, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clusterClientConfig(cluster, database));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Plant canaries in `count` customer partners (not internal users' partners, not the companies'
 * own: those keep their data on purpose; no user's partner either, whose login is its old
 * address) and in as many mail_message bodies, in one transaction.
 * Every value is unique to this call (random hex and digits).
 */
export async function plantCanaries(
  cluster: ClusterInfo,
  database: string,
  customerPartnerIds: readonly number[],
  count = 5,
): Promise<PlantedCanaries> {
  const tag = randomBytes(4).toString('hex');
  return withDb(cluster, database, async (c) => {
    await c.query('BEGIN');
    const partners = await c.query<{ id: number }>(
      `SELECT p.id FROM res_partner p
        WHERE p.id = ANY($1::int[]) AND p.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
        ORDER BY p.id LIMIT $2`,
      [customerPartnerIds, count],
    );
    const messages = await c.query<{ id: number }>('SELECT id FROM mail_message ORDER BY id LIMIT $1', [partners.rows.length]);
    if (partners.rows.length < count || messages.rows.length < count) {
      throw new Error(`source has ${partners.rows.length} customer partners with an email and ${messages.rows.length} messages; ${count} needed`);
    }
    const canaries: Canary[] = [];
    for (const [i, { id }] of partners.rows.entries()) {
      const email = `canary-${tag}-${i}-${randomBytes(3).toString('hex')}@example.com`;
      const phoneDigits = `7${digits(8)}`;
      const phone = `+33 ${phoneDigits}`;
      const mobileDigits = `6${digits(8)}`;
      const mobile = `+33 ${mobileDigits}`;
      const vat = `EU${digits(12)}`;
      const iban = `GB29CNRY${digits(14)}`;
      await c.query(
        `UPDATE res_partner SET email = $2, email_normalized = $2, phone = $3, mobile = $4, phone_sanitized = $5, vat = $6 WHERE id = $1`,
        [id, email, phone, mobile, `+33${phoneDigits}`, vat],
      );
      await c.query(
        `INSERT INTO res_partner_bank (id, partner_id, acc_number, sanitized_acc_number, active)
         VALUES (nextval('res_partner_bank_id_seq'), $1, $2, $2, true)`,
        [id, iban],
      );
      const message = messages.rows[i]!.id;
      await c.query('UPDATE mail_message SET body = $2 WHERE id = $1', [
        message,
        `<p>Please write to <a href="mailto:${email}">${email}</a> about the order.</p>`,
      ]);
      canaries.push(
        { kind: 'email', value: email },
        { kind: 'phone', value: phone },
        { kind: 'phone', value: mobile },
        { kind: 'phone', value: `+33${phoneDigits}` },
        { kind: 'vat', value: vat },
        { kind: 'bank', value: iban },
      );
    }
    canaries.push(...(await plantCredentials(c, tag)));
    await c.query('COMMIT');
    return { canaries, partnerIds: partners.rows.map((r) => r.id), messageIds: messages.rows.map((r) => r.id) };
  });
}

const nextId = (table: string): string => `nextval('${table}_id_seq')`;

/** Credentials that clear_api_keys, disable_mail_servers and the identity step must keep off the target. */
async function plantCredentials(c: pg.Client, tag: string): Promise<Canary[]> {
  const secret = (what: string): string => `canary-${tag}-${what}-${randomBytes(6).toString('hex')}`;
  const [user, pass, param, apikey, dbSecret] = ['smtpuser', 'smtppass', 'param', 'apikey', 'dbsecret'].map(secret) as [string, string, string, string, string];
  await c.query(
    `INSERT INTO ir_mail_server (id, name, smtp_host, smtp_port, smtp_authentication, smtp_encryption, smtp_user, smtp_pass, active)
     VALUES (${nextId('ir_mail_server')}, 'Canary SMTP', 'smtp.example.com', 587, 'login', 'starttls', $1, $2, true)`,
    [user, pass],
  );
  await c.query(`INSERT INTO ir_config_parameter (id, key, value) VALUES (${nextId('ir_config_parameter')}, 'canary_connector.api_key', $1)`, [param]);
  const updated = await c.query(`UPDATE ir_config_parameter SET value = $1 WHERE key = 'database.secret'`, [dbSecret]);
  if (updated.rowCount === 0) await c.query(`INSERT INTO ir_config_parameter (id, key, value) VALUES (${nextId('ir_config_parameter')}, 'database.secret', $1)`, [dbSecret]);
  await c.query(
    `INSERT INTO res_users_apikeys (id, name, user_id, scope, index, key)
     VALUES (${nextId('res_users_apikeys')}, 'canary key', (SELECT min(id) FROM res_users), 'rpc', $1, $2)`,
    [apikey.slice(-8), apikey],
  );
  return [user, pass, param, apikey, dbSecret].map((value) => ({ kind: 'credential' as const, value }));
}

/**
 * Canaries only custom rules mask: a custom column `x_secret` of the given partners (a `hash`
 * rule) and a custom table `x_audit` nothing references (a `truncate_table` rule), with the rules.
 */
export async function plantRuleCanaries(
  cluster: ClusterInfo,
  database: string,
  partnerIds: readonly number[],
): Promise<{ canaries: Canary[]; rules: SanitizationRule[] }> {
  const tag = randomBytes(4).toString('hex');
  return withDb(cluster, database, async (c) => {
    await c.query('BEGIN');
    await c.query('ALTER TABLE res_partner ADD COLUMN x_secret varchar');
    await c.query('CREATE TABLE x_audit (id serial PRIMARY KEY, note text)');
    const canaries: Canary[] = [];
    for (const [i, id] of partnerIds.entries()) {
      const secret = `rulecanary-${tag}-${i}-${randomBytes(3).toString('hex')}`;
      const note = `auditcanary-${tag}-${i}-${randomBytes(3).toString('hex')}`;
      await c.query('UPDATE res_partner SET x_secret = $2 WHERE id = $1', [id, secret]);
      await c.query('INSERT INTO x_audit (note) VALUES ($1)', [note]);
      canaries.push({ kind: 'rule', value: secret }, { kind: 'rule', value: note });
    }
    await c.query('COMMIT');
    const rules: SanitizationRule[] = [
      { table: 'res_partner', column: 'x_secret', function: 'hash', filter: [{ column: 'x_secret', op: 'like', value: `rulecanary-${tag}-%` }] },
      { table: 'x_audit', function: 'truncate_table' },
    ];
    return { canaries, rules };
  });
}

/** Rows of the database that still hold a canary as a live value (the sanitizer's own view). */
export async function liveCanaryRows(cluster: ClusterInfo, database: string, canaries: readonly Canary[]): Promise<number> {
  const values = canaries.map((c) => c.value);
  const emails = canaries.filter((c) => c.kind === 'email').map((c) => c.value);
  return withDb(cluster, database, async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM res_partner
                WHERE email = ANY($1) OR email_normalized = ANY($1) OR phone = ANY($1) OR mobile = ANY($1)
                   OR phone_sanitized = ANY($1) OR vat = ANY($1))
            + (SELECT count(*) FROM res_partner_bank WHERE acc_number = ANY($1) OR sanitized_acc_number = ANY($1))
            + (SELECT count(*) FROM mail_message WHERE body LIKE ANY(SELECT '%' || e || '%' FROM unnest($2::text[]) e))
            + (SELECT count(*) FROM ir_mail_server WHERE smtp_user = ANY($1) OR smtp_pass = ANY($1))
            + (SELECT count(*) FROM ir_config_parameter WHERE value = ANY($1))
            + (SELECT count(*) FROM res_users_apikeys WHERE key = ANY($1)) AS n`,
      [values, emails],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** The database's oid and the cluster's data dir files to scan: `base/<oid>/` (and `pg_wal/`). */
export async function databaseDir(cluster: ClusterInfo, database: string): Promise<string> {
  if (!cluster.dataDir) throw new Error('the cluster has no known data dir (pass the agent to clusterOf)');
  const oid = await withDb(cluster, 'postgres', async (c) => {
    const { rows } = await c.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = $1', [database]);
    if (!rows[0]) throw new Error(`no database ${database}`);
    return rows[0].oid;
  });
  return join(cluster.dataDir, 'base', String(oid));
}

/** CHECKPOINT: every dirty page of the cluster written to its relation files. */
export async function checkpointCluster(cluster: ClusterInfo): Promise<void> {
  await withDb(cluster, 'postgres', (c) => c.query('CHECKPOINT'));
}

export interface ScanResult {
  files: number;
  bytes: number;
  /** Each canary found, with the files (relative to the scanned dir) that hold its bytes. */
  found: { canary: Canary; files: string[] }[];
}

/** Every regular file under `dir` (recursively), read as raw bytes and searched for each canary. */
export async function scanForCanaries(dir: string, canaries: readonly Canary[]): Promise<ScanResult> {
  const needles = canaries.map((c) => ({ canary: c, bytes: Buffer.from(c.value, 'utf8'), files: [] as string[] }));
  let files = 0;
  let bytes = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      // a file the server removed meanwhile (a recycled WAL segment, a dropped temp relation)
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    files++;
    bytes += buf.length;
    for (const n of needles) if (buf.includes(n.bytes)) n.files.push(path.slice(dir.length + 1));
  }
  return { files, bytes, found: needles.filter((n) => n.files.length > 0).map(({ canary, files: f }) => ({ canary, files: f })) };
}

/** One line per found canary kind, for assertion messages. */
export function describeFound(scan: ScanResult): string {
  const byKind = new Map<string, number>();
  for (const f of scan.found) byKind.set(f.canary.kind, (byKind.get(f.canary.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ');
  const where = [...new Set(scan.found.flatMap((f) => f.files))].slice(0, 10).join(', ');
  // test values only: naming a few makes a failure readable
  const some = scan.found.slice(0, 3).map((f) => f.canary.value);
  return `${scan.found.length} canaries found in ${scan.files} files (${scan.bytes} bytes): ${kinds || 'none'}${where ? `; in ${where}` : ''}${some.length ? ` (${some.join(', ')})` : ''}`;
}
