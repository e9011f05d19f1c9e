// The ClonePlan every task of an operation carries: names derived from ids (the work and
// retained databases of a replace from the operation id), the effective sanitization with the
// target's URL and the project's salt.
import { IN_STREAM_OPTIONS, idSlug } from '@oec/shared';
import type { AddonSource, ClonePath, ClonePlan, CowFacts, SanitizationOptions, SanitizationPreset, SanitizationRule } from '@oec/shared';
import type { CloneMode } from '../store/operation-row.js';

export interface PlanInput {
  operationId: string;
  mode: CloneMode;
  source: { id: string; db_name: string; status: 'RUNNING' | 'STOPPED'; addons: AddonSource[] };
  target: { id: string; db_name: string; name: string; domain: string; odoo_version: string; running: boolean };
  includeFilestore: boolean;
  compress: boolean;
  preset: SanitizationPreset;
  options: SanitizationOptions;
  salt: string;
  /** The project's custom rules, frozen in the plan. */
  rules?: SanitizationRule[];
  /** The project's sensitive models, frozen in the plan. */
  sensitiveModels?: string[];
  /** Cross-server: the servers' names; null on one server. */
  servers: { source: string; target: string } | null;
  donors: { environment_id: string; db_name: string }[];
  /** OEC_CLONE_DATA_PATH; absent = auto. */
  dataPath?: 'dump_restore' | 'copy' | 'auto';
  /** What the target's server reported about copy-on-write clones (its facts). */
  cow?: CowFacts | null;
}

/** Where a clone goes and what its target's server can do: what picks its data path. */
export interface PathWhere {
  sourceStatus: 'RUNNING' | 'STOPPED';
  crossServer: boolean;
  /** Absent: a copy-on-write clone is not considered. */
  mode?: CloneMode;
  cow?: CowFacts | null;
}

/**
 * The server's copy-on-write facts as they apply to one clone: unavailable, with the reason, where
 * its agent said the source's data (or a replace target's) cannot take part (env.inspect: an
 * environment of the Docker runtime whose data is still in a Docker volume).
 */
export function cowFor(cow: CowFacts | null | undefined, limits: { source?: string | null; target?: string | null }): CowFacts | null {
  if (!cow?.available) return cow ?? null;
  if (limits.source) return { ...cow, available: false, reason: `the source's ${limits.source}` };
  if (limits.target) return { ...cow, available: false, reason: `the target's ${limits.target}` };
  return cow;
}

/** Why a clone cannot be a copy-on-write snapshot, or null when it can. */
function whyNotCopyOnWrite(setting: PlanInput['dataPath'], w: PathWhere): string | null {
  if (setting === 'copy' || setting === 'dump_restore') return `the controller is set to OEC_CLONE_DATA_PATH=${setting}`;
  if (w.crossServer) return 'the target is on another server';
  if (!w.mode) return 'a copy-on-write clone is not considered here';
  if (!w.cow) return "the target's server has not said whether its data root clones files";
  if (!w.cow.available) return w.cow.reason;
  // A replace snapshots into a second cluster beside the running target's and swaps the clusters:
  // only where the runtime says it swaps clusters (agents of issue 19 cloned for create_new only).
  if (w.mode === 'replace' && w.cow.replace !== true) return "the target's server cannot swap clusters, so a replace copies its new data beside the running target";
  return null;
}

/**
 * The data path and, for the estimate, why: a copy-on-write snapshot wherever the server can take
 * one (a same-server clone, decision 0020; a replace where the server swaps clusters), else
 * chooseDataPath's.
 */
export function clonePath(setting: PlanInput['dataPath'], options: SanitizationOptions, rules: readonly SanitizationRule[], where: PathWhere): { data_path: ClonePlan['data_path']; path: ClonePath } {
  const no = whyNotCopyOnWrite(setting, where);
  if (no === null) {
    const fs = where.cow?.filesystem ?? 'its filesystem';
    const reason =
      where.mode === 'replace'
        ? `Instant clone: the source's cluster is snapshotted while it runs and its files cloned copy-on-write on ${fs} into a second cluster beside the target's, sanitized in SQL and the masked tables rewritten, then swapped in; the target serves its old data until the swap, which keeps it`
        : `Instant clone: the source's cluster is snapshotted while it runs and its files cloned copy-on-write on ${fs}, then sanitized in SQL and the masked tables rewritten`;
    return { data_path: 'cow', path: { kind: 'copy_on_write', reason } };
  }
  const data_path = chooseDataPath(setting, options, rules, where);
  const how =
    data_path === 'copy'
      ? 'Copied table by table in parallel streams, personal data masked on the way'
      : where.sourceStatus === 'STOPPED' && !where.crossServer
        ? 'A template copy of the stopped database, then sanitized in SQL'
        : 'Dumped and restored, then sanitized in SQL';
  return { data_path, path: { kind: data_path === 'copy' ? 'copy' : 'dump_restore', reason: `${how}; not an instant clone: ${no}` } };
}

/**
 * `auto` takes the COPY path whenever an enabled option masks or clears values in stream, or the
 * project has custom rules: then no source value is ever written on the target. Without either
 * (the `none` preset) it still takes it for a running source or across servers, where its
 * parallel streams beat one `pg_dump | pg_restore` (decision 0014); only a stopped source on the
 * same server keeps the dump path, whose template copy needs no dump at all.
 */
export function chooseDataPath(
  setting: PlanInput['dataPath'],
  options: SanitizationOptions,
  rules: readonly SanitizationRule[] = [],
  where: { sourceStatus: 'RUNNING' | 'STOPPED'; crossServer: boolean } = { sourceStatus: 'STOPPED', crossServer: false },
): ClonePlan['data_path'] {
  if (setting === 'dump_restore') return 'dump_restore';
  if (setting === 'copy') return 'copy';
  if (IN_STREAM_OPTIONS.some((k) => options[k]) || rules.length > 0) return 'copy';
  return where.sourceStatus === 'RUNNING' || where.crossServer ? 'copy' : 'dump_restore';
}

export function buildPlan(p: PlanInput): ClonePlan {
  const tag = idSlug(p.operationId).slice(0, 8);
  const replace = p.mode === 'replace';
  return {
    operation_id: p.operationId,
    mode: p.mode,
    source: { environment_id: p.source.id, db_name: p.source.db_name, status: p.source.status },
    // The target gets the source's addons (replace too: addons come from the source).
    target: {
      environment_id: p.target.id,
      db_name: p.target.db_name,
      name: p.target.name,
      domain: p.target.domain,
      odoo_version: p.target.odoo_version,
      addons: p.source.addons,
    },
    work_db: replace ? `${p.target.db_name}_n${tag}` : p.target.db_name,
    retained_db: replace ? `${p.target.db_name}_o${tag}` : null,
    target_running: replace && p.target.running,
    include_filestore: p.includeFilestore,
    compress: p.compress,
    servers: p.servers,
    donors: p.donors,
    data_path: clonePath(p.dataPath, p.options, p.rules ?? [], { sourceStatus: p.source.status, crossServer: p.servers !== null, mode: p.mode, cow: p.cow ?? null }).data_path,
    sanitization: { preset: p.preset, options: p.options, base_url: `https://${p.target.domain}`, salt: p.salt },
    custom_rules: p.rules ?? [],
    sensitive_models: p.sensitiveModels ?? [],
  };
}
