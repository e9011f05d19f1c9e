// The background half of environment lifecycle actions: the agent tasks and the status they
// lead to. Each action was claimed by setting environments.action (under a row lock) before the
// request answered; finishing clears it. Any failure leaves the environment FAILED with the error
// recorded in last_error; the task's own row holds the details and logs.
import { ErrorCode, isAppError } from '@oec/shared';
import type { EnvironmentRef, EnvironmentSpec, EnvironmentStatus, Fence } from '@oec/shared';
import type { AppDeps } from '../deps.js';
import { loadEnvironment } from './environment-rows.js';
import type { EnvironmentAction, EnvironmentRow } from './environment-rows.js';

type Deps = Pick<AppDeps, 'db' | 'hub' | 'logger'>;

/** Lifecycle tasks belong to no clone operation. */
const NO_OPERATION: Fence = { operation_id: null, attempt: 0 };

function ref(e: EnvironmentRow): EnvironmentRef {
  return { environment_id: e.id, db_name: e.database_name };
}

function spec(e: EnvironmentRow): EnvironmentSpec {
  return { ...ref(e), name: e.name, domain: e.domain, odoo_version: e.odoo_version, addons: e.addons };
}

async function finish(deps: Deps, id: string, action: EnvironmentAction, status: EnvironmentStatus): Promise<void> {
  await deps.db.query(
    `UPDATE environments SET status = $3, action = NULL, last_error = NULL, updated_at = now()
      WHERE id = $1 AND action = $2`,
    [id, action, status],
  );
}

async function fail(deps: Deps, id: string, action: EnvironmentAction, err: unknown): Promise<void> {
  const error = isAppError(err)
    ? { code: err.code, message: err.message, details: err.details ?? null }
    : { code: ErrorCode.INTERNAL, message: 'internal error', details: null };
  deps.logger.warn({ err, environmentId: id, action }, 'environment action failed');
  await deps.db.query(
    `UPDATE environments SET status = 'FAILED', action = NULL, last_error = $3, updated_at = now()
      WHERE id = $1 AND action = $2`,
    [id, action, JSON.stringify({ ...error, action })],
  );
}

/** CREATING → env.create → env.start → RUNNING (or FAILED). */
export async function provisionEnvironment(deps: Deps, id: string): Promise<void> {
  const env = await loadEnvironment(deps.db, id);
  if (!env) return;
  const opts = { fence: NO_OPERATION, environmentId: id };
  try {
    const location = await deps.hub.runTask(env.server_id, 'env.create', spec(env), opts);
    await deps.db.query(
      'UPDATE environments SET filestore_path = $2, connection = $3, updated_at = now() WHERE id = $1',
      [id, location.filestore_path, JSON.stringify(location.connection)],
    );
    await deps.hub.runTask(env.server_id, 'env.start', ref(env), opts);
    await finish(deps, id, 'create', 'RUNNING');
  } catch (err) {
    await fail(deps, id, 'create', err);
  }
}

/** env.start → RUNNING, env.stop → STOPPED (releasing CPU and RAM quota). */
export async function runPowerAction(deps: Deps, id: string, action: 'start' | 'stop'): Promise<void> {
  const env = await loadEnvironment(deps.db, id);
  if (!env) return;
  try {
    await deps.hub.runTask(env.server_id, action === 'start' ? 'env.start' : 'env.stop', ref(env), {
      fence: NO_OPERATION,
      environmentId: id,
    });
    await finish(deps, id, action, action === 'start' ? 'RUNNING' : 'STOPPED');
  } catch (err) {
    await fail(deps, id, action, err);
  }
}

/** DESTROYING → env.destroy → row deleted (or FAILED, so it can be destroyed again). */
export async function destroyEnvironmentNow(deps: Deps, id: string): Promise<void> {
  const env = await loadEnvironment(deps.db, id);
  if (!env) return;
  try {
    await deps.hub.runTask(env.server_id, 'env.destroy', ref(env), { fence: NO_OPERATION, environmentId: id });
    await deps.db.query(`DELETE FROM environments WHERE id = $1 AND action = 'destroy'`, [id]);
  } catch (err) {
    await fail(deps, id, 'destroy', err);
  }
}
