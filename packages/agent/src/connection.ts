// The agent's link to the controller: dials with `Authorization: Bearer <token>`, says hello,
// waits for welcome, heartbeats, and redials with backoff forever. Incoming frames are parsed
// once here; task results (and logs) sent while the link is down are kept and sent after the next
// welcome, so a task finishing during a blip still reports.
import {
  CloseCode,
  PROTOCOL_VERSION,
  controllerMessageSchema,
  parseFrame,
  type AgentMessage,
  type ControllerMessage,
  type ServerFacts,
} from '@oec/shared';
import { WebSocket, type RawData } from 'ws';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Logger } from './logger.js';

type WelcomeMessage = Extract<ControllerMessage, { type: 'welcome' }>;
export type TaskMessage = Exclude<ControllerMessage, WelcomeMessage>;

export interface ConnectionOptions {
  /** The controller replicas, tried in turn; after a lost link the next one is tried first. */
  urls: string[];
  /** Secret: only ever placed in the upgrade header. */
  token: string;
  logger: Logger;
  reconnect: BackoffOptions;
  hello(): Promise<{ facts: ServerFacts; running_tasks: string[] }>;
  heartbeat(): Promise<{ disk_free_bytes: number; disk_total_bytes: number; running_tasks: string[] }>;
  onMessage(message: TaskMessage): void;
  /** A text frame that did not parse (the runner answers a broken task.run). */
  onInvalidFrame?(raw: string): void;
  onWelcome?(welcome: WelcomeMessage): void;
  /** A welcomed link was lost (the agent's lease on its running tasks starts). */
  onDisconnect?(): void;
  /** Give up on a connection that has not been welcomed after this long. */
  welcomeTimeoutMs?: number;
  /** Most messages kept while disconnected (results are dropped last). */
  outboxLimit?: number;
}

export interface Connection {
  start(): void;
  /** Send now when welcomed; otherwise results and logs wait for the next welcome. */
  send(message: AgentMessage): void;
  readonly connected: boolean;
  close(): Promise<void>;
}

const SILENT_INTERVALS = 3;

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

export function createConnection(opts: ConnectionOptions): Connection {
  const log = opts.logger;
  const outbox: AgentMessage[] = [];
  let ws: WebSocket | null = null;
  let welcomed = false;
  let closed = false;
  let attempt = 0;
  let nextDelayMs: number | null = null;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let urlIndex = 0;
  const url = (): string => opts.urls[urlIndex % opts.urls.length] ?? '';
  let tick: NodeJS.Timeout | undefined;
  let lastFrameAt = 0;

  const keep = (message: AgentMessage): void => {
    if (message.type !== 'task.result' && message.type !== 'task.log') return;
    outbox.push(message);
    const limit = opts.outboxLimit ?? 2000;
    while (outbox.length > limit) {
      const i = outbox.findIndex((m) => m.type !== 'task.result');
      const [dropped] = outbox.splice(i >= 0 ? i : 0, 1);
      if (dropped?.type === 'task.result') log.error({ task_id: dropped.task_id }, 'outbox full: dropped a task result');
    }
  };

  const write = (socket: WebSocket, message: AgentMessage): void => {
    socket.send(JSON.stringify(message), (err) => {
      if (err) keep(message);
    });
  };

  const stopTimers = (): void => {
    clearInterval(tick);
    clearTimeout(tick);
    tick = undefined;
  };

  /** Every interval: heartbeat, our own ping (answered by a pong), and the silence check. */
  const watch = (socket: WebSocket, intervalMs: number): void => {
    stopTimers();
    tick = setInterval(() => {
      const silentMs = Date.now() - lastFrameAt;
      if (silentMs > intervalMs * SILENT_INTERVALS) {
        log.warn({ silent_ms: silentMs }, 'controller went silent, dropping the connection');
        socket.terminate();
        return;
      }
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.ping();
      opts.heartbeat().then(
        (hb) => socket.readyState === WebSocket.OPEN && write(socket, { type: 'heartbeat', ...hb }),
        (err: unknown) => log.warn({ err: String(err) }, 'heartbeat data unavailable'),
      );
    }, intervalMs);
  };

  /** Before welcome: give up on a link that is open but never welcomes us. */
  const awaitWelcome = (socket: WebSocket): void => {
    stopTimers();
    tick = setTimeout(() => {
      if (welcomed) return;
      log.warn({ timeout_ms: opts.welcomeTimeoutMs ?? 30_000 }, 'no welcome from the controller, dropping the connection');
      socket.terminate();
    }, opts.welcomeTimeoutMs ?? 30_000);
  };

  const onWelcome = (socket: WebSocket, welcome: WelcomeMessage): void => {
    if (welcome.protocol_version !== PROTOCOL_VERSION) {
      log.warn({ theirs: welcome.protocol_version, ours: PROTOCOL_VERSION }, 'controller speaks another protocol version');
    }
    welcomed = true;
    attempt = 0;
    nextDelayMs = null;
    watch(socket, welcome.heartbeat_interval_ms);
    log.info({ server_id: welcome.server_id, controller: url() }, 'agent connected');
    for (const message of outbox.splice(0)) write(socket, message);
    opts.onWelcome?.(welcome);
  };

  const onFrame = (socket: WebSocket, data: RawData, isBinary: boolean): void => {
    lastFrameAt = Date.now();
    if (isBinary) {
      log.warn('binary frame on the control channel ignored');
      return;
    }
    const raw = text(data);
    const message = parseFrame(controllerMessageSchema, raw);
    if (!message) {
      log.warn({ frame: raw.slice(0, 200) }, 'invalid frame from the controller ignored');
      if (welcomed) opts.onInvalidFrame?.(raw);
      return;
    }
    if (message.type === 'welcome') onWelcome(socket, message);
    else if (!welcomed) log.warn({ type: message.type }, 'message before welcome ignored');
    else opts.onMessage(message);
  };

  const onClose = (code: number, reason: string): void => {
    const wasWelcomed = welcomed;
    welcomed = false;
    ws = null;
    stopTimers();
    if (code === CloseCode.UNAUTHORIZED) {
      log.error({ code, reason }, 'the controller refused this agent token (UNAUTHORIZED); check OEC_AGENT_TOKEN, retrying');
      nextDelayMs = opts.reconnect.maxMs;
    } else if (code === CloseCode.PROTOCOL_MISMATCH) {
      log.error({ code, reason, ours: PROTOCOL_VERSION }, 'the controller refused our protocol version; upgrade the agent, retrying');
      nextDelayMs = opts.reconnect.maxMs;
    } else if (code === CloseCode.REPLACED || code === CloseCode.SERVER_DELETED) {
      // Another agent holds this server's link, or the server is gone: do not fight over it.
      log.error({ code, reason }, 'the controller closed this link for good (replaced or server deleted), retrying slowly');
      nextDelayMs = opts.reconnect.maxMs;
    } else if (wasWelcomed) {
      log.warn({ code, reason }, 'controller connection closed');
    }
    if (wasWelcomed) opts.onDisconnect?.();
    schedule();
  };

  const schedule = (): void => {
    if (closed) return;
    const delay = nextDelayMs ?? backoffDelay(attempt, opts.reconnect);
    nextDelayMs = null;
    attempt++;
    urlIndex = (urlIndex + 1) % opts.urls.length;
    log.debug({ delay_ms: delay, attempt }, 'reconnecting');
    reconnectTimer = setTimeout(connect, delay);
  };

  const connect = (): void => {
    if (closed) return;
    const socket = new WebSocket(url(), {
      headers: { Authorization: `Bearer ${opts.token}` },
      handshakeTimeout: 15_000,
      maxPayload: 16 * 1024 * 1024,
    });
    ws = socket;
    socket.on('open', () => {
      lastFrameAt = Date.now();
      awaitWelcome(socket);
      opts.hello().then(
        (hello) => {
          if (socket.readyState === WebSocket.OPEN) write(socket, { type: 'hello', protocol_version: PROTOCOL_VERSION, ...hello });
        },
        (err: unknown) => {
          log.error({ err: String(err) }, 'cannot gather facts for hello');
          socket.terminate();
        },
      );
    });
    socket.on('message', (data, isBinary) => onFrame(socket, data, isBinary));
    socket.on('ping', () => (lastFrameAt = Date.now()));
    socket.on('pong', () => (lastFrameAt = Date.now()));
    socket.on('error', (err) => {
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      if (status === '401' || status === '403') {
        log.error({ status }, 'the controller refused this agent token; check OEC_AGENT_TOKEN, retrying');
        nextDelayMs = opts.reconnect.maxMs;
      } else log.warn({ err: err.message }, 'controller connection error');
    });
    socket.on('close', (code, reason) => onClose(code, reason.toString('utf8')));
  };

  return {
    start() {
      if (!ws && !reconnectTimer) connect();
    },
    send(message) {
      if (welcomed && ws?.readyState === WebSocket.OPEN) write(ws, message);
      else keep(message);
    },
    get connected() {
      return welcomed;
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      stopTimers();
      const socket = ws;
      if (!socket || socket.readyState === WebSocket.CLOSED) return;
      const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close(1000, 'agent stopping');
      const timer = setTimeout(() => socket.terminate(), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
