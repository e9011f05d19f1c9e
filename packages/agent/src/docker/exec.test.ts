// dockerExec against a real engine (skipped, with the reason printed, when none answers or the
// test image is missing: scripts/docker/engine.sh and scripts/docker/build-images.sh provide both),
// and its pure builders (always run).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileChildTracker, setChildTracker, takeLeftoverExecs } from '../exec/children.js';
import { collect, ExecError, pipe, type ExecHandle, type ExitInfo } from '../exec/run.js';
import { createDockerClient, DEFAULT_DOCKER_SOCKET, engineVersion } from './client.js';
import { decodeExitCode, EXEC_MARK_VAR, execCreateBody, killArgv, newExecMark } from './exec-command.js';
import { dockerExec, killLeftoverExecs, type DockerExecOptions } from './exec.js';

const IMAGE = 'oec/base:bookworm';
const LABELS = { 'oec.test': 'true', 'oec.test.suite': 'agent-docker-exec' };

const docker = createDockerClient();
const version = await engineVersion(docker);
const imageReady = version !== null && (await docker.getImage(IMAGE).inspect().then(() => true, () => false));
const skipReason =
  version === null
    ? `no Docker engine answers on ${DEFAULT_DOCKER_SOCKET} (run scripts/docker/engine.sh)`
    : !imageReady
      ? `image ${IMAGE} is missing (run scripts/docker/build-images.sh)`
      : null;
if (skipReason) console.warn(`docker exec tests skipped: ${skipReason}`);

/** Resolves to the exit, or rejects if the process has not exited within `ms`. */
function exitWithin(handle: ExecHandle, ms: number): Promise<ExitInfo> {
  return Promise.race([
    handle.exit,
    sleep(ms).then(() => Promise.reject(new Error(`${handle.name} did not exit within ${ms} ms`))),
  ]);
}

describe.skipIf(skipReason !== null)(`dockerExec (engine ${version ?? 'absent'})`, () => {
  let container: Docker.Container;
  const run = (argv: string[], opts: Partial<DockerExecOptions> = {}): ExecHandle =>
    dockerExec(container, argv, { signal: new AbortController().signal, ...opts });
  const processes = async (): Promise<string> => (await collect(run(['ps', '-eo', 'args']))).stdout;
  /** Abort only once the process runs: a signal sent before it exists would find nothing. */
  const whenRunning = async (args: string): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if ((await processes()).split('\n').some((line) => line.trim() === args)) return;
      await sleep(50);
    }
  };

  beforeAll(async () => {
    // Init: tini as pid 1 reaps the exec'd processes we kill and stops at once on removal.
    container = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['sleep', 'infinity'],
      Labels: LABELS,
      HostConfig: { Init: true },
    });
    await container.start();
  }, 120_000);

  afterAll(async () => {
    await container?.remove({ force: true, v: true });
  }, 60_000);

  it('pipes more than 4 MiB into stdin, gets every byte back, and the process sees EOF and exits', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 7);
    const handle = run(['cat'], { stdin: 'pipe' });
    const hash = createHash('sha256');
    let bytes = 0;
    const reading = (async () => {
      for await (const chunk of handle.stdout as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
      }
    })();
    // 64 KiB chunks through the handle's stdin with backpressure; ending it is the half-close.
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    await pipeline(Readable.from(chunks), handle.stdin!);
    const exit = await exitWithin(handle, 30_000);
    await reading;
    expect(exit).toMatchObject({ code: 0, signal: null, aborted: false });
    expect(bytes).toBe(data.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('streams one exec into another with pipe() (the dump | restore shape)', async () => {
    const size = 8 * 1024 * 1024;
    const producer = run(['head', '-c', String(size), '/dev/urandom']);
    const consumer = run(['wc', '-c'], { stdin: 'pipe' });
    const counted = collect(consumer);
    const result = await pipe(producer, consumer);
    expect(result.bytes).toBe(size);
    expect((await counted).stdout.trim()).toBe(String(size));
  });

  it('keeps stderr apart from stdout', async () => {
    const lines: string[] = [];
    const handle = run(['sh', '-c', 'echo out1; echo err1 >&2; echo out2; echo err2 >&2'], { onStderrLine: (l) => lines.push(l) });
    const { stdout, exit } = await collect(handle);
    expect(stdout).toBe('out1\nout2\n');
    expect(exit.stderrTail).toBe('err1\nerr2\n');
    expect(lines).toEqual(['err1', 'err2']);
  });

  it('passes environment values verbatim, with no shell between them and the process', async () => {
    const value = `a b; $(touch /tmp/pwned) "q" 'x'\n`;
    const { stdout } = await collect(run(['printenv', 'OEC_VALUE'], { env: { OEC_VALUE: value } }));
    expect(stdout).toBe(`${value}\n`);
    const check = await run(['test', '-e', '/tmp/pwned']).exit;
    expect(check.code).toBe(1);
  });

  it('reports non-zero exit codes, and a missing program as a start failure', async () => {
    const failing = run(['sh', '-c', 'echo boom >&2; exit 3']);
    await expect(collect(failing)).rejects.toThrow(ExecError);
    expect(await failing.exit).toMatchObject({ code: 3, signal: null, stderrTail: 'boom\n', aborted: false });

    // The Engine also sends its message down stdout (a consumer would fail on it after us).
    const missing = run(['no-such-program']);
    missing.stdout!.resume();
    const exit = await missing.exit;
    expect(exit.code).toBe(126);
    expect(exit.error).toMatch(/executable file not found/);
    await expect(collect(run(['no-such-program']))).rejects.toThrow(/failed to start \(OCI runtime exec failed/);
  });

  it('kills the process on abort', async () => {
    const controller = new AbortController();
    const handle = run(['sleep', '1001'], { signal: controller.signal });
    handle.stdout!.resume();
    await whenRunning('sleep 1001');
    controller.abort();
    const exit = await exitWithin(handle, 10_000);
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM', aborted: true });
    expect(await processes()).not.toContain('sleep 1001');
  });

  it('escalates to SIGKILL when SIGTERM is ignored, and takes the children along', async () => {
    const controller = new AbortController();
    // The shell and its sleep both ignore SIGTERM (an ignored signal stays ignored across exec).
    const handle = run(['sh', '-c', 'trap "" TERM; sleep 1002; echo survived'], { signal: controller.signal, killGraceMs: 500 });
    handle.stdout!.resume();
    await whenRunning('sleep 1002');
    controller.abort();
    const exit = await exitWithin(handle, 10_000);
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL', aborted: true });
    expect(await processes()).not.toContain('sleep 1002');
  });

  it("a restarted agent stops what a killed one left running in a container (its exec records)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oec-children-'));
    try {
      setChildTracker(fileChildTracker(dir));
      // The shell and its child carry the marker: both go.
      const handle = run(['sh', '-c', 'sleep 1003; echo survived']);
      handle.stdout!.resume();
      await whenRunning('sleep 1003');
      // The agent dies here: its tracker is gone, the record of the running exec is left.
      setChildTracker(null);
      const records = takeLeftoverExecs(dir);
      expect(records).toEqual([expect.objectContaining({ container: container.id, name: 'sh' })]);
      expect(takeLeftoverExecs(dir)).toEqual([]);
      expect(await killLeftoverExecs(docker, records)).toEqual(records);
      const exit = await exitWithin(handle, 20_000);
      expect(exit.code).toBe(137);
      expect(await processes()).not.toContain('sleep 1003');
    } finally {
      setChildTracker(null);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds the process back while nobody reads its stdout (backpressure, bounded memory)', async () => {
    const size = 64 * 1024 * 1024;
    const handle = run(['head', '-c', String(size), '/dev/zero']);
    const state = await Promise.race([handle.exit.then(() => 'exited'), sleep(1500).then(() => 'running')]);
    expect(state).toBe('running');
    let bytes = 0;
    for await (const chunk of handle.stdout as AsyncIterable<Buffer>) bytes += chunk.length;
    expect(bytes).toBe(size);
    expect((await handle.exit).code).toBe(0);
  });

  it('still exits when its stdout was destroyed while full (the side a failed pipe tears down)', async () => {
    const handle = run(['yes']);
    await whenRunning('yes');
    // Nobody reads: the socket is paused on a full stdout, then the consumer gives up.
    await sleep(300);
    handle.stdout?.destroy();
    handle.kill();
    const exit = await Promise.race([handle.exit, sleep(30_000).then(() => null)]);
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM' });
  });
});

describe('docker exec builders', () => {
  const mark = 'a'.repeat(24);

  it('builds the exec-create body with argv as given and the marker last in Env', () => {
    expect(execCreateBody(['psql', '-c', 'SELECT 1; DROP TABLE x'], { stdin: true, env: { PGDATABASE: 'db' }, user: 'postgres', mark })).toEqual({
      Cmd: ['psql', '-c', 'SELECT 1; DROP TABLE x'],
      Env: ['PGDATABASE=db', `${EXEC_MARK_VAR}=${mark}`],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      User: 'postgres',
    });
    expect(execCreateBody(['true'], { stdin: false, mark, workingDir: '/var/lib/odoo' })).toMatchObject({ AttachStdin: false, WorkingDir: '/var/lib/odoo' });
  });

  it('refuses values Docker or execve would misread', () => {
    expect(() => execCreateBody([], { stdin: false, mark })).toThrow(/empty argv/);
    expect(() => execCreateBody(['cat', 'a\0b'], { stdin: false, mark })).toThrow(/NUL/);
    expect(() => execCreateBody(['env'], { stdin: false, mark, env: { 'PGOPTIONS=-c x': 'y' } })).toThrow(/invalid environment name/);
    expect(() => execCreateBody(['env'], { stdin: false, mark, env: { [EXEC_MARK_VAR]: mark } })).toThrow(/invalid environment name/);
    expect(() => execCreateBody(['env'], { stdin: false, mark, env: { A: 'x\0' } })).toThrow(/NUL/);
    expect(() => execCreateBody(['id'], { stdin: false, mark, user: 'root --privileged' })).toThrow(/invalid user/);
    expect(() => execCreateBody(['pwd'], { stdin: false, mark, workingDir: 'relative' })).toThrow(/absolute/);
    expect(() => execCreateBody(['true'], { stdin: false, mark: 'x; rm -rf /' })).toThrow(/mark/);
  });

  it('passes the marker and signal to the kill script as arguments, not inside it', () => {
    const argv = killArgv(mark, 'SIGTERM');
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual([`${EXEC_MARK_VAR}=${mark}`, 'TERM']);
    expect(argv[2]).not.toContain(mark);
    expect(() => killArgv(mark, 'SIGNOPE' as NodeJS.Signals)).toThrow(/unknown signal/);
    expect(() => killArgv('$(reboot)', 'SIGKILL')).toThrow(/mark/);
    expect(newExecMark()).toMatch(/^[0-9a-f]{24}$/);
  });

  it('reads 128+n as signal n only when a signal was sent', () => {
    expect(decodeExitCode(143, 'SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    expect(decodeExitCode(137, 'SIGTERM')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(decodeExitCode(143, null)).toEqual({ code: 143, signal: null });
    expect(decodeExitCode(3, 'SIGTERM')).toEqual({ code: 3, signal: null });
    expect(decodeExitCode(null, null)).toEqual({ code: null, signal: null });
  });
});
