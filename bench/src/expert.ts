// The same-server pipelines an expert types by hand, on the cluster that holds the source, each
// ending with the files hard-linked (`cp -al`) and, for a running source, expert-update.ts:
//   dump:     createdb -O <role> t; pg_dump -Fc -Z0 src | pg_restore -d t; cp -al; UPDATE
//   pgcopydb: createdb -O <role> t; pgcopydb clone --table-jobs N --index-jobs N; cp -al; UPDATE
//   template: createdb -O <role> -T src t; cp -al   (a stopped source: nothing connected to it)
// Each returns its seconds and the rows its UPDATE changed; `drop` removes what it made. On btrfs,
// where the filestore is a subvolume, the files are snapshotted instead of hard-linked.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterInfo } from '@oec/agent/postgres';
import { pgEnvOf } from './dataset-cache.js';
import { expertSanitize } from './expert-update.js';
import { proc } from './raw-pipeline.js';
import { timed } from './timing.js';

export interface ExpertSource {
  cluster: ClusterInfo;
  db: string;
  /** The source's role: the expert's copy is owned by it too. */
  role: string;
  filestore: string;
  /** A folder on the filestore's file system (hard links), for the copies' filestores. */
  workDir: string;
  /**
   * `snapshot`: the filestore is a btrfs subvolume, which no hard link leaves (EXDEV): the expert
   * takes it with `btrfs subvolume snapshot` (one ioctl) instead of `cp -al`. Default `link`.
   */
  files?: 'link' | 'snapshot';
}

export interface ExpertRun {
  seconds: number;
  /** Rows the UPDATEs changed (0 without one). */
  updated_rows: number;
  /** The statements of the UPDATE (none without one). */
  sql: string[];
}

const run = (file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> => proc(file, args, env, 'none').done;

/** A postgres:// URI (pgcopydb takes URIs), over the unix socket when the cluster has one. */
function url(cluster: ClusterInfo, db: string): string {
  const host = cluster.socketDir ? encodeURIComponent(cluster.socketDir) : '127.0.0.1';
  return `postgres://${encodeURIComponent(cluster.superuser)}@${host}:${cluster.port}/${encodeURIComponent(db)}`;
}

export function expertPipelines(src: ExpertSource) {
  const bin = (tool: string) => join(src.cluster.binDir, tool);
  const env = pgEnvOf(src.cluster);
  const filesOf = (name: string) => join(src.workDir, name);
  const linkFiles = async (name: string) => {
    await mkdir(src.workDir, { recursive: true });
    if (src.files === 'snapshot') await run('btrfs', ['subvolume', 'snapshot', src.filestore, filesOf(name)]);
    else await run('cp', ['-al', '--', src.filestore, filesOf(name)]);
  };
  const update = (name: string) => expertSanitize(src.cluster, name);

  return {
    async dump(name: string): Promise<ExpertRun> {
      let done = { rows: 0, statements: [] as string[] };
      const seconds = await timed(async () => {
        await run(bin('createdb'), ['-O', src.role, '--', name], env);
        const dump = proc(bin('pg_dump'), ['-Fc', '-Z0', `--dbname=${src.db}`], env, 'producer');
        const restore = proc(bin('pg_restore'), ['--exit-on-error', `--dbname=${name}`], env, 'consumer');
        dump.child.stdout!.pipe(restore.child.stdin!);
        await Promise.all([dump.done, restore.done]);
        await linkFiles(name);
        done = await update(name);
      });
      return { seconds, updated_rows: done.rows, sql: done.statements };
    },
    async pgcopydb(name: string, jobs: number): Promise<ExpertRun> {
      await mkdir(src.workDir, { recursive: true });
      const work = await mkdtemp(join(src.workDir, '..', 'pgcopydb-'));
      let done = { rows: 0, statements: [] as string[] };
      try {
        // pgcopydb finds pg_dump and pg_restore on PATH: the cluster's own version first.
        const path = `${src.cluster.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
        const seconds = await timed(async () => {
          await run(bin('createdb'), ['-O', src.role, '--', name], env);
          await run(
            'pgcopydb',
            ['clone', '--source', url(src.cluster, src.db), '--target', url(src.cluster, name), '--table-jobs', String(jobs), '--index-jobs', String(jobs), '--dir', work],
            { ...env, PATH: path },
          );
          await linkFiles(name);
          done = await update(name);
        });
        return { seconds, updated_rows: done.rows, sql: done.statements };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    async template(name: string): Promise<ExpertRun> {
      const seconds = await timed(async () => {
        await run(bin('createdb'), ['-O', src.role, '-T', src.db, '--', name], env);
        await linkFiles(name);
      });
      return { seconds, updated_rows: 0, sql: [] };
    },
    async drop(name: string): Promise<void> {
      await run(bin('dropdb'), ['--if-exists', '--', name], env).catch(() => undefined);
      await rm(filesOf(name), { recursive: true, force: true });
    },
  };
}

/** Why pgcopydb cannot run here, or null when it can. */
export async function pgcopydbUnavailable(): Promise<string | null> {
  return run('pgcopydb', ['--version']).then(
    () => null,
    (e: unknown) => `pgcopydb not runnable (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); run scripts/bench-setup.sh`,
  );
}
