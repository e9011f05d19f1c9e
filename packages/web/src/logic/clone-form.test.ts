import { describe, expect, it } from 'vitest';
import { canStart, defaultForm, estimateRequest, suggestName, toRequest, validate, withOption, withPreset } from './clone-form.js';

const ctx = {
  existingNames: ['production', 'staging'],
  replaceable: [{ id: '00000000-0000-4000-8000-000000000002', name: 'staging' }],
};

describe('clone form', () => {
  it('suggests {source}-clone-{YYYYMMDD} within 40 characters', () => {
    expect(suggestName('production', new Date(2024, 11, 11))).toBe('production-clone-20241211');
    const long = suggestName('a'.repeat(39), new Date(2024, 0, 2));
    expect(long).toHaveLength(40);
    expect(long.endsWith('-clone-20240102')).toBe(true);
  });

  it('starts ready with the recommended preset, and sends it', () => {
    const form = defaultForm({ name: 'production' }, new Date(2024, 11, 11));
    expect(validate(form, ctx)).toEqual({});
    expect(toRequest(form)).toEqual({
      target: { create_new: true, name: 'production-clone-20241211', environment_type: 'staging' },
      sanitization_preset: 'recommended',
      include_filestore: true,
      acknowledge_risks: false,
      options: { compress: false, parallel_transfer: true },
    });
  });

  it('refuses a taken or malformed name, and a cross-server clone without a server', () => {
    const form = defaultForm({ name: 'production' });
    expect(validate({ ...form, name: 'staging' }, ctx).name).toMatch(/exists already/);
    expect(validate({ ...form, name: 'Bad Name' }, ctx).name).toBeDefined();
    expect(validate({ ...form, crossServer: true }, ctx).serverId).toBeDefined();
    expect(validate({ ...form, domain: 'not a domain' }, ctx).domain).toBeDefined();
  });

  it('keeps replace disabled until the name is typed and the checkbox ticked', () => {
    const base = { ...defaultForm({ name: 'production' }), mode: 'replace' as const, replaceId: ctx.replaceable[0]?.id ?? '' };
    expect(canStart(base, ctx)).toBe(false);
    expect(canStart({ ...base, confirmName: 'stagin', understood: true }, ctx)).toBe(false);
    expect(canStart({ ...base, confirmName: 'staging' }, ctx)).toBe(false);
    const ready = { ...base, confirmName: 'staging', understood: true };
    expect(canStart(ready, ctx)).toBe(true);
    expect(toRequest(ready).target).toEqual({ create_new: false, environment_id: base.replaceId, confirm_name: 'staging' });
  });

  it('needs the risk acknowledgement for preset none and for mail servers left on', () => {
    const none = withPreset(defaultForm({ name: 'production' }), 'none');
    expect(validate(none, ctx).acknowledgeRisks).toMatch(/None/);
    expect(toRequest({ ...none, acknowledgeRisks: true }).acknowledge_risks).toBe(true);
    const mailOn = withOption(defaultForm({ name: 'production' }), 'disable_mail_servers', false);
    expect(mailOn.overrides).toEqual({ disable_mail_servers: false });
    expect(validate(mailOn, ctx).acknowledgeRisks).toMatch(/Mail servers/);
    expect(withOption(mailOn, 'disable_mail_servers', true).overrides).toEqual({});
  });

  it('asks the estimate without name, domain or typed confirmation', () => {
    const form = { ...defaultForm({ name: 'production' }), domain: 'x.example.com' };
    expect(estimateRequest(form)?.target).toEqual({ create_new: true, environment_type: 'staging' });
    expect(estimateRequest({ ...form, mode: 'replace' })).toBeNull();
    expect(estimateRequest({ ...form, mode: 'replace', replaceId: 'r', confirmName: 'abc' })?.target).toEqual({
      create_new: false,
      environment_id: 'r',
      confirm_name: '',
    });
  });
});
