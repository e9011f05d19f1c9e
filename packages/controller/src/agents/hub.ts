// The agent hub: agents dial `/agent/ws`, authenticate with their server token, say hello and
// then heartbeat; the controller runs tasks on them. Liveness is tracked three ways: the socket
// closing (UNREACHABLE at once), missing heartbeats (interval × misses), and ws ping/pong, which
// terminates sockets that stopped answering. Tasks outlive a dropped connection for a grace
// period: when the agent comes back, `task.run` is resent (the agent accepts idempotently).
//
// Database writes of one server (status, heartbeats, task rows) are serialized through one
// promise chain, so "UNREACHABLE on close" can never land after "RUNNING on reconnect".
//
// Replicas (decision 0018): an agent is connected to one replica (`servers.connected_replica`).
// A task for an agent connected elsewhere goes through the bus: `task.run` names the task, the
// replica holding the connection reads the sealed frame from its row and sends it, and relays
// what the agent answers (`task.frame`, and `task.result` recorded sealed on the row) back to
// the replica that awaits the task. Every replica knows which agents the others hold (bus
// messages `agent.up`/`agent.down`, and the rows re-read every heartbeat interval).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode, PROTOCOL_VERSION, agentMessageSchema, parseFrame } from '@oec/shared';
import type { AgentMessage, ControllerMessage } from '@oec/shared';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../ids.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { Bus } from '../db/bus.js';
import type { Sealer } from '../db/seal.js';
import * as store from './store.js';
import { createTaskRegistry } from './tasks.js';
import type { AgentHub } from './types.js';
import { authenticateAgent, isAgentPath, refuseUpgrade } from './upgrade.js';

export interface AgentHubOptions {
  db: Queryable;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  heartbeatIntervalMs: number;
  heartbeatMisses: number;
  /** How long a task waits for its agent to come back (default interval × misses). */
  graceMs?: number;
  /** How long a new socket may stay silent before its hello (default 10 s). */
  helloTimeoutMs?: number;
  /** Called once an agent is (again) ready for tasks, here (`local`) or on another replica. */
  onAgentReady?: (serverId: string, local: boolean) => void;
  /** The replicas' bus (db/bus.ts); its replicaId names this replica. */
  bus: Bus;
  sealer: Sealer;
  /** A replica whose heartbeat is older than this is dead (its agents' connections with it). */
  replicaTtlMs: number;
}

export interface AgentHubServer extends AgentHub {
  /** Attach to the HTTP server's `upgrade` event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connectedServers(): string[];
  close(): Promise<void>;
}

interface Conn {
  ws: WebSocket;
  serverId: string;
  /** A valid hello arrived (later frames are ordinary messages). */
  helloSeen: boolean;
  /** Hello recorded and welcome sent: tasks may be sent. */
  ready: boolean;
  lastFrameAt: number;
  missedPongs: number;
  badFrames: number;
  helloTimer: NodeJS.Timeout | undefined;
  closed: Promise<void>;
}

const MAX_BAD_FRAMES = 10;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

function frameText(data: RawData, isBinary: boolean): string | null {
  if (isBinary) return null;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export function createAgentHub(opts: AgentHubOptions): AgentHubServer {
  const { db, logger, clock, ids, bus, sealer } = opts;
  const me = bus.replicaId;
  const log = logger.child({ component: 'agent-hub' });
  const timeoutMs = opts.heartbeatIntervalMs * opts.heartbeatMisses;
  const graceMs = opts.graceMs ?? timeoutMs;
  const helloTimeoutMs = opts.helloTimeoutMs ?? 10_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const sockets = new Set<Conn>();
  const conns = new Map<string, Conn>();
  const chains = new Map<string, Promise<void>>();
  /** Agents connected to other replicas: server id → replica id. */
  let remote = new Map<string, string>();
  /** Tasks of other replicas sent through this replica's connections: task id → server id. */
  const relayed = new Map<string, string>();
  let closing = false;
  let closed: Promise<void> | undefined;
  let sweeping = false;

  function serial(serverId: string, fn: () => Promise<void>): void {
    const next = (chains.get(serverId) ?? Promise.resolve())
      .then(fn)
      .catch((err: unknown) => log.error({ err, serverId }, 'agent hub database write failed'));
    chains.set(serverId, next);
    void next.then(() => {
      if (chains.get(serverId) === next) chains.delete(serverId);
    });
  }

  function send(conn: Conn, msg: ControllerMessage | string): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  const tasks = createTaskRegistry({
    db,
    clock,
    ids,
    graceMs,
    serial,
    sealer,
    route(serverId) {
      const conn = conns.get(serverId);
      if (conn) {
        if (!conn.ready) return 'connecting';
        return {
          run: (_taskId, frame) => send(conn, frame),
          cancel: (taskId, reason) => send(conn, { type: 'task.cancel', task_id: taskId, reason }),
        };
      }
      if (!remote.has(serverId)) return undefined;
      const publish = (msg: { type: string } & Record<string, unknown>) =>
        void bus.publish(msg).catch((err: unknown) => log.warn({ err, serverId }, 'could not relay to another replica'));
      return {
        run: (taskId) => publish({ type: 'task.run', server_id: serverId, task_id: taskId }),
        cancel: (taskId, reason) => publish({ type: 'task.cancel', server_id: serverId, task_id: taskId, reason }),
      };
    },
  });

  // ---- relay between replicas ----------------------------------------------------------------

  const publish = (msg: { type: string } & Record<string, unknown>): Promise<void> =>
    bus.publish(msg).then(
      () => undefined,
      (err: unknown) => log.warn({ err, type: msg.type }, 'bus publish failed'),
    );

  /** A frame of a task another replica awaits: pass it on (a result is recorded sealed first). */
  function relayFrame(serverId: string, msg: Extract<AgentMessage, { task_id: string }>): void {
    serial(serverId, async () => {
      if (msg.type === 'task.result') {
        relayed.delete(msg.task_id);
        await store.recordRelayedResult(db, msg.task_id, sealer.seal(JSON.stringify(msg)));
        await publish({ type: 'task.result', server_id: serverId, task_id: msg.task_id });
      } else {
        await publish({ type: 'task.frame', server_id: serverId, task_id: msg.task_id, msg });
      }
    });
  }

  bus.on('task.run', (m) => {
    const serverId = String(m.server_id);
    const taskId = String(m.task_id);
    const conn = conns.get(serverId);
    if (!conn?.ready) return;
    serial(serverId, async () => {
      const sealed = await store.loadFrameSealed(db, taskId, serverId);
      const frame = sealed === null ? null : sealer.open(sealed);
      if (frame === null || conns.get(serverId) !== conn) return;
      relayed.set(taskId, serverId);
      send(conn, frame);
    });
  });
  bus.on('task.cancel', (m) => {
    const conn = conns.get(String(m.server_id));
    if (conn?.ready) send(conn, { type: 'task.cancel', task_id: String(m.task_id), reason: typeof m.reason === 'string' ? m.reason : 'cancelled' });
  });
  bus.on('task.frame', (m) => {
    const msg = agentMessageSchema.safeParse(m.msg);
    if (msg.success && 'task_id' in msg.data) tasks.handle(String(m.server_id), msg.data);
  });
  bus.on('task.result', (m) => {
    const serverId = String(m.server_id);
    store
      .loadResultSealed(db, String(m.task_id))
      .then((sealed) => {
        const text = sealed === null ? null : sealer.open(sealed);
        const msg = text === null ? null : parseFrame(agentMessageSchema, text);
        if (msg?.type === 'task.result') tasks.handle(serverId, msg);
      })
      .catch((err: unknown) => log.error({ err, serverId }, 'could not read a relayed task result'));
  });
  bus.on('agent.up', (m) => {
    const serverId = String(m.server_id);
    if (conns.has(serverId)) return;
    remote.set(serverId, m.from);
    tasks.agentReady(serverId);
    opts.onAgentReady?.(serverId, false);
  });
  bus.on('agent.down', (m) => {
    const serverId = String(m.server_id);
    if (remote.get(serverId) !== m.from) return;
    remote.delete(serverId);
    if (!conns.has(serverId)) tasks.agentGone(serverId);
  });

  /** Re-read which agents the other live replicas hold (a dead replica's agents are gone). */
  async function refreshRemote(): Promise<void> {
    const next = await store.remoteConnections(db, me, opts.replicaTtlMs);
    const before = remote;
    remote = next;
    for (const serverId of before.keys()) if (!next.has(serverId) && !conns.has(serverId)) tasks.agentGone(serverId);
    for (const serverId of next.keys()) {
      if (!before.has(serverId) && !conns.has(serverId)) {
        tasks.agentReady(serverId);
        opts.onAgentReady?.(serverId, false);
      }
    }
  }

  // ---- connections ---------------------------------------------------------------------------

  /** Forget a connection as its server's current one: UNREACHABLE, tasks start their grace. */
  function detach(conn: Conn): void {
    if (conns.get(conn.serverId) !== conn) return;
    conns.delete(conn.serverId);
    log.info({ serverId: conn.serverId }, 'agent disconnected');
    serial(conn.serverId, async () => {
      await store.markServerUnreachable(db, conn.serverId, me);
      await publish({ type: 'agent.down', server_id: conn.serverId });
    });
    for (const [taskId, serverId] of relayed) if (serverId === conn.serverId) relayed.delete(taskId);
    if (!remote.has(conn.serverId)) tasks.agentGone(conn.serverId);
  }

  function drop(conn: Conn, code: number, reason: string): void {
    detach(conn);
    conn.ws.close(code, reason);
    // A peer that does not answer the close handshake is cut off.
    setTimeout(() => conn.ws.terminate(), 2000).unref();
  }

  function onHello(conn: Conn, msg: Extract<AgentMessage, { type: 'hello' }>): void {
    clearTimeout(conn.helloTimer);
    const old = conns.get(conn.serverId);
    conns.set(conn.serverId, conn);
    if (old && old !== conn) {
      log.info({ serverId: conn.serverId }, 'agent connection replaced by a newer one');
      old.ws.close(CloseCode.REPLACED, 'replaced by a newer connection');
      setTimeout(() => old.ws.terminate(), 2000).unref();
    }
    serial(conn.serverId, async () => {
      const exists = await store.markServerRunning(db, conn.serverId, msg.facts, clock.now(), me);
      if (conns.get(conn.serverId) !== conn) return;
      if (!exists) {
        drop(conn, CloseCode.SERVER_DELETED, 'server deleted');
        return;
      }
      conn.ready = true;
      send(conn, {
        type: 'welcome',
        protocol_version: PROTOCOL_VERSION,
        server_id: conn.serverId,
        heartbeat_interval_ms: opts.heartbeatIntervalMs,
      });
      log.info({ serverId: conn.serverId, hostname: msg.facts.hostname, runtime: msg.facts.runtime }, 'agent connected');
      remote.delete(conn.serverId);
      tasks.agentReady(conn.serverId);
      opts.onAgentReady?.(conn.serverId, true);
      await publish({ type: 'agent.up', server_id: conn.serverId });
    });
  }

  function onFrame(conn: Conn, msg: AgentMessage): void {
    switch (msg.type) {
      case 'hello':
        log.warn({ serverId: conn.serverId }, 'ignoring a second hello');
        return;
      case 'heartbeat': {
        const at = clock.now();
        serial(conn.serverId, () =>
          store.recordHeartbeat(db, conn.serverId, { free: msg.disk_free_bytes, total: msg.disk_total_bytes }, at),
        );
        return;
      }
      default:
        if (tasks.handle(conn.serverId, msg)) return;
        if (relayed.get(msg.task_id) === conn.serverId) relayFrame(conn.serverId, msg);
        else log.debug({ serverId: conn.serverId, taskId: msg.task_id, type: msg.type }, 'frame for an unknown task');
    }
  }

  function onConnection(ws: WebSocket, serverId: string): void {
    let resolveClosed: () => void = () => undefined;
    const conn: Conn = {
      ws,
      serverId,
      helloSeen: false,
      ready: false,
      lastFrameAt: clock.now().getTime(),
      missedPongs: 0,
      badFrames: 0,
      helloTimer: undefined,
      closed: new Promise<void>((r) => (resolveClosed = r)),
    };
    sockets.add(conn);
    conn.helloTimer = setTimeout(() => drop(conn, CloseCode.PROTOCOL_MISMATCH, 'no hello received'), helloTimeoutMs);
    conn.helloTimer.unref();
    ws.on('pong', () => (conn.missedPongs = 0));
    ws.on('error', (err) => log.warn({ err, serverId }, 'agent socket error'));
    ws.on('close', (code) => {
      clearTimeout(conn.helloTimer);
      sockets.delete(conn);
      if (!closing) detach(conn);
      log.debug({ serverId, code }, 'agent socket closed');
      resolveClosed();
    });
    ws.on('message', (data, isBinary) => {
      const text = frameText(data, isBinary);
      const msg = text === null ? null : parseFrame(agentMessageSchema, text);
      if (!conn.helloSeen) {
        if (msg?.type === 'hello' && msg.protocol_version === PROTOCOL_VERSION) {
          conn.helloSeen = true;
          onHello(conn, msg);
        } else {
          log.warn({ serverId, got: msg?.type ?? 'invalid frame' }, 'agent did not open with a valid hello');
          drop(conn, CloseCode.PROTOCOL_MISMATCH, `first frame must be hello with protocol_version ${PROTOCOL_VERSION}`);
        }
        return;
      }
      // A replaced or dropped connection no longer speaks for its server.
      if (conns.get(serverId) !== conn) return;
      if (!msg) {
        conn.badFrames += 1;
        log.warn({ serverId, bytes: text?.length ?? null, badFrames: conn.badFrames }, 'ignoring an invalid agent frame');
        if (conn.badFrames >= MAX_BAD_FRAMES) drop(conn, CloseCode.BAD_MESSAGE, 'too many invalid frames');
        return;
      }
      conn.lastFrameAt = clock.now().getTime();
      onFrame(conn, msg);
    });
  }

  // ---- liveness sweep ------------------------------------------------------------------------

  function sweep(): void {
    const now = clock.now().getTime();
    for (const conn of sockets) {
      if (conn.missedPongs >= opts.heartbeatMisses) {
        log.warn({ serverId: conn.serverId }, 'agent stopped answering pings; terminating');
        detach(conn);
        conn.ws.terminate();
        continue;
      }
      conn.missedPongs += 1;
      conn.ws.ping();
      if (conn.ready && now - conn.lastFrameAt > timeoutMs) {
        log.warn({ serverId: conn.serverId, silentMs: now - conn.lastFrameAt }, 'agent missed its heartbeats');
        drop(conn, CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
      }
    }
    if (sweeping) return;
    sweeping = true;
    store
      .sweepStaleServers(db, [...conns.keys(), ...remote.keys()], new Date(now - timeoutMs))
      .then(async (ids) => {
        if (ids.length) log.info({ serverIds: ids }, 'servers marked UNREACHABLE (no agent heartbeat)');
        await refreshRemote();
      })
      .catch((err: unknown) => log.error({ err }, 'server sweep failed'))
      .finally(() => (sweeping = false));
  }
  const sweeper = setInterval(sweep, opts.heartbeatIntervalMs);
  sweeper.unref();

  // ---- shutdown -----------------------------------------------------------------------------

  async function shutdown(): Promise<void> {
    closing = true;
    clearInterval(sweeper);
    tasks.failAll(ErrorCode.AGENT_LOST, 'controller shutting down');
    for (const conn of [...conns.values()]) {
      conns.delete(conn.serverId);
      serial(conn.serverId, async () => {
        await store.markServerUnreachable(db, conn.serverId, me);
        await publish({ type: 'agent.down', server_id: conn.serverId });
      });
    }
    for (const conn of sockets) {
      conn.ws.close(1001, 'controller shutting down');
      setTimeout(() => conn.ws.terminate(), 500).unref();
    }
    await Promise.all([...sockets].map((c) => c.closed));
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    while (chains.size > 0) await Promise.allSettled([...chains.values()]);
  }

  // ---- public API ----------------------------------------------------------------------------

  /** Said hello here, or held by another live replica. */
  function connected(serverId: string): boolean {
    return conns.get(serverId)?.ready === true || (!conns.has(serverId) && remote.has(serverId));
  }

  return {
    isConnected: connected,
    async confirmConnected(serverId) {
      if (connected(serverId)) return true;
      // connected here without its hello yet: no other replica's news would change that
      if (conns.has(serverId)) return false;
      await refreshRemote();
      return connected(serverId);
    },
    connectedServers: () => [...conns.values()].filter((c) => c.ready).map((c) => c.serverId),

    handleUpgrade(req, socket, head) {
      if (!isAgentPath(req)) {
        refuseUpgrade(socket, 404, 'No WebSocket endpoint here');
        return;
      }
      socket.on('error', () => undefined);
      if (closing) {
        refuseUpgrade(socket, 503, 'controller shutting down');
        return;
      }
      authenticateAgent(db, req.headers.authorization)
        .then((serverId) => {
          if (!serverId) {
            log.warn({ remote: req.socket.remoteAddress }, 'agent refused: bad token');
            refuseUpgrade(socket, 401, 'Invalid agent token');
            return;
          }
          wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, serverId));
        })
        .catch((err: unknown) => {
          log.error({ err }, 'agent authentication failed');
          refuseUpgrade(socket, 503, 'agent authentication unavailable');
        });
    },

    runTask: (serverId, kind, input, opts) => tasks.run(serverId, kind, input, opts),
    attachTask: (taskId, serverId, kind, opts) => tasks.attach(taskId, serverId, kind, opts),
    detachOperation: (operationId) => tasks.detachOperation(operationId),
    cancelTask: (taskId, reason) => tasks.cancel(taskId, reason),

    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
