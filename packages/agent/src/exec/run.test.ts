import { describe, expect, it } from 'vitest';
import { collect, ExecError, pipe, spawnProcess } from './run.js';

const node = process.execPath;
const sig = (): AbortSignal => new AbortController().signal;

function nodeProc(name: string, script: string, opts: { stdin?: 'pipe'; signal?: AbortSignal } = {}) {
  return spawnProcess(name, node, ['-e', script], { signal: opts.signal ?? sig(), stdin: opts.stdin ?? 'ignore' });
}

describe('spawnProcess / collect', () => {
  it('collects stdout and a drained stderr tail', async () => {
    const h = nodeProc('echo', 'process.stderr.write("x".repeat(200000) + "END"); console.log("out")');
    const { stdout, exit } = await collect(h);
    expect(stdout).toBe('out\n');
    expect(exit.code).toBe(0);
    expect(exit.stderrTail.endsWith('END')).toBe(true);
    expect(exit.stderrTail.length).toBeLessThanOrEqual(8192);
  });

  it('passes argv elements verbatim, without a shell', async () => {
    const hostile = ['x; echo pwned', '$(id)', '--help', '`id`'];
    const h = spawnProcess('node', node, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...hostile], {
      signal: sig(),
    });
    expect(JSON.parse((await collect(h)).stdout)).toEqual(hostile);
  });

  it('throws ExecError with the stderr tail on a non-zero exit', async () => {
    const h = nodeProc('failing', 'console.error("boom"); process.exit(3)');
    const err = await collect(h).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).exit.code).toBe(3);
    expect((err as ExecError).message).toContain('boom');
  });

  it('reports a missing program as an exit with an error, never a rejection', async () => {
    const h = spawnProcess('nope', '/nonexistent/program', [], { signal: sig() });
    const exit = await h.exit;
    expect(exit.error).toMatch(/ENOENT/);
  });

  it('kills the process when the signal aborts', async () => {
    const ac = new AbortController();
    const h = nodeProc('sleeper', 'console.log("ready"); setInterval(() => {}, 1000)', { signal: ac.signal });
    h.stdout?.once('data', () => ac.abort());
    const exit = await h.exit;
    expect(exit.aborted).toBe(true);
    expect(exit.signal).toBe('SIGTERM');
  });

  it('forwards stderr lines', async () => {
    const lines: string[] = [];
    const h = spawnProcess('lines', node, ['-e', 'console.error("a\\nb"); process.stderr.write("c")'], {
      signal: sig(),
      onStderrLine: (l) => lines.push(l),
    });
    await collect(h);
    expect(lines).toEqual(['a', 'b', 'c']);
  });
});

describe('pipe', () => {
  const produce = 'const b = Buffer.alloc(1<<20, 97); let n = 0; const w = () => { while (n < 8) { n++; if (!process.stdout.write(b)) return process.stdout.once("drain", w); } }; w();';
  const consume = 'let n = 0; process.stdin.on("data", (c) => n += c.length).on("end", () => console.log(n));';

  it('streams 8 MiB from one process into another and checks both exits', async () => {
    const producer = nodeProc('producer', produce);
    const consumer = nodeProc('consumer', consume, { stdin: 'pipe' });
    let seen = 0;
    const out = collect(consumer);
    const result = await pipe(producer, consumer, { onBytes: (b) => (seen = b) });
    expect(result.bytes).toBe(8 << 20);
    expect(seen).toBe(8 << 20);
    expect((await out).stdout.trim()).toBe(String(8 << 20));
  });

  it('awaits the pace callback before passing each chunk on, and still delivers every byte', async () => {
    const producer = nodeProc('producer', produce);
    const consumer = nodeProc('consumer', consume, { stdin: 'pipe' });
    const out = collect(consumer);
    const paced: number[] = [];
    const result = await pipe(producer, consumer, {
      pace: async (bytes) => {
        paced.push(bytes);
        await new Promise((r) => setImmediate(r));
      },
    });
    expect(paced.reduce((a, b) => a + b, 0)).toBe(8 << 20);
    expect(result.bytes).toBe(8 << 20);
    expect((await out).stdout.trim()).toBe(String(8 << 20));
  });

  it('reports a failing consumer and tears the producer down', async () => {
    const producer = nodeProc('producer', 'setInterval(() => process.stdout.write("x".repeat(65536)), 5)');
    const consumer = nodeProc('consumer', 'process.stdin.once("data", () => { console.error("restore failed"); process.exit(1) })', {
      stdin: 'pipe',
    });
    const err = await pipe(producer, consumer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).message).toMatch(/^consumer exited with code 1: restore failed/);
    const exit = await producer.exit;
    expect(exit.code === 0).toBe(false);
  });

  it('reports a failing producer first even though the consumer then fails too', async () => {
    const producer = nodeProc('producer', 'process.stdout.write("partial"); console.error("lock timeout"); process.exit(1)');
    const consumer = nodeProc('consumer', 'let s = ""; process.stdin.on("data", (c) => s += c).on("end", () => process.exit(s.length > 100 ? 0 : 2))', {
      stdin: 'pipe',
    });
    const err = await pipe(producer, consumer).catch((e: unknown) => e);
    expect((err as ExecError).message).toMatch(/^producer exited with code 1: lock timeout/);
  });

  it('succeeds when the consumer exits 0 before reading all of its input (tar at its end-of-archive marker)', async () => {
    // The producer writes 64 KiB, waits, then writes more after the consumer is gone.
    const producer = nodeProc('producer', 'process.stdout.write(Buffer.alloc(65536)); setTimeout(() => process.stdout.write(Buffer.alloc(65536)), 300)');
    const consumer = nodeProc('consumer', 'process.stdin.once("data", () => process.exit(0))', { stdin: 'pipe' });
    const result = await pipe(producer, consumer);
    expect(result.consumer.code).toBe(0);
    expect(result.producer.code === 0 || result.producer.signal !== null).toBe(true);
  });
});
