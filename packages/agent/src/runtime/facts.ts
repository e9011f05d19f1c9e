// Facts about the machine that do not depend on the runtime kind: tool versions, the agent's
// version, whether ws gets its native `bufferutil` addon and whether the data root clones files.
import { readFileSync } from 'node:fs';
import type { RuntimeKind, ServerFacts } from '@oec/shared';
import type { ClientTool } from '../commands/index.js';
import { collect, spawnProcess } from '../exec/run.js';
import { probeReflink } from '../postgres/cow/reflink.js';
import { btrfsToolAvailable } from './subvolume.js';
import type { DiskUsage } from './runtime.js';

/** The agent's version, from its package.json (dist/ and src/ both sit one level below it). */
export const AGENT_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return '0.0.0';
}

/** `pg_dump (PostgreSQL) 15.18 (Debian …)` → `15.18`; `tar (GNU tar) 1.34` → `1.34`. */
export function parseToolVersion(output: string): string | null {
  const first = output.split('\n')[0] ?? '';
  const match = /\)\s+(\d+(?:\.\d+)*)/.exec(first) ?? /\b(\d+(?:\.\d+)+)\b/.exec(first);
  return match?.[1] ?? null;
}

/** `--version` of each tool, null when it is missing or does not answer. */
export async function toolVersions(
  resolve: (tool: ClientTool) => string,
  env: NodeJS.ProcessEnv,
): Promise<Record<ClientTool, string | null>> {
  const tools: ClientTool[] = ['pg_dump', 'pg_restore', 'psql', 'tar'];
  const signal = AbortSignal.timeout(30_000);
  const versions = await Promise.all(
    tools.map(async (tool) => {
      try {
        const { stdout } = await collect(spawnProcess(tool, resolve(tool), ['--version'], { signal, env }));
        return parseToolVersion(stdout);
      } catch {
        return null;
      }
    }),
  );
  return { pg_dump: versions[0] ?? null, pg_restore: versions[1] ?? null, psql: versions[2] ?? null, tar: versions[3] ?? null };
}

/** Whether the optional native WebSocket masking addon loads on this machine. */
export async function bufferutilLoaded(): Promise<boolean> {
  const name = 'bufferutil';
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/** `--version` of one helper tool on this machine (e.g. zstd), null when missing. */
export async function toolVersion(tool: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const { stdout } = await collect(spawnProcess(tool, tool, ['--version'], { signal: AbortSignal.timeout(30_000), env }));
    return parseToolVersion(stdout);
  } catch {
    return null;
  }
}

/**
 * A runtime's facts: what it measured, and what every runtime reports alike (no TLS identity
 * here), with a real FICLONE test on the data root (postgres/cow: same-server copy-on-write clones).
 */
export async function serverFacts(m: {
  hostname: string;
  runtime: RuntimeKind;
  disk: DiskUsage;
  pgVersion: string | null;
  tools: ServerFacts['tools'];
  bufferutil: ServerFacts['bufferutil'];
  peerUrl: string | null;
  /** Where to probe copy-on-write clones (the data root); default: the directory `disk` measured. */
  cowRoot?: string;
  /** Why this runtime cannot clone a cluster copy-on-write whatever the filesystem; absent when it can. */
  cowUnsupported?: string;
  /** The runtime swaps clusters too (Runtime.swapClusters): a replace can be copy-on-write. */
  cowReplace?: boolean;
}): Promise<ServerFacts> {
  const root = m.cowRoot ?? m.disk.path;
  const reflink = root ? await probeReflink(root) : null;
  // on btrfs, filestores are subvolumes (runtime/subvolume.ts) when the tool is there to make them
  const probe =
    reflink?.available && reflink.filesystem === 'btrfs' && (await btrfsToolAvailable())
      ? { ...reflink, filestore_snapshots: true, reason: `${reflink.reason}; filestores are btrfs subvolumes, snapshotted whole` }
      : reflink;
  // Instant clones need both: a filesystem that clones files, and a runtime that clones clusters.
  const cow =
    probe && probe.available && m.cowUnsupported
      ? { ...probe, available: false, reason: `${probe.reason}, but ${m.cowUnsupported}` }
      : probe && probe.available && m.cowReplace
        ? { ...probe, replace: true }
        : probe;
  return {
    hostname: m.hostname,
    runtime: m.runtime,
    agent_version: AGENT_VERSION,
    disk_total_bytes: m.disk.total_bytes,
    disk_free_bytes: m.disk.free_bytes,
    pg_version: m.pgVersion,
    tools: m.tools,
    bufferutil: m.bufferutil,
    peer_url: m.peerUrl,
    tls_fingerprint: null,
    tls_certificate: null,
    cow,
  };
}
