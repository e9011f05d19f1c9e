// One filestore shard, source side: announce the shard's files, send only those the target says
// it lacks, each followed by the sha1 of what was read, so the target can verify every file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, ErrorCode, type StreamStats } from '@oec/shared';
import type { SenderChannel } from '../../peer/byte-stream.js';
import type { FilestoreEntry } from '../filestore.js';
import type { Pacer } from '../pace.js';

/** Files up to this size are read whole and sent as one frame. */
const SMALL_FILE = 1024 * 1024;
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
  for (const rel of need.files) {
    if (!bySize.has(rel)) throw new AppError(ErrorCode.TRANSFER_FAILED, `${channel.label} asked for ${rel.slice(0, 80)}, which is not in the manifest`);
  }
  // Small files are read a few ahead, so the disk's latency overlaps the sending.
  const reads = new Map<number, Promise<Buffer>>();
  const readAhead = (i: number): void => {
    const rel = need.files[i];
    if (rel === undefined || reads.has(i) || (bySize.get(rel) ?? 0) > SMALL_FILE) return;
    const p = readFile(join(s.root, rel), { signal: s.signal });
    p.catch(() => undefined);
    reads.set(i, p);
  };
  let bytes = 0;
  for (const [i, rel] of need.files.entries()) {
    const size = bySize.get(rel) ?? 0;
    for (let k = i; k < i + READ_AHEAD; k++) readAhead(k);
    channel.send({ type: 'file', rel, size });
    const sha1 = createHash('sha1');
    let sent = 0;
    // A small file is one read and one frame; a large one streams.
    const read = reads.get(i);
    reads.delete(i);
    const chunks = read ? [await read] : createReadStream(join(s.root, rel), { highWaterMark: 256 * 1024, signal: s.signal });
    for await (const chunk of chunks as AsyncIterable<Buffer>) {
      sha1.update(chunk);
      sent += chunk.length;
      await s.pacer.wait(chunk.length, s.signal);
      await channel.sendData(chunk, s.signal);
      s.onBytes(chunk.length);
    }
    if (sent !== size) {
      throw new AppError(ErrorCode.SOURCE_UNREACHABLE, `Source file ${rel} changed size while being sent (${size} → ${sent} bytes)`);
    }
    channel.send({ type: 'file.end', sha1: sha1.digest('hex') });
    bytes += sent;
  }
  channel.send({ type: 'end', bytes });
  await channel.expect(s.signal, 'done');
  return { stream: s.stream, wire_bytes: bytes, raw_bytes: bytes, files: need.files.length, reused_files: need.reused };
}
