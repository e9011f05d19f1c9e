// Cross-server clone speed, in one process on the same generated Odoo database and filestore:
// two agent benches (server A holds the source, server B is the target, each on its own
// PostgreSQL cluster and data dir), B with a real peer endpoint (TLS WebSocket on 127.0.0.1).
//   clone:     same = on A, clone.prepare + clone.addons + clone.data
//              cross = on B, clone.prepare; then, like the controller, a transfer of `addons`
//                      and one of `database` + `filestore-0..3` (clone.receive on B, "ready",
//                      then clone.send on A, with one ticket per stream)
//   database:  ours = the `database` stream alone (codec none, and zstd) into a prepared target
//              raw  = createdb; pg_dump -Fc | TCP relay on the same loopback | pg_restore
//              (also with -Z0, which dumps the same bytes ours sends)
//   filestore: ours = `filestore-0` (1 shard) or `filestore-0..3` (4 shards) into an empty target
//              raw  = tar -c | TCP relay | tar -x of the same directory
// Every variant runs once per run, in an order reversed every other run; each result is checked
// (row counts of every table, files with their sizes) and removed before the next. Reports
// medians, cross/same (> 1: the network path takes longer) and ours/raw throughput (> 1: ours is
// faster). Usage:
//   node bench/dist/cross-server.js [--size tiny|small|large] [--runs 3] [--only v1,v2] [--profile out.cpuprofile]
// (or BENCH_SIZE=large). `--profile` writes a V8 CPU profile of the measured runs only (not the
// generation nor the warm-up); `node bench/dist/profile-top.js out.cpuprofile` sums it up.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { clusterUrl } from '@oec/agent/postgres';
import { rowCounts } from '@oec/test/clone';
import { startLink } from './agent-link.js';
import { generateSource, never, parseSize, writeResults } from './bench-env.js';
import { tree } from './checks.js';
import { crossReport, printCrossReport } from './cross-report.js';
import { crossVariants, runOnce, type Measures, type Rerun, type SourceFacts } from './cross-variants.js';

const { values } = parseArgs({
  options: { size: { type: 'string' }, runs: { type: 'string', default: '3' }, only: { type: 'string' }, profile: { type: 'string' } },
});
const size = parseSize(values.size);
const runs = Math.max(1, Number(values.runs) || 1);

async function main(): Promise<void> {
  const link = await startLink();
  let adminB: pg.Client | null = null;
  try {
    adminB = new pg.Client({ connectionString: clusterUrl(link.b.bench.cluster) });
    await adminB.connect();

    // The source, running on A.
    const benchA = link.a.bench;
    const generated = await generateSource(benchA, size);
    const { spec, loc } = generated;
    await benchA.runtime.start(spec, never);
    const dbBytes = (await benchA.runtime.inspect(spec, never)).database_bytes;
    const source: SourceFacts = {
      spec,
      loc,
      rows: await rowCounts(benchA.cluster, spec.db_name),
      files: await tree(loc.filestore_path),
      addons: await tree(loc.addons_path),
    };
    const filestoreBytes = [...source.files.values()].reduce((n, s) => n + s, 0);
    if (source.files.size !== generated.files.count || filestoreBytes !== generated.files.bytes) {
      throw new Error(
        `the source filestore holds ${source.files.size} files (${filestoreBytes} bytes), the generator wrote ${generated.files.count} (${generated.files.bytes})`,
      );
    }
    const tables = Object.keys(source.rows).length;
    process.stdout.write(
      `database ${(dbBytes / 1e6).toFixed(0)} MB (${tables} tables), filestore ${(filestoreBytes / 1e6).toFixed(1)} MB in ${source.files.size} files; ${runs} runs\n`,
    );

    const measures: Measures = { wire: {}, dumpBytes: 0, analyzeTimes: [] };
    const variants = crossVariants(link, adminB, source, measures);
    const reruns: Rerun[] = [];
    const runVariant = (name: string, label = name) => runOnce(link, variants, name, label, reruns);

    // --only a,b: just these variants (to profile one; the report then lacks the others' ratios).
    const selected = values.only ? values.only.split(',').filter((k) => k in variants) : Object.keys(variants);
    if (selected.length === 0) throw new Error(`--only: none of ${values.only} (variants: ${Object.keys(variants).join(', ')})`);
    // A warm-up of each path (caches, first TLS handshakes), not counted.
    process.stdout.write('warm-up …\n');
    for (const name of ['clone_cross', 'db_raw', 'fs_raw'].filter((k) => !values.only || selected.includes(k))) await runVariant(name, `warm-up ${name}`);
    measures.analyzeTimes.length = 0;

    const times: Record<string, number[]> = Object.fromEntries(selected.map((k) => [k, []]));
    const profiler = values.profile ? await startProfile() : null;
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? selected : [...selected].reverse();
      for (const name of order) {
        const t = await runVariant(name);
        times[name]?.push(t);
        process.stdout.write(`  run ${i + 1}/${runs} ${name.padEnd(12)} ${t.toFixed(2)} s\n`);
      }
    }
    if (profiler && values.profile) await stopProfile(profiler, values.profile);

    const facts = { size, runs, databaseBytes: dbBytes, tables, filestoreBytes, filestoreFiles: source.files.size };
    const report = crossReport(facts, times, measures, link.retries, reruns);
    printCrossReport(report, measures.wire);
    // A partial run (--only) must not replace the full results.
    await writeResults(`cross-server-${size}${values.only ? '-only' : ''}`, report);
  } finally {
    await adminB?.end().catch(() => undefined);
    await link.close();
  }
}

async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return session;
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(file, JSON.stringify(profile));
  session.disconnect();
  process.stdout.write(`CPU profile of the measured runs: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
