// The agent's clone tasks, run in order on a real cluster with Odoo-shaped data: create_new
// (streamed and template paths), replace with identity kept and old data retained, a failed
// replace that swaps back, and cleanup after a fault. The controller is not involved here.
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticHooks, stopAppsUnder } from '@oec/agent';
import { stopCluster } from '@oec/agent/postgres';
import type { ClonePlan, CloneSanitizeOutput, EnvironmentSpec } from '@oec/shared';
import { listFilestore } from '../odoo/index.js';
import { envSpec, makePlan, startAgentBench, type AgentBench } from './agent-context.js';
import { configParams, dumpDigest, rowCounts, seedSpec, startSeededSource, withDb } from './db-facts.js';

async function runClone(bench: AgentBench, plan: ClonePlan): Promise<CloneSanitizeOutput> {
  await bench.run('clone.validate', plan);
  await bench.run('clone.prepare', plan);
  await bench.run('clone.addons', plan);
  await bench.run('clone.data', plan);
  const sanitized = await bench.run('clone.sanitize', plan);
  expect(sanitized.proof.passed).toBe(true);
  await bench.run('clone.verify', plan);
  return sanitized;
}

describe('agent clone tasks on the local runtime', () => {
  let bench: AgentBench;
  let source: EnvironmentSpec;
  let sourceDigest = '';

  beforeAll(async () => {
    bench = await startAgentBench();
    source = await startSeededSource(bench);
    sourceDigest = await dumpDigest(bench.cluster, source.db_name);
  });

  afterAll(async () => {
    await bench?.runtime.close();
    if (bench) await stopAppsUnder(bench.dir);
    if (bench) await stopCluster(bench.cluster);
    if (bench) await rm(bench.dir, { recursive: true, force: true });
  });

  it('clones a running source into a new environment: same tables, linked files, addons, healthy app', async () => {
    const target = envSpec('staging');
    const plan = makePlan(source, target);
    const estimate = await bench.run('clone.estimate', { ...source, options: plan.sanitization.options });
    expect(estimate.api_keys_found).toBeGreaterThan(0);
    const sanitized = await runClone(bench, plan);
    // The preview counts what the run then touches, option by option: exactly for fixed tables,
    // as a preview (~) for the personal data options, whose by-value pass may touch a row twice.
    for (const key of ['clear_mail_queue', 'disable_crons'] as const) {
      const previewed = estimate.impact.find((i) => i.option_key === key)?.rows;
      expect(previewed, key).toBe(sanitized.results.find((r) => r.option_key === key)?.affected_rows);
    }
    for (const key of ['anonymize_emails', 'anonymize_phones'] as const) {
      const previewed = estimate.impact.find((i) => i.option_key === key);
      const touched = sanitized.results.find((r) => r.option_key === key)?.affected_rows ?? 0;
      expect(touched, key).toBeGreaterThan(0);
      expect(previewed?.rows ?? 0, key).toBeGreaterThan(0);
      if (previewed?.approximate) expect(previewed.summary.startsWith('~'), key).toBe(true);
      else expect(previewed?.rows, key).toBe(touched);
    }
    // and the personal data map: the customers' email column is covered by recommended
    expect(estimate.personal_columns.find((c) => c.table === 'res_partner' && c.column === 'email')).toMatchObject({ covered: true });
    const [src, dst] = await Promise.all([rowCounts(bench.cluster, source.db_name), rowCounts(bench.cluster, target.db_name)]);
    expect(Object.keys(dst).sort()).toEqual(Object.keys(src).sort());
    expect(dst.res_partner).toBe(src.res_partner);
    const srcLoc = bench.runtime.locate(source);
    const dstLoc = bench.runtime.locate(target);
    const [srcFiles, dstFiles] = await Promise.all([listFilestore(srcLoc.filestore_path), listFilestore(dstLoc.filestore_path)]);
    expect([...dstFiles.keys()]).toEqual([...srcFiles.keys()]);
    const first = [...srcFiles.keys()][0] ?? '';
    expect((await stat(join(dstLoc.filestore_path, first))).ino).toBe((await stat(join(srcLoc.filestore_path, first))).ino);
    const manifest = join(dstLoc.addons_path, 'project', 'shop-addons', 'shop_custom', '__manifest__.py');
    expect(await readFile(manifest, 'utf8')).toContain('Shop custom');
    expect((await stat(manifest)).mode & 0o777).toBe(0o640);
    expect((await bench.runtime.appStatus(target)).healthy).toBe(true);
    const params = await configParams(bench.cluster, target.db_name);
    expect(params['web.base.url']).toBe(`https://${target.domain}`);
    expect(params['database.uuid']).not.toBe((await configParams(bench.cluster, source.db_name))['database.uuid']);
    expect(await dumpDigest(bench.cluster, source.db_name)).toBe(sourceDigest);
    await bench.runtime.destroy(target, new AbortController().signal);
  });

  it('uses a template copy for a stopped source and gives every object to the target role', async () => {
    await bench.runtime.stop(source, new AbortController().signal);
    try {
      const target = envSpec('copy');
      const plan = makePlan(source, target, { sourceStatus: 'STOPPED', preset: 'minimal' });
      await bench.run('clone.prepare', plan);
      const data = await bench.run('clone.data', plan);
      expect(data.database.method).toBe('template');
      const owners = await withDb(bench.cluster, target.db_name, async (c) => {
        const { rows } = await c.query<{ owner: string }>(
          "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
        );
        return rows.map((r) => r.owner);
      });
      expect(owners).toEqual([target.db_name]);
      await bench.run('clone.cleanup', { ...plan, keep_target: false });
      expect(await bench.runtime.databaseExists(target.db_name)).toBe(false);
    } finally {
      await bench.runtime.start(source, new AbortController().signal);
    }
    expect(await dumpDigest(bench.cluster, source.db_name)).toBe(sourceDigest);
  });

  it('replaces a running target: source data in, identity kept, old data retained until purged', async () => {
    const target = envSpec('preprod');
    const loc = await bench.runtime.create(target, new AbortController().signal);
    await seedSpec(bench.cluster, target, loc.filestore_path, { seed: 7 });
    await bench.runtime.start(target, new AbortController().signal);
    const before = await configParams(bench.cluster, target.db_name);
    const plan = makePlan(source, target, { mode: 'replace' });
    await runClone(bench, plan);
    const after = await configParams(bench.cluster, target.db_name);
    expect(after['database.uuid']).toBe(before['database.uuid']);
    expect(after['database.secret']).toBe(before['database.secret']);
    const counts = await rowCounts(bench.cluster, target.db_name);
    expect(counts.res_partner).toBe((await rowCounts(bench.cluster, source.db_name)).res_partner);
    expect(await bench.runtime.databaseExists(plan.retained_db ?? '')).toBe(true);
    expect((await bench.runtime.appStatus(target)).healthy).toBe(true);
    await bench.run('clone.purge_retained', { ...target, retained_db: plan.retained_db ?? '', operation_id: plan.operation_id });
    expect(await bench.runtime.databaseExists(plan.retained_db ?? '')).toBe(false);
    await bench.runtime.destroy(target, new AbortController().signal);
  });

  it('a replace whose new data fails verification swaps back: the target keeps running on its old data', async () => {
    const target = envSpec('uat');
    const loc = await bench.runtime.create(target, new AbortController().signal);
    await seedSpec(bench.cluster, target, loc.filestore_path, { seed: 9 });
    await bench.runtime.start(target, new AbortController().signal);
    const digest = await dumpDigest(bench.cluster, target.db_name);
    const plan = makePlan(source, target, { mode: 'replace' });
    await bench.run('clone.validate', plan);
    await bench.run('clone.prepare', plan);
    await bench.run('clone.addons', plan);
    await bench.run('clone.data', plan);
    await bench.run('clone.sanitize', plan);
    const hooks = staticHooks(['verifying']);
    await expect(bench.run('clone.verify', plan, { hooks })).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
    await bench.run('clone.cleanup', { ...plan, keep_target: false });
    expect(await dumpDigest(bench.cluster, target.db_name)).toBe(digest);
    expect(await bench.runtime.databaseExists(plan.work_db)).toBe(false);
    expect(await bench.runtime.databaseExists(plan.retained_db ?? '')).toBe(false);
    expect((await bench.runtime.appStatus(target)).healthy).toBe(true);
    await bench.runtime.destroy(target, new AbortController().signal);
  });

  it('cleans up a create_new that failed mid-way, leaving no trace', async () => {
    const target = envSpec('broken');
    const plan = makePlan(source, target);
    await bench.run('clone.prepare', plan);
    const hooks = staticHooks(['restoring_database']);
    await expect(bench.run('clone.data', plan, { hooks })).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    await bench.run('clone.cleanup', { ...plan, keep_target: false });
    expect(await bench.runtime.databaseExists(target.db_name)).toBe(false);
    await expect(stat(join(bench.dir, 'environments', target.environment_id))).rejects.toThrow();
    expect(await dumpDigest(bench.cluster, source.db_name)).toBe(sourceDigest);
  });
});
