// The compose harness (test/docker/docker-compose.yml) as a Platform-like handle: the controller
// and its PostgreSQL come up first; the suite bootstraps an owner, registers servers A and B and
// only then starts their agent containers with the tokens it was given. Everything is reached by
// container address (the engine publishes no ports). docker-compose is a test tool here; the agent
// itself only ever talks to the Engine API.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { containerIp, createDockerClient, inspectContainer } from '@oec/agent/docker';
import type { CreateServerResponse, Environment, Organization, Project, Server } from '@oec/shared';
import { createApi, type Api } from './api.js';
import { cleanupDocker, dockerLeftovers } from './docker.js';
import { packageMain, runCli } from './processes.js';
import { waitEnvironmentStatus } from './operations.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const COMPOSE_FILE = join(REPO, 'test/docker/docker-compose.yml');

export interface ComposeAgent {
  name: 'a' | 'b';
  server: Server;
  dataDir: string;
  /** The agent's oec.server label. */
  label: string;
}

export interface ComposePlatform {
  project: string;
  dir: string;
  api: Api;
  org: Organization;
  projectRow: Project;
  agents: { a: ComposeAgent; b: ComposeAgent };
  /** The controller's state database, over the controller-db container's address. */
  controllerDbUrl: string;
  waitEnvironment(envId: string, status: Environment['status'], timeoutMs?: number): Promise<Environment>;
  /** Objects left by the compose project and by both agents (empty after a clean teardown). */
  leftovers(): Promise<string[]>;
  /** The last lines of a service's log, for failure messages. */
  logs(service: string): Promise<string>;
  close(): Promise<void>;
}

export async function startComposePlatform(): Promise<ComposePlatform> {
  const docker = createDockerClient();
  const project = `oecharness${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'oec-compose-'));
  await chmod(dir, 0o755);
  const vars: Record<string, string> = {
    OEC_REPO: REPO,
    OEC_NODE: process.execPath,
    OEC_HARNESS_DIR: dir,
    OEC_HARNESS_LABEL: project,
    OEC_HARNESS_DB_PASSWORD: randomBytes(16).toString('hex'),
    OEC_HARNESS_JWT_SECRET: randomBytes(32).toString('hex'),
  };
  const compose = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('docker-compose', ['--project-name', project, '--file', COMPOSE_FILE, ...args], {
      env: { ...process.env, ...vars },
      maxBuffer: 16 << 20,
    });
    return stdout;
  };
  const ipOf = async (service: string): Promise<string> =>
    waitFor(async () => containerIp(await inspectContainer(docker, `${project}_${service}_1`), `${project}_default`) ?? undefined, {
      timeoutMs: 60_000,
      what: `${service} container address`,
    });
  const logs = async (service: string): Promise<string> => compose('logs', '--no-color', '--tail', '40', service).catch((e: Error) => e.message);
  const close = async (): Promise<void> => {
    await compose('down', '--volumes', '--remove-orphans', '--timeout', '20').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (const name of ['a', 'b']) await mkdir(join(dir, `agent-${name}`), { recursive: true });
    await compose('up', '--detach', 'controller');
    const controllerIp = await ipOf('controller');
    const url = `http://${controllerIp}:8080`;
    await waitFor(async () => ((await fetch(`${url}/healthz`).catch(() => null))?.ok ? true : undefined), {
      timeoutMs: 120_000,
      what: 'the controller container answering /healthz',
    });
    const dbIp = await ipOf('controller-db');
    const cliEnv = {
      OEC_DATABASE_URL: `postgresql://postgres:${vars.OEC_HARNESS_DB_PASSWORD}@${dbIp}:5432/postgres`,
      OEC_JWT_SECRET: vars.OEC_HARNESS_JWT_SECRET ?? '',
    };
    const controllerMain = packageMain('@oec/controller');
    await runCli(controllerMain, ['bootstrap', '--email', 'owner@example.com'], cliEnv);
    const api = createApi(url, await runCli(controllerMain, ['token', '--user', 'owner@example.com'], cliEnv));
    const org = await api.ok<Organization>('POST', '/organizations', { name: 'Acme', quota: { cpu: 16, ram_gb: 32, disk_gb: 500, environments: 10 } });
    const projectRow = await api.ok<Project>('POST', '/projects', { organization_id: org.id, name: 'shop' });
    const register = async (name: 'a' | 'b'): Promise<ComposeAgent> => {
      const { agent_token, ...server } = await api.ok<CreateServerResponse>('POST', '/servers', { organization_id: org.id, name: `server-${name}` });
      vars[`OEC_AGENT_${name.toUpperCase()}_TOKEN`] = agent_token;
      return { name, server, dataDir: join(dir, `agent-${name}`), label: `${project}-${name}` };
    };
    const agents = { a: await register('a'), b: await register('b') };
    await compose('up', '--detach', 'agent-a', 'agent-b');
    for (const agent of Object.values(agents)) {
      await waitFor(
        async () => ((await api.ok<Server>('GET', `/servers/${agent.server.id}`)).status === 'RUNNING' ? true : undefined),
        { timeoutMs: 120_000, what: `server ${agent.name} RUNNING (agent container logs: ${await logs(`agent-${agent.name}`)})` },
      );
    }
    return {
      project,
      dir,
      api,
      org,
      projectRow,
      agents,
      controllerDbUrl: cliEnv.OEC_DATABASE_URL,
      waitEnvironment: (envId, status, timeoutMs = 180_000) => waitEnvironmentStatus(api, envId, status, timeoutMs),
      async leftovers() {
        const [a, b, ownContainers] = await Promise.all([
          dockerLeftovers(agents.a.label),
          dockerLeftovers(agents.b.label),
          docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } }),
        ]);
        const networks = await docker.listNetworks({ filters: { label: [`com.docker.compose.project=${project}`] } });
        return [...a, ...b, ...ownContainers.map((c) => `container ${c.Names[0] ?? c.Id}`), ...networks.map((n) => `network ${n.Name}`)];
      },
      logs,
      async close() {
        await close();
        await cleanupDocker(agents.a.label);
        await cleanupDocker(agents.b.label);
      },
    };
  } catch (e) {
    const detail = await logs('controller');
    await close();
    throw new Error(`compose harness did not come up: ${(e as Error).message}\ncontroller log:\n${detail}`);
  }
}
