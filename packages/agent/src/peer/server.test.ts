import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AppError, ErrorCode, PEER_HEADERS, PEER_PATH, type PeerTicket } from '@oec/shared';
import { captureLogs, endpointOf, newIdentity, newTicket, startTestServer, tempDir, waitFor, type CapturedLogs } from '../testing/peer.js';
import { dialPeer } from './client.js';
import { startPeerServer, type PeerServer } from './server.js';
import type { PeerIdentity } from './tls.js';

const REFUSED = 'peer connection refused';
const CONNECTED = 'peer stream connected';

describe('peer server tickets', () => {
  const dirs: string[] = [];
  let identity: PeerIdentity;
  let stranger: PeerIdentity;
  let logs: CapturedLogs;
  let server: PeerServer;
  const sockets: WebSocket[] = [];
  const secrets: string[] = [];
  const signal = AbortSignal.timeout(10 * 60_000);

  beforeAll(async () => {
    const [mine, theirs] = [await tempDir('peer-b'), await tempDir('peer-x')];
    dirs.push(mine, theirs);
    identity = await newIdentity(mine, 'server-b');
    // Another agent's identity, with the same common name: only the pin tells them apart.
    stranger = await newIdentity(theirs, 'server-b');
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    logs = captureLogs();
    server = await startTestServer(identity, logs.logger);
  });
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await server.close();
    // Whatever happened, no ticket secret ever reaches the log.
    for (const s of secrets.splice(0)) expect(logs.text()).not.toContain(s);
  });

  function ticketFor(stream: string, expiresInMs?: number): ReturnType<typeof newTicket> {
    const t = newTicket(stream, expiresInMs);
    secrets.push(t.ticket.ticket);
    return t;
  }

  async function dial(ticket: PeerTicket, operationId: string, pinned = identity): Promise<WebSocket> {
    const ws = await dialPeer(endpointOf(server, pinned), ticket, { operationId, signal, timeoutMs: 30_000 });
    sockets.push(ws);
    return ws;
  }

  /** Dialing must fail as a refusal: TRANSFER_FAILED carrying the HTTP status. */
  async function refused(ticket: PeerTicket, operationId: string): Promise<AppError> {
    const err = await dial(ticket, operationId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    const app = err as AppError;
    expect(app.code).toBe(ErrorCode.TRANSFER_FAILED);
    expect(app.details?.http_status).toBe(401);
    return app;
  }

  function lines(msg: string): Record<string, unknown>[] {
    return logs.entries().filter((e) => e.msg === msg);
  }

  /** Exactly the refusals logged so far, by reason; each names no secret. */
  function refusalReasons(): unknown[] {
    return lines(REFUSED).map((e) => e.reason);
  }

  function received(ws: WebSocket): Promise<string> {
    return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
  }

  it('opens one connection per valid ticket and hands it to accept()', async () => {
    const { ticket, announced } = ticketFor('database');
    const expectation = server.expect('op-1', 1, [announced]);
    const accepting = expectation.accept('database', signal, 60_000);
    const client = await dial(ticket, 'op-1');
    const accepted = await accepting;
    sockets.push(accepted);

    // The accepted socket is the other end of this very connection.
    const atServer = received(accepted);
    client.send('from the source');
    expect(await atServer).toBe('from the source');
    const atClient = received(client);
    accepted.send('from the target');
    expect(await atClient).toBe('from the target');

    expect(lines(CONNECTED)).toMatchObject([{ operationId: 'op-1', stream: 'database' }]);
    expect(lines(REFUSED)).toEqual([]);
  });

  it('holds a connection that arrives before accept() is called', async () => {
    const { ticket, announced } = ticketFor('filestore-3');
    const expectation = server.expect('op-1', 1, [announced]);
    const client = await dial(ticket, 'op-1');
    await waitFor(() => lines(CONNECTED).length === 1, 'the server to register the connection');
    const accepted = await expectation.accept('filestore-3', signal, 60_000);
    sockets.push(accepted);
    const atServer = received(accepted);
    client.send('early');
    expect(await atServer).toBe('early');
  });

  it('refuses a replayed ticket, also after the first connection closed', async () => {
    const { ticket, announced } = ticketFor('database');
    const expectation = server.expect('op-1', 1, [announced]);
    const first = await dial(ticket, 'op-1');
    sockets.push(await expectation.accept('database', signal, 60_000));

    const err = await refused(ticket, 'op-1');
    expect(err.message).toMatch(/HTTP 401/);
    first.close();
    await new Promise((resolve) => first.once('close', resolve));
    await refused(ticket, 'op-1');

    expect(refusalReasons()).toEqual(['replayed', 'replayed']);
    expect(lines(REFUSED)[0]).toMatchObject({ operationId: 'op-1', stream: 'database', remote: '127.0.0.1' });
    expect(lines(CONNECTED)).toHaveLength(1);
  });

  it('refuses a forged ticket as unknown', async () => {
    const { announced } = ticketFor('database');
    server.expect('op-1', 1, [announced]);
    const forged = ticketFor('database').ticket;
    await refused(forged, 'op-1');
    expect(refusalReasons()).toEqual(['unknown']);
    expect(lines(CONNECTED)).toEqual([]);
  });

  it('refuses an expired ticket', async () => {
    const { ticket, announced } = ticketFor('database', 50);
    const expectation = server.expect('op-1', 1, [announced]);
    const announcedBy = Date.now();
    // The server computed its deadline at or before `announcedBy`: wait until we are surely past it.
    await waitFor(() => Date.now() > announcedBy + announced.expires_in_ms + 1, 'the ticket to expire');
    await refused(ticket, 'op-1');
    expect(refusalReasons()).toEqual(['expired']);
    expectation.cancel();
  });

  it('refuses a valid ticket presented for another stream or another operation', async () => {
    const db = ticketFor('database');
    const addons = ticketFor('addons');
    server.expect('op-1', 1, [db.announced, addons.announced]);
    const other = ticketFor('database');
    server.expect('op-2', 1, [other.announced]);

    await refused({ stream: 'addons', ticket: db.ticket.ticket }, 'op-1');
    await refused(db.ticket, 'op-2');
    await refused(other.ticket, 'op-1');
    expect(refusalReasons()).toEqual(['scope', 'scope', 'scope']);
    expect(lines(REFUSED).map((e) => [e.operationId, e.stream])).toEqual([
      ['op-1', 'addons'],
      ['op-2', 'database'],
      ['op-1', 'database'],
    ]);
    expect(lines(CONNECTED)).toEqual([]);
  });

  it('refuses a connection without a (well-formed) ticket as missing', async () => {
    const { announced } = ticketFor('database');
    server.expect('op-1', 1, [announced]);
    const status = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(new URL(PEER_PATH, server.url).toString(), { headers, rejectUnauthorized: false });
        sockets.push(ws);
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        ws.once('open', () => reject(new Error('connected without a ticket')));
        ws.once('error', reject);
      });
    const scoped = { [PEER_HEADERS.operation]: 'op-1', [PEER_HEADERS.stream]: 'database' };
    expect(await status(scoped)).toBe(401);
    expect(await status({ ...scoped, authorization: 'Bearer too-short' })).toBe(401);
    expect(await status({ ...scoped, authorization: `Basic ${'a'.repeat(43)}` })).toBe(401);
    expect(refusalReasons()).toEqual(['missing', 'missing', 'missing']);
    expect(lines(CONNECTED)).toEqual([]);
  });

  it('refuses the unused tickets of a cancelled expectation and drops its held connections', async () => {
    const used = ticketFor('database');
    const held = ticketFor('addons');
    const unused = ticketFor('filestore-0');
    const expectation = server.expect('op-1', 1, [used.announced, held.announced, unused.announced]);
    const accepting = expectation.accept('database', signal, 60_000);
    await dial(used.ticket, 'op-1');
    sockets.push(await accepting);
    const heldClient = await dial(held.ticket, 'op-1');
    await waitFor(() => lines(CONNECTED).length === 2, 'the held connection');
    const heldClosed = new Promise((resolve) => heldClient.once('close', resolve));

    expectation.cancel();
    await heldClosed;
    await refused(unused.ticket, 'op-1');
    await refused(used.ticket, 'op-1');
    expect(refusalReasons()).toEqual(['unknown', 'replayed']);
  });

  describe('pinning', () => {
    async function pinnedFails(pin: Pick<PeerIdentity, 'cert' | 'fingerprint'>): Promise<void> {
      const { ticket, announced } = ticketFor('database');
      const expectation = server.expect('op-1', 1, [announced]);
      const connectedBefore = lines(CONNECTED).length;
      const err = await dialPeer(endpointOf(server, pin), ticket, { operationId: 'op-1', signal, timeoutMs: 30_000 }).then(
        (ws) => {
          sockets.push(ws);
          return null;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(ErrorCode.TRANSFER_FAILED);
      expect((err as AppError).details?.http_status).toBeUndefined();
      // The server saw no upgrade request at all: nothing logged, and the ticket is still unused,
      // so the connection the controller meant goes through with it.
      expect(lines(REFUSED)).toEqual([]);
      expect(lines(CONNECTED)).toHaveLength(connectedBefore);
      const accepting = expectation.accept('database', signal, 60_000);
      await dial(ticket, 'op-1');
      sockets.push(await accepting);
      expect(lines(CONNECTED)).toHaveLength(connectedBefore + 1);
    }

    it('fails a client pinned to another fingerprint before it sends the ticket', async () => {
      await pinnedFails({ cert: identity.cert, fingerprint: stranger.fingerprint });
    });

    it('fails a client that trusts another certificate before it sends the ticket', async () => {
      await pinnedFails({ cert: stranger.cert, fingerprint: stranger.fingerprint });
      await pinnedFails({ cert: stranger.cert, fingerprint: identity.fingerprint });
    });
  });

  it('advertises the machine name, not the wildcard address it listens on', async () => {
    const wild = await startPeerServer({ host: '0.0.0.0', port: 0, identity, publicUrl: null, advertiseHost: 'server-b.example.com', logger: logs.logger });
    try {
      expect(wild.url).toMatch(/^wss:\/\/server-b\.example\.com:\d+$/);
    } finally {
      await wild.close();
    }
  });
});
