// Test harness of the sanitizer suites: one private PostgreSQL cluster per test file, Odoo-shaped
// databases generated once per (seed, omitted tables) as templates, and a fresh copy
// (CREATE DATABASE … TEMPLATE) for every test so that each one sanitizes its own database.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { clusterUrl, startCluster, stopCluster, type ClusterInfo } from '@oec/agent/postgres';
import { resolveSanitization, type SanitizationOptions, type SanitizationPreset } from '@oec/shared';
import { generateOdooDatabase, type GeneratedSummary } from '../odoo/index.js';

export interface Template {
  name: string;
  summary: GeneratedSummary;
}

export class Harness {
  private copies = 0;
  private readonly templates = new Map<string, Template>();
  private readonly clients: pg.Client[] = [];

  private constructor(
    readonly dir: string,
    readonly cluster: ClusterInfo,
  ) {}

  static async start(): Promise<Harness> {
    const dir = await mkdtemp(join(tmpdir(), 'oec-'));
    await chmod(dir, 0o711); // the server runs as `postgres` and must reach <dir>/pg
    const cluster = await startCluster({ dir: join(dir, 'pg') });
    return new Harness(dir, cluster);
  }

  async stop(): Promise<void> {
    for (const c of this.clients) await c.end().catch(() => undefined);
    await stopCluster(this.cluster);
    await rm(this.dir, { recursive: true, force: true });
  }

  url(db: string): string {
    return clusterUrl(this.cluster, db);
  }

  /** A connected client (closed by stop()). */
  async connect(db: string): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.url(db) });
    await c.connect();
    this.clients.push(c);
    return c;
  }

  async close(c: pg.Client): Promise<void> {
    await c.end();
    this.clients.splice(this.clients.indexOf(c), 1);
  }

  private async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.url('postgres') });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  /** Generate (once) the tiny database of a seed, optionally without some tables. */
  async template(seed: number, omit: readonly string[] = [], personalData = false): Promise<Template> {
    const name = `tpl_${seed}${personalData ? '_pd' : ''}${omit.length > 0 ? `_${omit.length}_${omit.join('_').slice(0, 30)}` : ''}`;
    const hit = this.templates.get(name);
    if (hit) return hit;
    await this.admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`));
    const summary = await generateOdooDatabase(this.url(name), {
      size: 'tiny',
      seed,
      filestoreDir: join(this.dir, 'filestore', name),
      modules: { omit },
      personalData,
    });
    const t = { name, summary };
    this.templates.set(name, t);
    return t;
  }

  /** A fresh copy of a template database; returns its name. */
  async copy(t: Template): Promise<string> {
    const name = `db_${++this.copies}`;
    await this.admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${t.name}"`));
    return name;
  }
}

export function preset(p: SanitizationPreset, overrides: Partial<SanitizationOptions> = {}): SanitizationOptions {
  return resolveSanitization(p, overrides);
}

/** md5 of every row of each table (FROM ONLY, ordered by id): equal digests = equal contents. */
export async function tableDigests(c: pg.ClientBase): Promise<Record<string, string>> {
  const { rows: tables } = await c.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const { rows } = await c.query<{ h: string | null }>(
      `SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) AS h FROM ONLY public."${t}" x`,
    );
    out[t] = rows[0]?.h ?? 'empty';
  }
  return out;
}

/** md5 of the given columns of a table (rows ordered by id). */
export async function columnDigest(c: pg.ClientBase, table: string, columns: readonly string[]): Promise<string> {
  const cols = columns.map((col) => `"${col}"`).join(', ');
  const { rows } = await c.query<{ h: string | null }>(
    `SELECT md5(string_agg(row(${cols})::text, ',' ORDER BY id)) AS h FROM ONLY public."${table}"`,
  );
  return rows[0]?.h ?? 'empty';
}

export async function rows<T extends pg.QueryResultRow>(c: pg.ClientBase, sql: string, values: unknown[] = []): Promise<T[]> {
  return (await c.query<T>(sql, values)).rows;
}

export async function scalar<T>(c: pg.ClientBase, sql: string, values: unknown[] = []): Promise<T> {
  const r = await c.query<{ v: T }>(sql, values);
  const first = r.rows[0];
  if (!first) throw new Error(`no row: ${sql}`);
  return first.v;
}

export const SALT = 'project-salt-0123456789abcdef';
export const BASE_URL = 'https://staging-x.apps.example.com';

/** Every row of every public table as text, one per line (for leak searches). */
export async function dumpText(c: pg.ClientBase): Promise<string> {
  const { rows: tables } = await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
  const parts: string[] = [];
  for (const { t } of tables) {
    const { rows: r } = await c.query<{ s: string | null }>(`SELECT string_agg(x::text, E'\\n') AS s FROM ONLY public."${t}" x`);
    parts.push(r[0]?.s ?? '');
  }
  return parts.join('\n');
}

/** Email-like tokens of a text, lowercased (the same notion of token as the sanitizer's). */
export function emailTokens(text: string): Set<string> {
  return new Set([...text.matchAll(/[^\s<>,;:"'()[\]\\]+@[^\s<>,;:"'()[\]\\]+/g)].map((m) => m[0].toLowerCase()));
}
