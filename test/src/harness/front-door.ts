// A front door for controller replicas (the demo's, and tests'): a TCP proxy that hands each new
// connection to the next replica in turn (round robin), and to the one after it when a replica
// refuses the connection (killed), so clients, the CLI, the dashboard and the agents' WebSockets
// keep one address. Per connection, not per request: a keep-alive connection stays on its replica
// until that replica goes away; the client then reconnects and lands on a live one. Not a product
// component: a real deployment puts its own load balancer here.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface FrontDoor {
  url: string;
  /** Replica index of every connection so far whose request line starts with `prefix`. */
  routed(prefix: string): number[];
  close(): Promise<void>;
}

export async function startFrontDoor(backends: () => string[], host = '127.0.0.1'): Promise<FrontDoor> {
  let next = 0;
  const routes: Array<{ replica: number; line: string }> = [];
  const sockets = new Set<Socket>();

  function connect(client: Socket, first: Buffer, tried: number): void {
    const urls = backends();
    if (tried >= urls.length) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const replica = next++ % urls.length;
    const target = new URL(urls[replica] ?? '');
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(upstream);
    let connected = false;
    upstream.once('error', () => {
      upstream.destroy();
      // Refused (nothing sent yet): the next replica; once connected, the client sees a reset,
      // never a request sent twice.
      if (!connected && !client.destroyed) connect(client, first, tried + 1);
      else client.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      routes.push({ replica, line: first.toString('latin1', 0, Math.min(first.length, 200)).split('\r\n')[0] ?? '' });
      upstream.write(first);
      client.once('close', () => upstream.destroy());
      client.pipe(upstream).on('error', () => upstream.destroy());
      upstream.pipe(client).on('error', () => client.destroy());
      client.resume();
    });
    upstream.once('close', () => {
      sockets.delete(upstream);
      // A refused connection closes too: the next replica has the client now.
      if (connected) client.destroy();
    });
  }

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    // Wait for the first bytes (the request line), so a refused replica can be skipped unseen.
    client.once('data', (first: Buffer) => {
      client.pause();
      connect(client, first, 0);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://${host}:${port}`,
    routed: (prefix) => routes.filter((r) => r.line.startsWith(prefix)).map((r) => r.replica),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
