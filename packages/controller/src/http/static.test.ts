import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from './env.js';
import { webAssets } from './static.js';

describe('dashboard assets', () => {
  let dir: string;
  let app: Hono<AppEnv>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oec-web-'));
    await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dir, 'dist', 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside');
    const assets = webAssets(join(dir, 'dist'));
    if (!assets) throw new Error('expected the middleware');
    app = new Hono<AppEnv>();
    app.get('/api/v1/things', (c) => c.json({ ok: true }));
    app.use('*', assets);
    app.notFound((c) => c.json({ error: 'nope' }, 404));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves files with their type, hashed assets as immutable, client routes as index.html', async () => {
    const js = await app.request('/assets/app-1234.js');
    expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    for (const path of ['/', '/projects/5f0c0b5e-0000-4000-8000-000000000000/environments', '/sign-in']) {
      const res = await app.request(path);
      expect([res.status, res.headers.get('cache-control')]).toEqual([200, 'no-cache']);
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it('leaves the API, tRPC and the agents alone, and never leaves its folder', async () => {
    expect(await (await app.request('/api/v1/things')).json()).toEqual({ ok: true });
    expect((await app.request('/api/v1/unknown')).status).toBe(404);
    expect((await app.request('/trpc/health')).status).toBe(404);
    expect((await app.request('/agent/ws')).status).toBe(404);
    expect((await app.request('/assets/app-1234.js', { method: 'POST' })).status).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
      expect(await (await app.request(path)).text()).not.toContain('outside');
    }
  });

  it('is absent when the dashboard is not built', () => {
    expect(webAssets(join(tmpdir(), 'no-such-oec-web-dir'))).toBeNull();
  });
});
