// The checks of a clone request that read state, in the order the API applies them: source
// (visible, permission for the mode, status), leases, target configuration, server, disk, quota.
import { AppError, columnRef, enabledOptions, ErrorCode, Permission, TargetConfigReason, suggestedCloneName, uniqueName } from '@oec/shared';
import type { CloneEstimateOutput, CowFacts, EnvironmentSizes, EnvironmentType, SanitizationOptions, SanitizationRule } from '@oec/shared';
import { notFound, requirePermission } from '../../auth/permissions.js';
import type { Actor, OrgAccess } from '../../auth/permissions.js';
import type { Queryable } from '../../db/pool.js';
import type { AppDeps } from '../../deps.js';
import { environmentAccess } from '../../services/environment-rows.js';
import type { EnvironmentRow } from '../../services/environment-rows.js';
import { loadServer } from '../../services/servers.js';
import type { ServerRow } from '../../services/servers.js';
import { personalCoverageOf } from '../model/coverage.js';
import { formatBytes } from '../model/estimate-math.js';
import { projectSanitization } from '../../services/projects.js';
import { projectRules, projectSensitiveModels } from '../../services/sanitization-rules.js';
import { checkDomain, checkName, odooSeries, pgMajor, targetConfigError } from '../model/request-input.js';
import type { CloneRequestInput } from '../model/request-input.js';
import { assertLeasable } from '../store/leases.js';
import { cowFor } from './plan.js';

/** How long the source's agent has to report sizes (env.inspect is a quick du + pg_database_size). */
const INSPECT_TIMEOUT_MS = 30_000;

const SOURCE_STATUSES = ['RUNNING', 'STOPPED'] as const;

export function modePermission(createNew: boolean): Permission {
  return createNew ? Permission.ENVIRONMENTS_CREATE : Permission.ENVIRONMENTS_UPDATE;
}

export async function loadSource(
  deps: AppDeps,
  actor: Actor,
  sourceId: string,
  permission: Permission,
): Promise<{ source: EnvironmentRow; access: OrgAccess }> {
  const { row, access } = await environmentAccess(deps.db, actor, sourceId);
  requirePermission(access, permission);
  return { source: row, access };
}

export function assertSourceStatus(source: EnvironmentRow): asserts source is EnvironmentRow & { status: 'RUNNING' | 'STOPPED' } {
  if (!(SOURCE_STATUSES as readonly string[]).includes(source.status)) {
    throw new AppError(
      ErrorCode.INVALID_SOURCE_STATUS,
      `Cannot clone environment ${source.name} while it is ${source.status}: it must be RUNNING or STOPPED`,
      { environment_id: source.id, status: source.status, allowed: SOURCE_STATUSES },
    );
  }
}

/** A replace target the actor can see (another organization's answers 404 like an unknown id). */
export async function loadReplaceTarget(deps: AppDeps, actor: Actor, id: string): Promise<EnvironmentRow> {
  return (await environmentAccess(deps.db, actor, id)).row;
}

export function assertNotBusy(source: EnvironmentRow, target: EnvironmentRow | null): void {
  assertLeasable(source, 'shared');
  if (target && target.id !== source.id) assertLeasable(target, 'exclusive');
}

export interface NewTarget {
  name: string;
  /** What a name we chose (suggested, or de-duplicated for a retry) was made from: re-chosen if taken meanwhile. */
  nameBase: string | null;
  /** An explicit domain (validated); null: generated from the name and the new id. */
  domain: string | null;
  type: EnvironmentType;
  /** The server the target goes to (the source's, or another one: cross-server). */
  serverId: string;
}

export async function takenNames(q: Queryable, projectId: string): Promise<Set<string>> {
  const { rows } = await q.query<{ name: string }>('SELECT name FROM environments WHERE project_id = $1', [projectId]);
  return new Set(rows.map((r) => r.name));
}

async function domainTaken(q: Queryable, domain: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM environments WHERE domain = $1', [domain]);
  return rows.length > 0;
}

/**
 * create_new's target server: `vm_id` absent or the source's = the same server; another server
 * of the source's organization = a cross-server clone; an unknown or foreign one answers 404.
 */
export async function resolveTargetServerId(deps: AppDeps, source: EnvironmentRow, vmId: string | undefined): Promise<string> {
  if (vmId === undefined || vmId === source.server_id) return source.server_id;
  const server = await loadServer(deps.db, vmId);
  if (!server || server.organization_id !== source.organization_id) throw notFound(ErrorCode.SERVER_NOT_FOUND, vmId);
  return server.id;
}

/**
 * create_new: the server (vm_id absent or the source's), the name (given, or suggested and
 * de-duplicated) and the domain. A retry (`lenient`) de-duplicates a given name and falls back
 * to a generated domain instead of refusing them.
 */
export async function resolveNewTarget(
  deps: AppDeps,
  source: EnvironmentRow,
  target: Extract<CloneRequestInput['target'], { create_new: true }>,
  lenient = false,
): Promise<NewTarget> {
  const taken = await takenNames(deps.db, source.project_id);
  let name: string;
  let nameBase: string | null = null;
  if (target.name !== undefined) {
    name = checkName(target.name);
    if (lenient) nameBase = name;
    if (taken.has(name)) {
      if (!lenient) {
        throw targetConfigError(TargetConfigReason.NAME_TAKEN, `An environment named "${name}" already exists in this project`, {
          field: 'target.name',
          name,
        });
      }
      name = uniqueName(name, taken);
    }
  } else {
    nameBase = suggestedCloneName(source.name, deps.clock.now());
    name = uniqueName(nameBase, taken);
  }
  let domain: string | null = null;
  if (target.domain !== undefined) {
    domain = checkDomain(target.domain);
    if (await domainTaken(deps.db, domain)) {
      if (!lenient) {
        throw targetConfigError(TargetConfigReason.DOMAIN_TAKEN, `The domain ${domain} is already in use`, {
          field: 'target.domain',
          domain,
        });
      }
      domain = null;
    }
  }
  return { name, nameBase, domain, type: target.environment_type, serverId: await resolveTargetServerId(deps, source, target.vm_id) };
}

/** replace: same project, not the source, the confirmation, the same Odoo series. */
export function checkReplaceTarget(
  source: EnvironmentRow,
  target: EnvironmentRow,
  req: Extract<CloneRequestInput['target'], { create_new: false }>,
): void {
  if (target.project_id !== source.project_id) {
    throw targetConfigError(TargetConfigReason.OTHER_PROJECT, 'The target environment belongs to another project', {
      field: 'target.environment_id',
      environment_id: target.id,
    });
  }
  if (target.id === source.id) {
    throw targetConfigError(TargetConfigReason.SAME_AS_SOURCE, 'An environment cannot replace itself', {
      field: 'target.environment_id',
    });
  }
  if (req.confirm_name !== target.name) {
    throw targetConfigError(
      TargetConfigReason.CONFIRMATION_MISMATCH,
      `Type the target's name (${target.name}) in confirm_name to confirm that its data will be replaced`,
      { field: 'target.confirm_name', expected: target.name },
    );
  }
  if (odooSeries(source.odoo_version) !== odooSeries(target.odoo_version)) {
    throw targetConfigError(
      TargetConfigReason.ODOO_VERSION_MISMATCH,
      `Cannot replace an Odoo ${target.odoo_version} environment with Odoo ${source.odoo_version} data`,
      { source_odoo_version: source.odoo_version, target_odoo_version: target.odoo_version },
    );
  }
}

export interface CloneServers {
  source: ServerRow;
  target: ServerRow;
  cross: boolean;
}

async function reachable(deps: AppDeps, server: ServerRow | null, id: string, role: string): Promise<ServerRow> {
  if (!server || server.status !== 'RUNNING' || !(await deps.hub.confirmConnected(server.id))) {
    throw targetConfigError(
      TargetConfigReason.SERVER_UNREACHABLE,
      `${role} server ${server?.name ?? id} is not reachable (it must be RUNNING with its agent connected)`,
      { server_id: id, status: server?.status ?? null },
    );
  }
  return server;
}

/**
 * Both servers RUNNING with their agents connected; across servers the target must also accept
 * peer streams (an advertised endpoint and certificate) and run a PostgreSQL that can restore the
 * source's (same major or newer).
 */
export async function checkServers(deps: AppDeps, source: EnvironmentRow, targetServerId: string): Promise<CloneServers> {
  const src = await reachable(deps, await loadServer(deps.db, source.server_id), source.server_id, 'Source');
  if (targetServerId === src.id) return { source: src, target: src, cross: false };
  const target = await reachable(deps, await loadServer(deps.db, targetServerId), targetServerId, 'Target');
  const facts = target.facts;
  if (!facts?.peer_url || !facts.tls_fingerprint || !facts.tls_certificate) {
    throw targetConfigError(TargetConfigReason.SERVER_UNREACHABLE, `Target server ${target.name} does not accept cross-server transfers (its agent advertises no peer endpoint)`, {
      server_id: target.id,
    });
  }
  const from = pgMajor(src.facts?.pg_version);
  const to = pgMajor(facts.pg_version);
  if (from !== null && to !== null && to < from) {
    throw targetConfigError(TargetConfigReason.PG_INCOMPATIBLE, `PostgreSQL ${to} on ${target.name} cannot restore a PostgreSQL ${from} database from ${src.name}`, {
      source_pg: src.facts?.pg_version ?? null,
      target_pg: facts.pg_version,
    });
  }
  return { source: src, target, cross: true };
}

/** An environment's sizes and copy-on-write limits, from its server's agent (env.inspect). */
function inspectEnvironment(deps: AppDeps, env: EnvironmentRow, server: ServerRow): Promise<EnvironmentSizes> {
  return deps.hub.runTask(
    server.id,
    'env.inspect',
    { environment_id: env.id, db_name: env.database_name },
    { fence: { operation_id: null, attempt: 0 }, environmentId: env.id, signal: AbortSignal.timeout(INSPECT_TIMEOUT_MS) },
  );
}

/** Database and filestore sizes of the source, from its agent (env.inspect). */
export async function measureSource(deps: AppDeps, source: EnvironmentRow, server: ServerRow): Promise<EnvironmentSizes> {
  let sizes: EnvironmentSizes;
  try {
    sizes = await inspectEnvironment(deps, source, server);
  } catch (err) {
    const reason = err instanceof AppError ? err.message : 'no answer';
    throw targetConfigError(TargetConfigReason.SERVER_UNREACHABLE, `Server ${server.name} could not measure the source: ${reason}`, {
      server_id: server.id,
    });
  }
  if (!sizes.exists) {
    throw new AppError(ErrorCode.INVALID_SOURCE_STATUS, `The database of ${source.name} does not exist on its server`, {
      environment_id: source.id,
      status: source.status,
    });
  }
  return sizes;
}

/**
 * The target server's copy-on-write facts as they apply to this clone (plan.ts cowFor): the
 * source's agent said whether its data can be snapshotted (`sizes`, from measureSource); a
 * same-server replace's target is asked whether it can take a swap of clusters.
 */
export async function cloneCowFacts(deps: AppDeps, sizes: EnvironmentSizes, replaced: EnvironmentRow | null, servers: CloneServers): Promise<CowFacts | null> {
  const cow = servers.target.facts?.cow ?? null;
  const target = replaced && !servers.cross ? await replaceTargetCowLimit(deps, replaced, servers.target) : null;
  return cowFor(cow, { source: sizes.cow_source_unavailable ?? null, target });
}

/**
 * Where the server takes copy-on-write replaces: why the target cannot take a swap of clusters
 * (its agent's env.inspect), null when it can. Unknown counts as cannot: the replace then copies
 * its data beside the target, which works everywhere.
 */
async function replaceTargetCowLimit(deps: AppDeps, target: EnvironmentRow, server: ServerRow): Promise<string | null> {
  if (!server.facts?.cow?.available || !server.facts.cow.replace) return null;
  try {
    return (await inspectEnvironment(deps, target, server)).cow_replace_unavailable ?? null;
  } catch (err) {
    return `data could not be located (${err instanceof AppError ? err.message : 'no answer'})`;
  }
}

export function diskVerdict(server: ServerRow, required: number): { ok: boolean; message: string; free_bytes: number | null } {
  const free = server.disk_free_bytes;
  if (free === null) return { ok: true, message: 'Free disk space not reported yet', free_bytes: null };
  if (required > free) {
    return {
      ok: false,
      message: `Target server needs ${formatBytes(required)} free, only ${formatBytes(free)} available`,
      free_bytes: free,
    };
  }
  return { ok: true, message: `Disk space available (${formatBytes(free)} free, ${formatBytes(required)} needed)`, free_bytes: free };
}

export function assertDisk(server: ServerRow, required: number): void {
  const v = diskVerdict(server, required);
  if (!v.ok) {
    throw new AppError(ErrorCode.INSUFFICIENT_DISK_SPACE, v.message, {
      required_bytes: required,
      available_bytes: server.disk_free_bytes,
      server_id: server.id,
    });
  }
}

const ESTIMATE_TIMEOUT_MS = 60_000;

/** The agent's read-only impact counts and personal data map; when it cannot give them, each option says why. */
export async function sourceImpact(
  deps: AppDeps,
  server: ServerRow,
  source: EnvironmentRow,
  options: SanitizationOptions,
  rules: SanitizationRule[] = [],
): Promise<CloneEstimateOutput> {
  try {
    return await deps.hub.runTask(
      server.id,
      'clone.estimate',
      {
        environment_id: source.id,
        db_name: source.database_name,
        options,
        custom_rules: rules,
        sensitive_models: await projectSensitiveModels(deps.db, source.project_id),
      },
      { fence: { operation_id: null, attempt: 0 }, environmentId: source.id, signal: AbortSignal.timeout(ESTIMATE_TIMEOUT_MS) },
    );
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      impact: enabledOptions(options).map((k) => ({ option_key: k, rows: 0, approximate: true, summary: `not counted: ${why}` })),
      total_records: 0,
      api_keys_found: 0,
      personal_columns: [],
      rule_impact: rules.map((r, i) => ({ rule_index: i, table: r.table, column: r.column ?? null, function: r.function, rows: 0, approximate: true, skipped_reason: `not counted: ${why}` })),
    };
  }
}

/**
 * A strict project's gate: every column of the source that looks like personal data is covered
 * by a chosen option or marked as kept, or the clone is refused before anything starts. A source
 * whose map cannot be read is refused too (strict means proven, not assumed).
 */
export async function assertPersonalDataCovered(deps: AppDeps, server: ServerRow, source: EnvironmentRow, options: SanitizationOptions): Promise<void> {
  const { strict, kept } = await projectSanitization(deps.db, source.project_id);
  if (!strict) return;
  const rules = await projectRules(deps.db, source.project_id);
  const impact = await sourceImpact(deps, server, source, options, rules);
  if (impact.personal_columns.length === 0 && impact.impact.some((i) => i.summary.startsWith('not counted'))) {
    throw targetConfigError(TargetConfigReason.UNCOVERED_PERSONAL_DATA, 'The source\'s personal data map could not be read; the project is strict', { columns: [] });
  }
  const coverage = personalCoverageOf(impact.personal_columns, kept, rules);
  if (coverage.uncovered.length > 0) {
    throw targetConfigError(TargetConfigReason.UNCOVERED_PERSONAL_DATA, `${coverage.summary}. Choose an option that masks them or mark them as kept in the project settings`, {
      columns: coverage.uncovered.map(columnRef),
    });
  }
}
