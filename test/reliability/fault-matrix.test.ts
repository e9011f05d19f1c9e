// The fault matrix (issue 14): cross-server clones of the tiny dataset from server A to server B
// (two agents in their own network namespaces, so the source's and the target's agent are
// different processes), some into new environments and some replacing environments of B.
// For each kind of kill — (a) the replica running the operation, (b) the source's agent, (c) the
// target's agent — one round holds nine clones, each at another of the ten steps (the agents' test
// hook `hold`, see packages/agent/src/clone/context.ts holdPoint), SIGKILLs once while all are
// held, restarts, releases the holds and checks every case. The tenth step, pre_checks, runs in the
// controller only and cannot be held: in round (a) a clone is requested right before the kill (it
// is still pending or in pre_checks), in (b) and (c) it is requested while the agent is down (it
// waits pending: the scheduler starts nothing without both agents) and runs once the agent is back.
// Then four single cases: B's disk full mid-restore, B's PostgreSQL restarted mid-restore, the link
// between the agents cut, the controller's PostgreSQL restarted.
// Every case: the source's data unchanged (dump digest); the operation ends COMPLETED ("resumed")
// or FAILED at the held step with an expected code, cleanup done ("failed-clean") — terminal within
// the agents' lease plus a generous margin; nothing of it left on A or B; a replace target RUNNING
// on its old data (digest); the retry of a failed case COMPLETES. The suite prints the table.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, serverRunAs, startCluster, stopCluster } from '@oec/agent/postgres';
import { STEP_KEYS, type CloneOperation, type Environment, type StepKey } from '@oec/shared';
import { dumpDigest, withDb } from '../src/clone/db-facts.js';
import { runFile } from '../src/harness/exec-file.js';
import {
  agentCluster,
  agentEnvironmentsDir,
  clusterOf,
  createSeededSource,
  createTopology,
  fillDisk,
  getOperation,
  mountSmallDisk,
  netnsUnavailableReason,
  seedEnvironment,
  startPlatform,
  waitFor,
  waitOperation,
  withControllerDb,
  type AgentHandle,
  type Platform,
  type Topology,
} from '../src/harness/index.js';

const unavailable = netnsUnavailableReason();
if (unavailable) process.stderr.write(`fault matrix skipped: ${unavailable}\n`);

/** The agents' OEC_TASK_LEASE_MS: how long they keep an operation's tasks without a controller. */
const LEASE_MS = 15_000;
/** "Never left running after the lease timeout": terminal within this after the fault. */
const TERMINAL_WITHIN_MS = LEASE_MS + 150_000;
/** A sender slow enough that a fault lands while the tiny dataset's streams are in flight. */
const SLOW = { transfer_bytes_per_second: 100_000 };
/** What a killed process or a broken stream may fail an operation with. */
const KILL_CODES = ['AGENT_LOST', 'TRANSFER_FAILED', 'SOURCE_UNREACHABLE'];
/** The held steps of a round, in the order they are started (the senders' holds last: B's receive waits ≤ 60 s for their streams). */
const FIRST_WAVE: StepKey[] = ['validating', 'creating_target', 'restoring_database', 'restoring_filestore', 'sanitizing', 'verifying'];
const SECOND_WAVE: StepKey[] = ['copying_addons', 'backing_up_database', 'backing_up_filestore'];
/** These steps' cases replace an environment of B instead of creating one. */
const REPLACED_AT: Partial<Record<StepKey, string>> = { creating_target: 'r-prepare', restoring_filestore: 'r-restore', verifying: 'r-verify' };

interface Row {
  case: string;
  outcome: 'resumed' | 'failed-clean' | 'WRONG';
  code: string;
  step: string;
  leftovers: number;
  dataChanged: number;
  problems: string[];
}

/** A fault: what it breaks and how the platform gets it back. */
interface Fault {
  name: string;
  /** Kill, while `ops` are held. */
  kill(ops: CloneOperation[]): Promise<void>;
  restart(): Promise<void>;
}

describe.skipIf(unavailable !== null)('fault matrix: every step × every kill, and four infrastructure faults', () => {
  let topology: Topology;
  let platform: Platform;
  let a: AgentHandle;
  let b: AgentHandle;
  let source: Environment;
  let sourceDigest = '';
  const replaced = new Map<string, Environment>();
  /** The replica whose process last held the operations of a round (killed in round (a)). */
  let killedReplica = 0;
  const holdDir = () => join(platform.dir, 'holds');
  const rows: Row[] = [];

  beforeAll(async () => {
    topology = await createTopology(2);
    const port = await freePort();
    platform = await startPlatform({
      topology,
      // two replicas; A's agent on the first, B's on the second: tasks are relayed between them
      replicas: 2,
      controllerEnv: {
        // a killed replica's operations are resumed by the other once this has run out
        OEC_OPERATION_LEASE_MS: '6000',
        OEC_PORT: String(port),
        // ten clones requested at once, and every case's operation polled
        OEC_CLONE_RATE_LIMIT_PER_MINUTE: '1000',
        OEC_RATE_LIMIT_PER_MINUTE: '100000',
        // Tasks wait 15 s for their agent to come back (a killed agent restarts well within it).
        OEC_HEARTBEAT_INTERVAL_MS: '5000',
        OEC_HEARTBEAT_MISSES: '3',
      },
    });
    await mountSmallDisk(agentEnvironmentsDir(platform.agentDataDir('b')), 512);
    await mkdir(holdDir(), { recursive: true, mode: 0o777 });
    const agentEnv = { OEC_PEER_TIMEOUT_MS: '5000', OEC_TASK_LEASE_MS: String(LEASE_MS) };
    a = await platform.addServer('a', agentEnv, { netServer: topology.servers[0] });
    b = await platform.addServer('b', agentEnv, { netServer: topology.servers[1], replica: 1 });
    // Ten clones at once per round: room for them on both servers and in the quota.
    await withControllerDb(platform.controllerEnv.OEC_DATABASE_URL ?? '', async (c) => {
      await c.query('UPDATE servers SET clone_concurrency = 16');
      await c.query('UPDATE organizations SET quota_environments = 100, quota_cpu = 1000, quota_ram_gb = 1000, quota_disk_gb = 10000');
    });
    ({ source, digest: sourceDigest } = await createSeededSource(platform, a, { throughAgentSocket: true }));
    await Promise.all(
      Object.values(REPLACED_AT).map(async (name) => {
        const created = await platform.createEnvironment(b.server.id, { name, environment_type: 'staging' });
        const env = await platform.waitEnvironment(created.id, 'RUNNING');
        await seedEnvironment(env, { seed: 7, agent: b });
        replaced.set(name, env);
      }),
    );
  });

  afterAll(async () => {
    printTable(rows);
    await platform?.close();
    await topology?.close();
  });

  // ---- faults -------------------------------------------------------------------------------

  /**
   * (a) The replica running the operations (decision 0018): SIGKILL the one that owns them; the
   * other takes them over once their lease has run out. `restart` brings the killed one back.
   */
  const ownerReplica: Fault = {
    name: 'replica',
    async kill(ops) {
      const owners = await withControllerDb(platform.controllerEnv.OEC_DATABASE_URL ?? '', async (c) => {
        const { rows } = await c.query<{ owner: string | null }>('SELECT owner FROM clone_operations WHERE id = ANY($1::uuid[])', [ops.map((o) => o.id)]);
        return rows.map((r) => r.owner);
      });
      const ids = platform.controllers.map((d) => {
        const replica = d.logs.find((l) => l.msg === 'controller listening')?.replica;
        return typeof replica === 'string' ? replica : '';
      });
      const counts = ids.map((id) => owners.filter((o) => o === id).length);
      killedReplica = counts.indexOf(Math.max(...counts));
      await platform.killController(killedReplica);
    },
    async restart() {
      await platform.restartController(killedReplica);
    },
  };
  const agentFault = (name: string, agent: () => AgentHandle): Fault => ({
    name,
    async kill() {
      // whichever replica holds the agent now (after round (a) it may have moved)
      const from = platform.controllers.map((c) => c.logs.length);
      await agent().daemon.kill();
      // the hub has seen the socket close: nothing new is started on this server from now on
      const gone = (c: (typeof platform.controllers)[number], i: number) =>
        c.logs.slice(from[i] ?? 0).some((l) => l.msg === 'agent disconnected' && l.serverId === agent().server.id);
      await waitFor(() => platform.controllers.some(gone) || undefined, {
        timeoutMs: 30_000,
        what: `the controller to see ${name} gone`,
      });
      // …and has recorded it: another replica refuses new work on this server from its row, the
      // owner's log line comes before that write (a request in between is accepted, then waits).
      await platform.waitServerStatus(agent().server.id, 'UNREACHABLE', 30_000);
    },
    async restart() {
      await agent().start();
      await platform.waitServerStatus(agent().server.id, 'RUNNING');
    },
  });

  // ---- helpers ------------------------------------------------------------------------------

  async function setHooks(hooks: Parameters<AgentHandle['setHooks']>[0]): Promise<void> {
    await Promise.all([a.setHooks({ ...hooks, hold_dir: holdDir() }), b.setHooks({ ...hooks, hold_dir: holdDir() })]);
  }

  async function start(name: string): Promise<CloneOperation> {
    const env = replaced.get(name);
    const target = env
      ? { create_new: false, environment_id: env.id, confirm_name: env.name }
      : { create_new: true, environment_type: 'staging', name, vm_id: b.server.id };
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, { target, sanitization_preset: 'recommended' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.cross_server).toBe(true);
    return res.body;
  }

  const held = (op: CloneOperation, step: StepKey) => existsSync(join(holdDir(), `${op.id}.${step}.held`));

  async function waitHeld(cases: { op: CloneOperation; step: StepKey }[]): Promise<void> {
    await waitFor(
      async () => {
        for (const c of cases) {
          if (held(c.op, c.step)) continue;
          const now = await getOperation(platform.api, c.op.id);
          if (now.status === 'completed' || now.status === 'failed') throw new Error(`${c.step}: ended ${now.status} before its hold: ${JSON.stringify(now.error)}`);
          return undefined;
        }
        return true;
      },
      { timeoutMs: 240_000, intervalMs: 250, what: `clones held at ${cases.map((c) => c.step).join(', ')}` },
    );
  }

  const compact = (id: string) => id.replace(/-/g, '');
  const dbNames = async (agent: AgentHandle) =>
    withDb(await agentCluster(agent), 'postgres', async (c) => (await c.query<{ d: string }>('SELECT datname AS d FROM pg_database')).rows.map((r) => r.d));
  const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

  /** What the source's server holds besides its sessions: databases and environment folders. */
  async function sourceServerState(): Promise<string> {
    return JSON.stringify({ dbs: (await dbNames(a)).sort(), envs: listing(agentEnvironmentsDir(a.dataDir)) });
  }

  /** Nothing of `op` on B (a failed one, after cleanup), nothing new on A; with a line for each thing found. */
  async function leftoversOf(op: CloneOperation, failed: boolean, baselineA: string): Promise<string[]> {
    const found: string[] = [];
    const envs = agentEnvironmentsDir(b.dataDir);
    const dbs = await dbNames(b);
    const env = [...replaced.values()].find((e) => e.id === op.target_environment_id);
    if (failed && !env) {
      if ((await platform.api.get(`/environments/${op.target_environment_id}`)).status !== 404) found.push('target environment still listed');
      found.push(...dbs.filter((d) => d.includes(compact(op.target_environment_id))).map((d) => `database ${d} on B`));
      if (existsSync(join(envs, op.target_environment_id))) found.push(`folder ${op.target_environment_id} on B`);
    }
    if (env) {
      const root = join(envs, env.id);
      found.push(...dbs.filter((d) => d.startsWith(`${env.database_name}_n`)).map((d) => `work database ${d} on B`));
      found.push(...listing(join(root, 'filestore')).filter((f) => f.startsWith(`${env.database_name}_n`)).map((f) => `work filestore ${f} on B`));
      if (existsSync(join(root, 'addons.next'))) found.push('addons.next on B');
      if (failed && existsSync(join(root, `clone-${op.id}.json`))) found.push('swap journal on B');
    }
    // The source's server: no database, folder, dump or snapshot session of the clone.
    if ((await sourceServerState()) !== baselineA) found.push(`A changed: ${await sourceServerState()} (was ${baselineA})`);
    const busy = await waitFor(
      () =>
        withDb(clusterOf(source, a), 'postgres', async (c) => {
          const { rows: r } = await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = $1 AND pid <> pg_backend_pid() AND (application_name = 'pg_dump' OR state LIKE 'idle in transaction%')`,
            [source.database_name],
          );
          return r[0]?.n === 0 ? 0 : undefined;
        }),
      { timeoutMs: 60_000, what: 'the source server to let go of the transfer' },
    ).catch(() => 1);
    if (busy) found.push('a dump or snapshot session on A');
    return found;
  }

  /** Judge one case's end: outcome, leftovers, data changed. */
  async function judge(label: string, steps: StepKey[], op: CloneOperation, codes: string[], baselineA: string, replaceDigest: string | null): Promise<Row> {
    const problems: string[] = [];
    const failed = op.status === 'failed';
    let outcome: Row['outcome'] = 'WRONG';
    if (op.status === 'completed') outcome = 'resumed';
    else if (failed && op.error?.step && codes.includes(op.error.code) && steps.includes(op.error.step) && op.cleanup === 'done' && op.error.retryable) outcome = 'failed-clean';
    else problems.push(`ended ${op.status} ${JSON.stringify(op.error)} cleanup ${op.cleanup}`);
    if (failed && op.cleanup !== 'done') {
      const logs = await platform.api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${op.id}/logs`);
      problems.push(...logs.items.filter((l) => l.message.startsWith('Cleanup')).map((l) => l.message));
    }
    const leftovers = await leftoversOf(op, failed, baselineA);
    problems.push(...leftovers);
    let dataChanged = 0;
    if ((await dumpDigest(clusterOf(source, a), source.database_name)) !== sourceDigest) {
      dataChanged++;
      problems.push('source data changed');
    }
    const env = [...replaced.values()].find((e) => e.id === op.target_environment_id);
    if (env && failed) {
      const now = await platform.api.ok<Environment>('GET', `/environments/${env.id}`);
      if (now.status !== 'RUNNING') problems.push(`replace target ${now.status}`);
      if ((await dumpDigest(clusterOf(env, b), env.database_name)) !== replaceDigest) {
        dataChanged++;
        problems.push('replace target no longer on its old data');
      }
    }
    return { case: label, outcome, code: op.error?.code ?? '-', step: op.error?.step ?? '-', leftovers: leftovers.length, dataChanged, problems };
  }

  /** Retry the failed operations at once: each completes. Then drop the round's new environments. */
  async function retryAndTidy(ops: CloneOperation[]): Promise<void> {
    const retried = await Promise.all(
      ops
        .filter((op) => op.status === 'failed')
        .map(async (op) => {
          const res = await platform.api.post<CloneOperation>(`/clone-operations/${op.id}/retry`, {});
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          return waitOperation(platform.api, res.body.id, undefined, 240_000);
        }),
    );
    for (const done of retried) expect(done.status, `retry of ${done.target.name}: ${JSON.stringify(done.error)}`).toBe('completed');
    const created = [...ops, ...retried].filter((op) => op.status === 'completed' && ![...replaced.values()].some((e) => e.id === op.target_environment_id));
    await Promise.all(
      [...new Set(created.map((op) => op.target_environment_id))].map(async (id) => {
        await platform.api.del(`/environments/${id}`);
        await waitFor(async () => ((await platform.api.get(`/environments/${id}`)).status === 404 ? true : undefined), {
          timeoutMs: 120_000,
          what: `environment ${id} removed`,
        });
      }),
    );
  }

  async function replaceDigests(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const env of replaced.values()) out.set(env.id, await dumpDigest(clusterOf(env, b), env.database_name));
    return out;
  }

  function expectClean(round: Row[]): void {
    const wrong = round.filter((r) => r.outcome === 'WRONG' || r.leftovers > 0 || r.dataChanged > 0 || r.problems.length > 0);
    expect(wrong.map((r) => `${r.case}: ${r.problems.join('; ')}`)).toEqual([]);
  }

  // ---- one round: ten steps, one kill --------------------------------------------------------

  async function round(fault: Fault, prefix: string): Promise<void> {
    const baselineA = await sourceServerState();
    const digests = await replaceDigests();
    const nameOf = (step: StepKey) => REPLACED_AT[step] ?? `${prefix}-${STEP_KEYS.indexOf(step)}`;
    await setHooks({ hold: [...FIRST_WAVE, ...SECOND_WAVE].map((step) => ({ target: nameOf(step), step })) });
    const cases: { step: StepKey; op: CloneOperation; inProgress: StepKey[] }[] = [];
    const results: Row[] = [];
    const ended: CloneOperation[] = [];
    let killed = false;
    try {
      for (const wave of [FIRST_WAVE, SECOND_WAVE]) {
        const started = await Promise.all(wave.map(async (step) => ({ step, op: await start(nameOf(step)), inProgress: [] as StepKey[] })));
        await waitHeld(started);
        cases.push(...started);
      }
      // The steps in progress while held (a transfer's steps overlap): where a failure may be reported.
      for (const c of cases) {
        // (progress reaches the controller throttled: the marker file may come first)
        c.inProgress = await waitFor(
          async () => {
            const steps = (await getOperation(platform.api, c.op.id)).progress.steps.filter((x) => x.status === 'in_progress').map((x) => x.key);
            return steps.includes(c.step) ? steps : undefined;
          },
          { timeoutMs: 30_000, what: `${c.step} in progress while held` },
        );
      }
      if (fault === ownerReplica) {
        // pre_checks runs in the controller only and cannot be held: requested right before the
        // kill, the operation is still pending (or in pre_checks) when the replica dies.
        const op = await start(nameOf('pre_checks'));
        cases.unshift({ step: 'pre_checks', op, inProgress: ['pre_checks'] });
        killed = true;
        await fault.kill(cases.map((c) => c.op));
      } else {
        killed = true;
        await fault.kill(cases.map((c) => c.op));
        // pre_checks with the agent gone: the request is refused before anything is created.
        const res = await platform.api.post<{ error: { code: string; details?: { reason?: string } } }>(`/environments/${source.id}/clone`, {
          target: { create_new: true, environment_type: 'staging', name: nameOf('pre_checks'), vm_id: b.server.id },
        });
        const envs = await platform.api.ok<{ items: Environment[] }>('GET', `/projects/${platform.project.id}/environments`);
        const left = envs.items.filter((e) => e.name === nameOf('pre_checks')).length;
        const refused = res.status === 400 && res.body.error.details?.reason === 'SERVER_UNREACHABLE';
        results.push({
          case: `${fault.name} down at pre_checks (request refused)`,
          outcome: refused ? 'failed-clean' : 'WRONG',
          code: res.body.error?.code ?? String(res.status),
          step: 'pre_checks',
          leftovers: left + Number((await sourceServerState()) !== baselineA),
          dataChanged: Number((await dumpDigest(clusterOf(source, a), source.database_name)) !== sourceDigest),
          problems: refused ? [] : [`answered ${res.status} ${JSON.stringify(res.body)}`],
        });
      }
      await fault.restart();
      killed = false;
      await setHooks({});
      ended.push(...(await Promise.all(cases.map((c) => waitOperation(platform.api, c.op.id, undefined, TERMINAL_WITHIN_MS)))));
      for (const [i, c] of cases.entries()) {
        const op = ended[i] as CloneOperation;
        const label = `${fault.name} killed at ${c.step}${op.mode === 'replace' ? ' (replace)' : ''}`;
        results.push(await judge(label, c.inProgress, op, KILL_CODES, baselineA, digests.get(op.target_environment_id) ?? null));
      }
      if (fault !== ownerReplica) {
        // …and once the agent is back, the same request runs through.
        const again = await waitOperation(platform.api, (await start(nameOf('pre_checks'))).id, undefined, 240_000);
        expect(again.status, JSON.stringify(again.error)).toBe('completed');
        ended.push(again);
      }
    } finally {
      if (killed) await fault.restart();
      await setHooks({});
      rows.push(...results);
      // whatever happened, the next case starts with this round's operations ended
      await Promise.all(cases.map((c) => waitOperation(platform.api, c.op.id, undefined, TERMINAL_WITHIN_MS).catch(() => undefined)));
    }
    await retryAndTidy(ended);
    expectClean(results);
  }

  /** A single case: start, break something mid-way, mend it, judge, retry. */
  async function single(label: string, step: StepKey, codes: string[], run: (op: CloneOperation) => Promise<void>, name: string, before?: () => Promise<void>): Promise<void> {
    const baselineA = await sourceServerState();
    const digests = await replaceDigests();
    await before?.();
    const op = await start(name);
    await run(op);
    const ended = await waitOperation(platform.api, op.id, undefined, TERMINAL_WITHIN_MS);
    const row = await judge(label, [step], ended, codes, baselineA, digests.get(ended.target_environment_id) ?? null);
    rows.push(row);
    await retryAndTidy([ended]);
    expectClean([row]);
  }

  /** Wait until the data streams flow (bytes sent by A). */
  const streaming = (op: CloneOperation) =>
    waitOperation(platform.api, op.id, (o) => (o.progress.steps.find((s) => s.key === 'backing_up_database')?.detail?.bytes_done ?? 0) > 0 || o.status === 'failed', 120_000);

  // ---- the cases ------------------------------------------------------------------------------

  it('target disk full mid-restore: DISK_FULL at restoring_filestore', async () => {
    // First, while B holds none of the source's files (they would be linked, not written).
    await setHooks({});
    let ballast: { remove(): Promise<void> } | null = null;
    await single(
      'target disk full mid-restore',
      'restoring_filestore',
      ['DISK_FULL'],
      async (op) => {
        try {
          await waitOperation(platform.api, op.id, (o) => o.status === 'failed' || o.status === 'completed', TERMINAL_WITHIN_MS);
        } finally {
          await ballast?.remove();
        }
      },
      'disk-full',
      async () => {
        ballast = await fillDisk(agentEnvironmentsDir(b.dataDir), 1024 * 1024);
      },
    );
  });

  it('(a) the replica running the operation killed at each step', async () => {
    await round(ownerReplica, 'ka');
  });

  it('(b) the source agent killed at each step', async () => {
    await round(
      agentFault('source agent', () => a),
      'kb',
    );
  });

  it('(c) the target agent killed at each step', async () => {
    await round(
      agentFault('target agent', () => b),
      'kc',
    );
  });

  it("the target's PostgreSQL restarted mid-restore", async () => {
    await setHooks(SLOW);
    await single(
      "target's PostgreSQL restarted mid-restore",
      'restoring_database',
      ['RESTORE_FAILED', 'TRANSFER_FAILED'],
      async (op) => {
        await streaming(op);
        const cluster = await agentCluster(b);
        const runAs = serverRunAs() ? ['/usr/sbin/runuser', '-u', 'postgres', '--'] : [];
        const argv = [...(b.netServer?.execPrefix ?? []), ...runAs, join(cluster.binDir, 'pg_ctl'), '-D', cluster.dataDir, '-l', join(cluster.dir, 'postgres.log'), '-m', 'fast', '-w', '-t', '120', 'restart'];
        await runFile(argv[0] ?? '', argv.slice(1), 180_000);
        await setHooks({});
      },
      'pg-restart',
    );
  });

  it('the link between the agents cut (and left cut until the operation ends)', async () => {
    await setHooks(SLOW);
    await single(
      'link between agents cut',
      'restoring_database',
      ['TRANSFER_FAILED'],
      async (op) => {
        await streaming(op);
        await b.netServer?.cutDataLink();
        await setHooks({});
        try {
          await waitOperation(platform.api, op.id, (o) => o.status === 'failed' || o.status === 'completed', TERMINAL_WITHIN_MS);
        } finally {
          await b.netServer?.restoreDataLink();
        }
      },
      'link-cut',
    );
  });

  it("the controller's PostgreSQL restarted while an operation is held at sanitizing", async () => {
    await setHooks({ hold: [{ target: 'ctl-pg', step: 'sanitizing' }] });
    await single(
      "controller's PostgreSQL restarted",
      'sanitizing',
      ['AGENT_LOST'],
      async (op) => {
        await waitHeld([{ op, step: 'sanitizing' }]);
        const from = platform.controllers.map((c) => c.logs.length);
        const dir = join(platform.dir, 'controller-pg');
        const info = await startCluster({ dir });
        await stopCluster(info);
        await startCluster({ dir });
        // every replica's bus listens again (and sweeps) once PostgreSQL is back
        await Promise.all(platform.controllers.map((c, i) => c.waitForLog('bus listening again', 120_000, from[i] ?? 0)));
        await setHooks({});
      },
      'ctl-pg',
    );
  });
});

/** The matrix as a table on stdout, with the totals the README quotes. */
function printTable(rows: Row[]): void {
  const head = ['case', 'outcome', 'code', 'step', 'leftovers', 'data changed'];
  const body = rows.map((r) => [r.case, r.outcome, r.code, r.step, String(r.leftovers), String(r.dataChanged)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const sum = (f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
  console.log(
    [
      line(head),
      line(widths.map((w) => '-'.repeat(w))),
      ...body.map(line),
      `cases ${rows.length}, resumed ${sum((r) => Number(r.outcome === 'resumed'))}, failed-clean ${sum((r) => Number(r.outcome === 'failed-clean'))}, ` +
        `wrong ${sum((r) => Number(r.outcome === 'WRONG'))}, leftovers ${sum((r) => r.leftovers)} (must be 0), data changed ${sum((r) => r.dataChanged)} (must be 0)`,
    ].join('\n'),
  );
}
