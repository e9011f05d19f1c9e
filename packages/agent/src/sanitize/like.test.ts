import { describe, expect, it } from 'vitest';
import { isDeletedParam } from './options/credentials-stream.js';
import { likeToRegExp } from './like.js';

describe('likeToRegExp', () => {
  it('matches as LIKE does: % any run, _ one character, backslash escapes, whole value', () => {
    expect(likeToRegExp('%api_key%').test('my.apiXkey.x')).toBe(true);
    expect(likeToRegExp('%api_key%').test('apikey')).toBe(false);
    expect(likeToRegExp('cloud\\_storage\\_%').test('cloud_storage_provider')).toBe(true);
    expect(likeToRegExp('cloud\\_storage\\_%').test('cloudXstorage_provider')).toBe(false);
    expect(likeToRegExp('a.b(c)').test('a.b(c)')).toBe(true);
    expect(likeToRegExp('a.b(c)').test('aXb(c)')).toBe(false);
    expect(likeToRegExp('x%').test('x\nmulti\nline')).toBe(true);
    expect(likeToRegExp('ab').test('xab')).toBe(false);
  });

  it('folds case only for ILIKE', () => {
    expect(likeToRegExp('%token%').test('Auth.TOKEN')).toBe(false);
    expect(likeToRegExp('%token%', true).test('Auth.TOKEN')).toBe(true);
  });
});

describe('isDeletedParam (clear_api_keys in stream)', () => {
  it('deletes secret-looking and listed parameters, never the kept or blanked ones', () => {
    expect(isDeletedParam('connector.api_key')).toBe(true);
    expect(isDeletedParam('cloud_storage_azure_account_name')).toBe(true);
    expect(isDeletedParam('database.secret')).toBe(false);
    expect(isDeletedParam('web.base.url')).toBe(false);
    expect(isDeletedParam('mail.catchall.domain')).toBe(false);
  });
});
