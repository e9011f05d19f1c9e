// TCP from inside a namespace: an echo listener and a one-shot connect, each a small Node script
// run with `ip netns exec`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server as NetServerSocket } from 'node:net';
import { requireIp } from './commands.js';

const LISTEN_SCRIPT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const srv = net.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
srv.listen(Number(port), host, () => process.stdout.write('listening ' + srv.address().port + '\\n'));
srv.on('error', (e) => { process.stderr.write(String(e.code || e.message) + '\\n'); process.exit(3); });
process.on('SIGTERM', () => process.exit(0));
`;

const CONNECT_SCRIPT = `
const net = require('node:net');
const [host, port, timeout, echo] = process.argv.slice(1);
const token = 'oec-probe-' + process.pid;
const s = net.connect(Number(port), host);
const done = (word, code) => { process.stdout.write(word + '\\n'); process.exit(code); };
s.setTimeout(Number(timeout), () => done('TIMEOUT', 2));
let got = '';
s.on('connect', () => (echo === '1' ? s.write(token) : done('OK', 0)));
s.on('data', (d) => { got += d; if (got === token) done('OK', 0); });
s.on('error', (e) => done(String(e.code || e.message), 1));
s.on('close', () => done('CLOSED', 4));
`;

export interface NsListener {
  port: number;
  /** The listener process (null for a listener in this process). */
  proc: ChildProcess | null;
  stop(): Promise<void>;
}

/**
 * A TCP echo server on host:port inside a namespace (port 0: any); resolves once it listens.
 * With `ns` null, a server in this process's (root) namespace.
 */
export async function listenEcho(ns: string | null, host: string, port = 0): Promise<NsListener> {
  if (ns === null) {
    const srv: NetServerSocket = createServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => resolve());
    });
    const addr = srv.address();
    return {
      port: typeof addr === 'object' && addr ? addr.port : port,
      proc: null,
      stop: () => new Promise<void>((resolve) => srv.close(() => resolve())),
    };
  }
  const proc = spawn(requireIp(), ['netns', 'exec', ns, process.execPath, '-e', LISTEN_SCRIPT, host, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const bound = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`listener in ${ns} exited ${code}: ${err.trim()}`)));
  });
  return {
    port: bound,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Open a TCP connection from inside a namespace and (by default) exchange a token with an echo
 * server (listenEcho); with `echo: false`, a completed TCP handshake is enough (any server, e.g.
 * an agent's peer port). Resolves 'OK', 'TIMEOUT' (no answer within timeoutMs), 'CLOSED' (the
 * server hung up before echoing) or the error code (ENETUNREACH, ECONNREFUSED, …).
 */
export function probeTcp(ns: string, host: string, port: number, timeoutMs = 5_000, opts: { echo?: boolean } = {}): Promise<string> {
  const echo = (opts.echo ?? true) ? '1' : '0';
  return new Promise((resolve, reject) => {
    const args = ['netns', 'exec', ns, process.execPath, '-e', CONNECT_SCRIPT, host, String(port), String(timeoutMs), echo];
    const proc = spawn(requireIp(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      const word = out.trim().split('\n').pop() ?? '';
      if (word) resolve(word);
      else reject(new Error(`probe in ${ns} exited ${code}: ${err.trim()}`));
    });
  });
}
