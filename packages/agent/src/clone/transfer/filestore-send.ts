// One filestore shard, source side: announce the shard's files, then send only those the target
// says it lacks. Small files travel many to a frame (`batch`: names and sizes, then the contents
// back to back), read from the disk a few batches ahead of the one on the wire; a large file goes
// in chunks. Batches are read on a thread of their own (file-io.ts). A file named after its sha1
// (Odoo's content address) is not hashed here: the target checks what it received against the
// name, so each byte is hashed once. Any other name carries the sha1 of what was read, hashed as
// it was read.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode, type StreamStats } from '@oec/shared';
import type { SenderChannel } from '../../peer/byte-stream.js';
import { isContentAddressed, type FilestoreEntry } from '../filestore.js';
import type { Pacer } from '../pace.js';
import { createFileIo, FileIoError, type FileIo } from './file-io.js';

/** Files below this size go many to a frame, up to this many bytes; larger ones in chunks of it. */
export const BATCH_BYTES = 1024 * 1024;
/** Files in one batch at most (bounds the size of its control message). */
export const BATCH_FILES = 512;
/** Batches read ahead of the one being sent (memory: this many × BATCH_BYTES). */
const READ_AHEAD = 4;

export interface ShardSend {
  stream: string;
  root: string;
  entries: FilestoreEntry[];
  /** Shard 0: referenced files the source lacks (the target's verify expects them missing). */
  missingInSource: string[] | undefined;
  signal: AbortSignal;
  pacer: Pacer;
  /** Bytes handled (sent, or not needed) since the last call. */
  onBytes: (bytes: number) => void;
}

type Unit = { kind: 'batch'; files: FilestoreEntry[]; bytes: number } | { kind: 'large'; file: FilestoreEntry };

interface ReadBatch {
  data: Buffer;
  /** The sha1 of each file whose name is not one. */
  sha1: (string | null)[];
}

export async function sendFilestoreShard(channel: SenderChannel, s: ShardSend): Promise<StreamStats> {
  channel.send({
    type: 'manifest',
    files: s.entries.map((e) => ({ rel: e.rel, size: e.size })),
    ...(s.missingInSource ? { missing_in_source: s.missingInSource } : {}),
  });
  const need = await channel.expect(s.signal, 'need');
  const bySize = new Map(s.entries.map((e) => [e.rel, e.size]));
  const wanted = new Set(need.files);
  let skipped = 0;
  for (const e of s.entries) if (!wanted.has(e.rel)) skipped += e.size;
  s.onBytes(skipped);
  const files = need.files.map((rel) => {
    const size = bySize.get(rel);
    if (size === undefined) throw new AppError(ErrorCode.TRANSFER_FAILED, `${channel.label} asked for ${rel.slice(0, 80)}, which is not in the manifest`);
    return { rel, size };
  });
  const units = planUnits(files);
  const io = units.some((u) => u.kind === 'batch') ? createFileIo() : null;
  // Batches are read a few ahead, so the disk's latency overlaps the sending.
  const reads = new Map<number, Promise<ReadBatch>>();
  const readAhead = (i: number): void => {
    const u = units[i];
    if (u?.kind !== 'batch' || reads.has(i) || !io) return;
    const p = readBatch(io, s.root, u);
    p.catch(() => undefined);
    reads.set(i, p);
  };
  let bytes = 0;
  try {
    for (const [i, u] of units.entries()) {
      for (let k = i; k <= i + READ_AHEAD; k++) readAhead(k);
      if (u.kind === 'large') {
        bytes += await sendLarge(channel, s, u.file);
        continue;
      }
      s.signal.throwIfAborted();
      const read = await (reads.get(i) as Promise<ReadBatch>);
      reads.delete(i);
      channel.send({ type: 'batch', files: u.files.map((f, j) => ({ rel: f.rel, size: f.size, ...(read.sha1[j] ? { sha1: read.sha1[j] } : {}) })) });
      if (u.bytes > 0) {
        await s.pacer.wait(u.bytes, s.signal);
        await channel.sendData(read.data, s.signal);
      }
      s.onBytes(u.bytes);
      bytes += u.bytes;
    }
  } finally {
    // Reads started ahead of a failure finish; their results are dropped.
    reads.clear();
    await io?.close();
  }
  channel.send({ type: 'end', bytes });
  await channel.expect(s.signal, 'done');
  return { stream: s.stream, wire_bytes: bytes, raw_bytes: bytes, files: need.files.length, reused_files: need.reused };
}

/** The files in order: runs of small files as batches, each large file on its own. */
export function planUnits(files: FilestoreEntry[]): Unit[] {
  const units: Unit[] = [];
  let batch: FilestoreEntry[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (batch.length > 0) units.push({ kind: 'batch', files: batch, bytes });
    batch = [];
    bytes = 0;
  };
  for (const f of files) {
    if (f.size >= BATCH_BYTES) {
      flush();
      units.push({ kind: 'large', file: f });
      continue;
    }
    if (bytes + f.size > BATCH_BYTES || batch.length >= BATCH_FILES) flush();
    batch.push(f);
    bytes += f.size;
  }
  flush();
  return units;
}

/** A batch's files read into one buffer, back to back (a file that shrank fails the shard as the source's). */
async function readBatch(io: FileIo, root: string, u: Extract<Unit, { kind: 'batch' }>): Promise<ReadBatch> {
  try {
    return await io.read(root, u.files, u.files.map((f) => !isContentAddressed(f.rel)));
  } catch (e) {
    if (e instanceof FileIoError && e.shrank) throw new AppError(ErrorCode.SOURCE_UNREACHABLE, e.message);
    throw e;
  }
}

/** A large file in chunks of BATCH_BYTES, then `file.end` (with the sha1 when the name is not one). */
async function sendLarge(channel: SenderChannel, s: ShardSend, f: FilestoreEntry): Promise<number> {
  channel.send({ type: 'file', rel: f.rel, size: f.size });
  const sha1 = isContentAddressed(f.rel) ? null : createHash('sha1');
  let sent = 0;
  for await (const chunk of createReadStream(join(s.root, f.rel), { highWaterMark: BATCH_BYTES, signal: s.signal }) as AsyncIterable<Buffer>) {
    sha1?.update(chunk);
    sent += chunk.length;
    await s.pacer.wait(chunk.length, s.signal);
    await channel.sendData(chunk, s.signal);
    s.onBytes(chunk.length);
  }
  if (sent !== f.size) {
    throw new AppError(ErrorCode.SOURCE_UNREACHABLE, `Source file ${f.rel} changed size while being sent (${f.size} → ${sent} bytes)`);
  }
  channel.send({ type: 'file.end', ...(sha1 ? { sha1: sha1.digest('hex') } : {}) });
  return sent;
}
