// A webhook receiver (node:http) that answers the statuses of `plan` in turn (then 200), checks
// each request's X-OEC-Signature against the secret (HMAC-SHA256 over "<t>.<body>", recomputed
// here independently of the controller's code) and keeps every request.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  answered: number;
  /** null until a secret is set. */
  signatureValid: boolean | null;
}

export interface WebhookSink {
  url: string;
  requests: SinkRequest[];
  /** Statuses answered to the next requests (consumed in order), then 200. */
  plan: number[];
  secret: string | null;
  close(): Promise<void>;
}

export function signatureValid(secret: string, header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m?.[1] || !m[2]) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

export async function startWebhookSink(plan: number[] = []): Promise<WebhookSink> {
  const sink: WebhookSink = { url: '', requests: [], plan: [...plan], secret: null, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answered = sink.plan.shift() ?? 200;
      const header = req.headers['x-oec-signature'];
      sink.requests.push({
        headers: req.headers,
        body,
        answered,
        signatureValid: sink.secret ? signatureValid(sink.secret, typeof header === 'string' ? header : undefined, body) : null,
      });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/oec`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
