// What a completed clone must show, checked the same way for same-server and cross-server
// suites: all ten steps completed and the proof passed, the same tables with the same row counts
// except the rows an option deletes, every referenced file present, what each chosen option
// promises (the sanitizer suite's own guarantees), nothing else changed, internal users can
// still log in, a new database.uuid, and the source byte-for-byte unchanged.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ClusterInfo } from '@oec/agent/postgres';
import { enabledOptions, type CloneOperation, type Environment, type SanitizationPreset } from '@oec/shared';
import type { Api } from '../harness/api.js';
import { verifyOdooPassword, type GeneratedSummary } from '../odoo/index.js';
import { GUARANTEES, SENSITIVE_MODELS } from '../sanitize/guarantees.js';
import { columnDigests, unexpectedChanges } from '../sanitize/footprint.js';
import { configParams, dumpDigest, rowCounts, withDb } from './db-facts.js';

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

export interface CloneCheck {
  api: Api;
  op: CloneOperation;
  preset: SanitizationPreset;
  source: Environment;
  sourceCluster: ClusterInfo;
  /** The cluster the target lives in (the source's on one server). */
  targetCluster: (target: Environment) => ClusterInfo | Promise<ClusterInfo>;
  summary: GeneratedSummary;
  salt: string;
  sourceDigest: string;
}

export async function checkClone(c: CloneCheck): Promise<Environment> {
  const { op, source, summary } = c;
  expect(op.status, JSON.stringify(op.error)).toBe('completed');
  expect(op.progress.progress_percent).toBe(100);
  expect(op.progress.steps.map((s) => s.status)).toEqual(Array(10).fill('completed'));
  expect(op.proof?.passed).toBe(true);
  const target = await c.api.ok<Environment>('GET', `/environments/${op.target_environment_id}`);
  expect(target.status).toBe('RUNNING');
  const cluster = await c.targetCluster(target);
  const affected = (key: string) => op.sanitization_result.find((r) => r.option_key === key)?.affected_rows ?? 0;

  // Same tables, same row counts except the rows an option deletes.
  const [before, after] = await Promise.all([rowCounts(c.sourceCluster, source.database_name), rowCounts(cluster, target.database_name)]);
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  for (const [table, n] of Object.entries(before)) {
    const changers = ROW_CHANGERS[table] ?? [];
    const active = changers.filter((k) => k === '*' || op.sanitization_options[k as keyof typeof op.sanitization_options]);
    if (active.length === 0) expect(after[table], table).toBe(n);
  }
  expect(after.mail_mail).toBe((before.mail_mail ?? 0) - affected('clear_mail_queue') - affected('clear_scheduled_messages'));
  expect(after.ir_attachment).toBe((before.ir_attachment ?? 0) - affected('clear_asset_bundles'));

  // Every referenced file is there.
  const files = await withDb(cluster, target.database_name, async (db) =>
    (await db.query<{ f: string }>('SELECT DISTINCT store_fname AS f FROM ir_attachment WHERE store_fname IS NOT NULL')).rows.map((r) => r.f),
  );
  for (const f of files) await stat(join(target.filestore_path ?? '', f));
  // The files only the sensitive models' attachments referenced never reached the clone.
  if (op.sanitization_options.replace_sensitive_attachments) {
    const sensitiveOnly = await withDb(c.sourceCluster, source.database_name, async (db) =>
      (await db.query<{ f: string }>(
        `SELECT store_fname AS f FROM ir_attachment WHERE store_fname IS NOT NULL GROUP BY store_fname
         HAVING bool_and(coalesce(res_model = ANY($1::text[]) AND type <> 'url', false))`,
        [SENSITIVE_MODELS],
      )).rows.map((r) => r.f),
    );
    expect(sensitiveOnly.length).toBeGreaterThan(0);
    const copied = await Promise.all(sensitiveOnly.map((f) => stat(join(target.filestore_path ?? '', f)).then(() => f, () => null)));
    expect(copied.filter((f) => f !== null)).toEqual([]);
  }

  // What each chosen option promises, and nothing else changed.
  const enabled = enabledOptions(op.sanitization_options);
  await withDb(c.sourceCluster, source.database_name, (pristine) =>
    withDb(cluster, target.database_name, async (db) => {
      const hash = (await db.query<{ password: string }>("SELECT password FROM res_users WHERE login = 'admin'")).rows[0]?.password ?? '';
      for (const key of enabled) {
        await GUARANTEES[key]({ c: db, pristine, summary, passwordHash: hash, affected, salt: c.salt, baseUrl: target.url });
      }
      const changed = unexpectedChanges(await columnDigests(pristine), await columnDigests(db), enabled);
      expect(changed, `columns changed by options not chosen (${c.preset})`).toEqual([]);
      // Internal users still log in with their passwords, unless passwords were reset.
      for (const known of summary.knownPasswords.filter((k) => !k.share)) {
        const { rows } = await db.query<{ password: string }>('SELECT password FROM res_users WHERE id = $1', [known.userId]);
        const plain = op.sanitization_options.reset_passwords ? (op.generated_password ?? '') : known.password;
        expect(verifyOdooPassword(plain, rows[0]?.password ?? ''), known.login).toBe(true);
      }
    }),
  );
  const params = await configParams(cluster, target.database_name);
  expect(params['database.uuid']).not.toBe((await configParams(c.sourceCluster, source.database_name))['database.uuid']);
  expect(await dumpDigest(c.sourceCluster, source.database_name)).toBe(c.sourceDigest);
  return target;
}
