// An in-process stand-in for the controller's agent endpoint, for tests: records every frame
// of every connection, answers hello with welcome, and lets a test push frames or drop sockets.
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeAgentLink {
  socket: WebSocket;
  authorization: string | undefined;
  frames: Record<string, unknown>[];
}

export interface FakeControllerOptions {
  heartbeatIntervalMs?: number;
  /** Answer hello with welcome (default true). */
  welcome?: boolean;
  /** Answer pings (default true; false simulates a controller gone silent). */
  autoPong?: boolean;
}

export class FakeController {
  readonly links: FakeAgentLink[] = [];
  readonly serverId = '00000000-0000-4000-8000-000000000001';
  private readonly wss: WebSocketServer;

  private constructor(
    wss: WebSocketServer,
    private readonly opts: FakeControllerOptions,
  ) {
    this.wss = wss;
    wss.on('connection', (socket: WebSocket, req: IncomingMessage) => this.accept(socket, req));
  }

  static async start(opts: FakeControllerOptions = {}): Promise<FakeController> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/agent/ws', autoPong: opts.autoPong ?? true });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    return new FakeController(wss, opts);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/agent/ws`;
  }

  /** Every frame of every connection, in order, optionally of one type. */
  frames(type?: string): Record<string, unknown>[] {
    return this.links.flatMap((l) => l.frames).filter((f) => type === undefined || f.type === type);
  }

  get current(): FakeAgentLink | undefined {
    return this.links.at(-1);
  }

  send(frame: unknown): void {
    this.current?.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async until(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames()).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const l of this.links) l.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const link: FakeAgentLink = { socket, authorization: req.headers.authorization, frames: [] };
    this.links.push(link);
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      link.frames.push(frame);
      if (frame.type === 'hello' && this.opts.welcome !== false) {
        socket.send(
          JSON.stringify({
            type: 'welcome',
            protocol_version: 1,
            server_id: this.serverId,
            heartbeat_interval_ms: this.opts.heartbeatIntervalMs ?? 1000,
          }),
        );
      }
    });
  }
}
