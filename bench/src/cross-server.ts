// Cross-server clone speed, in one process on the same generated Odoo database and filestore:
// two agent benches (server A holds the source, server B is the target, each on its own
// PostgreSQL cluster and data dir), B with a real peer endpoint (TLS WebSocket on 127.0.0.1).
//   clone:     same = on A, clone.prepare + clone.addons + clone.data
//              cross = on B, clone.prepare; then, like the controller, a transfer of `addons`
//                      and one of `database` + `filestore-0..3` (clone.receive on B, "ready",
//                      then clone.send on A, with one ticket per stream)
//   database:  ours = the `database` stream alone (codec none, and zstd) into a prepared target
//              raw  = createdb; pg_dump -Fc | TCP relay on the same loopback | pg_restore
//              (also with -Z0, which dumps the same bytes ours sends)
//   filestore: ours = `filestore-0` (1 shard) or `filestore-0..3` (4 shards) into an empty target
//              raw  = tar -c | TCP relay | tar -x of the same directory
// Every variant runs once per run, in an order reversed every other run; each result is checked
// (row counts of every table, files with their sizes) and removed before the next. Reports
// medians, cross/same (> 1: the network path takes longer) and ours/raw throughput (> 1: ours is
// faster). Usage: node bench/dist/cross-server.js [--size tiny|small|large] [--runs 3] [--only v1,v2]
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile, lstat } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  createHandlers,
  createLogger,
  ensurePeerIdentity,
  NO_HOOKS,
  startPeerServer,
  stopAppsUnder,
  type HandlerRegistry,
  type PeerServer,
  type TaskContext,
  type TransferDeps,
} from '@oec/agent';
import { clusterUrl, stopCluster } from '@oec/agent/postgres';
import { ErrorCode, isAppError, RECEIVER_READY, type ClonePlan, type EnvironmentSpec, type TaskKind, type TransferOutput, type WireCodec } from '@oec/shared';
import { generateOdooDatabase } from '@oec/test';
import { envSpec, makePlan, rowCounts, startAgentBench, withDb, type AgentBench } from '@oec/test/clone';

const { values } = parseArgs({
  options: { size: { type: 'string', default: 'small' }, runs: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const size = values.size === 'tiny' || values.size === 'large' ? values.size : 'small';
const runs = Math.max(1, Number(values.runs) || 1);
const never = new AbortController().signal;
const logger = createLogger('silent');
const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
/** What the controller gives the source to use an announced ticket. */
const TICKET_TTL_MS = 120_000;
const SHARDS = ['filestore-0', 'filestore-1', 'filestore-2', 'filestore-3'];

// ---------------------------------------------------------------------------------------------
// Agent tasks in-process, with a progress callback that sees the detail (the receiver's "ready").

interface Server {
  name: string;
  bench: AgentBench;
  transfer: TransferDeps;
  /** The operation log lines of the tasks run so far, both servers' (printed when a variant fails). */
  logs: string[];
}

function runTask<K extends TaskKind>(
  server: Server,
  kind: K,
  input: Parameters<HandlerRegistry[K]>[0],
  opts: { signal?: AbortSignal; onReady?: () => void } = {},
): ReturnType<HandlerRegistry[K]> {
  const handlers = createHandlers(NO_HOOKS, server.transfer);
  const ctx: TaskContext = {
    taskId: randomUUID(),
    kind,
    signal: opts.signal ?? never,
    fence: { operation_id: null, attempt: 0 },
    runtime: server.bench.runtime,
    logger,
    progress: (_fraction, detail) => {
      if (detail?.message === RECEIVER_READY) opts.onReady?.();
    },
    log: (level, message, step) => {
      server.logs.push(`${server.name} ${kind} ${step ?? '-'} ${level}: ${message}`);
      if (server.logs.length > 200) server.logs.shift();
    },
  };
  const handler = handlers[kind] as (i: unknown, c: TaskContext) => ReturnType<HandlerRegistry[K]>;
  return handler(input, ctx);
}

interface Link {
  a: Server;
  b: Server;
  peer: PeerServer;
}

/** As the controller: an interrupted transfer (TRANSFER_FAILED) is retried, in all this many times. */
const MAX_TRANSFER_ATTEMPTS = 3;
/** Every retry, reported with the results (a retried sample's time includes the retry). */
const retries: Array<{ variant: string; streams: string; error: string }> = [];
let currentVariant = '';
/** Variants made again after the known "Premature close" race (bench/README.md). */
const reruns: Array<{ variant: string; error: string }> = [];

async function transfer(link: Link, plan: ClonePlan, streams: string[], codec: WireCodec): Promise<{ receive: TransferOutput; send: TransferOutput }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transferOnce(link, plan, streams, codec);
    } catch (e) {
      if (attempt >= MAX_TRANSFER_ATTEMPTS || !isAppError(e) || e.code !== ErrorCode.TRANSFER_FAILED) throw e;
      retries.push({ variant: currentVariant, streams: streams.join(','), error: e.message });
      process.stdout.write(`  (${currentVariant}: transfer of ${streams.join(', ')} interrupted: ${e.message}; retrying like the controller)\n`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/** The failure to report, as the controller picks it: a side's own over a peer-reported or a cancellation. */
function primary(failures: unknown[]): unknown {
  const own = (e: unknown) => isAppError(e) && e.code !== ErrorCode.CANCELLED && e.details?.reported_by_peer !== true;
  return failures.find(own) ?? failures.find((e) => !isAppError(e) || e.code !== ErrorCode.CANCELLED) ?? failures[0];
}

/**
 * One transfer as controller/clone/transfer.ts runs it: a secret per stream, clone.receive on the
 * target with the hashes, wait for its "ready", then clone.send on the source with the secrets
 * and the target's pinned certificate; when one side fails the other is cancelled.
 */
async function transferOnce(link: Link, plan: ClonePlan, streams: string[], codec: WireCodec): Promise<{ receive: TransferOutput; send: TransferOutput }> {
  const tickets = streams.map((stream) => {
    const secret = randomBytes(32).toString('base64url');
    return { stream, secret, hash: createHash('sha256').update(secret, 'utf8').digest('hex') };
  });
  const ac = new AbortController();
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const failures: unknown[] = [];
  const fail = (e: unknown): never => {
    failures.push(e);
    ac.abort(e);
    throw e;
  };
  const receive = runTask(
    link.b,
    'clone.receive',
    { ...plan, transfer: { codec, tickets: tickets.map((t) => ({ stream: t.stream, hash: t.hash, expires_in_ms: TICKET_TTL_MS })) } },
    { signal: ac.signal, onReady: ready },
  ).catch(fail);
  await Promise.race([isReady, receive.catch(() => undefined)]);
  if (failures.length > 0) throw primary(failures);
  const send = runTask(
    link.a,
    'clone.send',
    {
      ...plan,
      transfer: {
        codec,
        tickets: tickets.map((t) => ({ stream: t.stream, ticket: t.secret })),
        peer: { server_name: link.b.name, url: link.peer.url, certificate: link.peer.identity.cert, fingerprint: link.peer.identity.fingerprint },
      },
    },
    { signal: ac.signal },
  ).catch(fail);
  const [r, s] = await Promise.allSettled([receive, send]);
  if (r.status === 'rejected' || s.status === 'rejected') throw primary(failures);
  return { receive: r.value, send: s.value };
}

/** A plan from A's source to a fresh environment on B. */
function crossPlan(source: EnvironmentSpec, target: EnvironmentSpec, codec: WireCodec): ClonePlan {
  return { ...makePlan(source, target), servers: { source: 'bench-a', target: 'bench-b' }, donors: [], compress: codec !== 'none' };
}

// ---------------------------------------------------------------------------------------------
// The raw pipelines: producer on A | Node TCP relay on 127.0.0.1 | consumer on B.

interface Proc {
  child: ChildProcess;
  done: Promise<void>;
}

function proc(file: string, args: string[], env: NodeJS.ProcessEnv, stdio: 'producer' | 'consumer' | 'none'): Proc {
  const child = spawn(file, args, {
    env: { ...process.env, ...env },
    stdio: [stdio === 'consumer' ? 'pipe' : 'ignore', stdio === 'producer' ? 'pipe' : 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')}: exit ${code ?? signal}: ${err.trim()}`))));
  });
  return { child, done };
}

/** `producer | TCP | consumer`: the target side listens and pipes the socket into the consumer. */
async function overTcp(producer: () => Proc, consumer: () => Proc): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const procs: Proc[] = [];
  const sockets: Socket[] = [];
  let bytes = 0;
  try {
    const received = new Promise<void>((resolve, reject) => {
      server.once('connection', (socket) => {
        sockets.push(socket);
        const c = consumer();
        procs.push(c);
        socket.on('error', reject);
        // tar -x exits at the end-of-archive marker, before the padding after it and the EOF: a
        // closed stdin is not a failure, the consumer's exit status and the check after it decide.
        c.child.stdin?.on('error', () => undefined);
        socket.pipe(c.child.stdin!);
        c.done.then(resolve, reject);
      });
    });
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const p = producer();
    procs.push(p);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const sent = new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      p.child.stdout!.pipe(counter).pipe(socket);
      socket.once('finish', resolve);
    });
    await Promise.all([p.done, sent, received]);
    return bytes;
  } catch (e) {
    for (const p of procs) p.child.kill('SIGKILL');
    throw e;
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

function pgEnv(bench: AgentBench): NodeJS.ProcessEnv {
  return { PGHOST: '127.0.0.1', PGPORT: String(bench.cluster.port), PGUSER: bench.cluster.superuser };
}

// ---------------------------------------------------------------------------------------------
// Checks.

/** Every file under `dir` (relative path → size). */
async function tree(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && rel === '') return [];
      throw e;
    });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.set(r, (await lstat(join(dir, r))).size);
    }
  };
  await walk('');
  return out;
}

function sameTree(what: string, expected: Map<string, number>, got: Map<string, number>): void {
  const wrong = [...expected].filter(([k, v]) => got.get(k) !== v).map(([k]) => k);
  const extra = [...got.keys()].filter((k) => !expected.has(k));
  if (wrong.length || extra.length || expected.size !== got.size) {
    throw new Error(`${what}: ${got.size} files instead of ${expected.size}; missing or different: ${wrong.slice(0, 3).join(', ') || 'none'}; unexpected: ${extra.slice(0, 3).join(', ') || 'none'}`);
  }
}

async function sameRows(what: string, expected: Record<string, number>, bench: AgentBench, db: string): Promise<void> {
  const got = await rowCounts(bench.cluster, db);
  const tables = Object.keys(expected);
  const bad = tables.filter((t) => got[t] !== expected[t]);
  if (bad.length || Object.keys(got).length !== tables.length) {
    throw new Error(`${what}: ${Object.keys(got).length} tables instead of ${tables.length}; row counts differ in ${bad.slice(0, 5).map((t) => `${t} (${got[t]} vs ${expected[t]})`).join(', ') || 'none'}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function stopBench(bench: AgentBench): Promise<void> {
  await bench.runtime.close().catch(() => undefined);
  await stopAppsUnder(bench.dir).catch(() => undefined);
  await stopCluster(bench.cluster).catch(() => undefined);
  await rm(bench.dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const benchA = await startAgentBench();
  const benches = [benchA];
  let peer: PeerServer | null = null;
  const admins: pg.Client[] = [];
  try {
    const benchB = await startAgentBench();
    benches.push(benchB);
    const identity = await ensurePeerIdentity(benchB.dir, 'bench-b', childEnv);
    peer = await startPeerServer({ host: '127.0.0.1', port: 0, identity, publicUrl: null, logger });
    const logs: string[] = [];
    const a: Server = { name: 'bench-a', bench: benchA, transfer: { peer: null, timeoutMs: 30_000, env: childEnv }, logs };
    const b: Server = { name: 'bench-b', bench: benchB, transfer: { peer, timeoutMs: 30_000, env: childEnv }, logs };
    const link: Link = { a, b, peer };
    const adminB = new pg.Client({ connectionString: clusterUrl(benchB.cluster) });
    await adminB.connect();
    admins.push(adminB);

    // The source, running on A.
    const source = envSpec('production');
    const loc = await benchA.runtime.create(source, never);
    const client = new pg.Client({ connectionString: clusterUrl(benchA.cluster, source.db_name) });
    await client.connect();
    await client.query(`SET ROLE ${pg.escapeIdentifier(source.db_name)}`);
    process.stdout.write(`generating a ${size} Odoo database and filestore …\n`);
    const summary = await generateOdooDatabase(client, { size, seed: 42, filestoreDir: loc.filestore_path });
    await client.end();
    await benchA.runtime.start(source, never);
    const dbBytes = (await benchA.runtime.inspect(source, never)).database_bytes;
    const sourceRows = await rowCounts(benchA.cluster, source.db_name);
    const sourceFiles = await tree(loc.filestore_path);
    const sourceAddons = await tree(loc.addons_path);
    const filestoreBytes = [...sourceFiles.values()].reduce((n, s) => n + s, 0);
    if (sourceFiles.size !== summary.files.count || filestoreBytes !== summary.files.bytes) {
      throw new Error(`the source filestore holds ${sourceFiles.size} files (${filestoreBytes} bytes), the generator wrote ${summary.files.count} (${summary.files.bytes})`);
    }
    process.stdout.write(
      `database ${(dbBytes / 1e6).toFixed(0)} MB (${Object.keys(sourceRows).length} tables), filestore ${(filestoreBytes / 1e6).toFixed(1)} MB in ${sourceFiles.size} files; ${runs} runs\n`,
    );

    const checkEnv = async (what: string, server: Server, target: EnvironmentSpec, parts: { db?: boolean; files?: boolean; addons?: boolean }) => {
      const at = server.bench.runtime.locate(target);
      if (parts.db) await sameRows(what, sourceRows, server.bench, target.db_name);
      if (parts.files) sameTree(`${what} filestore`, sourceFiles, await tree(at.filestore_path));
      if (parts.addons) sameTree(`${what} addons`, sourceAddons, await tree(at.addons_path));
    };
    const wire: Record<string, number> = {};
    let dumpBytes = 0;
    const analyzeTimes: number[] = [];

    /** A variant: returns its time; checks and removes what it made. */
    const variants: Record<string, () => Promise<number>> = {
      clone_same: async () => {
        const target = envSpec('same');
        const plan = makePlan(source, target);
        try {
          const t = await timed(async () => {
            await runTask(a, 'clone.prepare', plan);
            await runTask(a, 'clone.addons', plan);
            await runTask(a, 'clone.data', plan);
          });
          await checkEnv('same-server clone', a, target, { db: true, files: true, addons: true });
          return t;
        } finally {
          await benchA.runtime.destroy(target, never);
        }
      },
      clone_cross: async () => {
        const target = envSpec('cross');
        const plan = crossPlan(source, target, 'none');
        try {
          const t = await timed(async () => {
            await runTask(b, 'clone.prepare', plan);
            await transfer(link, plan, ['addons'], 'none');
            await transfer(link, plan, ['database', ...SHARDS], 'none');
          });
          await checkEnv('cross-server clone', b, target, { db: true, files: true, addons: true });
          return t;
        } finally {
          await benchB.runtime.destroy(target, never);
        }
      },
      ...Object.fromEntries(
        (['none', 'zstd'] as const).map((codec) => [
          `db_ours_${codec}`,
          async () => {
            const target = envSpec(`db-${codec}`);
            const plan = crossPlan(source, target, codec);
            try {
              await runTask(b, 'clone.prepare', plan);
              let out: TransferOutput | null = null;
              const t = await timed(async () => {
                out = (await transfer(link, plan, ['database'], codec)).receive;
              });
              const s = (out as TransferOutput | null)?.streams[0];
              if (s) {
                wire[`db_ours_${codec}`] = s.wire_bytes;
                if (codec === 'none') dumpBytes = s.raw_bytes;
              }
              await checkEnv(`database stream (${codec})`, b, target, { db: true });
              return t;
            } finally {
              await benchB.runtime.destroy(target, never);
            }
          },
        ]),
      ),
      ...Object.fromEntries(
        ([['db_raw', []], ['db_raw_z0', ['-Z0']]] as const).map(([name, extra]) => [
          name,
          async () => {
            const db = `raw_${randomBytes(6).toString('hex')}`;
            const envA = pgEnv(benchA);
            const envB = pgEnv(benchB);
            try {
              const t = await timed(async () => {
                await proc(join(benchB.cluster.binDir, 'createdb'), [db], envB, 'none').done;
                wire[name] = await overTcp(
                  () => proc(join(benchA.cluster.binDir, 'pg_dump'), ['-Fc', ...extra, `--dbname=${source.db_name}`], envA, 'producer'),
                  () => proc(join(benchB.cluster.binDir, 'pg_restore'), ['--no-owner', `--dbname=${db}`], envB, 'consumer'),
                );
              });
              await sameRows(`raw database pipeline (${name})`, sourceRows, benchB, db);
              // Ours ends its restore with ANALYZE, which raw does not: timed apart, for the reader.
              if (name === 'db_raw') {
                analyzeTimes.push(await timed(() => withDb(benchB.cluster, db, async (c) => void (await c.query('ANALYZE')))));
              }
              return t;
            } finally {
              await adminB.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)}`);
            }
          },
        ]),
      ),
      ...Object.fromEntries(
        ([1, 4] as const).map((n) => [
          `fs_ours_${n}`,
          async () => {
            const target = envSpec(`fs-${n}`);
            const plan = crossPlan(source, target, 'none');
            try {
              await runTask(b, 'clone.prepare', plan);
              const t = await timed(async () => {
                const out = await transfer(link, plan, SHARDS.slice(0, n), 'none');
                wire[`fs_ours_${n}`] = out.receive.streams.reduce((s, x) => s + x.wire_bytes, 0);
              });
              await checkEnv(`filestore streams (${n})`, b, target, { files: true });
              return t;
            } finally {
              await benchB.runtime.destroy(target, never);
            }
          },
        ]),
      ),
      fs_raw: async () => {
        const dst = join(benchB.dir, 'raw-fs', randomBytes(6).toString('hex'));
        try {
          await mkdir(dst, { recursive: true });
          const t = await timed(async () => {
            wire.fs_raw = await overTcp(
              () => proc('tar', ['-c', '-C', loc.filestore_path, '.'], {}, 'producer'),
              () => proc('tar', ['-x', '-C', dst], {}, 'consumer'),
            );
          });
          sameTree('raw tar pipeline', sourceFiles, await tree(dst));
          return t;
        } finally {
          await rm(dst, { recursive: true, force: true });
        }
      },
    };

    const runVariant = async (name: string, label = name): Promise<number> => {
      const fn = variants[name];
      if (!fn) throw new Error(`no variant ${name}`);
      for (let attempt = 1; ; attempt++) {
        currentVariant = label;
        try {
          return await fn();
        } catch (e) {
          // A pipe into `tar -x` can fail "Premature close" although both processes exited 0
          // (tar stops at its end-of-archive marker; see bench/README.md): nothing is wrong with
          // the data, the run is made again once and reported. Anything else fails the benchmark.
          const message = e instanceof Error ? e.message : String(e);
          if (attempt === 1 && /Premature close/.test(message)) {
            reruns.push({ variant: label, error: message });
            process.stdout.write(`  (${label} failed: ${message}; made again once)\n`);
            continue;
          }
          process.stderr.write(`${label} failed; last task log lines:\n${logs.slice(-20).join('\n')}\n`);
          throw e;
        }
      }
    };
    // --only a,b: just these variants (to profile one; the report then lacks the others' ratios).
    const selected = values.only ? values.only.split(',').filter((k) => k in variants) : Object.keys(variants);
    if (selected.length === 0) throw new Error(`--only: none of ${values.only} (variants: ${Object.keys(variants).join(', ')})`);
    // A warm-up of each path (caches, first TLS handshakes), not counted.
    process.stdout.write('warm-up …\n');
    for (const name of ['clone_cross', 'db_raw', 'fs_raw'].filter((k) => !values.only || selected.includes(k))) await runVariant(name, `warm-up ${name}`);
    analyzeTimes.length = 0;

    const times: Record<string, number[]> = Object.fromEntries(selected.map((k) => [k, []]));
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? selected : [...selected].reverse();
      for (const name of order) {
        const t = await runVariant(name);
        times[name]?.push(t);
        process.stdout.write(`  run ${i + 1}/${runs} ${name.padEnd(12)} ${t.toFixed(2)} s\n`);
      }
    }

    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<string, number>;
    const t = (k: string) => m[k] ?? NaN;
    const dbMBs = (k: string) => dumpBytes / 1e6 / t(k);
    const fsMBs = (k: string) => filestoreBytes / 1e6 / t(k);
    const report = {
      size,
      runs,
      database_bytes: dbBytes,
      dump_bytes: dumpBytes,
      tables: Object.keys(sourceRows).length,
      filestore_bytes: filestoreBytes,
      filestore_files: sourceFiles.size,
      median_seconds: m,
      ratio_cross_over_same: t('clone_cross') / t('clone_same'),
      database: {
        mb_per_s: Object.fromEntries(['db_raw', 'db_raw_z0', 'db_ours_none', 'db_ours_zstd'].map((k) => [k, dbMBs(k)])),
        wire_bytes: { db_raw: wire.db_raw, db_raw_z0: wire.db_raw_z0, db_ours_none: wire.db_ours_none, db_ours_zstd: wire.db_ours_zstd },
        ratio_ours_over_raw: t('db_raw') / t('db_ours_none'),
        ratio_ours_zstd_over_raw: t('db_raw') / t('db_ours_zstd'),
        ratio_ours_over_raw_z0: t('db_raw_z0') / t('db_ours_none'),
        /** ANALYZE of the restored database: part of ours, not of raw (timed apart after raw). */
        analyze_median_seconds: median(analyzeTimes),
      },
      filestore: {
        mb_per_s: Object.fromEntries(['fs_raw', 'fs_ours_1', 'fs_ours_4'].map((k) => [k, fsMBs(k)])),
        wire_bytes: { fs_raw: wire.fs_raw, fs_ours_1: wire.fs_ours_1, fs_ours_4: wire.fs_ours_4 },
        ratio_ours_1_over_raw: t('fs_raw') / t('fs_ours_1'),
        ratio_ours_4_over_raw: t('fs_raw') / t('fs_ours_4'),
      },
      samples: times,
      /** Transfers retried (as the controller does on TRANSFER_FAILED); those samples include the retry. */
      retries,
      /** Variants made again once after a "Premature close" (the sample is the second run). */
      reruns,
    };

    const s = (k: string) => `${t(k).toFixed(2)} s`.padStart(9);
    const mbs = (x: number) => `${x.toFixed(1)} MB/s`.padStart(11);
    const x = (r: number) => `${r.toFixed(2)}x`;
    const wmb = (k: string) => (wire[k] === undefined ? '' : `${(wire[k] / 1e6).toFixed(1)} MB`.padStart(9));
    const d = report.database;
    const f = report.filestore;
    process.stdout.write(
      [
        '',
        `clone (prepare + addons + data)                    median`,
        `  same-server: one bench                        ${s('clone_same')}`,
        `  cross-server: A → B, database + 4 shards      ${s('clone_cross')}   cross/same ${x(report.ratio_cross_over_same)}`,
        '',
        `database stream (${(dumpBytes / 1e6).toFixed(1)} MB of uncompressed dump)   median   throughput      wire   ours/raw`,
        `  raw: createdb; pg_dump -Fc | tcp | pg_restore ${s('db_raw')}${mbs(d.mb_per_s.db_raw ?? NaN)}${wmb('db_raw')}`,
        `  raw: same with pg_dump -Fc -Z0                ${s('db_raw_z0')}${mbs(d.mb_per_s.db_raw_z0 ?? NaN)}${wmb('db_raw_z0')}`,
        `  ours: database stream, codec none             ${s('db_ours_none')}${mbs(d.mb_per_s.db_ours_none ?? NaN)}${wmb('db_ours_none')}   ${x(d.ratio_ours_over_raw)} (vs -Z0: ${x(d.ratio_ours_over_raw_z0)})`,
        `  ours: database stream, codec zstd             ${s('db_ours_zstd')}${mbs(d.mb_per_s.db_ours_zstd ?? NaN)}${wmb('db_ours_zstd')}   ${x(d.ratio_ours_zstd_over_raw)}`,
        `  (ours includes an ANALYZE of the restored database, which raw skips: ${d.analyze_median_seconds.toFixed(2)} s on raw's result)`,
        '',
        `filestore (${sourceFiles.size} files, ${(filestoreBytes / 1e6).toFixed(1)} MB)                  median   throughput      wire   ours/raw`,
        `  raw: tar -c | tcp | tar -x                    ${s('fs_raw')}${mbs(f.mb_per_s.fs_raw ?? NaN)}${wmb('fs_raw')}`,
        `  ours: 1 shard (filestore-0)                   ${s('fs_ours_1')}${mbs(f.mb_per_s.fs_ours_1 ?? NaN)}${wmb('fs_ours_1')}   ${x(f.ratio_ours_1_over_raw)}`,
        `  ours: 4 shards (filestore-0..3)               ${s('fs_ours_4')}${mbs(f.mb_per_s.fs_ours_4 ?? NaN)}${wmb('fs_ours_4')}   ${x(f.ratio_ours_4_over_raw)}`,
        '',
        retries.length === 0
          ? 'transfer retries: none'
          : `transfer retries (as the controller does; the sample's time includes it): ${retries.length}\n${retries.map((r) => `  ${r.variant} [${r.streams}]: ${r.error}`).join('\n')}`,
        reruns.length === 0
          ? 'variants made again after "Premature close": none'
          : `variants made again after "Premature close" (a known race, see bench/README.md): ${reruns.length}\n${reruns.map((r) => `  ${r.variant}: ${r.error}`).join('\n')}`,
        '',
        interpretation(report.ratio_cross_over_same, d.ratio_ours_over_raw, d.ratio_ours_zstd_over_raw, f.ratio_ours_1_over_raw, f.ratio_ours_4_over_raw, dumpBytes),
        '',
      ].join('\n'),
    );
    const outDir = join(process.cwd(), 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    // A partial run (--only) must not replace the full results.
    await writeFile(join(outDir, `cross-server-${size}${values.only ? '-only' : ''}.json`), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    for (const c of admins) await c.end().catch(() => undefined);
    await peer?.close().catch(() => undefined);
    for (const bench of benches) await stopBench(bench);
  }
}

function interpretation(crossSame: number, db: number, dbZstd: number, fs1: number, fs4: number, dumpBytes: number): string {
  const vs = (r: number) => (r >= 1.05 ? `${r.toFixed(2)}x as fast as` : r <= 0.95 ? `${(1 / r).toFixed(2)}x slower than` : 'on par with');
  return [
    `In short: a cross-server clone takes ${crossSame.toFixed(2)}x the same-server one (it copies every byte over TLS where one server links files and pipes a dump locally);`,
    `our database stream is ${vs(db)} a raw pg_dump -Fc | tcp | pg_restore (zstd: ${vs(dbZstd)});`,
    `our filestore streams are ${vs(fs1)} (1 shard) and ${vs(fs4)} (4 shards) a raw tar | tcp | tar — on a 127.0.0.1 link, so this measures CPU cost, not bandwidth.`,
    dumpBytes < 20e6 ? 'With this little data, fixed costs (processes, TLS, snapshot, ANALYZE, per-file round trips) dominate.' : '',
  ].join(' ').trim();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
