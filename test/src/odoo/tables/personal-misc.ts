// Personal data of the other apps: events and their registrations, calendar meetings and
// attendees, mailing lists and their traces, e-mail and phone blacklists, surveys, online payments,
// SMS, letters, privacy-lookup logs, tasks and maintenance requests (cc'd addresses), ratings, sale
// orders, forum posts and link-tracker clicks. Each row belongs to one of the external people.
import { ts, ANCHOR, tr } from '../fake.js';
import type { Row } from '../insert.js';
import type { Planting } from '../personal.js';
import { e164, fakeIp, normalizeEmail } from '../personal-fake.js';

const when = (days: number): string => ts(ANCHOR - days * 86_400_000);
const audit = (days: number): Row => ({ create_uid: 2, write_uid: 2, create_date: when(days), write_date: when(days) });

/** 'm****e.d****t73@g****.com': how privacy_lookup logs an anonymized address. */
function obfuscate(text: string): string {
  return text.replace(/[\p{L}\d]+/gu, (w) => (w.length <= 2 ? `${w.charAt(0)}*` : `${w.charAt(0)}${'*'.repeat(w.length - 2)}${w.charAt(w.length - 1)}`));
}

export async function writeEventsAndCalendar(pl: Planting): Promise<void> {
  const rng = pl.rng.fork('events');
  const titles = ['Open Day 2024', 'Customer Conference', 'Wine & Cheese Evening', 'Product Launch', 'Partner Training'];
  const speakers = titles.map((_, i) => pl.person(7 + i));
  const events: Row[] = speakers.map((s, i) => {
    pl.quoted('event_event', 'description', 'email', s.email);
    return { id: i + 1, name: tr(titles[i] ?? 'Event'), description: tr(`<p>Talk by ${s.name}. Questions before the event: ${s.email}</p>`), date_tz: 'Europe/Brussels', date_begin: when(-30 - i), date_end: when(-31 - i), active: true, company_id: 1, seats_limited: false, ...audit(90) };
  });
  const regs: Row[] = [];
  const meetings: Row[] = [];
  const attendees: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i + 4);
    regs.push({ id: i + 1, event_id: 1 + (i % titles.length), name: p.name, email: p.email, phone: p.mobile, company_name: p.company?.name ?? null, barcode: String(rng.int(1e9, 9e9)) + String(rng.int(1e9, 9e9)), state: 'open', active: true, registration_properties: JSON.stringify({ a7c3e91f0d2b4e68: p.email, b1d4f0a27c9e3b15: p.phone }), company_id: 1, ...audit(20) });
    pl.ext('event_registration', 'name', 'name', p.name);
    pl.ext('event_registration', 'email', 'email', p.email);
    pl.ext('event_registration', 'phone', 'phone', p.mobile);
    pl.quoted('event_registration', 'registration_properties', 'email', p.email);
    pl.quoted('event_registration', 'registration_properties', 'phone', p.phone);
    if (i < Math.ceil(pl.n / 2)) {
      const location = `${p.street}, ${p.zip} ${p.city}`;
      meetings.push({ id: i + 1, name: `Meeting with ${p.name}`, location, description: `<p>Bring the samples. Contact on site: ${p.mobile} / ${p.email}</p>`, privacy: 'public', show_as: 'busy', start: when(-i), stop: when(-i), allday: false, active: true, user_id: 2, duration: 1, ...audit(10) });
      pl.ext('calendar_event', 'location', 'address', location);
      pl.quoted('calendar_event', 'description', 'phone', p.mobile);
      pl.quoted('calendar_event', 'description', 'email', p.email);
    }
    attendees.push({ id: i + 1, event_id: 1 + (i % Math.ceil(pl.n / 2)), partner_id: null, common_name: p.name, access_token: rng.hex(32), state: 'accepted', availability: 'busy', ...audit(10) });
    pl.ext('calendar_attendee', 'common_name', 'name', p.name);
  }
  await pl.insert('event_event', events);
  await pl.insert('event_registration', regs);
  await pl.insert('calendar_event', meetings);
  await pl.insert('calendar_attendee', attendees);
}

export async function writeMailingAndBlacklists(pl: Planting): Promise<void> {
  const contacts: Row[] = [];
  const traces: Row[] = [];
  const black: Row[] = [];
  const phones: Row[] = [];
  const allowed: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i + 10);
    const email = i % 4 === 1 ? p.email.toUpperCase() : p.email;
    contacts.push({ id: i + 1, name: p.name, email, email_normalized: normalizeEmail(email), company_name: p.company?.name ?? null, country_id: p.countryId, message_bounce: 0, ...audit(50) });
    traces.push({ id: i + 1, trace_type: 'mail', email: normalizeEmail(email), model: 'mailing.contact', res_id: i + 1, mass_mailing_id: 1, trace_status: 'sent', message_id: `<${i + 1}.mailing@mail.example.org>`, sent_datetime: when(5), ...audit(5) });
    pl.ext('mailing_contact', 'name', 'name', p.name);
    pl.ext('mailing_contact', 'email', 'email', email);
    pl.ext('mailing_contact', 'email_normalized', 'email', normalizeEmail(email));
    pl.ext('mailing_trace', 'email', 'email', normalizeEmail(email));
    if (i % 2 === 0) {
      black.push({ id: black.length + 1, email: normalizeEmail(email), active: true, ...audit(3) });
      phones.push({ id: phones.length + 1, number: e164(p.mobile), active: true, ...audit(3) });
      allowed.push({ id: allowed.length + 1, email: p.email, email_normalized: normalizeEmail(p.email), ...audit(3) });
      pl.ext('mail_blacklist', 'email', 'email', normalizeEmail(email));
      pl.ext('phone_blacklist', 'number', 'phone', e164(p.mobile));
      pl.ext('mail_gateway_allowed', 'email', 'email', p.email);
      pl.ext('mail_gateway_allowed', 'email_normalized', 'email', normalizeEmail(p.email));
    }
  }
  await pl.insert('mailing_contact', contacts);
  await pl.insert('mailing_trace', traces);
  await pl.insert('mail_blacklist', black);
  await pl.insert('phone_blacklist', phones);
  await pl.insert('mail_gateway_allowed', allowed);
}

export async function writeSurveysPaymentsAndSms(pl: Planting): Promise<void> {
  const rng = pl.rng.fork('surveys');
  const inputs: Row[] = [];
  const lines: Row[] = [];
  const payments: Row[] = [];
  const sms: Row[] = [];
  const letters: Row[] = [];
  const privacy: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i + 13);
    const email = i % 3 === 0 ? `${p.name} <${p.email}>` : p.email;
    inputs.push({ id: i + 1, survey_id: 1, partner_id: null, state: 'done', access_token: rng.uuid(), email, nickname: p.name, test_entry: false, start_datetime: when(i + 1), end_datetime: when(i), ...audit(i) });
    pl.mark('survey_user_input', 'email', 'email', 'external', p.email, email !== p.email);
    pl.ext('survey_user_input', 'nickname', 'name', p.name);
    lines.push({ id: 2 * i + 1, user_input_id: i + 1, survey_id: 1, question_id: 1, answer_type: 'char_box', value_char_box: p.email, skipped: false, ...audit(i) });
    lines.push({ id: 2 * i + 2, user_input_id: i + 1, survey_id: 1, question_id: 2, answer_type: 'text_box', value_text_box: `Great workshop. Please call me about the follow-up: ${p.phone}`, skipped: false, ...audit(i) });
    pl.quoted('survey_user_input_line', 'value_char_box', 'email', p.email);
    pl.quoted('survey_user_input_line', 'value_text_box', 'phone', p.phone);
    payments.push({ id: i + 1, reference: `S${String(i + 20).padStart(5, '0')}-1`, provider_id: 1, company_id: 1, currency_id: 1, amount: rng.int(20, 900), state: 'done', operation: 'online_redirect', partner_id: null, partner_name: p.name, partner_email: p.email, partner_phone: p.phone, partner_address: `${p.street}${p.street2 ? ` ${p.street2}` : ''}`, partner_zip: p.zip, partner_city: p.city, partner_country_id: p.countryId, partner_lang: 'fr_BE', ...audit(i) });
    pl.ext('payment_transaction', 'partner_name', 'name', p.name);
    pl.ext('payment_transaction', 'partner_email', 'email', p.email);
    pl.ext('payment_transaction', 'partner_phone', 'phone', p.phone);
    pl.ext('payment_transaction', 'partner_address', 'address', `${p.street}${p.street2 ? ` ${p.street2}` : ''}`);
    pl.ext('payment_transaction', 'partner_zip', 'address', p.zip);
    pl.ext('payment_transaction', 'partner_city', 'address', p.city);
    sms.push({ id: i + 1, number: p.mobile, body: `Hello ${p.first}, your order is ready for pickup. Reply STOP to ${p.mobile.replace(/\s/g, '')} to unsubscribe.`, state: 'sent', uuid: rng.hex(32), to_delete: false, partner_id: null, ...audit(i) });
    pl.ext('sms_sms', 'number', 'phone', p.mobile);
    pl.quoted('sms_sms', 'body', 'phone', p.mobile.replace(/\s/g, ''));
    if (i < Math.ceil(pl.n / 2)) {
      letters.push({ id: i + 1, model: 'account.move', res_id: i + 1, partner_id: null, company_id: 1, state: 'sent', street: p.street, street2: p.street2 ?? 'Bte 1', zip: p.zip, city: p.city, country_id: p.countryId, color: false, cover: false, duplex: false, ...audit(i) });
      pl.address('snailmail_letter', { ...p, street2: p.street2 ?? 'Bte 1' });
    }
    if (i < 5) {
      privacy.push({ id: i + 1, user_id: 2, anonymized_name: obfuscate(p.name), anonymized_email: obfuscate(p.email), execution_details: 'Deleted: res.partner, crm.lead', records_description: 'Contact (1), Lead (1)', date: when(i), ...audit(i) });
      pl.ext('privacy_log', 'anonymized_name', 'name', obfuscate(p.name));
      pl.ext('privacy_log', 'anonymized_email', 'email', obfuscate(p.email));
    }
  }
  await pl.insert('survey_user_input', inputs);
  await pl.insert('survey_user_input_line', lines);
  await pl.insert('payment_transaction', payments);
  await pl.insert('sms_sms', sms);
  await pl.insert('snailmail_letter', letters);
  await pl.insert('privacy_log', privacy);
}

export async function writeTasksRatingsSalesForum(pl: Planting): Promise<void> {
  const rng = pl.rng.fork('tasks');
  const tasks: Row[] = [];
  const updates: Row[] = [];
  const requests: Row[] = [];
  const ratings: Row[] = [];
  const orders: Row[] = [];
  const posts: Row[] = [];
  const clicks: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i + 16);
    const q = pl.person(i + 17);
    if (i < Math.ceil(pl.n / 2)) {
      tasks.push({ id: i + 1, name: `Installation at ${p.city}`, project_id: 1, email_cc: `${p.email}, ${q.email}`, active: true, state: '01_in_progress', company_id: 1, ...audit(i) });
      updates.push({ id: i + 1, name: `Week ${i + 10}`, project_id: 1, email_cc: q.email, status: 'on_track', progress: 10 * i, date: when(i).slice(0, 10), ...audit(i) });
      requests.push({ id: i + 1, name: `Broken printer (${i + 1})`, email_cc: q.email, company_id: 1, maintenance_type: 'corrective', request_date: when(i).slice(0, 10), ...audit(i) });
      posts.push({ id: i + 1, forum_id: 1, name: 'How to export my invoices?', content: `<p>I tried everything. Mail me at ${p.email} or call ${p.phone}.</p>`, state: 'active', active: true, views: rng.int(1, 300), ...audit(i) });
      pl.quoted('project_task', 'email_cc', 'email', p.email);
      pl.quoted('project_task', 'email_cc', 'email', q.email);
      pl.ext('project_update', 'email_cc', 'email', q.email);
      pl.ext('maintenance_request', 'email_cc', 'email', q.email);
      pl.quoted('forum_post', 'content', 'email', p.email);
      pl.quoted('forum_post', 'content', 'phone', p.phone);
    }
    ratings.push({ id: i + 1, res_model: 'project.task', res_id: 1 + (i % 5), rating: rng.pick([1, 3, 5]), rating_text: 'top', feedback: `Quick intervention, thanks! You can reach me at ${p.email} for the next visit.`, access_token: rng.hex(32), consumed: true, is_internal: false, partner_id: null, ...audit(i) });
    pl.quoted('rating_rating', 'feedback', 'email', p.email);
    orders.push({ id: i + 1, name: `S${String(i + 1).padStart(5, '0')}`, state: 'sale', company_id: 1, partner_id: null, signed_by: p.name, signed_on: when(i), note: `Deliver at the back door; call ${p.mobile} 15 minutes before arrival.`, date_order: when(i), ...audit(i) });
    pl.ext('sale_order', 'signed_by', 'name', p.name);
    pl.quoted('sale_order', 'note', 'phone', p.mobile);
    const ip = fakeIp(rng, pl.values);
    clicks.push({ id: i + 1, link_id: 1, ip, country_id: p.countryId, ...audit(i) });
    pl.ext('link_tracker_click', 'ip', 'ip', ip);
  }
  await pl.insert('project_task', tasks);
  await pl.insert('project_update', updates);
  await pl.insert('maintenance_request', requests);
  await pl.insert('rating_rating', ratings);
  await pl.insert('sale_order', orders);
  await pl.insert('forum_post', posts);
  await pl.insert('link_tracker_click', clicks);
}
