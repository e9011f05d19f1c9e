// all.js's one table: each measure with ours, the baseline, the ratio, issue 15's target and
// pass/fail. A time ratio is ours/baseline (below 1: we are faster); a speed ratio is
// baseline time/our time (above 1: we are faster); a measure that could not be taken says why.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { BenchSize } from './bench-env.js';
import type { CrossResult } from './cross-all.js';
import type { ProgressLoadResult } from './progress.js';
import { median } from './timing.js';

export interface Row {
  measure: string;
  ours: string;
  baseline: string;
  ratio: number | null;
  target: string;
  /** null: no target (reported for the reader) or not measured. */
  pass: boolean | null;
  /** Why it was not measured. */
  missing?: string;
}

export function machine() {
  const cpu = cpus();
  return { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', load_average: loadavg(), memory_bytes: totalmem(), free_memory_bytes: freemem() };
}

/** What the same-server part measured (product.ts, expert.ts), or why it stopped. */
export interface SameServerSamples {
  ours_running: number[];
  expert_dump: number[];
  pgcopydb: number[];
  pgcopydb_missing: string | null;
  /** Stopped source, preset none: the TEMPLATE fast path. */
  ours_stopped: number[];
  /** Stopped source, preset recommended: the COPY path, masked row by row. */
  ours_stopped_recommended: number[];
  expert_template: number[];
  /** Per running clone: sanitizing step / operation duration. */
  sanitize_share: number[];
  agent_peak_rss_bytes: number[];
  progress: { result: ProgressLoadResult; loaded_clone_seconds: number } | { missing: string };
}

const s = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} s` : '—');
const med = (xs: number[]) => (xs.length ? median(xs) : NaN);

function time(measure: string, ours: number[], base: number[], max: number, opts: { strict?: boolean; missing?: string | null } = {}): Row {
  const o = med(ours);
  const b = med(base);
  if (opts.missing || !Number.isFinite(o) || !Number.isFinite(b)) {
    return { measure, ours: s(o), baseline: s(b), ratio: null, target: `time ${opts.strict ? '<' : '≤'} ${max.toFixed(2)}x`, pass: null, missing: opts.missing ?? 'no samples' };
  }
  const r = o / b;
  return { measure, ours: s(o), baseline: s(b), ratio: r, target: `time ${opts.strict ? '<' : '≤'} ${max.toFixed(2)}x`, pass: opts.strict ? r < max : r <= max };
}

function speed(measure: string, ours: number[], base: number[], min: number | null): Row {
  const o = med(ours);
  const b = med(base);
  const r = b / o;
  const target = min === null ? '—' : `speed ≥ ${min.toFixed(2)}x`;
  if (!Number.isFinite(r)) return { measure, ours: s(o), baseline: s(b), ratio: null, target, pass: null, missing: 'no samples' };
  return { measure, ours: s(o), baseline: s(b), ratio: r, target, pass: min === null ? null : r >= min };
}

export function sameServerRows(x: SameServerSamples | { error: string }): Row[] {
  if ('error' in x) {
    return ['same-server clone vs expert dump + UPDATE', 'same-server clone vs pgcopydb + UPDATE', 'stopped source vs TEMPLATE + cp -al', 'agent peak RSS', 'progress latency'].map((measure) => ({
      measure,
      ours: '—',
      baseline: '—',
      ratio: null,
      target: '',
      pass: null,
      missing: x.error,
    }));
  }
  const rows = [
    time('same-server clone (running, recommended, request → completed) vs createdb; pg_dump -Fc -Z0 | pg_restore; cp -al; UPDATE', x.ours_running, x.expert_dump, 0.7),
    time('same-server clone vs createdb; pgcopydb clone --table-jobs N --index-jobs N; cp -al; UPDATE', x.ours_running, x.pgcopydb, 1, { strict: true, missing: x.pgcopydb_missing }),
    time('same-server clone, stopped source, preset none (TEMPLATE fast path) vs createdb -T source; cp -al', x.ours_stopped, x.expert_template, 1.3),
    { ...time('same-server clone, stopped source, recommended (masked row by row) vs createdb -T source; cp -al', x.ours_stopped_recommended, x.expert_template, 1.3), target: '—', pass: null },
  ];
  const share = med(x.sanitize_share);
  rows.push({ measure: "sanitizing step's share of our running-source clone", ours: Number.isFinite(share) ? `${(100 * share).toFixed(1)} %` : '—', baseline: '', ratio: null, target: '—', pass: null });
  const rss = x.agent_peak_rss_bytes.length ? Math.max(...x.agent_peak_rss_bytes) : NaN;
  rows.push({
    measure: 'agent peak RSS during a same-server clone (VmHWM, max over clones)',
    ours: Number.isFinite(rss) ? `${(rss / 2 ** 20).toFixed(0)} MB` : '—',
    baseline: '',
    ratio: null,
    target: '≤ 256 MB (large)',
    pass: Number.isFinite(rss) ? rss <= 256 * 2 ** 20 : null,
    ...(Number.isFinite(rss) ? {} : { missing: 'VmHWM not readable' }),
  });
  const p = x.progress;
  if ('missing' in p) {
    rows.push({ measure: 'controller progress p50/p99 under 200 REST pollers + 50 tRPC subscribers', ours: '—', baseline: '', ratio: null, target: 'p99 ≤ 50 ms', pass: null, missing: p.missing });
  } else {
    const r = p.result;
    rows.push(
      { measure: `progress over REST, p50 / p99 (${r.rest_requests} requests, 200 pollers)`, ours: `${r.rest_p50_ms.toFixed(1)} / ${r.rest_p99_ms.toFixed(1)} ms`, baseline: '', ratio: null, target: 'p99 ≤ 50 ms', pass: r.rest_p99_ms <= 50 },
      { measure: `progress over tRPC, p50 / p99 (${r.trpc_events} events, ${r.trpc_subscribers} subscribers)`, ours: `${r.trpc_p50_ms.toFixed(1)} / ${r.trpc_p99_ms.toFixed(1)} ms`, baseline: '', ratio: null, target: 'p99 ≤ 50 ms', pass: r.trpc_p99_ms <= 50 },
      { measure: 'the clone under that load vs the unloaded median', ours: s(p.loaded_clone_seconds), baseline: s(med(x.ours_running)), ratio: p.loaded_clone_seconds / med(x.ours_running), target: '—', pass: null },
    );
  }
  return rows;
}

export function crossRows(x: CrossResult | { error: string }, size: BenchSize): Row[] {
  if ('error' in x) {
    return ['cross-server clone vs hand pipeline', 'filestore stream vs tar | tcp | tar', 'database stream vs pg_dump | tcp | pg_restore', 're-clone after 5 % changed'].map((measure) => ({
      measure, ours: '—', baseline: '—', ratio: null, target: '', pass: null, missing: x.error,
    }));
  }
  const t = x.samples;
  const at = (k: string) => t[k] ?? [];
  const rows = [
    time('cross-server clone (recommended) vs pg_dump -Fc -Z0 | tcp | pg_restore & tar | tcp | tar; UPDATE', at('cross_ours'), at('cross_hand'), 0.8),
    speed('filestore stream, 4 streams vs tar -c | tcp | tar -x', at('fs_ours_4'), at('fs_raw'), size === 'large' ? 1.5 : 1),
    speed('filestore stream, 1 stream vs tar -c | tcp | tar -x', at('fs_ours_1'), at('fs_raw'), null),
    speed('database stream (codec none) vs pg_dump -Fc -Z0 | tcp | pg_restore', at('db_ours_none'), at('db_raw_z0'), 1.2),
  ];
  const r = x.reclone;
  if ('error' in r) rows.push({ measure: 're-clone after 5 % of files changed: bytes sent / filestore bytes', ours: '—', baseline: '', ratio: null, target: '≤ 7 %', pass: null, missing: r.error });
  else {
    const share = r.sent_bytes / r.filestore_bytes;
    rows.push({
      measure: `re-clone after ${r.changed_files} of ${r.filestore_files} files changed: bytes sent / filestore bytes`,
      ours: `${(r.sent_bytes / 1e6).toFixed(1)} MB (changed ${(r.changed_bytes / 1e6).toFixed(1)} MB)`,
      baseline: `${(r.filestore_bytes / 1e6).toFixed(1)} MB`,
      ratio: share,
      target: '≤ 7 %',
      pass: share <= 0.07,
    });
  }
  return rows;
}

/** The table, as printed. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.measure,
    r.ours,
    r.baseline,
    r.ratio === null ? '' : r.target.includes('%') ? `${(100 * r.ratio).toFixed(1)} %` : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.missing ? `not measured: ${r.missing}` : r.pass === null ? '' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const head = ['measure', 'ours', 'baseline', 'ratio', 'target', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 5 ? 0 : (c[i] ?? '').length))));
  const line = (c: string[]) => c.map((v, i) => (i === 5 ? v : v.padEnd(widths[i] ?? 0))).join(' | ');
  return [line(head), widths.map((w, i) => '-'.repeat(i === 5 ? 6 : w)).join('-|-'), ...cells.map(line)].join('\n');
}
