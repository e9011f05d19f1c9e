// clone/copy/in-place.ts: the copy-on-write path's masking rewrites rows where they stand. Here
// with a transform of its own on a table spread over many block ranges: every row read once,
// only the changed ones written, removed rows deleted, NULLs and COPY escapes kept, the other
// columns untouched, and a failing proof rolls every table back.
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { edit, maskInPlace, readTables, type RowTransform } from '@oec/agent';
import { deferredIndexTables, scrubSnapshot } from '@oec/agent/postgres';
import { Rng } from '../odoo/prng.js';
import { Harness } from '../sanitize/harness.js';

let h: Harness;
let c: pg.Client;

beforeAll(async () => {
  h = await Harness.start();
  c = await h.connect('postgres');
  await c.query('CREATE DATABASE in_place');
  await c.end();
  c = await h.connect('in_place');
  for (const table of ['people', 'people_two']) {
    await c.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, email text, note text, amount int NOT NULL, CONSTRAINT ${table}_note CHECK (length(note) < 400))`);
    // ~40 blocks: with 4 blocks a range, ten ranges
    await c.query(`INSERT INTO ${table} (email, note, amount)
      SELECT CASE WHEN g % 10 = 0 THEN NULL ELSE 'person' || g || '@example.com' END,
             CASE WHEN g % 7 = 0 THEN E'tab\\there\\nnewline \\\\ backslash ' || g ELSE repeat('x', 150) END, g
        FROM generate_series(1, 2000) g`);
  }
  // people_three: indexed as Odoo's tables are (a primary key, a unique index, plain and partial ones)
  await c.query('CREATE TABLE people_three AS SELECT * FROM people');
  await c.query('ALTER TABLE people_three ADD PRIMARY KEY (id)');
  await c.query('CREATE UNIQUE INDEX people_three_amount ON people_three (amount)');
  await c.query('CREATE INDEX people_three_email ON people_three (email)');
  await c.query('CREATE INDEX people_three_lower ON people_three (lower(email)) WHERE email IS NOT NULL');
  await c.query('CREATE EXTENSION amcheck');
  await c.query('CREATE TABLE other (id int, label text)');
  await c.query("INSERT INTO other VALUES (1, 'kept')");
  await c.query('ANALYZE');
}, 300_000);

afterAll(async () => {
  await c?.end();
  await h?.stop();
});

/** Masks people.email (columns 1), drops the rows whose amount ends in 3, reads note and amount. */
function peopleTransform(columns: readonly string[]): RowTransform {
  const at = ['email', 'note', 'amount'].map((n) => columns.indexOf(n));
  return {
    columns: at,
    map(values) {
      const [email, note, amount] = values;
      if (amount?.endsWith('3')) return null;
      // rewrites the array it is given, as the personal masker does
      values[0] = email === null ? null : `masked-${amount ?? ''}@anon.invalid`;
      values[1] = note ?? null;
      return values;
    },
  };
}

const digest = async (sql: string): Promise<string> => (await c.query<{ h: string }>(`SELECT md5(string_agg(x::text, '|' ORDER BY x)) AS h FROM (${sql}) x`)).rows[0]!.h;

// one session, then a writer with a reader ahead of it (ten ranges: reads and writes overlap)
it.each([
  ['people', 1],
  ['people_two', 2],
] as const)('rewrites the changed rows of every range of %s, removes the left-out ones, keeps the rest byte for byte (%i sessions)', async (table, sessions) => {
  const tables = await readTables(c);
  const people = tables.find((t) => t.name === table)!;
  expect(people.pages).toBeGreaterThan(20);
  const notesBefore = await digest(`SELECT id, note FROM ${table} WHERE amount % 10 <> 3`);
  const others = await Promise.all(Array.from({ length: sessions - 1 }, () => h.connect('in_place')));
  // the second case sends the staged rows a few at a time (a write ends mid-range, never mid-row)
  const result = await maskInPlace([c, ...others], tables, (t) => (t.name === table ? peopleTransform(t.columns) : null), {
    signal: new AbortController().signal,
    rangePages: 4,
    stageChunk: sessions === 2 ? 600 : undefined,
  });
  await Promise.all(others.map((o) => o.end()));
  // each row once; a row an UPDATE put in the last block's free space may be read twice
  expect(result.rowsRead).toBeGreaterThanOrEqual(2000);
  expect(result.rowsRead).toBeLessThan(2050);
  expect(result.rowsRemoved).toBe(200);
  // NULL emails (every tenth row) are not changed: 2000 − 200 removed − 200 NULLs
  expect(result.rowsChanged).toBe(1600);
  expect(result.written).toEqual([{ schema: 'public', name: table }]);
  const { rows } = await c.query<{ n: number; masked: number; nulls: number; left: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE email = 'masked-' || amount || '@anon.invalid')::int AS masked,
            count(*) FILTER (WHERE email IS NULL)::int AS nulls, count(*) FILTER (WHERE amount % 10 = 3)::int AS left FROM ${table}`,
  );
  expect(rows[0]).toEqual({ n: 1800, masked: 1600, nulls: 200, left: 0 });
  // the notes (tabs, newlines, backslashes) went out and back unchanged
  expect(await digest(`SELECT id, note FROM ${table}`)).toBe(notesBefore);
  expect((await c.query('SELECT label FROM other')).rows).toEqual([{ label: 'kept' }]);
  // no staging table left in the session
  expect((await c.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'oec_in_place'")).rows[0]).toEqual({ n: 0 });
}, 120_000);

it('rolls every session back when the proof before COMMIT fails', async () => {
  const before = await digest('SELECT * FROM people');
  const tables = await readTables(c);
  const other = await h.connect('in_place');
  const failing = maskInPlace([c, other], tables, (t) => (t.name === 'people' ? { columns: [1], map: () => ['leak@example.com'] } : null), {
    signal: new AbortController().signal,
    rangePages: 4,
    beforeCommit: () => {
      throw new Error('a source value is left');
    },
  });
  await expect(failing).rejects.toThrow('a source value is left');
  await other.end();
  expect(await digest('SELECT * FROM people')).toBe(before);
}, 120_000);

/** Each index of `table`: whether it is ready and valid. */
async function indexStates(table: string): Promise<Record<string, string>> {
  const { rows } = await c.query<{ name: string; ready: boolean; valid: boolean }>(
    'SELECT indexrelid::regclass::text AS name, indisready AS ready, indisvalid AS valid FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1',
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.ready && r.valid ? 'whole' : 'set aside']));
}

it('sets the plain indexes of a table it writes aside, keeps the unique ones, and the scrub rebuilds them whole', async () => {
  const whole = { people_three_amount: 'whole', people_three_email: 'whole', people_three_lower: 'whole', people_three_pkey: 'whole' };
  expect(await indexStates('people_three')).toEqual(whole);
  const tables = await readTables(c);
  // a failed proof rolls the setting aside back with the rows
  const failing = maskInPlace(c, tables, (t) => (t.name === 'people_three' ? peopleTransform(t.columns) : null), {
    signal: new AbortController().signal,
    deferIndexes: true,
    beforeCommit: () => {
      throw new Error('a source value is left');
    },
  });
  await expect(failing).rejects.toThrow('a source value is left');
  expect(await indexStates('people_three')).toEqual(whole);

  const result = await maskInPlace(c, tables, (t) => (t.name === 'people_three' ? peopleTransform(t.columns) : null), { signal: new AbortController().signal, deferIndexes: true, rangePages: 4 });
  expect(result.rowsChanged).toBe(1600);
  expect(await indexStates('people_three')).toEqual({ ...whole, people_three_email: 'set aside', people_three_lower: 'set aside' });
  expect(await deferredIndexTables(c)).toEqual([{ schema: 'public', name: 'people_three' }]);
  // no plan reads an index set aside: an index scan forced finds the masked rows all the same
  await c.query('SET enable_seqscan = off');
  const found = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM people_three WHERE email = 'masked-11@anon.invalid'");
  await c.query('RESET enable_seqscan');
  expect(found.rows[0]).toEqual({ n: 1 });

  // the scrub finds the table by its indexes alone (as after a masking pass of an earlier attempt)
  await c.query('ALTER SYSTEM SET wal_recycle = off');
  await c.query('SELECT pg_reload_conf()');
  // two sessions share the rewrites (largest table first): every table asked for, and the one found, gets new files
  const files = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await c.query<{ t: string; f: string }>("SELECT relname AS t, relfilenode::text AS f FROM pg_class WHERE relname IN ('people', 'people_two', 'people_three')")).rows.map((r) => [r.t, r.f]),
    );
  const before = await files();
  const second = await h.connect('in_place');
  await scrubSnapshot(c, [{ schema: 'public', name: 'people' }, { schema: 'public', name: 'people_two' }], [], [second]);
  await second.end();
  const after = await files();
  expect(Object.keys(after).filter((t) => after[t] === before[t])).toEqual([]);
  expect(Object.keys(after)).toHaveLength(3);
  expect(await indexStates('people_three')).toEqual(whole);
  expect(await deferredIndexTables(c)).toEqual([]);
  // every index holds exactly the table's rows (amcheck), and a lookup by one finds the masked value
  const checked = await c.query<{ name: string }>(
    "SELECT indexrelid::regclass::text AS name, bt_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'people_three'::regclass",
  );
  expect(checked.rows).toHaveLength(4);
  await c.query('SET enable_seqscan = off');
  const plan = await c.query<{ 'QUERY PLAN': string }>("EXPLAIN SELECT id FROM people_three WHERE lower(email) = 'masked-11@anon.invalid'");
  const byIndex = await c.query<{ id: number }>("SELECT id FROM people_three WHERE lower(email) = 'masked-11@anon.invalid'");
  await c.query('RESET enable_seqscan');
  expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('people_three_lower');
  expect(byIndex.rows).toEqual([{ id: 11 }]);
}, 120_000);

it('writes a changed text as an edit of the stored one: astral characters, both ends, varchar and char alike', async () => {
  await c.query('CREATE TABLE texts (id int PRIMARY KEY, body text, code varchar(40), fixed char(8))');
  const pieces = ['a', 'é', '😀', 'SECRET', '\t', '\\', ' ', '𝔘', 'z'];
  let state = 7;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const text = (n: number): string => Array.from({ length: n }, () => pieces[next(pieces.length)]).join('');
  const rows = Array.from({ length: 600 }, (_, id) => ({ id, body: id % 50 === 0 ? null : text(next(id % 3 === 0 ? 3000 : 300)), code: text(next(6)), fixed: 'SECRET' }));
  await c.query('INSERT INTO texts SELECT * FROM json_populate_recordset(NULL::texts, $1)', [JSON.stringify(rows)]);
  // SECRET becomes a shorter or longer text holding astral characters, wherever it stands
  // (next to an astral character, an edit that shares its high or low surrogate)
  const mask = (v: string | null): string | null =>
    v === null ? null : v.replaceAll('😀SECRET', '😎!').replaceAll('SECRET😀', '\u{1D600}').replaceAll('SECRET', (_m) => ['', 'x😀y', '𝔘𝔘𝔘𝔘𝔘𝔘𝔘𝔘'][next(3)]!);
  const expected = new Map<number, Array<string | null>>();
  const tables = await readTables(c);
  const transform = (columns: readonly string[]): RowTransform => {
    const at = ['id', 'body', 'code', 'fixed'].map((n) => columns.indexOf(n));
    return {
      columns: at,
      map(values) {
        const [id, body, code, fixed] = values;
        const out = [id ?? null, mask(body ?? null), mask(code ?? null), fixed === null || fixed === undefined ? null : fixed.replace('SECRET', 'MASKED')];
        expected.set(Number(id), out.slice(1));
        return out;
      },
    };
  };
  const result = await maskInPlace(c, tables, (t) => (t.name === 'texts' ? transform(t.columns) : null), { signal: new AbortController().signal });
  expect(result.rowsRead).toBe(600);
  expect(result.rowsChanged).toBeGreaterThan(500);
  const stored = await c.query<{ id: number; body: string | null; code: string | null; fixed: string | null }>('SELECT id, body, code, fixed FROM texts ORDER BY id');
  expect(stored.rows.map((r) => [r.body, r.code, r.fixed?.trimEnd() ?? null])).toEqual(rows.map((r) => expected.get(r.id)!.map((v, i) => (i === 2 ? (v?.trimEnd() ?? null) : v))));
  expect(stored.rows.filter((r) => (r.body ?? '').includes('SECRET') || (r.code ?? '').includes('SECRET'))).toEqual([]);
}, 120_000);

it('finds an edit’s kept ends as a character-by-character comparison does, across its compared blocks', () => {
  // the plain comparison edit() stands for: the longest common start and end, in code units, not
  // splitting a surrogate pair, counted in code points
  const reference = (before: string, after: string): [string, string, string, string] => {
    const most = Math.min(before.length, after.length);
    let p = 0;
    while (p < most && before[p] === after[p]) p++;
    if (p > 0 && /[\uD800-\uDBFF]/.test(before[p - 1]!)) p--;
    let s = 0;
    while (s < most - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
    if (s > 0 && /[\uDC00-\uDFFF]/.test(before[before.length - s]!)) s--;
    const points = (v: string) => [...v].length;
    return ['e', after.slice(p, after.length - s), String(points(before.slice(0, p))), String(points(before.slice(before.length - s)))];
  };
  const rng = new Rng(11, 'edit');
  const next = (n: number): number => rng.int(0, n - 1);
  const pieces = ['a', 'b', ' ', '😀', 'é', '@'];
  const text = (n: number): string => Array.from({ length: n }, () => pieces[next(pieces.length)]).join('');
  let compared = 0;
  for (let i = 0; i < 400; i++) {
    // a long text with one change at any place: at its start, its end, or about a block's edge
    const base = text(next(2000));
    const at = [0, base.length, 255, 256, 257, 511, 512, next(base.length + 1)][next(8)]!;
    // never between the two halves of a pair: text from PostgreSQL holds no lone surrogate
    const cut = Math.min(at, base.length) - (/[\uD800-\uDBFF]/.test(base[Math.min(at, base.length) - 1] ?? '') ? 1 : 0);
    const before = base.slice(0, cut) + text(next(4)) + base.slice(cut);
    const after = base.slice(0, cut) + text(1 + next(4)) + base.slice(cut);
    if (before === after) continue;
    expect(edit(before, after), `case ${i}`).toEqual(reference(before, after));
    compared++;
  }
  expect(compared).toBeGreaterThan(300);
});
