// The peer endpoint: a TLS WebSocket server on which source agents push the streams of a
// cross-server clone. Nothing is accepted without a ticket the controller announced for this
// very (operation, attempt, stream): the upgrade request carries the secret, we keep only its
// sha256, and a ticket opens one connection, once, before it expires. Anything else — unknown,
// forged, expired, replayed, or presented for another stream — is answered 401 before the
// upgrade and logged (without the secret).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, ErrorCode, PEER_HEADERS, PEER_PATH, type AnnouncedTicket } from '@oec/shared';
import type { Logger } from '../logger.js';
import type { PeerIdentity } from './tls.js';

export interface PeerServerOptions {
  host: string;
  port: number;
  identity: PeerIdentity;
  /** Advertised URL; default `wss://<host>:<bound port>` (`advertiseHost` for a wildcard host). */
  publicUrl: string | null;
  /** The name peers reach this machine by when `host` is a wildcard (0.0.0.0, ::). */
  advertiseHost?: string;
  logger: Logger;
  /** Largest frame accepted (data frames are at most a pipe read, 64 KiB to 1 MiB). */
  maxPayload?: number;
}

export interface Expectation {
  /** The connection opened with the ticket of `stream`; rejects when none comes within `timeoutMs`. */
  accept(stream: string, signal: AbortSignal, timeoutMs: number): Promise<WebSocket>;
  /** Forget the tickets not used yet (they are refused from now on) and close held connections. */
  cancel(): void;
}

export interface PeerServer {
  readonly url: string;
  readonly identity: PeerIdentity;
  expect(operationId: string, attempt: number, tickets: readonly AnnouncedTicket[]): Expectation;
  close(): Promise<void>;
}

type Refusal = 'missing' | 'unknown' | 'expired' | 'replayed' | 'scope';

interface Entry {
  operationId: string;
  attempt: number;
  stream: string;
  expiresAt: number;
  used: boolean;
  ws: WebSocket | null;
  waiter: ((ws: WebSocket) => void) | null;
}

/** How long a used ticket is remembered, so that a replay is told apart from a forgery in logs. */
const USED_MEMORY_MS = 60 * 60_000;

export function ticketHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer ([A-Za-z0-9_-]{32,256})$/.exec(h) : null;
  return m?.[1] ?? null;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v.slice(0, 100) : '';
}

function refuse(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export async function startPeerServer(opts: PeerServerOptions): Promise<PeerServer> {
  const log = opts.logger;
  const entries = new Map<string, Entry>();
  const used = new Map<string, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 4 * 1024 * 1024, perMessageDeflate: false });
  const server: Server = createServer({ key: opts.identity.key, cert: opts.identity.cert });
  server.on('request', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('peer endpoint: WebSocket only');
  });
  server.on('tlsClientError', () => undefined);

  function find(hash: string): [string, Entry] | undefined {
    for (const [h, e] of entries) if (sameHash(h, hash)) return [h, e];
    return undefined;
  }

  function check(req: IncomingMessage): { entry: Entry } | { refusal: Refusal } {
    const secret = bearer(req);
    if (!secret) return { refusal: 'missing' };
    const hash = ticketHash(secret);
    const now = Date.now();
    for (const [h, at] of used) if (now - at > USED_MEMORY_MS) used.delete(h);
    const found = find(hash);
    if (!found) return { refusal: used.has(hash) ? 'replayed' : 'unknown' };
    const [h, entry] = found;
    if (entry.used) return { refusal: 'replayed' };
    if (now > entry.expiresAt) return { refusal: 'expired' };
    if (header(req, PEER_HEADERS.operation) !== entry.operationId || header(req, PEER_HEADERS.stream) !== entry.stream) {
      return { refusal: 'scope' };
    }
    entry.used = true;
    used.set(h, now);
    return { entry };
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0];
    if (path !== PEER_PATH) {
      refuse(socket, 404, 'unknown path');
      return;
    }
    const verdict = check(req);
    if ('refusal' in verdict) {
      log.warn(
        {
          reason: verdict.refusal,
          remote: req.socket.remoteAddress,
          operationId: header(req, PEER_HEADERS.operation) || null,
          stream: header(req, PEER_HEADERS.stream) || null,
        },
        'peer connection refused',
      );
      refuse(socket, 401, `ticket refused: ${verdict.refusal}`);
      return;
    }
    const { entry } = verdict;
    wss.handleUpgrade(req, socket, head, (ws) => {
      log.info({ operationId: entry.operationId, stream: entry.stream, remote: req.socket.remoteAddress }, 'peer stream connected');
      if (entry.waiter) entry.waiter(ws);
      else entry.ws = ws;
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const host = (opts.host === '0.0.0.0' || opts.host === '::') && opts.advertiseHost ? opts.advertiseHost : opts.host;
  const url = opts.publicUrl ?? `wss://${host.includes(':') ? `[${host}]` : host}:${bound}`;

  return {
    url,
    identity: opts.identity,
    expect(operationId, attempt, tickets) {
      const mine: string[] = [];
      const now = Date.now();
      for (const t of tickets) {
        entries.set(t.hash, { operationId, attempt, stream: t.stream, expiresAt: now + t.expires_in_ms, used: false, ws: null, waiter: null });
        mine.push(t.hash);
      }
      const byStream = (stream: string): Entry | undefined => {
        for (const h of mine) {
          const e = entries.get(h);
          if (e?.stream === stream) return e;
        }
        return undefined;
      };
      return {
        accept(stream, signal, timeoutMs) {
          const entry = byStream(stream);
          if (!entry) return Promise.reject(new Error(`no ticket announced for stream ${stream}`));
          if (entry.ws) return Promise.resolve(entry.ws);
          return new Promise<WebSocket>((resolve, reject) => {
            const timer = setTimeout(() => {
              entry.waiter = null;
              reject(new AppError(ErrorCode.TRANSFER_FAILED, `The source agent did not open the ${stream} stream within ${Math.round(timeoutMs / 1000)} s`, { stream }));
            }, timeoutMs);
            const onAbort = (): void => {
              clearTimeout(timer);
              entry.waiter = null;
              reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
            };
            signal.addEventListener('abort', onAbort, { once: true });
            entry.waiter = (ws) => {
              clearTimeout(timer);
              signal.removeEventListener('abort', onAbort);
              entry.waiter = null;
              resolve(ws);
            };
          });
        },
        cancel() {
          for (const h of mine) {
            const e = entries.get(h);
            entries.delete(h);
            if (e?.ws && e.ws.readyState === e.ws.OPEN) e.ws.terminate();
          }
        },
      };
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
