// Fuzz of the REST API: requests drawn by fast-check for every route of ROUTES (the OpenAPI
// list), bodies and queries derived from the routes' zod schemas, valid-ish and mutated, raw and
// over the body limit; every answer a 2xx or a 4xx with a catalogued code, never a 5xx, and no
// state change from a batch in which nothing was accepted (fuzz/run.ts).
import { Agent } from 'node:http';
import { expect, it } from 'vitest';
import { ROUTES } from '@oec/controller';
import { restRequests, tokensOf } from './fuzz/requests.js';
import { fuzz, fuzzSeed } from './fuzz/run.js';
import type { Tally } from './fuzz/run.js';
import { changed, snapshot, userTables } from './fuzz/snapshot.js';
import { FUZZ_ENV, seedWorld } from './fuzz/world.js';
import type { World } from './fuzz/world.js';
import { controllerPerFile } from './harness.js';

const BATCHES = 400;
const BATCH = 16;

let world: World;
let adminToken: string;
controllerPerFile(FUZZ_ENV, async ({ ctl, alice }) => {
  world = await seedWorld(ctl, alice);
  adminToken = await ctl.tokenFor(ctl.adminId);
});

it(`answers ${BATCHES * BATCH} fuzzed REST requests over ${ROUTES.length} routes with a 2xx or a catalogued 4xx, and a refused one changes nothing`, async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const seed = fuzzSeed();
  const tokens = tokensOf(world, adminToken);
  let tally: Tally | undefined;
  try {
    tally = await fuzz({
      name: 'rest',
      baseUrl: world.ctl.url,
      db: world.ctl.db,
      agent,
      refusals: restRequests(world, tokens, 'refusal'),
      any: restRequests(world, tokens, 'any'),
      runs: BATCHES,
      batch: BATCH,
      concurrency: 4,
      seed,
    });
    console.log(tally.summary('rest', seed));
  } finally {
    agent.destroy();
  }
  expect(tally.requests).toBeGreaterThanOrEqual(BATCHES * BATCH);
  expect(tally.count5xx()).toBe(0);
  expect(tally.checkedRejected).toBeGreaterThan(tally.rejected / 2);
}, 180_000);

it('sees an accepted write in its digest (the control of the check above)', async () => {
  const tables = await userTables(world.ctl.db);
  const before = await snapshot(world.ctl.db, tables);
  const prefs = await world.alice.api.ok<{ clone_emails: boolean }>('GET', '/api/v1/notifications/preferences');
  await world.alice.api.ok('PUT', '/api/v1/notifications/preferences', { clone_emails: !prefs.clone_emails });
  expect(changed(before, await snapshot(world.ctl.db, tables))).toEqual(['notification_opt_outs']);
});
