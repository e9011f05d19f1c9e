// clone.send, the source side of a cross-server transfer: one connection per ticket to the
// target's peer endpoint, each pushing one stream — the database dump (from the snapshot that
// holds the files consistent), a shard of the filestore, or the addons tar. Nothing is written on
// the source; pg_dump runs niced with a lock wait timeout, as on one server.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import {
  AppError,
  ErrorCode,
  receiverMessageSchema,
  streamKind,
  type CloneSendInput,
  type PeerTicket,
  type StreamMasking,
  type StreamStats,
  type TransferOutput,
} from '@oec/shared';
import { tarCreateArgv } from '../../commands/index.js';
import { ExecError, type ExecHandle } from '../../exec/run.js';
import { PeerChannel } from '../../peer/channel.js';
import { sendBytes, type SenderChannel } from '../../peer/byte-stream.js';
import { dialPeer } from '../../peer/client.js';
import type { TaskContext } from '../../tasks/types.js';
import { checkpoint, clonePaths, holdPoint, type CloneHooks } from '../context.js';
import { copyFromSource, copyTuning, framedSink, planTransform } from '../copy/index.js';
import { startDump } from '../dump-restore.js';
import { listFilestore, logLeftOut, missingFiles, withoutFiles, type FilestoreListing } from '../filestore.js';
import { createPacer, type Pacer } from '../pace.js';
import { withSourceSnapshot } from '../snapshot.js';
import { filesLeftOut, referencedFiles, tableFacts } from '../sql.js';
import { allStreams, asError, linkedAbort, peerFailure, streamStep, tagStep, type TransferDeps } from './common.js';
import { sendFilestoreShard } from './filestore-send.js';

/** Connecting (TCP, TLS, upgrade) may take at most this, or the peer timeout when shorter. */
const DIAL_TIMEOUT_MS = 20_000;

interface SendRun {
  input: CloneSendInput;
  ctx: TaskContext;
  deps: TransferDeps;
  signal: AbortSignal;
  pacer: Pacer;
}

export async function sendClone(input: CloneSendInput, ctx: TaskContext, hooks: CloneHooks, deps: TransferDeps): Promise<TransferOutput> {
  const { transfer } = input;
  const kinds = new Set(transfer.tickets.map((t) => streamKind(t.stream)));
  const first = kinds.has('addons') ? 'copying_addons' : 'backing_up_database';
  await checkpoint(ctx, hooks, first, 'start');
  if (kinds.has('filestore')) await checkpoint(ctx, hooks, 'backing_up_filestore', 'start');
  // both sides run here: the target's receive has its sinks ready and waits for our streams
  await holdPoint(ctx, hooks, input, first);
  const ac = linkedAbort(ctx.signal);
  const run: SendRun = { input, ctx, deps, signal: ac.signal, pacer: createPacer(hooks().transferBytesPerSecond) };
  ctx.log('INFO', `Streaming ${[...kinds].join(', ')} to ${transfer.peer.server_name} (${transfer.tickets.length} connection${transfer.tickets.length > 1 ? 's' : ''}, ${transfer.codec === 'none' ? 'uncompressed' : transfer.codec})`, first);
  const streams = await (kinds.has('database') || kinds.has('filestore')
    ? withSourceSnapshot(input, ctx, async (session, snapshot) => {
        // the source's snapshot is open here
        if (kinds.has('filestore')) await holdPoint(ctx, hooks, input, 'backing_up_filestore');
        return sendAll(run, ac, session, snapshot);
      })
    : sendAll(run, ac, null, null));
  for (const step of ['backing_up_database', 'backing_up_filestore', 'copying_addons'] as const) {
    if (step === first || (step === 'backing_up_filestore' && kinds.has('filestore'))) await checkpoint(ctx, hooks, step, 'end');
  }
  return { streams };
}

async function sendAll(run: SendRun, ac: AbortController, session: pg.ClientBase | null, snapshot: string | null): Promise<StreamStats[]> {
  const tickets = run.input.transfer.tickets;
  const shards = tickets.filter((t) => streamKind(t.stream) === 'filestore');
  const paths = clonePaths(run.ctx, run.input);
  let listing: FilestoreListing | null = null;
  let missing: string[] = [];
  if (shards.length > 0) {
    const read = <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => (session ? fn(session) : run.ctx.runtime.withDatabase(run.input.source.db_name, fn));
    const all = await listFilestore(paths.sourceFilestore, run.signal);
    listing = withoutFiles(all, await read((c) => filesLeftOut(c, run.input)));
    logLeftOut(run.ctx, all.entries.length - listing.entries.length);
    const referenced = await read(referencedFiles);
    missing = await missingFiles(paths.sourceFilestore, referenced, new Set(all.entries.map((e) => e.rel)));
    if (missing.length > 0) {
      run.ctx.log('WARNING', `${missing.length} referenced files are missing in the source filestore (e.g. ${missing[0]})`, 'backing_up_filestore');
    }
  }
  const progress = filestoreProgress(run, listing);
  return allStreams(
    ac,
    tickets.map((ticket) => () =>
      withChannel(run, ticket, async (channel) => {
        switch (streamKind(ticket.stream)) {
          case 'database':
            return sendDatabase(run, channel, ticket, snapshot);
          case 'addons':
            return sendAddons(run, channel, ticket);
          case 'filestore': {
            const index = shards.indexOf(ticket);
            const mine = (listing?.entries ?? []).filter((_, i) => i % shards.length === index);
            return sendFilestoreShard(channel, {
              stream: ticket.stream,
              root: paths.sourceFilestore,
              entries: mine,
              missingInSource: index === 0 ? missing : undefined,
              signal: run.signal,
              pacer: run.pacer,
              onBytes: progress,
            });
          }
        }
      }),
    ),
  );
}

/** Dial the stream's connection, run `fn` on it, and tell the peer why when it fails. */
async function withChannel(run: SendRun, ticket: PeerTicket, fn: (c: SenderChannel) => Promise<StreamStats>): Promise<StreamStats> {
  const { transfer, operation_id } = run.input;
  const source = run.input.servers?.source ?? 'the source server';
  let channel: SenderChannel | null = null;
  try {
    const ws = await dialPeer(transfer.peer, ticket, { operationId: operation_id, signal: run.signal, timeoutMs: Math.min(DIAL_TIMEOUT_MS, run.deps.timeoutMs) });
    channel = new PeerChannel(ws, receiverMessageSchema, { label: `${transfer.peer.server_name} (${ticket.stream})`, idleTimeoutMs: run.deps.timeoutMs });
    return await fn(channel);
  } catch (e) {
    // Our own producer failing (pg_dump, tar, reading a file) is the sending step's failure; a
    // peer that vanished or refused means the data did not arrive: the receiving step's.
    const own = e instanceof ExecError || (e instanceof AppError && e.code === ErrorCode.SOURCE_UNREACHABLE && e.details?.reported_by_peer !== true);
    const err = tagStep(streamStep(ticket.stream, own ? 'send' : 'receive'), e, source);
    const f = peerFailure(err);
    channel?.fail(f.code, `${source}: ${f.message}`);
    throw err;
  } finally {
    channel?.close();
  }
}

/** Send a producer's output; `end` goes out only once the producer exited cleanly. */
async function sendProcess(run: SendRun, channel: SenderChannel, producer: ExecHandle, opts: { rawEstimate?: number; items?: number; onRaw?: (n: number) => void }) {
  if (!producer.stdout) throw new Error(`${producer.name} has no stdout`);
  try {
    return await sendBytes(channel, run.pacer.wrap(producer.stdout, run.signal), {
      codec: run.input.transfer.codec,
      signal: run.signal,
      env: run.deps.env,
      ...opts,
      beforeEnd: async () => {
        const exit = await producer.exit;
        if (exit.code !== 0 || exit.aborted || exit.error) throw new ExecError(producer.name, exit);
      },
    });
  } catch (e) {
    producer.kill();
    const exit = await producer.exit;
    // A stream that broke (peer gone, link cut, peer's error) is the cause: the producer then dies
    // of the broken pipe. Otherwise a producer that failed on its own (pg_dump's lock timeout) is.
    if (e instanceof AppError || e instanceof ExecError) throw e;
    if (exit.code !== 0 && !exit.aborted && !exit.signal) throw new ExecError(producer.name, exit);
    throw e;
  }
}

async function sendDatabase(run: SendRun, channel: SenderChannel, ticket: PeerTicket, snapshot: string | null): Promise<StreamStats> {
  const { input, ctx } = run;
  if (input.data_path === 'copy') return sendDatabaseByCopy(run, channel, ticket, snapshot);
  const facts = await ctx.runtime.withDatabase(input.source.db_name, tableFacts);
  const dump = startDump(ctx, input.source, { snapshot, compress: 0, signal: run.signal });
  const count = await sendProcess(run, channel, dump, {
    rawEstimate: facts.bytes,
    items: facts.tables,
    onRaw: (n) => ctx.progress(Math.min(0.99, n / Math.max(1, facts.bytes)), { bytes_done: n, bytes_total: Math.max(n, facts.bytes) }, 'backing_up_database'),
  });
  ctx.progress(1, { bytes_done: count.raw, bytes_total: count.raw }, 'backing_up_database');
  ctx.log('INFO', `Database streamed to ${input.transfer.peer.server_name}: ${count.raw} bytes dumped, ${count.wire} on the wire`, 'backing_up_database');
  return { stream: ticket.stream, wire_bytes: count.wire, raw_bytes: count.raw, files: 0, reused_files: 0 };
}

/**
 * The COPY data path: sections, tables (through the row transform, here on the source) and
 * sequences as frames over the one database stream; `end` only once the whole copy succeeded.
 */
async function sendDatabaseByCopy(run: SendRun, channel: SenderChannel, ticket: PeerTicket, snapshot: string | null): Promise<StreamStats> {
  const { input, ctx } = run;
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const sink = framedSink(out);
  let tables = 0;
  const copyFailed: { error: Error | null } = { error: null };
  let inStream: StreamMasking | undefined;
  const tuning = run.deps.copy ?? copyTuning();
  const masking = await planTransform(input, ctx, snapshot, tuning);
  // Stopped when the stream breaks first: no COPY session or pg_dump outlives the transfer.
  const stop = linkedAbort(run.signal);
  const copying = copyFromSource(
    input.source,
    ctx,
    {
      snapshot,
      transform: masking.factory,
      jobs: tuning.jobs,
      splitBytes: tuning.splitBytes,
      bufferBytes: tuning.bufferBytes,
      pacer: run.pacer,
      signal: stop.signal,
      onBytes: (done, total) => ctx.progress(Math.min(0.99, done / Math.max(1, total)), { bytes_done: done, bytes_total: Math.max(done, total) }, 'backing_up_database'),
    },
    sink,
  ).then(
    (r) => {
      tables = r.tables;
      // a source value found in what was sent fails the transfer before the target commits it
      inStream = masking.finish();
      sink.end();
      return r;
    },
    (e: unknown) => {
      // A copy killed by an abort (another stream failed, the task was cancelled, the stream
      // broke) or by the stream's end died of it: the stream fails of that cause, as the dump
      // path's does. Otherwise the copy's own failure (a refusal, a lock timeout) breaks the
      // stream and is the cause.
      if (!stop.signal.aborted && !out.destroyed) {
        copyFailed.error = asError(e);
        out.destroy(copyFailed.error);
      } else if (!out.destroyed) {
        // sendBytes may be waiting for data still (an abort before it began is no event to it)
        const reason: unknown = stop.signal.reason;
        out.destroy(reason instanceof Error ? reason : new Error(`the copy was stopped: ${String(reason)}`));
      }
      throw e;
    },
  );
  // Awaited below on every path; this keeps an early failure from counting as unhandled meanwhile.
  copying.catch(() => undefined);
  let count;
  try {
    count = await sendBytes(channel, out, {
      codec: input.transfer.codec,
      signal: run.signal,
      env: run.deps.env,
      beforeEnd: async () => {
        await copying;
      },
    });
  } catch (e) {
    // A stream that broke first (peer gone, link cut) is the cause, and stops the copy.
    if (copyFailed.error) throw copyFailed.error;
    stop.abort(e);
    // No error event: sendBytes, its only listener, is gone (an unheard 'error' would crash the agent).
    out.destroy();
    await copying.catch(() => undefined);
    throw e;
  }
  const result = await copying;
  ctx.progress(1, { bytes_done: result.bytes, bytes_total: result.bytes }, 'backing_up_database');
  ctx.log(
    'INFO',
    `Database copied to ${input.transfer.peer.server_name} table by table: ${tables} tables, ${result.bytes} bytes of COPY text (${result.transformed} transformed), ${count.wire} on the wire`,
    'backing_up_database',
  );
  return { stream: ticket.stream, wire_bytes: count.wire, raw_bytes: count.raw, files: 0, reused_files: 0, ...(inStream ? { in_stream: inStream } : {}) };
}

async function sendAddons(run: SendRun, channel: SenderChannel, ticket: PeerTicket): Promise<StreamStats> {
  const { input, ctx } = run;
  const source = clonePaths(ctx, input).sourceAddons;
  const exists = await stat(source).then((s) => s.isDirectory(), () => false);
  // No addons at all still sends an (empty) archive, so the target ends with an empty directory.
  const dir = exists ? source : await mkdtemp(join(tmpdir(), 'oec-empty-'));
  try {
    const tar = ctx.runtime.exec(tarCreateArgv({ cwd: dir, paths: ['.'] }), { signal: run.signal, stdout: 'pipe' });
    const count = await sendProcess(run, channel, tar, {
      onRaw: (n) => ctx.progress(0.5, { bytes_done: n }, 'copying_addons'),
    });
    return { stream: ticket.stream, wire_bytes: count.wire, raw_bytes: count.raw, files: 0, reused_files: 0 };
  } finally {
    if (!exists) await rm(dir, { recursive: true, force: true });
  }
}

function filestoreProgress(run: SendRun, listing: FilestoreListing | null): (bytes: number) => void {
  let done = 0;
  const total = listing?.bytes ?? 0;
  return (bytes) => {
    done += bytes;
    run.ctx.progress(Math.min(0.99, total ? done / total : 1), { bytes_done: done, bytes_total: total }, 'backing_up_filestore');
  };
}
