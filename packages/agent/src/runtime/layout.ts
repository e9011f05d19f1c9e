// Where an environment's files live under the agent's data dir. Every path derives from the
// environment id and its db_name (both validated by the shared schema), never from a name.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentRefSchema, type EnvironmentLocation, type EnvironmentRef, type EnvironmentSpec } from '@oec/shared';
import { makeFilestoreDir } from './subvolume.js';

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
  /**
   * The environment's own PostgreSQL cluster under OEC_LOCAL_CLUSTERS=per_environment (`data/`,
   * `socket/`, `port`, `postgres.log`; postgres/cluster.ts), on the agent's data root with the rest;
   * under the docker runtime with OEC_DOCKER_DATA_ON_ROOT, `data/` is its container's bind mount.
   */
  cluster: string;
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
    cluster: join(root, 'postgres'),
  };
}

/** What `locate` answers under every runtime: the files, and the database at `db` as its own role. */
export function envLocation(layout: EnvLayout, ref: EnvironmentRef, db: { host: string; port: number }): EnvironmentLocation {
  return {
    db_name: ref.db_name,
    filestore_path: layout.filestore,
    addons_path: layout.addons,
    connection: { host: db.host, port: db.port, database: ref.db_name, user: ref.db_name },
  };
}

/**
 * The environment's directories (root 0700, filestore, sessions, one addons directory per source
 * with its description) and `environment.json`, whatever the runtime. Idempotent.
 */
export async function writeEnvironmentFiles(layout: EnvLayout, spec: EnvironmentSpec): Promise<void> {
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  // a btrfs subvolume where the data root is btrfs: a same-server clone then snapshots it whole
  await Promise.all([makeFilestoreDir(layout.filestore), mkdir(layout.sessions, { recursive: true })]);
  for (const source of spec.addons) {
    const dir = join(layout.addons, source.kind, source.name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.source.json'), `${JSON.stringify(source, null, 2)}\n`);
  }
  await mkdir(layout.addons, { recursive: true });
  await writeAtomic(layout.meta, `${JSON.stringify(spec, null, 2)}\n`, 0o644);
}

/** Write then rename, so a crash never leaves a half-written file; `mode` applies from creation. */
export async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}
