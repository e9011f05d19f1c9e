// The front door: round robin per connection, a replica that refuses connections is skipped,
// every replica gone answers 502; request and response bytes pass through unchanged.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontDoor, type FrontDoor } from './front-door.js';

async function replica(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(`${name} ${req.method ?? ''} ${req.url ?? ''} ${body}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, server };
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));
/** A new connection per request, as after a replica went away. */
const get = async (url: string, init: RequestInit = {}) => {
  const res = await fetch(url, { ...init, headers: { connection: 'close' } });
  return { status: res.status, text: await res.text() };
};

describe('front door', () => {
  const servers: Server[] = [];
  let door: FrontDoor | undefined;
  afterEach(async () => {
    await door?.close();
    for (const s of servers.splice(0)) if (s.listening) await close(s);
  });

  it('hands connections to the replicas in turn and skips one that refuses them', async () => {
    const r = [await replica('r0'), await replica('r1')];
    servers.push(...r.map((x) => x.server));
    door = await startFrontDoor(() => r.map((x) => x.url));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await get(`${door.url}/api/v1/health`)).text.split(' ')[0]);
    expect(answers).toEqual(['r0', 'r1', 'r0', 'r1']);
    expect((await get(`${door.url}/x`, { method: 'POST', body: 'payload' })).text).toBe('r0 POST /x payload');
    expect(door.routed('GET /api/v1/health')).toEqual([0, 1, 0, 1]);

    await close(r[1]!.server);
    for (let i = 0; i < 3; i++) expect((await get(`${door.url}/y`)).text).toBe('r0 GET /y ');
    await close(r[0]!.server);
    expect((await get(`${door.url}/z`)).status).toBe(502);
  });
});
