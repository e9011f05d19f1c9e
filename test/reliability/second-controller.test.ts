// A second controller started on the database of a running one (issue 20, finding 3): it must
// refuse to start (the controller lock, decision 0015) instead of running startup recovery, which
// would fail the first one's running clone as AGENT_LOST. A controller restarted right after a
// SIGKILL still starts: PostgreSQL ends the killed one's session, and its lock, with its socket.
// A controller whose lock session is lost while another waits stops rather than run beside it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment } from '@oec/shared';
import {
  createSeededSource,
  getOperation,
  packageMain,
  spawnDaemon,
  startPlatform,
  waitOperation,
  type AgentHandle,
  type Daemon,
  type Platform,
} from '../src/harness/index.js';

describe('a second controller on the same database', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  const extra: Daemon[] = [];

  beforeAll(async () => {
    platform = await startPlatform();
    a = await platform.addServer('a');
    ({ source } = await createSeededSource(platform, a));
  });

  afterAll(async () => {
    for (const d of extra) await d.stop().catch(() => undefined);
    await platform?.close();
  });

  function controller(name: string, env: Record<string, string> = {}): Daemon {
    const d = spawnDaemon(packageMain('@oec/controller'), { name, args: ['serve'], env: { ...platform.controllerEnv, ...env } });
    extra.push(d);
    return d;
  }

  it('refuses to start while the first is alive, and the first one\'s clone runs on to completion', async () => {
    await a.setHooks({ step_delay_ms: 1500 });
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging' },
      sanitization_preset: 'minimal',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = res.body;
    await waitOperation(platform.api, op.id, (o) => o.progress.steps.some((s) => s.key === 'creating_target' && s.status !== 'pending'), 120_000);

    const second = controller('controller-2', { OEC_SINGLETON_WAIT_MS: '2000' });
    // Without the lock it would start, fail the running clone (AGENT_LOST) and serve on.
    const code = await Promise.race([second.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
    const output = second.output.join('\n');
    expect(code, output).toBe(1);
    expect(output).toMatch(/another controller is running against this database \(database "\w+" on [^;]+; PostgreSQL session \d+/);
    expect(output).not.toContain(platform.controllerEnv.OEC_DATABASE_URL);
    // It stopped before migrations, recovery and the HTTP server.
    expect(second.logs.some((l) => l.msg === 'controller listening' || /interrupted by a restart/.test(l.msg ?? ''))).toBe(false);

    const meanwhile = await getOperation(platform.api, op.id);
    expect(['completed', 'failed', 'cancelled']).not.toContain(meanwhile.status);
    expect(meanwhile.error).toBeNull();

    await a.setHooks({});
    const done = await waitOperation(platform.api, op.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const logs = await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs?limit=1000`);
    expect(logs.items.some((l) => /AGENT_LOST|controller restarted/.test(l.message))).toBe(false);
    await platform.api.del(`/environments/${done.target_environment_id}`);
  });

  let restarted: Daemon;

  it('starts at once after the first was killed (its lock went with its session)', async () => {
    await platform.controller.kill();
    restarted = controller('controller-restarted', { OEC_SINGLETON_WAIT_MS: '15000' });
    await restarted.waitForLog('controller listening', 60_000);
  });

  it('stops, exit 1, when its lock session was lost and the waiting controller took the lock', async () => {
    const waiting = controller('controller-3', { OEC_SINGLETON_WAIT_MS: '120000' });
    await waiting.waitForLog(/another controller holds this database/);
    const admin = new pg.Client({ connectionString: platform.controllerEnv.OEC_DATABASE_URL });
    await admin.connect();
    try {
      // As a PostgreSQL restart would, end the lock session of the running controller (its other
      // sessions are the pool's, named oec-controller). Both retry: end it again until the waiting one won.
      for (let i = 0; i < 60 && !waiting.logs.some((l) => /controller lock taken/.test(l.msg ?? '')); i++) {
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '%pid ' || $1::text", [
          String(restarted.proc.pid),
        ]);
        await new Promise((r) => setTimeout(r, 400));
      }
    } finally {
      await admin.end();
    }
    await waiting.waitForLog('controller listening', 60_000);
    const code = await Promise.race([restarted.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
    const output = restarted.output.join('\n');
    expect(code, output).toBe(1);
    expect(output).toMatch(/another controller is running against this database \(.*\): it took the controller lock while this controller's lock session was lost/);
  });
});
