// Pure builders for the `docker` runtime's objects: their names (from the environment id only),
// their labels (server, environment, role, Traefik routing) and the container-create bodies.
// Kept apart from the Engine I/O so their exact shape is unit-tested without an engine.
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import type Docker from 'dockerode';
import { idSlug, uuidSchema } from '@oec/shared';
import type { DatabaseOwner } from '../database-owner.js';
import type { EnvLayout } from '../layout.js';

export interface DockerImages {
  postgres: string;
  odoo: string;
}

/** The Odoo image of an environment: `{version}` in the configured reference becomes its series. */
export function odooImage(template: string, odooVersion: string): string {
  if (!/^[0-9A-Za-z.~+-]+$/.test(odooVersion)) throw new Error(`invalid Odoo version for an image tag: ${JSON.stringify(odooVersion)}`);
  return template.replaceAll('{version}', odooVersion);
}

export const LABEL = {
  server: 'oec.server',
  environment: 'oec.environment',
  /** `db`, `db-side` (a copy-on-write replace's second cluster), `odoo` or `odoo-trial` on containers. */
  role: 'oec.role',
  /**
   * The environment's database name, on its PostgreSQL container: how db names find their
   * container; on a side cluster's, the database it stands for (the replace's work database).
   */
  db: 'oec.db',
} as const;

/** Where the PostgreSQL image keeps its cluster (the official image's contract). */
export const PGDATA = '/var/lib/postgresql/data';

/** How the Odoo image is laid out and answers: configuration (OEC_DOCKER_ODOO_*), the official image's by default. */
export interface OdooImageContract {
  /** Odoo's data dir: `filestore/` and `sessions/` under it are bind-mounted from the agent's disk. */
  dataDir: string;
  /** Where the environment's addons are mounted (on the image's addons path). */
  addonsDir: string;
  port: number;
  /** Answers 200 while Odoo serves its database. */
  healthPath: string;
  /** Prints `Odoo Server <series>` (argv, no shell). */
  versionCommand: string[];
}

export const OFFICIAL_ODOO: OdooImageContract = {
  dataDir: '/var/lib/odoo',
  addonsDir: '/mnt/extra-addons',
  port: 8069,
  healthPath: '/web/database/selector',
  versionCommand: ['odoo-bin', '--version'],
};

export const SUPERUSER = 'postgres';
export const PG_PORT = 5432;

/**
 * The host directories an environment's containers keep their data in under OEC_DOCKER_DATA_ON_ROOT:
 * PostgreSQL's where the local runtime keeps an environment's cluster (`<env>/postgres/data`, what
 * a copy-on-write snapshot is taken into), Odoo's data dir beside it.
 */
export function hostDataDirs(layout: Pick<EnvLayout, 'root' | 'cluster'>): { clusterDir: string; pgdata: string; odooData: string } {
  return { clusterDir: layout.cluster, pgdata: join(layout.cluster, 'data'), odooData: join(layout.root, 'odoo-data') };
}

export interface EnvObjectNames {
  network: string;
  db: string;
  odoo: string;
  pgdata: string;
  odooData: string;
  /** The unrouted instance that health-checks a replace's new data before the swap. */
  odooTrial: string;
}

/** `oec-<id without dashes>`: the whole id, so two environments can never share a name. */
export function envObjectNames(environmentId: string): EnvObjectNames {
  const base = `oec-${idSlug(uuidSchema.parse(environmentId))}`;
  return {
    network: base,
    db: `${base}-db`,
    odoo: `${base}-odoo`,
    pgdata: `${base}-pgdata`,
    odooData: `${base}-odoo-data`,
    odooTrial: `${base}-odoo-trial`,
  };
}

export function envLabels(server: string, environmentId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.server]: server, [LABEL.environment]: environmentId, ...extra };
}

/** Engine list filters for objects carrying every given label. */
export function labelFilters(labels: Record<string, string>): { label: string[] } {
  return { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
}

const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

/** What a Traefik front reads to route the environment's domain to its Odoo container. */
export function traefikLabels(environmentId: string, domain: string, port = OFFICIAL_ODOO.port): Record<string, string> {
  // The domain is validated by the API already; checked again because it lands inside a rule.
  if (!DOMAIN_RE.test(domain)) throw new Error(`invalid domain for a routing rule: ${JSON.stringify(domain)}`);
  const { odoo, network } = envObjectNames(environmentId);
  return {
    'traefik.enable': 'true',
    [`traefik.http.routers.${odoo}.rule`]: `Host(\`${domain}\`)`,
    [`traefik.http.routers.${odoo}.service`]: odoo,
    [`traefik.http.services.${odoo}.loadbalancer.server.port`]: String(port),
    'traefik.docker.network': network,
  };
}

export interface PostgresContainerOptions {
  server: string;
  environmentId: string;
  dbName: string;
  image: string;
  superuserPassword: string;
  /**
   * A host directory to bind-mount as the data directory instead of the named volume
   * (OEC_DOCKER_DATA_ON_ROOT: under the agent's data root, where copy-on-write clones work). The
   * image's entrypoint gives an empty or foreign-owned one to its postgres user, mode 0700.
   */
  dataHostDir?: string;
}

/**
 * The container of a copy-on-write replace's side cluster standing for database `database`
 * (cluster-swap.ts; decision 0020, "Replace"): named after the environment and a hash of the
 * database, so the name stays one DNS label (the trial Odoo reaches it by name).
 */
export function sideDbContainerName(environmentId: string, database: string): string {
  return `${envObjectNames(environmentId).db}-side-${createHash('sha256').update(database).digest('hex').slice(0, 12)}`;
}

/**
 * The environment's PostgreSQL: data on its named volume (or a bind mount), superuser password
 * from the agent. With `side`, a replace's second cluster on its bind directory (always one, under
 * the data root): its own name and role label, never restarted by the engine (the swap or the
 * cleanup removes it; a retained cluster must stay stopped).
 */
export function postgresCreateBody(o: PostgresContainerOptions & { side?: { database: string } }): Docker.ContainerCreateOptions {
  const names = envObjectNames(o.environmentId);
  if (o.side && !o.dataHostDir) throw new Error('a side cluster lives in a directory under the data root');
  return {
    name: o.side ? sideDbContainerName(o.environmentId, o.side.database) : names.db,
    Image: o.image,
    Env: [`POSTGRES_USER=${SUPERUSER}`, `POSTGRES_PASSWORD=${o.superuserPassword}`],
    Labels: envLabels(o.server, o.environmentId, o.side ? { [LABEL.role]: 'db-side', [LABEL.db]: o.side.database } : { [LABEL.role]: 'db', [LABEL.db]: o.dbName }),
    HostConfig: {
      Mounts: [o.dataHostDir ? { Type: 'bind', Source: o.dataHostDir, Target: PGDATA } : { Type: 'volume', Source: names.pgdata, Target: PGDATA }],
      NetworkMode: names.network,
      // Environments outlive the agent and the engine's restarts; a side cluster does not.
      RestartPolicy: { Name: o.side ? 'no' : 'unless-stopped' },
    },
  };
}

export interface OdooContainerOptions {
  server: string;
  environmentId: string;
  dbName: string;
  domain: string;
  image: string;
  /** The role's password (the app connects as the environment's own role, never as superuser). */
  password: string;
  /** Host paths bind-mounted into the container (envLayout). */
  filestoreRoot: string;
  sessions: string;
  addons: string;
  contract?: OdooImageContract;
  /** A host directory bind-mounted as Odoo's data dir instead of the named volume (OEC_DOCKER_DATA_ON_ROOT). */
  dataHostDir?: string;
  /**
   * The unrouted trial instance: serves `dbName` (a replace's new database) as the environment's
   * role (`role`), no routing labels, Odoo's data dir on a tmpfs (sessions die with it), no restart;
   * `dbHost`: the container holding that database when not the environment's own PostgreSQL (a
   * copy-on-write replace's side cluster).
   */
  trial?: { role: string; dbHost?: string };
}

/**
 * The environment's Odoo: database settings through the official image's HOST/PORT/USER/PASSWORD,
 * only its own database served, files bind-mounted from the agent's disk so every clone step works
 * on host paths. Odoo's data dir itself is a named volume (the image declares it a VOLUME; without
 * one the engine would leave an anonymous volume behind), or a bind mount under the agent's data
 * root with OEC_DOCKER_DATA_ON_ROOT.
 */
export function odooCreateBody(o: OdooContainerOptions): Docker.ContainerCreateOptions {
  const names = envObjectNames(o.environmentId);
  const c = o.contract ?? OFFICIAL_ODOO;
  const filestore = { Type: 'bind' as const, Source: o.filestoreRoot, Target: posix.join(c.dataDir, 'filestore') };
  const addons = { Type: 'bind' as const, Source: o.addons, Target: c.addonsDir };
  return {
    name: o.trial ? names.odooTrial : names.odoo,
    Image: o.image,
    Cmd: ['odoo', '--database', o.dbName, '--db-filter', `^${o.dbName}$`],
    Env: [`HOST=${o.trial?.dbHost ?? names.db}`, `PORT=${PG_PORT}`, `USER=${o.trial?.role ?? o.dbName}`, `PASSWORD=${o.password}`],
    Labels: envLabels(
      o.server,
      o.environmentId,
      o.trial ? { [LABEL.role]: 'odoo-trial', 'traefik.enable': 'false' } : { [LABEL.role]: 'odoo', ...traefikLabels(o.environmentId, o.domain, c.port) },
    ),
    HostConfig: {
      Mounts: o.trial
        ? [{ Type: 'tmpfs', Source: '', Target: c.dataDir }, filestore, addons]
        : [
            o.dataHostDir ? { Type: 'bind', Source: o.dataHostDir, Target: c.dataDir } : { Type: 'volume', Source: names.odooData, Target: c.dataDir },
            filestore,
            { Type: 'bind', Source: o.sessions, Target: posix.join(c.dataDir, 'sessions') },
            addons,
          ],
      NetworkMode: names.network,
      RestartPolicy: { Name: o.trial ? 'no' : 'unless-stopped' },
    },
  };
}

/** A PostgreSQL container of this server and the database name it was created for (label `oec.db`). */
export type DbContainerRef = DatabaseOwner;
