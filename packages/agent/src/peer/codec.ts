// Compression on the wire for cross-server streams (the `compress` option): zstd through the
// system's `zstd` (fast, multi-threaded) when both agents have it, gzip (zlib, level 1) otherwise.
// Each codec is a Duplex plus a promise that rejects when the coder failed.
import { PassThrough, Duplex } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type { WireCodec } from '@oec/shared';
import { assertSuccess, spawnProcess } from '../exec/run.js';

export interface Coder {
  stream: Duplex;
  /** Resolves once the coder is done; rejects with its failure (a zstd exit code). */
  done: Promise<void>;
}

export function zstdArgv(direction: 'encode' | 'decode'): string[] {
  return direction === 'encode' ? ['-1', '-T0', '-q', '-c'] : ['-d', '-q', '-c'];
}

export function createCoder(codec: WireCodec, direction: 'encode' | 'decode', signal: AbortSignal, env: NodeJS.ProcessEnv): Coder {
  switch (codec) {
    case 'none':
      return { stream: new PassThrough(), done: Promise.resolve() };
    case 'gzip':
      return { stream: direction === 'encode' ? createGzip({ level: 1 }) : createGunzip(), done: Promise.resolve() };
    case 'zstd': {
      const proc = spawnProcess('zstd', 'zstd', zstdArgv(direction), { signal, env, stdin: 'pipe', stdout: 'pipe' });
      if (!proc.stdin || !proc.stdout) throw new Error('zstd has no pipes');
      const stream = Duplex.from({ writable: proc.stdin, readable: proc.stdout });
      return { stream, done: proc.exit.then((exit) => assertSuccess('zstd', exit)) };
    }
  }
}
