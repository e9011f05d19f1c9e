// The one interface through which the agent touches environments. Two implementations: local.ts
// (the agent's own PostgreSQL cluster, app processes on the host) and docker/ (containers per
// environment, decision 0008); only runtime/index.ts chooses between them.
import type { EnvironmentLocation, EnvironmentRef, EnvironmentSizes, EnvironmentSpec, RuntimeKind, ServerFacts } from '@oec/shared';
import type pg from 'pg';
import type { ExecRecord } from '../exec/children.js';
import type { ExecHandle, SpawnOptions } from '../exec/run.js';

export interface DiskUsage {
  total_bytes: number;
  free_bytes: number;
  /** The directory whose filesystem was measured. */
  path?: string;
}

export interface AppStatus {
  running: boolean;
  /** Base URL of the app (e.g. http://127.0.0.1:41234) while running. */
  url: string | null;
  /** The health URL (/web/database/selector) answered 200. */
  healthy: boolean;
}

export interface ExecOptions extends Omit<SpawnOptions, 'env' | 'cwd'> {
  /** The environment whose database the tool connects to (PGDATABASE); absent = admin database. */
  environment?: EnvironmentRef;
  /**
   * Connect as the cluster superuser (default; pg_restore then switches with --role) or as the
   * environment's own role (its password travels in PGPASSWORD, never in argv).
   */
  as?: 'admin' | 'app';
  /** Server settings for the tool's session (PGOPTIONS), e.g. { maintenance_work_mem: '512MB' }. */
  pgOptions?: Record<string, string>;
}

/** What a temporary, unrouted app instance answered (Runtime.trialApp). */
export interface AppTrial {
  healthy: boolean;
  /** The version command's answer (e.g. `17.0`), null when the instance never became healthy. */
  version: string | null;
  /** Its address when healthy, else why not (exit code, timeout, the last log lines). */
  detail: string;
}

export interface CreateOptions {
  /**
   * An environment whose runtime settings the new one takes (a clone's source: under `docker`, its
   * PostgreSQL and Odoo images); ignored when that environment does not live on this server.
   */
  like?: EnvironmentRef;
}

/** What a copy-on-write clone of a cluster did (Runtime.cloneCluster). */
export interface ClusterClone {
  /** The copy's database. */
  bytes: number;
  tables: number;
  /** Its phases, ms: backup start, reflink copy, backup stop, WAL, start with recovery, the target's identity. */
  timings: Record<string, number>;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** What the agent reports about its machine at hello. */
  facts(): Promise<ServerFacts>;
  /** Disk of the data dir (heartbeats). */
  diskUsage(): Promise<DiskUsage>;
  /** Where an environment lives; pure, touches nothing. */
  locate(ref: EnvironmentRef): EnvironmentLocation;
  /** Role, database (CONNECT revoked from PUBLIC and from the role), directories. Idempotent. */
  create(spec: EnvironmentSpec, signal: AbortSignal, opts?: CreateOptions): Promise<EnvironmentLocation>;
  /** Grant the role CONNECT, start the app and wait until healthy. Idempotent. */
  start(ref: EnvironmentRef, signal: AbortSignal): Promise<void>;
  /** Stop the app, revoke CONNECT, end the role's sessions. Idempotent. */
  stop(ref: EnvironmentRef, signal: AbortSignal): Promise<void>;
  /** Stop, drop database and role, remove files. Idempotent. */
  destroy(ref: EnvironmentRef, signal: AbortSignal): Promise<void>;
  inspect(ref: EnvironmentRef, signal: AbortSignal): Promise<EnvironmentSizes>;
  appStatus(ref: EnvironmentRef): Promise<AppStatus>;
  /**
   * Health-check the app on another database of the environment (a replace's new data, with its
   * addons) through a temporary instance nobody routes to, before anything is swapped; the instance
   * is gone when this returns. Null where the runtime has no such instance (`local`: the swap's own
   * health check, with its swap-back, covers it).
   */
  trialApp(ref: EnvironmentRef, candidate: { db_name: string; addons_path: string }, signal: AbortSignal): Promise<AppTrial | null>;
  /** Run the app's version command (`odoo-bin --version`); returns e.g. `17.0`. */
  appVersion(ref: EnvironmentRef, signal: AbortSignal): Promise<string>;
  /**
   * Run a client tool (argv[0] ∈ psql, pg_dump, pg_restore, tar; anything else throws) with the
   * connection of `opts.environment` in its environment. The handle is killed on abort.
   */
  exec(argv: readonly string[], opts: ExecOptions): ExecHandle;
  /**
   * Lower the CPU priority of the server process behind a session (the source side of a copy,
   * so that a clone never starves production); false where this agent cannot reach that process.
   * Optional: a runtime without it leaves sessions as they are.
   */
  lowerSessionPriority?(client: pg.ClientBase): Promise<boolean>;
  /**
   * Stop processes a killed agent left running inside this runtime's containers (recorded by
   * exec/children.ts); returns those it could reach. Optional: local children are stopped by pid.
   */
  stopLeftoverExecs?(records: readonly ExecRecord[]): Promise<ExecRecord[]>;
  /** A superuser session on one database of this server, closed after `fn`. */
  withDatabase<T>(database: string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  databaseExists(name: string): Promise<boolean>;
  /**
   * Every database this runtime holds on this server (the agent's reconciliation looks for
   * leftovers among them). Optional: without it only files are reconciled.
   */
  listDatabases?(): Promise<string[]>;
  /**
   * A database owned by the environment's role that nobody may connect to yet (SPEC §3: the app
   * gets CONNECT only after the sanitization proof). With `template` (a database nobody is
   * connected to: a stopped source) it is a copy of it, its objects given to the owner role.
   */
  createDatabase(name: string, owner: EnvironmentRef, opts: { template?: { db_name: string; role: string } }): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /**
   * Same-server copy-on-write (decision 0020): the source environment's cluster, snapshotted while
   * it runs (backup API + reflink) and started with recovery, becomes `target`'s cluster, with the
   * source's database renamed `workDb`, owned by the target's role and closed to it; the source's
   * other databases and its role do not stay. For create_new: the target's empty cluster goes. With
   * `beside` (a replace): the copy is a second cluster beside the target's, which keeps serving;
   * it stands for `workDb` (databaseExists, withDatabase, dropDatabase find it by that name) until
   * swapClusters. Optional: only where facts() reports `cow.available`.
   */
  cloneCluster?(source: EnvironmentRef, target: EnvironmentRef, workDb: string, signal: AbortSignal, opts?: { beside?: boolean }): Promise<ClusterClone>;
  /**
   * A copy-on-write replace's swap: `in` stops the target's cluster and the new one, puts the new
   * one in the target's place (on its port, its database `next` renamed to the target's) and keeps
   * the old one as the side cluster `retained` (stopped; dropDatabase(retained) removes it);
   * `back` undoes it. Idempotent in each direction, whatever point a crash stopped it at; the
   * caller journals which direction is due. Optional: only where facts() reports `cow.replace`.
   */
  swapClusters?(target: EnvironmentRef, next: string, retained: string, direction: 'in' | 'back'): Promise<void>;
  /** In one transaction: `current` becomes `retained` and `next` becomes `current`. */
  swapDatabases(current: string, next: string, retained: string): Promise<void>;
  /** Release pools; never stops environments (they outlive the agent). */
  close(): Promise<void>;
}
