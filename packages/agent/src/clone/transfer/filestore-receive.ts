// One filestore shard, target side. Odoo names each file after the sha1 of its content, so a file
// the target already holds — in this work filestore from an interrupted attempt, or in a donor
// filestore of the same project on this server (an earlier clone, the replaced target) — is
// re-hashed and, when it matches, linked instead of sent. Each received file is written beside
// its place, checked against the sender's sha1 and its own name, and only then renamed in.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError, ErrorCode, type ClonePlan, type StreamStats } from '@oec/shared';
import { CREDIT_WINDOW } from '../../peer/channel.js';
import type { ReceiverChannel } from '../../peer/byte-stream.js';
import type { TaskContext } from '../../tasks/types.js';
import { placeFile } from '../filestore.js';
import { asError } from './common.js';

/**
 * `ab/abcdef…` exactly: a hash directory and a plain file name, nothing that could climb out
 * (`ab/..` would put `<root>.part` beside the filestore, `ab/.` would name the hash directory).
 */
const REL = /^[0-9a-f]{2,3}\/(?!\.\.?$)[0-9A-Za-z_.-]{1,200}$/;
const SHA1_NAME = /^[0-9a-f]{40}$/;

export interface DonorIndex {
  /** A verified copy of `rel` on this server, or null. */
  find(rel: string, size: number, signal: AbortSignal): Promise<string | null>;
}

export function createDonorIndex(ctx: TaskContext, plan: ClonePlan): DonorIndex {
  const roots = plan.donors.map((d) => ctx.runtime.locate(d).filestore_path);
  return {
    async find(rel, size, signal) {
      for (const root of roots) {
        const path = join(root, rel);
        if (await isVerifiedCopy(path, rel, size, signal)) return path;
      }
      return null;
    },
  };
}

/** `path` holds `rel`: a file of its size whose sha1 is its name (other names cannot be checked). */
async function isVerifiedCopy(path: string, rel: string, size: number, signal: AbortSignal): Promise<boolean> {
  if (!SHA1_NAME.test(basename(rel))) return false;
  const st = await stat(path).catch(() => null);
  return !!st?.isFile() && st.size === size && (await sha1File(path, signal)) === basename(rel);
}

async function sha1File(path: string, signal: AbortSignal): Promise<string> {
  const h = createHash('sha1');
  for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

export interface ShardReceive {
  stream: string;
  /** The work filestore the files go to. */
  root: string;
  /** Where the source's list of referenced-but-missing files is kept for verify. */
  missingFile: string;
  donors: DonorIndex;
  signal: AbortSignal;
  onManifest: (files: number) => void;
  onFile: () => void;
}

function protocol(channel: ReceiverChannel, what: string): AppError {
  return new AppError(ErrorCode.TRANSFER_FAILED, `${channel.label} broke the protocol: ${what}`);
}

export async function receiveFilestoreShard(channel: ReceiverChannel, r: ShardReceive): Promise<StreamStats> {
  const manifest = await channel.expect(r.signal, 'manifest');
  for (const f of manifest.files) if (!REL.test(f.rel)) throw protocol(channel, `invalid file name ${JSON.stringify(f.rel.slice(0, 80))}`);
  if (manifest.missing_in_source) await writeFile(r.missingFile, JSON.stringify(manifest.missing_in_source));
  r.onManifest(manifest.files.length);
  const sizes = new Map(manifest.files.map((f) => [f.rel, f.size]));
  const need: string[] = [];
  let reused = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let f = manifest.files[next++]; f; f = manifest.files[next++]) {
      const dst = join(r.root, f.rel);
      // A file already here (an earlier attempt) is re-hashed like a donor's before it is trusted.
      const here = await isVerifiedCopy(dst, f.rel, f.size, r.signal);
      const donor = here ? null : await r.donors.find(f.rel, f.size, r.signal);
      if (here || donor) {
        if (donor) {
          await mkdir(dirname(dst), { recursive: true });
          // placeFile keeps a same-size file in place: a copy here that failed the check goes first.
          await rm(dst, { force: true });
          await placeFile(donor, dst, f.size);
        }
        reused++;
        r.onFile();
      } else need.push(f.rel);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  need.sort();
  channel.send({ type: 'need', files: need, reused });
  channel.grant(CREDIT_WINDOW);

  const wanted = new Set(need);
  const writer = createWriter(channel);
  let files = 0;
  let bytes = 0;
  try {
    for (;;) {
      const item = await channel.next(r.signal);
      writer.check();
      if (item.kind === 'data') throw protocol(channel, 'data outside a file');
      const msg = item.message;
      if (msg.type === 'end') {
        await writer.drain();
        if (files !== need.length || msg.bytes !== bytes) throw protocol(channel, `${files}/${need.length} files and ${bytes}/${msg.bytes} bytes at the end`);
        return { stream: r.stream, wire_bytes: bytes, raw_bytes: bytes, files, reused_files: reused };
      }
      if (msg.type !== 'file') throw protocol(channel, `${msg.type} where a file was expected`);
      if (!wanted.delete(msg.rel) || sizes.get(msg.rel) !== msg.size) throw protocol(channel, `unrequested file ${msg.rel.slice(0, 80)}`);
      bytes += await receiveFile(channel, r, writer, msg.rel, msg.size);
      files++;
    }
  } finally {
    await writer.drain().catch(() => undefined);
  }
}

/** Files up to this size are taken in memory and written with one call, several at once. */
const SMALL_FILE = 1024 * 1024;
const WRITES_IN_FLIGHT = 16;

/**
 * Small files are written in the background (a few at once) while the next ones arrive, so the
 * disk's per-file latency does not idle the link; their credit is granted once they are on disk,
 * which bounds the memory held. The first failure (a full disk) fails the shard.
 */
function createWriter(channel: ReceiverChannel) {
  const inFlight = new Set<Promise<void>>();
  const dirs = new Set<string>();
  let failure: unknown = null;
  const check = (): void => {
    if (failure !== null) throw asError(failure);
  };
  return {
    check,
    async mkdirFor(dst: string): Promise<void> {
      const dir = dirname(dst);
      if (dirs.has(dir)) return;
      await mkdir(dir, { recursive: true });
      dirs.add(dir);
    },
    async write(dst: string, data: Buffer, onDone: () => void): Promise<void> {
      while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      check();
      const part = `${dst}.part`;
      const p = (async () => {
        try {
          await writeFile(part, data, { mode: 0o444 });
          await rename(part, dst);
          channel.grant(data.length);
          onDone();
        } catch (e) {
          failure ??= e;
          await rm(part, { force: true });
        }
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async drain(): Promise<void> {
      await Promise.all(inFlight);
      check();
    },
  };
}

/** One file: verified (size, sender's sha1, content address), then written as `<name>.part` and renamed in. */
async function receiveFile(channel: ReceiverChannel, r: ShardReceive, writer: ReturnType<typeof createWriter>, rel: string, size: number): Promise<number> {
  const dst = join(r.root, rel);
  await writer.mkdirFor(dst);
  const small = size <= SMALL_FILE;
  const part = `${dst}.part`;
  const fh = small ? null : await open(part, 'w', 0o644);
  const chunks: Buffer[] = [];
  const sha1 = createHash('sha1');
  let written = 0;
  try {
    for (;;) {
      const item = await channel.next(r.signal);
      if (item.kind === 'data') {
        sha1.update(item.data);
        written += item.data.length;
        if (written > size) throw protocol(channel, `${rel} is longer than announced`);
        if (fh) {
          await fh.write(item.data);
          channel.grant(item.data.length);
        } else chunks.push(item.data);
        continue;
      }
      if (item.message.type !== 'file.end') throw protocol(channel, `${item.message.type} inside a file`);
      const digest = sha1.digest('hex');
      if (written !== size || digest !== item.message.sha1 || (SHA1_NAME.test(basename(rel)) && digest !== basename(rel))) {
        throw new AppError(ErrorCode.TRANSFER_FAILED, `File ${rel} failed its checksum after transfer (${written}/${size} bytes, sha1 ${digest})`, { file: rel });
      }
      break;
    }
    if (!fh) {
      await writer.write(dst, Buffer.concat(chunks, written), r.onFile);
      return written;
    }
    await fh.chmod(0o444);
    await fh.close();
    await rename(part, dst);
    r.onFile();
    return written;
  } catch (e) {
    await fh?.close().catch(() => undefined);
    if (fh) await rm(part, { force: true });
    throw e;
  }
}
