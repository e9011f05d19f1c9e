// replace_sensitive_attachments and the filestore, on the generated Odoo database and its files:
// the filestore copy leaves out the files only sensitive attachments reference (read in one
// snapshot, as the data step does); the option points those rows at placeholder files it writes
// into the clone's filestore, removes after COMMIT what only they referenced there (never in the
// source's), and its proof fails when a placeholder file cannot be written.
import { mkdtemp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { linkFilestore, listFilestore, sensitiveOnlyFiles, withoutFiles } from '@oec/agent';
import { PLACEHOLDERS, sanitizeDatabase } from '@oec/agent/sanitize';
import { AppError } from '@oec/shared';
import { SENSITIVE_MODELS } from './guarantees.js';
import { BASE_URL, Harness, preset, SALT, type Template } from './harness.js';

let h: Harness;
let tpl: Template;

beforeAll(async () => {
  h = await Harness.start();
  tpl = await h.template(42);
}, 300_000);

afterAll(async () => {
  await h?.stop();
});

const OPTIONS = preset('minimal', { replace_sensitive_attachments: true });
const sourceFilestore = (): string => join(h.dir, 'filestore', tpl.name);
const present = (root: string, f: string): Promise<boolean> => stat(join(root, f)).then(() => true, () => false);

async function referenced(db: string): Promise<string[]> {
  const c = await h.connect(db);
  const { rows } = await c.query<{ f: string }>('SELECT DISTINCT store_fname AS f FROM ir_attachment WHERE store_fname IS NOT NULL');
  await h.close(c);
  return rows.map((r) => r.f);
}

it('leaves the sensitive-only files out of the copy, writes the placeholders, and keeps every reference valid', async () => {
  const db = await h.copy(tpl);
  const c = await h.connect(db);
  await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const leftOut = await sensitiveOnlyFiles(c, SENSITIVE_MODELS);
  await c.query('ROLLBACK');
  // avatars shared by partners only are left out; a file another model's attachment shares is not
  const before = await referenced(db);
  expect(leftOut.size).toBeGreaterThan(0);
  expect(leftOut.size).toBeLessThan(before.length);
  const clone = await mkdtemp(join(h.dir, 'clone-fs-'));
  await linkFilestore(sourceFilestore(), clone, withoutFiles(await listFilestore(sourceFilestore()), leftOut));

  const out = await sanitizeDatabase(c, { options: OPTIONS, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, sensitiveModels: SENSITIVE_MODELS, filestore: { dir: clone, removeUnreferenced: true } });
  const checks = out.proof.checks.filter((ch) => ch.option_key === 'replace_sensitive_attachments');
  expect(checks.map((ch) => [ch.check, ch.passed])).toEqual([
    ["no sensitive model's attachment left with its content", true],
    ['no attachment share token left', true],
    ['placeholder files present in the filestore', true],
  ]);
  // every file the clone's rows reference is in its filestore, the placeholders included
  const after = await referenced(db);
  expect(after).toEqual(expect.arrayContaining(PLACEHOLDERS.map((p) => p.storeFname)));
  for (const f of after) expect(await present(clone, f), f).toBe(true);
  for (const f of leftOut) {
    expect(await present(clone, f), f).toBe(false);
    expect(await present(sourceFilestore(), f), f).toBe(true);
  }
});

it('removes from the clone, never from the source, the files only replaced attachments referenced (the dump path)', async () => {
  const db = await h.copy(tpl);
  const c = await h.connect(db);
  const clone = await mkdtemp(join(h.dir, 'clone-fs-'));
  await linkFilestore(sourceFilestore(), clone, await listFilestore(sourceFilestore()));
  const leftOut = await sensitiveOnlyFiles(c, SENSITIVE_MODELS);
  const sourceFiles = (await listFilestore(sourceFilestore())).entries.length;

  await sanitizeDatabase(c, { options: OPTIONS, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, sensitiveModels: SENSITIVE_MODELS, filestore: { dir: clone, removeUnreferenced: true } });
  for (const f of leftOut) expect(await present(clone, f), f).toBe(false);
  for (const f of await referenced(db)) expect(await present(clone, f), f).toBe(true);
  expect((await listFilestore(sourceFilestore())).entries.length).toBe(sourceFiles);
});

it('fails the proof and rolls back when the placeholder files cannot be written (no filestore given)', async () => {
  const db = await h.copy(tpl);
  const c = await h.connect(db);
  const e = await sanitizeDatabase(c, { options: OPTIONS, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, sensitiveModels: SENSITIVE_MODELS }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('PROOF_FAILED');
  expect((e as AppError).message).toContain('placeholder files present in the filestore');
  const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM ir_attachment WHERE store_fname = ANY($1::text[])', [PLACEHOLDERS.map((p) => p.storeFname)]);
  expect(rows[0]?.n).toBe(0);
});
