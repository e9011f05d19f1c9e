// A byte stream over a peer channel (a database dump, an addons tar): the producer's output,
// compressed if asked, goes out as data frames within the receiver's credit, closed by an `end`
// frame with the byte count and sha256 of what was sent; the receiver checks both before it
// calls the stream complete, so a cut connection can never pass for the end of the data.
import { createHash } from 'node:crypto';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, ErrorCode, type ReceiverMessage, type SenderMessage, type WireCodec } from '@oec/shared';
import { CREDIT_WINDOW, type PeerChannel } from './channel.js';
import { createCoder } from './codec.js';

export type SenderChannel = PeerChannel<ReceiverMessage, SenderMessage>;
export type ReceiverChannel = PeerChannel<SenderMessage, ReceiverMessage>;

export interface StreamCount {
  /** Bytes before compression. */
  raw: number;
  /** Bytes on the wire. */
  wire: number;
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

export interface SendBytesOptions {
  codec: WireCodec;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  rawEstimate?: number;
  items?: number;
  onRaw?: (total: number) => void;
  /** Checked after the last byte, before `end`: throw to fail the stream instead (producer exit). */
  beforeEnd?: () => Promise<void>;
}

/** Send `source` to the end; resolves once the receiver confirmed (`done`). */
export async function sendBytes(channel: SenderChannel, source: Readable, opts: SendBytesOptions): Promise<StreamCount> {
  const count: StreamCount = { raw: 0, wire: 0 };
  const sha = createHash('sha256');
  channel.send({
    type: 'begin',
    codec: opts.codec,
    ...(opts.rawEstimate !== undefined ? { raw_bytes_estimate: opts.rawEstimate } : {}),
    ...(opts.items !== undefined ? { items: opts.items } : {}),
  });
  const coder = createCoder(opts.codec, 'encode', opts.signal, opts.env);
  // Node 20's pipeline can reject with an AbortError of its own cleanup instead of the error the
  // last stage threw (nodejs/node#62089): keep ours, it says why (TRANSFER_FAILED: peer lost).
  let sendFailure: unknown = null;
  await Promise.all([
    pipeline(
      source,
      counter((n) => {
        count.raw += n;
        opts.onRaw?.(count.raw);
      }),
      coder.stream,
      async (frames: AsyncIterable<Buffer>) => {
        try {
          for await (const chunk of frames) {
            sha.update(chunk);
            count.wire += chunk.length;
            await channel.sendData(chunk, opts.signal);
          }
        } catch (e) {
          sendFailure = e;
          throw e;
        }
      },
    ).catch((e: unknown) => {
      throw sendFailure ?? e;
    }),
    coder.done,
  ]);
  await opts.beforeEnd?.();
  channel.send({ type: 'end', bytes: count.wire, sha256: sha.digest('hex') });
  await channel.expect(opts.signal, 'done');
  return count;
}

export interface ReceiveBytesOptions {
  codec: WireCodec;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  onBegin?: (begin: Extract<SenderMessage, { type: 'begin' }>) => void;
  onRaw?: (total: number) => void;
}

/**
 * Receive one byte stream into `sink` (ended at the end). Resolves once every byte arrived and
 * matched the sender's count and checksum; the caller then checks its consumer and sends `done`.
 */
export async function receiveBytes(channel: ReceiverChannel, sink: Writable, opts: ReceiveBytesOptions): Promise<StreamCount> {
  const begin = await channel.expect(opts.signal, 'begin');
  if (begin.codec !== opts.codec) {
    throw new AppError(ErrorCode.TRANSFER_FAILED, `${channel.label} sent ${begin.codec}, ${opts.codec} was agreed`);
  }
  opts.onBegin?.(begin);
  const count: StreamCount = { raw: 0, wire: 0 };
  const sha = createHash('sha256');
  channel.grant(CREDIT_WINDOW);
  async function* frames(): AsyncGenerator<Buffer> {
    for (;;) {
      const item = await channel.next(opts.signal);
      if (item.kind === 'data') {
        sha.update(item.data);
        count.wire += item.data.length;
        yield item.data;
        // Pulled again: the consumer took the chunk, so the sender may send as much more.
        channel.grant(item.data.length);
        continue;
      }
      if (item.message.type !== 'end') {
        throw new AppError(ErrorCode.TRANSFER_FAILED, `${channel.label} broke the protocol: ${item.message.type} inside a byte stream`);
      }
      const digest = sha.digest('hex');
      if (item.message.bytes !== count.wire || (item.message.sha256 && item.message.sha256 !== digest)) {
        throw new AppError(
          ErrorCode.TRANSFER_FAILED,
          `${channel.label}: stream corrupted in transit (${count.wire} bytes received, ${item.message.bytes} sent; checksum ${item.message.sha256 === digest ? 'matches' : 'differs'})`,
        );
      }
      return;
    }
  }
  const coder = createCoder(opts.codec, 'decode', opts.signal, opts.env);
  await Promise.all([
    pipeline(
      Readable.from(frames(), { objectMode: false, highWaterMark: 1024 * 1024 }),
      coder.stream,
      counter((n) => {
        count.raw += n;
        opts.onRaw?.(count.raw);
      }),
      sink,
    ),
    coder.done,
  ]);
  return count;
}
