// Server actions (ir_act_server, a child table of ir_actions), scheduled actions (ir_cron, which
// `_inherits` its server action), pending cron triggers, and the ir_model_data xmlids of all of it,
// including base.autovacuum_job (the one cron Odoo's neutralization keeps active).
import type { GenContext } from '../context.js';
import { ANCHOR, futureTs, pastTs, tr, ts } from '../fake.js';
import { insertRows, type Row } from '../insert.js';

/** [module, xmlid name, cron name, model, code, interval number, interval type, active, needs tables]. */
const CRONS: readonly (readonly [string, string, string, string, string, number, string, boolean, readonly string[]])[] = [
  ['base', 'autovacuum_job', 'Base: Auto-vacuum internal data', 'ir.autovacuum', 'model._run_vacuum_cleaner()', 1, 'days', true, []],
  ['mail', 'ir_cron_mail_scheduler_action', 'Mail: Email Queue Manager', 'mail.mail', 'model.process_email_queue()', 1, 'hours', true, ['mail_mail']],
  ['mail', 'ir_cron_mail_gateway_action', 'Mail: Fetchmail Service', 'fetchmail.server', 'model._fetch_mails()', 5, 'minutes', true, ['fetchmail_server']],
  ['mail', 'ir_cron_send_scheduled_message', 'Notification: Send scheduled message notifications', 'mail.message.schedule', 'model._send_notifications_cron()', 1, 'hours', true, ['mail_message']],
  ['base', 'ir_cron_res_users_deletion', 'Base: Portal Users Deletion', 'res.users.deletion', 'model._gc_portal_users()', 1, 'days', true, []],
  ['google_calendar', 'ir_cron_sync_all_cals', 'Google Calendar: synchronization', 'res.users', 'model._sync_all_google_calendar()', 12, 'hours', true, ['google_calendar_credentials']],
  ['payment', 'cron_post_process_payment_tx', 'Payment: Post-process transactions', 'payment.transaction', 'model._cron_finalize_post_processing()', 10, 'minutes', true, ['payment_provider']],
  ['iap', 'ir_cron_iap_credit_check', 'IAP: credit balance check', 'iap.account', 'model._cron_check_credits()', 1, 'days', true, ['iap_account']],
  ['digest', 'ir_cron_digest_scheduler_action', 'Digest Emails', 'digest.digest', 'model._cron_send_digest_email()', 1, 'days', false, []],
  ['__export__', 'ir_cron_erp_order_sync', 'Sync orders to the warehouse API', 'sale.order', "model._push_to_wms('https://wms.example.net/api')", 15, 'minutes', true, []],
];

/** Non-cron server actions: [name, state, model, extra columns]. */
const ACTIONS: readonly (readonly [string, string, string, Row])[] = [
  ['Notify Zapier of new customers', 'webhook', 'res.partner', { webhook_url: 'https://hooks.zapier.example.com/hooks/catch/1234567/abcdef/' }],
  ['Archive stale leads', 'object_write', 'res.partner', { update_path: 'active', update_boolean_value: 'false', evaluation_type: 'value' }],
  ['Post to Slack', 'code', 'res.partner', { code: "requests.post('https://hooks.slack.example.com/services/T000/B000/XXXX', json={'text': record.name})" }],
];

function actionRow(id: number, name: string, state: string, modelName: string, usage: string, extra: Row): Row {
  return {
    id, binding_model_id: null, create_uid: 1, write_uid: 1, type: 'ir.actions.server', binding_type: 'action',
    binding_view_types: 'list,form', name: tr(name), help: null, create_date: '2022-01-03 08:00:00', write_date: '2024-01-10 10:00:00',
    sequence: 5, model_id: 100 + (id % 50), crud_model_id: null, link_field_id: null, update_field_id: null,
    update_related_model_id: null, selection_value: null, usage, state, model_name: modelName, update_path: null,
    update_m2m_operation: 'add', update_boolean_value: 'true', evaluation_type: 'value', resource_ref: null,
    webhook_url: null, code: null, value: null, template_id: null, activity_type_id: null,
    activity_date_deadline_range: 0, activity_user_id: null, mail_post_method: null, activity_summary: null,
    activity_date_deadline_range_type: 'days', activity_user_type: 'specific', activity_user_field_name: 'user_id',
    activity_note: null, mail_post_autofollow: false, sms_template_id: null, sms_method: null, website_path: null,
    website_published: false, ...extra,
  };
}

export async function writeCrons(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('crons');
  const withActions = ctx.has('ir_act_server');
  const actions: Row[] = [];
  const crons: Row[] = [];
  const crons_ = CRONS.filter(([, , , , , , , , tables]) => tables.every((t) => ctx.has(t)));
  crons_.forEach(([module, xmlid, name, model, code, num, type, active], i) => {
    const actionId = i + 1;
    const cronId = i + 1;
    actions.push(actionRow(actionId, name, 'code', model, 'ir_cron', { code }));
    crons.push({
      id: cronId, ir_actions_server_id: actionId, user_id: 1, interval_number: num, numbercall: -1, priority: 5,
      create_uid: 1, write_uid: 1, cron_name: name, interval_type: type, active, doall: false,
      nextcall: ts(ANCHOR + rng.int(60, 86400) * 1000), lastcall: pastTs(rng, 1), create_date: '2022-01-03 08:00:00', write_date: pastTs(rng, 30),
    });
    ctx.xmlids.push([module, xmlid, 'ir.cron', cronId], [module, `${xmlid}_ir_actions_server`, 'ir.actions.server', actionId]);
    if (module === 'base' && xmlid === 'autovacuum_job') ctx.autovacuumCronId = cronId;
  });
  ACTIONS.forEach(([name, state, model, extra], i) => {
    const id = crons_.length + i + 1;
    actions.push(actionRow(id, name, state, model, 'ir_actions_server', extra));
    ctx.xmlids.push(['__export__', `ir_act_server_${id}_${rng.hex(8)}`, 'ir.actions.server', id]);
  });
  if (!withActions) return;
  await insertRows(ctx.client, 'ir_act_server', actions);
  if (!ctx.has('ir_cron')) return;
  await insertRows(ctx.client, 'ir_cron', crons);
  if (!ctx.has('ir_cron_trigger')) return;
  const triggers: Row[] = [];
  for (let i = 0; i < 6; i++) {
    const cron = crons[i % Math.min(3, crons.length)];
    triggers.push({ id: i + 1, cron_id: cron?.id ?? null, create_uid: 1, write_uid: 1, call_at: i % 2 ? futureTs(rng, 10) : pastTs(rng, 1), create_date: pastTs(rng, 2), write_date: pastTs(rng, 2) });
  }
  await insertRows(ctx.client, 'ir_cron_trigger', triggers);
}

/** ir_model_data: the xmlids collected by the other writers (modules, crons, users, partners, ...). */
export async function writeXmlids(ctx: GenContext): Promise<void> {
  if (!ctx.has('ir_model_data')) return;
  const base: [string, string, string, number][] = [
    ['base', 'main_company', 'res.company', 1], ['base', 'main_partner', 'res.partner', 1], ['base', 'partner_root', 'res.partner', 2],
    ['base', 'partner_admin', 'res.partner', 3], ['base', 'public_partner', 'res.partner', 4], ['base', 'user_root', 'res.users', 1],
    ['base', 'user_admin', 'res.users', 2], ['base', 'public_user', 'res.users', 3],
  ];
  const rows = [...base, ...ctx.xmlids].map(([module, name, model, resId], i) => ({
    id: i + 1, create_uid: 1, create_date: '2022-01-03 08:00:00', write_date: '2022-01-03 08:00:00', write_uid: 1,
    res_id: resId, noupdate: model === 'ir.cron', name, module, model,
  }));
  await insertRows(ctx.client, 'ir_model_data', rows);
}
