// Our product as a user runs it: the test harness's platform (a real controller process and one
// agent process with its own PostgreSQL cluster), a `production` environment created through
// the API and filled with the cached (or generated) dataset, and clones requested over REST
// (create_new, preset `recommended`), timed from the POST to status `completed`, with the
// operation's own step durations and the agent process's peak RSS during the clone.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterInfo } from '@oec/agent/postgres';
import type { CloneOperation, Environment } from '@oec/shared';
import { withDb } from '@oec/test/clone';
import { clusterOf, mountLoopBtrfs, mountLoopXfs, seedEnvironment, startPlatform, TERMINAL, waitFor, type AgentHandle, type LoopXfs, type Platform } from '@oec/test/harness';
import type { BenchSize } from './bench-env.js';
import { DATASET_SEED, ensureDataset, type DatasetMeta } from './dataset-cache.js';
import { expertPipelines, type ExpertSource } from './expert.js';
import { timed } from './timing.js';

export interface Product {
  platform: Platform;
  agent: AgentHandle;
  source: Environment;
  cluster: ClusterInfo;
  dataset: DatasetMeta & { from_cache: boolean };
  expert: ReturnType<typeof expertPipelines>;
  close(): Promise<void>;
}

export interface ProductClone {
  /** From the POST to the first poll that sees `completed` (polled every 50 ms). */
  seconds: number;
  /** The operation's own duration (started → finished). */
  operation_seconds: number | null;
  /** Each step's duration_seconds as the operation reports it. */
  steps: Record<string, number | null>;
  /** Each started step's start (epoch ms) and duration, to tell steps that overlapped from steps in sequence. */
  step_times: Record<string, { started_ms: number; seconds: number }>;
  /** The agent process's peak RSS during the clone (VmHWM, reset before it), bytes. */
  agent_peak_rss_bytes: number | null;
  operation_id: string;
}

const POLL_MS = 50;

export interface ProductOptions {
  /**
   * Copy-on-write (issue 19): the agent's data root on a loop-mounted XFS with reflink of this many
   * MiB, a cluster per environment: same-server clones are snapshots.
   */
  cowMiB?: number;
  /** The loop filesystem: `xfs` (default; filestores cloned file by file) or `btrfs` (filestores are subvolumes, snapshotted whole). */
  cowFs?: 'xfs' | 'btrfs';
}

/** Start the platform and its source; the dataset is restored from the cache or generated once. */
export async function startProduct(size: BenchSize, log: (line: string) => void, opts: ProductOptions = {}): Promise<Product> {
  // the controller's own heartbeat defaults (5 s, 3 misses), not the test harness's quick ones: a
  // benchmark on a busy machine must not lose its agent to a slow pong
  const platform = await startPlatform({ controllerEnv: { OEC_HEARTBEAT_INTERVAL_MS: '5000', OEC_HEARTBEAT_MISSES: '3' } });
  let xfs: LoopXfs | null = null;
  const close = async (): Promise<void> => {
    await platform.close();
    await xfs?.close();
  };
  try {
    if (opts.cowMiB) {
      const mount = opts.cowFs === 'btrfs' ? mountLoopBtrfs : mountLoopXfs;
      xfs = await mount(platform.dir, opts.cowMiB, platform.agentDataDir('a'));
    }
    const agent = await platform.addServer('a', opts.cowMiB ? { OEC_LOCAL_CLUSTERS: 'per_environment' } : {});
    const created = await platform.createEnvironment(agent.server.id, { name: 'production', environment_type: 'production' });
    const source = await platform.waitEnvironment(created.id, 'RUNNING');
    const cluster = opts.cowMiB ? clusterOf(source, agent) : clusterOf(source);
    const role = source.connection?.user;
    if (!role || !source.filestore_path) throw new Error('the source environment has no connection details or filestore');
    const dataset = await ensureDataset(
      size,
      { cluster, db: source.database_name, role, filestore: source.filestore_path },
      async () => (await seedEnvironment(source, { size, seed: DATASET_SEED, personalData: true })).files,
      log,
    );
    // the same statistics and visibility whether the data was generated or restored
    await withDb(cluster, source.database_name, async (c) => void (await c.query('VACUUM ANALYZE')));
    // and the restore's dirty buffers written now, not by the first run's checkpoint (a snapshot's
    // backup start is one: 1.0–1.6 s on the first run after the restore, 0.1 s on the next ones)
    await withDb(cluster, 'postgres', async (c) => void (await c.query('CHECKPOINT')));
    const src: ExpertSource = {
      cluster,
      db: source.database_name,
      role,
      filestore: source.filestore_path,
      workDir: join(agent.dataDir, 'bench-expert', 'fs'),
      files: opts.cowFs === 'btrfs' ? 'snapshot' : 'link',
    };
    return { platform, agent, source, cluster, dataset, expert: expertPipelines(src), close };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

/** Stop or start the source through the API and wait for the status. */
export async function setSourceStatus(p: Product, status: 'RUNNING' | 'STOPPED'): Promise<void> {
  const current = await p.platform.api.ok<Environment>('GET', `/environments/${p.source.id}`);
  if (current.status === status) return;
  await p.platform.api.ok('POST', `/environments/${p.source.id}/${status === 'RUNNING' ? 'start' : 'stop'}`);
  await p.platform.waitEnvironment(p.source.id, status);
}

/** Peak RSS so far of a process (VmHWM), bytes; null when it cannot be read. */
async function peakRss(pid: number | undefined): Promise<number | null> {
  if (!pid) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : null;
}

/** Reset a process's peak RSS to its current RSS (clear_refs 5; ours, as root). */
async function resetPeakRss(pid: number | undefined): Promise<void> {
  if (pid) await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

/**
 * One clone of the source to a new environment `name`, as a user requests it, timed until
 * `completed`; the new environment is removed afterwards. `onOperation` gets the operation id
 * as soon as the API answered (the progress load starts there).
 */
export async function productClone(p: Product, name: string, onOperation?: (id: string) => void, preset: 'recommended' | 'none' = 'recommended'): Promise<ProductClone> {
  const api = p.platform.api;
  const pid = p.agent.daemon.proc.pid;
  await resetPeakRss(pid);
  let op: CloneOperation | null = null;
  const seconds = await timed(async () => {
    const res = await api.post<CloneOperation>(`/environments/${p.source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name },
      sanitization_preset: preset,
      // `none` copies production data as is: the API wants it said
      ...(preset === 'none' ? { acknowledge_risks: true } : {}),
    });
    if (res.status !== 202) throw new Error(`POST clone → ${res.status}: ${JSON.stringify(res.body)}`);
    onOperation?.(res.body.id);
    for (;;) {
      const cur = await api.ok<CloneOperation>('GET', `/clone-operations/${res.body.id}`);
      if (TERMINAL.has(cur.status)) {
        op = cur;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });
  const done = op as CloneOperation | null;
  if (!done) throw new Error('the clone operation did not end');
  const peak = await peakRss(pid);
  if (done.status !== 'completed') throw new Error(`clone ${name} ended ${done.status}: ${JSON.stringify(done.error)}`);
  await removeEnvironment(p, done.target_environment_id);
  return {
    seconds,
    operation_seconds: done.duration_seconds,
    steps: Object.fromEntries(done.progress.steps.map((s) => [s.key, s.duration_seconds])),
    step_times: Object.fromEntries(
      done.progress.steps.flatMap((s) => (s.started_at && s.duration_seconds !== null ? [[s.key, { started_ms: Date.parse(s.started_at), seconds: s.duration_seconds }]] : [])),
    ),
    agent_peak_rss_bytes: peak,
    operation_id: done.id,
  };
}

async function removeEnvironment(p: Product, envId: string): Promise<void> {
  await p.platform.api.del(`/environments/${envId}`);
  await waitFor(async () => ((await p.platform.api.get(`/environments/${envId}`)).status === 404 ? true : undefined), {
    timeoutMs: 300_000,
    what: `environment ${envId} removed`,
  });
}
