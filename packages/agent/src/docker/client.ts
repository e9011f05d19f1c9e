// The Docker Engine API client the agent uses: dockerode on the engine's unix socket (no docker
// CLI is ever spawned by the agent).
import Docker from 'dockerode';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export function createDockerClient(socketPath: string = DEFAULT_DOCKER_SOCKET): Docker {
  return new Docker({ socketPath });
}

/** The engine's version when it answers on the socket within `timeoutMs`, else null. */
export async function engineVersion(docker: Docker, timeoutMs = 3000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    return await Promise.race([docker.version().then((v) => v.Version), timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
