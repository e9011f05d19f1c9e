// The variants of the cross-server benchmark (bench/README.md has the table): each returns its
// time, checks its result against the source and removes what it made.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { EnvironmentLocation, EnvironmentSpec, TransferOutput } from '@oec/shared';
import { envSpec, makePlan, withDb } from '@oec/test/clone';
import { crossPlan, runTask, transfer, type Link, type Server } from './agent-link.js';
import { never } from './bench-env.js';
import { sameRows, sameTree, tree } from './checks.js';
import { overTcp, pgEnv, proc } from './raw-pipeline.js';
import { timed } from './timing.js';

/** The controller's filestore streams with parallel_transfer on. */
export const SHARDS = ['filestore-0', 'filestore-1', 'filestore-2', 'filestore-3'];

/** The source on A and what every result is checked against. */
export interface SourceFacts {
  spec: EnvironmentSpec;
  loc: EnvironmentLocation;
  /** Row count of every table. */
  rows: Record<string, number>;
  /** Every file of the filestore and of the addons (relative path → size). */
  files: Map<string, number>;
  addons: Map<string, number>;
}

/** What the variants measure besides their time. */
export interface Measures {
  /** Bytes on the wire per variant. */
  wire: Record<string, number>;
  /** The uncompressed custom dump (what ours sends with codec none). */
  dumpBytes: number;
  /** ANALYZE of raw's restored database: part of ours, not of raw. */
  analyzeTimes: number[];
}

export type Variant = () => Promise<number>;

/** A variant made again once after a "Premature close" (the sample is the second run). */
export interface Rerun {
  variant: string;
  error: string;
}

export function crossVariants(link: Link, adminB: pg.Client, source: SourceFacts, m: Measures): Record<string, Variant> {
  const { a, b } = link;
  const checkEnv = async (what: string, server: Server, target: EnvironmentSpec, parts: { db?: boolean; files?: boolean; addons?: boolean }) => {
    const at = server.bench.runtime.locate(target);
    if (parts.db) await sameRows(what, source.rows, server.bench, target.db_name);
    if (parts.files) sameTree(`${what} filestore`, source.files, await tree(at.filestore_path));
    if (parts.addons) sameTree(`${what} addons`, source.addons, await tree(at.addons_path));
  };

  /** `fn` on a fresh target environment on `server`, destroyed afterwards. */
  const onTarget = async (server: Server, name: string, fn: (target: EnvironmentSpec) => Promise<number>): Promise<number> => {
    const target = envSpec(name);
    try {
      return await fn(target);
    } finally {
      await server.bench.runtime.destroy(target, never);
    }
  };

  return {
    clone_same: () =>
      onTarget(a, 'same', async (target) => {
        const plan = makePlan(source.spec, target, { dataPath: 'copy', preset: 'none' });
        const t = await timed(async () => {
          await runTask(a, 'clone.prepare', plan);
          await runTask(a, 'clone.addons', plan);
          await runTask(a, 'clone.data', plan);
        });
        await checkEnv('same-server clone', a, target, { db: true, files: true, addons: true });
        return t;
      }),
    clone_cross: () =>
      onTarget(b, 'cross', async (target) => {
        const plan = crossPlan(source.spec, target, 'none');
        const t = await timed(async () => {
          await runTask(b, 'clone.prepare', plan);
          await transfer(link, plan, ['addons'], 'none');
          await transfer(link, plan, ['database', ...SHARDS], 'none');
        });
        await checkEnv('cross-server clone', b, target, { db: true, files: true, addons: true });
        return t;
      }),
    ...Object.fromEntries(
      (['none', 'zstd'] as const).map((codec) => [
        `db_ours_${codec}`,
        () =>
          onTarget(b, `db-${codec}`, async (target) => {
            const plan = crossPlan(source.spec, target, codec);
            await runTask(b, 'clone.prepare', plan);
            let out: TransferOutput | null = null;
            const t = await timed(async () => {
              out = (await transfer(link, plan, ['database'], codec)).receive;
            });
            const s = (out as TransferOutput | null)?.streams[0];
            if (s) {
              m.wire[`db_ours_${codec}`] = s.wire_bytes;
              if (codec === 'none') m.dumpBytes = s.raw_bytes;
            }
            await checkEnv(`database stream (${codec})`, b, target, { db: true });
            return t;
          }),
      ]),
    ),
    ...Object.fromEntries(
      ([['db_raw', []], ['db_raw_z0', ['-Z0']]] as const).map(([name, extra]) => [
        name,
        async () => {
          const db = `raw_${randomBytes(6).toString('hex')}`;
          const envA = pgEnv(a.bench);
          const envB = pgEnv(b.bench);
          try {
            const t = await timed(async () => {
              await proc(join(b.bench.cluster.binDir, 'createdb'), [db], envB, 'none').done;
              m.wire[name] = await overTcp(
                () => proc(join(a.bench.cluster.binDir, 'pg_dump'), ['-Fc', ...extra, `--dbname=${source.spec.db_name}`], envA, 'producer'),
                () => proc(join(b.bench.cluster.binDir, 'pg_restore'), ['--no-owner', `--dbname=${db}`], envB, 'consumer'),
              );
            });
            await sameRows(`raw database pipeline (${name})`, source.rows, b.bench, db);
            // Ours ends its restore with ANALYZE, which raw does not: timed apart, for the reader.
            if (name === 'db_raw') {
              m.analyzeTimes.push(await timed(() => withDb(b.bench.cluster, db, async (c) => void (await c.query('ANALYZE')))));
            }
            return t;
          } finally {
            await adminB.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)}`);
          }
        },
      ]),
    ),
    ...Object.fromEntries(
      ([1, 4] as const).map((n) => [
        `fs_ours_${n}`,
        () =>
          onTarget(b, `fs-${n}`, async (target) => {
            const plan = crossPlan(source.spec, target, 'none');
            await runTask(b, 'clone.prepare', plan);
            const t = await timed(async () => {
              const out = await transfer(link, plan, SHARDS.slice(0, n), 'none');
              m.wire[`fs_ours_${n}`] = out.receive.streams.reduce((s, x) => s + x.wire_bytes, 0);
            });
            await checkEnv(`filestore streams (${n})`, b, target, { files: true });
            return t;
          }),
      ]),
    ),
    fs_raw: async () => {
      const dst = join(b.bench.dir, 'raw-fs', randomBytes(6).toString('hex'));
      try {
        await mkdir(dst, { recursive: true });
        const t = await timed(async () => {
          m.wire.fs_raw = await overTcp(
            () => proc('tar', ['-c', '-C', source.loc.filestore_path, '.'], {}, 'producer'),
            () => proc('tar', ['-x', '-C', dst], {}, 'consumer'),
          );
        });
        sameTree('raw tar pipeline', source.files, await tree(dst));
        return t;
      } finally {
        await rm(dst, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Run one variant. A pipe into `tar -x` can fail "Premature close" although both processes exited
 * 0 (tar stops at its end-of-archive marker; see bench/README.md): nothing is wrong with the data,
 * the run is made again once and reported. Anything else fails the benchmark.
 */
export async function runOnce(link: Link, variants: Record<string, Variant>, name: string, label: string, reruns: Rerun[]): Promise<number> {
  const fn = variants[name];
  if (!fn) throw new Error(`no variant ${name}`);
  for (let attempt = 1; ; attempt++) {
    link.variant = label;
    try {
      return await fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (attempt === 1 && /Premature close/.test(message)) {
        reruns.push({ variant: label, error: message });
        process.stdout.write(`  (${label} failed: ${message}; made again once)\n`);
        continue;
      }
      process.stderr.write(`${label} failed; last task log lines:\n${link.a.logs.slice(-20).join('\n')}\n`);
      throw e;
    }
  }
}
