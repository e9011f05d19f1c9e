// Chooses the Runtime implementation from configuration: the only place that branches on kind.
import type { AgentConfig, DockerConfig } from '../config.js';
import { createDockerClient, engineVersion } from '../docker/client.js';
import type { Logger } from '../logger.js';
import type { PgTarget } from '../postgres/target.js';
import { DockerRuntime } from './docker/index.js';
import { LocalRuntime } from './local.js';
import type { Runtime } from './runtime.js';

export type { AppStatus, DiskUsage, ExecOptions, Runtime } from './runtime.js';
export { LocalRuntime, type LocalRuntimeOptions } from './local.js';
export { DockerRuntime, type DockerRuntimeOptions } from './docker/index.js';
export { stopAppsUnder } from './app-process.js';

/** The local runtime needs the agent's PostgreSQL (`postgres()` starts or reaches it); docker does not. */
export async function createRuntime(config: AgentConfig, postgres: () => Promise<PgTarget>, logger: Logger): Promise<Runtime> {
  if (config.docker) return dockerRuntime(config, config.docker, logger);
  return new LocalRuntime({
    dataDir: config.dataDir,
    pg: await postgres(),
    hostname: config.hostname,
    peerUrl: config.peerUrl,
    appHost: config.appHost,
    childEnv: config.childEnv,
    logger: logger.child({ component: 'runtime' }),
  });
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
    childEnv: config.childEnv,
    logger: logger.child({ component: 'runtime' }),
  });
}
