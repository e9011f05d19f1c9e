// The security suite's hostile inputs: names, domains, addon sources and custom rules carrying
// shell and SQL metacharacters. Each is refused as 400 VALIDATION_ERROR (where the field has a
// shape: names, domains, identifiers) or stored and read back verbatim (free text), never run:
// a canary table in the controller's database survives and a canary file is never created.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment, Organization, Project, SanitizationRulesResponse } from '@oec/shared';
import { createEnv } from './clone-fixtures.js';
import type { Res } from './harness.js';
import type { Suite } from './security-fixtures.js';

function payloads(canary: string): string[] {
  return [
    "x'; DROP TABLE sec_canary; --",
    `x$(touch ${canary})`,
    `x\`touch ${canary}\``,
    `x | touch ${canary}`,
    `x && touch ${canary} #`,
    `x\ntouch ${canary}`,
    'x" OR 1=1 --',
    "x\\'; SELECT pg_sleep(10); --",
    'x${IFS}%s%n{{7*7}}',
    'x../../../etc/passwd',
  ];
}

export function registerInputChecks(suite: () => Suite): void {
  describe('metacharacters', () => {
    let dir: string;
    let canary: string;
    let all: string[];
    const refusals: string[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'oec-canary-'));
      canary = join(dir, 'pwned');
      all = payloads(canary);
      await suite().ctl.db.query('CREATE TABLE sec_canary (id int)');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** A refusal is a 400 with the field's code (VALIDATION_ERROR, or the clone's INVALID_TARGET_CONFIG). */
    function refused(res: Res, what: string, want = 'VALIDATION_ERROR'): void {
      suite().count.cases++;
      const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
      if (res.status !== 400 || code !== want) refusals.push(`${what}: ${res.status} ${code ?? ''}`);
    }

    it('stores organization, project and server names and addon sources verbatim', async () => {
      const s = suite();
      const api = s.alice.api;
      const env = (name: string) => ({ name, environment_type: 'development', server_id: s.serverA.id });
      for (const [i, p] of all.entries()) {
        const org = await api.ok<Organization>('POST', '/api/v1/organizations', { name: p });
        expect((await api.ok<Organization>('GET', `/api/v1/organizations/${org.id}`)).name).toBe(p);
        const project = await api.ok<Project>('POST', '/api/v1/projects', { organization_id: s.orgA.id, name: p });
        expect((await api.ok<Project>('GET', `/api/v1/projects/${project.id}`)).name).toBe(p);
        const server = await api.ok<{ id: string; name: string; agent_token: string }>('POST', '/api/v1/servers', { organization_id: s.orgA.id, name: p });
        s.secrets.add('an agent token', server.agent_token);
        expect((await api.ok<{ name: string }>('GET', `/api/v1/servers/${server.id}`)).name).toBe(p);
        s.count.cases += 3;
        // Names and domains have a shape: refused.
        refused(await api.post(`/api/v1/projects/${s.projectA.id}/environments`, env(p)), `environment name ${JSON.stringify(p)}`);
        refused(await api.post(`/api/v1/projects/${s.projectA.id}/environments`, { ...env(`meta-${i}`), domain: p }), `domain ${JSON.stringify(p)}`);
        refused(await api.post(`/api/v1/projects/${s.projectA.id}/environments`, { ...env(`meta-${i}`), addons: [{ kind: 'extra', name: p }] }), `addon name ${JSON.stringify(p)}`);
        refused(
          await api.post(`/api/v1/environments/${s.envA.id}/clone`, { target: { create_new: true, environment_type: 'staging', name: p }, sanitization_preset: 'recommended' }),
          `clone target name ${JSON.stringify(p)}`,
          'INVALID_TARGET_CONFIG',
        );
        refused(await api.post(`/api/v1/organizations/${s.orgA.id}/members`, { email: p, role: 'viewer' }), `member email ${JSON.stringify(p)}`);
      }
      // Addon sources are free text the agent receives as data (argv, never a shell line).
      const withAddons = await createEnv(
        { project: s.projectA, serverId: s.serverA.id, api },
        { name: 'meta-addons', addons: all.slice(0, 10).map((p, i) => ({ kind: 'extra', name: `a${i}`, repository_url: p, ref: p })) },
      );
      const created = s.agentA.tasks.find((t) => t.kind === 'env.create' && (t.input as { environment_id?: string }).environment_id === withAddons.id);
      const addons = (created?.input as { addons?: { ref: string; repository_url: string }[] } | undefined)?.addons ?? [];
      expect(addons.map((a) => a.ref)).toEqual(all.slice(0, 10));
      expect((await api.ok<Environment>('GET', `/api/v1/environments/${withAddons.id}`)).addons.map((a) => a.repository_url)).toEqual(all.slice(0, 10));
      s.count.cases += 2;
      expect(refusals).toEqual([]);
    });

    it('stores custom rule values verbatim and refuses identifiers that are not identifiers', async () => {
      const s = suite();
      const url = `/api/v1/projects/${s.projectA.id}/sanitization-rules`;
      const rules = all.map((p) => ({
        table: 'res_partner',
        column: 'comment',
        function: 'constant',
        value: p,
        filter: [{ column: 'name', op: 'like', value: p }, { column: 'ref', op: 'in', value: [p] }],
      }));
      const put = await s.alice.api.request<SanitizationRulesResponse>('PUT', url, { body: { rules } });
      expect(put.status).toBe(200);
      expect((await s.alice.api.ok<SanitizationRulesResponse>('GET', url)).rules).toEqual(rules);
      s.count.cases += 2;
      for (const p of all) {
        refused(await s.alice.api.request('PUT', url, { body: { rules: [{ table: p, column: 'comment', function: 'hash' }] } }), `rule table ${JSON.stringify(p)}`);
        refused(await s.alice.api.request('PUT', url, { body: { rules: [{ table: 'res_partner', column: p, function: 'hash' }] } }), `rule column ${JSON.stringify(p)}`);
        refused(await s.alice.api.request('PUT', url, { body: { rules: [], sensitive_models: [p] } }), `sensitive model ${JSON.stringify(p)}`);
      }
      expect(refusals).toEqual([]);
    });

    it('refuses NUL in free text, and ran nothing', async () => {
      const s = suite();
      refused(await s.alice.api.request('POST', '/api/v1/organizations', { raw: '{"name":"x\\u0000; touch y"}' }), 'NUL in a name');
      refused(await s.alice.api.request('PUT', `/api/v1/projects/${s.projectA.id}/sanitization-rules`, {
        raw: '{"rules":[{"table":"t","column":"c","function":"constant","value":"a\\u0000b"}]}',
      }), 'NUL in a rule value');
      expect(refusals).toEqual([]);
      const { rows } = await s.ctl.db.query<{ t: string | null }>("SELECT to_regclass('sec_canary')::text AS t");
      expect(rows[0]?.t).toBe('sec_canary');
      expect(existsSync(canary)).toBe(false);
      s.count.cases += 2;
    });
  });
}
