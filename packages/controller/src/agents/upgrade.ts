// The HTTP side of an agent's WebSocket: path check, bearer token check against the server's
// stored hash, and a plain HTTP error answer on refusal (before any WebSocket exists).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Queryable } from '../db/pool.js';
import { serverTokenHash } from './store.js';
import { tokenMatches, tokenServerId } from './tokens.js';

export const AGENT_WS_PATH = '/agent/ws';

export function isAgentPath(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)) === AGENT_WS_PATH;
}

/** The server id a valid `Authorization: Bearer <agent token>` header belongs to, or null. */
export async function authenticateAgent(db: Queryable, authorization: string | undefined): Promise<string | null> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const token = m?.[1];
  if (!token) return null;
  const serverId = tokenServerId(token);
  if (!serverId) return null;
  const hash = await serverTokenHash(db, serverId);
  return hash !== null && tokenMatches(token, hash) ? serverId : null;
}

/** Answer an upgrade request with a plain HTTP error and drop the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 404 | 503, message: string): void {
  const reason = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[status];
  const body = JSON.stringify({
    error: { code: status === 401 ? 'UNAUTHENTICATED' : status === 404 ? 'NOT_FOUND' : 'INTERNAL', message },
  });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
