// One agent per data dir: two would fight over the owned cluster, the app processes and the
// controller link. `<data>/agent.pid` is created exclusively; a lock whose pid no longer runs a
// node process (agent killed with SIGKILL, machine rebooted) is stale and taken over.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another agent (pid ${pid}) already uses this data dir (${path}); stop it or choose another OEC_DATA_DIR`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

async function holder(path: string): Promise<number | null> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('node') ? pid : null;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, 'agent.pid');
  for (let tries = 0; ; tries++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) {
        const pid = await holder(path);
        throw pid !== null ? new DataDirLockedError(path, pid) : e;
      }
      const pid = await holder(path);
      if (pid !== null) throw new DataDirLockedError(path, pid);
      await rm(path, { force: true });
    }
  }
  return {
    async release() {
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (owner === process.pid) await rm(path, { force: true });
    },
  };
}
