// Word lists and value builders for realistic-looking (entirely invented) Odoo data: people,
// companies, addresses, phone numbers, e-mail bodies and timestamps. All randomness comes from the
// Rng passed in, so the output is a pure function of the seed.
import type { Rng } from './prng.js';

export const FIRST_NAMES = [
  'Anna', 'Bruno', 'Chloé', 'David', 'Elena', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Katrin', 'Luca',
  'Marta', 'Nils', 'Olivia', 'Pablo', 'Quentin', 'Rosa', 'Samir', 'Tess', 'Ugo', 'Vera', 'Willem', 'Xenia',
  'Yusuf', 'Zoé', 'Amélie', 'Bastien', 'Carla', 'Dmitri', 'Eva', 'Felix', 'Hannah', 'Ivan', 'Julia', 'Karim',
  'Lena', 'Mateo', 'Nora', 'Oscar', 'Priya', 'Rafael', 'Sofia', 'Tomás', 'Valentin', 'Wen', 'Yara', 'Zeno',
] as const;

export const LAST_NAMES = [
  'Adler', 'Bernard', 'Costa', 'Dubois', 'Eriksen', 'Fontaine', 'García', 'Hofmann', 'Ivanova', 'Jansen',
  'Kowalski', 'Lambert', 'Moreau', 'Novak', 'Olsen', 'Peeters', 'Quinn', 'Rossi', 'Schmidt', 'Thomas',
  'Urban', 'Vermeulen', 'Weber', 'Xu', 'Young', 'Zimmermann', "O'Brien", 'De Smet', 'Müller', 'Nakamura',
  'Petit', 'Silva', 'Van Damme', 'Wouters', 'Keller', 'Laurent', 'Meyer', 'Nieminen', 'Okafor', 'Popescu',
] as const;

const COMPANY_WORDS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Tyrell',
  'Cyberdyne', 'Wonka', 'Gringotts', 'Oscorp', 'Aperture', 'Blue Sun', 'Monarch', 'Nakatomi', 'Pied Piper',
  'Sterling', 'Vortex', 'Zenith', 'Nimbus', 'Orion', 'Polaris', 'Quantum', 'Redwood', 'Summit', 'Triton',
] as const;
const COMPANY_KINDS = ['Logistics', 'Foods', 'Consulting', 'Industries', 'Labs', 'Trading', 'Systems', 'Retail', 'Energy'];
const COMPANY_FORMS = ['SA', 'NV', 'GmbH', 'Ltd', 'SRL', 'BV', 'Inc.', 'SAS', 'AG'];
const STREETS = ['Rue de la Loi', 'Main Street', 'Bahnhofstraße', 'Avenue Louise', 'Via Roma', 'Kerkstraat', 'High Street', 'Calle Mayor'];
const CITIES: readonly (readonly [string, string, number])[] = [
  ['Brussels', '1000', 20], ['Antwerp', '2000', 20], ['Paris', '75001', 75], ['Lyon', '69001', 75],
  ['Berlin', '10115', 57], ['Munich', '80331', 57], ['Amsterdam', '1011', 166], ['Madrid', '28001', 68],
  ['Milan', '20121', 109], ['London', 'EC1A 1BB', 233], ['Dublin', 'D01', 103], ['Lisbon', '1100-148', 183],
];
export const MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.fr', 'proton.me', 'hotmail.be', 'gmx.de', 'orange.fr'];
const WORDS = (
  'the order invoice delivery please find attached quotation payment reminder meeting tomorrow contract ' +
  'update price discount product shipment warehouse confirm thanks regards customer support ticket issue ' +
  'schedule week month report account balance due review signed project planning next steps call back'
).split(' ');

export interface Person {
  first: string;
  last: string;
  name: string;
}

export function person(rng: Rng): Person {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  return { first, last, name: `${first} ${last}` };
}

export function companyName(rng: Rng): string {
  return `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_KINDS)} ${rng.pick(COMPANY_FORMS)}`;
}

/** A lowercase ASCII slug for e-mail local parts and domains. */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
}

export function companyDomain(name: string): string {
  return `${slug(name).split('.').slice(0, 2).join('-')}.example.com`;
}

export interface Address {
  street: string;
  street2: string | null;
  zip: string;
  city: string;
  countryId: number;
}

export function address(rng: Rng): Address {
  const [city, zip, countryId] = rng.pick(CITIES);
  return {
    street: `${rng.pick(STREETS)} ${rng.int(1, 250)}`,
    street2: rng.chance(0.2) ? `Box ${rng.int(1, 40)}` : null,
    zip,
    city,
    countryId,
  };
}

/** A phone number in one of the formats people actually type. */
export function phone(rng: Rng): string {
  const d = (n: number): string => Array.from({ length: n }, () => String(rng.int(0, 9))).join('');
  const formats = [`+32 ${d(3)} ${d(2)} ${d(2)} ${d(2)}`, `+33 6 ${d(2)} ${d(2)} ${d(2)} ${d(2)}`, `0${d(3)}/${d(2)}.${d(2)}.${d(2)}`, `(+49) ${d(3)}-${d(7)}`];
  return rng.pick(formats);
}

/** E.164-ish normalisation, as phone_validation stores in phone_sanitized. */
export function sanitizePhone(p: string): string {
  const digits = p.replace(/[^\d+]/g, '');
  return digits.startsWith('+') ? digits : `+32${digits.replace(/^0/, '')}`;
}

export function sentence(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.pick(WORDS));
  const s = out.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/** An HTML body of roughly `bytes` characters mentioning a person (PII for sanitizers to find). */
export function htmlBody(rng: Rng, bytes: number, who: { name: string; email: string | null; phone: string | null }): string {
  const parts = [`<p>Dear ${who.name},</p>`];
  let len = parts[0]?.length ?? 0;
  while (len < bytes) {
    const p = `<p>${sentence(rng, rng.int(8, 30))}</p>`;
    parts.push(p);
    len += p.length;
  }
  const contact = [who.email && `<a href="mailto:${who.email}">${who.email}</a>`, who.phone].filter(Boolean).join(' / ');
  parts.push(`<p>Contact: ${contact || 'n/a'}</p>`);
  return parts.join('');
}

/** Fixed reference instant of the generated data ("now" for the fake company). */
export const ANCHOR = Date.UTC(2024, 4, 1, 9, 0, 0);
/** Start of the far-future window used for scheduled mails and pending cron triggers. */
export const FUTURE = Date.UTC(2035, 0, 1, 0, 0, 0);

/** 'YYYY-MM-DD HH:MM:SS' (UTC, as Odoo stores datetimes). */
export function ts(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A timestamp up to `days` before the anchor. */
export function pastTs(rng: Rng, days = 730): string {
  return ts(ANCHOR - Math.floor(rng.next() * days * 86400) * 1000);
}

export function futureTs(rng: Rng, days = 365): string {
  return ts(FUTURE + Math.floor(rng.next() * days * 86400) * 1000);
}

/** Odoo's translatable-field jsonb value. */
export function tr(text: string): string {
  return JSON.stringify({ en_US: text });
}
