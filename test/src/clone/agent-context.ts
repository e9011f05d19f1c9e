// Running agent clone tasks in-process for integration tests: a real LocalRuntime on a real
// cluster, a TaskContext that records progress and logs, and helpers to build plans.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createHandlers,
  createLogger,
  LocalRuntime,
  NO_HOOKS,
  type CloneHooks,
  type HandlerRegistry,
  type TaskContext,
  type TransferDeps,
} from '@oec/agent';
import { startCluster, targetFromCluster, type ClusterInfo } from '@oec/agent/postgres';
import {
  environmentDbName,
  idSlug,
  resolveSanitization,
  type ClonePlan,
  type EnvironmentSpec,
  type SanitizationPreset,
  type StepKey,
  type TaskKind,
} from '@oec/shared';

export interface Recorded {
  progress: Array<{ step: StepKey | undefined; fraction: number }>;
  logs: Array<{ level: string; message: string; step: StepKey | undefined }>;
}

export interface AgentBench {
  dir: string;
  cluster: ClusterInfo;
  runtime: LocalRuntime;
  recorded: Recorded;
  run<K extends TaskKind>(
    kind: K,
    input: Parameters<HandlerRegistry[K]>[0],
    opts?: { signal?: AbortSignal; hooks?: CloneHooks; transfer?: TransferDeps; attempt?: number },
  ): ReturnType<HandlerRegistry[K]>;
}

export async function startAgentBench(): Promise<AgentBench> {
  const dir = await mkdtemp(join(tmpdir(), 'oec-clone-'));
  await chmod(dir, 0o755);
  const cluster = await startCluster({ dir: join(dir, 'postgres') });
  const logger = createLogger('silent');
  const runtime = new LocalRuntime({
    dataDir: dir,
    pg: targetFromCluster(cluster),
    hostname: 'bench',
    peerUrl: null,
    appHost: '127.0.0.1',
    childEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logger,
  });
  const recorded: Recorded = { progress: [], logs: [] };
  const bench: AgentBench = {
    dir,
    cluster,
    runtime,
    recorded,
    run(kind, input, opts = {}) {
      const handlers = createHandlers(opts.hooks ?? NO_HOOKS, opts.transfer);
      const ctx: TaskContext = {
        taskId: randomUUID(),
        kind,
        signal: opts.signal ?? new AbortController().signal,
        fence: { operation_id: null, attempt: opts.attempt ?? 0 },
        runtime,
        logger,
        progress: (fraction, _detail, step) => recorded.progress.push({ step, fraction }),
        log: (level, message, step) => recorded.logs.push({ level, message, step }),
      };
      const handler = handlers[kind] as (i: unknown, c: TaskContext) => ReturnType<HandlerRegistry[typeof kind]>;
      return handler(input, ctx);
    },
  };
  return bench;
}

export function envSpec(name: string): EnvironmentSpec {
  const id = randomUUID();
  return {
    environment_id: id,
    db_name: environmentDbName(id),
    name,
    domain: `${name}.apps.localhost`,
    odoo_version: '17.0',
    addons: [{ kind: 'project', name: 'shop-addons', repository_url: null, ref: null }],
  };
}

export function makePlan(
  source: EnvironmentSpec,
  target: EnvironmentSpec,
  opts: { mode?: 'create_new' | 'replace'; preset?: SanitizationPreset; sourceStatus?: 'RUNNING' | 'STOPPED'; includeFilestore?: boolean; targetRunning?: boolean; dataPath?: 'dump_restore' | 'copy' } = {},
): ClonePlan {
  const operationId = randomUUID();
  const mode = opts.mode ?? 'create_new';
  const short = idSlug(operationId).slice(0, 8);
  return {
    operation_id: operationId,
    mode,
    source: { environment_id: source.environment_id, db_name: source.db_name, status: opts.sourceStatus ?? 'RUNNING' },
    target,
    work_db: mode === 'replace' ? `${target.db_name}_n${short}` : target.db_name,
    retained_db: mode === 'replace' ? `${target.db_name}_o${short}` : null,
    target_running: opts.targetRunning ?? mode === 'replace',
    include_filestore: opts.includeFilestore ?? true,
    servers: null,
    donors: [],
    data_path: opts.dataPath ?? 'dump_restore',
    compress: false,
    sanitization: {
      preset: opts.preset ?? 'recommended',
      options: resolveSanitization(opts.preset ?? 'recommended'),
      base_url: `https://${target.domain}`,
      salt: randomBytes(16).toString('hex'),
    },
  };
}
