// What both ends of a cross-server transfer share: their dependencies, the failure of a stream
// tagged with the step it belongs to, and the translation of a full disk into DISK_FULL.
import { AppError, ErrorCode, STEP_FAILURE, streamKind, type StepKey } from '@oec/shared';
import type { PeerServer } from '../../peer/server.js';
import type { BatchOptions } from '../../sanitize/index.js';
import type { CopyTuning } from '../copy/tuning.js';

export interface TransferDeps {
  /** This agent's peer endpoint (null: the agent cannot receive cross-server clones). */
  peer: PeerServer | null;
  /** A peer silent this long fails the stream. */
  timeoutMs: number;
  /** Environment for helper processes (zstd). */
  env: NodeJS.ProcessEnv;
  /** COPY streams at once and table splitting (default: from this machine's cores). */
  copy?: CopyTuning;
  /** How sanitizing splits big tables' passes into key ranges (default: sanitize DEFAULT_BATCH). */
  sanitizeBatch?: BatchOptions;
}

/** The step a stream's failure belongs to, on each side. */
export function streamStep(stream: string, side: 'send' | 'receive'): StepKey {
  switch (streamKind(stream)) {
    case 'database':
      return side === 'send' ? 'backing_up_database' : 'restoring_database';
    case 'filestore':
      return side === 'send' ? 'backing_up_filestore' : 'restoring_filestore';
    case 'addons':
      return 'copying_addons';
  }
}

const NO_SPACE = /ENOSPC|No space left on device|could not extend file/i;

/** Any failure as an AppError that names its step; a full disk becomes DISK_FULL. */
export function tagStep(step: StepKey, e: unknown, server: string): AppError {
  const message = e instanceof Error ? e.message : String(e);
  if (NO_SPACE.test(message) && !(e instanceof AppError && e.details?.reported_by_peer === true)) {
    return new AppError(ErrorCode.DISK_FULL, `The disk of ${server} is full: ${message}`, { step, server });
  }
  if (e instanceof AppError) {
    return e.details?.step ? e : new AppError(e.code, e.message, { ...(e.details ?? {}), step });
  }
  return new AppError(STEP_FAILURE[step], message, { step });
}

/** The error a side reports to its peer when it gives up on a stream. */
export function peerFailure(e: unknown): { code: AppError['code']; message: string } {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  return { code: ErrorCode.TRANSFER_FAILED, message: e instanceof Error ? e.message : String(e) };
}

/** Aborted when the task is, or when a sibling stream failed (the first failure wins). */
export function linkedAbort(parent: AbortSignal): AbortController {
  const ac = new AbortController();
  if (parent.aborted) ac.abort(parent.reason);
  else parent.addEventListener('abort', () => ac.abort(parent.reason), { once: true });
  return ac;
}

/** Run every stream; on the first failure abort the others, wait for them, rethrow it. */
export async function allStreams<T>(ac: AbortController, runs: (() => Promise<T>)[]): Promise<T[]> {
  let first: unknown = null;
  const settled = await Promise.allSettled(
    runs.map((run) =>
      run().catch((e: unknown) => {
        first ??= e;
        ac.abort(e);
        throw e;
      }),
    ),
  );
  if (first !== null) throw asError(first);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

export function requirePeer(deps: TransferDeps): PeerServer {
  if (!deps.peer) throw new AppError(ErrorCode.TRANSFER_FAILED, 'This agent has no peer endpoint (OEC_PEER_LISTEN)');
  return deps.peer;
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
