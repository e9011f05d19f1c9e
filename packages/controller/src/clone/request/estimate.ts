// POST /environments/{id}/clone/estimate: read-only. Sizes from the source's agent
// (env.inspect), per-option impact from read-only queries on the source database
// (clone.estimate: statement timeout, planner estimates for big tables), the duration and size
// estimates, and the quota and disk verdicts the clone request would apply.
import type { Estimate } from '@oec/shared';
import type { Actor } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import type { EnvironmentRow } from '../../services/environment-rows.js';
import { findShortfall, formatAmount } from '../../services/quota.js';
import { loadUsage, lockQuota } from '../../services/usage.js';
import { effectiveSanitization } from '../model/request-input.js';
import type { CloneRequestInput } from '../model/request-input.js';
import {
  assertSourceStatus,
  checkServers,
  cloneCowFacts,
  diskVerdict,
  loadReplaceTarget,
  loadSource,
  measureSource,
  modePermission,
  resolveTargetServerId,
  sourceImpact,
} from './checks.js';
import { personalCoverageOf } from '../model/coverage.js';
import { projectSanitization } from '../../services/projects.js';
import { projectRules } from '../../services/sanitization-rules.js';
import { quotaDemand, storedEstimate } from './create.js';
import { clonePath } from './plan.js';

async function quotaVerdict(deps: AppDeps, source: EnvironmentRow, createNew: boolean): Promise<{ ok: boolean; message: string }> {
  if (!createNew) return { ok: true, message: 'No additional quota needed (replace keeps the target’s resources)' };
  const limits = await lockQuota(deps.db, source.organization_id);
  const short = findShortfall(limits, await loadUsage(deps.db, source.organization_id), quotaDemand(source));
  return short
    ? { ok: false, message: `Insufficient quota - need ${formatAmount(short.resource, short.missing)}` }
    : { ok: true, message: 'Quota available' };
}

export async function estimateClone(deps: AppDeps, actor: Actor, sourceId: string, req: CloneRequestInput): Promise<Estimate> {
  const createNew = req.target.create_new;
  const { source } = await loadSource(deps, actor, sourceId, modePermission(createNew));
  assertSourceStatus(source);
  const replaced = req.target.create_new ? null : await loadReplaceTarget(deps, actor, req.target.environment_id);
  const type = req.target.create_new ? req.target.environment_type : (replaced as EnvironmentRow).type;
  const targetServerId = req.target.create_new ? await resolveTargetServerId(deps, source, req.target.vm_id) : (replaced as EnvironmentRow).server_id;
  const sanitization = effectiveSanitization(req, type);
  const servers = await checkServers(deps, source, targetServerId);
  const sizes = await measureSource(deps, source, servers.source);
  const cow = await cloneCowFacts(deps, sizes, replaced, servers);
  const rules = await projectRules(deps.db, source.project_id);
  const impact = await sourceImpact(deps, servers.source, source, sanitization.options, rules);
  const { kept } = await projectSanitization(deps.db, source.project_id);
  const est = storedEstimate(sizes, req, sanitization, !servers.cross);
  return {
    source_environment_id: source.id,
    database_bytes: sizes.database_bytes,
    filestore_bytes: sizes.filestore_bytes,
    filestore_files: sizes.filestore_files,
    required_bytes: est.required_bytes,
    estimated_size_bytes: sizes.database_bytes + (req.include_filestore ? sizes.filestore_bytes : 0),
    estimated_duration_seconds: est.duration.total_seconds,
    sanitization_preset: sanitization.preset,
    sanitization_options: sanitization.options,
    impact: impact.impact,
    total_records: impact.total_records,
    api_keys_found: impact.api_keys_found,
    personal_data: personalCoverageOf(impact.personal_columns, kept, rules),
    rule_impact: impact.rule_impact ?? [],
    quota: await quotaVerdict(deps, source, createNew),
    disk: diskVerdict(servers.target, est.required_bytes),
    data_path: clonePath(deps.settings.cloneDataPath ?? 'auto', sanitization.options, rules, {
      sourceStatus: source.status,
      crossServer: servers.cross,
      mode: createNew ? 'create_new' : 'replace',
      cow,
    }).path,
  };
}
