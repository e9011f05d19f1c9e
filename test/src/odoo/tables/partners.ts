// res_company, res_partner and res_partner_bank. Partner ids follow Odoo's base data: 1 is the main
// company's partner, 2 OdooBot, 3 the administrator, 4 the public user; then the other companies'
// partners, the internal users' partners (ids reserved here, rows written by users.ts) and the
// customers: companies, their contacts and individuals, with some NULL e-mails/phones and a few
// e-mails deliberately shared by several customers.
import type { GenContext, PartnerRef } from '../context.js';
import { address, companyDomain, companyName, htmlBody, MAIL_DOMAINS, pastTs, person, phone, sanitizePhone, slug, tr } from '../fake.js';
import { insertRows, TableWriter, type Row } from '../insert.js';
import type { Rng } from '../prng.js';

export interface PartnerInput {
  id: number;
  name: string;
  isCompany: boolean;
  companyId: number | null;
  email: string | null;
  phone: string | null;
  parent?: PartnerRef | undefined;
  share: boolean;
  active?: boolean;
  userId?: number | null;
  /** A generated customer (gets a free-text employer, ranks and notes); false for base and staff partners. */
  customer?: boolean;
}

/** A full res_partner row (every column the generator fills, so batches share one column list). */
export function partnerRow(rng: Rng, p: PartnerInput): Row {
  const addr = address(rng);
  const created = pastTs(rng);
  const mobile = !p.isCompany && rng.chance(0.5) ? phone(rng) : null;
  const commercial = p.parent ?? null;
  return {
    id: p.id, company_id: p.companyId, create_date: created, name: p.name, parent_id: commercial?.id ?? null,
    user_id: p.userId ?? null, country_id: addr.countryId, commercial_partner_id: commercial?.id ?? p.id,
    create_uid: 2, write_uid: 2, complete_name: commercial ? `${commercial.name}, ${p.name}` : p.name,
    ref: rng.chance(0.3) ? `C${rng.int(10000, 99999)}` : null, lang: 'en_US', tz: 'Europe/Brussels',
    vat: p.isCompany && rng.chance(0.7) ? `BE0${rng.int(100000000, 999999999)}` : null,
    company_registry: p.isCompany && rng.chance(0.3) ? String(rng.int(10000000, 99999999)) : null,
    website: p.isCompany && p.email ? `https://www.${p.email.split('@')[1] ?? 'example.com'}` : null,
    function: !p.isCompany && rng.chance(0.4) ? rng.pick(['CEO', 'Buyer', 'Accountant', 'Sales Manager', 'CTO']) : null,
    type: 'contact', street: addr.street, street2: addr.street2, zip: addr.zip, city: addr.city,
    email: p.email, phone: p.phone, mobile,
    commercial_company_name: commercial ? commercial.name : p.isCompany ? p.name : null,
    company_name: p.customer && !p.isCompany && !commercial && rng.chance(0.3) ? companyName(rng) : null,
    comment: p.customer && rng.chance(0.15) ? htmlBody(rng, 120, { name: p.name, email: p.email, phone: p.phone }) : null,
    partner_latitude: rng.chance(0.2) ? (50 + rng.next()).toFixed(7) : null,
    partner_longitude: rng.chance(0.2) ? (4 + rng.next()).toFixed(7) : null,
    active: p.active ?? true, employee: false, is_company: p.isCompany, partner_share: p.share, write_date: created,
    email_normalized: p.email ? p.email.toLowerCase() : null, phone_sanitized: p.phone ? sanitizePhone(p.phone) : null,
    signup_type: null, signup_token: null, signup_expiration: null,
    customer_rank: p.customer ? rng.int(0, 5) : 0, supplier_rank: rng.chance(0.1) ? 1 : 0,
  };
}

/** Companies (with their partners) and the fixed base partners 2 (OdooBot) and 4 (public user). */
export async function writeCompanies(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('companies');
  const names = new Set<string>();
  const companies: Row[] = [];
  const partners = new TableWriter(ctx.client, 'res_partner');
  for (let k = 1; k <= ctx.profile.companies; k++) {
    let name = companyName(rng);
    while (names.has(name)) name = `${companyName(rng)} ${k}`;
    names.add(name);
    const partnerId = k === 1 ? 1 : 4 + k - 1;
    const domain = companyDomain(name);
    const ref: PartnerRef = { id: partnerId, name, email: `info@${domain}`, phone: phone(rng), isCompany: true, companyId: k };
    ctx.companyIds.push(k);
    ctx.companyPartnerIds.push(partnerId);
    ctx.partners.push(ref);
    await partners.add(partnerRow(rng, { ...ref, share: true }));
    companies.push({
      id: k, name, partner_id: partnerId, currency_id: 1, sequence: 10 * k, create_date: '2022-01-03 08:00:00',
      parent_path: `${k}/`, create_uid: 1, write_uid: 2, email: ref.email, phone: ref.phone, mobile: null,
      layout_background: 'Blank', report_header: tr(`${name} - quality since 1999`), report_footer: tr(`${name} · ${ref.email} · ${ref.phone ?? ''}`),
      company_details: tr(`<p>${name}<br/>${address(rng).street}</p>`), active: true, uses_default_logo: true,
      write_date: '2024-01-10 10:00:00', alias_domain_name: domain, fiscalyear_last_day: 31, fiscalyear_last_month: '12',
      account_opening_date: '2022-01-01', website_id: ctx.websiteIds[(k - 1) % Math.max(1, ctx.websiteIds.length)] ?? null,
      social_linkedin: `https://www.linkedin.com/company/${slug(name).replace(/\./g, '-')}`,
    });
  }
  const bot: PartnerRef = { id: 2, name: 'OdooBot', email: 'odoobot@example.com', phone: null, isCompany: false, companyId: null };
  const pub: PartnerRef = { id: 4, name: 'Public user', email: null, phone: null, isCompany: false, companyId: 1 };
  ctx.partners.push(bot, pub);
  await partners.add(partnerRow(rng, { ...bot, share: false }));
  await partners.add(partnerRow(rng, { ...pub, share: true, active: false }));
  await partners.flush();
  await insertRows(ctx.client, 'res_company', companies);
}

/** Customers: ~25% companies, half of the individuals are their contacts; fills ctx.partners/customerIds. */
export async function writeCustomers(ctx: GenContext, firstId: number, usedEmails: Set<string>): Promise<void> {
  const rng = ctx.rng.fork('customers');
  const w = new TableWriter(ctx.client, 'res_partner');
  const customerCompanies: PartnerRef[] = [];
  const internalUsers = ctx.users.filter((u) => !u.share && u.active).map((u) => u.id);
  const unique = (email: string): string => {
    let e = email;
    for (let n = 2; usedEmails.has(e); n++) e = email.replace('@', `${n}@`);
    usedEmails.add(e);
    return e;
  };
  const dupSources: string[] = [];
  const dupEmails = new Set<string>();
  for (let i = 0; i < ctx.profile.customers; i++) {
    const id = firstId + i;
    const isCompany = rng.chance(0.25);
    const companyId = rng.chance(0.8) ? 1 : rng.pick(ctx.companyIds);
    let ref: PartnerRef;
    let parent: PartnerRef | undefined;
    if (isCompany) {
      const name = companyName(rng);
      const email = rng.chance(0.9) ? unique(`${rng.pick(['info', 'contact', 'sales', 'accounting'])}@${companyDomain(name)}`) : null;
      ref = { id, name, email, phone: rng.chance(0.8) ? phone(rng) : null, isCompany, companyId };
      customerCompanies.push(ref);
    } else {
      const who = person(rng);
      parent = customerCompanies.length > 0 && rng.chance(0.5) ? rng.pick(customerCompanies) : undefined;
      const domain = parent?.email?.split('@')[1] ?? rng.pick(MAIL_DOMAINS);
      let email = rng.chance(0.9) ? unique(`${slug(who.first)}.${slug(who.last)}@${domain}`) : null;
      if (email && dupSources.length > 0 && i % 50 === 49) {
        // a few customers share an e-mail with an earlier one (same real value → same fake value)
        email = rng.pick(dupSources);
        dupEmails.add(email);
      } else if (email && i % 7 === 0) dupSources.push(email);
      ref = { id, name: who.name, email, phone: rng.chance(0.75) ? phone(rng) : null, isCompany, companyId };
    }
    ctx.partners.push(ref);
    ctx.customerIds.push(id);
    const salesperson = internalUsers.length > 0 && rng.chance(0.4) ? rng.pick(internalUsers) : null;
    await w.add(partnerRow(rng, { ...ref, parent, share: true, userId: salesperson, customer: true }));
  }
  await w.flush();
  ctx.duplicateEmails.push(...dupEmails);
}

/** res_partner_bank: IBAN-like accounts for the companies and ~20% of the customers. */
export async function writeBankAccounts(ctx: GenContext): Promise<void> {
  if (!ctx.has('res_partner_bank')) return;
  const rng = ctx.rng.fork('banks');
  const w = new TableWriter(ctx.client, 'res_partner_bank');
  const companies = new Set(ctx.companyPartnerIds);
  const customers = new Set(ctx.customerIds);
  let id = 1;
  for (const p of ctx.partners) {
    if (!companies.has(p.id) && !(customers.has(p.id) && rng.chance(0.2))) continue;
    const digits = Array.from({ length: 14 }, () => String(rng.int(0, 9))).join('');
    const sanitized = `BE${digits}`;
    await w.add({
      id: id++, partner_id: p.id, sequence: 10, currency_id: null, company_id: p.companyId, create_uid: 2, write_uid: 2,
      acc_number: sanitized.replace(/(.{4})/g, '$1 ').trim(), sanitized_acc_number: sanitized, acc_holder_name: p.name,
      active: true, allow_out_payment: rng.chance(0.5), create_date: pastTs(rng), write_date: pastTs(rng, 30),
    });
  }
  await w.flush();
}
