// One fuzz file's run, shared by fuzz-rest and fuzz-trpc: the world, its tokens and a
// keep-alive agent around fuzz() (run.ts), and the summary line.
import { Agent } from 'node:http';
import type fc from 'fast-check';
import { tokensOf } from './requests.js';
import type { Mix, Tokens } from './requests.js';
import { fuzz, fuzzSeed } from './run.js';
import type { FuzzRequest, Tally } from './run.js';
import type { World } from './world.js';

/**
 * One fuzz file's run against its seeded world: draws `runs` batches of `batch` from `requests`
 * (a refusal mix and an any mix), with its own keep-alive agent and the seed of fuzzSeed(), and
 * prints the tally's summary line. The caller asserts on the tally.
 */
export async function fuzzWorld(
  name: string,
  world: World,
  adminToken: string,
  requests: (w: World, t: Tokens, mix: Mix) => fc.Arbitrary<FuzzRequest>,
  sizes: { runs: number; batch: number },
): Promise<Tally> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const seed = fuzzSeed();
  const tokens = tokensOf(world, adminToken);
  try {
    const tally = await fuzz({
      name,
      baseUrl: world.ctl.url,
      db: world.ctl.db,
      agent,
      refusals: requests(world, tokens, 'refusal'),
      any: requests(world, tokens, 'any'),
      runs: sizes.runs,
      batch: sizes.batch,
      concurrency: 4,
      seed,
    });
    console.log(tally.summary(name, seed));
    return tally;
  } finally {
    agent.destroy();
  }
}
