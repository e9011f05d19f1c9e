// Spawning argv arrays (never a shell) with an AbortSignal, and piping one process into another.
//
// Invariants: stderr is always drained (a full stderr pipe would block the child forever) and its
// tail kept for error messages; the exit promise never rejects (a spawn failure is an exit with
// `error`); an aborted signal sends SIGTERM, then SIGKILL after a grace period, to the child's
// whole process group. Under the agent (children.ts) each child leads its own group, dies with
// the agent, and is recorded until it exits.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { setPriority } from 'node:os';
import { delimiter, join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { currentChildTracker } from './children.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last few KiB of stderr. */
  stderrTail: string;
  /** The process was killed because the AbortSignal fired. */
  aborted: boolean;
  /** Spawn failure (e.g. ENOENT), when the process never ran. */
  error?: string;
}

export interface ExecHandle {
  /** Program name (argv[0] as given), for messages. */
  readonly name: string;
  readonly pid: number | undefined;
  /** Null unless `stdin: 'pipe'`. */
  readonly stdin: Writable | null;
  /** Null when `stdout: 'ignore'`; otherwise must be consumed. */
  readonly stdout: Readable | null;
  /** Already drained by the handle; listen to it for live output. */
  readonly stderr: Readable;
  /** Resolves when the process has exited; never rejects. */
  readonly exit: Promise<ExitInfo>;
  /** Send a signal (default SIGTERM); no-op once exited. */
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: 'pipe' | 'ignore';
  stdout?: 'pipe' | 'ignore';
  /** Scheduling niceness (0–19) applied right after spawn, e.g. for pg_dump on a source. */
  nice?: number;
  /** Called for each complete line of stderr (e.g. to forward it to the task log). */
  onStderrLine?: (line: string) => void;
  /** Grace period between SIGTERM and SIGKILL on abort. */
  killGraceMs?: number;
}

const STDERR_TAIL = 8 * 1024;

export interface StderrDrain {
  /** The last few KiB of stderr. */
  tail(): string;
  /** Hand the last, unterminated line to `onLine` (at exit). */
  flush(): void;
}

/**
 * Drain a stderr stream (a full stderr pipe would block the process forever), keeping its last
 * few KiB for error messages and handing each non-blank line to `onLine`.
 */
export function drainStderr(stderr: Readable, onLine?: (line: string) => void): StderrDrain {
  let tail = '';
  let partial = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL);
    if (!onLine) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  });
  return {
    tail: () => tail,
    flush() {
      if (partial.trim() && onLine) onLine(partial);
      partial = '';
    },
  };
}

export class ExecError extends Error {
  readonly exit: ExitInfo;
  constructor(name: string, exit: ExitInfo) {
    super(`${name} ${describeExit(exit)}${exit.stderrTail ? `: ${exit.stderrTail.trim().slice(-2000)}` : ''}`);
    this.name = 'ExecError';
    this.exit = exit;
  }
}

export function describeExit(exit: ExitInfo): string {
  if (exit.error) return `failed to start (${exit.error})`;
  if (exit.aborted) return 'was cancelled';
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** `file` as the kernel would find it on `PATH` (null: not there, so spawning fails with ENOENT). */
function onPath(file: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = file.includes('/') ? [file] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

/** Spawn `file` with `args` (no shell). `name` is used in messages. */
export function spawnProcess(name: string, file: string, args: readonly string[], opts: SpawnOptions): ExecHandle {
  const env = opts.env ?? process.env;
  const tracker = currentChildTracker();
  // The death-signal wrapper execs the program in place (same pid); a missing program is spawned
  // bare so that it still fails to start (ENOENT) rather than as the wrapper's exit 127.
  const program = tracker && tracker.prefix.length > 0 ? onPath(file, env) : null;
  const argv = program && tracker ? [...tracker.prefix, program, ...args] : [file, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env,
    stdio: [opts.stdin ?? 'ignore', opts.stdout ?? 'pipe', 'pipe'],
    shell: false,
    // Its own process group under the agent: an abort or a restarted agent stops the whole group.
    detached: tracker !== null,
  });
  const pid = child.pid;
  if (tracker && pid !== undefined) tracker.spawned(pid, name);
  // stdio[2] is always 'pipe', so stderr exists; the check satisfies the types.
  const stderr = child.stderr;
  if (!stderr) throw new Error('spawn returned no stderr pipe');
  const drain = drainStderr(stderr, opts.onStderrLine);
  let aborted = false;
  // Errors on our pipe ends (EPIPE when the child exits early) surface through the exit status.
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('error', () => undefined);

  let exited = false;
  const signal = (sig: NodeJS.Signals): void => {
    if (exited) return;
    if (tracker && pid !== undefined) {
      try {
        process.kill(-pid, sig);
        return;
      } catch {
        // the group is gone; fall through to the child itself
      }
    }
    child.kill(sig);
  };
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    aborted = true;
    signal('SIGTERM');
    killTimer = setTimeout(() => signal('SIGKILL'), opts.killGraceMs ?? 5000);
    killTimer.unref();
  };
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });

  if (opts.nice !== undefined && child.pid !== undefined) {
    try {
      setPriority(child.pid, opts.nice);
    } catch {
      // The process may already be gone; niceness is best effort.
    }
  }

  const exit = new Promise<ExitInfo>((resolve) => {
    let spawnError: string | undefined;
    child.once('error', (err) => {
      spawnError = err.message;
      if (child.pid === undefined) finish(null, null);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      exited = true;
      if (tracker && pid !== undefined) tracker.exited(pid);
      opts.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      drain.flush();
      resolve({ code, signal, stderrTail: drain.tail(), aborted, ...(spawnError ? { error: spawnError } : {}) });
    };
    child.once('close', finish);
  });

  const kill = (sig: NodeJS.Signals = 'SIGTERM'): void => {
    if (child.exitCode === null && child.signalCode === null) signal(sig);
  };
  return { name, pid: child.pid, stdin: child.stdin, stdout: child.stdout, stderr, exit, kill };
}

/** Throw ExecError unless the process exited 0. */
export function assertSuccess(name: string, exit: ExitInfo): void {
  if (isFailure(exit)) throw new ExecError(name, exit);
}

export interface CollectResult {
  stdout: string;
  exit: ExitInfo;
}

/** Wait for a process, collecting up to `maxBytes` of its stdout; throws unless it exited 0. */
export async function collect(handle: ExecHandle, maxBytes = 16 * 1024 * 1024): Promise<CollectResult> {
  let stdout = '';
  if (handle.stdout) {
    handle.stdout.setEncoding('utf8');
    for await (const chunk of handle.stdout as AsyncIterable<string>) {
      if (stdout.length < maxBytes) stdout += chunk.slice(0, maxBytes - stdout.length);
    }
  }
  const exit = await handle.exit;
  assertSuccess(handle.name, exit);
  return { stdout, exit };
}

/**
 * A Writable in front of a child's stdin that stops writing, without an error, once the child
 * closed it. GNU tar exits 0 at its end-of-archive marker, before reading the record's trailing
 * padding, and a pipeline into its stdin would then fail with a premature close although nothing
 * is wrong. Whether the consumer succeeded is its exit status's to say, which callers check.
 */
export function stdinSink(stdin: Writable): Writable {
  let gone = false;
  let waiting: (() => void) | null = null;
  const release = (): void => {
    gone = true;
    const w = waiting;
    waiting = null;
    w?.();
  };
  stdin.once('close', release);
  stdin.on('error', release);
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      if (gone || stdin.write(chunk)) {
        callback();
        return;
      }
      waiting = () => callback();
      stdin.once('drain', () => {
        const w = waiting;
        waiting = null;
        w?.();
      });
    },
    final(callback) {
      if (gone) {
        callback();
        return;
      }
      let called = false;
      const done = (): void => {
        if (!called) callback();
        called = true;
      };
      stdin.once('finish', done);
      stdin.once('close', done);
      stdin.end();
    },
  });
}

export interface PipeOptions {
  /** Called with the running byte count as data passes (for progress). */
  onBytes?: (total: number) => void;
  /** Awaited before each chunk is passed on (a test hook's rate cap); backpressure does the rest. */
  pace?: (chunkBytes: number) => Promise<void>;
}

export interface PipeResult {
  bytes: number;
  producer: ExitInfo;
  consumer: ExitInfo;
}

/**
 * Stream producer.stdout into consumer.stdin with natural backpressure, then check both exits.
 * When one side fails the other is torn down, and the error reports the side that failed first:
 * a pg_dump lock timeout makes pg_restore fail on a truncated archive afterwards, and a failed
 * pg_restore makes pg_dump die of SIGPIPE afterwards; in both cases the first failure is the cause.
 */
export async function pipe(producer: ExecHandle, consumer: ExecHandle, opts: PipeOptions = {}): Promise<PipeResult> {
  if (!producer.stdout) throw new Error(`${producer.name} has no stdout to pipe`);
  if (!consumer.stdin) throw new Error(`${consumer.name} has no stdin to pipe into`);
  let bytes = 0;
  const { pace } = opts;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      opts.onBytes?.(bytes);
      if (!pace) return done(null, chunk);
      pace(chunk.length).then(() => done(null, chunk), done);
    },
  });
  const streaming = pipeline(producer.stdout, counter, stdinSink(consumer.stdin)).then(
    () => null,
    (err: unknown) => err,
  );
  const failures: { name: string; exit: ExitInfo }[] = [];
  const watch = (self: ExecHandle, other: ExecHandle): Promise<ExitInfo> =>
    self.exit.then((exit) => {
      if (isFailure(exit)) {
        failures.push({ name: self.name, exit });
        other.stdin?.destroy();
        other.stdout?.destroy();
        other.kill();
      }
      return exit;
    });
  const [producerExit, consumerExit, streamError] = await Promise.all([
    watch(producer, consumer),
    watch(consumer, producer),
    streaming,
  ]);
  const first = failures[0];
  if (first) throw new ExecError(first.name, first.exit);
  if (streamError) throw streamError instanceof Error ? streamError : new Error('pipe failed');
  return { bytes, producer: producerExit, consumer: consumerExit };
}

function isFailure(exit: ExitInfo): boolean {
  return exit.code !== 0 || exit.aborted || exit.error !== undefined;
}
