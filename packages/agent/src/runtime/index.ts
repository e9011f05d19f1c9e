// Chooses the Runtime implementation from configuration: the only place that branches on kind.
import type { AgentConfig, DockerConfig } from '../config.js';
import { createDockerClient, engineVersion } from '../docker/client.js';
import type { Logger } from '../logger.js';
import type { PgTarget } from '../postgres/target.js';
import { DockerRuntime } from './docker/index.js';
import { findPgBinDir } from '../postgres/cluster.js';
import { LocalRuntime } from './local.js';
import { EnvironmentClusters } from './local-clusters.js';
import type { Runtime } from './runtime.js';

export type { AppStatus, DiskUsage, ExecOptions, Runtime } from './runtime.js';
export { LocalRuntime, type LocalRuntimeOptions } from './local.js';
export { DockerRuntime, type DockerRuntimeOptions } from './docker/index.js';
export { stopAppsUnder } from './app-process.js';
export { stopEnvironmentClusters } from './local-clusters.js';

/**
 * The local runtime needs the agent's PostgreSQL (`postgres()` starts or reaches it), unless every
 * environment has a cluster of its own (OEC_LOCAL_CLUSTERS=per_environment); docker does not.
 */
export async function createRuntime(config: AgentConfig, postgres: () => Promise<PgTarget>, logger: Logger): Promise<Runtime> {
  if (config.docker) return dockerRuntime(config, config.docker, logger);
  const databases = config.localClusters === 'per_environment' ? { clusters: await environmentClusters(config, logger) } : { pg: await postgres() };
  return new LocalRuntime({
    dataDir: config.dataDir,
    ...databases,
    hostname: config.hostname,
    peerUrl: config.peerUrl,
    appHost: config.appHost,
    childEnv: config.childEnv,
    logger: logger.child({ component: 'runtime' }),
  });
}

/** Every environment's cluster found under the data dir is started (or adopted, running) now. */
async function environmentClusters(config: AgentConfig, logger: Logger): Promise<EnvironmentClusters> {
  const clusters = new EnvironmentClusters({ dataDir: config.dataDir, binDir: config.pg.binDir ?? findPgBinDir(), logger: logger.child({ component: 'clusters' }) });
  const n = await clusters.adopt();
  logger.info({ clusters: n }, 'one PostgreSQL cluster per environment (OEC_LOCAL_CLUSTERS=per_environment)');
  return clusters;
}

async function dockerRuntime(config: AgentConfig, docker: DockerConfig, logger: Logger): Promise<Runtime> {
  const client = createDockerClient(docker.socket);
  const version = await engineVersion(client, 10_000);
  if (version === null) {
    throw new Error(`OEC_RUNTIME=docker but no Docker engine answers on ${docker.socket} (is dockerd running, and may the agent use its socket?)`);
  }
  logger.info({ engine: version, server: docker.serverLabel, images: docker.images }, 'docker runtime');
  return new DockerRuntime({
    docker: client,
    dataDir: config.dataDir,
    server: docker.serverLabel,
    hostname: config.hostname,
    peerUrl: config.peerUrl,
    images: docker.images,
    odooUser: docker.odooUser,
    odoo: docker.odoo,
    dataOnRoot: docker.dataOnRoot,
    childEnv: config.childEnv,
    logger: logger.child({ component: 'runtime' }),
  });
}
