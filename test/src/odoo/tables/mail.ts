// The chatter and the mail queue: mail_message on customers (HTML bodies quoting names, e-mails and
// phone numbers), mail_mail rows for some of them (outgoing, scheduled in the future, sent, failed,
// cancelled), mail_followers, mail_activity, mail_template (bound to a mail server), and web-push
// devices with queued notifications.
import type { GenContext, PartnerRef } from '../context.js';
import { companyDomain, futureTs, htmlBody, pastTs, sentence, tr } from '../fake.js';
import { insertRows, TableWriter, type Row } from '../insert.js';

const MAIL_STATES = ['outgoing', 'outgoing', 'outgoing', 'outgoing', 'sent', 'sent', 'sent', 'exception', 'exception', 'cancel'] as const;

export interface MailFacts {
  outgoing: number;
  scheduled: number;
}

export async function writeMessages(ctx: GenContext): Promise<MailFacts> {
  const facts: MailFacts = { outgoing: 0, scheduled: 0 };
  if (!ctx.has('mail_message')) return facts;
  const rng = ctx.rng.fork('messages');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  const byId = new Map(ctx.partners.map((p) => [p.id, p]));
  const customers = ctx.customerIds.map((id) => byId.get(id)).filter((p): p is PartnerRef => !!p);
  const staff = ctx.users.filter((u) => !u.share && u.active).map((u) => byId.get(u.partnerId)).filter((p): p is PartnerRef => !!p);
  const messages = new TableWriter(ctx.client, 'mail_message');
  const mails = ctx.has('mail_mail') ? new TableWriter(ctx.client, 'mail_mail') : null;
  const { messages: count, mails: mailCount, bodyBytes } = ctx.profile;
  const mailEvery = Math.max(1, Math.floor(count / Math.max(1, mailCount)));
  const lastOnRecord = new Map<number, number>();
  let mailId = 1;
  for (let id = 1; id <= count; id++) {
    const record = customers[Math.floor(rng.next() ** 1.5 * customers.length)];
    if (!record || staff.length === 0) break;
    const fromCustomer = rng.chance(0.35);
    const author = fromCustomer ? record : rng.pick(staff);
    const kind = rng.pick(['comment', 'comment', 'email', 'notification'] as const);
    const date = pastTs(rng);
    const body = htmlBody(rng, rng.int(bodyBytes[0], bodyBytes[1]), record);
    const subject = kind === 'notification' ? null : `${rng.pick(['Re: ', '', 'Fwd: '])}${sentence(rng, 4)}`;
    const parent = lastOnRecord.get(record.id);
    lastOnRecord.set(record.id, id);
    const messageId = `<${rng.token(16)}.${date.replace(/\D/g, '')}-openerp-${record.id}-res.partner@${domain}>`;
    await messages.add({
      id, parent_id: parent !== undefined && rng.chance(0.3) ? parent : null, res_id: record.id, record_alias_domain_id: null,
      record_company_id: record.companyId, subtype_id: kind === 'notification' ? 3 : rng.chance(0.2) ? 2 : 1,
      mail_activity_type_id: null, author_id: author.id, author_guest_id: null,
      mail_server_id: kind === 'email' && ctx.mailServerIds.length > 0 ? rng.pick(ctx.mailServerIds) : null,
      create_uid: fromCustomer ? 1 : 2, write_uid: 2, subject, model: 'res.partner', record_name: record.name,
      message_type: kind, email_from: author.email ? `"${author.name}" <${author.email}>` : null, message_id: messageId,
      reply_to: `"${record.name}" <catchall@${domain}>`, email_layout_xmlid: kind === 'email' ? 'mail.mail_notification_layout' : null,
      body, is_internal: kind === 'comment' && rng.chance(0.2), reply_to_force_new: false, email_add_signature: true,
      date, pinned_at: null, create_date: date, write_date: date,
    });
    if (mails && id % mailEvery === 0 && mailId <= mailCount) {
      const state = MAIL_STATES[mailId % MAIL_STATES.length] ?? 'sent';
      const future = state === 'outgoing' && mailId % 10 === 0; // a scheduled message, not due yet
      const scheduled = future ? futureTs(rng) : state === 'outgoing' && rng.chance(0.3) ? pastTs(rng, 1) : null;
      if (state === 'outgoing') facts.outgoing++;
      if (future) facts.scheduled++;
      await mails.add({
        id: mailId++, mail_message_id: id, fetchmail_server_id: ctx.fetchmailIds.length > 0 && rng.chance(0.1) ? rng.pick(ctx.fetchmailIds) : null,
        create_uid: 2, write_uid: 2, email_cc: rng.chance(0.2) ? `accounting@${domain}` : null, state,
        failure_type: state === 'exception' ? 'mail_smtp' : null, body_html: `<div style="font-family: sans-serif">${body}</div>`,
        references: parent !== undefined ? `<${rng.token(16)}@${domain}>` : null, headers: JSON.stringify({ 'X-Odoo-Objects': `res.partner-${record.id}` }),
        email_to: record.email ? `"${record.name}" <${record.email}>` : null,
        failure_reason: state === 'exception' ? `SMTPRecipientsRefused: {'${record.email ?? 'unknown'}': (550, b'5.1.1 mailbox unavailable')}` : null,
        is_notification: kind !== 'email', auto_delete: rng.chance(0.7), scheduled_date: scheduled, create_date: date, write_date: date,
      });
    }
  }
  await messages.flush();
  await mails?.flush();
  return facts;
}

export async function writeFollowersAndActivities(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('followers');
  const staffPartners = ctx.users.filter((u) => !u.share && u.active && u.id !== 1).map((u) => u.partnerId);
  const staffUsers = ctx.users.filter((u) => !u.share && u.active && u.id !== 1).map((u) => u.id);
  const byId = new Map(ctx.partners.map((p) => [p.id, p]));
  if (ctx.has('mail_followers')) {
    const w = new TableWriter(ctx.client, 'mail_followers');
    let id = 1;
    for (const c of ctx.customerIds) {
      if (!rng.chance(0.5)) continue;
      const followers = new Set([c, ...Array.from({ length: rng.int(0, 2) }, () => rng.pick(staffPartners))]);
      for (const p of followers) await w.add({ id: id++, res_id: c, partner_id: p, res_model: 'res.partner' });
    }
    await w.flush();
  }
  if (ctx.has('mail_activity')) {
    const w = new TableWriter(ctx.client, 'mail_activity');
    let id = 1;
    for (const c of ctx.customerIds) {
      if (!rng.chance(0.05)) continue;
      const p = byId.get(c);
      const due = pastTs(rng, 60).slice(0, 10);
      await w.add({
        id: id++, res_model_id: 78, res_id: c, activity_type_id: rng.int(1, 4), user_id: rng.pick(staffUsers), request_partner_id: null,
        recommended_activity_type_id: null, previous_activity_type_id: null, create_uid: 2, write_uid: 2, res_model: 'res.partner',
        res_name: p?.name ?? null, summary: sentence(rng, 4), date_deadline: due, date_done: null,
        note: `<p>Call ${p?.name ?? ''} at ${p?.phone ?? 'n/a'} about ${sentence(rng, 5)}</p>`, automated: false, active: true,
        create_date: pastTs(rng, 90), write_date: pastTs(rng, 30), calendar_event_id: null,
      });
    }
    await w.flush();
  }
}

export async function writeTemplatesAndPush(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('templates');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  if (ctx.has('mail_template')) {
    const defs: [string, string, string][] = [
      ['Sales: Send Quotation', 'sale.order', 'sale/data/mail_template_data.xml'], ['Invoice: Sending', 'account.move', 'account/data/mail_template_data.xml'],
      ['Portal: User Invite', 'res.partner', 'portal/data/mail_template_data.xml'], ['Auth Signup: Reset Password', 'res.users', 'auth_signup/data/mail_template_data.xml'],
      ['Payment Reminder (custom)', 'account.move', ''], ['Delivery: Send by Email', 'stock.picking', 'stock/data/mail_template_data.xml'],
    ];
    await insertRows(ctx.client, 'mail_template', defs.map(([name, model, fs], i) => ({
      id: i + 1, model_id: 150 + i, user_id: null, mail_server_id: ctx.mailServerIds.length > 0 ? (ctx.mailServerIds[i % ctx.mailServerIds.length] ?? null) : null,
      ref_ir_act_window: null, create_uid: 1, write_uid: 2, template_fs: fs || null, lang: '{{ object.partner_id.lang }}', model,
      email_from: fs ? '{{ (object.user_id.email_formatted or user.email_formatted) }}' : `billing@${domain}`,
      email_to: fs ? null : '{{ object.partner_id.email }}', partner_to: fs ? '{{ object.partner_id.id }}' : null,
      email_cc: fs ? null : `accounting@${domain}`, reply_to: null, email_layout_xmlid: 'mail.mail_notification_layout',
      scheduled_date: null, name: tr(name), description: null, subject: tr(`${name} {{ object.name }}`),
      body_html: tr(`<div><p>Hello {{ object.partner_id.name }},</p><p>${sentence(rng, 12)}</p></div>`), active: true,
      use_default_to: !!fs, auto_delete: true, create_date: '2022-01-03 08:00:00', write_date: pastTs(rng, 30),
    })));
  }
  if (!ctx.has('mail_partner_device')) return;
  const owners = ctx.users.filter((u) => u.active && u.id !== 3 && rng.chance(u.share ? 0.3 : 0.5)).map((u) => u.partnerId);
  const devices: Row[] = owners.map((partnerId, i) => ({
    id: i + 1, partner_id: partnerId, create_uid: 2, write_uid: 2, endpoint: `https://fcm.googleapis.com/fcm/send/${rng.token(22)}:${rng.token(140)}`,
    keys: JSON.stringify({ p256dh: `B${rng.token(86)}`, auth: rng.token(22) }), expiration_time: null, create_date: pastTs(rng, 120), write_date: pastTs(rng, 10),
  }));
  await insertRows(ctx.client, 'mail_partner_device', devices);
  if (!ctx.has('mail_notification_web_push')) return;
  await insertRows(ctx.client, 'mail_notification_web_push', devices.slice(0, 10).map((d, i) => ({
    id: i + 1, user_device: d.id ?? null, create_uid: 2, write_uid: 2,
    payload: JSON.stringify({ title: 'New message', options: { body: sentence(rng, 8) } }), create_date: pastTs(rng, 1), write_date: pastTs(rng, 1),
  })));
}
