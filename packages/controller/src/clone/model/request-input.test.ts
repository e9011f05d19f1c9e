import { describe, expect, it } from 'vitest';
import { AppError } from '@oec/shared';
import { assertRisksAcknowledged, cloneRequestInput, effectiveSanitization, odooSeries, pgMajor } from './request-input.js';

const parse = (body: unknown) => cloneRequestInput.parse(body);
function reason(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof AppError ? String(e.details?.reason) : 'not an AppError';
  }
}

describe('clone request checks', () => {
  it('reads names and domains as strings (checked later as INVALID_NAME / INVALID_DOMAIN)', () => {
    expect(parse({ target: { create_new: true, environment_type: 'staging', name: 'Bad Name', domain: 'x y' } }).target).toMatchObject({ name: 'Bad Name' });
    expect(() => parse({ target: { create_new: true, environment_type: 'staging', colour: 1 } })).toThrow();
  });

  it('requires a preset for production targets and keeps clear_asset_bundles on', () => {
    const base = parse({ target: { create_new: true, environment_type: 'production' } });
    expect(reason(() => effectiveSanitization(base, 'production'))).toBe('PRESET_REQUIRED');
    expect(effectiveSanitization(base, 'staging').preset).toBe('recommended');
    const off = parse({ target: { create_new: true, environment_type: 'staging' }, sanitization_options: { clear_asset_bundles: false } });
    expect(reason(() => effectiveSanitization(off, 'staging'))).toBe('REQUIRED_OPTION');
  });

  it('requires acknowledge_risks for preset none and mail servers left on', () => {
    const none = parse({ target: { create_new: true, environment_type: 'staging' }, sanitization_preset: 'none' });
    expect(reason(() => assertRisksAcknowledged(none, effectiveSanitization(none, 'staging')))).toBe('RISK_NOT_ACKNOWLEDGED');
    const mail = parse({ target: { create_new: true, environment_type: 'staging' }, sanitization_options: { disable_mail_servers: false } });
    expect(reason(() => assertRisksAcknowledged(mail, effectiveSanitization(mail, 'staging')))).toBe('RISK_NOT_ACKNOWLEDGED');
    const ok = { ...none, acknowledge_risks: true };
    expect(reason(() => assertRisksAcknowledged(ok, effectiveSanitization(ok, 'staging')))).toBeNull();
  });

  it('compares Odoo series and PostgreSQL majors', () => {
    expect(odooSeries('17.0.1.3')).toBe('17.0');
    expect(odooSeries('saas~17.2')).toBeNull();
    expect(pgMajor('15.8 (Debian 15.8-0+deb12u1)')).toBe(15);
    expect(pgMajor(null)).toBeNull();
  });
});
