// Scheduled work: disable_crons (every scheduled action off except base.autovacuum_job, which
// garbage-collects the filestore and which Odoo's neutralization also keeps) and
// clear_scheduled_messages (mail with a future send date, queued SMS, scheduled notifications).
import { NOW_UTC, plural, Stmt, summarize } from '../sql.js';
import type { PlanContext, SanitizeOption } from '../types.js';

function autovacuumIdsSql(ctx: PlanContext, s: Stmt): string {
  if (!ctx.schema.has('ir_model_data', 'module', 'name', 'model', 'res_id')) return 'SELECT NULL::integer WHERE false';
  return (
    `SELECT res_id FROM ir_model_data WHERE module = ${s.v('base')} AND name = ${s.v('autovacuum_job')} ` +
    `AND model = ${s.v('ir.cron')} AND res_id IS NOT NULL`
  );
}

/** The active crons but the autovacuum job, a condition on ir_cron. */
function activeCronsWhere(ctx: PlanContext, s: Stmt): string {
  return `active IS TRUE AND id NOT IN (${autovacuumIdsSql(ctx, s)})`;
}

function activeCronsSql(ctx: PlanContext, s: Stmt): string {
  return `ir_cron WHERE ${activeCronsWhere(ctx, s)}`;
}

export const disableCrons: SanitizeOption = {
  key: 'disable_crons',
  async apply(ctx) {
    if (!ctx.require('ir_cron', 'active')) return 0;
    if (!ctx.schema.has('ir_model_data', 'module', 'name', 'model', 'res_id')) {
      ctx.warn('table ir_model_data not present: the autovacuum job cannot be identified and is disabled too');
    }
    const s = new Stmt();
    return ctx.exec(`UPDATE ir_cron SET active = false WHERE id IN (SELECT id FROM ${activeCronsSql(ctx, s)})`, s.values);
  },
  proof(ctx) {
    return [{ check: 'no active cron but the autovacuum job', requires: [['ir_cron', 'active']], rows: { table: 'ir_cron', where: (s) => activeCronsWhere(ctx, s) } }];
  },
  async estimate(ctx) {
    if (!ctx.require('ir_cron', 'active')) return { rows: 0, summary: 'no scheduled actions table' };
    const s = new Stmt();
    const n = await ctx.count('ir_cron', `SELECT 1 FROM ${activeCronsSql(ctx, s)}`, s.values);
    return { rows: n, summary: `${plural(n, 'scheduled action')} will be disabled (autovacuum kept)` };
  },
};

/** Tables whose every row is a pending scheduled notification (17: per message; 18: composer). */
const SCHEDULE_TABLES = ['mail_message_schedule', 'mail_scheduled_message'] as const;

/** Mail with a future send date, a condition on mail_mail. */
function futureMailWhere(s: Stmt, excludeOutgoing: boolean): string {
  const extra = excludeOutgoing ? ` AND state IS DISTINCT FROM ${s.v('outgoing')}` : '';
  return `scheduled_date > ${NOW_UTC}${extra}`;
}

function futureMailSql(s: Stmt, excludeOutgoing: boolean): string {
  return `mail_mail WHERE ${futureMailWhere(s, excludeOutgoing)}`;
}

/** Queued SMS, a condition on sms_sms. */
function outgoingSmsWhere(s: Stmt): string {
  return `state = ${s.v('outgoing')}`;
}

function outgoingSmsSql(s: Stmt): string {
  return `sms_sms WHERE ${outgoingSmsWhere(s)}`;
}

export const clearScheduledMessages: SanitizeOption = {
  key: 'clear_scheduled_messages',
  scans: ['mail_mail', 'sms_sms'],
  async apply(ctx) {
    let n = 0;
    if (ctx.require('mail_mail', 'scheduled_date')) {
      const s = new Stmt();
      n += await ctx.exec(`DELETE FROM ${futureMailSql(s, false)}`, s.values);
    }
    if (ctx.schema.has('sms_sms', 'state')) {
      const s = new Stmt();
      n += await ctx.exec(`DELETE FROM ${outgoingSmsSql(s)}`, s.values);
    }
    for (const t of SCHEDULE_TABLES) if (ctx.schema.hasTable(t)) n += await ctx.exec(`DELETE FROM ${t}`);
    return n;
  },
  proof() {
    return [
      { check: 'no scheduled outbound mail', requires: [['mail_mail', 'scheduled_date']], rows: { table: 'mail_mail', where: (s) => futureMailWhere(s, false) } },
      { check: 'no outgoing SMS', requires: [['sms_sms', 'state']], rows: { table: 'sms_sms', where: outgoingSmsWhere } },
      ...SCHEDULE_TABLES.map((t) => ({ check: `no scheduled message notification (${t})`, requires: [[t] as const], rows: { table: t } })),
    ];
  },
  async estimate(ctx) {
    let mails = 0;
    if (ctx.require('mail_mail', 'scheduled_date')) {
      const s = new Stmt();
      const afterQueue = ctx.enabled.has('clear_mail_queue') && ctx.schema.has('mail_mail', 'state');
      mails = await ctx.count('mail_mail', `SELECT 1 FROM ${futureMailSql(s, afterQueue)}`, s.values);
    }
    let sms = 0;
    if (ctx.require('sms_sms', 'state')) {
      const s = new Stmt();
      sms = await ctx.count('sms_sms', `SELECT 1 FROM ${outgoingSmsSql(s)}`, s.values);
    }
    let notes = 0;
    for (const t of SCHEDULE_TABLES) if (ctx.require(t)) notes += await ctx.count(t, `SELECT 1 FROM ${t}`);
    return {
      rows: mails + sms + notes,
      summary: summarize(
        [
          [mails, `${plural(mails, 'scheduled email')} will be deleted`],
          [sms, `${plural(sms, 'outgoing SMS', 'outgoing SMS')} deleted`],
          [notes, `${plural(notes, 'scheduled notification')} deleted`],
        ],
        'no scheduled messages',
      ),
    };
  },
};
