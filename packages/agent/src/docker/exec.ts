// Running a process inside a container through the Docker Engine API, as an ExecHandle: the same
// shape spawnProcess gives for local processes, so pipe() and collect() work across both.
//
// Invariants (docs/decisions/0006-docker-exec-stdin.md):
// - The exec is started with `hijack: true`: docker-modem then hands over the raw socket after the
//   HTTP upgrade, and ending stdin is a socket half-close (FIN) that the Engine turns into EOF on the
//   process's stdin while output keeps flowing. Without hijack, docker-modem's HttpDuplex.end()
//   tears the whole connection down: the process sees EOF but the tail of its output is lost.
// - stdout/stderr are demultiplexed with docker.modem.demuxStream, which ignores backpressure; the
//   socket is paused while stdout is full, so a slow consumer stalls the process, not our memory.
// - stderr is always drained (tail kept for messages); the exit promise never rejects.
// - Abort: SIGTERM, then SIGKILL after a grace period, delivered by a second exec (exec-command.ts).
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { currentChildTracker, type ExecRecord } from '../exec/children.js';
import { drainStderr, type ExecHandle, type ExitInfo } from '../exec/run.js';
import { decodeExitCode, execCreateBody, killArgv, newExecMark } from './exec-command.js';

export interface DockerExecOptions {
  signal: AbortSignal;
  stdin?: 'pipe' | 'ignore';
  stdout?: 'pipe' | 'ignore';
  /** Added to the container's environment for this process. */
  env?: Record<string, string>;
  /** User (name, uid, user:group); default the container's user. */
  user?: string;
  workingDir?: string;
  onStderrLine?: (line: string) => void;
  /** Grace period between SIGTERM and SIGKILL on abort. */
  killGraceMs?: number;
}

type Modem = Docker['modem'];


/** Send `signal` to every process of `container` carrying `mark` (a second exec, as `user`). */
async function signalMarked(container: Docker.Container, mark: string, signal: NodeJS.Signals, user: string | undefined): Promise<void> {
  const killer = await container.exec({ Cmd: killArgv(mark, signal), AttachStdout: true, AttachStderr: true, User: user });
  const stream = await killer.start({ hijack: true, stdin: false });
  stream.resume();
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * Stop what a killed agent left running by `docker exec` (its records, children.ts): SIGKILL to
 * every process still carrying a recorded marker. Returns the records whose container answered.
 */
export async function killLeftoverExecs(docker: Docker, records: readonly ExecRecord[]): Promise<ExecRecord[]> {
  const reached: ExecRecord[] = [];
  for (const record of records) {
    try {
      await signalMarked(docker.getContainer(record.container), record.mark, 'SIGKILL', record.user ?? undefined);
      reached.push(record);
    } catch {
      // The container is gone, or stopped: nothing of it runs.
    }
  }
  return reached;
}

/**
 * Run `argv` (no shell) in a running container. The returned handle has `pid` undefined: the
 * process lives in the container's pid namespace; `kill()` signals it from inside.
 */
export function dockerExec(container: Docker.Container, argv: readonly string[], opts: DockerExecOptions): ExecHandle {
  const name = argv[0] ?? '';
  const mark = newExecMark();
  const body = execCreateBody(argv, { stdin: opts.stdin === 'pipe', env: opts.env, user: opts.user, workingDir: opts.workingDir, mark });
  const modem = container.modem as Modem;
  // Recorded while it runs: a restarted agent stops what a killed one left in its containers.
  const tracker = currentChildTracker();

  const stdout = new PassThrough({ highWaterMark: 64 * 1024 });
  const stderr = new PassThrough();
  if (opts.stdout === 'ignore') stdout.resume();
  const drain = drainStderr(stderr, opts.onStderrLine);

  let aborted = false;
  let exited = false;
  let sentSignal: NodeJS.Signals | null = null;

  const started: Promise<{ exec: Docker.Exec; socket: Duplex } | { error: string }> = (async () => {
    if (opts.signal.aborted) return { error: '' };
    try {
      const exec = await container.exec(body);
      tracker?.execStarted({ container: container.id, mark, user: body.User ?? null, name });
      const socket = await exec.start({ hijack: true, stdin: opts.stdin === 'pipe' });
      return { exec, socket };
    } catch (e) {
      return { error: (e as Error).message };
    }
  })();

  const stdin =
    opts.stdin === 'pipe'
      ? new Writable({
          highWaterMark: 64 * 1024,
          write(chunk: Buffer, _encoding, callback) {
            void started.then((s) => ('error' in s ? callback(new Error(s.error)) : s.socket.write(chunk, (err) => callback(err ?? null))));
          },
          final(callback) {
            // Half-close: the Engine closes the process's stdin, output keeps flowing back.
            void started.then((s) => {
              if ('socket' in s) s.socket.end();
              callback();
            });
          },
          destroy(err, callback) {
            void started.then((s) => {
              if ('socket' in s && !s.socket.writableEnded) s.socket.end();
            });
            callback(err);
          },
        })
      : null;
  // EPIPE when the process exits before reading everything surfaces through the exit status.
  stdin?.on('error', () => undefined);
  stdout.on('error', () => undefined);

  const signalProcess = async (signal: NodeJS.Signals): Promise<void> => {
    sentSignal = signal;
    const s = await started;
    if ('error' in s || exited) return;
    // The container may be gone; the exit status tells what happened.
    await signalMarked(container, mark, signal, body.User).catch(() => undefined);
  };

  const onAbort = (): void => {
    aborted = true;
    void (async () => {
      const grace = opts.killGraceMs ?? 5000;
      await signalProcess('SIGTERM');
      // Repeated: a process that had not started yet when the first signal went out is caught next.
      while (!exited) {
        await sleep(grace);
        if (!exited) await signalProcess('SIGKILL');
      }
    })();
  };
  if (opts.signal.aborted) aborted = true;
  else opts.signal.addEventListener('abort', onAbort, { once: true });

  const exit = (async (): Promise<ExitInfo> => {
    const s = await started;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: string): ExitInfo => {
      exited = true;
      tracker?.execEnded(mark);
      opts.signal.removeEventListener('abort', onAbort);
      if (!stdout.writableEnded) stdout.end();
      if (!stderr.writableEnded) stderr.end();
      drain.flush();
      return { code, signal, stderrTail: drain.tail(), aborted, ...(error ? { error } : {}) };
    };
    if ('error' in s) return finish(null, null, s.error || undefined);
    const { exec, socket } = s;
    // When the program cannot start, the Engine writes its error ("OCI runtime exec failed: …
    // executable file not found") as a stdout frame and reports Pid 0; the head of stdout is kept
    // to make that the exit's error.
    let stdoutHead = '';
    const demuxed = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (stdoutHead.length < 2048) stdoutHead += chunk.toString('utf8', 0, 2048);
        if (!stdout.destroyed) stdout.write(chunk);
        callback();
      },
    });
    modem.demuxStream(socket, demuxed, stderr);
    socket.on('data', () => {
      if (stdout.writableNeedDrain) socket.pause();
    });
    stdout.on('drain', () => socket.resume());
    // A consumer that gave up (pipe() destroys the survivor's stdout when the other side fails)
    // never drains: without this the socket would stay paused, the process blocked on a full
    // pipe could not be reaped, and the exit would never come. Its output is discarded instead.
    stdout.on('close', () => socket.resume());
    await new Promise<void>((resolve) => {
      socket.once('end', resolve);
      socket.once('close', resolve);
      socket.once('error', () => resolve());
    });
    // The stream ends when the process closes its output; the exit code may lag a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        const info = await exec.inspect();
        if (!info.Running || attempt >= 100) {
          const { code, signal } = decodeExitCode(info.Running ? null : info.ExitCode, sentSignal);
          const notStarted = !info.Running && info.Pid === 0 && info.ExitCode !== 0;
          const error = notStarted
            ? stdoutHead.trim() || 'the process did not start'
            : info.Running
              ? 'output closed but the process is still running'
              : undefined;
          return finish(code, signal, error);
        }
      } catch (e) {
        return finish(null, null, `exec inspect failed: ${(e as Error).message}`);
      }
      await sleep(Math.min(10 * 2 ** attempt, 200));
    }
  })();

  const kill = (signal: NodeJS.Signals = 'SIGTERM'): void => {
    if (!exited) void signalProcess(signal);
  };
  return { name, pid: undefined, stdin, stdout: opts.stdout === 'ignore' ? null : stdout, stderr, exit, kill };
}
