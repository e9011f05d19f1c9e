// Accounts: reset_passwords (one new password for every user, stored as the pbkdf2-sha512 hash
// the caller computed; the clear text never reaches this module) and disable_2fa (TOTP secrets,
// trusted devices, and the emailed-code policy that would lock users out of a mail-less staging).
import { plural, Stmt, summarize } from '../sql.js';
import type { SanitizeOption } from '../types.js';

/** auth_totp_mail's "enforce 2FA by email" policy (unusable once mail servers are disabled). */
export const TOTP_POLICY_PARAM = 'auth_totp.policy';

export const resetPasswords: SanitizeOption = {
  key: 'reset_passwords',
  async apply(ctx) {
    if (!ctx.require('res_users', 'password')) return 0;
    const s = new Stmt();
    return ctx.exec(`UPDATE res_users SET password = ${s.v(ctx.params.passwordHash)}`, s.values);
  },
  proof(ctx) {
    const active = ctx.schema.has('res_users', 'active') ? 'active IS NOT FALSE AND ' : '';
    return [
      {
        check: 'every active user has the new password',
        requires: [['res_users', 'password']],
        rows: { table: 'res_users', where: (s) => `${active}password IS DISTINCT FROM ${s.v(ctx.params.passwordHash)}` },
      },
    ];
  },
  async estimate(ctx) {
    if (!ctx.require('res_users', 'password')) return { rows: 0, summary: 'no users table' };
    const n = await ctx.count('res_users', 'SELECT 1 FROM res_users');
    return { rows: n, summary: `${plural(n, 'user')} will get the one generated password` };
  },
};

export const disable2fa: SanitizeOption = {
  key: 'disable_2fa',
  async apply(ctx) {
    let n = 0;
    if (ctx.require('res_users', 'totp_secret')) n += await ctx.exec('UPDATE res_users SET totp_secret = NULL WHERE totp_secret IS NOT NULL');
    if (ctx.require('auth_totp_device')) n += await ctx.exec('DELETE FROM auth_totp_device');
    if (ctx.schema.has('ir_config_parameter', 'key')) {
      const s = new Stmt();
      n += await ctx.exec(`DELETE FROM ir_config_parameter WHERE key = ${s.v(TOTP_POLICY_PARAM)}`, s.values);
    }
    return n;
  },
  proof() {
    return [
      { check: 'no TOTP secret left', requires: [['res_users', 'totp_secret']], rows: { table: 'res_users', where: () => 'totp_secret IS NOT NULL' } },
      { check: 'no trusted 2FA device left', requires: [['auth_totp_device']], rows: { table: 'auth_totp_device' } },
      {
        check: 'no enforced 2FA policy',
        requires: [['ir_config_parameter', 'key']],
        rows: { table: 'ir_config_parameter', where: (s) => `key = ${s.v(TOTP_POLICY_PARAM)}` },
      },
    ];
  },
  async estimate(ctx) {
    const secrets = ctx.require('res_users', 'totp_secret')
      ? await ctx.count('res_users', 'SELECT 1 FROM res_users WHERE totp_secret IS NOT NULL')
      : 0;
    const devices = ctx.require('auth_totp_device') ? await ctx.count('auth_totp_device', 'SELECT 1 FROM auth_totp_device') : 0;
    let policy = 0;
    if (ctx.require('ir_config_parameter', 'key')) {
      const s = new Stmt();
      policy = await ctx.count('ir_config_parameter', `SELECT 1 FROM ir_config_parameter WHERE key = ${s.v(TOTP_POLICY_PARAM)}`, s.values);
    }
    return {
      rows: secrets + devices + policy,
      summary: summarize(
        [
          [secrets, `2FA removed from ${plural(secrets, 'user')}`],
          [devices, `${plural(devices, 'trusted device')} forgotten`],
          [policy, 'enforced 2FA policy lifted'],
        ],
        'no 2FA configured',
      ),
    };
  },
};
