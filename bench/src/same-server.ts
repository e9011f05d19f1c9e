// Same-server clone speed: our agent's data step against the pipeline an expert types by hand,
// run alternately in one process on the same generated Odoo database and filestore.
//   running source:  ours = clone.prepare + clone.data
//                           (pg_dump -Z0 | pg_restore, links, in parallel)
//                    expert = createdb; pg_dump -Fc | pg_restore; cp -a filestore
//   stopped source:  ours = clone.prepare + clone.data (CREATE DATABASE … TEMPLATE, links)
//                    expert = createdb -T source; cp -a filestore
// Reports medians and expert/ours ratios (> 1 means we are faster). Each of our clones is then
// completed as the controller runs it (validate, addons, sanitize with `recommended`, verify; the
// source holds the generator's personal data) to report sanitizing's share of the whole clone
// (sanitize-share.ts). Usage:
//   node bench/dist/same-server.js [--size tiny|small|large] [--runs 3]   (or BENCH_SIZE=large)
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { clusterUrl } from '@oec/agent/postgres';
import { envSpec, makePlan, startAgentBench, type AgentBench } from '@oec/test/clone';
import { generateSource, never, parseSize, stopBench, writeResults } from './bench-env.js';
import { proc } from './raw-pipeline.js';
import { sanitizeShare, shareLines, timedClone, type CloneSample } from './sanitize-share.js';
import { medians, timed } from './timing.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, runs: { type: 'string', default: '3' } } });
const size = parseSize(values.size);
const runs = Math.max(1, Number(values.runs));

const run = (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> => proc(file, args, env, 'none').done;

function dumpRestore(bench: AgentBench, src: string, dst: string): Promise<void> {
  const env = { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(bench.cluster.port), PGUSER: 'postgres' };
  const bin = bench.cluster.binDir;
  return new Promise((resolve, reject) => {
    const dump = spawn(join(bin, 'pg_dump'), ['-Fc', `--dbname=${src}`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const restore = spawn(join(bin, 'pg_restore'), ['--no-owner', `--dbname=${dst}`], { env, stdio: ['pipe', 'ignore', 'inherit'] });
    dump.stdout.pipe(restore.stdin);
    let left = 2;
    const done = (code: number | null) => (code === 0 ? --left === 0 && resolve() : reject(new Error(`exit ${code}`)));
    dump.on('close', done);
    restore.on('close', done);
  });
}

async function main(): Promise<void> {
  const bench = await startAgentBench();
  const admin = new pg.Client({ connectionString: clusterUrl(bench.cluster) });
  await admin.connect();
  try {
    const { spec: source, loc, files } = await generateSource(bench, size, { personalData: true });
    const dbBytes = (await bench.runtime.inspect(source, never)).database_bytes;
    process.stdout.write(`database ${(dbBytes / 1e6).toFixed(0)} MB, filestore ${(files.bytes / 1e6).toFixed(0)} MB in ${files.count} files; ${runs} runs\n`);

    const times: Record<string, number[]> = { expert_running: [], ours_running: [], expert_stopped: [], ours_stopped: [] };
    const clones: Record<'running' | 'stopped', CloneSample[]> = { running: [], stopped: [] };
    const env = { PGHOST: '127.0.0.1', PGPORT: String(bench.cluster.port), PGUSER: 'postgres' };
    for (let i = 0; i < runs; i++) {
      for (const state of ['running', 'stopped'] as const) {
        if (state === 'running') await bench.runtime.start(source, never);
        else await bench.runtime.stop(source, never);
        const dst = `expert_${i}_${state}`;
        const dstFs = join(bench.dir, 'expert-fs', dst);
        await mkdir(join(bench.dir, 'expert-fs'), { recursive: true });
        times[`expert_${state}`]?.push(
          await timed(async () => {
            if (state === 'running') {
              await run(join(bench.cluster.binDir, 'createdb'), [dst], env);
              await dumpRestore(bench, source.db_name, dst);
            } else {
              await run(join(bench.cluster.binDir, 'createdb'), ['-T', source.db_name, dst], env);
            }
            await run('cp', ['-a', loc.filestore_path, dstFs], {});
          }),
        );
        await admin.query(`DROP DATABASE ${pg.escapeIdentifier(dst)}`);
        await rm(dstFs, { recursive: true, force: true });

        const target = envSpec(`ours-${i}`);
        const plan = makePlan(source, target, { sourceStatus: state === 'running' ? 'RUNNING' : 'STOPPED' });
        // the data step, compared with the expert: prepare + data, timed inside the whole clone
        const clone = await timedClone(bench, plan);
        times[`ours_${state}`]?.push(clone.steps.prepare + clone.steps.data);
        clones[state].push(clone);
        await bench.runtime.destroy(target, never);
      }
    }
    await bench.runtime.start(source, never);
    const m = medians(times);
    const report = {
      size,
      runs,
      database_bytes: dbBytes,
      filestore_bytes: files.bytes,
      filestore_files: files.count,
      median_seconds: m,
      ratio_running: (m.expert_running ?? NaN) / (m.ours_running ?? NaN),
      ratio_stopped: (m.expert_stopped ?? NaN) / (m.ours_stopped ?? NaN),
      samples: times,
      sanitize_share: { running: sanitizeShare(clones.running), stopped: sanitizeShare(clones.stopped) },
      clone_samples: Object.fromEntries(
        Object.entries(clones).map(([state, xs]) => [state, xs.map((c) => ({ steps: c.steps, sanitizer_ms: c.sanitized.totals.duration_ms, options: c.sanitized.results }))]),
      ),
    };
    process.stdout.write(
      [
        '',
        'source    expert (median)   ours (median)   expert/ours',
        `running   ${m.expert_running?.toFixed(2)} s          ${m.ours_running?.toFixed(2)} s         ${report.ratio_running.toFixed(2)}x`,
        `stopped   ${m.expert_stopped?.toFixed(2)} s          ${m.ours_stopped?.toFixed(2)} s         ${report.ratio_stopped.toFixed(2)}x`,
        ...shareLines(report.sanitize_share),
      ].join('\n'),
    );
    await writeResults(`same-server-${size}`, report);
  } finally {
    await admin.end();
    await stopBench(bench);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
