import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTuning } from './clone/copy/tuning.js';
import { ConfigError, describeConfig, loadConfig, parseConfig } from './config.js';

const base = { OEC_CONTROLLER_URL: 'ws://127.0.0.1:8080/agent/ws', OEC_AGENT_TOKEN: 'secret-token', OEC_DATA_DIR: '/var/lib/oec' };

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('parseConfig', () => {
  it('takes several controller replicas, comma-separated, and refuses a bad one among them', () => {
    const c = parseConfig({ ...base, OEC_CONTROLLER_URL: 'ws://a:8080/agent/ws, wss://b.example.com/agent/ws' });
    expect(c.controllerUrls).toEqual(['ws://a:8080/agent/ws', 'wss://b.example.com/agent/ws']);
    expect(() => parseConfig({ ...base, OEC_CONTROLLER_URL: 'ws://a:8080/agent/ws,http://b/agent/ws' })).toThrow(ConfigError);
  });

  it('applies the defaults', () => {
    const c = parseConfig(base);
    expect(c).toEqual({
      controllerUrls: ['ws://127.0.0.1:8080/agent/ws'],
      token: 'secret-token',
      dataDir: '/var/lib/oec',
      runtime: 'local',
      docker: null,
      pg: { mode: 'owned', port: 0, binDir: null },
      localClusters: 'shared',
      stopPostgresOnExit: false,
      hostname: hostname(),
      logLevel: 'info',
      peerUrl: null,
      peer: { host: '127.0.0.1', port: 0, timeoutMs: 30_000 },
      memoryMb: 256,
      copy: copyTuning(),
      sanitizeBatch: { rows: 50_000, minTableRows: 200_000 },
      appHost: '127.0.0.1',
      reconnect: { minMs: 250, maxMs: 10_000 },
      taskLeaseMs: 30_000,
      childEnv: { PATH: '/usr/local/bin:/usr/bin:/bin' },
      testHooksFile: null,
    });
  });

  it('takes a cluster per environment for the local runtime, with the agent running the clusters', () => {
    expect(parseConfig({ ...base, OEC_LOCAL_CLUSTERS: 'per_environment' }).localClusters).toBe('per_environment');
    expect(problems({ ...base, OEC_LOCAL_CLUSTERS: 'each' })[0]).toMatch(/^OEC_LOCAL_CLUSTERS: /);
    expect(problems({ ...base, OEC_LOCAL_CLUSTERS: 'per_environment', OEC_PG_MODE: 'external', OEC_PG_URL: 'postgresql://db/postgres' })).toEqual([
      'OEC_LOCAL_CLUSTERS: per_environment needs OEC_PG_MODE=owned (the agent runs the clusters itself)',
    ]);
    expect(
      problems({ ...base, OEC_LOCAL_CLUSTERS: 'per_environment', OEC_RUNTIME: 'docker', OEC_DOCKER_POSTGRES_IMAGE: 'postgres:15', OEC_DOCKER_ODOO_IMAGE: 'odoo:{version}' }),
    ).toEqual(['OEC_LOCAL_CLUSTERS: applies to OEC_RUNTIME=local only (docker gives every environment its own PostgreSQL)']);
  });

  it('reads every variable', () => {
    const c = parseConfig({
      ...base,
      OEC_CONTROLLER_URL: 'wss://ctl.example.com/agent/ws',
      OEC_DATA_DIR: 'relative/dir',
      OEC_PG_MODE: 'external',
      OEC_PG_URL: 'postgresql://postgres:pw@db:5433/postgres',
      OEC_HOSTNAME: 'server-a',
      OEC_LOG_LEVEL: 'debug',
      OEC_PEER_URL: 'wss://server-a:8443',
      OEC_PEER_LISTEN: '[::]:8443',
      OEC_PEER_TIMEOUT_MS: '5000',
      OEC_APP_HOST: '0.0.0.0',
      OEC_PG_STOP_ON_EXIT: 'true',
      OEC_RECONNECT_MIN_MS: '10',
      OEC_RECONNECT_MAX_MS: '100',
      OEC_TASK_LEASE_MS: '5000',
      OEC_SANITIZE_BATCH_ROWS: '5000',
      OEC_SANITIZE_SPLIT_ROWS: '20000',
    });
    expect(c.taskLeaseMs).toBe(5000);
    expect(c.sanitizeBatch).toEqual({ rows: 5000, minTableRows: 20_000 });
    expect(c.dataDir).toBe(join(process.cwd(), 'relative/dir'));
    expect(c.pg).toEqual({ mode: 'external', url: 'postgresql://postgres:pw@db:5433/postgres', binDir: null });
    expect(c.stopPostgresOnExit).toBe(true);
    expect(c.reconnect).toEqual({ minMs: 10, maxMs: 100 });
    expect(c.hostname).toBe('server-a');
    expect(c.peerUrl).toBe('wss://server-a:8443');
    expect(c.peer).toEqual({ host: '::', port: 8443, timeoutMs: 5000 });
  });

  it('names every missing or malformed variable', () => {
    expect(problems({})).toEqual([
      expect.stringMatching(/^OEC_CONTROLLER_URL: /),
      expect.stringMatching(/^OEC_AGENT_TOKEN: /),
      expect.stringMatching(/^OEC_DATA_DIR: /),
    ]);
    expect(problems({ ...base, OEC_CONTROLLER_URL: 'http://x/agent/ws' })).toEqual([expect.stringContaining('ws://')]);
    expect(problems({ ...base, OEC_PG_PORT: 'abc' })[0]).toMatch(/^OEC_PG_PORT/);
    expect(problems({ ...base, OEC_PG_MODE: 'external' })).toEqual(['OEC_PG_URL: is required when OEC_PG_MODE=external']);
    expect(problems({ ...base, OEC_LOG_LEVEL: 'loud' })[0]).toMatch(/^OEC_LOG_LEVEL/);
    expect(problems({ ...base, OEC_PEER_LISTEN: '8443' })).toEqual(['OEC_PEER_LISTEN: must be host:port, e.g. 0.0.0.0:8443']);
    expect(problems({ ...base, OEC_PEER_URL: 'ws://server-a:8443' })[0]).toMatch(/^OEC_PEER_URL: must start with wss:/);
  });

  it('derives the memory budget from OEC_AGENT_MEMORY_MB and refuses a bad one readably', () => {
    const c = parseConfig({ ...base, OEC_AGENT_MEMORY_MB: '512', OEC_COPY_JOBS: '4' });
    expect(c.memoryMb).toBe(512);
    expect(c.copy).toEqual(copyTuning({ jobs: 4, memoryMb: 512 }));
    expect(c.copy.masking.memoEntries).toBeGreaterThan(parseConfig(base).copy.masking.memoEntries);
    expect(describeConfig(c)).toMatchObject({ memoryMb: 512, copyJobs: 4 });
    expect(problems({ ...base, OEC_AGENT_MEMORY_MB: 'lots' })).toEqual(['OEC_AGENT_MEMORY_MB: must be a number of MB, e.g. 256']);
    expect(problems({ ...base, OEC_AGENT_MEMORY_MB: '64' })).toEqual(['OEC_AGENT_MEMORY_MB: must be at least 128 (MB)']);
    expect(problems({ ...base, OEC_AGENT_MEMORY_MB: '256.5' })).toEqual(['OEC_AGENT_MEMORY_MB: must be a whole number of MB']);
  });

  it('reads the docker runtime, whose images must be named', () => {
    expect(problems({ ...base, OEC_RUNTIME: 'docker' })).toEqual([
      'OEC_DOCKER_POSTGRES_IMAGE: is required when OEC_RUNTIME=docker',
      'OEC_DOCKER_ODOO_IMAGE: is required when OEC_RUNTIME=docker',
    ]);
    const images = { OEC_DOCKER_POSTGRES_IMAGE: 'postgres:15', OEC_DOCKER_ODOO_IMAGE: 'odoo:{version}' };
    expect(problems({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_ODOO_IMAGE: 'odoo:17 --privileged' })[0]).toMatch(/^OEC_DOCKER_ODOO_IMAGE: must be an image reference/);
    expect(problems({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_ODOO_USER: 'odoo' })[0]).toMatch(/^OEC_DOCKER_ODOO_USER: must be uid:gid/);
    const c = parseConfig({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_HOSTNAME: 'server a' });
    expect(c.runtime).toBe('docker');
    expect(c.docker).toEqual({
      socket: '/var/run/docker.sock',
      images: { postgres: 'postgres:15', odoo: 'odoo:{version}' },
      serverLabel: 'server-a',
      odooUser: { uid: 101, gid: 101 },
      odoo: { dataDir: '/var/lib/odoo', addonsDir: '/mnt/extra-addons', port: 8069, healthPath: '/web/database/selector', versionCommand: ['odoo-bin', '--version'] },
      dataOnRoot: false,
    });
    expect(parseConfig({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_DATA_ON_ROOT: 'true' }).docker?.dataOnRoot).toBe(true);
    expect(problems({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_DATA_ON_ROOT: 'maybe' })[0]).toMatch(/^OEC_DOCKER_DATA_ON_ROOT: must be true or false/);
    const contract = parseConfig({
      ...base,
      OEC_RUNTIME: 'docker',
      ...images,
      OEC_DOCKER_ODOO_DATA_DIR: '/opt/odoo/data',
      OEC_DOCKER_ODOO_ADDONS_DIR: '/opt/odoo/custom',
      OEC_DOCKER_ODOO_PORT: '8080',
      OEC_DOCKER_ODOO_HEALTH_PATH: '/web/health',
      OEC_DOCKER_ODOO_VERSION_COMMAND: '/opt/odoo/odoo-bin --version',
    });
    expect(contract.docker?.odoo).toEqual({ dataDir: '/opt/odoo/data', addonsDir: '/opt/odoo/custom', port: 8080, healthPath: '/web/health', versionCommand: ['/opt/odoo/odoo-bin', '--version'] });
    expect(problems({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_ODOO_VERSION_COMMAND: 'odoo-bin --version; rm -rf /' })[0]).toMatch(/^OEC_DOCKER_ODOO_VERSION_COMMAND: /);
    expect(problems({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_ODOO_DATA_DIR: 'odoo' })[0]).toMatch(/^OEC_DOCKER_ODOO_DATA_DIR: must be an absolute path/);
    const custom = parseConfig({ ...base, OEC_RUNTIME: 'docker', ...images, OEC_DOCKER_SOCKET: '/run/user/docker.sock', OEC_DOCKER_SERVER_LABEL: 'fra-1', OEC_DOCKER_ODOO_USER: '1000:1000' });
    expect(custom.docker).toMatchObject({ socket: '/run/user/docker.sock', serverLabel: 'fra-1', odooUser: { uid: 1000, gid: 1000 } });
    expect(describeConfig(custom)).toMatchObject({ runtime: 'docker', docker: { serverLabel: 'fra-1' } });
    // Docker settings mean nothing to the local runtime.
    expect(parseConfig({ ...base, ...images }).docker).toBeNull();
  });

  it('passes only an allow-list of variables on to child processes', () => {
    const c = parseConfig({ ...base, PATH: '/opt/bin:/usr/bin', HOME: '/root', AWS_SECRET: 'x' });
    expect(c.childEnv).toEqual({ PATH: '/opt/bin:/usr/bin', HOME: '/root' });
  });

  it('treats blank values as unset', () => {
    expect(parseConfig({ ...base, OEC_PEER_URL: '', OEC_PG_PORT: ' ' }).peerUrl).toBeNull();
  });

  it('never includes the token in the loggable description', () => {
    expect(JSON.stringify(describeConfig(parseConfig(base)))).not.toContain('secret-token');
    const ext = parseConfig({ ...base, OEC_PG_MODE: 'external', OEC_PG_URL: 'postgresql://u:hunter2@db/postgres' });
    expect(JSON.stringify(describeConfig(ext))).not.toContain('hunter2');
  });
});

describe('loadConfig', () => {
  it('reads the JSON file and lets the environment override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oec-config-'));
    try {
      const file = join(dir, 'agent.json');
      writeFileSync(file, JSON.stringify({ ...base, OEC_PG_PORT: 5499, OEC_LOG_LEVEL: 'warn' }));
      const c = loadConfig({ OEC_AGENT_CONFIG: file, OEC_LOG_LEVEL: 'debug' });
      expect(c.pg).toEqual({ mode: 'owned', port: 5499, binDir: null });
      expect(c.logLevel).toBe('debug');
      expect(c.token).toBe('secret-token');
      writeFileSync(file, '[1,2]');
      expect(() => loadConfig({ OEC_AGENT_CONFIG: file })).toThrow(ConfigError);
      expect(() => loadConfig({ OEC_AGENT_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
