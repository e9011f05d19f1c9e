// One filestore shard, target side. Odoo names each file after the sha1 of its content, so a file
// the target already holds — in this work filestore from an interrupted attempt, or in a donor
// filestore of the same project on this server (an earlier clone, the replaced target) — is
// re-hashed and, when it matches, linked instead of sent. Each received file is written beside
// its place, checked against its name (or the sender's sha1) and only then renamed in.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError, ErrorCode, forEachLimit, type ClonePlan, type StreamStats } from '@oec/shared';
import { CREDIT_WINDOW } from '../../peer/channel.js';
import type { ReceiverChannel } from '../../peer/byte-stream.js';
import type { TaskContext } from '../../tasks/types.js';
import { filestoreNames, isContentAddressed, placeFile } from '../filestore.js';
import { checkFile, createFileWriter, type FileWriter } from './filestore-writer.js';

/**
 * `ab/abcdef…` exactly: a hash directory and a plain file name, nothing that could climb out
 * (`ab/..` would put `<root>.part` beside the filestore, `ab/.` would name the hash directory).
 */
const REL = /^[0-9a-f]{2,3}\/(?!\.\.?$)[0-9A-Za-z_.-]{1,200}$/;
/** Files up to this size are taken whole in memory (and checked on the thread pool); larger ones stream to disk. */
const WHOLE_FILE = 4 * 1024 * 1024;

export interface DonorIndex {
  /** A verified copy of `rel` on this server, or null. */
  find(rel: string, size: number, signal: AbortSignal): Promise<string | null>;
}

export function createDonorIndex(ctx: TaskContext, plan: ClonePlan): DonorIndex {
  // Each donor is listed once (shared by the shards), not probed with a stat per file.
  const donors = plan.donors.map((d) => {
    const root = ctx.runtime.locate(d).filestore_path;
    return { root, names: null as Promise<Set<string>> | null };
  });
  return {
    async find(rel, size, signal) {
      for (const d of donors) {
        d.names ??= filestoreNames(d.root, signal).catch(() => new Set<string>());
        if (!(await d.names).has(rel)) continue;
        const path = join(d.root, rel);
        if (await isVerifiedCopy(path, rel, size, signal).catch((e: unknown) => rethrowIfAborted(signal, e))) return path;
      }
      return null;
    },
  };
}

/**
 * A donor is another environment, which may be deleted or replaced while this clone reads it: a
 * file of it that vanishes is one to ask the source for, not a failed transfer.
 */
function rethrowIfAborted(signal: AbortSignal, e: unknown): false {
  if (signal.aborted) throw e;
  return false;
}

/** `path` holds `rel`: a file of its size whose sha1 is its name (other names cannot be checked). */
async function isVerifiedCopy(path: string, rel: string, size: number, signal: AbortSignal): Promise<boolean> {
  if (!isContentAddressed(rel)) return false;
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

/** A file whose name is not its sha1 can only be checked against the sender's. */
function requireChecksum(channel: ReceiverChannel, rel: string, sha1: string | undefined): void {
  if (sha1 === undefined && !isContentAddressed(rel)) throw protocol(channel, `no checksum for ${rel.slice(0, 80)}`);
}

export async function receiveFilestoreShard(channel: ReceiverChannel, r: ShardReceive): Promise<StreamStats> {
  const manifest = await channel.expect(r.signal, 'manifest');
  for (const f of manifest.files) if (!REL.test(f.rel)) throw protocol(channel, `invalid file name ${JSON.stringify(f.rel.slice(0, 80))}`);
  if (manifest.missing_in_source) await writeFile(r.missingFile, JSON.stringify(manifest.missing_in_source));
  r.onManifest(manifest.files.length);
  const { need, reused } = await sortOut(manifest.files, r);
  channel.send({ type: 'need', files: need, reused });
  channel.grant(CREDIT_WINDOW);

  const sizes = new Map(manifest.files.map((f) => [f.rel, f.size]));
  const wanted = new Set(need);
  const take = (rel: string, size: number): void => {
    if (!wanted.delete(rel) || sizes.get(rel) !== size) throw protocol(channel, `unrequested file ${rel.slice(0, 80)}`);
  };
  // A failed write stops the wait for the next frame: the sender may be waiting for its credit.
  const failed = new AbortController();
  const signal = AbortSignal.any([r.signal, failed.signal]);
  const writer = createFileWriter({ root: r.root, channel, onFile: r.onFile, onFailure: (e) => failed.abort(e) });
  const next = async () => {
    try {
      const item = await channel.next(signal);
      writer.check();
      return item;
    } catch (e) {
      writer.check();
      throw e;
    }
  };
  let files = 0;
  let bytes = 0;
  try {
    for (;;) {
      const item = await next();
      if (item.kind === 'data') throw protocol(channel, 'data outside a file');
      const msg = item.message;
      if (msg.type === 'end') {
        await writer.drain();
        if (files !== need.length || msg.bytes !== bytes) throw protocol(channel, `${files}/${need.length} files and ${bytes}/${msg.bytes} bytes at the end`);
        return { stream: r.stream, wire_bytes: bytes, raw_bytes: bytes, files, reused_files: reused };
      }
      if (msg.type === 'batch') {
        let total = 0;
        for (const f of msg.files) {
          take(f.rel, f.size);
          requireChecksum(channel, f.rel, f.sha1);
          total += f.size;
        }
        await writer.place(msg.files, await collect(channel, next, total));
        files += msg.files.length;
        bytes += total;
        continue;
      }
      if (msg.type !== 'file') throw protocol(channel, `${msg.type} where a file was expected`);
      take(msg.rel, msg.size);
      bytes += msg.size <= WHOLE_FILE ? await receiveWhole(channel, next, writer, msg.rel, msg.size) : await receiveLarge(channel, next, r, writer, msg.rel, msg.size);
      files++;
    }
  } finally {
    await writer.close();
  }
}

/** The files to ask for: those neither here (an earlier attempt) nor in a donor, each re-hashed before it is trusted. */
async function sortOut(files: { rel: string; size: number }[], r: ShardReceive): Promise<{ need: string[]; reused: number }> {
  const here = await filestoreNames(r.root, r.signal);
  const need: string[] = [];
  let reused = 0;
  await forEachLimit(files, 8, async (f) => {
    const dst = join(r.root, f.rel);
    const isHere = here.has(f.rel) && (await isVerifiedCopy(dst, f.rel, f.size, r.signal));
    const donor = isHere ? null : await r.donors.find(f.rel, f.size, r.signal);
    const placed = isHere || (donor !== null && (await fromDonor(donor, dst, f.size, r.signal)));
    if (!placed) {
      need.push(f.rel);
      return;
    }
    reused++;
    r.onFile();
  });
  need.sort();
  return { need, reused };
}

/** Link (or copy) a verified donor file into place; false when the donor lost it meanwhile. */
async function fromDonor(donor: string, dst: string, size: number, signal: AbortSignal): Promise<boolean> {
  await mkdir(dirname(dst), { recursive: true });
  // placeFile keeps a same-size file in place: a copy here that failed the check goes first.
  await rm(dst, { force: true });
  try {
    await placeFile(donor, dst, size);
    return true;
  } catch (e) {
    if (signal.aborted || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await rm(dst, { force: true });
    return false;
  }
}

type Next = () => ReturnType<ReceiverChannel['next']>;

/** Exactly `total` bytes of data frames (a batch's contents). */
async function collect(channel: ReceiverChannel, next: Next, total: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < total) {
    const item = await next();
    if (item.kind !== 'data') throw protocol(channel, `${item.message.type} inside a batch (${got}/${total} bytes)`);
    got += item.data.length;
    if (got > total) throw protocol(channel, 'a batch is longer than announced');
    parts.push(item.data);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, total);
}

/** A file sent on its own, up to WHOLE_FILE: taken in memory, then placed like a batch's. */
async function receiveWhole(channel: ReceiverChannel, next: Next, writer: FileWriter, rel: string, size: number): Promise<number> {
  const parts: Buffer[] = [];
  let got = 0;
  for (;;) {
    const item = await next();
    if (item.kind === 'data') {
      got += item.data.length;
      if (got > size) throw protocol(channel, `${rel} is longer than announced`);
      parts.push(item.data);
      continue;
    }
    if (item.message.type !== 'file.end') throw protocol(channel, `${item.message.type} inside a file`);
    const { sha1 } = item.message;
    requireChecksum(channel, rel, sha1);
    const data = Buffer.concat(parts, got);
    if (got !== size) checkFile(rel, size, got, createHash('sha1').update(data).digest('hex'), sha1);
    await writer.place([{ rel, size, sha1 }], data);
    return got;
  }
}

/** A file larger than WHOLE_FILE: hashed and written chunk by chunk as `<name>.part`, checked, renamed in. */
async function receiveLarge(channel: ReceiverChannel, next: Next, r: ShardReceive, writer: FileWriter, rel: string, size: number): Promise<number> {
  const dst = join(r.root, rel);
  await writer.mkdirFor(dst);
  const part = `${dst}.part`;
  const fh = await open(part, 'w', 0o644);
  const sha1 = createHash('sha1');
  let written = 0;
  try {
    for (;;) {
      const item = await next();
      if (item.kind === 'data') {
        sha1.update(item.data);
        written += item.data.length;
        if (written > size) throw protocol(channel, `${rel} is longer than announced`);
        await fh.write(item.data);
        writer.grant(item.data.length);
        continue;
      }
      if (item.message.type !== 'file.end') throw protocol(channel, `${item.message.type} inside a file`);
      const sent = item.message.sha1;
      requireChecksum(channel, rel, sent);
      checkFile(rel, size, written, sha1.digest('hex'), sent);
      break;
    }
    await fh.chmod(0o444);
    await fh.close();
    await rename(part, dst);
    r.onFile();
    return written;
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(part, { force: true });
    throw e;
  }
}
