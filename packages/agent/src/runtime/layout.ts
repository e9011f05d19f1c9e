// Where an environment's files live under the agent's data dir. Every path derives from the
// environment id and its db_name (both validated by the shared schema), never from a name.
import { join } from 'node:path';
import { environmentRefSchema, type EnvironmentRef } from '@oec/shared';

export interface EnvLayout {
  /** `<data>/environments/<env id>`: also Odoo's data_dir. */
  root: string;
  filestoreRoot: string;
  /** `<root>/filestore/<db_name>`: the only part of the filestore a clone copies. */
  filestore: string;
  addons: string;
  sessions: string;
  /** The role's password (0600). */
  secrets: string;
  /** Generated odoo.conf (0600, holds the password). */
  conf: string;
  /** pid and port of the running app. */
  appState: string;
  appLog: string;
  /** What env.create was given (name, domain, Odoo version, addon sources). */
  meta: string;
}

export function environmentsDir(dataDir: string): string {
  return join(dataDir, 'environments');
}

export function envLayout(dataDir: string, ref: EnvironmentRef): EnvLayout {
  const { environment_id, db_name } = environmentRefSchema.parse(ref);
  const root = join(environmentsDir(dataDir), environment_id);
  return {
    root,
    filestoreRoot: join(root, 'filestore'),
    filestore: join(root, 'filestore', db_name),
    addons: join(root, 'addons'),
    sessions: join(root, 'sessions'),
    secrets: join(root, 'secrets.json'),
    conf: join(root, 'odoo.conf'),
    appState: join(root, 'app.json'),
    appLog: join(root, 'app.log'),
    meta: join(root, 'environment.json'),
  };
}
