// Agents on the `docker` runtime for end-to-end suites: the agent settings (the test images, a
// server label of the suite's own, so its objects are told apart on a shared engine), how test
// code reaches an environment's PostgreSQL container (its bridge address, the superuser password
// the agent keeps in the environment's secrets file), and the sweep that proves nothing remains.
import { randomBytes } from 'node:crypto';
import {
  cleanupAll,
  containerIp,
  createDockerClient,
  dockerSkipReason,
  envLayout,
  envObjectNames,
  inspectContainer,
  LABEL,
  listLabelled,
  readSecrets,
  TEST_IMAGES,
  TEST_ODOO_USER,
} from '@oec/agent/docker';
import { findPgBinDir, type ClusterInfo } from '@oec/agent/postgres';
import type { Environment } from '@oec/shared';

const docker = createDockerClient();

/** Null when the engine answers and the test images exist; else the reason a suite skips. */
export const dockerUnavailable = (): Promise<string | null> => dockerSkipReason(docker);

/** A fresh `oec.server` label for one suite's agents. */
export function dockerSuiteLabel(name: string): string {
  return `oec-e2e-${name}-${randomBytes(3).toString('hex')}`;
}

/** Agent settings for the docker runtime with the test images. */
export function dockerAgentEnv(label: string): Record<string, string> {
  return {
    OEC_RUNTIME: 'docker',
    OEC_DOCKER_POSTGRES_IMAGE: TEST_IMAGES.postgres,
    OEC_DOCKER_ODOO_IMAGE: TEST_IMAGES.odoo,
    OEC_DOCKER_SERVER_LABEL: label,
    OEC_DOCKER_ODOO_USER: `${TEST_ODOO_USER.uid}:${TEST_ODOO_USER.gid}`,
  };
}

/** A ClusterInfo reaching an environment's PostgreSQL container over its bridge address. */
export type ContainerCluster = ClusterInfo & { host: string; password: string };

export async function dockerClusterOf(env: Environment, agent: { dataDir: string }): Promise<ContainerCluster> {
  const names = envObjectNames(env.id);
  const host = containerIp(await inspectContainer(docker, names.db), names.network);
  if (!host) throw new Error(`the PostgreSQL container of environment ${env.id} is not running`);
  const { superuser_password } = readSecrets(envLayout(agent.dataDir, { environment_id: env.id, db_name: env.database_name }).secrets);
  return { dir: '', dataDir: '', socketDir: '', port: 5432, superuser: 'postgres', binDir: findPgBinDir(), host, password: superuser_password };
}

/** The containers, volumes and networks of one environment that exist. */
export async function environmentObjects(label: string, envId: string): Promise<string[]> {
  return listLabelled(docker, { [LABEL.server]: label, [LABEL.environment]: envId });
}

/** Everything a suite's agents created; cleanupDocker removes it. */
export const dockerLeftovers = (label: string): Promise<string[]> => listLabelled(docker, { [LABEL.server]: label });
export const cleanupDocker = (label: string) => cleanupAll(docker, { [LABEL.server]: label });
