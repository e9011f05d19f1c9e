// Fuzz of the REST API: requests drawn by fast-check for every route of ROUTES (the OpenAPI
// list), bodies and queries derived from the routes' zod schemas, valid-ish and mutated, raw and
// over the body limit; every answer a 2xx or a 4xx with a catalogued code, never a 5xx, and no
// state change from a batch in which nothing was accepted (fuzz/run.ts).
import { expect, it } from 'vitest';
import { ROUTES } from '@oec/controller';
import { restRequests } from './fuzz/requests.js';
import { fuzzWorld } from './fuzz/suite.js';
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
  const tally = await fuzzWorld('rest', world, adminToken, restRequests, { runs: BATCHES, batch: BATCH });
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
