// POST /environments/{id}/clone (and retry): the checks in the API's order, then one
// transaction that re-checks what can race (status, leases, names, quota under the
// organization's lock), inserts the create_new target (CREATING), the operation (pending, all
// ten steps pending) and the leases. The scheduler starts it when its server has room.
import { AppError, ErrorCode, environmentDbName, uniqueName } from '@oec/shared';
import type { CloneOperation, CowFacts, EnvironmentSizes } from '@oec/shared';
import type { Actor } from '../../auth/permissions.js';
import { uniqueViolation } from '../../db/pool.js';
import type { Queryable } from '../../db/pool.js';
import type { AppDeps } from '../../deps.js';
import { takeToken } from '../../rate-limit.js';
import type { EnvironmentRow } from '../../services/environment-rows.js';
import { assertNameAndDomainFree, domainTaken, generatedDomain, nameTaken } from '../../services/environments.js';
import { assertQuota } from '../../services/quota.js';
import type { Amounts } from '../../services/quota.js';
import { loadUsage, lockQuota } from '../../services/usage.js';
import { projectRules, projectSensitiveModels } from '../../services/sanitization-rules.js';
import { estimateDuration, requiredBytes } from '../model/estimate-math.js';
import { assertRisksAcknowledged, effectiveSanitization } from '../model/request-input.js';
import type { CloneRequestInput, EffectiveSanitization } from '../model/request-input.js';
import { initialSteps } from '../model/steps-state.js';
import { takeLeases } from '../store/leases.js';
import { appendLog } from '../store/logs.js';
import type { OperationRow, StoredEstimate } from '../store/operation-row.js';
import { insertOperation, loadOperation } from '../store/operations.js';
import { donorEnvironments, insertTargetEnvironment, lockEnvironments, projectSalt } from '../store/target-environment.js';
import {
  assertDisk,
  assertPersonalDataCovered,
  assertNotBusy,
  assertSourceStatus,
  checkReplaceTarget,
  checkServers,
  cloneCowFacts,
  loadReplaceTarget,
  loadSource,
  measureSource,
  modePermission,
  resolveNewTarget,
  takenNames,
} from './checks.js';
import type { CloneServers, NewTarget } from './checks.js';
import { buildPlan } from './plan.js';
import { toCloneOperation } from './view.js';

export function quotaDemand(source: EnvironmentRow): Partial<Amounts> {
  return { cpu: source.cpu, ram_gb: source.ram_gb, disk_gb: source.disk_gb, environments: 1 };
}

export function storedEstimate(sizes: EnvironmentSizes, req: CloneRequestInput, s: EffectiveSanitization, sameServer: boolean): StoredEstimate {
  return {
    database_bytes: sizes.database_bytes,
    filestore_bytes: sizes.filestore_bytes,
    filestore_files: sizes.filestore_files,
    required_bytes: requiredBytes(sizes.database_bytes, sizes.filestore_bytes, req.include_filestore),
    duration: estimateDuration({
      databaseBytes: sizes.database_bytes,
      filestoreBytes: sizes.filestore_bytes,
      includeFilestore: req.include_filestore,
      sameServer,
      preset: s.preset,
      options: s.options,
    }),
  };
}

interface Accepted {
  source: EnvironmentRow;
  target: EnvironmentRow | null;
  newTarget: NewTarget | null;
  sanitization: EffectiveSanitization;
  estimate: StoredEstimate;
  servers: CloneServers;
  /** The target server's copy-on-write facts as they apply to this clone (cloneCowFacts). */
  cow: CowFacts | null;
}

/** Every check of the request, in order; nothing is written. */
async function accept(deps: AppDeps, actor: Actor, sourceId: string, req: CloneRequestInput, retry: boolean): Promise<Accepted> {
  const { source } = await loadSource(deps, actor, sourceId, modePermission(req.target.create_new));
  assertSourceStatus(source);
  const target = req.target.create_new ? null : await loadReplaceTarget(deps, actor, req.target.environment_id);
  assertNotBusy(source, target);
  let newTarget: NewTarget | null = null;
  if (req.target.create_new) newTarget = await resolveNewTarget(deps, source, req.target, retry);
  else if (target) checkReplaceTarget(source, target, req.target);
  const sanitization = effectiveSanitization(req, newTarget ? newTarget.type : (target as EnvironmentRow).type);
  assertRisksAcknowledged(req, sanitization);
  const servers = await checkServers(deps, source, newTarget ? newTarget.serverId : (target as EnvironmentRow).server_id);
  // Counted once the request is valid, before the agent is asked anything.
  takeToken(deps.cloneLimiter, actor.id);
  const sizes = await measureSource(deps, source, servers.source);
  const estimate = storedEstimate(sizes, req, sanitization, !servers.cross);
  const cow = await cloneCowFacts(deps, sizes, target, servers);
  await assertPersonalDataCovered(deps, servers.source, source, sanitization.options);
  // Checked on the target's server: that is where the data lands.
  assertDisk(servers.target, estimate.required_bytes);
  if (newTarget) assertQuota(await lockQuota(deps.db, source.organization_id), await loadUsage(deps.db, source.organization_id), quotaDemand(source));
  return { source, target, newTarget, sanitization, estimate, servers, cow };
}

async function insert(deps: AppDeps, q: Queryable, actor: Actor, a: Accepted, req: CloneRequestInput, retryOf: string | null): Promise<string> {
  const { source, newTarget, sanitization } = a;
  const operationId = deps.ids.uuid();
  const targetId = newTarget ? deps.ids.uuid() : (a.target as EnvironmentRow).id;
  // The organization's row first, also for a replace: every clone request then takes its locks in
  // one order (organization, then environments by id). A replace that locked the source's row
  // first deadlocked with a concurrent create_new holding the organization's row (the operation's
  // insert checks its organization_id foreign key, a KEY SHARE lock on that row).
  const orgQuota = await lockQuota(q, source.organization_id);
  const quota = newTarget ? orgQuota : null;
  const locked = await lockEnvironments(q, [source.id, targetId]);
  const src = locked.get(source.id);
  if (!src) throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, 'Environment not found', { id: source.id });
  assertSourceStatus(src);
  const tgt = newTarget ? null : (locked.get(targetId) ?? null);
  if (!newTarget && !tgt) throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, 'Environment not found', { id: targetId });
  assertNotBusy(src, tgt);

  let name: string;
  let domain: string;
  if (newTarget) {
    // Under the organization's lock: a name we chose is chosen again if a concurrent request took it.
    name = newTarget.nameBase ? uniqueName(newTarget.nameBase, await takenNames(q, src.project_id)) : newTarget.name;
    domain = newTarget.domain ?? generatedDomain(name, targetId, deps.settings.baseDomain);
    await assertNameAndDomainFree(q, src.project_id, name, domain);
    if (quota) assertQuota(quota, await loadUsage(q, src.organization_id), quotaDemand(src));
    await insertTargetEnvironment(q, { id: targetId, name, domain, type: newTarget.type, source: src, serverId: a.servers.target.id });
  } else {
    name = (tgt as EnvironmentRow).name;
    domain = (tgt as EnvironmentRow).domain;
  }
  const plan = buildPlan({
    operationId,
    mode: newTarget ? 'create_new' : 'replace',
    source: { id: src.id, db_name: src.database_name, status: src.status, addons: src.addons },
    target: {
      id: targetId,
      db_name: tgt?.database_name ?? environmentDbName(targetId),
      name,
      domain,
      odoo_version: tgt?.odoo_version ?? src.odoo_version,
      running: tgt?.status === 'RUNNING',
    },
    includeFilestore: req.include_filestore,
    compress: req.options.compress,
    preset: sanitization.preset,
    options: sanitization.options,
    salt: await projectSalt(q, src.project_id),
    rules: await projectRules(q, src.project_id),
    sensitiveModels: await projectSensitiveModels(q, src.project_id),
    servers: a.servers.cross ? { source: a.servers.source.name, target: a.servers.target.name } : null,
    dataPath: deps.settings.cloneDataPath ?? 'auto',
    cow: a.cow,
    donors: a.servers.cross ? await donorEnvironments(q, src.project_id, a.servers.target.id, newTarget ? [targetId] : []) : [],
  });
  await insertOperation(q, {
    id: operationId,
    organization_id: src.organization_id,
    project_id: src.project_id,
    server_id: a.servers.target.id,
    source_server_id: src.server_id,
    source_environment_id: src.id,
    target_environment_id: targetId,
    target_name: name,
    target_domain: domain,
    target_type: newTarget ? newTarget.type : (tgt as EnvironmentRow).type,
    mode: plan.mode,
    request: req,
    sanitization_preset: sanitization.preset,
    sanitization_options: sanitization.options,
    include_filestore: req.include_filestore,
    options: req.options,
    plan,
    estimate: a.estimate,
    steps: initialSteps(),
    retry_of: retryOf,
    requested_by: actor.id,
    started_at: deps.clock.now(),
  });
  await takeLeases(q, operationId, [
    { environmentId: src.id, mode: 'shared' },
    { environmentId: targetId, mode: 'exclusive' },
  ]);
  const what = `${newTarget ? `a new environment ${name}` : `environment ${name} (replace)`}${a.servers.cross ? ` on ${a.servers.target.name} (from ${a.servers.source.name})` : ''}`;
  await appendLog(q, operationId, {
    ts: deps.clock.now(),
    level: 'INFO',
    step: null,
    message: `Clone of ${src.name} into ${what} requested by ${actor.email}${retryOf ? ` (retry of ${retryOf})` : ''}; sanitization preset ${sanitization.preset}`,
  });
  return operationId;
}

export async function requestClone(
  deps: AppDeps,
  actor: Actor,
  sourceId: string,
  req: CloneRequestInput,
  retryOf: string | null = null,
): Promise<CloneOperation> {
  const accepted = await accept(deps, actor, sourceId, req, retryOf !== null);
  let id: string;
  try {
    id = await deps.db.tx((q) => insert(deps, q, actor, accepted, req, retryOf));
  } catch (err) {
    const constraint = uniqueViolation(err);
    if (constraint === 'environments_project_name_key') throw nameTaken(accepted.newTarget?.name ?? '');
    if (constraint === 'environments_domain_key') throw domainTaken(accepted.newTarget?.domain ?? '');
    if (constraint === 'environment_leases_exclusive_key' || constraint === 'environment_leases_pkey') {
      throw new AppError(ErrorCode.ENVIRONMENT_BUSY, 'The environment is busy with another clone operation; try again when it finishes');
    }
    throw err;
  }
  // The answer is the operation as accepted (`pending`, as the API documents), read before the
  // scheduler is nudged: otherwise it may already show the first step, or not, by chance.
  const row = (await loadOperation(deps.db, id)) as OperationRow;
  deps.clones.kick();
  return toCloneOperation(row, deps.clock.now());
}
