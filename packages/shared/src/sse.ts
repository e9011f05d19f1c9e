// Server-sent events over fetch, for the tRPC progress subscription (httpSubscriptionLink) of the
// dashboard and the contract tests: a minimal EventSource that sends the bearer token in the
// Authorization header (a browser EventSource cannot, and the token must not go in the URL; Node
// 20 has no EventSource at all), and a reader of a raw SSE response. No reconnection: a stream
// that ends is final (the dashboard's progress view then falls back to polling).

export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

/** Parse SSE blocks from a byte stream as they arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const ev: SseEvent = { event: 'message', data: '', id: '' };
        let seen = false;
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const field = line.slice(0, colon);
          const text = line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') ev.event = text;
          else if (field === 'data') ev.data = ev.data ? `${ev.data}\n${text}` : text;
          else if (field === 'id') ev.id = text;
          else continue;
          seen = true;
        }
        if (seen) yield ev;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** What listeners receive: the fields of a MessageEvent that EventSource users read. */
export interface SseMessage {
  type: string;
  data: string;
  lastEventId: string;
}

type Listener = (ev: SseMessage) => void;

/** EventSource-shaped; pass it as `EventSource: FetchEventSource as unknown as typeof EventSource`. */
export class FetchEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  readonly withCredentials = false;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly abort = new AbortController();

  constructor(
    readonly url: string,
    init?: { headers?: Record<string, string> },
  ) {
    void this.run(init?.headers ?? {});
  }

  addEventListener(type: string, fn: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
  }

  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn);
  }

  close(): void {
    this.readyState = 2;
    this.abort.abort();
  }

  private emit(type: string, data = '', lastEventId = ''): void {
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn({ type, data, lastEventId });
  }

  private async run(headers: Record<string, string>): Promise<void> {
    try {
      const res = await fetch(this.url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.abort.signal });
      if (!res.ok || !res.body) throw new Error(`SSE ${res.status}`);
      this.readyState = 1;
      this.emit('open');
      for await (const ev of readSse(res.body)) this.emit(ev.event, ev.data, ev.id);
    } catch {
      // aborted or failed: reported below as the final error
    }
    if (this.readyState !== 2) {
      this.readyState = 2;
      this.emit('error');
    }
  }
}
