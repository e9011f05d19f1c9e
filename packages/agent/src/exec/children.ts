// The agent's child processes on disk: each spawned tool (pg_dump, pg_restore, tar, zstd, psql…)
// runs as the leader of its own process group, dies with the agent (PR_SET_PDEATHSIG through
// util-linux `setpriv`, where it exists), and is recorded as `<dir>/<pid>.json` until it exits.
// A restarted agent reads what its predecessor left: a recorded group still alive (same pid and
// same start time, so a recycled pid is never hit) is killed and waited for, never left to write
// into a target nobody owns. Environments' app processes are not children: they outlive the agent
// by design and are adopted through their state file (runtime/app-process.ts).
// Processes run by `docker exec` live in a container, not under the agent: they are recorded as
// `<dir>/exec-<mark>.json` (container, exec marker, user) and a restarted agent has the Docker
// runtime kill whatever still carries a recorded marker (docker/exec-command.ts killArgv).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const recordSchema = z.object({ pid: z.number().int().positive(), start: z.string().min(1), name: z.string() });
export type ChildRecord = z.infer<typeof recordSchema>;

const execRecordSchema = z.object({ container: z.string().min(1), mark: z.string().regex(/^[0-9a-f]{24}$/), user: z.string().nullable(), name: z.string() });
/** A process started with `docker exec` in one of the agent's containers. */
export type ExecRecord = z.infer<typeof execRecordSchema>;

export interface ChildTracker {
  /** argv prefix that makes the child die with the agent ([] when setpriv is missing). */
  readonly prefix: readonly string[];
  spawned(pid: number, name: string): void;
  exited(pid: number): void;
  execStarted(record: ExecRecord): void;
  execEnded(mark: string): void;
}

let tracker: ChildTracker | null = null;

/** The tracker spawnProcess reports to (the agent sets one at start; tests and tools run without). */
export function currentChildTracker(): ChildTracker | null {
  return tracker;
}

export function setChildTracker(next: ChildTracker | null): void {
  tracker = next;
}

/** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot (null when gone). */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    // A zombie has exited already: nothing is left to stop.
    return start && fields[0] !== 'Z' ? start : null;
  } catch {
    return null;
  }
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Record children under `dir` (created 0700). */
export function fileChildTracker(dir: string): ChildTracker {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    prefix: SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--'] : [],
    spawned(pid, name) {
      const start = processStart(pid);
      if (start === null) return;
      const record: ChildRecord = { pid, start, name };
      writeFileSync(join(dir, `${pid}.json`), JSON.stringify(record), { mode: 0o600 });
    },
    exited(pid) {
      rmSync(join(dir, `${pid}.json`), { force: true });
    },
    execStarted(record) {
      writeFileSync(join(dir, `exec-${record.mark}.json`), JSON.stringify(record), { mode: 0o600 });
    },
    execEnded(mark) {
      rmSync(join(dir, `exec-${mark}.json`), { force: true });
    },
  };
}

/** The `docker exec` processes a previous agent process recorded under `dir` (records removed). */
export function takeLeftoverExecs(dir: string): ExecRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^exec-[0-9a-f]+\.json$/.test(n));
  } catch {
    return [];
  }
  const records: ExecRecord[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const parsed = execRecordSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) records.push(parsed.data);
    } catch {
      // unreadable: nothing to stop
    }
    rmSync(path, { force: true });
  }
  return records;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // gone, or not a group leader
    }
  }
}

/**
 * Stop what a previous agent process left under `dir`: every recorded child still alive gets
 * SIGKILL (its whole process group) and is waited for, up to `timeoutMs`. Returns what was found
 * alive. Records are removed either way.
 */
export async function reapLeftovers(dir: string, timeoutMs = 10_000): Promise<ChildRecord[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const alive: ChildRecord[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let record: ChildRecord | null = null;
    try {
      const parsed = recordSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      record = parsed.success ? parsed.data : null;
    } catch {
      record = null;
    }
    if (record && processStart(record.pid) === record.start) {
      signalGroup(record.pid, 'SIGKILL');
      alive.push(record);
    }
    rmSync(path, { force: true });
  }
  const deadline = Date.now() + timeoutMs;
  while (alive.some((r) => processStart(r.pid) === r.start) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return alive;
}
