// res_users and the credentials hanging off users: pbkdf2 password hashes, TOTP secrets, API keys,
// trusted TOTP devices, OAuth identities, Google Calendar tokens and res_users_settings.
// Users 1 (__system__, partner OdooBot), 2 (admin / 'admin') and 3 (public) mirror Odoo's base data;
// internal users (share=false, password 'demo') get their own partners; portal users (share=true)
// are customers who got portal access, most of them without a password (invited, never signed up).
import type { GenContext, PartnerRef, UserRef } from '../context.js';
import { companyDomain, futureTs, pastTs, person, phone, slug } from '../fake.js';
import { insertRows, TableWriter, type Row } from '../insert.js';
import { hashOdooPassword, makeOdooApiKey } from '../passwords.js';
import type { Rng } from '../prng.js';
import { partnerRow } from './partners.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function userRow(rng: Rng, u: UserRef, password: string | null, extra: Partial<Row> = {}): Row {
  const created = pastTs(rng);
  return {
    id: u.id, company_id: 1, partner_id: u.partnerId, active: u.active, create_date: created, login: u.login,
    password: password === null ? null : hashOdooPassword(password, rng.bytes(16)), action_id: null,
    create_uid: 1, write_uid: 2, signature: null, share: u.share, write_date: created, totp_secret: null,
    notification_type: u.share ? 'email' : rng.pick(['email', 'inbox']), odoobot_state: u.share ? null : 'idle',
    odoobot_failed: false, sale_team_id: null, oauth_provider_id: null, oauth_uid: null, oauth_access_token: null,
    google_calendar_account_id: null, website_id: null, ...extra,
  };
}

export interface InternalUsersResult {
  /** First partner id after the internal users' partners. */
  nextPartnerId: number;
  /** res_users rows, written with the portal users by writePortalUsers. */
  userRows: Row[];
}

/** __system__, admin, public and the internal users, with the partners of the internal users. */
export async function writeInternalUsers(ctx: GenContext, firstPartnerId: number, usedEmails: Set<string>): Promise<InternalUsersResult> {
  const rng = ctx.rng.fork('users');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  const partners = new TableWriter(ctx.client, 'res_partner');
  const userRows: Row[] = [];
  const sig = (p: PartnerRef): string => `<p>--<br/>${p.name}<br/>${p.email ?? ''}<br/>${phone(rng)}</p>`;
  const add = async (u: UserRef, p: PartnerRef | null, password: string | null, extra: Partial<Row> = {}): Promise<void> => {
    ctx.users.push(u);
    if (p) {
      ctx.partners.push(p);
      await partners.add(partnerRow(rng, { ...p, share: u.share, active: u.active }));
    }
    userRows.push(userRow(rng, u, password, { signature: p && !u.share ? sig(p) : null, ...extra }));
    if (password && ctx.knownPasswords.length < 2) ctx.knownPasswords.push({ userId: u.id, login: u.login, password, share: u.share });
  };
  // partners 2 (OdooBot) and 4 (public user) come with the companies; 3 is the administrator's
  const admin: PartnerRef = { id: 3, name: 'Mitchell Admin', email: `admin@${domain}`, phone: phone(rng), isCompany: false, companyId: 1 };
  usedEmails.add(`admin@${domain}`);
  await add({ id: 1, partnerId: 2, login: '__system__', share: false, active: false }, null, null);
  await add({ id: 2, partnerId: 3, login: 'admin', share: false, active: true }, admin, 'admin');
  await add({ id: 3, partnerId: 4, login: 'public', share: true, active: false }, null, null);
  let partnerId = firstPartnerId;
  for (let i = 0; i < ctx.profile.internalUsers; i++) {
    const who = person(rng);
    const local = `${slug(who.first)}.${slug(who.last)}`;
    let email = `${local}@${domain}`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@${domain}`;
    usedEmails.add(email);
    const p: PartnerRef = { id: partnerId++, name: who.name, email, phone: phone(rng), isCompany: false, companyId: 1 };
    const totp = rng.chance(0.3) ? Array.from({ length: 32 }, () => rng.pick([...BASE32])).join('') : null;
    // every 25th internal user is archived (still internal: share = false)
    await add({ id: 4 + i, partnerId: p.id, login: email, share: false, active: i % 25 !== 24 }, p, 'demo', { totp_secret: totp });
  }
  await partners.flush();
  return { nextPartnerId: partnerId, userRows };
}

/** Portal users for customers with a unique e-mail; then writes every res_users row. */
export async function writePortalUsers(ctx: GenContext, userRows: Row[]): Promise<void> {
  const rng = ctx.rng.fork('portal');
  const dup = new Set(ctx.duplicateEmails);
  const byId = new Map(ctx.partners.map((p) => [p.id, p]));
  const candidates = ctx.customerIds
    .map((id) => byId.get(id))
    .filter((p): p is PartnerRef => !!p && !p.isCompany && !!p.email && !dup.has(p.email));
  const count = Math.min(ctx.profile.portalUsers, candidates.length);
  const signups: [number, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const p = candidates[Math.floor((i * candidates.length) / count)];
    if (!p?.email) continue;
    const u: UserRef = { id: 4 + ctx.profile.internalUsers + i, partnerId: p.id, login: p.email, share: true, active: true };
    const password = i < ctx.profile.portalWithPassword ? 'demo' : null;
    ctx.users.push(u);
    userRows.push(userRow(rng, u, password));
    if (i === 0 && password) ctx.knownPasswords.push({ userId: u.id, login: u.login, password, share: true });
    if (!password) signups.push([p.id, rng.token(20), futureTs(rng, 30)]);
  }
  await insertRows(ctx.client, 'res_users', userRows);
  // invited portal users who never signed up still hold a valid signup token on their partner
  await ctx.client.query(
    `UPDATE res_partner p SET signup_type = 'signup', signup_token = u.token, signup_expiration = u.exp
       FROM unnest($1::int[], $2::text[], $3::timestamp[]) AS u(id, token, exp) WHERE p.id = u.id`,
    [signups.map((r) => r[0]), signups.map((r) => r[1]), signups.map((r) => r[2])],
  );
}

/** API keys, TOTP devices, OAuth identities, Google Calendar credentials and user settings. */
export async function writeUserCredentials(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('credentials');
  const internal = ctx.users.filter((u) => !u.share && u.id !== 1);
  const keys: Row[] = [];
  const devices: Row[] = [];
  const settings: Row[] = [];
  const creds: Row[] = [];
  const userUpdates: [number, number | null, string | null, string | null, number | null][] = [];
  for (const u of internal) {
    const n = u.id === 2 ? 2 : rng.chance(0.3) ? rng.int(1, 2) : 0;
    for (let k = 0; k < n; k++) {
      const key = makeOdooApiKey(rng.bytes(20), rng.bytes(16));
      keys.push({ id: keys.length + 1, name: `${rng.pick(['Zapier', 'Backup script', 'BI connector', 'Mobile app'])} ${k + 1}`, user_id: u.id, scope: 'rpc', index: key.index, key: key.hash, create_date: pastTs(rng) });
      ctx.apiKeys.push({ userId: u.id, key: key.key });
    }
    if (rng.chance(0.3)) {
      const dev = makeOdooApiKey(rng.bytes(20), rng.bytes(16));
      devices.push({ id: devices.length + 1, name: rng.pick(['Chrome on Linux', 'Firefox on Windows', 'Safari on iPhone']), user_id: u.id, scope: 'browser', index: dev.index, key: dev.hash, create_date: pastTs(rng, 60) });
    }
    settings.push({ id: settings.length + 1, user_id: u.id, create_uid: 1, write_uid: u.id, create_date: pastTs(rng), write_date: pastTs(rng, 30), voice_active_duration: 200, push_to_talk_key: null, is_discuss_sidebar_category_channel_open: true, is_discuss_sidebar_category_chat_open: true, use_push_to_talk: false });
    const oauth = ctx.has('auth_oauth_provider') && rng.chance(0.25);
    const gcal = ctx.has('google_calendar_credentials') && rng.chance(0.25) ? creds.length + 1 : null;
    if (gcal) {
      creds.push({ id: gcal, create_uid: u.id, write_uid: u.id, calendar_rtoken: `1//0${rng.token(60)}`, calendar_token: `ya29.${rng.token(120)}`, calendar_sync_token: rng.token(24), calendar_cal_id: null, synchronization_stopped: false, calendar_token_validity: futureTs(rng, 1), create_date: pastTs(rng), write_date: pastTs(rng, 5) });
    }
    if (oauth || gcal) userUpdates.push([u.id, oauth ? 3 : null, oauth ? String(rng.int(1e17, 9e17)) : null, oauth ? `ya29.${rng.token(100)}` : null, gcal]);
  }
  if (ctx.has('res_users_apikeys')) await insertRows(ctx.client, 'res_users_apikeys', keys);
  else ctx.apiKeys.length = 0;
  if (ctx.has('auth_totp_device')) await insertRows(ctx.client, 'auth_totp_device', devices);
  if (ctx.has('res_users_settings')) await insertRows(ctx.client, 'res_users_settings', settings);
  if (ctx.has('google_calendar_credentials')) await insertRows(ctx.client, 'google_calendar_credentials', creds);
  await ctx.client.query(
    `UPDATE res_users r SET oauth_provider_id = u.provider, oauth_uid = u.uid, oauth_access_token = u.token,
            google_calendar_account_id = u.gcal
       FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::int[]) AS u(id, provider, uid, token, gcal)
      WHERE r.id = u.id`,
    [0, 1, 2, 3, 4].map((i) => userUpdates.map((r) => r[i] ?? null)),
  );
}
