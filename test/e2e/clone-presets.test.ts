// Same-server clone end to end, with real processes and PostgreSQL, on generated Odoo data:
// each preset into a new environment, a replace, and a schema without some Odoo tables. Each
// option's guarantee is checked with the sanitizer suite's own queries, the options not chosen
// must leave their columns untouched, and the source must stay byte-for-byte unchanged.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enabledOptions, type CloneOperation, type Environment, type SanitizationPreset } from '@oec/shared';
import { clusterOf, seedEnvironment, startPlatform, waitOperation, withControllerDb, type AgentHandle, type Platform } from '../src/harness/index.js';
import { configParams, dumpDigest, rowCounts, withDb } from '../src/clone/db-facts.js';
import { verifyOdooPassword, type GeneratedSummary } from '../src/odoo/index.js';
import { GUARANTEES } from '../src/sanitize/guarantees.js';
import { columnDigests, unexpectedChanges } from '../src/sanitize/footprint.js';

/** Tables whose row count an option changes, and the options that may change it. */
const ROW_CHANGERS: Record<string, string[]> = {
  mail_mail: ['clear_mail_queue', 'clear_scheduled_messages'],
  ir_attachment: ['clear_asset_bundles'],
  ir_mail_server: ['disable_mail_servers'],
  res_users_apikeys: ['clear_api_keys'],
  auth_totp_device: ['disable_2fa'],
  mail_partner_device: ['clear_api_keys'],
  mail_notification_web_push: ['clear_api_keys'],
  ir_config_parameter: ['*'],
};

describe('same-server clone, end to end', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let summary: GeneratedSummary;
  let sourceDigest = '';
  let salt = '';

  beforeAll(async () => {
    platform = await startPlatform();
    a = await platform.addServer('a');
    const created = await platform.createEnvironment(a.server.id, { name: 'production', environment_type: 'production' });
    source = await platform.waitEnvironment(created.id, 'RUNNING');
    summary = await seedEnvironment(source, { seed: 42 });
    sourceDigest = await dumpDigest(clusterOf(source), source.database_name);
    salt = await withControllerDb(platform.controllerEnv.OEC_DATABASE_URL ?? '', async (c) => {
      const r = await c.query<{ s: string | null }>('SELECT sanitize_salt AS s FROM projects WHERE id = $1', [platform.project.id]);
      return r.rows[0]?.s ?? '';
    });
  });

  afterAll(async () => {
    await platform?.close();
  });

  async function clone(body: Record<string, unknown>, envId = source.id): Promise<CloneOperation> {
    const res = await platform.api.post<CloneOperation>(`/environments/${envId}/clone`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(['pending', 'pre_checks']).toContain(res.body.status);
    expect(Object.keys(res.body.sanitization_options)).toHaveLength(14);
    return waitOperation(platform.api, res.body.id);
  }

  async function checkClone(op: CloneOperation, preset: SanitizationPreset): Promise<void> {
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    expect(op.progress.progress_percent).toBe(100);
    expect(op.progress.steps.map((s) => s.status)).toEqual(Array(10).fill('completed'));
    expect(op.proof?.passed).toBe(true);
    const target = await platform.api.ok<Environment>('GET', `/environments/${op.target_environment_id}`);
    expect(target.status).toBe('RUNNING');
    const cluster = clusterOf(source);
    const affected = (key: string) => op.sanitization_result.find((r) => r.option_key === key)?.affected_rows ?? 0;

    // Same tables, same row counts except the rows an option deletes.
    const [before, after] = await Promise.all([rowCounts(cluster, source.database_name), rowCounts(cluster, target.database_name)]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [table, n] of Object.entries(before)) {
      const changers = ROW_CHANGERS[table] ?? [];
      const active = changers.filter((k) => k === '*' || op.sanitization_options[k as keyof typeof op.sanitization_options]);
      if (active.length === 0) expect(after[table], table).toBe(n);
    }
    expect(after.mail_mail).toBe((before.mail_mail ?? 0) - affected('clear_mail_queue') - affected('clear_scheduled_messages'));
    expect(after.ir_attachment).toBe((before.ir_attachment ?? 0) - affected('clear_asset_bundles'));

    // Every referenced file is there.
    const files = await withDb(cluster, target.database_name, async (c) =>
      (await c.query<{ f: string }>('SELECT DISTINCT store_fname AS f FROM ir_attachment WHERE store_fname IS NOT NULL')).rows.map((r) => r.f),
    );
    for (const f of files) await stat(join(target.filestore_path ?? '', f));

    // What each chosen option promises, and nothing else changed.
    const enabled = enabledOptions(op.sanitization_options);
    await withDb(cluster, source.database_name, (pristine) =>
      withDb(cluster, target.database_name, async (c) => {
        const hash = (await c.query<{ password: string }>("SELECT password FROM res_users WHERE login = 'admin'")).rows[0]?.password ?? '';
        for (const key of enabled) {
          await GUARANTEES[key]({ c, pristine, summary, passwordHash: hash, affected, salt, baseUrl: target.url });
        }
        const changed = unexpectedChanges(await columnDigests(pristine), await columnDigests(c), enabled);
        expect(changed, `columns changed by options not chosen (${preset})`).toEqual([]);
        // Internal users still log in with their passwords, unless passwords were reset.
        for (const known of summary.knownPasswords.filter((k) => !k.share)) {
          const { rows } = await c.query<{ password: string }>('SELECT password FROM res_users WHERE id = $1', [known.userId]);
          const plain = op.sanitization_options.reset_passwords ? (op.generated_password ?? '') : known.password;
          expect(verifyOdooPassword(plain, rows[0]?.password ?? ''), known.login).toBe(true);
        }
      }),
    );
    const params = await configParams(cluster, target.database_name);
    expect(params['database.uuid']).not.toBe((await configParams(cluster, source.database_name))['database.uuid']);
    expect(await dumpDigest(cluster, source.database_name)).toBe(sourceDigest);
  }

  for (const preset of ['recommended', 'minimal', 'full', 'none'] as const) {
    it(`clones into a new environment with the ${preset} preset`, async () => {
      const op = await clone({
        target: { create_new: true, environment_type: 'staging', name: `stage-${preset}` },
        sanitization_preset: preset,
        acknowledge_risks: preset === 'none',
      });
      await checkClone(op, preset);
    });
  }

  it('replaces an existing environment: source data in, the target keeps its id, domain and identity', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'staging', environment_type: 'staging' });
    const staging = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(staging, { seed: 7 });
    const cluster = clusterOf(staging);
    const identity = await configParams(cluster, staging.database_name);
    const op = await clone({
      target: { create_new: false, environment_id: staging.id, confirm_name: 'staging' },
      sanitization_preset: 'recommended',
    });
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    expect(op.target_environment_id).toBe(staging.id);
    const after = await platform.api.ok<Environment>('GET', `/environments/${staging.id}`);
    expect([after.status, after.domain, after.database_name]).toEqual(['RUNNING', staging.domain, staging.database_name]);
    const params = await configParams(cluster, staging.database_name);
    expect(params['database.uuid']).toBe(identity['database.uuid']);
    expect(params['database.secret']).toBe(identity['database.secret']);
    const counts = await rowCounts(cluster, staging.database_name);
    expect(counts.res_partner).toBe((await rowCounts(cluster, source.database_name)).res_partner);
    expect(await dumpDigest(cluster, source.database_name)).toBe(sourceDigest);
  });

  it('clones a database without some Odoo modules: their options are skipped with a warning', async () => {
    const created = await platform.createEnvironment(a.server.id, { name: 'lean', environment_type: 'development' });
    const lean = await platform.waitEnvironment(created.id, 'RUNNING');
    await seedEnvironment(lean, { seed: 3, omit: ['fetchmail_server', 'payment_provider', 'auth_totp_device', 'google_calendar_credentials'] });
    const op = await clone({ target: { create_new: true, environment_type: 'development' }, sanitization_preset: 'full' }, lean.id);
    expect(op.status, JSON.stringify(op.error)).toBe('completed');
    const warnings = op.sanitization_result.filter((r) => r.warning).map((r) => r.warning ?? '');
    expect(warnings.join(' ')).toMatch(/fetchmail_server|payment_provider|auth_totp_device/);
    expect(op.sanitization_result.every((r) => r.success)).toBe(true);
  });
});
