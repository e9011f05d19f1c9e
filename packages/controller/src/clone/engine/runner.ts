// One attempt of a clone operation, step by step: pre_checks (here) → clone.validate (on the
// source's server) → clone.prepare → clone.addons → clone.data (steps 5–8) → clone.sanitize →
// clone.verify → completed (complete.ts). Across servers, addons and data are transfers instead
// (transfer.ts: clone.receive on the target's agent, clone.send on the source's). Each task
// carries the plan and the (operation, attempt) fence. Entering a step is a guarded write, so a
// cancel recorded between two steps is honoured before the next starts, and entering
// `sanitizing` is where cancelling stops being possible. A failure ends in fail.ts.
import { AppError, ErrorCode } from '@oec/shared';
import type { CloneValidateOutput, StepKey, StreamMasking, TaskInput, TaskKind, TaskOutput } from '@oec/shared';
import { latestOperationTask } from '../../agents/store.js';
import { loadServer } from '../../services/servers.js';
import { formatBytes } from '../model/estimate-math.js';
import { odooSeries, pgMajor } from '../model/request-input.js';
import { isTerminal } from '../model/status.js';
import { DATA_STEPS, isStepDone } from '../model/steps-state.js';
import { loadOperation, markAgentTouched, saveEstimate, saveSanitization } from '../store/operations.js';
import { completeRun } from './complete.js';
import { runOrAttach } from './resume.js';
import type { RunnerDeps } from './deps.js';
import { failRun } from './fail.js';
import { OperationTracker, RunStopped } from './tracker.js';
import type { Run } from './tracker.js';
import { describeTransfer, runTransfer, transferStreams } from './transfer.js';

const FILESTORE_STEPS: readonly StepKey[] = ['backing_up_filestore', 'restoring_filestore'];

async function task<K extends TaskKind>(
  r: Run,
  kind: K,
  step: StepKey,
  input: TaskInput<K>,
  environmentId: string,
  serverId = r.op.server_id,
): Promise<TaskOutput<K>> {
  if (r.signal.aborted || !(await r.t.begin(step))) throw new RunStopped();
  return runOrAttach(r, serverId, kind, input, r.t.taskOptions(step, environmentId, r.signal));
}

/**
 * Across servers: the step's streams go from the source's agent to the target's; what the
 * source's COPY stream masked (its database stream's `in_stream`), for the sanitizing step.
 */
async function transfer(r: Run, step: StepKey, what: 'addons' | 'data'): Promise<StreamMasking | undefined> {
  if (r.signal.aborted || !(await r.t.begin(step))) throw new RunStopped();
  const result = await runTransfer(r, step, transferStreams(r.op, what));
  r.t.log('INFO', step, describeTransfer(result));
  return result.send.streams.find((s) => s.in_stream)?.in_stream;
}

async function preChecks(r: Run): Promise<void> {
  const { d, op, t } = r;
  t.log('INFO', 'pre_checks', 'Starting clone operation');
  const source = await loadServer(d.db, op.source_server_id);
  if (!source || !(await d.hub.confirmConnected(source.id))) {
    throw new AppError(ErrorCode.SOURCE_UNREACHABLE, `The agent of server ${source?.name ?? op.source_server_id} is not connected`, {
      server_id: op.source_server_id,
    });
  }
  const server = op.server_id === source.id ? source : await loadServer(d.db, op.server_id);
  if (!server || !(await d.hub.confirmConnected(server.id))) {
    throw new AppError(ErrorCode.TRANSFER_FAILED, `The agent of target server ${server?.name ?? op.server_id} is not connected`, {
      server_id: op.server_id,
    });
  }
  const free = server.disk_free_bytes;
  if (free !== null && op.estimate.required_bytes > free) {
    throw new AppError(
      ErrorCode.DISK_FULL,
      `Target server needs ${formatBytes(op.estimate.required_bytes)} free, only ${formatBytes(free)} available`,
      { required_bytes: op.estimate.required_bytes, available_bytes: free },
    );
  }
  if (!(await t.complete(['pre_checks'], 'Pre-checks passed - ready to clone'))) throw new RunStopped();
  t.log('INFO', 'pre_checks', 'Pre-checks passed - ready to clone');
}

/** replace: the source's data must fit the target (same Odoo series, PostgreSQL not older). */
async function checkCompatibility(r: Run, v: CloneValidateOutput): Promise<void> {
  const { op } = r;
  if (op.mode !== 'replace') return;
  const series = odooSeries(op.plan.target.odoo_version);
  if (v.odoo_version && series && v.odoo_version !== series) {
    throw new AppError(ErrorCode.RESTORE_FAILED, `The source's data is Odoo ${v.odoo_version}, the target runs Odoo ${series}`, {
      reason: 'ODOO_VERSION_MISMATCH',
      step: 'validating',
    });
  }
  const server = await loadServer(r.d.db, op.server_id);
  const target = pgMajor(server?.facts?.pg_version);
  const source = pgMajor(v.pg_version);
  if (target !== null && source !== null && target < source) {
    throw new AppError(ErrorCode.RESTORE_FAILED, `PostgreSQL ${target} on the target cannot restore a PostgreSQL ${source} database`, {
      reason: 'PG_INCOMPATIBLE',
      step: 'validating',
    });
  }
}

/** The data step's in-stream masking as its finished task recorded it (a run resumed after it). */
async function recordedInStream(r: Run): Promise<StreamMasking | undefined> {
  const { op } = r;
  const opts = r.t.taskOptions('restoring_filestore', op.target_environment_id, r.signal);
  if (op.source_server_id === op.server_id) {
    const id = await latestOperationTask(r.d.db, op.id, op.attempt, 'clone.data', op.server_id);
    return id ? (await r.d.hub.attachTask(id, op.server_id, 'clone.data', opts)).in_stream : undefined;
  }
  const id = await latestOperationTask(r.d.db, op.id, op.attempt, 'clone.send', op.source_server_id);
  const send = id ? await r.d.hub.attachTask(id, op.source_server_id, 'clone.send', opts) : undefined;
  return send?.streams.find((s) => s.in_stream)?.in_stream;
}

async function steps(r: Run): Promise<void> {
  const { d, op, t } = r;
  const plan = op.plan;
  // a resumed run skips what its row shows done (the row as it was taken over)
  const done = (...keys: StepKey[]) => keys.every((k) => isStepDone(op.steps, k));
  if (!done('pre_checks')) await preChecks(r);

  if (!done('validating')) {
    const validated = await task(r, 'clone.validate', 'validating', plan, op.source_environment_id, op.source_server_id);
    await checkCompatibility(r, validated);
    const ratio = (n: number, was: number) => (was > 0 ? n / was : 1);
    await saveEstimate(d.db, op.id, {
      ...op.estimate,
      database_bytes: validated.database_bytes,
      filestore_bytes: validated.filestore_bytes,
      filestore_files: validated.filestore_files,
      duration: {
        ...op.estimate.duration,
        database_seconds: Math.ceil(op.estimate.duration.database_seconds * ratio(validated.database_bytes, op.estimate.database_bytes)),
      },
    });
    await t.complete(['validating']);
  }

  if (!done('creating_target')) {
    if (r.signal.aborted || !(await t.begin('creating_target'))) throw new RunStopped();
    await markAgentTouched(d.db, op.id);
    await task(r, 'clone.prepare', 'creating_target', plan, op.target_environment_id);
    await t.complete(['creating_target']);
  }

  const cross = op.source_server_id !== op.server_id;
  if (!done('copying_addons')) {
    if (cross) await transfer(r, 'copying_addons', 'addons');
    else await task(r, 'clone.addons', 'copying_addons', plan, op.target_environment_id);
    await t.complete(['copying_addons']);
  }

  if (!op.include_filestore) t.skip(FILESTORE_STEPS);
  let inStream: StreamMasking | undefined;
  if (!done(...DATA_STEPS)) {
    if (!r.resumed) t.log('INFO', 'backing_up_database', 'Starting database backup...');
    inStream = cross
      ? await transfer(r, 'backing_up_database', 'data')
      : (await task(r, 'clone.data', 'backing_up_database', plan, op.target_environment_id)).in_stream;
    await t.complete(DATA_STEPS);
  } else if (!done('sanitizing')) {
    inStream = await recordedInStream(r);
  }

  if (!done('sanitizing')) {
    // the custom rules the COPY stream applied are counted, not applied again, by the sanitizer
    const sanitized = await task(r, 'clone.sanitize', 'sanitizing', { ...plan, ...(inStream ? { in_stream: inStream } : {}) }, op.target_environment_id);
    await saveSanitization(d.db, op.id, sanitized.results, sanitized.proof, sanitized.rule_results ?? []);
    if (sanitized.generated_password) await d.secrets.put(op.id, op.requested_by, sanitized.generated_password);
    if (!sanitized.proof.passed) {
      const failed = [...sanitized.proof.checks, ...(sanitized.proof.rule_checks ?? [])].filter((c) => !c.passed).map((c) => c.check);
      throw new AppError(ErrorCode.PROOF_FAILED, `Sanitization proof failed: ${failed.join(', ')}`, { failed_checks: failed });
    }
    await t.complete(['sanitizing']);
  }

  await task(r, 'clone.verify', 'verifying', plan, op.target_environment_id);
  await completeRun(r);
}

/**
 * Run the claimed operation (status pre_checks) until it completes, fails or is cancelled; with
 * `resume`, an operation taken over from another replica, from where its row shows it.
 */
export async function runOperation(d: RunnerDeps, operationId: string, signal: AbortSignal, resume = false): Promise<void> {
  const op = await loadOperation(d.db, operationId);
  if (!op || (resume ? isTerminal(op.status) || op.status === 'pending' : op.status !== 'pre_checks')) return;
  if (op.owner !== d.replica.id) return;
  const r: Run = { d, op, t: new OperationTracker(d, op), signal, resumed: resume, attached: new Set() };
  try {
    await steps(r);
  } catch (err) {
    await r.t.flush();
    if (err instanceof RunStopped || signal.aborted || r.t.stopped) return;
    await failRun(d, r.t, err);
  } finally {
    await r.t.close();
  }
}
