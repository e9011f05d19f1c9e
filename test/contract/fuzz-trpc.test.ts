// Fuzz of the tRPC API: requests drawn by fast-check for every procedure of the router (queries
// and the progress subscription by GET `?input=`, mutations by POST), inputs derived from the
// procedures' zod schemas, valid-ish and mutated, raw and over the body limit; every answer a 2xx
// or a 4xx whose `data.appCode` is a catalogued code, never a 5xx, and no state change from a
// batch in which nothing was accepted (fuzz/run.ts).
import { expect, it } from 'vitest';
import { procedures, trpcRequests } from './fuzz/requests.js';
import { fuzzWorld } from './fuzz/suite.js';
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
  const tally = await fuzzWorld('trpc', world, adminToken, trpcRequests, { runs: BATCHES, batch: BATCH });
  expect(tally.requests).toBeGreaterThanOrEqual(BATCHES * BATCH);
  expect(tally.count5xx()).toBe(0);
  expect(tally.checkedRejected).toBeGreaterThan(tally.rejected / 2);
}, 180_000);
