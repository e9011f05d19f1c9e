// Runs the built `oec` CLI (packages/cli/dist/main.js) as a child process without a TTY, with
// its own HOME (config file) and environment; returns its exit code and output lines.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// From test/src/harness (vitest runs the sources) or test/dist/src/harness (the built demo).
export const OEC_MAIN = ['../../../', '../../../../']
  .map((up) => fileURLToPath(new URL(`${up}packages/cli/dist/main.js`, import.meta.url)))
  .find((p) => existsSync(p)) ?? fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));

export interface OecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout split into lines, without the trailing empty one. */
  lines: string[];
}

export interface OecRunner {
  (args: string[], env?: Record<string, string>): Promise<OecResult>;
  /** The HOME the runs use (its .config/oec/config.json is the CLI's config). */
  home: string;
}

/** A runner with a fresh HOME; `base` env (OEC_URL, OEC_TOKEN, …) is added to every run. */
export function oecRunner(base: Record<string, string> = {}): OecRunner {
  const home = mkdtempSync(join(tmpdir(), 'oec-cli-home-'));
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<OecResult>((resolve) => {
      const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, OEC_POLL_MS: '100', ...base, ...env };
      execFile(process.execPath, [OEC_MAIN, ...args], { env: childEnv, timeout: 240_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, lines: stdout.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '') });
      });
    });
  return Object.assign(run, { home });
}
