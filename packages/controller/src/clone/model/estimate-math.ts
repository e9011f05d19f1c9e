// Clone sizing and timing (pure): disk need, the seed's duration formula split per step, and
// the ETA of a running operation from measured throughput where there is some.
//
//   total = base 30 s + database / 10 MB/s + filestore / rate + sanitization (10–120 s by preset)
//
// The filestore rate is the seed's 20 MB/s across servers; on one server files are hard-linked
// (content-addressed, never copied), so the cost is per file, not per byte: we count 500 MB/s.
import { PRESET_OPTIONS, SANITIZATION_KEYS, enabledOptions } from '@oec/shared';
import type { SanitizationOptions, SanitizationPreset, StepKey, StepState } from '@oec/shared';

export const BASE_SECONDS = 30;
export const DATABASE_BYTES_PER_SECOND = 10e6;
export const FILESTORE_COPY_BYTES_PER_SECOND = 20e6;
export const FILESTORE_LINK_BYTES_PER_SECOND = 500e6;
/** Disk headroom on top of database + filestore (seed: "+20% overhead"). */
export const DISK_OVERHEAD = 0.2;

const PRESET_SECONDS: Record<SanitizationPreset, number> = { none: 10, minimal: 15, recommended: 30, full: 120 };

/** How the base seconds are spread over the steps that do not move data. */
const BASE_SHARE: Partial<Record<StepKey, number>> = {
  pre_checks: 2,
  validating: 3,
  creating_target: 10,
  copying_addons: 10,
  verifying: 5,
};

export interface DurationInput {
  databaseBytes: number;
  filestoreBytes: number;
  includeFilestore: boolean;
  sameServer: boolean;
  preset: SanitizationPreset;
  options: SanitizationOptions;
}

export interface DurationEstimate {
  total_seconds: number;
  database_seconds: number;
  filestore_seconds: number;
  sanitization_seconds: number;
}

/** A preset as is takes its own figure; custom options scale 10–120 s with how many are on. */
export function sanitizationSeconds(preset: SanitizationPreset, options: SanitizationOptions): number {
  const on = enabledOptions(options);
  const presetKeys = PRESET_OPTIONS[preset];
  if (on.length === presetKeys.length && presetKeys.every((k) => options[k])) return PRESET_SECONDS[preset];
  return Math.round(10 + ((on.length - 1) * 110) / (SANITIZATION_KEYS.length - 1));
}

export function estimateDuration(i: DurationInput): DurationEstimate {
  const database = i.databaseBytes / DATABASE_BYTES_PER_SECOND;
  const rate = i.sameServer ? FILESTORE_LINK_BYTES_PER_SECOND : FILESTORE_COPY_BYTES_PER_SECOND;
  const filestore = i.includeFilestore ? i.filestoreBytes / rate : 0;
  const sanitization = sanitizationSeconds(i.preset, i.options);
  return {
    total_seconds: Math.ceil(BASE_SECONDS + database + filestore + sanitization),
    database_seconds: Math.ceil(database),
    filestore_seconds: Math.ceil(filestore),
    sanitization_seconds: sanitization,
  };
}

/** database + filestore (when included) + 20 %. */
export function requiredBytes(databaseBytes: number, filestoreBytes: number, includeFilestore: boolean): number {
  return Math.ceil((databaseBytes + (includeFilestore ? filestoreBytes : 0)) * (1 + DISK_OVERHEAD));
}

/** `15 GB`, `8.5 GB`, `120 MB`, `3 kB`, `12 B` (decimal units, as disks are sold). */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${unit}`;
    }
  }
  return `${Math.round(n)} B`;
}

/** Estimated seconds of each step (the data seconds split between backup and restore). */
export function stepSeconds(e: DurationEstimate): Record<StepKey, number> {
  return {
    pre_checks: BASE_SHARE.pre_checks ?? 0,
    validating: BASE_SHARE.validating ?? 0,
    creating_target: BASE_SHARE.creating_target ?? 0,
    copying_addons: BASE_SHARE.copying_addons ?? 0,
    backing_up_database: e.database_seconds / 2,
    restoring_database: e.database_seconds / 2,
    backing_up_filestore: e.filestore_seconds / 2,
    restoring_filestore: e.filestore_seconds / 2,
    sanitizing: e.sanitization_seconds,
    verifying: BASE_SHARE.verifying ?? 0,
  };
}

/**
 * How much faster (< 1) or slower (> 1) than estimated the finished steps ran, once they were
 * estimated to take long enough to say (clamped to 0.05–20).
 */
function pace(steps: StepState[], share: Record<StepKey, number>): number {
  let estimated = 0;
  let actual = 0;
  for (const s of steps) {
    if (s.status !== 'completed' || s.duration_seconds === null) continue;
    estimated += share[s.key];
    actual += s.duration_seconds;
  }
  if (estimated < 5) return 1;
  return Math.min(20, Math.max(0.05, actual / estimated));
}

/**
 * Seconds left of a running step from its measured rate: bytes (or rows, sanitizing) per second
 * so far; a step that reports rows but has not finished any yet (one long first statement) goes
 * by the pace of its percent. Null when the step has measured nothing to go by.
 */
export function measuredSecondsLeft(s: StepState, now: Date): number | null {
  if (s.status !== 'in_progress' || !s.started_at) return null;
  const elapsed = (now.getTime() - Date.parse(s.started_at)) / 1000;
  if (!(elapsed > 0)) return null;
  const { bytes_done: bytes, bytes_total: bytesTotal, rows_done: rows, rows_total: rowsTotal } = s.detail;
  if (bytes && bytesTotal && bytesTotal > bytes) return (bytesTotal - bytes) / (bytes / elapsed);
  if (rows && rowsTotal && rowsTotal > rows) return (rowsTotal - rows) / (rows / elapsed);
  const f = s.progress_percent / 100;
  if (rowsTotal && f > 0 && f < 1) return (elapsed * (1 - f)) / f;
  return null;
}

/**
 * Seconds left: each unfinished step's estimated share times what is left of it, scaled by the
 * pace of the finished steps; a running step with a measured rate (measuredSecondsLeft) uses it.
 */
export function etaSeconds(steps: StepState[], estimate: DurationEstimate, now: Date): number {
  const share = stepSeconds(estimate);
  const factor = pace(steps, share);
  let left = 0;
  for (const s of steps) {
    if (s.status === 'completed' || s.status === 'skipped') continue;
    left += measuredSecondsLeft(s, now) ?? share[s.key] * (1 - s.progress_percent / 100) * factor;
  }
  return Math.max(0, Math.ceil(left));
}
