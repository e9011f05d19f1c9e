// Every statement the options build, run against a recording fake: user-supplied values (URL,
// salt, identity, password hash) only ever travel as bind parameters, and every statement's
// placeholders match its parameter list.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { resolveSanitization, type SanitizationOptionKey } from '@oec/shared';
import { identityChecks, applyIdentity, captureIdentity } from './identity.js';
import { SANITIZE_OPTIONS } from './options/index.js';
import { passSql } from './proof.js';
import { keyedHash } from './pseudonyms.js';
import { SchemaInfo } from './schema-info.js';
import type { ApplyContext, CheckSpec, EstimateContext, SanitizeParams, TableRows } from './types.js';

/** A check's statement as the proof runs it alone. */
function alone(spec: CheckSpec): Recorded {
  return spec.rows ? passSql([spec.rows]) : { sql: spec.sql, values: spec.values ?? [] };
}

const HOSTILE = {
  baseUrl: "https://x.example.com/'; DROP TABLE res_users; --",
  salt: "salt'); DELETE FROM res_partner; --",
  passwordHash: "$pbkdf2-sha512$1$a'||pg_sleep(10)||'$b",
  identityValue: "uuid'); UPDATE res_users SET password = 'x'; --",
};

interface Recorded {
  sql: string;
  values: readonly unknown[];
}

function fakes(mode: SanitizeParams['mode'], big: boolean): { apply: ApplyContext; estimate: EstimateContext; log: Recorded[] } {
  const log: Recorded[] = [];
  const schema = SchemaInfo.everything();
  const enabled = new Set<SanitizationOptionKey>(SANITIZE_OPTIONS.map((o) => o.key));
  const query = async <R extends pg.QueryResultRow>(sql: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> => {
    log.push({ sql, values });
    return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] };
  };
  const params: SanitizeParams = {
    options: resolveSanitization('full'),
    baseUrl: HOSTILE.baseUrl,
    salt: HOSTILE.salt,
    mode,
    identity: { 'database.uuid': HOSTILE.identityValue, 'web.base.url': HOSTILE.identityValue },
    passwordHash: HOSTILE.passwordHash,
    sensitiveModels: ['hr.employee', 'res.partner'],
  };
  const apply: ApplyContext = {
    schema,
    enabled,
    params,
    key: keyedHash(params.salt),
    query,
    exec: async (sql, values) => (await query(sql, values)).rowCount ?? 0,
    require: () => true,
    warn: () => undefined,
    afterCommit: () => undefined,
    overRanges: (_table, _alias, run) => run('true'),
  };
  const estimate: EstimateContext = {
    schema,
    enabled,
    query,
    require: () => true,
    count: async (_t, sql, values) => (await query(sql, values)).rowCount ?? 0,
    isBig: () => big,
    exactOrNull: (fn) => fn(),
    plan: async (sql, values) => (await query(sql, values)).rowCount ?? 0,
  };
  return { apply, estimate, log };
}

function placeholders(sql: string): number[] {
  return [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

describe.each([
  ['create_new', false],
  ['replace', true],
] as const)('statements built for %s (big tables: %s)', (mode, big) => {
  it('keep every user value out of the SQL text and number their placeholders 1..n', async () => {
    const { apply, estimate, log } = fakes(mode, big);
    // the checks of one table read under one alias, as the proof counts them: in one pass
    const passes = new Map<string, TableRows[]>();
    const prove = (spec: CheckSpec): void => {
      log.push(alone(spec));
      if (!spec.rows) return;
      const key = `${spec.rows.table} ${spec.rows.alias ?? ''}`;
      passes.set(key, [...(passes.get(key) ?? []), spec.rows]);
    };
    for (const o of SANITIZE_OPTIONS) {
      await o.capture?.(apply);
      await o.apply(apply);
      o.proof(apply).forEach(prove);
      await o.estimate(estimate);
    }
    await captureIdentity(apply);
    await applyIdentity(apply);
    identityChecks(apply).forEach(prove);
    for (const rows of passes.values()) log.push(passSql(rows));

    expect(log.length).toBeGreaterThan(100);
    const hostile = Object.values(HOSTILE);
    const fragments = ['DROP TABLE', 'DELETE FROM res_partner', 'pg_sleep', "SET password = 'x'"];
    for (const { sql, values } of log) {
      for (const h of hostile) expect(sql).not.toContain(h);
      for (const f of fragments) expect(sql).not.toContain(f);
      const used = placeholders(sql);
      expect(used, sql).toEqual(values.map((_, i) => i + 1));
    }
    const allValues = log.flatMap((r) => r.values).filter((v): v is string => typeof v === 'string');
    expect(allValues).toContain(HOSTILE.baseUrl);
    expect(allValues).toContain(HOSTILE.passwordHash);
    if (mode === 'replace') expect(allValues).toContain(HOSTILE.identityValue);
    // the salt itself never travels, only the HMAC pads derived from it
    expect(allValues).not.toContain(HOSTILE.salt);
  });
});
