// Filestore file I/O for one shard on a thread of its own. Reading or writing a small file through
// Node's asynchronous fs is three to five hops to the thread pool and back (open, read or write,
// close, rename), each costing the event loop more CPU than the system call itself; a filestore
// is mostly small files, so those hops, not the bytes, were the transfer's cost. Here a worker
// thread does a whole batch with plain system calls and answers once: the event loop keeps only
// the TLS and the frames, and the sha1 check of what was received runs beside it.
import { Worker } from 'node:worker_threads';

export interface IoFile {
  rel: string;
  size: number;
  /** Reading: also hash it (its name is not its sha1). Writing: what the sender's hash was. */
  sha1?: string | undefined;
}

/** A file that failed the check (written is not placed). */
export interface IoMismatch {
  rel: string;
  digest: string;
}

export interface FileIo {
  /** The files' contents back to back, and the sha1 of those asked to be hashed. */
  read(root: string, files: IoFile[], hash: boolean[]): Promise<{ data: Buffer; sha1: (string | null)[] }>;
  /**
   * Check each file (sha1 against its name, and against the sender's sha1 when given), then write
   * it as `<name>.part` and rename it in; stops at the first that fails the check.
   */
  write(root: string, files: IoFile[], data: Buffer): Promise<{ placed: number; mismatch: IoMismatch | null }>;
  /** Ends the thread once every job is done. */
  close(): Promise<void>;
}

type Job = { id: number; kind: 'read'; root: string; files: IoFile[]; hash: boolean[] } | { id: number; kind: 'write'; root: string; files: IoFile[]; data: Uint8Array };

type Answer =
  | { id: number; data: ArrayBuffer; sha1: (string | null)[] }
  | { id: number; placed: number; mismatch: IoMismatch | null }
  | { id: number; error: { message: string; code: string | null; shrank: boolean } };

/**
 * The worker's body. It runs as a script of its own (`eval`, so the same code serves the built
 * agent and the tests that run its sources): it may use nothing of this module, only what it imports.
 */
function ioWorker(): void {
  {
    // Not `import`: a test runner may rewrite those; the built-in modules are there as they are.
    const { parentPort } = process.getBuiltinModule('node:worker_threads');
    const fs = process.getBuiltinModule('node:fs');
    const { createHash } = process.getBuiltinModule('node:crypto');
    const path = process.getBuiltinModule('node:path');
    const join = (...parts: string[]): string => path.join(...parts);
    const dirname = (p: string): string => path.dirname(p);
    if (!parentPort) return;
    const port = parentPort;
    const sha1Name = /^[0-9a-f]{40}$/;
    const dirs = new Set<string>();
    const read = (job: Extract<Job, { kind: 'read' }>): Answer => {
      const total = job.files.reduce((n, f) => n + f.size, 0);
      const data = new ArrayBuffer(total);
      const view = new Uint8Array(data);
      const sha1: (string | null)[] = [];
      let at = 0;
      job.files.forEach((f, i) => {
        const fd = fs.openSync(join(job.root, f.rel), 'r');
        try {
          let got = 0;
          while (got < f.size) {
            const n = fs.readSync(fd, view, at + got, f.size - got, got);
            if (n === 0) break;
            got += n;
          }
          // A longer file is noticed where the name cannot tell; a content-addressed one, the target's check does.
          const longer = job.hash[i] === true && got === f.size && fs.readSync(fd, new Uint8Array(1), 0, 1, f.size) > 0;
          if (got !== f.size || longer) throw Object.assign(new Error(`Source file ${f.rel} changed size while being sent (${f.size} → ${longer ? 'more' : got} bytes)`), { shrank: true });
        } finally {
          fs.closeSync(fd);
        }
        sha1.push(job.hash[i] === true ? createHash('sha1').update(view.subarray(at, at + f.size)).digest('hex') : null);
        at += f.size;
      });
      return { id: job.id, data, sha1 };
    };
    const write = (job: Extract<Job, { kind: 'write' }>): Answer => {
      let at = 0;
      let placed = 0;
      for (const f of job.files) {
        const bytes = job.data.subarray(at, at + f.size);
        at += f.size;
        const digest = createHash('sha1').update(bytes).digest('hex');
        const name = f.rel.slice(f.rel.lastIndexOf('/') + 1);
        if ((f.sha1 !== undefined && digest !== f.sha1) || (sha1Name.test(name) && digest !== name)) {
          return { id: job.id, placed, mismatch: { rel: f.rel, digest } };
        }
        const dst = join(job.root, f.rel);
        const dir = dirname(dst);
        if (!dirs.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          dirs.add(dir);
        }
        const part = `${dst}.part`;
        try {
          fs.writeFileSync(part, bytes, { mode: 0o444 });
          fs.renameSync(part, dst);
        } catch (e) {
          fs.rmSync(part, { force: true });
          throw e;
        }
        placed++;
      }
      return { id: job.id, placed, mismatch: null };
    };
    port.on('message', (job: Job) => {
      try {
        const answer = job.kind === 'read' ? read(job) : write(job);
        port.postMessage(answer, 'data' in answer && answer.data instanceof ArrayBuffer ? [answer.data] : []);
      } catch (e) {
        const err = e as Error & { code?: unknown; shrank?: unknown };
        port.postMessage({ id: job.id, error: { message: err.message, code: typeof err.code === 'string' ? err.code : null, shrank: err.shrank === true } });
      }
    });
  }
}

export class FileIoError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    /** The source file is not what was listed (not an I/O failure). */
    readonly shrank: boolean,
  ) {
    super(message);
  }
}

export function createFileIo(): FileIo {
  const worker = new Worker(`(${ioWorker.toString()})()`, { eval: true });
  const pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  const inFlight = new Set<Promise<Answer>>();
  let ids = 0;
  let dead: Error | null = null;
  const failAll = (e: Error): void => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (a: Answer) => {
    const p = pending.get(a.id);
    pending.delete(a.id);
    p?.resolve(a);
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`the file I/O thread exited (${code})`)));
  const run = async (job: Job, transfer: ArrayBuffer[] = []): Promise<Answer> => {
    if (dead) throw dead;
    const p = new Promise<Answer>((resolve, reject) => {
      pending.set(job.id, { resolve, reject });
      worker.postMessage(job, transfer);
    });
    inFlight.add(p);
    try {
      const a = await p;
      if ('error' in a) throw new FileIoError(a.error.message, a.error.code, a.error.shrank);
      return a;
    } finally {
      inFlight.delete(p);
    }
  };
  return {
    async read(root, files, hash) {
      const a = await run({ id: ids++, kind: 'read', root, files, hash });
      if (!('data' in a)) throw new Error('the file I/O thread answered a read with a write');
      return { data: Buffer.from(a.data), sha1: a.sha1 };
    },
    async write(root, files, data) {
      // Copied once into shared memory, never moved: a received frame's memory may still be shared
      // with the socket's buffers (moving it hung the stream), and posting a plain buffer costs a
      // serialization and a second copy on the event loop.
      const shared = new Uint8Array(new SharedArrayBuffer(data.length));
      shared.set(data);
      const a = await run({ id: ids++, kind: 'write', root, files, data: shared });
      if (!('placed' in a)) throw new Error('the file I/O thread answered a write with a read');
      return { placed: a.placed, mismatch: a.mismatch };
    },
    async close() {
      // A job the thread started finishes (no `.part` is left behind), then the thread ends.
      await Promise.allSettled([...inFlight]);
      dead ??= new Error('the file I/O thread is closed');
      await worker.terminate();
    },
  };
}
