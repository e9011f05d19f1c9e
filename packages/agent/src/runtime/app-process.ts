// Lifecycle of the `local` runtime's app process (local-app.js): spawned detached so it outlives
// agent restarts, tracked by `<env>/app.json` (pid, port), recognised by its command line (a
// recycled pid is never mistaken for it), stopped with SIGTERM then SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError, ErrorCode } from '@oec/shared';
import { collect, spawnProcess } from '../exec/run.js';
import { environmentsDir, type EnvLayout } from './layout.js';
import { isMissing } from './fs-usage.js';

/** What tracking an app process needs: its state file and its config (named on its command line). */
type AppPaths = Pick<EnvLayout, 'appState' | 'conf'>;

const appStateSchema = z.object({ pid: z.number().int().positive(), port: z.number().int().positive(), host: z.string() });
export type AppState = z.infer<typeof appStateSchema>;

/** dist/runtime/local-app.js; from sources (tests) the compiled twin under dist/ is used. */
export function defaultAppEntry(): string {
  const here = fileURLToPath(new URL('./local-app.js', import.meta.url));
  if (existsSync(here)) return here;
  const compiled = here.replace(/\/src\/runtime\/local-app\.js$/, '/dist/runtime/local-app.js');
  if (existsSync(compiled)) return compiled;
  throw new Error(`local-app.js not found next to ${here}; run \`pnpm build\` first`);
}

export async function readAppState(layout: AppPaths): Promise<AppState | null> {
  try {
    const parsed = appStateSchema.safeParse(JSON.parse(await readFile(layout.appState, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch (e) {
    if (isMissing(e) || e instanceof SyntaxError) return null;
    throw e;
  }
}

/** The pid is alive and is our app for this env (its command line names the env's odoo.conf). */
export async function isOurApp(pid: number, layout: AppPaths): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(layout.conf);
  } catch {
    return false;
  }
}

export async function runningApp(layout: AppPaths): Promise<AppState | null> {
  const state = await readAppState(layout);
  return state && (await isOurApp(state.pid, layout)) ? state : null;
}

export function appUrl(state: AppState): string {
  const host = state.host === '0.0.0.0' ? '127.0.0.1' : state.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${state.port}`;
}

export async function probeHealth(baseUrl: string, timeoutMs = 5000, path = '/web/database/selector'): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export interface StartAppOptions {
  entry: string;
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  healthTimeoutMs: number;
}

/** Spawn the app and wait until the health URL answers 200. Throws if it dies or times out. */
export async function startApp(layout: EnvLayout, opts: StartAppOptions): Promise<AppState> {
  const log = await open(layout.appLog, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [opts.entry, '-c', layout.conf], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: opts.env,
      cwd: layout.root,
    });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, sig) => resolve(`exited with ${sig ?? `code ${code}`}`));
      child.once('error', (e) => resolve(`failed to start: ${e.message}`));
    });
    if (child.pid === undefined) throw new AppError(ErrorCode.TASK_FAILED, `app ${await exited}`);
    const state: AppState = { pid: child.pid, port: opts.port, host: opts.host };
    await writeFile(layout.appState, JSON.stringify(state), { mode: 0o600 });
    child.unref();
    const deadline = Date.now() + opts.healthTimeoutMs;
    const status: { death: string | null } = { death: null };
    void exited.then((d) => (status.death = d));
    for (;;) {
      if (await probeHealth(appUrl(state))) return state;
      if (status.death !== null) {
        await rm(layout.appState, { force: true });
        throw new AppError(ErrorCode.TASK_FAILED, `app ${status.death}: ${await logTail(layout)}`);
      }
      if (opts.signal.aborted || Date.now() > deadline) {
        await stopApp(layout, 5000);
        opts.signal.throwIfAborted();
        throw new AppError(ErrorCode.TASK_FAILED, `app did not become healthy within ${opts.healthTimeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await log.close();
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; forgets the state. No-op when not running. */
export async function stopApp(layout: AppPaths, graceMs: number): Promise<void> {
  const state = await readAppState(layout);
  if (state && (await isOurApp(state.pid, layout))) {
    signalPid(state.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while ((await isOurApp(state.pid, layout)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (await isOurApp(state.pid, layout)) {
      signalPid(state.pid, 'SIGKILL');
      while (await isOurApp(state.pid, layout)) await new Promise((r) => setTimeout(r, 50));
    }
  }
  await rm(layout.appState, { force: true });
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function logTail(layout: EnvLayout): Promise<string> {
  const text = await readFile(layout.appLog, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join(' | ');
}

/** The version command (`odoo-bin --version`): `Odoo Server 17.0` → `17.0`. */
export async function appVersion(layout: EnvLayout, entry: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string> {
  const handle = spawnProcess('app --version', process.execPath, [entry, '-c', layout.conf, '--version'], { signal, env });
  const { stdout } = await collect(handle);
  const match = /^Odoo Server (\S+)/m.exec(stdout);
  if (!match?.[1]) throw new AppError(ErrorCode.TASK_FAILED, `unexpected version output: ${stdout.trim().slice(0, 200)}`);
  return match[1];
}

/**
 * Stop every app process under a data dir (the apps outlive the agent by design; test harnesses
 * and uninstall scripts call this after stopping the agent). Returns how many were running.
 */
export async function stopAppsUnder(dataDir: string, graceMs = 10_000): Promise<number> {
  const root = environmentsDir(dataDir);
  const dirs = await readdir(root).catch(() => []);
  let stopped = 0;
  for (const name of dirs) {
    const paths = { appState: join(root, name, 'app.json'), conf: join(root, name, 'odoo.conf') };
    if (await runningApp(paths)) stopped++;
    await stopApp(paths, graceMs);
  }
  return stopped;
}
