// Clone operation rows: the columns we read (with the target environment as it is now), the
// stored shapes of the jsonb columns, and the SQL lists of statuses (from @oec/shared's).
import { TERMINAL_STATUSES } from '@oec/shared';
import type {
  CLONE_MODES,
  CloneOperation,
  ClonePlan,
  CloneStatus,
  EnvironmentStatus,
  OperationError,
  Proof,
  RuleResult,
  SanitizationOptions,
  SanitizationPreset,
  SanitizationResult,
  StepState,
} from '@oec/shared';
import type { DurationEstimate } from '../model/estimate-math.js';
import type { CloneRequestInput } from '../model/request-input.js';
import { FAILED_OR_CANCELLED } from '../model/status.js';

export type CloneMode = (typeof CLONE_MODES)[number];
export type CleanupState = CloneOperation['cleanup'];

/** Sizes the operation was planned with (refined by clone.validate) and its duration estimate. */
export interface StoredEstimate {
  database_bytes: number;
  filestore_bytes: number;
  filestore_files: number;
  required_bytes: number;
  duration: DurationEstimate;
}

export interface OperationRow {
  id: string;
  /** The controller replica driving the operation or its cleanup (decision 0018); null before one claimed it. */
  owner: string | null;
  organization_id: string;
  project_id: string;
  /** The target's server (all tasks on one server; prepare…verify and cleanup across servers). */
  server_id: string;
  /** The source's server (validate, send); equal to server_id on one server. */
  source_server_id: string;
  source_environment_id: string;
  target_environment_id: string;
  target_name: string;
  target_domain: string;
  target_type: string;
  mode: CloneMode;
  status: CloneStatus;
  request: CloneRequestInput;
  sanitization_preset: SanitizationPreset;
  sanitization_options: SanitizationOptions;
  include_filestore: boolean;
  options: { compress: boolean; parallel_transfer: boolean };
  plan: ClonePlan;
  estimate: StoredEstimate;
  steps: StepState[];
  progress_percent: number;
  sanitization_result: SanitizationResult[];
  proof: Proof | null;
  /** Per custom rule: rows masked or skipped (migration 0007). */
  sanitization_rule_results: RuleResult[];
  error: OperationError | null;
  cleanup: CleanupState;
  keep_target: boolean;
  agent_touched: boolean;
  attempt: number;
  retry_of: string | null;
  requested_by: string;
  cancel_requested_at: Date | null;
  started_at: Date;
  run_started_at: Date | null;
  finished_at: Date | null;
  /** The target environment now (null once a create_new target was removed). */
  target_status: EnvironmentStatus | null;
  target_current_name: string | null;
  target_current_domain: string | null;
}

export const OP_COLUMNS = `o.id, o.organization_id, o.project_id, o.server_id, o.source_server_id, o.source_environment_id,
  o.target_environment_id, o.target_name, o.target_domain, o.target_type, o.mode, o.status, o.request,
  o.sanitization_preset, o.sanitization_options, o.include_filestore, o.options, o.plan, o.estimate, o.steps,
  o.progress_percent::float8 AS progress_percent, o.sanitization_result, o.sanitization_rule_results, o.proof, o.error, o.cleanup, o.keep_target,
  o.agent_touched, o.attempt, o.retry_of, o.requested_by, o.cancel_requested_at, o.started_at, o.run_started_at,
  o.finished_at, o.owner, t.status AS target_status, t.name AS target_current_name, t.domain AS target_current_domain`;

export const OP_FROM = 'clone_operations o LEFT JOIN environments t ON t.id = o.target_environment_id';

/** A SQL list of constant status literals, e.g. ('completed', 'failed', 'cancelled'). */
function sqlList(statuses: readonly CloneStatus[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** The terminal statuses. */
export const TERMINAL_SQL = sqlList(TERMINAL_STATUSES);
/** Not moving data: pending, or terminal. */
export const NOT_RUNNING_SQL = sqlList(['pending', ...TERMINAL_STATUSES]);
/** Terminal with something to clean up. */
export const FAILED_OR_CANCELLED_SQL = sqlList(FAILED_OR_CANCELLED);
