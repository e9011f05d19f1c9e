// The demo on the Docker runtime (`scripts/demo.sh --runtime docker --exit`, after the build):
// both clones complete, and when it exits no container, volume or network of its agents remains.
// Skipped, with the reason, without an engine or the test images.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDockerClient, LABEL } from '@oec/agent/docker';
import { dockerUnavailable } from '../src/harness/index.js';

const skipReason = await dockerUnavailable();
if (skipReason) console.warn(`docker demo smoke test skipped: ${skipReason}`);
const DEMO = fileURLToPath(new URL('../dist/scripts/demo.js', import.meta.url));
const docker = createDockerClient();

/** Objects whose oec.server label is one of the demo's (`oec-e2e-demo-…`). */
async function demoObjects(): Promise<string[]> {
  const filters = { label: [LABEL.server] };
  const isDemo = (labels: Record<string, string> | undefined) => (labels?.[LABEL.server] ?? '').startsWith('oec-e2e-demo-');
  const [containers, volumes, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters }), docker.listNetworks({ filters })]);
  return [
    ...containers.filter((c) => isDemo(c.Labels)).map((c) => `container ${c.Names[0] ?? c.Id}`),
    ...(volumes.Volumes ?? []).filter((v) => isDemo(v.Labels ?? undefined)).map((v) => `volume ${v.Name}`),
    ...networks.filter((n) => isDemo(n.Labels)).map((n) => `network ${n.Name}`),
  ];
}

describe.skipIf(skipReason !== null)('the demo on the docker runtime', () => {
  it('runs both clones and leaves nothing behind', async () => {
    expect(await demoObjects()).toEqual([]);
    const child = spawn(process.execPath, [DEMO, '--runtime', 'docker', '--exit'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out.slice(-3000)).toBe(0);
    expect(out.match(/^Clone completed in \d+ s: \S+ is RUNNING/gm)).toHaveLength(2);
    expect(out).toContain('docker ps --filter label=oec.server=oec-e2e-demo-a-');
    expect(await demoObjects()).toEqual([]);
  });
});
