// The fuzz loop: fast-check draws batches of requests (fixed seed unless OEC_FUZZ_SEED), each batch
// is sent with a small concurrency over node:http (raw bodies, chosen client addresses), every
// answer is judged (2xx, or 4xx carrying a code of the shared catalogue; never 5xx), and a batch in
// which nothing but reads was accepted must leave the database digest as it found it. A failing
// batch is shrunk by fast-check to the requests that still fail.
import { request as httpRequest } from 'node:http';
import type { Agent } from 'node:http';
import fc from 'fast-check';
import type pg from 'pg';
import { ErrorCode } from '@oec/shared';
import { changed, snapshot, userTables } from './snapshot.js';
import type { Snapshot } from './snapshot.js';

export interface FuzzRequest {
  /** The route or procedure, for the report: `POST /environments/{id}/clone`, `trpc clones.clone`. */
  target: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
  /** Bind the client side to this loopback address (sign-in is limited per address). */
  localAddress?: string;
  /** Accepted, it still must not write (GET, logout): it does not exempt its batch from the check. */
  readOnly: boolean;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const CODES = new Set<string>(Object.values(ErrorCode));
const SSE_WAIT_MS = 500;

export const DEFAULT_SEED = 1414;

export function fuzzSeed(): number {
  const raw = process.env.OEC_FUZZ_SEED;
  return raw === undefined || raw === '' ? DEFAULT_SEED : Number.parseInt(raw, 10);
}

const brief = (r: FuzzRequest) =>
  `${r.method} ${r.path.slice(0, 160)}${r.body === undefined ? '' : ` body(${r.body.length}${r.chunked ? ', chunked' : ''}) ${r.body.slice(0, 200)}`}`;

/**
 * One request. A body over the limit goes on its own connection (the server answers before
 * reading it and closes that socket); a kept-alive socket the server closed meanwhile is retried
 * once on a fresh one, as Node's documentation advises (`reusedSocket`).
 */
export async function send(baseUrl: string, req: FuzzRequest, agent: Agent): Promise<Answer> {
  const own = req.body !== undefined && req.body.length > 64 * 1024;
  try {
    return await sendOnce(baseUrl, req, own ? false : agent);
  } catch (err) {
    if (err instanceof StaleSocket) return sendOnce(baseUrl, req, false);
    throw err;
  }
}

class StaleSocket extends Error {}

function sendOnce(baseUrl: string, req: FuzzRequest, agent: Agent | false): Promise<Answer> {
  const url = new URL(req.path, baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = agent === false ? { ...req.headers, connection: 'close' } : { ...req.headers };
    if (req.body !== undefined && !req.chunked) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: req.method, headers, agent, localAddress: req.localAddress },
      (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        const chunks: Buffer[] = [];
        // A subscription streams for as long as the operation lives: read its first events only.
        const sse = contentType.startsWith('text/event-stream');
        const timer = sse ? setTimeout(() => res.destroy(), SSE_WAIT_MS) : undefined;
        const done = () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    r.setTimeout(30_000, () => r.destroy(new Error(`no answer in 30 s: ${req.method} ${req.path.slice(0, 200)}`)));
    r.on('error', (err) => {
      if (r.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') reject(new StaleSocket(err.message));
      else reject(new Error(`${err.message} (${(err as NodeJS.ErrnoException).code ?? ''}): ${brief(req)}`));
    });
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** The catalogue code an error answer carries (REST `error.code`, tRPC `error.data.appCode`, SSE error events). */
export function errorCode(a: Answer): string | null {
  const texts = a.contentType.startsWith('text/event-stream')
    ? [...a.text.matchAll(/^event: serialized-error\ndata: (.*)$/gm)].map((m) => m[1] ?? '')
    : [a.text];
  for (const text of texts) {
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown; data?: { appCode?: unknown } }; data?: { appCode?: unknown } };
      const code = body.error?.data?.appCode ?? body.data?.appCode ?? body.error?.code;
      if (typeof code === 'string') return code;
    } catch {
      return null;
    }
  }
  return null;
}

export type Verdict = { ok: true; label: string; accepted: boolean } | { ok: false; why: string };

/** 2xx, or 4xx with a catalogued code; a 2xx stream must not carry an INTERNAL error event. */
export function judge(a: Answer): Verdict {
  if (a.status >= 200 && a.status < 300) {
    const code = a.contentType.startsWith('text/event-stream') ? errorCode(a) : null;
    if (code !== null && (!CODES.has(code) || code === ErrorCode.INTERNAL)) return { ok: false, why: `stream error event ${code}` };
    return { ok: true, label: code ? `2xx stream ${code}` : '2xx', accepted: code === null };
  }
  if (a.status >= 400 && a.status < 500) {
    const code = errorCode(a);
    if (code === null || !CODES.has(code)) return { ok: false, why: `${a.status} without a catalogued code` };
    return { ok: true, label: code, accepted: false };
  }
  return { ok: false, why: `status ${a.status}` };
}

export class Tally {
  requests = 0;
  accepted = 0;
  rejected = 0;
  byCode = new Map<string, number>();
  byStatus = new Map<number, number>();
  failures: string[] = [];
  /** Batches whose snapshot was compared, and the rejected requests they held. */
  checkedBatches = 0;
  checkedRejected = 0;

  add(status: number, label: string): void {
    this.requests++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (status >= 200 && status < 300) this.accepted++;
    else {
      this.rejected++;
      this.byCode.set(label, (this.byCode.get(label) ?? 0) + 1);
    }
  }

  count5xx(): number {
    return [...this.byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  }

  summary(name: string, seed: number): string {
    const codes = [...this.byCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
    return (
      `fuzz ${name}: seed ${seed}, ${this.requests} requests, 2xx ${this.accepted}, 4xx ${this.rejected} (${codes}), ` +
      `5xx ${this.count5xx()}; state unchanged over ${this.checkedBatches} batches holding ${this.checkedRejected} rejected requests`
    );
  }
}

async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
    }),
  );
  return out;
}

export interface FuzzOptions {
  name: string;
  baseUrl: string;
  db: pg.Pool;
  agent: Agent;
  /** Requests meant to be refused (three batches in four) and any requests (the fourth). */
  refusals: fc.Arbitrary<FuzzRequest>;
  any: fc.Arbitrary<FuzzRequest>;
  /** Batches drawn; each holds `batch` requests. */
  runs: number;
  batch: number;
  concurrency: number;
  seed: number;
}

/** Poll the digest until it holds still (an accepted request's effects may trail its answer). */
async function settle(db: pg.Pool, tables: readonly string[]): Promise<Snapshot> {
  let last = await snapshot(db, tables);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 75));
    const now = await snapshot(db, tables);
    if (changed(last, now).length === 0) return now;
    last = now;
  }
  throw new Error('the database never settled after accepted requests');
}


export async function fuzz(o: FuzzOptions): Promise<Tally> {
  const tally = new Tally();
  const tables = await userTables(o.db);
  let baseline: Snapshot | null = null;

  async function runBatch(batch: FuzzRequest[]): Promise<void> {
    baseline ??= await settle(o.db, tables);
    const answers = await pool(batch, o.concurrency, async (req) => ({ req, answer: await send(o.baseUrl, req, o.agent) }));
    const problems: string[] = [];
    let wrote = false;
    let rejected = 0;
    for (const { req, answer } of answers) {
      const v = judge(answer);
      tally.add(answer.status, v.ok ? v.label : v.why);
      if (!v.ok) problems.push(`${v.why}: ${brief(req)} → ${answer.text.slice(0, 300)}`);
      else if (!v.accepted) rejected++;
      else if (!req.readOnly) wrote = true;
    }
    if (wrote) {
      baseline = null; // settle again before the next batch
    } else {
      // Nothing but reads was accepted: the database is as the batch found it.
      const after = await snapshot(o.db, tables);
      const diff = changed(baseline, after);
      baseline = after;
      tally.checkedBatches++;
      tally.checkedRejected += rejected;
      if (diff.length > 0) problems.push(`state changed (${diff.join(', ')}) by a batch that wrote nothing: ${batch.map(brief).join(' | ')}`);
    }
    if (problems.length > 0) {
      tally.failures.push(...problems);
      baseline = null;
      throw new Error(problems.join('\n'));
    }
  }

  const batches = fc.oneof(
    { arbitrary: fc.array(o.refusals, { minLength: o.batch, maxLength: o.batch }), weight: 3 },
    { arbitrary: fc.array(o.any, { minLength: o.batch, maxLength: o.batch }), weight: 1 },
  );
  await fc.assert(fc.asyncProperty(batches, runBatch), { seed: o.seed, numRuns: o.runs });
  return tally;
}
