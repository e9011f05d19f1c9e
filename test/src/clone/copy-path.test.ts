// The COPY data path (issue 13) on a real cluster with Odoo-shaped data plus the object kinds an
// Odoo database rarely has (identity and generated columns, partitions, unlogged tables, a
// materialized view, awkward text): every table's rows and checksum, sequences, constraints,
// indexes and triggers equal the source's; a transform is applied; large objects are refused; a
// writer inserting meanwhile does not break the snapshot's consistency.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { copyDatabaseByCopy, copyFromSource, copyTuning, createLogger, framedSink, frameReceiver, workDatabaseSink, stopAppsUnder, type RowTransformFactory, type TaskContext } from '@oec/agent';
import { stopCluster } from '@oec/agent/postgres';
import { AppError, CopyPathRefusal, type EnvironmentSpec } from '@oec/shared';
import { clusterPgEnv } from '../harness/pg-conn.js';
import { envSpec, makePlan, startAgentBench, type AgentBench } from './agent-context.js';
import { seedSpec, withDb } from './db-facts.js';

const EXTRA_SQL = `
CREATE TABLE oec_kinds (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  body text,
  twice int GENERATED ALWAYS AS (length(body) * 2) STORED,
  raw bytea,
  tags text[],
  doc jsonb
);
INSERT INTO oec_kinds (body, raw, tags, doc) VALUES
  (E'tab\\there\\nnew line\\r\\\\back\\bslash\\f\\v', '\\x00ff5c0a'::bytea, ARRAY['a\tb', 'c"d', NULL], '{"k": "v\\n"}'),
  (NULL, NULL, NULL, NULL),
  ('\\N', '', '{}', 'null'),
  (E'日本語 é 😀 ' || repeat('x', 70000), decode(repeat('ab', 100000), 'hex'), ARRAY['ü'], '[1,2]');
CREATE TABLE oec_part (id bigserial, k int NOT NULL, v text) PARTITION BY RANGE (k);
CREATE TABLE oec_part_low PARTITION OF oec_part FOR VALUES FROM (0) TO (100);
CREATE TABLE oec_part_high PARTITION OF oec_part FOR VALUES FROM (100) TO (1000);
INSERT INTO oec_part (k, v) SELECT g % 1000, 'v' || g FROM generate_series(1, 3000) g;
CREATE UNLOGGED TABLE oec_unlogged (x int);
INSERT INTO oec_unlogged SELECT generate_series(1, 50);
CREATE TABLE "Mixed Case" ("Col ""q""" text);
INSERT INTO "Mixed Case" VALUES ('quoted');
CREATE TABLE oec_parent (id int PRIMARY KEY, note text);
CREATE TABLE oec_child (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES oec_parent ON DELETE CASCADE);
CREATE INDEX oec_child_parent ON oec_child (parent_id);
CREATE FUNCTION oec_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END $$;
CREATE TRIGGER oec_parent_touch BEFORE INSERT ON oec_parent FOR EACH ROW EXECUTE FUNCTION oec_touch();
INSERT INTO oec_parent (id) SELECT generate_series(1, 100);
INSERT INTO oec_child (parent_id) SELECT generate_series(1, 100);
CREATE MATERIALIZED VIEW oec_partner_count AS SELECT count(*) AS n FROM res_partner;
CREATE MATERIALIZED VIEW oec_never AS SELECT 1 AS one WITH NO DATA;
SELECT setval('oec_part_id_seq', 5000, false);
`;

function makeCtx(bench: AgentBench, signal = new AbortController().signal): TaskContext {
  return {
    taskId: randomUUID(),
    kind: 'clone.data',
    signal,
    fence: { operation_id: null, attempt: 0 },
    runtime: bench.runtime,
    logger: createLogger('silent'),
    progress: () => undefined,
    log: () => undefined,
  };
}

interface Facts {
  tables: Record<string, { rows: number; md5: string }>;
  sequences: Record<string, string>;
  constraints: string[];
  indexes: string[];
  triggers: string[];
  matviews: Record<string, boolean>;
}

async function facts(bench: AgentBench, db: string): Promise<Facts> {
  return withDb(bench.cluster, db, factsOf);
}

/** The facts as `c` sees them (in its transaction's snapshot, when it has one). */
async function factsOf(c: pg.ClientBase): Promise<Facts> {
  {
    const out: Facts = { tables: {}, sequences: {}, constraints: [], indexes: [], triggers: [], matviews: {} };
    const tables = await c.query<{ q: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND c.relispopulated AND n.nspname = 'public' ORDER BY 1`,
    );
    for (const { q } of tables.rows) {
      const r = await c.query<{ n: number; md5: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${q} t`);
      out.tables[q] = { rows: r.rows[0]!.n, md5: r.rows[0]!.md5 };
    }
    const seqs = await c.query<{ q: string }>("SELECT format('%I.%I', schemaname, sequencename) AS q FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1");
    for (const { q } of seqs.rows) {
      out.sequences[q] = (await c.query<{ v: string }>(`SELECT last_value::text || ' ' || is_called::text AS v FROM ${q}`)).rows[0]!.v;
    }
    out.constraints = (
      await c.query<{ d: string }>(
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
      )
    ).rows.map((r) => r.d);
    out.indexes = (await c.query<{ d: string }>("SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.d);
    out.triggers = (
      await c.query<{ d: string }>("SELECT pg_get_triggerdef(t.oid) AS d FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace ORDER BY 1")
    ).rows.map((r) => r.d);
    for (const m of (await c.query<{ m: string; p: boolean }>("SELECT matviewname AS m, ispopulated AS p FROM pg_matviews WHERE schemaname = 'public'")).rows) out.matviews[m.m] = m.p;
    return out;
  }
}

/** The entries of a data-only dump (what pg_dump's data section carries), as "TYPE name". */
function dataSectionEntries(bench: AgentBench, db: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...clusterPgEnv(bench.cluster) };
    // pg_restore -l stops once it has read the table of contents: pg_dump's broken pipe is expected.
    const dump = spawn(join(bench.cluster.binDir, 'pg_dump'), ['-Fc', '--section=data', `--dbname=${db}`], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const list = spawn(join(bench.cluster.binDir, 'pg_restore'), ['-l'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    list.stdin.on('error', () => undefined);
    dump.stdout.on('error', () => undefined);
    dump.stdout.pipe(list.stdin);
    let text = '';
    list.stdout.on('data', (d: Buffer) => (text += d.toString()));
    list.on('error', reject);
    list.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pg_restore -l ${code}`));
      // "3375; 0 16395 TABLE DATA public c postgres"
      resolve(
        text
          .split('\n')
          .filter((l) => l && !l.startsWith(';'))
          .map((l) => l.replace(/^\d+; \d+ \d+ /, '').replace(/ \S+$/, '')),
      );
    });
  });
}

describe('COPY data path', () => {
  let bench: AgentBench;
  let source: EnvironmentSpec;
  let sourceFacts: Facts;

  beforeAll(async () => {
    bench = await startAgentBench();
    source = envSpec('production');
    const loc = await bench.runtime.create(source, new AbortController().signal);
    await seedSpec(bench.cluster, source, loc.filestore_path);
    await withDb(bench.cluster, source.db_name, async (c) => {
      await c.query(`SET ROLE ${pg.escapeIdentifier(source.db_name)}`);
      await c.query(EXTRA_SQL);
    });
    sourceFacts = await facts(bench, source.db_name);
  });

  afterAll(async () => {
    await bench?.runtime.close();
    if (bench) await stopAppsUnder(bench.dir);
    if (bench) await stopCluster(bench.cluster);
    if (bench) await rm(bench.dir, { recursive: true, force: true });
  });

  it('carries exactly what the data section of pg_dump carries', async () => {
    const entries = await dataSectionEntries(bench, source.db_name);
    const kinds = new Set(entries.map((e) => e.split(' ').slice(0, 2).join(' ')));
    expect([...kinds].sort()).toEqual(['SEQUENCE SET', 'TABLE DATA']);
    const tables = entries.filter((e) => e.startsWith('TABLE DATA ')).map((e) => e.slice('TABLE DATA '.length).replace(' ', '.'));
    const carried = await withDb(bench.cluster, source.db_name, async (c) => {
      const { readCatalog } = await import('@oec/agent');
      return (await readCatalog(c)).tables.map((t) => `${t.schema}.${t.name}`);
    });
    expect(carried.sort()).toEqual(tables.sort());
  });

  it('copies every table, sequence, constraint, index, trigger and materialized view', async () => {
    const target = envSpec('copy-identity');
    await bench.runtime.create(target, new AbortController().signal);
    const plan = makePlan(source, target);
    const result = await copyDatabaseByCopy(plan, makeCtx(bench), null);
    expect(result.transformed).toBe(0);
    const copied = await facts(bench, target.db_name);
    expect(Object.keys(copied.tables).length).toBeGreaterThan(20);
    expect(copied).toEqual(sourceFacts);
    expect(copied.matviews).toEqual({ oec_partner_count: true, oec_never: false });
    expect(copied.sequences['public.oec_part_id_seq']).toBe('5000 false');
    // Objects belong to the target's role, as on the dump path.
    const owners = await withDb(bench.cluster, target.db_name, async (c) =>
      (await c.query<{ o: string }>("SELECT DISTINCT tableowner AS o FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.o),
    );
    expect(owners).toEqual([target.db_name]);
  });

  it('applies a row transform to the columns it declares, and only to them', async () => {
    const target = envSpec('copy-upper');
    await bench.runtime.create(target, new AbortController().signal);
    const seen: string[] = [];
    const upper: RowTransformFactory = (t) => {
      seen.push(`${t.schema}.${t.name}`);
      if (t.name !== 'res_partner') return null;
      const i = t.columns.indexOf('name');
      return { columns: [i], map: ([v]) => [v === null || v === undefined ? null : v.toUpperCase()] };
    };
    const result = await copyDatabaseByCopy(makePlan(source, target), makeCtx(bench), null, { transform: upper });
    expect(result.transformed).toBe(1);
    expect(seen).toContain('public.res_partner');
    const copied = await facts(bench, target.db_name);
    const [src, dst] = await Promise.all(
      [source.db_name, target.db_name].map((db) =>
        withDb(bench.cluster, db, async (c) => (await c.query<{ id: number; name: string | null; email: string | null }>('SELECT id, name, email FROM res_partner ORDER BY id')).rows),
      ),
    );
    expect(dst!.length).toBe(src!.length);
    expect(dst!.some((r, k) => r.name !== src![k]!.name)).toBe(true);
    expect(dst).toEqual(src!.map((r) => ({ ...r, name: r.name === null ? null : r.name.toUpperCase() })));
    for (const [t, f] of Object.entries(sourceFacts.tables)) if (t !== 'public.res_partner') expect(copied.tables[t], t).toEqual(f);
  });

  it('carries the same through the framed database stream of a cross-server transfer', async () => {
    const target = envSpec('copy-framed');
    await bench.runtime.create(target, new AbortController().signal);
    const plan = makePlan(source, target);
    await bench.runtime.dropDatabase(plan.work_db);
    await bench.runtime.createDatabase(plan.work_db, plan.target, {});
    const ctx = makeCtx(bench);
    const wire = new PassThrough();
    const sink = framedSink(wire);
    // Small chunks on the wire: frames arrive split anywhere.
    let wireBytes = 0;
    const receiving = pipeline(
      wire,
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) for (let i = 0; i < c.length; i += 777) yield c.subarray(i, i + 777);
      },
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) {
          wireBytes += c.length;
          yield c;
        }
      },
      frameReceiver(workDatabaseSink(plan, ctx, ctx.signal, { jobs: 2 })),
    );
    const upper: RowTransformFactory = (t) => (t.name === 'res_partner' ? { columns: [t.columns.indexOf('email')], map: ([v]) => [v ? 'masked@example.invalid' : null] } : null);
    // tables split into block ranges, three at a time, frames of parts interleaved on the wire
    const result = await copyFromSource(plan.source, ctx, { snapshot: null, transform: upper, signal: ctx.signal, jobs: 3, splitBytes: 8192 }, sink);
    expect(result.parts).toBeGreaterThan(result.split_tables);
    sink.end();
    await receiving;
    expect(wireBytes).toBeGreaterThan(result.bytes);
    const copied = await facts(bench, target.db_name);
    for (const [t, f] of Object.entries(sourceFacts.tables)) if (t !== 'public.res_partner') expect(copied.tables[t], t).toEqual(f);
    expect({ ...copied, tables: {} }).toEqual({ ...sourceFacts, tables: {} });
    const emails = await withDb(bench.cluster, target.db_name, async (c) => (await c.query<{ e: string }>('SELECT DISTINCT email AS e FROM res_partner WHERE email IS NOT NULL')).rows.map((r) => r.e));
    expect(emails).toEqual(['masked@example.invalid']);
  });

  it('runs the data step on the COPY path with the masking prepared beside the schema, masked in stream', async () => {
    const target = envSpec('copy-step');
    await bench.runtime.create(target, new AbortController().signal);
    const plan = makePlan(source, target, { preset: 'recommended', dataPath: 'copy', sourceStatus: 'RUNNING' });
    await bench.run('clone.prepare', plan);
    const out = await bench.run('clone.data', plan);
    expect(out.database.method).toBe('copy');
    expect(out.in_stream).toBeDefined();
    const emails = await withDb(bench.cluster, target.db_name, async (c) =>
      (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM res_partner WHERE email LIKE '%@anon.invalid'")).rows[0]!.n,
    );
    expect(emails).toBeGreaterThan(0);
    const log = bench.recorded.logs.map((l) => l.message);
    expect(log.some((m) => m.startsWith('In-stream masking:'))).toBe(true);
    expect(log.some((m) => m.startsWith('COPY path timings:'))).toBe(true);
  });

  it("lowers the source session's server process to niceness 10", async () => {
    const nice = async (pid: number): Promise<number> => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // fields after the command's closing parenthesis: state is 3rd, nice the 19th
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    await bench.runtime.withDatabase(source.db_name, async (c) => {
      const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // the cluster may run niced already (a niced test run): never less nice than it was
      const before = await nice(pid);
      expect(await bench.runtime.lowerSessionPriority(c)).toBe(true);
      expect(await nice(pid)).toBe(Math.max(before, 10));
      expect(before).toBeLessThan(10);
    });
  });

  it('refuses a source holding large objects before writing anything', async () => {
    const lo = envSpec('with-lo');
    await bench.runtime.create(lo, new AbortController().signal);
    await withDb(bench.cluster, lo.db_name, (c) => c.query("CREATE TABLE t (x int); SELECT lo_from_bytea(0, 'blob')"));
    const target = envSpec('lo-target');
    await bench.runtime.create(target, new AbortController().signal);
    const err = await copyDatabaseByCopy(makePlan(lo, target), makeCtx(bench), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).details?.reason).toBe(CopyPathRefusal.LARGE_OBJECTS);
    expect((err as AppError).message).toMatch(/large object/);
    const tables = await withDb(bench.cluster, target.db_name, async (c) => (await c.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).rowCount);
    expect(tables).toBe(0);
  });

  it('copies exactly in parallel, every table split into block ranges, while a writer changes the source', async () => {
    // A snapshot held here: the source as the copy must see it, read again after the copy.
    await withDb(bench.cluster, source.db_name, async (held) => {
      await held.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const snapshot = (await held.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
      // sequences are not transactional: their values when the snapshot was taken are read now
      const sequencesAtSnapshot = (await factsOf(held)).sequences;
      // tables of more than one block, split below (before the writer makes them grow)
      const split = await withDb(bench.cluster, source.db_name, async (c) => (await c.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND pg_table_size(oid) > 8192 AND pg_relation_size(oid) > 8192")).rows[0]!.n);
      let stop = false;
      let commits = 0;
      let writerError: unknown = null;
      // Updates spread over every block of the largest tables, deletes and inserts.
      const writer = withDb(bench.cluster, source.db_name, async (c) => {
        for (let i = 0; !stop; i++) {
          await c.query('BEGIN');
          await c.query("UPDATE res_partner SET name = name || '+' WHERE id % 7 = $1", [i % 7]);
          await c.query('UPDATE oec_part SET v = v || $1 WHERE id % 11 = $2', [String(i), i % 11]);
          await c.query('INSERT INTO oec_parent (id) VALUES ($1)', [100_000 + i]);
          await c.query('INSERT INTO oec_child (parent_id) VALUES ($1)', [100_000 + i]);
          await c.query('COMMIT');
          commits++;
        }
      }).catch((e: unknown) => (writerError = e));
      const target = envSpec('copy-parallel');
      await bench.runtime.create(target, new AbortController().signal);
      const seenTables: string[] = [];
      // Every table with more than one block is split (8 kB parts); the writer gets ahead meanwhile.
      const slow: RowTransformFactory = async (t) => {
        seenTables.push(t.name);
        if (t.name === 'res_partner') for (let i = 0; i < 6000 && commits < 20 && !writerError; i++) await new Promise((r) => setTimeout(r, 10));
        return null;
      };
      let result;
      try {
        result = await copyDatabaseByCopy(makePlan(source, target), makeCtx(bench), snapshot, { transform: slow, tuning: { ...copyTuning({ jobs: 4 }), splitBytes: 8192 } });
      } finally {
        stop = true;
        await writer;
      }
      expect(writerError).toBeNull();
      expect(commits).toBeGreaterThanOrEqual(20);
      // one transform per table, whatever its parts
      expect(seenTables.length).toBe(new Set(seenTables).size);
      expect(result.tables).toBe(seenTables.length);
      const expected = await factsOf(held);
      await held.query('ROLLBACK');
      const copied = await facts(bench, target.db_name);
      expect(split).toBeGreaterThan(5);
      expect(result.split_tables).toBeGreaterThanOrEqual(split);
      expect(result.parts).toBeGreaterThan(2 * result.split_tables - 1);
      expect(copied.tables).toEqual(expected.tables);
      expect({ ...copied, tables: {}, sequences: {} }).toEqual({ ...expected, tables: {}, sequences: {} });
      // sequences are read when the copy starts (as pg_dump does): never behind the snapshot's
      for (const [q, v] of Object.entries(sequencesAtSnapshot)) expect(Number(copied.sequences[q]!.split(' ')[0]), q).toBeGreaterThanOrEqual(Number(v.split(' ')[0]));
      // and the source did change: what the copy must not have seen
      const now = await facts(bench, source.db_name);
      expect(now.tables['public.res_partner']!.md5).not.toBe(expected.tables['public.res_partner']!.md5);
    });
  });

  it('is consistent to one snapshot while a writer inserts into the source', async () => {
    const target = envSpec('copy-writer');
    await bench.runtime.create(target, new AbortController().signal);
    let commits = 0;
    let stop = false;
    let writerError: unknown = null;
    // Each transaction writes a parent and its child: any consistent view has both or neither.
    const writer = withDb(bench.cluster, source.db_name, async (c) => {
      for (let id = 1000; !stop; id++) {
        await c.query('BEGIN');
        await c.query('INSERT INTO oec_parent (id) VALUES ($1)', [id]);
        await c.query('INSERT INTO oec_child (parent_id) VALUES ($1)', [id]);
        await c.query('COMMIT');
        commits++;
      }
    }).catch((e: unknown) => (writerError = e));
    const started = commits;
    // Hold one table back until the writer has committed more transactions after the snapshot.
    const slow: RowTransformFactory = async (t) => {
      if (t.name === 'oec_child') {
        const from = commits;
        for (let i = 0; i < 6000 && commits < from + 25 && !writerError; i++) await new Promise((r) => setTimeout(r, 10));
      }
      return null;
    };
    try {
      await copyDatabaseByCopy(makePlan(source, target), makeCtx(bench), null, { transform: slow, tuning: { ...copyTuning({ jobs: 2 }), splitBytes: Infinity } });
    } finally {
      stop = true;
      await writer;
    }
    expect(writerError).toBeNull();
    expect(commits).toBeGreaterThan(started + 25);
    const ids = (db: string, table: string, col: string) =>
      withDb(bench.cluster, db, async (c) => (await c.query<{ i: number }>(`SELECT ${col} AS i FROM ${table} ORDER BY 1`)).rows.map((r) => r.i));
    const parents = await ids(target.db_name, 'oec_parent', 'id');
    const children = await ids(target.db_name, 'oec_child', 'parent_id');
    expect(children).toEqual(parents);
    const sourceParents = await ids(source.db_name, 'oec_parent', 'id');
    expect(parents.length).toBeLessThan(sourceParents.length);
    // The writer's later transactions are after the snapshot: the target has none of them.
    expect(parents.length).toBeGreaterThanOrEqual(100);
  });
});
