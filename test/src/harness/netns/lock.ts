// The claim of a topology id K: an exclusive lock file /run/oec-netns/K holding the owner's pid
// and start time, so a lock whose owner died (or whose pid was reused) is recognised as stale.
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCK_DIR } from './names.js';

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22: starttime
  } catch {
    return null;
  }
}

export function pidAlive(pid: number): boolean {
  return processStart(pid) !== null;
}

export const lockPath = (k: number): string => join(LOCK_DIR, String(k));

export async function lockOwnerAlive(k: number): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath(k), 'utf8');
  } catch {
    return false;
  }
  const [pid, start] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return false;
  const actual = processStart(n);
  return actual !== null && actual === start;
}

/**
 * The claim that makes K ours: the lock file is written aside, then hard-linked into place, which
 * fails if it exists. Nobody ever sees it empty (an empty lock would look like a dead owner's).
 */
export async function tryLock(k: number): Promise<boolean> {
  await mkdir(LOCK_DIR, { recursive: true });
  const tmp = join(LOCK_DIR, `.tmp-${process.pid}-${k}`);
  await writeFile(tmp, `${process.pid} ${processStart(process.pid) ?? ''}\n`);
  try {
    await link(tmp, lockPath(k));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function releaseLock(k: number): Promise<void> {
  await rm(lockPath(k), { force: true });
}
