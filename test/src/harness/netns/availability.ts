// Whether this process can make network namespaces: probed once with throwaway objects.
import { execFileSync } from 'node:child_process';
import { ipBinary } from './commands.js';
import { NETNS_PREFIX } from './names.js';

let unavailable: string | null | undefined;

/**
 * Why network namespaces cannot be used here (null when they can): needs Linux, root, `ip`, and
 * the kernel letting us create a namespace, a bridge and a veth into the namespace, and exec in it.
 * Probed once per process with throwaway `oec-probe-<pid>` objects.
 */
export function netnsUnavailableReason(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = probe();
  return unavailable;
}

/** Root + `ip` present + a namespace (with bridge and veth) can be created. */
export function netnsAvailable(): boolean {
  return netnsUnavailableReason() === null;
}

function probe(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const ipCmd = ipBinary();
  if (!ipCmd) return 'iproute2 `ip` not found';
  const ns = `${NETNS_PREFIX}-probe-${process.pid}`;
  const br = `${NETNS_PREFIX}p${process.pid}`;
  const veth = `${NETNS_PREFIX}q${process.pid}`;
  const sync = (args: string[]) => execFileSync(ipCmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  try {
    sync(['netns', 'add', ns]);
    sync(['link', 'add', br, 'type', 'bridge']);
    sync(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sync(['link', 'set', veth, 'master', br]);
    sync(['netns', 'exec', ns, ipCmd, '-o', 'link', 'show', 'eth0']);
    return null;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return `cannot create network namespaces: ${(err.stderr?.toString() || err.message).trim()}`;
  } finally {
    for (const args of [['link', 'del', veth], ['link', 'del', br], ['netns', 'del', ns]]) {
      try {
        sync(args);
      } catch {
        // not created
      }
    }
  }
}
