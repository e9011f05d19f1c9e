// The COPY path's post-data section (indexes, constraints, triggers, …) built by `jobs` sessions at
// once, as `pg_restore --section=post-data -j N` would, without an archive file on the target's
// side: pg_restore turns the archive into its SQL script (pgRestoreScriptArgv), whose entries are
// run in three waves. 1: indexes, primary keys, unique and check constraints, largest tables
// first; an index may be built beside another on the same table, a constraint (ALTER TABLE) has
// its table to itself. 2: foreign keys, never two on a common table at once (each locks both
// tables: two at once could deadlock, as pg_restore's own scheduler knows). 3: everything else
// (triggers, index attachments, materialized view data, rules, …) in the script's order, in one
// session. Every session first runs the script's preamble (its SETs, the role). A failing entry
// fails the section, as pg_restore --exit-on-error does.
import type pg from 'pg';

export interface ScriptEntry {
  type: string;
  sql: string;
  /** Tables (schema.name, unquoted) the entry locks, and whether it has them to itself. */
  tables: string[];
  exclusive: boolean;
}

export interface PostDataScript {
  /** SET statements and the role, run first in every session. */
  preamble: string;
  entries: ScriptEntry[];
}

const HEADER = /^--\n-- Name: .*; Type: (.+?); Schema: .*; Owner: .*\n--\n/gm;
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[^\s."(),;]+)`;
const QNAME = String.raw`(${IDENT})\.(${IDENT})`;
const INDEX_ON = new RegExp(String.raw`^CREATE (?:UNIQUE )?INDEX \S+ ON (?:ONLY )?${QNAME}`);
const ALTER_TABLE = new RegExp(String.raw`^ALTER TABLE (?:ONLY )?${QNAME}`);
const REFERENCES = new RegExp(String.raw`REFERENCES ${QNAME}\(`);

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function unquote(id: string): string {
  return id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id;
}

function nameOf(m: RegExpMatchArray | null): string | null {
  return m && m[1] && m[2] ? `${unquote(m[1])}.${unquote(m[2])}` : null;
}

/** Keep SQL; drop comments and psql meta-commands (`\restrict`) that a script may carry. */
function sqlOnly(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('--') && !l.startsWith('\\'))
    .join('\n')
    .trim();
}

/** The script's preamble and entries (with the tables each locks). */
export function parsePostDataScript(script: string): PostDataScript {
  const heads = [...script.matchAll(HEADER)];
  const preamble = sqlOnly(script.slice(0, heads[0]?.index ?? script.length));
  const entries: ScriptEntry[] = [];
  heads.forEach((h, i) => {
    const sql = sqlOnly(script.slice((h.index ?? 0) + h[0].length, heads[i + 1]?.index ?? script.length));
    if (!sql) return;
    const type = h[1] ?? '';
    const on = nameOf(sql.match(INDEX_ON));
    const altered = nameOf(sql.match(ALTER_TABLE));
    const referenced = nameOf(sql.match(REFERENCES));
    const tables = [on, altered, type === 'FK CONSTRAINT' ? referenced : null].filter((t): t is string => t !== null);
    entries.push({ type, sql, tables: [...new Set(tables)], exclusive: type !== 'INDEX' });
  });
  return { preamble, entries };
}

type Session = <T>(fn: (client: pg.ClientBase) => Promise<T>) => Promise<T>;

export interface PostDataRun {
  jobs: number;
  /** A new session on the target database. */
  session: Session;
  /** Session settings (maintenance_work_mem, …) set before the preamble. */
  settings: Record<string, string>;
  /** Bytes of each table (schema.name): larger tables' entries go first. */
  sizes: ReadonlyMap<string, number>;
  signal: AbortSignal;
}

/** Run the script's entries in waves, `jobs` sessions at most at a time. */
export async function runPostData(script: PostDataScript, run: PostDataRun): Promise<{ entries: number }> {
  const wave1 = script.entries.filter((e) => e.type === 'INDEX' || e.type === 'CONSTRAINT');
  const wave2 = script.entries.filter((e) => e.type === 'FK CONSTRAINT');
  const rest = script.entries.filter((e) => !wave1.includes(e) && !wave2.includes(e));
  const size = (e: ScriptEntry): number => Math.max(0, ...e.tables.map((t) => run.sizes.get(t) ?? 0));
  await runWave([...wave1].sort((a, b) => size(b) - size(a)), script.preamble, run);
  await runWave(wave2, script.preamble, run);
  if (rest.length > 0) {
    await run.session(async (c) => {
      await prepare(c, script.preamble, run.settings);
      for (const e of rest) {
        run.signal.throwIfAborted();
        await c.query(e.sql);
      }
    });
  }
  return { entries: script.entries.length };
}

async function prepare(c: pg.ClientBase, preamble: string, settings: Record<string, string>): Promise<void> {
  for (const [k, v] of Object.entries(settings)) await c.query('SELECT set_config($1, $2, false)', [k, v]);
  if (preamble) await c.query(preamble);
}

/**
 * Entries whose tables are free, `jobs` at a time: an entry waits while another that holds one of
 * its tables exclusively runs (or, exclusive itself, while any holds one).
 */
async function runWave(entries: readonly ScriptEntry[], preamble: string, run: PostDataRun): Promise<void> {
  if (entries.length === 0) return;
  const pending = [...entries];
  const busy = new Map<string, { shared: number; exclusive: boolean }>();
  const free = (e: ScriptEntry): boolean =>
    e.tables.every((t) => {
      const b = busy.get(t);
      return !b || (!b.exclusive && !e.exclusive);
    });
  const hold = (e: ScriptEntry, on: boolean): void => {
    for (const t of e.tables) {
      const b = busy.get(t) ?? { shared: 0, exclusive: false };
      if (e.exclusive) b.exclusive = on;
      else b.shared += on ? 1 : -1;
      if (!b.exclusive && b.shared === 0) busy.delete(t);
      else busy.set(t, b);
    }
  };
  // Woken whenever an entry ends: a waiting worker looks for a free entry again.
  let wake: () => void = () => undefined;
  let ended = new Promise<void>((r) => (wake = r));
  const finished = (): void => {
    const w = wake;
    ended = new Promise<void>((r) => (wake = r));
    w();
  };
  const state: { failed: Error | null } = { failed: null };
  const worker = (c: pg.ClientBase) => async (): Promise<void> => {
    while (pending.length > 0 && state.failed === null) {
      const i = pending.findIndex(free);
      if (i < 0) {
        await ended;
        continue;
      }
      const [e] = pending.splice(i, 1) as [ScriptEntry];
      hold(e, true);
      try {
        run.signal.throwIfAborted();
        await c.query(e.sql);
      } catch (err) {
        state.failed ??= asError(err);
      } finally {
        hold(e, false);
        finished();
      }
    }
  };
  const jobs = Math.max(1, Math.min(run.jobs, entries.length));
  await Promise.all(
    Array.from({ length: jobs }, () =>
      run
        .session(async (c) => {
          await prepare(c, preamble, run.settings);
          await worker(c)();
        })
        .catch((err: unknown) => {
          state.failed ??= asError(err);
          finished();
        }),
    ),
  );
  if (state.failed !== null) throw state.failed;
}
