// Processes killed mid-clone, as an operator would see it (issue 20's findings 1, 2 and 6). The
// database goes through pg_dump | pg_restore (OEC_CLONE_DATA_PATH=dump_restore) slowed down by the
// agent's test hook, so that real child processes are running when the kill comes.
// 1. The agent is SIGKILLed during the data step and restarted: its children died with it, the
//    controller sends the task again and the restarted agent answers from its journal that the
//    task was lost (AGENT_LOST, retryable) instead of running pg_restore a second time; cleanup
//    leaves nothing; the source's app process is adopted, not duplicated; a retry completes.
// 2. The controller is SIGKILLed during the data step and stays down past the agent's lease: the
//    agent stops the task and removes what it built; the restarted controller fails the
//    operation, its cleanup finds nothing left, and a retry completes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@oec/agent/postgres';
import type { CloneOperation, Environment } from '@oec/shared';
import { dumpDigest, withDb } from '../src/clone/db-facts.js';
import {
  agentEnvironmentsDir,
  clusterOf,
  createSeededSource,
  getOperation,
  packageMain,
  spawnDaemon,
  startPlatform,
  waitFor,
  waitOperation,
  withControllerDb,
  type AgentHandle,
  type Daemon,
  type Platform,
} from '../src/harness/index.js';

const LEASE_MS = 4000;
/** Slow enough that pg_dump | pg_restore runs for a while. */
const SLOW = { transfer_bytes_per_second: 48 * 1024 };

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose command line names `path` (an environment's odoo.conf). */
function processesNaming(path: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(path)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('killed mid-clone: agent and controller', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let digest = '';
  let restartedController: Daemon | undefined;

  beforeAll(async () => {
    const port = await freePort();
    platform = await startPlatform({
      controllerEnv: {
        OEC_PORT: String(port),
        OEC_CLONE_DATA_PATH: 'dump_restore',
        // Tasks wait 15 s for their agent to come back (the agent restarts well within it).
        OEC_HEARTBEAT_INTERVAL_MS: '5000',
        OEC_HEARTBEAT_MISSES: '3',
      },
    });
    a = await platform.addServer('a', { OEC_TASK_LEASE_MS: String(LEASE_MS) });
    ({ source, digest } = await createSeededSource(platform, a));
  });

  afterAll(async () => {
    await restartedController?.stop();
    await platform?.close();
  });

  async function startClone(): Promise<CloneOperation> {
    await a.setHooks(SLOW);
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging' },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  }

  /** The agent's children (its run/children records) once pg_dump and pg_restore both run. */
  async function dumpAndRestoreRunning(): Promise<number[]> {
    const dir = join(a.dataDir, 'run', 'children');
    return waitFor(
      () => {
        const records = readdirSync(dir).flatMap((n) => {
          try {
            return [JSON.parse(readFileSync(join(dir, n), 'utf8')) as { pid: number; name: string }];
          } catch {
            return [];
          }
        });
        const names = records.map((r) => r.name);
        return names.includes('pg_dump') && names.includes('pg_restore') ? records.map((r) => r.pid) : undefined;
      },
      { timeoutMs: 120_000, what: 'pg_dump and pg_restore running under the agent' },
    );
  }

  async function dataTaskId(opId: string): Promise<string> {
    const url = platform.controllerEnv.OEC_DATABASE_URL ?? '';
    const rows = await withControllerDb(url, async (c) =>
      (await c.query<{ id: string }>(`SELECT id FROM tasks WHERE operation_id = $1 AND kind = 'clone.data'`, [opId])).rows,
    );
    expect(rows).toHaveLength(1);
    return rows[0]?.id ?? '';
  }

  /** 'task started' lines for `taskId` in these agent processes' logs. */
  const starts = (daemons: Daemon[], taskId: string) => daemons.flatMap((d) => d.logs).filter((l) => l.msg === 'task started' && l.task_id === taskId).length;

  async function expectNoTrace(op: CloneOperation): Promise<void> {
    expect((await platform.api.get(`/environments/${op.target_environment_id}`)).status).toBe(404);
    const dbs = await withDb(clusterOf(source), 'postgres', async (c) =>
      (await c.query<{ d: string }>('SELECT datname AS d FROM pg_database')).rows.map((r) => r.d),
    );
    expect(dbs.filter((d) => d.includes(op.target_environment_id.replace(/-/g, '')))).toEqual([]);
    expect(existsSync(join(agentEnvironmentsDir(a.dataDir), op.target_environment_id))).toBe(false);
    expect(await dumpDigest(clusterOf(source), source.database_name)).toBe(digest);
  }

  async function retryCompletes(op: CloneOperation): Promise<void> {
    await a.setHooks({});
    const res = await platform.api.post<CloneOperation>(`/clone-operations/${op.id}/retry`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await waitOperation(platform.api, res.body.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
  }

  it('agent killed in the data step: its children die with it, the task is reported lost, never run twice', async () => {
    const conf = join(agentEnvironmentsDir(a.dataDir), source.id, 'odoo.conf');
    const appsBefore = processesNaming(conf);
    expect(appsBefore).toHaveLength(1);
    const op = await startClone();
    const children = await dumpAndRestoreRunning();
    const taskId = await dataTaskId(op.id);
    const killed = a.daemon;
    await killed.kill();
    // PR_SET_PDEATHSIG: pg_dump and pg_restore do not outlive the agent, even before it is back.
    await waitFor(() => children.every((pid) => !alive(pid)), { timeoutMs: 20_000, what: "the killed agent's children gone" });

    await a.start();
    const failed = await waitOperation(platform.api, op.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'AGENT_LOST', retryable: true });
    expect(['backing_up_database', 'restoring_database', 'backing_up_filestore', 'restoring_filestore']).toContain(failed.error?.step);
    expect(failed.cleanup).toBe('done');
    expect(starts([killed, a.daemon], taskId)).toBe(1);
    expect(a.daemon.logs.some((l) => l.msg?.startsWith('task lost') && l.task_id === taskId)).toBe(true);
    await expectNoTrace(failed);
    // The source's app outlived its agent and was adopted: the same process, not a second one.
    expect(processesNaming(conf)).toEqual(appsBefore);
    expect((await platform.api.get<Environment>(`/environments/${source.id}`)).body.status).toBe('RUNNING');
    await retryCompletes(failed);
  });

  it('controller down past the lease: the agent stops the data step and removes what it built', async () => {
    const op = await startClone();
    const children = await dumpAndRestoreRunning();
    const taskId = await dataTaskId(op.id);
    const from = a.daemon.logs.length;
    await platform.controller.kill();
    await a.daemon.waitForLog('lease expired: stopped the running tasks of operations and cleaned up', 60_000, from);
    expect(a.daemon.logs.slice(from).some((l) => l.msg === 'cleaned up after an abandoned clone task')).toBe(true);
    expect(children.some(alive)).toBe(false);
    // Nothing of the target is left on the server while the controller is still down.
    const dbs = await withDb(clusterOf(source), 'postgres', async (c) =>
      (await c.query<{ d: string }>('SELECT datname AS d FROM pg_database')).rows.map((r) => r.d),
    );
    expect(dbs.filter((d) => d.includes(op.target_environment_id.replace(/-/g, '')))).toEqual([]);
    expect(existsSync(join(agentEnvironmentsDir(a.dataDir), op.target_environment_id))).toBe(false);

    restartedController = spawnDaemon(packageMain('@oec/controller'), { name: 'controller-restarted', args: ['serve'], env: platform.controllerEnv });
    await restartedController.waitForLog('controller listening', 60_000);
    const failed = await waitOperation(platform.api, op.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'AGENT_LOST', retryable: true });
    expect(failed.cleanup).toBe('done');
    expect(starts([a.daemon], taskId)).toBe(1);
    await expectNoTrace(failed);
    expect((await getOperation(platform.api, op.id)).status).toBe('failed');
    await retryCompletes(failed);
  });
});
