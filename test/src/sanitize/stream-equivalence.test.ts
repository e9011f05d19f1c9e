// One map, both paths: the in-stream masking of the COPY data path (rows masked on their way from
// the source, then the sanitizer's SQL for what stays SQL) leaves the same database as the SQL path
// (restore, then UPDATE), table by table — same pseudonyms, same derived columns — on the personal
// data fixture, with the `full` preset (every personal option, names in free text included, and
// the sensitive models' attachments replaced by placeholders).
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { composeTransforms, rowTransformStream, type RowTransform } from '@oec/agent';
import { attachmentStream, hashOdooPassword, optionsToRun, PERSONAL_OPTIONS, prepareStreamMasking, sanitizeDatabase } from '@oec/agent/sanitize';
import { SENSITIVE_MODELS } from './guarantees.js';
import { BASE_URL, Harness, preset, SALT, tableDigests, type Template } from './harness.js';

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

async function sanitizeWith(c: pg.Client, options: ReturnType<typeof preset>, personalInStream = false): Promise<void> {
  const filestore = { dir: join(h.dir, 'filestore', `clone_${c.database ?? ''}`), removeUnreferenced: true };
  await sanitizeDatabase(c, { options, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash: PASSWORD, personalInStream, sensitiveModels: SENSITIVE_MODELS, filestore });
}

type TransformFor = (table: string, columns: readonly string[]) => RowTransform | null;

async function columnsOf(c: pg.ClientBase, table: string): Promise<string[]> {
  const { rows } = await c.query<{ a: string }>(
    `SELECT attname AS a FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [`public."${table}"`],
  );
  return rows.map((r) => r.a);
}

/** Empty `target` and load every table of `source` into it through the transforms, as the COPY path. */
async function loadThrough(source: pg.Client, target: pg.Client, transformFor: TransformFor): Promise<void> {
  const { rows } = await target.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  await target.query(`SET session_replication_role = replica`);
  await target.query(`TRUNCATE ${rows.map((r) => `public."${r.t}"`).join(', ')}`);
  for (const { t } of rows) {
    const cols = await columnsOf(source, t);
    const list = cols.map((c) => `"${c}"`).join(', ');
    const transform = rowTransformStream(transformFor(t, cols), cols.length);
    const out = source.query(copyTo(`COPY public."${t}" (${list}) TO STDOUT`));
    const into = target.query(copyFrom(`COPY public."${t}" (${list}) FROM STDIN`));
    if (transform) await pipeline(out, transform, into);
    else await pipeline(out, into);
  }
  await target.query(`SET session_replication_role = DEFAULT`);
}

/**
 * Load the template into `streamDb` through the masker, as the COPY path does, read in one
 * read-only snapshot of the source; every personal option of the preset masked something and no
 * source value was found in what was written.
 */
async function loadMasked(streamDb: string, options: ReturnType<typeof preset>): Promise<pg.Client> {
  const source = await h.connect(tpl.name);
  const viaStream = await h.connect(streamDb);
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const order = optionsToRun(options)
    .map((o) => o.key)
    .filter((k) => PERSONAL_OPTIONS.has(k));
  const masker = await prepareStreamMasking(source, { options, order, salt: SALT });
  if (!masker) throw new Error('no personal option in the preset');
  // the parts in transforms.ts's order: personal data, then the sensitive models' attachments
  const attachments = options.replace_sensitive_attachments ? attachmentStream(SENSITIVE_MODELS) : null;
  await loadThrough(source, viaStream, (t, cols) => composeTransforms([masker.transformFor(t, cols), attachments?.transformFor(t, cols) ?? null]));
  await source.query('ROLLBACK');
  await source.end();
  expect(masker.leaks()).toEqual([]);
  for (const o of order) expect(masker.masked()[o] ?? 0, o).toBeGreaterThan(0);
  if (attachments) expect(attachments.rewritten()).toBeGreaterThan(0);
  return viaStream;
}

it('masks every personal option in stream and finds no source value in what it wrote', async () => {
  const streamDb = await h.copy(tpl);
  const viaStream = await loadMasked(streamDb, OPTIONS);
  // the planted customer values are gone from the loaded rows, in columns and free text alike
  const leads = await viaStream.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_lead WHERE email_from IS NOT NULL AND email_from NOT LIKE '%@anon.invalid%'");
  expect(leads.rows[0]?.n).toBe(0);
  await viaStream.end();
}, 600_000);

// Both paths, then the sanitizer's SQL (on the COPY path it runs after the load for what stays SQL:
// structural options, derived columns, the option modules' own rules, the proof): every column of
// every table equal, but those written by now() or at random on each run.
it.each(['recommended', 'full'] as const)('gives every table the same contents as the SQL path (%s)', async (name) => {
  const OPTIONS = preset(name);
  const sanitize = (c: pg.Client): Promise<void> => sanitizeWith(c, OPTIONS);
  const [sqlDb, streamDb] = [await h.copy(tpl), await h.copy(tpl)];
  const viaSql = await h.connect(sqlDb);
  await sanitize(viaSql);

  const viaStream = await loadMasked(streamDb, OPTIONS);
  await sanitizeWith(viaStream, OPTIONS, true);

  const a = await tableDigests(viaSql);
  const b = await tableDigests(viaStream);
  const differ = Object.keys(a).filter((t) => a[t] !== b[t]);
  // name the columns that differ, to make a failure readable
  const columns: string[] = [];
  for (const t of differ) {
    for (const col of await columnsOf(viaSql, t)) {
      // written by now() or at random on each run, whatever the path
      if (col === 'create_date' || col === 'write_date') continue;
      const random = t === 'ir_config_parameter' ? ` WHERE x.key NOT IN ('database.uuid', 'database.secret')` : '';
      const q = `SELECT md5(string_agg(coalesce(x."${col}"::text, '<null>'), ',' ORDER BY x.id)) AS h FROM ONLY public."${t}" x${random}`;
      const hasId = (await columnsOf(viaSql, t)).includes('id');
      if (!hasId) {
        columns.push(`${t}.*`);
        break;
      }
      const [ra, rb] = await Promise.all([viaSql.query<{ h: string }>(q), viaStream.query<{ h: string }>(q)]);
      if (ra.rows[0]?.h !== rb.rows[0]?.h) columns.push(`${t}.${col}`);
    }
  }
  expect(columns).toEqual([]);
  await Promise.all([viaSql.end(), viaStream.end()]);
}, 600_000);
