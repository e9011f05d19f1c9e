// Test helpers for the peer endpoint (not exported from the package): a TLS identity in a temp
// dir, a logger whose lines a test can read, announced tickets, a condition wait, and a connected
// sender/receiver channel pair over a real server and a real pinned client.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { receiverMessageSchema, senderMessageSchema, type AnnouncedTicket, type PeerEndpoint, type PeerTicket } from '@oec/shared';
import { createLogger, type Logger } from '../logger.js';
import type { ReceiverChannel, SenderChannel } from '../peer/byte-stream.js';
import { PeerChannel } from '../peer/channel.js';
import { dialPeer } from '../peer/client.js';
import { startPeerServer, ticketHash, type PeerServer } from '../peer/server.js';
import { ensurePeerIdentity, type PeerIdentity } from '../peer/tls.js';

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `oec-${prefix}-`));
}

/** Polls `predicate` until it holds; the limit is generous, the test never relies on it. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface CapturedLogs {
  logger: Logger;
  /** Everything logged so far, as written. */
  text(): string;
  /** Every line, parsed. */
  entries(): Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const text = (): string => chunks.join('');
  return {
    logger: createLogger('debug', sink),
    text,
    entries: () =>
      text()
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function newIdentity(dir: string, name = 'peer-test'): Promise<PeerIdentity> {
  return ensurePeerIdentity(dir, name, process.env);
}

/** A fresh ticket: the secret the source is given and what the target is told of it. */
export function newTicket(stream: string, expiresInMs = 60_000): { ticket: PeerTicket; announced: AnnouncedTicket } {
  const secret = randomBytes(32).toString('base64url');
  return { ticket: { stream, ticket: secret }, announced: { stream, hash: ticketHash(secret), expires_in_ms: expiresInMs } };
}

/** What the controller would hand the source for `server` (optionally pinned to another identity). */
export function endpointOf(server: PeerServer, pinned: Pick<PeerIdentity, 'cert' | 'fingerprint'> = server.identity): PeerEndpoint {
  return { server_name: 'server-b', url: server.url, certificate: pinned.cert, fingerprint: pinned.fingerprint };
}

export function startTestServer(identity: PeerIdentity, logger: Logger): Promise<PeerServer> {
  return startPeerServer({ host: '127.0.0.1', port: 0, identity, publicUrl: null, logger });
}

export interface PeerPair {
  sender: SenderChannel;
  receiver: ReceiverChannel;
  /** The source's end of the connection (the client). */
  senderSocket: WebSocket;
  /** The target's end (accepted by the server). */
  receiverSocket: WebSocket;
  close(): void;
}

let pairs = 0;

/**
 * One announced ticket, dialed and accepted: the two ends of a stream as the agents use them.
 * `url` dials another address (a proxy in front of the server) with the same pinned certificate.
 */
export async function connectPair(server: PeerServer, opts: { stream?: string; idleTimeoutMs?: number; url?: string } = {}): Promise<PeerPair> {
  const stream = opts.stream ?? 'database';
  const operationId = `op-${++pairs}`;
  const { ticket, announced } = newTicket(stream);
  const expectation = server.expect(operationId, 1, [announced]);
  const signal = AbortSignal.timeout(30_000);
  const [senderSocket, receiverSocket] = await Promise.all([
    dialPeer({ ...endpointOf(server), url: opts.url ?? server.url }, ticket, { operationId, signal, timeoutMs: 30_000 }),
    expectation.accept(stream, signal, 30_000),
  ]);
  const idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  const sender: SenderChannel = new PeerChannel(senderSocket, receiverMessageSchema, { label: `server-b (${stream})`, idleTimeoutMs });
  const receiver: ReceiverChannel = new PeerChannel(receiverSocket, senderMessageSchema, { label: `server-a (${stream})`, idleTimeoutMs });
  return {
    sender,
    receiver,
    senderSocket,
    receiverSocket,
    close() {
      senderSocket.terminate();
      receiverSocket.terminate();
      expectation.cancel();
    },
  };
}
