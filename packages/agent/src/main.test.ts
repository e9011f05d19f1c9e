// The agent as the end-to-end suites run it: `node dist/main.js` with OEC_* variables, an owned
// cluster in a temp dir, and a fake controller. Needs `pnpm build` first (it runs dist/).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentDbName } from '@oec/shared';
import { findPgBinDir, isRunning } from './postgres/cluster.js';
import { ownedClusterDir, stopOwnedCluster } from './postgres/owned.js';
import { stopAppsUnder } from './runtime/app-process.js';
import { FakeController } from './testing/fake-controller.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TOKEN = 'tok-e2e-very-secret';

let dataDir = '';
let controller: FakeController | undefined;
let agent: ChildProcess | undefined;

afterAll(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await controller?.close();
  if (dataDir) {
    await stopAppsUnder(dataDir);
    await stopOwnedCluster(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  }
});

function run(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = (): { msg?: string }[] =>
    out.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  return { child, out, exited, lines };
}

describe('oec-agent (dist/main.js)', () => {
  it('exits 2 with a readable message on bad configuration', async () => {
    const p = run({ OEC_CONTROLLER_URL: 'http://nope', OEC_RUNTIME: 'kubernetes' });
    expect(await p.exited).toBe(2);
    expect(p.out.stderr).toContain('OEC_CONTROLLER_URL');
    expect(p.out.stderr).toContain('OEC_AGENT_TOKEN: ');
    expect(p.out.stderr).toContain('OEC_RUNTIME: ');
  });

  it('exits 1 naming the socket when the docker runtime finds no engine there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oec-agent-nodocker-'));
    try {
      const p = run({
        OEC_CONTROLLER_URL: 'ws://127.0.0.1:9/agent/ws',
        OEC_AGENT_TOKEN: TOKEN,
        OEC_DATA_DIR: dir,
        OEC_RUNTIME: 'docker',
        OEC_DOCKER_POSTGRES_IMAGE: 'postgres:15',
        OEC_DOCKER_ODOO_IMAGE: 'odoo:{version}',
        OEC_DOCKER_SOCKET: join(dir, 'no-engine.sock'),
      });
      expect(await p.exited).toBe(1);
      expect(p.lines().map((l) => JSON.stringify(l)).join('\n')).toContain(`no Docker engine answers on ${join(dir, 'no-engine.sock')}`);
      expect(p.out.stdout).not.toContain(TOKEN);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('connects, runs environment tasks, and stops on SIGTERM leaving PostgreSQL up', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'oec-agent-main-'));
    const ctl = (controller = await FakeController.start({ heartbeatIntervalMs: 1000 }));
    const p = run({ OEC_CONTROLLER_URL: ctl.url, OEC_AGENT_TOKEN: TOKEN, OEC_DATA_DIR: dataDir, OEC_PG_MODE: 'owned' });
    agent = p.child;
    await ctl.until(() => p.lines().some((l) => l.msg === 'agent connected'), 'agent connected', 180_000);
    expect(ctl.current?.authorization).toBe(`Bearer ${TOKEN}`);
    const hello = ctl.frames('hello')[0] as { protocol_version: number; facts: Record<string, unknown> };
    expect(hello.protocol_version).toBe(1);
    expect(hello.facts).toMatchObject({ runtime: 'local', pg_version: expect.stringMatching(/^\d+/) as string });

    const second = run({ OEC_CONTROLLER_URL: ctl.url, OEC_AGENT_TOKEN: TOKEN, OEC_DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.out.stdout).toContain('another agent');

    const id = randomUUID();
    const ref = { environment_id: id, db_name: environmentDbName(id) };
    const task = async (kind: string, input: unknown) => {
      const taskId = randomUUID();
      ctl.send({ type: 'task.run', task_id: taskId, kind, fence: { operation_id: null, attempt: 0 }, input });
      await ctl.until(() => ctl.frames('task.result').some((f) => f.task_id === taskId), `${kind} result`, 120_000);
      return ctl.frames('task.result').find((f) => f.task_id === taskId);
    };
    const spec = { ...ref, name: 'staging', domain: 'staging.example.com', odoo_version: '17.0', addons: [] };
    expect(await task('env.create', spec)).toMatchObject({ ok: true, output: { db_name: ref.db_name } });
    expect(await task('env.start', ref)).toMatchObject({ ok: true });
    expect(await task('env.inspect', ref)).toMatchObject({ ok: true, output: { exists: true } });
    expect(await task('env.destroy', ref)).toMatchObject({ ok: true });
    // A started environment outlives the agent; harnesses stop its app with stopAppsUnder.
    const kept = randomUUID();
    const keptRef = { environment_id: kept, db_name: environmentDbName(kept) };
    expect(await task('env.create', { ...spec, ...keptRef })).toMatchObject({ ok: true });
    expect(await task('env.start', keptRef)).toMatchObject({ ok: true });
    expect(await task('env.inspect', ref)).toMatchObject({ ok: true, output: { exists: false } });
    expect(await task('env.start', { environment_id: 'bad' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.lines().some((l) => l.msg === 'agent stopped')).toBe(true);
    expect(p.out.stdout + p.out.stderr).not.toContain(TOKEN);
    expect(await isRunning({ dataDir: join(ownedClusterDir(dataDir), 'data'), binDir: findPgBinDir() })).toBe(true);
    expect(await stopAppsUnder(dataDir)).toBe(1);
    expect(await stopAppsUnder(dataDir)).toBe(0);
  });
});
