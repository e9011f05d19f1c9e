// clone.receive, the target side of a cross-server transfer: register the announced tickets with
// the peer endpoint, say "ready" (the controller then starts the sender), and consume each stream
// as it arrives — the dump straight into pg_restore, the addons tar into tar, filestore shards
// file by file. Every stream is complete only when its bytes match the sender's count and
// checksum and its consumer exited cleanly; then `done` goes back to the sender.
import { mkdir, rm } from 'node:fs/promises';
import {
  AppError,
  RECEIVER_READY,
  senderMessageSchema,
  streamKind,
  type CloneReceiveInput,
  type StreamStats,
  type TransferOutput,
} from '@oec/shared';
import { tarExtractArgv } from '../../commands/index.js';
import { ExecError, stdinSink, type ExecHandle } from '../../exec/run.js';
import { PeerChannel } from '../../peer/channel.js';
import { receiveBytes, type ReceiverChannel } from '../../peer/byte-stream.js';
import type { Expectation } from '../../peer/server.js';
import { makeFilestoreDir } from '../../runtime/subvolume.js';
import type { TaskContext } from '../../tasks/types.js';
import { checkpoint, clonePaths, holdPoint, type CloneHooks } from '../context.js';
import { analyzeTables, copyTuning, frameReceiver, workDatabaseSink } from '../copy/index.js';
import { startRestore } from '../dump-restore.js';
import { allStreams, asError, linkedAbort, peerFailure, requirePeer, streamStep, tagStep, type TransferDeps } from './common.js';
import { createDonorIndex, receiveFilestoreShard } from './filestore-receive.js';

/** How long the source has to open each stream once we said ready. */
const ACCEPT_TIMEOUT_MS = 60_000;

interface ReceiveRun {
  input: CloneReceiveInput;
  ctx: TaskContext;
  deps: TransferDeps;
  signal: AbortSignal;
  source: string;
  target: string;
}

export async function receiveClone(input: CloneReceiveInput, ctx: TaskContext, hooks: CloneHooks, deps: TransferDeps): Promise<TransferOutput> {
  const peer = requirePeer(deps);
  const streams = input.transfer.tickets.map((t) => t.stream);
  const kinds = new Set(streams.map(streamKind));
  const first = kinds.has('addons') ? 'copying_addons' : 'restoring_database';
  await checkpoint(ctx, hooks, first, 'start');
  if (kinds.has('filestore')) await checkpoint(ctx, hooks, 'restoring_filestore', 'start');
  const ac = linkedAbort(ctx.signal);
  const run: ReceiveRun = {
    input,
    ctx,
    deps,
    signal: ac.signal,
    source: input.servers?.source ?? 'the source server',
    target: input.servers?.target ?? 'the target server',
  };
  await prepareSinks(run, kinds);
  // the work database and directories exist here; the source has not been asked to send yet
  if (kinds.has('database')) await holdPoint(ctx, hooks, input, 'restoring_database');
  if (kinds.has('filestore')) await holdPoint(ctx, hooks, input, 'restoring_filestore');
  const expectation = peer.expect(input.operation_id, ctx.fence.attempt, input.transfer.tickets);
  try {
    ctx.progress(0, { message: RECEIVER_READY }, first);
    const paths = clonePaths(ctx, input);
    const donors = createDonorIndex(ctx, input);
    const filestoreTotal = { files: 0, done: 0 };
    const out = await allStreams(
      ac,
      streams.map((stream) => () =>
        receiveOne(run, expectation, stream, async (channel) => {
          switch (streamKind(stream)) {
            case 'database':
              return receiveDatabase(run, channel, stream);
            case 'addons':
              return receiveAddons(run, channel, stream);
            case 'filestore':
              return receiveFilestoreShard(channel, {
                stream,
                root: paths.workFilestore,
                missingFile: paths.missingInSource,
                donors,
                signal: run.signal,
                onManifest: (n) => (filestoreTotal.files += n),
                onFile: () => {
                  filestoreTotal.done++;
                  const { done, files } = filestoreTotal;
                  ctx.progress(files ? Math.min(0.99, done / files) : 0, { items_done: done, items_total: files }, 'restoring_filestore');
                },
              });
          }
        }),
      ),
    );
    for (const step of ['copying_addons', 'restoring_database', 'restoring_filestore'] as const) {
      if (step === first || (step === 'restoring_filestore' && kinds.has('filestore'))) await checkpoint(ctx, hooks, step, 'end');
    }
    return { streams: out };
  } finally {
    expectation.cancel();
  }
}

/** Fresh places for the data: a re-run (a retried transfer) starts from a clean database and addons. */
async function prepareSinks(run: ReceiveRun, kinds: Set<string>): Promise<void> {
  const { input, ctx } = run;
  const paths = clonePaths(ctx, input);
  try {
    if (kinds.has('database')) {
      await ctx.runtime.dropDatabase(input.work_db);
      await ctx.runtime.createDatabase(input.work_db, input.target, {});
    }
    if (kinds.has('addons')) {
      await rm(paths.workAddons, { recursive: true, force: true });
      await mkdir(paths.workAddons, { recursive: true });
    }
    // a subvolume on btrfs, as a same-server copy makes it: a received environment can be snapshotted in turn
    if (kinds.has('filestore')) await makeFilestoreDir(paths.workFilestore);
  } catch (e) {
    throw tagStep(kinds.has('addons') ? 'copying_addons' : 'restoring_database', e, run.target);
  }
}

async function receiveOne(
  run: ReceiveRun,
  expectation: Expectation,
  stream: string,
  fn: (channel: ReceiverChannel) => Promise<StreamStats>,
): Promise<StreamStats> {
  let channel: ReceiverChannel | null = null;
  try {
    const ws = await expectation.accept(stream, run.signal, ACCEPT_TIMEOUT_MS);
    channel = new PeerChannel(ws, senderMessageSchema, { label: `${run.source} (${stream})`, idleTimeoutMs: run.deps.timeoutMs });
    const stats = await fn(channel);
    channel.send({ type: 'done', bytes: stats.wire_bytes, files: stats.files });
    return stats;
  } catch (e) {
    const err = tagStep(streamStep(stream, 'receive'), e, run.target);
    const f = peerFailure(err);
    channel?.fail(f.code, `${run.target}: ${f.message}`);
    throw err;
  } finally {
    channel?.close();
  }
}

/** Feed a stream into a consumer process; the consumer's own failure is the one reported. */
async function intoProcess(run: ReceiveRun, channel: ReceiverChannel, consumer: ExecHandle, onBegin?: (items: number) => void) {
  if (!consumer.stdin) throw new Error(`${consumer.name} has no stdin`);
  // Stops the receiving side when the consumer dies, instead of waiting for frames it can't take.
  const local = linkedAbort(run.signal);
  let streamError: unknown = null;
  const receiving = receiveBytes(channel, stdinSink(consumer.stdin), {
    codec: run.input.transfer.codec,
    signal: local.signal,
    env: run.deps.env,
    onBegin: (b) => onBegin?.(b.items ?? 0),
  }).catch((e: unknown) => {
    streamError = e;
    consumer.kill();
    return null;
  });
  const exit = await consumer.exit;
  const failed = exit.code !== 0 || exit.aborted || exit.error !== undefined;
  if (failed) local.abort(new ExecError(consumer.name, exit));
  const count = await receiving;
  // What the peer or the protocol said comes first; a consumer that died on its own (a full disk,
  // a bad archive) explains the broken pipe that the stream then saw.
  if (streamError instanceof AppError) throw streamError;
  if (failed) throw new ExecError(consumer.name, exit);
  if (streamError) throw asError(streamError);
  if (!count) throw new Error(`${consumer.name} stream failed`);
  return count;
}

async function receiveDatabase(run: ReceiveRun, channel: ReceiverChannel, stream: string): Promise<StreamStats> {
  const { input, ctx } = run;
  if (input.data_path === 'copy') return receiveDatabaseByCopy(run, channel, stream);
  let tables = 0;
  const restore = startRestore(input, ctx, run.signal, () => tables);
  const count = await intoProcess(run, channel, restore, (items) => (tables = items));
  await ctx.runtime.withDatabase(input.work_db, (c) => c.query('ANALYZE'));
  ctx.progress(1, { items_done: tables, items_total: tables }, 'restoring_database');
  ctx.log('INFO', `Database restored on ${run.target} from the stream of ${run.source} (${count.wire} bytes received)`, 'restoring_database');
  return { stream, wire_bytes: count.wire, raw_bytes: count.raw, files: 0, reused_files: 0 };
}

/** The COPY data path: the frames of the database stream into the work database. */
async function receiveDatabaseByCopy(run: ReceiveRun, channel: ReceiverChannel, stream: string): Promise<StreamStats> {
  const { input, ctx } = run;
  const tuning = run.deps.copy ?? copyTuning();
  const sink = workDatabaseSink(input, ctx, run.signal, tuning);
  const count = await receiveBytes(channel, frameReceiver(sink, tuning.bufferBytes), { codec: input.transfer.codec, signal: run.signal, env: run.deps.env });
  await analyzeTables(input, ctx, tuning.jobs);
  ctx.progress(1, { items_done: sink.loaded, items_total: sink.loaded }, 'restoring_database');
  ctx.log('INFO', `Database copied on ${run.target} table by table from the stream of ${run.source}: ${sink.loaded} tables (${count.wire} bytes received)`, 'restoring_database');
  return { stream, wire_bytes: count.wire, raw_bytes: count.raw, files: 0, reused_files: 0 };
}

async function receiveAddons(run: ReceiveRun, channel: ReceiverChannel, stream: string): Promise<StreamStats> {
  const { input, ctx } = run;
  const tar = ctx.runtime.exec(tarExtractArgv({ cwd: clonePaths(ctx, input).workAddons, sameOwner: false }), {
    signal: run.signal,
    stdin: 'pipe',
    stdout: 'ignore',
  });
  const count = await intoProcess(run, channel, tar);
  ctx.progress(1, { bytes_done: count.raw, bytes_total: count.raw }, 'copying_addons');
  ctx.log('INFO', `Custom modules received from ${run.source}: ${count.raw} bytes`, 'copying_addons');
  return { stream, wire_bytes: count.wire, raw_bytes: count.raw, files: 0, reused_files: 0 };
}
