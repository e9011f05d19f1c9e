import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode, WIRE_CODECS, type WireCodec } from '@oec/shared';
import { captureLogs, connectPair, newIdentity, startTestServer, tempDir, waitFor, type PeerPair } from '../testing/peer.js';
import { receiveBytes, sendBytes, type StreamCount } from './byte-stream.js';
import { CREDIT_WINDOW } from './channel.js';
import type { PeerServer } from './server.js';

const env = process.env;
const HAS_ZSTD = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
const CHUNK = 64 * 1024;

/** Collects what arrives; optionally slow (each write waits for `delay`). */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  consumed = 0;
  constructor(private readonly delay: () => Promise<void> = async () => undefined) {
    super({ highWaterMark: CHUNK });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.delay().then(() => {
      this.chunks.push(chunk);
      this.consumed += chunk.length;
      cb();
    }, cb);
  }
  data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** What an agent does on each side: the receiver confirms with `done` once it has everything. */
function receiveAndConfirm(pair: PeerPair, sink: Writable, codec: WireCodec, signal: AbortSignal): Promise<StreamCount> {
  return receiveBytes(pair.receiver, sink, { codec, signal, env }).then((count) => {
    pair.receiver.send({ type: 'done', bytes: count.wire, files: 0 });
    return count;
  });
}

/** Settles to the rejection, or to 'resolved' (which every failure test treats as the bug it is). */
function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

function expectTransferFailed(e: unknown): AppError {
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(ErrorCode.TRANSFER_FAILED);
  return e as AppError;
}

/** Endless 64 KiB chunks; `produced` counts what the sender's pipeline took. */
function endless(signal: AbortSignal, counter: { produced: number }): Readable {
  return Readable.from(
    (async function* () {
      while (!signal.aborted) {
        const chunk = randomBytes(CHUNK);
        counter.produced += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

/**
 * A TCP relay in front of the peer server that can freeze: from then on nothing passes either way,
 * as when the link is cut or the peer host hangs (no FIN, no RST, no pong).
 */
async function freezableRelay(port: number): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets: Socket[] = [];
  const relay: Server = createServer((down) => {
    const up = connect(port, '127.0.0.1');
    sockets.push(down, up);
    for (const [from, to] of [[down, up], [up, down]] as const) {
      from.on('data', (d: Buffer) => {
        if (!frozen) to.write(d);
      });
      from.on('error', () => undefined);
      // a cut link delivers nothing, not even a close: frozen, one side's end stays unseen by the other
      from.on('close', () => {
        if (!frozen) to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `wss://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    freeze: () => (frozen = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

describe('byte streams over a peer connection', () => {
  let dir = '';
  let server: PeerServer;
  const cleanups: (() => unknown)[] = [];
  const signal = AbortSignal.timeout(10 * 60_000);

  beforeAll(async () => {
    dir = await tempDir('byte-stream');
    server = await startTestServer(await newIdentity(dir, 'server-b'), captureLogs().logger);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function pair(opts: { idleTimeoutMs?: number; url?: string } = {}): Promise<PeerPair> {
    const p = await connectPair(server, opts);
    cleanups.push(() => p.close());
    return p;
  }

  /** Aborted after the test, so that nothing a failing test left waiting keeps running. */
  function testSignal(): AbortSignal {
    const ac = new AbortController();
    cleanups.push(() => ac.abort());
    return AbortSignal.any([ac.signal, signal]);
  }

  for (const codec of WIRE_CODECS) {
    const skip = codec === 'zstd' && !HAS_ZSTD;
    it.skipIf(skip)(`delivers a multi-MiB stream byte for byte with codec ${codec}${skip ? ' (skipped: no zstd binary on PATH)' : ''}`, async () => {
      // Half incompressible, half compressible, in uneven chunks.
      const data = Buffer.concat([randomBytes(3 * 1024 * 1024 + 17), Buffer.from('res.partner,name,email\n'.repeat(150_000))]);
      const chunks: Buffer[] = [];
      for (let at = 0, n = 1; at < data.length; at += n, n = (n * 7919) % 300_000 + 1) chunks.push(data.subarray(at, at + n));
      const p = await pair();
      const sink = new Collector();
      const [sent, received] = await Promise.all([
        sendBytes(p.sender, Readable.from(chunks, { objectMode: false }), { codec, signal, env }),
        receiveAndConfirm(p, sink, codec, signal),
      ]);
      expect(sink.consumed).toBe(data.length);
      expect(sha256(sink.data())).toBe(sha256(data));
      expect(sent).toEqual(received);
      expect(sent.raw).toBe(data.length);
      if (codec === 'none') expect(sent.wire).toBe(data.length);
      else expect(sent.wire).toBeLessThan(data.length);
    });
  }

  it('holds the sender within the credit window while the consumer is slow', async () => {
    // In flight = taken from the producer − written by the consumer. The sender may have the
    // window plus one frame unacknowledged; the rest of the slack is the fixed buffering of the
    // two pipelines (the receiver's 1 MiB read-ahead, a few 64 KiB stream buffers per side).
    const bound = CREDIT_WINDOW + 3 * 1024 * 1024;
    const total = 3 * CREDIT_WINDOW;
    const progress = { produced: 0 };
    let maxInFlight = 0;
    // The consumer takes nothing until the sender got a whole window out (which flow control
    // must allow without any consumption), then takes each chunk only after a timer.
    const sink = new Collector(async () => {
      await waitFor(() => progress.produced >= CREDIT_WINDOW, 'the sender to use its window');
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
    const source = Readable.from(
      (async function* () {
        while (progress.produced < total) {
          const chunk = randomBytes(CHUNK);
          progress.produced += chunk.length;
          maxInFlight = Math.max(maxInFlight, progress.produced - sink.consumed);
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    const p = await pair();
    const [sent] = await Promise.all([sendBytes(p.sender, source, { codec: 'none', signal, env }), receiveAndConfirm(p, sink, 'none', signal)]);
    expect(sent.raw).toBe(total);
    expect(sink.consumed).toBe(total);
    expect(maxInFlight).toBeGreaterThanOrEqual(CREDIT_WINDOW);
    expect(maxInFlight).toBeLessThanOrEqual(bound);
  });

  for (const codec of WIRE_CODECS) {
    for (const side of ['sender', 'receiver'] as const) {
      const skip = codec === 'zstd' && !HAS_ZSTD;
      it.skipIf(skip)(`fails both ends when the ${side}'s socket drops mid-stream (${codec}${skip ? ', skipped: no zstd binary' : ''})`, async () => {
        const local = testSignal();
        const p = await pair();
        const sink = new Collector(() => new Promise((resolve) => setTimeout(resolve, 1)));
        const sending = outcome(sendBytes(p.sender, endless(local, { produced: 0 }), { codec, signal: local, env }));
        const receiving = outcome(receiveAndConfirm(p, sink, codec, local));
        await waitFor(() => sink.consumed > 1024 * 1024, 'part of the stream to arrive');
        (side === 'sender' ? p.senderSocket : p.receiverSocket).terminate();
        const [s, r] = await Promise.all([sending, receiving]);
        expect(expectTransferFailed(s).message).toMatch(/lost/);
        expect(expectTransferFailed(r).message).toMatch(/lost/);
        expect(sink.writableFinished).toBe(false);
      });
    }
  }

  it("fails the receiver with the sender's code when the producer fails before the end", async () => {
    const p = await pair();
    const sink = new Collector();
    let receiverResolved = false;
    const receiving = outcome(
      receiveAndConfirm(p, sink, 'gzip', signal).then(() => {
        receiverResolved = true;
      }),
    );
    const producerFailure = new AppError(ErrorCode.SOURCE_UNREACHABLE, 'pg_dump exited with code 1: lock timeout');
    // As the sending task does (clone/transfer/send.ts withChannel): a failure is reported to the
    // peer, then thrown.
    const sending = outcome(
      sendBytes(p.sender, Readable.from([randomBytes(200_000)], { objectMode: false }), {
        codec: 'gzip',
        signal,
        env,
        beforeEnd: async () => {
          throw producerFailure;
        },
      }).catch((e: unknown) => {
        expect(receiverResolved).toBe(false);
        expect(e).toBe(producerFailure);
        p.sender.fail(producerFailure.code, `server-a: ${producerFailure.message}`);
        throw e;
      }),
    );
    expect(await sending).toBe(producerFailure);
    const err = await receiving;
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: ErrorCode.SOURCE_UNREACHABLE, details: { reported_by_peer: true } });
    expect((err as AppError).message).toMatch(/pg_dump exited with code 1/);
    expect(receiverResolved).toBe(false);
    expect(sink.writableFinished).toBe(false);
  });

  it('fails a silent peer by the idle timeout on both ends', async () => {
    const local = testSignal();
    const relay = await freezableRelay(Number(new URL(server.url).port));
    cleanups.push(() => relay.close());
    const p = await pair({ idleTimeoutMs: 1000, url: relay.url });
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const progress = { produced: 0 };
    // One chunk, then the producer stalls (until released: then it sends again, endlessly).
    const source = Readable.from(
      (async function* () {
        yield randomBytes(CHUNK);
        await released;
        yield* endless(local, progress);
      })(),
      { objectMode: false },
    );
    const sink = new Collector();
    const sending = outcome(sendBytes(p.sender, source, { codec: 'none', signal: local, env }));
    const receiving = outcome(receiveAndConfirm(p, sink, 'none', local));
    await waitFor(() => sink.consumed === CHUNK, 'the first chunk');
    relay.freeze();

    const r = expectTransferFailed(await receiving);
    expect(r.message).toMatch(/No answer from server-a/);
    // The sender notices as soon as it has something to send.
    release();
    const s = expectTransferFailed(await sending);
    expect(s.message).toMatch(/No answer from server-b|lost/);
    expect(sink.writableFinished).toBe(false);
  });
});
