// Custom sanitization rules on an Odoo-shaped database: each function masks a custom `x_` column
// (the value the JavaScript function gives for the same input), filters select rows, a rule on a
// missing table or column is reported skipped and the run commits, a literal that looks like SQL
// ends up in the data as it is, the proof has a check per rule (and fails when a rule's column is
// written back), the estimate counts each rule, and the coverage map counts a rule's column as covered.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateRules, maskValue, personalColumns, sanitizeDatabase, type SanitizeParams } from '@oec/agent/sanitize';
import type { SanitizationRule } from '@oec/shared';
import { BASE_URL, Harness, preset, rows, SALT, scalar, type Template } from './harness.js';

let h: Harness;
let tpl: Template;

const INJECTION = "x'; DROP TABLE res_partner; --";

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(11);
});

afterAll(async () => {
  await h?.stop();
});

/** A fresh copy with custom columns on res_partner holding known values. */
async function prepared(): Promise<pg.Client> {
  const c = await h.connect(await h.copy(tpl));
  await c.query(`ALTER TABLE res_partner
    ADD COLUMN x_email varchar, ADD COLUMN x_phone varchar, ADD COLUMN x_name varchar, ADD COLUMN x_street varchar,
    ADD COLUMN x_code varchar, ADD COLUMN x_note text, ADD COLUMN x_token varchar, ADD COLUMN x_mail2 varchar, ADD COLUMN x_age integer`);
  await c.query(`UPDATE res_partner SET
    x_email = 'Real.' || id || '@Customer.example', x_phone = '+32 470 00 ' || lpad(id::text, 4, '0'),
    x_name = 'Real Person ' || id, x_street = id || ' Real Street', x_code = 'CODE-' || id, x_note = 'private note ' || id,
    x_token = 'token-' || id, x_mail2 = 'keep.' || id || '@Domain.example', x_age = 30 + (id % 40)`);
  await c.query('CREATE TABLE x_audit_log (id serial PRIMARY KEY, who varchar, what text)');
  await c.query("INSERT INTO x_audit_log (who, what) SELECT 'user' || g, 'did ' || g FROM generate_series(1, 25) g");
  return c;
}

function params(rules: SanitizationRule[], extra: Partial<SanitizeParams> = {}): SanitizeParams {
  return { options: preset('none'), baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, rules, ...extra };
}

const EACH: SanitizationRule[] = [
  { table: 'res_partner', column: 'x_email', function: 'pseudonym_email' },
  { table: 'res_partner', column: 'x_phone', function: 'pseudonym_phone' },
  { table: 'res_partner', column: 'x_name', function: 'fake_name' },
  { table: 'res_partner', column: 'x_street', function: 'fake_address' },
  { table: 'res_partner', column: 'x_code', function: 'constant', value: INJECTION },
  { table: 'res_partner', column: 'x_note', function: 'null' },
  { table: 'res_partner', column: 'x_token', function: 'hash' },
  { table: 'res_partner', column: 'x_mail2', function: 'keep_domain_email' },
  { table: 'x_audit_log', function: 'truncate_table' },
];

describe('custom rules', () => {
  it('mask a custom x_ column with each function, as the JavaScript functions do, with a proof check each', async () => {
    const c = await prepared();
    const before = await rows<Record<string, string | null> & { id: number }>(c, 'SELECT * FROM res_partner ORDER BY id');
    const out = await sanitizeDatabase(c, params(EACH));
    expect(out.proof.passed).toBe(true);
    expect(out.rule_results).toHaveLength(EACH.length);
    for (const r of out.rule_results) expect(r, JSON.stringify(r)).toMatchObject({ skipped: false, reason: null });
    expect(out.rule_results.find((r) => r.function === 'truncate_table')?.affected_rows).toBe(25);
    expect(out.rule_results.find((r) => r.function === 'pseudonym_email')?.affected_rows).toBe(before.length);
    expect(out.proof.rule_checks).toHaveLength(EACH.length);
    expect(out.proof.rule_checks?.every((ch) => ch.passed)).toBe(true);

    const after = await rows<Record<string, string | null> & { id: number }>(c, 'SELECT * FROM res_partner ORDER BY id');
    expect(after).toHaveLength(before.length);
    const fnOf = (col: string) => EACH.find((r) => r.column === col) as SanitizationRule;
    for (const [i, a] of after.entries()) {
      const b = before[i] as Record<string, string | null>;
      for (const col of ['x_email', 'x_phone', 'x_name', 'x_street', 'x_token', 'x_mail2', 'x_note', 'x_code']) {
        const r = fnOf(col);
        if (r.function === 'truncate_table') continue;
        expect(a[col], `${col} of ${a.id}`).toBe(maskValue(r.function, SALT, b[col] ?? null, r.value));
      }
    }
    // the literal is data: stored as written, and res_partner is still there
    expect(after[0]?.x_code).toBe(INJECTION);
    expect(await scalar<number>(c, 'SELECT count(*)::int AS v FROM res_partner')).toBe(before.length);
    expect(await scalar<number>(c, 'SELECT count(*)::int AS v FROM x_audit_log')).toBe(0);
    expect(after[0]?.x_email).toMatch(/^u[0-9a-f]{20}@anon\.invalid$/);
    expect(after[0]?.x_mail2).toMatch(/^u[0-9a-f]{20}@Domain\.example$/);
  });

  it('report a rule on a missing table or column as skipped and commit the others', async () => {
    const c = await prepared();
    const rules: SanitizationRule[] = [
      { table: 'res_partner', column: 'x_does_not_exist', function: 'null' },
      { table: 'x_no_such_table', column: 'x_email', function: 'pseudonym_email' },
      { table: 'res_partner', column: 'x_email', function: 'pseudonym_email', filter: [{ column: 'x_missing', op: '=', value: 1 }] },
      { table: 'res_partner', column: 'x_note', function: 'null' },
    ];
    const out = await sanitizeDatabase(c, params(rules));
    expect(out.proof.passed).toBe(true);
    expect(out.rule_results.map((r) => [r.skipped, r.reason])).toEqual([
      [true, 'column res_partner.x_does_not_exist not present'],
      [true, 'table x_no_such_table not present'],
      [true, 'filter column res_partner.x_missing not present'],
      [false, null],
    ]);
    expect(await scalar<number>(c, 'SELECT count(*)::int AS v FROM res_partner WHERE x_note IS NOT NULL')).toBe(0);
    expect(await scalar<number>(c, "SELECT count(*)::int AS v FROM res_partner WHERE x_email LIKE 'Real.%'")).toBeGreaterThan(0);
  });

  it('apply only where the filter holds (evaluated on the data as restored), literals as parameters', async () => {
    const c = await prepared();
    const ids = (await rows<{ id: number }>(c, 'SELECT id FROM res_partner ORDER BY id LIMIT 3')).map((r) => r.id);
    const rules: SanitizationRule[] = [
      // the filter tests the very column the rule rewrites
      { table: 'res_partner', column: 'x_email', function: 'pseudonym_email', filter: [{ column: 'x_email', op: 'like', value: 'Real.%' }, { column: 'id', op: 'in', value: ids.slice(0, 2) }] },
      { table: 'res_partner', column: 'x_name', function: 'constant', value: 'Kept?', filter: [{ column: 'x_name', op: '=', value: INJECTION }] },
      { table: 'res_partner', column: 'x_phone', function: 'null', filter: [{ column: 'x_age', op: '>=', value: 50 }, { column: 'x_street', op: 'is_not_null' }] },
    ];
    const out = await sanitizeDatabase(c, params(rules));
    expect(out.proof.passed).toBe(true);
    expect(out.rule_results.map((r) => r.affected_rows).slice(0, 2)).toEqual([2, 0]);
    const masked = await rows<{ id: number; x_email: string }>(c, 'SELECT id, x_email FROM res_partner WHERE id = ANY($1::int[]) ORDER BY id', [ids]);
    expect(masked[0]?.x_email).toMatch(/@anon\.invalid$/);
    expect(masked[1]?.x_email).toMatch(/@anon\.invalid$/);
    expect(masked[2]?.x_email).toBe(`Real.${ids[2]}@Customer.example`);
    expect(await scalar<number>(c, 'SELECT count(*)::int AS v FROM res_partner WHERE x_age >= 50 AND x_phone IS NOT NULL')).toBe(0);
    expect(await scalar<number>(c, 'SELECT count(*)::int AS v FROM res_partner WHERE x_age < 50 AND x_phone IS NULL')).toBe(0);
  });

  it('fail the run (rolled back) for a rule that cannot write its column, rather than leave it unmasked', async () => {
    const c = await prepared();
    const err = await sanitizeDatabase(c, params([{ table: 'res_partner', column: 'x_age', function: 'pseudonym_email' }])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SANITIZATION_FAILED', details: { reason: 'CUSTOM_RULE', rule_index: 0 } });
    expect((err as Error).message).toContain('x_age');
    expect(await scalar<number>(c, "SELECT count(*)::int AS v FROM res_partner WHERE x_email LIKE 'Real.%'")).toBeGreaterThan(0);
  });

  it('count each rule in the estimate and cover its column in the personal data map', async () => {
    const c = await prepared();
    const n = await scalar<number>(c, 'SELECT count(*)::int AS v FROM res_partner');
    const rules: SanitizationRule[] = [
      { table: 'res_partner', column: 'x_email', function: 'pseudonym_email' },
      { table: 'res_partner', column: 'x_gone', function: 'null' },
      { table: 'x_audit_log', function: 'truncate_table', filter: [{ column: 'id', op: '<=', value: 10 }] },
    ];
    const impact = await estimateRules(c, rules);
    expect(impact.map((i) => [i.rows, i.skipped_reason])).toEqual([
      [n, null],
      [0, 'skipped: column res_partner.x_gone not present'],
      [10, null],
    ]);
    const without = await personalColumns(c, preset('none'));
    const withRules = await personalColumns(c, preset('none'), {}, rules);
    const ref = (x: { table: string; column: string }) => `${x.table}.${x.column}`;
    expect(without.find((x) => ref(x) === 'res_partner.x_email')?.covered).toBe(false);
    expect(withRules.find((x) => ref(x) === 'res_partner.x_email')?.covered).toBe(true);
    // and the estimate wrote nothing
    expect(await scalar<number>(c, 'SELECT count(*)::int AS v FROM x_audit_log')).toBe(25);
  });

  it('fail the proof (PROOF_FAILED, rolled back) when a rule’s column still holds an unmasked value', async () => {
    const c = await prepared();
    // a trigger that puts the real value back: the rule's UPDATE runs, the proof finds the value
    await c.query(`CREATE FUNCTION x_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.x_email := OLD.x_email; RETURN NEW; END $$`);
    await c.query('CREATE TRIGGER x_keep BEFORE UPDATE OF x_email ON res_partner FOR EACH ROW EXECUTE FUNCTION x_keep()');
    const n = await scalar<number>(c, 'SELECT count(*)::int AS v FROM res_partner');
    const err = await sanitizeDatabase(c, params([{ table: 'res_partner', column: 'x_email', function: 'pseudonym_email' }])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROOF_FAILED' });
    const details = (err as { details: { failed_checks: Array<{ check: string; violations: number }> } }).details;
    expect(details.failed_checks).toEqual([expect.objectContaining({ check: 'custom rule 0 (pseudonym_email on res_partner.x_email): every value is a pseudonym_email pseudonym', violations: n })]);
    expect(await scalar<number>(c, "SELECT count(*)::int AS v FROM res_partner WHERE x_email LIKE 'Real.%'")).toBe(n);
  });

  it('let a later rule on the same column win without failing the earlier rule’s proof', async () => {
    const c = await prepared();
    const first = await scalar<number>(c, 'SELECT min(id) AS v FROM res_partner');
    const out = await sanitizeDatabase(
      c,
      params([
        { table: 'res_partner', column: 'x_email', function: 'pseudonym_email' },
        { table: 'res_partner', column: 'x_email', function: 'constant', value: 'admin@staging.example', filter: [{ column: 'id', op: '=', value: first }] },
      ]),
    );
    expect(out.proof.passed).toBe(true);
    expect(await scalar<string>(c, 'SELECT x_email AS v FROM res_partner WHERE id = $1', [first])).toBe('admin@staging.example');
  });
});
