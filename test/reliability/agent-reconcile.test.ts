// Reconciliation of crash leftovers at an agent's (re)connect (decision 0017). Leftovers are
// planted with the names a crash leaves them under, for an operation that has ended (failed, its
// cleanup done): its target environment (directory and database, no environment row any more), a
// replace's side database beside that target, its swap journal beside the source. Then:
// 1. While another clone is in its data step (pg_dump | pg_restore slowed by the test hook), the
//    agent is frozen (SIGSTOP) until the controller drops it, and thawed: it reconnects, the
//    controller sends agent.reconcile, the ended operation's leftovers go, what cannot be
//    attributed stays, the running clone's objects are untouched and that clone completes.
// 2. The agent is killed and restarted: what was planted meanwhile goes at its reconnect.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@oec/agent/postgres';
import { environmentDbName, idSlug, type CloneOperation, type Environment } from '@oec/shared';
import { dumpDigest, withDb } from '../src/clone/db-facts.js';
import {
  agentEnvironmentsDir,
  clusterOf,
  createSeededSource,
  getOperation,
  startPlatform,
  waitFor,
  waitOperation,
  type AgentHandle,
  type Platform,
} from '../src/harness/index.js';

const SLOW = { transfer_bytes_per_second: 64 * 1024 };

describe('agent reconciliation of crash leftovers', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let digest = '';

  beforeAll(async () => {
    platform = await startPlatform({
      controllerEnv: {
        OEC_PORT: String(await freePort()),
        OEC_CLONE_DATA_PATH: 'dump_restore',
        // A frozen agent is dropped after ~5 s (unanswered pings) and its tasks wait 4.5 s for it.
        OEC_HEARTBEAT_INTERVAL_MS: '1500',
        OEC_HEARTBEAT_MISSES: '3',
      },
    });
    a = await platform.addServer('a');
    ({ source, digest } = await createSeededSource(platform, a));
  });

  afterAll(async () => {
    if (a?.daemon.proc.pid) process.kill(a.daemon.proc.pid, 'SIGCONT');
    await platform?.close();
  });

  const databases = () =>
    withDb(clusterOf(source), 'postgres', async (c) => (await c.query<{ d: string }>('SELECT datname AS d FROM pg_database')).rows.map((r) => r.d));
  const createDb = (name: string) => withDb(clusterOf(source), 'postgres', (c) => c.query(`CREATE DATABASE "${name}"`));
  const envDir = (id: string) => join(agentEnvironmentsDir(a.dataDir), id);

  async function clone(hooks: Parameters<AgentHandle['setHooks']>[0]): Promise<CloneOperation> {
    await a.setHooks(hooks);
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging' },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  }

  it('removes what an ended operation left, keeps what it cannot attribute, never touches a running clone', async () => {
    // An operation that ended: failed after it created its target; the cleanup removed it.
    const ended = await waitOperation(platform.api, (await clone({ faults: ['creating_target'] })).id);
    expect([ended.status, ended.cleanup]).toEqual(['failed', 'done']);
    const gone = ended.target_environment_id;
    const goneDb = environmentDbName(gone);
    const tag = idSlug(ended.id).slice(0, 8);
    // What a crash in its rollback would have left: the target's directory and database, a side
    // database of its naming, its swap journal beside the source (a known environment).
    await mkdir(join(envDir(gone), 'filestore', goneDb, 'ab'), { recursive: true });
    await writeFile(join(envDir(gone), 'filestore', goneDb, 'ab', 'abcdef'), 'left behind');
    await createDb(goneDb);
    await createDb(`${goneDb}_n${tag}`);
    await writeFile(join(envDir(source.id), `clone-${ended.id}.json`), '{"state":"prepared"}');
    // Not attributable to any operation the controller named: kept and reported.
    const stray = `${source.database_name}_n0123abcd`;
    await mkdir(join(envDir(source.id), 'filestore', stray), { recursive: true });

    // A clone in its data step.
    const running = await clone(SLOW);
    const dataStep = ['backing_up_database', 'restoring_database'];
    await waitFor(async () => (dataStep.includes((await getOperation(platform.api, running.id)).status) ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the running clone in its data step',
    });
    const runningTarget = running.target_environment_id;
    expect(existsSync(envDir(runningTarget))).toBe(true);
    expect(await databases()).toContain(environmentDbName(runningTarget));

    // Freeze the agent until the controller drops it, thaw it: it reconnects and is reconciled.
    const ctlFrom = platform.controller.logs.length;
    const pid = a.daemon.proc.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    try {
      await platform.controller.waitForLog('agent disconnected', 30_000, ctlFrom);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const summary = await platform.controller.waitForLog(/^agent reconciled/, 30_000, ctlFrom);
    await a.setHooks({});

    // The ended operation's leftovers are gone; the stray directory and the source stay.
    const dbs = await databases();
    expect(dbs).not.toContain(goneDb);
    expect(dbs).not.toContain(`${goneDb}_n${tag}`);
    expect(existsSync(envDir(gone))).toBe(false);
    expect(existsSync(join(envDir(source.id), `clone-${ended.id}.json`))).toBe(false);
    expect(existsSync(join(envDir(source.id), 'filestore', stray))).toBe(true);
    expect(summary.msg).toContain(`${stray} (unknown)`);
    const reconciled = a.daemon.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('reconcile: removed'));
    expect(reconciled.length).toBeGreaterThanOrEqual(3);
    // The ended operation's log says what went.
    const logs = await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${ended.id}/logs?limit=1000`);
    expect(logs.items.some((l) => l.message.startsWith('Agent reconciliation: removed'))).toBe(true);

    // The running clone was not touched and completes.
    const done = await waitOperation(platform.api, running.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect((await platform.api.get<Environment>(`/environments/${runningTarget}`)).body.status).toBe('RUNNING');
    expect(await databases()).toContain(environmentDbName(runningTarget));
    expect(await dumpDigest(clusterOf(source), source.database_name)).toBe(digest);

    // 2. A crash and a restart: what the dead agent left of the ended operation goes at its return.
    await a.daemon.kill();
    await createDb(`${goneDb}_o${tag}`);
    await writeFile(join(envDir(source.id), `clone-${ended.id}-missing.json`), '[]');
    const from = platform.controller.logs.length;
    await a.start();
    await platform.controller.waitForLog(/^agent reconciled/, 30_000, from);
    expect(await databases()).not.toContain(`${goneDb}_o${tag}`);
    expect(existsSync(join(envDir(source.id), `clone-${ended.id}-missing.json`))).toBe(false);
    expect(existsSync(join(envDir(source.id), 'filestore', stray))).toBe(true);
    expect((await platform.api.get<Environment>(`/environments/${runningTarget}`)).body.status).toBe('RUNNING');
    expect((await platform.api.get<Environment>(`/environments/${source.id}`)).body.status).toBe('RUNNING');
  });
});
