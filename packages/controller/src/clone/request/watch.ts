// Following one clone operation (the tRPC progress subscription): the operation now, then each
// time it changes, until it has finished and cleaned up. The actor's access is checked with the
// first read and again at least every ACCESS_RECHECK_MS (one membership row by primary key), so
// a member removed from the organization stops receiving; the changes themselves come from the
// engine's shared reader (clone/engine/feed.ts), one read per change for every watcher.
import { Permission } from '@oec/shared';
import type { CloneOperation } from '@oec/shared';
import { membershipRole } from '../../auth/authenticate.js';
import { notFound, requirePermission, resolveAccess } from '../../auth/permissions.js';
import type { Actor } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import { isTerminal } from '../model/status.js';
import type { OperationRow } from '../store/operation-row.js';
import { getClone } from './read.js';
import { toCloneOperation } from './view.js';

export const ACCESS_RECHECK_MS = 5000;

function finished(op: CloneOperation): boolean {
  return isTerminal(op.status) && op.cleanup !== 'pending';
}

/** What counts as a change: everything but the clock-driven elapsed and ETA seconds. */
function fingerprint(op: CloneOperation): string {
  const { elapsed_seconds: _e, eta_seconds: _t, ...progress } = op.progress;
  return JSON.stringify({ ...op, progress });
}

/**
 * The fingerprint of a row's view, once per read for all its watchers (the feed hands each of
 * them the same row object; the fingerprint leaves out the only parts that depend on "now").
 */
const rowFingerprints = new WeakMap<OperationRow, string>();
function rowFingerprint(row: OperationRow, op: CloneOperation): string {
  let f = rowFingerprints.get(row);
  if (f === undefined) rowFingerprints.set(row, (f = fingerprint(op)));
  return f;
}

async function checkAccess(deps: AppDeps, actor: Actor, organizationId: string, id: string): Promise<void> {
  const role = await membershipRole(deps.db, actor.id, organizationId);
  requirePermission(resolveAccess(actor, organizationId, role, 'CLONE_NOT_FOUND', id), Permission.ENVIRONMENTS_READ);
}

export async function* watchClone(deps: AppDeps, actor: Actor, id: string, signal: AbortSignal): AsyncGenerator<CloneOperation> {
  const last = await getClone(deps, actor, id, false);
  let lastPrint = fingerprint(last);
  let checkedAt = deps.clock.now().getTime();
  yield last;
  if (finished(last)) return;
  for await (const row of deps.clones.feed.watch(id, signal)) {
    if (!row) throw notFound('CLONE_NOT_FOUND', id);
    const now = deps.clock.now();
    if (now.getTime() - checkedAt >= ACCESS_RECHECK_MS) {
      await checkAccess(deps, actor, row.organization_id, id);
      checkedAt = now.getTime();
    }
    const next = toCloneOperation(row, now);
    const print = rowFingerprint(row, next);
    if (print !== lastPrint) yield next;
    lastPrint = print;
    if (finished(next)) return;
  }
}
