// Fuzz of the tRPC API: requests drawn by fast-check for every procedure of the router (queries
// and the progress subscription by GET `?input=`, mutations by POST), inputs derived from the
// procedures' zod schemas, valid-ish and mutated, raw and over the body limit; every answer a 2xx
// or a 4xx whose `data.appCode` is a catalogued code, never a 5xx, and no state change from a
// batch in which nothing was accepted (fuzz/run.ts).
import { Agent } from 'node:http';
import { expect, it } from 'vitest';
import { procedures, tokensOf, trpcRequests } from './fuzz/requests.js';
import { fuzz, fuzzSeed } from './fuzz/run.js';
import type { Tally } from './fuzz/run.js';
import { FUZZ_ENV, seedWorld } from './fuzz/world.js';
import type { World } from './fuzz/world.js';
import { controllerPerFile } from './harness.js';

const BATCHES = 250;
const BATCH = 16;

let world: World;
let adminToken: string;
controllerPerFile(FUZZ_ENV, async ({ ctl, alice }) => {
  world = await seedWorld(ctl, alice);
  adminToken = await ctl.tokenFor(ctl.adminId);
});

it(`answers ${BATCHES * BATCH} fuzzed tRPC calls over ${procedures().length} procedures with a 2xx or a catalogued 4xx, and a refused one changes nothing`, async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const seed = fuzzSeed();
  const tokens = tokensOf(world, adminToken);
  let tally: Tally | undefined;
  try {
    tally = await fuzz({
      name: 'trpc',
      baseUrl: world.ctl.url,
      db: world.ctl.db,
      agent,
      refusals: trpcRequests(world, tokens, 'refusal'),
      any: trpcRequests(world, tokens, 'any'),
      runs: BATCHES,
      batch: BATCH,
      concurrency: 4,
      seed,
    });
    console.log(tally.summary('trpc', seed));
  } finally {
    agent.destroy();
  }
  expect(tally.requests).toBeGreaterThanOrEqual(BATCHES * BATCH);
  expect(tally.count5xx()).toBe(0);
  expect(tally.checkedRejected).toBeGreaterThan(tally.rejected / 2);
}, 180_000);
