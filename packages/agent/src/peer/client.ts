// Dialing a peer agent: TLS that trusts exactly the certificate the controller handed us for that
// server (its PEM as the only CA, and its sha256 fingerprint checked instead of a host name), so
// the ticket in the upgrade request never reaches anyone else.
import type { ConnectionOptions } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import { AppError, ErrorCode, PEER_HEADERS, PEER_PATH, type PeerEndpoint, type PeerTicket } from '@oec/shared';

export interface DialOptions {
  operationId: string;
  signal: AbortSignal;
  /** Connection and TLS handshake must finish within this. */
  timeoutMs: number;
}

export function peerStreamUrl(peer: PeerEndpoint): string {
  return new URL(PEER_PATH, peer.url.replace(/^http/, 'ws')).toString();
}

export function dialPeer(peer: PeerEndpoint, ticket: PeerTicket, opts: DialOptions): Promise<WebSocket> {
  const where = `${peer.server_name} (${ticket.stream})`;
  return new Promise<WebSocket>((resolve, reject) => {
    // Node's TLS calls checkServerIdentity(host, cert) → Error | undefined (ws's typing differs).
    const pinning: ConnectionOptions = {
      ca: [peer.certificate],
      checkServerIdentity: (_host, cert) =>
        cert.fingerprint256 === peer.fingerprint ? undefined : new Error(`certificate ${cert.fingerprint256} is not the pinned one`),
    };
    const options: ClientOptions = {
      headers: {
        authorization: `Bearer ${ticket.ticket}`,
        [PEER_HEADERS.operation]: opts.operationId,
        [PEER_HEADERS.stream]: ticket.stream,
      },
      handshakeTimeout: opts.timeoutMs,
      perMessageDeflate: false,
      maxPayload: 4 * 1024 * 1024,
    };
    const ws = new WebSocket(peerStreamUrl(peer), Object.assign(options, pinning));
    let settled = false;
    const settle = (err: AppError | null): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      if (err) {
        ws.terminate();
        reject(err);
      } else resolve(ws);
    };
    const onAbort = (): void => settle(new AppError(ErrorCode.CANCELLED, 'transfer cancelled'));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', () => settle(null));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.slice(0, 200)));
      res.on('end', () =>
        settle(
          new AppError(ErrorCode.TRANSFER_FAILED, `${where} refused the connection (HTTP ${res.statusCode ?? '?'}: ${body.trim() || 'no reason'})`, {
            peer: peer.server_name,
            http_status: res.statusCode ?? null,
          }),
        ),
      );
    });
    ws.once('error', (err) => settle(new AppError(ErrorCode.TRANSFER_FAILED, `Cannot reach ${where} at ${peer.url}: ${err.message}`, { peer: peer.server_name })));
  });
}
