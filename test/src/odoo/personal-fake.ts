// Invented but real-looking personal values for the personal-data option: external people with
// private or company mailboxes, international phone numbers, addresses, IBANs with valid check
// digits, Belgian VAT numbers, national and travel document numbers, car plates and VINs. Every
// value is drawn from the Rng passed in; Values keeps each one unique across the whole database, so
// that an external person's e-mail is never also a member of staff's (tests tell "kept" from
// "masked" by value). Nothing here looks like a sanitizer pseudonym (@anon.invalid, +1 555 01…).
import { slug } from './fake.js';
import type { Rng } from './prng.js';

const FIRST = [
  'Marie', 'Thomas', 'Sophie', 'Lucas', 'Emma', 'Louis', 'Julie', 'Nathalie', 'Pieter', 'Annelies', 'Koen', 'Lotte',
  'Maxime', 'Camille', 'Benoît', 'Élise', 'Sarah', 'Kevin', 'Laura', 'Wouter', 'Inge', 'Jan', 'Sven', 'Charlotte',
  'Mathilde', 'Arnaud', 'Stijn', 'Hélène', 'Jeroen', 'Margot', 'Gilles', 'Anouk',
] as const;
const LAST = [
  'Dupont', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Wauters', 'Lefebvre', 'Leroy',
  'Renard', 'Simon', 'Lemaire', 'Verstraeten', 'Desmet', 'Michiels', 'Hermans', 'Declercq', 'Martin', 'Lejeune',
  'Vandenberghe', 'Collignon', 'Deprez', 'Huybrechts', 'François', 'Delvaux', 'Van Acker',
] as const;
/** Providers whose domain says nothing about a company (Odoo's CRM matches their whole address). */
export const FREE_MAIL = ['gmail.com', 'hotmail.com', 'yahoo.com', 'outlook.com'] as const;
const COMPANIES: readonly (readonly [string, string])[] = [
  ['Acme Corp', 'acme-corp.be'], ['Brasserie Lambert', 'brasserie-lambert.be'], ['Vanhoeck Bouw', 'vanhoeck-bouw.be'],
  ['Atelier Moreau', 'atelier-moreau.fr'], ['Delta Logistics', 'delta-logistics.nl'], ['Groupe Renard', 'groupe-renard.fr'],
  ['Kaasmakerij Peeters', 'kaasmakerij-peeters.be'], ['Nordlicht Technik', 'nordlicht-technik.de'],
];
const STREETS = ['Chaussée de Wavre', 'Rue du Midi', 'Meir', 'Veldstraat', 'Boulevard Anspach', 'Rue Neuve', 'Lange Nieuwstraat', 'Avenue de Tervueren', 'Grote Markt', 'Rue des Bouchers'];
const CITIES: readonly (readonly [string, string, number])[] = [
  ['Bruxelles', '1050', 20], ['Gent', '9000', 20], ['Liège', '4000', 20], ['Leuven', '3000', 20], ['Namur', '5000', 20],
  ['Lille', '59000', 75], ['Rotterdam', '3011', 166], ['Köln', '50667', 57],
];

const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => String(rng.int(0, 9))).join('');
const letters = (rng: Rng, n: number): string => Array.from({ length: n }, () => String.fromCharCode(65 + rng.int(0, 25))).join('');

/** Every value handed out so far (lower-cased), shared by all audiences of one database. */
export class Values {
  private readonly taken = new Set<string>();

  /** Mark existing values (the generator's partners and users) as used. */
  reserve(values: Iterable<string | null | undefined>): void {
    for (const v of values) if (v) this.taken.add(v.toLowerCase());
  }

  has(value: string): boolean {
    return this.taken.has(value.toLowerCase());
  }

  /** A value from make() that nobody holds yet. */
  fresh(make: () => string): string {
    for (let i = 0; i < 1000; i++) {
      const v = make();
      if (!this.taken.has(v.toLowerCase())) {
        this.taken.add(v.toLowerCase());
        return v;
      }
    }
    throw new Error('personal-fake: cannot find a fresh value');
  }
}

export interface FakeCompany {
  name: string;
  domain: string;
}

export interface FakeAddress {
  street: string;
  street2: string | null;
  zip: string;
  city: string;
  countryId: number;
}

export interface FakePerson extends FakeAddress {
  first: string;
  last: string;
  name: string;
  email: string;
  phone: string;
  mobile: string;
  company: FakeCompany | null;
}

export function fakeCompanies(rng: Rng, n: number): FakeCompany[] {
  const start = rng.int(0, COMPANIES.length - 1);
  return Array.from({ length: Math.min(n, COMPANIES.length) }, (_, i) => {
    const [name, domain] = COMPANIES[(start + i) % COMPANIES.length] ?? ['Acme Corp', 'acme-corp.be'];
    return { name, domain };
  });
}

export function fakeAddress(rng: Rng): FakeAddress {
  const [city, zip, countryId] = rng.pick(CITIES);
  return { street: `${rng.pick(STREETS)} ${rng.int(1, 180)}`, street2: rng.chance(0.3) ? `Bte ${rng.int(1, 30)}` : null, zip, city, countryId };
}

/** A full name nobody in the database has. */
export function fakeName(rng: Rng, values: Values): { first: string; last: string; name: string } {
  let first = '';
  let last = '';
  const name = values.fresh(() => {
    first = rng.pick(FIRST);
    last = rng.pick(LAST);
    return `${first} ${last}`;
  });
  return { first, last, name };
}

/** A private mailbox at a free provider: marie.dupont73@gmail.com, mdupont@hotmail.com, … */
export function privateEmail(rng: Rng, values: Values, first: string, last: string): string {
  return values.fresh(() => {
    const f = slug(first).replace(/\./g, '');
    const l = slug(last).replace(/\./g, '');
    const local = rng.pick([`${f}.${l}${rng.int(1, 99)}`, `${f.charAt(0)}${l}`, `${f}_${l}`, `${l}.${f}${rng.int(60, 99)}`, `${f}${l}${rng.int(1, 9)}`]);
    return `${local}@${rng.pick(FREE_MAIL)}`;
  });
}

/** A phone number as people type them: mostly international, some Belgian national format. */
export function fakePhone(rng: Rng, values: Values, mobile = true): string {
  return values.fresh(() => {
    if (!mobile) return rng.pick([`+32 2 ${digits(rng, 3)} ${digits(rng, 2)} ${digits(rng, 2)}`, `+33 1 ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`]);
    return rng.pick([
      `+32 4${rng.int(60, 99)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`,
      `+33 6 ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`,
      `+31 6 ${digits(rng, 4)} ${digits(rng, 4)}`,
      `+49 151 ${digits(rng, 8)}`,
      `04${rng.int(60, 99)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`,
    ]);
  });
}

/** E.164, as Odoo's phone_validation stores in *_sanitized (national numbers are Belgian here). */
export function e164(phone: string): string {
  const d = phone.replace(/[^\d+]/g, '');
  if (d.startsWith('+')) return d;
  if (d.startsWith('00')) return `+${d.slice(2)}`;
  return `+32${d.replace(/^0/, '')}`;
}

/** Lower-case bare address of an e-mail field (`"Name" <a@b>` → a@b), as Odoo's email_normalized. */
export function normalizeEmail(value: string): string {
  const m = /<([^>]+)>/.exec(value);
  return (m?.[1] ?? value).trim().toLowerCase();
}

/** crm_lead.email_domain_criterion: '@domain' for a company mailbox, the whole address at a free provider. */
export function emailDomainCriterion(emailNormalized: string): string {
  const domain = emailNormalized.split('@')[1] ?? '';
  return (FREE_MAIL as readonly string[]).includes(domain) ? emailNormalized : `@${domain}`;
}

export function fakePerson(rng: Rng, values: Values, company: FakeCompany | null): FakePerson {
  const { first, last, name } = fakeName(rng, values);
  const email = company
    ? values.fresh(() => `${slug(first).replace(/\./g, '')}.${slug(last).replace(/\./g, '')}${rng.chance(0.3) ? String(rng.int(2, 9)) : ''}@${company.domain}`)
    : privateEmail(rng, values, first, last);
  return { first, last, name, email, phone: fakePhone(rng, values, !company), mobile: fakePhone(rng, values), company, ...fakeAddress(rng) };
}

function mod97(numeric: string): number {
  return Number(BigInt(numeric) % 97n);
}

/** An IBAN with valid check digits, grouped by four: BE71 0961 2345 6769, NL91 ABNA 0417 1643 00. */
export function fakeIban(rng: Rng, values: Values): string {
  return values.fresh(() => {
    let country = 'BE';
    let bban: string;
    if (rng.chance(0.7)) {
      const base = digits(rng, 10);
      bban = `${base}${String(mod97(base) || 97).padStart(2, '0')}`;
    } else {
      country = 'NL';
      bban = `${rng.pick(['ABNA', 'INGB', 'RABO', 'TRIO'])}${digits(rng, 10)}`;
    }
    const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    const check = String(98 - mod97(rearranged)).padStart(2, '0');
    return `${country}${check}${bban}`.replace(/(.{4})/g, '$1 ').trim();
  });
}

/** sanitized_acc_number: the account number without spaces or punctuation, upper-case. */
export function sanitizeAccount(acc: string): string {
  return acc.replace(/\W+/g, '').toUpperCase();
}

/** A Belgian VAT number with a valid mod-97 check: BE0477472701; and its registry form 0477.472.701. */
export function fakeVat(rng: Rng, values: Values): { vat: string; registry: string } {
  const vat = values.fresh(() => {
    const base = `0${rng.int(2, 9)}${digits(rng, 6)}`;
    return `BE${base}${String(97 - mod97(base)).padStart(2, '0')}`;
  });
  const n = vat.slice(2);
  return { vat, registry: `${n.slice(0, 4)}.${n.slice(4, 7)}.${n.slice(7)}` };
}

/** A Belgian licence plate (1-ABC-234) and a 17-character VIN. */
export function fakePlate(rng: Rng, values: Values): string {
  return values.fresh(() => `${rng.int(1, 2)}-${letters(rng, 3)}-${digits(rng, 3)}`);
}

export function fakeVin(rng: Rng, values: Values): string {
  const alphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
  return values.fresh(() => `${rng.pick(['WVW', 'WBA', 'VF1', 'WAU', 'YV1'])}ZZZ${Array.from({ length: 11 }, () => alphabet[rng.int(0, alphabet.length - 1)] ?? 'X').join('')}`);
}

/** Identity documents of an employee. */
export function fakeIdentity(rng: Rng, values: Values, birthday: string): Record<'identification_id' | 'passport_id' | 'ssnid' | 'sinid' | 'permit_no' | 'visa_no' | 'barcode' | 'mobility_card', string> {
  const [y, m, d] = birthday.split('-');
  const niss = values.fresh(() => {
    const base = `${(y ?? '1990').slice(2)}${m ?? '01'}${d ?? '01'}${digits(rng, 3)}`;
    const check = String(97 - mod97(base)).padStart(2, '0');
    return `${base.slice(0, 2)}.${base.slice(2, 4)}.${base.slice(4, 6)}-${base.slice(6)}.${check}`;
  });
  return {
    identification_id: values.fresh(() => `${rng.int(590, 599)}-${digits(rng, 7)}-${digits(rng, 2)}`),
    passport_id: values.fresh(() => `${letters(rng, 2)}${digits(rng, 7)}`),
    ssnid: niss,
    sinid: values.fresh(() => `${letters(rng, 2)}-${digits(rng, 2)}-${digits(rng, 6)}`),
    permit_no: values.fresh(() => `WP${digits(rng, 8)}`),
    visa_no: values.fresh(() => `V${letters(rng, 1)}${digits(rng, 7)}`),
    barcode: values.fresh(() => `0${digits(rng, 11)}`),
    mobility_card: values.fresh(() => `MOB-${digits(rng, 4)}-${digits(rng, 4)}`),
  };
}

export function fakeDate(rng: Rng, fromYear: number, toYear: number): string {
  return `${rng.int(fromYear, toYear)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
}

export function fakeIp(rng: Rng, values: Values): string {
  return values.fresh(() =>
    rng.chance(0.7)
      ? `${rng.pick([81, 84, 91, 109, 178, 212])}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`
      : `2a02:a03f:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}`,
  );
}
