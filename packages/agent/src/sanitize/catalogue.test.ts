import { describe, expect, it } from 'vitest';
import { PRESET_OPTIONS, SANITIZATION_KEYS } from '@oec/shared';
import { IDENTITY_PARAMS } from './identity.js';
import { NEUTRALIZE_MAP } from './neutralize-map.js';
import { BLANKED_PARAMS, DELETED_PARAMS, NEVER_DELETE_PARAMS, SECRET_PARAM_PATTERNS } from './options/credentials-catalogue.js';
import { SANITIZE_OPTIONS } from './options/index.js';

const likeToRegExp = (p: string): RegExp =>
  new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\\_/g, '\u0000').replace(/_/g, '.').replace(/\u0000/g, '_').replace(/%/g, '.*')}$`, 'i');

describe('the option catalogue', () => {
  it('has one module per option, in the shared catalogue order', () => {
    expect(SANITIZE_OPTIONS.map((o) => o.key)).toEqual(SANITIZATION_KEYS);
  });
});

describe("Odoo's neutralization map", () => {
  it('puts every rule Odoo applies on an option of the recommended preset', () => {
    const recommended = new Set(PRESET_OPTIONS.recommended);
    for (const rule of NEUTRALIZE_MAP) {
      if (rule.option === null) {
        expect(rule.tables, rule.module).toEqual([]);
        expect(rule.how).toMatch(/^not carried/);
      } else {
        expect(recommended.has(rule.option), `${rule.module}: ${rule.odoo} → ${rule.option}`).toBe(true);
      }
    }
  });

  it('covers the modules of odoo-facts §1.3', () => {
    const modules = NEUTRALIZE_MAP.map((r) => r.module).join(' ');
    for (const m of ['base', 'web', 'website', 'mail', 'payment', 'delivery', 'iap', 'auth_oauth', 'google_calendar', 'microsoft_calendar', 'account_edi_proxy_client', 'account_peppol', 'google_recaptcha', 'cloud_storage_google', 'pos_adyen']) {
      expect(modules).toContain(m);
    }
  });
});

describe('system parameters', () => {
  it('never deletes the identity parameters, and only those are allow-listed by pattern', () => {
    for (const k of IDENTITY_PARAMS) expect(NEVER_DELETE_PARAMS).toContain(k);
    for (const k of [...DELETED_PARAMS, ...BLANKED_PARAMS]) expect(NEVER_DELETE_PARAMS).not.toContain(k);
  });

  it('catches the usual secret parameter names with its key patterns', () => {
    const caught = (key: string): boolean => SECRET_PARAM_PATTERNS.some((p) => likeToRegExp(p).test(key));
    for (const k of ['google_calendar_client_secret', 'acme.api_key', 'crm_sync.access_token', 'smtp_password', 'mail.web_push_vapid_private_key', 'x.APIKEY', 'cloud_storage_provider']) {
      expect(caught(k), k).toBe(true);
    }
    for (const k of ['web.base.url', 'mail.catchall.domain', 'iap.endpoint', 'cloudXstorage_provider']) expect(caught(k), k).toBe(false);
  });
});
