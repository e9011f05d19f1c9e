// Two agent benches in one process, server A (the source) and server B (the target, with a real
// peer endpoint: TLS WebSocket on 127.0.0.1), and agent tasks run on them as the controller runs
// a cross-server clone.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  createHandlers,
  createLogger,
  ensurePeerIdentity,
  NO_HOOKS,
  startPeerServer,
  type HandlerRegistry,
  type PeerServer,
  type TaskContext,
  type TransferDeps,
} from '@oec/agent';
import { ErrorCode, isAppError, RECEIVER_READY, type ClonePlan, type EnvironmentSpec, type TaskKind, type TransferOutput, type WireCodec } from '@oec/shared';
import { makePlan, startAgentBench, type AgentBench } from '@oec/test/clone';
import { never, stopBench } from './bench-env.js';

const logger = createLogger('silent');
const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
/** What the controller gives the source to use an announced ticket. */
const TICKET_TTL_MS = 120_000;
/** As the controller: an interrupted transfer (TRANSFER_FAILED) is retried, in all this many times. */
const MAX_TRANSFER_ATTEMPTS = 3;

export interface Server {
  name: string;
  bench: AgentBench;
  transfer: TransferDeps;
  /** The operation log lines of the tasks run so far, both servers' (printed when a variant fails). */
  logs: string[];
}

/** A transfer retried like the controller does (the sample's time includes the retry). */
export interface Retry {
  variant: string;
  streams: string;
  error: string;
}

export interface Link {
  a: Server;
  b: Server;
  peer: PeerServer;
  /** The variant being run, named in `retries`. */
  variant: string;
  retries: Retry[];
  /** Stop the peer endpoint and both benches (their clusters, apps and directories). */
  close(): Promise<void>;
}

/** Start bench A, bench B and B's peer endpoint. */
export async function startLink(): Promise<Link> {
  const benches: AgentBench[] = [];
  let peer: PeerServer | null = null;
  const close = async () => {
    await peer?.close().catch(() => undefined);
    for (const bench of benches) await stopBench(bench);
  };
  try {
    benches.push(await startAgentBench());
    benches.push(await startAgentBench());
    const [benchA, benchB] = benches as [AgentBench, AgentBench];
    const identity = await ensurePeerIdentity(benchB.dir, 'bench-b', childEnv);
    peer = await startPeerServer({ host: '127.0.0.1', port: 0, identity, publicUrl: null, logger });
    const logs: string[] = [];
    const a: Server = { name: 'bench-a', bench: benchA, transfer: { peer: null, timeoutMs: 30_000, env: childEnv }, logs };
    const b: Server = { name: 'bench-b', bench: benchB, transfer: { peer, timeoutMs: 30_000, env: childEnv }, logs };
    return { a, b, peer, variant: '', retries: [], close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Run an agent task in-process, with a progress callback that sees the receiver's "ready". */
export function runTask<K extends TaskKind>(
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

/** A plan from A's source to a fresh environment on B. */
/**
 * A cross-server plan on the path the controller takes for a running source (COPY, decision
 * 0014), with nothing masked (preset none): the streams carry the data as is, checked row for row.
 */
export function crossPlan(source: EnvironmentSpec, target: EnvironmentSpec, codec: WireCodec): ClonePlan {
  return { ...makePlan(source, target, { dataPath: 'copy', preset: 'none' }), servers: { source: 'bench-a', target: 'bench-b' }, donors: [], compress: codec !== 'none' };
}

type TransferResult = { receive: TransferOutput; send: TransferOutput };

/** Transfer `streams` from A to B; an interrupted one is retried and recorded in `link.retries`. */
export async function transfer(link: Link, plan: ClonePlan, streams: string[], codec: WireCodec): Promise<TransferResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transferOnce(link, plan, streams, codec);
    } catch (e) {
      if (attempt >= MAX_TRANSFER_ATTEMPTS || !isAppError(e) || e.code !== ErrorCode.TRANSFER_FAILED) throw e;
      link.retries.push({ variant: link.variant, streams: streams.join(','), error: e.message });
      process.stdout.write(`  (${link.variant}: transfer of ${streams.join(', ')} interrupted: ${e.message}; retrying like the controller)\n`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/** The failure to report, as the controller picks it: a side's own over a peer's or a cancellation. */
function primary(failures: unknown[]): unknown {
  const own = (e: unknown) => isAppError(e) && e.code !== ErrorCode.CANCELLED && e.details?.reported_by_peer !== true;
  return failures.find(own) ?? failures.find((e) => !isAppError(e) || e.code !== ErrorCode.CANCELLED) ?? failures[0];
}

/**
 * One transfer as controller/clone/transfer.ts runs it: a secret per stream, clone.receive on the
 * target with the hashes, wait for its "ready", then clone.send on the source with the secrets
 * and the target's pinned certificate; when one side fails the other is cancelled.
 */
async function transferOnce(link: Link, plan: ClonePlan, streams: string[], codec: WireCodec): Promise<TransferResult> {
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
