// Spawning the real daemons (controller, agents) as separate processes for end-to-end suites
// and the demo. Each process's JSON log lines are kept so tests can wait for a message.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { waitFor } from './wait.js';

const require = createRequire(import.meta.url);

/** Absolute path of a workspace package's built entry point. */
export function packageMain(pkg: '@oec/controller' | '@oec/agent'): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'main.js');
}

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface Daemon {
  name: string;
  proc: ChildProcess;
  logs: LogLine[];
  output: string[];
  /** Resolves with the first log line whose `msg` matches. */
  waitForLog(match: string | RegExp, timeoutMs?: number, from?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL at once (a crash). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  name: string;
  args?: string[];
  env: Record<string, string>;
  echo?: boolean;
  /**
   * argv run before `node main.js …`, e.g. `[ip, 'netns', 'exec', ns]` (NetServer.execPrefix):
   * `ip netns exec` execs node in place, so the child's pid is node's and stop/kill reach it.
   */
  prefix?: string[];
}

export function spawnDaemon(main: string, opts: SpawnOptions): Daemon {
  const argv = [...(opts.prefix ?? []), process.execPath, main, ...(opts.args ?? [])];
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (opts.echo) process.stderr.write(`[${opts.name}] ${line}\n`);
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed && typeof parsed === 'object') logs.push(parsed as LogLine);
      } catch {
        // not a JSON log line
      }
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));

  const daemon: Daemon = {
    name: opts.name,
    proc,
    logs,
    output,
    exited,
    async waitForLog(match, timeoutMs = 60_000, from = 0) {
      return waitFor(
        () => {
          if (!running) throw new Error(`${opts.name} exited:\n${output.slice(-20).join('\n')}`);
          return logs.slice(from).find((l) => (typeof match === 'string' ? l.msg === match : match.test(l.msg ?? '')));
        },
        { timeoutMs, what: `${opts.name} to log ${String(match)}` },
      ).catch((e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- ${opts.name} output ---\n${output.slice(-30).join('\n')}`);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!running) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
  return daemon;
}

/** Run a CLI command of a package to completion; returns stdout (throws with stderr on failure). */
export function runCli(main: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}${out}`)),
    );
  });
}
