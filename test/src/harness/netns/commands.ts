// iproute2 and the other commands the topology runs, each an argv array (never a shell line).
import { findBinary, runFile } from '../exec-file.js';

let ipPath: string | null | undefined;
/** Absolute path of iproute2's `ip` (null when missing). */
export function ipBinary(): string | null {
  if (ipPath === undefined) ipPath = findBinary('ip');
  return ipPath;
}

export function requireIp(): string {
  const ip = ipBinary();
  if (!ip) throw new Error('iproute2 `ip` not found');
  return ip;
}

export function run(cmd: string, args: string[]): Promise<string> {
  return runFile(cmd, args, 30_000);
}

export const ip = (args: string[]): Promise<string> => run(requireIp(), args);

/** Run and ignore "already gone" style failures (delete paths must be idempotent). */
export async function tolerant(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args).catch(() => undefined);
}
