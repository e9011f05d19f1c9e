import { describe, expect, it } from 'vitest';
import { resolveSanitization } from '@oec/shared';
import { SchemaInfo } from '../schema-info.js';
import { credentialStream } from './credentials-stream.js';

const schema = SchemaInfo.of({
  res_users_apikeys: ['id', 'name', 'key'],
  ir_mail_server: ['id', 'name', 'smtp_host', 'smtp_user', 'smtp_pass'],
  ir_config_parameter: ['id', 'key', 'value'],
  iap_account: ['id', 'account_token'],
  res_users: ['id', 'login', 'password', 'totp_secret'],
  auth_totp_device: ['id', 'user_id'],
  ir_act_server: ['id', 'state', 'webhook_url'],
});

function run(stream: ReturnType<typeof credentialStream>, table: string, columns: string[], row: (string | null)[]): (string | null)[] | null {
  const t = stream.transformFor(table, columns);
  if (!t) return row;
  const out = t.map(t.columns.map((i) => row[i] ?? null));
  if (out === null) return null;
  const copy = [...row];
  t.columns.forEach((i, k) => (copy[i] = out[k] ?? null));
  return copy;
}

describe('credentials in stream', () => {
  const full = credentialStream(schema, resolveSanitization('full'));

  it('leaves out the rows the options delete, even a table it reads no column of', () => {
    expect(run(full, 'res_users_apikeys', ['id', 'name', 'key'], ['1', 'ci', 'k'])).toBeNull();
    expect(run(full, 'auth_totp_device', ['id', 'user_id'], ['1', '2'])).toBeNull();
    const cols = ['id', 'key', 'value'];
    expect(run(full, 'ir_config_parameter', cols, ['1', 'connector.api_key', 's3cr3t'])).toBeNull();
    expect(run(full, 'ir_config_parameter', cols, ['2', 'web.base.url', 'https://x'])).toEqual(['2', 'web.base.url', 'https://x']);
  });

  it('clears secrets, keeps Odoo\'s dummy server, suffixes IAP tokens and never writes the source database.secret', () => {
    const full = credentialStream(schema, resolveSanitization('full'));
    const mail = ['id', 'name', 'smtp_host', 'smtp_user', 'smtp_pass'];
    expect(run(full, 'ir_mail_server', mail, ['1', 'Prod', 'smtp.x', 'u', 'p'])).toEqual(['1', 'Prod', 'smtp.x', null, null]);
    expect(run(full, 'ir_mail_server', mail, ['2', 'neutralization - disable emails', 'invalid', 'u', null])).toEqual(['2', 'neutralization - disable emails', 'invalid', 'u', null]);
    expect(run(full, 'iap_account', ['id', 'account_token'], ['1', 'tok+x'])).toEqual(['1', 'tok+disabled']);
    expect(run(full, 'res_users', ['id', 'login', 'password', 'totp_secret'], ['1', 'a', '$pbkdf2', 'T'])).toEqual(['1', 'a', null, null]);
    const secret = run(full, 'ir_config_parameter', ['id', 'key', 'value'], ['3', 'database.secret', 'source-secret']);
    expect(secret?.[2]).not.toBe('source-secret');
    expect(full.leaks()).toEqual([]);
    const counts = full.counts();
    expect([counts.disable_mail_servers, counts.reset_passwords, counts.disable_2fa]).toEqual([1, 1, 1]);
    expect(counts.clear_api_keys).toBeGreaterThan(0);
  });

  it('clears nothing an unchosen option owns', () => {
    const none = credentialStream(schema, resolveSanitization('none'));
    expect(run(none, 'res_users_apikeys', ['id', 'name', 'key'], ['1', 'ci', 'k'])).toEqual(['1', 'ci', 'k']);
    expect(run(none, 'ir_mail_server', ['id', 'name', 'smtp_host', 'smtp_user', 'smtp_pass'], ['1', 'P', 'h', 'u', 'p'])).toEqual(['1', 'P', 'h', 'u', 'p']);
  });

  it('reports a written credential place that still holds a source value', () => {
    const s = credentialStream(schema, resolveSanitization('recommended'));
    const cols = ['id', 'state', 'webhook_url'];
    expect(run(s, 'ir_act_server', cols, ['1', 'webhook', 'https://hook.example/t0k3n'])?.[2]).toBe('neutralization - disable webhook');
    // a code action keeps its URL field (as in SQL): the same secret URL is still written there
    run(s, 'ir_act_server', cols, ['2', 'code', 'https://hook.example/t0k3n']);
    expect(s.leaks()).toEqual([{ table: 'ir_act_server', column: 'webhook_url', option: 'clear_api_keys', count: 1 }]);
  });
});
