// Once per agent (re)connect: agent.reconcile (decision 0017). The agent is told which operations
// of its server are live (not terminal, cleanup pending, or replaced data still retained: it
// touches nothing of them), which recent ones ended for good (their leftovers may go), and every
// environment we know (never touched). What it removed or kept is logged here in one line,
// and in the operation's log when it belongs to one.
import type { AgentReconcileInput, AgentReconcileOutput, ReconcileItem, ReconcileOperation } from '@oec/shared';
import { appendLog } from '../store/logs.js';
import { TERMINAL_SQL } from '../store/operation-row.js';
import type { RunnerDeps } from './deps.js';

/** Ended operations older than this are not named: their leftovers are kept and reported. */
const ENDED_DAYS = 30;
const ENDED_MAX = 5000;

const OPS = `SELECT o.id AS operation_id, o.attempt, o.target_environment_id FROM clone_operations o
  WHERE (o.server_id = $1 OR o.source_server_id = $1)`;
const RETAINED = `EXISTS (SELECT 1 FROM clone_retained r WHERE r.operation_id = o.id AND r.purged_at IS NULL)`;

/** What the agent of `serverId` is told: live operations first, known environments last. */
export async function reconcileInput(d: RunnerDeps, serverId: string): Promise<AgentReconcileInput> {
  // Order matters: an operation created between these reads has its target among the
  // environments (read last), or is in no list at all (the agent keeps what it cannot attribute).
  const live = await d.db.query<ReconcileOperation>(
    `${OPS} AND (o.status NOT IN ${TERMINAL_SQL} OR o.cleanup = 'pending' OR ${RETAINED})`,
    [serverId],
  );
  const ended = await d.db.query<ReconcileOperation>(
    `${OPS} AND o.status IN ${TERMINAL_SQL} AND o.cleanup <> 'pending' AND NOT ${RETAINED}
       AND coalesce(o.finished_at, o.started_at) > $2
     ORDER BY coalesce(o.finished_at, o.started_at) DESC LIMIT ${ENDED_MAX}`,
    [serverId, new Date(d.clock.now().getTime() - ENDED_DAYS * 24 * 3600_000)],
  );
  // Every environment, not only this server's: a database server shared by two agents' runtimes
  // must not make one agent take the other's environments for leftovers.
  const envs = await d.db.query<{ id: string }>('SELECT id FROM environments');
  return { live: live.rows, ended: ended.rows, environments: envs.rows.map((r) => r.id) };
}

const describe = (i: ReconcileItem) => `${i.kind} ${i.name}`;

export async function reconcileAgent(d: RunnerDeps, serverId: string): Promise<AgentReconcileOutput | null> {
  const log = d.logger.child({ component: 'reconcile', serverId });
  try {
    const input = await reconcileInput(d, serverId);
    const out = await d.hub.runTask(serverId, 'agent.reconcile', input, { fence: { operation_id: null, attempt: 0 } });
    const kept = out.kept.map((k) => `${describe(k)} (${k.reason})`);
    log.info(
      { removed: out.removed.length, kept: out.kept.length, live: input.live.length },
      `agent reconciled: removed ${out.removed.length}${out.removed.length ? ` [${out.removed.map(describe).join(', ')}]` : ''}, kept ${out.kept.length}${kept.length ? ` [${kept.join(', ')}]` : ''}`,
    );
    // The operation's log gets what went, and what stayed for another reason than the operation
    // being live or running (that is the normal case, not news for its log).
    const byOp = new Map<string, ReconcileItem[]>();
    for (const item of [...out.removed, ...out.kept.filter((k) => k.reason !== 'live' && k.reason !== 'running')]) {
      if (item.operation_id) byOp.set(item.operation_id, [...(byOp.get(item.operation_id) ?? []), item]);
    }
    for (const [opId, items] of byOp) {
      const removed = items.filter((i) => out.removed.includes(i)).map(describe);
      const keptHere = items.filter((i) => !out.removed.includes(i)).map((i) => `${describe(i)} (${i.reason})`);
      const message = `Agent reconciliation: ${removed.length ? `removed what a crash left (${removed.join(', ')})` : ''}${removed.length && keptHere.length ? '; ' : ''}${keptHere.length ? `kept ${keptHere.join(', ')}` : ''}`;
      await appendLog(d.db, opId, { ts: d.clock.now(), level: removed.length ? 'WARNING' : 'INFO', step: null, message }).catch((err: unknown) =>
        log.warn({ err, operationId: opId }, 'cannot record reconciliation in the operation log'),
      );
      d.events.emit(opId);
    }
    return out;
  } catch (err) {
    log.warn({ err }, 'agent reconciliation failed; it runs again at the next connect');
    return null;
  }
}
