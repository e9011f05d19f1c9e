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
import { composeTransforms, maskInPlace, readTables, rowTransformStream, type RowTransform } from '@oec/agent';
import { attachmentStream, hashOdooPassword, optionsToRun, PERSONAL_OPTIONS, prepareRuleStream, prepareStreamCredentials, prepareStreamMasking, sanitizeDatabase, DEFAULT_MASKING_BUDGET, type MaskingBudget } from '@oec/agent/sanitize';
import type { RuleResult, SanitizationRule } from '@oec/shared';
import { BASE_URL, Harness, preset, SALT, scalar, tableDigests, type Template } from './harness.js';
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
 * Load the template into `streamDb` through the masker and the credential part, as the COPY path
 * does, read in one read-only snapshot of the source; every personal option of the preset masked
 * something, the credentials were cleared, and no source value was found in what was written.
 */
async function loadMasked(streamDb: string, options: ReturnType<typeof preset>, budget?: MaskingBudget, inPlace = false): Promise<pg.Client> {
  // in place (the copy-on-write path): the database holds the source's rows and is its own source
  const sourceDb = inPlace ? streamDb : tpl.name;
  const source = await h.connect(sourceDb);
  const viaStream = await h.connect(streamDb);
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const order = optionsToRun(options)
    .map((o) => o.key)
    .filter((k) => PERSONAL_OPTIONS.has(k));
  // the source's values read by three sessions in the same snapshot, as the COPY path reads them
  const snapshot = (await source.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
  let opened = 0;
  const sessions = {
    jobs: 3,
    run: async <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => {
      const c = await h.connect(sourceDb);
      opened++;
      try {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
        return await fn(c);
      } finally {
        await c.end();
      }
    },
  };
  const masker = await prepareStreamMasking(source, { options, order, salt: SALT, sessions, ...(budget ? { budget } : {}) });
  expect(opened).toBe(2);
  if (!masker) throw new Error('no personal option in the preset');
  const credentials = await prepareStreamCredentials(source, options);
  // the parts in transforms.ts's order: personal data, the sensitive models' attachments, credentials
  const attachments = options.replace_sensitive_attachments ? attachmentStream(SENSITIVE_MODELS) : null;
  const transformFor: TransformFor = (t, cols) =>
    composeTransforms([masker.transformFor(t, cols), attachments?.transformFor(t, cols) ?? null, credentials.transformFor(t, cols)]);
  if (inPlace) {
    await source.query('ROLLBACK');
    const tables = await readTables(viaStream);
    const done = await maskInPlace(viaStream, tables, (t) => (t.schema === 'public' ? transformFor(t.name, t.columns) : null), { signal: new AbortController().signal });
    expect(done.rowsChanged).toBeGreaterThan(0);
    expect(done.written.map((t) => t.name)).toEqual(expect.arrayContaining(['res_partner', 'crm_lead', 'res_users_apikeys']));
  } else await loadThrough(source, viaStream, transformFor);
  await source.query('ROLLBACK');
  await source.end();
  expect(masker.leaks()).toEqual([]);
  expect(credentials.leaks()).toEqual([]);
  for (const o of order) expect(masker.masked()[o] ?? 0, o).toBeGreaterThan(0);
  for (const o of ['clear_api_keys', 'reset_passwords', 'disable_mail_servers'] as const) {
    if (options[o]) expect(credentials.counts()[o] ?? 0, o).toBeGreaterThan(0);
  }
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

/**
 * The columns whose contents differ between both databases (tables without `id` as `table.*`),
 * but those written by now() or at random on each run, whatever the path.
 */
async function differingColumns(viaSql: pg.Client, viaStream: pg.Client): Promise<string[]> {
  const a = await tableDigests(viaSql);
  const b = await tableDigests(viaStream);
  const differ = Object.keys(a).filter((t) => a[t] !== b[t]);
  const columns: string[] = [];
  for (const t of differ) {
    const all = await columnsOf(viaSql, t);
    if (!all.includes('id')) {
      columns.push(`${t}.*`);
      continue;
    }
    for (const col of all) {
      if (col === 'create_date' || col === 'write_date') continue;
      const random = t === 'ir_config_parameter' ? ` WHERE x.key NOT IN ('database.uuid', 'database.secret')` : '';
      const q = `SELECT md5(string_agg(coalesce(x."${col}"::text, '<null>'), ',' ORDER BY x.id)) AS h FROM ONLY public."${t}" x${random}`;
      const [ra, rb] = await Promise.all([viaSql.query<{ h: string }>(q), viaStream.query<{ h: string }>(q)]);
      if (ra.rows[0]?.h !== rb.rows[0]?.h) columns.push(`${t}.${col}`);
    }
  }
  return columns;
}

// Both paths, then the sanitizer's SQL (on the COPY path it runs after the load for what stays SQL:
// structural options, derived columns, the option modules' own rules, the proof): every column of
// every table equal, but those written by now() or at random on each run.
// the smallest memory budget (decision 0019: an LRU of one pseudonym and one pattern, a few rows
// read at a time) costs time, never a different value
it.each([
  ['recommended', undefined, false],
  ['full', undefined, false],
  ['full', { memoEntries: 1, patternEntries: 1, batchRows: 7, capturedBytes: 16 * 1024 * 1024 }, false],
  // the copy-on-write path: the rows masked where they stand (clone/copy/in-place.ts)
  ['full', undefined, true],
] as const)('gives every table the same contents as the SQL path (%s, budget %o, in place %s)', async (name, budget, inPlace) => {
  const OPTIONS = preset(name);
  const sanitize = (c: pg.Client): Promise<void> => sanitizeWith(c, OPTIONS);
  const [sqlDb, streamDb] = [await h.copy(tpl), await h.copy(tpl)];
  const viaSql = await h.connect(sqlDb);
  await sanitize(viaSql);

  const viaStream = await loadMasked(streamDb, OPTIONS, budget, inPlace);
  await sanitizeWith(viaStream, OPTIONS, true);

  expect(await differingColumns(viaSql, viaStream)).toEqual([]);
  await Promise.all([viaSql.end(), viaStream.end()]);
}, 600_000);

/** Custom columns and tables on a copy of the template, the same values on every copy. */
async function withCustomData(db: string): Promise<pg.Client> {
  const c = await h.connect(db);
  await c.query(`ALTER TABLE res_partner
    ADD COLUMN x_email varchar, ADD COLUMN x_phone varchar, ADD COLUMN x_name varchar, ADD COLUMN x_street varchar,
    ADD COLUMN x_code varchar, ADD COLUMN x_note text, ADD COLUMN x_token varchar, ADD COLUMN x_mail2 varchar,
    ADD COLUMN x_age integer, ADD COLUMN x_score numeric, ADD COLUMN x_vip boolean, ADD COLUMN x_since date, ADD COLUMN x_tag varchar DEFAULT 'tag'`);
  await c.query(`UPDATE res_partner SET
    x_email = 'Real.' || id || '@Customer.example', x_phone = '+32 470 00 ' || lpad(id::text, 4, '0'),
    x_name = CASE WHEN id % 4 = 0 THEN 'Éloïse ' || id ELSE 'Real Person ' || id END, x_street = id || ' Real Street',
    x_code = 'CODE-' || id, x_note = CASE WHEN id % 5 = 0 THEN NULL ELSE 'private\tnote\\' || id END,
    x_token = 'token-' || id, x_mail2 = 'keep.' || id || '@Domain.example',
    x_age = CASE WHEN id % 7 = 0 THEN NULL ELSE 20 + (id % 40) END, x_score = (id % 13) * 1.5,
    x_vip = id % 3 = 0, x_since = date '2020-01-01' + id`);
  await c.query('CREATE TABLE x_audit_log (id serial PRIMARY KEY, who varchar, what text)');
  await c.query("INSERT INTO x_audit_log (who, what) SELECT 'user' || g, 'did ' || g FROM generate_series(1, 25) g");
  await c.query('CREATE TABLE x_parent (id serial PRIMARY KEY, name varchar)');
  await c.query('CREATE TABLE x_child (id serial PRIMARY KEY, parent_id integer REFERENCES x_parent ON DELETE CASCADE)');
  await c.query("INSERT INTO x_parent (name) SELECT 'p' || g FROM generate_series(1, 4) g");
  await c.query('INSERT INTO x_child (parent_id) SELECT 1 + g % 4 FROM generate_series(1, 12) g');
  return c;
}

// Every function, filters on each kind of column (NULLs among them), two rules on one column, a
// rule on a personal column an option masks first, a filter on a column an option masks, truncate_table of a table nothing references
// (rows left out of the stream) and of one a foreign key references (after the load), a rule on a
// missing column (skipped).
const RULES: SanitizationRule[] = [
  { table: 'res_partner', column: 'x_email', function: 'pseudonym_email', filter: [{ column: 'x_age', op: '>=', value: 40 }] },
  { table: 'res_partner', column: 'x_phone', function: 'pseudonym_phone', filter: [{ column: 'x_vip', op: '=', value: true }] },
  { table: 'res_partner', column: 'x_name', function: 'fake_name', filter: [{ column: 'x_name', op: '<', value: 'Real Person 5' }] },
  { table: 'res_partner', column: 'x_street', function: 'fake_address', filter: [{ column: 'x_since', op: '>=', value: '2020-01-20' }] },
  { table: 'res_partner', column: 'x_code', function: 'constant', value: 'redacted', filter: [{ column: 'x_code', op: 'like', value: 'CODE-1%' }] },
  { table: 'res_partner', column: 'x_note', function: 'null', filter: [{ column: 'x_note', op: 'is_not_null' }, { column: 'x_score', op: '>', value: '6.0' }] },
  { table: 'res_partner', column: 'x_token', function: 'hash', filter: [{ column: 'id', op: 'in', value: [1, 2, 3, 5, 8, 13, 21, 34] }] },
  { table: 'res_partner', column: 'x_mail2', function: 'keep_domain_email', filter: [{ column: 'x_age', op: '!=', value: 35 }] },
  { table: 'res_partner', column: 'email', function: 'pseudonym_email', filter: [{ column: 'email', op: 'like', value: '%@%' }] },
  { table: 'x_audit_log', function: 'truncate_table', filter: [{ column: 'who', op: 'like', value: 'user1_' }] },
  { table: 'x_parent', function: 'truncate_table', filter: [{ column: 'name', op: '=', value: 'p2' }] },
  { table: 'res_partner', column: 'x_age', function: 'constant', value: '0', filter: [{ column: 'x_age', op: '<', value: 25 }] },
  { table: 'res_partner', column: 'x_missing', function: 'null' },
  { table: 'res_partner', column: 'x_name', function: 'fake_name', filter: [{ column: 'x_name', op: 'like', value: '%9' }] },
  // the source's addresses sort before `u`, the emails option's pseudonyms (`u…@anon.invalid`) do
  // not: the filter must read the row as it left the source, not as the option rewrote it
  { table: 'res_partner', column: 'x_tag', function: 'constant', value: 'before-u', filter: [{ column: 'email', op: '<', value: 'u' }] },
];

const ruleOutcome = (r: RuleResult) => ({ rule_index: r.rule_index, skipped: r.skipped, reason: r.reason, affected_rows: r.affected_rows });

// Custom rules in the stream (rules/stream.ts, after the personal options, filters on the source's
// values) then the sanitizer's SQL for the rest: the same tables and the same counts as the SQL path.
it('applies custom rules in the stream with the same tables and counts as the SQL path', async () => {
  const options = preset('recommended');
  const sqlDb = await withCustomData(await h.copy(tpl));
  const sqlRun = await sanitizeDatabase(sqlDb, { options, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash: PASSWORD, rules: RULES });

  const source = await withCustomData(await h.copy(tpl));
  const viaStream = await withCustomData(await h.copy(tpl));
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const order = optionsToRun(options).map((o) => o.key).filter((k) => PERSONAL_OPTIONS.has(k));
  const masker = await prepareStreamMasking(source, { options, order, salt: SALT });
  const rules = await prepareRuleStream(source, { rules: RULES, salt: SALT });
  const credentials = await prepareStreamCredentials(source, options);
  if (!masker || !rules) throw new Error('nothing to mask in the stream');
  expect(rules.afterLoad.map((a) => a.index)).toEqual([10]);
  await loadThrough(source, viaStream, (t, c) => {
    const r = rules.transformsFor(t, c);
    return composeTransforms([r?.source ?? null, masker.transformFor(t, c), credentials.transformFor(t, c), r?.row ?? null]);
  });
  await source.query('ROLLBACK');
  expect(masker.leaks()).toEqual([]);
  const applied = rules.applied();
  expect(applied.map((a) => a.rule_index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 14]);
  // rows of the unreferenced table were left out of the stream: they never reached the target
  expect(await scalar<number>(viaStream, 'SELECT count(*)::int AS v FROM x_audit_log')).toBe(15);

  const streamRun = await sanitizeDatabase(viaStream, {
    options, baseUrl: BASE_URL, salt: SALT, mode: 'create_new', identity: null, passwordHash: PASSWORD, rules: RULES, personalInStream: true, rulesInStream: applied,
  });
  expect(streamRun.proof.passed).toBe(true);
  expect(streamRun.rule_results.map(ruleOutcome)).toEqual(sqlRun.rule_results.map(ruleOutcome));
  expect(streamRun.rule_results.map((r) => r.in_stream)).toEqual(RULES.map((_, i) => (i === 12 ? undefined : i !== 10)));
  // every rule changed rows but the skipped one and rule 0: the emails option masked x_email first
  // (the map classifies it), and a rule keeps a value already in its form
  const changed = sqlRun.rule_results.filter((r) => r.affected_rows > 0).map((r) => r.rule_index);
  expect(changed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]);
  expect(await differingColumns(sqlDb, viaStream)).toEqual([]);
}, 600_000);

it('refuses in the stream what the SQL path refuses, with its error', async () => {
  const source = await withCustomData(await h.copy(tpl));
  const refused = (rule: SanitizationRule) => prepareRuleStream(source, { rules: [rule], salt: SALT });
  const custom = { code: 'SANITIZATION_FAILED', details: { reason: 'CUSTOM_RULE', rule_index: 0 } };
  await expect(refused({ table: 'res_partner', column: 'x_age', function: 'hash' })).rejects.toMatchObject(custom);
  await expect(refused({ table: 'res_partner', column: 'id', function: 'null' })).rejects.toMatchObject(custom);
  await expect(refused({ table: 'res_partner', column: 'x_note', function: 'null', filter: [{ column: 'x_age', op: '=', value: 'abc' }] })).rejects.toMatchObject(custom);
  await expect(refused({ table: 'res_partner', column: 'x_age', function: 'constant', value: 'abc' })).rejects.toMatchObject(custom);
  await expect(refused({ table: 'res_partner', column: 'x_note', function: 'null', filter: [{ column: 'x_note', op: 'like', value: 'a\\' }] })).rejects.toMatchObject(custom);
});

// decision 0019: the capture is the one part that grows with the source; past its share of the
// agent's memory budget it stops with what to do, rather than leave a value out (unmasked)
it('refuses a capture larger than its share of the memory budget, saying which setting to raise', async () => {
  const options = preset('full');
  const order = optionsToRun(options)
    .map((o) => o.key)
    .filter((k) => PERSONAL_OPTIONS.has(k));
  const source = await h.connect(tpl.name);
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const small = { ...DEFAULT_MASKING_BUDGET, capturedBytes: 2048 };
  await expect(prepareStreamMasking(source, { options, order, salt: SALT, budget: small })).rejects.toThrow(/raise OEC_AGENT_MEMORY_MB/);
  await source.query('ROLLBACK');
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const masker = await prepareStreamMasking(source, { options, order, salt: SALT, budget: DEFAULT_MASKING_BUDGET });
  expect(masker?.captured().bytes).toBeGreaterThan(2048);
  await source.query('ROLLBACK');
  await source.end();
});
