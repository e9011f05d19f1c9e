// agent.reconcile (decision 0017): after a (re)connect the controller names the operations live on
// this server, recent ones that ended for good, and the environments it knows here. This finds
// what a crash may have left of clone operations and removes only what belongs to an ended one:
//   - environments (directory, database, role, containers) no environment row names: the target
//     of a create_new whose rollback the agent's death cut short;
//   - beside a known environment: a replace's work and retained databases (`<db>_n<tag>`,
//     `<db>_o<tag>`), their filestores (`filestore/<db>_[no]<tag>`) and addons
//     (`addons.<db>_[no]<tag>`), a copy-on-write replace's side clusters (`postgres.<db>_[no]<tag>`:
//     stopped, then removed, by the database they stand for), the swap journal and missing-files
//     list (`clone-<operation>.json`).
// The safety rule: a known environment itself is never touched; nothing of a live operation, of
// an operation with a task running here, or of one this agent saw at a newer attempt than the
// controller's is touched; what cannot be attributed to an ended operation is kept and reported.
import { readdir, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { environmentDbName, idSlug, type AgentReconcileInput, type AgentReconcileOutput, type ReconcileItem, type ReconcileOperation } from '@oec/shared';
import type { TaskContext } from '../tasks/types.js';

/** What the runner knows of its own work (TaskContext['activity']). */
export type Activity = NonNullable<TaskContext['activity']>;

export type Verdict = { remove: true; reason: 'ended'; operation_id: string } | { remove: false; reason: string; operation_id: string | null };

const UUID_SLUG = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `oec_<env slug>_n<tag>` (work) or `_o<tag>` (retained): a replace's databases and their directories. */
const SIDE_DB = /^oec_([0-9a-f]{32})_([no])([0-9a-f]{8})$/;
const ENV_DB = /^oec_([0-9a-f]{32})$/;
const CLONE_FILE = /^clone-([0-9a-f-]{36})(?:-missing)?\.json$/;
/** A copy-on-write replace's side cluster directory (runtime/cluster-swap.ts), `postgres.<side db>`. */
const SIDE_CLUSTER = 'postgres.';

function uuidOfSlug(slug: string): string {
  return `${slug.slice(0, 8)}-${slug.slice(8, 12)}-${slug.slice(12, 16)}-${slug.slice(16, 20)}-${slug.slice(20)}`;
}

/**
 * Who owns an object: an operation (by id, or by the 8-hex tag of a side database name within a
 * target environment) or a whole environment. Pure: the decision the unit tests pin down.
 */
export type Owner = { operation: string } | { tag: string; environment: string } | { environment: string };

export function decide(owner: Owner, input: AgentReconcileInput, activity: Activity): Verdict {
  const running = activity.runningOperations();
  const known = new Set(input.environments);
  const all = (list: readonly ReconcileOperation[]) =>
    list.filter((o) =>
      'operation' in owner
        ? o.operation_id === owner.operation
        : 'tag' in owner
          ? o.target_environment_id === owner.environment && idSlug(o.operation_id).startsWith(owner.tag)
          : o.target_environment_id === owner.environment,
    );
  const matchRunning = [...running].filter((id) =>
    'operation' in owner ? id === owner.operation : 'tag' in owner ? idSlug(id).startsWith(owner.tag) : false,
  );
  if ('environment' in owner && !('tag' in owner)) {
    if (known.has(owner.environment)) return { remove: false, reason: 'known_environment', operation_id: null };
    if (activity.runningEnvironments().has(owner.environment)) return { remove: false, reason: 'running', operation_id: null };
  }
  const live = all(input.live);
  if (live.length > 0) return { remove: false, reason: 'live', operation_id: live[0]?.operation_id ?? null };
  if (matchRunning.length > 0) return { remove: false, reason: 'running', operation_id: matchRunning[0] ?? null };
  const ended = all(input.ended);
  const attempts = activity.attempts();
  const cleaned = activity.cleanedUp();
  // The journal's own evidence: a clean-up of this operation finished here (by id only).
  if (ended.length === 0 && 'operation' in owner && cleaned.has(owner.operation)) {
    return { remove: true, reason: 'ended', operation_id: owner.operation };
  }
  if (ended.length !== 1) {
    // None: not the controller's (yet); several: a tag shared by two operations. Keep.
    return { remove: false, reason: ended.length === 0 ? 'unknown' : 'ambiguous', operation_id: null };
  }
  const op = ended[0]!;
  if ((attempts.get(op.operation_id) ?? 0) > op.attempt) return { remove: false, reason: 'newer_attempt', operation_id: op.operation_id };
  return { remove: true, reason: 'ended', operation_id: op.operation_id };
}

interface Found {
  kind: ReconcileItem['kind'];
  name: string;
  owner: Owner;
  environment_id: string | null;
  remove(): Promise<void>;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Everything of clone operations this agent can find on its server (files, then databases). */
async function inventory(ctx: TaskContext, environmentsDir: string): Promise<Found[]> {
  const { runtime, signal } = ctx;
  const found: Found[] = [];
  const ref = (id: string) => ({ environment_id: id, db_name: environmentDbName(id) });
  const envDirs = new Set((await entries(environmentsDir)).filter((n) => UUID.test(n)));
  for (const id of envDirs) {
    found.push({ kind: 'environment', name: relative(dirname(environmentsDir), join(environmentsDir, id)), owner: { environment: id }, environment_id: id, remove: () => runtime.destroy(ref(id), signal) });
    const loc = runtime.locate(ref(id));
    const root = dirname(loc.addons_path);
    for (const n of await entries(root)) {
      const file = CLONE_FILE.exec(n);
      const addons = n.startsWith('addons.') ? SIDE_DB.exec(n.slice('addons.'.length)) : null;
      const cluster = n.startsWith(SIDE_CLUSTER) ? SIDE_DB.exec(n.slice(SIDE_CLUSTER.length)) : null;
      const path = join(root, n);
      const name = relative(dirname(environmentsDir), path);
      if (file?.[1] && UUID.test(file[1])) {
        found.push({ kind: 'file', name, owner: { operation: file[1] }, environment_id: id, remove: () => rm(path, { force: true }) });
      } else if (addons?.[3] && uuidOfSlug(addons[1] ?? '') === id) {
        found.push({ kind: 'directory', name, owner: { tag: addons[3], environment: id }, environment_id: id, remove: () => rm(path, { recursive: true, force: true }) });
      } else if (cluster?.[3] && uuidOfSlug(cluster[1] ?? '') === id) {
        // A postmaster may run on it (a killed agent's replace): the runtime stops it before the files go.
        const database = n.slice(SIDE_CLUSTER.length);
        const remove = async () => {
          await runtime.dropDatabase(database);
          await rm(path, { recursive: true, force: true });
        };
        found.push({ kind: 'directory', name, owner: { tag: cluster[3], environment: id }, environment_id: id, remove });
      } else if (n === 'addons.next') {
        // Agents before decision 0017 staged a replace's addons here, with no operation in the
        // name: never attributable (the tag matches no operation), so kept and reported.
        found.push({ kind: 'directory', name, owner: { tag: 'legacy', environment: id }, environment_id: id, remove: () => rm(path, { recursive: true, force: true }) });
      }
    }
    const filestoreRoot = dirname(loc.filestore_path);
    for (const n of await entries(filestoreRoot)) {
      const side = SIDE_DB.exec(n);
      if (!side?.[3] || uuidOfSlug(side[1] ?? '') !== id) continue;
      const path = join(filestoreRoot, n);
      found.push({ kind: 'directory', name: relative(dirname(environmentsDir), path), owner: { tag: side[3], environment: id }, environment_id: id, remove: () => rm(path, { recursive: true, force: true }) });
    }
  }
  if (runtime.listDatabases) {
    for (const db of await runtime.listDatabases()) {
      const side = SIDE_DB.exec(db);
      const own = ENV_DB.exec(db);
      if (side?.[1] && side[3]) {
        const env = uuidOfSlug(side[1]);
        found.push({ kind: 'database', name: db, owner: { tag: side[3], environment: env }, environment_id: env, remove: () => runtime.dropDatabase(db) });
      } else if (own?.[1] && UUID_SLUG.test(own[1])) {
        const env = uuidOfSlug(own[1]);
        // Its directory, if any, was found above and its removal (destroy) drops the database too.
        if (!envDirs.has(env)) found.push({ kind: 'environment', name: db, owner: { environment: env }, environment_id: env, remove: () => runtime.destroy(ref(env), signal) });
      }
    }
  }
  return found;
}

/** Where environments live: `<data>/environments`, from the runtime's own layout. */
export function environmentsDirOf(ctx: TaskContext): string {
  const probe = '00000000-0000-4000-8000-000000000000';
  return dirname(dirname(ctx.runtime.locate({ environment_id: probe, db_name: environmentDbName(probe) }).addons_path));
}

export async function reconcile(input: AgentReconcileInput, ctx: TaskContext): Promise<AgentReconcileOutput> {
  const activity: Activity = ctx.activity ?? {
    runningOperations: () => new Set(),
    runningEnvironments: () => new Set(),
    attempts: () => new Map(),
    cleanedUp: () => new Set(),
  };
  const removed: ReconcileItem[] = [];
  const kept: ReconcileItem[] = [];
  for (const f of await inventory(ctx, environmentsDirOf(ctx))) {
    ctx.signal.throwIfAborted();
    // Decided one by one, just before acting: a task that started meanwhile is seen as running.
    const verdict = decide(f.owner, input, activity);
    const item = { kind: f.kind, name: f.name, operation_id: verdict.operation_id, environment_id: f.environment_id };
    if (!verdict.remove) {
      // A known environment is the normal case, not a finding.
      if (verdict.reason !== 'known_environment') kept.push({ ...item, reason: verdict.reason });
      continue;
    }
    try {
      await f.remove();
      removed.push({ ...item, reason: 'ended' });
      ctx.logger.warn({ ...item }, `reconcile: removed ${f.kind} ${f.name} left by ended operation ${verdict.operation_id}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      kept.push({ ...item, reason: `error: ${message.slice(0, 500)}` });
      ctx.logger.error({ ...item, err: message }, `reconcile: could not remove ${f.kind} ${f.name}`);
    }
  }
  for (const k of kept) ctx.logger.info({ ...k }, `reconcile: kept ${k.kind} ${k.name} (${k.reason})`);
  ctx.logger.info({ removed: removed.length, kept: kept.length }, 'reconcile done');
  return { removed, kept };
}
