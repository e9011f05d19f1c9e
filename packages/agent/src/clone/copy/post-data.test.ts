import { PassThrough } from 'node:stream';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { CopyTableInfo } from './catalog.js';
import { framedSink } from './frames.js';
import { parsePostDataScript, runPostData, type PostDataScript } from './post-data.js';
import { copyToSql, copyUnits } from './source.js';

// What `pg_dump --section=post-data | pg_restore --role=… --file=-` prints (PostgreSQL 15.14+,
// with its \restrict lines).
const SCRIPT = `--
-- PostgreSQL database dump
--

\\restrict abc

SET statement_timeout = 0;
SET ROLE oec_t;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: Mixed Case Mixed Case_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Mixed Case"
    ADD CONSTRAINT "Mixed Case_pkey" PRIMARY KEY ("x y");


--
-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.a
    ADD CONSTRAINT a_pkey PRIMARY KEY (id);


--
-- Name: ai; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ai ON public.a USING btree (b);


--
-- Name: aj; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX aj ON public.a USING btree (c);


--
-- Name: big_i; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX big_i ON public.big USING btree (x);


--
-- Name: Mixed Case Mixed Case_r_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Mixed Case"
    ADD CONSTRAINT "Mixed Case_r_fkey" FOREIGN KEY (r) REFERENCES public.a(id);


--
-- Name: a afk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.a
    ADD CONSTRAINT afk FOREIGN KEY (b) REFERENCES public.b(id);


--
-- Name: b b_a_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.b
    ADD CONSTRAINT b_a_fkey FOREIGN KEY (a) REFERENCES public.a(id);


--
-- Name: a t; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER t BEFORE INSERT ON public.a FOR EACH ROW EXECUTE FUNCTION public.f();


--
-- PostgreSQL database dump complete
--

\\unrestrict abc
`;

describe('parsePostDataScript', () => {
  it('keeps the preamble and every entry with the tables it locks, without comments or psql meta-commands', () => {
    const s = parsePostDataScript(SCRIPT);
    expect(s.preamble).toBe("SET statement_timeout = 0;\nSET ROLE oec_t;\nSELECT pg_catalog.set_config('search_path', '', false);");
    expect(s.entries.map((e) => [e.type, e.tables, e.exclusive])).toEqual([
      ['CONSTRAINT', ['public.Mixed Case'], true],
      ['CONSTRAINT', ['public.a'], true],
      ['INDEX', ['public.a'], false],
      ['INDEX', ['public.a'], false],
      ['INDEX', ['public.big'], false],
      ['FK CONSTRAINT', ['public.Mixed Case', 'public.a'], true],
      ['FK CONSTRAINT', ['public.a', 'public.b'], true],
      ['FK CONSTRAINT', ['public.b', 'public.a'], true],
      ['TRIGGER', [], true],
    ]);
    expect(s.entries.every((e) => !e.sql.includes('\\') && !e.sql.includes('--'))).toBe(true);
    expect(s.entries[5]!.sql).toBe('ALTER TABLE ONLY public."Mixed Case"\n    ADD CONSTRAINT "Mixed Case_r_fkey" FOREIGN KEY (r) REFERENCES public.a(id);');
  });
});

/** Sessions that record what ran where, and which entries ran at the same time. */
function fakeSessions(script: PostDataScript) {
  const log: Array<{ session: number; sql: string }> = [];
  const running = new Set<string>();
  const overlaps: Array<[string, string]> = [];
  let sessions = 0;
  let peak = 0;
  const session = async <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => {
    const id = sessions++;
    const client = {
      query: async (sql: string) => {
        log.push({ session: id, sql });
        const entry = script.entries.find((e) => e.sql === sql);
        if (!entry) return { rows: [] };
        for (const other of running) overlaps.push([other, sql]);
        running.add(sql);
        peak = Math.max(peak, running.size);
        // long enough for the other sessions to start theirs
        await new Promise((r) => setTimeout(r, 5));
        running.delete(sql);
        if (sql.includes('FAIL')) throw new Error('boom');
        return { rows: [] };
      },
    } as unknown as pg.ClientBase;
    return fn(client);
  };
  return { session, log, overlaps, peak: () => peak };
}

describe('runPostData', () => {
  const sizes = new Map([
    ['public.big', 1000],
    ['public.a', 10],
  ]);

  it('runs indexes and constraints side by side, never two foreign keys on a common table, the rest after', async () => {
    const script = parsePostDataScript(SCRIPT);
    const fake = fakeSessions(script);
    const signal = new AbortController().signal;
    const done = await runPostData(script, { jobs: 3, session: fake.session, settings: { maintenance_work_mem: '64MB' }, sizes, signal });
    expect(done.entries).toBe(9);
    const ran = fake.log.filter((l) => script.entries.some((e) => e.sql === l.sql)).map((l) => l.sql);
    expect(new Set(ran).size).toBe(9);
    expect(ran).toHaveLength(9);
    // every session set its settings and ran the preamble before anything else
    for (const id of new Set(fake.log.map((l) => l.session))) {
      const mine = fake.log.filter((l) => l.session === id).map((l) => l.sql);
      expect(mine[0]).toMatch(/set_config/);
      expect(mine[1]).toBe(script.preamble);
    }
    // the largest table's index first; foreign keys after every index; the trigger last
    const typeOf = (sql: string) => script.entries.find((e) => e.sql === sql)!.type;
    expect(ran[0]).toContain('big_i');
    const lastIndex = Math.max(...ran.map((s, i) => (typeOf(s) === 'FK CONSTRAINT' ? -1 : typeOf(s) === 'TRIGGER' ? -1 : i)));
    const firstFk = ran.findIndex((s) => typeOf(s) === 'FK CONSTRAINT');
    expect(firstFk).toBeGreaterThan(lastIndex);
    expect(typeOf(ran.at(-1)!)).toBe('TRIGGER');
    expect(fake.peak()).toBeGreaterThan(1);
    // no two entries sharing a table ran together unless both were indexes
    for (const [x, y] of fake.overlaps) {
      const [ex, ey] = [x, y].map((s) => script.entries.find((e) => e.sql === s)!);
      const common = ex!.tables.filter((t) => ey!.tables.includes(t));
      if (common.length > 0) expect([ex!.type, ey!.type]).toEqual(['INDEX', 'INDEX']);
    }
  });

  it('fails with the first failing entry and starts no later wave', async () => {
    const script = parsePostDataScript(SCRIPT.replace('CREATE INDEX ai', 'CREATE INDEX FAIL'));
    const fake = fakeSessions(script);
    const err = await runPostData(script, { jobs: 2, session: fake.session, settings: {}, sizes, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('boom');
    expect(fake.log.some((l) => l.sql.includes('FOREIGN KEY') || l.sql.includes('TRIGGER'))).toBe(false);
  });
});

describe('copyUnits', () => {
  const t = (name: string, bytes: number, pages: number): CopyTableInfo => ({ schema: 'public', name, columns: ['id', 'body'], bytes, pages });

  it('splits a table above the size into block ranges that cover every block, largest units first', () => {
    const units = copyUnits([t('small', 10, 2), t('big', 1000, 103)], 2, 300);
    const parts = units.filter((u) => u.name === 'big').map((u) => u.part!);
    expect(parts).toHaveLength(4); // ceil(1000 / 300), at most 2 per job
    expect(parts.map((p) => [p.first, p.end])).toEqual([
      [0, 25],
      [25, 51],
      [51, 77],
      [77, null],
    ]);
    expect(units.at(-1)!.name).toBe('small');
    expect(units.at(-1)!.part).toBeUndefined();
  });

  it('never splits with one job, or a table of one block', () => {
    expect(copyUnits([t('big', 1000, 103)], 1, 10).every((u) => !u.part)).toBe(true);
    expect(copyUnits([t('one', 1000, 1)], 4, 10).every((u) => !u.part)).toBe(true);
  });

  it('copies a part by its block range, only from the table itself', () => {
    const [first, last] = copyUnits([t('big', 1000, 100)], 2, 600); // ceil(1000 / 600) parts
    expect(copyToSql(first!)).toBe(`COPY (SELECT "id", "body" FROM ONLY "public"."big" WHERE ctid >= '(0,0)'::tid AND ctid < '(50,0)'::tid) TO STDOUT`);
    expect(copyToSql(last!)).toBe(`COPY (SELECT "id", "body" FROM ONLY "public"."big" WHERE ctid >= '(50,0)'::tid) TO STDOUT`);
    expect(copyToSql(t('whole', 1, 1))).toBe('COPY "public"."whole" ("id", "body") TO STDOUT');
  });
});

describe('framedSink', () => {
  it('leaves no listener behind after waiting on a full stream many times', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const sink = framedSink(out);
    const reading = (async () => {
      let n = 0;
      for await (const c of out) n += (c as Buffer).length;
      return n;
    })();
    for (let i = 0; i < 50; i++) await sink.sequences([{ schema: 'public', name: `s${i}`, last_value: '1', is_called: true }]);
    expect(out.listenerCount('close')).toBeLessThan(5);
    expect(out.listenerCount('drain')).toBe(0);
    sink.end();
    expect(await reading).toBeGreaterThan(50 * 9);
  });
});
