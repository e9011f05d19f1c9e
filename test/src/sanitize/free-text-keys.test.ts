// The capture looks for values only free text holds (an old address in a mail body, a phone number
// typed in a chat): the SQL path with PostgreSQL's regexp_matches (engine.ts valueSelects), the
// in-stream capture in JavaScript (tokens.ts FreeTextKeys). Both must find the same keys, or the
// two paths would mask different values: here both read the same generated texts, built from the
// pieces where e-mail and phone boundaries lie, and their key sets are compared.
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Dialect, FreeTextKeys, SchemaInfo, Stmt, tableValuesSql, valueSelects, type MappedColumn, type PersonalMap } from '@oec/agent/sanitize';
import { Harness } from './harness.js';

let h: Harness;
let c: pg.Client;
let texts: string[] = [];

const PIECES = [
  'Call ', '+32 470 12 34 56', '+1 (555) 010-2030', '0461 89 13 92', '0461.89.13.92', '04 61', '+', '123', '45 67', '2024-01-31', ' ', ', ', '\n', '<p>',
  '</p>', 'ann@example.com', 'Bob.Smith@Example.ORG', 'x@anon.invalid', 'a@b', '@', 'mailto:', '"Ann" <', '>', '(', ')', '155501', '+1 555 0123456',
  'no digits here', 'é', '😀', '.', '-', '/',
];

/** Seeded texts (the same every run). */
function generate(count: number): string[] {
  let state = 42;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + next(24) }, () => PIECES[next(PIECES.length)]).join(''));
}

beforeAll(async () => {
  h = await Harness.start();
  c = await h.connect('postgres');
  await c.query('CREATE DATABASE free_text');
  await c.end();
  c = await h.connect('free_text');
  await c.query('CREATE TABLE notes (id serial PRIMARY KEY, email varchar, phone varchar, body text, payload jsonb)');
  // and texts only searched for a phone number when they hold a `+` or digits around a space
  texts = [...generate(4000), 'Ref 0471.89.13.99.', '0471-89-13-98', 'call 0461.89.13.92 or 0461 89 13 93'];
  await c.query('INSERT INTO notes (body, payload) SELECT b, jsonb_build_object($2::text, b) FROM unnest($1::text[]) b', [texts, 'note']);
}, 300_000);

afterAll(async () => {
  await c?.end();
  await h?.stop();
});

const column = (name: string, kind: MappedColumn['kind'], option: MappedColumn['option']): MappedColumn => ({ table: 'notes', column: name, kind, audience: 'contact', source: 'catalogue', type: 'text', nullable: true, option });

it('finds in free text the same e-mail and phone keys as the SQL capture', async () => {
  const map: PersonalMap = {
    columns: [column('email', 'email', 'anonymize_emails'), column('phone', 'phone', 'anonymize_phones')],
    textColumns: [
      { table: 'notes', column: 'body', json: false },
      { table: 'notes', column: 'payload', json: true },
    ],
  };
  const ctx = { schema: await SchemaInfo.load(c), enabled: new Set(['anonymize_emails', 'anonymize_phones'] as const) };
  const s = new Stmt();
  const none = '(SELECT NULL::text AS cls, NULL::text AS v WHERE false)';
  const sql = await c.query<{ cls: string; v: string }>(tableValuesSql('notes', valueSelects(ctx, map, true), s, none), s.values);
  const bySql = new Set(sql.rows.map((r) => `${r.cls} ${r.v}`));

  const { rows } = await c.query<{ c: string }>('SELECT datctype AS c FROM pg_database WHERE datname = current_database()');
  const keys = new FreeTextKeys(new Dialect(/^(C|POSIX)$/i.test(rows[0]?.c ?? 'C')));
  const byJs = new Set<string>();
  const stored = await c.query<{ body: string; payload: string }>('SELECT body, payload::text AS payload FROM notes');
  for (const r of stored.rows) for (const v of [r.body, r.payload]) keys.each(v, { email: true, digits: true }, (cls, key) => byJs.add(`${cls} ${key}`));

  expect([...byJs].sort()).toEqual([...bySql].sort());
  // the texts hold both classes, our own pseudonyms left out
  expect([...byJs].filter((k) => k.startsWith('email ')).length).toBeGreaterThan(20);
  expect([...byJs].filter((k) => k.startsWith('digits ')).length).toBeGreaterThan(20);
  expect(byJs.has('email x@anon.invalid')).toBe(false);
  expect(byJs.has('email bob.smith@example.org')).toBe(true);
}, 120_000);
