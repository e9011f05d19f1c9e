import { describe, expect, it } from 'vitest';
import { isDeletedParam } from './options/credentials-stream.js';
import { likeRegExp } from './like.js';

describe('likeRegExp', () => {
  it('matches as LIKE does: % any run, _ one character, backslash escapes, whole value', () => {
    expect(likeRegExp('%api_key%').test('my.apiXkey.x')).toBe(true);
    expect(likeRegExp('%api_key%').test('apikey')).toBe(false);
    expect(likeRegExp('cloud\\_storage\\_%').test('cloud_storage_provider')).toBe(true);
    expect(likeRegExp('cloud\\_storage\\_%').test('cloudXstorage_provider')).toBe(false);
    expect(likeRegExp('a.b(c)').test('a.b(c)')).toBe(true);
    expect(likeRegExp('a.b(c)').test('aXb(c)')).toBe(false);
    expect(likeRegExp('x%').test('x\nmulti\nline')).toBe(true);
    expect(likeRegExp('ab').test('xab')).toBe(false);
  });

  it('folds case only for ILIKE', () => {
    expect(likeRegExp('%token%').test('Auth.TOKEN')).toBe(false);
    expect(likeRegExp('%token%', true).test('Auth.TOKEN')).toBe(true);
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
