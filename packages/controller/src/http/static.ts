// The dashboard: the built web app (packages/web/dist) served at `/`. A file that exists is sent
// with its content type; any other GET outside the API answers index.html, so the client's own
// routes (/projects/…) survive a reload. Paths are resolved inside the folder and never leave it.
// No folder (the dashboard not built) → nothing is served and the API works as before.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** packages/web/dist, beside this package's dist/ folder. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Prefixes the dashboard never answers: the API, tRPC, the agents' socket, health. */
const RESERVED = ['/api/', '/trpc/', '/agent/', '/healthz'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

async function fileAt(root: string, path: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = resolve(root, `.${decoded}`);
  if (full !== root && !full.startsWith(root + sep)) return null;
  const s = await stat(full).catch(() => null);
  return s?.isFile() ? full : null;
}

/** Middleware serving `webDir`, or null when the folder does not exist. */
export function webAssets(webDir: string = DEFAULT_WEB_DIR): MiddlewareHandler<AppEnv> | null {
  const root = resolve(webDir);
  const index = resolve(root, 'index.html');
  if (!existsSync(index)) return null;
  return async (c, next) => {
    const path = c.req.path;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || RESERVED.some((p) => path.startsWith(p) || `${path}/` === p)) {
      return next();
    }
    const file = (await fileAt(root, path)) ?? index;
    const body = await readFile(file);
    const hashed = file.startsWith(resolve(root, 'assets') + sep);
    return c.body(body, 200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
  };
}
