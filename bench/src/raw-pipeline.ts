// The raw baselines: a producer on A | a Node TCP relay on 127.0.0.1 | a consumer on B, e.g.
// pg_dump -Fc | tcp | pg_restore or tar -c | tcp | tar -x.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Transform } from 'node:stream';
import type { AgentBench } from '@oec/test/clone';

export interface Proc {
  child: ChildProcess;
  done: Promise<void>;
}

/** Spawn a step of a pipeline: its stdout piped for a producer, its stdin for a consumer. */
export function proc(file: string, args: string[], env: NodeJS.ProcessEnv, stdio: 'producer' | 'consumer' | 'none'): Proc {
  const child = spawn(file, args, {
    env: { ...process.env, ...env },
    stdio: [stdio === 'consumer' ? 'pipe' : 'ignore', stdio === 'producer' ? 'pipe' : 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')}: exit ${code ?? signal}: ${err.trim()}`))));
  });
  return { child, done };
}

/** `producer | TCP | consumer`: the target side listens and pipes the socket into the consumer. */
export async function overTcp(producer: () => Proc, consumer: () => Proc): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const procs: Proc[] = [];
  const sockets: Socket[] = [];
  let bytes = 0;
  try {
    const received = new Promise<void>((resolve, reject) => {
      server.once('connection', (socket) => {
        sockets.push(socket);
        const c = consumer();
        procs.push(c);
        socket.on('error', reject);
        // tar -x exits at the end-of-archive marker, before the padding after it and the EOF: a
        // closed stdin is not a failure, the consumer's exit status and the check after it decide.
        c.child.stdin?.on('error', () => undefined);
        socket.pipe(c.child.stdin!);
        c.done.then(resolve, reject);
      });
    });
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const p = producer();
    procs.push(p);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const sent = new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      p.child.stdout!.pipe(counter).pipe(socket);
      socket.once('finish', resolve);
    });
    await Promise.all([p.done, sent, received]);
    return bytes;
  } catch (e) {
    for (const p of procs) p.child.kill('SIGKILL');
    throw e;
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

/** libpq environment for the bench's cluster, as its superuser. */
export function pgEnv(bench: AgentBench): NodeJS.ProcessEnv {
  return { PGHOST: '127.0.0.1', PGPORT: String(bench.cluster.port), PGUSER: bench.cluster.superuser };
}
