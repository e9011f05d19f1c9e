// A cross-server transfer: the controller mints one ticket per stream (a random secret for the
// source, its sha256 announced to the target with clone.receive), waits until the target says it
// is ready, then starts clone.send on the source; the data goes agent to agent. When either side
// fails, the other is cancelled; an interrupted transfer (TRANSFER_FAILED: a dropped connection,
// a silent peer) is retried a bounded number of times with new tickets while both agents are
// connected. The target keeps every verified file across retries, so a retry sends only the rest.
import { createHash, randomBytes } from 'node:crypto';
import { AppError, ErrorCode, isAppError, RECEIVER_READY } from '@oec/shared';
import type { PeerEndpoint, StepKey, TransferOutput, WireCodec } from '@oec/shared';
import { loadServer, type ServerRow } from '../../services/servers.js';
import { formatBytes } from '../model/estimate-math.js';
import type { OperationRow } from '../store/operation-row.js';
import { resumableTask } from './resume.js';
import { RunStopped, type Run } from './tracker.js';

export const MAX_TRANSFER_ATTEMPTS = 3;
/** How long the source has to use a ticket once announced. */
const TICKET_TTL_MS = 120_000;
/** Filestore streams when `parallel_transfer` is on. */
const PARALLEL_FILESTORE_STREAMS = 4;

export interface TransferResult {
  send: TransferOutput;
  receive: TransferOutput;
}

/** The streams of the addons step, or of the data steps (database, filestore shards). */
export function transferStreams(op: Pick<OperationRow, 'include_filestore' | 'options'>, what: 'addons' | 'data'): string[] {
  if (what === 'addons') return ['addons'];
  const shards = op.include_filestore ? (op.options.parallel_transfer ? PARALLEL_FILESTORE_STREAMS : 1) : 0;
  return ['database', ...Array.from({ length: shards }, (_, i) => `filestore-${i}`)];
}

/** No compression unless asked; then zstd when both agents have it, gzip otherwise. */
export function chooseCodec(compress: boolean, source: ServerRow, target: ServerRow): WireCodec {
  if (!compress) return 'none';
  return source.facts?.tools.zstd && target.facts?.tools.zstd ? 'zstd' : 'gzip';
}

function peerOf(server: ServerRow): PeerEndpoint {
  const f = server.facts;
  if (!f?.peer_url || !f.tls_certificate || !f.tls_fingerprint) {
    throw new AppError(ErrorCode.TRANSFER_FAILED, `Server ${server.name} advertises no peer endpoint`, { server_id: server.id });
  }
  return { server_name: server.name, url: f.peer_url, certificate: f.tls_certificate, fingerprint: f.tls_fingerprint };
}

async function servers(x: Run): Promise<{ source: ServerRow; target: ServerRow }> {
  const [source, target] = await Promise.all([loadServer(x.d.db, x.op.source_server_id), loadServer(x.d.db, x.op.server_id)]);
  if (!source || !target) throw new AppError(ErrorCode.TRANSFER_FAILED, 'A server of this clone was deleted');
  return { source, target };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** Run the transfer of `streams`, retrying interruptions; the progress lands on the tracker. */
export async function runTransfer(x: Run, step: StepKey, streams: string[]): Promise<TransferResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transferOnce(x, step, streams);
    } catch (err) {
      if (x.signal.aborted || x.t.stopped || err instanceof RunStopped) throw err;
      if (attempt >= MAX_TRANSFER_ATTEMPTS || !isAppError(err) || err.code !== ErrorCode.TRANSFER_FAILED) throw err;
      // Give the hub a moment to see a dead agent's socket close: retrying towards it cannot help.
      await sleep(1000 * attempt, x.signal);
      if (x.signal.aborted || !x.d.hub.isConnected(x.op.server_id) || !x.d.hub.isConnected(x.op.source_server_id)) throw err;
      x.t.log('WARNING', step, `Transfer interrupted (${err.message}); retrying with new tickets (attempt ${attempt + 1} of ${MAX_TRANSFER_ATTEMPTS})`);
    }
  }
}

/** The failure to report: a side's own failure over one its peer reported or a cancellation. */
function primary(failures: unknown[]): unknown {
  const own = (e: unknown) => isAppError(e) && e.code !== ErrorCode.CANCELLED && e.details?.reported_by_peer !== true;
  return failures.find(own) ?? failures.find((e) => !isAppError(e) || e.code !== ErrorCode.CANCELLED) ?? failures[0];
}

/**
 * A resumed run (resume.ts) finds the transfer's tasks: with both sides, it waits for both (the
 * agents stream to each other without the controller); with the receiver alone, the source's
 * ticket secrets died with the replica that minted them: the receiver is cancelled and the
 * transfer starts again with new tickets (the target keeps the files it verified).
 */
async function resumeTransfer(x: Run, step: StepKey): Promise<TransferResult | null> {
  const { d, op, t } = x;
  const recv = await resumableTask(x, 'clone.receive', op.server_id);
  const sent = await resumableTask(x, 'clone.send', op.source_server_id);
  if (!recv) return null;
  if (!sent) {
    const stop = new AbortController();
    const waiting = d.hub.attachTask(recv, op.server_id, 'clone.receive', t.taskOptions(step, op.target_environment_id, stop.signal));
    stop.abort(new Error('resumed without the source side'));
    await waiting.catch(() => undefined);
    t.log('INFO', step, 'Resumed: the transfer starts again with new tickets');
    return null;
  }
  t.log('INFO', step, 'Resumed: waiting for the transfer the agents are running');
  return settleTransfer(x, ({ signal, fail }) =>
    Promise.resolve({
      receive: d.hub.attachTask(recv, op.server_id, 'clone.receive', t.taskOptions(step, op.target_environment_id, signal)).catch(fail),
      send: d.hub.attachTask(sent, op.source_server_id, 'clone.send', t.taskOptions(step, op.source_environment_id, signal)).catch(fail),
    }),
  );
}

/** What starting a transfer's sides gets: their shared signal, and the failure hook of both. */
interface SidesControl {
  signal: AbortSignal;
  /** Record a side's failure and stop the other side (rethrows). */
  fail: (e: unknown) => never;
  /** Throw the primary failure if a side has failed already. */
  check: () => void;
}

/** Start both sides, then wait for both; when one fails, the other is cancelled and the primary failure thrown. */
async function settleTransfer(
  x: Run,
  start: (c: SidesControl) => Promise<{ receive: Promise<TransferOutput>; send: Promise<TransferOutput> }>,
): Promise<TransferResult> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(x.signal.reason);
  x.signal.addEventListener('abort', onAbort, { once: true });
  const failures: unknown[] = [];
  const fail = (e: unknown): never => {
    failures.push(e);
    ac.abort(e);
    throw e;
  };
  const check = (): void => {
    if (ac.signal.aborted) throw primary(failures);
  };
  try {
    const { receive, send } = await start({ signal: ac.signal, fail, check });
    const settled = await Promise.allSettled([receive, send]);
    if (failures.length > 0) throw primary(failures);
    const [r, s] = settled.map((p) => (p as PromiseFulfilledResult<TransferOutput>).value);
    if (!r || !s) throw new AppError(ErrorCode.TRANSFER_FAILED, 'transfer ended without results');
    return { receive: r, send: s };
  } finally {
    x.signal.removeEventListener('abort', onAbort);
  }
}

async function transferOnce(x: Run, step: StepKey, streams: string[]): Promise<TransferResult> {
  const { d, op, t } = x;
  const resumed = await resumeTransfer(x, step);
  if (resumed) return resumed;
  const { source, target } = await servers(x);
  const codec = chooseCodec(op.options.compress, source, target);
  const peer = peerOf(target);
  const tickets = streams.map((stream) => {
    const secret = randomBytes(32).toString('base64url');
    return { stream, secret, hash: createHash('sha256').update(secret, 'utf8').digest('hex') };
  });
  return settleTransfer(x, async ({ signal, fail, check }) => {
    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const recvOpts = t.taskOptions(step, op.target_environment_id, signal);
    const receive = d.hub
      .runTask(
        op.server_id,
        'clone.receive',
        { ...op.plan, transfer: { codec, tickets: tickets.map((k) => ({ stream: k.stream, hash: k.hash, expires_in_ms: TICKET_TTL_MS })) } },
        { ...recvOpts, onProgress: (p) => (p.detail.message === RECEIVER_READY ? ready() : recvOpts.onProgress(p)) },
      )
      .catch(fail);
    await Promise.race([isReady, receive]);
    check();
    t.log('INFO', step, `Streaming ${streams.join(', ')} from ${source.name} to ${target.name}${codec === 'none' ? '' : ` (${codec} on the wire)`}`);
    const send = d.hub
      .runTask(
        op.source_server_id,
        'clone.send',
        { ...op.plan, transfer: { codec, peer, tickets: tickets.map((k) => ({ stream: k.stream, ticket: k.secret })) } },
        t.taskOptions(step, op.source_environment_id, signal),
      )
      .catch(fail);
    return { receive, send };
  });
}

/** One log line per transfer: what went over the wire and what the target already had. */
export function describeTransfer(result: TransferResult): string {
  const streams = result.receive.streams;
  const sum = (k: 'wire_bytes' | 'raw_bytes' | 'files' | 'reused_files', only = streams) => only.reduce((n, s) => n + s[k], 0);
  const shards = streams.filter((s) => s.stream.startsWith('filestore'));
  const files = shards.length
    ? `; filestore: ${sum('files', shards)} files received (${sum('wire_bytes', shards)} bytes), ${sum('reused_files', shards)} already on the target`
    : '';
  return `Transferred ${formatBytes(sum('wire_bytes'))} on the wire (${formatBytes(sum('raw_bytes'))} of data)${files}`;
}
