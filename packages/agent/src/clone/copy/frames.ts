// The COPY data path across two servers: the source side's sections, tables and sequences as
// frames over the transfer's one database byte stream (which carries the byte count, checksum,
// compression and credit flow control of decision 0007), demultiplexed on the target into the
// same work-database sink as on one server. Rows are transformed on the source before they are
// framed: unmasked values never cross the wire.
//
// A frame: type (u8), id (u32 BE), payload length (u32 BE), payload. Tables copied at once
// interleave frame by frame; a frame is one write, so frames never interleave inside.
import { once } from 'node:events';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { DEFAULT_STREAM_BUFFER } from './codec.js';
import type { CopyTableInfo, SequenceValue } from './catalog.js';
import type { CopySink, Section } from './source.js';

const F = {
  Tables: 1,
  SectionBegin: 2,
  SectionData: 3,
  SectionEnd: 4,
  TableBegin: 5,
  TableData: 6,
  TableEnd: 7,
  Sequences: 8,
} as const;
type F = (typeof F)[keyof typeof F];

const HEADER = 9;
const MAX_PAYLOAD = 16 * 1024 * 1024;
const SECTIONS: readonly Section[] = ['pre-data', 'post-data'];

/**
 * Wait for `drain` (false) or `close` (true); the other listener is removed, so that waiting at
 * every full buffer of a long copy leaves no listener behind.
 */
async function drainedOrClosed(s: NodeJS.EventEmitter): Promise<boolean> {
  const ac = new AbortController();
  try {
    return await Promise.race([once(s, 'drain', { signal: ac.signal }).then(() => false), once(s, 'close', { signal: ac.signal }).then(() => true)]);
  } finally {
    ac.abort();
  }
}

function frame(type: F, id: number, payload: Buffer): Buffer {
  const h = Buffer.allocUnsafe(HEADER);
  h.writeUInt8(type, 0);
  h.writeUInt32BE(id, 1);
  h.writeUInt32BE(payload.length, 5);
  return Buffer.concat([h, payload], HEADER + payload.length);
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');

/** The sender's sink: frames into `out` (the stream sendBytes carries), with backpressure. */
export function framedSink(out: PassThrough): CopySink & { end(): void } {
  let nextId = 0;
  const write = async (b: Buffer): Promise<void> => {
    if (out.destroyed) throw new Error('the database stream is closed');
    if (out.write(b)) return;
    // Destroyed while full (the stream broke): 'close' comes, 'drain' never does.
    const closed = await drainedOrClosed(out);
    if (closed) throw new Error('the database stream is closed');
  };
  const chunks = async (type: F, id: number, src: Readable, onChunk?: (c: Buffer) => void): Promise<void> => {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i += MAX_PAYLOAD) {
        const part = chunk.subarray(i, i + MAX_PAYLOAD);
        onChunk?.(part);
        await write(frame(type, id, part));
      }
    }
  };
  return {
    async begin(tables) {
      await write(frame(F.Tables, 0, json(tables)));
    },
    async section(section, archive) {
      const id = SECTIONS.indexOf(section);
      await write(frame(F.SectionBegin, id, Buffer.alloc(0)));
      await chunks(F.SectionData, id, archive);
      await write(frame(F.SectionEnd, id, Buffer.alloc(0)));
    },
    async table(table, rows) {
      const id = nextId++;
      await write(frame(F.TableBegin, id, json(table)));
      let lines = 0;
      await chunks(F.TableData, id, rows, (c) => {
        for (let i = c.indexOf(0x0a); i >= 0; i = c.indexOf(0x0a, i + 1)) lines++;
      });
      await write(frame(F.TableEnd, id, Buffer.alloc(0)));
      return lines;
    },
    async sequences(values) {
      await write(frame(F.Sequences, 0, json(values)));
    },
    end() {
      out.end();
    },
  };
}

/**
 * The receiver's side: a Writable that turns the frames back into calls on `sink`; each stage
 * buffers up to `bufferBytes` (one per table being received: the agent's budget, tuning.ts).
 */
export function frameReceiver(sink: CopySink, bufferBytes = DEFAULT_STREAM_BUFFER): Writable {
  let buffered: Buffer = Buffer.alloc(0);
  const section: { stream: PassThrough | null; done: Promise<void> | null } = { stream: null, done: null };
  const tables = new Map<number, PassThrough>();
  const pending = new Set<Promise<unknown>>();
  let failure: Error | null = null;

  const track = (p: Promise<unknown>): void => {
    const t: Promise<void> = p.then(
      () => {
        pending.delete(t);
      },
      (e: unknown) => {
        pending.delete(t);
        failure ??= e instanceof Error ? e : new Error(String(e));
        for (const s of tables.values()) s.destroy(failure);
        receiver.destroy(failure);
      },
    );
    pending.add(t);
  };
  const settle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
    if (failure) throw failure;
  };
  const feed = async (s: PassThrough, data: Buffer): Promise<void> => {
    if (!s.write(data)) await drainedOrClosed(s);
  };

  const handle = async (type: number, id: number, payload: Buffer): Promise<void> => {
    switch (type) {
      case F.Tables:
        await sink.begin?.(JSON.parse(payload.toString('utf8')) as CopyTableInfo[]);
        return;
      case F.SectionBegin: {
        const which = SECTIONS[id];
        if (!which) throw new Error(`unknown section ${id}`);
        // Indexes and constraints only once every table's rows are committed.
        if (which === 'post-data') await settle();
        const s = new PassThrough({ highWaterMark: bufferBytes });
        section.stream = s;
        section.done = sink.section(which, s);
        track(section.done);
        return;
      }
      case F.SectionData:
        if (!section.stream) throw new Error('section data outside a section');
        await feed(section.stream, payload);
        return;
      case F.SectionEnd:
        section.stream?.end();
        await section.done;
        section.stream = null;
        section.done = null;
        return;
      case F.TableBegin: {
        const s = new PassThrough({ highWaterMark: bufferBytes });
        tables.set(id, s);
        track(sink.table(JSON.parse(payload.toString('utf8')) as CopyTableInfo, s));
        return;
      }
      case F.TableData: {
        const s = tables.get(id);
        if (!s) throw new Error(`rows of an unannounced table ${id}`);
        await feed(s, payload);
        return;
      }
      case F.TableEnd:
        tables.get(id)?.end();
        tables.delete(id);
        return;
      case F.Sequences:
        await settle();
        await sink.sequences(JSON.parse(payload.toString('utf8')) as SequenceValue[]);
        return;
      default:
        throw new Error(`unknown database stream frame ${type}`);
    }
  };

  const receiver = new Writable({
    highWaterMark: bufferBytes,
    write(chunk: Buffer, _enc, done) {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      (async () => {
        while (buffered.length >= HEADER) {
          const len = buffered.readUInt32BE(5);
          if (len > MAX_PAYLOAD) throw new Error(`database stream frame of ${len} bytes`);
          if (buffered.length < HEADER + len) break;
          const type = buffered.readUInt8(0);
          const id = buffered.readUInt32BE(1);
          const payload = buffered.subarray(HEADER, HEADER + len);
          buffered = buffered.subarray(HEADER + len);
          await handle(type, id, payload);
          if (failure) throw failure;
        }
      })().then(() => done(), (e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
    },
    final(done) {
      (async () => {
        if (buffered.length > 0) throw new Error('the database stream ended inside a frame');
        if (section.stream) throw new Error('the database stream ended inside a section');
        if (tables.size > 0) throw new Error('the database stream ended inside a table');
        await settle();
      })().then(() => done(), (e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
    },
  });
  return receiver;
}
