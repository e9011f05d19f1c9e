// The controller's command line, run as a real process against a real database: migrate,
// bootstrap (idempotent, first user only), token (stdout carries the token only), serve on
// port 0 (logs `controller listening` with the URL, stops on SIGTERM), config errors.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, waitFor } from './harness.js';
import type { Postgres } from './harness.js';

const require = createRequire(import.meta.url);
const MAIN = join(dirname(require.resolve('@oec/controller/package.json')), 'dist', 'main.js');

let postgres: Postgres;
let env: Record<string, string>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], extraEnv: Record<string, string> = env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  postgres = await startPostgres();
  env = {
    OEC_DATABASE_URL: await postgres.createDatabase(),
    OEC_JWT_SECRET: randomBytes(32).toString('hex'),
    OEC_PORT: '0',
    OEC_LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  await postgres?.close();
});

describe('oec-controller CLI', () => {
  it('migrates, bootstraps the first admin idempotently, and prints tokens alone on stdout', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const first = await cli(['bootstrap', '--email', 'Root@Example.com', '--name', 'Root']);
    expect(first.code).toBe(0);
    const id = first.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cli(['bootstrap', '--email', 'root@example.com'])).stdout.trim()).toBe(id);
    const other = await cli(['bootstrap', '--email', 'intruder@example.com']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/only creates the first user/);

    const token = await cli(['token', '--user', 'root@example.com', '--ttl', '1h']);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect((await cli(['token', '--user', 'nobody@example.com'])).code).toBe(2);
    expect((await cli(['token', '--user', 'root@example.com', '--ttl', '400d'])).code).toBe(2);
  });

  it('serves on port 0, logs the URL, answers with the token, and stops on SIGTERM', async () => {
    const token = (await cli(['token', '--user', 'root@example.com'])).stdout.trim();
    const child = spawn(process.execPath, [MAIN, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await waitFor(() => {
        for (const line of stderr.split('\n')) {
          if (!line.includes('controller listening')) continue;
          const parsed = JSON.parse(line) as { url?: string; port?: number };
          if (parsed.url && parsed.port) return parsed.url;
        }
        return undefined;
      }, 'controller listening');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toMatch(/:8080$/);
      const res = await fetch(`${url}/api/v1/organizations`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(stderr).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toBe('');
  });

  it('exits 2 with a readable message when the configuration is invalid', async () => {
    const res = await cli(['migrate'], { OEC_JWT_SECRET: 'short' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/OEC_DATABASE_URL: is required/);
    expect(res.stderr).toMatch(/OEC_JWT_SECRET: must be at least 32 characters/);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });
});
