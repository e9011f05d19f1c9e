// The proof reads each table once: every check that counts one table's rows is counted in that
// table's one pass (`count(*) FILTER (WHERE …)` per check), and the counts are those of one query
// per check — on an unsanitized copy, where many checks of one table fail at once. A pass that
// reads a column the schema did not show is counted again check by check: only that check is
// "not applicable".
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  hashOdooPassword,
  keyedHash,
  runProof,
  sanitizeDatabase,
  SANITIZE_OPTIONS,
  SchemaInfo,
  Stmt,
  type ApplyContext,
  type PlannedCheck,
  type TableRows,
} from '@oec/agent/sanitize';
import type { SanitizationOptionKey } from '@oec/shared';
import { BASE_URL, Harness, preset, SALT, type Template } from './harness.js';
import { SENSITIVE_MODELS } from './guarantees.js';

let h: Harness;
let tpl: Template;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(11, [], true);
}, 300_000);

afterAll(async () => {
  await h?.stop();
});

const OPTIONS = preset('full');
const PASSWORD = hashOdooPassword('staging-password', 1000);

/** Every statement text the client is given, in order. */
function record(c: pg.Client): string[] {
  const seen: string[] = [];
  const query = c.query.bind(c) as (...args: unknown[]) => unknown;
  (c as { query: unknown }).query = (...args: unknown[]) => {
    if (typeof args[0] === 'string') seen.push(args[0]);
    return query(...args);
  };
  return seen;
}

/** The table of a proof pass statement, or null. */
function passTable(sql: string): string | null {
  return /^SELECT \(.* AS c0\b.* FROM (?:ONLY )?"(\w+)" "\w+"$/s.exec(sql)?.[1] ?? null;
}

it('counts every table of the proof in one pass', async () => {
  const db = await h.copy(tpl);
  const c = await h.connect(db);
  const seen = record(c);
  const filestore = { dir: join(h.dir, 'filestore', `clone_${db}`), removeUnreferenced: true };
  const out = await sanitizeDatabase(c, { options: OPTIONS, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash: PASSWORD, sensitiveModels: SENSITIVE_MODELS, filestore });
  expect(out.proof.passed).toBe(true);
  const tables = seen.map(passTable).filter((t): t is string => t !== null);
  // one pass per table, and the tables several options make promises about are among them
  expect(tables.filter((t, i) => tables.indexOf(t) !== i)).toEqual([]);
  expect(tables).toEqual(expect.arrayContaining(['ir_config_parameter', 'ir_mail_server', 'mail_mail', 'ir_attachment', 'res_partner', 'res_users', 'mail_template', 'website']));
  // …counting more checks than there are passes
  const own = seen.filter((s) => /AS violations\b/.test(s)).length;
  expect(out.proof.checks.length).toBeGreaterThan(tables.length + own);
}, 300_000);

/** An apply context over a real client (the proof's checks are built from it). */
function context(c: pg.Client, schema: SchemaInfo): ApplyContext {
  const query = ((sql: string, values: readonly unknown[] = []) => c.query(sql, [...values])) as ApplyContext['query'];
  return {
    schema,
    enabled: new Set<SanitizationOptionKey>(SANITIZE_OPTIONS.map((o) => o.key)),
    sensitiveModels: SENSITIVE_MODELS,
    params: { options: OPTIONS, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash: PASSWORD, sensitiveModels: SENSITIVE_MODELS },
    key: keyedHash(SALT),
    query,
    exec: async (sql, values) => (await query(sql, values)).rowCount ?? 0,
    require: (table, ...columns) => schema.has(table, ...columns),
    warn: () => undefined,
    afterCommit: () => undefined,
    overRanges: (_table, _alias, run) => run('true'),
  };
}

/** A table check as it was run before the passes: a query of its own. */
async function alone(c: pg.Client, rows: TableRows): Promise<number> {
  const s = new Stmt();
  const select = `SELECT 1 FROM ${rows.only ? 'ONLY ' : ''}"${rows.table}" "${rows.alias ?? rows.table}" WHERE ${rows.where?.(s) ?? 'true'}`;
  const sql = rows.mustExist ? `SELECT CASE WHEN EXISTS (${select}) THEN 0 ELSE 1 END AS n` : `SELECT count(*)::int AS n FROM (${select}) x`;
  const { rows: r } = await c.query<{ n: number }>(sql, s.values);
  return r[0]?.n ?? -1;
}

it('counts the same violations as one query per check, on an unsanitized copy', async () => {
  const c = await h.connect(await h.copy(tpl));
  await c.query('BEGIN');
  try {
    const schema = await SchemaInfo.load(c);
    const ctx = context(c, schema);
    for (const o of SANITIZE_OPTIONS) await o.capture?.(ctx);
    const planned: PlannedCheck[] = SANITIZE_OPTIONS.flatMap((o) => o.proof(ctx).map((spec) => ({ option_key: o.key, spec })));
    const grouped = await runProof(c, schema, planned);
    expect(grouped.checks).toHaveLength(planned.length);
    const failing = new Map<string, number>();
    for (const [i, p] of planned.entries()) {
      const got = grouped.checks[i];
      expect(got?.check).toBe(p.spec.check);
      if (!p.spec.rows || got?.detail?.startsWith('not applicable')) continue;
      const expected = await alone(c, p.spec.rows);
      expect(got?.violations, p.spec.check).toBe(expected);
      if (expected > 0) failing.set(p.spec.rows.table, (failing.get(p.spec.rows.table) ?? 0) + 1);
    }
    // several failing checks share a pass (customers' emails, phones, addresses, company names)
    expect(failing.get('res_partner') ?? 0).toBeGreaterThanOrEqual(3);
    expect(grouped.passed).toBe(false);
  } finally {
    await c.query('ROLLBACK');
  }
}, 300_000);

it('counts a pass check by check when one of its checks reads a missing column', async () => {
  const c = await h.connect(await h.copy(tpl));
  await c.query('BEGIN');
  try {
    const schema = await SchemaInfo.load(c);
    const planned: PlannedCheck[] = [
      { option_key: 'update_base_url', spec: { check: 'reads a missing column', requires: [['ir_config_parameter']], rows: { table: 'ir_config_parameter', where: () => 'no_such_column IS NOT NULL' } } },
      { option_key: 'update_base_url', spec: { check: 'every parameter', requires: [['ir_config_parameter']], rows: { table: 'ir_config_parameter' } } },
      { option_key: 'update_base_url', spec: { check: 'table not present', requires: [['no_such_table']], rows: { table: 'no_such_table' } } },
    ];
    const proof = await runProof(c, schema, planned);
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM ir_config_parameter');
    expect(proof.checks.map((x) => [x.check, x.violations, x.detail?.replace(/ (does not exist|not present)$/, '')])).toEqual([
      ['reads a missing column', 0, 'not applicable: column "no_such_column"'],
      ['every parameter', rows[0]?.n, `${rows[0]?.n} violating rows`],
      ['table not present', 0, 'not applicable: table no_such_table'],
    ]);
  } finally {
    await c.query('ROLLBACK');
  }
}, 300_000);
