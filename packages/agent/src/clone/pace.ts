// Test hook: cap a sender's rate (OEC_TEST_HOOKS_FILE `transfer_bytes_per_second`), so that an
// end-to-end suite can kill an agent, cut the link or kill a database container while a stream
// (cross-server, or the same-server dump → restore pipe) is surely in flight.
import { Readable } from 'node:stream';
import { abortableSleep } from './context.js';

export interface Pacer {
  /** Wait as long as `bytes` take at the capped rate (no wait when uncapped). */
  wait(bytes: number, signal: AbortSignal): Promise<void>;
  wrap(source: Readable, signal: AbortSignal): Readable;
}

export function createPacer(bytesPerSecond: number): Pacer {
  const wait = async (bytes: number, signal: AbortSignal): Promise<void> => {
    if (bytesPerSecond > 0) await abortableSleep(Math.ceil((bytes / bytesPerSecond) * 1000), signal);
  };
  return {
    wait,
    wrap(source, signal) {
      if (bytesPerSecond <= 0) return source;
      return Readable.from(
        (async function* () {
          for await (const chunk of source as AsyncIterable<Buffer>) {
            await wait(chunk.length, signal);
            yield chunk;
          }
        })(),
        { objectMode: false },
      );
    },
  };
}
