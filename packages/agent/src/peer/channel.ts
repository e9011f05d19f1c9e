// One peer connection as both sides use it: typed JSON control frames, binary data frames with
// credit-based flow control, and liveness. Memory stays bounded whatever the size of the stream:
// the sender never has more than the granted credit in flight, and the receiver grants credit
// only as its consumer takes the bytes. The receiver keeps reading its socket, so ping/pong keeps
// flowing while a slow pg_restore holds the sender back; a peer silent for `idleTimeoutMs` (cut
// link, frozen host) is terminated and the stream fails.
import type { WebSocket, RawData } from 'ws';
import { AppError, CloseCode, ErrorCode, parseFrame, type ErrorCode as Code } from '@oec/shared';
import type { z } from 'zod';

export interface ChannelOptions {
  /** Names the peer in messages, e.g. `server-b (database)`. */
  label: string;
  idleTimeoutMs: number;
}

export type Incoming<M> = { kind: 'message'; message: M } | { kind: 'data'; data: Buffer };

/** Credit a receiver grants up front and keeps topping up (bytes). */
export const CREDIT_WINDOW = 8 * 1024 * 1024;
/** Bytes queued in the socket past which the sender waits for the kernel to take them. */
const SOCKET_HIGH_WATER = 4 * 1024 * 1024;

export class PeerChannel<In extends { type: string }, Out extends { type: string }> {
  private readonly queue: Incoming<In>[] = [];
  private waiter: (() => void) | null = null;
  private closed: { code: number; reason: string } | null = null;
  private failure: AppError | null = null;
  private lastSeen = Date.now();
  private readonly timer: NodeJS.Timeout;
  private credit = 0;
  private creditWaiter: (() => void) | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly schema: z.ZodType<In>,
    private readonly opts: ChannelOptions,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    ws.on('pong', () => (this.lastSeen = Date.now()));
    ws.on('ping', () => (this.lastSeen = Date.now()));
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
      clearInterval(this.timer);
      this.wake();
    });
    const tick = Math.max(250, Math.floor(opts.idleTimeoutMs / 4));
    this.timer = setInterval(() => this.checkAlive(), tick);
    this.timer.unref();
  }

  get label(): string {
    return this.opts.label;
  }

  private checkAlive(): void {
    if (this.closed) return;
    if (Date.now() - this.lastSeen > this.opts.idleTimeoutMs) {
      this.failure ??= new AppError(
        ErrorCode.TRANSFER_FAILED,
        `No answer from ${this.opts.label} for ${Math.round(this.opts.idleTimeoutMs / 1000)} s: the network link or the peer agent is down`,
        { peer: this.opts.label },
      );
      this.ws.terminate();
      this.wake();
      return;
    }
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.lastSeen = Date.now();
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      this.queue.push({ kind: 'data', data: buf });
    } else {
      const message = parseFrame(this.schema, buf.toString('utf8'));
      if (!message) {
        this.fail(ErrorCode.TRANSFER_FAILED, `${this.opts.label} sent an invalid frame`);
        return;
      }
      if (message.type === 'credit' && 'bytes' in message && typeof message.bytes === 'number') {
        this.credit += message.bytes;
        const w = this.creditWaiter;
        this.creditWaiter = null;
        w?.();
        return;
      }
      this.queue.push({ kind: 'message', message });
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
    const c = this.creditWaiter;
    this.creditWaiter = null;
    c?.();
  }

  /** The error that ended the connection, as the step should report it. */
  private closedError(): AppError {
    if (this.failure) return this.failure;
    const c = this.closed;
    const how = c ? `closed (${c.code}${c.reason ? `: ${c.reason}` : ''})` : 'closed';
    return new AppError(ErrorCode.TRANSFER_FAILED, `Connection to ${this.opts.label} lost: ${how}`, { peer: this.opts.label, close_code: c?.code ?? null });
  }

  /** The next frame; throws when the connection ends first or the peer reported an error. */
  async next(signal: AbortSignal): Promise<Incoming<In>> {
    for (;;) {
      signal.throwIfAborted();
      const item = this.queue.shift();
      if (item) {
        if (item.kind === 'message' && item.message.type === 'error') {
          const e = item.message as unknown as { code: Code; message: string };
          throw new AppError(e.code, `${this.opts.label}: ${e.message}`, { peer: this.opts.label, reported_by_peer: true });
        }
        return item;
      }
      if (this.closed || this.failure) throw this.closedError();
      await this.until(signal, (w) => (this.waiter = w));
    }
  }

  /** The next frame, which must be a control message of one of `types`. */
  async expect<T extends In['type']>(signal: AbortSignal, ...types: T[]): Promise<Extract<In, { type: T }>> {
    const item = await this.next(signal);
    if (item.kind === 'message' && (types as string[]).includes(item.message.type)) return item.message as Extract<In, { type: T }>;
    const got = item.kind === 'data' ? 'data' : item.message.type;
    throw new AppError(ErrorCode.TRANSFER_FAILED, `${this.opts.label} broke the protocol: expected ${types.join(' or ')}, got ${got}`);
  }

  private until(signal: AbortSignal, register: (wake: () => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      register(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  send(message: Out): void {
    if (this.ws.readyState !== this.ws.OPEN) throw this.closedError();
    this.ws.send(JSON.stringify(message));
  }

  /**
   * Send a data frame once the receiver has granted room (sender side). Credit may go negative
   * by one frame, so frames need not be split; the socket's own buffer is bounded too.
   */
  async sendData(data: Buffer, signal: AbortSignal): Promise<void> {
    while (this.credit <= 0) {
      if (this.closed || this.failure) throw this.closedError();
      await this.until(signal, (w) => (this.creditWaiter = w));
    }
    if (this.closed || this.failure || this.ws.readyState !== this.ws.OPEN) throw this.closedError();
    this.credit -= data.length;
    if (this.ws.bufferedAmount < SOCKET_HIGH_WATER) {
      this.ws.send(data, { binary: true });
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.ws.send(data, { binary: true }, (err) => (err ? reject(this.closedError()) : resolve()));
    });
  }

  /** Receiver side: let the sender send `bytes` more. */
  grant(bytes: number): void {
    if (bytes > 0 && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify({ type: 'credit', bytes }));
  }

  /** Tell the peer why we stop, then close. */
  fail(code: Code, message: string): void {
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.send(JSON.stringify({ type: 'error', code, message: message.slice(0, 4000) }));
      this.ws.close(CloseCode.PEER_FAILED, code);
    }
    this.failure ??= new AppError(code, message);
    this.wake();
  }

  close(): void {
    clearInterval(this.timer);
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000, 'done');
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** Resolves once the socket is closed (after close() or the peer's close). */
  closedPromise(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }
}
