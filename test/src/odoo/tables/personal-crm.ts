// Personal data of the CRM and the website's conversations: leads (with the Studio WhatsApp field),
// their chatter (the prospect's own e-mails, staff replies, tracked changes of e-mail and phone,
// activities), live-chat channels with their visitors and guests, chatbot answers and bus
// notifications quoting a person's e-mail and phone.
import { ts, ANCHOR } from '../fake.js';
import type { Row } from '../insert.js';
import type { Planting } from '../personal.js';
import { e164, emailDomainCriterion, normalizeEmail, privateEmail, fakePhone, type FakePerson } from '../personal-fake.js';

const PRODUCTS = ['office chairs', 'standing desks', 'a maintenance contract', 'meeting-room screens', 'coffee machines', 'website redesign'];

export interface Staff {
  userId: number;
  partnerId: number;
  name: string;
  email: string;
  phone: string | null;
  mobile: string | null;
  login: string;
  active: boolean;
}

const when = (days: number): string => ts(ANCHOR - days * 86_400_000);

/** mail_message row on any record (every generated message row has these columns). */
export function messageRow(id: number, m: { model: string; resId: number; recordName: string; type: 'email' | 'comment' | 'notification'; from: string | null; replyTo: string | null; body: string; subject: string | null; authorId: number | null; days: number; parentId?: number | null }): Row {
  const date = when(m.days);
  return {
    id, parent_id: m.parentId ?? null, res_id: m.resId, record_company_id: 1, subtype_id: m.type === 'notification' ? 3 : 1, author_id: m.authorId,
    create_uid: 2, write_uid: 2, subject: m.subject, model: m.model, record_name: m.recordName, message_type: m.type, email_from: m.from,
    message_id: `<${id}.${date.replace(/\D/g, '')}@mail.example.org>`, reply_to: m.replyTo, body: m.body, is_internal: false,
    reply_to_force_new: false, email_add_signature: true, date, create_date: date, write_date: date,
  };
}

export async function writeLeads(pl: Planting, staff: readonly Staff[]): Promise<number[]> {
  if (!pl.has('crm_lead')) return [];
  const rng = pl.rng.fork('crm');
  const leads: Row[] = [];
  const messages: Row[] = [];
  const tracking: Row[] = [];
  const activities: Row[] = [];
  let msgId = await pl.nextId('mail_message');
  let actId = await pl.nextId('mail_activity');
  const ids: number[] = [];
  const T = 'crm_lead';
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i);
    const owner = staff[i % staff.length];
    const id = i + 1;
    ids.push(id);
    const product = rng.pick(PRODUCTS);
    const name = p.company ? `${p.company.name}: ${product}` : `${p.name} - ${product}`;
    // some prospects type their address with capitals; email_normalized is the lower-case address
    const emailFrom = i % 3 === 0 ? p.email.replace(/^./, (c) => c.toUpperCase()) : p.email;
    const normalized = normalizeEmail(emailFrom);
    const cc = i % 4 === 0 ? pl.person(i + pl.n).email : null;
    const mobile = i % 2 === 0 ? p.mobile : null;
    const description = `<p>Contact form: ${p.name} asks for a quote for ${product}.</p><p>Email: <a href="mailto:${p.email}">${p.email}</a><br/>Phone: ${p.phone}</p>`;
    leads.push({
      id, name, type: i % 2 === 0 ? 'lead' : 'opportunity', active: true, user_id: owner?.userId ?? 2, company_id: 1, partner_id: null,
      contact_name: p.name, partner_name: p.company?.name ?? null, email_from: emailFrom, email_normalized: normalized,
      email_domain_criterion: emailDomainCriterion(normalized), email_cc: cc, phone: p.phone, mobile, phone_sanitized: e164(p.phone),
      street: p.street, street2: p.street2, zip: p.zip, city: p.city, country_id: p.countryId, website: p.company ? `https://www.${p.company.domain}` : null,
      description, x_studio_whatsapp: i % 3 === 2 ? null : p.mobile, probability: rng.int(5, 90), expected_revenue: rng.int(500, 40_000),
      priority: String(rng.int(0, 3)), create_date: when(40 + i), write_date: when(i), create_uid: 2, write_uid: 2,
    });
    pl.quoted(T, 'name', 'name', p.company ? null : p.name);
    pl.ext(T, 'contact_name', 'name', p.name);
    pl.ext(T, 'email_from', 'email', emailFrom);
    pl.ext(T, 'email_normalized', 'email', normalized);
    if (!p.company) pl.ext(T, 'email_domain_criterion', 'email', normalized);
    pl.ext(T, 'email_cc', 'email', cc);
    pl.ext(T, 'phone', 'phone', p.phone);
    pl.ext(T, 'mobile', 'phone', mobile);
    pl.ext(T, 'phone_sanitized', 'phone', e164(p.phone));
    pl.address(T, p);
    pl.quoted(T, 'description', 'email', p.email);
    pl.quoted(T, 'description', 'phone', p.phone);
    if (i % 3 !== 2) pl.ext(T, 'x_studio_whatsapp', 'phone', p.mobile);
    // chatter: the prospect's mail, a staff reply, and a tracked change of e-mail and phone
    const first = msgId;
    const from = `"${p.name}" <${p.email}>`;
    messages.push(messageRow(msgId++, {
      model: 'crm.lead', resId: id, recordName: name, type: 'email', from, replyTo: from, authorId: null, days: 39 + i,
      subject: `Quote request: ${product}`, body: `<p>Hello,</p><p>Could you send me a quote for ${product}? Best reached on ${p.phone}.</p><p>--<br/>${p.name}<br/>${p.email}</p>`,
    }));
    pl.quoted('mail_message', 'email_from', 'email', p.email);
    pl.quoted('mail_message', 'email_from', 'name', p.name);
    pl.quoted('mail_message', 'reply_to', 'email', p.email);
    pl.quoted('mail_message', 'body', 'phone', p.phone);
    pl.quoted('mail_message', 'body', 'email', p.email);
    pl.quoted('mail_message', 'record_name', 'name', p.company ? null : p.name);
    if (owner) {
      messages.push(messageRow(msgId++, {
        model: 'crm.lead', resId: id, recordName: name, type: 'email', from: `"${owner.name}" <${owner.email}>`, replyTo: `"${owner.name}" <${owner.email}>`,
        authorId: owner.partnerId, days: 38 + i, parentId: first, subject: `Re: Quote request: ${product}`,
        body: `<p>Dear ${p.name},</p><p>Thank you for your request; please find our offer attached.</p><p>--<br/>${owner.name}<br/>${owner.email}</p>`,
      }));
      pl.quoted('mail_message', 'email_from', 'email', owner.email, 'internal');
    }
    const oldEmail = privateEmail(rng, pl.values, p.first, p.last);
    const oldPhone = fakePhone(rng, pl.values);
    const trackId = msgId;
    messages.push(messageRow(msgId++, { model: 'crm.lead', resId: id, recordName: name, type: 'notification', from: owner ? `"${owner.name}" <${owner.email}>` : null, replyTo: null, authorId: owner?.partnerId ?? null, days: 30 + i, body: '', subject: null }));
    const track = (field: string, oldChar: string | null, newChar: string | null, oldText: string | null, newText: string | null): void => {
      tracking.push({
        id: tracking.length + 1, field_id: pl.fieldIds.get(`crm.lead.${field}`) ?? null, mail_message_id: trackId, old_value_char: oldChar, new_value_char: newChar,
        old_value_text: oldText, new_value_text: newText, field_info: null, create_uid: 2, write_uid: 2, create_date: when(30 + i), write_date: when(30 + i),
      });
    };
    track('email_from', oldEmail, p.email, null, null);
    track('phone', oldPhone, p.phone, null, null);
    if (i % 2 === 0) track('description', null, null, `Call back on ${oldPhone}`, `Call back on ${p.phone}`);
    pl.ext('mail_tracking_value', 'old_value_char', 'email', oldEmail);
    pl.ext('mail_tracking_value', 'new_value_char', 'email', p.email);
    pl.ext('mail_tracking_value', 'old_value_char', 'phone', oldPhone);
    pl.ext('mail_tracking_value', 'new_value_char', 'phone', p.phone);
    if (i % 2 === 0) {
      pl.quoted('mail_tracking_value', 'old_value_text', 'phone', oldPhone);
      pl.quoted('mail_tracking_value', 'new_value_text', 'phone', p.phone);
    }
    if (owner && pl.ctx.has('mail_activity')) {
      activities.push({
        id: actId++, res_model_id: 300, res_id: id, activity_type_id: 2, user_id: owner.userId, request_partner_id: null, create_uid: 2, write_uid: 2,
        res_model: 'crm.lead', res_name: name, summary: 'Call back', date_deadline: when(-i - 1).slice(0, 10), date_done: null,
        note: `<p>Call ${p.name} back on ${p.mobile} about ${product}.</p>`, automated: false, active: true, create_date: when(20), write_date: when(10),
      });
      pl.quoted('mail_activity', 'res_name', 'name', p.company ? null : p.name);
      pl.quoted('mail_activity', 'note', 'name', p.name);
      pl.quoted('mail_activity', 'note', 'phone', p.mobile);
    }
  }
  await pl.insert(T, leads);
  await pl.insert('mail_message', messages);
  await pl.insert('mail_tracking_value', tracking);
  await pl.insert('mail_activity', activities);
  return ids;
}

/** Live chat: channels with a visitor, their guest, chatbot answers, website visitors, bus notifications. */
export async function writeLiveChat(pl: Planting, staff: readonly Staff[]): Promise<void> {
  const rng = pl.rng.fork('livechat');
  const channels: Row[] = [];
  const guests: Row[] = [];
  const answers: Row[] = [];
  const visitors: Row[] = [];
  const bus: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const v: FakePerson = pl.person(i + 2 * pl.n);
    const op = staff[i % staff.length];
    const id = i + 1;
    channels.push({
      id, name: `${v.name}, ${op?.name ?? 'OdooBot'}`, channel_type: 'livechat', uuid: rng.uuid(), active: true, allow_public_upload: false,
      default_display_mode: null, livechat_operator_id: op?.partnerId ?? 2, anonymous_name: v.name, livechat_active: false, country_id: v.countryId,
      livechat_visitor_id: id, create_uid: 4, write_uid: 4, create_date: when(10 + i), write_date: when(9 + i),
    });
    pl.quoted('discuss_channel', 'name', 'name', v.name);
    pl.ext('discuss_channel', 'anonymous_name', 'name', v.name);
    guests.push({ id, name: v.name, access_token: rng.uuid(), lang: 'fr_BE', timezone: 'Europe/Brussels', country_id: v.countryId, create_uid: 4, write_uid: 4, create_date: when(10 + i), write_date: when(10 + i) });
    pl.ext('mail_guest', 'name', 'name', v.name);
    answers.push({ id, discuss_channel_id: id, mail_message_id: null, script_step_id: 3, user_script_answer_id: null, user_raw_answer: i % 2 === 0 ? v.email : `you can mail me at ${v.email}`, create_uid: 4, write_uid: 4, create_date: when(10 + i), write_date: when(10 + i) });
    pl.quoted('chatbot_message', 'user_raw_answer', 'email', v.email);
    visitors.push({ id, website_id: 1, partner_id: null, country_id: v.countryId, lang_id: 1, visit_count: rng.int(1, 9), access_token: rng.hex(32), timezone: rng.pick(['Europe/Brussels', 'Europe/Paris', 'Europe/Amsterdam']), create_uid: 4, write_uid: 4, create_date: when(10 + i), last_connection_datetime: when(i), write_date: when(i), livechat_operator_id: op?.partnerId ?? null });
    const message = JSON.stringify({ type: 'mail.record/insert', payload: { Persona: [{ id: 1000 + id, type: 'guest', name: v.name, email: v.email, phone: v.phone }] } });
    bus.push({ id, channel: JSON.stringify(['db', 'discuss.channel', id]), message, create_uid: 4, write_uid: 4, create_date: when(0), write_date: when(0) });
    pl.quoted('bus_bus', 'message', 'email', v.email);
    pl.quoted('bus_bus', 'message', 'phone', v.phone);
    pl.quoted('bus_bus', 'message', 'name', v.name);
  }
  await pl.insert('discuss_channel', channels);
  await pl.insert('mail_guest', guests);
  await pl.insert('chatbot_message', answers);
  await pl.insert('website_visitor', visitors);
  await pl.insert('bus_bus', bus);
}
