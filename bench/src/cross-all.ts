// all.js's cross-server part, on two agent benches in one process (agent-link.ts): A holds the
// running source (the cached dataset), B is the target with a real peer endpoint.
//   cross_ours: the whole clone as the controller runs it across servers, preset recommended on
//               the COPY data path (the controller's default): validate on A, prepare on B, the
//               addons transfer, the database + filestore-0..3 transfer, sanitize and verify on B
//               (the proof must pass)
//   cross_hand: createdb on B; pg_dump -Fc -Z0 | tcp | pg_restore and tar -c | tcp | tar -x at
//               once (two terminals); then expert-update.ts on B
//   db_ours_none, db_raw_z0, fs_ours_4, fs_ours_1, fs_raw: the streams alone (cross-variants.ts)
// and, after the runs, a re-clone once 5 % of the source's files changed (new content under a
// new content-addressed name, the rows updated, the old file gone) with the previous clone on B
// as donor: the filestore bytes sent over the filestore bytes.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { clusterUrl } from '@oec/agent/postgres';
import type { ClonePlan, EnvironmentRef, EnvironmentSpec } from '@oec/shared';
import { envSpec, makePlan, rowCounts, withDb } from '@oec/test/clone';
import { runTask, transfer, type Link } from './agent-link.js';
import { never } from './bench-env.js';
import { tree } from './checks.js';
import { crossVariants, runOnce, SHARDS, type Measures, type Rerun, type SourceFacts, type Variant } from './cross-variants.js';
import { expertSanitize } from './expert-update.js';
import { overTcp, pgEnv, proc } from './raw-pipeline.js';
import { timed } from './timing.js';

export const CROSS_VARIANTS = ['cross_ours', 'cross_hand', 'db_ours_none', 'db_raw_z0', 'fs_ours_4', 'fs_ours_1', 'fs_raw'] as const;

export interface RecloneResult {
  changed_files: number;
  /** The changed files' new contents: what a re-clone cannot avoid sending. */
  changed_bytes: number;
  filestore_files: number;
  filestore_bytes: number;
  /** Filestore streams' bytes on the wire during the re-clone. */
  sent_bytes: number;
  files_sent: number;
  files_reused: number;
}

export interface CrossResult {
  samples: Record<string, number[]>;
  /** Rows the expert's UPDATE changed on B, per cross_hand run. */
  hand_updated_rows: number[];
  reclone: RecloneResult | { error: string };
  retries: Link['retries'];
  reruns: Rerun[];
}

const ref = (s: EnvironmentSpec): EnvironmentRef => ({ environment_id: s.environment_id, db_name: s.db_name });

/** The plan the controller makes for a cross-server clone with `recommended` (COPY data path). */
function fullPlan(source: EnvironmentSpec, target: EnvironmentSpec, donors: EnvironmentRef[]): ClonePlan {
  return { ...makePlan(source, target, { preset: 'recommended', dataPath: 'copy' }), servers: { source: 'bench-a', target: 'bench-b' }, donors };
}

/** One whole cross-server clone; returns the filestore streams' counters. */
async function crossClone(link: Link, plan: ClonePlan): Promise<{ sent_bytes: number; files_sent: number; files_reused: number }> {
  await runTask(link.a, 'clone.validate', plan);
  await runTask(link.b, 'clone.prepare', plan);
  await transfer(link, plan, ['addons'], 'none');
  const data = await transfer(link, plan, ['database', ...SHARDS], 'none');
  const inStream = data.send.streams.find((s) => s.in_stream)?.in_stream;
  const sanitized = await runTask(link.b, 'clone.sanitize', { ...plan, ...(inStream ? { in_stream: inStream } : {}) });
  if (!sanitized.proof.passed) throw new Error(`cross-server clone: the sanitizer's proof failed: ${sanitized.proof.checks.filter((c) => !c.passed).map((c) => c.check).join(', ')}`);
  await runTask(link.b, 'clone.verify', plan);
  const fs = data.receive.streams.filter((s) => s.stream.startsWith('filestore'));
  return { sent_bytes: fs.reduce((n, s) => n + s.wire_bytes, 0), files_sent: fs.reduce((n, s) => n + s.files, 0), files_reused: fs.reduce((n, s) => n + s.reused_files, 0) };
}

/** Change every 20th file of the source (sorted by name): new content, new name, rows updated, old file removed. */
async function changeFiles(link: Link, source: SourceFacts): Promise<{ files: number; bytes: number }> {
  const dir = source.loc.filestore_path;
  const names = [...source.files.keys()].filter((k) => /^[0-9a-f]{2}\/[0-9a-f]{40}$/.test(k)).sort();
  const picked = names.filter((_, i) => i % 20 === 0);
  let bytes = 0;
  await withDb(link.a.bench.cluster, source.spec.db_name, async (c) => {
    for (const [i, name] of picked.entries()) {
      const content = Buffer.concat([await readFile(join(dir, name)), Buffer.from(`\nchanged by the benchmark ${i}\n`)]);
      bytes += content.length;
      const sha = createHash('sha1').update(content).digest('hex');
      const fname = `${sha.slice(0, 2)}/${sha}`;
      await mkdir(dirname(join(dir, fname)), { recursive: true });
      await writeFile(join(dir, fname), content);
      await c.query('UPDATE ir_attachment SET store_fname = $1, checksum = $2, file_size = $3 WHERE store_fname = $4', [fname, sha, content.length, name]);
      await unlink(join(dir, name));
    }
  });
  return { files: picked.length, bytes };
}

export async function runCross(link: Link, source: SourceFacts, runs: number, log: (line: string) => void): Promise<CrossResult> {
  const adminB = new pg.Client({ connectionString: clusterUrl(link.b.bench.cluster) });
  await adminB.connect();
  try {
    const measures: Measures = { wire: {}, dumpBytes: 0, analyzeTimes: [] };
    const streams = crossVariants(link, adminB, source, measures);
    const handRows: number[] = [];
    let last: EnvironmentSpec | null = null;
    const variants: Record<string, Variant> = {
      ...streams,
      cross_ours: async () => {
        const target = envSpec(`cross-${Date.now().toString(36)}`);
        try {
          const t = await timed(async () => void (await crossClone(link, fullPlan(source.spec, target, []))));
          if (last) await link.b.bench.runtime.destroy(last, never);
          last = target;
          return t;
        } catch (e) {
          await link.b.bench.runtime.destroy(target, never).catch(() => undefined);
          throw e;
        }
      },
      cross_hand: async () => {
        const db = `hand_${Date.now().toString(36)}`;
        const files = join(link.b.bench.dir, 'hand-fs', db);
        const binA = link.a.bench.cluster.binDir;
        const binB = link.b.bench.cluster.binDir;
        try {
          return await timed(async () => {
            await proc(join(binB, 'createdb'), [db], pgEnv(link.b.bench), 'none').done;
            await mkdir(files, { recursive: true });
            await Promise.all([
              overTcp(
                () => proc(join(binA, 'pg_dump'), ['-Fc', '-Z0', `--dbname=${source.spec.db_name}`], pgEnv(link.a.bench), 'producer'),
                () => proc(join(binB, 'pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${db}`], pgEnv(link.b.bench), 'consumer'),
              ),
              overTcp(
                () => proc('tar', ['-c', '-C', source.loc.filestore_path, '.'], {}, 'producer'),
                () => proc('tar', ['-x', '-C', files], {}, 'consumer'),
              ),
            ]);
            handRows.push((await expertSanitize(link.b.bench.cluster, db)).rows);
          });
        } finally {
          await adminB.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)}`);
          await rm(files, { recursive: true, force: true });
        }
      },
    };
    const reruns: Rerun[] = [];
    const samples: Record<string, number[]> = Object.fromEntries(CROSS_VARIANTS.map((k) => [k, []]));
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? [...CROSS_VARIANTS] : [...CROSS_VARIANTS].reverse();
      for (const name of order) {
        const t = await runOnce(link, variants, name, name, reruns);
        samples[name]?.push(t);
        log(`  cross run ${i + 1}/${runs} ${name.padEnd(13)} ${t.toFixed(2)} s`);
      }
    }
    const reclone = await recloneAfterChange(link, source, last).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    return { samples, hand_updated_rows: handRows, reclone, retries: link.retries, reruns };
  } finally {
    await adminB.end().catch(() => undefined);
  }
}

/** 5 % of the files changed, then a clone to B with the last clone there as donor. */
async function recloneAfterChange(link: Link, source: SourceFacts, donor: EnvironmentSpec | null): Promise<RecloneResult> {
  if (!donor) throw new Error('no earlier clone on B to re-clone over');
  link.variant = 'reclone';
  const changed = await changeFiles(link, source);
  const files = await tree(source.loc.filestore_path);
  const target = envSpec('reclone');
  try {
    const out = await crossClone(link, fullPlan(source.spec, target, [ref(donor)]));
    const bytes = [...files.values()].reduce((n, s) => n + s, 0);
    return { changed_files: changed.files, changed_bytes: changed.bytes, filestore_files: files.size, filestore_bytes: bytes, ...out };
  } finally {
    await link.b.bench.runtime.destroy(target, never).catch(() => undefined);
    await link.b.bench.runtime.destroy(donor, never).catch(() => undefined);
  }
}

/** The source's facts on A, which the stream variants check their results against. */
export async function sourceFacts(link: Link, spec: EnvironmentSpec): Promise<SourceFacts> {
  const loc = link.a.bench.runtime.locate(spec);
  return { spec, loc, rows: await rowCounts(link.a.bench.cluster, spec.db_name), files: await tree(loc.filestore_path), addons: await tree(loc.addons_path) };
}
