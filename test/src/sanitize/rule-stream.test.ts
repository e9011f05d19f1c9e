// The custom rules' stream part (sanitize/rules/stream.ts) on a small hand-made database: which
// rules it applies and which it leaves to SQL after the load (a referenced table's truncate_table,
// text order under a collation it does not reproduce, a type it does not compare, dates not in ISO
// form, a generated column), and how a row passes: filters on the row as it left the source, the
// rules' writes after the options, in order, a row left out by truncate_table.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeTransforms, type RowTransform } from '@oec/agent';
import { maskValue, prepareRuleStream } from '@oec/agent/sanitize';
import type { SanitizationRule } from '@oec/shared';
import { Harness, SALT } from './harness.js';

let h: Harness;
let db: pg.Client;
let icu: boolean;

beforeAll(async () => {
  h = await Harness.start();
  const admin = await h.connect('postgres');
  await admin.query(`CREATE DATABASE rules_stream TEMPLATE template0 ENCODING 'UTF8'`);
  await h.close(admin);
  db = await h.connect('rules_stream');
  icu = (await db.query(`SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'`)).rows.length > 0;
  await db.query(`CREATE TABLE person (id integer PRIMARY KEY, name text, email varchar, note text, seen timestamptz, day date,
    shout text GENERATED ALWAYS AS (upper(name)) STORED${icu ? ', label text COLLATE "und-x-icu"' : ''})`);
  await db.query('CREATE TABLE parent (id integer PRIMARY KEY, name text)');
  await db.query('CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent ON DELETE CASCADE)');
  await db.query('CREATE TABLE tree (id integer PRIMARY KEY, up integer REFERENCES tree, name text)');
});

afterAll(async () => {
  await h?.stop();
});

async function prepare(rules: SanitizationRule[], client = db) {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const stream = await prepareRuleStream(client, { rules, salt: SALT });
    if (!stream) throw new Error('no rule stream');
    return stream;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('custom rules in the stream', () => {
  it('leaves to SQL after the load what it cannot apply exactly, and says why', async () => {
    const rules: SanitizationRule[] = [
      { table: 'parent', function: 'truncate_table' },
      { table: 'tree', function: 'truncate_table', filter: [{ column: 'name', op: '=', value: 'x' }] },
      { table: 'tree', function: 'truncate_table' },
      { table: 'person', column: 'note', function: 'null', filter: [{ column: 'seen', op: '<', value: '2024-01-01' }] },
      { table: 'person', column: 'note', function: 'null', filter: [{ column: 'seen', op: 'is_null' }] },
      { table: 'person', column: 'shout', function: 'null' },
      { table: 'person', column: 'note', function: 'null', filter: [{ column: 'name', op: '<', value: 'm' }] },
      { table: 'person', column: 'missing', function: 'null' },
      ...(icu ? [{ table: 'person', column: 'note', function: 'null', filter: [{ column: 'label', op: '>=', value: 'm' }] } satisfies SanitizationRule] : []),
    ];
    const s = await prepare(rules);
    expect(s.afterLoad).toEqual([
      { index: 0, why: 'a foreign key references the table' },
      { index: 1, why: 'its own foreign key references the table' },
      { index: 3, why: 'the filter compares seen, a type the stream does not compare' },
      ...(icu ? [{ index: 8, why: 'the filter orders label by its collation, which the stream does not reproduce' }] : []),
    ]);
    // the missing column is the SQL step's to report skipped; the generated one is not copied
    expect(s.inStream).toEqual([2, 4, 5, 6]);
    expect(s.transformsFor('person', ['id', 'name', 'email', 'note', 'seen', 'day'])).not.toBeNull();
    expect(s.transformsFor('tree', ['id', 'up', 'name'])).not.toBeNull();
    expect(s.applied().map((a) => a.rule_index)).toEqual([2, 4, 6]);
  });

  it('leaves date filters to SQL when the source does not write dates in ISO form', async () => {
    await db.query(`ALTER DATABASE rules_stream SET DateStyle = 'SQL, DMY'`);
    const other = await h.connect('rules_stream');
    try {
      const s = await prepare([{ table: 'person', column: 'note', function: 'null', filter: [{ column: 'day', op: '>', value: '2024-01-31' }] }], other);
      expect(s.afterLoad).toEqual([{ index: 0, why: 'the filter compares day, a date not written in ISO form' }]);
    } finally {
      await db.query('ALTER DATABASE rules_stream RESET DateStyle');
      await h.close(other);
    }
  });

  it('filters on the row as it left the source and writes after the options, in order', async () => {
    const rules: SanitizationRule[] = [
      { table: 'person', column: 'email', function: 'pseudonym_email', filter: [{ column: 'email', op: 'like', value: '%@customer.example' }] },
      { table: 'person', column: 'note', function: 'constant', value: 'vip', filter: [{ column: 'id', op: 'in', value: [2, 3] }] },
      { table: 'person', function: 'truncate_table', filter: [{ column: 'day', op: '>=', value: '2024-03-01' }] },
      { table: 'person', column: 'note', function: 'null', filter: [{ column: 'name', op: 'is_null' }] },
    ];
    const s = await prepare(rules);
    expect(s.afterLoad).toEqual([]);
    const columns = ['id', 'name', 'email', 'note', 'seen', 'day'];
    const t = s.transformsFor('person', columns);
    if (!t) throw new Error('no transform for person');
    // an option between both passes that rewrites every email, as the emails option would
    const option: RowTransform = { columns: [2], map: (v) => [v[0] === null ? null : 'masked@anon.invalid'] };
    const row = composeTransforms([t.source, option, t.row]) as RowTransform;
    const run = (values: (string | null)[]) => {
      const out = row.map(row.columns.map((c) => values[c] ?? null));
      if (out === null) return null;
      const full = [...values];
      row.columns.forEach((c, k) => (full[c] = out[k] ?? null));
      return full;
    };
    const pseudonym = maskValue('pseudonym_email', SALT, 'masked@anon.invalid');
    expect(run(['1', 'Ann', 'ann@customer.example', 'n1', null, '2024-01-05'])).toEqual(['1', 'Ann', pseudonym, 'n1', null, '2024-01-05']);
    expect(run(['2', 'Bob', 'bob@other.example', 'n2', null, '2024-02-05'])).toEqual(['2', 'Bob', 'masked@anon.invalid', 'vip', null, '2024-02-05']);
    expect(run(['3', null, null, 'n3', null, '2024-02-28'])).toEqual(['3', null, null, null, null, '2024-02-28']);
    expect(run(['4', 'Dan', 'dan@customer.example', 'n4', null, '2024-03-01'])).toBeNull();
    expect(run(['5', 'Eve', null, null, null, null])).toEqual(['5', 'Eve', null, null, null, null]);
    // the truncate left row 4 out before the last rule: the SQL path's DELETE ran first too
    expect(s.applied()).toEqual([
      { rule_index: 0, affected_rows: 2 },
      { rule_index: 1, affected_rows: 2 },
      { rule_index: 2, affected_rows: 1 },
      { rule_index: 3, affected_rows: 1 },
    ]);
  });
});
