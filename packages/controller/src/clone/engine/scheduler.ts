// The clone engine: starts pending operations oldest first while their server runs fewer than
// its clone_concurrency and its agent is connected (the rest stay pending), runs each with an
// AbortController that a cancel fires, cleans up after every failed or cancelled operation once
// its run has ended, and sweeps periodically for work that had to wait (cleanups of an absent
// agent, due purges).
import { startStep } from '../model/steps-state.js';
import { cleanupCandidates, claimOperation, loadOperation, pendingCandidates } from '../store/operations.js';
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
  /** Agent of a server (re)connected: deferred cleanups may run now. */
  agentReady(serverId: string): void;
  /**
   * Stop: no new work; runs in flight are aborted and leave their rows as they are, for the
   * next start's recovery (failed, cleanup) — the same path as a crash.
   */
  stop(): void;
  /** Resolves when every run and cleanup in flight has ended. */
  drain(): Promise<void>;
}

export interface CloneEngineOptions {
  deps: Omit<RunnerDeps, 'events' | 'secrets' | 'live'>;
  events: CloneEvents;
  secrets: OneTimeSecrets;
  sweepIntervalMs: number;
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

  function ensureCleanup(id: string): void {
    if (stopped || cleanups.has(id)) return;
    const p = (async () => {
      await runs.get(id)?.done;
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

  function start(id: string): void {
    const controller = new AbortController();
    const done = runOperation(d, id, controller.signal)
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
      if (!(await claimOperation(d.db, c.id, startStep(op.steps, 'pre_checks', d.clock.now()), d.clock.now()))) continue;
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

  async function sweep(serverId?: string): Promise<void> {
    kick();
    for (const c of await cleanupCandidates(d.db)) {
      if ((serverId === undefined || c.server_id === serverId) && d.hub.isConnected(c.server_id)) ensureCleanup(c.id);
    }
    await purgeDue(d, purging);
  }

  const safeSweep = (serverId?: string) => {
    if (stopped) return;
    sweep(serverId).catch((err: unknown) => log.error({ err }, 'clone sweep failed'));
  };

  return {
    events: o.events,
    live: d.live,
    feed,
    secrets: o.secrets,
    kick,
    cancelled(id) {
      runs.get(id)?.controller.abort(new Error('cancelled'));
      ensureCleanup(id);
    },
    start() {
      timer = setInterval(() => safeSweep(), o.sweepIntervalMs);
      timer.unref();
      safeSweep();
    },
    agentReady(serverId) {
      safeSweep(serverId);
      if (!stopped) void reconcileAgent(d, serverId);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const run of runs.values()) run.controller.abort(new Error('controller shutting down'));
    },
    async drain() {
      while (runs.size > 0 || cleanups.size > 0) {
        await Promise.allSettled([...[...runs.values()].map((r) => r.done), ...cleanups.values()]);
      }
    },
  };
}
