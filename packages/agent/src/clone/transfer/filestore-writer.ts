// Placing received filestore files on the target. Files held whole in memory go to a thread of
// their own (file-io.ts) a batch at a time: each is checked — its sha1 against its name, or the
// sender's sha1 — then written beside its place as `<name>.part` and renamed in. A few batches are
// in flight, bounded in bytes, so the disk's latency does not idle the link; credit goes back to
// the sender as they reach the disk, coalesced into a few grants.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError, ErrorCode } from '@oec/shared';
import type { ReceiverChannel } from '../../peer/byte-stream.js';
import { isContentAddressed } from '../filestore.js';
import { asError } from './common.js';
import { createFileIo, type FileIo, type IoFile } from './file-io.js';

const JOBS_IN_FLIGHT = 8;
const BYTES_IN_FLIGHT = 4 * 1024 * 1024;
/** Credit is granted once this much was written, or when no write is left in flight. */
const GRANT_STEP = 256 * 1024;

export interface FileWriter {
  /** Throws the first failure of a write in the background. */
  check(): void;
  mkdirFor(dst: string): Promise<void>;
  /** Waits for room, then checks and writes the files (`data`: their contents back to back) in the background. */
  place(files: IoFile[], data: Buffer): Promise<void>;
  /** Credit for bytes the caller wrote itself. */
  grant(bytes: number): void;
  /** Waits for every write; throws the first failure. */
  drain(): Promise<void>;
  /** Waits for every write, then ends the thread. */
  close(): Promise<void>;
}

export interface WriterOptions {
  root: string;
  channel: ReceiverChannel;
  onFile: () => void;
  /** Called once, with the first failure (the receiving loop stops waiting for frames). */
  onFailure: (e: Error) => void;
}

/** A file's bytes against its size, the sender's sha1 and its content address. */
export function checkFile(rel: string, size: number, written: number, digest: string, senderSha1: string | undefined): void {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (written !== size || (senderSha1 !== undefined && digest !== senderSha1) || (isContentAddressed(rel) && digest !== name)) {
    throw checksumError(rel, size, written, digest);
  }
}

function checksumError(rel: string, size: number, written: number, digest: string): AppError {
  return new AppError(ErrorCode.TRANSFER_FAILED, `File ${rel} failed its checksum after transfer (${written}/${size} bytes, sha1 ${digest})`, { file: rel });
}

export function createFileWriter(o: WriterOptions): FileWriter {
  let io: FileIo | null = null;
  const inFlight = new Set<Promise<void>>();
  const dirs = new Set<string>();
  let bytesInFlight = 0;
  let ungranted = 0;
  let failure: Error | null = null;
  const check = (): void => {
    if (failure !== null) throw failure;
  };
  const fail = (e: unknown): void => {
    if (failure !== null) return;
    failure = asError(e);
    o.onFailure(failure);
  };
  const grant = (bytes: number): void => {
    ungranted += bytes;
    if (ungranted >= GRANT_STEP || inFlight.size === 0) {
      o.channel.grant(ungranted);
      ungranted = 0;
    }
  };
  const write = async (files: IoFile[], data: Buffer): Promise<void> => {
    io ??= createFileIo();
    try {
      const { placed, mismatch } = await io.write(o.root, files, data);
      for (let i = 0; i < placed; i++) o.onFile();
      if (mismatch) {
        const size = files.find((f) => f.rel === mismatch.rel)?.size ?? 0;
        throw checksumError(mismatch.rel, size, size, mismatch.digest);
      }
    } catch (e) {
      fail(e);
    }
  };
  const drain = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all(inFlight);
    check();
  };
  return {
    check,
    grant,
    async mkdirFor(dst) {
      const dir = dirname(dst);
      if (dirs.has(dir)) return;
      await mkdir(dir, { recursive: true });
      dirs.add(dir);
    },
    async place(files, data) {
      while (inFlight.size >= JOBS_IN_FLIGHT || (bytesInFlight > 0 && bytesInFlight + data.length > BYTES_IN_FLIGHT)) {
        await Promise.race(inFlight);
      }
      check();
      bytesInFlight += data.length;
      const p = write(files, data).finally(() => {
        inFlight.delete(p);
        bytesInFlight -= data.length;
        if (failure === null) grant(data.length);
      });
      inFlight.add(p);
    },
    drain,
    async close() {
      await drain().catch(() => undefined);
      await io?.close();
    },
  };
}
