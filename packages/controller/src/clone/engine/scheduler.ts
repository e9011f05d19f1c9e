// The clone engine of one controller replica: starts pending operations oldest first while
// their server runs fewer than its clone_concurrency and its agent is connected (the rest stay
// pending), runs each with an AbortController that a cancel fires, cleans up after every failed
// or cancelled operation once its run has ended, and sweeps periodically for work that had to
// wait (cleanups of an absent agent, due purges).
// Replicas (decision 0018): every operation it runs or cleans up is leased to this replica and
// the lease is renewed every heartbeat; a lost lease detaches the run (its agent tasks go on for
// whoever takes over). The sweep takes over operations whose lease expired and resumes them
// (runner.ts). A clean stop releases the leases, so another replica resumes at once. A cancel
// received by another replica reaches the run through the bus (`op.cancel`).
import { hostname } from 'node:os';
import type { Bus } from '../../db/bus.js';
import { recoverInterrupted } from '../../services/recovery.js';
import { startStep } from '../model/steps-state.js';
import { cleanupCandidates, loadOperation, pendingCandidates } from '../store/operations.js';
import { claimCleanup, claimOperation, orphanedRuns, releaseLeases, renewLeases, takeOver } from '../store/ownership.js';
import { appendLog } from '../store/logs.js';
import { cleanupOperation } from './cleanup.js';
import type { RunnerDeps } from './deps.js';
import type { CloneEngine } from './engine.js';
import type { CloneEvents } from './events.js';
import { createOperationFeed } from './feed.js';
import { createLiveProgress } from './live.js';
import { reconcileAgent } from './reconcile.js';
import { purgeDue } from './retention.js';
import { runOperation } from './runner.js';
import type { OneTimeSecrets } from './secrets.js';

export interface CloneEngineServer extends CloneEngine {
  /** Start sweeping (and look for work at once). */
  start(): void;
  /**
   * Agent of a server (re)connected, to this replica (`local`: it reconciles the agent's
   * leftovers) or to another one: deferred cleanups may run now.
   */
  agentReady(serverId: string, local?: boolean): void;
  /**
   * Stop: no new work; runs in flight are detached (their agents go on) and their leases
   * released, for another replica to resume.
   */
  stop(): void;
  /** Resolves when every run and cleanup in flight has ended. */
  drain(): Promise<void>;
  /** The operations this replica drives now. */
  running(): string[];
}

export interface CloneEngineOptions {
  deps: Omit<RunnerDeps, 'events' | 'secrets' | 'live'>;
  events: CloneEvents;
  secrets: OneTimeSecrets;
  sweepIntervalMs: number;
  /** The replicas' bus; without it (tests) cancels reach only this process's runs. */
  bus?: Bus;
  /** How often the replica's row and its leases are renewed (default leaseMs / 3). */
  heartbeatMs?: number;
  /** Progress watchers' reader re-reads at least this often, for changes that emit no event. */
  feedFallbackMs?: number;
}

interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
}

export function createCloneEngine(o: CloneEngineOptions): CloneEngineServer {
  const d: RunnerDeps = { ...o.deps, events: o.events, secrets: o.secrets, live: createLiveProgress() };
  const feed = createOperationFeed({ db: d.db, events: d.events, live: d.live, fallbackMs: o.feedFallbackMs ?? 2000 });
  const log = d.logger.child({ component: 'clone-engine' });
  const runs = new Map<string, ActiveRun>();
  const cleanups = new Map<string, Promise<void>>();
  const purging = new Set<string>();
  let ticking = false;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let released: Promise<void> = Promise.resolve();

  function ensureCleanup(id: string): void {
    if (stopped || cleanups.has(id)) return;
    const p = (async () => {
      await runs.get(id)?.done;
      if (stopped || !(await claimCleanup(d.db, id, d.replica))) return;
      const outcome = await cleanupOperation(d, id);
      if (outcome !== 'skipped') log.info({ operationId: id, outcome }, 'clone cleanup');
    })()
      .catch((err: unknown) => log.error({ err, operationId: id }, 'clone cleanup crashed'))
      .finally(() => {
        cleanups.delete(id);
        kick();
      });
    cleanups.set(id, p);
  }

  function start(id: string, resume = false): void {
    const controller = new AbortController();
    const done = runOperation(d, id, controller.signal, resume)
      .catch((err: unknown) => log.error({ err, operationId: id }, 'clone run crashed'))
      .finally(() => {
        runs.delete(id);
        ensureCleanup(id);
        kick();
      });
    runs.set(id, { controller, done });
  }

  async function startDue(): Promise<void> {
    const candidates = await pendingCandidates(d.db);
    const running = new Map<string, number>();
    for (const c of candidates) {
      // Without its agents an operation waits pending (after a controller restart, agents take a
      // moment to dial back in); an agent's return triggers a sweep. Across servers both ends
      // move data, so each counts against its own server's clone_concurrency.
      const full = c.servers.some((s) => (running.get(s.id) ?? s.running) >= s.clone_concurrency || !d.hub.isConnected(s.id));
      if (full || c.servers.length === 0 || runs.has(c.id)) continue;
      const op = await loadOperation(d.db, c.id);
      if (!op) continue;
      if (!(await claimOperation(d.db, c.id, (now) => startStep(op.steps, 'pre_checks', now), () => d.clock.now(), d.replica))) continue;
      d.events.emit(c.id);
      for (const s of c.servers) running.set(s.id, (running.get(s.id) ?? s.running) + 1);
      start(c.id);
    }
  }

  function kick(): void {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    void (async () => {
      try {
        do {
          again = false;
          await startDue();
        } while (again && !stopped);
      } catch (err) {
        log.error({ err }, 'clone scheduling failed');
      } finally {
        ticking = false;
      }
    })();
  }

  /** Resume the running operations whose replica is gone (their lease expired or was released). */
  async function takeOvers(): Promise<void> {
    for (const id of await orphanedRuns(d.db)) {
      if (stopped || runs.has(id)) continue;
      const taken = await takeOver(d.db, id, d.replica);
      if (!taken) continue;
      const by = taken.previous ? `replica ${taken.previous}` : 'a controller';
      log.warn({ operationId: id, previous: taken.previous }, 'taking over a clone operation; resuming it');
      await appendLog(d.db, id, {
        ts: d.clock.now(),
        level: 'WARNING',
        step: null,
        message: `Resumed by controller replica ${d.replica.id}: ${by} stopped driving this operation`,
      });
      d.events.emit(id);
      start(id, true);
    }
  }

  /** Heartbeat: this replica's row, then the leases of what it drives; a lost lease detaches its run. */
  async function heartbeat(): Promise<void> {
    await d.db.query(
      `INSERT INTO controller_replicas (id, hostname, pid) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [d.replica.id, hostname(), process.pid],
    );
    const mine = [...new Set([...runs.keys(), ...cleanups.keys()])];
    const kept = await renewLeases(d.db, d.replica, mine);
    for (const id of mine) {
      const run = runs.get(id);
      if (kept.has(id) || !run) continue;
      log.warn({ operationId: id }, 'lost the lease of a clone operation; another replica goes on with it');
      d.hub.detachOperation(id);
      run.controller.abort(new Error('lease lost'));
    }
  }

  async function sweep(serverId?: string): Promise<void> {
    kick();
    await takeOvers();
    for (const c of await cleanupCandidates(d.db)) {
      if ((serverId === undefined || c.server_id === serverId) && d.hub.isConnected(c.server_id)) ensureCleanup(c.id);
    }
    await purgeDue(d, purging);
    const recovered = await recoverInterrupted(d.db, d.replica.leaseMs);
    if (recovered.tasks || recovered.environments) log.warn(recovered, 'recovered work of a controller replica that stopped');
  }

  const safeSweep = (serverId?: string) => {
    if (stopped) return;
    sweep(serverId).catch((err: unknown) => log.error({ err }, 'clone sweep failed'));
  };

  const heartbeatMs = o.heartbeatMs ?? Math.max(50, Math.floor(d.replica.leaseMs / 3));
  let beating = false;
  let beat: NodeJS.Timeout | undefined;
  const safeHeartbeat = () => {
    if (stopped || beating) return;
    beating = true;
    heartbeat()
      .catch((err: unknown) => log.error({ err }, 'replica heartbeat failed'))
      .finally(() => (beating = false));
  };

  function cancelled(id: string): void {
    runs.get(id)?.controller.abort(new Error('cancelled'));
    ensureCleanup(id);
  }
  o.bus?.on('op.cancel', (m) => {
    if (typeof m.id === 'string' && runs.has(m.id)) cancelled(m.id);
  });
  // Messages may have been lost while the bus was away: look at everything again.
  o.bus?.onReconnect(() => safeSweep());

  return {
    events: o.events,
    live: d.live,
    feed,
    secrets: o.secrets,
    kick,
    cancelled(id) {
      cancelled(id);
      void o.bus?.publish({ type: 'op.cancel', id }).catch((err: unknown) => log.warn({ err, operationId: id }, 'could not pass a cancel on'));
    },
    start() {
      timer = setInterval(() => safeSweep(), o.sweepIntervalMs);
      timer.unref();
      beat = setInterval(safeHeartbeat, heartbeatMs);
      beat.unref();
      safeHeartbeat();
      safeSweep();
    },
    agentReady(serverId, local = true) {
      safeSweep(serverId);
      if (!stopped && local) void reconcileAgent(d, serverId);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(beat);
      // The agents keep working: detach (no task.cancel), then let another replica take over.
      const ids = [...new Set([...runs.keys(), ...cleanups.keys()])];
      for (const id of runs.keys()) d.hub.detachOperation(id);
      for (const run of runs.values()) run.controller.abort(new Error('controller shutting down'));
      released = (async () => {
        await Promise.allSettled([...[...runs.values()].map((r) => r.done), ...cleanups.values()]);
        await releaseLeases(d.db, d.replica, ids);
        await d.db.query('DELETE FROM controller_replicas WHERE id = $1', [d.replica.id]);
      })().catch((err: unknown) => log.warn({ err }, 'could not release the leases of this replica'));
    },
    running: () => [...runs.keys()],
    async drain() {
      while (runs.size > 0 || cleanups.size > 0) {
        await Promise.allSettled([...[...runs.values()].map((r) => r.done), ...cleanups.values()]);
      }
      await released;
    },
  };
}
