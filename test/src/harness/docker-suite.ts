// A Docker suite's teardown: every environment of the platform's project deleted through the API
// (each takes its containers, volumes and network with it), waited for until none of the suite's
// objects is left, then whatever is left removed; answers what was left, for the suite to assert.
import type { Environment } from '@oec/shared';
import { cleanupDocker, dockerLeftovers } from './docker.js';
import type { Platform } from './platform.js';
import { waitFor } from './wait.js';

export async function deleteDockerEnvironments(platform: Platform | undefined, label: string): Promise<string[]> {
  let failure: Error | null = null;
  if (platform) {
    try {
      const list = await platform.api.ok<{ items: Environment[] }>('GET', `/projects/${platform.project.id}/environments`);
      for (const env of list.items) await platform.api.del(`/environments/${env.id}`);
      await waitFor(async () => ((await dockerLeftovers(label)).length === 0 ? true : undefined), {
        timeoutMs: 120_000,
        what: 'every container, volume and network of the suite removed',
      });
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
  }
  const left = await dockerLeftovers(label);
  await cleanupDocker(label);
  if (failure) throw failure;
  return left;
}
