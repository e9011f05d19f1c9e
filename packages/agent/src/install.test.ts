// packages/agent/install.sh into a scratch root (--root implies --no-start).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const SCRIPT = fileURLToPath(new URL('../install.sh', import.meta.url));
const run = promisify(execFile);
let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('install.sh', () => {
  it('writes a 0600 config that the agent parses and a unit that spares the agent children', async () => {
    root = await mkdtemp(join(tmpdir(), 'oec-install-'));
    const tokenFile = join(root, 'token');
    const token = `t"o'k$(id)\\en`;
    await writeFile(tokenFile, `${token}\n`);
    const { stdout } = await run('bash', [SCRIPT, '--root', root, '--controller-url', 'wss://ctl.example.com/agent/ws', '--token-file', tokenFile], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    expect(stdout).not.toContain(token);
    const confPath = join(root, 'etc/oec-agent/agent.json');
    expect((await stat(confPath)).mode & 0o777).toBe(0o600);
    const config = loadConfig({ OEC_AGENT_CONFIG: confPath });
    expect(config).toMatchObject({ controllerUrls: ['wss://ctl.example.com/agent/ws'], token, dataDir: '/var/lib/oec-agent', pg: { mode: 'owned' } });
    const unit = await readFile(join(root, 'etc/systemd/system/oec-agent.service'), 'utf8');
    expect(unit).toContain('KillMode=process');
    expect(unit).toContain('Environment=OEC_AGENT_CONFIG=/etc/oec-agent/agent.json');
    expect(unit).toMatch(/ExecStart=\S+node \S+\/dist\/main\.js/);
  });

  it('configures the peer endpoint for cross-server clones', async () => {
    root = await mkdtemp(join(tmpdir(), 'oec-install-'));
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, 'secret-token\n');
    await run('bash', [SCRIPT, '--root', root, '--controller-url', 'wss://ctl/agent/ws', '--token-file', tokenFile, '--peer-listen', '0.0.0.0:8443', '--peer-url', 'wss://server-a.example.com:8443'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const config = loadConfig({ OEC_AGENT_CONFIG: join(root, 'etc/oec-agent/agent.json') });
    expect(config).toMatchObject({ peerUrl: 'wss://server-a.example.com:8443', peer: { host: '0.0.0.0', port: 8443 } });
  });

  it('gives each environment its own cluster (instant clones on a reflink data root) when asked', async () => {
    root = await mkdtemp(join(tmpdir(), 'oec-install-'));
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, 'secret-token\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const base = [SCRIPT, '--root', root, '--controller-url', 'wss://ctl/agent/ws', '--token-file', tokenFile];
    await expect(run('bash', [...base, '--local-clusters', 'each'], { env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--local-clusters must be shared or per_environment') as string,
    });
    await run('bash', [...base, '--local-clusters', 'per_environment'], { env });
    const config = loadConfig({ OEC_AGENT_CONFIG: join(root, 'etc/oec-agent/agent.json') });
    expect(config).toMatchObject({ runtime: 'local', localClusters: 'per_environment' });
  });

  it('installs the docker runtime with its images, after docker.service', async () => {
    root = await mkdtemp(join(tmpdir(), 'oec-install-'));
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, 'secret-token\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const base = [SCRIPT, '--root', root, '--controller-url', 'wss://ctl/agent/ws', '--token-file', tokenFile];
    await expect(run('bash', [...base, '--runtime', 'docker'], { env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--postgres-image and --odoo-image') as string,
    });
    await expect(run('bash', [...base, '--odoo-image', 'odoo:{version}'], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining('need --runtime docker') as string,
    });
    const { stdout } = await run(
      'bash',
      [...base, '--runtime', 'docker', '--postgres-image', 'postgres:15', '--odoo-image', 'odoo:{version}', '--server-label', 'fra-1', '--docker-data-on-root'],
      { env },
    );
    expect(stdout).toContain('runtime docker');
    const config = loadConfig({ OEC_AGENT_CONFIG: join(root, 'etc/oec-agent/agent.json') });
    expect(config).toMatchObject({
      runtime: 'docker',
      token: 'secret-token',
      docker: { socket: '/var/run/docker.sock', images: { postgres: 'postgres:15', odoo: 'odoo:{version}' }, serverLabel: 'fra-1', dataOnRoot: true },
    });
    const unit = await readFile(join(root, 'etc/systemd/system/oec-agent.service'), 'utf8');
    expect(unit).toContain('After=network-online.target docker.service');
    expect(unit).toContain('Wants=network-online.target docker.service');
  });

  it('refuses a missing token and a bad controller URL', async () => {
    root = await mkdtemp(join(tmpdir(), 'oec-install-'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    await expect(run('bash', [SCRIPT, '--root', root, '--controller-url', 'ws://x/agent/ws'], { env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no token') as string,
    });
    await expect(run('bash', [SCRIPT, '--root', root, '--controller-url', 'http://x'], { env })).rejects.toMatchObject({ code: 2 });
  });
});
