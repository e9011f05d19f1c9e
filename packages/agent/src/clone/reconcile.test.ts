// agent.reconcile's decision (live, running, ended, unknown) and what it does on a data directory
// laid out as crashes leave it, with a fake runtime recording the databases it drops.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { environmentDbName, idSlug, type AgentReconcileInput, type EnvironmentRef } from '@oec/shared';
import { createLogger } from '../logger.js';
import { envLayout, envLocation } from '../runtime/layout.js';
import type { Runtime } from '../runtime/runtime.js';
import type { AgentActivity, TaskContext } from '../tasks/types.js';
import { decide, reconcile } from './reconcile.js';

const ENV = '11111111-1111-4111-8111-111111111111';
const GONE_ENV = '22222222-2222-4222-8222-222222222222';
const NEW_ENV = '33333333-3333-4333-8333-333333333333';
const ENDED_OP = 'aaaaaaaa-0000-4000-8000-000000000001';
const LIVE_OP = 'bbbbbbbb-0000-4000-8000-000000000002';
const RUNNING_OP = 'cccccccc-0000-4000-8000-000000000003';
const UNKNOWN_OP = 'dddddddd-0000-4000-8000-000000000004';
const CREATE_OP = 'eeeeeeee-0000-4000-8000-000000000005';
const tag = (op: string) => idSlug(op).slice(0, 8);
const op = (operation_id: string, target_environment_id: string, attempt = 1) => ({ operation_id, attempt, target_environment_id });

function activity(over: Partial<{ running: string[]; runningEnvs: string[]; attempts: Array<[string, number]>; cleaned: string[] }> = {}): AgentActivity {
  return {
    runningOperations: () => new Set(over.running ?? []),
    runningEnvironments: () => new Set(over.runningEnvs ?? []),
    attempts: () => new Map(over.attempts ?? []),
    cleanedUp: () => new Set(over.cleaned ?? []),
  };
}

const input: AgentReconcileInput = {
  live: [op(LIVE_OP, ENV)],
  ended: [op(ENDED_OP, ENV), op(CREATE_OP, GONE_ENV)],
  environments: [ENV],
};

describe('decide', () => {
  it('removes what belongs to an ended operation, by id or by its tag beside the target', () => {
    expect(decide({ operation: ENDED_OP }, input, activity())).toMatchObject({ remove: true, reason: 'ended', operation_id: ENDED_OP });
    expect(decide({ tag: tag(ENDED_OP), environment: ENV }, input, activity())).toMatchObject({ remove: true, operation_id: ENDED_OP });
    expect(decide({ environment: GONE_ENV }, input, activity())).toMatchObject({ remove: true, operation_id: CREATE_OP });
  });

  it('keeps everything of a live operation', () => {
    expect(decide({ operation: LIVE_OP }, input, activity())).toMatchObject({ remove: false, reason: 'live' });
    expect(decide({ tag: tag(LIVE_OP), environment: ENV }, input, activity())).toMatchObject({ remove: false, reason: 'live' });
    // Live wins over ended when both name the environment.
    const both = { ...input, live: [op(LIVE_OP, GONE_ENV)] };
    expect(decide({ environment: GONE_ENV }, both, activity())).toMatchObject({ remove: false, reason: 'live' });
  });

  it('keeps what a task running here works on, even when the controller calls it ended', () => {
    expect(decide({ operation: ENDED_OP }, input, activity({ running: [ENDED_OP] }))).toMatchObject({ remove: false, reason: 'running' });
    expect(decide({ tag: tag(ENDED_OP), environment: ENV }, input, activity({ running: [ENDED_OP] }))).toMatchObject({ remove: false, reason: 'running' });
    expect(decide({ environment: GONE_ENV }, input, activity({ runningEnvs: [GONE_ENV] }))).toMatchObject({ remove: false, reason: 'running' });
  });

  it('keeps what it cannot attribute, or what this agent saw at a newer attempt', () => {
    expect(decide({ operation: UNKNOWN_OP }, input, activity())).toMatchObject({ remove: false, reason: 'unknown' });
    expect(decide({ tag: tag(UNKNOWN_OP), environment: ENV }, input, activity())).toMatchObject({ remove: false, reason: 'unknown' });
    expect(decide({ environment: NEW_ENV }, input, activity())).toMatchObject({ remove: false, reason: 'unknown' });
    // The tag of an ended operation, but beside another environment: not its.
    expect(decide({ tag: tag(ENDED_OP), environment: NEW_ENV }, input, activity())).toMatchObject({ remove: false, reason: 'unknown' });
    expect(decide({ operation: ENDED_OP }, input, activity({ attempts: [[ENDED_OP, 2]] }))).toMatchObject({ remove: false, reason: 'newer_attempt' });
  });

  it('never touches an environment the controller knows', () => {
    const known = { ...input, ended: [...input.ended, op(ENDED_OP, ENV)] };
    expect(decide({ environment: ENV }, known, activity())).toMatchObject({ remove: false, reason: 'known_environment' });
  });

  it("takes the journal's finished clean-up as evidence that an operation ended", () => {
    expect(decide({ operation: UNKNOWN_OP }, input, activity({ cleaned: [UNKNOWN_OP] }))).toMatchObject({ remove: true, operation_id: UNKNOWN_OP });
    expect(decide({ operation: LIVE_OP }, input, activity({ cleaned: [LIVE_OP] }))).toMatchObject({ remove: false, reason: 'live' });
  });
});

describe('reconcile on a data directory', () => {
  let dataDir = '';
  let databases: Set<string>;
  let destroyed: string[];
  let dropped: string[];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'oec-reconcile-'));
    databases = new Set();
    destroyed = [];
    dropped = [];
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function fakeRuntime(): Runtime {
    const layout = (ref: EnvironmentRef) => envLayout(dataDir, ref);
    const runtime: Partial<Runtime> = {
      locate: (ref) => envLocation(layout(ref), ref, { host: 'localhost', port: 5432 }),
      listDatabases: async () => [...databases],
      dropDatabase: async (name) => {
        dropped.push(name);
        databases.delete(name);
      },
      destroy: async (ref) => {
        destroyed.push(ref.environment_id);
        databases.delete(ref.db_name);
        await rm(layout(ref).root, { recursive: true, force: true });
      },
    };
    return runtime as Runtime;
  }

  function ctx(act: AgentActivity): TaskContext {
    return {
      taskId: '00000000-0000-4000-8000-00000000000f',
      kind: 'agent.reconcile',
      signal: new AbortController().signal,
      fence: { operation_id: null, attempt: 0 },
      runtime: fakeRuntime(),
      logger: createLogger('silent'),
      progress: () => undefined,
      log: () => undefined,
      activity: act,
    };
  }

  it('removes the leftovers of ended operations and keeps the rest', async () => {
    const envDb = environmentDbName(ENV);
    const root = envLayout(dataDir, { environment_id: ENV, db_name: envDb }).root;
    const side = (op: string, kind: 'n' | 'o') => `${envDb}_${kind}${tag(op)}`;
    for (const dir of [
      join(root, 'filestore', envDb),
      join(root, 'addons'),
      join(root, 'filestore', side(ENDED_OP, 'n')),
      join(root, `addons.${side(ENDED_OP, 'n')}`),
      join(root, 'filestore', side(LIVE_OP, 'n')),
      join(root, `addons.${side(LIVE_OP, 'n')}`),
      join(root, 'filestore', side(UNKNOWN_OP, 'o')),
      join(root, 'addons.next'),
      // copy-on-write replaces' side clusters: an ended one's new data, a live one's retained cluster
      join(root, `postgres.${side(ENDED_OP, 'n')}`, 'data'),
      join(root, `postgres.${side(LIVE_OP, 'o')}`, 'data'),
      join(dataDir, 'environments', GONE_ENV, 'filestore'),
      join(dataDir, 'environments', NEW_ENV, 'filestore'),
    ]) {
      await mkdir(dir, { recursive: true });
    }
    await writeFile(join(root, `clone-${ENDED_OP}.json`), '{"state":"prepared"}');
    await writeFile(join(root, `clone-${LIVE_OP}.json`), '{"state":"prepared"}');
    for (const db of [envDb, side(ENDED_OP, 'n'), side(ENDED_OP, 'o'), side(LIVE_OP, 'n'), side(UNKNOWN_OP, 'o'), environmentDbName(GONE_ENV), 'postgres', 'someone_elses']) {
      databases.add(db);
    }

    const out = await reconcile(input, ctx(activity()));

    expect(destroyed).toEqual([GONE_ENV]);
    expect([...databases].sort()).toEqual([envDb, side(LIVE_OP, 'n'), side(UNKNOWN_OP, 'o'), 'postgres', 'someone_elses'].sort());
    expect((await readdir(root)).sort()).toEqual(['addons', `addons.${side(LIVE_OP, 'n')}`, 'addons.next', `clone-${LIVE_OP}.json`, 'filestore', `postgres.${side(LIVE_OP, 'o')}`].sort());
    // the side cluster went through the runtime (which stops its server) before its files
    expect(dropped).toContain(side(ENDED_OP, 'n'));
    expect(dropped).not.toContain(side(LIVE_OP, 'o'));
    expect((await readdir(join(root, 'filestore'))).sort()).toEqual([envDb, side(LIVE_OP, 'n'), side(UNKNOWN_OP, 'o')].sort());
    expect(existsSync(join(dataDir, 'environments', GONE_ENV))).toBe(false);
    expect(existsSync(join(dataDir, 'environments', NEW_ENV))).toBe(true);
    expect(out.removed.every((r) => r.reason === 'ended')).toBe(true);
    expect(out.removed.map((r) => r.operation_id)).toEqual(expect.arrayContaining([ENDED_OP, CREATE_OP]));
    const keptReasons = Object.fromEntries(out.kept.map((k) => [k.name, k.reason]));
    expect(keptReasons[side(LIVE_OP, 'n')]).toBe('live');
    expect(keptReasons[join('environments', ENV, `postgres.${side(LIVE_OP, 'o')}`)]).toBe('live');
    expect(keptReasons[side(UNKNOWN_OP, 'o')]).toBe('unknown');
    expect(keptReasons[join('environments', NEW_ENV)]).toBe('unknown');
    expect(keptReasons[join('environments', ENV, 'addons.next')]).toBe('unknown');
    // The known environment itself is never a finding.
    expect(out.kept.some((k) => k.name === join('environments', ENV) || k.name === envDb)).toBe(false);
  });

  it('touches nothing of an operation whose task runs here', async () => {
    const envDb = environmentDbName(ENV);
    const work = `${envDb}_n${tag(RUNNING_OP)}`;
    databases.add(work);
    const ended = { ...input, ended: [...input.ended, op(RUNNING_OP, ENV)] };
    const out = await reconcile(ended, ctx(activity({ running: [RUNNING_OP] })));
    expect(databases.has(work)).toBe(true);
    expect(out.removed).toEqual([]);
    expect(out.kept).toEqual([expect.objectContaining({ name: work, reason: 'running' })]);
  });
});
