// A minimal EventSource over fetch, so the progress subscription sends its token in the
// Authorization header (a browser EventSource cannot, and the token must not go in the URL).
// No reconnection: the progress view falls back to polling when the stream ends in an error.

interface SseEvent {
  event: string;
  data: string;
  id: string;
}

async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
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
        const v = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') ev.event = v;
        else if (field === 'data') ev.data = ev.data ? `${ev.data}\n${v}` : v;
        else if (field === 'id') ev.id = v;
        else continue;
        seen = true;
      }
      if (seen) yield ev;
    }
  }
}

type Listener = (ev: MessageEvent<string>) => void;

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
    const ev = new MessageEvent<string>(type, { data, lastEventId });
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn(ev);
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
