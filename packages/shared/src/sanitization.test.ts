import { describe, expect, it } from 'vitest';
import {
  SANITIZATION_KEYS,
  enabledOptions,
  needsRiskAcknowledgement,
  resolveSanitization,
  sanitizationOverridesSchema,
} from './sanitization.js';

describe('sanitization catalogue', () => {
  it('has 16 options', () => {
    expect(SANITIZATION_KEYS).toHaveLength(16);
  });

  it('resolves each preset to its documented option list', () => {
    expect(enabledOptions(resolveSanitization('recommended'))).toEqual([
      'disable_mail_servers',
      'clear_mail_queue',
      'anonymize_emails',
      'anonymize_phones',
      'anonymize_identity_numbers',
      'clear_api_keys',
      'update_base_url',
      'disable_crons',
      'clear_asset_bundles',
    ]);
    expect(enabledOptions(resolveSanitization('minimal'))).toEqual([
      'disable_mail_servers',
      'clear_mail_queue',
      'clear_asset_bundles',
    ]);
    expect(enabledOptions(resolveSanitization('full'))).toHaveLength(SANITIZATION_KEYS.length);
    expect(enabledOptions(resolveSanitization('none'))).toEqual(['clear_asset_bundles']);
  });

  it('lets custom options override the preset key by key and echoes all 16 keys', () => {
    const opts = resolveSanitization('minimal', { anonymize_emails: true, clear_mail_queue: false });
    expect(Object.keys(opts)).toHaveLength(SANITIZATION_KEYS.length);
    expect(opts.anonymize_emails).toBe(true);
    expect(opts.clear_mail_queue).toBe(false);
    expect(opts.disable_mail_servers).toBe(true);
  });

  it('refuses unknown option keys', () => {
    expect(sanitizationOverridesSchema.safeParse({ drop_everything: true }).success).toBe(false);
  });

  it('asks for risk acknowledgement for none or when mail servers stay on', () => {
    expect(needsRiskAcknowledgement('none', resolveSanitization('none'))).toBe(true);
    const keepMail = resolveSanitization('recommended', { disable_mail_servers: false });
    expect(needsRiskAcknowledgement('recommended', keepMail)).toBe(true);
    expect(needsRiskAcknowledgement('recommended', resolveSanitization('recommended'))).toBe(false);
  });
});
