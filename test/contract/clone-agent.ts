// A clone-capable fake agent for contract tests: plausible outputs for every clone.* task
// (step-tagged progress for clone.data, sanitization results and proof from the plan's
// options), configurable sizes, and per-kind overrides to fail, hold or reshape a task.
import { enabledOptions, RECEIVER_READY } from '@oec/shared';
import type { ClonePlan, ControllerMessage, SanitizationOptions, SanitizationRule, ServerFacts, TaskKind } from '@oec/shared';
import { FakeAgent, defaultOutput } from './fake-agent.js';
import type { TaskReply } from './fake-agent.js';

export type TaskRun = Extract<ControllerMessage, { type: 'task.run' }>;
export type Handler = (task: TaskRun, agent: FakeAgent) => TaskReply | Promise<TaskReply>;

export interface Sizes {
  database_bytes: number;
  filestore_bytes: number;
  filestore_files: number;
}

export interface CloneAgentOptions {
  sizes?: Sizes;
  /** Reported at hello (merged over 50 GB free disk). */
  facts?: Partial<ServerFacts>;
  /** Per task kind: replaces the default behaviour. */
  overrides?: Partial<Record<TaskKind, Handler>>;
}

export const SMALL: Sizes = { database_bytes: 50e6, filestore_bytes: 20e6, filestore_files: 120 };

export function error(code: string, message: string, details: Record<string, unknown> | null = null): TaskReply {
  return { error: { code: code as never, message, details, retryable: false } };
}

/** A promise a test opens when it wants a held task to go on. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** A handler that waits for the gate, then answers `reply` (default: never answers). */
export function heldBy(g: { wait: Promise<void> }, reply: TaskReply | ((task: TaskRun) => TaskReply) = 'ignore'): Handler {
  return async (task) => {
    await g.wait;
    return typeof reply === 'function' ? reply(task) : reply;
  };
}

function progress(agent: FakeAgent, task: TaskRun, step: string, fraction: number, detail: Record<string, number | string> = {}): void {
  agent.send({ type: 'task.progress', task_id: task.task_id, step, fraction, detail });
}

function log(agent: FakeAgent, task: TaskRun, step: string, message: string): void {
  agent.send({ type: 'task.log', task_id: task.task_id, ts: new Date().toISOString(), level: 'INFO', step, message });
}

function sanitizeOutput(options: SanitizationOptions, password: string | null): Record<string, unknown> {
  const results = enabledOptions(options).map((k) => ({
    option_key: k,
    success: true,
    skipped: false,
    warning: null,
    affected_rows: 3,
    duration_ms: 5,
  }));
  return {
    results,
    proof: {
      passed: true,
      checks: results.map((r) => ({ option_key: r.option_key, check: `${r.option_key} holds`, passed: true, violations: 0, detail: null })),
      checked_at: new Date().toISOString(),
    },
    totals: { affected_rows: results.length * 3, duration_ms: results.length * 5 },
    generated_password: password,
  };
}

export function cloneBehaviour(opts: CloneAgentOptions = {}): Handler {
  const sizes = opts.sizes ?? SMALL;
  return async (task, agent) => {
    const override = opts.overrides?.[task.kind];
    if (override) return override(task, agent);
    const plan = task.input as ClonePlan;
    switch (task.kind) {
      case 'env.inspect':
        return { output: { exists: true, ...sizes, addons_bytes: 1000 } };
      case 'clone.validate':
        progress(agent, task, 'validating', 0.5, { message: 'Source database answers' });
        return {
          output: { ...sizes, addons_bytes: 1000, pg_version: '15.8', odoo_version: '17.0', referenced_files: 10, missing_in_source: 0 },
        };
      case 'clone.prepare':
        return { output: { ok: true } };
      case 'clone.addons':
        return { output: { bytes: 1000, files: 3, sources: plan.target.addons.length } };
      case 'clone.data': {
        const half = sizes.database_bytes / 2;
        progress(agent, task, 'backing_up_database', 0.5, { bytes_done: half, bytes_total: sizes.database_bytes });
        progress(agent, task, 'restoring_database', 0.4, { bytes_done: half * 0.8, bytes_total: sizes.database_bytes });
        if (plan.include_filestore) {
          progress(agent, task, 'backing_up_filestore', 1, { items_done: sizes.filestore_files, items_total: sizes.filestore_files });
          log(agent, task, 'restoring_filestore', 'Filestore restored');
          progress(agent, task, 'restoring_filestore', 1, { items_done: sizes.filestore_files, items_total: sizes.filestore_files });
        }
        progress(agent, task, 'backing_up_database', 1, { bytes_done: sizes.database_bytes, bytes_total: sizes.database_bytes });
        progress(agent, task, 'restoring_database', 1, { bytes_done: sizes.database_bytes, bytes_total: sizes.database_bytes });
        return {
          output: {
            database: { method: 'stream', bytes: sizes.database_bytes, tables: 120 },
            filestore: plan.include_filestore
              ? { files: sizes.filestore_files, bytes: sizes.filestore_bytes, linked: sizes.filestore_files, copied: 0, already_present: 0, missing_in_source: [] }
              : null,
          },
        };
      }
      case 'clone.receive': {
        const input = task.input as { transfer: { tickets: { stream: string }[] } };
        progress(agent, task, 'restoring_database', 0, { message: RECEIVER_READY });
        return { output: { streams: input.transfer.tickets.map((t) => ({ stream: t.stream, wire_bytes: 100, raw_bytes: 200, files: 1, reused_files: 0 })) } };
      }
      case 'clone.send': {
        const input = task.input as { transfer: { tickets: { stream: string }[] } };
        progress(agent, task, 'backing_up_database', 1, { bytes_done: sizes.database_bytes, bytes_total: sizes.database_bytes });
        return { output: { streams: input.transfer.tickets.map((t) => ({ stream: t.stream, wire_bytes: 100, raw_bytes: 200, files: 1, reused_files: 0 })) } };
      }
      case 'clone.sanitize': {
        const options = plan.sanitization.options;
        // custom rules: each masks 5 rows, except one on a table named x_missing* (skipped)
        const rule_results = (plan.custom_rules ?? []).map((r, i) => {
          const skipped = r.table.startsWith('x_missing');
          return { rule_index: i, table: r.table, column: r.column ?? null, function: r.function, skipped, reason: skipped ? `table ${r.table} not present` : null, affected_rows: skipped ? 0 : 5, duration_ms: 1 };
        });
        return { output: { ...sanitizeOutput(options, options.reset_passwords ? 'Secret-Password-42' : null), rule_results } };
      }
      case 'clone.verify':
        return { output: { checks: [{ name: 'database answers', passed: true, detail: null }], swapped: plan.mode === 'replace', app_healthy: true } };
      case 'clone.cleanup':
        return { output: { removed: [`environment ${plan.target.name}`], swapped_back: false } };
      case 'clone.estimate': {
        const { options, custom_rules: rules = [] } = task.input as { options: SanitizationOptions; custom_rules?: SanitizationRule[] };
        const impact = enabledOptions(options).map((k) => ({ option_key: k, rows: 7, approximate: false, summary: `7 rows for ${k}` }));
        // two personal columns: one an option masks, one only the names option does
        const personal_columns = [
          { table: 'res_partner', column: 'email', kind: 'email', audience: 'contact', source: 'catalogue', option_key: 'anonymize_emails', covered: options.anonymize_emails },
          { table: 'res_partner', column: 'x_studio_nickname', kind: 'name', audience: 'contact', source: 'name', option_key: 'anonymize_company_names', covered: options.anonymize_company_names },
        ];
        const rule_impact = rules.map((r, i) => ({ rule_index: i, table: r.table, column: r.column ?? null, function: r.function, rows: 3, approximate: false, skipped_reason: null }));
        return { output: { impact, total_records: impact.length * 7, api_keys_found: 3, personal_columns, rule_impact } };
      }
      default:
        return { output: defaultOutput(task) };
    }
  };
}

/** Install the behaviour on an agent (its onTask). */
export function actAsCloneAgent(agent: FakeAgent, opts: CloneAgentOptions = {}): void {
  const behaviour = cloneBehaviour(opts);
  agent.onTask = (task) => behaviour(task, agent);
}

export function kinds(agent: FakeAgent): string[] {
  return agent.tasks.map((t) => t.kind);
}

/** Connect an agent that behaves as a clone agent from its first task on (no window after hello). */
export async function connectCloneAgent(wsUrl: string, token: string, opts: CloneAgentOptions = {}): Promise<FakeAgent> {
  const behaviour = cloneBehaviour(opts);
  const connected = gate();
  const ref: { agent?: FakeAgent } = {};
  ref.agent = await FakeAgent.connect(wsUrl, token, {
    facts: { disk_free_bytes: 50e9, ...opts.facts },
    // Heartbeats report the same disk as the hello, so disk checks never race them.
    heartbeatDisk: { free: opts.facts?.disk_free_bytes ?? 50e9, total: opts.facts?.disk_total_bytes ?? 100e9 },
    onTask: async (task) => {
      await connected.wait;
      return behaviour(task, ref.agent as FakeAgent);
    },
  });
  connected.open();
  return ref.agent;
}
