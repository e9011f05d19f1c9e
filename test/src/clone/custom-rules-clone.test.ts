// A project's custom rules through the agent's clone tasks on a real cluster: the estimate counts
// them, the sanitize step applies those in the plan (a rule on a missing column reported skipped,
// the clone completing), and a literal that looks like SQL ends in the data as it is.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAppsUnder } from '@oec/agent';
import { stopCluster } from '@oec/agent/postgres';
import type { EnvironmentSpec, SanitizationRule } from '@oec/shared';
import { envSpec, makePlan, startAgentBench, type AgentBench } from './agent-context.js';
import { startSeededSource, withDb } from './db-facts.js';

const INJECTION = "x'; DROP TABLE res_partner; --";
const RULES: SanitizationRule[] = [
  { table: 'res_partner', column: 'x_not_there', function: 'null' },
  { table: 'res_partner', column: 'ref', function: 'constant', value: INJECTION },
];

describe('custom rules in the agent clone tasks', () => {
  let bench: AgentBench;
  let source: EnvironmentSpec;

  beforeAll(async () => {
    bench = await startAgentBench();
    source = await startSeededSource(bench);
  });

  afterAll(async () => {
    await bench?.runtime.close();
    if (bench) await stopAppsUnder(bench.dir);
    if (bench) await stopCluster(bench.cluster);
    if (bench) await rm(bench.dir, { recursive: true, force: true });
  });

  it('estimates, applies and reports them; a rule on a missing column is skipped and the clone completes', async () => {
    const target = envSpec('staging');
    const plan = { ...makePlan(source, target), custom_rules: RULES };
    const partners = await withDb(bench.cluster, source.db_name, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM res_partner')).rows[0]?.n));

    const estimate = await bench.run('clone.estimate', { ...source, options: plan.sanitization.options, custom_rules: RULES });
    expect(estimate.rule_impact).toEqual([
      expect.objectContaining({ rule_index: 0, rows: 0, skipped_reason: 'skipped: column res_partner.x_not_there not present' }),
      expect.objectContaining({ rule_index: 1, rows: partners, skipped_reason: null }),
    ]);

    for (const kind of ['clone.validate', 'clone.prepare', 'clone.addons', 'clone.data'] as const) await bench.run(kind, plan);
    const sanitized = await bench.run('clone.sanitize', plan);
    expect(sanitized.proof.passed).toBe(true);
    expect(sanitized.rule_results).toEqual([
      expect.objectContaining({ rule_index: 0, skipped: true, reason: 'column res_partner.x_not_there not present', affected_rows: 0 }),
      expect.objectContaining({ rule_index: 1, skipped: false, reason: null, affected_rows: partners }),
    ]);
    expect(sanitized.proof.rule_checks?.map((c) => c.passed)).toEqual([true, true]);
    await bench.run('clone.verify', plan);

    const refs = await withDb(bench.cluster, target.db_name, async (c) => (await c.query<{ ref: string }>('SELECT DISTINCT ref FROM res_partner')).rows.map((r) => r.ref));
    expect(refs).toEqual([INJECTION]);
    // the source is untouched
    const srcRefs = await withDb(bench.cluster, source.db_name, async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM res_partner WHERE ref = $1', [INJECTION])).rows[0]?.n);
    expect(srcRefs).toBe('0');
  });
});
