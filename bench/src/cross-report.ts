// The cross-server benchmark's report: medians, throughputs and ratios as JSON, and the table
// and the one-paragraph reading printed after the runs.
import type { Retry } from './agent-link.js';
import type { Measures, Rerun } from './cross-variants.js';
import { median, medians } from './timing.js';


export interface CrossFacts {
  size: string;
  runs: number;
  databaseBytes: number;
  tables: number;
  filestoreBytes: number;
  filestoreFiles: number;
}

export type CrossReport = ReturnType<typeof crossReport>;

export function crossReport(facts: CrossFacts, times: Record<string, number[]>, measures: Measures, retries: Retry[], reruns: Rerun[]) {
  const m = medians(times);
  const t = (k: string) => m[k] ?? NaN;
  const { wire, dumpBytes } = measures;
  const dbMBs = (k: string) => dumpBytes / 1e6 / t(k);
  const fsMBs = (k: string) => facts.filestoreBytes / 1e6 / t(k);
  return {
    size: facts.size,
    runs: facts.runs,
    database_bytes: facts.databaseBytes,
    dump_bytes: dumpBytes,
    tables: facts.tables,
    filestore_bytes: facts.filestoreBytes,
    filestore_files: facts.filestoreFiles,
    median_seconds: m,
    ratio_cross_over_same: t('clone_cross') / t('clone_same'),
    database: {
      mb_per_s: Object.fromEntries(['db_raw', 'db_raw_z0', 'db_ours_none', 'db_ours_zstd'].map((k) => [k, dbMBs(k)])),
      wire_bytes: { db_raw: wire.db_raw, db_raw_z0: wire.db_raw_z0, db_ours_none: wire.db_ours_none, db_ours_zstd: wire.db_ours_zstd },
      ratio_ours_over_raw: t('db_raw') / t('db_ours_none'),
      ratio_ours_zstd_over_raw: t('db_raw') / t('db_ours_zstd'),
      ratio_ours_over_raw_z0: t('db_raw_z0') / t('db_ours_none'),
      /** ANALYZE of the restored database: part of ours, not of raw (timed apart after raw). */
      analyze_median_seconds: median(measures.analyzeTimes),
    },
    filestore: {
      mb_per_s: Object.fromEntries(['fs_raw', 'fs_ours_1', 'fs_ours_4'].map((k) => [k, fsMBs(k)])),
      wire_bytes: { fs_raw: wire.fs_raw, fs_ours_1: wire.fs_ours_1, fs_ours_4: wire.fs_ours_4 },
      ratio_ours_1_over_raw: t('fs_raw') / t('fs_ours_1'),
      ratio_ours_4_over_raw: t('fs_raw') / t('fs_ours_4'),
    },
    samples: times,
    /** Transfers retried (as the controller does on TRANSFER_FAILED); those samples include the retry. */
    retries,
    /** Variants made again once after a "Premature close" (the sample is the second run). */
    reruns,
  };
}

/** The table of medians, throughputs, wire bytes and ratios, then the retries and the reading. */
export function printCrossReport(report: CrossReport, wire: Record<string, number>): void {
  const t = (k: string) => report.median_seconds[k] ?? NaN;
  const s = (k: string) => `${t(k).toFixed(2)} s`.padStart(9);
  const mbs = (x: number) => `${x.toFixed(1)} MB/s`.padStart(11);
  const x = (r: number) => `${r.toFixed(2)}x`;
  const wmb = (k: string) => (wire[k] === undefined ? '' : `${(wire[k] / 1e6).toFixed(1)} MB`.padStart(9));
  const d = report.database;
  const f = report.filestore;
  process.stdout.write(
    [
      '',
      `clone (prepare + addons + data)                    median`,
      `  same-server: one bench                        ${s('clone_same')}`,
      `  cross-server: A → B, database + 4 shards      ${s('clone_cross')}   cross/same ${x(report.ratio_cross_over_same)}`,
      '',
      `database stream (${(report.dump_bytes / 1e6).toFixed(1)} MB of uncompressed dump)   median   throughput      wire   ours/raw`,
      `  raw: createdb; pg_dump -Fc | tcp | pg_restore ${s('db_raw')}${mbs(d.mb_per_s.db_raw ?? NaN)}${wmb('db_raw')}`,
      `  raw: same with pg_dump -Fc -Z0                ${s('db_raw_z0')}${mbs(d.mb_per_s.db_raw_z0 ?? NaN)}${wmb('db_raw_z0')}`,
      `  ours: database stream, codec none             ${s('db_ours_none')}${mbs(d.mb_per_s.db_ours_none ?? NaN)}${wmb('db_ours_none')}   ${x(d.ratio_ours_over_raw)} (vs -Z0: ${x(d.ratio_ours_over_raw_z0)})`,
      `  ours: database stream, codec zstd             ${s('db_ours_zstd')}${mbs(d.mb_per_s.db_ours_zstd ?? NaN)}${wmb('db_ours_zstd')}   ${x(d.ratio_ours_zstd_over_raw)}`,
      `  (ours includes an ANALYZE of the restored database, which raw skips: ${d.analyze_median_seconds.toFixed(2)} s on raw's result)`,
      '',
      `filestore (${report.filestore_files} files, ${(report.filestore_bytes / 1e6).toFixed(1)} MB)                  median   throughput      wire   ours/raw`,
      `  raw: tar -c | tcp | tar -x                    ${s('fs_raw')}${mbs(f.mb_per_s.fs_raw ?? NaN)}${wmb('fs_raw')}`,
      `  ours: 1 shard (filestore-0)                   ${s('fs_ours_1')}${mbs(f.mb_per_s.fs_ours_1 ?? NaN)}${wmb('fs_ours_1')}   ${x(f.ratio_ours_1_over_raw)}`,
      `  ours: 4 shards (filestore-0..3)               ${s('fs_ours_4')}${mbs(f.mb_per_s.fs_ours_4 ?? NaN)}${wmb('fs_ours_4')}   ${x(f.ratio_ours_4_over_raw)}`,
      '',
      report.retries.length === 0
        ? 'transfer retries: none'
        : `transfer retries (as the controller does; the sample's time includes it): ${report.retries.length}\n${report.retries.map((r) => `  ${r.variant} [${r.streams}]: ${r.error}`).join('\n')}`,
      report.reruns.length === 0
        ? 'variants made again after "Premature close": none'
        : `variants made again after "Premature close" (a known race, see bench/README.md): ${report.reruns.length}\n${report.reruns.map((r) => `  ${r.variant}: ${r.error}`).join('\n')}`,
      '',
      interpretation(report.ratio_cross_over_same, d.ratio_ours_over_raw, d.ratio_ours_zstd_over_raw, f.ratio_ours_1_over_raw, f.ratio_ours_4_over_raw, report.dump_bytes),
      '',
    ].join('\n'),
  );
}

function interpretation(crossSame: number, db: number, dbZstd: number, fs1: number, fs4: number, dumpBytes: number): string {
  const vs = (r: number) => (r >= 1.05 ? `${r.toFixed(2)}x as fast as` : r <= 0.95 ? `${(1 / r).toFixed(2)}x slower than` : 'on par with');
  return [
    `In short: a cross-server clone takes ${crossSame.toFixed(2)}x the same-server one (it copies every byte over TLS where one server links files and pipes a dump locally);`,
    `our database stream is ${vs(db)} a raw pg_dump -Fc | tcp | pg_restore (zstd: ${vs(dbZstd)});`,
    `our filestore streams are ${vs(fs1)} (1 shard) and ${vs(fs4)} (4 shards) a raw tar | tcp | tar — on a 127.0.0.1 link, so this measures CPU cost, not bandwidth.`,
    dumpBytes < 20e6 ? 'With this little data, fixed costs (processes, TLS, snapshot, ANALYZE, per-file round trips) dominate.' : '',
  ].join(' ').trim();
}
