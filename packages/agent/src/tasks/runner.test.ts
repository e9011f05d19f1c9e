import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode, type AgentMessage, type EnvironmentRef, type EnvironmentSizes } from '@oec/shared';
import { createLogger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { HANDLERS } from './handlers/index.js';
import { testEnvironmentSpec } from '../testing/env-spec.js';
import { testClonePlan } from '../testing/clone-plan.js';
import { openJournal, type TaskJournal } from './journal.js';
import { createTaskRunner, type TaskRunner } from './runner.js';
import type { HandlerRegistry, TaskContext, TaskRunMessage } from './types.js';

const ref: EnvironmentRef = { environment_id: randomUUID(), db_name: 'oec_test' };
const sizes: EnvironmentSizes = { exists: true, database_bytes: 1, filestore_bytes: 2, filestore_files: 3, addons_bytes: 4 };

function unused(): never {
  throw new Error('not used in this test');
}

/** A runtime whose inspect succeeds and whose start blocks until aborted. */
const fakeRuntime: Runtime = {
  kind: 'local',
  facts: unused,
  diskUsage: unused,
  locate: unused,
  create: unused,
  start: (_ref, signal) =>
    new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('killed')), { once: true })),
  stop: async () => {
    throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, 'no such environment');
  },
  destroy: async () => {
    throw new Error('disk on fire');
  },
  inspect: async () => sizes,
  appStatus: unused,
  trialApp: unused,
  appVersion: unused,
  exec: unused,
  withDatabase: unused,
  databaseExists: unused,
  createDatabase: unused,
  dropDatabase: unused,
  swapDatabases: unused,
  close: async () => undefined,
};

/** Collects what the runner sends; waits on conditions, never on time. */
class Sink {
  readonly messages: AgentMessage[] = [];
  private waiters: (() => void)[] = [];
  send(message: AgentMessage): void {
    this.messages.push(message);
    for (const w of this.waiters.splice(0)) w();
  }
  of<T extends AgentMessage['type']>(type: T, taskId?: string): Extract<AgentMessage, { type: T }>[] {
    return this.messages.filter(
      (m): m is Extract<AgentMessage, { type: T }> => m.type === type && (taskId === undefined || ('task_id' in m && m.task_id === taskId)),
    );
  }
  async until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
  async result(taskId: string) {
    await this.until(() => this.of('task.result', taskId).length > 0, `result of ${taskId}`);
    return this.of('task.result', taskId)[0];
  }
}

function runMsg(kind: TaskRunMessage['kind'], input: unknown, fence: TaskRunMessage['fence'] = { operation_id: null, attempt: 0 }): TaskRunMessage {
  return { type: 'task.run', task_id: randomUUID(), kind, fence, input };
}

let runner: TaskRunner | undefined;
afterEach(async () => {
  await runner?.shutdown('test over', 5000);
});

function setup(handlers: Partial<HandlerRegistry> = {}, progressIntervalMs = 250, journal?: TaskJournal) {
  const sink = new Sink();
  runner = createTaskRunner({
    runtime: fakeRuntime,
    sink,
    logger: createLogger('silent'),
    handlers: { ...HANDLERS, ...handlers },
    progressIntervalMs,
    ...(journal ? { journal } : {}),
  });
  return { sink, runner };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function journalDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oec-journal-'));
  dirs.push(dir);
  return dir;
}

/** A handler that counts its starts and runs until its task is aborted. */
function blocking(starts: { n: number }) {
  return (_input: unknown, ctx: TaskContext) => {
    starts.n++;
    return new Promise<never>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  };
}

describe('task runner', () => {
  it('accepts, runs and reports a validated output', async () => {
    const { sink, runner } = setup();
    const msg = runMsg('env.inspect', ref);
    runner.handle(msg);
    expect(await sink.result(msg.task_id)).toEqual({ type: 'task.result', task_id: msg.task_id, ok: true, output: sizes });
    expect(sink.messages[0]).toEqual({ type: 'task.accepted', task_id: msg.task_id });
    expect(runner.runningTaskIds()).toEqual([]);
  });

  it('answers invalid input with VALIDATION_ERROR and never runs the handler', async () => {
    const { sink, runner } = setup();
    const msg = runMsg('env.inspect', { environment_id: 'nope', db_name: 'x; DROP' });
    runner.handle(msg);
    const result = await sink.result(msg.task_id);
    expect(result?.error).toMatchObject({ code: 'VALIDATION_ERROR', retryable: false });
    expect(sink.of('task.accepted')).toEqual([]);
  });

  it('answers a task.run frame of an unknown kind with VALIDATION_ERROR', async () => {
    const { sink, runner } = setup();
    const id = randomUUID();
    runner.refuseInvalid(JSON.stringify({ type: 'task.run', task_id: id, kind: 'env.teleport', fence: { operation_id: null, attempt: 0 }, input: {} }));
    expect((await sink.result(id))?.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('env.teleport') as string });
    runner.refuseInvalid('not json');
    runner.refuseInvalid(JSON.stringify({ type: 'hello' }));
    expect(sink.messages).toHaveLength(1);
  });

  it('maps AppError to its code and anything else to TASK_FAILED', async () => {
    const { sink, runner } = setup();
    const stop = runMsg('env.stop', ref);
    const destroy = runMsg('env.destroy', ref);
    runner.handle(stop);
    runner.handle(destroy);
    expect((await sink.result(stop.task_id))?.error).toEqual({
      code: 'ENVIRONMENT_NOT_FOUND',
      message: 'no such environment',
      details: null,
      retryable: false,
    });
    expect((await sink.result(destroy.task_id))?.error).toMatchObject({ code: 'TASK_FAILED', message: 'disk on fire' });
  });

  it('refuses an output that does not match the catalogue', async () => {
    const { sink, runner } = setup({ 'env.inspect': async () => ({ exists: 'yes' }) as unknown as EnvironmentSizes });
    const msg = runMsg('env.inspect', ref);
    runner.handle(msg);
    expect((await sink.result(msg.task_id))?.error).toMatchObject({ code: 'TASK_FAILED', message: expect.stringContaining('invalid output') as string });
  });

  it('cancels a running task: the signal aborts and the result is CANCELLED', async () => {
    const { sink, runner } = setup();
    const msg = runMsg('env.start', ref);
    runner.handle(msg);
    await sink.until(() => sink.of('task.accepted', msg.task_id).length === 1, 'accepted');
    expect(runner.runningTaskIds()).toEqual([msg.task_id]);
    runner.handle({ type: 'task.cancel', task_id: msg.task_id, reason: 'user asked' });
    expect((await sink.result(msg.task_id))?.error).toMatchObject({ code: 'CANCELLED', message: 'cancelled: user asked', retryable: true });
  });

  it('re-accepts a duplicate task.run without starting twice, and re-sends a finished result', async () => {
    let starts = 0;
    const { sink, runner } = setup({
      'env.start': (input, ctx) => {
        starts++;
        return fakeRuntime.start(input, ctx.signal).then(() => ({ ok: true as const }));
      },
    });
    const msg = runMsg('env.start', ref);
    runner.handle(msg);
    runner.handle(msg);
    expect(sink.of('task.accepted', msg.task_id)).toHaveLength(2);
    expect(starts).toBe(1);
    runner.handle({ type: 'task.cancel', task_id: msg.task_id, reason: 'done' });
    await sink.result(msg.task_id);
    runner.handle(msg);
    expect(sink.of('task.result', msg.task_id)).toHaveLength(2);
    expect(starts).toBe(1);
  });

  it('fences attempts: a newer attempt aborts the older, an older one is refused', async () => {
    const { sink, runner } = setup();
    const op = randomUUID();
    const first = runMsg('env.start', ref, { operation_id: op, attempt: 1 });
    runner.handle(first);
    const second = runMsg('env.start', ref, { operation_id: op, attempt: 2 });
    runner.handle(second);
    expect((await sink.result(first.task_id))?.error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('superseded by attempt 2') as string });
    expect(runner.runningTaskIds()).toEqual([second.task_id]);
    const stale = runMsg('env.inspect', ref, { operation_id: op, attempt: 1 });
    runner.handle(stale);
    expect((await sink.result(stale.task_id))?.error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('superseded') as string });
    expect(sink.of('task.accepted', stale.task_id)).toEqual([]);
    const sameAttempt = runMsg('env.inspect', ref, { operation_id: op, attempt: 2 });
    runner.handle(sameAttempt);
    expect((await sink.result(sameAttempt.task_id))?.ok).toBe(true);
    expect(runner.runningTaskIds()).toEqual([second.task_id]);
  });

  it('throttles progress but always delivers the last one before the result', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { sink, runner } = setup(
      {
        'env.inspect': async (_input, ctx: TaskContext) => {
          for (let i = 1; i <= 100; i++) ctx.progress(i / 200, { items_done: i });
          await gate;
          ctx.progress(0.9, { message: 'almost' }, 'verifying');
          ctx.log('WARNING', 'something to know', 'verifying');
          return sizes;
        },
      },
      60_000,
    );
    const msg = runMsg('env.inspect', ref);
    runner.handle(msg);
    await sink.until(() => sink.of('task.progress', msg.task_id).length >= 1, 'first progress');
    expect(sink.of('task.progress', msg.task_id)).toHaveLength(1);
    release();
    await sink.result(msg.task_id);
    const progress = sink.of('task.progress', msg.task_id);
    expect(progress.map((p) => p.fraction)).toEqual([0.005, 0.5, 0.9]);
    expect(progress[2]).toMatchObject({ step: 'verifying', detail: { message: 'almost' } });
    expect(sink.of('task.log', msg.task_id)[0]).toMatchObject({ level: 'WARNING', message: 'something to know', step: 'verifying' });
    const types = sink.messages.map((m) => m.type);
    expect(types.indexOf('task.result')).toBe(types.length - 1);
  });

  it('aborts everything on shutdown and ignores new tasks afterwards', async () => {
    const { sink, runner } = setup();
    const msg = runMsg('env.start', ref);
    runner.handle(msg);
    await runner.shutdown('agent stopping');
    expect((await sink.result(msg.task_id))?.error?.code).toBe('CANCELLED');
    const late = runMsg('env.inspect', ref);
    runner.handle(late);
    expect(sink.of('task.accepted', late.task_id)).toEqual([]);
  });

  it('after a restart, answers the task the previous process was running as lost and never runs it again', async () => {
    const dir = journalDir();
    const starts = { n: 0 };
    const op = randomUUID();
    const msg = runMsg('env.start', ref, { operation_id: op, attempt: 3 });
    const first = setup({ 'env.start': blocking(starts) }, 250, openJournal(dir));
    first.runner.handle(msg);
    await first.sink.until(() => starts.n === 1, 'the first start');
    // The process dies here: its journal entry has no result. A new process opens the journal.
    const reopened = openJournal(dir);
    expect(reopened.lost.map((e) => e.task_id)).toEqual([msg.task_id]);
    const sink = new Sink();
    const restarted = createTaskRunner({ runtime: fakeRuntime, sink, logger: createLogger('silent'), handlers: { ...HANDLERS, 'env.start': blocking(starts) }, journal: reopened });
    restarted.handle(msg);
    expect((await sink.result(msg.task_id))?.error).toMatchObject({ code: 'AGENT_LOST', retryable: true, details: { reason: 'agent_restarted' } });
    expect(starts.n).toBe(1);
    // The attempt high-water mark survived: an older attempt of the operation is refused.
    const stale = runMsg('env.inspect', ref, { operation_id: op, attempt: 2 });
    restarted.handle(stale);
    expect((await sink.result(stale.task_id))?.error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('superseded by attempt 3') as string });
    await restarted.shutdown('test over', 5000);
  });

  it('starts a newer attempt only once the superseded task has ended', async () => {
    const events: string[] = [];
    const op = randomUUID();
    const { sink, runner } = setup({
      'env.start': (_input, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => setTimeout(() => (events.push('old ended'), reject(new Error('aborted'))), 300), { once: true }),
        ),
      'env.inspect': async () => {
        events.push('new started');
        return sizes;
      },
    });
    const old = runMsg('env.start', ref, { operation_id: op, attempt: 1 });
    runner.handle(old);
    await sink.until(() => runner.runningTaskIds().length === 1, 'the old task running');
    const next = runMsg('env.inspect', ref, { operation_id: op, attempt: 2 });
    runner.handle(next);
    expect((await sink.result(next.task_id))?.ok).toBe(true);
    expect(events).toEqual(['old ended', 'new started']);
  });

  it('abandons an operation under the lease: AGENT_LOST, the target cleaned up, the attempt refused afterwards', async () => {
    const dir = journalDir();
    const starts = { n: 0 };
    const cleanups: unknown[] = [];
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const plan = testClonePlan(testEnvironmentSpec('prod'), testEnvironmentSpec('staging'), 'create_new');
    const { sink, runner } = setup(
      {
        'clone.data': blocking(starts),
        'clone.cleanup': async (input, ctx) => {
          cleanups.push(input);
          events.push(`cleanup ${ctx.fence.attempt} started`);
          // The agent's own cleanup holds until released; the controller's waits for it.
          if (ctx.fence.attempt === 1) await gate;
          events.push(`cleanup ${ctx.fence.attempt} ended`);
          return { removed: ['environment staging'], swapped_back: false };
        },
      },
      250,
      openJournal(dir),
    );
    const fence = { operation_id: plan.operation_id, attempt: 1 };
    const data = runMsg('clone.data', plan, fence);
    const unfenced = runMsg('env.start', ref);
    runner.handle(data);
    runner.handle(unfenced);
    await sink.until(() => starts.n === 1, 'the data task running');
    const abandoned = runner.abandon('the controller was unreachable for 30 s');
    expect((await sink.result(data.task_id))?.error).toMatchObject({ code: 'AGENT_LOST', retryable: true, details: { reason: 'lease_expired' } });
    await sink.until(() => events.length === 1, "the agent's own cleanup started");
    // The controller is back meanwhile and sends its cleanup (a newer attempt): it waits.
    const early = runMsg('clone.cleanup', { ...plan, keep_target: false }, { ...fence, attempt: 2 });
    runner.handle(early);
    release();
    expect((await sink.result(early.task_id))?.ok).toBe(true);
    expect(await abandoned).toEqual([data.task_id]);
    expect(events).toEqual(['cleanup 1 started', 'cleanup 1 ended', 'cleanup 2 started', 'cleanup 2 ended']);
    expect(cleanups[0]).toEqual(expect.objectContaining({ operation_id: plan.operation_id, work_db: plan.work_db, keep_target: false }));
    // Tasks of no operation are not the lease's business.
    expect(runner.runningTaskIds()).toEqual([unfenced.task_id]);
    const late = runMsg('clone.sanitize', plan, fence);
    runner.handle(late);
    expect((await sink.result(late.task_id))?.error).toMatchObject({ code: 'AGENT_LOST', details: { reason: 'lease_expired' } });
    expect(sink.of('task.accepted', late.task_id)).toEqual([]);
    // ... also after a restart of the agent; the controller's cleanup (a newer attempt) still runs.
    const sink2 = new Sink();
    const restarted = createTaskRunner({ runtime: fakeRuntime, sink: sink2, logger: createLogger('silent'), handlers: { ...HANDLERS, 'clone.cleanup': async () => ({ removed: [], swapped_back: false }) }, journal: openJournal(dir) });
    const again = runMsg('clone.verify', plan, fence);
    restarted.handle(again);
    expect((await sink2.result(again.task_id))?.error).toMatchObject({ code: 'AGENT_LOST' });
    const cleanup = runMsg('clone.cleanup', { ...plan, keep_target: false }, { ...fence, attempt: 2 });
    restarted.handle(cleanup);
    expect((await sink2.result(cleanup.task_id))?.ok).toBe(true);
    await restarted.shutdown('test over', 5000);
  });

  it("gives handlers its activity: running operations and environments, attempts, cleanups (also the journal's)", async () => {
    const dir = journalDir();
    const plan = testClonePlan(testEnvironmentSpec('prod'), testEnvironmentSpec('staging'), 'create_new');
    const seen: Array<NonNullable<TaskContext['activity']>> = [];
    const starts = { n: 0 };
    const handlers: Partial<HandlerRegistry> = {
      'clone.data': blocking(starts),
      'clone.cleanup': async () => ({ removed: [], swapped_back: false }),
      'agent.reconcile': async (_input, ctx) => {
        if (ctx.activity) seen.push(ctx.activity);
        return { removed: [], kept: [] };
      },
    };
    const { sink, runner } = setup(handlers, 250, openJournal(dir));
    const cleaned = runMsg('clone.cleanup', { ...plan, operation_id: randomUUID(), keep_target: false }, { operation_id: randomUUID(), attempt: 3 });
    runner.handle(cleaned);
    expect((await sink.result(cleaned.task_id))?.ok).toBe(true);
    const data = runMsg('clone.data', plan, { operation_id: plan.operation_id, attempt: 1 });
    runner.handle(data);
    await sink.until(() => starts.n === 1, 'the data task running');
    const reconcile = runMsg('agent.reconcile', { live: [], ended: [], environments: [] });
    runner.handle(reconcile);
    expect((await sink.result(reconcile.task_id))?.ok).toBe(true);
    const activity = seen[0]!;
    expect([...activity.runningOperations()]).toEqual([plan.operation_id]);
    expect([...activity.runningEnvironments()]).toContain(plan.target.environment_id);
    expect(activity.attempts().get(cleaned.fence.operation_id ?? '')).toBe(3);
    expect([...activity.cleanedUp()]).toEqual([cleaned.fence.operation_id]);
    await runner.shutdown('restart', 5000);
    // A restarted agent knows the finished cleanup from its journal.
    seen.length = 0;
    const again = setup(handlers, 250, openJournal(dir));
    const second = runMsg('agent.reconcile', { live: [], ended: [], environments: [] });
    again.runner.handle(second);
    expect((await again.sink.result(second.task_id))?.ok).toBe(true);
    expect([...seen[0]!.cleanedUp()]).toEqual([cleaned.fence.operation_id]);
    expect([...seen[0]!.runningOperations()]).toEqual([]);
  });
});
