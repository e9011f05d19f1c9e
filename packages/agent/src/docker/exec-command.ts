// Pure builders for running a process in a container through the Engine API: the exec-create body
// and the in-container kill command. Kept apart from the I/O so their exact shape is unit-tested
// without an engine.
//
// The Engine API has no "kill this exec" call, and closing the attach connection does not end the
// process (it only closes its stdin). So every exec carries a random marker in its environment,
// inherited by its children (pg_dump -j workers, tar's compressor), and a second exec signals
// whatever process carries it: `kill` from inside the container, as the same user (reading another
// user's /proc/<pid>/environ needs CAP_SYS_PTRACE, which containers do not get by default).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';

export const EXEC_MARK_VAR = 'OEC_EXEC_MARK';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A user name, uid, or user:group as `docker exec -u` takes them. */
const EXEC_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const MARK = /^[0-9a-f]{24}$/;

export interface ExecCreateBody {
  Cmd: string[];
  Env: string[];
  AttachStdin: boolean;
  AttachStdout: true;
  AttachStderr: true;
  Tty: false;
  User?: string;
  WorkingDir?: string;
}

export interface ExecBodyOptions {
  stdin: boolean;
  /** Added to the container's environment for this process only. */
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  /** From newExecMark(); lets killArgv find the process and its children. */
  mark: string;
}

export function newExecMark(): string {
  return randomBytes(12).toString('hex');
}

/**
 * The POST /containers/{id}/exec body. argv goes to execve as is (no shell), so its values need
 * no quoting; what is refused is what execve or Docker would misread: NUL bytes, environment names
 * containing `=` (the name would swallow part of the value), a user spec with spaces.
 */
export function execCreateBody(argv: readonly string[], opts: ExecBodyOptions): ExecCreateBody {
  if (argv.length === 0 || !argv[0]) throw new Error('docker exec: empty argv');
  for (const arg of argv) if (arg.includes('\0')) throw new Error('docker exec: argv contains a NUL byte');
  if (!MARK.test(opts.mark)) throw new Error('docker exec: invalid exec mark');
  const env: string[] = [];
  for (const [name, value] of Object.entries(opts.env ?? {})) {
    if (!ENV_NAME.test(name) || name === EXEC_MARK_VAR) throw new Error(`docker exec: invalid environment name ${JSON.stringify(name)}`);
    if (value.includes('\0')) throw new Error(`docker exec: environment value of ${name} contains a NUL byte`);
    env.push(`${name}=${value}`);
  }
  env.push(`${EXEC_MARK_VAR}=${opts.mark}`);
  const body: ExecCreateBody = {
    Cmd: [...argv],
    Env: env,
    AttachStdin: opts.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  };
  if (opts.user !== undefined) {
    if (!EXEC_USER.test(opts.user)) throw new Error(`docker exec: invalid user ${JSON.stringify(opts.user)}`);
    body.User = opts.user;
  }
  if (opts.workingDir !== undefined) {
    if (!opts.workingDir.startsWith('/') || opts.workingDir.includes('\0')) throw new Error('docker exec: working dir must be an absolute path');
    body.WorkingDir = opts.workingDir;
  }
  return body;
}

// $0 is the marker line, $1 the signal name: passed as arguments, never spliced into the script.
// All marked processes get the signal in one `kill`; before SIGKILL they are stopped first, so a
// parent cannot run on (`cmd; echo done`) in the moment between its child's death and its own.
const KILL_SCRIPT =
  'pids=; for p in /proc/[0-9]*; do ' +
  'if tr "\\000" "\\n" < "$p/environ" 2>/dev/null | grep -qxF "$0"; then pids="$pids ${p#/proc/}"; fi; ' +
  'done; [ -n "$pids" ] || exit 0; ' +
  '[ "$1" != KILL ] || kill -s STOP $pids 2>/dev/null; ' +
  'kill -s "$1" $pids 2>/dev/null; exit 0';

/** argv of the exec that sends `signal` to every process of the container carrying `mark`. */
export function killArgv(mark: string, signal: NodeJS.Signals): string[] {
  if (!MARK.test(mark)) throw new Error('docker exec: invalid exec mark');
  if (!(signal in constants.signals)) throw new Error(`docker exec: unknown signal ${signal}`);
  return ['sh', '-c', KILL_SCRIPT, `${EXEC_MARK_VAR}=${mark}`, signal.replace(/^SIG/, '')];
}

/**
 * The Engine reports a process killed by signal n as exit code 128+n, like a shell. Read that as
 * the signal only when we sent one, so a program exiting 143 on its own stays an exit code.
 */
export function decodeExitCode(exitCode: number | null, sent: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (sent === null || exitCode === null || exitCode <= 128) return { code: exitCode, signal: null };
  const n = exitCode - 128;
  const name = (Object.keys(constants.signals) as NodeJS.Signals[]).find((s) => constants.signals[s] === n);
  return name ? { code: null, signal: name } : { code: exitCode, signal: null };
}
