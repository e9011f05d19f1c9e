// Personal data on contacts and money: new customer companies (VAT, registry number) with a contact
// person each ("Company, Person" complete names), partners whose name is an e-mail address (as Odoo
// creates them from incoming mail), the Studio field x_studio_private_email on existing customers,
// bank accounts (IBAN with valid check digits), bank statement lines and invoices.
import { futureTs, ts, ANCHOR } from '../fake.js';
import type { Row } from '../insert.js';
import type { Planting } from '../personal.js';
import { e164, fakeIban, fakePhone, fakeVat, privateEmail, sanitizeAccount } from '../personal-fake.js';
import { partnerRow } from './partners.js';

const when = (days: number): string => ts(ANCHOR - days * 86_400_000);

interface NewPartner {
  id: number;
  name: string;
  holder: string | null;
}

export async function writePersonalPartners(pl: Planting): Promise<void> {
  const rng = pl.rng.fork('partners');
  const ctx = pl.ctx;
  const rows: Row[] = [];
  const created: NewPartner[] = [];
  let id = await pl.nextId('res_partner');
  const T = 'res_partner';
  const push = (row: Row, ref: { id: number; name: string; email: string | null; phone: string | null; isCompany: boolean }, holder: string | null): void => {
    rows.push(row);
    ctx.partners.push({ ...ref, companyId: 1 });
    ctx.customerIds.push(ref.id);
    created.push({ id: ref.id, name: ref.name, holder });
  };
  for (const [k, company] of pl.companies.slice(0, 3).entries()) {
    const { vat, registry } = fakeVat(rng, pl.values);
    const companyRef = { id: id++, name: company.name, email: `info@${company.domain}`, phone: fakePhone(rng, pl.values, false), isCompany: true, companyId: 1 };
    const crow = { ...partnerRow(rng, { ...companyRef, share: true, customer: true }), vat, company_registry: registry, website: `https://www.${company.domain}`, comment: null };
    push(crow, companyRef, null);
    pl.mark(T, 'vat', 'vat', 'anyone', vat);
    pl.mark(T, 'company_registry', 'vat', 'anyone', registry);
    const p = pl.people.find((x) => x.company === company) ?? pl.person(k);
    const ref = { id: id++, name: p.name, email: p.email, phone: p.phone, isCompany: false, companyId: 1 };
    const row = partnerRow(rng, { ...ref, parent: companyRef, share: true, customer: true });
    push({ ...row, street: p.street, street2: p.street2, zip: p.zip, city: p.city, country_id: p.countryId, mobile: p.mobile, phone_sanitized: e164(p.mobile), comment: null, function: 'Purchasing Manager',
      // invited to the portal, never signed up: the invitation token is still valid
      signup_type: 'signup', signup_token: rng.token(20), signup_expiration: futureTs(rng, 30) }, ref, p.name);
    pl.ext(T, 'name', 'name', p.name);
    pl.ext(T, 'complete_name', 'name', `${company.name}, ${p.name}`);
    pl.ext(T, 'email', 'email', p.email);
    pl.ext(T, 'email_normalized', 'email', p.email.toLowerCase());
    pl.ext(T, 'phone', 'phone', p.phone);
    pl.ext(T, 'mobile', 'phone', p.mobile);
    pl.ext(T, 'phone_sanitized', 'phone', e164(p.mobile));
    pl.address(T, p);
  }
  // partners created from incoming mail: the address is all Odoo knows, so it is also the name
  for (let k = 0; k < 2; k++) {
    const p = pl.person(pl.n + 1 + 3 * k);
    const ref = { id: id++, name: p.email, email: p.email, phone: null, isCompany: false, companyId: 1 };
    const row = partnerRow(rng, { ...ref, share: true, customer: true });
    const comment = `<p>Wrote in about an invoice; asked to be called back on ${p.mobile}.</p>`;
    push({ ...row, complete_name: p.email, comment, mobile: null, phone_sanitized: null }, ref, null);
    pl.ext(T, 'name', 'email', p.email);
    pl.ext(T, 'complete_name', 'email', p.email);
    pl.ext(T, 'email', 'email', p.email);
    pl.quoted(T, 'comment', 'phone', p.mobile);
  }
  await pl.insert(T, rows);
  // Studio: a private e-mail on some existing individual customers
  const customers = new Set(ctx.customerIds);
  const targets = ctx.partners.filter((p) => customers.has(p.id) && !p.isCompany && !p.name.includes('@') && p.id < (created[0]?.id ?? Infinity)).slice(0, pl.n);
  const studio: [number, string][] = targets.map((p) => {
    const [first = p.name, ...rest] = p.name.split(' ');
    return [p.id, privateEmail(rng, pl.values, first, rest.join(' ') || first)];
  });
  await ctx.client.query(`UPDATE public.res_partner p SET x_studio_private_email = s.email FROM unnest($1::int[], $2::text[]) AS s(id, email) WHERE p.id = s.id`, [studio.map((s) => s[0]), studio.map((s) => s[1])]);
  for (const [, email] of studio) pl.ext(T, 'x_studio_private_email', 'email', email);
  await writeBanks(pl, created);
}

async function writeBanks(pl: Planting, partners: readonly NewPartner[]): Promise<void> {
  const rng = pl.rng.fork('banks');
  if (pl.ctx.has('res_partner_bank')) {
    let id = await pl.nextId('res_partner_bank');
    const rows: Row[] = partners.map((p) => {
      const acc = fakeIban(rng, pl.values);
      pl.mark('res_partner_bank', 'acc_number', 'bank', 'anyone', acc);
      pl.mark('res_partner_bank', 'sanitized_acc_number', 'bank', 'anyone', sanitizeAccount(acc));
      pl.ext('res_partner_bank', 'acc_holder_name', 'name', p.holder);
      return {
        id: id++, partner_id: p.id, sequence: 10, currency_id: null, company_id: 1, create_uid: 2, write_uid: 2, acc_number: acc,
        sanitized_acc_number: sanitizeAccount(acc), acc_holder_name: p.holder ?? p.name, active: true, allow_out_payment: true, create_date: when(100), write_date: when(10),
      };
    });
    await pl.insert('res_partner_bank', rows);
  }
  const lines: Row[] = [];
  const moves: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i + 5);
    const acc = fakeIban(rng, pl.values);
    const account = i % 3 === 0 ? sanitizeAccount(acc) : acc;
    lines.push({ id: i + 1, move_id: i + 1, statement_id: 1, sequence: i + 1, partner_id: null, account_number: account, partner_name: p.name.toUpperCase(), payment_ref: `+++${String(rng.int(100, 999))}/${String(rng.int(1000, 9999))}/${String(rng.int(10000, 99999))}+++`, amount: rng.int(50, 5000), is_reconciled: false, create_uid: 2, write_uid: 2, create_date: when(i), write_date: when(i) });
    pl.mark('account_bank_statement_line', 'account_number', 'bank', 'anyone', account);
    pl.ext('account_bank_statement_line', 'partner_name', 'name', p.name.toUpperCase());
    const bill = i % 2 === 1;
    moves.push({
      id: i + 1, name: `${bill ? 'BILL' : 'INV'}/2024/${String(i + 1).padStart(5, '0')}`, move_type: bill ? 'in_invoice' : 'out_invoice', state: 'posted', journal_id: 1, company_id: 1, currency_id: 1,
      partner_id: null, invoice_partner_display_name: p.company ? `${p.company.name}, ${p.name}` : p.name, invoice_source_email: bill ? p.email : null,
      narration: `<p>Payment within 30 days. Questions about this invoice: ${p.email}</p>`, date: when(i).slice(0, 10), invoice_date: when(i).slice(0, 10),
      create_uid: 2, write_uid: 2, create_date: when(i), write_date: when(i),
    });
    if (p.company) pl.quoted('account_move', 'invoice_partner_display_name', 'name', p.name);
    else pl.ext('account_move', 'invoice_partner_display_name', 'name', p.name);
    if (bill) pl.ext('account_move', 'invoice_source_email', 'email', p.email);
    pl.quoted('account_move', 'narration', 'email', p.email);
  }
  await pl.insert('account_bank_statement_line', lines);
  await pl.insert('account_move', moves);
}
